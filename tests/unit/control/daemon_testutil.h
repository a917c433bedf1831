/*
 * NAME
 *   daemon_testutil.h - helpers for the tests of control/daemon/
 *
 * SUMMARY
 *   struct dt is one daemon under test in a fresh folder: dt_config writes
 *   DIR/signet.conf (socket, state and keys inside DIR, metrics off, the
 *   given admin_group, then body), dt_start builds the daemon with
 *   sg_daemon_new (its log collected in t->log), dt_stop frees it and
 *   removes the folder. dt_session makes a session on one end of a
 *   socketpair, registered with the daemon like an accepted client, and
 *   returns the other (blocking) end as the client; dt_pump lets the
 *   session read what the client wrote. Client side: dt_hello,
 *   dt_command (words -> COMMAND with the matched row's id), dt_read
 *   (one message, opened; fails the test on a timeout), dt_expect_error
 *   (an ERROR whose text contains a needle), dt_expect_table (a RESULT,
 *   decoded). Header-only: included once per test program.
 */
#ifndef SIGNET_TEST_DAEMON_TESTUTIL_H
#define SIGNET_TEST_DAEMON_TESTUTIL_H

#include <stdarg.h>
#include <sys/socket.h>

#include "keys_testutil.h"

#include "daemon_internal.h"

struct dt {
	char *dir;
	char conf[4200];
	char sock[4200];
	struct sg_daemon *d;
	struct kt_log log;
	struct sg_buf msg;		/* the last message dt_read got */
};

static inline void dt_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static inline void dt_config(struct dt *t, const char *admin_group, const char *body)
{
	char text[8192];

	if (t->dir == NULL) {
		t->dir = kt_tmpdir();
		snprintf(t->conf, sizeof(t->conf), "%s/signet.conf", t->dir);
		snprintf(t->sock, sizeof(t->sock), "%s/ctl.sock", t->dir);
	}
	snprintf(text, sizeof(text),
		 "control {\n  socket = \"ctl.sock\"\n  state_dir = \"state\"\n"
		 "  metrics_listen = \"\"\n  admin_group = \"%s\"\n}\n%s",
		 admin_group, body ? body : "");
	dt_write(t->conf, text);
}

static inline void dt_start_opts(struct dt *t, int idle_ms, size_t max_conns, int signal_fd)
{
	struct sg_daemon_opts o = {
		.config_path = t->conf, .signal_fd = signal_fd, .idle_ms = idle_ms,
		.max_conns = max_conns, .log = kt_log_fn, .log_env = &t->log,
	};
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_daemon_new(&o, &t->d, &err) != SG_OK)
		fail_msg("daemon does not start: %s", err.msg);
	sg_buf_init(&t->msg, SG_WIRE_MAX);
}

static inline void dt_start(struct dt *t)
{
	dt_start_opts(t, 0, 0, -1);
}

static inline void dt_stop(struct dt *t)
{
	sg_daemon_free(t->d);
	t->d = NULL;
	sg_buf_free(&t->msg);
	kt_rmtree(t->dir);
	t->dir = NULL;
}

static inline struct session *dt_session(struct dt *t, bool admin, int *client)
{
	struct sg_peer peer = { .pid = getpid(), .uid = admin ? 0 : 65534,
				.gid = admin ? 0 : 65534, .admin = admin };
	struct session **grown;
	struct session *s;
	int sv[2];

	snprintf(peer.user, sizeof(peer.user), "%s", admin ? "root" : "nobody");
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	s = session_new(t->d, sv[0], &peer);
	assert_non_null(s);
	grown = realloc(t->d->sessions, (t->d->nsessions + 1) * sizeof(*grown));
	assert_non_null(grown);
	t->d->sessions = grown;
	t->d->sessions[t->d->nsessions++] = s;
	*client = sv[1];
	return s;
}

static inline void dt_pump(struct dt *t, struct session *s)
{
	session_readable(t->d, s);
}

static inline void dt_send(int fd, struct sg_wire_out *w)
{
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(sg_wire_finish(w), SG_OK);
	if (sg_wire_write(fd, w, 1000, &err) != SG_OK)
		fail_msg("client cannot send: %s", err.msg);
	sg_wire_out_free(w);
}

static inline void dt_send_hello(int fd, uint64_t version, const char *name)
{
	struct sg_wire_out w;

	sg_wire_begin(&w, SG_MSG_HELLO);
	assert_int_equal(sg_wire_put_u64(&w, version), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, name), SG_OK);
	dt_send(fd, &w);
}

static inline void dt_read(struct dt *t, int fd, struct sg_wire_in *r)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_wire_read(fd, &t->msg, 2000, &err) != SG_OK ||
	    sg_wire_open(r, t->msg.data, t->msg.len, &err) != SG_OK)
		fail_msg("client gets no message: %s", err.msg);
}

static inline void dt_expect_error(struct dt *t, int fd, const char *needle)
{
	struct sg_wire_in r;
	char text[600];

	dt_read(t, fd, &r);
	if (r.type != SG_MSG_ERROR)
		fail_msg("expected ERROR with \"%s\", got message type %d", needle, (int)r.type);
	assert_true(sg_wire_get_str(&r, text, sizeof(text)));
	assert_true(sg_wire_end(&r));
	if (strstr(text, needle) == NULL)
		fail_msg("ERROR \"%s\" does not contain \"%s\"", text, needle);
}

/* Decodes a RESULT into out (free with sg_table_free). */
static inline void dt_expect_table(struct dt *t, int fd, struct sg_table *out)
{
	struct sg_wire_in r;
	char text[600];

	dt_read(t, fd, &r);
	if (r.type == SG_MSG_ERROR && sg_wire_get_str(&r, text, sizeof(text)))
		fail_msg("expected RESULT, got ERROR \"%s\"", text);
	assert_int_equal(r.type, SG_MSG_RESULT);
	assert_int_equal(sg_table_decode(&r, out), SG_OK);
	assert_true(sg_wire_end(&r));
}

/* A HELLO exchange on a fresh session. */
static inline void dt_handshake(struct dt *t, struct session *s, int fd)
{
	struct sg_wire_in r;

	dt_send_hello(fd, SG_PROTO_VERSION, "test client");
	dt_pump(t, s);
	dt_read(t, fd, &r);
	assert_int_equal(r.type, SG_MSG_HELLO);
	assert_int_equal(s->state, SESSION_READY);
}

/* COMMAND {id of the row the words match, argc, words}. */
static inline void dt_send_command_id(int fd, uint64_t id, size_t argc, const char *const *argv)
{
	struct sg_wire_out w;

	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(sg_wire_put_u64(&w, id), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, argc), SG_OK);
	for (size_t i = 0; i < argc; i++)
		assert_int_equal(sg_wire_put_str(&w, argv[i]), SG_OK);
	dt_send(fd, &w);
}

/* Splits line at spaces and sends it with the id sg_command_match finds. */
static inline void dt_command(struct dt *t, struct session *s, int fd, const char *line)
{
	char copy[1024], *save = NULL, why[256];
	const char *argv[SG_CMD_MAX_ARGS];
	struct sg_cmd_params p;
	size_t argc = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok_r(copy, " ", &save); w && argc < SG_CMD_MAX_ARGS;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (!sg_command_match(argc, argv, &p, why, sizeof(why)))
		fail_msg("test command \"%s\" does not match: %s", line, why);
	dt_send_command_id(fd, (uint64_t)p.cmd->id, argc, argv);
	dt_pump(t, s);
}

#endif
