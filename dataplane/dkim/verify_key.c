/*
 * NAME
 *   verify_key.c - key lookup, key-record checks and the signature check of
 *                  a verification (see verify_internal.h)
 *
 * SUMMARY
 *   sg_verify_fetch_key asks the caller's struct sg_key_lookup for
 *   "selector._domainkey.domain", parses the record for the signature's
 *   kind and applies RFC 6376 6.1.2: revoked key, key type against a=, h=
 *   against the hash, t=s against i=. sg_verify_signature calls the
 *   caller's struct sg_pubkey_ops and applies the key-size policy.
 *
 * UNTRUSTED INPUT
 *   DNS answers (bounded to SG_KEY_TXT_MAX bytes) and signature bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "verify_internal.h"

/* Applies the DKIM-only key-record rules; false when vs got settled. */
static bool dkim_key_allows(struct sg_vsig *vs, const struct sg_keyrecord *key)
{
	const struct sg_sig *s = &vs->sig;
	enum sg_hash_alg h = sg_alg_hash(s->alg);

	if (key->key_type != sg_alg_keytype(s->alg)) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, "key type does not match a=");
		return false;
	}
	if ((h == SG_HASH_SHA1 && !key->sha1_allowed) ||
	    (h == SG_HASH_SHA256 && !key->sha256_allowed)) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, "key record h= does not allow this hash");
		return false;
	}
	if (key->strict_identity) {
		const char *at = strrchr(s->identity, '@');

		if (at == NULL || strcasecmp(at + 1, s->domain) != 0) {
			sg_vsig_settle(vs, SG_RES_PERMERROR,
				       "key has t=s but the i= domain is not d=");
			return false;
		}
	}
	return true;
}

static void lookup_failed(struct sg_vsig *vs, enum sg_lookup_status st, const char *name,
			  const char *why)
{
	char reason[sizeof(vs->res->reason)];
	const char *what = st == SG_LOOKUP_TEMPFAIL ? "key lookup failed for"
			   : st == SG_LOOKUP_NOTFOUND ? "no key at" : "unusable key at";

	snprintf(reason, sizeof(reason), "%s %.100s: %.100s", what, name,
		 why[0] ? why : "no record");
	sg_vsig_settle(vs, st == SG_LOOKUP_TEMPFAIL ? SG_RES_TEMPERROR : SG_RES_PERMERROR, reason);
}

struct sg_keyrecord *sg_verify_fetch_key(struct sg_verifier *v, struct sg_vsig *vs)
{
	const struct sg_sig *s = &vs->sig;
	char name[2 * SG_NAME_MAX + 16], why[128] = "", *txt;
	struct sg_keyrecord *key;
	struct sg_error perr = { 0 };
	enum sg_lookup_status st;

	snprintf(name, sizeof(name), "%s._domainkey.%s", s->selector, s->domain);
	txt = malloc(SG_KEY_TXT_MAX);
	key = malloc(sizeof(*key));
	if (txt == NULL || key == NULL) {
		sg_vsig_settle(vs, SG_RES_TEMPERROR, "out of memory");
		goto fail;
	}
	st = v->lookup.lookup(v->lookup.env, name, txt, SG_KEY_TXT_MAX, why, sizeof(why));
	if (st != SG_LOOKUP_OK) {
		lookup_failed(vs, st, name, why);
		goto fail;
	}
	if (sg_keyrecord_parse(txt, strlen(txt), vs->res->kind, key, &perr) != SG_OK) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, perr.msg);
		goto fail;
	}
	vs->res->testing = key->testing;
	if (key->revoked) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, "key revoked: empty p=");
		goto fail;
	}
	if (vs->res->kind == SG_KIND_DKIM && !dkim_key_allows(vs, key))
		goto fail;
	free(txt);
	return key;
fail:
	free(txt);
	free(key);
	return NULL;
}

void sg_verify_signature(struct sg_verifier *v, struct sg_vsig *vs,
			 const struct sg_keyrecord *key, const uint8_t *digest, size_t dlen)
{
	const struct sg_sig *s = &vs->sig;
	unsigned bits = 0;
	enum sg_verify_status st;
	char reason[64];

	st = v->pubkey.verify(v->pubkey.env, s->alg, key->key, key->key_len, digest, dlen, s->b,
			      s->b_len, &bits);
	vs->res->key_bits = bits;
	if (st == SG_VERIFY_BAD_KEY) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, "public key in DNS is unusable");
	} else if (st == SG_VERIFY_BAD_SIGNATURE) {
		sg_vsig_settle(vs, SG_RES_FAIL, "signature did not verify");
	} else if (key->key_type == SG_KEY_RSA && bits < v->policy.min_rsa_bits) {
		snprintf(reason, sizeof(reason), "key too small: %u bits", bits);
		sg_vsig_settle(vs, SG_RES_POLICY, reason);
	} else {
		sg_vsig_settle(vs, SG_RES_PASS, "");
	}
}
