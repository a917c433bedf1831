/*
 * NAME
 *   keys_internal.h - struct sg_keys and the helpers its files share
 *                     (private to control/keys/)
 *
 * SUMMARY
 *   struct sg_keys holds a copy of the signing scopes (so the caller may
 *   free its struct sg_config), one keycache per scope, the selector set,
 *   the generation counter, the clock and the log. keys.c makes and
 *   answers lookups, keys_cmd.c answers the read-only console commands
 *   and dispatches, lifecycle.c changes selectors (create, enable,
 *   disable, rotate, retire, dns record), dnstest.c runs `dns test`.
 *
 *   Safe deletion date of a selector switched off for a domain:
 *     delete_after = switch-off time + max(KEYS_DNS_ALLOWANCE,
 *                                          L + KEYS_DELIVERY_WINDOW)
 *   L = the longest signature lifetime (x=, option `lifetime`) in the
 *   scope that signs the domain. Mail signed just before the switch may
 *   wait in queues for the delivery window and be verified at delivery
 *   (or later, as long as its x= allows); resolvers may hold the old
 *   record for the DNS allowance. With the defaults the result is 7 days.
 */
#ifndef SIGNET_CONTROL_KEYS_INTERNAL_H
#define SIGNET_CONTROL_KEYS_INTERNAL_H

#include "keycache.h"
#include "keys.h"
#include "keystore.h"
#include "selectors.h"

#define KEYS_DNS_ALLOWANCE (48 * 3600)
#define KEYS_DELIVERY_WINDOW (7 * 24 * 3600)
#define KEYS_LIFETIME_MAX_H (100ull * 365 * 24)	/* clamps absurd lifetimes */

struct keys_scope {
	struct sg_sign_scope conf;	/* deep copy: domains owned */
	struct keycache *cache;
};

struct sg_keys {
	struct sg_clock clock;
	struct ks_log log;
	uint64_t generation;
	struct kc_env kc_env;		/* points at clock, generation, log */
	char state_dir[SG_CONF_PATH_MAX];
	char resolver[128];
	unsigned dns_timeout_ms;
	struct keys_scope *scopes;
	size_t nscopes;
	struct selset sel;
};

int64_t keys_now(const struct sg_keys *k);
/* snprintf for messages, where cutting a long name short is fine. */
void keys_textf(char *out, size_t cap, const char *fmt, ...) SG_PRINTF(3, 4);
/* "2026-11-22T10:00:00Z"; "-" for 0. */
void keys_time_text(int64_t t, char *out, size_t cap);
const char *keys_scope_block(enum sg_sigkind kind);	/* "dkim_sign" / "dk_sign" */

/* The scope that signs domain: the first of that kind whose dk_domain (or
 * base_domain) names it, else the first with a selector of its own (it
 * signs any domain), else the first of that kind; NULL when none. */
struct keys_scope *keys_scope_for(const struct sg_keys *k, enum sg_sigkind kind,
				  const char *domain);
const struct sg_sign_options *keys_options_for(const struct keys_scope *s,
					       const char *domain);
/* The key file of selector for domain, through the scope's template. */
SG_MUST_CHECK enum sg_err keys_path_for(const struct sg_keys *k, enum sg_sigkind kind,
					const char *domain, const char *selector, char *path,
					size_t cap, struct sg_error *err);
/* Loads the private key of sel for domain (through keys_path_for); the
 * caller frees *out. SG_E_KEY names the selector, the domain and why. */
SG_MUST_CHECK enum sg_err keys_load_selector_key(const struct sg_keys *k,
						 const struct selector *sel, const char *domain,
						 struct sg_privkey **out, struct sg_error *err);
/* Seconds from a switch-off to the safe deletion date (rule above). */
int64_t keys_grace(const struct sg_keys *k, enum sg_sigkind kind, const char *domain);
/* Persists the selector state (state_dir/selectors.state). */
SG_MUST_CHECK enum sg_err keys_save(struct sg_keys *k, struct sg_error *err);
/* A change of selectors: keys_snapshot before, keys_commit after; commit
 * saves, and when saving fails puts the selectors back as they were in
 * the snapshot (which it frees in any case). */
SG_MUST_CHECK enum sg_err keys_snapshot(const struct sg_keys *k, struct sg_buf *out);
SG_MUST_CHECK enum sg_err keys_commit(struct sg_keys *k, struct sg_buf *before,
				      struct sg_error *err);
/* Undoes a change that failed half way (frees the snapshot). */
void keys_restore(struct sg_keys *k, struct sg_buf *before);
/* Drops cached entries of (domain, selector) in every scope of kind. */
void keys_forget(struct sg_keys *k, enum sg_sigkind kind, const char *domain,
		 const char *selector);
/* Normalizes a domain from a command; SG_E_ARG with the reason. An empty
 * (optional, absent) domain gives an empty out. */
SG_MUST_CHECK enum sg_err keys_domain_arg(const char *in, char *out, size_t cap,
					  struct sg_error *err);
/* The selectors called name (up to max, one per kind) into found and *n;
 * SG_E_ARG "no selector named ..." when there is none. */
SG_MUST_CHECK enum sg_err keys_selectors_named(struct sg_keys *k, const char *name,
					       struct selector **found, size_t max, size_t *n,
					       struct sg_error *err);

/* Table helpers: columns from a NULL-terminated list of names ('#' first
 * = INT column); a row of ncols cells. */
SG_MUST_CHECK enum sg_err keys_table_columns(struct sg_table *t, const char *const *names);
SG_MUST_CHECK enum sg_err keys_table_row(struct sg_table *t, const char *const *cells,
					 struct sg_error *err);

/* selswitch.c: the key of sel for domain loads and can sign what the
 * scope asks (digest); SG_E_KEY with the reason otherwise. */
SG_MUST_CHECK enum sg_err keys_check_key(struct sg_keys *k, const struct selector *sel,
					 const char *domain, struct sg_error *err);

/* lifecycle.c */
SG_MUST_CHECK enum sg_err keys_cmd_create(struct sg_keys *k, const struct sg_cmd_params *p,
					  struct sg_table *out, struct sg_error *err);
SG_MUST_CHECK enum sg_err keys_cmd_enable(struct sg_keys *k, const struct sg_cmd_params *p,
					  bool enable, struct sg_table *out,
					  struct sg_error *err);
SG_MUST_CHECK enum sg_err keys_cmd_rotate(struct sg_keys *k, const struct sg_cmd_params *p,
					  struct sg_table *out, struct sg_error *err);
SG_MUST_CHECK enum sg_err keys_cmd_retire(struct sg_keys *k, const struct sg_cmd_params *p,
					  struct sg_table *out, struct sg_error *err);
SG_MUST_CHECK enum sg_err keys_cmd_record(struct sg_keys *k, const struct sg_cmd_params *p,
					  struct sg_table *out, struct sg_error *err);

/* dnstest.c */
SG_MUST_CHECK enum sg_err keys_cmd_dns_test(struct sg_keys *k, const struct sg_cmd_params *p,
					    struct sg_table *out, struct sg_error *err);

#endif
