/*
 * NAME
 *   smtp_load_conn.c - the connections of smtp-load: connect, read, feed
 *                      the ESMTP client machine, write its iovecs, count
 *                      outcomes, start the next message (see smtp_load.h)
 *
 * SUMMARY
 *   Slot i of l->conns is either closed (fd -1, no machine) or one open
 *   connection. After every event the slot is brought up to date: results
 *   counted, the next message given to an idle machine, output written
 *   until the socket would block, the epoll interest and the deadline set;
 *   a machine that is CLOSED is retired (socket closed, slot closed). The
 *   caller (smtp_load.c) reopens closed slots while messages remain.
 *
 * UNTRUSTED INPUT
 *   Server replies: sg_smtp_client_feed, LOAD_READ_BYTES per read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"
#include "smtp_load.h"

static const char *const step_names[] = {
	[SG_SMTP_STEP_CONNECTION] = "connection", [SG_SMTP_STEP_GREETING] = "greeting",
	[SG_SMTP_STEP_HELLO] = "EHLO", [SG_SMTP_STEP_RSET] = "RSET",
	[SG_SMTP_STEP_MAIL] = "MAIL", [SG_SMTP_STEP_RCPT] = "RCPT",
	[SG_SMTP_STEP_DATA] = "DATA", [SG_SMTP_STEP_DOT] = "end of data",
};

static void note_failure(char *first, size_t cap, const struct sg_smtp_client_result *r)
{
	if (first[0] != '\0')
		return;
	if (r->code != 0)
		snprintf(first, cap, "%s: %u %s %s", step_names[r->step], r->code, r->enhanced,
			 r->text);
	else
		snprintf(first, cap, "%s: %s", step_names[r->step], r->text);
}

static void account(struct load *l, const struct sg_smtp_client_result *r)
{
	l->done++;
	if (r->outcome == SG_SMTP_ACCEPTED) {
		l->accepted++;
	} else if (r->outcome == SG_SMTP_PERMFAIL) {
		l->permfailed++;
		note_failure(l->first_permfail, sizeof(l->first_permfail), r);
	} else {
		l->tempfailed++;
		note_failure(l->first_tempfail, sizeof(l->first_tempfail), r);
	}
	if (l->done == l->messages)
		l->end = bench_now();
}

/* Gives message l->next to the machine; a message it refuses (bad bytes)
 * is counted as a permanent failure. */
static void start_next(struct load *l, struct load_conn *c)
{
	size_t m = (size_t)(l->next++ % l->count);
	struct sg_error err = { 0 };
	enum sg_err rc = l->texts[m].checked
		? sg_smtp_client_send_text(c->client, &l->envs[m], NULL, 0, &l->texts[m].t, &err)
		: sg_smtp_client_send(c->client, &l->envs[m], l->msgs[m], l->lens[m], &err);

	if (rc == SG_OK) {
		c->busy = true;
		return;
	}
	l->done++;
	l->permfailed++;
	if (l->first_permfail[0] == '\0')
		snprintf(l->first_permfail, sizeof(l->first_permfail),
			 "corpus message %zu not sendable: %s", m + 1, err.msg);
}

/* Outcomes counted, the next message started where the machine is idle. */
static void collect(struct load *l, struct load_conn *c)
{
	struct sg_smtp_client_result r;

	while (sg_smtp_client_result(c->client, &r)) {
		account(l, &r);
		c->busy = false;
	}
	while (!l->idle && !c->busy && l->next < l->messages &&
	       sg_smtp_client_state(c->client) == SG_SMTP_CLIENT_READY)
		start_next(l, c);
	if (!c->ready_seen && sg_smtp_client_state(c->client) == SG_SMTP_CLIENT_READY) {
		c->ready_seen = true;
		l->ready += l->idle;
		l->failed_in_row = 0;
	}
}

/* 1: all written, 0: the socket would block, -1: it failed (aborted). */
static int write_out(struct load *l, struct load_conn *c)
{
	struct iovec iov[LOAD_IOV_MAX];
	int n;

	while ((n = sg_smtp_client_output(c->client, iov, LOAD_IOV_MAX)) > 0) {
		ssize_t w = writev(c->fd, iov, n);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (w < 0) {
			sg_smtp_client_abort(c->client, strerror(errno));
			return -1;
		}
		sg_smtp_client_output_done(c->client, (size_t)w);
		c->deadline = bench_now() + l->timeout;
	}
	return 1;
}

static void read_in(struct load *l, struct load_conn *c)
{
	ssize_t n = recv(c->fd, l->rbuf, LOAD_READ_BYTES, 0);

	if (n > 0) {
		sg_smtp_client_feed(c->client, l->rbuf, (size_t)n);
		c->deadline = bench_now() + l->timeout;
	} else if (n == 0) {
		sg_smtp_client_abort(c->client, "connection closed by the server");
	} else if (errno != EAGAIN && errno != EINTR) {
		sg_smtp_client_abort(c->client, strerror(errno));
	}
}

static void retire(struct load *l, struct load_conn *c)
{
	collect(l, c);
	if (!c->ready_seen) {
		l->failed += l->idle;
		l->failed_in_row++;
	}
	if (c->fd >= 0) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		l->open--;
	}
	sg_smtp_client_free(c->client);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Writes, then sets the epoll interest and the deadline. */
static void settle(struct load *l, struct load_conn *c, size_t i)
{
	int written = c->connecting ? 0 : write_out(l, c);
	uint32_t want = EPOLLIN | (written == 0 ? EPOLLOUT : 0u);
	bool waiting = c->connecting || written == 0 || sg_smtp_client_timeout(c->client) != 0;

	collect(l, c);
	if (sg_smtp_client_state(c->client) == SG_SMTP_CLIENT_CLOSED) {
		retire(l, c);
		return;
	}
	if (want != c->events) {
		struct epoll_event ev = { .events = want, .data.u64 = i };

		if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
			c->events = want;
	}
	if (!waiting)
		c->deadline = 0;
	else if (c->deadline == 0)
		c->deadline = bench_now() + l->timeout;
}

void load_conn_event(struct load *l, size_t i, uint32_t events)
{
	struct load_conn *c = &l->conns[i];

	if (c->client == NULL)
		return;
	if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int err = smtp_connect_result(c->fd);

		c->connecting = false;
		if (err != 0)
			sg_smtp_client_abort(c->client, strerror(err));
	} else if (!c->connecting && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
		read_in(l, c);
	}
	collect(l, c);
	settle(l, c, i);
}

void load_conn_open(struct load *l, size_t i)
{
	struct load_conn *c = &l->conns[i];
	char why[SMTP_WHY_MAX];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u64 = i };

	memset(c, 0, sizeof(*c));
	c->client = sg_smtp_client_new(&l->cfg);
	c->fd = c->client ? smtp_connect_start(&l->to, why, sizeof(why)) : -1;
	if (c->client == NULL) {
		fprintf(stderr, "smtp-load: out of memory\n");
		exit(1);
	}
	if (c->fd >= 0 && epoll_ctl(l->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		snprintf(why, sizeof(why), "epoll: %s", strerror(errno));
		close(c->fd);
		c->fd = -1;
	}
	l->open += c->fd >= 0;
	c->connecting = c->fd >= 0;
	c->events = ev.events;
	c->deadline = bench_now() + l->timeout;
	collect(l, c);		/* the first message is queued before the greeting */
	if (!l->idle && !c->busy && l->next < l->messages)
		start_next(l, c);
	if (c->fd < 0) {
		sg_smtp_client_abort(c->client, why);
		retire(l, c);
	}
}

void load_conn_expire(struct load *l, double now)
{
	char why[64];

	snprintf(why, sizeof(why), "no reply within %g s", l->timeout);
	for (size_t i = 0; i < l->nconns; i++) {
		struct load_conn *c = &l->conns[i];

		if (c->client == NULL || c->deadline == 0 || now < c->deadline)
			continue;
		sg_smtp_client_abort(c->client, why);
		settle(l, c, i);
	}
}

void load_conn_close_all(struct load *l)
{
	for (size_t i = 0; i < l->nconns; i++) {
		struct load_conn *c = &l->conns[i];

		if (c->client == NULL)
			continue;
		if (!c->connecting && sg_smtp_client_state(c->client) == SG_SMTP_CLIENT_READY &&
		    sg_smtp_client_quit(c->client) == SG_OK)
			write_out(l, c);
		sg_smtp_client_abort(c->client, "the run is over");
		retire(l, c);
	}
}
