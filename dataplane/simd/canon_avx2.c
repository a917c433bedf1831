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
 *   Relaxed bodies mostly take the block transform of canon.h instead
 *   (relaxed_block_avx2): lane masks of a 64-byte block from two 32-byte
 *   halves, the rules of relaxed_block.h, then each group of 8 lanes
 *   packed by pshufb with indices from a 256-entry table (AVX2 has no
 *   compress instruction) and written with one 8-byte store.
 *   Compiled with target("avx2,popcnt") on these functions only;
 *   simd_dispatch.c hands the table out only when CPUID says AVX2 and
 *   POPCNT are usable. Off x86 the table is empty (never selected).
 *
 * UNTRUSTED INPUT
 *   Message bodies of any content; reads only inside [p, end).
 */
#include "relaxed_block.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX2_FN __attribute__((target("avx2,popcnt")))
#define STEP 32
#define PREFETCH_AHEAD 2048	/* as relaxed_avx512.c: few loads in flight */

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

/* pack_index[m]: pshufb indices that pack the lanes set in m (8 lanes)
 * to the front, in order; unused index bytes 0x80 (zero). Made by: for
 * m in 0..255, byte k of the entry = the position of the k-th set bit of
 * m, then 0x80s. */
static const uint64_t pack_index[256] = {
	0x8080808080808080ULL, 0x8080808080808000ULL, 0x8080808080808001ULL, 0x8080808080800100ULL,
	0x8080808080808002ULL, 0x8080808080800200ULL, 0x8080808080800201ULL, 0x8080808080020100ULL,
	0x8080808080808003ULL, 0x8080808080800300ULL, 0x8080808080800301ULL, 0x8080808080030100ULL,
	0x8080808080800302ULL, 0x8080808080030200ULL, 0x8080808080030201ULL, 0x8080808003020100ULL,
	0x8080808080808004ULL, 0x8080808080800400ULL, 0x8080808080800401ULL, 0x8080808080040100ULL,
	0x8080808080800402ULL, 0x8080808080040200ULL, 0x8080808080040201ULL, 0x8080808004020100ULL,
	0x8080808080800403ULL, 0x8080808080040300ULL, 0x8080808080040301ULL, 0x8080808004030100ULL,
	0x8080808080040302ULL, 0x8080808004030200ULL, 0x8080808004030201ULL, 0x8080800403020100ULL,
	0x8080808080808005ULL, 0x8080808080800500ULL, 0x8080808080800501ULL, 0x8080808080050100ULL,
	0x8080808080800502ULL, 0x8080808080050200ULL, 0x8080808080050201ULL, 0x8080808005020100ULL,
	0x8080808080800503ULL, 0x8080808080050300ULL, 0x8080808080050301ULL, 0x8080808005030100ULL,
	0x8080808080050302ULL, 0x8080808005030200ULL, 0x8080808005030201ULL, 0x8080800503020100ULL,
	0x8080808080800504ULL, 0x8080808080050400ULL, 0x8080808080050401ULL, 0x8080808005040100ULL,
	0x8080808080050402ULL, 0x8080808005040200ULL, 0x8080808005040201ULL, 0x8080800504020100ULL,
	0x8080808080050403ULL, 0x8080808005040300ULL, 0x8080808005040301ULL, 0x8080800504030100ULL,
	0x8080808005040302ULL, 0x8080800504030200ULL, 0x8080800504030201ULL, 0x8080050403020100ULL,
	0x8080808080808006ULL, 0x8080808080800600ULL, 0x8080808080800601ULL, 0x8080808080060100ULL,
	0x8080808080800602ULL, 0x8080808080060200ULL, 0x8080808080060201ULL, 0x8080808006020100ULL,
	0x8080808080800603ULL, 0x8080808080060300ULL, 0x8080808080060301ULL, 0x8080808006030100ULL,
	0x8080808080060302ULL, 0x8080808006030200ULL, 0x8080808006030201ULL, 0x8080800603020100ULL,
	0x8080808080800604ULL, 0x8080808080060400ULL, 0x8080808080060401ULL, 0x8080808006040100ULL,
	0x8080808080060402ULL, 0x8080808006040200ULL, 0x8080808006040201ULL, 0x8080800604020100ULL,
	0x8080808080060403ULL, 0x8080808006040300ULL, 0x8080808006040301ULL, 0x8080800604030100ULL,
	0x8080808006040302ULL, 0x8080800604030200ULL, 0x8080800604030201ULL, 0x8080060403020100ULL,
	0x8080808080800605ULL, 0x8080808080060500ULL, 0x8080808080060501ULL, 0x8080808006050100ULL,
	0x8080808080060502ULL, 0x8080808006050200ULL, 0x8080808006050201ULL, 0x8080800605020100ULL,
	0x8080808080060503ULL, 0x8080808006050300ULL, 0x8080808006050301ULL, 0x8080800605030100ULL,
	0x8080808006050302ULL, 0x8080800605030200ULL, 0x8080800605030201ULL, 0x8080060503020100ULL,
	0x8080808080060504ULL, 0x8080808006050400ULL, 0x8080808006050401ULL, 0x8080800605040100ULL,
	0x8080808006050402ULL, 0x8080800605040200ULL, 0x8080800605040201ULL, 0x8080060504020100ULL,
	0x8080808006050403ULL, 0x8080800605040300ULL, 0x8080800605040301ULL, 0x8080060504030100ULL,
	0x8080800605040302ULL, 0x8080060504030200ULL, 0x8080060504030201ULL, 0x8006050403020100ULL,
	0x8080808080808007ULL, 0x8080808080800700ULL, 0x8080808080800701ULL, 0x8080808080070100ULL,
	0x8080808080800702ULL, 0x8080808080070200ULL, 0x8080808080070201ULL, 0x8080808007020100ULL,
	0x8080808080800703ULL, 0x8080808080070300ULL, 0x8080808080070301ULL, 0x8080808007030100ULL,
	0x8080808080070302ULL, 0x8080808007030200ULL, 0x8080808007030201ULL, 0x8080800703020100ULL,
	0x8080808080800704ULL, 0x8080808080070400ULL, 0x8080808080070401ULL, 0x8080808007040100ULL,
	0x8080808080070402ULL, 0x8080808007040200ULL, 0x8080808007040201ULL, 0x8080800704020100ULL,
	0x8080808080070403ULL, 0x8080808007040300ULL, 0x8080808007040301ULL, 0x8080800704030100ULL,
	0x8080808007040302ULL, 0x8080800704030200ULL, 0x8080800704030201ULL, 0x8080070403020100ULL,
	0x8080808080800705ULL, 0x8080808080070500ULL, 0x8080808080070501ULL, 0x8080808007050100ULL,
	0x8080808080070502ULL, 0x8080808007050200ULL, 0x8080808007050201ULL, 0x8080800705020100ULL,
	0x8080808080070503ULL, 0x8080808007050300ULL, 0x8080808007050301ULL, 0x8080800705030100ULL,
	0x8080808007050302ULL, 0x8080800705030200ULL, 0x8080800705030201ULL, 0x8080070503020100ULL,
	0x8080808080070504ULL, 0x8080808007050400ULL, 0x8080808007050401ULL, 0x8080800705040100ULL,
	0x8080808007050402ULL, 0x8080800705040200ULL, 0x8080800705040201ULL, 0x8080070504020100ULL,
	0x8080808007050403ULL, 0x8080800705040300ULL, 0x8080800705040301ULL, 0x8080070504030100ULL,
	0x8080800705040302ULL, 0x8080070504030200ULL, 0x8080070504030201ULL, 0x8007050403020100ULL,
	0x8080808080800706ULL, 0x8080808080070600ULL, 0x8080808080070601ULL, 0x8080808007060100ULL,
	0x8080808080070602ULL, 0x8080808007060200ULL, 0x8080808007060201ULL, 0x8080800706020100ULL,
	0x8080808080070603ULL, 0x8080808007060300ULL, 0x8080808007060301ULL, 0x8080800706030100ULL,
	0x8080808007060302ULL, 0x8080800706030200ULL, 0x8080800706030201ULL, 0x8080070603020100ULL,
	0x8080808080070604ULL, 0x8080808007060400ULL, 0x8080808007060401ULL, 0x8080800706040100ULL,
	0x8080808007060402ULL, 0x8080800706040200ULL, 0x8080800706040201ULL, 0x8080070604020100ULL,
	0x8080808007060403ULL, 0x8080800706040300ULL, 0x8080800706040301ULL, 0x8080070604030100ULL,
	0x8080800706040302ULL, 0x8080070604030200ULL, 0x8080070604030201ULL, 0x8007060403020100ULL,
	0x8080808080070605ULL, 0x8080808007060500ULL, 0x8080808007060501ULL, 0x8080800706050100ULL,
	0x8080808007060502ULL, 0x8080800706050200ULL, 0x8080800706050201ULL, 0x8080070605020100ULL,
	0x8080808007060503ULL, 0x8080800706050300ULL, 0x8080800706050301ULL, 0x8080070605030100ULL,
	0x8080800706050302ULL, 0x8080070605030200ULL, 0x8080070605030201ULL, 0x8007060503020100ULL,
	0x8080808007060504ULL, 0x8080800706050400ULL, 0x8080800706050401ULL, 0x8080070605040100ULL,
	0x8080800706050402ULL, 0x8080070605040200ULL, 0x8080070605040201ULL, 0x8007060504020100ULL,
	0x8080800706050403ULL, 0x8080070605040300ULL, 0x8080070605040301ULL, 0x8007060504030100ULL,
	0x8080070605040302ULL, 0x8007060504030200ULL, 0x8007060504030201ULL, 0x0706050403020100ULL,
};

/* The lane mask (bit i = q[i]) of the 64 bytes at q that equal b. */
AVX2_FN static inline uint64_t eq64(const uint8_t *q, char b)
{
	return bits(eq(load(q), b)) | (uint64_t)bits(eq(load(q + STEP), b)) << STEP;
}

/* The kept lanes of the 64 bytes at q (HTAB as SP), eight at a time:
 * pshufb packs a group's kept bytes to its front, an 8-byte store writes
 * them (and up to 7 more bytes the next group overwrites). */
AVX2_FN static uint8_t *pack_block(const uint8_t *q, uint64_t keep, uint8_t *o)
{
	uint8_t spaced[SG_CANON_BLOCK];

	for (unsigned h = 0; h < SG_CANON_BLOCK; h += STEP) {
		__m256i v = load(q + h);

		v = _mm256_blendv_epi8(v, _mm256_set1_epi8(' '), eq(v, '\t'));
		_mm256_storeu_si256((__m256i *)(void *)(spaced + h), v);
	}
	for (unsigned g = 0; g < SG_CANON_BLOCK; g += 8) {
		unsigned m = (unsigned)(keep >> g) & 0xff;
		__m128i bytes = _mm_loadl_epi64((const __m128i *)(const void *)(spaced + g));
		__m128i index = _mm_cvtsi64_si128((long long)pack_index[m]);

		_mm_storel_epi64((__m128i *)(void *)o, _mm_shuffle_epi8(bytes, index));
		o += __builtin_popcount(m);
	}
	return o;
}

/* The relaxed block transform of canon.h: lane masks from two 32-byte
 * halves, the rules of relaxed_block.h, pack_block. */
AVX2_FN static size_t relaxed_block_avx2(struct sg_relaxed_state *st, const uint8_t **in,
					 const uint8_t *end, uint8_t *out, size_t room)
{
	const __m256i crlf = _mm256_set1_epi16(0x0a0d);
	struct sg_relaxed_state now = *st;	/* a local: out cannot alias it */
	const uint8_t *q = *in;
	uint8_t *o = out;

	while (sg_relaxed_block_fits(q, end, (size_t)(o - out), room)) {
		struct sg_relaxed_plan pl;

		_mm_prefetch((const char *)q + PREFETCH_AHEAD, _MM_HINT_T0);
		if (!sg_relaxed_plan(&now, eq64(q, ' '), eq64(q, '\t'), eq64(q, '\r'),
				     eq64(q, '\n'), q[64], &pl))
			break;
		if (pl.held_before != 0) {
			_mm256_storeu_si256((__m256i *)(void *)o, crlf);
			_mm256_storeu_si256((__m256i *)(void *)(o + STEP), crlf);
			o += 2 * pl.held_before;
		}
		if (pl.sp_before)
			*o++ = ' ';
		o = pack_block(q, pl.keep, o);
		q += pl.len;
	}
	*st = now;
	*in = q;
	return (size_t)(o - out);
}

const struct sg_canon_kernels sg_simd_kernels_avx2 = {
	.simple = simple_avx2,
	.relaxed = relaxed_avx2,
	.nofws = nofws_avx2,
	.relaxed_block = relaxed_block_avx2,
};

#else

const struct sg_canon_kernels sg_simd_kernels_avx2 = { NULL, NULL, NULL, NULL };

#endif
