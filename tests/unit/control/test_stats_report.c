/*
 * NAME
 *   test_stats_report.c - unit tests for control/stats/stats_report.c
 *                         (signing_stats, signing_stats DOMAIN, reset,
 *                         summary)
 *
 * SUMMARY
 *   Commands are matched from argv by the real command table, as the
 *   daemon does. The column names and kinds are pinned (signetctl --json
 *   keys depend on them). Global: the "all" rows per kind, then workers
 *   by id with only the kinds they saw, the "(other)" worker, the message
 *   (since, rows in use, overflow). Per domain: case and trailing dot
 *   folded, rows by kind then selector, percentiles, an unknown domain,
 *   a bad one. Reset: the message and zeros afterwards. Another command is
 *   refused. Summary: its rows into a new or an existing two-column table,
 *   a table of another shape refused. The JSON of a table carries the
 *   numbers as numbers.
 */
#include "testutil.h"

#include "stats.h"
#include "stats_helpers.h"

static const char *const global_cols[] = {
	"scope", "kind", "processed", "signed", "failed", "skipped_no_key",
	"skipped_condition", "skipped_disabled", "bytes", "avg_sign_us", "p50_us",
	"p90_us", "p99_us",
};

static void match(struct sg_cmd_params *p, size_t argc, const char *const *argv)
{
	char why[256];

	if (!sg_command_match(argc, argv, p, why, sizeof(why)))
		fail_msg("command not matched: %s", why);
}

static void run(struct sg_stats *s, size_t argc, const char *const *argv, struct sg_table *t)
{
	struct sg_cmd_params p;
	struct sg_error err;

	match(&p, argc, argv);
	sg_error_clear(&err);
	if (sg_stats_command(s, &p, t, &err) != SG_OK)
		fail_msg("command failed: %s", err.msg);
}

static const char *cell(const struct sg_table *t, size_t row, const char *col)
{
	assert_true(row < t->nrows);
	for (size_t c = 0; c < t->ncols; c++) {
		if (strcmp(t->col_name[c], col) == 0)
			return t->cells[row * t->ncols + c];
	}
	fail_msg("no column %s", col);
	return NULL;
}

static struct sg_stats *populated(void)
{
	struct sg_stats *s;
	struct sg_stats_delta d[] = {
		th_signed(3, SG_KIND_DKIM, "example.com", "s2", 10, 100),
		th_signed(1, SG_KIND_DKIM, "example.com", "s1", 20, 50),
		th_signed(1, SG_KIND_DOMAINKEYS, "example.com", "s1", 5, 1000),
		th_signed(1, SG_KIND_DKIM, "example.org", "s1", 1, 10),
	};

	assert_int_equal(sg_stats_new(&s), SG_OK);
	d[0].failed = 2;
	d[0].processed = 15;
	d[0].skipped[SG_SKIP_NO_KEY] = 3;
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		assert_int_equal(sg_stats_add(s, &d[i]), SG_OK);
	return s;
}

static void test_global(void **state)
{
	const char *argv[] = { "signing_stats" };
	struct sg_stats *s = populated();
	struct sg_table t;

	(void)state;
	run(s, 1, argv, &t);
	assert_string_equal(t.title, "signing_stats");
	assert_int_equal(t.ncols, 13);
	for (size_t c = 0; c < t.ncols; c++) {
		assert_string_equal(t.col_name[c], global_cols[c]);
		assert_int_equal(t.col_kind[c], c < 2 ? SG_COL_TEXT : SG_COL_INT);
	}
	/* all/dkim, all/domainkeys, worker:1 dkim, worker:1 domainkeys, worker:3 dkim */
	assert_int_equal(t.nrows, 5);
	assert_string_equal(cell(&t, 0, "scope"), "all");
	assert_string_equal(cell(&t, 0, "kind"), "dkim");
	assert_string_equal(cell(&t, 0, "processed"), "36");
	assert_string_equal(cell(&t, 0, "signed"), "31");
	assert_string_equal(cell(&t, 0, "failed"), "2");
	assert_string_equal(cell(&t, 0, "skipped_no_key"), "3");
	assert_string_equal(cell(&t, 0, "bytes"), "31000");
	assert_string_equal(cell(&t, 1, "kind"), "domainkeys");
	assert_string_equal(cell(&t, 1, "signed"), "5");
	assert_string_equal(cell(&t, 1, "avg_sign_us"), "1000");
	assert_string_equal(cell(&t, 1, "p50_us"), "640");	/* all in (256, 1024] */
	assert_string_equal(cell(&t, 2, "scope"), "worker:1");
	assert_string_equal(cell(&t, 2, "signed"), "21");
	assert_string_equal(cell(&t, 3, "scope"), "worker:1");
	assert_string_equal(cell(&t, 3, "kind"), "domainkeys");
	assert_string_equal(cell(&t, 4, "scope"), "worker:3");
	assert_string_equal(cell(&t, 4, "processed"), "15");
	assert_non_null(strstr(t.message, "counters since "));
	assert_non_null(strstr(t.message, "4 of 100000 domain/selector rows in use"));
	assert_null(strstr(t.message, "(other)"));
	sg_table_free(&t);
	sg_stats_free(s);
}

static void test_global_empty_and_overflow(void **state)
{
	const char *argv[] = { "signing_stats" };
	struct sg_stats *s;
	struct sg_stats_delta d = th_signed(4, SG_KIND_DKIM, "a.example", "s", 1, 1);
	struct sg_table t;

	(void)state;
	assert_int_equal(sg_stats_new(&s), SG_OK);
	run(s, 1, argv, &t);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(cell(&t, 0, "processed"), "0");
	assert_string_equal(cell(&t, 1, "p99_us"), "0");
	sg_table_free(&t);
	sg_stats_set_limits(s, 1, 1);
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
	d = th_signed(5, SG_KIND_DKIM, "b.example", "s", 2, 1);
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
	run(s, 1, argv, &t);
	assert_int_equal(t.nrows, 4);
	assert_string_equal(cell(&t, 3, "scope"), "worker:(other)");
	assert_string_equal(cell(&t, 3, "signed"), "2");
	assert_non_null(strstr(t.message, "; 1 updates counted under (other) (table full)"));
	sg_table_free(&t);
	{	/* the overflow rows can be asked for by their name */
		const char *dom[] = { "signing_stats", "b.example" };
		struct sg_cmd_params p;
		struct sg_error err;

		run(s, 2, dom, &t);
		assert_int_equal(t.nrows, 0);
		assert_string_equal(t.message, "no signing statistics for b.example (the table is "
					       "full: new domains are counted under (other))");
		sg_table_free(&t);
		match(&p, 2, dom);
		strcpy(p.domain, SG_STATS_OTHER);
		assert_int_equal(sg_stats_command(s, &p, &t, &err), SG_OK);
		assert_int_equal(t.nrows, 1);
		assert_string_equal(cell(&t, 0, "selector"), SG_STATS_OTHER);
		assert_string_equal(cell(&t, 0, "signed"), "2");
		sg_table_free(&t);
	}
	sg_stats_free(s);
}

static void test_domain(void **state)
{
	const char *argv[] = { "signing_stats", "Example.COM" };
	struct sg_stats *s = populated();
	struct sg_cmd_params p;
	struct sg_error err;
	struct sg_table t;

	(void)state;
	match(&p, 2, argv);
	strcpy(p.domain, "example.com.");	/* the matcher refuses it; the dot is dropped here */
	assert_int_equal(sg_stats_command(s, &p, &t, &err), SG_OK);
	assert_string_equal(t.title, "signing_stats example.com");
	assert_int_equal(t.nrows, 3);
	sg_table_free(&t);
	run(s, 2, argv, &t);
	assert_string_equal(t.title, "signing_stats example.com");
	assert_int_equal(t.ncols, 13);
	assert_string_equal(t.col_name[0], "kind");
	assert_string_equal(t.col_name[1], "selector");
	for (size_t c = 2; c < t.ncols; c++)
		assert_string_equal(t.col_name[c], global_cols[c]);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(cell(&t, 0, "kind"), "dkim");
	assert_string_equal(cell(&t, 0, "selector"), "s1");
	assert_string_equal(cell(&t, 0, "signed"), "20");
	assert_string_equal(cell(&t, 0, "p50_us"), "40");	/* (16, 64]: 16 + 48/2 */
	assert_string_equal(cell(&t, 1, "selector"), "s2");
	assert_string_equal(cell(&t, 1, "failed"), "2");
	assert_string_equal(cell(&t, 2, "kind"), "domainkeys");
	assert_string_equal(t.message, "");
	sg_table_free(&t);
	sg_stats_free(s);
}

static void test_domain_unknown_and_bad(void **state)
{
	const char *argv[] = { "signing_stats", "nowhere.example" };
	struct sg_stats *s = populated();
	struct sg_cmd_params p;
	struct sg_error err;
	struct sg_table t;

	(void)state;
	run(s, 2, argv, &t);
	assert_int_equal(t.nrows, 0);
	assert_string_equal(t.message, "no signing statistics for nowhere.example");
	sg_table_free(&t);
	match(&p, 2, argv);
	strcpy(p.domain, "bad\x01name");
	assert_int_equal(sg_stats_command(s, &p, &t, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "signing_stats: bad domain: byte 0x01 at offset 3"));
	sg_table_free(&t);
	strcpy(p.domain, ".");
	assert_int_equal(sg_stats_command(s, &p, &t, &err), SG_E_ARG);
	sg_table_free(&t);
	sg_stats_free(s);
}

static void test_reset(void **state)
{
	const char *reset[] = { "signing_stats", "reset" };
	const char *global[] = { "signing_stats" };
	struct sg_stats *s = populated();
	struct sg_table t;

	(void)state;
	run(s, 2, reset, &t);
	assert_string_equal(t.title, "signing_stats reset");
	assert_int_equal(t.ncols, 0);
	assert_string_equal(t.message, "signing statistics reset (4 domain/selector rows dropped)");
	sg_table_free(&t);
	run(s, 1, global, &t);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(cell(&t, 0, "processed"), "0");
	assert_string_equal(cell(&t, 1, "processed"), "0");
	sg_table_free(&t);
	sg_stats_free(s);
}

static void test_other_command(void **state)
{
	const char *argv[] = { "version" };
	struct sg_stats *s = populated();
	struct sg_cmd_params p;
	struct sg_error err;
	struct sg_table t;

	(void)state;
	match(&p, 1, argv);
	sg_table_init(&t, NULL);
	assert_int_equal(sg_stats_command(s, &p, &t, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "not a signing_stats command"));
	sg_table_free(&t);
	sg_stats_free(s);
}

static const char *summary_value(const struct sg_table *t, const char *name)
{
	for (size_t r = 0; r < t->nrows; r++) {
		if (strcmp(t->cells[r * 2], name) == 0)
			return t->cells[r * 2 + 1];
	}
	fail_msg("no summary row %s", name);
	return NULL;
}

static void test_summary(void **state)
{
	struct sg_stats *s = populated();
	struct sg_table t;
	const char *keys_row[] = { "keys_cached", "2" };

	(void)state;
	sg_table_init(&t, "summary");
	assert_int_equal(sg_stats_summary(s, &t), SG_OK);
	assert_int_equal(t.ncols, 2);
	assert_string_equal(t.col_name[0], "counter");
	assert_string_equal(t.col_name[1], "value");
	assert_int_equal(t.col_kind[1], SG_COL_INT);
	assert_string_equal(summary_value(&t, "dkim_processed"), "36");
	assert_string_equal(summary_value(&t, "dkim_signed"), "31");
	assert_string_equal(summary_value(&t, "domainkeys_signed"), "5");
	assert_string_equal(summary_value(&t, "domainkeys_avg_sign_us"), "1000");
	assert_string_equal(summary_value(&t, "stats_keys"), "4");
	assert_string_equal(summary_value(&t, "stats_workers"), "2");
	assert_string_equal(summary_value(&t, "stats_overflow"), "0");
	sg_table_free(&t);
	/* after the keys' rows, in their columns */
	sg_table_init(&t, "summary");
	assert_int_equal(sg_table_column(&t, "name", SG_COL_TEXT), SG_OK);
	assert_int_equal(sg_table_column(&t, "value", SG_COL_INT), SG_OK);
	assert_int_equal(sg_table_row(&t, keys_row), SG_OK);
	assert_int_equal(sg_stats_summary(s, &t), SG_OK);
	assert_string_equal(t.cells[0], "keys_cached");
	assert_string_equal(summary_value(&t, "dkim_failed"), "2");
	sg_table_free(&t);
	sg_table_init(&t, "other shape");
	assert_int_equal(sg_table_column(&t, "a", SG_COL_TEXT), SG_OK);
	assert_int_equal(sg_stats_summary(s, &t), SG_E_ARG);
	sg_table_free(&t);
	sg_stats_free(s);
}

static void test_json(void **state)
{
	const char *argv[] = { "signing_stats", "example.org" };
	struct sg_stats *s = populated();
	struct sg_table t;
	struct sg_buf json;

	(void)state;
	run(s, 2, argv, &t);
	sg_buf_init(&json, SIZE_MAX);
	assert_int_equal(sg_table_render_json(&t, &json), SG_OK);
	assert_non_null(strstr(json.data, "\"kind\":\"dkim\",\"selector\":\"s1\",\"processed\":1,"
					  "\"signed\":1,\"failed\":0,"));
	sg_buf_free(&json);
	sg_table_free(&t);
	sg_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_global_empty_and_overflow),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_domain_unknown_and_bad),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_other_command),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
