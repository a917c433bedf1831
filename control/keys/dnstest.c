/*
 * NAME
 *   dnstest.c - one row of `dns test`: the published TXT record against
 *               the public half of the selector's key (see dnstest.h)
 *
 * SUMMARY
 *   dnstest_check: lookup, sg_keyrecord_parse with the selector's type
 *   (DKIM or DomainKeys rules), then the key: same type, not revoked, and
 *   p= equal to the public half of the private key (sg_privkey_public:
 *   RSA SubjectPublicKeyInfo, Ed25519 raw 32 bytes). An RSA record may
 *   also publish the bare PKCS#1 RSAPublicKey, which is the tail of the
 *   SubjectPublicKeyInfo after its BIT STRING's zero unused-bits byte:
 *   that counts as a match too (verifiers accept both forms). The command
 *   around it is in dnstest_plan.c.
 *
 * UNTRUSTED INPUT
 *   DNS answers: size-bounded by the resolver and DT_TXT_MAX, parsed by
 *   the engine's key record parser.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Engine, DNS. */
#include "dnsrecord.h"
#include "keyrecord.h"
#include "resolver.h"

/* Control plane. */
#include "dnstest.h"
#include "keys_internal.h"


const char *dnstest_result_name(enum dnstest_result r)
{
	switch (r) {
	case DT_MATCH:
		return "found and matching";
	case DT_NOT_FOUND:
		return "not found";
	case DT_SYNTAX:
		return "syntax error";
	case DT_MISMATCH:
		return "key does not match";
	case DT_TESTING:
		return "testing flag set";
	case DT_LOOKUP_FAILED:
		return "lookup failed";
	}
	return "?";
}

/* p= (rec) is the public half of pub (sg_privkey_public's form). */
static bool same_public_key(const uint8_t *pub, size_t pub_len, const uint8_t *rec,
			   size_t rec_len, enum sg_keytype type)
{
	size_t off;

	if (rec_len == pub_len)
		return memcmp(pub, rec, pub_len) == 0;
	if (type != SG_KEY_RSA || rec_len == 0 || rec_len >= pub_len || rec[0] != 0x30)
		return false;
	off = pub_len - rec_len;
	return pub[off - 1] == 0x00 && memcmp(pub + off, rec, rec_len) == 0;
}

/* Record parsed: decides between match, mismatch and testing. */
static enum dnstest_result judge(const struct sg_keyrecord *rec,
				 const struct dnstest_pubkey *key, char *detail, size_t cap)
{
	const char *tname = key->type == SG_KEY_ED25519 ? "Ed25519" : "RSA";

	if (rec->revoked) {
		snprintf(detail, cap, "the record is revoked (empty p=)");
		return DT_MISMATCH;
	}
	if (rec->key_type != key->type) {
		snprintf(detail, cap, "the record publishes %s key, the private key is %s",
			 rec->key_type == SG_KEY_ED25519 ? "an Ed25519" : "an RSA", tname);
		return DT_MISMATCH;
	}
	if (key->len == 0) {
		snprintf(detail, cap, "cannot compute the public key of the private key");
		return DT_MISMATCH;
	}
	if (!same_public_key(key->pub, key->len, rec->key, rec->key_len, key->type)) {
		snprintf(detail, cap, "p= is another key than the public half of the %s private "
			 "key", tname);
		return DT_MISMATCH;
	}
	if (rec->testing) {
		snprintf(detail, cap, "p= matches, but t=y: verifiers treat failures as unsigned "
			 "mail; remove t=y when testing is over");
		return DT_TESTING;
	}
	snprintf(detail, cap, "p= is the public half of the %s private key", tname);
	return DT_MATCH;
}

/* The lookup gave no record: which result that is. */
static enum dnstest_result lookup_failure(enum sg_lookup_status st, const char *why,
					  char *detail, size_t cap)
{
	if (st == SG_LOOKUP_NOTFOUND) {
		snprintf(detail, cap, "no TXT record%s%s", why[0] ? ": " : "", why);
		return DT_NOT_FOUND;
	}
	if (st == SG_LOOKUP_INVALID) {
		snprintf(detail, cap, "unusable DNS answer%s%s", why[0] ? ": " : "", why);
		return DT_SYNTAX;
	}
	snprintf(detail, cap, "%s", why[0] ? why : "the lookup failed");
	return DT_LOOKUP_FAILED;
}

static enum dnstest_result parse_and_judge(const char *txt, enum sg_sigkind kind,
					   const struct dnstest_pubkey *key, char *detail,
					   size_t cap)
{
	struct sg_keyrecord rec;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_keyrecord_parse(txt, strlen(txt), kind, &rec, &err) != SG_OK) {
		snprintf(detail, cap, "%s", err.msg);
		return DT_SYNTAX;
	}
	return judge(&rec, key, detail, cap);
}

void dnstest_pubkey_of(const struct sg_privkey *key, struct dnstest_pubkey *out)
{
	out->type = sg_privkey_type(key);
	out->len = 0;
	if (sg_privkey_public(key, out->pub, sizeof(out->pub), &out->len, NULL) != SG_OK)
		out->len = 0;
}

enum dnstest_result dnstest_check(const struct sg_key_lookup *lookup, enum sg_sigkind kind,
				  const char *selector, const char *domain,
				  const struct dnstest_pubkey *key, char *detail, size_t cap)
{
	char *txt = malloc(DT_TXT_MAX);
	struct sg_buf name;
	char why[200] = "";
	enum sg_lookup_status st;
	enum dnstest_result r;

	sg_buf_init(&name, DT_NAME_MAX);
	if (txt == NULL || sg_dns_record_name(selector, domain, &name) != SG_OK) {
		snprintf(detail, cap, txt ? "cannot form the record name" : "out of memory");
		sg_buf_free(&name);
		free(txt);
		return DT_LOOKUP_FAILED;
	}
	st = lookup->lookup(lookup->env, sg_buf_cstr(&name), txt, DT_TXT_MAX, why, sizeof(why));
	sg_buf_free(&name);
	r = st == SG_LOOKUP_OK ? parse_and_judge(txt, kind, key, detail, cap) :
				 lookup_failure(st, why, detail, cap);
	free(txt);
	return r;
}
