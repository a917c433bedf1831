/*
 * NAME
 *   ifma_testutil.h - vector numbers <-> OpenSSL BIGNUMs and a seeded
 *                     generator, for the IFMA arithmetic tests
 *
 * SUMMARY
 *   it_rand64(&st) / it_rand_bn(&st, bits, flags): splitmix64 values and
 *   BIGNUMs of exactly `bits` bits (IT_TOP: top bit set, IT_ODD: odd) so a
 *   failure can be replayed from the seed the test prints.
 *   it_put(v, digits, lane, bn) / it_get(v, digits, lane): one lane of a
 *   transposed vector number from / to a BIGNUM (through
 *   ifma_lane_from_bytes / ifma_lane_to_bytes). it_put_exp writes one
 *   lane of a transposed exponent (64-bit words). it_hex: a BIGNUM as hex
 *   for messages (static buffer, one call per message argument slot).
 *   Header-only, for the test files that include it.
 */
#ifndef SIGNET_TEST_IFMA_TESTUTIL_H
#define SIGNET_TEST_IFMA_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "ifma_arith.h"

#define IT_TOP 1u
#define IT_ODD 2u
#define IT_BYTES(digits) (((digits) * IFMA_DIGIT_BITS + 7) / 8)

typedef uint64_t it_num[2 * IFMA_MAX_DIGITS * IFMA_LANES] __attribute__((aligned(IFMA_ALIGN)));

static inline uint64_t it_rand64(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline BIGNUM *it_rand_bn(uint64_t *st, unsigned bits, unsigned flags)
{
	unsigned char buf[2 * IFMA_MAX_DIGITS * 8];
	size_t n = (bits + 7) / 8;
	BIGNUM *bn;

	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)it_rand64(st);
	if (bits % 8)
		buf[0] &= (unsigned char)((1u << (bits % 8)) - 1);
	bn = BN_bin2bn(buf, (int)n, NULL);
	if (bn != NULL && bits > 0 && (flags & IT_TOP))
		BN_set_bit(bn, (int)bits - 1);
	if (bn != NULL && (flags & IT_ODD))
		BN_set_bit(bn, 0);
	return bn;
}

/* Random value below bound (bound > 0), with a few extra bits then mod. */
static inline BIGNUM *it_rand_below(uint64_t *st, const BIGNUM *bound, BN_CTX *ctx)
{
	BIGNUM *r = it_rand_bn(st, (unsigned)BN_num_bits(bound) + 64, 0);

	BN_mod(r, r, bound, ctx);
	return r;
}

static inline void it_put(uint64_t *v, unsigned digits, unsigned lane, const BIGNUM *bn)
{
	unsigned char buf[2 * IFMA_MAX_DIGITS * 8];
	size_t n = IT_BYTES(digits);

	if (BN_bn2binpad(bn, buf, (int)n) < 0) {
		fprintf(stderr, "it_put: value does not fit %u digits\n", digits);
		abort();
	}
	ifma_lane_from_bytes(v, lane, digits, buf, n);
}

static inline BIGNUM *it_get(const uint64_t *v, unsigned digits, unsigned lane)
{
	unsigned char buf[2 * IFMA_MAX_DIGITS * 8];
	size_t n = IT_BYTES(digits);

	ifma_lane_to_bytes(v, lane, digits, buf, n);
	return BN_bin2bn(buf, (int)n, NULL);
}

/* Lane `lane` of a transposed exponent of `words` 64-bit words. */
static inline void it_put_exp(uint64_t *e, unsigned words, unsigned lane, const BIGNUM *bn)
{
	unsigned char buf[2 * IFMA_MAX_DIGITS * 8];

	if (BN_bn2lebinpad(bn, buf, (int)words * 8) < 0) {
		fprintf(stderr, "it_put_exp: exponent does not fit %u words\n", words);
		abort();
	}
	for (unsigned w = 0; w < words; w++) {
		uint64_t x = 0;

		for (unsigned b = 0; b < 8; b++)
			x |= (uint64_t)buf[w * 8 + b] << (8 * b);
		e[w * IFMA_LANES + lane] = x;
	}
}

static inline const char *it_hex(const BIGNUM *bn, unsigned slot)
{
	static char out[4][1200];
	char *h = BN_bn2hex(bn);

	snprintf(out[slot & 3], sizeof(out[0]), "%s", h ? h : "?");
	OPENSSL_free(h);
	return out[slot & 3];
}

#endif
