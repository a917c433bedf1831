/*
 * NAME
 *   selectors.c - selectors, their domains and the one-enabled rule
 *                 (see selectors.h)
 *
 * SUMMARY
 *   A struct selset owns an array of selector pointers (stable while the
 *   set changes); each selector owns its array of domain entries. The
 *   rule "one enabled selector per type and domain" is kept by
 *   sel_enable (which switches the others off, recording their safe
 *   deletion date) and restored after a load by sel_normalize (sorting
 *   the enabled entries by type, domain and priority).
 *
 * UNTRUSTED INPUT
 *   Names come checked (keystore.h) from the console, the config or the
 *   state file parser.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Control plane. */
#include "selectors.h"

void selset_init(struct selset *s)
{
	memset(s, 0, sizeof(*s));
}

static void selector_free(struct selector *sel)
{
	if (sel == NULL)
		return;
	free(sel->domains);
	free(sel);
}

void selset_free(struct selset *s)
{
	for (size_t i = 0; i < s->n; i++)
		selector_free(s->v[i]);
	free(s->v);
	selset_init(s);
}

const char *sel_kind_name(enum sg_sigkind kind)
{
	return kind == SG_KIND_DOMAINKEYS ? "domainkeys" : "dkim";
}

struct selector *sel_find(const struct selset *s, const char *name, enum sg_sigkind kind)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i]->kind == kind && strcasecmp(s->v[i]->name, name) == 0)
			return s->v[i];
	}
	return NULL;
}

size_t sel_find_name(const struct selset *s, const char *name, struct selector **out,
		     size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (strcasecmp(s->v[i]->name, name) != 0)
			continue;
		if (n < cap)
			out[n] = s->v[i];
		n++;
	}
	return n;
}

enum sg_err sel_add(struct selset *s, const char *name, enum sg_sigkind kind,
		    enum sel_origin origin, struct selector **out)
{
	struct selector *sel;

	if (s->n >= SEL_MAX)
		return SG_E_LIMIT;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct selector **v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return SG_E_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	sel = calloc(1, sizeof(*sel));
	if (sel == NULL)
		return SG_E_NOMEM;
	snprintf(sel->name, sizeof(sel->name), "%s", name);
	sel->kind = kind;
	sel->origin = origin;
	snprintf(sel->canon, sizeof(sel->canon), "-");
	sel->key_type = SG_KEY_RSA;
	s->v[s->n++] = sel;
	*out = sel;
	return SG_OK;
}

void sel_remove(struct selset *s, struct selector *sel)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i] != sel)
			continue;
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
		s->n--;
		selector_free(sel);
		return;
	}
}

struct sel_domain *sel_domain_find(const struct selector *sel, const char *domain)
{
	for (size_t i = 0; i < sel->ndomains; i++) {
		if (strcmp(sel->domains[i].domain, domain) == 0)
			return &sel->domains[i];
	}
	return NULL;
}

enum sg_err sel_domain_add(struct selector *sel, const char *domain, struct sel_domain **out)
{
	struct sel_domain *d = sel_domain_find(sel, domain);

	if (d == NULL) {
		if (sel->ndomains >= SEL_DOMAINS_MAX)
			return SG_E_LIMIT;
		if (sel->ndomains == sel->cap) {
			size_t cap = sel->cap ? sel->cap * 2 : 4;

			d = realloc(sel->domains, cap * sizeof(*d));
			if (d == NULL)
				return SG_E_NOMEM;
			sel->domains = d;
			sel->cap = cap;
		}
		d = &sel->domains[sel->ndomains++];
		memset(d, 0, sizeof(*d));
		snprintf(d->domain, sizeof(d->domain), "%s", domain);
	}
	*out = d;
	return SG_OK;
}

static void canon_text(const struct sg_sign_options *o, enum sg_sigkind kind, char *out,
		       size_t cap)
{
	if (kind == SG_KIND_DOMAINKEYS)
		snprintf(out, cap, "%s", sg_canon_name(o->header_canon));
	else
		snprintf(out, cap, "%s/%s", sg_canon_name(o->header_canon),
			 sg_canon_name(o->body_canon));
}

/* One config (selector, domain) pair; domain "*" for a scope's own. */
static enum sg_err add_config_pair(struct selset *s, const struct sg_sign_scope *sc,
				   const struct sg_sign_options *o, const char *domain,
				   struct sg_error *err)
{
	const char *block = sc->kind == SG_KIND_DOMAINKEYS ? "dk_sign" : "dkim_sign";
	struct selector *sel = sel_find(s, o->selector, sc->kind);
	struct sel_domain *d;
	char why[160];
	enum sg_err rc;

	if (!ks_selector_check(o->selector, why, sizeof(why)))
		return sg_error_set(err, SG_E_ARG, sc->line, 0, "%s \"%s\": %s", block, sc->name,
				    why);
	if (sel == NULL) {
		rc = sel_add(s, o->selector, sc->kind, SEL_CONFIG, &sel);
		if (rc != SG_OK)
			return sg_error_set(err, rc, sc->line, 0, "too many selectors");
		canon_text(o, sc->kind, sel->canon, sizeof(sel->canon));
	}
	rc = sel_domain_add(sel, domain, &d);
	if (rc != SG_OK)
		return sg_error_set(err, rc, sc->line, 0, "too many domains for selector %s",
				    sel->name);
	d->enabled = d->ever_enabled = d->from_config = true;
	return SG_OK;
}

enum sg_err selset_add_config(struct selset *s, const struct sg_sign_scope *scopes,
			      size_t nscopes, struct sg_error *err)
{
	char domain[KS_DOMAIN_MAX + 1], why[160];
	enum sg_err rc;

	for (size_t i = 0; i < nscopes; i++) {
		const struct sg_sign_scope *sc = &scopes[i];

		for (size_t j = 0; j < sc->ndomains; j++) {
			const struct sg_sign_domain *sd = &sc->domains[j];
			const char *name = sd->opt.base_domain[0] ? sd->opt.base_domain :
								    sd->domain;

			if (sd->opt.selector[0] == '\0')
				continue;
			if (!ks_domain_normalize(name, domain, sizeof(domain), why, sizeof(why)))
				return sg_error_set(err, SG_E_ARG, sc->line, 0,
						    "scope \"%s\", dk_domain \"%s\": %s",
						    sc->name, sd->domain, why);
			rc = add_config_pair(s, sc, &sd->opt, domain, err);
			if (rc != SG_OK)
				return rc;
		}
		if (sc->opt.selector[0] != '\0') {
			rc = add_config_pair(s, sc, &sc->opt, SEL_ANY_DOMAIN, err);
			if (rc != SG_OK)
				return rc;
		}
	}
	return SG_OK;
}

/* Explicit enabled entry for domain: state selectors first. */
static const struct selector *resolve_explicit(const struct selset *s, enum sg_sigkind kind,
					       const char *domain, enum sel_origin origin)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct selector *sel = s->v[i];
		const struct sel_domain *d;

		if (sel->kind != kind || sel->origin != origin)
			continue;
		d = sel_domain_find(sel, domain);
		if (d != NULL && d->enabled)
			return sel;
	}
	return NULL;
}

/* A selector of kind was used for domain and switched off since: the
 * domain is managed explicitly, the wildcard does not take it back. */
static bool switched_off(const struct selset *s, enum sg_sigkind kind, const char *domain)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct sel_domain *d = sel_domain_find(s->v[i], domain);

		if (s->v[i]->kind == kind && d != NULL && d->ever_enabled)
			return true;
	}
	return false;
}

/* A selector serving any domain, unless domain was switched off. */
static const struct selector *resolve_wildcard(const struct selset *s, enum sg_sigkind kind,
					       const char *domain)
{
	if (switched_off(s, kind, domain))
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct selector *sel = s->v[i];
		const struct sel_domain *any;

		if (sel->kind != kind)
			continue;
		any = sel_domain_find(sel, SEL_ANY_DOMAIN);
		if (any != NULL && any->enabled)
			return sel;
	}
	return NULL;
}

const struct selector *sel_resolve(const struct selset *s, enum sg_sigkind kind,
				   const char *domain)
{
	const struct selector *sel = resolve_explicit(s, kind, domain, SEL_STATE);

	if (sel == NULL)
		sel = resolve_explicit(s, kind, domain, SEL_CONFIG);
	if (sel == NULL)
		sel = resolve_wildcard(s, kind, domain);
	return sel;
}

static void switch_off(struct sel_domain *d, int64_t now, int64_t grace)
{
	d->enabled = false;
	d->delete_after = d->ever_enabled ? now + grace : 0;
}

enum sg_err sel_enable(struct selset *s, struct selector *sel, const char *domain,
		       int64_t now, int64_t grace, sel_disabled_fn *disabled, void *arg)
{
	struct selector *current = (struct selector *)sel_resolve(s, sel->kind, domain);
	bool via_wildcard = current != NULL && sel_domain_find(current, domain) == NULL;
	struct sel_domain *d;
	enum sg_err rc;

	/* Allocate first, so a failure changes nothing that matters. */
	rc = sel_domain_add(sel, domain, &d);
	if (rc == SG_OK && via_wildcard && current != sel) {
		rc = sel_domain_add(current, domain, &d);
		if (rc == SG_OK) {
			d->ever_enabled = true;
			switch_off(d, now, grace);
			if (disabled)
				disabled(current, domain, arg);
		}
	}
	if (rc != SG_OK)
		return rc;
	for (size_t i = 0; i < s->n; i++) {
		struct selector *o = s->v[i];

		if (o == sel || o->kind != sel->kind)
			continue;
		d = sel_domain_find(o, domain);
		if (d != NULL && d->enabled) {
			switch_off(d, now, grace);
			if (disabled)
				disabled(o, domain, arg);
		}
	}
	d = sel_domain_find(sel, domain);
	d->enabled = d->ever_enabled = true;
	d->delete_after = 0;
	return SG_OK;
}

enum sg_err sel_disable(struct selset *s, struct selector *sel, const char *domain,
			int64_t now, int64_t grace, struct sg_error *err)
{
	struct sel_domain *d = sel_domain_find(sel, domain);
	enum sg_err rc;

	if (d == NULL && sel_resolve(s, sel->kind, domain) == sel) {
		/* Serving domain through "*": record an explicit "off". */
		rc = sel_domain_add(sel, domain, &d);
		if (rc != SG_OK)
			return sg_error_set(err, rc, 0, 0, "cannot record the change: %s",
					    sg_err_name(rc));
		d->ever_enabled = d->enabled = true;
	}
	if (d == NULL || !d->enabled)
		return sg_error_set(err, SG_E_STATE, 0, 0, "selector %s is not enabled for %s",
				    sel->name, domain);
	switch_off(d, now, grace);
	return SG_OK;
}

struct enabled_ref {
	struct selector *sel;
	struct sel_domain *d;
	size_t order;
};

static int cmp_enabled(const void *a, const void *b)
{
	const struct enabled_ref *x = a, *y = b;
	int c;

	if (x->sel->kind != y->sel->kind)
		return x->sel->kind < y->sel->kind ? -1 : 1;
	c = strcmp(x->d->domain, y->d->domain);
	if (c != 0)
		return c;
	if (x->sel->origin != y->sel->origin)
		return x->sel->origin == SEL_STATE ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

size_t sel_normalize(struct selset *s)
{
	struct enabled_ref *refs;
	size_t n = 0, off = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i]->ndomains;
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (refs == NULL)
		return 0;	/* lookups still prefer state selectors */
	n = 0;
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->v[i]->ndomains; j++) {
			struct sel_domain *d = &s->v[i]->domains[j];

			if (d->enabled && strcmp(d->domain, SEL_ANY_DOMAIN) != 0) {
				refs[n] = (struct enabled_ref){ s->v[i], d, n };
				n++;
			}
		}
	}
	qsort(refs, n, sizeof(*refs), cmp_enabled);
	for (size_t i = 1; i < n; i++) {
		if (refs[i].sel->kind == refs[i - 1].sel->kind &&
		    strcmp(refs[i].d->domain, refs[i - 1].d->domain) == 0) {
			refs[i].d->enabled = false;	/* delete_after stays as it was */
			off++;
		}
	}
	free(refs);
	return off;
}

enum sel_status sel_domain_status(const struct sel_domain *d, int64_t now)
{
	if (d->enabled)
		return SEL_ST_ENABLED;
	if (!d->ever_enabled)
		return SEL_ST_NEW;
	return now < d->delete_after ? SEL_ST_RETIRING : SEL_ST_DISABLED;
}

const char *sel_status_name(enum sel_status st)
{
	switch (st) {
	case SEL_ST_ENABLED:
		return "enabled";
	case SEL_ST_NEW:
		return "new";
	case SEL_ST_RETIRING:
		return "retiring";
	case SEL_ST_DISABLED:
		return "disabled";
	}
	return "?";
}
