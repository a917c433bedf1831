/*
 * NAME
 *   fuzz_simd_canon.c - libFuzzer target comparing every SIMD scan kernel
 *                       this CPU runs with the scalar twin (dataplane/simd)
 *
 * SUMMARY
 *   The input is a message body. For each of the four body
 *   canonicalizations the reference output is the engine's built-in
 *   scanners fed the whole body; then every supported level of simd.h
 *   (scalar twin, AVX2, AVX-512) canonicalizes it in a random chunking
 *   (chunk lengths 1..300 from a PRNG seeded by the input, so each input
 *   reproduces its chunking) and must give the same bytes and the same
 *   total, also with a limit (l=) of 4 x the last byte, and fed whole.
 *   Every kernel's stop must also equal the twin's for scans of the whole
 *   input and of [s, end) and [0, e) for s, e from the input. A level with
 *   a relaxed block transform must give the twin's bytes, end and state
 *   for calls on [s, end) and [0, e) from a state and room drawn from the
 *   input (held empty lines around SG_CANON_BLOCK_MAX_HELD, line empty or
 *   not, a pending SP or not). A level the CPU lacks is not run (the
 *   target says which at start-up).
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes as a message body.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "simd.h"
#include "simd_internal.h"
#include "types.h"

#include "fuzzutil.h"

static const enum sg_canon all_canons[] = {
	SG_CANON_SIMPLE, SG_CANON_RELAXED, SG_CANON_DK_SIMPLE, SG_CANON_DK_NOFWS,
};

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t seed_of(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size && i < 16; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	return h | 1;
}

/* chunked = false: one update with the whole body. */
static uint64_t run(enum sg_canon canon, const struct sg_canon_kernels *k, const uint8_t *data,
		    size_t size, bool chunked, uint64_t limit, struct fuzz_bytes *out)
{
	struct sg_body_canon *c = malloc(sizeof(*c));
	uint64_t s = seed_of(data, size), total;
	size_t pos = 0;

	if (c == NULL)
		abort();
	sg_body_canon_init(c, canon, limit, fuzz_bytes_sink, out);
	sg_body_canon_set_kernels(c, k);
	while (pos < size) {
		size_t n = chunked ? 1 + (size_t)(next_random(&s) % 300) : size;

		if (n > size - pos)
			n = size - pos;
		sg_body_canon_update(c, data + pos, n);
		pos += n;
	}
	sg_body_canon_final(c);
	total = c->total;
	free(c);
	return total;
}

static void check_scans(const struct sg_canon_kernels *k, const char *level, const uint8_t *b,
			size_t size)
{
	const struct sg_canon_kernels *twin = sg_simd_select(SG_SIMD_SCALAR);
	sg_canon_scan_fn kernel[3] = { k->simple, k->relaxed, k->nofws };
	sg_canon_scan_fn ref[3] = { twin->simple, twin->relaxed, twin->nofws };
	size_t s = fuzz_split_point(b, size), e = size - s;	/* both in [0, size] */

	for (int i = 0; i < 3; i++) {
		FUZZ_CHECK(kernel[i](b, b + size) == ref[i](b, b + size),
			   "%s scanner %d differs on the whole input", level, i);
		FUZZ_CHECK(kernel[i](b + s, b + size) == ref[i](b + s, b + size),
			   "%s scanner %d differs from byte %zu", level, i, s);
		FUZZ_CHECK(kernel[i](b, b + e) == ref[i](b, b + e),
			   "%s scanner %d differs up to byte %zu", level, i, e);
	}
}

/* One block-transform call of kernel and twin on [s, e): same output,
 * same end, same state. */
static void check_block_call(sg_canon_block_fn fn, const char *level, const uint8_t *b, size_t s,
			     size_t e, uint64_t r)
{
	static const uint64_t helds[4] = {
		0, 1, SG_CANON_BLOCK_MAX_HELD, SG_CANON_BLOCK_MAX_HELD + 1,
	};
	struct sg_relaxed_state st = { helds[r & 3], (r >> 2) & 1, (r >> 3) & 1 }, tw = st;
	size_t room = SG_CANON_BLOCK_ROOM + (size_t)((r >> 8) % 1000);
	const uint8_t *p = b + s, *tp = b + s;
	uint8_t *out = malloc(2 * room), *tout = out + room;
	size_t n, tn;

	if (out == NULL)
		abort();
	n = fn(&st, &p, b + e, out, room);
	tn = sg_simd_scalar_relaxed_block(&tw, &tp, b + e, tout, room);
	FUZZ_CHECK(n == tn && memcmp(out, tout, n) == 0 && p == tp,
		   "%s block transform of [%zu, %zu), room %zu: %zu bytes to %zu, twin %zu to %zu",
		   level, s, e, room, n, (size_t)(p - b), tn, (size_t)(tp - b));
	FUZZ_CHECK(st.pending_crlf == tw.pending_crlf && st.line_empty == tw.line_empty &&
		   st.pending_wsp == tw.pending_wsp,
		   "%s block transform of [%zu, %zu): state differs from the twin's", level, s, e);
	free(out);
}

static void check_blocks(const struct sg_canon_kernels *k, const char *level, const uint8_t *b,
			 size_t size)
{
	size_t s = fuzz_split_point(b, size), e = size - s;
	uint64_t r = seed_of(b, size);

	if (k->relaxed_block == NULL)
		return;
	check_block_call(k->relaxed_block, level, b, s, size, r);
	check_block_call(k->relaxed_block, level, b, 0, e, next_random(&r));
	check_block_call(k->relaxed_block, level, b, 0, size, next_random(&r));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < SG_SIMD_LEVELS; i++)
		fprintf(stderr, "fuzz_simd_canon: %s %s\n", sg_simd_level_name((enum sg_simd_level)i),
			sg_simd_supported((enum sg_simd_level)i) ? "compared" : "not on this CPU");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = fuzz_copy(data, size);	/* exact size: ASan sees over-reads */
	const uint8_t *b = (const uint8_t *)copy;

	for (size_t ci = 0; ci < sizeof(all_canons) / sizeof(all_canons[0]); ci++) {
		struct fuzz_bytes want = { 0 }, want_cut = { 0 };
		uint64_t want_total = run(all_canons[ci], NULL, b, size, false, UINT64_MAX, &want);
		uint64_t limit = size ? (uint64_t)b[size - 1] * 4 : 0;

		run(all_canons[ci], NULL, b, size, false, limit, &want_cut);
		for (int li = 0; li < SG_SIMD_LEVELS; li++) {
			enum sg_simd_level level = (enum sg_simd_level)li;
			const struct sg_canon_kernels *k = sg_simd_select(level);
			struct fuzz_bytes got = { 0 }, got_cut = { 0 };
			uint64_t total;

			if (k == NULL)
				continue;
			total = run(all_canons[ci], k, b, size, true, UINT64_MAX, &got);
			FUZZ_CHECK(fuzz_bytes_equal(&want, &got) && total == want_total,
				   "%s with %s kernels: %zu bytes out, reference %zu",
				   sg_canon_name(all_canons[ci]), sg_simd_level_name(level),
				   got.len, want.len);
			total = run(all_canons[ci], k, b, size, true, limit, &got_cut);
			FUZZ_CHECK(fuzz_bytes_equal(&want_cut, &got_cut) && total == want_total,
				   "%s with %s kernels, limit %llu: %zu bytes out, reference %zu",
				   sg_canon_name(all_canons[ci]), sg_simd_level_name(level),
				   (unsigned long long)limit, got_cut.len, want_cut.len);
			fuzz_bytes_free(&got_cut);
			fuzz_bytes_free(&got);
			total = run(all_canons[ci], k, b, size, false, UINT64_MAX, &got);
			FUZZ_CHECK(fuzz_bytes_equal(&want, &got) && total == want_total,
				   "%s with %s kernels, fed whole: %zu bytes out, reference %zu",
				   sg_canon_name(all_canons[ci]), sg_simd_level_name(level),
				   got.len, want.len);
			fuzz_bytes_free(&got);
			if (ci == 0)
				check_scans(k, sg_simd_level_name(level), b, size);
			if (ci == 1)
				check_blocks(k, sg_simd_level_name(level), b, size);
		}
		fuzz_bytes_free(&want);
		fuzz_bytes_free(&want_cut);
	}
	free(copy);
	return 0;
}
