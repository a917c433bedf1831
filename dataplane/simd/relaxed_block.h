/*
 * NAME
 *   relaxed_block.h - the relaxed block transform as mask arithmetic,
 *                     shared by the scalar twin and the AVX-512 kernel
 *
 * SUMMARY
 *   sg_relaxed_plan() applies the block rules of canon.h to one block
 *   given its byte classes as 64-bit lane masks (bit i = byte i: SP,
 *   HTAB, CR, LF) and the look-ahead byte b[64]. It fills a
 *   struct sg_relaxed_plan (which lanes survive, how many held CRLFs and
 *   whether one SP go before them, the block length) and updates the
 *   state; it returns false, state untouched, for a block with content
 *   while more than SG_CANON_BLOCK_MAX_HELD empty lines are held. The
 *   kernels only classify bytes and compact the surviving lanes (every
 *   surviving SP or HTAB written as SP), so the rules live here once.
 *   Lane masks:
 *     R   CR followed by LF (a line end; lane 63 only if b[64] is LF, and
 *         then the block is 63 bytes and lane 63 belongs to the next one),
 *     F   R << 1, the LF of a line end (never lane 0: the caller and the
 *         63-byte rule never start a block on such an LF),
 *     C   content: not SP, HTAB, R or F,
 *     keep C, SP/HTAB whose next lane is content (never lane 63: a WSP
 *         there leaves st->pending_wsp set, so its SP is written after
 *         any held line ends, before the next block's content), and the
 *         line ends written by the rules.
 *
 * UNTRUSTED INPUT
 *   Lane masks and look-ahead bytes of message bodies; pure arithmetic.
 */
#ifndef SIGNET_SIMD_RELAXED_BLOCK_H
#define SIGNET_SIMD_RELAXED_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "canon.h"

struct sg_relaxed_plan {
	uint64_t keep;		/* lanes written, in order */
	uint64_t wsp;		/* SP and HTAB lanes (written as SP when kept) */
	unsigned len;		/* bytes consumed: 64, or 63 (CRLF at lane 63) */
	unsigned held_before;	/* CRLFs written before the block's lanes */
	bool sp_before;		/* one SP after those, before the lanes */
};

/* Another block fits: its bytes and look-ahead before end, and room for
 * what it may store after the used bytes of out. */
static inline bool sg_relaxed_block_fits(const uint8_t *q, const uint8_t *end, size_t used,
					 size_t room)
{
	return end - q >= SG_CANON_BLOCK + SG_CANON_BLOCK_LOOKAHEAD &&
	       room - used >= SG_CANON_BLOCK_ROOM;
}

/* The lanes above the highest set bit of m (m != 0). */
static inline uint64_t sg_relaxed_above(uint64_t m)
{
	return (~0ULL << (63 - __builtin_clzll(m))) << 1;
}

/* Line ends after the last content byte: the first is written when its
 * line had content, the others are held. Returns the lanes written. */
static inline uint64_t sg_relaxed_tail(struct sg_relaxed_state *st, uint64_t tail,
				       bool line_has_content)
{
	uint64_t first = tail & (0 - tail);

	if (!line_has_content)
		first = 0;
	st->pending_crlf += (uint64_t)__builtin_popcountll(tail ^ first);
	if (tail != 0)
		st->line_empty = true;
	return first | (first << 1);
}

static inline bool sg_relaxed_plan(struct sg_relaxed_state *st, uint64_t sp, uint64_t tab,
				   uint64_t cr, uint64_t lf, uint8_t b64,
				   struct sg_relaxed_plan *pl)
{
	uint64_t wsp = sp | tab, valid = ~0ULL, r, f, content, after;

	r = cr & ((lf >> 1) | ((uint64_t)(b64 == '\n') << 63));
	pl->len = SG_CANON_BLOCK;
	if (r >> 63) {
		valid >>= 1;
		r &= valid;
		pl->len = SG_CANON_BLOCK - 1;
	}
	f = r << 1;
	content = ~(wsp | r | f) & valid;
	pl->wsp = wsp;
	pl->held_before = 0;
	pl->sp_before = false;
	after = ~0ULL;
	if (content != 0) {
		if (st->pending_crlf > SG_CANON_BLOCK_MAX_HELD)
			return false;
		pl->held_before = (unsigned)st->pending_crlf;
		pl->sp_before = st->pending_wsp && (content & 1);
		st->pending_crlf = 0;
		after = sg_relaxed_above(content);
	}
	pl->keep = content | (wsp & (content >> 1)) | ((r | f) & ~after);
	pl->keep |= sg_relaxed_tail(st, r & after, content != 0 || !st->line_empty);
	if (content != 0 && (r & after) == 0)
		st->line_empty = false;
	st->pending_wsp = (wsp >> 63) != 0;
	return true;
}

#endif
