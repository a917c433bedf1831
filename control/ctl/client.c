/*
 * NAME
 *   client.c - signetctl's connection to signet-controld (see ctl.h)
 *
 * SUMMARY
 *   Connects to the Unix stream socket within the timeout (a full accept
 *   queue is retried until the deadline), sends HELLO {version, client
 *   name} and expects HELLO {version, server version} back. A daemon that
 *   refuses at once (over its connection cap) may close before the HELLO
 *   arrives: the ERROR it left is read even when the HELLO cannot be sent.
 *   A request is COMMAND {id, argc, words...}; the answer is RESULT
 *   {table} or ERROR {message}. A connection the daemon has closed in the
 *   meantime (it drops clients idle for SG_DAEMON_IDLE_MS, as a console
 *   left at its prompt) fails the COMMAND's send: the command never
 *   arrived, so it is sent once more on a new connection. Every read has
 *   the deadline of the timeout and the size limit of proto.h; anything
 *   else closes the connection and is reported as broken.
 *
 * UNTRUSTED INPUT
 *   Every message from the daemon, decoded with the typed getters of
 *   proto.h and checked to end where its last field ends.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Control plane. */
#include "ctl.h"

void ctl_client_init(struct ctl_client *c, const char *path, int timeout_ms)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->fd = -1;
	c->timeout_ms = timeout_ms;
}

void ctl_client_close(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* connect() on a non-blocking socket: a Unix socket whose accept queue is
 * full says EAGAIN; try again until the deadline. */
static int connect_within(int fd, const struct sockaddr_un *sa, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	for (;;) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

static void connect_failed(const struct ctl_client *c, int e, char *msg, size_t cap)
{
	const char *hint = "";

	if (e == ENOENT || e == ECONNREFUSED)
		hint = " (is signet-controld running?)";
	else if (e == EACCES || e == EPERM)
		hint = " (run as root or as a member of the control socket's group)";
	snprintf(msg, cap, "cannot connect to %s: %s%s", c->path, strerror(e), hint);
}

/* Reads one message into buf and opens it; false with msg on failure. */
static bool read_message(struct ctl_client *c, struct sg_buf *buf, struct sg_wire_in *r,
			 const char *what, char *msg, size_t cap)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_wire_read(c->fd, buf, c->timeout_ms, &err) != SG_OK ||
	    sg_wire_open(r, buf->data, buf->len, &err) != SG_OK) {
		snprintf(msg, cap, "%s from signet-controld at %s: %s", what, c->path, err.msg);
		return false;
	}
	return true;
}

static bool send_message(struct ctl_client *c, struct sg_wire_out *w, char *msg, size_t cap)
{
	struct sg_error err;
	bool ok;

	sg_error_clear(&err);
	ok = sg_wire_finish(w) == SG_OK && sg_wire_write(c->fd, w, c->timeout_ms, &err) == SG_OK;
	if (!ok)
		snprintf(msg, cap, "cannot send to signet-controld at %s: %s", c->path,
			 err.msg[0] ? err.msg : "message too large");
	sg_wire_out_free(w);
	return ok;
}

/* An ERROR message's text, or a note that even that was malformed. */
static void error_text(struct sg_wire_in *r, char *msg, size_t cap)
{
	if (!sg_wire_get_str(r, msg, cap) || !sg_wire_end(r))
		snprintf(msg, cap, "malformed ERROR message: %s", r->why);
}

static void refused(const struct ctl_client *c, struct sg_wire_in *r, char *msg, size_t cap)
{
	char why[512];

	error_text(r, why, sizeof(why));
	snprintf(msg, cap, "signet-controld at %s refused the connection: %s", c->path, why);
}

/* After a HELLO that could not be sent: the daemon's ERROR, if it left one
 * before closing, replaces msg; so does what reading found instead (the
 * connection closed, no answer in time), which says more than the send
 * error (EPIPE or ECONNRESET, depending on who was faster). */
static void read_refusal(struct ctl_client *c, char *msg, size_t cap)
{
	struct sg_wire_in r;
	struct sg_buf buf;

	sg_buf_init(&buf, SG_WIRE_MAX);
	if (read_message(c, &buf, &r, "no greeting", msg, cap) && r.type == SG_MSG_ERROR)
		refused(c, &r, msg, cap);
	sg_buf_free(&buf);
}

static bool handshake(struct ctl_client *c, char *msg, size_t cap)
{
	struct sg_wire_out w;
	struct sg_wire_in r;
	struct sg_buf buf;
	uint64_t version = 0;
	bool ok = false;

	sg_wire_begin(&w, SG_MSG_HELLO);
	if (sg_wire_put_u64(&w, SG_PROTO_VERSION) != SG_OK ||
	    sg_wire_put_str(&w, "signetctl " SG_CTL_VERSION) != SG_OK) {
		sg_wire_out_free(&w);
		snprintf(msg, cap, "out of memory");
		return false;
	}
	if (!send_message(c, &w, msg, cap)) {
		read_refusal(c, msg, cap);
		return false;
	}
	sg_buf_init(&buf, SG_WIRE_MAX);
	if (!read_message(c, &buf, &r, "no greeting", msg, cap)) {
		/* nothing more to say */
	} else if (r.type == SG_MSG_ERROR) {
		refused(c, &r, msg, cap);
	} else if (r.type != SG_MSG_HELLO || !sg_wire_get_u64(&r, &version) ||
		   !sg_wire_get_str(&r, c->server_version, sizeof(c->server_version)) ||
		   !sg_wire_end(&r)) {
		snprintf(msg, cap, "bad greeting from %s (not signet-controld?): %s", c->path,
			 r.type != SG_MSG_HELLO ? "not a HELLO message" : r.why);
	} else if (version != SG_PROTO_VERSION) {
		snprintf(msg, cap, "signet-controld at %s speaks protocol version %llu, signetctl "
			 "speaks %d", c->path, (unsigned long long)version, SG_PROTO_VERSION);
	} else {
		ok = true;
	}
	sg_buf_free(&buf);
	return ok;
}

bool ctl_client_connect(struct ctl_client *c, char *msg, size_t cap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int e;

	msg[0] = '\0';
	ctl_client_close(c);
	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		snprintf(msg, cap, "socket path too long: %s", c->path);
		return false;
	}
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		snprintf(msg, cap, "cannot make a socket: %s", strerror(errno));
		return false;
	}
	if (connect_within(c->fd, &sa, c->timeout_ms) != 0) {
		e = errno;
		ctl_client_close(c);
		connect_failed(c, e, msg, cap);
		return false;
	}
	/* The wire functions wait with poll() and expect a blocking descriptor. */
	if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    !handshake(c, msg, cap)) {
		if (msg[0] == '\0')
			snprintf(msg, cap, "cannot set up the socket: %s", strerror(errno));
		ctl_client_close(c);
		return false;
	}
	return true;
}

static bool send_command(struct ctl_client *c, const struct sg_cmd_params *p, size_t argc,
			 const char *const *argv, char *msg, size_t cap)
{
	struct sg_wire_out w;
	bool ok;

	sg_wire_begin(&w, SG_MSG_COMMAND);
	ok = sg_wire_put_u64(&w, (uint64_t)p->cmd->id) == SG_OK &&
	     sg_wire_put_u64(&w, argc) == SG_OK;
	for (size_t i = 0; ok && i < argc; i++)
		ok = sg_wire_put_str(&w, argv[i]) == SG_OK;
	if (!ok) {
		sg_wire_out_free(&w);
		snprintf(msg, cap, "cannot encode the command (a word is not UTF-8?)");
		return false;
	}
	return send_message(c, &w, msg, cap);
}

/* Sends the command on the open connection, or on a new one when there is
 * none or the daemon has closed it (then the command never arrived). */
static bool deliver(struct ctl_client *c, const struct sg_cmd_params *p, size_t argc,
		    const char *const *argv, char *msg, size_t cap)
{
	if (c->fd >= 0 && send_command(c, p, argc, argv, msg, cap))
		return true;
	if (!ctl_client_connect(c, msg, cap))
		return false;
	if (send_command(c, p, argc, argv, msg, cap))
		return true;
	ctl_client_close(c);
	return false;
}

enum ctl_answer ctl_client_request(struct ctl_client *c, const struct sg_cmd_params *p,
				   size_t argc, const char *const *argv, struct sg_table *out,
				   char *msg, size_t cap)
{
	enum ctl_answer a = CTL_ANSWER_BROKEN;
	struct sg_wire_in r;
	struct sg_buf buf;

	sg_table_init(out, "");
	msg[0] = '\0';
	if (!deliver(c, p, argc, argv, msg, cap))
		return CTL_ANSWER_BROKEN;
	sg_buf_init(&buf, SG_WIRE_MAX);
	if (!read_message(c, &buf, &r, "no answer", msg, cap)) {
		/* broken */
	} else if (r.type == SG_MSG_ERROR) {
		error_text(&r, msg, cap);
		a = CTL_ANSWER_ERROR;
	} else if (r.type != SG_MSG_RESULT) {
		snprintf(msg, cap, "unexpected message type %d from signet-controld", (int)r.type);
	} else if (sg_table_decode(&r, out) != SG_OK || !sg_wire_end(&r)) {
		snprintf(msg, cap, "malformed answer from signet-controld: %s", r.why);
	} else {
		a = CTL_ANSWER_RESULT;
	}
	sg_buf_free(&buf);
	if (a == CTL_ANSWER_BROKEN)
		ctl_client_close(c);
	return a;
}
