/*
 * NAME
 *   test_sd_ctl.c - unit tests for dataplane/signetd/sd_ctl.c against a
 *                   fake signet-controld on a Unix socket
 *
 * SUMMARY
 *   The fake server lives in the test's thread: the client is
 *   non-blocking, so each step is "client runs, server reads and answers,
 *   client runs". Checked: HELLO (version and a name starting "signetd"),
 *   connected hook with the server's name; requests answered in order,
 *   each answer given with its own token (RESULT, ERROR, KEY_MATERIAL);
 *   a message in pieces; no server yet (the first failure told, then
 *   quiet retries, backoff doubling up to the cap, connect once it
 *   appears); HELLO refused; the server
 *   closing (tokens forgotten, send refused while down); a frame over the
 *   size limit; an answer nobody asked for; an overdue answer (the clock
 *   is the caller's); the in-flight cap; drain.
 */
#include "fake_controld.h"

#include "sd_ctl.h"

struct ev {
	int connected, disconnected;
	char server[128], why[256];
	uint64_t tokens[16];
	int types[16];
	char texts[16][64];
	size_t n, dropped;
};

static void on_connected(void *env, const char *server)
{
	struct ev *e = env;

	e->connected++;
	snprintf(e->server, sizeof(e->server), "%s", server);
}

static void on_disconnected(void *env, const char *why)
{
	struct ev *e = env;

	e->disconnected++;
	snprintf(e->why, sizeof(e->why), "%s", why);
}

static void on_answer(void *env, uint64_t token, struct sg_wire_in *r)
{
	struct ev *e = env;

	if (e->n == 16) {		/* only the first 16 are kept */
		e->dropped++;
		return;
	}
	e->tokens[e->n] = token;
	e->types[e->n] = (int)r->type;
	e->texts[e->n][0] = '\0';
	if (r->type == SG_MSG_ERROR)
		assert_true(sg_wire_get_str(r, e->texts[e->n], sizeof(e->texts[0])));
	e->n++;
}

struct t {
	char dir[64], path[128];
	int listen_fd, peer;
	struct ev ev;
	struct sd_ctl *c;
	uint64_t now;
};

static void server_listen(struct t *t)
{
	t->listen_fd = fc_listen(t->path);
}

static struct t *setup(bool listening)
{
	struct t *t = calloc(1, sizeof(*t));
	struct sd_ctl_hooks hooks = { on_connected, on_disconnected, on_answer, &t->ev };
	struct sg_error err;

	strcpy(t->dir, "/tmp/sd-ctl-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/ctl.sock", t->dir);
	t->listen_fd = t->peer = -1;
	t->now = 1000;
	if (listening)
		server_listen(t);
	assert_int_equal(sd_ctl_new(t->path, "signetd test", &hooks, &t->c, &err), SG_OK);
	return t;
}

static void teardown(struct t *t)
{
	sd_ctl_free(t->c);
	if (t->peer >= 0)
		close(t->peer);
	if (t->listen_fd >= 0)
		close(t->listen_fd);
	unlink(t->path);
	rmdir(t->dir);
	free(t);
}

static void server_read(struct t *t, struct sg_wire_in *r, struct sg_buf *buf)
{
	fc_read(t->peer, r, buf);
}

static void server_send(struct t *t, struct sg_wire_out *w)
{
	fc_send(t->peer, w);
}

static void server_hello(struct t *t, const char *name)
{
	t->peer = fc_accept_hello(t->listen_fd, "signetd test", name);
}

static void client_run(struct t *t)
{
	struct pollfd pfd;

	if (sd_ctl_pollfd(t->c, t->now, &pfd))
		(void)poll(&pfd, 1, 200);
	sd_ctl_run(t->c, pfd.revents, t->now);
}

static void connect_ready(struct t *t)
{
	client_run(t);			/* connects, sends HELLO */
	server_hello(t, "fake controld 9");
	client_run(t);			/* reads the answer */
	assert_true(sd_ctl_ready(t->c));
	assert_int_equal(t->ev.connected, 1);
	assert_string_equal(t->ev.server, "fake controld 9");
}

static bool send_request(struct t *t, uint64_t token)
{
	struct sg_wire_out w;

	sg_wire_begin(&w, SG_MSG_KEY_REQUEST);
	assert_int_equal(sg_wire_put_u64(&w, 0), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, "example.com"), SG_OK);
	return sd_ctl_send(t->c, &w, token);
}

static void test_requests_in_order(void **state)
{
	struct t *t = setup(true);
	struct sg_wire_out w;
	struct sg_wire_in r;
	struct sg_buf buf;

	(void)state;
	connect_ready(t);
	assert_true(send_request(t, 10));
	assert_true(send_request(t, 11));
	assert_true(send_request(t, 12));
	assert_int_equal(sd_ctl_inflight(t->c), 3);
	client_run(t);
	for (int i = 0; i < 3; i++) {
		server_read(t, &r, &buf);
		assert_int_equal(r.type, SG_MSG_KEY_REQUEST);
		sg_buf_free(&buf);
	}
	sg_wire_begin(&w, SG_MSG_RESULT);
	server_send(t, &w);
	sg_wire_begin(&w, SG_MSG_ERROR);
	assert_int_equal(sg_wire_put_str(&w, "permission denied"), SG_OK);
	server_send(t, &w);
	sg_wire_begin(&w, SG_MSG_KEY_MATERIAL);
	assert_int_equal(sg_wire_put_u64(&w, 3), SG_OK);
	assert_int_equal(sg_wire_finish(&w), SG_OK);
	/* the last one in two pieces */
	assert_int_equal(write(t->peer, w.buf.data, 5), 5);
	client_run(t);
	assert_int_equal(t->ev.n, 2);
	assert_int_equal(write(t->peer, w.buf.data + 5, w.buf.len - 5), (ssize_t)w.buf.len - 5);
	sg_wire_out_free(&w);
	client_run(t);
	assert_int_equal(t->ev.n, 3);
	assert_int_equal(t->ev.tokens[0], 10);
	assert_int_equal(t->ev.types[0], SG_MSG_RESULT);
	assert_int_equal(t->ev.tokens[1], 11);
	assert_string_equal(t->ev.texts[1], "permission denied");
	assert_int_equal(t->ev.tokens[2], 12);
	assert_int_equal(t->ev.types[2], SG_MSG_KEY_MATERIAL);
	assert_int_equal(sd_ctl_inflight(t->c), 0);
	assert_int_equal(t->ev.disconnected, 0);
	teardown(t);
}

static void test_no_server_then_server(void **state)
{
	struct t *t = setup(false);

	(void)state;
	assert_false(send_request(t, 1));		/* not ready */
	client_run(t);
	assert_int_equal(t->ev.disconnected, 1);	/* the first failure is told */
	assert_non_null(strstr(t->ev.why, "cannot connect to"));
	assert_int_equal(sd_ctl_timeout_ms(t->c, t->now), 100);
	t->now += 100;
	client_run(t);
	assert_int_equal(t->ev.disconnected, 1);	/* the next ones are not */
	assert_int_equal(sd_ctl_timeout_ms(t->c, t->now), 200);
	for (int i = 0; i < 10; i++) {
		t->now += 10000;
		client_run(t);
	}
	assert_int_equal(sd_ctl_timeout_ms(t->c, t->now), SD_CTL_BACKOFF_MAX_MS);
	server_listen(t);
	t->now += SD_CTL_BACKOFF_MAX_MS;
	connect_ready(t);
	assert_int_equal(sd_ctl_timeout_ms(t->c, t->now), -1);	/* nothing due */
	teardown(t);
}

static void test_hello_refused(void **state)
{
	struct t *t = setup(true);
	struct sg_wire_out w;
	struct sg_wire_in r;
	struct sg_buf buf;

	(void)state;
	client_run(t);
	t->peer = accept(t->listen_fd, NULL, NULL);
	server_read(t, &r, &buf);
	sg_buf_free(&buf);
	sg_wire_begin(&w, SG_MSG_ERROR);
	assert_int_equal(sg_wire_put_str(&w, "protocol version 1 is not supported"), SG_OK);
	server_send(t, &w);
	client_run(t);
	assert_false(sd_ctl_ready(t->c));
	assert_int_equal(t->ev.disconnected, 1);
	assert_string_equal(t->ev.why, "signet-controld refused HELLO: protocol version 1 is "
			    "not supported");
	assert_int_equal(t->ev.connected, 0);
	teardown(t);
}

static void test_server_closes(void **state)
{
	struct t *t = setup(true);

	(void)state;
	connect_ready(t);
	assert_true(send_request(t, 5));
	client_run(t);
	close(t->peer);
	t->peer = -1;
	client_run(t);
	assert_int_equal(t->ev.disconnected, 1);
	assert_non_null(strstr(t->ev.why, "signet-controld closed the connection"));
	assert_int_equal(sd_ctl_inflight(t->c), 0);
	assert_false(send_request(t, 6));
	t->now += 100;
	client_run(t);				/* reconnects: HELLO again */
	server_hello(t, "back");
	client_run(t);
	assert_int_equal(t->ev.connected, 2);
	teardown(t);
}

static void test_bad_frames(void **state)
{
	static const uint8_t huge[8] = { 0x7f, 0xff, 0xff, 0xff, 0, 4, 0, 0 };
	struct t *t = setup(true);
	struct sg_wire_out w;

	(void)state;
	connect_ready(t);
	assert_int_equal(write(t->peer, huge, sizeof(huge)), 8);
	client_run(t);
	assert_int_equal(t->ev.disconnected, 1);
	assert_non_null(strstr(t->ev.why, "bad frame from signet-controld: message of "
			       "2147483647 bytes announced"));
	close(t->peer);
	t->now += 100;
	client_run(t);
	server_hello(t, "again");
	client_run(t);
	sg_wire_begin(&w, SG_MSG_RESULT);	/* nobody asked */
	server_send(t, &w);
	client_run(t);
	assert_int_equal(t->ev.disconnected, 2);
	assert_string_equal(t->ev.why, "unexpected message type 4 from signet-controld");
	teardown(t);
}

static void test_overdue_answer(void **state)
{
	struct t *t = setup(true);

	(void)state;
	connect_ready(t);
	assert_true(send_request(t, 1));
	client_run(t);
	assert_int_equal(sd_ctl_timeout_ms(t->c, t->now), SD_CTL_ANSWER_MS);
	t->now += SD_CTL_ANSWER_MS - 1;
	client_run(t);
	assert_int_equal(t->ev.disconnected, 0);
	t->now += 1;
	client_run(t);
	assert_int_equal(t->ev.disconnected, 1);
	assert_string_equal(t->ev.why, "no answer from signet-controld for 10000 ms");
	teardown(t);
}

static void test_inflight_cap_and_drain(void **state)
{
	struct t *t = setup(true);
	struct sg_wire_in r;
	struct sg_buf buf;

	(void)state;
	connect_ready(t);
	for (int i = 0; i < SD_CTL_INFLIGHT; i++)
		assert_true(send_request(t, (uint64_t)i));
	assert_false(send_request(t, 99999));
	/* the server answers nothing: drain gives up in time */
	assert_false(sd_ctl_drain(t->c, 50));
	assert_int_equal(t->ev.disconnected, 0);
	for (int i = 0; i < SD_CTL_INFLIGHT; i++) {
		struct sg_wire_out w;

		server_read(t, &r, &buf);
		sg_buf_free(&buf);
		sg_wire_begin(&w, SG_MSG_RESULT);
		server_send(t, &w);
		if (i % 16 == 15)	/* the client reads as it goes */
			sd_ctl_run(t->c, POLLIN, t->now);
	}
	assert_true(sd_ctl_drain(t->c, 2000));
	assert_int_equal(sd_ctl_inflight(t->c), 0);
	assert_int_equal(t->ev.n + t->ev.dropped, SD_CTL_INFLIGHT);
	assert_int_equal(t->ev.tokens[15], 15);
	teardown(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_in_order),
		cmocka_unit_test(test_no_server_then_server),
		cmocka_unit_test(test_hello_refused),
		cmocka_unit_test(test_server_closes),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_overdue_answer),
		cmocka_unit_test(test_inflight_cap_and_drain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
