/*
 * NAME
 *   test_metrics_http.c - unit tests for control/stats/metrics_http.c,
 *                         with real loopback sockets
 *
 * SUMMARY
 *   The server is driven the way the daemon drives it: poll on
 *   sg_metrics_fds for at most sg_metrics_timeout_ms, sg_metrics_ready for
 *   each ready descriptor, sg_metrics_tick. Clients are non-blocking
 *   sockets in the same thread. Covered: opening (port 0, [::1] when the
 *   host has IPv6, a non-loopback address and a port in use refused);
 *   GET /metrics with a valid exposition and a matching Content-Length;
 *   404, 405, 400; a request sent a byte at a time; an oversized head
 *   answered 431 (read by the client: the server drains before closing);
 *   a slow client closed at its deadline without an answer; the
 *   connection cap (503 for one too many, a slot freed by a client that
 *   leaves); a multi-megabyte answer that needs POLLOUT; clients that go
 *   away early; sg_metrics_fds's cap; accept out of descriptors (the
 *   listener leaves the poll set for a while instead of spinning, and the
 *   waiting client is served afterwards).
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "prom_check.h"
#include "stats.h"
#include "stats_helpers.h"

struct fixture {
	struct sg_stats *stats;
	struct sg_metrics *m;
};

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One turn of the daemon's loop, sleeping at most ms. */
static void pump(struct sg_metrics *m, int ms)
{
	struct pollfd fds[SG_METRICS_MAX_FDS];
	size_t n = sg_metrics_fds(m, fds, SG_METRICS_MAX_FDS);
	int t = sg_metrics_timeout_ms(m);

	if (t < 0 || t > ms)
		t = ms;
	if (poll(fds, n, t) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (fds[i].revents != 0)
				sg_metrics_ready(m, fds[i].fd);
		}
	}
	sg_metrics_tick(m);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sg_stats_delta d = th_signed(2, SG_KIND_DKIM, "example.com", "s1", 7, 100);
	struct sg_error err;

	assert_non_null(f);
	assert_int_equal(sg_stats_new(&f->stats), SG_OK);
	assert_int_equal(sg_stats_add(f->stats, &d), SG_OK);
	if (sg_metrics_open("127.0.0.1:0", f->stats, &f->m, &err) != SG_OK)
		fail_msg("open: %s", err.msg);
	assert_true(sg_metrics_port(f->m) != 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sg_metrics_close(f->m);
	sg_stats_free(f->stats);
	free(f);
	return 0;
}

static int client(const struct fixture *f)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(sg_metrics_port(f->m)) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
	assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Pumps the server and reads fd until EOF (true) or limit_ms (false). */
static bool read_reply(struct fixture *f, int fd, struct sg_buf *reply, int limit_ms)
{
	int64_t end = ms_now() + limit_ms;
	char buf[65536];

	while (ms_now() < end) {
		ssize_t n;

		pump(f->m, 5);
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			assert_int_equal(sg_buf_append(reply, buf, (size_t)n), SG_OK);
		if (n == 0)
			return true;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			fail_msg("recv: %s", strerror(errno));
	}
	return false;
}

/* Sends request on a new connection and returns the whole reply. */
static char *exchange(struct fixture *f, const char *req, size_t len)
{
	struct sg_buf reply;
	int fd = client(f);
	char *out;

	sg_buf_init(&reply, SIZE_MAX);
	send_all(fd, req, len);
	assert_true(read_reply(f, fd, &reply, 5000));
	close(fd);
	out = strdup(sg_buf_cstr(&reply));
	sg_buf_free(&reply);
	return out;
}

static const char *body_of(const char *reply)
{
	const char *p = strstr(reply, "\r\n\r\n");

	assert_non_null(p);
	return p + 4;
}

static void test_get_metrics(void **state)
{
	struct fixture *f = *state;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n";
	char *reply = exchange(f, req, strlen(req));
	const char *body = body_of(reply);
	const char *cl = strstr(reply, "\r\nContent-Length: ");
	struct pc_doc doc;

	(void)state;
	assert_true(strncmp(reply, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(reply, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(cl);
	assert_int_equal(strtoul(cl + 18, NULL, 10), strlen(body));
	pc_parse(body, &doc);
	assert_true(pc_value(&doc, "signet_messages_total", "domain=example.com,result=signed") == 7);
	pc_free(&doc);
	free(reply);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	const struct { const char *req, *status; } cases[] = {
		{ "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 404 " },
		{ "GET /metrics/ HTTP/1.0\r\n\r\n", "HTTP/1.0 404 " },
		{ "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.0 405 " },
		{ "DELETE /metrics HTTP/1.1\r\n\r\n", "HTTP/1.0 405 " },
		{ "hello there\r\n\r\n", "HTTP/1.0 400 " },
		{ "GET /metrics HTTP/3.0\r\n\r\n", "HTTP/1.0 505 " },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *reply = exchange(f, cases[i].req, strlen(cases[i].req));

		if (strncmp(reply, cases[i].status, strlen(cases[i].status)) != 0)
			fail_msg("%s -> %.40s", cases[i].req, reply);
		free(reply);
	}
}

static void test_byte_at_a_time(void **state)
{
	struct fixture *f = *state;
	const char *req = "GET /metrics?x=1 HTTP/1.0\n\n";
	struct sg_buf reply;
	int fd = client(f);

	sg_buf_init(&reply, SIZE_MAX);
	for (size_t i = 0; req[i] != '\0'; i++) {
		send_all(fd, req + i, 1);
		pump(f->m, 2);
	}
	assert_true(read_reply(f, fd, &reply, 5000));
	assert_true(strncmp(reply.data, "HTTP/1.0 200 OK\r\n", 17) == 0);
	close(fd);
	sg_buf_free(&reply);
}

static void test_oversized_head(void **state)
{
	struct fixture *f = *state;
	size_t n = SG_METRICS_HEAD_MAX + 3000;
	char *req = malloc(n);
	struct sg_buf reply;
	int fd = client(f);

	assert_non_null(req);
	memcpy(req, "GET /metrics HTTP/1.0\r\nX-Pad: ", 30);
	memset(req + 30, 'a', n - 30);
	sg_buf_init(&reply, SIZE_MAX);
	send_all(fd, req, n);
	assert_true(read_reply(f, fd, &reply, 5000));
	assert_true(strncmp(reply.data, "HTTP/1.0 431 ", 13) == 0);
	close(fd);
	pump(f->m, 10);
	sg_buf_free(&reply);
	free(req);
}

static void test_slow_client_deadline(void **state)
{
	struct fixture *f = *state;
	struct sg_buf reply;
	int64_t start = ms_now();
	int fd;
	int t;

	sg_metrics_set_limits(f->m, 0, 200);
	assert_int_equal(sg_metrics_timeout_ms(f->m), -1);
	fd = client(f);
	send_all(fd, "GET /met", 8);
	pump(f->m, 50);		/* accepted */
	t = sg_metrics_timeout_ms(f->m);
	assert_true(t >= 0 && t <= 200);
	sg_buf_init(&reply, SIZE_MAX);
	assert_true(read_reply(f, fd, &reply, 3000));	/* closed by the server */
	assert_int_equal(reply.len, 0);			/* without an answer */
	assert_true(ms_now() - start >= 190);
	assert_int_equal(sg_metrics_timeout_ms(f->m), -1);
	close(fd);
	sg_buf_free(&reply);
}

static void test_connection_cap(void **state)
{
	struct fixture *f = *state;
	const char *req = "GET /metrics HTTP/1.0\r\n\r\n";
	struct pollfd fds[SG_METRICS_MAX_FDS];
	struct sg_buf reply;
	int idle[4], extra;
	char *ok;

	sg_metrics_set_limits(f->m, 4, 0);
	for (int i = 0; i < 4; i++)
		idle[i] = client(f);
	for (int i = 0; i < 20 && sg_metrics_fds(f->m, fds, SG_METRICS_MAX_FDS) < 5; i++)
		pump(f->m, 10);
	assert_int_equal(sg_metrics_fds(f->m, fds, SG_METRICS_MAX_FDS), 5);
	assert_int_equal(sg_metrics_fds(f->m, fds, 2), 2);	/* cap respected */
	extra = client(f);
	sg_buf_init(&reply, SIZE_MAX);
	assert_true(read_reply(f, extra, &reply, 3000));
	assert_true(strncmp(reply.data, "HTTP/1.0 503 ", 13) == 0);
	close(extra);
	close(idle[0]);		/* one leaves: its slot is free again */
	for (int i = 0; i < 20 && sg_metrics_fds(f->m, fds, SG_METRICS_MAX_FDS) > 4; i++)
		pump(f->m, 10);
	ok = exchange(f, req, strlen(req));
	assert_true(strncmp(ok, "HTTP/1.0 200 OK\r\n", 17) == 0);
	free(ok);
	for (int i = 1; i < 4; i++)
		close(idle[i]);
	sg_buf_free(&reply);
}

static bool has_pollout(struct sg_metrics *m)
{
	struct pollfd fds[SG_METRICS_MAX_FDS];
	size_t n = sg_metrics_fds(m, fds, SG_METRICS_MAX_FDS);

	for (size_t i = 0; i < n; i++) {
		if (fds[i].events & POLLOUT)
			return true;
	}
	return false;
}

static void test_large_answer(void **state)
{
	struct fixture *f = *state;
	const char *req = "GET /metrics HTTP/1.0\r\n\r\n";
	struct sg_buf reply;
	char name[32];
	bool waited = false;
	int fd;

	for (int i = 0; i < 20000; i++) {
		struct sg_stats_delta d;

		snprintf(name, sizeof(name), "domain-%05d.example", i);
		d = th_signed(0, SG_KIND_DKIM, name, "selector2024", 1, 10);
		assert_int_equal(sg_stats_add(f->stats, &d), SG_OK);
	}
	fd = client(f);
	send_all(fd, req, strlen(req));
	for (int i = 0; i < 100 && !waited; i++) {
		pump(f->m, 10);		/* the client does not read yet */
		waited = has_pollout(f->m);
	}
	assert_true(waited);
	sg_buf_init(&reply, SIZE_MAX);
	assert_true(read_reply(f, fd, &reply, 20000));
	assert_true(reply.len > 4 * 1024 * 1024);
	assert_non_null(strstr(reply.data, "domain=\"domain-19999.example\""));
	assert_int_equal(strtoul(strstr(reply.data, "Content-Length: ") + 16, NULL, 10),
			 strlen(body_of(reply.data)));
	close(fd);
	sg_buf_free(&reply);
}

static void test_clients_leave_early(void **state)
{
	struct fixture *f = *state;
	struct pollfd fds[SG_METRICS_MAX_FDS];
	int a = client(f), b = client(f);

	send_all(b, "GET /metrics HTTP/1.0\r\n\r\n", 25);
	close(a);		/* nothing sent */
	close(b);		/* asked and left */
	for (int i = 0; i < 50 && sg_metrics_fds(f->m, fds, SG_METRICS_MAX_FDS) > 1; i++)
		pump(f->m, 10);
	assert_int_equal(sg_metrics_fds(f->m, fds, SG_METRICS_MAX_FDS), 1);
	assert_int_equal(sg_metrics_timeout_ms(f->m), -1);
}

static void test_accept_out_of_fds(void **state)
{
	struct fixture *f = *state;
	struct pollfd fds[SG_METRICS_MAX_FDS];
	struct rlimit old, low;
	struct sg_buf reply;
	int fd = client(f), t;
	int64_t start;

	assert_int_equal(sg_metrics_fds(f->m, fds, SG_METRICS_MAX_FDS), 1);	/* the listener */
	assert_int_equal(sg_metrics_timeout_ms(f->m), -1);
	send_all(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)fd + 1;	/* no descriptor left for accept */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	pump(f->m, 50);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	start = ms_now();
	assert_int_equal(sg_metrics_fds(f->m, fds, SG_METRICS_MAX_FDS), 0);	/* paused */
	t = sg_metrics_timeout_ms(f->m);
	assert_true(t > 0 && t <= 100);
	sg_buf_init(&reply, SIZE_MAX);
	assert_true(read_reply(f, fd, &reply, 3000));
	assert_true(ms_now() - start >= t - 5);
	assert_true(strncmp(reply.data, "HTTP/1.0 200 OK\r\n", 17) == 0);
	close(fd);
	sg_buf_free(&reply);
}

static void test_open(void **state)
{
	struct fixture *f = *state;
	struct sg_metrics *m = NULL;
	struct sg_error err;
	char addr[64];

	sg_error_clear(&err);
	assert_int_equal(sg_metrics_open("0.0.0.0:0", f->stats, &m, &err), SG_E_SYNTAX);
	assert_null(m);
	assert_non_null(strstr(err.msg, "not a loopback address"));
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned)sg_metrics_port(f->m));
	assert_int_equal(sg_metrics_open(addr, f->stats, &m, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, addr));
	if (sg_metrics_open("[::1]:0", f->stats, &m, &err) != SG_OK) {
		print_message("no IPv6 loopback here (%s): [::1] not tried\n", err.msg);
		return;
	}
	assert_true(sg_metrics_port(m) != 0);
	sg_metrics_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_at_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_client_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clients_leave_early, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_out_of_fds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
