/*
 * NAME
 *   sd_ctl.c - non-blocking control-socket client of signetd (see sd_ctl.h)
 *
 * SUMMARY
 *   States: IDLE (no socket; reconnect at retry_at), HELLO (connected,
 *   HELLO sent, its answer awaited), READY. Output is one byte queue;
 *   input is assembled one frame at a time (header, then the announced
 *   length). Tokens of requests wait in a FIFO ring until their answer.
 *
 * UNTRUSTED INPUT
 *   Bytes from the socket (see sd_ctl.h).
 */

/* System library. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Control plane (wire format). */
#include "proto.h"

/* signetd. */
#include "sd_ctl.h"

enum ctl_state { CTL_IDLE, CTL_HELLO, CTL_READY };

struct sd_ctl {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char name[128];
	struct sd_ctl_hooks hooks;
	enum ctl_state state;
	int fd;
	uint64_t retry_at, backoff_ms;
	uint64_t last_now;		/* the caller's clock at the last sd_ctl_run */
	bool down_reported;		/* a failure was reported, no HELLO since */
	uint64_t oldest_sent_ms;	/* when the oldest unanswered request went */
	struct sg_buf out;
	size_t out_off;
	struct sg_buf in;
	size_t need;
	uint64_t tokens[SD_CTL_INFLIGHT];
	uint64_t sent_ms[SD_CTL_INFLIGHT];
	size_t tok_head, tok_count;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

enum sg_err sd_ctl_new(const char *path, const char *name, const struct sd_ctl_hooks *hooks,
		       struct sd_ctl **out, struct sg_error *err)
{
	struct sd_ctl *c;

	if (strlen(path) >= sizeof(c->path))
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "control socket path %s is longer "
				    "than %zu bytes", path, sizeof(c->path) - 1);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->hooks = *hooks;
	c->fd = -1;
	c->backoff_ms = SD_CTL_BACKOFF_MIN_MS;
	sg_buf_init(&c->out, SD_CTL_OUT_MAX);
	sg_buf_init(&c->in, SG_WIRE_MAX);
	*out = c;
	return SG_OK;
}

static void reset_io(struct sd_ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sg_buf_free(&c->out);	/* wipes */
	sg_buf_free(&c->in);
	c->out_off = 0;
	c->need = 0;
	c->tok_head = c->tok_count = 0;
}

void sd_ctl_free(struct sd_ctl *c)
{
	if (c == NULL)
		return;
	reset_io(c);
	free(c);
}

/* Drops the connection; the hooks hear why (only once it was up). */
static void lose(struct sd_ctl *c, uint64_t now, const char *fmt, ...) SG_PRINTF(3, 4);
static void lose(struct sd_ctl *c, uint64_t now, const char *fmt, ...)
{
	enum ctl_state was = c->state;
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	reset_io(c);
	c->state = CTL_IDLE;
	c->retry_at = now + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > SD_CTL_BACKOFF_MAX_MS ? SD_CTL_BACKOFF_MAX_MS :
			c->backoff_ms * 2;
	if ((was == CTL_READY || !c->down_reported) && c->hooks.disconnected)
		c->hooks.disconnected(c->hooks.env, why);
	c->down_reported = true;
}

bool sd_ctl_ready(const struct sd_ctl *c)
{
	return c->state == CTL_READY;
}

size_t sd_ctl_inflight(const struct sd_ctl *c)
{
	return c->tok_count;
}

static bool queue(struct sd_ctl *c, struct sg_wire_out *w, uint64_t token, uint64_t now)
{
	bool ok = c->tok_count < SD_CTL_INFLIGHT && sg_wire_finish(w) == SG_OK &&
		  sg_buf_append(&c->out, w->buf.data, w->buf.len) == SG_OK;
	size_t slot = (c->tok_head + c->tok_count) % SD_CTL_INFLIGHT;

	sg_wire_out_free(w);
	if (!ok)
		return false;
	c->tokens[slot] = token;
	c->sent_ms[slot] = now;
	c->tok_count++;
	return true;
}

bool sd_ctl_send(struct sd_ctl *c, struct sg_wire_out *w, uint64_t token)
{
	if (c->state != CTL_READY) {
		sg_wire_out_free(w);
		return false;
	}
	return queue(c, w, token, c->last_now);
}

static void start(struct sd_ctl *c, uint64_t now)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sg_wire_out w;

	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->retry_at = now + c->backoff_ms;
		return;
	}
	memcpy(sa.sun_path, c->path, strlen(c->path));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
		lose(c, now, "cannot connect to %s: %s", c->path, strerror(errno));
		return;
	}
	c->state = CTL_HELLO;
	sg_wire_begin(&w, SG_MSG_HELLO);
	if (sg_wire_put_u64(&w, SG_PROTO_VERSION) != SG_OK || sg_wire_put_str(&w, c->name) != SG_OK ||
	    !queue(c, &w, 0, now)) {
		sg_wire_out_free(&w);
		lose(c, now, "cannot build HELLO");
	}
}

/* Sends what the socket takes; false when the connection was lost. */
static bool flush_out(struct sd_ctl *c, uint64_t now)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN))
			return true;
		if (n <= 0) {
			lose(c, now, "write to %s: %s", c->path, n < 0 ? strerror(errno) : "closed");
			return false;
		}
		c->out_off += (size_t)n;
	}
	if (c->out.len > 0) {
		memset(c->out.data, 0, c->out.len);
		sg_buf_reset(&c->out);
		c->out_off = 0;
	}
	return true;
}

static bool hello_answer(struct sd_ctl *c, struct sg_wire_in *r, uint64_t now)
{
	char server[128] = "", msg[256] = "";
	uint64_t version = 0;

	if (r->type == SG_MSG_ERROR) {
		(void)sg_wire_get_str(r, msg, sizeof(msg));
		lose(c, now, "signet-controld refused HELLO: %s", msg);
		return false;
	}
	if (r->type != SG_MSG_HELLO || !sg_wire_get_u64(r, &version) ||
	    !sg_wire_get_str(r, server, sizeof(server)) || !sg_wire_end(r) ||
	    version != SG_PROTO_VERSION) {
		lose(c, now, "bad HELLO answer from %s (type %d, version %llu)", c->path,
		     (int)r->type, (unsigned long long)version);
		return false;
	}
	c->state = CTL_READY;
	c->backoff_ms = SD_CTL_BACKOFF_MIN_MS;
	c->down_reported = false;
	if (c->hooks.connected)
		c->hooks.connected(c->hooks.env, server);
	return true;
}

/* One complete frame in c->in: hand it to its request's owner. */
static bool dispatch(struct sd_ctl *c, uint64_t now)
{
	struct sg_wire_in r;
	struct sg_error err;
	uint64_t token;
	bool ok = true;

	sg_error_clear(&err);
	if (sg_wire_open(&r, c->in.data, c->in.len, &err) != SG_OK) {
		lose(c, now, "bad message from signet-controld: %s", err.msg);
		return false;
	}
	if (c->tok_count == 0) {
		lose(c, now, "unexpected message type %d from signet-controld", (int)r.type);
		return false;
	}
	token = c->tokens[c->tok_head];
	c->tok_head = (c->tok_head + 1) % SD_CTL_INFLIGHT;
	c->tok_count--;
	if (c->state == CTL_HELLO)
		ok = hello_answer(c, &r, now);
	else if (c->hooks.answer)
		c->hooks.answer(c->hooks.env, token, &r);
	if (ok && c->state != CTL_IDLE) {
		memset(c->in.data, 0, c->in.len);	/* may hold key material */
		sg_buf_reset(&c->in);
		c->need = 0;
	}
	return ok && c->state != CTL_IDLE;
}

/* Reads what is there; false when the connection was lost. */
static bool read_in(struct sd_ctl *c, uint64_t now)
{
	char chunk[16384];
	struct sg_error err;

	for (;;) {
		size_t want = c->need ? c->need - c->in.len : SG_WIRE_HEADER - c->in.len;
		ssize_t n = recv(c->fd, chunk, want < sizeof(chunk) ? want : sizeof(chunk),
				 MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			lose(c, now, "signet-controld closed the connection%s%s",
			     n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			return false;
		}
		if (sg_buf_append(&c->in, chunk, (size_t)n) != SG_OK) {
			lose(c, now, "out of memory reading from signet-controld");
			return false;
		}
		explicit_bzero(chunk, (size_t)n);
		sg_error_clear(&err);
		if (c->need == 0 && c->in.len == SG_WIRE_HEADER &&
		    sg_wire_frame_len(c->in.data, c->in.len, &c->need, &err) != SG_OK) {
			lose(c, now, "bad frame from signet-controld: %s", err.msg);
			return false;
		}
		if (c->need != 0 && c->in.len == c->need && !dispatch(c, now))
			return false;
	}
}

bool sd_ctl_pollfd(const struct sd_ctl *c, uint64_t now, struct pollfd *pfd)
{
	(void)now;
	pfd->fd = c->fd;
	pfd->events = (short)(POLLIN | (c->out_off < c->out.len ? POLLOUT : 0));
	pfd->revents = 0;
	return c->fd >= 0;
}

int sd_ctl_timeout_ms(const struct sd_ctl *c, uint64_t now)
{
	uint64_t due;

	if (c->state == CTL_IDLE)
		due = c->retry_at;
	else if (c->tok_count > 0)
		due = c->sent_ms[c->tok_head] + SD_CTL_ANSWER_MS;
	else
		return -1;
	return due <= now ? 0 : due - now > 60000 ? 60000 : (int)(due - now);
}

void sd_ctl_run(struct sd_ctl *c, short revents, uint64_t now)
{
	c->last_now = now;
	if (c->state == CTL_IDLE) {
		if (now >= c->retry_at)
			start(c, now);
		if (c->state == CTL_IDLE)
			return;
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !read_in(c, now))
		return;
	if (!flush_out(c, now))
		return;
	if (c->tok_count > 0 && now >= c->sent_ms[c->tok_head] + SD_CTL_ANSWER_MS)
		lose(c, now, "no answer from signet-controld for %d ms", SD_CTL_ANSWER_MS);
}

/* The caller's clock moved on by the real time passed since start. */
static uint64_t clock_since(uint64_t base, uint64_t real_start)
{
	return base + (now_ms() - real_start);
}

bool sd_ctl_drain(struct sd_ctl *c, int timeout_ms)
{
	uint64_t real_start = now_ms(), base = c->last_now;
	uint64_t end = real_start + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);

	while (c->state == CTL_READY && (c->tok_count > 0 || c->out_off < c->out.len)) {
		struct pollfd pfd;
		uint64_t real = now_ms();

		if (real >= end)
			return false;
		sd_ctl_pollfd(c, clock_since(base, real_start), &pfd);
		if (poll(&pfd, 1, (int)(end - real)) < 0 && errno != EINTR)
			return false;
		sd_ctl_run(c, pfd.revents, clock_since(base, real_start));
	}
	return c->state == CTL_READY;
}
