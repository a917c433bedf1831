/*
 * NAME
 *   ifma_sqr.c - almost-Montgomery squaring, 8 lanes, radix 2^52
 *
 * SUMMARY
 *   r = a * a * R^-1 mod m "almost" (r < 2m for a < 2m, 4m < R), with each
 *   cross product a_i * a_j (i < j) computed once: d(d-1) + 2d
 *   multiply-adds for the square instead of 2d^2, and the reduction
 *   interleaved as in ifma_mul.c (2d^2 + d).
 *
 *   The doubling of the cross products is folded into the operand: row i
 *   multiplies a_i by the digits of 2a above i. With e_j = 2 a_j and
 *   c_j = e_j + (top bit of a_j-1), the number 2 * sum(j > i) a_j B^j is
 *   e_i+1 B^(i+1) + sum(j > i+1) c_j B^j (IFMA reads the low 52 bits of e_j
 *   and c_j; the bit above goes into c_j+1, and none leaves the top digit
 *   because a < 2m < R / 2). So a row is a plain multiply-add sweep like
 *   ifma_mul.c's, and the square's rows, its diagonal a_i^2 and the
 *   reduction rows all go into one set of accumulators, two rows at a
 *   time.
 *
 *   The row work shrinks from row to row (a triangle), so the whole thing
 *   unrolls completely: acc[p] is digit position p for the whole call, and
 *   every index is a constant.
 */
#include "ifma_internal.h"
#include "ifma_kernel.h"

/* e_j = 2 a_j and c_j = 2 a_j + (a_j-1 >> 51), each taken mod 2^52 by IFMA. */
IFMA_INLINE void double_digits(uint64_t *e, uint64_t *c, const uint64_t *a, const unsigned d)
{
	IFMA_UNROLL
	for (unsigned j = 0; j < d; j++) {
		ifma_v aj = iv_load_here(a + j * W), ej = iv_add(aj, aj);

		iv_store(e + j * W, ej);
		if (j > 0)
			ej = iv_add(ej, iv_srli(iv_load_here(a + (j - 1) * W), IFMA_DIGIT_BITS - 1));
		iv_store(c + j * W, ej);
	}
}

/* Adds rows i and i+1 of the square (cross products doubled, diagonal) at acc[p]. */
IFMA_INLINE void square_two_rows(ifma_v *acc, const uint64_t *a, const uint64_t *e,
				 const uint64_t *c, const unsigned i, const unsigned d)
{
	const ifma_v a0 = iv_load_here(a + i * W), a1 = iv_load_here(a + (i + 1) * W);

	acc[2 * i] = iv_madd_lo(acc[2 * i], a0, a0);
	acc[2 * i + 1] = iv_madd_hi(acc[2 * i + 1], a0, a0);
	acc[2 * i + 2] = iv_madd_lo(acc[2 * i + 2], a1, a1);
	acc[2 * i + 3] = iv_madd_hi(acc[2 * i + 3], a1, a1);
	IFMA_UNROLL
	for (unsigned j = i + 1; j < d; j++) {
		ifma_v cj = iv_load_here((j == i + 1 ? e : c) + j * W);

		acc[i + j] = iv_madd_lo(acc[i + j], a0, cj);
		acc[i + j + 1] = iv_madd_hi(acc[i + j + 1], a0, cj);
		if (j == i + 1)
			continue;
		if (j == i + 2)
			cj = iv_load_here(e + j * W);
		acc[i + j + 1] = iv_madd_lo(acc[i + j + 1], a1, cj);
		acc[i + j + 2] = iv_madd_hi(acc[i + j + 2], a1, cj);
	}
}

IFMA_INLINE void ams_kernel(uint64_t *r, const uint64_t *a, const struct ifma_modulus *mod,
			    const unsigned d)
{
	uint64_t e[IFMA_MAX_DIGITS * W] __attribute__((aligned(IFMA_ALIGN)));
	uint64_t c[IFMA_MAX_DIGITS * W] __attribute__((aligned(IFMA_ALIGN)));
	const ifma_v k0 = iv_load(mod->k0);
	ifma_v acc[2 * IFMA_MAX_DIGITS + 2];

	double_digits(e, c, a, d);
	IFMA_UNROLL
	for (unsigned p = 0; p < 2 * d + 2; p++)
		acc[p] = iv_zero();
	IFMA_UNROLL
	for (unsigned i = 0; i < d; i += 2) {
		square_two_rows(acc, a, e, c, i, d);
		reduce_two_rows(acc + i, mod->m, k0, d);
	}
	normalise_store(r, acc + d, d);
}

void ifma_ams20(uint64_t *r, const uint64_t *a, const struct ifma_modulus *mod)
{
	ams_kernel(r, a, mod, 20);
}

void ifma_ams30(uint64_t *r, const uint64_t *a, const struct ifma_modulus *mod)
{
	ams_kernel(r, a, mod, 30);
}

void ifma_ams40(uint64_t *r, const uint64_t *a, const struct ifma_modulus *mod)
{
	ams_kernel(r, a, mod, 40);
}
