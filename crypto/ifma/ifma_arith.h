/*
 * NAME
 *   ifma_arith.h - 8-lane modular exponentiation with AVX-512 IFMA
 *                  (radix 2^52, one independent number per 64-bit lane)
 *
 * SUMMARY
 *   Numbers are "vector numbers": IFMA_LANES independent values side by
 *   side, stored transposed: digit i of lane l is v[i * IFMA_LANES + l],
 *   each digit < 2^52 when normalised. A modulus set (struct ifma_modulus)
 *   holds eight odd moduli of the same digit count (20, 30 or 40 digits:
 *   the CRT halves of RSA-2048, -3072, -4096), with k0 = -m^-1 mod 2^52 and
 *   RR = R^2 mod m for R = 2^(52 * digits).
 *
 *   ifma_modexp_ct computes, per lane, base^exp mod m, fully reduced,
 *   for base < m and an exponent of exp_bits bits (transposed 64-bit words:
 *   word w of lane l at exp[w * IFMA_LANES + l]). It uses almost-Montgomery
 *   multiplication (results < 2m, no final subtraction until the end), a
 *   dedicated squaring, and a fixed window with a table lookup that reads
 *   every entry and selects per lane with masks.
 *
 *   The CRT steps around the two exponentiations of an RSA signature use
 *   three more operations, all per lane and fully reduced:
 *     ifma_mont_mul(r, a, b)     r = a * b * R^-1 mod m, for any a, b below
 *                                2^(52*digits) with a * b < m * R (so one
 *                                factor may be up to 4m when the other is < m)
 *     ifma_mont_reduce2(r, t)    r = t * R^-1 mod m for a double-length t
 *                                (2 * digits digits) with t < m * R: with
 *                                ifma_mont_mul(r, r, RR) this is t mod m
 *     ifma_mul_wide(r, a, b, n)  r = a * b, the plain 2n-digit product of
 *                                n-digit a and b (normalised digits)
 *
 *   ifma_modulus_setup fills k0 and RR from m (public data, not constant
 *   time). ifma_cpu_supported says whether the instructions are usable
 *   (CPUID avx512f+avx512ifma+avx512vl, plus avx512dq+avx512bw which the
 *   arithmetic is compiled with, and XCR0 zmm state enabled).
 *
 * CONSTANT TIME
 *   Every function but ifma_modulus_setup: no branch and no memory index
 *   depends on the numbers (base, exponent bits, operands, intermediate
 *   values); only on digits and exp_bits (public). Checked by tests/unit/crypto/test_ifma_ct.c with
 *   valgrind on the portable build (IFMA_PORTABLE, see ifma_simd.h).
 *
 * PRECONDITIONS
 *   Moduli odd, m < 2^(52*digits - 2) (so 4m < R); base < m; scratch-free
 *   (callers supply output buffers of digits * IFMA_LANES words, 64-byte
 *   aligned).
 */
#ifndef SIGNET_CRYPTO_IFMA_ARITH_H
#define SIGNET_CRYPTO_IFMA_ARITH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFMA_LANES 8
#define IFMA_DIGIT_BITS 52
#define IFMA_DIGIT_MASK ((1ull << 52) - 1)
#define IFMA_MAX_DIGITS 40
#define IFMA_ALIGN 64

struct ifma_modulus {
	unsigned digits;					/* 20, 30 or 40 */
	uint64_t m[IFMA_MAX_DIGITS * IFMA_LANES] __attribute__((aligned(IFMA_ALIGN)));
	uint64_t rr[IFMA_MAX_DIGITS * IFMA_LANES] __attribute__((aligned(IFMA_ALIGN)));
	uint64_t k0[IFMA_LANES] __attribute__((aligned(IFMA_ALIGN)));
};

bool ifma_cpu_supported(void);

/* Fills k0 and rr from m and digits (m must be set). */
void ifma_modulus_setup(struct ifma_modulus *mod);

void ifma_modexp_ct(uint64_t *r, const uint64_t *base, const uint64_t *exp, unsigned exp_bits,
		    const struct ifma_modulus *mod);
void ifma_mont_mul(uint64_t *r, const uint64_t *a, const uint64_t *b,
		   const struct ifma_modulus *mod);
void ifma_mont_reduce2(uint64_t *r, const uint64_t *t, const struct ifma_modulus *mod);
void ifma_mul_wide(uint64_t *r, const uint64_t *a, const uint64_t *b, unsigned digits);

/* Byte conversions for one lane: big-endian bytes <-> 52-bit digits. */
void ifma_lane_from_bytes(uint64_t *v, unsigned lane, unsigned digits, const uint8_t *be,
			  size_t len);
void ifma_lane_to_bytes(const uint64_t *v, unsigned lane, unsigned digits, uint8_t *be,
			size_t len);

#endif
