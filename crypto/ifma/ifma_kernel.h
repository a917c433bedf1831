/*
 * NAME
 *   ifma_kernel.h - the inner steps of the Montgomery kernels (inline)
 *
 * SUMMARY
 *   Operand scanning, two rows at a time, on a window of accumulators:
 *   while rows i and i+1 are processed, acc[k] holds digit position i + k
 *   (k = 0 .. d+1) of the running sum, each a 64-bit lane sum of 52-bit
 *   pieces whose carries wait in the 12 spare bits.
 *
 *     mul_two_rows(acc, a_i, a_i+1, b, d)
 *         adds a_i * b and a_i+1 * b: low halves of a_i * b_j at k = j,
 *         high halves at j + 1, and the same one position up for a_i+1.
 *         Each b_j is loaded once for four multiply-adds.
 *     reduce_two_rows(acc, m, k0, d)
 *         y0 = acc[0] * k0 mod 2^52 and y0 * m make position i a multiple
 *         of 2^52; its carry goes to position i + 1, which then gets y1
 *         the same way; y0 * m and y1 * m are added in one sweep over m
 *         (each m_j loaded once for four multiply-adds). acc[0], acc[1]
 *         are spent afterwards (only their carries count).
 *     slide_window(acc, d)
 *         moves the window up two positions (acc[k] = acc[k + 2]), zeros in
 *         at the top.
 *     normalise_store(r, acc, d)
 *         propagates the carries once, low to high, and stores d digits.
 *
 *   d is a compile-time constant at every call (the kernels are
 *   instantiated per digit count), so the loops unroll completely and acc
 *   lives in registers.
 *
 * BOUNDS
 *   A position receives at most 4d products' halves (< 2^52 each) plus
 *   carries (< 2^13): below 2^60 for d <= 40, so lanes never overflow.
 */
#ifndef SIGNET_CRYPTO_IFMA_KERNEL_H
#define SIGNET_CRYPTO_IFMA_KERNEL_H

#include "ifma_arith.h"
#include "ifma_simd.h"

#define W IFMA_LANES

IFMA_INLINE void mul_two_rows(ifma_v *acc, ifma_v a0, ifma_v a1, const uint64_t *b,
			      const unsigned d)
{
	IFMA_UNROLL
	for (unsigned j = 0; j < d; j++) {
		ifma_v bj = iv_load_here(b + j * W);

		acc[j] = iv_madd_lo(acc[j], a0, bj);
		acc[j + 1] = iv_madd_hi(acc[j + 1], a0, bj);
		acc[j + 1] = iv_madd_lo(acc[j + 1], a1, bj);
		acc[j + 2] = iv_madd_hi(acc[j + 2], a1, bj);
	}
}

IFMA_INLINE void reduce_two_rows(ifma_v *acc, const uint64_t *m, ifma_v k0, const unsigned d)
{
	const ifma_v m0 = iv_load_here(m), m1 = iv_load_here(m + W), m2 = iv_load_here(m + 2 * W);
	const ifma_v zero = iv_zero();
	ifma_v y0, y1, carry;

	/*
	 * The chain y0 -> position i+1 -> y1 -> position i+2 (the next y0)
	 * bounds the speed: terms that do not wait for y1 go in first, and the
	 * terms that do are summed side by side instead of one after another.
	 */
	y0 = iv_madd_lo(zero, acc[0], k0);
	carry = iv_srli(iv_madd_lo(acc[0], y0, m0), IFMA_DIGIT_BITS);
	acc[1] = iv_add(iv_add(iv_madd_hi(acc[1], y0, m0), iv_madd_lo(zero, y0, m1)), carry);
	y1 = iv_madd_lo(zero, acc[1], k0);
	acc[2] = iv_madd_lo(iv_madd_hi(acc[2], y0, m1), y0, m2);
	carry = iv_srli(iv_madd_lo(acc[1], y1, m0), IFMA_DIGIT_BITS);
	acc[2] = iv_add(iv_add(iv_madd_hi(acc[2], y1, m0), iv_madd_lo(zero, y1, m1)), carry);
	acc[3] = iv_madd_hi(acc[3], y1, m1);
	IFMA_UNROLL
	for (unsigned j = 2; j < d; j++) {
		ifma_v mj = j == 2 ? m2 : iv_load_here(m + j * W);

		if (j > 2)
			acc[j] = iv_madd_lo(acc[j], y0, mj);
		acc[j + 1] = iv_madd_hi(acc[j + 1], y0, mj);
		acc[j + 1] = iv_madd_lo(acc[j + 1], y1, mj);
		acc[j + 2] = iv_madd_hi(acc[j + 2], y1, mj);
	}
}

IFMA_INLINE void slide_window(ifma_v *acc, const unsigned d)
{
	IFMA_UNROLL
	for (unsigned k = 0; k < d; k++)
		acc[k] = acc[k + 2];
	acc[d] = iv_zero();
	acc[d + 1] = iv_zero();
}

IFMA_INLINE void normalise_store(uint64_t *r, ifma_v *acc, const unsigned d)
{
	const ifma_v mask = iv_set1(IFMA_DIGIT_MASK);

	IFMA_UNROLL
	for (unsigned j = 0; j < d; j++) {
		if (j > 0)
			acc[j] = iv_add(acc[j], iv_srli(acc[j - 1], IFMA_DIGIT_BITS));
		iv_store(r + j * W, iv_and(acc[j], mask));
	}
}

#endif
