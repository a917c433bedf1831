/*
 * NAME
 *   authres.c - Authentication-Results (RFC 8601) text for verify results
 *
 * SUMMARY
 *   sg_authres_format (see authres.h) writes
 *     authserv-id; dkim=RESULT [(reason)] header.d=D [header.i=I]
 *       header.s=S header.a=A header.b=B; domainkeys=RESULT [(reason)]
 *       header.d=D header.from=F (header.sender=S when the signing
 *       address came from the Sender field)
 *   with one resinfo per result, in order, and "authserv-id; dkim=none"
 *   when there are none. Properties are written only for results whose
 *   tags were parsed (a permerror before parsing is just
 *   "dkim=permerror (reason)") and only when their value is non-empty;
 *   header.i appears only when the verifier filled identity (i= present).
 *   A value is written bare when it is an RFC 2045 token or has the
 *   [local-part] "@" domain-name form RFC 8601 pvalue allows, otherwise as
 *   a quoted-string. Reasons become RFC 5322 comments with '(', ')' and
 *   '\' escaped. Control bytes (CR, LF, ...) in any text are written as
 *   '?' so a result can never break the header apart.
 *   The result names are a local table (the same vocabulary as
 *   verifier.h's sg_result_name) so this file needs nothing of verifier.c.
 *
 * UNTRUSTED INPUT
 *   Reasons and tag values that came from signatures and key records.
 *   Output is bounded by the buffer's limit; on any error the buffer is
 *   left as it was.
 */
#include <stdbool.h>
#include <string.h>

#include "authres.h"
#include "lex.h"

static const char *const result_names[] = {
	[SG_RES_NONE] = "none",
	[SG_RES_PASS] = "pass",
	[SG_RES_FAIL] = "fail",
	[SG_RES_NEUTRAL] = "neutral",
	[SG_RES_POLICY] = "policy",
	[SG_RES_PERMERROR] = "permerror",
	[SG_RES_TEMPERROR] = "temperror",
};

#define NRESULTS (sizeof(result_names) / sizeof(result_names[0]))

/* Appends to a buffer, remembering the first error. */
struct writer {
	struct sg_buf *out;
	enum sg_err rc;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->rc == SG_OK)
		w->rc = sg_buf_append(w->out, s, n);
}

static void puts_(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* RFC 2045 token: printable ASCII except SP and tspecials. */
static bool is_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c) != NULL)
			return false;
	}
	return true;
}

static bool is_atext(unsigned char c)
{
	return sg_lex_is_alpha(c) || sg_lex_is_digit(c) ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5322 dot-atom-text. */
static bool is_dot_atom(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* RFC 6376 domain-name: dot-separated labels of letters, digits, '-'. */
static bool is_domain_name(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' ? s[i + 1] == '.' : !(sg_lex_is_alpha(c) || sg_lex_is_digit(c) ||
						   c == '-'))
			return false;
	}
	return true;
}

/* RFC 8601 pvalue address form: [local-part] "@" domain-name. */
static bool is_address(const char *s, size_t n)
{
	const char *at = memrchr(s, '@', n);
	size_t local;

	if (at == NULL)
		return false;
	local = (size_t)(at - s);
	return (local == 0 || is_dot_atom(s, local)) &&
	       is_domain_name(at + 1, n - local - 1);
}

/* Writes s[0..n) escaping the bytes in 'special' with '\' and control
 * bytes as '?'. */
static void put_escaped(struct writer *w, const char *s, size_t n, const char *special)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_ctl(c) && strchr(special, c) == NULL)
			continue;
		put(w, s + run, i - run);
		if (is_ctl(c)) {
			put(w, "?", 1);
		} else {
			put(w, "\\", 1);
			put(w, s + i, 1);
		}
		run = i + 1;
	}
	put(w, s + run, n - run);
}

static void put_value(struct writer *w, const char *s, size_t n)
{
	if (is_token(s, n) || is_address(s, n)) {
		put(w, s, n);
		return;
	}
	put(w, "\"", 1);
	put_escaped(w, s, n, "\"\\");
	put(w, "\"", 1);
}

/* " name=value" for a fixed-size, possibly unterminated field. */
static void put_property(struct writer *w, const char *name, const char *value, size_t cap)
{
	size_t n = strnlen(value, cap);

	if (n == 0)
		return;
	put(w, " ", 1);
	puts_(w, name);
	put(w, "=", 1);
	put_value(w, value, n);
}

static void put_resinfo(struct writer *w, const struct sg_sig_result *r)
{
	size_t reason_len = strnlen(r->reason, sizeof(r->reason));
	bool dkim = r->kind == SG_KIND_DKIM;

	puts_(w, "; ");
	puts_(w, dkim ? "dkim=" : "domainkeys=");
	puts_(w, result_names[r->result]);
	if (reason_len > 0) {
		put(w, " (", 2);
		put_escaped(w, r->reason, reason_len, "()\\");
		put(w, ")", 1);
	}
	if (!r->parsed)
		return;
	put_property(w, "header.d", r->domain, sizeof(r->domain));
	if (!dkim) {
		put_property(w, r->dk_sender_is_sender ? "header.sender" : "header.from",
			     r->dk_sender, sizeof(r->dk_sender));
		return;
	}
	put_property(w, "header.i", r->identity, sizeof(r->identity));
	put_property(w, "header.s", r->selector, sizeof(r->selector));
	put_property(w, "header.a", sg_alg_name(r->alg), SG_NAME_MAX);
	put_property(w, "header.b", r->b_prefix, sizeof(r->b_prefix));
}

static bool result_valid(const struct sg_sig_result *r)
{
	if (r->kind != SG_KIND_DKIM && r->kind != SG_KIND_DOMAINKEYS)
		return false;
	if ((unsigned)r->result >= NRESULTS)
		return false;
	return !r->parsed || r->kind != SG_KIND_DKIM ||
	       r->alg == SG_ALG_RSA_SHA1 || r->alg == SG_ALG_RSA_SHA256 ||
	       r->alg == SG_ALG_ED25519_SHA256;
}

enum sg_err sg_authres_format(const char *authserv_id, const struct sg_sig_result *results,
			      size_t n, struct sg_buf *out)
{
	struct writer w = { .out = out, .rc = SG_OK };
	size_t start = out->len;

	if (authserv_id == NULL || authserv_id[0] == '\0' || (n > 0 && results == NULL))
		return SG_E_ARG;
	for (size_t i = 0; i < n; i++) {
		if (!result_valid(&results[i]))
			return SG_E_ARG;
	}
	put_value(&w, authserv_id, strlen(authserv_id));
	if (n == 0)
		puts_(&w, "; dkim=none");
	for (size_t i = 0; i < n; i++)
		put_resinfo(&w, &results[i]);
	if (w.rc != SG_OK) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return w.rc;
}
