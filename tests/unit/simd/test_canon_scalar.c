/*
 * NAME
 *   test_canon_scalar.c - unit tests for dataplane/simd/canon_scalar.c
 *
 * SUMMARY
 *   The scalar twin against the rules of canon.h, stop by stop, on
 *   hand-made bodies (every clause of every rule: run-start SP and CR,
 *   SP/HTAB/CR after SP, CRLF followed by content, WSP or CR, the last one
 *   and two bytes, bare CR and LF), the _from entry points resumed in the
 *   middle of a run, then kernel_suite.h: the canonical bytes the twin
 *   gives equal the engine's built-in scanners' on every edge and random
 *   body and chunking.
 */
#include "kernel_suite.h"

struct stop_case {
	const char *body;
	size_t len;
	size_t stop;
};
#define CASE(s, stop) { s, sizeof(s) - 1, stop }

static void expect_stops(sg_canon_scan_fn scan, const struct stop_case *cases, size_t n,
			 const char *rule)
{
	for (size_t i = 0; i < n; i++) {
		struct st_guard g;
		const uint8_t *b = st_guarded(cases[i].body, cases[i].len, &g);
		size_t got = (size_t)(scan(b, b + cases[i].len) - b);

		if (got != cases[i].stop)
			fail_msg("%s \"%s\": stop at %zu, expected %zu", rule,
				 tu_escaped(cases[i].body, cases[i].len), got, cases[i].stop);
		st_unguard(&g);
	}
}

static void simple_rule(void **state)
{
	static const struct stop_case cases[] = {
		CASE("", 0), CASE("abc", 3), CASE("ab\r", 2), CASE("ab\r\n", 2),
		CASE("ab\r\ncd", 6), CASE("ab\r\n\r\n", 2), CASE("a\rb", 3), CASE("\r\r\n", 1),
		CASE("\r\nx\r\ny\r\n", 6), CASE("a\nb\n\n", 5), CASE("\r\n\r", 0),
		CASE("x\r\n\rz", 1), CASE("\0\x80\r\n\xff", 5),
	};

	(void)state;
	expect_stops(sg_simd_kernels_scalar.simple, cases, sizeof(cases) / sizeof(cases[0]),
		     "simple");
}

static void relaxed_rule(void **state)
{
	static const struct stop_case cases[] = {
		CASE("", 0), CASE(" a", 0), CASE("a b", 3), CASE("a  b", 1), CASE("a \tb", 1),
		CASE("a\tb", 1), CASE("a \r\n", 1), CASE("ab\r\ncd", 6), CASE("\r\nab", 0),
		CASE("ab\r\n cd", 2), CASE("ab\r\n\tc", 2), CASE("ab\r\n", 2), CASE("ab\r\nc", 5),
		CASE("ab\rc", 2), CASE("ab ", 2), CASE("ab\r\n\r\n", 2), CASE("a b c d", 7),
		CASE("a\r\n\nb", 5), CASE("\tx", 0), CASE("a \rb", 1),
	};

	(void)state;
	expect_stops(sg_simd_kernels_scalar.relaxed, cases, sizeof(cases) / sizeof(cases[0]),
		     "relaxed");
}

static void nofws_rule(void **state)
{
	static const struct stop_case cases[] = {
		CASE("", 0), CASE("ab", 2), CASE("a b", 1), CASE("a\tb", 1), CASE("\nab", 0),
		CASE("ab\r\ncd", 6), CASE("\r\nab", 4), CASE("ab\r\n", 2), CASE("ab\r\n\r\n", 2),
		CASE("ab\n", 2), CASE("ab\r\n cd", 2), CASE("a\rb", 1), CASE("ab\r\n\n", 2),
		CASE("a\r\nb\r\nc", 7), CASE("a\r", 1), CASE("a\r\n", 1), CASE("a\r \n", 1),
	};

	(void)state;
	expect_stops(sg_simd_kernels_scalar.nofws, cases, sizeof(cases) / sizeof(cases[0]),
		     "nofws");
}

/* Resumed at q, the rules still see the run start p: a SP or CR at q > p is
 * not a run start, and nofws knows the CRLF before q was copied. */
static void resume_in_run(void **state)
{
	static const char text[] = "ab cd\r\nef\r\n\r\n";
	const uint8_t *b = (const uint8_t *)text, *end = b + sizeof(text) - 1;

	(void)state;
	assert_ptr_equal(sg_simd_scalar_relaxed_from(b, b + 2, end), b + 9);
	assert_ptr_equal(sg_simd_scalar_relaxed_from(b + 2, b + 2, end), b + 2);
	assert_ptr_equal(sg_simd_scalar_relaxed_from(b, b + 5, end), b + 9);
	assert_ptr_equal(sg_simd_scalar_nofws_from(b + 3, b + 6, end), b + 9);
	assert_ptr_equal(sg_simd_scalar_nofws_from(b + 6, b + 6, end), b + 6);
	assert_ptr_equal(sg_simd_scalar_simple_from(b, b + 6, end), b + 9);
	assert_ptr_equal(sg_simd_scalar_simple_from(b, end, end), end);
}

int main(void)
{
	const struct CMUnitTest rules[] = {
		cmocka_unit_test(simple_rule),
		cmocka_unit_test(relaxed_rule),
		cmocka_unit_test(nofws_rule),
		cmocka_unit_test(resume_in_run),
	};
	int failed = cmocka_run_group_tests_name("scalar rules", rules, NULL, NULL);

	return failed | ks_run(SG_SIMD_SCALAR, "test_canon_scalar");
}
