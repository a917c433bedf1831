/*
 * NAME
 *   test_dispatch.c - unit tests for control/daemon/dispatch.c
 *
 * SUMMARY
 *   COMMAND messages through a session: a read-only command answered for
 *   anyone; state-changing commands (shutdown, keycache flush, selector
 *   create, signing_stats reset) refused for a non-admin with the rule in
 *   the message (no admin_group / group named), logged, and nothing done;
 *   the same commands run for an admin and logged as an audit line; words
 *   the command table does not know; an id that is not the matched row's;
 *   help (answered by signetctl); a handler's error as ERROR with the
 *   session going on; malformed commands (no words, too many words, fewer
 *   words than announced, a word too long, trailing bytes) closing the
 *   session; daemon_admin_rule's two forms.
 */
#include "daemon_testutil.h"

static void start(struct dt *t, const char *group)
{
	memset(t, 0, sizeof(*t));
	dt_config(t, group, NULL);
	dt_start(t);
}

static void test_read_only_for_anyone(void **state)
{
	struct sg_table tab;
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	start(&t, "");
	s = dt_session(&t, false, &fd);
	dt_handshake(&t, s, fd);
	dt_command(&t, s, fd, "selector list");
	dt_expect_table(&t, fd, &tab);
	sg_table_free(&tab);
	dt_command(&t, s, fd, "version");
	dt_expect_table(&t, fd, &tab);
	assert_string_equal(tab.title, "version");
	sg_table_free(&tab);
	assert_false(s->dead);
	close(fd);
	dt_stop(&t);
}

static void test_refused_for_non_admin(void **state)
{
	static const char *const lines[] = {
		"shutdown", "keycache flush", "selector create s9 --domain example.org",
		"signing_stats reset", "config reload",
	};
	char want[256];
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	start(&t, "");
	s = dt_session(&t, false, &fd);
	dt_handshake(&t, s, fd);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		dt_command(&t, s, fd, lines[i]);
		snprintf(want, sizeof(want), "permission denied: \"%s\" changes state (root or "
			 "the daemon's user required: no admin_group is configured)", lines[i]);
		dt_expect_error(&t, fd, want);
		assert_false(s->dead);
	}
	assert_false(t.d->stopping);
	assert_true(kt_log_has(&t.log, "shutdown (uid 65534 nobody, pid"));
	assert_true(kt_log_has(&t.log, "): permission denied"));
	close(fd);
	dt_stop(&t);

	start(&t, "signet-admins");
	s = dt_session(&t, false, &fd);
	dt_handshake(&t, s, fd);
	dt_command(&t, s, fd, "shutdown");
	dt_expect_error(&t, fd, "permission denied: \"shutdown\" changes state (member of group "
			"signet-admins required)");
	assert_false(t.d->stopping);
	close(fd);
	dt_stop(&t);
}

static void test_admin_runs_and_is_logged(void **state)
{
	struct sg_table tab;
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	start(&t, "");
	s = dt_session(&t, true, &fd);
	dt_handshake(&t, s, fd);
	dt_command(&t, s, fd, "keycache flush");
	dt_expect_table(&t, fd, &tab);
	sg_table_free(&tab);
	assert_true(kt_log_has(&t.log, "keycache flush (uid 0 root, pid"));
	assert_true(kt_log_has(&t.log, "): done"));
	dt_command(&t, s, fd, "shutdown");
	dt_expect_table(&t, fd, &tab);
	assert_string_equal(tab.message, "signet-controld is shutting down");
	sg_table_free(&tab);
	assert_true(t.d->stopping);
	close(fd);
	dt_stop(&t);
}

static void test_unknown_and_mismatched(void **state)
{
	const char *bogus[] = { "frobnicate", "everything" };
	const char *version[] = { "version" };
	const char *help[] = { "help" };
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	start(&t, "");
	s = dt_session(&t, true, &fd);
	dt_handshake(&t, s, fd);
	dt_send_command_id(fd, SG_CMD_VERSION, 2, bogus);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "frobnicate");
	assert_false(s->dead);

	dt_send_command_id(fd, SG_CMD_SHUTDOWN, 1, version);	/* id says shutdown */
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "command id 20 does not match \"version\"");
	assert_false(t.d->stopping);

	dt_send_command_id(fd, SG_CMD_HELP, 1, help);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "\"help\" is answered by signetctl itself");

	dt_command(&t, s, fd, "selector show nosuchselector");
	dt_expect_error(&t, fd, "nosuchselector");
	assert_false(s->dead);
	close(fd);
	dt_stop(&t);
}

/* Sends a hand-made COMMAND body and expects the session to close. */
static void expect_malformed(struct dt *t, struct sg_wire_out *w, const char *needle)
{
	struct session *s;
	int fd;

	s = dt_session(t, true, &fd);
	dt_handshake(t, s, fd);
	dt_send(fd, w);
	dt_pump(t, s);
	dt_expect_error(t, fd, needle);
	assert_true(s->dead);
	close(fd);
}

static void test_malformed(void **state)
{
	char long_word[SG_CMD_WORD_MAX + 1];
	struct sg_wire_out w;
	struct dt t;

	(void)state;
	start(&t, "");
	memset(long_word, 'x', SG_CMD_WORD_MAX);
	long_word[SG_CMD_WORD_MAX] = '\0';

	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(sg_wire_put_u64(&w, SG_CMD_VERSION), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 0), SG_OK);
	expect_malformed(&t, &w, "malformed COMMAND: 0 words (1 to 16 allowed)");

	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(sg_wire_put_u64(&w, SG_CMD_VERSION), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 17), SG_OK);
	expect_malformed(&t, &w, "malformed COMMAND: 17 words");

	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(sg_wire_put_u64(&w, SG_CMD_VERSION), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 2), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, "version"), SG_OK);
	expect_malformed(&t, &w, "malformed COMMAND: byte 38: string expected, message ends");

	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(sg_wire_put_u64(&w, SG_CMD_SELECTOR_SHOW), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 3), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, "selector"), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, "show"), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, long_word), SG_OK);
	expect_malformed(&t, &w, "at most 255 allowed");

	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(sg_wire_put_u64(&w, SG_CMD_VERSION), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 1), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, "version"), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 1), SG_OK);
	expect_malformed(&t, &w, "unexpected bytes after the last field");
	dt_stop(&t);
}

static void test_admin_rule(void **state)
{
	char buf[128];
	struct dt t;

	(void)state;
	start(&t, "");
	assert_string_equal(daemon_admin_rule(t.d, buf, sizeof(buf)),
			    "root or the daemon's user required: no admin_group is configured");
	dt_stop(&t);
	start(&t, "mail-admins");
	assert_string_equal(daemon_admin_rule(t.d, buf, sizeof(buf)),
			    "member of group mail-admins required");
	dt_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_only_for_anyone),
		cmocka_unit_test(test_refused_for_non_admin),
		cmocka_unit_test(test_admin_runs_and_is_logged),
		cmocka_unit_test(test_unknown_and_mismatched),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_admin_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
