/*
 * NAME
 *   test_jobs.c - unit tests for control/daemon/jobs.c, alone and as
 *                 signet-controld runs `dns test` with it
 *
 * SUMMARY
 *   The runner with a stand-in job that waits for the test's word (or its
 *   cancel flag): a job runs on its own thread, its eventfd turns
 *   readable only when it is done, and jobs_collect answers the client it
 *   was started for; the cap refuses the next job (and frees its work);
 *   jobs_cancel stops one client's job and not another's; jobs_stop
 *   cancels and joins a running job, answers it, and refuses new ones;
 *   jobs_free joins without answering.
 *   Then the whole daemon (sg_daemon_run in a thread, clients on the real
 *   socket) with control.resolver pointed at a UDP socket of the test,
 *   which answers each query only when the test says so (NXDOMAIN): while
 *   a dns test waits for DNS, another client's commands are answered and
 *   the asking client's next command waits its turn; a client that leaves
 *   gets no answer and its job stops after the lookup under way; a fifth
 *   test at once is refused as busy; shutdown with a test running stops
 *   it between two lookups and answers it with an ERROR that says why.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "daemon_testutil.h"

/* ---- the runner alone ---- */

struct fake {
	int gate[2];			/* a byte on gate[1] lets run return */
	bool saw_cancel;
	int done_calls;
	uint64_t done_client;
	bool freed;
};

static void fake_run(void *arg, const atomic_bool *cancel)
{
	struct fake *f = arg;
	struct pollfd p = { .fd = f->gate[0], .events = POLLIN };

	while (!atomic_load(cancel)) {
		if (poll(&p, 1, 10) > 0)
			return;
	}
	f->saw_cancel = true;
}

static void fake_done(void *env, uint64_t client, void *arg)
{
	struct fake *f = arg;

	assert_ptr_equal(env, &f->done_calls);	/* the env given to collect */
	f->done_calls++;
	f->done_client = client;
}

static void fake_free(void *arg)
{
	struct fake *f = arg;

	f->freed = true;
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(pipe(f->gate), 0);
}

static void fake_close(struct fake *f)
{
	close(f->gate[0]);
	close(f->gate[1]);
}

static void start_fake(struct jobs *j, uint64_t client, struct fake *f)
{
	struct job_work w = { fake_run, fake_done, fake_free, f };
	struct sg_error err;

	sg_error_clear(&err);
	if (jobs_start(j, client, &w, "dns test", &err) != SG_OK)
		fail_msg("job not started: %s", err.msg);
}

static void release(struct fake *f)
{
	assert_int_equal(write(f->gate[1], "x", 1), 1);
}

static bool wakes_within(const struct jobs *j, int ms)
{
	struct pollfd p = { .fd = jobs_fd(j), .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static void test_job_answers_its_client(void **state)
{
	struct jobs *j = NULL;
	struct fake f;

	(void)state;
	fake_init(&f);
	assert_int_equal(jobs_new(2, &j, NULL), SG_OK);
	start_fake(j, 7, &f);
	assert_int_equal(jobs_running(j), 1);
	assert_false(wakes_within(j, 50));
	jobs_collect(j, &f.done_calls);		/* nothing done: nothing happens */
	assert_int_equal(f.done_calls, 0);
	assert_int_equal(jobs_running(j), 1);
	release(&f);
	assert_true(wakes_within(j, 2000));
	jobs_collect(j, &f.done_calls);
	assert_int_equal(f.done_calls, 1);
	assert_int_equal(f.done_client, 7);
	assert_true(f.freed);
	assert_false(f.saw_cancel);
	assert_int_equal(jobs_running(j), 0);
	assert_false(wakes_within(j, 0));	/* the wake-up was consumed */
	jobs_free(j);
	fake_close(&f);
}

static void test_cap(void **state)
{
	struct fake f[3];
	struct jobs *j = NULL;
	struct job_work w = { fake_run, fake_done, fake_free, &f[2] };
	struct sg_error err;

	(void)state;
	for (int i = 0; i < 3; i++)
		fake_init(&f[i]);
	assert_int_equal(jobs_new(2, &j, NULL), SG_OK);
	start_fake(j, 1, &f[0]);
	start_fake(j, 2, &f[1]);
	sg_error_clear(&err);
	assert_int_equal(jobs_start(j, 3, &w, "dns test", &err), SG_E_STATE);
	assert_string_equal(err.msg, "busy: 2 dns tests running; try again");
	assert_true(f[2].freed);
	assert_int_equal(jobs_running(j), 2);
	release(&f[0]);
	while (jobs_running(j) == 2) {
		assert_true(wakes_within(j, 2000));
		jobs_collect(j, &f[0].done_calls);
	}
	assert_int_equal(f[0].done_calls, 1);
	f[2].freed = false;
	start_fake(j, 3, &f[2]);		/* room again */
	assert_int_equal(jobs_running(j), 2);
	jobs_free(j);
	for (int i = 0; i < 3; i++)
		fake_close(&f[i]);
}

static void test_cancel_one_client(void **state)
{
	struct fake a, b;
	struct jobs *j = NULL;

	(void)state;
	fake_init(&a);
	fake_init(&b);
	assert_int_equal(jobs_new(4, &j, NULL), SG_OK);
	start_fake(j, 1, &a);
	start_fake(j, 2, &b);
	jobs_cancel(j, 1);
	assert_true(wakes_within(j, 2000));
	jobs_collect(j, &a.done_calls);
	assert_true(a.saw_cancel);
	assert_int_equal(a.done_calls, 1);
	assert_true(a.freed);
	assert_int_equal(jobs_running(j), 1);	/* b goes on */
	assert_false(b.freed);
	release(&b);
	assert_true(wakes_within(j, 2000));
	jobs_collect(j, &b.done_calls);
	assert_false(b.saw_cancel);
	assert_int_equal(b.done_client, 2);
	jobs_free(j);
	fake_close(&a);
	fake_close(&b);
}

static void test_stop_and_free(void **state)
{
	struct fake a, b, c;
	struct jobs *j = NULL;
	struct job_work w = { fake_run, fake_done, fake_free, &c };
	struct sg_error err;

	(void)state;
	fake_init(&a);
	fake_init(&b);
	fake_init(&c);
	assert_int_equal(jobs_new(4, &j, NULL), SG_OK);
	start_fake(j, 5, &a);			/* never released */
	jobs_stop(j, &a.done_calls);
	assert_true(a.saw_cancel);
	assert_int_equal(a.done_calls, 1);
	assert_int_equal(a.done_client, 5);
	assert_true(a.freed);
	assert_int_equal(jobs_running(j), 0);
	sg_error_clear(&err);
	assert_int_equal(jobs_start(j, 6, &w, "dns test", &err), SG_E_STATE);
	assert_string_equal(err.msg, "signet-controld is shutting down: no new dns test");
	assert_true(c.freed);
	jobs_free(j);
	/* jobs_free joins a running job without answering it. */
	assert_int_equal(jobs_new(4, &j, NULL), SG_OK);
	start_fake(j, 8, &b);
	jobs_free(j);
	assert_true(b.saw_cancel);
	assert_true(b.freed);
	assert_int_equal(b.done_calls, 0);
	fake_close(&a);
	fake_close(&b);
	fake_close(&c);
}

/* ---- dns test through the daemon ---- */

struct site {
	struct dt t;
	int dns;			/* the test's "DNS server" */
	pthread_t loop;
	enum sg_err rc;
};

static void *loop_main(void *arg)
{
	struct site *s = arg;

	s->rc = sg_daemon_run(s->t.d, NULL);
	return NULL;
}

static void key_for(struct site *s, const char *domain)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/keys/%s/sel.key", s->t.dir, domain);
	kt_key_file(path, SG_KEY_ED25519, 0);
}

/* A daemon whose resolver is the test's UDP socket; selector "sel" signs
 * a.example.com and b.example.com. */
static void site_start(struct site *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char text[4096];

	memset(s, 0, sizeof(*s));
	s->dns = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->dns, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s->dns, (struct sockaddr *)&a, &len), 0);
	dt_config(&s->t, "", NULL);		/* the folder and paths */
	snprintf(text, sizeof(text),
		 "control {\n  socket = \"ctl.sock\"\n  state_dir = \"state\"\n"
		 "  metrics_listen = \"\"\n  admin_group = \"\"\n"
		 "  resolver = \"127.0.0.1:%d\"\n}\n"
		 "dkim_sign \"main\" {\n  key = \"keys/%%{d}/%%{s}.key\"\n"
		 "  dk_domain \"a.example.com\" { selector = \"sel\" }\n"
		 "  dk_domain \"b.example.com\" { selector = \"sel\" }\n}\n",
		 ntohs(a.sin_port));
	dt_write(s->t.conf, text);
	key_for(s, "a.example.com");
	key_for(s, "b.example.com");
	dt_start(&s->t);
	assert_int_equal(pthread_create(&s->loop, NULL, loop_main, s), 0);
}

static int client(struct site *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sg_wire_in r;

	assert_true(strlen(s->t.sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, s->t.sock, strlen(s->t.sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	dt_send_hello(fd, SG_PROTO_VERSION, "test");
	dt_read(&s->t, fd, &r);
	assert_int_equal(r.type, SG_MSG_HELLO);
	return fd;
}

/* Sends the words as one COMMAND (no answer read). */
static void send_line(int fd, const char *line)
{
	char copy[256], *save = NULL, why[256];
	const char *argv[SG_CMD_MAX_ARGS];
	struct sg_cmd_params p;
	size_t argc = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	assert_true(sg_command_match(argc, argv, &p, why, sizeof(why)));
	dt_send_command_id(fd, (uint64_t)p.cmd->id, argc, argv);
}

/* line is answered at once with a table titled title. */
static void answered(struct site *s, int fd, const char *line, const char *title)
{
	struct sg_table tab;

	send_line(fd, line);
	dt_expect_table(&s->t, fd, &tab);
	assert_string_equal(tab.title, title);
	sg_table_free(&tab);
}

/* Nothing to read on fd for ms. */
static void quiet(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, ms), 0);
}

struct query {
	uint8_t pkt[512];
	ssize_t len;
	struct sockaddr_in from;
};

/* The next query to the test's server (fails after 3 s); false when none
 * came within ms and may_miss. */
static bool next_query(struct site *s, struct query *q, int ms, bool may_miss)
{
	struct pollfd p = { .fd = s->dns, .events = POLLIN };
	socklen_t len = sizeof(q->from);

	if (poll(&p, 1, ms) != 1) {
		if (!may_miss)
			fail_msg("no DNS query within %d ms", ms);
		return false;
	}
	q->len = recvfrom(s->dns, q->pkt, sizeof(q->pkt), 0, (struct sockaddr *)&q->from, &len);
	assert_true(q->len >= 12);
	return true;
}

/* NXDOMAIN: the query itself with QR, RA and RCODE 3. */
static void answer_nxdomain(struct site *s, struct query *q)
{
	q->pkt[2] |= 0x80;
	q->pkt[3] = (uint8_t)((q->pkt[3] & 0x70) | 0x80 | 3);
	assert_int_equal(sendto(s->dns, q->pkt, (size_t)q->len, 0, (struct sockaddr *)&q->from,
				sizeof(q->from)), q->len);
}

/* Stops the daemon with "shutdown" from a new client; the loop returns. */
static void site_shutdown(struct site *s)
{
	struct sg_table tab;
	int fd = client(s);

	send_line(fd, "shutdown");
	dt_expect_table(&s->t, fd, &tab);
	sg_table_free(&tab);
	assert_int_equal(pthread_join(s->loop, NULL), 0);
	assert_int_equal(s->rc, SG_OK);
	close(fd);
}

static void site_stop(struct site *s)
{
	close(s->dns);
	dt_stop(&s->t);
}

static void test_loop_serves_while_dns_waits(void **state)
{
	struct site s;
	struct query q;
	struct sg_table tab;
	int asker, other;

	(void)state;
	site_start(&s);
	asker = client(&s);
	other = client(&s);
	send_line(asker, "dns test sel");
	send_line(asker, "version");		/* waits for the dns test's answer */
	next_query(&s, &q, 3000, false);	/* the job asks and waits */
	answered(&s, other, "selector list", "selectors");
	answered(&s, other, "version", "version");
	quiet(asker, 50);			/* no answer to the asker yet */
	answer_nxdomain(&s, &q);
	next_query(&s, &q, 3000, false);	/* the second domain */
	answer_nxdomain(&s, &q);
	dt_expect_table(&s.t, asker, &tab);
	assert_string_equal(tab.title, "dns test");
	assert_int_equal(tab.nrows, 2);
	assert_string_equal(kt_cell(&tab, 0, "domain"), "a.example.com");
	assert_string_equal(kt_cell(&tab, 0, "result"), "not found");
	assert_string_equal(kt_cell(&tab, 1, "domain"), "b.example.com");
	assert_string_equal(tab.message, "failed: 2 of 2 records not found and matching");
	sg_table_free(&tab);
	dt_expect_table(&s.t, asker, &tab);	/* then the command it sent next */
	assert_string_equal(tab.title, "version");
	sg_table_free(&tab);
	site_shutdown(&s);
	close(asker);
	close(other);
	site_stop(&s);
}

static void test_client_leaves(void **state)
{
	struct site s;
	struct query q;
	int asker, other;

	(void)state;
	site_start(&s);
	asker = client(&s);
	send_line(asker, "dns test sel");
	next_query(&s, &q, 3000, false);
	close(asker);
	/* A round trip on another connection: the loop has seen the close. */
	other = client(&s);
	answered(&s, other, "version", "version");
	answer_nxdomain(&s, &q);
	/* Cancelled: the second domain is not looked up. */
	assert_false(next_query(&s, &q, 300, true));
	site_shutdown(&s);
	assert_true(kt_log_has(&s.t.log, "dns test sel: the client left before the answer"));
	close(other);
	site_stop(&s);
}

static void test_busy(void **state)
{
	struct site s;
	struct query q[DAEMON_JOBS_MAX];
	struct sg_table tab;
	int fd[DAEMON_JOBS_MAX + 1];

	(void)state;
	site_start(&s);
	for (int i = 0; i <= DAEMON_JOBS_MAX; i++)
		fd[i] = client(&s);
	for (int i = 0; i < DAEMON_JOBS_MAX; i++) {
		send_line(fd[i], "dns test sel a.example.com");
		next_query(&s, &q[i], 3000, false);
	}
	send_line(fd[DAEMON_JOBS_MAX], "dns test sel a.example.com");
	dt_expect_error(&s.t, fd[DAEMON_JOBS_MAX], "busy: 4 dns tests running; try again");
	answered(&s, fd[DAEMON_JOBS_MAX], "version", "version");	/* it goes on */
	for (int i = 0; i < DAEMON_JOBS_MAX; i++)
		answer_nxdomain(&s, &q[i]);
	for (int i = 0; i < DAEMON_JOBS_MAX; i++) {
		dt_expect_table(&s.t, fd[i], &tab);
		assert_string_equal(tab.message, "failed: 1 of 1 records not found and matching");
		sg_table_free(&tab);
	}
	site_shutdown(&s);
	for (int i = 0; i <= DAEMON_JOBS_MAX; i++)
		close(fd[i]);
	site_stop(&s);
}


static void test_shutdown_with_a_test_running(void **state)
{
	struct site s;
	struct query q;
	struct sg_table tab;
	int asker, admin;

	(void)state;
	site_start(&s);
	asker = client(&s);
	admin = client(&s);
	send_line(asker, "dns test sel");
	next_query(&s, &q, 3000, false);
	send_line(admin, "shutdown");
	dt_expect_table(&s.t, admin, &tab);	/* answered before the join */
	assert_string_equal(tab.message, "signet-controld is shutting down");
	sg_table_free(&tab);
	quiet(asker, 100);			/* the loop waits for the lookup */
	answer_nxdomain(&s, &q);
	dt_expect_error(&s.t, asker, "dns test sel stopped after 1 of 2 records: "
			"signet-controld is shutting down");
	assert_int_equal(pthread_join(s.loop, NULL), 0);
	assert_int_equal(s.rc, SG_OK);
	assert_false(next_query(&s, &q, 100, true));
	assert_true(kt_log_has(&s.t.log, "waiting for 1 dns test to stop"));
	close(asker);
	close(admin);
	site_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_answers_its_client),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_cancel_one_client),
		cmocka_unit_test(test_stop_and_free),
		cmocka_unit_test(test_loop_serves_while_dns_waits),
		cmocka_unit_test(test_client_leaves),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_shutdown_with_a_test_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
