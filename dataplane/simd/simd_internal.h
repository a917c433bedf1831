/*
 * NAME
 *   simd_internal.h - what the kernel files of dataplane/simd share
 *
 * SUMMARY
 *   One kernel table per level (canon_scalar.c, canon_avx2.c,
 *   canon_avx512.c; AVX-512 has two: with and without the VBMI2 relaxed
 *   block transform of relaxed_avx512.c) for simd_dispatch.c; the relaxed
 *   block transforms of canon.h (scalar twin, AVX2 and AVX-512: same
 *   output and same state for every input and room); and the scalar twin's scanners
 *   resumed at q (run start p <= q <= end): the first stop at or after q,
 *   by the rules of canon.h, given that nothing in [p, q) stopped the run.
 *   The vector kernels finish each scan with these (the last bytes, too
 *   few for a full vector with its look-ahead) and start with them when
 *   the first byte has a run-start rule.
 *   sg_simd_nofws_copied_crlf(i, end): the CR at i is part of a CRLF that
 *   nofws copies (so the LF at i + 1 is no stop either).
 *
 * UNTRUSTED INPUT
 *   Message bodies, read only inside [p, end).
 */
#ifndef SIGNET_SIMD_INTERNAL_H
#define SIGNET_SIMD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "canon.h"

extern const struct sg_canon_kernels sg_simd_kernels_scalar;
extern const struct sg_canon_kernels sg_simd_kernels_avx2;
extern const struct sg_canon_kernels sg_simd_kernels_avx512;
extern const struct sg_canon_kernels sg_simd_kernels_avx512_vbmi2;

const uint8_t *sg_simd_scalar_simple_from(const uint8_t *p, const uint8_t *q,
					  const uint8_t *end);
const uint8_t *sg_simd_scalar_relaxed_from(const uint8_t *p, const uint8_t *q,
					   const uint8_t *end);
const uint8_t *sg_simd_scalar_nofws_from(const uint8_t *p, const uint8_t *q,
					 const uint8_t *end);
size_t sg_simd_avx512_relaxed_block(struct sg_relaxed_state *st, const uint8_t **in,
				    const uint8_t *end, uint8_t *out, size_t room);
size_t sg_simd_scalar_relaxed_block(struct sg_relaxed_state *st, const uint8_t **in,
				    const uint8_t *end, uint8_t *out, size_t room);

/* Bytes after i that a vector step looks at: a lane decides from its own
 * byte and the next two. */
#define SG_SIMD_LOOKAHEAD 2

static inline bool sg_simd_nofws_ordinary(uint8_t b)
{
	return b != ' ' && b != '\t' && b != '\r' && b != '\n';
}

static inline bool sg_simd_nofws_copied_crlf(const uint8_t *i, const uint8_t *end)
{
	return end - i > 2 && i[0] == '\r' && i[1] == '\n' && sg_simd_nofws_ordinary(i[2]);
}

#endif
