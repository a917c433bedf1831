/*
 * NAME
 *   verifier.h - verify every DKIM and DomainKeys signature of a message
 *
 * SUMMARY
 *   Feed the message like the signer; at sg_verifier_finish each signature
 *   (up to policy.max_signatures, top-down) is parsed, its key fetched
 *   through struct sg_key_lookup, its key record checked, its body hash and
 *   header hash computed and its signature checked through struct
 *   sg_pubkey_ops. Results (RFC 8601 vocabulary):
 *     pass       signature verified
 *     fail       body hash mismatch or bad signature
 *     neutral    signature not checked (over max_signatures)
 *     policy     verified but refused by local policy (key too small, sha1
 *                refused, DK granularity/sender mismatch)
 *     permerror  syntax, missing/unknown tags, expired, no key, revoked key,
 *                key/algorithm mismatch, unusable key
 *     temperror  key lookup failed temporarily
 *   A message without signatures has no results (dkim=none).
 *   The engine has no clock: policy.now is the verification time.
 *
 * UNTRUSTED INPUT
 *   The message and the DNS answers. Bounded work: max_signatures
 *   signatures, each hashing the message once.
 */
#ifndef SIGNET_DKIM_VERIFIER_H
#define SIGNET_DKIM_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hash.h"
#include "message.h"
#include "sigparse.h"
#include "status.h"
#include "types.h"

enum sg_lookup_status {
	SG_LOOKUP_OK,		/* record in txt */
	SG_LOOKUP_NOTFOUND,	/* NXDOMAIN or no TXT record: permerror */
	SG_LOOKUP_TEMPFAIL,	/* timeout, SERVFAIL: temperror */
	SG_LOOKUP_INVALID,	/* answer unusable (too long, malformed): permerror */
};

/* Fetches the TXT record at name ("sel._domainkey.example.com"). On OK the
 * character-strings of the first TXT record, joined, are in txt
 * (NUL-terminated, at most cap - 1 bytes). Otherwise why may receive a
 * short reason. */
struct sg_key_lookup {
	enum sg_lookup_status (*lookup)(void *env, const char *name, char *txt, size_t cap,
					char *why, size_t why_cap);
	void *env;
};

enum sg_verify_status { SG_VERIFY_OK, SG_VERIFY_BAD_SIGNATURE, SG_VERIFY_BAD_KEY };

/* Checks sig over digest with the public key from a key record (RSA: DER
 * SubjectPublicKeyInfo or PKCS#1 RSAPublicKey; Ed25519: 32 raw bytes).
 * *key_bits receives the key size when the key could be read. */
struct sg_pubkey_ops {
	enum sg_verify_status (*verify)(void *env, enum sg_alg alg, const uint8_t *key,
					size_t key_len, const uint8_t *digest, size_t digest_len,
					const uint8_t *sig, size_t sig_len, unsigned *key_bits);
	void *env;
};

struct sg_verify_policy {
	unsigned max_signatures;	/* default 5 */
	unsigned min_rsa_bits;		/* default 1024 */
	bool allow_sha1;		/* default true (rsa-sha1 and DomainKeys) */
	bool verify_domainkeys;		/* default true */
	int64_t now;			/* verification time, seconds since epoch */
};

void sg_verify_policy_default(struct sg_verify_policy *p, int64_t now);

enum sg_result {
	SG_RES_NONE, SG_RES_PASS, SG_RES_FAIL, SG_RES_NEUTRAL, SG_RES_POLICY,
	SG_RES_PERMERROR, SG_RES_TEMPERROR,
};
const char *sg_result_name(enum sg_result r);	/* "pass", "permerror", ... */

struct sg_sig_result {
	enum sg_sigkind kind;
	enum sg_result result;
	char reason[256];		/* short text, e.g. "body hash mismatch" */
	bool parsed;			/* the tags below were read */
	enum sg_alg alg;
	char domain[SG_NAME_MAX + 1];
	char selector[SG_NAME_MAX + 1];
	char identity[SG_NAME_MAX + 1];	/* i= (DKIM) */
	char dk_sender[SG_NAME_MAX + 1];	/* DomainKeys: the signing address, from the
					 * signed Sender field, else From (RFC 4870) */
	bool dk_sender_is_sender;	/* dk_sender came from Sender, not From */
	char b_prefix[16];		/* first base64 chars of b= */
	bool testing;			/* key record t=y */
	unsigned key_bits;
};

struct sg_verifier;

struct sg_verifier *sg_verifier_new(const struct sg_hash_ops *hash,
				    const struct sg_pubkey_ops *pubkey,
				    const struct sg_key_lookup *lookup,
				    const struct sg_verify_policy *policy,
				    const struct sg_limits *lim, bool fix_bare_lf);
void sg_verifier_free(struct sg_verifier *v);

SG_MUST_CHECK enum sg_err sg_verifier_feed(struct sg_verifier *v, const void *data, size_t len,
					   struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_verifier_finish(struct sg_verifier *v, struct sg_error *err);

size_t sg_verifier_count(const struct sg_verifier *v);
const struct sg_sig_result *sg_verifier_result(const struct sg_verifier *v, size_t i);
/* All results as one array (for sg_authres_format), NULL when none. */
const struct sg_sig_result *sg_verifier_results(const struct sg_verifier *v, size_t *count);

#endif
