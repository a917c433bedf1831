/*
 * NAME
 *   test_sd_progress.c - unit tests for dataplane/signetd/sd_progress.c
 *
 * SUMMARY
 *   Rates (no time yet), ETA text (0, rounding up, hours, unknown,
 *   negative, too long), progress lines with a known total (empty, half,
 *   full, more done than the total), narrow terminals (no bar, cut to the
 *   width), watch mode (unknown total), the summary line and the exact
 *   JSON object.
 */
#include <string.h>

#include "testutil.h"

#include "sd_progress.h"

static void test_rate_eta(void **state)
{
	char eta[16];

	(void)state;
	assert_true(sd_rate(10, 0) == 0.0);
	assert_true(sd_rate(10, 2) == 5.0);
	sd_format_eta(0, eta, sizeof(eta));
	assert_string_equal(eta, "0:00:00");
	sd_format_eta(0.2, eta, sizeof(eta));
	assert_string_equal(eta, "0:00:01");
	sd_format_eta(3723, eta, sizeof(eta));
	assert_string_equal(eta, "1:02:03");
	sd_format_eta(-1, eta, sizeof(eta));
	assert_string_equal(eta, "--:--:--");
	sd_format_eta(1e9, eta, sizeof(eta));
	assert_string_equal(eta, "--:--:--");
}

static void test_lines(void **state)
{
	char line[256];

	(void)state;
	sd_progress_line(line, sizeof(line), 0, 200, 0, 80);
	assert_string_equal(line, "[........................................] 0/200   0%  "
			    "0 msg/s  ETA --:--:--");
	sd_progress_line(line, sizeof(line), 100, 200, 2, 80);
	assert_string_equal(line, "[####################....................] 100/200  50%  "
			    "50 msg/s  ETA 0:00:02");
	sd_progress_line(line, sizeof(line), 200, 200, 4, 80);
	assert_string_equal(line, "[########################################] 200/200 100%  "
			    "50 msg/s  ETA 0:00:00");
	sd_progress_line(line, sizeof(line), 250, 200, 5, 80);
	assert_non_null(strstr(line, "250/200 100%"));
	/* narrow: the bar shrinks, then goes */
	sd_progress_line(line, sizeof(line), 100, 200, 2, 60);
	assert_true(strlen(line) <= 60);
	assert_int_equal(line[0], '[');
	sd_progress_line(line, sizeof(line), 100, 200, 2, 30);
	assert_string_equal(line, "100/200  50%  50 msg/s  ETA 0:");
	/* watch mode */
	sd_progress_line(line, sizeof(line), 42, 0, 2, 80);
	assert_string_equal(line, "42 messages  21 msg/s");
	sd_progress_line(line, sizeof(line), 42, 0, 2, 5);
	assert_string_equal(line, "42 me");
}

static void test_summaries(void **state)
{
	struct sd_counts c = { .messages = 10, .signed_ok = 6, .skipped = 2, .failed = 1,
			       .recovered = 1 };
	char out[512];

	(void)state;
	assert_int_equal(sd_counts_finished(&c), 10);
	sd_summary_text(out, sizeof(out), &c, 2.0);
	assert_string_equal(out, "10 messages in 2.00 s (5.0 msg/s): 6 signed, 2 skipped "
			    "(written unsigned), 1 failed, 1 recovered from an earlier run");
	sd_summary_json(out, sizeof(out), &c, 2.0, 3.25, 3);
	assert_string_equal(out, "{\"messages\":10,\"signed\":6,\"skipped\":2,\"failed\":1,"
			    "\"recovered\":1,\"seconds\":2.000000,\"msgs_per_s\":5.000,"
			    "\"cpu_seconds\":3.250000,\"workers\":3}\n");
	memset(&c, 0, sizeof(c));
	sd_summary_json(out, sizeof(out), &c, 0, -1, 1);
	assert_string_equal(out, "{\"messages\":0,\"signed\":0,\"skipped\":0,\"failed\":0,"
			    "\"recovered\":0,\"seconds\":0.000000,\"msgs_per_s\":0.000,"
			    "\"cpu_seconds\":0.000000,\"workers\":1}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_eta),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_summaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
