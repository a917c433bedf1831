/*
 * NAME
 *   test_handlers.c - unit tests for control/daemon/handlers.c
 *
 * SUMMARY
 *   The handlers called directly on a daemon built from a temporary
 *   configuration: version (rows and message), summary (columns, the
 *   daemon's counters, the key custody's and the statistics' rows, the
 *   message naming the configuration), config check (good file, a broken
 *   file reported with FILE:LINE:COLUMN, no file), config reload (a new
 *   scope taken; a broken file leaving the running configuration in place
 *   and logged; no file to reload), workers (the columns with no rows, a
 *   connected signetd listed with its counters, a console not listed),
 *   shutdown.
 */
#include "daemon_testutil.h"

static void start(struct dt *t, const char *body)
{
	memset(t, 0, sizeof(*t));
	dt_config(t, "", body);
	dt_start(t);
}

static struct sg_cmd_params no_params(void)
{
	struct sg_cmd_params p;

	memset(&p, 0, sizeof(p));
	return p;
}

static void test_version(void **state)
{
	struct sg_cmd_params p = no_params();
	struct sg_table tab;
	struct dt t;

	(void)state;
	start(&t, NULL);
	sg_table_init(&tab, "");
	assert_int_equal(handle_version(t.d, &p, &tab, NULL), SG_OK);
	assert_string_equal(tab.title, "version");
	assert_int_equal(tab.nrows, 2);
	assert_string_equal(kt_cell(&tab, 0, "component"), "signet-controld");
	assert_string_equal(kt_cell(&tab, 0, "version"), sg_daemon_version());
	assert_true(sg_daemon_version()[0] >= '0' && sg_daemon_version()[0] <= '9');
	assert_string_equal(kt_cell(&tab, 1, "component"), "control protocol");
	assert_string_equal(kt_cell(&tab, 1, "version"), "1");
	assert_non_null(strstr(tab.message, "(control protocol 1)"));
	sg_table_free(&tab);
	dt_stop(&t);
}

static const char *counter(const struct sg_table *tab, const char *name)
{
	long row = kt_find_row(tab, "counter", name);

	if (row < 0)
		fail_msg("summary has no counter %s", name);
	return kt_cell(tab, (size_t)row, "value");
}

static void test_summary(void **state)
{
	struct sg_cmd_params p = no_params();
	struct sg_table tab;
	struct dt t;
	int fd1, fd2;

	(void)state;
	start(&t, NULL);
	(void)dt_session(&t, true, &fd1);
	dt_session(&t, true, &fd2)->dataplane = true;
	sg_table_init(&tab, "");
	assert_int_equal(handle_summary(t.d, &p, &tab, NULL), SG_OK);
	assert_string_equal(tab.title, "summary");
	assert_int_equal(tab.ncols, 2);
	assert_int_equal(tab.col_kind[1], SG_COL_INT);
	assert_string_equal(counter(&tab, "uptime_s"), "0");
	assert_string_equal(counter(&tab, "clients"), "2");
	assert_string_equal(counter(&tab, "workers"), "1");
	assert_string_equal(counter(&tab, "keycache_keys"), "0");	/* sg_keys_summary */
	assert_string_equal(counter(&tab, "dkim_processed"), "0");	/* sg_stats_summary */
	assert_true(strncmp(tab.message, "signet-controld ", 16) == 0);
	assert_non_null(strstr(tab.message, sg_daemon_version()));
	assert_non_null(strstr(tab.message, ", up 0d 00:00:00, configuration "));
	assert_non_null(strstr(tab.message, t.conf));
	sg_table_free(&tab);
	close(fd1);
	close(fd2);
	dt_stop(&t);
}

static void test_config_check(void **state)
{
	struct sg_cmd_params p = no_params();
	struct sg_table tab;
	struct sg_error err;
	struct dt t;

	(void)state;
	start(&t, "dkim_sign \"a\" { key = \"k/%{d}.key\" }\n");
	sg_table_init(&tab, "");
	assert_int_equal(handle_config_check(t.d, &p, &tab, NULL), SG_OK);
	assert_non_null(strstr(tab.message, ": OK (1 signing scopes)"));
	sg_table_free(&tab);

	dt_write(t.conf, "control {\n  sokcet = \"x\"\n}\n");
	sg_table_init(&tab, "");
	sg_error_clear(&err);
	assert_int_not_equal(handle_config_check(t.d, &p, &tab, &err), SG_OK);
	assert_non_null(strstr(err.msg, "signet.conf:2:3:"));
	assert_non_null(strstr(err.msg, "sokcet"));
	sg_table_free(&tab);

	t.d->config_path[0] = '\0';	/* as when started without -c */
	sg_table_init(&tab, "");
	assert_int_equal(handle_config_check(t.d, &p, &tab, NULL), SG_OK);
	assert_non_null(strstr(tab.message, "built-in default"));
	sg_table_free(&tab);
	dt_stop(&t);
}

static void test_config_reload(void **state)
{
	struct sg_cmd_params p = no_params();
	const struct sg_config *before;
	struct sg_table tab;
	struct sg_error err;
	struct dt t;

	(void)state;
	start(&t, NULL);
	assert_int_equal(t.d->conf->nscopes, 0);
	dt_config(&t, "", "dkim_sign \"a\" { key = \"k/%{d}.key\" }\n");
	sg_table_init(&tab, "");
	assert_int_equal(handle_config_reload(t.d, &p, &tab, NULL), SG_OK);
	assert_int_equal(t.d->conf->nscopes, 1);
	assert_non_null(strstr(tab.message, "configuration reloaded from"));
	assert_true(kt_log_has(&t.log, "configuration reloaded from"));
	sg_table_free(&tab);

	before = t.d->conf;
	dt_write(t.conf, "dkim_sign \"a\" {\n  digest = md5\n}\n");
	sg_table_init(&tab, "");
	sg_error_clear(&err);
	assert_int_not_equal(handle_config_reload(t.d, &p, &tab, &err), SG_OK);
	assert_non_null(strstr(err.msg, "signet.conf:2:"));
	assert_ptr_equal(t.d->conf, before);		/* the running one stays */
	assert_int_equal(t.d->conf->nscopes, 1);
	assert_true(kt_log_has(&t.log, "configuration not reloaded, the running one stays"));
	sg_table_free(&tab);

	t.d->config_path[0] = '\0';
	sg_error_clear(&err);
	assert_int_equal(daemon_reload(t.d, &err), SG_E_STATE);
	assert_non_null(strstr(err.msg, "started without -c"));
	dt_stop(&t);
}

static void test_workers(void **state)
{
	static const char *const cols[] = { "client", "pid", "uid", "connected_s",
					    "key_requests", "stats_pushes" };
	struct sg_cmd_params p = no_params();
	struct session *worker;
	struct sg_table tab;
	struct dt t;
	char pid[16];
	int fd1, fd2;

	(void)state;
	start(&t, NULL);
	sg_table_init(&tab, "");
	assert_int_equal(handle_workers(t.d, &p, &tab, NULL), SG_OK);
	assert_int_equal(tab.ncols, 6);
	for (size_t c = 0; c < 6; c++) {
		assert_string_equal(tab.col_name[c], cols[c]);
		assert_int_equal(tab.col_kind[c], c == 0 ? SG_COL_TEXT : SG_COL_INT);
	}
	assert_int_equal(tab.nrows, 0);
	assert_string_equal(tab.message, "no signetd connected");
	sg_table_free(&tab);

	(void)dt_session(&t, false, &fd1);	/* a console: not a worker */
	worker = dt_session(&t, true, &fd2);
	worker->dataplane = true;
	snprintf(worker->client, sizeof(worker->client), "signetd 0.1.0");
	worker->key_requests = 4;
	worker->stats_pushes = 9;
	sg_table_init(&tab, "");
	assert_int_equal(handle_workers(t.d, &p, &tab, NULL), SG_OK);
	assert_int_equal(tab.nrows, 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	assert_string_equal(kt_cell(&tab, 0, "client"), "signetd 0.1.0");
	assert_string_equal(kt_cell(&tab, 0, "pid"), pid);
	assert_string_equal(kt_cell(&tab, 0, "uid"), "0");
	assert_string_equal(kt_cell(&tab, 0, "key_requests"), "4");
	assert_string_equal(kt_cell(&tab, 0, "stats_pushes"), "9");
	assert_string_equal(tab.message, "1 signetd connection");
	sg_table_free(&tab);
	close(fd1);
	close(fd2);
	dt_stop(&t);
}

static void test_shutdown(void **state)
{
	struct sg_cmd_params p = no_params();
	struct sg_table tab;
	struct dt t;

	(void)state;
	start(&t, NULL);
	assert_false(t.d->stopping);
	sg_table_init(&tab, "");
	assert_int_equal(handle_shutdown(t.d, &p, &tab, NULL), SG_OK);
	assert_true(t.d->stopping);
	assert_int_equal(tab.ncols, 0);
	sg_table_free(&tab);
	dt_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_config_reload),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_shutdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
