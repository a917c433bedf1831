/*
 * NAME
 *   pubkey_evp.c - verify DKIM signatures with OpenSSL EVP (see pubkey_evp.h)
 *
 * SUMMARY
 *   verify() turns the decoded p= bytes into an EVP_PKEY and checks one
 *   signature:
 *     rsa-*           p= is DER SubjectPublicKeyInfo (RFC 6376 3.6.1) or,
 *                     as some publishers write it, a bare PKCS#1
 *                     RSAPublicKey; either must use every byte. The
 *                     signature is RSASSA-PKCS1-v1_5 over the digest.
 *     ed25519-sha256  p= is the 32 raw public-key bytes (RFC 8463 4);
 *                     the signature is PureEdDSA over the SHA-256 digest.
 *   A key that does not parse, has the wrong type for the algorithm, or
 *   has the wrong length gives SG_VERIFY_BAD_KEY; everything else that
 *   fails is SG_VERIFY_BAD_SIGNATURE. *key_bits gets the RSA modulus size
 *   (256 for Ed25519) whenever the key could be read. Stateless and
 *   thread-safe; OpenSSL's per-thread error queue is emptied on return.
 *
 * UNTRUSTED INPUT
 *   Key bytes (DNS) and signature bytes (the message): lengths are
 *   checked before OpenSSL sees them, DER is parsed by OpenSSL's bounded
 *   decoders, and nothing here indexes by attacker-controlled values.
 */

/* System library. */
#include <stdbool.h>

/* OpenSSL. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* Crypto layer. */
#include "pubkey_evp.h"

/* Far more than an RSA-16384 SubjectPublicKeyInfo (about 2.1 KB). */
#define PUBKEY_DER_MAX 4096
#define ED25519_KEY_BYTES 32
#define ED25519_SIG_BYTES 64
#define ED25519_BITS 256

/* DER SubjectPublicKeyInfo first, then PKCS#1 RSAPublicKey. */
static EVP_PKEY *parse_rsa_key(const uint8_t *key, size_t key_len)
{
	const unsigned char *p = key;
	EVP_PKEY *pkey;

	pkey = d2i_PUBKEY(NULL, &p, (long)key_len);
	if (pkey != NULL && p != key + key_len) {
		EVP_PKEY_free(pkey);
		return NULL;	/* trailing bytes after the DER */
	}
	if (pkey == NULL) {
		p = key;
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)key_len);
		if (pkey != NULL && p != key + key_len) {
			EVP_PKEY_free(pkey);
			return NULL;
		}
	}
	if (pkey != NULL && EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);	/* an EC or RSA-PSS key, say */
		return NULL;
	}
	return pkey;
}

static bool rsa_verify(EVP_PKEY *pkey, enum sg_alg alg, const uint8_t *digest,
		       size_t digest_len, const uint8_t *sig, size_t sig_len)
{
	const EVP_MD *md = alg == SG_ALG_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	bool ok;

	if (ctx == NULL)
		return false;
	ok = EVP_PKEY_verify_init(ctx) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
	     EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	     EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static bool ed25519_verify(EVP_PKEY *pkey, const uint8_t *digest, size_t digest_len,
			   const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	if (ctx == NULL)
		return false;
	ok = EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, pkey, NULL) == 1 &&
	     EVP_DigestVerify(ctx, sig, sig_len, digest, digest_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static enum sg_verify_status verify_rsa(enum sg_alg alg, const uint8_t *key, size_t key_len,
					const uint8_t *digest, size_t digest_len,
					const uint8_t *sig, size_t sig_len, unsigned *key_bits)
{
	EVP_PKEY *pkey;
	bool ok;

	if (key_len == 0 || key_len > PUBKEY_DER_MAX)
		return SG_VERIFY_BAD_KEY;
	pkey = parse_rsa_key(key, key_len);
	if (pkey == NULL)
		return SG_VERIFY_BAD_KEY;
	*key_bits = (unsigned)EVP_PKEY_get_bits(pkey);
	ok = digest_len == sg_hash_len(sg_alg_hash(alg)) && sig_len > 0 &&
	     rsa_verify(pkey, alg, digest, digest_len, sig, sig_len);
	EVP_PKEY_free(pkey);
	return ok ? SG_VERIFY_OK : SG_VERIFY_BAD_SIGNATURE;
}

static enum sg_verify_status verify_ed25519(const uint8_t *key, size_t key_len,
					    const uint8_t *digest, size_t digest_len,
					    const uint8_t *sig, size_t sig_len,
					    unsigned *key_bits)
{
	EVP_PKEY *pkey;
	bool ok;

	if (key_len != ED25519_KEY_BYTES)
		return SG_VERIFY_BAD_KEY;
	pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, key, key_len);
	if (pkey == NULL)
		return SG_VERIFY_BAD_KEY;
	*key_bits = ED25519_BITS;
	ok = digest_len == sg_hash_len(SG_HASH_SHA256) && sig_len == ED25519_SIG_BYTES &&
	     ed25519_verify(pkey, digest, digest_len, sig, sig_len);
	EVP_PKEY_free(pkey);
	return ok ? SG_VERIFY_OK : SG_VERIFY_BAD_SIGNATURE;
}

static enum sg_verify_status evp_verify(void *env, enum sg_alg alg, const uint8_t *key,
					size_t key_len, const uint8_t *digest,
					size_t digest_len, const uint8_t *sig, size_t sig_len,
					unsigned *key_bits)
{
	enum sg_verify_status st;
	unsigned bits_sink;

	(void)env;
	if (key_bits == NULL)
		key_bits = &bits_sink;
	*key_bits = 0;
	if (key == NULL || (digest == NULL && digest_len > 0) || (sig == NULL && sig_len > 0))
		return key == NULL ? SG_VERIFY_BAD_KEY : SG_VERIFY_BAD_SIGNATURE;
	switch (alg) {
	case SG_ALG_RSA_SHA1:
	case SG_ALG_RSA_SHA256:
		st = verify_rsa(alg, key, key_len, digest, digest_len, sig, sig_len, key_bits);
		break;
	case SG_ALG_ED25519_SHA256:
		st = verify_ed25519(key, key_len, digest, digest_len, sig, sig_len, key_bits);
		break;
	default:
		st = SG_VERIFY_BAD_KEY;
		break;
	}
	ERR_clear_error();
	return st;
}

static const struct sg_pubkey_ops evp_pubkey_ops = {
	.verify = evp_verify,
	.env = NULL,
};

const struct sg_pubkey_ops *sg_pubkey_evp(void)
{
	return &evp_pubkey_ops;
}
