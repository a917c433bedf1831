/*
 * NAME
 *   canon_avx512.c - AVX-512 scanners for the body canonicalizations
 *                    (level SG_SIMD_AVX512 of simd.h)
 *
 * SUMMARY
 *   The AVX2 scheme (canon_avx2.c) 64 bytes at a time: byte compares go
 *   straight into mask registers (AVX-512 BW), one bit per lane, so the
 *   rules of canon.h are plain mask arithmetic, written once as macros for
 *   both widths. Loads at q, q + 1 and q + 2 give each lane the two bytes
 *   after it; nofws carries "the CRLF ending at the last lane was copied"
 *   into the next step. A scan starts with one 32-lane step (AVX-512 VL
 *   compares on 256-bit registers: a short run costs what it costs with
 *   AVX2), then takes 64-lane steps while 66 bytes remain; the rest, and
 *   the run-start rules, go to the scalar twin.
 *   Relaxed bodies mostly take the block transform of relaxed_avx512.c
 *   instead (sg_simd_kernels_avx512_vbmi2, the same scanners plus that
 *   kernel: handed out when the CPU also has VBMI2); these
 *   scanners then do only the last bytes of each chunk.
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
#define FIRST 32

AVX512_FN static inline uint64_t eq64(const uint8_t *q, char b)
{
	return _mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void *)q), _mm512_set1_epi8(b));
}

AVX512_FN static inline uint32_t eq32(const uint8_t *q, char b)
{
	return _mm256_cmpeq_epi8_mask(_mm256_loadu_si256((const __m256i *)(const void *)q),
				      _mm256_set1_epi8(b));
}

/* The rules of canon.h as lane masks; EQ(q, b) is the mask of lanes at q
 * equal to b (eq32 or eq64; the loads are the compiler's to share). */
#define WSP_OR_CR(EQ, q) (EQ(q, ' ') | EQ(q, '\t') | EQ(q, '\r'))
#define SIMPLE_STOPS(EQ, q) (EQ(q, '\r') & EQ(q + 1, '\n') & EQ(q + 2, '\r'))
#define RELAXED_STOPS(EQ, q)							\
	(EQ(q, '\t') | (EQ(q, ' ') & WSP_OR_CR(EQ, q + 1)) |			\
	 (EQ(q, '\r') & ~(EQ(q + 1, '\n') & ~WSP_OR_CR(EQ, q + 2))))
#define NOFWS_COPIED_CR(EQ, q)							\
	(EQ(q, '\r') & EQ(q + 1, '\n') & ~(WSP_OR_CR(EQ, q + 2) | EQ(q + 2, '\n')))
#define NOFWS_STOPS(EQ, q, copied, carry)					\
	(EQ(q, ' ') | EQ(q, '\t') | (EQ(q, '\r') & ~(copied)) |			\
	 (EQ(q, '\n') & ~(((copied) << 1) | (carry))))

/* Each kernel tries one 32-lane step first (short runs, e.g. the words of
 * nofws, stop there without touching 512-bit registers), then 64-lane
 * steps while 66 bytes remain, then the scalar twin. */
AVX512_FN static const uint8_t *simple_avx512(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;
	uint64_t stops;

	if (end - q >= FIRST + SG_SIMD_LOOKAHEAD) {
		stops = SIMPLE_STOPS(eq32, q);
		if (stops != 0)
			return q + __builtin_ctzll(stops);
		q += FIRST;
	}
	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		stops = SIMPLE_STOPS(eq64, q);
		if (stops != 0)
			return q + __builtin_ctzll(stops);
		q += STEP;
	}
	return sg_simd_scalar_simple_from(p, q, end);
}

AVX512_FN static const uint8_t *relaxed_avx512(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;
	uint64_t stops;

	if (p < end && (*p == ' ' || *p == '\r'))
		return p;
	if (end - q >= FIRST + SG_SIMD_LOOKAHEAD) {
		stops = (uint32_t)RELAXED_STOPS(eq32, q);
		if (stops != 0)
			return q + __builtin_ctzll(stops);
		q += FIRST;
	}
	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		stops = RELAXED_STOPS(eq64, q);
		if (stops != 0)
			return q + __builtin_ctzll(stops);
		q += STEP;
	}
	return sg_simd_scalar_relaxed_from(p, q, end);
}

/* carry: the CRLF ending at the last lane of the previous step was copied
 * (its LF on lane 0 is no stop); none at p. */
AVX512_FN static const uint8_t *nofws_avx512(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;
	uint64_t carry = 0, copied, stops;

	if (end - q >= FIRST + SG_SIMD_LOOKAHEAD) {
		uint32_t copied32 = NOFWS_COPIED_CR(eq32, q);

		stops = (uint32_t)NOFWS_STOPS(eq32, q, copied32, 0u);
		if (stops != 0)
			return q + __builtin_ctzll(stops);
		carry = copied32 >> (FIRST - 1);
		q += FIRST;
	}
	while (end - q >= STEP + SG_SIMD_LOOKAHEAD) {
		copied = NOFWS_COPIED_CR(eq64, q);
		stops = NOFWS_STOPS(eq64, q, copied, carry);
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

/* The same scanners plus the VBMI2 relaxed block transform. */
const struct sg_canon_kernels sg_simd_kernels_avx512_vbmi2 = {
	.simple = simple_avx512,
	.relaxed = relaxed_avx512,
	.nofws = nofws_avx512,
	.relaxed_block = sg_simd_avx512_relaxed_block,
};

#else

const struct sg_canon_kernels sg_simd_kernels_avx512 = { NULL, NULL, NULL, NULL };
const struct sg_canon_kernels sg_simd_kernels_avx512_vbmi2 = { NULL, NULL, NULL, NULL };

#endif
