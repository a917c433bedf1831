/*
 * NAME
 *   ifma_mul.c - almost-Montgomery multiplication, 8 lanes, radix 2^52
 *
 * SUMMARY
 *   r = a * b * R^-1 mod m "almost" (r < 2m for a, b < 2m, 4m < R), the
 *   Montgomery reduction interleaved with the product: for each pair of
 *   rows, a_i * b and a_i+1 * b are added to the window of d + 2
 *   accumulators, then positions i and i+1 are reduced and the window
 *   slides (ifma_kernel.h). 4d^2 + d multiply-adds; carries are
 *   propagated once, at the end.
 *
 *   One function per digit count (20, 30, 40) so that d is a constant and
 *   the accumulators stay in registers. The row loop stays a loop: the
 *   window slides by register moves (which cost nothing), and the code
 *   stays small (see crypto/ifma/README.md for measurements).
 */
#include "ifma_internal.h"
#include "ifma_kernel.h"

IFMA_INLINE void amm_kernel(uint64_t *r, const uint64_t *a, const uint64_t *b,
			    const struct ifma_modulus *mod, const unsigned d)
{
	const ifma_v k0 = iv_load(mod->k0);
	ifma_v acc[IFMA_MAX_DIGITS + 2];

	IFMA_UNROLL
	for (unsigned k = 0; k < d + 2; k++)
		acc[k] = iv_zero();
	for (unsigned i = 0; i < d; i += 2) {
		mul_two_rows(acc, iv_load_here(a + i * W), iv_load_here(a + (i + 1) * W), b, d);
		reduce_two_rows(acc, mod->m, k0, d);
		slide_window(acc, d);
	}
	normalise_store(r, acc, d);
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
