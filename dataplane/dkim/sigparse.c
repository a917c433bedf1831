/*
 * NAME
 *   sigparse.c - DKIM-Signature (RFC 6376 3.5) and DomainKey-Signature
 *                (RFC 4870 3.3) parsing and validation (see sigparse.h)
 *
 * SUMMARY
 *   The field value (raw + value_off) is split with the tag-list parser;
 *   then a fixed sequence of steps, one per tag, checks and stores each
 *   tag, so the first problem in that order is the one reported:
 *     DKIM        required tags, v, a, c, q, d, s, i, h, t/x/l, bh, b
 *     DomainKeys  required tags, a, c, q, d, s, h, b
 *   DomainKeys has no v, i, t, x, l or bh: like any unknown tag they are
 *   ignored there. Choices where the RFCs leave room:
 *     - a=, c=, q= words compare ASCII case-insensitively (ABNF strings);
 *       no FWS around the '/' of c= (not in the grammar).
 *     - t= and x= take 1..12 digits (RFC 6376: "12 digits"), l= 1..76
 *       digits whose value fits in 64 bits. x = t is accepted, x < t not.
 *     - h= names are ftext (printable ASCII but ':'), FWS around each is
 *       dropped; names may repeat (over-signing).
 *     - i=: DKIM-quoted-printable, no NUL, the last '@' separates the
 *       domain, which must be a valid name equal to d= or below it.
 *     - bh= must decode to exactly the digest size of a=; b= must not be
 *       empty. Whether an algorithm is acceptable (rsa-sha1, RFC 8301) is
 *       the verifier's policy, not checked here.
 *   b_value_off/b_value_len span the raw bytes from just after b='s '='
 *   to the next ';' or the end of the field, whitespace included, which
 *   is exactly what RFC 6376 3.7 removes before hashing the field.
 *
 * DIAGNOSTICS
 *   Messages start with "DKIM-Signature: " or "DomainKey-Signature: " and
 *   name the tag. err->offset is the offset in f->raw of the offending
 *   tag or byte, err->line is f->line plus the line breaks before it
 *   (0 when f->line is 0). SG_E_SYNTAX for malformed or missing tags,
 *   SG_E_UNSUPPORTED for well-formed but unknown v=, a=, c=, q= values,
 *   SG_E_LIMIT for too many tags/names or an oversized b= or i=.
 *
 * UNTRUSTED INPUT
 *   The raw header field. Work is linear in its length (plus at most
 *   SG_TAGLIST_MAX^2 name comparisons); output fixed-size; no allocation.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "domain.h"
#include "lex.h"
#include "qp.h"
#include "sigparse.h"
#include "taglist.h"

#define TIME_DIGITS_MAX 12
#define LENGTH_DIGITS_MAX 76
#define SHOW_MAX 48		/* bytes of a value quoted in a message */

struct sigctx {
	const struct sg_header_field *f;
	enum sg_sigkind kind;
	struct sg_taglist tl;
	struct sg_sig *out;
	struct sg_error *err;
};

static const char *kind_name(enum sg_sigkind kind)
{
	return kind == SG_KIND_DKIM ? "DKIM-Signature" : "DomainKey-Signature";
}

/* Records a problem at `at` (a pointer into f->raw; NULL = the value). */
static enum sg_err fail(const struct sigctx *c, enum sg_err code, const char *at,
			const char *fmt, ...) SG_PRINTF(4, 5);

static enum sg_err fail(const struct sigctx *c, enum sg_err code, const char *at,
			const char *fmt, ...)
{
	size_t off = at != NULL ? (size_t)(at - c->f->raw) : c->f->value_off;
	uint32_t line = c->f->line;
	char detail[200];
	va_list ap;

	for (size_t i = 0; line > 0 && i < off; i++) {
		if (c->f->raw[i] == '\n')
			line++;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return sg_error_set(c->err, code, line, off, "%s: %s", kind_name(c->kind), detail);
}

static const struct sg_tag *tag(const struct sigctx *c, const char *name)
{
	return sg_taglist_get(&c->tl, name);
}

static const char *show(const struct sg_tag *t, char buf[SHOW_MAX])
{
	return sg_lex_printable(t->value, t->value_len, buf, SHOW_MAX);
}

/* A sub-parser's message without its "base64: " style prefix. */
static const char *detail_of(const struct sg_error *sub)
{
	const char *colon = strstr(sub->msg, ": ");

	return colon != NULL ? colon + 2 : sub->msg;
}

static enum sg_err check_required(struct sigctx *c)
{
	static const char *const dkim_required[] = { "v", "a", "b", "bh", "d", "h", "s", NULL };
	static const char *const dk_required[] = { "b", "d", "s", NULL };
	const char *const *names = c->kind == SG_KIND_DKIM ? dkim_required : dk_required;

	for (; *names != NULL; names++) {
		if (tag(c, *names) == NULL)
			return fail(c, SG_E_SYNTAX, NULL, "missing required tag %s=", *names);
	}
	return SG_OK;
}

static enum sg_err check_version(struct sigctx *c)
{
	const struct sg_tag *v = tag(c, "v");
	char buf[SHOW_MAX];

	if (!sg_lex_eq(v->value, v->value_len, "1"))
		return fail(c, SG_E_UNSUPPORTED, v->value, "v= must be 1, not '%s'", show(v, buf));
	return SG_OK;
}

static enum sg_err parse_algorithm(struct sigctx *c)
{
	const struct sg_tag *a = tag(c, "a");
	char buf[SHOW_MAX];

	c->out->alg = SG_ALG_RSA_SHA1;		/* DomainKeys default */
	if (a == NULL)
		return SG_OK;
	if (!sg_alg_parse(a->value, a->value_len, &c->out->alg))
		return fail(c, SG_E_UNSUPPORTED, a->value, "unknown algorithm a=%s", show(a, buf));
	if (c->kind == SG_KIND_DOMAINKEYS && c->out->alg != SG_ALG_RSA_SHA1)
		return fail(c, SG_E_UNSUPPORTED, a->value, "a= must be rsa-sha1, not %s",
			    show(a, buf));
	return SG_OK;
}

static enum sg_err parse_canon(struct sigctx *c)
{
	const struct sg_tag *t = tag(c, "c");
	bool dk = c->kind == SG_KIND_DOMAINKEYS;
	const char *slash;
	size_t head;
	char buf[SHOW_MAX];

	c->out->hcanon = dk ? SG_CANON_DK_SIMPLE : SG_CANON_SIMPLE;
	c->out->bcanon = c->out->hcanon;
	if (t == NULL)
		return SG_OK;
	slash = dk ? NULL : memchr(t->value, '/', t->value_len);
	head = slash != NULL ? (size_t)(slash - t->value) : t->value_len;
	if (!sg_canon_parse(t->value, head, dk, &c->out->hcanon))
		return fail(c, SG_E_UNSUPPORTED, t->value, "unknown canonicalization c=%s",
			    show(t, buf));
	c->out->bcanon = dk ? c->out->hcanon : SG_CANON_SIMPLE;
	if (slash != NULL &&
	    !sg_canon_parse(slash + 1, t->value_len - head - 1, false, &c->out->bcanon))
		return fail(c, SG_E_UNSUPPORTED, slash + 1, "unknown body canonicalization c=%s",
			    show(t, buf));
	return SG_OK;
}

static enum sg_err parse_query(struct sigctx *c)
{
	const struct sg_tag *q = tag(c, "q");
	const char *want = c->kind == SG_KIND_DKIM ? "dns/txt" : "dns";
	struct sg_lex_list list;
	const char *item;
	size_t n;
	char buf[SHOW_MAX];

	if (q == NULL)
		return SG_OK;
	list = (struct sg_lex_list){ q->value, q->value + q->value_len, false };
	while (sg_lex_list_next(&list, ':', &item, &n)) {
		if (sg_lex_eq_nocase(item, n, want))
			return SG_OK;
	}
	return fail(c, SG_E_UNSUPPORTED, q->value, "q=%s does not include %s",
		    show(q, buf), want);
}

static enum sg_err parse_domain(struct sigctx *c)
{
	const struct sg_tag *d = tag(c, "d");
	char buf[SHOW_MAX];

	if (!sg_domain_valid(d->value, d->value_len))
		return fail(c, SG_E_SYNTAX, d->value, "d=%s is not a valid domain name",
			    show(d, buf));
	memcpy(c->out->domain, d->value, d->value_len);
	c->out->domain[d->value_len] = '\0';
	return SG_OK;
}

static enum sg_err parse_selector(struct sigctx *c)
{
	const struct sg_tag *s = tag(c, "s");
	char buf[SHOW_MAX];

	if (!sg_selector_valid(s->value, s->value_len))
		return fail(c, SG_E_SYNTAX, s->value, "s=%s is not a valid selector",
			    show(s, buf));
	memcpy(c->out->selector, s->value, s->value_len);
	c->out->selector[s->value_len] = '\0';
	return SG_OK;
}

/* The domain part of a decoded identity (after the last '@'), or NULL. */
static const char *identity_domain(const char *id, size_t n)
{
	for (size_t k = n; k > 0; k--) {
		if (id[k - 1] == '@')
			return id + k;
	}
	return NULL;
}

static enum sg_err parse_identity(struct sigctx *c)
{
	const struct sg_tag *i = tag(c, "i");
	struct sg_sig *out = c->out;
	struct sg_error sub;
	const char *dom;
	size_t n, dn;
	char buf[SHOW_MAX];
	enum sg_err rc;

	if (i == NULL) {
		/* d= is at most 253 bytes (sg_domain_valid), so this fits. */
		out->identity[0] = '@';
		memcpy(out->identity + 1, out->domain, strlen(out->domain) + 1);
		return SG_OK;
	}
	rc = sg_qp_decode_fixed(i->value, i->value_len, out->identity, SG_NAME_MAX, &n, &sub);
	if (rc == SG_E_LIMIT)
		return fail(c, rc, i->value, "i= longer than %d bytes", SG_NAME_MAX);
	if (rc != SG_OK)
		return fail(c, rc, i->value + sub.offset, "i= is not valid quoted-printable "
			    "(%s of i=)", detail_of(&sub));
	out->identity[n] = '\0';
	if (memchr(out->identity, '\0', n) != NULL)
		return fail(c, SG_E_SYNTAX, i->value, "i= contains a NUL byte");
	dom = identity_domain(out->identity, n);
	if (dom == NULL)
		return fail(c, SG_E_SYNTAX, i->value, "i= has no '@'");
	dn = n - (size_t)(dom - out->identity);
	sg_lex_printable(dom, dn, buf, sizeof(buf));
	if (!sg_domain_valid(dom, dn))
		return fail(c, SG_E_SYNTAX, i->value, "i= domain '%s' is not a valid domain name",
			    buf);
	if (!sg_domain_within(dom, dn, out->domain, strlen(out->domain)))
		return fail(c, SG_E_SYNTAX, i->value, "i= domain %s is not d=%s or a "
			    "subdomain of it", buf, out->domain);
	out->has_identity = true;
	return SG_OK;
}

/* One h= name: ftext (RFC 5322 field-name) bytes only. */
static enum sg_err check_header_name(struct sigctx *c, const char *name, size_t n)
{
	char buf[SHOW_MAX];

	if (n == 0)
		return fail(c, SG_E_SYNTAX, name, "h= has an empty header name");
	for (size_t k = 0; k < n; k++) {
		unsigned char ch = (unsigned char)name[k];

		if (ch < 33 || ch > 126)
			return fail(c, SG_E_SYNTAX, name + k, "h= header name '%s' has byte "
				    "0x%02x", sg_lex_printable(name, n, buf, sizeof(buf)), ch);
	}
	return SG_OK;
}

static enum sg_err parse_headers(struct sigctx *c)
{
	const struct sg_tag *h = tag(c, "h");
	struct sg_sig *out = c->out;
	struct sg_lex_list list;
	const char *name;
	bool has_from = false;
	size_t n;
	enum sg_err rc;

	if (h == NULL)
		return SG_OK;		/* DomainKeys: every header is signed */
	list = (struct sg_lex_list){ h->value, h->value + h->value_len, false };
	while (sg_lex_list_next(&list, ':', &name, &n)) {
		rc = check_header_name(c, name, n);
		if (rc != SG_OK)
			return rc;
		if (out->header_count == SG_SIG_MAX_HEADERS)
			return fail(c, SG_E_LIMIT, name, "h= lists more than %d header names",
				    SG_SIG_MAX_HEADERS);
		out->headers[out->header_count++] = (struct sg_name_ref){ name, n };
		has_from = has_from || sg_lex_eq_nocase(name, n, "from");
	}
	if (c->kind == SG_KIND_DKIM && !has_from)
		return fail(c, SG_E_SYNTAX, h->value, "h= does not include From");
	out->has_h = true;
	return SG_OK;
}

enum decimal_result { DECIMAL_OK, DECIMAL_SYNTAX, DECIMAL_OVERFLOW };

static enum decimal_result parse_decimal(const struct sg_tag *t, size_t max_digits,
					 uint64_t *out)
{
	uint64_t v = 0;

	if (t->value_len == 0 || t->value_len > max_digits)
		return DECIMAL_SYNTAX;
	for (size_t k = 0; k < t->value_len; k++) {
		if (!sg_lex_is_digit((unsigned char)t->value[k]))
			return DECIMAL_SYNTAX;
	}
	for (size_t k = 0; k < t->value_len; k++) {
		unsigned d = (unsigned)(t->value[k] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return DECIMAL_OVERFLOW;
		v = v * 10 + d;
	}
	*out = v;
	return DECIMAL_OK;
}

/* t=, x= or l=: absent leaves *has false. */
static enum sg_err parse_number(struct sigctx *c, const char *name, size_t max_digits,
				bool *has, uint64_t *value)
{
	const struct sg_tag *t = tag(c, name);
	char buf[SHOW_MAX];

	if (t == NULL)
		return SG_OK;
	switch (parse_decimal(t, max_digits, value)) {
	case DECIMAL_OK:
		*has = true;
		return SG_OK;
	case DECIMAL_OVERFLOW:
		return fail(c, SG_E_SYNTAX, t->value, "%s= does not fit in 64 bits", name);
	case DECIMAL_SYNTAX:
		break;
	}
	return fail(c, SG_E_SYNTAX, t->value, "%s=%s must be 1 to %zu decimal digits", name,
		    show(t, buf), max_digits);
}

static enum sg_err parse_times(struct sigctx *c)
{
	struct sg_sig *out = c->out;
	enum sg_err rc;

	rc = parse_number(c, "t", TIME_DIGITS_MAX, &out->has_t, &out->t);
	if (rc == SG_OK)
		rc = parse_number(c, "x", TIME_DIGITS_MAX, &out->has_x, &out->x);
	if (rc == SG_OK)
		rc = parse_number(c, "l", LENGTH_DIGITS_MAX, &out->has_l, &out->l);
	if (rc == SG_OK && out->has_t && out->has_x && out->x < out->t)
		return fail(c, SG_E_SYNTAX, tag(c, "x")->value,
			    "x=%" PRIu64 " is before t=%" PRIu64, out->x, out->t);
	return rc;
}

static enum sg_err parse_body_hash(struct sigctx *c)
{
	const struct sg_tag *bh = tag(c, "bh");
	struct sg_sig *out = c->out;
	size_t want = sg_hash_len(sg_alg_hash(out->alg));
	struct sg_error sub;
	enum sg_err rc;

	rc = sg_base64_decode(bh->value, bh->value_len, out->bh, sizeof(out->bh),
			      &out->bh_len, &sub);
	if (rc == SG_E_SYNTAX)
		return fail(c, rc, bh->value + sub.offset, "bh= is not valid base64 (%s of bh=)",
			    detail_of(&sub));
	if (rc != SG_OK || out->bh_len != want)
		return fail(c, SG_E_SYNTAX, bh->value, "bh= must hold %zu bytes for a=%s",
			    want, sg_alg_name(out->alg));
	return SG_OK;
}

/* Where b='s value sits in raw: after '=' up to ';' or the end. */
static void locate_b_value(struct sigctx *c, const struct sg_tag *b)
{
	const char *raw = c->f->raw;
	const char *end = raw + c->f->len;
	const char *p = b->name + b->name_len;
	const char *q = b->value + b->value_len;

	while (p < end && *p != '=')
		p++;
	p++;
	while (q < end && *q != ';')
		q++;
	c->out->b_value_off = (size_t)(p - raw);
	c->out->b_value_len = (size_t)(q - p);
}

static enum sg_err parse_signature(struct sigctx *c)
{
	const struct sg_tag *b = tag(c, "b");
	struct sg_sig *out = c->out;
	struct sg_error sub;
	enum sg_err rc;

	rc = sg_base64_decode(b->value, b->value_len, out->b, sizeof(out->b), &out->b_len, &sub);
	if (rc == SG_E_LIMIT)
		return fail(c, rc, b->value, "b= longer than %d bytes", SG_SIG_MAX_B);
	if (rc != SG_OK)
		return fail(c, rc, b->value + sub.offset, "b= is not valid base64 (%s of b=)",
			    detail_of(&sub));
	if (out->b_len == 0)
		return fail(c, SG_E_SYNTAX, b->value, "b= is empty");
	locate_b_value(c, b);
	return SG_OK;
}

typedef enum sg_err (*sig_step)(struct sigctx *c);

static const sig_step dkim_steps[] = {
	check_required, check_version, parse_algorithm, parse_canon, parse_query,
	parse_domain, parse_selector, parse_identity, parse_headers, parse_times,
	parse_body_hash, parse_signature, NULL,
};

static const sig_step dk_steps[] = {
	check_required, parse_algorithm, parse_canon, parse_query,
	parse_domain, parse_selector, parse_headers, parse_signature, NULL,
};

enum sg_err sg_sig_parse(const struct sg_header_field *f, enum sg_sigkind kind,
			 struct sg_sig *out, struct sg_error *err)
{
	struct sigctx c = { .f = f, .kind = kind, .out = out, .err = err };
	const sig_step *step = kind == SG_KIND_DKIM ? dkim_steps : dk_steps;
	struct sg_error sub;
	enum sg_err rc;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	if (f == NULL || f->raw == NULL || f->value_off > f->len)
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s: invalid header field",
				    kind_name(kind));
	rc = sg_taglist_parse(f->raw + f->value_off, f->len - f->value_off, &c.tl, &sub);
	if (rc != SG_OK)
		return fail(&c, rc, f->raw + f->value_off + sub.offset, "%s in the field value",
			    sub.msg);
	for (; *step != NULL && rc == SG_OK; step++)
		rc = (*step)(&c);
	if (rc != SG_OK) {
		memset(out, 0, sizeof(*out));
		out->kind = kind;
	}
	return rc;
}
