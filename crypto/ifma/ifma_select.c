/*
 * NAME
 *   ifma_select.c - constant-time table lookup with a different index per
 *                   lane
 *
 * SUMMARY
 *   r = table[win] lane by lane: every entry of the IFMA_TABLE-entry table
 *   (entry e = d digit vectors at table + e * d * IFMA_LANES) is read, and
 *   each lane keeps the digits of the entry whose index equals its window
 *   value (compare mask, masked move). Memory addresses and branches
 *   depend on e and d only, never on win.
 *
 *   Per digit count, so the selected digits stay in registers; digits go
 *   in chunks of at most CHUNK so that they fit.
 */
#include "ifma_internal.h"
#include "ifma_kernel.h"

#define CHUNK 20

IFMA_INLINE void select_kernel(uint64_t *r, const uint64_t *table, const uint64_t *win,
			       const unsigned d)
{
	const unsigned chunk = d / ((d + CHUNK - 1) / CHUNK);
	const ifma_v w = iv_load(win);

	IFMA_UNROLL
	for (unsigned c = 0; c < d; c += chunk) {
		ifma_v out[CHUNK];

		IFMA_UNROLL
		for (unsigned j = 0; j < chunk; j++)
			out[j] = iv_load_here(table + (c + j) * W);
		for (unsigned e = 1; e < IFMA_TABLE; e++) {
			const ifma_mask hit = iv_cmpeq(w, iv_set1(e));
			const uint64_t *t = table + ((size_t)e * d + c) * W;

			IFMA_UNROLL
			for (unsigned j = 0; j < chunk; j++)
				out[j] = iv_select(out[j], hit, iv_load_here(t + j * W));
		}
		IFMA_UNROLL
		for (unsigned j = 0; j < chunk; j++)
			iv_store(r + (c + j) * W, out[j]);
	}
}

void ifma_select20(uint64_t *r, const uint64_t *table, const uint64_t *win)
{
	select_kernel(r, table, win, 20);
}

void ifma_select30(uint64_t *r, const uint64_t *table, const uint64_t *win)
{
	select_kernel(r, table, win, 30);
}

void ifma_select40(uint64_t *r, const uint64_t *table, const uint64_t *win)
{
	select_kernel(r, table, win, 40);
}
