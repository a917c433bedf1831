/*
 * NAME
 *   canon_scalar.c - the scalar twin: portable scanners for every body
 *                    canonicalization (the reference of the SIMD kernels)
 *
 * SUMMARY
 *   One function per rule of canon.h ("first stop in [p, end)"), written
 *   as directly as the rule reads, byte by byte (simple jumps from CR to
 *   CR with memchr). The _from variants resume a scan at q; the vector
 *   kernels use them for the bytes a full vector step cannot cover.
 *   sg_simd_scalar_relaxed_block is the relaxed block transform of canon.h
 *   with the lane masks built byte by byte and the kept lanes written one
 *   by one (the rules themselves are relaxed_block.h, shared with the
 *   AVX-512 kernel, whose output and state it must equal).
 *   sg_simd_kernels_scalar is level SG_SIMD_SCALAR of simd.h.
 *
 * UNTRUSTED INPUT
 *   Message bodies of any content; reads only inside [p, end).
 */
#include <string.h>

#include "relaxed_block.h"
#include "simd_internal.h"

static inline bool wsp_or_cr(uint8_t b)
{
	return b == ' ' || b == '\t' || b == '\r';
}

const uint8_t *sg_simd_scalar_simple_from(const uint8_t *p, const uint8_t *q,
					  const uint8_t *end)
{
	(void)p;
	while (q < end) {
		const uint8_t *cr = memchr(q, '\r', (size_t)(end - q));

		if (cr == NULL)
			return end;
		if (end - cr < 2 || (cr[1] == '\n' && (end - cr < 3 || cr[2] == '\r')))
			return cr;
		q = cr + 1;
	}
	return end;
}

/* Relaxed: does the SP, HTAB or CR at i stop a run that began at p? */
static bool relaxed_stop_at(const uint8_t *p, const uint8_t *i, const uint8_t *end)
{
	switch (*i) {
	case '\t':
		return true;
	case ' ':
		return i == p || end - i < 2 || wsp_or_cr(i[1]);
	default:
		return i == p || end - i < 3 || i[1] != '\n' || wsp_or_cr(i[2]);
	}
}

const uint8_t *sg_simd_scalar_relaxed_from(const uint8_t *p, const uint8_t *q,
					   const uint8_t *end)
{
	for (; q < end; q++) {
		if (wsp_or_cr(*q) && relaxed_stop_at(p, q, end))
			return q;
	}
	return end;
}

const uint8_t *sg_simd_scalar_nofws_from(const uint8_t *p, const uint8_t *q,
					 const uint8_t *end)
{
	for (; q < end; q++) {
		switch (*q) {
		case ' ':
		case '\t':
			return q;
		case '\n':
			if (q == p || !sg_simd_nofws_copied_crlf(q - 1, end))
				return q;
			break;
		case '\r':
			if (!sg_simd_nofws_copied_crlf(q, end))
				return q;
			break;
		default:
			break;
		}
	}
	return end;
}

#define LANES_LOW7 0x7f7f7f7f7f7f7f7fULL
#define LANES_ONE 0x0101010101010101ULL
#define GATHER_HIGH_BITS 0x0102040810204080ULL

/* One bit per byte lane of the word x (bit i = byte i of x) that equals
 * b: a SWAR compare (exact, no carries between lanes), then the lanes'
 * high bits gathered into the top byte by one multiply. */
static inline uint64_t eq8(uint64_t x, uint8_t b)
{
	uint64_t v = x ^ (LANES_ONE * b);
	uint64_t hi = ~(((v & LANES_LOW7) + LANES_LOW7) | v | LANES_LOW7);

	return ((hi >> 7) * GATHER_HIGH_BITS) >> 56;
}

/* The classes of one block's bytes as lane masks (bit i = q[i]): SP,
 * HTAB, CR, LF. */
static void classify_block(const uint8_t *q, uint64_t m[4])
{
	m[0] = m[1] = m[2] = m[3] = 0;
	for (unsigned i = 0; i < SG_CANON_BLOCK; i += 8) {
		uint64_t x;

		memcpy(&x, q + i, sizeof(x));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		x = __builtin_bswap64(x);	/* byte i of the block in lane i */
#endif
		m[0] |= eq8(x, ' ') << i;
		m[1] |= eq8(x, '\t') << i;
		m[2] |= eq8(x, '\r') << i;
		m[3] |= eq8(x, '\n') << i;
	}
}

/* One planned block: held CRLFs, SP, then the kept lanes (eight at a time
 * where all eight are kept and none is HTAB). */
static uint8_t *write_block(const struct sg_relaxed_plan *pl, uint64_t tab, const uint8_t *q,
			    uint8_t *o)
{
	for (unsigned i = 0; i < pl->held_before; i++) {
		*o++ = '\r';
		*o++ = '\n';
	}
	if (pl->sp_before)
		*o++ = ' ';
	for (unsigned g = 0; g < SG_CANON_BLOCK; g += 8) {
		uint64_t keep = (pl->keep >> g) & 0xff;

		if (keep == 0xff && ((tab >> g) & 0xff) == 0) {
			memcpy(o, q + g, 8);
			o += 8;
			continue;
		}
		for (; keep != 0; keep &= keep - 1) {
			unsigned i = g + (unsigned)__builtin_ctzll(keep);

			*o++ = (pl->wsp >> i) & 1 ? ' ' : q[i];
		}
	}
	return o;
}

size_t sg_simd_scalar_relaxed_block(struct sg_relaxed_state *st, const uint8_t **in,
				    const uint8_t *end, uint8_t *out, size_t room)
{
	struct sg_relaxed_state now = *st;	/* a local: out cannot alias it */
	const uint8_t *q = *in;
	uint8_t *o = out;

	while (sg_relaxed_block_fits(q, end, (size_t)(o - out), room)) {
		struct sg_relaxed_plan pl;
		uint64_t m[4];

		classify_block(q, m);
		if (!sg_relaxed_plan(&now, m[0], m[1], m[2], m[3], q[64], &pl))
			break;
		o = write_block(&pl, m[1], q, o);
		q += pl.len;
	}
	*st = now;
	*in = q;
	return (size_t)(o - out);
}

static const uint8_t *scalar_simple(const uint8_t *p, const uint8_t *end)
{
	return sg_simd_scalar_simple_from(p, p, end);
}

static const uint8_t *scalar_relaxed(const uint8_t *p, const uint8_t *end)
{
	return sg_simd_scalar_relaxed_from(p, p, end);
}

static const uint8_t *scalar_nofws(const uint8_t *p, const uint8_t *end)
{
	return sg_simd_scalar_nofws_from(p, p, end);
}

const struct sg_canon_kernels sg_simd_kernels_scalar = {
	.simple = scalar_simple,
	.relaxed = scalar_relaxed,
	.nofws = scalar_nofws,
	.relaxed_block = sg_simd_scalar_relaxed_block,
};
