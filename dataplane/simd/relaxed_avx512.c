/*
 * NAME
 *   relaxed_avx512.c - the relaxed block transform of canon.h with
 *                      AVX-512 VBMI2 (vpcompressb), 64 bytes per step
 *
 * SUMMARY
 *   Per block: one 64-byte load, four byte compares into mask registers
 *   (SP, HTAB, CR, LF), the rules of relaxed_block.h on those masks (plain
 *   64-bit arithmetic), then SP written over every SP/HTAB lane, the
 *   surviving lanes packed with vpcompressb into a register and stored
 *   with one unaligned 64-byte store (compress straight to memory is very
 *   slow on Zen 4); the output advances by the popcount of the mask. Held
 *   empty lines (at most SG_CANON_BLOCK_MAX_HELD, checked by the plan) go
 *   out as one 64-byte store of CRLF pairs. No loop-carried state but
 *   struct sg_relaxed_state: each block reads its look-ahead byte.
 *   Compiled with target("avx512f,avx512bw,avx512vbmi2,popcnt") on this
 *   function only; simd_dispatch.c hands out a table with it only when
 *   CPUID says AVX-512 F/BW/VL, VBMI2 and POPCNT and XGETBV says the OS
 *   saves the ZMM state. Off x86 there is no kernel (NULL in the table).
 *
 * UNTRUSTED INPUT
 *   Message bodies of any content; reads only inside [*in, end), writes
 *   only inside [out, out + room).
 */
#include "relaxed_block.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* Bytes ahead to prefetch: the block loop holds few loads in flight
 * (each block is ~70 instructions), so a body that is not in the cache
 * would otherwise be read at memory latency (an 8 MiB body: 2.5 GB/s
 * without, ~7 with 2 KiB ahead; 1 KiB ahead ~6). A prefetch never
 * faults, so reading past end is harmless. */
#define PREFETCH_AHEAD 2048

#define VBMI2_FN __attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt")))

VBMI2_FN static inline uint64_t eq(__m512i v, char b)
{
	return _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b));
}

VBMI2_FN size_t sg_simd_avx512_relaxed_block(struct sg_relaxed_state *st, const uint8_t **in,
					     const uint8_t *end, uint8_t *out, size_t room)
{
	const __m512i crlf = _mm512_set1_epi16(0x0a0d);
	const __m512i sp = _mm512_set1_epi8(' ');
	struct sg_relaxed_state now = *st;	/* a local: out cannot alias it */
	const uint8_t *q = *in;
	uint8_t *o = out;

	while (sg_relaxed_block_fits(q, end, (size_t)(o - out), room)) {
		__m512i v = _mm512_loadu_si512((const void *)q);
		struct sg_relaxed_plan pl;

		_mm_prefetch((const char *)q + PREFETCH_AHEAD, _MM_HINT_T0);
		if (!sg_relaxed_plan(&now, eq(v, ' '), eq(v, '\t'), eq(v, '\r'), eq(v, '\n'), q[64],
				     &pl))
			break;
		if (pl.held_before != 0) {
			_mm512_storeu_si512((void *)o, crlf);
			o += 2 * pl.held_before;
		}
		if (pl.sp_before)
			*o++ = ' ';
		v = _mm512_mask_mov_epi8(v, pl.wsp, sp);
		_mm512_storeu_si512((void *)o, _mm512_maskz_compress_epi8(pl.keep, v));
		o += __builtin_popcountll(pl.keep);	/* one POPCNT instruction here */
		q += pl.len;
	}
	*st = now;
	*in = q;
	return (size_t)(o - out);
}

#endif
