/*
 * NAME
 *   test_client.c - unit tests for control/ctl/client.c
 *
 * SUMMARY
 *   Against the fake daemon (fake_daemon.h): the handshake (server version
 *   kept), a COMMAND carrying id, argc and the words as typed, a RESULT
 *   decoded into the table, two requests on one connection, an ERROR
 *   answer (connection kept), a request after the daemon closed the
 *   connection sent again on a new one. Failures, each with its one-line
 *   message and the connection closed: no socket (with the "is
 *   signet-controld running?" hint), a path that is not a socket, a
 *   refused HELLO, a refusal sent before the HELLO was read (the daemon's
 *   connection cap; also when the daemon closed before the HELLO could be
 *   sent), another protocol version, a daemon that never answers
 *   (timeout), garbage, a connection closed at once, a RESULT with
 *   trailing bytes, a frame past SG_WIRE_MAX, an answer of the wrong type.
 *   This file puts its own connect() in front of the C library's (see
 *   wait_for_refusal).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* RTLD_NEXT */
#endif
#include "testutil.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>

/* When set, the next connect() returns only once the peer has closed the
 * new connection: the client's next send then meets a closed socket, an order
 * that otherwise depends on how the two processes are scheduled. */
static bool wait_for_refusal;

int connect(int fd, __CONST_SOCKADDR_ARG sa, socklen_t len)
{
	__typeof__(connect) *real;
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	int rc;

	*(void **)&real = dlsym(RTLD_NEXT, "connect");
	rc = real(fd, sa, len);
	if (rc == 0 && wait_for_refusal) {
		wait_for_refusal = false;	/* one connection only */
		assert_int_equal(poll(&p, 1, 5000), 1);
	}
	return rc;
}

/* Waits until the peer of fd has closed it. */
static void wait_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_true(p.revents & POLLRDHUP);
}

#include "ctl.h"
#include "fake_daemon.h"

static struct sg_cmd_params params_of(size_t argc, const char *const *argv)
{
	struct sg_cmd_params p;
	char why[512];

	if (!sg_command_match(argc, argv, &p, why, sizeof(why)))
		fail_msg("%s", why);
	return p;
}

static void test_handshake_and_commands(void **state)
{
	const char *show[] = { "selector", "show", "s1" };
	const char *create[] = { "selector", "create", "s1", "--domain=example.com", "--bits",
				 "3072" };
	struct sg_cmd_params p = params_of(6, create);
	struct ctl_client c;
	struct sg_table t;
	struct fake f;
	char msg[512];

	(void)state;
	fake_start(&f, FAKE_OK);
	ctl_client_init(&c, f.path, 2000);
	assert_true(ctl_client_connect(&c, msg, sizeof(msg)));
	assert_string_equal(c.server_version, "signet-controld 9.9-fake");
	assert_int_equal(ctl_client_request(&c, &p, 6, create, &t, msg, sizeof(msg)),
			 CTL_ANSWER_RESULT);
	assert_string_equal(t.title, "echo");
	assert_int_equal(t.ncols, 3);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(t.cells[0], "10");
	assert_string_equal(t.cells[1], "6");
	assert_string_equal(t.cells[2], "selector|create|s1|--domain=example.com|--bits|3072");
	assert_string_equal(t.message, "6 words");
	sg_table_free(&t);

	p = params_of(3, show);
	assert_int_equal(ctl_client_request(&c, &p, 3, show, &t, msg, sizeof(msg)),
			 CTL_ANSWER_ERROR);
	assert_string_equal(msg, "no selector \"s1\"");
	sg_table_free(&t);
	assert_true(c.fd >= 0);
	p = params_of(6, create);
	assert_int_equal(ctl_client_request(&c, &p, 6, create, &t, msg, sizeof(msg)),
			 CTL_ANSWER_RESULT);
	sg_table_free(&t);
	ctl_client_close(&c);
	assert_int_equal(c.fd, -1);
	fake_stop(&f);
}

/* The fake daemon closes the connection after shutdown, as signet-controld
 * does with a console idle at its prompt: the next request, which could
 * not have arrived, goes out again on a new connection. */
static void test_reconnects(void **state)
{
	const char *shutdown[] = { "shutdown" }, *version[] = { "version" };
	struct sg_cmd_params p = params_of(1, shutdown);
	struct ctl_client c;
	struct sg_table t;
	struct fake f;
	char msg[512];

	(void)state;
	fake_start(&f, FAKE_OK);
	ctl_client_init(&c, f.path, 2000);
	assert_int_equal(ctl_client_request(&c, &p, 1, shutdown, &t, msg, sizeof(msg)),
			 CTL_ANSWER_RESULT);
	sg_table_free(&t);
	wait_closed(c.fd);
	p = params_of(1, version);
	assert_int_equal(ctl_client_request(&c, &p, 1, version, &t, msg, sizeof(msg)),
			 CTL_ANSWER_RESULT);
	assert_string_equal(t.cells[2], "version");
	sg_table_free(&t);
	assert_true(c.fd >= 0);
	ctl_client_close(&c);
	fake_stop(&f);
}

static void test_no_socket(void **state)
{
	struct ctl_client c;
	char msg[512], dir[] = "/tmp/signetctl-test-XXXXXX", path[128];
	int fd;

	(void)state;
	ctl_client_init(&c, "/nonexistent/signet/control.sock", 1000);
	assert_false(ctl_client_connect(&c, msg, sizeof(msg)));
	assert_string_equal(msg, "cannot connect to /nonexistent/signet/control.sock: No such "
			    "file or directory (is signet-controld running?)");
	assert_int_equal(c.fd, -1);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plain-file", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	ctl_client_init(&c, path, 1000);
	assert_false(ctl_client_connect(&c, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "Connection refused (is signet-controld running?)"));
	unlink(path);
	rmdir(dir);
}

/* Connects to a daemon in mode, expects the connection to fail with a
 * message containing expected. */
static void connect_fails(enum fake_mode mode, int timeout_ms, const char *expected)
{
	struct ctl_client c;
	struct fake f;
	char msg[512];

	fake_start(&f, mode);
	ctl_client_init(&c, f.path, timeout_ms);
	assert_false(ctl_client_connect(&c, msg, sizeof(msg)));
	if (strstr(msg, expected) == NULL)
		fail_msg("got \"%s\", expected \"%s\"", msg, expected);
	assert_int_equal(c.fd, -1);
	fake_stop(&f);
}

static void test_handshake_failures(void **state)
{
	(void)state;
	connect_fails(FAKE_REFUSE, 2000, "refused the connection: permission denied: uid 1000 "
		      "is not in group signet");
	connect_fails(FAKE_OLD_VERSION, 2000, "speaks protocol version 99, signetctl speaks 1");
	connect_fails(FAKE_SILENT, 300, "no greeting from signet-controld at ");
	connect_fails(FAKE_SILENT, 300, "timed out");
	connect_fails(FAKE_GARBAGE, 2000, "no greeting from signet-controld at ");
	connect_fails(FAKE_CLOSE, 2000, "connection closed");
	/* closed before the HELLO went out: the same words, not EPIPE's */
	wait_for_refusal = true;
	connect_fails(FAKE_CLOSE, 2000, "connection closed");
}

/* Over its connection cap the daemon sends ERROR and closes without
 * reading: the refusal is what the user reads, whether the HELLO went out
 * before the close or could not be sent after it. */
static void test_refused_before_hello(void **state)
{
	(void)state;
	connect_fails(FAKE_BUSY, 2000, "refused the connection: too many connections (64); "
		      "try again later");
	wait_for_refusal = true;
	connect_fails(FAKE_BUSY, 2000, "refused the connection: too many connections (64); "
		      "try again later");
}

/* A request to a daemon in mode is BROKEN with a message containing expected. */
static void request_breaks(enum fake_mode mode, const char *expected)
{
	const char *version[] = { "version" };
	struct sg_cmd_params p = params_of(1, version);
	struct ctl_client c;
	struct sg_table t;
	struct fake f;
	char msg[512];

	fake_start(&f, mode);
	ctl_client_init(&c, f.path, 2000);
	assert_int_equal(ctl_client_request(&c, &p, 1, version, &t, msg, sizeof(msg)),
			 CTL_ANSWER_BROKEN);
	sg_table_free(&t);
	if (strstr(msg, expected) == NULL)
		fail_msg("got \"%s\", expected \"%s\"", msg, expected);
	assert_int_equal(c.fd, -1);
	fake_stop(&f);
}

static void test_bad_answers(void **state)
{
	(void)state;
	request_breaks(FAKE_TRAILING, "malformed answer from signet-controld: ");
	request_breaks(FAKE_HUGE, "no answer from signet-controld at ");
	request_breaks(FAKE_WRONG_TYPE, "unexpected message type 1 from signet-controld");
	request_breaks(FAKE_REFUSE, "refused the connection");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_commands),
		cmocka_unit_test(test_reconnects),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_handshake_failures),
		cmocka_unit_test(test_refused_before_hello),
		cmocka_unit_test(test_bad_answers),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
