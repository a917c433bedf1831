/*
 * NAME
 *   smtp_scan.h - message text 64 octets at a time: where the CRs, LFs,
 *                 NULs and dots are, as bit masks (the DATA reader's and
 *                 the client's one pass over the text)
 *
 * SUMMARY
 *   sg_smtp_scan_block fills one struct sg_smtp_scan for p[0..n), n <= 64:
 *   bit i of cr, lf, nul and dot is set when octet i is CR, LF, NUL or
 *   '.'; bits at i >= n are 0. On x86 AVX2 when the CPU has it, else
 *   SSE2; elsewhere a byte loop (sg_smtp_scan_block_bytes, always built:
 *   the unit tests hold every kernel to its answers).
 *
 *   With the masks, the rules of message text become bit operations:
 *   "every LF follows a CR and every CR precedes an LF" is lf == (cr << 1
 *   | CR carried from the block before) with the last CR of a block
 *   carried into the next; line starts are lf << 1 (plus the LF carried
 *   in), and a line-start dot is dot & line starts.
 *
 *   sg_smtp_scan_text does that over a whole text for the client machine:
 *   is the text clean (no NUL, no bare CR, no bare LF), and where is its
 *   first line-start '.' at or after an offset.
 *
 * UNTRUSTED INPUT
 *   Any octets; the functions only read p[0..n).
 */
#ifndef SIGNET_SMTP_SCAN_H
#define SIGNET_SMTP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_SMTP_SCAN_BLOCK 64

struct sg_smtp_scan {
	uint64_t cr, lf, nul, dot;
};

#if (defined(__x86_64__) || defined(__i386__)) && defined(__SSE2__) && defined(__GNUC__)
#define SG_SMTP_SCAN_X86 1
#else
#define SG_SMTP_SCAN_X86 0
#endif

void sg_smtp_scan_block(const uint8_t *p, size_t n, struct sg_smtp_scan *m);
void sg_smtp_scan_block_bytes(const uint8_t *p, size_t n, struct sg_smtp_scan *m);
#if SG_SMTP_SCAN_X86
/* The kernels sg_smtp_scan_block picks from (for the tests); the AVX2
 * one only where sg_smtp_scan_has_avx2(). */
void sg_smtp_scan_block_sse2(const uint8_t *p, size_t n, struct sg_smtp_scan *m);
void sg_smtp_scan_block_avx2(const uint8_t *p, size_t n, struct sg_smtp_scan *m);
bool sg_smtp_scan_has_avx2(void);
#endif

/* Bits below i set (i <= 64). */
static inline uint64_t sg_smtp_scan_below(size_t i)
{
	return i >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << i) - 1;
}

/*
 * The smallest offset >= from of a '.' at a line start (offset 0 or just
 * after an LF) in m[0..len), or len when there is none. When clean is not
 * NULL the whole text is checked as well (*clean: no NUL, every CR
 * followed by LF, every LF preceded by CR), in the same pass: from must be
 * 0 then.
 */
size_t sg_smtp_scan_text(const char *m, size_t len, size_t from, bool *clean);

#endif
