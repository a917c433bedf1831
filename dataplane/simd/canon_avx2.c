/*
 * NAME
 *   canon_avx2.c - AVX2 scanners for the body canonicalizations
 *                  (level SG_SIMD_AVX2 of simd.h)
 *
 * SUMMARY
 *   Each step classifies 32 bytes at once: three unaligned loads at q,
 *   q + 1 and q + 2 give every lane its byte and the two after it, which is
 *   all a rule of canon.h looks at (plus, for nofws, whether the CRLF one
 *   byte back was copied: carried from lane 31 of the previous step). The
 *   lanes that stop the run become a bit mask; the first set bit is the
 *   answer. Steps run while 34 bytes remain; the last bytes and the
 *   run-start rules (relaxed: SP or CR at p) go to the scalar twin, so the
 *   result is the twin's for every input.
 *   Compiled with target("avx2") on these functions only; simd_dispatch.c
 *   hands the table out only when CPUID says AVX2 is usable. Off x86 the
 *   table is empty (never selected).
 *
 * UNTRUSTED INPUT
 *   Message bodies of any content; reads only inside [p, end).
 */
#include "simd_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX2_FN __attribute__((target("avx2")))
#define STEP 32

AVX2_FN static inline __m256i eq(__m256i v, char b)
{
	return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b));
}

AVX2_FN static inline __m256i load(const uint8_t *q)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)q);
}

AVX2_FN static inline uint32_t bits(__m256i v)
{
	return (uint32_t)_mm256_movemask_epi8(v);
}

AVX2_FN static inline __m256i wsp_or_cr(__m256i v)
{
	return _mm256_or_si256(_mm256_or_si256(eq(v, ' '), eq(v, '\t')), eq(v, '\r'));
}

/* simple: CR LF CR, i.e. a CRLF followed by a CR (lanes q .. q+31). */
AVX2_FN static const uint8_t *simple_avx2(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;

	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		__m256i crlf = _mm256_and_si256(eq(load(q), '\r'), eq(load(q + 1), '\n'));
		uint32_t stops = bits(_mm256_and_si256(crlf, eq(load(q + 2), '\r')));

		if (stops != 0)
			return q + __builtin_ctz(stops);
		q += STEP;
	}
	return sg_simd_scalar_simple_from(p, q, end);
}

/* relaxed: HTAB; SP before SP/HTAB/CR; CR unless LF and a byte other than
 * SP/HTAB/CR follow. (The run-start rules are the twin's.) */
AVX2_FN static const uint8_t *relaxed_avx2(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;

	if (p < end && (*p == ' ' || *p == '\r'))
		return p;
	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		__m256i v0 = load(q);
		__m256i sp_stop = _mm256_and_si256(eq(v0, ' '), wsp_or_cr(load(q + 1)));
		__m256i cr_copied = _mm256_andnot_si256(wsp_or_cr(load(q + 2)), eq(load(q + 1), '\n'));
		__m256i cr_stop = _mm256_andnot_si256(cr_copied, eq(v0, '\r'));
		uint32_t stops = bits(_mm256_or_si256(_mm256_or_si256(eq(v0, '\t'), sp_stop), cr_stop));

		if (stops != 0)
			return q + __builtin_ctz(stops);
		q += STEP;
	}
	return sg_simd_scalar_relaxed_from(p, q, end);
}

/* nofws: SP, HTAB; CR unless LF and an ordinary byte follow; LF unless
 * its CR was copied (lane 0: carried from the previous step, none at p). */
AVX2_FN static const uint8_t *nofws_avx2(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;
	uint32_t carry = 0;

	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		__m256i v0 = load(q), v2 = load(q + 2);
		__m256i cr = eq(v0, '\r');
		__m256i special2 = _mm256_or_si256(wsp_or_cr(v2), eq(v2, '\n'));
		uint32_t copied = bits(_mm256_andnot_si256(special2,
							   _mm256_and_si256(cr, eq(load(q + 1), '\n'))));
		uint32_t wsp = bits(_mm256_or_si256(eq(v0, ' '), eq(v0, '\t')));
		uint32_t lf_stop = bits(eq(v0, '\n')) & ~((copied << 1) | carry);
		uint32_t stops = wsp | (bits(cr) & ~copied) | lf_stop;

		if (stops != 0)
			return q + __builtin_ctz(stops);
		carry = copied >> (STEP - 1);
		q += STEP;
	}
	return sg_simd_scalar_nofws_from(p, q, end);
}

const struct sg_canon_kernels sg_simd_kernels_avx2 = {
	.simple = simple_avx2,
	.relaxed = relaxed_avx2,
	.nofws = nofws_avx2,
};

#else

const struct sg_canon_kernels sg_simd_kernels_avx2 = { NULL, NULL, NULL, NULL };

#endif
