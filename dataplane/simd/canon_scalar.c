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
 *   sg_simd_kernels_scalar is level SG_SIMD_SCALAR of simd.h.
 *
 * UNTRUSTED INPUT
 *   Message bodies of any content; reads only inside [p, end).
 */
#include <string.h>

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
};
