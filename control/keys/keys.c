/*
 * NAME
 *   keys.c - struct sg_keys: construction, config reload, key lookups for
 *            signetd, the summary counters (see keys.h)
 *
 * SUMMARY
 *   sg_keys_new copies the signing scopes, makes one keycache per scope,
 *   builds the selector set from signet.conf and the state file, and
 *   seeds the generation counter from the clock (seconds << 20), so the
 *   numbers of a restarted signet-controld do not repeat those of the
 *   previous run. sg_keys_reconfigure builds the new scopes and selector
 *   set beside the old ones (the runtime selectors carried over through
 *   the state format) and swaps only when everything succeeded; a scope
 *   that keeps its kind and name keeps its keycache (resized), whose
 *   entries revalidate themselves against changed templates and TTLs.
 *   sg_keys_lookup: domain -> enabled selector -> scope and options ->
 *   key path -> keycache.
 *
 * UNTRUSTED INPUT
 *   Domains in lookups come from signetd (from mail headers): checked with
 *   ks_domain_normalize before anything else; a bad one is a negative
 *   answer.
 */

/* System library. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Control plane. */
#include "keys_internal.h"

#define KEYS_DNS_TIMEOUT_MS 3000

static int64_t system_now(void *env)
{
	struct timespec ts;

	(void)env;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

struct sg_clock sg_clock_system(void)
{
	return (struct sg_clock){ system_now, NULL };
}

static void log_stderr(void *env, const char *line)
{
	(void)env;
	fprintf(stderr, "signet-controld: keys: %s\n", line);
}

void sg_keys_set_log(struct sg_keys *k, void (*fn)(void *env, const char *line), void *env)
{
	k->log.fn = fn ? fn : log_stderr;
	k->log.env = fn ? env : NULL;
}

int64_t keys_now(const struct sg_keys *k)
{
	return k->clock.now(k->clock.env);
}

void keys_textf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

void keys_time_text(int64_t t, char *out, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ",
							      &tm) == 0)
		snprintf(out, cap, "-");
}

const char *keys_scope_block(enum sg_sigkind kind)
{
	return kind == SG_KIND_DOMAINKEYS ? "dk_sign" : "dkim_sign";
}

/* The dk_domain entry of s naming domain (or with it as base_domain). */
static const struct sg_sign_domain *domain_entry(const struct sg_sign_scope *s,
						 const char *domain)
{
	for (size_t i = 0; i < s->ndomains; i++) {
		if (strcasecmp(s->domains[i].domain, domain) == 0)
			return &s->domains[i];
	}
	for (size_t i = 0; i < s->ndomains; i++) {
		if (strcasecmp(s->domains[i].opt.base_domain, domain) == 0)
			return &s->domains[i];
	}
	return NULL;
}

struct keys_scope *keys_scope_for(const struct sg_keys *k, enum sg_sigkind kind,
				  const char *domain)
{
	struct keys_scope *first = NULL, *any = NULL;

	for (size_t i = 0; i < k->nscopes; i++) {
		struct keys_scope *s = &k->scopes[i];

		if (s->conf.kind != kind)
			continue;
		if (domain_entry(&s->conf, domain) != NULL)
			return s;
		if (first == NULL)
			first = s;
		if (any == NULL && s->conf.opt.selector[0] != '\0')
			any = s;
	}
	return any ? any : first;
}

const struct sg_sign_options *keys_options_for(const struct keys_scope *s, const char *domain)
{
	const struct sg_sign_domain *d = domain_entry(&s->conf, domain);

	return d ? &d->opt : &s->conf.opt;
}

enum sg_err keys_path_for(const struct sg_keys *k, enum sg_sigkind kind, const char *domain,
			  const char *selector, char *path, size_t cap, struct sg_error *err)
{
	const struct keys_scope *s = keys_scope_for(k, kind, domain);

	if (s == NULL)
		return sg_error_set(err, SG_E_STATE, 0, 0, "no %s scope in the configuration "
				    "(a %s block with a key template is needed)",
				    keys_scope_block(kind), keys_scope_block(kind));
	return ks_key_path(keys_options_for(s, domain)->key, domain, selector, path, cap, err);
}

enum sg_err keys_load_selector_key(const struct sg_keys *k, const struct selector *sel,
				   const char *domain, struct sg_privkey **out,
				   struct sg_error *err)
{
	char path[SG_CONF_PATH_MAX], why[256];
	struct ks_identity id;
	enum sg_err rc;

	*out = NULL;
	rc = keys_path_for(k, sel->kind, domain, sel->name, path, sizeof(path), err);
	if (rc != SG_OK)
		return rc;
	if (ks_load(path, out, &id, why, sizeof(why)) != KS_OK)
		return sg_error_set(err, SG_E_KEY, 0, 0, "selector %s for %s: %s", sel->name,
				    domain, why);
	return SG_OK;
}

int64_t keys_grace(const struct sg_keys *k, enum sg_sigkind kind, const char *domain)
{
	const struct keys_scope *s = keys_scope_for(k, kind, domain);
	uint64_t hours = 0;
	int64_t by_lifetime;

	if (s != NULL) {
		hours = s->conf.opt.lifetime;
		for (size_t i = 0; i < s->conf.ndomains; i++) {
			if (s->conf.domains[i].opt.lifetime > hours)
				hours = s->conf.domains[i].opt.lifetime;
		}
	}
	if (hours > KEYS_LIFETIME_MAX_H)
		hours = KEYS_LIFETIME_MAX_H;
	by_lifetime = (int64_t)hours * 3600 + KEYS_DELIVERY_WINDOW;
	return by_lifetime > KEYS_DNS_ALLOWANCE ? by_lifetime : KEYS_DNS_ALLOWANCE;
}

enum sg_err keys_save(struct sg_keys *k, struct sg_error *err)
{
	enum sg_err rc = selstate_save(&k->sel, k->state_dir, err);

	if (rc != SG_OK)
		ks_logf(&k->log, "selector state not saved: %s", err ? err->msg : sg_err_name(rc));
	return rc;
}

void keys_forget(struct sg_keys *k, enum sg_sigkind kind, const char *domain,
		 const char *selector)
{
	for (size_t i = 0; i < k->nscopes; i++) {
		if (k->scopes[i].conf.kind == kind)
			(void)keycache_forget(k->scopes[i].cache, domain, selector);
	}
}

enum sg_err keys_domain_arg(const char *in, char *out, size_t cap, struct sg_error *err)
{
	char why[160];

	if (in[0] == '\0' && cap > 0) {
		out[0] = '\0';
		return SG_OK;
	}
	if (!ks_domain_normalize(in, out, cap, why, sizeof(why)))
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s", why);
	return SG_OK;
}

enum sg_err keys_selectors_named(struct sg_keys *k, const char *name, struct selector **found,
				 size_t max, size_t *n, struct sg_error *err)
{
	*n = sel_find_name(&k->sel, name, found, max);
	if (*n == 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no selector named \"%s\" (see: "
				    "selector list)", name);
	return SG_OK;
}

static void free_scopes(struct keys_scope *scopes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(scopes[i].conf.domains);
		keycache_free(scopes[i].cache);
	}
	free(scopes);
}

/* Copies conf's scopes; caches are taken from old (same kind and name) or
 * made. */
static enum sg_err copy_scopes(struct sg_keys *k, const struct sg_config *conf,
			       struct keys_scope *old, size_t nold, struct keys_scope **out)
{
	struct keys_scope *v = calloc(conf->nscopes ? conf->nscopes : 1, sizeof(*v));
	enum sg_err rc = SG_OK;

	if (v == NULL)
		return SG_E_NOMEM;
	for (size_t i = 0; rc == SG_OK && i < conf->nscopes; i++) {
		const struct sg_sign_scope *src = &conf->scopes[i];

		v[i].conf = *src;
		v[i].conf.domains = calloc(src->ndomains ? src->ndomains : 1,
					   sizeof(*src->domains));
		if (v[i].conf.domains == NULL) {
			rc = SG_E_NOMEM;
			break;
		}
		if (src->ndomains)
			memcpy(v[i].conf.domains, src->domains,
			       src->ndomains * sizeof(*src->domains));
		for (size_t j = 0; j < nold && v[i].cache == NULL; j++) {
			if (old[j].cache && old[j].conf.kind == src->kind &&
			    strcmp(old[j].conf.name, src->name) == 0) {
				v[i].cache = old[j].cache;
				old[j].cache = NULL;
			}
		}
		rc = v[i].cache ? keycache_resize(v[i].cache, src->opt.keycache_size) :
				  keycache_new(src->opt.keycache_size, &k->kc_env, &v[i].cache);
	}
	if (rc != SG_OK) {
		free_scopes(v, conf->nscopes);
		return rc;
	}
	*out = v;
	return SG_OK;
}

/* Config selectors of scopes, plus the runtime records of state (text in
 * the state file format; NULL: read the state file). */
static enum sg_err build_selectors(struct sg_keys *k, const struct keys_scope *scopes,
				   size_t n, const struct sg_buf *state, struct selset *out,
				   struct sg_error *err)
{
	struct sg_sign_scope *flat = calloc(n ? n : 1, sizeof(*flat));
	char path[SG_CONF_PATH_MAX + 32];
	enum sg_err rc;
	size_t off;

	if (flat == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	for (size_t i = 0; i < n; i++)
		flat[i] = scopes[i].conf;
	selset_init(out);
	rc = selset_add_config(out, flat, n, err);
	free(flat);
	if (rc == SG_OK && state == NULL) {
		snprintf(path, sizeof(path), "%s/%s", k->state_dir, SELSTATE_FILE);
		rc = selstate_load(out, path, err);
	} else if (rc == SG_OK) {
		rc = selstate_parse(out, sg_buf_cstr(state), state->len, "(running state)", err);
	}
	if (rc != SG_OK) {
		selset_free(out);
		return rc;
	}
	off = sel_normalize(out);
	if (off > 0)
		ks_logf(&k->log, "%zu configured selector(s) switched off for domains where a "
			"runtime selector of the same type is enabled", off);
	return SG_OK;
}

enum sg_err keys_snapshot(const struct sg_keys *k, struct sg_buf *out)
{
	sg_buf_init(out, SELSTATE_FILE_MAX);
	return selstate_format(&k->sel, out);
}

void keys_restore(struct sg_keys *k, struct sg_buf *before)
{
	struct selset old;

	if (build_selectors(k, k->scopes, k->nscopes, before, &old, NULL) == SG_OK) {
		selset_free(&k->sel);
		k->sel = old;
	} else {
		ks_logf(&k->log, "cannot undo a failed selector change (out of memory?)");
	}
	sg_buf_free(before);
}

enum sg_err keys_commit(struct sg_keys *k, struct sg_buf *before, struct sg_error *err)
{
	enum sg_err rc = keys_save(k, err);

	if (rc != SG_OK)
		keys_restore(k, before);
	else
		sg_buf_free(before);
	return rc;
}

static void copy_control(struct sg_keys *k, const struct sg_config *conf)
{
	snprintf(k->resolver, sizeof(k->resolver), "%s", conf->control.resolver);
}

enum sg_err sg_keys_new(const struct sg_config *conf, struct sg_clock clock,
			struct sg_keys **out, struct sg_error *err)
{
	struct sg_keys *k;
	enum sg_err rc;

	if (out == NULL || conf == NULL || clock.now == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no config, clock or place for keys");
	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	k->clock = clock;
	sg_keys_set_log(k, NULL, NULL);
	k->generation = (uint64_t)(keys_now(k) > 0 ? keys_now(k) : 0) << 20;
	k->kc_env = (struct kc_env){ clock, &k->generation, &k->log };
	k->dns_timeout_ms = KEYS_DNS_TIMEOUT_MS;
	snprintf(k->state_dir, sizeof(k->state_dir), "%s", conf->control.state_dir);
	copy_control(k, conf);
	rc = copy_scopes(k, conf, NULL, 0, &k->scopes);
	if (rc != SG_OK) {
		free(k);
		return sg_error_set(err, rc, 0, 0, "out of memory");
	}
	k->nscopes = conf->nscopes;
	rc = build_selectors(k, k->scopes, k->nscopes, NULL, &k->sel, err);
	if (rc != SG_OK) {
		free_scopes(k->scopes, k->nscopes);
		free(k);
		return rc;
	}
	*out = k;
	return SG_OK;
}

enum sg_err sg_keys_reconfigure(struct sg_keys *k, const struct sg_config *conf,
				struct sg_error *err)
{
	struct keys_scope *scopes;
	struct sg_buf state;
	struct selset sel;
	enum sg_err rc;

	if (k == NULL || conf == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no keys or no config");
	rc = copy_scopes(k, conf, k->scopes, k->nscopes, &scopes);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "out of memory");
	rc = keys_snapshot(k, &state);
	if (rc == SG_OK)
		rc = build_selectors(k, scopes, conf->nscopes, &state, &sel, err);
	else
		rc = sg_error_set(err, rc, 0, 0, "cannot carry the selector state over");
	sg_buf_free(&state);
	if (rc != SG_OK) {
		/* Give the caches back to the running scopes. */
		for (size_t i = 0; i < conf->nscopes; i++) {
			for (size_t j = 0; j < k->nscopes && scopes[i].cache; j++) {
				if (k->scopes[j].cache == NULL &&
				    k->scopes[j].conf.kind == scopes[i].conf.kind &&
				    strcmp(k->scopes[j].conf.name, scopes[i].conf.name) == 0) {
					k->scopes[j].cache = scopes[i].cache;
					scopes[i].cache = NULL;
				}
			}
		}
		free_scopes(scopes, conf->nscopes);
		return rc;
	}
	if (strcmp(k->state_dir, conf->control.state_dir) != 0)
		ks_logf(&k->log, "state_dir change to %s takes effect at the next start",
			conf->control.state_dir);
	free_scopes(k->scopes, k->nscopes);
	selset_free(&k->sel);
	k->scopes = scopes;
	k->nscopes = conf->nscopes;
	k->sel = sel;
	copy_control(k, conf);
	return SG_OK;
}

void sg_keys_free(struct sg_keys *k)
{
	if (k == NULL)
		return;
	free_scopes(k->scopes, k->nscopes);
	selset_free(&k->sel);
	free(k);
}

enum sg_err sg_keys_lookup(struct sg_keys *k, enum sg_sigkind kind, const char *domain,
			   struct sg_key_answer *out, struct sg_error *err)
{
	char d[KS_DOMAIN_MAX + 1], why[160], path[SG_CONF_PATH_MAX];
	const struct selector *sel;
	const struct sg_sign_options *o;
	struct keys_scope *scope;
	struct sg_error perr;
	struct kc_view v;

	if (k == NULL || domain == NULL || out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no keys, domain or answer");
	memset(out, 0, sizeof(*out));
	if (!ks_domain_normalize(domain, d, sizeof(d), why, sizeof(why))) {
		keys_textf(out->reason, sizeof(out->reason), "%s", why);
		return SG_OK;
	}
	sel = sel_resolve(&k->sel, kind, d);
	scope = keys_scope_for(k, kind, d);
	if (sel == NULL) {
		keys_textf(out->reason, sizeof(out->reason), "no enabled %s selector for %s",
			 sel_kind_name(kind), d);
		return SG_OK;
	}
	if (scope == NULL) {
		keys_textf(out->reason, sizeof(out->reason), "no %s scope in the configuration",
			 keys_scope_block(kind));
		return SG_OK;
	}
	snprintf(out->selector, sizeof(out->selector), "%s", sel->name);
	o = keys_options_for(scope, d);
	if (ks_key_path(o->key, d, sel->name, path, sizeof(path), &perr) != SG_OK) {
		keys_textf(out->reason, sizeof(out->reason), "%s", perr.msg);
		return SG_OK;
	}
	if (keycache_get(scope->cache, d, sel->name, path,
			 (struct kc_ttl){ o->pos_keycache_ttl, o->neg_keycache_ttl }, &v) != SG_OK)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	out->key = v.key;
	out->generation = v.generation;
	if (v.key == NULL)
		keys_textf(out->reason, sizeof(out->reason), "%s", v.reason);
	return SG_OK;
}
