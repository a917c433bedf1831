/*
 * NAME
 *   ifma_mul.c - almost-Montgomery multiplication, 8 lanes, radix 2^52
 *
 * SUMMARY
 *   Operand scanning: row i adds a_i * b (low halves at digit i + j, high
 *   halves at i + j + 1), then y = acc_i * k0 mod 2^52 and y * m, which
 *   zeroes digit i; its carry goes to digit i + 1 and the window of d + 1
 *   accumulators slides up by one. Carries otherwise stay in the 12 spare
 *   bits of each 64-bit lane and are propagated once at the end.
 */
#include "ifma_internal.h"
#include "ifma_simd.h"

#define W IFMA_LANES

IFMA_INLINE void amm_kernel(uint64_t *r, const uint64_t *a, const uint64_t *b,
			    const struct ifma_modulus *mod, const unsigned d)
{
	const uint64_t *m = mod->m;
	const ifma_v k0 = iv_load(mod->k0), mask = iv_set1(IFMA_DIGIT_MASK);
	ifma_v acc[IFMA_MAX_DIGITS + 1], y, ai;

	for (unsigned j = 0; j <= d; j++)
		acc[j] = iv_zero();
	for (unsigned i = 0; i < d; i++) {
		ai = iv_load(a + i * W);
		for (unsigned j = 0; j < d; j++) {
			ifma_v bj = iv_load(b + j * W);

			acc[j] = iv_madd_lo(acc[j], ai, bj);
			acc[j + 1] = iv_madd_hi(acc[j + 1], ai, bj);
		}
		y = iv_madd_lo(iv_zero(), acc[0], k0);
		for (unsigned j = 0; j < d; j++) {
			ifma_v mj = iv_load(m + j * W);

			acc[j] = iv_madd_lo(acc[j], y, mj);
			acc[j + 1] = iv_madd_hi(acc[j + 1], y, mj);
		}
		acc[1] = iv_add(acc[1], iv_srli(acc[0], IFMA_DIGIT_BITS));
		for (unsigned j = 0; j < d; j++)
			acc[j] = acc[j + 1];
		acc[d] = iv_zero();
	}
	for (unsigned j = 0; j < d; j++) {
		if (j + 1 < d)
			acc[j + 1] = iv_add(acc[j + 1], iv_srli(acc[j], IFMA_DIGIT_BITS));
		iv_store(r + j * W, iv_and(acc[j], mask));
	}
}

void ifma_amm20(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct ifma_modulus *mod)
{
	amm_kernel(r, a, b, mod, 20);
}

void ifma_amm30(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct ifma_modulus *mod)
{
	amm_kernel(r, a, b, mod, 30);
}

void ifma_amm40(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct ifma_modulus *mod)
{
	amm_kernel(r, a, b, mod, 40);
}
