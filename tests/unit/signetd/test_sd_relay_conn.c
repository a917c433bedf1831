/*
 * NAME
 *   test_sd_relay_conn.c - unit tests for sd_relay_conn.c: signed messages
 *                          to the next hop at once (loopback sockets, the fake
 *                          signer and the sink thread of relay_fixture.h)
 *
 * SUMMARY
 *   A message the signer has finished when the completion handler that
 *   submitted it ends goes to the idle next-hop connection at once and
 *   that write is submitted in the same handler, not after the round's
 *   other completions (the fake signer finishes a message at the next
 *   poll, as a batch signed inside the submit does). With the signer's
 *   batch deadline passed the hand-over is left to the round (which
 *   flushes the partial batch first): the write is still queued when the
 *   round ends, and the message arrives all the same.
 */
#include <time.h>

#include "relay_fixture.h"
#include "sd_relay_int.h"

struct conn_env {
	struct fx_sink sink;
	struct fx_signer signer;
	struct sd_netlist hosts;
	struct sg_smtp_server_config server;
	struct sg_smtp_client_config client;
	struct sd_relay_params p;
	_Atomic int mode;
	struct sd_relay_worker *w;
	bool deadline_passed;		/* the fake signer's batch deadline */
	int fd;				/* the client's socket */
};

static enum sg_err env_submit(void *ctx, const uint8_t *msg, size_t len,
			      const struct dp_client_facts *facts, uint64_t cookie,
			      struct sg_error *err)
{
	return fx_submit(&((struct conn_env *)ctx)->signer, msg, len, facts, cookie, err);
}

static size_t env_poll(void *ctx, struct dp_done *done, size_t max)
{
	return fx_poll(&((struct conn_env *)ctx)->signer, done, max);
}

static size_t env_pending(void *ctx)
{
	return fx_pending(&((struct conn_env *)ctx)->signer);
}

static uint64_t env_deadline(void *ctx)
{
	return ((struct conn_env *)ctx)->deadline_passed ? 0 : fx_deadline(ctx);
}

/* A loopback address with the given port. */
static socklen_t loopback(struct sockaddr_storage *ss, unsigned port)
{
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = htons((uint16_t)port);
	return sizeof(*a);
}

/* Sink, worker (one next-hop connection at most) and a connected client. */
static void env_up(struct conn_env *e, bool deadline_passed)
{
	struct sockaddr_storage relay;
	struct sg_error err;

	memset(e, 0, sizeof(*e));
	e->deadline_passed = deadline_passed;
	fx_sink_start(&e->sink);
	assert_int_equal(sd_netlist_parse("127.0.0.0/8", &e->hosts, &err), SG_OK);
	e->server.hostname = "relay.test";
	atomic_init(&e->mode, SD_MODE_RUN);
	e->p = (struct sd_relay_params){
		.relay_hosts = &e->hosts, .server = &e->server, .client = &e->client,
		.max_conns = 4, .pool_max = 1, .limits = sd_limits_default(),
		.signer = { env_submit, fx_flush, env_poll, fx_release, env_pending,
			    env_deadline, e },
		.mode = &e->mode,
	};
	e->p.listen_len = loopback(&e->p.listen, 0);
	e->p.next_hop_len = loopback(&e->p.next_hop, e->sink.port);
	assert_int_equal(sd_relay_worker_new(&e->p, &e->w, &err), SG_OK);
	e->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(e->fd >= 0);
	fx_timeouts(e->fd);
	assert_int_equal(connect(e->fd, (struct sockaddr *)&relay,
				 loopback(&relay, sd_relay_worker_port(e->w))), 0);
}

static void env_down(struct conn_env *e)
{
	close(e->fd);
	sd_relay_worker_free(e->w);
	fx_sink_stop(&e->sink);
	sd_netlist_free(&e->hosts);
}

static bool sink_has(struct conn_env *e, unsigned n)
{
	return atomic_load(&e->sink.accepted) >= n;
}

static bool signer_has(struct conn_env *e, unsigned n)
{
	return e->signer.submitted >= n;
}

/* One round at a time until done(e, n). A hang guard of FX_HANG_S
 * seconds, not a count of rounds: with the deadline passed a round does
 * not wait at all. */
static void rounds_until(struct conn_env *e, bool (*done)(struct conn_env *, unsigned),
			 unsigned n)
{
	time_t give_up = time(NULL) + FX_HANG_S;

	while (!done(e, n) && time(NULL) < give_up)
		(void)sd_relay_worker_step(e->w, 10000);
	assert_true(done(e, n));
}

#define MESSAGE(n) "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n" \
	"From: a@example.com\r\nSubject: " n "\r\n\r\nbody " n "\r\n.\r\n"

/* The first message opens the next-hop connection; the second finds it
 * idle. Ends with the round in which the second went to the signer. */
static void second_message_signed(struct conn_env *e)
{
	fx_send(e->fd, "EHLO me\r\n" MESSAGE("one"));
	rounds_until(e, sink_has, 1);
	assert_int_equal(e->signer.submitted, 1);
	fx_send(e->fd, MESSAGE("two"));
	rounds_until(e, signer_has, 2);
}

static void test_signed_goes_out_at_once(void **state)
{
	struct conn_env e;

	(void)state;
	env_up(&e, false);
	second_message_signed(&e);
	assert_int_equal(e.signer.n, 0);
	assert_int_equal(e.w->nhops, 1);
	/* message two went to the hop and its write to the kernel in that
	 * round (a quick sink may even have taken it already) */
	assert_true(e.w->hops->conn != NULL || sink_has(&e, 2));
	assert_int_equal(io_uring_sq_ready(&e.w->ring), 0);
	rounds_until(&e, sink_has, 2);
	assert_int_equal(e.sink.connections, 1);
	assert_non_null(strstr(e.sink.msgs[1], "body two"));
	env_down(&e);
}

static void test_deadline_passed_left_to_round(void **state)
{
	struct conn_env e;

	(void)state;
	env_up(&e, true);
	second_message_signed(&e);
	assert_int_equal(e.signer.n, 0);		/* the round polled it */
	assert_true(e.w->hops->conn != NULL);
	assert_true(io_uring_sq_ready(&e.w->ring) > 0);	/* its write: next round */
	rounds_until(&e, sink_has, 2);
	assert_non_null(strstr(e.sink.msgs[1], "body two"));
	env_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_goes_out_at_once),
		cmocka_unit_test(test_deadline_passed_left_to_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
