/*
 * NAME
 *   test_smtp_net.c - unit tests of bench/smtp_net.c: HOST:PORT parsing
 *                     and printing, a listener and a connect on loopback
 *
 * SUMMARY
 *   IPv4 and bracketed IPv6 round trips, port 0 and 65535, and refusals
 *   (no port, a port over 65535 or with a sign, a name instead of a
 *   number, an unbracketed IPv6 address); a listener on 127.0.0.1:0 that a
 *   non-blocking connect reaches, and a connect to a closed port that
 *   reports ECONNREFUSED. Option numbers in and out of range; a ready
 *   file written whole (no PATH.tmp left) and refused in a missing folder.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "smtp_bench.h"

static void round_trip(const char *text)
{
	struct smtp_addr a;
	char why[SMTP_WHY_MAX] = "", out[SMTP_ADDR_TEXT_MAX];

	if (!smtp_parse_hostport(text, &a, why, sizeof(why)))
		fail_msg("%s: %s", text, why);
	smtp_format_addr((struct sockaddr *)&a.ss, out, sizeof(out));
	assert_string_equal(out, text);
}

static void test_parse(void **state)
{
	(void)state;
	round_trip("127.0.0.1:2525");
	round_trip("0.0.0.0:0");
	round_trip("[::1]:65535");
	round_trip("[2001:db8::5]:25");
}

static void refused(const char *text)
{
	struct smtp_addr a;
	char why[SMTP_WHY_MAX] = "";

	assert_false(smtp_parse_hostport(text, &a, why, sizeof(why)));
	if (strstr(why, "\"") == NULL)
		fail_msg("%s: reason \"%s\" does not quote the input", text, why);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("127.0.0.1");
	refused("127.0.0.1:");
	refused(":25");
	refused("127.0.0.1:65536");
	refused("127.0.0.1:+25");
	refused("127.0.0.1:25x");
	refused("localhost:25");
	refused("::1:25");
	refused("[::1:25");
	refused("[127.0.0.1]:25");
}

static void test_listen_connect(void **state)
{
	struct smtp_addr a;
	struct sockaddr_storage ss;
	socklen_t n = sizeof(ss);
	char why[SMTP_WHY_MAX] = "", bound[SMTP_ADDR_TEXT_MAX];
	int lfd, fd;
	struct pollfd p;

	(void)state;
	assert_true(smtp_parse_hostport("127.0.0.1:0", &a, why, sizeof(why)));
	lfd = smtp_listen_on(&a, 16, why, sizeof(why));
	assert_true(lfd >= 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&ss, &n), 0);
	smtp_format_addr((struct sockaddr *)&ss, bound, sizeof(bound));
	assert_true(smtp_parse_hostport(bound, &a, why, sizeof(why)));
	fd = smtp_connect_start(&a, why, sizeof(why));
	assert_true(fd >= 0);
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(smtp_connect_result(fd), 0);
	close(fd);
	close(lfd);
	/* the port is closed now: the connect is refused */
	fd = smtp_connect_start(&a, why, sizeof(why));
	if (fd >= 0) {
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		assert_int_equal(poll(&p, 1, 5000), 1);
		assert_int_equal(smtp_connect_result(fd), ECONNREFUSED);
		close(fd);
	} else {
		assert_non_null(strstr(why, "refused"));
	}
}

static void test_count(void **state)
{
	unsigned long v = 7;

	(void)state;
	assert_true(smtp_parse_count("0", 0, 10, &v));
	assert_int_equal(v, 0);
	assert_true(smtp_parse_count("599", 400, 599, &v));
	assert_int_equal(v, 599);
	assert_false(smtp_parse_count("600", 400, 599, &v));
	assert_false(smtp_parse_count("399", 400, 599, &v));
	assert_false(smtp_parse_count("-1", 0, 10, &v));
	assert_false(smtp_parse_count("+1", 0, 10, &v));
	assert_false(smtp_parse_count(" 1", 0, 10, &v));
	assert_false(smtp_parse_count("1x", 0, 10, &v));
	assert_false(smtp_parse_count("", 0, 10, &v));
	assert_false(smtp_parse_count("99999999999999999999999", 0, ~0ul, &v));
	assert_int_equal(v, 599);
}

static void test_ready_file(void **state)
{
	char dir[] = "/tmp/smtp-net-XXXXXX", path[128], tmp[140];
	size_t len;
	char *text;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ready", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_true(smtp_write_ready(path, "127.0.0.1:2525\n"));
	text = tu_read(path, &len);
	assert_string_equal(text, "127.0.0.1:2525\n");
	free(text);
	assert_int_equal(access(tmp, F_OK), -1);
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof(path), "%s/ready", dir);	/* the folder is gone */
	assert_false(smtp_write_ready(path, "x"));
}

static void test_nofile(void **state)
{
	(void)state;
	assert_true(smtp_raise_nofile() >= 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_listen_connect),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_ready_file),
		cmocka_unit_test(test_nofile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
