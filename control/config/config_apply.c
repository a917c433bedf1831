/*
 * NAME
 *   config_apply.c - blocks and keywords of the statement tree into struct
 *                    sg_config, with inheritance and cross-checks (see
 *                    config_apply.h)
 *
 * SUMMARY
 *   Each scope keeps, per keyword row, the statement that set it ("seen"),
 *   which finds duplicates and lets later checks point at the value that
 *   caused them (base_domain, identity). Domain names compare ASCII
 *   case-blind; scope names exactly.
 *
 * UNTRUSTED INPUT
 *   The statement tree. Scope and domain arrays grow by doubling; their
 *   number is bounded by the statement limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_apply.h"
#include "config_keywords.h"
#include "config_values.h"
#include "domain.h"
#include "lex.h"

struct apply {
	const struct sg_conf_src *src;
	const struct sg_conf_tree *tree;
	struct sg_config *conf;
	struct sg_error *err;
	uint32_t block_seen[16];	/* per sg_conf_blocks row: node + 1 */
	size_t scopes_cap;
};

/* Statement (node index + 1) that set each keyword row in one scope. */
struct seen {
	uint32_t node[SG_CONF_KEYWORD_ROWS_MAX];
};

static const struct sg_conf_node *node_at(const struct apply *a, int32_t idx)
{
	return &a->tree->nodes[idx];
}

/* The statement recorded as mark (node index + 1) in a seen array. */
static const struct sg_conf_node *marked(const struct apply *a, uint32_t mark)
{
	return node_at(a, (int32_t)mark - 1);
}

static const char *text(const struct apply *a, const struct sg_conf_text *t)
{
	return sg_conf_tree_str(a->tree, t);
}

/* Every scope where some row called name may appear. */
static unsigned keyword_scopes(const char *name)
{
	unsigned mask = 0;

	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		if (strcmp(sg_conf_keywords[i].name, name) == 0)
			mask |= sg_conf_keywords[i].scopes;
	}
	return mask;
}

/* "at the top level" or "in SCOPE". */
static const char *where(unsigned scope, char *out, size_t cap)
{
	if (scope == SG_SC_TOP)
		return "at the top level";
	snprintf(out, cap, "in %s", sg_conf_scope_name((enum sg_conf_scope)scope));
	return out;
}

/* " (did you mean "NAME"?)" for the nearest name allowed in scope, or "". */
static const char *hint(const char *name, unsigned scope, char *out, size_t cap)
{
	const char *near = sg_conf_suggest(name, scope);

	if (near == NULL)
		return "";
	snprintf(out, cap, " (did you mean \"%s\"?)", near);
	return out;
}

static enum sg_err unknown_keyword(const struct apply *a, const struct sg_conf_node *n,
				   unsigned scope)
{
	const char *name = text(a, &n->name);
	char q[SG_CONF_QUOTE_CAP], in[64], near[80], places[96];

	sg_conf_quote(name, q);
	if (sg_conf_keyword_named(name) != NULL) {
		sg_conf_scope_places(keyword_scopes(name), places, sizeof(places));
		if (scope == SG_SC_TOP)
			return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
					     "keyword \"%s\" outside any block (it belongs in %s)",
					     q, places);
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
				     "keyword \"%s\" is not allowed %s (only in %s)", q,
				     where(scope, in, sizeof(in)), places);
	}
	if (sg_conf_block_named(name) != NULL)
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
				     "\"%s\" is a block, not a keyword: %s { ... }", q, q);
	return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
			     "unknown keyword \"%s\" %s%s", q, where(scope, in, sizeof(in)),
			     hint(name, scope, near, sizeof(near)));
}

/* Every scope where a block called name may appear. */
static unsigned block_parents(const char *name)
{
	unsigned mask = 0;

	for (size_t i = 0; i < sg_conf_nblocks; i++) {
		if (strcmp(sg_conf_blocks[i].name, name) == 0)
			mask |= sg_conf_blocks[i].parents;
	}
	return mask;
}

static enum sg_err unknown_block(const struct apply *a, const struct sg_conf_node *n,
				 unsigned scope)
{
	const char *name = text(a, &n->name);
	unsigned parents = block_parents(name);
	char q[SG_CONF_QUOTE_CAP], in[64], near[80], places[96];

	sg_conf_quote(name, q);
	if (parents & SG_SC_TOP)
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
				     "block \"%s\" is only allowed at the top level", q);
	if (parents != 0) {
		sg_conf_scope_places(parents, places, sizeof(places));
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
				     "block \"%s\" is not allowed %s (only inside %s)", q,
				     where(scope, in, sizeof(in)), places);
	}
	if (sg_conf_keyword_named(name) != NULL)
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
				     "\"%s\" is a keyword, not a block: %s = VALUE", q, q);
	return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
			     "unknown block \"%s\" %s%s", q, where(scope, in, sizeof(in)),
			     hint(name, scope, near, sizeof(near)));
}

static void *target_of(struct sg_config *conf, enum sg_conf_target t, void *sign)
{
	switch (t) {
	case SG_TARGET_CONTROL: return &conf->control;
	case SG_TARGET_DATAPLANE: return &conf->dataplane;
	case SG_TARGET_ESMTP: return &conf->esmtp;
	case SG_TARGET_SIGN: return sign;
	}
	return NULL;
}

static enum sg_err set_keyword(struct apply *a, int32_t idx, unsigned scope, void *sign,
			       struct seen *seen)
{
	const struct sg_conf_node *n = node_at(a, idx);
	const struct sg_conf_keyword *kw = sg_conf_keyword_find(text(a, &n->name), scope);
	struct sg_conf_store st = { .src = a->src, .dir = a->conf->dir, .scope = scope,
				    .err = a->err };
	struct sg_conf_value v = { .text = text(a, &n->value), .quoted = n->value.quoted,
				   .pos = n->value.pos };
	size_t row;

	if (kw == NULL)
		return unknown_keyword(a, n, scope);
	row = sg_conf_keyword_index(kw);
	if (seen->node[row] != 0)
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
				     "duplicate keyword \"%s\" in %s (first set at line %u)",
				     kw->name, sg_conf_scope_name((enum sg_conf_scope)scope),
				     (unsigned)marked(a, seen->node[row])->name.pos.line);
	seen->node[row] = (uint32_t)idx + 1;
	return sg_conf_store_value(&st, kw, &v, target_of(a->conf, kw->target, sign));
}

/* The keywords of a block (its nested blocks only checked to exist here). */
static enum sg_err set_keywords(struct apply *a, const struct sg_conf_node *block,
				unsigned scope, void *sign, struct seen *seen)
{
	for (int32_t i = block->first_child; i >= 0; i = node_at(a, i)->next) {
		const struct sg_conf_node *n = node_at(a, i);
		enum sg_err rc;

		if (n->kind == SG_NODE_ASSIGN)
			rc = set_keyword(a, i, scope, sign, seen);
		else if (sg_conf_block_find(text(a, &n->name), scope) == NULL)
			rc = unknown_block(a, n, scope);
		else
			rc = SG_OK;
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

static enum sg_err check_label(const struct apply *a, const struct sg_conf_node *n,
			       const struct sg_conf_block *b)
{
	const char *name = b->name;

	if (b->label != NULL && !n->has_label)
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
				     "%s needs a %s: %s \"%s\" { ... }", name,
				     b->opens & SG_SC_DOMAIN_ANY ? "domain" : "name", name,
				     b->label);
	if (b->label == NULL && n->has_label)
		return sg_conf_error(a->err, a->src, n->value.pos, SG_E_SYNTAX,
				     "%s takes no label: %s { ... }", name, name);
	if (b->label != NULL && strlen(text(a, &n->value)) > SG_CONF_NAME_MAX)
		return sg_conf_error(a->err, a->src, n->value.pos, SG_E_LIMIT,
				     "%s label longer than %d bytes", name, SG_CONF_NAME_MAX);
	return SG_OK;
}

static bool scope_name_valid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!sg_lex_is_alpha(c) && !sg_lex_is_digit(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

/* The options a dk_domain may not break: base_domain, identity. */
static enum sg_err check_domain_options(const struct apply *a, const struct sg_conf_node *n,
					const struct sg_sign_domain *dom,
					const struct seen *own, const struct seen *parent)
{
	const struct sg_sign_options *o = &dom->opt;
	const char *d = o->base_domain[0] ? o->base_domain : dom->domain;
	size_t row;
	uint32_t set;

	if (o->base_domain[0] && !sg_domain_within(dom->domain, strlen(dom->domain),
						   o->base_domain, strlen(o->base_domain))) {
		row = sg_conf_keyword_index(sg_conf_keyword_named("base_domain"));
		return sg_conf_error(a->err, a->src, marked(a, own->node[row])->value.pos,
				     SG_E_SYNTAX, "base_domain \"%s\" does not contain dk_domain "
				     "\"%s\"", o->base_domain, dom->domain);
	}
	if (o->identity[0] == '\0' || sg_conf_identity_within(o->identity, d))
		return SG_OK;
	row = sg_conf_keyword_index(sg_conf_keyword_find("identity", SG_SC_DKIM_ANY));
	if (own->node[row] != 0)
		return sg_conf_error(a->err, a->src, marked(a, own->node[row])->value.pos,
				     SG_E_SYNTAX, "identity \"%s\" is not within d=%s", o->identity,
				     d);
	set = parent->node[row];
	return sg_conf_error(a->err, a->src, n->value.pos, SG_E_SYNTAX,
			     "identity \"%s\" (set at line %u) is not within d=%s of dk_domain "
			     "\"%s\"", o->identity, (unsigned)marked(a, set)->name.pos.line,
			     d, dom->domain);
}

static enum sg_err grow(void **array, size_t count, size_t *cap, size_t size)
{
	void *p;
	size_t n;

	if (count < *cap)
		return SG_OK;
	n = *cap ? *cap * 2 : 4;
	p = realloc(*array, n * size);
	if (p == NULL)
		return SG_E_NOMEM;
	memset((char *)p + *cap * size, 0, (n - *cap) * size);
	*array = p;
	*cap = n;
	return SG_OK;
}

static enum sg_err add_domain(struct apply *a, struct sg_sign_scope *s, size_t *cap,
			      int32_t idx, const struct seen *parent)
{
	const struct sg_conf_node *n = node_at(a, idx);
	unsigned scope = s->kind == SG_KIND_DKIM ? SG_SC_DKIM_DOMAIN : SG_SC_DK_DOMAIN;
	const char *name = text(a, &n->value);
	struct sg_sign_domain *dom;
	struct seen own = { { 0 } };
	char q[SG_CONF_QUOTE_CAP];
	enum sg_err rc = check_label(a, n, sg_conf_block_find("dk_domain", s->kind ==
					SG_KIND_DKIM ? SG_SC_DKIM : SG_SC_DK));

	if (rc != SG_OK)
		return rc;
	if (!sg_domain_valid(name, strlen(name)))
		return sg_conf_error(a->err, a->src, n->value.pos, SG_E_SYNTAX,
				     "dk_domain \"%s\" is not a domain name",
				     sg_conf_quote(name, q));
	for (size_t i = 0; i < s->ndomains; i++) {
		if (strcasecmp(s->domains[i].domain, name) != 0)
			continue;
		return sg_conf_error(a->err, a->src, n->value.pos, SG_E_SYNTAX,
				     "duplicate dk_domain \"%s\" in %s \"%s\" (first at line %u)",
				     sg_conf_quote(name, q), s->kind == SG_KIND_DKIM ?
				     "dkim_sign" : "dk_sign", s->name, (unsigned)s->domains[i].line);
	}
	if (grow((void **)&s->domains, s->ndomains, cap, sizeof(*dom)) != SG_OK)
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_NOMEM, "out of memory");
	dom = &s->domains[s->ndomains++];
	memcpy(dom->domain, name, strlen(name) + 1);
	dom->line = n->name.pos.line;
	dom->opt = s->opt;
	rc = set_keywords(a, n, scope, &dom->opt, &own);
	if (rc != SG_OK)
		return rc;
	if (s->kind == SG_KIND_DOMAINKEYS)
		dom->opt.body_canon = dom->opt.header_canon;	/* one canon for both */
	return check_domain_options(a, n, dom, &own, parent);
}

static enum sg_err add_scope_domains(struct apply *a, struct sg_sign_scope *s,
				     const struct sg_conf_node *n, const struct seen *seen)
{
	size_t cap = 0;

	for (int32_t i = n->first_child; i >= 0; i = node_at(a, i)->next) {
		enum sg_err rc;

		if (node_at(a, i)->kind != SG_NODE_BLOCK)
			continue;
		rc = add_domain(a, s, &cap, i, seen);
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

static enum sg_err add_scope(struct apply *a, int32_t idx, const struct sg_conf_block *b)
{
	const struct sg_conf_node *n = node_at(a, idx);
	enum sg_sigkind kind = b->opens == SG_SC_DKIM ? SG_KIND_DKIM : SG_KIND_DOMAINKEYS;
	const char *name = text(a, &n->value);
	struct sg_conf_store st = { .src = a->src, .dir = a->conf->dir, .scope = b->opens,
				    .err = a->err };
	struct sg_config *c = a->conf;
	struct sg_sign_scope *s;
	struct seen seen = { { 0 } };
	char q[SG_CONF_QUOTE_CAP];
	enum sg_err rc = check_label(a, n, b);

	if (rc != SG_OK)
		return rc;
	if (!scope_name_valid(name))
		return sg_conf_error(a->err, a->src, n->value.pos, SG_E_SYNTAX,
				     "%s name \"%s\" may only have letters, digits, '.', '_' "
				     "and '-'", b->name, sg_conf_quote(name, q));
	if (sg_config_find_scope(c, kind, name) != NULL)
		return sg_conf_error(a->err, a->src, n->value.pos, SG_E_SYNTAX,
				     "duplicate %s \"%s\" (first at line %u)", b->name, name,
				     (unsigned)sg_config_find_scope(c, kind, name)->line);
	if (grow((void **)&c->scopes, c->nscopes, &a->scopes_cap, sizeof(*s)) != SG_OK)
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_NOMEM, "out of memory");
	s = &c->scopes[c->nscopes++];
	s->kind = kind;
	memcpy(s->name, name, strlen(name) + 1);
	s->line = n->name.pos.line;
	rc = sg_conf_store_defaults(&st, SG_TARGET_SIGN, &s->opt);
	if (rc == SG_OK)
		rc = set_keywords(a, n, b->opens, &s->opt, &seen);
	if (rc != SG_OK)
		return rc;
	if (kind == SG_KIND_DOMAINKEYS)
		s->opt.body_canon = s->opt.header_canon;
	return add_scope_domains(a, s, n, &seen);
}

static enum sg_err add_block(struct apply *a, int32_t idx)
{
	const struct sg_conf_node *n = node_at(a, idx);
	const struct sg_conf_block *b = sg_conf_block_find(text(a, &n->name), SG_SC_TOP);
	struct seen seen = { { 0 } };
	size_t row;
	enum sg_err rc;

	if (b == NULL)
		return unknown_block(a, n, SG_SC_TOP);
	if (b->opens == SG_SC_DKIM || b->opens == SG_SC_DK)
		return add_scope(a, idx, b);
	rc = check_label(a, n, b);
	if (rc != SG_OK)
		return rc;
	row = (size_t)(b - sg_conf_blocks);
	if (a->block_seen[row] != 0)
		return sg_conf_error(a->err, a->src, n->name.pos, SG_E_SYNTAX,
				     "duplicate %s block (first at line %u)", b->name,
				     (unsigned)marked(a, a->block_seen[row])->name.pos.line);
	a->block_seen[row] = (uint32_t)idx + 1;
	if (b->opens == SG_SC_ESMTP)
		a->conf->has_esmtp = true;
	return set_keywords(a, n, b->opens, NULL, &seen);
}

static enum sg_err apply_defaults(struct apply *a)
{
	static const struct {
		enum sg_conf_scope scope;
		enum sg_conf_target target;
	} plain[] = {
		{ SG_SC_CONTROL, SG_TARGET_CONTROL },
		{ SG_SC_DATAPLANE, SG_TARGET_DATAPLANE },
		{ SG_SC_ESMTP, SG_TARGET_ESMTP },
	};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		struct sg_conf_store st = { .src = a->src, .dir = a->conf->dir,
					    .scope = plain[i].scope, .err = a->err };
		enum sg_err rc = sg_conf_store_defaults(&st, plain[i].target,
							target_of(a->conf, plain[i].target, NULL));

		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

enum sg_err sg_conf_apply(const struct sg_conf_src *src, const struct sg_conf_tree *tree,
			  struct sg_config *conf, struct sg_error *err)
{
	struct apply a = { .src = src, .tree = tree, .conf = conf, .err = err };
	enum sg_err rc = apply_defaults(&a);

	_Static_assert(sizeof(a.block_seen) / sizeof(a.block_seen[0]) >= 7, "block rows");
	for (int32_t i = tree->first; i >= 0 && rc == SG_OK; i = node_at(&a, i)->next) {
		if (node_at(&a, i)->kind == SG_NODE_ASSIGN)
			rc = unknown_keyword(&a, node_at(&a, i), SG_SC_TOP);
		else
			rc = add_block(&a, i);
	}
	return rc;
}
