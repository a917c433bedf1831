/*
 * NAME
 *   canon_avx512.c - AVX-512 scanners for the body canonicalizations
 *                    (level SG_SIMD_AVX512 of simd.h)
 *
 * SUMMARY
 *   The AVX2 scheme (canon_avx2.c) 64 bytes at a time: byte compares go
 *   straight into 64-bit mask registers (AVX-512 BW), one bit per lane,
 *   so the rules of canon.h are plain mask arithmetic. Loads at q, q + 1
 *   and q + 2 give each lane the two bytes after it; nofws carries "the
 *   CRLF ending at lane 63 was copied" into the next step. Steps run while
 *   66 bytes remain; the rest, and the run-start rules, go to the scalar
 *   twin.
 *   Compiled with target("avx512f,avx512bw,avx512vl") on these functions
 *   only; simd_dispatch.c hands the table out only when CPUID and XGETBV
 *   say AVX-512 F, BW and VL are usable. Off x86 the table is empty (never
 *   selected).
 *
 * UNTRUSTED INPUT
 *   Message bodies of any content; reads only inside [p, end).
 */
#include "simd_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX512_FN __attribute__((target("avx512f,avx512bw,avx512vl")))
#define STEP 64

AVX512_FN static inline uint64_t eq(__m512i v, char b)
{
	return _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b));
}

AVX512_FN static inline __m512i load(const uint8_t *q)
{
	return _mm512_loadu_si512((const void *)q);
}

AVX512_FN static inline uint64_t wsp_or_cr(__m512i v)
{
	return eq(v, ' ') | eq(v, '\t') | eq(v, '\r');
}

AVX512_FN static const uint8_t *simple_avx512(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;

	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		uint64_t stops = eq(load(q), '\r') & eq(load(q + 1), '\n') & eq(load(q + 2), '\r');

		if (stops != 0)
			return q + __builtin_ctzll(stops);
		q += STEP;
	}
	return sg_simd_scalar_simple_from(p, q, end);
}

AVX512_FN static const uint8_t *relaxed_avx512(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;

	if (p < end && (*p == ' ' || *p == '\r'))
		return p;
	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		__m512i v0 = load(q), v1 = load(q + 1);
		uint64_t cr_copied = eq(v1, '\n') & ~wsp_or_cr(load(q + 2));
		uint64_t stops = eq(v0, '\t') | (eq(v0, ' ') & wsp_or_cr(v1)) |
				 (eq(v0, '\r') & ~cr_copied);

		if (stops != 0)
			return q + __builtin_ctzll(stops);
		q += STEP;
	}
	return sg_simd_scalar_relaxed_from(p, q, end);
}

AVX512_FN static const uint8_t *nofws_avx512(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;
	uint64_t carry = 0;

	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		__m512i v0 = load(q), v2 = load(q + 2);
		uint64_t cr = eq(v0, '\r');
		uint64_t copied = cr & eq(load(q + 1), '\n') & ~(wsp_or_cr(v2) | eq(v2, '\n'));
		uint64_t lf_stop = eq(v0, '\n') & ~((copied << 1) | carry);
		uint64_t stops = eq(v0, ' ') | eq(v0, '\t') | (cr & ~copied) | lf_stop;

		if (stops != 0)
			return q + __builtin_ctzll(stops);
		carry = copied >> (STEP - 1);
		q += STEP;
	}
	return sg_simd_scalar_nofws_from(p, q, end);
}

const struct sg_canon_kernels sg_simd_kernels_avx512 = {
	.simple = simple_avx512,
	.relaxed = relaxed_avx512,
	.nofws = nofws_avx512,
};

#else

const struct sg_canon_kernels sg_simd_kernels_avx512 = { NULL, NULL, NULL };

#endif
