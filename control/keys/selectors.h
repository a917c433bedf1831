/*
 * NAME
 *   selectors.h - selectors and their domains (the IMail / Intra2net
 *                 model) and the state file that keeps them
 *                 (private to control/keys/)
 *
 * SUMMARY
 *   A selector has a name, a type (DKIM or DomainKeys), a
 *   canonicalization, the key it was created with, and its domains, each
 *   with an enabled flag. Its DNS record for a domain is
 *   NAME._domainkey.DOMAIN. Two origins:
 *     config  a `selector` set in a dkim_sign / dk_sign scope of signet.conf:
 *             fixed (never created, retired or written by signet-controld);
 *             its dk_domain domains start enabled, and a selector set on
 *             the scope itself also serves any other domain ("*");
 *     state   created at run time (selector create / rotate), kept in
 *             STATE_DIR/selectors.state.
 *   At most one selector of each type is enabled per domain. sel_enable
 *   disables every other selector of the type for that domain (config
 *   ones too: the state file records that override, never signet.conf).
 *   sel_resolve answers "which selector signs DOMAIN": an explicit enabled
 *   entry (a state selector before a config one), else a config selector
 *   serving "*" - unless some selector of that type was used for DOMAIN
 *   and switched off (then DOMAIN is unsigned until one is enabled;
 *   merely creating a selector for DOMAIN changes nothing).
 *
 *   Per domain an entry remembers whether it was ever enabled and, once
 *   disabled after use, the earliest safe deletion date (delete_after):
 *     status  enabled    signing
 *             new        never enabled (publish, test, enable)
 *             retiring   disabled after use, before delete_after
 *             disabled   disabled after use, delete_after passed
 *
 * STATE FILE
 *   Text, one record per line, fields separated by one space:
 *     signet-selectors 1                                  (first line)
 *     selector NAME KIND ORIGIN CANON KEYTYPE BITS CREATED
 *     domain NAME KIND DOMAIN on|off EVER DELETE_AFTER
 *   KIND dkim|domainkeys, ORIGIN state|config, CANON e.g. relaxed/simple
 *   or nofws ("-" unknown), KEYTYPE rsa|ed25519|-, BITS and the times
 *   (seconds since the epoch, 0 = none) decimal, EVER 0|1. Lines starting
 *   with '#' are comments. A domain line follows its selector line. For
 *   config selectors only the overrides are written (disabled config
 *   domains, domains enabled from the console); records of config
 *   selectors signet.conf no longer has are dropped on load.
 *   Written as temp file + fsync + rename + fsync of the folder, mode 0600.
 *
 * UNTRUSTED INPUT
 *   The state file (at most SELSTATE_FILE_MAX bytes, lines of at most
 *   SELSTATE_LINE_MAX, SEL_MAX selectors of SEL_DOMAINS_MAX domains):
 *   errors name FILE:LINE and the field.
 */
#ifndef SIGNET_CONTROL_SELECTORS_H
#define SIGNET_CONTROL_SELECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "config.h"
#include "keystore.h"
#include "status.h"
#include "types.h"

#define SEL_MAX 4096
#define SEL_DOMAINS_MAX 4096
#define SEL_ANY_DOMAIN "*"
#define SELSTATE_FILE "selectors.state"
#define SELSTATE_FILE_MAX (8 * 1024 * 1024)
#define SELSTATE_LINE_MAX 1024

enum sel_origin { SEL_CONFIG, SEL_STATE };

enum sel_status { SEL_ST_ENABLED, SEL_ST_NEW, SEL_ST_RETIRING, SEL_ST_DISABLED };

struct sel_domain {
	char domain[KS_DOMAIN_MAX + 1];		/* or "*" (config only) */
	bool enabled;
	bool ever_enabled;
	bool from_config;			/* listed by signet.conf */
	int64_t delete_after;			/* 0: none */
};

struct selector {
	char name[KS_SELECTOR_MAX + 1];
	enum sg_sigkind kind;
	enum sel_origin origin;
	char canon[32];				/* "relaxed/relaxed", "nofws", "-" */
	enum sg_keytype key_type;
	unsigned bits;				/* 0: unknown */
	int64_t created;			/* 0: unknown */
	struct sel_domain *domains;
	size_t ndomains, cap;
};

struct selset {
	struct selector **v;			/* stable pointers */
	size_t n, cap;
};

/* Called for each (selector, domain) that sel_enable switches off. */
typedef void sel_disabled_fn(const struct selector *sel, const char *domain, void *arg);

void selset_init(struct selset *s);
void selset_free(struct selset *s);

/* Adds the config selectors of scopes (their dk_domain domains, "*" for a
 * selector set on the scope itself). */
SG_MUST_CHECK enum sg_err selset_add_config(struct selset *s, const struct sg_sign_scope *scopes,
					    size_t nscopes, struct sg_error *err);

struct selector *sel_find(const struct selset *s, const char *name, enum sg_sigkind kind);
/* Selectors of any kind named name; returns how many (fills at most cap). */
size_t sel_find_name(const struct selset *s, const char *name, struct selector **out,
		     size_t cap);
SG_MUST_CHECK enum sg_err sel_add(struct selset *s, const char *name, enum sg_sigkind kind,
				  enum sel_origin origin, struct selector **out);
void sel_remove(struct selset *s, struct selector *sel);

struct sel_domain *sel_domain_find(const struct selector *sel, const char *domain);
SG_MUST_CHECK enum sg_err sel_domain_add(struct selector *sel, const char *domain,
					 struct sel_domain **out);

/* The selector that signs for domain, NULL when none is enabled. */
const struct selector *sel_resolve(const struct selset *s, enum sg_sigkind kind,
				   const char *domain);

/* grace: seconds from now to the safe deletion date of what gets
 * disabled. */
SG_MUST_CHECK enum sg_err sel_enable(struct selset *s, struct selector *sel, const char *domain,
				     int64_t now, int64_t grace, sel_disabled_fn *disabled,
				     void *arg);
/* SG_E_STATE when sel is not enabled for domain. */
SG_MUST_CHECK enum sg_err sel_disable(struct selset *s, struct selector *sel,
				      const char *domain, int64_t now, int64_t grace,
				      struct sg_error *err);
/* After a load: one enabled selector per type and domain (state ones
 * win); returns how many config entries it switched off. */
size_t sel_normalize(struct selset *s);

enum sel_status sel_domain_status(const struct sel_domain *d, int64_t now);
const char *sel_status_name(enum sel_status st);
const char *sel_kind_name(enum sg_sigkind kind);	/* "dkim", "domainkeys" */

/* selstate.c */
SG_MUST_CHECK enum sg_err selstate_parse(struct selset *s, const char *text, size_t len,
					 const char *name, struct sg_error *err);
/* A missing file is an empty state. */
SG_MUST_CHECK enum sg_err selstate_load(struct selset *s, const char *path,
					struct sg_error *err);
SG_MUST_CHECK enum sg_err selstate_format(const struct selset *s, struct sg_buf *out);
/* Writes dir/SELSTATE_FILE atomically (creating dir, mode 0700). */
SG_MUST_CHECK enum sg_err selstate_save(const struct selset *s, const char *dir,
					struct sg_error *err);

#endif
