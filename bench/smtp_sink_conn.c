/*
 * NAME
 *   smtp_sink_conn.c - one client connection of smtp-sink: read, feed the
 *                      ESMTP server machine, answer, count and keep
 *                      messages (see smtp_sink.h)
 *
 * SUMMARY
 *   Read once per readiness event into the sink's shared buffer and feed
 *   it to the machine; a complete message is counted (messages, bytes of
 *   the unstuffed text), the first keep_count are written to
 *   keep_dir/NNNNNN.eml exactly as received, and the machine gets 250
 *   (or the --refuse code). Replies are written as soon as the fed bytes
 *   are processed, so a pipelined group gets one write. When the reply
 *   queue is full the rest of the input is kept and the connection waits
 *   for EPOLLOUT only.
 *
 * UNTRUSTED INPUT
 *   Client bytes, through sg_smtp_server_feed. The kept file name is ours
 *   (a counter); the message is written as received.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "smtp_sink.h"

/* 1: all output written, 0: the socket would block, -1: it failed.
 * Writing is progress: the connection's deadline moves on (k not NULL). */
static int flush_output(struct sink *k, struct sink_conn *c)
{
	const char *p;
	size_t n;

	while ((p = sg_smtp_server_output(c->server, &n)) != NULL) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		sg_smtp_server_output_done(c->server, (size_t)w);
		if (k != NULL)
			c->deadline = bench_now() + k->timeout;
	}
	return 1;
}

static void set_events(struct sink *k, struct sink_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events != events && epoll_ctl(k->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

static void keep_message(struct sink *k, const char *msg, size_t len)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%06lu.eml", k->keep_dir, k->kept + 1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (fd >= 0 && len > 0) {
		ssize_t w = write(fd, msg, len);

		if (w <= 0)
			break;
		msg += w;
		len -= (size_t)w;
	}
	if (fd < 0 || len > 0)
		fprintf(stderr, "smtp-sink: cannot keep %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	k->kept++;
}

/* The machine holds a complete message: count, keep, answer. */
static bool take_message(struct sink *k, struct sink_conn *c)
{
	size_t len;
	const char *msg = sg_smtp_server_message(c->server, &len);

	if (k->refuse_code != 0) {
		k->refused++;
		return sg_smtp_server_finish(c->server, k->refuse_code, NULL,
					     "refused by smtp-sink --refuse") == SG_OK;
	}
	if (k->keep_dir != NULL && k->kept < k->keep_count)
		keep_message(k, msg, len);
	k->messages++;
	k->bytes += len;
	k->last = bench_now();
	return sg_smtp_server_finish(c->server, 250, "2.0.0", "queued by smtp-sink") == SG_OK;
}

static bool stash(struct sink_conn *c, const char *data, size_t n)
{
	c->pending = malloc(n);
	if (c->pending == NULL)
		return false;
	memcpy(c->pending, data, n);
	c->pending_len = n;
	return true;
}

/*
 * Feeds data to the machine until it is all used, the connection closes
 * or the reply queue is full and the socket would block (the rest is
 * stashed). False: close the connection.
 */
static bool feed(struct sink *k, struct sink_conn *c, const char *data, size_t n)
{
	for (;;) {
		size_t used = sg_smtp_server_feed(c->server, data, n);
		enum sg_smtp_server_state st = sg_smtp_server_state(c->server);
		int flushed;

		data += used;
		n -= used;
		if (st == SG_SMTP_SERVER_MESSAGE) {
			if (!take_message(k, c))
				return false;
			continue;
		}
		if (st == SG_SMTP_SERVER_CLOSING || n == 0)
			return true;
		flushed = flush_output(k, c);
		if (flushed < 0 || (flushed == 1 && used == 0))
			return false;	/* a failed socket, or a machine that stalls */
		if (flushed == 0)
			return stash(c, data, n);
	}
}

/* Writes, then chooses what to wait for; false: close the connection. */
static bool settle(struct sink *k, struct sink_conn *c)
{
	int flushed = flush_output(k, c);

	if (flushed < 0)
		return false;
	if (flushed == 1 && sg_smtp_server_state(c->server) == SG_SMTP_SERVER_CLOSING)
		return false;
	set_events(k, c, flushed == 0 || c->pending_len > 0 ? EPOLLOUT : EPOLLIN);
	return true;
}

static bool on_writable(struct sink *k, struct sink_conn *c)
{
	char *held = c->pending;
	size_t n = c->pending_len;
	int flushed = flush_output(k, c);
	bool ok;

	if (flushed <= 0 || held == NULL)
		return flushed >= 0 && settle(k, c);
	c->pending = NULL;
	c->pending_len = 0;
	ok = feed(k, c, held, n);
	free(held);
	return ok && settle(k, c);
}

static bool on_readable(struct sink *k, struct sink_conn *c)
{
	ssize_t n = recv(c->fd, k->rbuf, SINK_READ_BYTES, 0);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	c->deadline = bench_now() + k->timeout;
	return feed(k, c, k->rbuf, (size_t)n) && settle(k, c);
}

void sink_conn_event(struct sink *k, struct sink_conn *c, uint32_t events)
{
	bool ok;

	if (events & EPOLLOUT)
		ok = on_writable(k, c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ok = on_readable(k, c);
	else
		ok = true;
	if (!ok)
		sink_conn_close(k, c);
}

bool sink_conn_open(struct sink *k, int fd)
{
	struct sink_conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (c == NULL || (c->server = sg_smtp_server_new(&k->cfg,
							  SG_SMTP_SERVER_RELAY_CLIENT)) == NULL ||
	    epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		if (c != NULL)
			sg_smtp_server_free(c->server);
		free(c);
		close(fd);
		return false;
	}
	c->fd = fd;
	c->events = EPOLLIN;
	c->deadline = bench_now() + k->timeout;
	c->next = k->conns;
	if (k->conns != NULL)
		k->conns->prev = c;
	k->conns = c;
	k->open++;
	if (!settle(k, c))
		sink_conn_close(k, c);
	return true;
}

void sink_conn_close(struct sink *k, struct sink_conn *c)
{
	flush_output(NULL, c);	/* best effort: a final 421 or 221 */
	epoll_ctl(k->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		k->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	sg_smtp_server_free(c->server);
	free(c->pending);
	free(c);
	k->open--;
}

void sink_conn_expire(struct sink *k, double now)
{
	struct sink_conn *c = k->conns, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (now < c->deadline)
			continue;
		sg_smtp_server_abort(c->server, SG_SMTP_ABORT_TIMEOUT);
		sink_conn_close(k, c);
	}
}
