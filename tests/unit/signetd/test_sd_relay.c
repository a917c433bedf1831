/*
 * NAME
 *   test_sd_relay.c - unit tests for dataplane/signetd/sd_relay.c,
 *                     sd_relay_conn.c and sd_relay_hop.c over loopback
 *                     sockets (fake signer, sink thread as next hop)
 *
 * SUMMARY
 *   A relay client's message reaches the sink with the signature field in
 *   front and the client's 250 carries the sink's queue id; a pipelined
 *   pair of messages on one session uses one next-hop connection (reuse);
 *   dot-stuffed lines survive; a pooled connection the next hop drops as
 *   it is reused (before DATA) costs nothing: the message goes out on a
 *   new one; one receive buffer shared by four busy clients (receives
 *   that find it taken are made again); a client outside relay_hosts gets
 *   550 5.7.1
 *   and nothing reaches the sink; next hop down: 451 4.4.1; the sink's
 *   554 passed through and its 451 as 451 4.4.0; no key: relayed unsigned,
 *   or 451 4.7.0 with tempfail_no_key; signing failure: 451 4.7.0; the
 *   connection limit: 421 4.3.2 greeting; idle timeout: 421 4.4.2; message
 *   text below the minimum rate: 421 4.7.0; stop:
 *   an idle session gets 421 4.3.2, the worker finishes and the port
 *   accepts no one any more; out of descriptors, with every descriptor
 *   that frees taken at once by someone else (this file's close()),
 *   waiting clients still get 421 4.3.2 and are closed, with and without
 *   IORING_ACCEPT_DONTWAIT, and are served again once descriptors free.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "relay_fixture.h"
#include "sd_relay_int.h"		/* the shed state, to force the polled path */

#define MAX_STEPS 16

struct fx_client {
	unsigned port;
	const char *send[MAX_STEPS];	/* text to send (NULL: only read) */
	unsigned expect[MAX_STEPS];	/* replies to read after it */
	unsigned pause_ms[MAX_STEPS];	/* wait before sending */
	unsigned nsteps;
	char replies[64][1024];		/* last line of each reply */
	unsigned nreplies;
	bool keep_open;			/* do not close at the end */
	int fd;
	atomic_bool done;
	pthread_t thread;
};

static void *client_main(void *arg)
{
	struct fx_client *c = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };
	struct fx_reader r;
	char line[1024];

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	fx_timeouts(c->fd);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto out;
	r = (struct fx_reader){ .fd = c->fd };
	for (unsigned i = 0; i < c->nsteps; i++) {
		if (c->pause_ms[i] > 0)
			usleep(c->pause_ms[i] * 1000u);
		if (c->send[i] != NULL)
			send(c->fd, c->send[i], strlen(c->send[i]), MSG_NOSIGNAL);
		for (unsigned k = 0; k < c->expect[i]; k++) {
			do {
				if (!fx_line(&r, line, sizeof(line)))
					goto out;
			} while (strlen(line) > 3 && line[3] == '-');
			snprintf(c->replies[c->nreplies++], sizeof(c->replies[0]), "%s", line);
		}
	}
out:
	if (!c->keep_open)
		close(c->fd);
	atomic_store(&c->done, true);
	return NULL;
}

static uint64_t fx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void client_start(struct fx_client *c, unsigned port)
{
	c->port = port;
	assert_int_equal(pthread_create(&c->thread, NULL, client_main, c), 0);
}

struct relay_env {
	struct fx_sink sink;
	struct fx_signer signer;
	struct sd_netlist relay_hosts;
	struct sg_smtp_server_config server;
	struct sg_smtp_client_config client;
	struct sd_relay_params p;
	_Atomic int mode;
	struct sd_relay_worker *w;
};

static void env_start(struct relay_env *e, const char *relay_hosts, bool sink_up)
{
	struct sg_error err;
	struct sockaddr_in *l = (struct sockaddr_in *)&e->p.listen;
	struct sockaddr_in *n = (struct sockaddr_in *)&e->p.next_hop;
	unsigned dead_port;
	int dead;

	memset(e, 0, sizeof(*e));
	if (sink_up) {
		fx_sink_start(&e->sink);
	} else {			/* a port nobody listens on */
		dead = fx_listen(&dead_port);
		close(dead);
		e->sink.port = dead_port;
	}
	assert_int_equal(sd_netlist_parse(relay_hosts, &e->relay_hosts, &err), SG_OK);
	e->server.hostname = "relay.test";
	e->p.relay_hosts = &e->relay_hosts;
	e->p.server = &e->server;
	e->p.client = &e->client;
	l->sin_family = n->sin_family = AF_INET;
	l->sin_addr.s_addr = n->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n->sin_port = htons((uint16_t)e->sink.port);
	e->p.listen_len = e->p.next_hop_len = sizeof(*l);
	e->p.max_conns = 8;
	e->p.pool_max = 1;
	e->p.limits = sd_limits_default();
	e->p.signer = (struct sd_signer_port){ fx_submit, fx_flush, fx_poll, fx_release,
					       fx_pending, fx_deadline, &e->signer };
	atomic_init(&e->mode, SD_MODE_RUN);
	e->p.mode = &e->mode;
}

static void env_open(struct relay_env *e)
{
	struct sg_error err;

	assert_int_equal(sd_relay_worker_new(&e->p, &e->w, &err), SG_OK);
	assert_true(sd_relay_worker_port(e->w) > 0);
}

static void env_stop(struct relay_env *e, bool sink_up)
{
	sd_relay_worker_free(e->w);
	if (sink_up)
		fx_sink_stop(&e->sink);
	sd_netlist_free(&e->relay_hosts);
}

/* Steps the worker until the client is done (hang guard: 20 s). */
static void wait_client(struct relay_env *e, struct fx_client *c)
{
	uint64_t end = fx_now_ms() + FX_HANG_S * 1000u;

	while (!atomic_load(&c->done) && fx_now_ms() < end)
		(void)sd_relay_worker_step(e->w, 10000);
	assert_true(atomic_load(&c->done));
	pthread_join(c->thread, NULL);
}

static void run_client(struct relay_env *e, struct fx_client *c)
{
	client_start(c, sd_relay_worker_port(e->w));
	wait_client(e, c);
}

#define MSG(from, body) "MAIL FROM:<a@" from ">\r\nRCPT TO:<b@example.org>\r\nDATA\r\n" \
	"From: a@" from "\r\nSubject: t\r\n\r\n" body "\r\n.\r\n"

static void test_signed_and_reused(void **state)
{
	struct relay_env e;
	struct fx_client c = { .send = { NULL, "EHLO me\r\n", MSG("example.com", "one"),
					 MSG("example.com", "..dot\r\ntwo"), "QUIT\r\n" },
			       .expect = { 1, 1, 4, 4, 1 }, .nsteps = 5 };

	(void)state;
	env_start(&e, "127.0.0.0/8", true);
	env_open(&e);
	run_client(&e, &c);
	assert_int_equal(c.nreplies, 11);
	assert_non_null(strstr(c.replies[0], "220 relay.test"));
	assert_non_null(strstr(c.replies[5], "250 2.0.0 signed and relayed; next hop: 250 "
					    "2.0.0 Ok: queued as Q0"));
	assert_non_null(strstr(c.replies[9], "queued as Q1"));
	assert_non_null(strstr(c.replies[10], "221"));
	assert_int_equal(e.sink.accepted, 2);
	assert_int_equal(e.sink.connections, 1);
	assert_string_equal(e.sink.msgs[0], "X-Fake-Signature: 1\r\nFrom: a@example.com\r\n"
			    "Subject: t\r\n\r\none\r\n");
	assert_non_null(strstr(e.sink.msgs[1], "\r\n.dot\r\ntwo\r\n"));
	assert_int_equal(sd_relay_worker_counts(e.w)->relayed_signed, 2);
	env_stop(&e, true);
}

/* The next hop drops a pooled connection as it is reused: the message
 * goes out again on a new one and the client never knows. */
static void test_reused_connection_lost(void **state)
{
	struct relay_env e;
	struct fx_client c = { .send = { NULL, "EHLO me\r\n", MSG("example.com", "one"),
					 MSG("example.com", "two"), MSG("example.com", "three"),
					 "QUIT\r\n" },
			       .expect = { 1, 1, 4, 4, 4, 1 }, .nsteps = 6 };

	(void)state;
	env_start(&e, "127.0.0.0/8", true);
	e.sink.drop_at_mail = 1;
	env_open(&e);
	run_client(&e, &c);
	assert_int_equal(c.nreplies, 15);
	assert_non_null(strstr(c.replies[5], "250 2.0.0 signed and relayed"));
	assert_non_null(strstr(c.replies[9], "250 2.0.0 signed and relayed"));
	assert_non_null(strstr(c.replies[13], "250 2.0.0 signed and relayed"));
	assert_int_equal(e.sink.accepted, 3);
	assert_int_equal(e.sink.connections, 3);
	assert_non_null(strstr(e.sink.msgs[1], "\r\ntwo\r\n"));
	env_stop(&e, true);
}

/* One receive buffer for four busy clients: receives that find it taken
 * are made again; every message arrives. (Whether a receive found the
 * buffer taken depends on timing; the count is printed.) */
static void test_one_receive_buffer(void **state)
{
	struct relay_env e;
	struct fx_client c[4];
	uint64_t end = fx_now_ms() + FX_HANG_S * 1000u;
	bool done;

	(void)state;
	env_start(&e, "127.0.0.0/8", true);
	e.p.recv_bufs = 1;
	env_open(&e);
	for (int i = 0; i < 4; i++) {
		c[i] = (struct fx_client){ .send = { NULL, "EHLO me\r\n", MSG("example.com", "a"),
						     MSG("example.com", "b"), "QUIT\r\n" },
					   .expect = { 1, 1, 4, 4, 1 }, .nsteps = 5 };
		client_start(&c[i], sd_relay_worker_port(e.w));
	}
	do {
		(void)sd_relay_worker_step(e.w, 10000);
		done = true;
		for (int i = 0; i < 4; i++)
			done = done && atomic_load(&c[i].done);
	} while (!done && fx_now_ms() < end);
	for (int i = 0; i < 4; i++) {
		pthread_join(c[i].thread, NULL);
		assert_int_equal(c[i].nreplies, 11);
		assert_non_null(strstr(c[i].replies[9], "250 2.0.0 signed and relayed"));
	}
	assert_int_equal(e.sink.accepted, 8);
	print_message("receives retried for want of a buffer: %llu\n",
		      (unsigned long long)sd_relay_worker_counts(e.w)->nobuf);
	env_stop(&e, true);
}

static void test_relay_refused(void **state)
{
	struct relay_env e;
	struct fx_client c = { .send = { NULL, "EHLO me\r\nMAIL FROM:<a@example.com>\r\n"
					 "RCPT TO:<b@example.org>\r\n", "QUIT\r\n" },
			       .expect = { 1, 3, 1 }, .nsteps = 3 };

	(void)state;
	env_start(&e, "::1/128", true);
	env_open(&e);
	run_client(&e, &c);
	assert_int_equal(c.nreplies, 5);
	assert_non_null(strstr(c.replies[3], "550 5.7.1"));
	assert_int_equal(e.signer.submitted, 0);
	assert_int_equal(e.sink.accepted, 0);
	env_stop(&e, true);
}

static void one_message(const char *hosts, bool sink_up, const char *final_reply,
			bool tempfail_no_key, const char *from, const char *expect,
			unsigned accepted)
{
	struct relay_env e;
	struct fx_client c = { .send = { NULL, "EHLO me\r\n", NULL, "QUIT\r\n" },
			       .expect = { 1, 1, 4, 1 }, .nsteps = 4 };
	char msg[512];

	snprintf(msg, sizeof(msg), "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"
		 "From: a@%s\r\n\r\nbody\r\n.\r\n", from);
	c.send[2] = msg;
	env_start(&e, hosts, sink_up);
	if (final_reply != NULL)
		snprintf(e.sink.final_reply, sizeof(e.sink.final_reply), "%s", final_reply);
	e.p.tempfail_no_key = tempfail_no_key;
	env_open(&e);
	run_client(&e, &c);
	assert_int_equal(c.nreplies, 7);
	if (strstr(c.replies[5], expect) == NULL)
		fail_msg("reply \"%s\", expected \"%s\"", c.replies[5], expect);
	if (sink_up)
		assert_int_equal(e.sink.accepted, accepted);
	env_stop(&e, sink_up);
}

static void test_outcomes(void **state)
{
	(void)state;
	one_message("127.0.0.1", false, NULL, false, "example.com", "451 4.4.1 next hop "
		    "unreachable", 0);
	one_message("127.0.0.1", true, "554 5.7.1 go away", false, "example.com",
		    "554 5.7.1 next hop: go away", 0);
	one_message("127.0.0.1", true, "452 4.3.1 full", false, "example.com",
		    "451 4.4.0 next hop deferred the message: 452 full", 0);
	one_message("127.0.0.1", true, NULL, false, "nokey.example", "250 2.0.0 relayed unsigned",
		    1);
	one_message("127.0.0.1", true, NULL, true, "nokey.example", "451 4.7.0 no signing key",
		    0);
	one_message("127.0.0.1", true, NULL, false, "signfail.example", "451 4.7.0 signing "
		    "failed", 0);
	one_message("127.0.0.1", true, NULL, false, "signperm.example", "554 5.6.0 message "
		    "cannot be signed: fake reason", 0);
}

static void test_unsigned_body_intact(void **state)
{
	struct relay_env e;
	struct fx_client c = { .send = { NULL, "EHLO me\r\n", MSG("nokey.example", "x"),
					 "QUIT\r\n" },
			       .expect = { 1, 1, 4, 1 }, .nsteps = 4 };

	(void)state;
	env_start(&e, "127.0.0.1", true);
	env_open(&e);
	run_client(&e, &c);
	assert_string_equal(e.sink.msgs[0], "From: a@nokey.example\r\nSubject: t\r\n\r\nx\r\n");
	assert_int_equal(sd_relay_worker_counts(e.w)->relayed_unsigned, 1);
	env_stop(&e, true);
}

static void test_busy_and_idle(void **state)
{
	struct relay_env e;
	struct fx_client hold = { .send = { NULL, NULL }, .expect = { 1, 1 }, .nsteps = 2 };
	struct fx_client busy = { .send = { NULL }, .expect = { 1 }, .nsteps = 1 };
	uint64_t end = fx_now_ms() + FX_HANG_S * 1000u;

	(void)state;
	env_start(&e, "127.0.0.1", true);
	e.p.max_conns = 1;
	e.p.limits.idle_ms = 300;
	env_open(&e);
	client_start(&hold, sd_relay_worker_port(e.w));	/* holds the only slot */
	while (sd_relay_worker_counts(e.w)->connections < 1 && fx_now_ms() < end)
		(void)sd_relay_worker_step(e.w, 10000);
	run_client(&e, &busy);
	assert_non_null(strstr(busy.replies[0], "421 4.3.2"));
	wait_client(&e, &hold);				/* until its idle timeout */
	assert_non_null(strstr(hold.replies[0], "220"));
	assert_non_null(strstr(hold.replies[1], "421 4.4.2"));
	while (sd_relay_worker_connections(e.w) > 0 && fx_now_ms() < end)
		(void)sd_relay_worker_step(e.w, 10000);
	assert_int_equal(sd_relay_worker_connections(e.w), 0);
	env_stop(&e, true);
}

static void test_stop(void **state)
{
	struct relay_env e;
	struct fx_client idle = { .send = { NULL }, .expect = { 2 }, .nsteps = 1 };
	struct fx_client late = { .send = { NULL }, .expect = { 1 }, .nsteps = 1 };
	uint64_t end = fx_now_ms() + FX_HANG_S * 1000u;
	unsigned port;

	(void)state;
	env_start(&e, "127.0.0.1", true);
	env_open(&e);
	port = sd_relay_worker_port(e.w);
	client_start(&idle, port);
	while (sd_relay_worker_counts(e.w)->connections < 1 && fx_now_ms() < end)
		(void)sd_relay_worker_step(e.w, 10000);
	atomic_store(&e.mode, SD_MODE_STOP);
	while (sd_relay_worker_step(e.w, 10000) && fx_now_ms() < end)
		;
	assert_true(fx_now_ms() < end);
	pthread_join(idle.thread, NULL);
	assert_int_equal(idle.nreplies, 2);
	assert_non_null(strstr(idle.replies[1], "421 4.3.2"));
	run_client(&e, &late);				/* the listener is gone */
	assert_int_equal(late.nreplies, 0);
	env_stop(&e, true);
}

/* A client that trickles message text (10 octets a second against a
 * minimum of 1000, judged after 300 ms) gets 421 4.7.0. */
static void test_too_slow(void **state)
{
	struct relay_env e;
	struct fx_client c = { .send = { NULL, "EHLO me\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
					 "DATA\r\n" }, .expect = { 1, 4 }, .nsteps = 2 };

	(void)state;
	for (unsigned i = 0; i < 12; i++) {
		c.send[c.nsteps] = "x";
		c.pause_ms[c.nsteps++] = 100;
	}
	c.expect[c.nsteps++] = 1;
	env_start(&e, "127.0.0.1", true);
	e.p.limits = (struct sd_conn_limits){ .idle_ms = 10000, .data_idle_ms = 10000,
					      .rate_grace_ms = 300, .min_rate = 1000 };
	env_open(&e);
	run_client(&e, &c);
	assert_int_equal(c.nreplies, 6);
	assert_non_null(strstr(c.replies[4], "354"));
	assert_non_null(strstr(c.replies[5], "421 4.7.0"));
	assert_int_equal(e.signer.submitted, 0);
	env_stop(&e, true);
}

/* ---- out of descriptors ---- */

/* Out of descriptors, another thread of the process takes each one that
 * frees (the other workers' accepts do). Made deterministic: this
 * program's close(), which comes before libc's for the worker's calls
 * too, takes the freed number at once while the thief is armed. */
static struct {
	int anchor;
	atomic_bool armed;
	atomic_uint stolen;
	int fds[64];
} thief = { .anchor = -1 };

int close(int fd)
{
	long rc = syscall(SYS_close, fd);
	int got;

	if (rc == 0 && atomic_load(&thief.armed) && (got = dup(thief.anchor)) >= 0) {
		unsigned i = atomic_fetch_add(&thief.stolen, 1);

		if (i < 64)
			thief.fds[i] = got;
	}
	return (int)rc;
}

struct log_lines {
	char text[4096];
	size_t len;
};

static void log_capture(void *ctx, const char *line)
{
	struct log_lines *l = ctx;

	l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s\n", line);
	if (l->len >= sizeof(l->text))
		l->len = sizeof(l->text) - 1;
}

/* Fills the descriptor table: the soft limit comes down to a little above
 * the lowest free number and dups take the rest. Returns how many. */
static int fill_fd_table(int anchor, int *fds, int cap, struct rlimit *saved)
{
	struct rlimit low;
	int probe = dup(anchor), n = 0;

	assert_true(probe >= 0);
	close(probe);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, saved), 0);
	low = (struct rlimit){ .rlim_cur = (rlim_t)probe + 8, .rlim_max = saved->rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < cap && (fds[n] = dup(anchor)) >= 0)
		n++;
	assert_int_equal(errno, EMFILE);
	return n;
}

/* Steps the worker until fd has a reply to read (or the hang guard): it
 * must be 421 4.3.2 and the connection closed after it. */
static void expect_refusal(struct relay_env *e, int fd)
{
	uint64_t end = fx_now_ms() + FX_HANG_S * 1000u;
	char reply[256];
	ssize_t n = -1, more = -1;

	while (n <= 0 && fx_now_ms() < end) {
		(void)sd_relay_worker_step(e->w, 10000);
		n = recv(fd, reply, sizeof(reply) - 1, MSG_DONTWAIT);
	}
	assert_true(n > 0);
	reply[n] = '\0';
	if (strncmp(reply, "421 4.3.2 ", 10) != 0 || reply[n - 1] != '\n')
		fail_msg("reply \"%s\", expected one line of 421 4.3.2", reply);
	while (more != 0 && fx_now_ms() < end) {
		(void)sd_relay_worker_step(e->w, 10000);
		more = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	}
	assert_int_equal(more, 0);
}

static void connect_to(int fd, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
}

/* The process is out of descriptors and another thread takes every one
 * that frees (as the other workers' accepts do): clients waiting in the
 * backlog still hear 421 4.3.2 at once, three in one round and one more
 * later; turning them away takes no descriptor from the process (the
 * thief gets none); the log says so once; with descriptors free again the
 * worker serves a client. dontwait false: as on a kernel that refuses
 * IORING_ACCEPT_DONTWAIT (before 6.10), the worker polls the backlog. */
static void out_of_descriptors(bool dontwait)
{
	struct relay_env e;
	struct log_lines log = { .len = 0 };
	struct fx_client after = { .send = { NULL, "QUIT\r\n" }, .expect = { 1, 1 }, .nsteps = 2 };
	struct rlimit saved;
	int clients[4], fill[512], nfill;
	const char *said;

	env_start(&e, "127.0.0.1", true);
	e.p.log = log_capture;
	e.p.log_ctx = &log;
	env_open(&e);
	e.w->shed.dontwait = dontwait;
	for (int i = 0; i < 4; i++)
		assert_true((clients[i] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	thief.anchor = open("/dev/null", O_RDONLY);
	assert_true(thief.anchor >= 0);
	nfill = fill_fd_table(thief.anchor, fill, 512, &saved);
	atomic_store(&thief.armed, true);
	for (int i = 0; i < 3; i++)
		connect_to(clients[i], sd_relay_worker_port(e.w));
	for (int i = 0; i < 3; i++)
		expect_refusal(&e, clients[i]);
	connect_to(clients[3], sd_relay_worker_port(e.w));
	expect_refusal(&e, clients[3]);
	atomic_store(&thief.armed, false);
	assert_int_equal(atomic_load(&thief.stolen), 0);
	assert_int_equal(sd_relay_worker_counts(e.w)->busy, 4);
	said = strstr(log.text, "out of file descriptors: turning clients away with 421");
	assert_non_null(said);
	assert_null(strstr(said + 1, "out of file descriptors"));
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	run_client(&e, &after);
	assert_int_equal(after.nreplies, 2);
	assert_non_null(strstr(after.replies[0], "220 relay.test"));
	for (unsigned i = 0; i < atomic_load(&thief.stolen) && i < 64; i++)
		close(thief.fds[i]);
	for (int i = 0; i < 4; i++)
		close(clients[i]);
	close(thief.anchor);
	env_stop(&e, true);
}

static void test_out_of_descriptors(void **state)
{
	(void)state;
	out_of_descriptors(true);
}

static void test_out_of_descriptors_polled(void **state)
{
	(void)state;
	out_of_descriptors(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_and_reused),
		cmocka_unit_test(test_reused_connection_lost),
		cmocka_unit_test(test_one_receive_buffer),
		cmocka_unit_test(test_relay_refused),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_unsigned_body_intact),
		cmocka_unit_test(test_busy_and_idle),
		cmocka_unit_test(test_too_slow),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_out_of_descriptors),
		cmocka_unit_test(test_out_of_descriptors_polled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
