/*
 * NAME
 *   cryptodev_keymat.h - what the cryptodev backend keeps per RSA key, and
 *                        the host-side RSA steps around the device
 *
 * SUMMARY
 *   struct cdev_keymat is the backend's precomputation in the key's prep
 *   slot (sg_privkey_set_prep, tag &sg_backend_cryptodev_ops). It holds
 *   only public data: the modulus and public exponent as big-endian bytes,
 *   the modulus size, and an EVP_PKEY of the public half for the check of
 *   every device signature. It is reference-counted: the key holds one
 *   reference (dropped when the key is freed) and every backend instance
 *   that made a device session for the key holds one more, so a keymat
 *   address names one key for as long as anyone uses it, and an instance
 *   sees that the key is gone when it holds the only reference
 *   (cdev_keymat_orphan). The reference count is atomic; everything else is
 *   written once, before the keymat is published.
 *
 *   The private CRT numbers (p, q, dP, dQ, qInv) are not kept: cdev_crt_get
 *   reads them from the key's EVP_PKEY (EVP_PKEY_get_bn_param) into an
 *   OpenSSL secure-heap buffer only while a device session is created, and
 *   cdev_crt_wipe clears and frees that buffer at once.
 *
 *   cdev_emsa_encode builds EMSA-PKCS1-v1_5 (RFC 8017 9.2) for a k-byte
 *   modulus: 00 01 FF..FF 00 || DigestInfo || digest, where a raw RSA
 *   private operation on it gives OpenSSL's signature. cdev_digest_info
 *   gives only DigestInfo || digest, for devices that pad themselves.
 *   cdev_keymat_verify checks a signature with the public key, as a
 *   verifier would (EVP_PKEY_verify, PKCS#1 v1.5, the algorithm's hash);
 *   *ctx caches the verification context of one (keymat, alg) pair for the
 *   caller (free it with EVP_PKEY_CTX_free).
 *
 * DIAGNOSTICS
 *   SG_E_KEY when the key is not RSA or lacks its CRT numbers (a key built
 *   from n, e, d alone); SG_E_NOMEM / SG_E_CRYPTO with OpenSSL's reason.
 */
#ifndef SIGNET_CRYPTO_CRYPTODEV_KEYMAT_H
#define SIGNET_CRYPTO_CRYPTODEV_KEYMAT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "key.h"
#include "status.h"

struct cdev_num {
	const uint8_t *data;		/* big-endian, no leading zero bytes */
	size_t len;
};

struct cdev_keymat {
	atomic_uint refs;
	unsigned bits;
	size_t k;			/* modulus bytes: the signature length */
	struct cdev_num n, e;		/* point into pub_bytes */
	EVP_PKEY *pub;
	uint8_t pub_bytes[2 * SG_SIG_MAX];	/* n, then e */
};

/* The private CRT numbers, in one secure-heap buffer. */
struct cdev_crt {
	struct cdev_num p, q, dp, dq, qinv;
	uint8_t *buf;
	size_t buf_len;
};

SG_MUST_CHECK enum sg_err cdev_keymat_new(const struct sg_privkey *key, struct cdev_keymat **out,
					  struct sg_error *err);
void cdev_keymat_ref(struct cdev_keymat *m);
void cdev_keymat_unref(struct cdev_keymat *m);
/* The prep-slot release function: drops the key's reference. */
void cdev_keymat_release(void *m);
bool cdev_keymat_orphan(struct cdev_keymat *m);

SG_MUST_CHECK enum sg_err cdev_crt_get(const struct sg_privkey *key, struct cdev_crt *crt,
				       struct sg_error *err);
void cdev_crt_wipe(struct cdev_crt *crt);

size_t cdev_digest_info(enum sg_alg alg, const uint8_t *digest, size_t digest_len,
			uint8_t *out, size_t cap);
size_t cdev_emsa_encode(enum sg_alg alg, const uint8_t *digest, size_t digest_len, size_t k,
			uint8_t *out, size_t cap);
bool cdev_keymat_verify(const struct cdev_keymat *m, EVP_PKEY_CTX **ctx, enum sg_alg alg,
			const uint8_t *digest, size_t digest_len, const uint8_t *sig,
			size_t sig_len);

#endif
