/*
 * NAME
 *   smtp_scan.c - CR, LF, NUL and '.' masks of 64 octets (SSE2 or a byte
 *                 loop) and the client's one-pass text check (see
 *                 smtp_scan.h)
 *
 * SUMMARY
 *   The SSE2 version compares four 16-octet loads with each of the four
 *   octets and packs the movemasks, the AVX2 one (target("avx2") on that
 *   function only) two 32-octet loads; a block shorter than 64 is copied
 *   into a zeroed one first (so nothing past p[n-1] is read) and its NUL
 *   mask cut to n bits. sg_smtp_scan_block picks AVX2 when
 *   __builtin_cpu_supports says the CPU and the OS have it (a test of a
 *   word the compiler's runtime filled in at start-up: no state of ours).
 *
 * UNTRUSTED INPUT
 *   Any octets (read only within p[0..n)).
 */
#include <string.h>

#include "smtp_scan.h"

#if SG_SMTP_SCAN_X86
#include <immintrin.h>
#endif

void sg_smtp_scan_block_bytes(const uint8_t *p, size_t n, struct sg_smtp_scan *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < n && i < SG_SMTP_SCAN_BLOCK; i++) {
		uint64_t bit = (uint64_t)1 << i;

		if (p[i] == '\r')
			m->cr |= bit;
		else if (p[i] == '\n')
			m->lf |= bit;
		else if (p[i] == '\0')
			m->nul |= bit;
		else if (p[i] == '.')
			m->dot |= bit;
	}
}

#if SG_SMTP_SCAN_X86
static inline uint64_t mask16(__m128i v, __m128i x)
{
	return (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, x));
}

static inline uint64_t octet_mask(const __m128i v[4], char c)
{
	__m128i x = _mm_set1_epi8(c);

	return mask16(v[0], x) | mask16(v[1], x) << 16 | mask16(v[2], x) << 32 |
	       mask16(v[3], x) << 48;
}

/* A short block in a zeroed copy: nothing past p[n-1] is read. */
static const uint8_t *padded(const uint8_t *p, size_t n, uint8_t pad[SG_SMTP_SCAN_BLOCK])
{
	if (n >= SG_SMTP_SCAN_BLOCK)
		return p;
	memset(pad, 0, SG_SMTP_SCAN_BLOCK);
	memcpy(pad, p, n);
	return pad;
}

void sg_smtp_scan_block_sse2(const uint8_t *p, size_t n, struct sg_smtp_scan *m)
{
	uint8_t pad[SG_SMTP_SCAN_BLOCK];
	__m128i v[4];

	p = padded(p, n, pad);
	v[0] = _mm_loadu_si128((const __m128i *)(const void *)p);
	v[1] = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	v[2] = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	v[3] = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	m->cr = octet_mask(v, '\r');
	m->lf = octet_mask(v, '\n');
	m->nul = octet_mask(v, '\0') & sg_smtp_scan_below(n);
	m->dot = octet_mask(v, '.');
}

#define AVX2_FN __attribute__((target("avx2")))

static inline AVX2_FN uint64_t octet_mask_avx2(__m256i lo, __m256i hi, char c)
{
	__m256i x = _mm256_set1_epi8(c);

	return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, x)) |
	       (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, x)) << 32;
}

AVX2_FN void sg_smtp_scan_block_avx2(const uint8_t *p, size_t n, struct sg_smtp_scan *m)
{
	uint8_t pad[SG_SMTP_SCAN_BLOCK];
	__m256i lo, hi;

	p = padded(p, n, pad);
	lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
	hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
	m->cr = octet_mask_avx2(lo, hi, '\r');
	m->lf = octet_mask_avx2(lo, hi, '\n');
	m->nul = octet_mask_avx2(lo, hi, '\0') & sg_smtp_scan_below(n);
	m->dot = octet_mask_avx2(lo, hi, '.');
}

bool sg_smtp_scan_has_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}

void sg_smtp_scan_block(const uint8_t *p, size_t n, struct sg_smtp_scan *m)
{
	if (__builtin_cpu_supports("avx2"))
		sg_smtp_scan_block_avx2(p, n, m);
	else
		sg_smtp_scan_block_sse2(p, n, m);
}
#else
void sg_smtp_scan_block(const uint8_t *p, size_t n, struct sg_smtp_scan *m)
{
	sg_smtp_scan_block_bytes(p, n, m);
}
#endif

size_t sg_smtp_scan_text(const char *m, size_t len, size_t from, bool *clean)
{
	const uint8_t *p = (const uint8_t *)m;
	uint64_t lf_in = from == 0 || (from <= len && p[from - 1] == '\n');
	uint64_t cr_in = 0, bad = 0;
	size_t dot = len;
	struct sg_smtp_scan s;

	for (size_t pos = from; pos < len && bad == 0; pos += SG_SMTP_SCAN_BLOCK) {
		size_t n = len - pos < SG_SMTP_SCAN_BLOCK ? len - pos : SG_SMTP_SCAN_BLOCK;
		uint64_t dots;

		sg_smtp_scan_block(p + pos, n, &s);
		dots = s.dot & ((s.lf << 1) | lf_in);
		if (dots != 0 && dot == len) {
			dot = pos + (size_t)__builtin_ctzll(dots);
			if (clean == NULL)
				return dot;
		}
		/* a CR at bit n-1 of a short block shows as bit n of cr << 1 */
		if (clean != NULL)
			bad = s.nul | (s.lf ^ ((s.cr << 1) | cr_in));
		lf_in = s.lf >> 63;
		cr_in = s.cr >> 63;
	}
	if (clean != NULL)
		*clean = bad == 0 && cr_in == 0;
	return dot;
}
