/*
 * NAME
 *   test_server.c - unit tests for control/daemon/server.c
 *
 * SUMMARY
 *   The whole daemon: sg_daemon_run in a thread, clients over the real
 *   socket. A command answered; a silent client, one that stops in the
 *   middle of a message and one that never reads its answers dropped
 *   after idle_ms (and logged, each with its reason); the
 *   connection cap (the client over it gets an ERROR, the others go on);
 *   SIGHUP read from a signalfd reloads the configuration; SIGTERM stops
 *   the loop; "shutdown" is answered, then the loop returns and
 *   sg_daemon_free removes the socket file. Start-up: the state directory
 *   made with mode 0750, a broken configuration refused with its
 *   FILE:LINE:COLUMN, a second daemon on the same socket refused.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "daemon_testutil.h"

struct runner {
	struct dt *t;
	pthread_t th;
	enum sg_err rc;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->rc = sg_daemon_run(r->t->d, NULL);
	return NULL;
}

static void run(struct runner *r, struct dt *t)
{
	r->t = t;
	r->rc = SG_E_STATE;
	assert_int_equal(pthread_create(&r->th, NULL, run_thread, r), 0);
}

static int connect_client(const struct dt *t)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(strlen(t->sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, t->sock, strlen(t->sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void hello(struct dt *t, int fd)
{
	struct sg_wire_in r;

	dt_send_hello(fd, SG_PROTO_VERSION, "test");
	dt_read(t, fd, &r);
	assert_int_equal(r.type, SG_MSG_HELLO);
}

static void command(struct dt *t, int fd, enum sg_cmd_id id, const char *word,
		    struct sg_table *out)
{
	dt_send_command_id(fd, id, 1, &word);
	dt_expect_table(t, fd, out);
}

/* The client's next read sees the connection closed. */
static void expect_closed(int fd, int within_ms)
{
	struct sg_buf b;
	struct sg_error err;

	sg_buf_init(&b, SG_WIRE_MAX);
	sg_error_clear(&err);
	assert_int_equal(sg_wire_read(fd, &b, within_ms, &err), SG_E_IO);
	if (strcmp(err.msg, "connection closed") != 0)
		fail_msg("expected the daemon to close, got: %s", err.msg);
	sg_buf_free(&b);
}

static void shutdown_and_join(struct dt *t, struct runner *r)
{
	struct sg_table tab;
	struct stat st;
	int fd = connect_client(t);

	hello(t, fd);
	command(t, fd, SG_CMD_SHUTDOWN, "shutdown", &tab);
	assert_string_equal(tab.message, "signet-controld is shutting down");
	sg_table_free(&tab);
	assert_int_equal(pthread_join(r->th, NULL), 0);
	assert_int_equal(r->rc, SG_OK);
	assert_int_equal(lstat(t->sock, &st), 0);	/* until sg_daemon_free */
	sg_daemon_free(t->d);
	t->d = NULL;
	assert_int_equal(lstat(t->sock, &st), -1);
	expect_closed(fd, 1000);
	close(fd);
	assert_true(kt_log_has(&t->log, "stopped"));
}

static void test_serve_and_shutdown(void **state)
{
	struct sg_table tab;
	struct runner r;
	struct stat st;
	struct dt t;
	char state_dir[4300];
	int fd;

	(void)state;
	memset(&t, 0, sizeof(t));
	dt_config(&t, "", NULL);
	dt_start(&t);
	snprintf(state_dir, sizeof(state_dir), "%s/state", t.dir);
	assert_int_equal(stat(state_dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_true(kt_log_has(&t.log, "listening on"));
	run(&r, &t);
	fd = connect_client(&t);
	hello(&t, fd);
	command(&t, fd, SG_CMD_VERSION, "version", &tab);
	assert_string_equal(tab.title, "version");
	sg_table_free(&tab);
	command(&t, fd, SG_CMD_SUMMARY, "summary", &tab);
	assert_string_equal(kt_cell(&tab, (size_t)kt_find_row(&tab, "counter", "clients"),
				    "value"), "1");
	sg_table_free(&tab);
	shutdown_and_join(&t, &r);
	expect_closed(fd, 1000);			/* every client goes */
	close(fd);
	dt_stop(&t);
}

static void test_idle_clients_dropped(void **state)
{
	struct sg_table tab;
	struct runner r;
	struct dt t;
	int quiet, partial, busy;

	(void)state;
	memset(&t, 0, sizeof(t));
	dt_config(&t, "", NULL);
	dt_start_opts(&t, 300, 0, -1);
	run(&r, &t);
	quiet = connect_client(&t);
	partial = connect_client(&t);
	assert_int_equal(write(partial, "\0\0\0\x20\0\x01", 6), 6);
	busy = connect_client(&t);
	hello(&t, busy);
	for (int i = 0; i < 4; i++) {			/* 4 x 100 ms: past 300 ms */
		usleep(100000);
		command(&t, busy, SG_CMD_VERSION, "version", &tab);
		sg_table_free(&tab);
	}
	expect_closed(quiet, 1000);
	expect_closed(partial, 1000);
	command(&t, busy, SG_CMD_VERSION, "version", &tab);	/* still served */
	sg_table_free(&tab);
	close(quiet);
	close(partial);
	close(busy);
	shutdown_and_join(&t, &r);			/* the log is ours again */
	assert_true(kt_log_has(&t.log, "dropped: nothing received within 300 ms"));
	assert_true(kt_log_has(&t.log, "dropped: message not complete within 300 ms"));
	dt_stop(&t);
}

/* A client that pipelines requests and never reads the answers: once an
 * answer no longer fits in the socket the daemon reads nothing more from it
 * and drops it at the deadline, saying why. */
static void test_deaf_client_dropped(void **state)
{
	const char *word = "summary";
	struct sg_wire_out w;
	struct sg_buf batch;
	struct pollfd p;
	struct runner r;
	struct dt t;
	int deaf;

	(void)state;
	memset(&t, 0, sizeof(t));
	dt_config(&t, "", NULL);
	dt_start_opts(&t, 300, 0, -1);
	run(&r, &t);
	deaf = connect_client(&t);
	hello(&t, deaf);
	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(sg_wire_put_u64(&w, SG_CMD_SUMMARY), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 1), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, word), SG_OK);
	assert_int_equal(sg_wire_finish(&w), SG_OK);
	sg_buf_init(&batch, SG_WIRE_MAX);
	for (int i = 0; i < 100; i++)		/* answers ~40 times their request */
		assert_int_equal(sg_buf_append(&batch, w.buf.data, w.buf.len), SG_OK);
	sg_wire_out_free(&w);
	while (send(deaf, batch.data, batch.len, MSG_NOSIGNAL | MSG_DONTWAIT) ==
	       (ssize_t)batch.len)
		;
	sg_buf_free(&batch);
	p = (struct pollfd){ .fd = deaf, .events = POLLRDHUP };
	assert_int_equal(poll(&p, 1, 5000), 1);	/* the daemon closed it */
	close(deaf);
	shutdown_and_join(&t, &r);
	assert_true(kt_log_has(&t.log, "dropped: answer not read within 300 ms"));
	dt_stop(&t);
}

static void test_connection_cap(void **state)
{
	struct sg_table tab;
	struct runner r;
	struct dt t;
	int a, b, c;

	(void)state;
	memset(&t, 0, sizeof(t));
	dt_config(&t, "", NULL);
	dt_start_opts(&t, 0, 2, -1);
	run(&r, &t);
	a = connect_client(&t);
	hello(&t, a);
	b = connect_client(&t);
	hello(&t, b);
	c = connect_client(&t);
	dt_expect_error(&t, c, "too many connections (2); try again later");
	expect_closed(c, 1000);
	command(&t, a, SG_CMD_VERSION, "version", &tab);
	sg_table_free(&tab);
	close(c);
	close(b);
	close(a);
	usleep(100000);					/* the daemon sees them go */
	shutdown_and_join(&t, &r);
	assert_true(kt_log_has(&t.log, "connection refused: 2 clients already"));
	dt_stop(&t);
}

static void test_signals(void **state)
{
	struct runner r;
	sigset_t set, old;
	struct dt t;
	int sfd;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	assert_true(sfd >= 0);
	memset(&t, 0, sizeof(t));
	dt_config(&t, "", NULL);
	dt_start_opts(&t, 0, 0, sfd);
	assert_int_equal(t.d->conf->nscopes, 0);
	run(&r, &t);
	dt_config(&t, "", "dkim_sign \"x\" { key = \"k/%{d}.key\" }\n");
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	usleep(200000);
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	assert_int_equal(pthread_join(r.th, NULL), 0);
	assert_int_equal(r.rc, SG_OK);
	assert_true(kt_log_has(&t.log, "SIGHUP: reloading the configuration"));
	assert_int_equal(t.d->conf->nscopes, 1);
	assert_true(kt_log_has(&t.log, "signal 15: shutting down"));
	dt_stop(&t);
	close(sfd);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}

static void test_start_refusals(void **state)
{
	struct sg_daemon_opts o = { .signal_fd = -1 };
	struct sg_daemon *d = NULL;
	struct sg_error err;
	char other[4300], pid[64];
	struct dt t;

	(void)state;
	memset(&t, 0, sizeof(t));
	dt_config(&t, "", NULL);
	dt_start(&t);
	o.config_path = t.conf;
	o.log = kt_log_fn;
	o.log_env = &t.log;
	sg_error_clear(&err);
	assert_int_equal(sg_daemon_new(&o, &d, &err), SG_E_STATE);	/* same state_dir */
	assert_null(d);
	snprintf(pid, sizeof(pid), "is in use by another signet-controld (pid %ld)",
		 (long)getpid());
	assert_non_null(strstr(err.msg, pid));

	snprintf(other, sizeof(other), "%s/other.conf", t.dir);	/* same socket */
	dt_write(other, "control {\n  socket = \"ctl.sock\"\n  state_dir = \"state2\"\n"
		 "  metrics_listen = \"\"\n}\n");
	o.config_path = other;
	sg_error_clear(&err);
	assert_int_equal(sg_daemon_new(&o, &d, &err), SG_E_IO);
	assert_null(d);
	assert_non_null(strstr(err.msg, "another process is listening on"));
	o.config_path = t.conf;
	sg_daemon_free(t.d);
	t.d = NULL;

	dt_write(t.conf, "control {\n  socket = \"ctl.sock\"\n  bogus = 1\n}\n");
	sg_error_clear(&err);
	assert_int_not_equal(sg_daemon_new(&o, &d, &err), SG_OK);
	assert_null(d);
	assert_non_null(strstr(err.msg, "signet.conf:3:3:"));
	dt_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve_and_shutdown),
		cmocka_unit_test(test_idle_clients_dropped),
		cmocka_unit_test(test_deaf_client_dropped),
		cmocka_unit_test(test_connection_cap),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_start_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
