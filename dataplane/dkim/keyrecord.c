/*
 * NAME
 *   keyrecord.c - DKIM (RFC 6376 3.6.1) and DomainKeys (RFC 4870 3.2.3)
 *                 key records (see keyrecord.h)
 *
 * SUMMARY
 *   The TXT value is split with the tag-list parser, then each tag the
 *   record may carry is checked in a fixed order (v, k, h, s, t, g, p), so
 *   the first problem found is the one reported. Both kinds share one
 *   reading of the tags; they differ in:
 *     - k=: DKIM "rsa" or "ed25519" (RFC 8463); DomainKeys "rsa" only;
 *     - g=: DomainKeys granularity, kept as a pattern with at most one
 *       '*' (RFC 4871 key-g-tag syntax, which Mail::DKIM also applies to
 *       DomainKeys); ignored for DKIM, where RFC 6376 dropped it.
 *   Word values (k=, h=, s=, t= items) compare ASCII case-insensitively,
 *   as ABNF quoted strings do; v= must be exactly "DKIM1" (%x-coded in
 *   RFC 6376). An Ed25519 p= must decode to the 32-byte raw key
 *   (RFC 8463 3); RSA key structure is left to the crypto layer.
 *
 * DIAGNOSTICS
 *   Messages start with "key record: " and name the tag; err->offset is
 *   the offset in txt of the offending tag or value.
 *   SG_E_SYNTAX     not a tag list, bad v=, no p=, bad base64 or g=
 *   SG_E_UNSUPPORTED unknown key type, s= without email
 *   SG_E_LIMIT      p= or g= too long, too many tags
 *   SG_E_KEY        Ed25519 key of the wrong size
 *
 * UNTRUSTED INPUT
 *   DNS TXT data of any content. Work is linear in len; output fixed-size.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base64.h"
#include "keyrecord.h"
#include "lex.h"
#include "taglist.h"

#define ED25519_KEY_BYTES 32
#define SHOW_MAX 40		/* bytes of a value quoted in a message */

/* Offset of a tag's value in the record. */
static size_t value_off(const char *txt, const struct sg_tag *t)
{
	return (size_t)(t->value - txt);
}

static enum sg_err check_version(const struct sg_taglist *tl, const struct sg_tag *v,
				 struct sg_error *err)
{
	if (v == NULL)
		return SG_OK;
	if (v != &tl->tags[0] || !sg_lex_eq(v->value, v->value_len, "DKIM1"))
		return sg_error_set(err, SG_E_SYNTAX, 0, v->offset,
				    "key record: v= must be DKIM1 and the first tag");
	return SG_OK;
}

static enum sg_err parse_key_type(const char *txt, const struct sg_tag *k,
				  enum sg_sigkind kind, struct sg_keyrecord *out,
				  struct sg_error *err)
{
	char show[SHOW_MAX];

	out->key_type = SG_KEY_RSA;
	if (k == NULL || sg_lex_eq_nocase(k->value, k->value_len, "rsa"))
		return SG_OK;
	if (sg_lex_eq_nocase(k->value, k->value_len, "ed25519")) {
		if (kind == SG_KIND_DOMAINKEYS)
			return sg_error_set(err, SG_E_UNSUPPORTED, 0, value_off(txt, k),
					    "key record: k=ed25519 cannot be used by "
					    "DomainKeys (rsa only)");
		out->key_type = SG_KEY_ED25519;
		return SG_OK;
	}
	return sg_error_set(err, SG_E_UNSUPPORTED, 0, value_off(txt, k),
			    "key record: unknown key type k=%s",
			    sg_lex_printable(k->value, k->value_len, show, sizeof(show)));
}

/* h=: absent allows every hash; otherwise only the listed known ones. */
static void parse_hashes(const struct sg_tag *h, struct sg_keyrecord *out)
{
	struct sg_lex_list list;
	const char *item;
	size_t n;

	out->sha1_allowed = h == NULL;
	out->sha256_allowed = h == NULL;
	if (h == NULL)
		return;
	list = (struct sg_lex_list){ h->value, h->value + h->value_len, false };
	while (sg_lex_list_next(&list, ':', &item, &n)) {
		if (sg_lex_eq_nocase(item, n, "sha1"))
			out->sha1_allowed = true;
		else if (sg_lex_eq_nocase(item, n, "sha256"))
			out->sha256_allowed = true;
	}
}

/* s=: absent means "*"; otherwise "*" or "email" must be listed. */
static enum sg_err check_services(const char *txt, const struct sg_tag *s,
				  struct sg_error *err)
{
	struct sg_lex_list list;
	const char *item;
	size_t n;

	if (s == NULL)
		return SG_OK;
	list = (struct sg_lex_list){ s->value, s->value + s->value_len, false };
	while (sg_lex_list_next(&list, ':', &item, &n)) {
		if (sg_lex_eq(item, n, "*") || sg_lex_eq_nocase(item, n, "email"))
			return SG_OK;
	}
	return sg_error_set(err, SG_E_UNSUPPORTED, 0, value_off(txt, s),
			    "key record: s= does not allow email");
}

static void parse_flags(const struct sg_tag *t, struct sg_keyrecord *out)
{
	struct sg_lex_list list;
	const char *item;
	size_t n;

	if (t == NULL)
		return;
	list = (struct sg_lex_list){ t->value, t->value + t->value_len, false };
	while (sg_lex_list_next(&list, ':', &item, &n)) {
		if (sg_lex_eq_nocase(item, n, "y"))
			out->testing = true;
		else if (sg_lex_eq_nocase(item, n, "s"))
			out->strict_identity = true;
	}
}

/* DomainKeys g=: a local-part pattern with at most one '*'. */
static enum sg_err parse_granularity(const char *txt, const struct sg_tag *g,
				     struct sg_keyrecord *out, struct sg_error *err)
{
	const char *star;

	if (g == NULL || g->value_len == 0)
		return SG_OK;
	if (g->value_len > SG_KEYRECORD_MAX_G)
		return sg_error_set(err, SG_E_LIMIT, 0, value_off(txt, g),
				    "key record: g= longer than %d bytes", SG_KEYRECORD_MAX_G);
	for (size_t i = 0; i < g->value_len; i++) {
		unsigned char c = (unsigned char)g->value[i];

		if (sg_lex_is_fws(c) || c == '@')
			return sg_error_set(err, SG_E_SYNTAX, 0, value_off(txt, g) + i,
					    "key record: g= has byte 0x%02x at offset %zu, "
					    "not allowed in a local-part pattern",
					    c, value_off(txt, g) + i);
	}
	star = memchr(g->value, '*', g->value_len);
	if (star != NULL && memchr(star + 1, '*', g->value_len - (size_t)(star + 1 - g->value)))
		return sg_error_set(err, SG_E_SYNTAX, 0, value_off(txt, g),
				    "key record: g= has more than one '*'");
	memcpy(out->granularity, g->value, g->value_len);
	out->granularity[g->value_len] = '\0';
	out->has_granularity = true;
	return SG_OK;
}

static enum sg_err parse_public_key(const char *txt, size_t len, const struct sg_tag *p,
				    struct sg_keyrecord *out, struct sg_error *err)
{
	struct sg_error sub;
	enum sg_err rc;

	if (p == NULL)
		return sg_error_set(err, SG_E_SYNTAX, 0, len, "key record: p= missing");
	rc = sg_base64_decode(p->value, p->value_len, out->key, sizeof(out->key),
			      &out->key_len, &sub);
	if (rc == SG_E_LIMIT)
		return sg_error_set(err, rc, 0, value_off(txt, p),
				    "key record: p= longer than %d bytes", SG_KEYRECORD_MAX_KEY);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, value_off(txt, p) + sub.offset,
				    "key record: p= is not valid base64 (%s of p=)",
				    strncmp(sub.msg, "base64: ", 8) == 0 ? sub.msg + 8 : sub.msg);
	if (out->key_len == 0) {
		out->revoked = true;
		return SG_OK;
	}
	if (out->key_type == SG_KEY_ED25519 && out->key_len != ED25519_KEY_BYTES)
		return sg_error_set(err, SG_E_KEY, 0, value_off(txt, p),
				    "key record: p= of a k=ed25519 key must be %d bytes, not %zu",
				    ED25519_KEY_BYTES, out->key_len);
	return SG_OK;
}

enum sg_err sg_keyrecord_parse(const char *txt, size_t len, enum sg_sigkind kind,
			       struct sg_keyrecord *out, struct sg_error *err)
{
	struct sg_taglist tl;
	struct sg_error sub;
	enum sg_err rc;

	memset(out, 0, sizeof(*out));
	rc = sg_taglist_parse(txt, len, &tl, &sub);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, sub.offset, "key record: %s", sub.msg);
	rc = check_version(&tl, sg_taglist_get(&tl, "v"), err);
	if (rc == SG_OK)
		rc = parse_key_type(txt, sg_taglist_get(&tl, "k"), kind, out, err);
	if (rc == SG_OK) {
		parse_hashes(sg_taglist_get(&tl, "h"), out);
		rc = check_services(txt, sg_taglist_get(&tl, "s"), err);
	}
	if (rc == SG_OK) {
		parse_flags(sg_taglist_get(&tl, "t"), out);
		if (kind == SG_KIND_DOMAINKEYS)
			rc = parse_granularity(txt, sg_taglist_get(&tl, "g"), out, err);
	}
	if (rc == SG_OK)
		rc = parse_public_key(txt, len, sg_taglist_get(&tl, "p"), out, err);
	if (rc != SG_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* An empty pattern constrains nothing (RFC 4870: g= applies only "if
 * present with a non-zero length value"). Matching is case-sensitive. */
bool sg_keyrecord_granularity_match(const char *pattern, const char *local, size_t local_len)
{
	const char *star = strchr(pattern, '*');
	size_t head, tail;

	if (pattern[0] == '\0')
		return true;
	if (local == NULL)
		local = "";
	if (star == NULL)
		return strlen(pattern) == local_len && memcmp(pattern, local, local_len) == 0;
	head = (size_t)(star - pattern);
	tail = strlen(star + 1);
	if (local_len < head + tail)
		return false;
	return memcmp(local, pattern, head) == 0 &&
	       memcmp(local + local_len - tail, star + 1, tail) == 0;
}
