/*
 * NAME
 *   keys_cmd.c - sg_keys_command: the console commands about keys, and
 *                the summary counters (see keys.h)
 *
 * SUMMARY
 *   Dispatches by command id; answers the read-only commands here
 *   (keycache list, selector list / show) and the flushes, and hands the
 *   selector changes to lifecycle.c and `dns test` to dnstest.c. Every
 *   answer is a table whose columns are fixed per command (stable JSON):
 *     keycache list     scope domain selector state key generation age_s
 *                       hits detail
 *     keycache flush,
 *     SCOPE flush       scope flushed
 *     selector list     selector type domain status source canon key
 *                       delete_after
 *     selector show     selector type domain status dns_name key_file key
 *                       delete_after
 *   Times are UTC, ISO 8601 ("2026-11-29T10:00:00Z"), "-" when none.
 *
 * UNTRUSTED INPUT
 *   struct sg_cmd_params from the socket (already matched against the
 *   command table; names and domains are checked again here).
 */

/* System library. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Control plane. */
#include "dnsrecord.h"
#include "keys_internal.h"

enum sg_err keys_table_columns(struct sg_table *t, const char *const *names)
{
	enum sg_err rc = SG_OK;

	for (size_t i = 0; rc == SG_OK && names[i] != NULL; i++) {
		bool num = names[i][0] == '#';

		rc = sg_table_column(t, names[i] + num, num ? SG_COL_INT : SG_COL_TEXT);
	}
	return rc;
}

enum sg_err keys_table_row(struct sg_table *t, const char *const *cells, struct sg_error *err)
{
	enum sg_err rc = sg_table_row(t, cells);

	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "cannot build the answer table (%s)",
				    sg_err_name(rc));
	return SG_OK;
}

static void key_text(const struct sg_privkey *key, char *out, size_t cap)
{
	if (key == NULL)
		snprintf(out, cap, "-");
	else if (sg_privkey_type(key) == SG_KEY_ED25519)
		snprintf(out, cap, "ed25519");
	else
		snprintf(out, cap, "rsa-%u", sg_privkey_bits(key));
}

struct list_ctx {
	struct sg_table *t;
	const struct keys_scope *scope;
	int64_t now;
	enum sg_err rc;
	struct sg_error *err;
};

static void list_one(const struct kc_view *v, void *arg)
{
	struct list_ctx *c = arg;
	char scope[SG_CONF_NAME_MAX + 16], key[32], gen[24], age[24], hits[24];
	const char *cells[9] = { scope, v->domain, v->selector,
				 v->key ? "loaded" : v->missing ? "missing" : "refused", key, gen,
				 age, hits, v->key ? v->path : v->reason };

	if (c->rc != SG_OK)
		return;
	snprintf(scope, sizeof(scope), "%s:%s", keys_scope_block(c->scope->conf.kind),
		 c->scope->conf.name);
	key_text(v->key, key, sizeof(key));
	snprintf(gen, sizeof(gen), "%" PRIu64, v->generation);
	snprintf(age, sizeof(age), "%lld",
		 (long long)(c->now > v->loaded_at ? c->now - v->loaded_at : 0));
	snprintf(hits, sizeof(hits), "%" PRIu64, v->hits);
	c->rc = keys_table_row(c->t, cells, c->err);
}

static enum sg_err cmd_keycache_list(struct sg_keys *k, struct sg_table *out,
				     struct sg_error *err)
{
	static const char *const cols[] = { "scope", "domain", "selector", "state", "key",
					    "#generation", "#age_s", "#hits", "detail", NULL };
	struct list_ctx c = { out, NULL, keys_now(k), SG_OK, err };
	size_t total = 0, neg = 0, n;

	sg_table_init(out, "keycache");
	c.rc = keys_table_columns(out, cols);
	for (size_t i = 0; c.rc == SG_OK && i < k->nscopes; i++) {
		c.scope = &k->scopes[i];
		keycache_each(k->scopes[i].cache, list_one, &c);
		total += keycache_count(k->scopes[i].cache, &n);
		neg += n;
	}
	keys_textf(out->message, sizeof(out->message), "%zu keys loaded, %zu remembered as "
		 "missing or refused", total - neg, neg);
	return c.rc;
}

static enum sg_err flush_row(struct sg_table *t, const struct keys_scope *s, size_t n,
			     struct sg_error *err)
{
	char scope[SG_CONF_NAME_MAX + 16], num[24];
	const char *cells[2] = { scope, num };

	snprintf(scope, sizeof(scope), "%s:%s", keys_scope_block(s->conf.kind), s->conf.name);
	snprintf(num, sizeof(num), "%zu", n);
	return keys_table_row(t, cells, err);
}

static enum sg_err cmd_keycache_flush(struct sg_keys *k, const struct sg_cmd_params *p,
				      struct sg_table *out, struct sg_error *err)
{
	static const char *const cols[] = { "scope", "#flushed", NULL };
	char domain[KS_DOMAIN_MAX + 1];
	size_t total = 0;
	enum sg_err rc = keys_domain_arg(p->domain, domain, sizeof(domain), err);

	if (rc != SG_OK)
		return rc;
	sg_table_init(out, "keycache flush");
	rc = keys_table_columns(out, cols);
	for (size_t i = 0; rc == SG_OK && i < k->nscopes; i++) {
		size_t n = keycache_flush(k->scopes[i].cache, p->domain[0] ? domain : NULL);

		total += n;
		rc = flush_row(out, &k->scopes[i], n, err);
	}
	keys_textf(out->message, sizeof(out->message), "%zu cached entries dropped%s%s", total,
		 p->domain[0] ? " for " : "", p->domain[0] ? domain : "");
	return rc;
}

static enum sg_err cmd_scope_flush(struct sg_keys *k, const struct sg_cmd_params *p,
				   struct sg_table *out, struct sg_error *err)
{
	static const char *const cols[] = { "scope", "#flushed", NULL };
	enum sg_sigkind kind = strcmp(p->scope_kind, "dk_sign") == 0 ? SG_KIND_DOMAINKEYS :
								       SG_KIND_DKIM;
	enum sg_err rc;

	for (size_t i = 0; i < k->nscopes; i++) {
		struct keys_scope *s = &k->scopes[i];
		size_t n;

		if (s->conf.kind != kind || strcmp(s->conf.name, p->name) != 0)
			continue;
		n = keycache_flush(s->cache, NULL);
		sg_table_init(out, "keycache flush");
		rc = keys_table_columns(out, cols);
		if (rc == SG_OK)
			rc = flush_row(out, s, n, err);
		keys_textf(out->message, sizeof(out->message), "%s:%s: %zu cached entries dropped",
			 keys_scope_block(kind), s->conf.name, n);
		return rc;
	}
	return sg_error_set(err, SG_E_ARG, 0, 0, "no %s scope named \"%s\" in the "
			    "configuration", keys_scope_block(kind), p->name);
}

static void sel_key_text(const struct selector *sel, char *out, size_t cap)
{
	if (sel->origin == SEL_CONFIG || sel->bits == 0)
		snprintf(out, cap, "-");
	else if (sel->key_type == SG_KEY_ED25519)
		snprintf(out, cap, "ed25519");
	else
		snprintf(out, cap, "rsa-%u", sel->bits);
}

static enum sg_err list_selector(struct sg_keys *k, const struct selector *sel,
				 struct sg_table *t, struct sg_error *err)
{
	char key[32], after[32];
	enum sg_err rc = SG_OK;
	int64_t now = keys_now(k);
	const char *cells[8] = { sel->name, sel_kind_name(sel->kind), "-", "new",
				 sel->origin == SEL_CONFIG ? "config" : "state", sel->canon, key,
				 after };

	sel_key_text(sel, key, sizeof(key));
	snprintf(after, sizeof(after), "-");
	if (sel->ndomains == 0)
		return keys_table_row(t, cells, err);
	for (size_t i = 0; rc == SG_OK && i < sel->ndomains; i++) {
		const struct sel_domain *d = &sel->domains[i];

		cells[2] = d->domain;
		cells[3] = sel_status_name(sel_domain_status(d, now));
		keys_time_text(d->enabled ? 0 : d->delete_after, after, sizeof(after));
		rc = keys_table_row(t, cells, err);
	}
	return rc;
}

static enum sg_err cmd_selector_list(struct sg_keys *k, struct sg_table *out,
				     struct sg_error *err)
{
	static const char *const cols[] = { "selector", "type", "domain", "status", "source",
					    "canon", "key", "delete_after", NULL };
	enum sg_err rc;

	sg_table_init(out, "selectors");
	rc = keys_table_columns(out, cols);
	for (size_t i = 0; rc == SG_OK && i < k->sel.n; i++)
		rc = list_selector(k, k->sel.v[i], out, err);
	keys_textf(out->message, sizeof(out->message), "%zu selectors", k->sel.n);
	return rc;
}

/* One `selector show` row: the domain's record name, key file and key. */
static enum sg_err show_domain(struct sg_keys *k, const struct selector *sel,
			       const struct sel_domain *d, struct sg_table *t,
			       struct sg_error *err)
{
	char path[SG_CONF_PATH_MAX], key[300], after[32];
	struct sg_privkey *pk = NULL;
	struct ks_identity id;
	struct sg_buf name;
	struct sg_error perr;
	bool any = strcmp(d->domain, SEL_ANY_DOMAIN) == 0;
	const char *cells[8] = { sel->name, sel_kind_name(sel->kind), d->domain,
				 sel_status_name(sel_domain_status(d, keys_now(k))), "", path,
				 key, after };
	enum sg_err rc;

	sg_buf_init(&name, 512);
	rc = any ? sg_buf_printf(&name, "%s._domainkey.(any domain)", sel->name) :
		   sg_dns_record_name(sel->name, d->domain, &name);
	cells[4] = rc == SG_OK ? sg_buf_cstr(&name) : "-";
	snprintf(path, sizeof(path), "-");
	snprintf(key, sizeof(key), "-");
	if (!any && keys_path_for(k, sel->kind, d->domain, sel->name, path, sizeof(path),
				  &perr) != SG_OK)
		snprintf(key, sizeof(key), "%s", perr.msg);
	else if (!any && ks_load(path, &pk, &id, key, sizeof(key)) == KS_OK)
		key_text(pk, key, sizeof(key));
	sg_privkey_free(pk);
	keys_time_text(d->enabled ? 0 : d->delete_after, after, sizeof(after));
	rc = keys_table_row(t, cells, err);
	sg_buf_free(&name);
	return rc;
}

static enum sg_err cmd_selector_show(struct sg_keys *k, const struct sg_cmd_params *p,
				     struct sg_table *out, struct sg_error *err)
{
	static const char *const cols[] = { "selector", "type", "domain", "status", "dns_name",
					    "key_file", "key", "delete_after", NULL };
	struct selector *found[2];
	size_t n;
	char created[32];
	enum sg_err rc = keys_selectors_named(k, p->name, found, 2, &n, err);

	if (rc != SG_OK)
		return rc;
	sg_table_init(out, "selector");
	rc = keys_table_columns(out, cols);
	for (size_t i = 0; i < n && i < 2; i++) {
		for (size_t j = 0; rc == SG_OK && j < found[i]->ndomains; j++)
			rc = show_domain(k, found[i], &found[i]->domains[j], out, err);
	}
	keys_time_text(found[0]->created, created, sizeof(created));
	keys_textf(out->message, sizeof(out->message), "%s: %s selector from %s, canon %s, "
		 "created %s", found[0]->name, sel_kind_name(found[0]->kind),
		 found[0]->origin == SEL_CONFIG ? "signet.conf" : "the state directory",
		 found[0]->canon, created);
	return rc;
}

enum sg_err sg_keys_command(struct sg_keys *k, const struct sg_cmd_params *p,
			    struct sg_table *out, struct sg_error *err)
{
	if (k == NULL || p == NULL || p->cmd == NULL || out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no keys, command or answer table");
	switch (p->cmd->id) {
	case SG_CMD_SCOPE_FLUSH:
		return cmd_scope_flush(k, p, out, err);
	case SG_CMD_KEYCACHE_LIST:
		return cmd_keycache_list(k, out, err);
	case SG_CMD_KEYCACHE_FLUSH:
		return cmd_keycache_flush(k, p, out, err);
	case SG_CMD_SELECTOR_LIST:
		return cmd_selector_list(k, out, err);
	case SG_CMD_SELECTOR_SHOW:
		return cmd_selector_show(k, p, out, err);
	case SG_CMD_SELECTOR_CREATE:
		return keys_cmd_create(k, p, out, err);
	case SG_CMD_SELECTOR_ENABLE:
		return keys_cmd_enable(k, p, true, out, err);
	case SG_CMD_SELECTOR_DISABLE:
		return keys_cmd_enable(k, p, false, out, err);
	case SG_CMD_SELECTOR_ROTATE:
		return keys_cmd_rotate(k, p, out, err);
	case SG_CMD_SELECTOR_RETIRE:
		return keys_cmd_retire(k, p, out, err);
	case SG_CMD_DNS_RECORD:
		return keys_cmd_record(k, p, out, err);
	case SG_CMD_DNS_TEST:
		return keys_cmd_dns_test(k, p, out, err);
	default:
		return sg_error_set(err, SG_E_ARG, 0, 0, "command \"%s\" is not about keys",
				    p->cmd->pattern);
	}
}

static enum sg_err summary_row(struct sg_table *t, const char *name, uint64_t v)
{
	char num[24];
	const char *cells[2] = { name, num };

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return sg_table_row(t, cells);
}

enum sg_err sg_keys_summary(struct sg_keys *k, struct sg_table *out)
{
	struct kc_stats sum = { 0 };
	size_t keys = 0, neg = 0, n, enabled = 0;
	enum sg_err rc = SG_OK;

	if (k == NULL || out == NULL)
		return SG_E_ARG;
	if (out->ncols == 0)
		rc = keys_table_columns(out, (const char *const[]){ "counter", "#value", NULL });
	else if (out->ncols != 2)
		return SG_E_ARG;
	for (size_t i = 0; i < k->nscopes; i++) {
		const struct kc_stats *s = keycache_stats(k->scopes[i].cache);

		keys += keycache_count(k->scopes[i].cache, &n);
		neg += n;
		sum.lookups += s->lookups;
		sum.hits += s->hits;
		sum.misses += s->misses;
		sum.reloads += s->reloads;
		sum.evictions += s->evictions;
		sum.failures += s->failures;
	}
	for (size_t i = 0; i < k->sel.n; i++) {
		for (size_t j = 0; j < k->sel.v[i]->ndomains; j++)
			enabled += k->sel.v[i]->domains[j].enabled;
	}
	const struct { const char *name; uint64_t v; } rows[] = {
		{ "keycache_keys", keys - neg }, { "keycache_negative", neg },
		{ "keycache_lookups", sum.lookups }, { "keycache_hits", sum.hits },
		{ "keycache_misses", sum.misses }, { "keycache_reloads", sum.reloads },
		{ "keycache_evictions", sum.evictions },
		{ "keycache_load_failures", sum.failures }, { "selectors", k->sel.n },
		{ "selector_domains_enabled", enabled },
	};
	for (size_t i = 0; rc == SG_OK && i < sizeof(rows) / sizeof(rows[0]); i++)
		rc = summary_row(out, rows[i].name, rows[i].v);
	return rc;
}
