/*
 * NAME
 *   test_sd_names.c - unit tests for dataplane/signetd/sd_names.c
 *
 * SUMMARY
 *   Which names are inputs (extension case, hidden files, '~', control
 *   bytes, the length limit exactly and one past) and why a *.eml name is
 *   refused (length, control byte; none for inputs and for names that are
 *   not the spool's), printable copies for logs, temp-name
 *   recognition, output candidates (0 is the name, k is STEM~k.EXT, the
 *   last allowed k, past it, buffers exactly large enough and one byte
 *   short), temp and reason names.
 */
#include <string.h>

#include "testutil.h"

#include "sd_names.h"

static void test_inputs(void **state)
{
	char name[SD_NAME_MAX + 2];

	(void)state;
	assert_true(sd_name_is_input("a.eml"));
	assert_true(sd_name_is_input("Campaign 2026-11.EML"));
	assert_true(sd_name_is_input("x.y.Eml"));
	assert_false(sd_name_is_input(".eml"));
	assert_false(sd_name_is_input("a.eml.tmp"));
	assert_false(sd_name_is_input(".hidden.eml"));
	assert_true(sd_name_is_input("a~1.eml"));	/* told apart by content */
	assert_false(sd_name_is_input("tab\t.eml"));
	assert_false(sd_name_is_input("del\x7f.eml"));
	assert_false(sd_name_is_input("eml"));
	assert_false(sd_name_is_input(""));
	assert_false(sd_name_is_input(SD_LOCK_FILE));
	memset(name, 'n', sizeof(name));
	strcpy(name + SD_NAME_MAX - 4, ".eml");		/* exactly SD_NAME_MAX */
	assert_true(sd_name_is_input(name));
	strcpy(name + SD_NAME_MAX - 3, ".eml");		/* one past */
	assert_false(sd_name_is_input(name));
}

static void test_refusal(void **state)
{
	char name[SD_NAME_MAX + 2], out[8];

	(void)state;
	assert_null(sd_name_refusal("a.eml"));
	assert_null(sd_name_refusal("notes.txt"));
	assert_null(sd_name_refusal(".hidden\x01.eml"));
	assert_string_equal(sd_name_refusal("tab\t.eml"), "a control byte in the name");
	assert_string_equal(sd_name_refusal("del\x7f.EML"), "a control byte in the name");
	memset(name, 'n', sizeof(name));
	strcpy(name + SD_NAME_MAX - 3, ".eml");
	assert_string_equal(sd_name_refusal(name), "the name is longer than 200 bytes");
	sd_name_printable("a\tb\x7f\x1b[2J.eml", out, sizeof(out));
	assert_string_equal(out, "a?b??[2");
	sd_name_printable("x", out, 1);
	assert_string_equal(out, "");
}

static void test_tmp(void **state)
{
	char out[SD_NAME_BUF];

	(void)state;
	assert_true(sd_name_tmp("a.eml", 3, out, sizeof(out)));
	assert_string_equal(out, ".signetd-tmp.3.a.eml");
	assert_true(sd_name_is_tmp(out));
	assert_true(sd_name_tmp("a~2.eml", 0, out, sizeof(out)));
	assert_string_equal(out, ".signetd-tmp.0.a~2.eml");
	assert_true(sd_name_tmp("a.eml.reason", 12, out, sizeof(out)));
	assert_string_equal(out, ".signetd-tmp.12.a.eml.reason");
	assert_false(sd_name_tmp("../x.eml", 0, out, sizeof(out)));
	assert_false(sd_name_tmp(".x.eml", 0, out, sizeof(out)));
	assert_false(sd_name_tmp("", 0, out, sizeof(out)));
	assert_false(sd_name_tmp("a.eml", 3, out, strlen(".signetd-tmp.3.a.eml")));
	assert_true(sd_name_tmp("a.eml", 3, out, strlen(".signetd-tmp.3.a.eml") + 1));
	assert_false(sd_name_is_tmp("a.eml"));
	assert_false(sd_name_is_tmp(".signetd-tm"));
}

static void test_candidates(void **state)
{
	char out[SD_NAME_BUF];

	(void)state;
	assert_true(sd_name_candidate("a.eml", 0, out, sizeof(out)));
	assert_string_equal(out, "a.eml");
	assert_true(sd_name_candidate("a.eml", 1, out, sizeof(out)));
	assert_string_equal(out, "a~1.eml");
	assert_true(sd_name_candidate("b.c.EML", 42, out, sizeof(out)));
	assert_string_equal(out, "b.c~42.EML");
	assert_true(sd_name_candidate("a.eml", SD_CANDIDATES_MAX - 1, out, sizeof(out)));
	assert_string_equal(out, "a~99.eml");
	assert_false(sd_name_candidate("a.eml", SD_CANDIDATES_MAX, out, sizeof(out)));
	assert_false(sd_name_candidate("a.txt", 0, out, sizeof(out)));
	assert_false(sd_name_candidate("a.eml", 1, out, 7));	/* "a~1.eml" is 7 */
	assert_true(sd_name_candidate("a.eml", 1, out, 8));
}

static void test_reason(void **state)
{
	char out[SD_NAME_BUF];

	(void)state;
	assert_true(sd_name_reason("a.eml", out, sizeof(out)));
	assert_string_equal(out, "a.eml.reason");
	assert_false(sd_name_reason("a.txt", out, sizeof(out)));
	assert_false(sd_name_reason("a.eml", out, 12));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inputs),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_tmp),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
