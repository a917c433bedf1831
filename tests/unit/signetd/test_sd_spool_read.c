/*
 * NAME
 *   test_sd_spool_read.c - unit tests for dataplane/signetd/sd_spool_read.c:
 *                          the input side of a spool job
 *
 * SUMMARY
 *   With a fake signer (spool_fixture.h) and a real io_uring:
 *     - bad input to .failed/ with the reason: empty, not a message, too
 *       big, a symbolic link, a folder; killed after the reason file of a
 *       bad input but before the move: moved, reason rewritten;
 *     - the probe: the output renamed but the input not retired (a crash
 *       point) is recognised, retired and not signed again (LF and CRLF
 *       forms); an unrelated older output of the same name and one that
 *       holds neither: the next free candidate, the old ones untouched;
 *     - the byte budget limits the jobs held at once (depth otherwise).
 */
#include <sys/stat.h>

#include "spool_fixture.h"
#include "sd_spool_internal.h"

static void test_crash_after_rename(void **state)
{
	struct fx *fx = fx_new(state);
	char out[256];

	(void)state;
	fx_put(fx, "in/a.eml", CRLF_MSG);
	snprintf(out, sizeof(out), FX_FIELD "%zu\r\n%s", strlen(CRLF_MSG), CRLF_MSG);
	fx_put(fx, "out/a.eml", out);
	fx_put(fx, "in/b.eml", LF_MSG);
	snprintf(out, sizeof(out), FX_FIELD "%zu\n%s", strlen(LF_MSG) + 4, LF_MSG);
	fx_put(fx, "out/b.eml", out);
	fx_put(fx, "in/c.eml", NOKEY_MSG);	/* unsigned output: the input itself */
	fx_put(fx, "out/c.eml", NOKEY_MSG);
	fx_run(fx, "a.eml", "b.eml", "c.eml");
	assert_int_equal(fx_result(fx, "a.eml"), SD_JOB_RECOVERED);
	assert_int_equal(fx_result(fx, "b.eml"), SD_JOB_RECOVERED);
	assert_int_equal(fx_result(fx, "c.eml"), SD_JOB_RECOVERED);
	assert_int_equal(fx->submitted, 0);			/* not signed again */
	assert_string_equal(fx_list(fx, "out"), "a.eml b.eml c.eml");
	assert_string_equal(fx_list(fx, "in/.done"), "a.eml b.eml c.eml");
	assert_signed_output(fx, "out/a.eml", CRLF_MSG, false);
	fx_free(fx);
}

static void test_unrelated_older_outputs(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx_put(fx, "in/a.eml", CRLF_MSG);
	fx_put(fx, "out/a.eml", FX_FIELD "1\r\nFrom: someone@else\r\n\r\nold\r\n");
	fx_put(fx, "out/a~1.eml", "not a signed copy of anything");
	fx_run(fx, "a.eml");
	assert_int_equal(fx_result(fx, "a.eml"), SD_JOB_SIGNED);
	assert_string_equal(fx_job(fx, "a.eml")->output, "a~2.eml");
	assert_signed_output(fx, "out/a~2.eml", CRLF_MSG, false);
	{
		size_t len;
		char *old = fx_read(fx, "out/a~1.eml", &len);

		assert_string_equal(old, "not a signed copy of anything");
		free(old);
	}
	fx_free(fx);
}

static void test_bad_input(void **state)
{
	struct fx *fx = fx_new(state);
	char big[5000], path[512];

	(void)state;
	fx_put(fx, "in/empty.eml", "");
	fx_put(fx, "in/prose.eml", "Dear friend\n");
	memset(big, 'x', sizeof(big));
	memcpy(big, "From: a@b\n\n", 11);
	fx_write(fx, "in/big.eml", big, sizeof(big));		/* max_size is 4096 */
	fx_path(fx, "in/dir.eml", path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
	fx_put(fx, "target", CRLF_MSG);
	fx_path(fx, "in/link.eml", path, sizeof(path));
	assert_int_equal(symlink("../target", path), 0);
	/* killed after the reason file of an earlier attempt, before the move */
	fx_open_worker(fx);
	fx_put(fx, "in/.failed/prose.eml.reason", "stale reason\n");
	fx_run(fx, "empty.eml", "prose.eml", "big.eml", "dir.eml", "link.eml");
	assert_failed_with(fx, "empty.eml", "not a message: the file is empty");
	assert_failed_with(fx, "prose.eml", "not a message: line 1 byte 5 (0x20)");
	assert_failed_with(fx, "big.eml", "too big: 5000 bytes, the limit is 4096");
	assert_failed_with(fx, "dir.eml", "not a regular file");
	assert_failed_with(fx, "link.eml", "cannot open: it is a symbolic link");
	assert_string_equal(fx_list(fx, "in"), ".done .failed");
	assert_string_equal(fx_list(fx, "out"), "");
	assert_true(fx_exists(fx, "target"));
	assert_int_equal(fx->submitted, 0);
	fx_free(fx);
}

static void test_byte_budget(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx->budget = 2 * strlen(CRLF_MSG);	/* two messages' worth */
	fx_run_six(fx, 5);
	/* the bound, not an exact count: reads complete in io_uring's own
	 * time, so the signer may hold fewer at its fullest */
	assert_in_range(fx->max_pending, 1, 2);
	fx_free(fx);
	fx = fx_new(state);
	fx_run_six(fx, 40);			/* the default: depth (4) limits */
	assert_int_equal(fx->max_pending, 4);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_after_rename),
		FX_IN_MEMORY_TEST(test_crash_after_rename),
		cmocka_unit_test(test_unrelated_older_outputs),
		FX_IN_MEMORY_TEST(test_unrelated_older_outputs),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_byte_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
