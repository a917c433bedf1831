/*
 * NAME
 *   ifma_sqr.c - almost-Montgomery squaring, 8 lanes, radix 2^52
 *
 * SUMMARY
 *   The square is formed first: each cross product a_i * a_j (i < j) once,
 *   the sum doubled with one shift per digit, then the squares a_i^2 on
 *   the diagonal. The 2d-digit result is then reduced row by row as in
 *   ifma_mul.c (y = t_i * k0 mod 2^52, add y * m, carry up).
 */
#include "ifma_internal.h"
#include "ifma_simd.h"

#define W IFMA_LANES

IFMA_INLINE void ams_kernel(uint64_t *r, const uint64_t *a, const struct ifma_modulus *mod,
			    const unsigned d)
{
	const uint64_t *m = mod->m;
	const ifma_v k0 = iv_load(mod->k0), mask = iv_set1(IFMA_DIGIT_MASK);
	ifma_v t[2 * IFMA_MAX_DIGITS], y, ai;

	for (unsigned j = 0; j < 2 * d; j++)
		t[j] = iv_zero();
	for (unsigned i = 0; i < d; i++) {
		ai = iv_load(a + i * W);
		for (unsigned j = i + 1; j < d; j++) {
			ifma_v aj = iv_load(a + j * W);

			t[i + j] = iv_madd_lo(t[i + j], ai, aj);
			t[i + j + 1] = iv_madd_hi(t[i + j + 1], ai, aj);
		}
	}
	for (unsigned j = 0; j < 2 * d; j++)
		t[j] = iv_slli(t[j], 1);
	for (unsigned i = 0; i < d; i++) {
		ai = iv_load(a + i * W);
		t[2 * i] = iv_madd_lo(t[2 * i], ai, ai);
		t[2 * i + 1] = iv_madd_hi(t[2 * i + 1], ai, ai);
	}
	for (unsigned i = 0; i < d; i++) {
		y = iv_madd_lo(iv_zero(), t[i], k0);
		for (unsigned j = 0; j < d; j++) {
			ifma_v mj = iv_load(m + j * W);

			t[i + j] = iv_madd_lo(t[i + j], y, mj);
			t[i + j + 1] = iv_madd_hi(t[i + j + 1], y, mj);
		}
		t[i + 1] = iv_add(t[i + 1], iv_srli(t[i], IFMA_DIGIT_BITS));
	}
	for (unsigned j = d; j < 2 * d; j++) {
		if (j + 1 < 2 * d)
			t[j + 1] = iv_add(t[j + 1], iv_srli(t[j], IFMA_DIGIT_BITS));
		iv_store(r + (j - d) * W, iv_and(t[j], mask));
	}
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
