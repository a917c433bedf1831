/*
 * NAME
 *   key.h - DKIM private keys: load, generate, write, sign, public half
 *
 * SUMMARY
 *   struct sg_privkey holds one RSA (1024-4096 bits) or Ed25519 key.
 *   sg_privkey_load reads PEM (PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE
 *   KEY") or, for Ed25519, a file holding the base64 32-byte seed (RFC 8463
 *   A.1 style). Unless allow_unsafe, a file any group or other user can
 *   access is refused with a message naming the file and the fix (chmod
 *   600). File bytes are read into locked memory and zeroed after parsing.
 *   Every loaded or generated key passes a sign/verify self-test first.
 *   sg_privkey_bits: RSA modulus size; 256 for Ed25519.
 *   sg_privkey_generate makes a new key (RSA: bits, default 2048; Ed25519:
 *   bits ignored). sg_privkey_write writes PKCS#8 PEM with mode 0600 via a
 *   temp file + fsync + rename, refusing to replace an existing file.
 *   sg_privkey_export_pem appends the same PKCS#8 PEM to a buffer (for
 *   key material sent to signetd; sg_buf_free wipes it).
 *   sg_privkey_public gives the bytes published in p=: RSA DER
 *   SubjectPublicKeyInfo, Ed25519 the 32 raw public-key bytes.
 *   sg_privkey_sign signs a digest: RSA PKCS#1 v1.5 with the DigestInfo of
 *   the algorithm's hash; Ed25519 PureEdDSA over the digest bytes.
 *
 * UNTRUSTED INPUT
 *   Key files (size-limited to 64 KiB).
 */
#ifndef SIGNET_CRYPTO_KEY_H
#define SIGNET_CRYPTO_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"
#include "types.h"

#define SG_KEY_FILE_MAX (64 * 1024)
#define SG_PUBKEY_MAX 1024		/* bytes of p= (RSA-4096 SPKI is 550) */
#define SG_SIG_MAX 512			/* bytes of a signature (RSA-4096) */

struct sg_privkey;

SG_MUST_CHECK enum sg_err sg_privkey_load(const char *path, bool allow_unsafe,
					  struct sg_privkey **out, struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_privkey_load_mem(const char *data, size_t len,
					      struct sg_privkey **out, struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_privkey_generate(enum sg_keytype type, unsigned bits,
					      struct sg_privkey **out, struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_privkey_write(const struct sg_privkey *k, const char *path,
					   struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_privkey_export_pem(const struct sg_privkey *k, struct sg_buf *out,
						struct sg_error *err);
void sg_privkey_free(struct sg_privkey *k);

enum sg_keytype sg_privkey_type(const struct sg_privkey *k);
unsigned sg_privkey_bits(const struct sg_privkey *k);
/* True when alg can be used with this key (rsa-* for RSA, ed25519-sha256). */
bool sg_privkey_supports(const struct sg_privkey *k, enum sg_alg alg);

SG_MUST_CHECK enum sg_err sg_privkey_public(const struct sg_privkey *k, uint8_t *out,
					    size_t cap, size_t *len, struct sg_error *err);
/* Backend precomputation cached with the key (see backend.h): one slot per
 * tag (a backend's ops table). sg_privkey_set_prep installs data once; if
 * another thread installed data for the tag first, it calls release(data)
 * and returns SG_OK. The data is released with the key. At most
 * SG_KEY_PREP_SLOTS tags per key. The call always takes data: on an error
 * (SG_E_ARG, SG_E_NOMEM, SG_E_LIMIT) it is released too, so callers never
 * free what they passed. */
#define SG_KEY_PREP_SLOTS 4
void *sg_privkey_prep(const struct sg_privkey *k, const void *tag);
SG_MUST_CHECK enum sg_err sg_privkey_set_prep(struct sg_privkey *k, const void *tag, void *data,
					      void (*release)(void *data));

SG_MUST_CHECK enum sg_err sg_privkey_sign(const struct sg_privkey *k, enum sg_alg alg,
					  const uint8_t *digest, size_t digest_len,
					  uint8_t *sig, size_t cap, size_t *sig_len,
					  struct sg_error *err);

#endif
