/*
 * NAME
 *   test_status.c - unit tests for dataplane/dkim/status.c
 *
 * SUMMARY
 *   sg_error_set with a NULL record (returns the code, nothing written),
 *   every field filled, printf formatting, truncation at the message size
 *   with a NUL kept, reuse of a record; sg_error_clear (NULL-safe, zeroes);
 *   sg_err_name gives a distinct non-empty name for every code and
 *   "unknown" outside the enum.
 */
#include "testutil.h"

#include "status.h"

static void test_set_null_record(void **state)
{
	(void)state;
	assert_int_equal(sg_error_set(NULL, SG_E_SYNTAX, 3, 7, "x %d", 1), SG_E_SYNTAX);
	assert_int_equal(sg_error_set(NULL, SG_OK, 0, 0, "%s", ""), SG_OK);
}

static void test_set_fills_every_field(void **state)
{
	struct sg_error e;

	(void)state;
	memset(&e, 0xAA, sizeof(e));
	assert_int_equal(sg_error_set(&e, SG_E_LIMIT, 12, UINT64_MAX, "line %u: %s", 12u, "long"),
			 SG_E_LIMIT);
	assert_int_equal(e.code, SG_E_LIMIT);
	assert_int_equal(e.line, 12);
	assert_true(e.offset == UINT64_MAX);
	assert_string_equal(e.msg, "line 12: long");
}

static void test_set_truncates_long_message(void **state)
{
	struct sg_error e;
	char big[1000];

	(void)state;
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sg_error_set(&e, SG_E_ARG, 0, 0, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	assert_int_equal(e.msg[0], 'q');
	/* exactly fitting: 255 characters stay whole */
	big[sizeof(e.msg) - 1] = '\0';
	sg_error_set(&e, SG_E_ARG, 0, 0, "%s", big);
	assert_string_equal(e.msg, big);
}

static void test_set_overwrites_previous(void **state)
{
	struct sg_error e;

	(void)state;
	sg_error_set(&e, SG_E_SYNTAX, 9, 99, "a rather long first message");
	sg_error_set(&e, SG_E_IO, 1, 2, "short");
	assert_int_equal(e.code, SG_E_IO);
	assert_int_equal(e.line, 1);
	assert_int_equal(e.offset, 2);
	assert_string_equal(e.msg, "short");
}

static void test_clear(void **state)
{
	struct sg_error e;

	(void)state;
	sg_error_clear(NULL);
	sg_error_set(&e, SG_E_KEY, 5, 6, "bad key");
	sg_error_clear(&e);
	assert_int_equal(e.code, SG_OK);
	assert_int_equal(e.line, 0);
	assert_int_equal(e.offset, 0);
	assert_string_equal(e.msg, "");
}

static void test_err_names(void **state)
{
	static const enum sg_err all[] = {
		SG_OK, SG_E_NOMEM, SG_E_LIMIT, SG_E_SYNTAX, SG_E_ARG, SG_E_STATE,
		SG_E_IO, SG_E_KEY, SG_E_CRYPTO, SG_E_UNSUPPORTED,
	};
	const size_t n = sizeof(all) / sizeof(all[0]);

	(void)state;
	assert_string_equal(sg_err_name(SG_OK), "ok");
	assert_string_equal(sg_err_name(SG_E_SYNTAX), "syntax");
	for (size_t i = 0; i < n; i++) {
		const char *a = sg_err_name(all[i]);

		assert_non_null(a);
		assert_true(strlen(a) > 0);
		assert_string_not_equal(a, "unknown");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(a, sg_err_name(all[j]));
	}
	assert_string_equal(sg_err_name((enum sg_err)(SG_E_UNSUPPORTED + 1)), "unknown");
	assert_string_equal(sg_err_name((enum sg_err)-1), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_null_record),
		cmocka_unit_test(test_set_fills_every_field),
		cmocka_unit_test(test_set_truncates_long_message),
		cmocka_unit_test(test_set_overwrites_previous),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_err_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
