/*
 * NAME
 *   metrics_http.c - the /metrics listener: sockets, connections, deadlines
 *                    (stats.h sg_metrics_*)
 *
 * SUMMARY
 *   One non-blocking listening socket on a loopback address and at most
 *   max_conns connections, each in one of three states:
 *     READING   collecting the request head (SG_METRICS_HEAD_MAX bytes; a
 *               longer head is answered 431)
 *     WRITING   sending the whole answer (built at once, metrics_request.c)
 *     DRAINING  answer sent, our side shut down: reading and discarding
 *               until the client closes, so that closing with unread bytes
 *               does not reset the connection under the answer
 *   Every connection has one deadline from its accept; past it, it is
 *   closed whatever its state (a slow client cannot hold a slot). A
 *   connection over the cap gets a best-effort 503 and is closed at once.
 *   When accept fails for lack of descriptors or memory, the listener is
 *   left out of the poll set for ACCEPT_PAUSE_MS instead of spinning.
 *   No threads: the daemon polls what sg_metrics_fds lists, calls
 *   sg_metrics_ready for ready descriptors and sg_metrics_tick after each
 *   poll, sleeping at most sg_metrics_timeout_ms.
 *
 * UNTRUSTED INPUT
 *   Connections and their bytes from local clients: bounded in number,
 *   size and time.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "metrics_addr.h"
#include "metrics_http.h"
#include "stats.h"

#define ACCEPTS_PER_CALL 16
#define ACCEPT_PAUSE_MS 100		/* after accept failed for lack of resources */
#define DRAIN_MAX (64 * 1024)		/* bytes discarded before giving up */

enum conn_state { READING, WRITING, DRAINING };

struct conn {
	int fd;
	enum conn_state state;
	int64_t deadline;		/* monotonic ms */
	size_t head_len;
	size_t drained;
	struct sg_buf out;
	size_t out_off;
	char head[SG_METRICS_HEAD_MAX];
};

struct sg_metrics {
	int listen_fd;
	uint16_t port;
	struct sg_stats *stats;
	size_t max_conns;
	int deadline_ms;
	int64_t accept_paused_until;	/* monotonic ms; 0: accepting */
	struct conn *conns[SG_METRICS_MAX_CONNS];	/* NULL: free slot */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum sg_err listen_socket(const char *listen_addr, struct sg_metrics *m,
				 struct sg_error *err)
{
	struct sockaddr_storage ss, bound;
	socklen_t len, blen = sizeof(bound);
	int one = 1;
	enum sg_err rc = sg_metrics_parse_listen(listen_addr, &ss, &len, err);

	if (rc != SG_OK)
		return rc;
	m->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "metrics: socket: %s", strerror(errno));
	setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(m->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(m->listen_fd, (struct sockaddr *)&ss, len) != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "metrics: cannot listen on %s: %s",
				    listen_addr, strerror(errno));
	if (listen(m->listen_fd, 64) != 0 ||
	    getsockname(m->listen_fd, (struct sockaddr *)&bound, &blen) != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "metrics: listen on %s: %s", listen_addr,
				    strerror(errno));
	if (bound.ss_family == AF_INET6)
		m->port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
	else
		m->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return SG_OK;
}

enum sg_err sg_metrics_open(const char *listen_addr, struct sg_stats *s,
			    struct sg_metrics **out, struct sg_error *err)
{
	struct sg_metrics *m = calloc(1, sizeof(*m));
	enum sg_err rc;

	*out = NULL;
	if (m == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "metrics: out of memory");
	m->listen_fd = -1;
	m->stats = s;
	m->max_conns = SG_METRICS_DEFAULT_CONNS;
	m->deadline_ms = SG_METRICS_DEFAULT_DEADLINE_MS;
	if ((rc = listen_socket(listen_addr, m, err)) != SG_OK) {
		sg_metrics_close(m);
		return rc;
	}
	*out = m;
	return SG_OK;
}

void sg_metrics_set_limits(struct sg_metrics *m, size_t max_conns, int deadline_ms)
{
	if (max_conns > 0)
		m->max_conns = max_conns < SG_METRICS_MAX_CONNS ? max_conns : SG_METRICS_MAX_CONNS;
	if (deadline_ms > 0)
		m->deadline_ms = deadline_ms;
}

uint16_t sg_metrics_port(const struct sg_metrics *m)
{
	return m->port;
}

static void conn_close(struct sg_metrics *m, size_t slot)
{
	struct conn *c = m->conns[slot];

	close(c->fd);
	sg_buf_free(&c->out);
	free(c);
	m->conns[slot] = NULL;
}

void sg_metrics_close(struct sg_metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < SG_METRICS_MAX_CONNS; i++) {
		if (m->conns[i] != NULL)
			conn_close(m, i);
	}
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	free(m);
}

size_t sg_metrics_fds(const struct sg_metrics *m, struct pollfd *fds, size_t cap)
{
	size_t n = 0;

	if (n < cap && now_ms() >= m->accept_paused_until)
		fds[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < SG_METRICS_MAX_CONNS && n < cap; i++) {
		const struct conn *c = m->conns[i];

		if (c != NULL)
			fds[n++] = (struct pollfd){
				.fd = c->fd, .events = c->state == WRITING ? POLLOUT : POLLIN };
	}
	return n;
}

int sg_metrics_timeout_ms(const struct sg_metrics *m)
{
	int64_t now = now_ms(), best = -1;

	if (m->accept_paused_until > now)
		best = m->accept_paused_until - now;
	for (size_t i = 0; i < SG_METRICS_MAX_CONNS; i++) {
		const struct conn *c = m->conns[i];
		int64_t left;

		if (c == NULL)
			continue;
		left = c->deadline > now ? c->deadline - now : 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best > INT32_MAX ? INT32_MAX : (int)best;
}

void sg_metrics_tick(struct sg_metrics *m)
{
	int64_t now = now_ms();

	for (size_t i = 0; i < SG_METRICS_MAX_CONNS; i++) {
		if (m->conns[i] != NULL && now >= m->conns[i]->deadline)
			conn_close(m, i);
	}
}

/* ---- one connection ---- */

/* Sends what is left of the answer; true when the connection is finished
 * with (closed or failed). */
static bool conn_write(struct conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n <= 0)
			return true;
		c->out_off += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	c->state = DRAINING;
	sg_buf_free(&c->out);
	return false;
}

static bool conn_answer(struct sg_metrics *m, struct conn *c, int status)
{
	sg_metrics_answer(m->stats, status, &c->out);
	c->out_off = 0;
	c->state = WRITING;
	return conn_write(c);
}

/* Reads more of the head; true when the connection is finished with. */
static bool conn_read(struct sg_metrics *m, struct conn *c)
{
	size_t end;
	ssize_t n = recv(c->fd, c->head + c->head_len, sizeof(c->head) - c->head_len,
			 MSG_DONTWAIT);

	if (n < 0)
		return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
	if (n == 0)
		return true;	/* closed before a whole request */
	c->head_len += (size_t)n;
	end = sg_metrics_head_end(c->head, c->head_len);
	if (end != 0)
		return conn_answer(m, c, sg_metrics_route(c->head, end));
	if (c->head_len == sizeof(c->head))
		return conn_answer(m, c, 431);
	return false;
}

/* Discards input after the answer; true at the client's EOF or too much. */
static bool conn_drain(struct conn *c)
{
	char sink[4096];
	ssize_t n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);

	if (n < 0)
		return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
	c->drained += (size_t)n;
	return n == 0 || c->drained > DRAIN_MAX;
}

static void refuse(int fd)
{
	static const char busy[] =
		"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 24\r\nConnection: close\r\n\r\n503 Service Unavailable\n";
	ssize_t n = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)n;		/* best effort: the client is told, or just closed */
	close(fd);
}

static void accept_ready(struct sg_metrics *m)
{
	for (int i = 0; i < ACCEPTS_PER_CALL; i++) {
		int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		size_t used = 0, slot = SG_METRICS_MAX_CONNS;
		struct conn *c;

		if (fd < 0) {
			/* Out of descriptors or memory: the listener would stay
			 * readable and spin the daemon's loop; wait a little. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				m->accept_paused_until = now_ms() + ACCEPT_PAUSE_MS;
			return;		/* else EAGAIN, or a connection that went away */
		}
		for (size_t j = 0; j < SG_METRICS_MAX_CONNS; j++) {
			if (m->conns[j] != NULL)
				used++;
			else if (slot == SG_METRICS_MAX_CONNS)
				slot = j;
		}
		if (used >= m->max_conns || (c = calloc(1, sizeof(*c))) == NULL) {
			refuse(fd);
			continue;
		}
		c->fd = fd;
		c->state = READING;
		c->deadline = now_ms() + m->deadline_ms;
		sg_buf_init(&c->out, SIZE_MAX);
		m->conns[slot] = c;
	}
}

void sg_metrics_ready(struct sg_metrics *m, int fd)
{
	if (fd == m->listen_fd) {
		accept_ready(m);
		return;
	}
	for (size_t i = 0; i < SG_METRICS_MAX_CONNS; i++) {
		struct conn *c = m->conns[i];
		bool done;

		if (c == NULL || c->fd != fd)
			continue;
		if (c->state == READING)
			done = conn_read(m, c);
		else if (c->state == WRITING)
			done = conn_write(c);
		else
			done = conn_drain(c);
		if (done)
			conn_close(m, i);
		return;
	}
}
