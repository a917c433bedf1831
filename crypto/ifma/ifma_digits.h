/*
 * NAME
 *   ifma_digits.h - constant-time helpers on radix-2^52 numbers, for the
 *                   ifma backend's key setup and CRT steps
 *
 * SUMMARY
 *   Named constant-time primitives on 64-bit words (ctl arguments and
 *   results are 0 or 1, never any other value):
 *     ifma_ct_mux(ctl, x, y)   ctl ? x : y
 *     ifma_ct_eq(x, y)         x == y
 *     ifma_ct_lt(x, y)         x < y  (unsigned, whole 64-bit range)
 *     ifma_ct_gt(x, y)         x > y
 *
 *   Two layouts of multi-digit numbers, both least significant digit
 *   first, each digit < 2^52 ("normalised"):
 *     one number  d[i]             (per-key data in ifma_key.h)
 *     vector      v[i * 8 + lane]  (eight numbers side by side, the
 *                                   layout of ifma_arith.h)
 *
 *   One number:
 *     ifma_dig_from_le(d, n, le, len)     digits from little-endian bytes
 *                                         (len <= 52 * n / 8 rounded up;
 *                                         excess digits are zero)
 *     ifma_dig_sub(r, a, b, n)            r = a - b mod 2^(52n), returns
 *                                         the borrow (1 when a < b)
 *     ifma_dig_mod_double(x, m, n, k)     x = x * 2^k mod m, for x < m and
 *                                         m < 2^(52n - 1) (so 2x fits)
 *     ifma_dig_k0(m0)                     -m^-1 mod 2^52 for the low digit
 *                                         m0 of an odd m
 *   Vector (8 lanes):
 *     ifma_vec_add_2m_sub(r, a, m, b, n)  r = a + 2m - b per lane, for
 *                                         b <= a + 2m and a + 2m <
 *                                         2^(52n); n digits each
 *     ifma_vec_add_into(r, rn, a, n)      r += a per lane, r of rn digits,
 *                                         a of n <= rn digits; the sum
 *                                         must fit in rn digits
 *     ifma_vec_lt(lt, a, b, n)            lt[lane] = 1 when a < b there
 *
 * CONSTANT TIME
 *   No branch and no memory index depends on the values: only on digit
 *   counts, byte lengths and shift counts (public). Results of the ct_
 *   primitives are computed with arithmetic only; the compiler may turn a
 *   mux into cmov, which is constant time too. Checked with valgrind by
 *   tests/unit/crypto/test_ifma_rsa_ct.c.
 */
#ifndef SIGNET_CRYPTO_IFMA_DIGITS_H
#define SIGNET_CRYPTO_IFMA_DIGITS_H

#include <stddef.h>
#include <stdint.h>

#include "ifma_arith.h"

/* ctl ? x : y, for ctl in {0, 1}. */
static inline uint64_t ifma_ct_mux(uint64_t ctl, uint64_t x, uint64_t y)
{
	return y ^ ((0 - ctl) & (x ^ y));
}

/* 1 when x == y, else 0. (x | -x) has its top bit set iff x != 0. */
static inline uint64_t ifma_ct_eq(uint64_t x, uint64_t y)
{
	uint64_t z = x ^ y;

	return ((z | (0 - z)) >> 63) ^ 1;
}

/*
 * 1 when x < y (unsigned), else 0: the borrow out of x - y, taken from
 * the top bits: borrow when x's top bit is 0 and y's is 1, or when the
 * top bits are equal and the difference's top bit is 1.
 */
static inline uint64_t ifma_ct_lt(uint64_t x, uint64_t y)
{
	uint64_t d = x - y;

	return ((~x & y) | (~(x ^ y) & d)) >> 63;
}

static inline uint64_t ifma_ct_gt(uint64_t x, uint64_t y)
{
	return ifma_ct_lt(y, x);
}

void ifma_dig_from_le(uint64_t *d, unsigned n, const uint8_t *le, size_t len);
uint64_t ifma_dig_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, unsigned n);
void ifma_dig_mod_double(uint64_t *x, const uint64_t *m, unsigned n, unsigned k);
uint64_t ifma_dig_k0(uint64_t m0);

void ifma_vec_add_2m_sub(uint64_t *r, const uint64_t *a, const uint64_t *m, const uint64_t *b,
			 unsigned n);
void ifma_vec_add_into(uint64_t *r, unsigned rn, const uint64_t *a, unsigned n);
void ifma_vec_lt(uint64_t lt[IFMA_LANES], const uint64_t *a, const uint64_t *b, unsigned n);

#endif
