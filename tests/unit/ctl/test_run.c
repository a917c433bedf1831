/*
 * NAME
 *   test_run.c - unit tests for control/ctl/run.c
 *
 * SUMMARY
 *   Sessions against the fake daemon (fake_daemon.h), their output and
 *   errors caught in memory streams. One command: a table printed as text
 *   and as JSON (status 0), the daemon's refusal (one line, status 1), a
 *   typing error found locally (status 2, the daemon never asked: it works
 *   with no daemon at all), help answered locally, no daemon (status 2,
 *   flagged unreachable), dns test verdicts (0 only when every row is
 *   "found and matching"), the next command after the daemon closed the
 *   connection sent on a new one. ctl_answer_failed
 *   on its own. Lines: blank and comment lines, splitting errors. Scripts:
 *   "line N: " before each message, the worst status, going on after a bad
 *   line, stopping when the daemon is gone, CR LF, a last line without
 *   '\n', a line of exactly SG_CTL_LINE_MAX bytes against one byte more,
 *   a NUL byte, too many words.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* POLLRDHUP */
#endif
#include "testutil.h"

#include <poll.h>

#include "ctl.h"
#include "ctl_testutil.h"
#include "fake_daemon.h"

struct capture {
	struct ctl_session s;
	char *out, *err;
	size_t out_len, err_len;
};

static void capture_open(struct capture *c, const char *socket, bool json)
{
	memset(c, 0, sizeof(*c));
	ctl_session_init(&c->s, socket, 2000, json);
	c->s.out = open_memstream(&c->out, &c->out_len);
	c->s.err = open_memstream(&c->err, &c->err_len);
	assert_non_null(c->s.out);
	assert_non_null(c->s.err);
}

/* Makes out and err readable (they stay open). */
static void capture_flush(struct capture *c)
{
	fflush(c->s.out);
	fflush(c->s.err);
}

static void capture_close(struct capture *c)
{
	ctl_session_close(&c->s);
	fclose(c->s.out);
	fclose(c->s.err);
	free(c->out);
	free(c->err);
}

#define WORDS(...) (sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)), \
	((const char *const[]){ __VA_ARGS__ })

static void test_table_text_and_json(void **state)
{
	struct capture c;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_OK);
	capture_open(&c, f.path, false);
	assert_int_equal(ctl_run_words(&c.s, WORDS("keycache", "flush", "example.com")), CTL_OK);
	capture_flush(&c);
	assert_string_equal(c.out, "echo\n"
			    "id  argc  words\n"
			    " 7     3  keycache|flush|example.com\n"
			    "3 words\n");
	assert_string_equal(c.err, "");
	capture_close(&c);

	capture_open(&c, f.path, true);
	assert_int_equal(ctl_run_words(&c.s, WORDS("version")), CTL_OK);
	capture_flush(&c);
	assert_string_equal(c.out, "{\"title\":\"echo\",\"message\":\"1 words\",\"rows\":"
			    "[{\"id\":1,\"argc\":1,\"words\":\"version\"}]}\n");
	capture_close(&c);
	fake_stop(&f);
}

static void test_refusal_and_usage(void **state)
{
	struct capture c;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_OK);
	capture_open(&c, f.path, false);
	assert_int_equal(ctl_run_words(&c.s, WORDS("selector", "show", "s1")), CTL_FAILED);
	capture_flush(&c);
	assert_string_equal(c.out, "");
	assert_string_equal(c.err, "signetctl: no selector \"s1\"\n");
	assert_false(c.s.unreachable);
	capture_close(&c);

	capture_open(&c, f.path, false);
	assert_int_equal(ctl_run_words(&c.s, WORDS("selector", "frobnicate")), CTL_USAGE);
	capture_flush(&c);
	assert_int_equal(strncmp(c.err, "signetctl: ", 11), 0);
	assert_non_null(strstr(c.err, "frobnicate"));
	assert_int_equal(strchr(c.err, '\n') - c.err, (long)c.err_len - 1);
	assert_int_equal(c.s.client.fd, -1);	/* never connected */
	assert_false(c.s.unreachable);
	capture_close(&c);
	fake_stop(&f);
}

/* Usage errors and help need no daemon; a command does. */
static void test_without_daemon(void **state)
{
	struct capture c;

	(void)state;
	capture_open(&c, "/nonexistent/signet.sock", false);
	assert_int_equal(ctl_run_words(&c.s, WORDS("selector", "create", "s1")), CTL_USAGE);
	assert_false(c.s.unreachable);
	assert_int_equal(ctl_run_words(&c.s, WORDS("help", "keycache")), CTL_OK);
	assert_int_equal(ctl_run_words(&c.s, WORDS("help")), CTL_OK);
	assert_int_equal(ctl_run_words(&c.s, WORDS("help", "nosuch")), CTL_USAGE);
	capture_flush(&c);
	assert_non_null(strstr(c.out, "keycache list\n    Lists the keycache"));
	assert_non_null(strstr(c.err, "signetctl: help: no command starts with \"nosuch\"; "
				      "try \"help\"\n"));
	assert_null(strstr(c.err, "connect"));
	assert_int_equal(ctl_run_words(&c.s, WORDS("version")), CTL_USAGE);
	assert_true(c.s.unreachable);
	capture_flush(&c);
	assert_non_null(strstr(c.err, "signetctl: cannot connect to /nonexistent/signet.sock"));
	capture_close(&c);
}

static void test_dns_test_status(void **state)
{
	struct capture c;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_OK);
	capture_open(&c, f.path, false);
	assert_int_equal(ctl_run_words(&c.s, WORDS("dns", "test", "good", "example.com")),
			 CTL_OK);
	assert_int_equal(ctl_run_words(&c.s, WORDS("dns", "test", "bad")), CTL_FAILED);
	assert_int_equal(ctl_run_words(&c.s, WORDS("dns", "test", "none")), CTL_FAILED);
	capture_flush(&c);
	assert_non_null(strstr(c.out, "good    found and matching\n"));
	assert_non_null(strstr(c.out, "bad     not found\n"));
	assert_string_equal(c.err, "");		/* the verdict is the table */
	capture_close(&c);
	fake_stop(&f);
}

static void add_row(struct sg_table *t, const char *a, const char *b)
{
	const char *cells[2] = { a, b };

	assert_int_equal(sg_table_row(t, cells), SG_OK);
}

static void test_answer_failed(void **state)
{
	const char *dns[] = { "dns", "test", "s1" }, *list[] = { "selector", "list" };
	struct sg_cmd_params p, q;
	struct sg_table t;
	char why[256];

	(void)state;
	assert_true(sg_command_match(3, dns, &p, why, sizeof(why)));
	assert_true(sg_command_match(2, list, &q, why, sizeof(why)));
	sg_table_init(&t, "dns test");
	assert_int_equal(sg_table_column(&t, "record", SG_COL_TEXT), SG_OK);
	assert_int_equal(sg_table_column(&t, "result", SG_COL_TEXT), SG_OK);
	assert_true(ctl_answer_failed(&p, &t));		/* no rows */
	assert_false(ctl_answer_failed(&q, &t));	/* not dns test */
	add_row(&t, "s1._domainkey.a.example", "found and matching");
	assert_false(ctl_answer_failed(&p, &t));
	add_row(&t, "s1._domainkey.b.example", "testing flag set");
	assert_true(ctl_answer_failed(&p, &t));
	assert_false(ctl_answer_failed(&q, &t));
	sg_table_free(&t);

	sg_table_init(&t, "dns test");			/* no result column */
	assert_int_equal(sg_table_column(&t, "verdict", SG_COL_TEXT), SG_OK);
	add_row(&t, "found and matching", NULL);
	assert_true(ctl_answer_failed(&p, &t));
	sg_table_free(&t);
}

/* The daemon closed the connection (here after shutdown; a real one also
 * drops idle consoles): the next command goes out on a new connection. */
static void test_reconnect_after_shutdown(void **state)
{
	struct capture c;
	struct fake f;
	struct pollfd closed;

	(void)state;
	fake_start(&f, FAKE_OK);
	capture_open(&c, f.path, true);
	assert_int_equal(ctl_run_words(&c.s, WORDS("shutdown")), CTL_OK);
	closed = (struct pollfd){ .fd = c.s.client.fd, .events = POLLRDHUP };
	assert_int_equal(poll(&closed, 1, 5000), 1);
	assert_int_equal(ctl_run_words(&c.s, WORDS("workers")), CTL_OK);
	assert_false(c.s.unreachable);
	capture_flush(&c);
	assert_int_equal(tu_count(c.out, "\"words\":\"workers\""), 1);
	assert_string_equal(c.err, "");
	capture_close(&c);
	fake_stop(&f);
}

static void test_lines(void **state)
{
	struct capture c;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_OK);
	capture_open(&c, f.path, true);
	assert_int_equal(ctl_run_line(&c.s, ""), CTL_OK);
	assert_int_equal(ctl_run_line(&c.s, "  \t # selector create"), CTL_OK);
	assert_int_equal(ctl_run_line(&c.s, "selector show 's1"), CTL_USAGE);
	assert_int_equal(ctl_run_line(&c.s, "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"),
			 CTL_USAGE);
	assert_int_equal(ctl_run_line(&c.s, "keycache flush 'exa mple' # x"), CTL_USAGE);
	assert_int_equal(ctl_run_line(&c.s, "selector\tenable \"s1\" ex\\ample.com\r\n"),
			 CTL_OK);
	capture_flush(&c);
	ctl_tu_starts_with(c.err, "signetctl: no closing '\n"
			   "signetctl: too many words (at most 16)\nsignetctl: ");
	assert_string_equal(c.out, "{\"title\":\"echo\",\"message\":\"4 words\",\"rows\":[{\"id\":"
			    "11,\"argc\":4,\"words\":\"selector|enable|s1|example.com\"}]}\n");
	capture_close(&c);
	fake_stop(&f);
}

static enum ctl_status run_script(struct capture *c, const char *text, size_t len)
{
	FILE *in = fmemopen((void *)text, len, "r");
	enum ctl_status st;

	assert_non_null(in);
	st = ctl_run_script(&c->s, in);
	fclose(in);
	capture_flush(c);
	assert_string_equal(c->s.where, "");
	return st;
}

static void test_script(void **state)
{
	static const char text[] = "# a script\r\n"
				   "version\r\n"
				   "\n"
				   "selector show s1\n"
				   "selector nonsense\n"
				   "workers";		/* no final newline */
	struct capture c;
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_OK);
	capture_open(&c, f.path, true);
	assert_int_equal(run_script(&c, text, strlen(text)), CTL_USAGE);
	ctl_tu_starts_with(c.err, "signetctl: line 4: no selector \"s1\"\n"
			   "signetctl: line 5: ");
	assert_non_null(strstr(c.out, "\"words\":\"version\""));
	assert_non_null(strstr(c.out, "\"words\":\"workers\""));
	capture_close(&c);

	capture_open(&c, f.path, false);
	assert_int_equal(run_script(&c, "version\nselector show x\nversion\n", 32), CTL_FAILED);
	capture_close(&c);
	capture_open(&c, f.path, false);
	assert_int_equal(run_script(&c, "", 0), CTL_OK);
	assert_int_equal(run_script(&c, "\n\n# nothing\n", 12), CTL_OK);
	capture_close(&c);
	fake_stop(&f);
}

/* The daemon is gone: the script stops at the first command. */
static void test_script_stops_without_daemon(void **state)
{
	static const char text[] = "help\nversion\nhelp keycache\n";
	struct capture c;

	(void)state;
	capture_open(&c, "/nonexistent/signet.sock", false);
	assert_int_equal(run_script(&c, text, strlen(text)), CTL_USAGE);
	ctl_tu_starts_with(c.err, "signetctl: line 2: cannot connect to ");
	assert_int_equal(strchr(c.err, '\n') - c.err, (long)c.err_len - 1);
	assert_null(strstr(c.out, "keycache list\n    Lists"));
	capture_close(&c);
}

/* A line of SG_CTL_LINE_MAX bytes is read whole (and then refused by the
 * command table for its long word); one byte more is a line too long. */
static void test_script_line_limits(void **state)
{
	static const char tail[] = "\nversion\nhelp\0sel\nversion\n";
	size_t len = 2 * (SG_CTL_LINE_MAX + 2) + 64;
	char *text = malloc(len), *p = text;
	struct capture c;
	struct fake f;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "help ");
	memset(p, 'w', SG_CTL_LINE_MAX - 5);
	p += SG_CTL_LINE_MAX - 5;
	p += sprintf(p, "\nhelp ");
	memset(p, 'w', SG_CTL_LINE_MAX - 4);
	p += SG_CTL_LINE_MAX - 4;
	memcpy(p, tail, sizeof(tail) - 1);
	p += sizeof(tail) - 1;
	fake_start(&f, FAKE_OK);
	capture_open(&c, f.path, false);
	assert_int_equal(run_script(&c, text, (size_t)(p - text)), CTL_USAGE);
	assert_null(strstr(c.err, "line 1: line too long"));
	assert_non_null(strstr(c.err, "signetctl: line 1: "));
	assert_non_null(strstr(c.err, "signetctl: line 2: line too long (at most 4096 bytes)\n"));
	assert_null(strstr(c.err, "line 3:"));
	assert_non_null(strstr(c.err, "signetctl: line 4: NUL byte at column 5\n"));
	assert_null(strstr(c.err, "line 5:"));
	assert_int_equal(tu_count(c.out, "1 words\n"), 2);	/* lines 3 and 5 ran */
	capture_close(&c);
	fake_stop(&f);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_text_and_json),
		cmocka_unit_test(test_refusal_and_usage),
		cmocka_unit_test(test_without_daemon),
		cmocka_unit_test(test_dns_test_status),
		cmocka_unit_test(test_answer_failed),
		cmocka_unit_test(test_reconnect_after_shutdown),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_script_stops_without_daemon),
		cmocka_unit_test(test_script_line_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
