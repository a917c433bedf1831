/*
 * NAME
 *   test_simd_dispatch.c - unit tests for dataplane/simd/simd_dispatch.c
 *
 * SUMMARY
 *   Level names and their parsing ("auto" = best), the scalar level always
 *   there, and the CPUID/XGETBV verdicts checked against the compiler's own
 *   detection (__builtin_cpu_supports, which also checks the OS state): a
 *   table is handed out exactly for the supported levels, the best level
 *   is supported with nothing better supported, AVX-512 implies AVX2.
 */
#include <stdbool.h>

#include "testutil.h"

#include "simd.h"
#include "simd_internal.h"

static void names_round_trip(void **state)
{
	enum sg_simd_level got;

	(void)state;
	assert_string_equal(sg_simd_level_name(SG_SIMD_SCALAR), "scalar");
	assert_string_equal(sg_simd_level_name(SG_SIMD_AVX2), "avx2");
	assert_string_equal(sg_simd_level_name(SG_SIMD_AVX512), "avx512");
	assert_string_equal(sg_simd_level_name((enum sg_simd_level)7), "unknown");
	for (int i = 0; i < SG_SIMD_LEVELS; i++) {
		assert_true(sg_simd_level_parse(sg_simd_level_name((enum sg_simd_level)i), &got));
		assert_int_equal(got, i);
	}
	assert_true(sg_simd_level_parse("auto", &got));
	assert_int_equal(got, sg_simd_best_level());
	got = SG_SIMD_AVX512;
	assert_false(sg_simd_level_parse("AVX2", &got));
	assert_false(sg_simd_level_parse("", &got));
	assert_false(sg_simd_level_parse("sse4", &got));
	assert_false(sg_simd_level_parse("avx5120", &got));
	assert_int_equal(got, SG_SIMD_AVX512);	/* untouched on failure */
}

static void scalar_always(void **state)
{
	const struct sg_canon_kernels *k = sg_simd_select(SG_SIMD_SCALAR);

	(void)state;
	assert_true(sg_simd_supported(SG_SIMD_SCALAR));
	assert_ptr_equal(k, &sg_simd_kernels_scalar);
	assert_non_null(k->simple);
	assert_non_null(k->relaxed);
	assert_non_null(k->nofws);
	assert_false(sg_simd_supported((enum sg_simd_level)7));
	assert_null(sg_simd_select((enum sg_simd_level)7));
}

static bool compiler_says(enum sg_simd_level level)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (level == SG_SIMD_AVX2)
		return __builtin_cpu_supports("avx2");
	if (level == SG_SIMD_AVX512)
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl");
#endif
	return level == SG_SIMD_SCALAR;
}

static void cpu_verdicts(void **state)
{
	(void)state;
	for (int i = 0; i < SG_SIMD_LEVELS; i++) {
		enum sg_simd_level level = (enum sg_simd_level)i;
		const struct sg_canon_kernels *k = sg_simd_select(level);

		printf("# %s: %s\n", sg_simd_level_name(level),
		       sg_simd_supported(level) ? "supported" : "not supported");
		assert_int_equal(sg_simd_supported(level), compiler_says(level));
		if (sg_simd_supported(level)) {
			assert_non_null(k);
			assert_non_null(k->simple);
			assert_non_null(k->relaxed);
			assert_non_null(k->nofws);
		} else {
			assert_null(k);
		}
	}
	if (sg_simd_supported(SG_SIMD_AVX512))
		assert_true(sg_simd_supported(SG_SIMD_AVX2));
	assert_ptr_equal(sg_simd_select(SG_SIMD_AVX2) != NULL ? sg_simd_select(SG_SIMD_AVX2) :
			 &sg_simd_kernels_avx2, &sg_simd_kernels_avx2);
}

static void best_is_highest(void **state)
{
	enum sg_simd_level best = sg_simd_best_level();

	(void)state;
	assert_true(sg_simd_supported(best));
	for (int i = (int)best + 1; i < SG_SIMD_LEVELS; i++)
		assert_false(sg_simd_supported((enum sg_simd_level)i));
	assert_ptr_equal(sg_simd_best(), sg_simd_select(best));
	assert_non_null(sg_simd_best());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(scalar_always),
		cmocka_unit_test(cpu_verdicts),
		cmocka_unit_test(best_is_highest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
