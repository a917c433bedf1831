/*
 * NAME
 *   selswitch.c - selector enable and disable (see keys.h, selectors.h)
 *
 * SUMMARY
 *   enable NAME DOMAIN: the selector's key for DOMAIN must load (mode,
 *   format) and fit the scope's digest (an Ed25519 key cannot sign
 *   rsa-sha256; DomainKeys needs RSA) - a selector is never switched on
 *   to fail every message. Then it becomes the one enabled selector of
 *   its type for DOMAIN: the one that was enabled is switched off with
 *   its safe deletion date. A name that is both a DKIM and a DomainKeys
 *   selector (possible in signet.conf) switches both.
 *   disable NAME DOMAIN: switches it off (safe deletion date set); DOMAIN
 *   is then not signed with that type until another selector is enabled.
 *   Both save the state; when saving fails nothing changes.
 *   Answer: columns selector, type, domain, status, delete_after - every
 *   selector of the types involved that has an entry for DOMAIN.
 *
 * UNTRUSTED INPUT
 *   Command parameters (checked with keystore.h).
 */

/* System library. */
#include <stdio.h>
#include <string.h>

/* Control plane. */
#include "keys_internal.h"

#define SWITCHED_MAX 4

struct switched {
	char names[SWITCHED_MAX][KS_SELECTOR_MAX + 1];
	size_t n;
};

static void note_disabled(const struct selector *sel, const char *domain, void *arg)
{
	struct switched *sw = arg;

	(void)domain;
	if (sw->n < SWITCHED_MAX)
		snprintf(sw->names[sw->n++], sizeof(sw->names[0]), "%s", sel->name);
}

enum sg_err keys_check_key(struct sg_keys *k, const struct selector *sel, const char *domain,
			   struct sg_error *err)
{
	const struct keys_scope *scope = keys_scope_for(k, sel->kind, domain);
	char path[SG_CONF_PATH_MAX], why[256];
	struct sg_privkey *key = NULL;
	struct ks_identity id;
	enum sg_err rc = keys_path_for(k, sel->kind, domain, sel->name, path, sizeof(path), err);
	enum sg_alg alg;

	if (rc != SG_OK)
		return rc;
	if (ks_load(path, &key, &id, why, sizeof(why)) != KS_OK)
		return sg_error_set(err, SG_E_KEY, 0, 0, "cannot enable %s for %s: %s", sel->name,
				    domain, why);
	alg = sel->kind == SG_KIND_DOMAINKEYS ? SG_ALG_RSA_SHA1 :
						keys_options_for(scope, domain)->digest;
	if (!sg_privkey_supports(key, alg))
		rc = sg_error_set(err, SG_E_KEY, 0, 0, "cannot enable %s for %s: its %s key "
				  "cannot sign %s (the digest of %s \"%s\")", sel->name, domain,
				  sg_privkey_type(key) == SG_KEY_ED25519 ? "Ed25519" : "RSA",
				  sg_alg_name(alg), keys_scope_block(sel->kind), scope->conf.name);
	sg_privkey_free(key);
	return rc;
}

static enum sg_err state_rows(struct sg_keys *k, const bool kinds[2], const char *domain,
			      struct sg_table *t, struct sg_error *err)
{
	static const char *const cols[] = { "selector", "type", "domain", "status",
					    "delete_after", NULL };
	enum sg_err rc;
	char after[32];

	sg_table_init(t, "selector");
	rc = keys_table_columns(t, cols);
	for (size_t i = 0; rc == SG_OK && i < k->sel.n; i++) {
		const struct selector *sel = k->sel.v[i];
		const struct sel_domain *d = sel_domain_find(sel, domain);
		const char *cells[5] = { sel->name, sel_kind_name(sel->kind), domain, "", after };

		if (d == NULL || !kinds[sel->kind == SG_KIND_DOMAINKEYS])
			continue;
		cells[3] = sel_status_name(sel_domain_status(d, keys_now(k)));
		keys_time_text(d->enabled ? 0 : d->delete_after, after, sizeof(after));
		rc = keys_table_row(t, cells, err);
	}
	return rc;
}

/* Applies enable/disable to every selector in found (a name may be a
 * DKIM and a DomainKeys selector); disable fails only when none of them
 * was enabled for domain. */
static enum sg_err apply(struct sg_keys *k, struct selector **found, size_t n,
			 const char *domain, bool enable, struct switched *sw,
			 struct sg_error *err)
{
	enum sg_err rc = SG_OK;
	size_t done = 0;

	for (size_t i = 0; i < n; i++) {
		struct selector *sel = found[i];
		int64_t grace = keys_grace(k, sel->kind, domain);

		if (enable) {
			rc = keys_check_key(k, sel, domain, err);
			if (rc == SG_OK &&
			    (rc = sel_enable(&k->sel, sel, domain, keys_now(k), grace,
					     note_disabled, sw)) != SG_OK)
				rc = sg_error_set(err, rc, 0, 0, "cannot enable %s: %s", sel->name,
						  sg_err_name(rc));
			if (rc != SG_OK)
				return rc;
		} else {
			rc = sel_disable(&k->sel, sel, domain, keys_now(k), grace, err);
			if (rc != SG_OK && rc != SG_E_STATE)
				return rc;
		}
		if (rc == SG_OK) {
			keys_forget(k, sel->kind, domain, sel->name);
			done++;
		}
	}
	return done > 0 ? SG_OK : rc;
}

enum sg_err keys_cmd_enable(struct sg_keys *k, const struct sg_cmd_params *p, bool enable,
			    struct sg_table *out, struct sg_error *err)
{
	char domain[KS_DOMAIN_MAX + 1], after[32];
	struct selector *found[2];
	enum sg_sigkind kind;
	struct switched sw = { .n = 0 };
	bool kinds[2] = { false, false };
	struct sg_buf before;
	size_t n;
	enum sg_err rc = keys_selectors_named(k, p->name, found, 2, &n, err);

	if (rc != SG_OK)
		return rc;
	rc = keys_domain_arg(p->domain, domain, sizeof(domain), err);
	if (rc != SG_OK)
		return rc;
	n = n > 2 ? 2 : n;
	for (size_t i = 0; i < n; i++)
		kinds[found[i]->kind == SG_KIND_DOMAINKEYS] = true;
	/* A failed commit rebuilds the selector set: found[] dangles after it. */
	kind = found[0]->kind;
	rc = keys_snapshot(k, &before);
	if (rc != SG_OK) {
		sg_buf_free(&before);
		return sg_error_set(err, rc, 0, 0, "cannot snapshot the selector state");
	}
	rc = apply(k, found, n, domain, enable, &sw, err);
	if (rc != SG_OK) {
		keys_restore(k, &before);
		return rc;
	}
	rc = keys_commit(k, &before, err);
	if (rc != SG_OK)
		return rc;
	rc = state_rows(k, kinds, domain, out, err);
	keys_time_text(keys_now(k) + keys_grace(k, kind, domain), after, sizeof(after));
	if (rc == SG_OK && enable)
		keys_textf(out->message, sizeof(out->message), "%s now signs %s%s%s%s%s", p->name,
			 domain, sw.n ? "; switched off: " : "", sw.n ? sw.names[0] : "",
			 sw.n ? ", keep its DNS record until " : "", sw.n ? after : "");
	else if (rc == SG_OK)
		keys_textf(out->message, sizeof(out->message), "%s no longer signs %s; keep its DNS "
			 "record until %s", p->name, domain, after);
	return rc;
}
