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
 *   Refused key files and key events are logged through sg_keys_set_log
 *   (default: one line on stderr).
 *   Internals (keystore.h, keycache.h, selectors.h, keys_internal.h) are
 *   private to keys/.
 *
 *   Command answers: user mistakes (unknown selector, bad domain, refused
 *   change) are an error (SG_E_ARG / SG_E_STATE, err->msg is the line to
 *   show). `dns test` always answers with a table when the test could be
 *   run: one row per domain tested, column "result" one of
 *     "found and matching", "not found", "syntax error",
 *     "key does not match", "testing flag set", "lookup failed"
 *   and column "ok" (INT) 1 only for "found and matching"; the table
 *   message starts with "ok:" when every row matched, "failed:" otherwise.
 *   signetctl exits 0 for dns test only when every row has ok = 1.
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

/* fn NULL: back to stderr. */
void sg_keys_set_log(struct sg_keys *k, void (*fn)(void *env, const char *line), void *env);

SG_MUST_CHECK enum sg_err sg_keys_new(const struct sg_config *conf, struct sg_clock clock,
				      struct sg_keys **out, struct sg_error *err);
/* Applies a new configuration (config reload); keeps cached keys whose
 * file and options did not change. */
SG_MUST_CHECK enum sg_err sg_keys_reconfigure(struct sg_keys *k, const struct sg_config *conf,
					      struct sg_error *err);
void sg_keys_free(struct sg_keys *k);

SG_MUST_CHECK enum sg_err sg_keys_command(struct sg_keys *k, const struct sg_cmd_params *p,
					  struct sg_table *out, struct sg_error *err);

/* One row per counter for the summary command (keycache_keys,
 * keycache_misses, selectors_enabled...): into a table without columns it
 * puts the columns "counter" (TEXT) and "value" (INT); to a table that
 * already has two columns it appends rows. */
SG_MUST_CHECK enum sg_err sg_keys_summary(struct sg_keys *k, struct sg_table *out);

struct sg_key_answer {
	const struct sg_privkey *key;	/* NULL: no key (negative answer) */
	uint64_t generation;		/* changes when the material changes */
	char selector[SG_CONF_NAME_MAX + 1];	/* the enabled selector used */
	char reason[160];		/* why there is no key */
};

/* The key to sign for domain (DKIM or DomainKeys): the enabled selector of
 * that kind for the domain (or the scope's configured selector), loaded
 * through the key template and the keycache. A negative answer (no
 * selector, no key file, refused file, bad domain name) is SG_OK with key
 * NULL and the reason. out->key belongs to the keycache: valid until the
 * next sg_keys_* call. */
SG_MUST_CHECK enum sg_err sg_keys_lookup(struct sg_keys *k, enum sg_sigkind kind,
					 const char *domain, struct sg_key_answer *out,
					 struct sg_error *err);

#endif
