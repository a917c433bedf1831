/*
 * NAME
 *   key_internal.h - struct sg_privkey and helpers shared by key_*.c
 *
 * SUMMARY
 *   Private to the crypto layer. struct sg_privkey owns one EVP_PKEY of
 *   type RSA (1024-4096 bits) or Ed25519; it is never modified after
 *   creation, so one key may sign from several threads at once (each
 *   signature uses its own EVP_PKEY_CTX).
 *   sg_privkey_adopt checks a freshly decoded or generated EVP_PKEY (type,
 *   size) and wraps it, taking ownership in every case; it then runs
 *   sg_privkey_self_test, which signs a fixed digest and verifies the
 *   signature against the published form of the public key (what p= will
 *   carry), so a key whose halves do not match is refused at load time
 *   rather than producing mail that fails verification (about 1 ms for
 *   RSA-2048, 5 ms for RSA-4096). sg_ossl_fail records the newest OpenSSL
 *   error reason in err after a caller-supplied prefix and empties
 *   OpenSSL's (per-thread) error queue.
 *   sg_evp_sign is the signing code behind sg_privkey_sign, for any
 *   EVP_PKEY (also one imported into another library context, or a legacy
 *   RSA key bound to an ENGINE): alg must fit the key and digest_len the
 *   hash; libctx and propq may be NULL (the default context).
 *   The prep slots hold backend precomputation (key_prep.c):
 *   sg_privkey_prep_init empties them (before the key is shared) and
 *   sg_privkey_prep_release releases what backends installed (when the key
 *   is freed). sg_rsa_sig_verifies is the public-key check backends run on
 *   RSA signatures they did not make with OpenSSL's default provider.
 */
#ifndef SIGNET_CRYPTO_KEY_INTERNAL_H
#define SIGNET_CRYPTO_KEY_INTERNAL_H

#include <stdatomic.h>
#include <openssl/evp.h>

#include "key.h"

#define SG_RSA_MIN_BITS 1024
#define SG_RSA_MAX_BITS 4096
#define SG_RSA_DEFAULT_BITS 2048
#define SG_ED25519_KEY_BYTES 32		/* seed and public key */
#define SG_ED25519_SIG_BYTES 64
#define SG_ED25519_BITS 256		/* what sg_privkey_bits reports */

struct sg_key_prep;			/* one installed precomputation */

struct sg_privkey {
	EVP_PKEY *pkey;
	enum sg_keytype type;
	unsigned bits;
	/* Filled from index 0 up, each set once (compare-and-swap). */
	_Atomic(struct sg_key_prep *) prep[SG_KEY_PREP_SLOTS];
};

SG_MUST_CHECK enum sg_err sg_privkey_adopt(EVP_PKEY *pkey, struct sg_privkey **out,
					   struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_privkey_self_test(const struct sg_privkey *k,
					       struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_evp_sign(EVP_PKEY *pkey, OSSL_LIB_CTX *libctx, const char *propq,
				      enum sg_alg alg, const uint8_t *digest, size_t digest_len,
				      uint8_t *sig, size_t cap, size_t *sig_len,
				      struct sg_error *err);
/* The release check of an RSA PKCS#1 v1.5 signature made outside OpenSSL's
 * default provider (ifma, an ENGINE, a provider): verified with the key's
 * public half in the default library context. */
bool sg_rsa_sig_verifies(const struct sg_privkey *key, enum sg_alg alg, const uint8_t *digest,
			 size_t digest_len, const uint8_t *sig, size_t sig_len);
void sg_privkey_prep_init(struct sg_privkey *k);
void sg_privkey_prep_release(struct sg_privkey *k);
enum sg_err sg_ossl_fail(struct sg_error *err, enum sg_err code, const char *what);

#endif
