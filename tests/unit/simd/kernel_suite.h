/*
 * NAME
 *   kernel_suite.h - the tests every scan kernel level must pass (shared by
 *                    test_canon_scalar.c, test_canon_avx2.c, test_canon_avx512.c)
 *
 * SUMMARY
 *   ks_run(level, file) runs, for the kernel table of level:
 *     - stops equal to the scalar twin's for every start and end of bodies
 *       built around the 32/64-byte step boundaries (WSP runs of 1..100
 *       bytes that begin, end or sit across a boundary; each line-end
 *       shape: CRLF, empty lines, lone CR, lone LF, SP/HTAB before CRLF,
 *       CR SP LF, NUL, 8-bit bytes) and of random bodies;
 *     - canonical output equal to the engine's built-in scanners for all
 *       four canonicalizations, whole and in random chunkings (CRLF and
 *       WSP runs cut by chunk ends), on the same bodies, the empty body,
 *       bodies of only empty lines, and an 8 MiB body;
 *     - every scan reads only inside [p, end) (guard pages, st_guarded);
 *     - for a level with a relaxed block transform, block_suite.h.
 *   A level the CPU lacks is skipped: the whole file exits 77.
 */
#ifndef SIGNET_KERNEL_SUITE_H
#define SIGNET_KERNEL_SUITE_H

#include "simd_testutil.h"
#include "block_suite.h"

static const size_t ks_offsets[] = { 0, 1, 2, 3, 29, 30, 31, 32, 33, 34, 61, 62, 63, 64, 65, 66,
				     95, 96, 97, 127, 128, 129 };
#define KS_NOFFSETS (sizeof(ks_offsets) / sizeof(ks_offsets[0]))

static const size_t ks_runs[] = { 1, 2, 3, 30, 31, 32, 33, 34, 63, 64, 65, 66, 100 };
#define KS_NRUNS (sizeof(ks_runs) / sizeof(ks_runs[0]))

static const struct sg_canon_kernels *ks_kernels(void **state)
{
	const struct sg_canon_kernels *k = *state;

	assert_non_null(k);
	return k;
}

/* WSP runs of each length starting at each offset, SP / HTAB / mixed. */
static void ks_wsp_runs(void **state)
{
	const struct sg_canon_kernels *k = ks_kernels(state);
	struct st_body b;

	for (size_t oi = 0; oi < KS_NOFFSETS; oi++) {
		for (size_t ri = 0; ri < KS_NRUNS; ri++) {
			for (int kind = 0; kind < 3; kind++) {
				st_wsp_body(&b, ks_offsets[oi], ks_runs[ri], kind);
				st_expect_same_scans(k, (const uint8_t *)b.text, b.len, 3, 1,
						     "wsp run");
				st_expect_same_output(k, (const uint8_t *)b.text, b.len, 3,
						      "wsp run");
			}
		}
	}
}

/* Each line-end shape at each offset, with and without text after it. */
static void ks_line_shapes(void **state)
{
	const struct sg_canon_kernels *k = ks_kernels(state);
	struct st_body b;

	for (size_t oi = 0; oi < KS_NOFFSETS; oi++) {
		for (size_t si = 0; si < ST_NSHAPES; si++) {
			for (int tail = 0; tail < 2; tail++) {
				st_shape_body(&b, ks_offsets[oi], si, tail);
				st_expect_same_scans(k, (const uint8_t *)b.text, b.len, 1, 1,
						     "line shape");
				st_expect_same_output(k, (const uint8_t *)b.text, b.len, 4,
						      "line shape");
			}
		}
	}
}

/* k letters, a line-end shape, 200 letters: the shape's bytes fall on
 * every lane of a step and a step boundary, with a long run after it (a
 * copied CRLF's LF on lane 0 of the next step). Scans from bytes 0 and 1
 * to every end. */
static void ks_shapes_in_long_runs(void **state)
{
	const struct sg_canon_kernels *k = ks_kernels(state);
	char body[400];

	for (size_t off = 0; off <= 140; off++) {
		for (size_t si = 0; si < ST_NSHAPES; si++) {
			const struct st_shape *sh = &st_line_shapes[si];
			size_t at = st_fill(body, 0, 'a', off);

			memcpy(body + at, sh->bytes, sh->len);
			at = st_fill(body, at + sh->len, 'b', 200);
			st_expect_same_scans(k, (const uint8_t *)body, at, at + 1, 1,
					     "shape in a long run");
			st_expect_same_scans(k, (const uint8_t *)body + 1, at - 1, at, 1,
					     "shape in a long run, from byte 1");
		}
	}
}

/* Empty body, only empty lines, only WSP lines, a lone CR or LF. */
static void ks_degenerate_bodies(void **state)
{
	static const char *const bodies[] = { "", "\r\n", "\r\n\r\n\r\n", "\r", "\n", " ",
					      "\t", " \r\n \r\n\t\r\n", "\r\r\r", "\n\n\n" };
	const struct sg_canon_kernels *k = ks_kernels(state);
	uint8_t many[300];

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		size_t n = strlen(bodies[i]);

		st_expect_same_scans(k, (const uint8_t *)bodies[i], n, 1, 1, bodies[i]);
		st_expect_same_output(k, (const uint8_t *)bodies[i], n, 4, bodies[i]);
	}
	for (size_t i = 0; i < sizeof(many); i++)
		many[i] = i % 2 ? '\n' : '\r';
	st_expect_same_scans(k, many, sizeof(many), 1, 1, "150 empty lines");
	st_expect_same_output(k, many, sizeof(many), 8, "150 empty lines");
	for (size_t i = 0; i < sizeof(many); i++)
		many[i] = i % 3 == 2 ? '\n' : i % 3 == 1 ? '\r' : ' ';
	st_expect_same_scans(k, many, sizeof(many), 1, 1, "100 SP-only lines");
	st_expect_same_output(k, many, sizeof(many), 8, "100 SP-only lines");
}

/* Random text-like and byte-soup bodies of 1..3000 bytes. */
static void ks_random_bodies(void **state)
{
	const struct sg_canon_kernels *k = ks_kernels(state);
	uint8_t *buf = malloc(3000);
	uint64_t seed = 0x5eed;

	assert_non_null(buf);
	for (int i = 0; i < 300; i++) {
		size_t len = 1 + (size_t)(st_next(&seed) % 3000);

		st_random_body(buf, len, st_next(&seed), (enum st_kind)(i % 3));
		st_expect_same_scans(k, buf, len, 1, 211, "random body");
		st_expect_same_output(k, buf, len, 6, "random body");
	}
	free(buf);
}

/* 8 MiB of text-like body: whole and in random chunks. */
static void ks_huge_body(void **state)
{
	const struct sg_canon_kernels *k = ks_kernels(state);
	size_t len = 8u << 20;
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	st_random_body(buf, len, 0xb16b0d1e5ULL, ST_TEXT);
	st_expect_same_output(k, buf, len, 2, "8 MiB body");
	free(buf);
}

static int ks_run(enum sg_simd_level level, const char *file)
{
	const struct sg_canon_kernels *k = sg_simd_select(level);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(ks_wsp_runs, (void *)k),
		cmocka_unit_test_prestate(ks_line_shapes, (void *)k),
		cmocka_unit_test_prestate(ks_shapes_in_long_runs, (void *)k),
		cmocka_unit_test_prestate(ks_degenerate_bodies, (void *)k),
		cmocka_unit_test_prestate(ks_random_bodies, (void *)k),
		cmocka_unit_test_prestate(ks_huge_body, (void *)k),
		cmocka_unit_test_prestate(bs_rules, (void *)k),
		cmocka_unit_test_prestate(bs_against_twin, (void *)k),
		cmocka_unit_test_prestate(bs_bodies, (void *)k),
		cmocka_unit_test_prestate(bs_split_bodies, (void *)k),
	};

	if (k == NULL) {
		printf("SKIP: %s: this CPU (or OS) lacks %s\n", file, sg_simd_level_name(level));
		return 77;
	}
	return cmocka_run_group_tests_name(sg_simd_level_name(level), tests, NULL, NULL);
}

#endif
