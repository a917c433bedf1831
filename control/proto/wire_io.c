/*
 * NAME
 *   wire_io.c - whole control-protocol messages over a file descriptor
 *               within a deadline (see proto.h)
 *
 * SUMMARY
 *   sg_wire_read reads the 8-byte header, checks it with
 *   sg_wire_frame_len (an oversized or malformed header is refused before
 *   any of the body is read), then the body; sg_wire_write writes a
 *   finished message whole. Both poll the descriptor (it may be
 *   non-blocking) and give up at the deadline; EOF before or inside a
 *   message, EINTR and short reads/writes are handled.
 *
 * UNTRUSTED INPUT
 *   Bytes from the socket: only the header's length decides how much is
 *   read, after sg_wire_frame_len has accepted it.
 *
 * DIAGNOSTICS
 *   err->msg says what failed: timed out, connection closed, the errno.
 */

/* System library. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Control plane. */
#include "proto.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; false with errno set on timeout
 * (ETIMEDOUT) or error. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return false;
		}
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

/* Reads n more bytes of a message of want_total bytes, appending to b. */
static enum sg_err read_into(int fd, struct sg_buf *b, size_t n, int64_t deadline,
			     size_t want_total, struct sg_error *err)
{
	uint8_t chunk[16384];

	while (n > 0) {
		size_t ask = n < sizeof(chunk) ? n : sizeof(chunk);
		ssize_t got;

		if (!wait_fd(fd, POLLIN, deadline))
			return sg_error_set(err, SG_E_IO, 0, b->len,
					    errno == ETIMEDOUT ? "timed out waiting for a message"
					    " (%zu bytes received)" : "poll failed (%zu bytes)",
					    b->len);
		got = read(fd, chunk, ask);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0 && errno == ECONNRESET)
			got = 0; /* a reset peer has closed, as far as we can tell */
		if (got < 0)
			return sg_error_set(err, SG_E_IO, 0, b->len, "read failed: %s",
					    strerror(errno));
		if (got == 0 && b->len == 0)
			return sg_error_set(err, SG_E_IO, 0, 0, "connection closed");
		if (got == 0)
			return sg_error_set(err, SG_E_IO, 0, b->len,
					    "connection closed in the middle of a message "
					    "(%zu of %zu bytes)", b->len, want_total);
		if (sg_buf_append(b, chunk, (size_t)got) != SG_OK)
			return sg_error_set(err, SG_E_NOMEM, 0, b->len, "out of memory");
		n -= (size_t)got;
	}
	return SG_OK;
}

enum sg_err sg_wire_read(int fd, struct sg_buf *buf, int timeout_ms, struct sg_error *err)
{
	int64_t deadline = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	size_t total;
	enum sg_err rc;

	sg_buf_reset(buf);
	rc = read_into(fd, buf, SG_WIRE_HEADER, deadline, SG_WIRE_HEADER, err);
	if (rc != SG_OK)
		return rc;
	rc = sg_wire_frame_len(buf->data, buf->len, &total, err);
	if (rc != SG_OK)
		return rc;
	return read_into(fd, buf, total - SG_WIRE_HEADER, deadline, total, err);
}

enum sg_err sg_wire_write(int fd, const struct sg_wire_out *w, int timeout_ms,
			  struct sg_error *err)
{
	int64_t deadline = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	const char *p = w->buf.data;
	size_t left = w->buf.len;
	bool is_socket = true;

	if (left < SG_WIRE_HEADER)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no message to write");
	while (left > 0) {
		ssize_t n;

		if (!wait_fd(fd, POLLOUT, deadline))
			return sg_error_set(err, SG_E_IO, 0, w->buf.len - left,
					    "cannot write a message: %s", strerror(errno));
		/* Never block past the deadline: sockets without waiting,
		 * anything else at most PIPE_BUF at a time after POLLOUT. */
		n = is_socket ? send(fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT)
			      : write(fd, p, left < PIPE_BUF ? left : PIPE_BUF);
		if (n < 0 && errno == ENOTSOCK && is_socket) {
			is_socket = false;
			continue;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return sg_error_set(err, SG_E_IO, 0, w->buf.len - left,
					    "write failed: %s", strerror(errno));
		p += n;
		left -= (size_t)n;
	}
	return SG_OK;
}
