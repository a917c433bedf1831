/*
 * NAME
 *   key_sign.c - what a private key can do: describe, publish, sign
 *
 * SUMMARY
 *   sg_privkey_public gives the bytes that go into p= (RSA: DER
 *   SubjectPublicKeyInfo; Ed25519: the 32 raw public-key bytes).
 *   sg_privkey_sign signs a digest the engine computed:
 *     rsa-sha1 / rsa-sha256  RSASSA-PKCS1-v1_5 (RFC 8017 8.2), which is
 *                            deterministic; OpenSSL wraps the digest in
 *                            the DigestInfo of the hash.
 *     ed25519-sha256         PureEdDSA (RFC 8032) whose *message* is the
 *                            32-byte SHA-256 digest (RFC 8463 3).
 *   The algorithm must match the key type and the digest its hash length.
 *   sg_evp_sign (key_internal.h) is the same for any EVP_PKEY and library
 *   context (the evp backend's ENGINE and provider variants use it).
 *   sg_privkey_self_test (key_internal.h) signs a fixed digest and checks
 *   it with the public key. The key is read-only here: concurrent calls on
 *   one key are safe.
 *
 * DIAGNOSTICS
 *   SG_E_ARG for a mismatched algorithm, digest length or short output
 *   buffer; SG_E_CRYPTO with OpenSSL's reason when signing fails.
 */

/* OpenSSL. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* Crypto layer. */
#include "key_internal.h"
#include "pubkey_evp.h"

enum sg_keytype sg_privkey_type(const struct sg_privkey *k)
{
	return k->type;
}

unsigned sg_privkey_bits(const struct sg_privkey *k)
{
	return k->bits;
}

bool sg_privkey_supports(const struct sg_privkey *k, enum sg_alg alg)
{
	switch (alg) {
	case SG_ALG_RSA_SHA1:
	case SG_ALG_RSA_SHA256:
		return k->type == SG_KEY_RSA;
	case SG_ALG_ED25519_SHA256:
		return k->type == SG_KEY_ED25519;
	}
	return false;
}

static enum sg_err rsa_public(const struct sg_privkey *k, uint8_t *out, size_t cap,
			      size_t *len, struct sg_error *err)
{
	int need = i2d_PUBKEY(k->pkey, NULL);
	unsigned char *p = out;

	if (need <= 0)
		return sg_ossl_fail(err, SG_E_CRYPTO, "cannot encode public key");
	if ((size_t)need > cap)
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "public key needs %d bytes, buffer has %zu", need, cap);
	if (i2d_PUBKEY(k->pkey, &p) != need)
		return sg_ossl_fail(err, SG_E_CRYPTO, "cannot encode public key");
	*len = (size_t)need;
	return SG_OK;
}

enum sg_err sg_privkey_public(const struct sg_privkey *k, uint8_t *out, size_t cap,
			      size_t *len, struct sg_error *err)
{
	size_t n = cap;

	if (k == NULL || out == NULL || len == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key or no output buffer");
	*len = 0;
	if (k->type == SG_KEY_RSA)
		return rsa_public(k, out, cap, len, err);
	if (cap < SG_ED25519_KEY_BYTES)
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "public key needs %d bytes, buffer has %zu",
				    SG_ED25519_KEY_BYTES, cap);
	if (EVP_PKEY_get_raw_public_key(k->pkey, out, &n) != 1 || n != SG_ED25519_KEY_BYTES)
		return sg_ossl_fail(err, SG_E_CRYPTO, "cannot get Ed25519 public key");
	*len = n;
	return SG_OK;
}

static enum sg_err rsa_sign(EVP_PKEY *pkey, OSSL_LIB_CTX *libctx, const char *propq,
			    enum sg_alg alg, const uint8_t *digest, size_t digest_len, uint8_t *sig,
			    size_t cap, size_t *sig_len, struct sg_error *err)
{
	const EVP_MD *md = alg == SG_ALG_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, propq);
	size_t need = 0, n;
	enum sg_err rc = SG_OK;

	if (ctx == NULL)
		return sg_ossl_fail(err, SG_E_NOMEM, "cannot start RSA signature");
	if (EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1 ||
	    EVP_PKEY_sign(ctx, NULL, &need, digest, digest_len) != 1) {
		rc = sg_ossl_fail(err, SG_E_CRYPTO, "cannot start RSA signature");
	} else if (need > cap) {
		rc = sg_error_set(err, SG_E_ARG, 0, 0,
				  "signature needs %zu bytes, buffer has %zu", need, cap);
	} else {
		n = cap;
		if (EVP_PKEY_sign(ctx, sig, &n, digest, digest_len) != 1)
			rc = sg_ossl_fail(err, SG_E_CRYPTO, "RSA signing failed");
		else
			*sig_len = n;
	}
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static enum sg_err ed25519_sign(EVP_PKEY *pkey, OSSL_LIB_CTX *libctx, const char *propq,
				const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t cap,
				size_t *sig_len, struct sg_error *err)
{
	EVP_MD_CTX *ctx;
	size_t n = cap;
	enum sg_err rc = SG_OK;

	if (cap < SG_ED25519_SIG_BYTES)
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "signature needs %d bytes, buffer has %zu",
				    SG_ED25519_SIG_BYTES, cap);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return sg_ossl_fail(err, SG_E_NOMEM, "cannot start Ed25519 signature");
	/* No digest: PureEdDSA over the message, which is the SHA-256 digest. */
	if (EVP_DigestSignInit_ex(ctx, NULL, NULL, libctx, propq, pkey, NULL) != 1 ||
	    EVP_DigestSign(ctx, sig, &n, digest, digest_len) != 1)
		rc = sg_ossl_fail(err, SG_E_CRYPTO, "Ed25519 signing failed");
	else
		*sig_len = n;
	EVP_MD_CTX_free(ctx);
	return rc;
}

enum sg_err sg_privkey_sign(const struct sg_privkey *k, enum sg_alg alg, const uint8_t *digest,
			    size_t digest_len, uint8_t *sig, size_t cap, size_t *sig_len,
			    struct sg_error *err)
{
	if (k == NULL || digest == NULL || sig == NULL || sig_len == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "missing key, digest or buffer");
	*sig_len = 0;
	if (alg != SG_ALG_RSA_SHA1 && alg != SG_ALG_RSA_SHA256 && alg != SG_ALG_ED25519_SHA256)
		return sg_error_set(err, SG_E_ARG, 0, 0, "unknown algorithm %d", (int)alg);
	if (!sg_privkey_supports(k, alg))
		return sg_error_set(err, SG_E_ARG, 0, 0, "algorithm %s does not fit %s key",
				    sg_alg_name(alg),
				    k->type == SG_KEY_RSA ? "an RSA" : "an Ed25519");
	if (digest_len != sg_hash_len(sg_alg_hash(alg)))
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "%s needs a %zu-byte digest, got %zu bytes", sg_alg_name(alg),
				    sg_hash_len(sg_alg_hash(alg)), digest_len);
	return sg_evp_sign(k->pkey, NULL, NULL, alg, digest, digest_len, sig, cap, sig_len, err);
}

enum sg_err sg_evp_sign(EVP_PKEY *pkey, OSSL_LIB_CTX *libctx, const char *propq, enum sg_alg alg,
			const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t cap,
			size_t *sig_len, struct sg_error *err)
{
	if (alg == SG_ALG_ED25519_SHA256)
		return ed25519_sign(pkey, libctx, propq, digest, digest_len, sig, cap, sig_len,
				    err);
	return rsa_sign(pkey, libctx, propq, alg, digest, digest_len, sig, cap, sig_len, err);
}

/*
 * Sign a fixed digest and check it with the public key as p= publishes it
 * (through the same verifier signet uses on incoming mail).
 */
enum sg_err sg_privkey_self_test(const struct sg_privkey *k, struct sg_error *err)
{
	static const uint8_t digest[32] = "signet private-key self-test 01";
	enum sg_alg alg = k->type == SG_KEY_RSA ? SG_ALG_RSA_SHA256 : SG_ALG_ED25519_SHA256;
	uint8_t sig[SG_SIG_MAX], pub[SG_PUBKEY_MAX];
	size_t sig_len = 0, pub_len = 0;
	enum sg_verify_status st;
	unsigned bits = 0;
	enum sg_err rc;

	rc = sg_privkey_sign(k, alg, digest, sizeof(digest), sig, sizeof(sig), &sig_len, err);
	if (rc == SG_OK)
		rc = sg_privkey_public(k, pub, sizeof(pub), &pub_len, err);
	if (rc != SG_OK)
		return rc;
	st = sg_pubkey_evp()->verify(NULL, alg, pub, pub_len, digest, sizeof(digest), sig,
				     sig_len, &bits);
	if (st != SG_VERIFY_OK)
		return sg_error_set(err, SG_E_KEY, 0, 0,
				    "key is inconsistent: its test signature does not verify "
				    "with its public key");
	return SG_OK;
}

bool sg_rsa_sig_verifies(const struct sg_privkey *key, enum sg_alg alg, const uint8_t *digest,
			 size_t digest_len, const uint8_t *sig, size_t sig_len)
{
	const EVP_MD *md = alg == SG_ALG_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	bool ok;

	ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	     EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	     EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok;
}
