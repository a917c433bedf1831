/*
 * NAME
 *   lifecycle.c - selector create, rotate and retire, and `dns record`
 *                 (see keys.h; enable/disable in selswitch.c)
 *
 * SUMMARY
 *   create NAME --domain D: generates the key (RSA 2048 unless told, or
 *     Ed25519), writes it at the scope's key template path for D (folders
 *     made 0700, the file 0600, never over an existing file), records the
 *     selector as "new" in the state and answers its DNS record. The
 *     template must contain %{s}, or every selector of a domain would
 *     share one file.
 *   rotate D: for each type with a selector enabled for D, the newest
 *     "new" selector of that type prepared for D (created, published,
 *     tested) becomes active; when there is none, a selector named after
 *     the date (s20261122, then s20261122-2 ...) is created with a key of
 *     the same type and size and becomes active at once - its record must
 *     be published immediately (the answer says so). The old selector is
 *     switched off for D with its safe deletion date (keys_internal.h).
 *   retire NAME: removes a runtime selector that is enabled nowhere and
 *     whose safe deletion dates have passed (or that was never enabled).
 *     Its key files are renamed FILE.retired (keystore.h), not deleted:
 *     private keys are never destroyed behind the operator's back.
 *     Selectors from signet.conf are refused (edit the file instead).
 *   dns record NAME [D]: the TXT record of each domain (or of D): name,
 *     value and the zone-file form cut into 255-byte strings.
 *   Answers of create, rotate and dns record: columns domain, field,
 *   value, with fields selector, retiring, delete_after (rotate),
 *   key_file, key, dns_name, txt and one "zone" row per zone-file line
 *   (without the leading tab of continuation lines: no control bytes in
 *   a cell, so the text output pastes into a zone file).
 *
 * UNTRUSTED INPUT
 *   Command parameters (names and domains checked with keystore.h).
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Control plane. */
#include "dnsrecord.h"
#include "keys_internal.h"

#define ROTATE_SUFFIX_MAX 99

static enum sg_err field_row(struct sg_table *t, const char *domain, const char *field,
			     const char *value, struct sg_error *err)
{
	const char *cells[3] = { domain, field, value };

	return keys_table_row(t, cells, err);
}

static enum sg_err record_table(struct sg_table *t, const char *title, struct sg_error *err)
{
	static const char *const cols[] = { "domain", "field", "value", NULL };

	sg_table_init(t, title);
	if (keys_table_columns(t, cols) != SG_OK)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "cannot build the answer table");
	return SG_OK;
}

/* Rows key, dns_name, txt and zone... for key published as sel/domain. */
static enum sg_err record_rows(struct sg_table *t, const char *sel, enum sg_sigkind kind,
			       const char *domain, const struct sg_privkey *key,
			       struct sg_error *err)
{
	struct sg_buf name, txt, zone;
	char desc[32];
	enum sg_err rc;

	sg_buf_init(&name, 1024);
	sg_buf_init(&txt, 4096);
	sg_buf_init(&zone, 8192);
	if (sg_privkey_type(key) == SG_KEY_ED25519)
		snprintf(desc, sizeof(desc), "ed25519");
	else
		snprintf(desc, sizeof(desc), "rsa-%u", sg_privkey_bits(key));
	rc = sg_dns_record(key, false, kind == SG_KIND_DOMAINKEYS, &txt, err);
	if (rc == SG_OK && (sg_dns_record_name(sel, domain, &name) != SG_OK ||
			    sg_dns_zone_line(sel, domain, sg_buf_cstr(&txt), &zone) != SG_OK))
		rc = sg_error_set(err, SG_E_ARG, 0, 0, "cannot write the record of %s for %s",
				  sel, domain);
	if (rc == SG_OK)
		rc = field_row(t, domain, "key", desc, err);
	if (rc == SG_OK)
		rc = field_row(t, domain, "dns_name", sg_buf_cstr(&name), err);
	if (rc == SG_OK)
		rc = field_row(t, domain, "txt", sg_buf_cstr(&txt), err);
	for (char *line = zone.data; rc == SG_OK && line != NULL;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		/* A continuation line starts with a tab, which signetctl's
		 * text output would show as '?': the row goes without it. */
		rc = field_row(t, domain, "zone", line + strspn(line, "\t"), err);
		line = nl ? nl + 1 : NULL;
	}
	sg_buf_free(&name);
	sg_buf_free(&txt);
	sg_buf_free(&zone);
	return rc;
}

struct new_key {
	enum sg_sigkind kind;
	enum sg_keytype type;
	unsigned bits;		/* 0: default */
};

/* Checks the type/key-type/bits options of selector create. */
static enum sg_err parse_new_key(const struct sg_cmd_params *p, struct new_key *nk,
				 struct sg_error *err)
{
	nk->kind = SG_KIND_DKIM;
	nk->type = SG_KEY_RSA;
	nk->bits = p->bits;
	if (strcmp(p->type, "domainkeys") == 0)
		nk->kind = SG_KIND_DOMAINKEYS;
	else if (p->type[0] != '\0' && strcmp(p->type, "dkim") != 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "--type is dkim or domainkeys, not "
				    "\"%s\"", p->type);
	if (strcmp(p->key_type, "ed25519") == 0)
		nk->type = SG_KEY_ED25519;
	else if (p->key_type[0] != '\0' && strcmp(p->key_type, "rsa") != 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "--key-type is rsa or ed25519, not "
				    "\"%s\"", p->key_type);
	if (nk->type == SG_KEY_ED25519 && nk->kind == SG_KIND_DOMAINKEYS)
		return sg_error_set(err, SG_E_ARG, 0, 0, "DomainKeys keys are RSA only");
	if (nk->type == SG_KEY_ED25519 && nk->bits != 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "--bits is for RSA keys only");
	return SG_OK;
}

/* Removes a key file written moments ago that was never published. */
static void discard_new_key(struct sg_keys *k, const char *path)
{
	if (unlink(path) == 0)
		ks_logf(&k->log, "removed %s again: the selector could not be recorded", path);
	else
		ks_logf(&k->log, "%s was written but its selector could not be recorded; "
			"remove the file by hand", path);
}

/* Generates and writes the key of a new selector name for domain and
 * records the selector ("new"); path receives the key file. */
static enum sg_err make_selector(struct sg_keys *k, const char *name, const char *domain,
				 const struct new_key *nk, char *path, size_t cap,
				 struct selector **out, struct sg_privkey **key,
				 struct sg_error *err)
{
	const struct keys_scope *scope = keys_scope_for(k, nk->kind, domain);
	struct selector *sel;
	struct sel_domain *d;
	struct ks_identity id;
	enum sg_err rc;

	*key = NULL;
	if (sel_find_name(&k->sel, name, NULL, 0) > 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "a selector named \"%s\" exists", name);
	rc = keys_path_for(k, nk->kind, domain, name, path, cap, err);
	if (rc != SG_OK)
		return rc;
	if (strstr(keys_options_for(scope, domain)->key, "%{s}") == NULL)
		return sg_error_set(err, SG_E_STATE, 0, 0, "the key template of %s \"%s\" has no "
				    "%%{s}: every selector of %s would use %s; put %%{s} in key = "
				    "to create selectors", keys_scope_block(nk->kind),
				    scope->conf.name, domain, path);
	if (ks_stat(path, &id, NULL, 0) != KS_MISSING)
		return sg_error_set(err, SG_E_STATE, 0, 0, "%s exists; refusing to replace a "
				    "key (pick another selector name or move the file)", path);
	rc = sg_privkey_generate(nk->type, nk->bits, key, err);
	if (rc == SG_OK)
		rc = ks_make_parent_dirs(path, err);
	if (rc == SG_OK)
		rc = sg_privkey_write(*key, path, err);
	if (rc != SG_OK) {
		sg_privkey_free(*key);
		*key = NULL;
		return rc;
	}
	rc = sel_add(&k->sel, name, nk->kind, SEL_STATE, &sel);
	if (rc == SG_OK && (rc = sel_domain_add(sel, domain, &d)) != SG_OK)
		sel_remove(&k->sel, sel);
	if (rc != SG_OK) {
		discard_new_key(k, path);
		sg_privkey_free(*key);
		*key = NULL;
		return sg_error_set(err, rc, 0, 0, "cannot record selector %s: %s", name,
				    sg_err_name(rc));
	}
	if (nk->kind == SG_KIND_DOMAINKEYS)
		snprintf(sel->canon, sizeof(sel->canon), "%s",
			 sg_canon_name(keys_options_for(scope, domain)->header_canon));
	else
		snprintf(sel->canon, sizeof(sel->canon), "%s/%s",
			 sg_canon_name(keys_options_for(scope, domain)->header_canon),
			 sg_canon_name(keys_options_for(scope, domain)->body_canon));
	sel->key_type = sg_privkey_type(*key);
	sel->bits = sg_privkey_bits(*key);
	sel->created = keys_now(k);
	keys_forget(k, nk->kind, domain, name);
	ks_logf(&k->log, "selector %s created for %s: %s", name, domain, path);
	*out = sel;
	return SG_OK;
}

enum sg_err keys_cmd_create(struct sg_keys *k, const struct sg_cmd_params *p,
			    struct sg_table *out, struct sg_error *err)
{
	char domain[KS_DOMAIN_MAX + 1], path[SG_CONF_PATH_MAX], why[160];
	struct sg_privkey *key = NULL;
	struct selector *sel;
	struct new_key nk;
	struct sg_buf before;
	enum sg_err rc;

	if (!ks_selector_check(p->name, why, sizeof(why)))
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s", why);
	rc = keys_domain_arg(p->domain, domain, sizeof(domain), err);
	if (rc == SG_OK)
		rc = parse_new_key(p, &nk, err);
	if (rc != SG_OK)
		return rc;
	rc = keys_snapshot(k, &before);
	if (rc == SG_OK)
		rc = make_selector(k, p->name, domain, &nk, path, sizeof(path), &sel, &key, err);
	if (rc != SG_OK) {
		sg_buf_free(&before);
		return rc;
	}
	rc = keys_commit(k, &before, err);
	if (rc != SG_OK)
		discard_new_key(k, path);
	if (rc == SG_OK)
		rc = record_table(out, "selector create", err);
	if (rc == SG_OK)
		rc = field_row(out, domain, "key_file", path, err);
	if (rc == SG_OK)
		rc = record_rows(out, p->name, nk.kind, domain, key, err);
	if (rc == SG_OK)
		keys_textf(out->message, sizeof(out->message), "created %s for %s (not enabled): "
			 "publish the TXT record, check it with `dns test %s %s`, then "
			 "`selector enable %s %s`", p->name, domain, p->name, domain, p->name,
			 domain);
	sg_privkey_free(key);
	return rc;
}

/* "s20261122", "s20261122-2", ...: a name used by no selector and no
 * key file. */
static enum sg_err rotation_name(struct sg_keys *k, enum sg_sigkind kind, const char *domain,
				 char *name, size_t cap, struct sg_error *err)
{
	char date[32], path[SG_CONF_PATH_MAX];
	struct ks_identity id;
	enum sg_err rc;

	keys_time_text(keys_now(k), date, sizeof(date));
	for (int n = 1; n <= ROTATE_SUFFIX_MAX; n++) {
		if (n == 1)
			snprintf(name, cap, "s%.4s%.2s%.2s", date, date + 5, date + 8);
		else
			snprintf(name, cap, "s%.4s%.2s%.2s-%d", date, date + 5, date + 8, n);
		if (sel_find_name(&k->sel, name, NULL, 0) > 0)
			continue;
		rc = keys_path_for(k, kind, domain, name, path, sizeof(path), err);
		if (rc != SG_OK)
			return rc;
		if (ks_stat(path, &id, NULL, 0) == KS_MISSING)
			return SG_OK;
	}
	return sg_error_set(err, SG_E_LIMIT, 0, 0, "no free selector name for today (tried "
			    "%d)", ROTATE_SUFFIX_MAX);
}

/* The newest never-enabled runtime selector of kind prepared for domain. */
static struct selector *prepared(const struct sg_keys *k, enum sg_sigkind kind,
				 const char *domain)
{
	struct selector *best = NULL;

	for (size_t i = 0; i < k->sel.n; i++) {
		struct selector *sel = k->sel.v[i];
		struct sel_domain *d = sel_domain_find(sel, domain);

		if (sel->kind == kind && sel->origin == SEL_STATE && d != NULL &&
		    !d->ever_enabled && (best == NULL || sel->created >= best->created))
			best = sel;
	}
	return best;
}

/* The key type and size the successor of old gets. */
static void successor_key(struct sg_keys *k, const struct selector *old, const char *domain,
			  struct new_key *nk)
{
	char path[SG_CONF_PATH_MAX], why[256];
	struct sg_privkey *key;
	struct ks_identity id;

	nk->kind = old->kind;
	nk->type = old->key_type;
	nk->bits = old->bits;
	if (old->bits != 0)
		return;
	if (keys_path_for(k, old->kind, domain, old->name, path, sizeof(path), NULL) == SG_OK &&
	    ks_load(path, &key, &id, why, sizeof(why)) == KS_OK) {
		nk->type = sg_privkey_type(key);
		nk->bits = nk->type == SG_KEY_RSA ? sg_privkey_bits(key) : 0;
		sg_privkey_free(key);
	}
}

/* Rotates the selector of one kind for domain; adds its rows. made gets
 * the path of a key file written for it ("" when none). */
static enum sg_err rotate_kind(struct sg_keys *k, const struct selector *old,
			       const char *domain, struct sg_table *t, char *made, size_t cap,
			       struct sg_error *err)
{
	char name[KS_SELECTOR_MAX + 1], path[SG_CONF_PATH_MAX], after[32], why[256];
	struct selector *next = prepared(k, old->kind, domain);
	struct sg_privkey *key = NULL;
	struct ks_identity id;
	struct new_key nk;
	enum sg_err rc = SG_OK;

	if (next == NULL) {
		successor_key(k, old, domain, &nk);
		rc = rotation_name(k, old->kind, domain, name, sizeof(name), err);
		if (rc == SG_OK)
			rc = make_selector(k, name, domain, &nk, path, sizeof(path), &next, &key,
					   err);
		if (rc == SG_OK)
			snprintf(made, cap, "%s", path);
	} else {
		rc = keys_check_key(k, next, domain, err);
		if (rc == SG_OK)
			rc = keys_path_for(k, next->kind, domain, next->name, path, sizeof(path),
					   err);
		if (rc == SG_OK && ks_load(path, &key, &id, why, sizeof(why)) != KS_OK)
			rc = sg_error_set(err, SG_E_KEY, 0, 0, "prepared selector %s: %s",
					  next->name, why);
	}
	if (rc == SG_OK)
		rc = sel_enable(&k->sel, next, domain, keys_now(k),
				keys_grace(k, old->kind, domain), NULL, NULL);
	keys_time_text(keys_now(k) + keys_grace(k, old->kind, domain), after, sizeof(after));
	if (rc == SG_OK)
		rc = field_row(t, domain, "selector", next->name, err);
	if (rc == SG_OK)
		rc = field_row(t, domain, "retiring", old->name, err);
	if (rc == SG_OK)
		rc = field_row(t, domain, "delete_after", after, err);
	if (rc == SG_OK)
		rc = field_row(t, domain, "key_file", path, err);
	if (rc == SG_OK)
		rc = record_rows(t, next->name, next->kind, domain, key, err);
	if (rc == SG_OK)
		keys_forget(k, next->kind, domain, next->name);
	sg_privkey_free(key);
	return rc;
}

/* Which kinds --type names: [DKIM, DomainKeys]; both without it. */
static enum sg_err rotate_kinds(const char *type, bool wanted[2], struct sg_error *err)
{
	wanted[0] = type[0] == '\0' || strcmp(type, "dkim") == 0;
	wanted[1] = type[0] == '\0' || strcmp(type, "domainkeys") == 0;
	if (!wanted[0] && !wanted[1])
		return sg_error_set(err, SG_E_ARG, 0, 0, "--type is dkim or domainkeys, not "
				    "\"%s\"", type);
	return SG_OK;
}

enum sg_err keys_cmd_rotate(struct sg_keys *k, const struct sg_cmd_params *p,
			    struct sg_table *out, struct sg_error *err)
{
	static const enum sg_sigkind kinds[2] = { SG_KIND_DKIM, SG_KIND_DOMAINKEYS };
	char domain[KS_DOMAIN_MAX + 1], made[2][SG_CONF_PATH_MAX] = { "", "" };
	const struct selector *old[2];
	bool only[2];
	struct sg_buf before;
	enum sg_err rc;

	rc = keys_domain_arg(p->domain, domain, sizeof(domain), err);
	if (rc != SG_OK)
		return rc;
	rc = rotate_kinds(p->type, only, err);
	if (rc != SG_OK)
		return rc;
	for (size_t i = 0; i < 2; i++)
		old[i] = only[i] ? sel_resolve(&k->sel, kinds[i], domain) : NULL;
	if (old[0] == NULL && old[1] == NULL)
		return sg_error_set(err, SG_E_STATE, 0, 0, "no %sselector is enabled for %s: "
				    "nothing to rotate (selector create NAME --domain %s%s)",
				    only[0] == only[1] ? "" : only[0] ? "DKIM " : "DomainKeys ",
				    domain, domain, only[0] ? "" : " --type domainkeys");
	rc = keys_snapshot(k, &before);
	if (rc == SG_OK)
		rc = record_table(out, "selector rotate", err);
	for (size_t i = 0; rc == SG_OK && i < 2; i++) {
		if (old[i] != NULL)
			rc = rotate_kind(k, old[i], domain, out, made[i], sizeof(made[i]), err);
	}
	if (rc == SG_OK)
		rc = keys_commit(k, &before, err);
	else
		keys_restore(k, &before);
	for (size_t i = 0; rc != SG_OK && i < 2; i++) {
		if (made[i][0] != '\0')
			discard_new_key(k, made[i]);
	}
	if (rc == SG_OK)
		keys_textf(out->message, sizeof(out->message), "%s: new selector active, the old "
			 "one retiring (keep its DNS record until delete_after, then selector "
			 "retire). A key made just now signs at once: publish its TXT record now",
			 domain);
	return rc;
}

/* Why sel may not be retired yet; SG_OK when it may. */
static enum sg_err retire_check(const struct sg_keys *k, const struct selector *sel,
				struct sg_error *err)
{
	char after[32];
	int64_t now = keys_now(k);

	if (sel->origin == SEL_CONFIG)
		return sg_error_set(err, SG_E_STATE, 0, 0, "selector %s is set in signet.conf: "
				    "remove it there, then config reload", sel->name);
	for (size_t i = 0; i < sel->ndomains; i++) {
		const struct sel_domain *d = &sel->domains[i];

		if (d->enabled)
			return sg_error_set(err, SG_E_STATE, 0, 0, "selector %s signs %s: disable "
					    "it (or rotate %s) first", sel->name, d->domain,
					    d->domain);
		if (d->ever_enabled && now < d->delete_after) {
			keys_time_text(d->delete_after, after, sizeof(after));
			return sg_error_set(err, SG_E_STATE, 0, 0, "selector %s signed mail for %s "
					    "until recently: mail in transit still needs its DNS "
					    "record; retire it after %s", sel->name, d->domain,
					    after);
		}
	}
	return SG_OK;
}

/* Renames the key file of sel for each domain; one row per domain. */
static enum sg_err retire_files(struct sg_keys *k, const char *name, enum sg_sigkind kind,
				char domains[][KS_DOMAIN_MAX + 1], size_t n, struct sg_table *t,
				struct sg_error *err)
{
	char path[SG_CONF_PATH_MAX], renamed[SG_CONF_PATH_MAX + 32];
	struct sg_error ferr;
	enum sg_err rc = SG_OK;

	for (size_t i = 0; rc == SG_OK && i < n; i++) {
		const char *cells[4] = { name, domains[i], path, renamed };

		snprintf(path, sizeof(path), "-");
		if (keys_path_for(k, kind, domains[i], name, path, sizeof(path), &ferr) != SG_OK)
			snprintf(renamed, sizeof(renamed), "not renamed: %s", ferr.msg);
		else if (ks_stat(path, &(struct ks_identity){ 0 }, NULL, 0) == KS_MISSING)
			snprintf(renamed, sizeof(renamed), "no file");
		else if (ks_retire_file(path, renamed, sizeof(renamed), &ferr) != SG_OK)
			snprintf(renamed, sizeof(renamed), "not renamed: %s", ferr.msg);
		else
			ks_logf(&k->log, "selector %s retired: %s renamed %s", name, path,
				renamed);
		keys_forget(k, kind, domains[i], name);
		rc = keys_table_row(t, cells, err);
	}
	return rc;
}

enum sg_err keys_cmd_retire(struct sg_keys *k, const struct sg_cmd_params *p,
			    struct sg_table *out, struct sg_error *err)
{
	static const char *const cols[] = { "selector", "domain", "key_file", "retired_as",
					    NULL };
	char (*domains)[KS_DOMAIN_MAX + 1];
	struct selector *sel = NULL;
	enum sg_sigkind kind;
	struct sg_buf before;
	size_t n, count;
	enum sg_err rc = keys_selectors_named(k, p->name, &sel, 1, &count, err);

	if (rc != SG_OK)
		return rc;
	if (count > 1 || sel->origin == SEL_CONFIG)
		return sg_error_set(err, SG_E_STATE, 0, 0, "selector %s is set in signet.conf: "
				    "remove it there, then config reload", p->name);
	rc = retire_check(k, sel, err);
	if (rc != SG_OK)
		return rc;
	n = sel->ndomains;
	kind = sel->kind;
	domains = calloc(n ? n : 1, sizeof(*domains));
	if (domains == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	for (size_t i = 0; i < n; i++)
		memcpy(domains[i], sel->domains[i].domain, sizeof(domains[i]));
	rc = keys_snapshot(k, &before);
	if (rc == SG_OK) {
		sel_remove(&k->sel, sel);
		rc = keys_commit(k, &before, err);
	} else {
		sg_buf_free(&before);
	}
	sg_table_init(out, "selector retire");
	if (rc == SG_OK)
		rc = keys_table_columns(out, cols);
	if (rc == SG_OK)
		rc = retire_files(k, p->name, kind, domains, n, out, err);
	if (rc == SG_OK)
		keys_textf(out->message, sizeof(out->message), "%s retired: delete its TXT records "
			 "(%s._domainkey.DOMAIN) from the zones; the private keys are kept as "
			 "*.retired until you delete them", p->name, p->name);
	free(domains);
	return rc;
}

/* Rows of one domain of `dns record`. */
static enum sg_err record_domain(struct sg_keys *k, const struct selector *sel,
				 const char *domain, struct sg_table *t, struct sg_error *err)
{
	struct sg_privkey *key = NULL;
	enum sg_err rc;

	rc = keys_load_selector_key(k, sel, domain, &key, err);
	if (rc != SG_OK)
		return rc;
	rc = record_rows(t, sel->name, sel->kind, domain, key, err);
	sg_privkey_free(key);
	return rc;
}

enum sg_err keys_cmd_record(struct sg_keys *k, const struct sg_cmd_params *p,
			    struct sg_table *out, struct sg_error *err)
{
	char domain[KS_DOMAIN_MAX + 1];
	struct selector *found[2];
	size_t n, rows = 0;
	enum sg_err rc = keys_selectors_named(k, p->name, found, 2, &n, err);

	if (rc == SG_OK)
		rc = keys_domain_arg(p->domain, domain, sizeof(domain), err);
	if (rc != SG_OK)
		return rc;
	rc = record_table(out, "dns record", err);
	for (size_t i = 0; rc == SG_OK && i < n && i < 2; i++) {
		const struct selector *sel = found[i];

		if (p->domain[0] != '\0') {
			rc = record_domain(k, sel, domain, out, err);
			rows++;
			continue;
		}
		for (size_t j = 0; rc == SG_OK && j < sel->ndomains; j++) {
			if (strcmp(sel->domains[j].domain, SEL_ANY_DOMAIN) == 0)
				continue;
			rc = record_domain(k, sel, sel->domains[j].domain, out, err);
			rows++;
		}
	}
	if (rc == SG_OK && rows == 0)
		rc = sg_error_set(err, SG_E_ARG, 0, 0, "selector %s has no domain of its own: "
				  "name one (dns record %s DOMAIN)", p->name, p->name);
	if (rc == SG_OK)
		keys_textf(out->message, sizeof(out->message), "publish the txt value at dns_name "
			 "(zone rows: the same record for a zone file)");
	return rc;
}
