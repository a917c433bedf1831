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
 */
#ifndef SIGNET_CRYPTO_KEY_INTERNAL_H
#define SIGNET_CRYPTO_KEY_INTERNAL_H

#include <openssl/evp.h>

#include "key.h"

#define SG_RSA_MIN_BITS 1024
#define SG_RSA_MAX_BITS 4096
#define SG_RSA_DEFAULT_BITS 2048
#define SG_ED25519_KEY_BYTES 32		/* seed and public key */
#define SG_ED25519_SIG_BYTES 64
#define SG_ED25519_BITS 256		/* what sg_privkey_bits reports */

struct sg_privkey {
	EVP_PKEY *pkey;
	enum sg_keytype type;
	unsigned bits;
};

SG_MUST_CHECK enum sg_err sg_privkey_adopt(EVP_PKEY *pkey, struct sg_privkey **out,
					   struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_privkey_self_test(const struct sg_privkey *k,
					       struct sg_error *err);
enum sg_err sg_ossl_fail(struct sg_error *err, enum sg_err code, const char *what);

#endif
