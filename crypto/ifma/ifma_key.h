/*
 * NAME
 *   ifma_key.h - per-key precomputation of the ifma backend (RSA-CRT
 *                halves in radix 2^52)
 *
 * SUMMARY
 *   ifma_key_prep_new turns a two-prime RSA key of 2048, 3072 or 4096 bits
 *   whose primes both have exactly bits/2 bits (what every common key
 *   generator makes) into one lane's worth of numbers for ifma_arith.h:
 *   per prime the 52-bit digits, k0 = -prime^-1 mod 2^52, RR = R^2 mod
 *   prime (R = 2^(52 * digits)) and the CRT exponent in 64-bit words; and
 *   qInv * R mod p, the CRT coefficient in Montgomery form. For RSA-2048,
 *   whose modulus fits one modulus set (40 digits), also the public key
 *   in the same form (n, k0, R^2 mod n, e when it fits 64 bits: has_pub),
 *   for the backend's check of each signature (ifma_rsa_check_batch).
 *   Other keys
 *   give SG_E_UNSUPPORTED with the reason (the backend signs them through
 *   evp). The numbers live in a slot from sg_secobj_alloc (secmem.h):
 *   packed with other keys' into locked chunks kept out of core dumps,
 *   wiped when freed. A process holds one per prepared key (signetd: one
 *   per key, shared by every worker through the key's prep slot).
 *   ifma_key_prep_free releases it and is the release function handed to
 *   sg_privkey_set_prep.
 *   ifma_key_class_digits gives the digits of one half for a modulus size
 *   (20, 30, 40), or 0 for sizes the backend does not run.
 *
 * CONSTANT TIME
 *   The key numbers are read from OpenSSL straight into locked memory
 *   (little-endian, no BIGNUM copies). k0, RR and qInv * R are computed
 *   with ifma_digits.h (no branch or index on the values). The checks that
 *   the primes have bits/2 bits and that qInv < p branch once on their
 *   outcome, which says nothing beyond the key's shape.
 */
#ifndef SIGNET_CRYPTO_IFMA_KEY_H
#define SIGNET_CRYPTO_IFMA_KEY_H

#include <stdbool.h>
#include <stdint.h>

#include "ifma_arith.h"
#include "key.h"
#include "status.h"

#define IFMA_EXP_WORDS 32		/* 64-bit words of a CRT exponent (2048 bits) */

struct ifma_half {
	uint64_t m[IFMA_MAX_DIGITS];	/* the prime, least significant digit first */
	uint64_t rr[IFMA_MAX_DIGITS];	/* R^2 mod the prime */
	uint64_t exp[IFMA_EXP_WORDS];	/* dP or dQ, least significant word first */
	uint64_t k0;			/* -prime^-1 mod 2^52 */
};

/* The public key as one modulus set's lane (public data). */
struct ifma_pub {
	uint64_t n[IFMA_MAX_DIGITS];	/* the modulus, IFMA_MAX_DIGITS digits */
	uint64_t rr[IFMA_MAX_DIGITS];	/* R^2 mod n, R = 2^(52 * IFMA_MAX_DIGITS) */
	uint64_t k0;			/* -n^-1 mod 2^52 */
	uint64_t e;			/* the public exponent */
};

struct ifma_key_prep {
	unsigned bits;			/* modulus bits: 2048, 3072 or 4096 */
	unsigned digits;		/* digits of one half: 20, 30 or 40 */
	struct ifma_half p, q;
	uint64_t qinv_r[IFMA_MAX_DIGITS];	/* q^-1 * R mod p */
	bool has_pub;			/* pub is set: RSA-2048 with e < 2^64 */
	struct ifma_pub pub;
};

unsigned ifma_key_class_digits(unsigned bits);

SG_MUST_CHECK enum sg_err ifma_key_prep_new(const struct sg_privkey *k,
					    struct ifma_key_prep **out, struct sg_error *err);
void ifma_key_prep_free(void *prep);

#endif
