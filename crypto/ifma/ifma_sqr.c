/*
 * NAME
 *   ifma_sqr.c - almost-Montgomery squaring, 8 lanes, radix 2^52
 *
 * SUMMARY
 *   r = a * a * R^-1 mod m "almost", with the square formed first: each
 *   cross product a_i * a_j (i < j) once, the column sums doubled, the
 *   squares a_i^2 added on the diagonal: d(d-1) + 2d multiply-adds instead
 *   of 2d^2. The 2d-position square goes through a buffer on the stack;
 *   then the reduction runs as in ifma_mul.c (two rows at a time, the
 *   square's upper positions entering the window as it slides), 2d^2 + d
 *   multiply-adds.
 *
 *   The square is built in slabs of SLAB positions so that a slab's
 *   accumulators fit in registers; every loop bound is a constant, so the
 *   slab code unrolls into straight-line multiply-adds.
 */
#include "ifma_internal.h"
#include "ifma_kernel.h"

#define SLAB 20

/*
 * Positions [p0, p0 + SLAB) of the doubled cross products plus the
 * diagonal, into sq (each position a vector, not normalised).
 */
IFMA_INLINE void square_slab(uint64_t *sq, const uint64_t *a, const unsigned p0, const unsigned d)
{
	ifma_v acc[SLAB];

	IFMA_UNROLL
	for (unsigned k = 0; k < SLAB; k++)
		acc[k] = iv_zero();
	IFMA_UNROLL
	for (unsigned i = 0; i < d; i++) {
		/* Row i reaches positions 2i + 1 .. i + d. */
		if (2 * i + 1 >= p0 + SLAB || i + d < p0)
			continue;
		ifma_v ai = iv_load_here(a + i * W);

		IFMA_UNROLL
		for (unsigned j = 0; j < d; j++) {
			const unsigned lo = i + j, hi = i + j + 1;

			if (j <= i || hi < p0 || lo >= p0 + SLAB)
				continue;
			ifma_v aj = iv_load_here(a + j * W);

			if (lo >= p0)
				acc[lo - p0] = iv_madd_lo(acc[lo - p0], ai, aj);
			if (hi < p0 + SLAB)
				acc[hi - p0] = iv_madd_hi(acc[hi - p0], ai, aj);
		}
	}
	IFMA_UNROLL
	for (unsigned k = 0; k < SLAB; k++) {
		const unsigned p = p0 + k, h = p / 2;
		ifma_v s = iv_add(acc[k], acc[k]);

		if (p >= 2 * d)
			break;
		if (p % 2 == 0)
			s = iv_madd_lo(s, iv_load_here(a + h * W), iv_load_here(a + h * W));
		else
			s = iv_madd_hi(s, iv_load_here(a + h * W), iv_load_here(a + h * W));
		iv_store(sq + p * W, s);
	}
}

IFMA_INLINE void ams_kernel(uint64_t *r, const uint64_t *a, const struct ifma_modulus *mod,
			    const unsigned d)
{
	uint64_t sq[(2 * IFMA_MAX_DIGITS + 2) * W] __attribute__((aligned(IFMA_ALIGN)));
	const ifma_v k0 = iv_load(mod->k0);
	ifma_v acc[IFMA_MAX_DIGITS + 2];

	IFMA_UNROLL
	for (unsigned p0 = 0; p0 < 2 * d; p0 += SLAB)
		square_slab(sq, a, p0, d);
	iv_store(sq + 2 * d * W, iv_zero());
	iv_store(sq + (2 * d + 1) * W, iv_zero());
	IFMA_UNROLL
	for (unsigned k = 0; k < d + 2; k++)
		acc[k] = iv_load_here(sq + k * W);
	for (unsigned i = 0; i < d; i += 2)
		reduce_two_rows(acc, mod->m, k0, iv_load_here(sq + (i + d + 2) * W),
				iv_load_here(sq + (i + d + 3) * W), d);
	normalise_store(r, acc, d);
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
