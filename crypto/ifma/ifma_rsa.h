/*
 * NAME
 *   ifma_rsa.h - RSA PKCS#1 v1.5 signing of eight messages at once on
 *                ifma_arith.h (the ifma backend's batch step)
 *
 * SUMMARY
 *   ifma_emsa_pkcs1 builds the encoded message EM of RFC 8017 9.2 for a
 *   k-byte modulus: 00 01 FF..FF 00 || DigestInfo(hash) || digest, for
 *   rsa-sha1 and rsa-sha256. It returns false when the algorithm is not
 *   RSA, the digest length is not the hash's, or k is too small.
 *
 *   ifma_rsa_sign_batch computes EM^d mod n for eight lanes with the CRT:
 *     base_p = EM mod p                   (wide Montgomery reduction, then
 *                                          a multiplication by R^2 mod p)
 *     s_p    = base_p^dP mod p            (same for q)
 *     h      = (s_p + 2p - s_q) * qInv mod p
 *     s      = s_q + h * q                (0 <= s < n)
 *   and writes each lane's s as k big-endian bytes. All eight keys must
 *   have the same size (one class); a lane may repeat another's key and
 *   message (padding of a partial batch). The workspace holds the
 *   transposed keys and intermediate values: it comes from
 *   sg_secbuf_alloc and is zeroed after every batch. ar is the
 *   arithmetic: ifma_rsa_arith_native (ifma_arith.h, AVX-512 IFMA) for
 *   signing; the constant-time test passes the portable build
 *   (ifma_portable.h) to run the same batch under valgrind.
 *
 *   ifma_rsa_check_batch is the public-key check of eight RSA-2048
 *   signatures (keys with has_pub, see ifma_key.h): ok[l] is true when
 *   sig[l] < n and sig[l]^e mod n equals em[l], the encoded message the
 *   signature was made from. It reads the signatures as bytes, so it
 *   covers the whole path from the arithmetic to the output; it runs
 *   modulo n (public) with kernels of another size than the signing
 *   halves (40 digits, not 20), so one faulty result cannot vouch for
 *   itself. About 20 multiplications per batch instead of eight calls
 *   to EVP_PKEY_verify (~15% of an RSA-2048 batch).
 *
 * CONSTANT TIME
 *   No branch or memory index depends on the keys, the messages or the
 *   intermediate values: loops run over lanes and digit counts of the
 *   class (public), the exponent length is the class's half size for
 *   every key, and the recombination uses ifma_digits.h. The encoding
 *   and the check see public data only (digest, signature, n, e).
 *   tests/unit/crypto/test_ifma_rsa_ct.c runs a whole batch with every
 *   key number secret under valgrind (portable arithmetic).
 */
#ifndef SIGNET_CRYPTO_IFMA_RSA_H
#define SIGNET_CRYPTO_IFMA_RSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ifma_arith.h"
#include "ifma_key.h"
#include "status.h"
#include "types.h"

struct ifma_rsa_work;

/* The ifma_arith.h operations a batch runs on. */
struct ifma_rsa_arith {
	void (*modexp_ct)(uint64_t *r, const uint64_t *base, const uint64_t *exp,
			  unsigned exp_bits, const struct ifma_modulus *mod);
	void (*mont_mul)(uint64_t *r, const uint64_t *a, const uint64_t *b,
			 const struct ifma_modulus *mod);
	void (*mont_reduce2)(uint64_t *r, const uint64_t *t, const struct ifma_modulus *mod);
	void (*mul_wide)(uint64_t *r, const uint64_t *a, const uint64_t *b, unsigned digits);
};
extern const struct ifma_rsa_arith ifma_rsa_arith_native;

SG_MUST_CHECK bool ifma_emsa_pkcs1(enum sg_alg alg, const uint8_t *digest, size_t digest_len,
				   uint8_t *em, size_t k);

struct ifma_rsa_work *ifma_rsa_work_new(void);
void ifma_rsa_work_free(struct ifma_rsa_work *w);

void ifma_rsa_sign_batch(struct ifma_rsa_work *w, const struct ifma_rsa_arith *ar,
			 const struct ifma_key_prep *const key[IFMA_LANES],
			 const uint8_t *const em[IFMA_LANES], uint8_t *const sig[IFMA_LANES]);
void ifma_rsa_check_batch(struct ifma_rsa_work *w, const struct ifma_key_prep *const key[IFMA_LANES],
			  const uint8_t *const em[IFMA_LANES], const uint8_t *const sig[IFMA_LANES],
			  bool ok[IFMA_LANES]);

#endif
