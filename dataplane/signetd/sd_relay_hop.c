/*
 * NAME
 *   sd_relay_hop.c - the relay's connections to the next hop: a pool of
 *                    persistent sg_smtp_client machines over io_uring
 *                    (connect, recv, sendmsg with the machine's iovecs)
 *
 * SUMMARY
 *   sd_hop_relay gives a signed message to an idle connection (the most
 *   recently used), opens a new one when the pool has room (the message
 *   is queued in the machine until EHLO is done), or lets it wait for the
 *   next connection that becomes idle (sd_pool.h). The machine's output
 *   goes out with one sendmsg per round: command text, or the signature
 *   fields (the signer's buffer) and the message (the client connection's
 *   buffer, dot-stuffed) as iovecs, without a copy and without another
 *   pass over the text: the server machine checked it and noted its
 *   first line-start dot (sg_smtp_client_send_text). Reply bytes that arrive while a sendmsg is in flight are fed
 *   only after it completed. The machine's result goes to the client
 *   connection (sd_conn_on_relayed); a closed connection is replaced for
 *   the next waiting message. Deadlines: sg_smtp_client_timeout for each
 *   wait, CONNECT_MS for the TCP connect, SD_RELAY_HOP_IDLE_MS idle in the
 *   pool (then QUIT).
 *
 * UNTRUSTED INPUT
 *   Replies of the next hop, parsed by the client machine with its limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_relay_int.h"

#define CONNECT_MS 30000u

static void hop_pump(struct sd_hop *h);

static void hop_maybe_free(struct sd_hop *h)
{
	struct sd_relay_worker *w = h->w;

	if (!h->closed || h->connecting || h->recv_busy || h->send_busy)
		return;
	if (h->fd >= 0)
		close(h->fd);
	if (h->prev)
		h->prev->next = h->next;
	else
		w->hops = h->next;
	if (h->next)
		h->next->prev = h->prev;
	w->nhops--;
	sg_smtp_client_free(h->cli);
	free(h);
}

/* Hands the message of c to h (the machine queues it until READY). */
static void hop_start(struct sd_hop *h, struct sd_conn *c)
{
	struct sg_smtp_client_result r;
	struct sg_error err;
	const char *fields = c->signed_msg ? c->done.headers.data : NULL;
	size_t nfields = c->signed_msg ? c->done.headers.len : 0;
	/* the server machine checked the text as it came in: no second pass */
	const struct sg_smtp_text text = { c->msg.data, c->msg.len, c->first_dot };

	sg_error_clear(&err);
	if (sg_smtp_client_send_text(h->cli, &c->env, fields, nfields, &text, &err) != SG_OK) {
		memset(&r, 0, sizeof(r));
		r.outcome = err.code == SG_E_STATE ? SG_SMTP_TEMPFAIL : SG_SMTP_PERMFAIL;
		r.code = err.code == SG_E_STATE ? 0 : 554;
		snprintf(r.enhanced, sizeof(r.enhanced), "%s", "5.6.0");
		snprintf(r.text, sizeof(r.text), "message not relayable: %s", err.msg);
		sd_conn_on_relayed(c, &r, h->ever_ready);
		hop_pump(h);
		return;
	}
	h->conn = c;
	h->text_sent = false;
	c->hop = h;
	hop_pump(h);
}

static struct sd_hop *hop_open(struct sd_relay_worker *w)
{
	struct sd_hop *h = calloc(1, sizeof(*h));
	struct io_uring_sqe *sqe;

	if (h == NULL)
		return NULL;
	h->w = w;
	h->fd = socket(w->p.next_hop.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	h->cli = sg_smtp_client_new(w->p.client);
	if (h->fd >= 0)
		sd_relay_nodelay(h->fd);
	sqe = h->fd >= 0 && h->cli != NULL ? sd_relay_sqe(w) : NULL;
	if (sqe == NULL) {
		if (h->fd >= 0)
			close(h->fd);
		sg_smtp_client_free(h->cli);
		free(h);
		return NULL;
	}
	h->op_connect = (struct sd_op){ SD_OP_HOP_CONNECT, h };
	h->op_recv = (struct sd_op){ SD_OP_HOP_RECV, h };
	h->op_send = (struct sd_op){ SD_OP_HOP_SEND, h };
	io_uring_prep_connect(sqe, h->fd, (struct sockaddr *)&w->p.next_hop, w->p.next_hop_len);
	io_uring_sqe_set_data(sqe, &h->op_connect);
	h->connecting = true;
	h->deadline_ms = w->now_ms + CONNECT_MS;
	sd_pool_opened(w->pool);
	h->next = w->hops;
	if (w->hops)
		w->hops->prev = h;
	w->hops = h;
	w->nhops++;
	return h;
}

/* No socket or memory for a new connection: the message is deferred. */
static void open_failed(struct sd_conn *c)
{
	struct sg_smtp_client_result r = { .outcome = SG_SMTP_TEMPFAIL };

	snprintf(r.text, sizeof(r.text), "cannot open a connection: %s", strerror(errno));
	sd_conn_on_relayed(c, &r, false);
}

/* Gives a waiting message to a new connection while the pool has room. */
static void serve_waiters(struct sd_relay_worker *w)
{
	while (sd_pool_waiting(w->pool) > 0 && sd_pool_may_open(w->pool)) {
		struct sd_conn *c = sd_pool_next_waiter(w->pool);
		struct sd_hop *h = hop_open(w);

		c->waiting = false;
		if (h == NULL) {
			open_failed(c);
			continue;
		}
		hop_start(h, c);
	}
}

void sd_hop_relay(struct sd_relay_worker *w, struct sd_conn *c)
{
	struct sd_hop *h = sd_pool_take_idle(w->pool);

	if (h == NULL && sd_pool_may_open(w->pool)) {
		h = hop_open(w);
		if (h == NULL) {
			open_failed(c);
			return;
		}
	}
	if (h != NULL) {
		hop_start(h, c);
		return;
	}
	if (!sd_pool_wait(w->pool, c)) {
		struct sg_smtp_client_result r = { .outcome = SG_SMTP_TEMPFAIL };

		snprintf(r.text, sizeof(r.text), "all connections busy");
		sd_conn_on_relayed(c, &r, true);
		return;
	}
	c->waiting = true;
}

static void hop_close(struct sd_hop *h)
{
	struct sd_relay_worker *w = h->w;

	if (!h->closed) {
		h->closed = true;
		sd_pool_closed(w->pool, h);
		if (h->fd >= 0 && !h->shut)
			shutdown(h->fd, SHUT_RDWR);
		h->shut = true;
		if (h->connecting) {
			struct io_uring_sqe *sqe = sd_relay_sqe(w);

			if (sqe != NULL) {
				io_uring_prep_cancel(sqe, &h->op_connect, 0);
				io_uring_sqe_set_data(sqe, &w->op_ignore);
			}
		}
	}
	if (h->conn != NULL) {
		struct sg_smtp_client_result r = { .outcome = SG_SMTP_TEMPFAIL };
		struct sd_conn *c = h->conn;

		snprintf(r.text, sizeof(r.text), "connection closed");
		h->conn = NULL;
		sd_conn_on_relayed(c, &r, h->ever_ready);
	}
	hop_maybe_free(h);
	serve_waiters(w);
}

/* Remembers that the message went past DATA's 354 (from then on a lost
 * connection may have delivered it). */
static void note_text(struct sd_hop *h)
{
	enum sg_smtp_client_state st = sg_smtp_client_state(h->cli);

	if (h->conn != NULL && (st == SG_SMTP_CLIENT_TEXT || st == SG_SMTP_CLIENT_FINAL))
		h->text_sent = true;
}

/* Passes the machine's result (once per message) to its client. A reused
 * connection that was lost before the message text (the next hop closed
 * an idle connection as we used it) costs the client nothing: the message
 * is sent once more on another connection. */
static void hop_take_result(struct sd_hop *h)
{
	struct sg_smtp_client_result r;
	struct sd_conn *c = h->conn;
	bool retry;

	if (!sg_smtp_client_result(h->cli, &r))
		return;
	h->conn = NULL;
	retry = c != NULL && r.outcome == SG_SMTP_TEMPFAIL && r.code == 0 && !h->text_sent &&
		h->messages > 0 && !c->retried;
	h->messages++;
	if (c == NULL)
		return;
	if (retry) {
		c->retried = true;
		c->hop = NULL;
		sd_hop_relay(h->w, c);
		return;
	}
	sd_conn_on_relayed(c, &r, h->ever_ready);
}

/* An idle connection serves the next waiting message, else waits in the
 * pool (or says QUIT when the worker stops). */
static void hop_idle(struct sd_hop *h)
{
	struct sd_relay_worker *w = h->w;
	struct sd_conn *c = sd_pool_next_waiter(w->pool);

	if (c != NULL) {
		c->waiting = false;
		hop_start(h, c);
		return;
	}
	if (w->stopping) {
		if (sg_smtp_client_quit(h->cli) == SG_OK)
			hop_pump(h);
		return;
	}
	(void)sd_pool_put_idle(w->pool, h, w->now_ms);
}

static bool hop_submit_send(struct sd_hop *h)
{
	int n = sg_smtp_client_output(h->cli, h->iov, SD_HOP_IOV_MAX);
	struct io_uring_sqe *sqe;

	if (n <= 0)
		return true;
	sqe = sd_relay_sqe(h->w);
	if (sqe == NULL)
		return false;
	memset(&h->mh, 0, sizeof(h->mh));
	h->mh.msg_iov = h->iov;
	h->mh.msg_iovlen = (size_t)n;
	io_uring_prep_sendmsg(sqe, h->fd, &h->mh, MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, &h->op_send);
	h->send_busy = true;
	return true;
}

static bool hop_submit_recv(struct sd_hop *h)
{
	struct io_uring_sqe *sqe = sd_relay_sqe(h->w);

	if (sqe == NULL)
		return false;
	io_uring_prep_recv(sqe, h->fd, h->rbuf, sizeof(h->rbuf), 0);
	io_uring_sqe_set_data(sqe, &h->op_recv);
	h->recv_busy = true;
	return true;
}

static void hop_pump(struct sd_hop *h)
{
	unsigned secs;

	if (h->closed) {
		hop_maybe_free(h);
		return;
	}
	if (!h->send_busy && h->rlen > 0) {
		(void)sg_smtp_client_feed(h->cli, h->rbuf, h->rlen);
		h->rlen = 0;
		note_text(h);
	}
	if (!h->send_busy && h->gone)
		sg_smtp_client_abort(h->cli, h->why);
	hop_take_result(h);
	if (sg_smtp_client_state(h->cli) == SG_SMTP_CLIENT_CLOSED) {
		hop_close(h);
		return;
	}
	if (!h->connected)
		return;
	if ((!h->send_busy && !hop_submit_send(h)) ||
	    (!h->recv_busy && h->rlen == 0 && !h->gone && !hop_submit_recv(h))) {
		snprintf(h->why, sizeof(h->why), "out of submission queue entries");
		h->gone = true;
		return;
	}
	secs = sg_smtp_client_timeout(h->cli);
	h->deadline_ms = secs ? h->w->now_ms + secs * 1000ull : 0;
	if (sg_smtp_client_state(h->cli) == SG_SMTP_CLIENT_READY && h->conn == NULL) {
		h->ever_ready = true;
		hop_idle(h);
	}
}

void sd_hop_on_connect(struct sd_hop *h, int res)
{
	h->connecting = false;
	if (res < 0 && !h->closed) {
		snprintf(h->why, sizeof(h->why), "connect: %s", strerror(-res));
		sg_smtp_client_abort(h->cli, h->why);
	} else if (res >= 0) {
		h->connected = true;
	}
	hop_pump(h);
}

void sd_hop_on_recv(struct sd_hop *h, int res)
{
	h->recv_busy = false;
	if (res > 0) {
		h->rlen = (size_t)res;
	} else if (!h->gone) {
		h->gone = true;
		snprintf(h->why, sizeof(h->why), "%s",
			 res == 0 ? "connection closed by the next hop" : strerror(-res));
	}
	hop_pump(h);
}

void sd_hop_on_send(struct sd_hop *h, int res)
{
	h->send_busy = false;
	if (res >= 0) {
		sg_smtp_client_output_done(h->cli, (size_t)res);
		note_text(h);
	} else if (!h->gone) {
		h->gone = true;
		snprintf(h->why, sizeof(h->why), "send: %s", strerror(-res));
	}
	hop_pump(h);
}

void sd_hop_tick(struct sd_relay_worker *w, uint64_t now)
{
	struct sd_hop *h, *next;

	for (h = w->hops; h != NULL; h = next) {
		next = h->next;
		if (h->closed || h->deadline_ms == 0 || now < h->deadline_ms)
			continue;
		if (h->connecting) {
			hop_close(h);
			continue;
		}
		if (!h->gone) {
			h->gone = true;
			snprintf(h->why, sizeof(h->why), "no answer from the next hop in time");
		}
		if (h->send_busy && !h->shut) {	/* a writev the peer never reads */
			shutdown(h->fd, SHUT_RDWR);
			h->shut = true;
		}
		hop_pump(h);
	}
	while ((h = sd_pool_expire(w->pool, now, SD_RELAY_HOP_IDLE_MS)) != NULL)
		if (sg_smtp_client_quit(h->cli) == SG_OK)
			hop_pump(h);
}

void sd_hop_stop_idle(struct sd_relay_worker *w)
{
	struct sd_hop *h;

	while ((h = sd_pool_take_idle(w->pool)) != NULL)
		if (sg_smtp_client_quit(h->cli) == SG_OK)
			hop_pump(h);
}
