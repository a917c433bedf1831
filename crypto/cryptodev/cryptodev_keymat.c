/*
 * NAME
 *   cryptodev_keymat.c - per-key public data, CRT numbers on demand, PKCS#1
 *                        v1.5 encoding and the public-key check
 *                        (see cryptodev_keymat.h)
 *
 * SUMMARY
 *   Everything here is plain OpenSSL: it is built with and without DPDK.
 *   The DigestInfo prefixes are the DER encodings listed in RFC 8017 9.2,
 *   note 1.
 *
 * UNTRUSTED INPUT
 *   None: keys and digests come from the caller.
 */

/* System library. */
#include <stdlib.h>
#include <string.h>

/* OpenSSL. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

/* Crypto layer. */
#include "cryptodev_keymat.h"
#include "key_internal.h"

static const uint8_t digest_info_sha1[] = {
	0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
};
static const uint8_t digest_info_sha256[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	0x05, 0x00, 0x04, 0x20,
};

/* Copies one public number of pkey to out (big-endian); its length or 0. */
static size_t get_public_number(EVP_PKEY *pkey, const char *name, uint8_t *out, size_t cap)
{
	BIGNUM *bn = NULL;
	size_t len = 0;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 && (size_t)BN_num_bytes(bn) <= cap)
		len = (size_t)BN_bn2bin(bn, out);
	BN_free(bn);
	return len;
}

/* A public-only copy of pkey, through its DER SubjectPublicKeyInfo. */
static EVP_PKEY *public_copy(EVP_PKEY *pkey)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	int len = i2d_PUBKEY(pkey, &der);

	if (len > 0) {
		p = der;
		pub = d2i_PUBKEY(NULL, &p, len);
	}
	OPENSSL_free(der);
	return pub;
}

enum sg_err cdev_keymat_new(const struct sg_privkey *key, struct cdev_keymat **out,
			    struct sg_error *err)
{
	struct cdev_keymat *m;
	*out = NULL;
	if (key->type != SG_KEY_RSA)
		return sg_error_set(err, SG_E_KEY, 0, 0, "cryptodev: only RSA keys have a keymat");
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "cryptodev: out of memory");
	atomic_init(&m->refs, 1);
	m->bits = key->bits;
	m->n.data = m->pub_bytes;
	m->n.len = get_public_number(key->pkey, OSSL_PKEY_PARAM_RSA_N, m->pub_bytes, SG_SIG_MAX);
	m->e.data = m->pub_bytes + m->n.len;
	m->e.len = get_public_number(key->pkey, OSSL_PKEY_PARAM_RSA_E, m->pub_bytes + m->n.len,
				     sizeof(m->pub_bytes) - m->n.len);
	m->k = m->n.len;
	m->pub = public_copy(key->pkey);
	if (m->n.len == 0 || m->e.len == 0 || m->pub == NULL) {
		cdev_keymat_unref(m);
		return sg_ossl_fail(err, SG_E_CRYPTO, "cryptodev: cannot read the RSA public key");
	}
	*out = m;
	return SG_OK;
}

void cdev_keymat_ref(struct cdev_keymat *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void cdev_keymat_unref(struct cdev_keymat *m)
{
	if (m == NULL || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	EVP_PKEY_free(m->pub);
	free(m);
}

void cdev_keymat_release(void *m)
{
	cdev_keymat_unref(m);
}

bool cdev_keymat_orphan(struct cdev_keymat *m)
{
	return atomic_load_explicit(&m->refs, memory_order_acquire) == 1;
}

enum sg_err cdev_crt_get(const struct sg_privkey *key, struct cdev_crt *crt,
			 struct sg_error *err)
{
	static const char *const names[5] = {
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	struct cdev_num *nums[5] = { &crt->p, &crt->q, &crt->dp, &crt->dq, &crt->qinv };
	size_t each = (key->bits + 7) / 8, used = 0;
	enum sg_err rc = SG_OK;

	memset(crt, 0, sizeof(*crt));
	crt->buf_len = 5 * each;
	crt->buf = OPENSSL_secure_zalloc(crt->buf_len);
	if (crt->buf == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0,
				    "cryptodev: no secure memory for the CRT key (%zu bytes)",
				    crt->buf_len);
	for (size_t i = 0; i < 5 && rc == SG_OK; i++) {
		BIGNUM *bn = NULL;

		if (EVP_PKEY_get_bn_param(key->pkey, names[i], &bn) != 1 || BN_is_zero(bn) ||
		    (size_t)BN_num_bytes(bn) > each)
			rc = sg_error_set(err, SG_E_KEY, 0, 0,
					  "cryptodev: the RSA key has no usable CRT number %s "
					  "(keys without p, q, dP, dQ, qInv cannot be offloaded)",
					  names[i]);
		else
			nums[i]->len = (size_t)BN_bn2bin(bn, crt->buf + used);
		nums[i]->data = crt->buf + used;
		used += each;
		BN_clear_free(bn);
	}
	ERR_clear_error();
	if (rc != SG_OK)
		cdev_crt_wipe(crt);
	return rc;
}

void cdev_crt_wipe(struct cdev_crt *crt)
{
	if (crt->buf != NULL)
		OPENSSL_secure_clear_free(crt->buf, crt->buf_len);
	memset(crt, 0, sizeof(*crt));
}

size_t cdev_digest_info(enum sg_alg alg, const uint8_t *digest, size_t digest_len,
			uint8_t *out, size_t cap)
{
	const uint8_t *prefix = alg == SG_ALG_RSA_SHA1 ? digest_info_sha1 : digest_info_sha256;
	size_t prefix_len = alg == SG_ALG_RSA_SHA1 ? sizeof(digest_info_sha1)
						   : sizeof(digest_info_sha256);

	if (alg == SG_ALG_ED25519_SHA256 || digest_len != prefix[prefix_len - 1] ||
	    prefix_len + digest_len > cap)
		return 0;
	memcpy(out, prefix, prefix_len);
	memcpy(out + prefix_len, digest, digest_len);
	return prefix_len + digest_len;
}

size_t cdev_emsa_encode(enum sg_alg alg, const uint8_t *digest, size_t digest_len, size_t k,
			uint8_t *out, size_t cap)
{
	uint8_t t[64];
	size_t t_len = cdev_digest_info(alg, digest, digest_len, t, sizeof(t));

	/* RFC 8017 9.2 step 3: at least eight 0xff bytes of padding. */
	if (t_len == 0 || k > cap || k < t_len + 11)
		return 0;
	out[0] = 0x00;
	out[1] = 0x01;
	memset(out + 2, 0xff, k - t_len - 3);
	out[k - t_len - 1] = 0x00;
	memcpy(out + k - t_len, t, t_len);
	return k;
}

static EVP_PKEY_CTX *verify_ctx(const struct cdev_keymat *m, enum sg_alg alg)
{
	const EVP_MD *md = alg == SG_ALG_RSA_SHA1 ? EVP_sha1() : EVP_sha256();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, m->pub, NULL);

	if (ctx != NULL && (EVP_PKEY_verify_init(ctx) != 1 ||
			    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
			    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1)) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

bool cdev_keymat_verify(const struct cdev_keymat *m, EVP_PKEY_CTX **ctx, enum sg_alg alg,
			const uint8_t *digest, size_t digest_len, const uint8_t *sig,
			size_t sig_len)
{
	bool ok;

	if (sig_len != m->k || (alg != SG_ALG_RSA_SHA1 && alg != SG_ALG_RSA_SHA256))
		return false;
	if (*ctx == NULL)
		*ctx = verify_ctx(m, alg);
	if (*ctx == NULL) {
		ERR_clear_error();
		return false;
	}
	ok = EVP_PKEY_verify(*ctx, sig, sig_len, digest, digest_len) == 1;
	if (!ok)
		ERR_clear_error();
	return ok;
}
