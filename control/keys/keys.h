/*
 * NAME
 *   keys.h - the control plane's key custody: key store, keycache,
 *            selectors and their lifecycle, DNS record tests
 *
 * SUMMARY
 *   struct sg_keys is the one object signet-controld keeps for everything
 *   about keys. It is the only code in signet that opens private-key files.
 *   sg_keys_command answers the console commands about keys (the
 *   SCOPE_FLUSH, KEYCACHE_*, SELECTOR_* and DNS_* rows of commands.h) with a
 *   table; sg_keys_lookup serves signetd (next issue): the key for a domain
 *   and selector, with a generation number that changes whenever the key
 *   material does.
 *   Time comes from struct sg_clock so tests can move it.
 *   Internals (keycache.h, selectors.h, dnstest.h) are private to keys/.
 */
#ifndef SIGNET_CONTROL_KEYS_H
#define SIGNET_CONTROL_KEYS_H

#include <stdint.h>
#include "commands.h"
#include "config.h"
#include "key.h"
#include "proto.h"
#include "status.h"

struct sg_clock {
	int64_t (*now)(void *env);	/* seconds since the epoch */
	void *env;
};

/* The wall clock. */
struct sg_clock sg_clock_system(void);

struct sg_keys;

SG_MUST_CHECK enum sg_err sg_keys_new(const struct sg_config *conf, struct sg_clock clock,
				      struct sg_keys **out, struct sg_error *err);
/* Applies a new configuration (config reload); keeps cached keys whose
 * file and options did not change. */
SG_MUST_CHECK enum sg_err sg_keys_reconfigure(struct sg_keys *k, const struct sg_config *conf,
					      struct sg_error *err);
void sg_keys_free(struct sg_keys *k);

SG_MUST_CHECK enum sg_err sg_keys_command(struct sg_keys *k, const struct sg_cmd_params *p,
					  struct sg_table *out, struct sg_error *err);

/* One line per counter for the summary command: keys cached, misses... */
SG_MUST_CHECK enum sg_err sg_keys_summary(struct sg_keys *k, struct sg_table *out);

struct sg_key_answer {
	const struct sg_privkey *key;	/* NULL: no key (negative answer) */
	uint64_t generation;		/* changes when the material changes */
	char selector[SG_CONF_NAME_MAX + 1];	/* the enabled selector used */
	char reason[160];		/* why there is no key */
};

/* The key to sign for domain (DKIM or DomainKeys): the enabled selector of
 * that kind for the domain (or the scope's configured selector), loaded
 * through the key template and the keycache. */
SG_MUST_CHECK enum sg_err sg_keys_lookup(struct sg_keys *k, enum sg_sigkind kind,
					 const char *domain, struct sg_key_answer *out,
					 struct sg_error *err);

#endif
