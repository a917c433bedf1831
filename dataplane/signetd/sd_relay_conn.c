/*
 * NAME
 *   sd_relay_conn.c - one client connection of the relay: socket I/O
 *                     around its sg_smtp_server machine, the message to
 *                     the signer and to the next hop, the final reply
 *                     (see sd_relay.h for the replies)
 *
 * SUMMARY
 *   sd_conn_pump is the one place that decides what a connection does
 *   next: write queued replies (copied out of the machine, at most
 *   SD_SEND_CHUNK per send), feed bytes read, hand a complete message to
 *   the signer, read more, or close. Reading stops while the machine holds
 *   unwritten replies over its high mark (feed returns early) and while a
 *   message is in flight (the bytes after "." wait in the receive buffer).
 *   A client that stops reading its replies is closed once a send has
 *   made no progress for the idle timeout.
 *   A client that goes away while its message is at the signer or the
 *   next hop is closed at once; its connection is freed when that work
 *   comes back (the outcome is dropped: the client never saw a 250).
 *   The signer works inside the calls: a batched backend signs a full
 *   batch (~1 ms of RSA-2048 on IFMA) in the submit that fills it. A
 *   receive or send completion that started a message therefore hands
 *   whatever the signer has finished to the next hop before it returns,
 *   and submits those writes (take_signed): the worker's round polls the
 *   signer only once no completion is left, and under load that took
 *   1.4-13 ms a message (the more clients, the longer), with the signed
 *   messages, the next hop and their clients all waiting and batches
 *   flushed short meanwhile. Not while the signer's batch deadline has
 *   passed: that poll would start the partial batch, which the round
 *   flushes anyway once the completions are handled, by which time more
 *   messages may have joined it.
 *
 * UNTRUSTED INPUT
 *   Client bytes, handed to the server machine as they arrive.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sd_relay_int.h"

#define TAKE_BATCH 32			/* signer completions per poll */

static void conn_close(struct sd_conn *c);

static bool conn_submit_recv(struct sd_conn *c)
{
	struct io_uring_sqe *sqe = sd_relay_sqe(c->w);

	if (sqe == NULL)
		return false;
	sd_bufring_prep_recv(c->w->bufs, sqe, c->fd);
	io_uring_sqe_set_data(sqe, &c->op_recv);
	c->recv_busy = true;
	return true;
}

static bool conn_submit_send(struct sd_conn *c)
{
	struct io_uring_sqe *sqe = sd_relay_sqe(c->w);

	if (sqe == NULL)
		return false;
	io_uring_prep_send(sqe, c->fd, c->sbuf + c->soff, c->slen - c->soff, MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, &c->op_send);
	c->send_busy = true;
	c->send_since_ms = c->w->now_ms;
	return true;
}

/* Copies queued replies into a send of their own (see SUMMARY). */
static void conn_flush_output(struct sd_conn *c)
{
	const char *out;
	size_t n = 0;

	if (c->send_busy || c->closed)
		return;
	out = sg_smtp_server_output(c->srv, &n);
	if (out == NULL || n == 0)
		return;
	if (n > SD_SEND_CHUNK)
		n = SD_SEND_CHUNK;
	c->sbuf = malloc(n);
	if (c->sbuf == NULL) {
		conn_close(c);
		return;
	}
	memcpy(c->sbuf, out, n);
	sg_smtp_server_output_done(c->srv, n);
	c->slen = n;
	c->soff = 0;
	if (!conn_submit_send(c))
		conn_close(c);
}

static void conn_free_message(struct sd_conn *c)
{
	const struct sd_signer_port *s = &c->w->p.signer;

	free(c->msg.data);	/* not sg_buf_free: no secret to zero, and a
				   second pass over every message */
	sg_buf_init(&c->msg, SIZE_MAX);
	sg_smtp_envelope_free(&c->env);
	if (c->have_done)
		s->release(s->ctx, &c->done);
	c->have_done = false;
	c->signed_msg = false;
	c->retried = false;
}

/* Frees the connection once nothing refers to it (see sd_relay_int.h). */
static void conn_maybe_free(struct sd_conn *c)
{
	struct sd_relay_worker *w = c->w;

	if (!c->closed || c->recv_busy || c->send_busy || c->signing || c->waiting ||
	    c->hop != NULL || c->in_recv)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->counted_total && w->p.conns_total != NULL)
		atomic_fetch_sub(w->p.conns_total, 1);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	conn_free_message(c);
	sg_smtp_server_free(c->srv);
	free(c->sbuf);
	free(c->own);
	free(c);
}

/* Stops all I/O: shutdown wakes a pending receive; freed when idle. */
static void conn_close(struct sd_conn *c)
{
	if (!c->closed) {
		c->closed = true;
		if (c->fd >= 0 && !c->shut)
			shutdown(c->fd, SHUT_RDWR);
		c->shut = true;
	}
	conn_maybe_free(c);
}

static enum sd_timer_phase phase_of(enum sg_smtp_server_state st)
{
	return st == SG_SMTP_SERVER_DATA ? SD_PHASE_DATA :
	       st == SG_SMTP_SERVER_COMMAND ? SD_PHASE_COMMAND : SD_PHASE_OUTCOME;
}

/* Queues the reply to the message in flight and ends it. */
static void conn_reply(struct sd_conn *c, unsigned code, const char *enhanced,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void conn_reply(struct sd_conn *c, unsigned code, const char *enhanced,
		       const char *fmt, ...)
{
	char text[SG_SMTP_CLIENT_TEXT_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	conn_free_message(c);
	if (code >= 400 && code < 500)
		c->w->counts.tempfailed++;
	if (sg_smtp_server_finish(c->srv, code, enhanced, text) != SG_OK &&
	    sg_smtp_server_finish(c->srv, code >= 500 ? 554 : 451, NULL, text) != SG_OK)
		sg_smtp_server_abort(c->srv, SG_SMTP_ABORT_SHUTDOWN);
	sd_timer_phase(&c->timer, SD_PHASE_COMMAND, c->w->now_ms);
	sd_conn_pump(c);
}

static enum sg_err copy_envelope(struct sd_conn *c, const struct sg_smtp_envelope *env)
{
	enum sg_err rc;

	sg_smtp_envelope_init(&c->env, env->n_rcpt);
	rc = sg_smtp_envelope_set_from(&c->env, env->mail_from);
	for (unsigned i = 0; rc == SG_OK && i < env->n_rcpt; i++)
		rc = sg_smtp_envelope_add_rcpt(&c->env, env->rcpt[i]);
	c->env.size_param = env->size_param;
	c->env.body = env->body;
	snprintf(c->auth_user, sizeof(c->auth_user), "%s", env->auth_user ? env->auth_user : "");
	return rc;
}

/* The machine holds a complete message: to the signer with it. */
static void conn_start_message(struct sd_conn *c)
{
	struct sd_relay_worker *w = c->w;
	struct dp_client_facts facts;
	struct sg_error err;

	w->counts.messages++;
	sd_timer_phase(&c->timer, SD_PHASE_OUTCOME, w->now_ms);
	sg_error_clear(&err);
	if (copy_envelope(c, sg_smtp_server_envelope(c->srv)) != SG_OK ||
	    sg_smtp_server_take_message(c->srv, &c->msg) != SG_OK) {
		conn_reply(c, 451, "4.3.1", "out of memory; try again later");
		return;
	}
	c->first_dot = sg_smtp_server_first_dot(c->srv);
	facts.can_relay = c->relay_client;
	facts.auth_user = c->auth_user[0] ? c->auth_user : NULL;
	if (w->p.signer.submit(w->p.signer.ctx, (const uint8_t *)c->msg.data, c->msg.len, &facts,
			       (uint64_t)(uintptr_t)c, &err) != SG_OK) {
		conn_reply(c, 451, "4.3.0", "cannot sign now (%s); try again later", err.msg);
		return;
	}
	c->signing = true;
}

void sd_conn_pump(struct sd_conn *c)
{
	for (;;) {
		enum sg_smtp_server_state st;
		size_t used, n = 0;

		if (c->closed) {
			conn_maybe_free(c);
			return;
		}
		conn_flush_output(c);
		st = sg_smtp_server_state(c->srv);
		if (c->w->stopping && (st == SG_SMTP_SERVER_COMMAND || st == SG_SMTP_SERVER_DATA)) {
			sg_smtp_server_abort(c->srv, SG_SMTP_ABORT_SHUTDOWN);
			continue;
		}
		sd_timer_phase(&c->timer, phase_of(st), c->w->now_ms);
		if (st == SG_SMTP_SERVER_CLOSING) {
			if (!c->send_busy && sg_smtp_server_output(c->srv, &n) == NULL)
				conn_close(c);
			return;
		}
		if (st == SG_SMTP_SERVER_MESSAGE) {
			if (!c->signing && c->hop == NULL && !c->waiting)
				conn_start_message(c);
			return;
		}
		if (c->rlen > 0) {
			used = sg_smtp_server_feed(c->srv, c->rbuf + c->roff, c->rlen);
			c->roff += used;
			c->rlen -= used;
			if (c->rlen == 0 && !c->in_recv) {
				free(c->own);
				c->own = c->rbuf = NULL;
				c->roff = 0;
			}
			if (used > 0)
				continue;
			return;		/* replies over the high mark: wait for the send */
		}
		if (c->eof) {
			conn_close(c);
			return;
		}
		if (!c->recv_busy && !conn_submit_recv(c))
			conn_close(c);
		return;
	}
}

/* See SUMMARY: finished signings to their connections now. */
static void take_signed(struct sd_relay_worker *w)
{
	const struct sd_signer_port *s = &w->p.signer;
	struct dp_done done[TAKE_BATCH];
	size_t n, total = 0;

	if (s->next_deadline_us(s->ctx) <= sd_relay_now_us())
		return;		/* the round flushes the stale partial batch */
	do {
		n = s->poll(s->ctx, done, TAKE_BATCH);
		for (size_t i = 0; i < n; i++)
			sd_conn_on_signed((struct sd_conn *)(uintptr_t)done[i].cookie, &done[i]);
		total += n;
	} while (n == TAKE_BATCH);
	if (total > 0 && io_uring_sq_ready(&w->ring) > 0)
		(void)io_uring_submit(&w->ring);
}

/* After feeding from a ring buffer: what the machine left is copied. */
static void keep_leftover(struct sd_conn *c)
{
	if (c->rlen > 0 && !c->closed) {
		c->own = malloc(c->rlen);
		if (c->own == NULL) {
			conn_close(c);
		} else {
			memcpy(c->own, c->rbuf + c->roff, c->rlen);
			c->rbuf = c->own;
			c->roff = 0;
			return;
		}
	}
	c->rbuf = NULL;
	c->rlen = c->roff = 0;
}

void sd_conn_on_recv(struct sd_conn *c, const struct io_uring_cqe *cqe)
{
	struct sd_relay_worker *w = c->w;
	uint64_t started = w->counts.messages;
	unsigned bid = 0;
	char *data = sd_bufring_take(w->bufs, cqe, &bid);

	c->recv_busy = false;
	if (cqe->res == -ENOBUFS && !c->closed) {	/* every buffer in use */
		c->nobuf = true;
		w->nobuf++;
		w->counts.nobuf++;
		return;
	}
	if (cqe->res <= 0 || data == NULL) {
		if (data != NULL)
			sd_bufring_recycle(w->bufs, bid);
		c->eof = true;
		sd_conn_pump(c);
		return;
	}
	c->rbuf = data;
	c->roff = 0;
	c->rlen = (size_t)cqe->res;
	sd_timer_activity(&c->timer, (uint64_t)cqe->res, w->now_ms);
	c->in_recv = true;
	sd_conn_pump(c);
	keep_leftover(c);
	sd_bufring_recycle(w->bufs, bid);
	c->in_recv = false;
	sd_conn_pump(c);	/* c may be gone from here on */
	if (w->counts.messages != started)
		take_signed(w);
}

void sd_conn_retry_nobuf(struct sd_relay_worker *w)
{
	struct sd_conn *c, *next;

	w->nobuf = 0;
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		if (c->nobuf) {
			c->nobuf = false;
			sd_conn_pump(c);
		}
	}
}

void sd_conn_on_send(struct sd_conn *c, int res)
{
	struct sd_relay_worker *w = c->w;
	uint64_t started = w->counts.messages;

	c->send_busy = false;
	if (res < 0) {
		free(c->sbuf);
		c->sbuf = NULL;
		conn_close(c);
		return;
	}
	c->soff += (size_t)res;
	if (c->soff < c->slen && !c->closed) {
		if (!conn_submit_send(c))
			conn_close(c);
		return;
	}
	free(c->sbuf);
	c->sbuf = NULL;
	sd_conn_pump(c);	/* may start a pipelined message; c may be gone */
	if (w->counts.messages != started)
		take_signed(w);
}

void sd_conn_on_signed(struct sd_conn *c, const struct dp_done *done)
{
	struct sd_relay_worker *w = c->w;

	c->signing = false;
	c->done = *done;
	c->have_done = true;
	done = &c->done;
	if (c->closed) {
		conn_free_message(c);
		conn_maybe_free(c);
		return;
	}
	if (done->outcome == DP_FAILED && done->permanent) {
		conn_reply(c, 554, "5.6.0", "message cannot be signed: %s", done->reason);
		return;
	}
	if (done->outcome == DP_FAILED) {
		conn_reply(c, 451, "4.7.0", "signing failed: %s; try again later", done->reason);
		return;
	}
	if (done->outcome == DP_SKIPPED && done->skip == DP_SKIP_NO_KEY && w->p.tempfail_no_key) {
		conn_reply(c, 451, "4.7.0", "no signing key for the sender's domain (%s)",
			   done->reason);
		return;
	}
	c->signed_msg = done->outcome == DP_SIGNED;
	sd_hop_relay(w, c);
}

/* The first line of a next-hop reply text, for our own reply. */
static const char *first_line(const char *text, char *buf, size_t cap)
{
	size_t n = strcspn(text, "\n");

	snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), text);
	return buf;
}

void sd_conn_on_relayed(struct sd_conn *c, const struct sg_smtp_client_result *r, bool reached)
{
	struct sd_relay_worker *w = c->w;
	char line[SG_SMTP_CLIENT_TEXT_MAX];

	c->hop = NULL;
	if (c->closed) {
		conn_free_message(c);
		conn_maybe_free(c);
		return;
	}
	first_line(r->text, line, sizeof(line));
	if (r->outcome == SG_SMTP_ACCEPTED) {
		bool was_signed = c->signed_msg;

		if (was_signed)
			w->counts.relayed_signed++;
		else
			w->counts.relayed_unsigned++;
		conn_reply(c, 250, "2.0.0", "%s; next hop: %u%s%s %s",
			   was_signed ? "signed and relayed" : "relayed unsigned", r->code,
			   r->enhanced[0] ? " " : "", r->enhanced, line);
	} else if (r->outcome == SG_SMTP_PERMFAIL) {
		bool same_class = r->enhanced[0] == '5';

		w->counts.permfailed++;
		conn_reply(c, r->code >= 500 && r->code < 600 ? r->code : 554,
			   same_class ? r->enhanced : "5.0.0", "next hop: %s", line);
	} else if (r->code >= 400 && r->code < 500) {
		conn_reply(c, 451, "4.4.0", "next hop deferred the message: %u %s; try again "
			   "later", r->code, line);
	} else {
		conn_reply(c, 451, reached ? "4.4.2" : "4.4.1", "next hop %s: %s; try again later",
			   reached ? "connection lost" : "unreachable", line);
	}
}

/* How long a reply may take to be written (a client that stopped
 * reading): the idle timeout. */
static uint64_t write_limit_ms(const struct sd_conn_limits *l)
{
	return l->idle_ms > 0 ? l->idle_ms : SD_IDLE_MS_DEFAULT;
}

void sd_conn_tick(struct sd_conn *c, uint64_t now)
{
	enum sd_timer_verdict v;

	if (c->closed)
		return;
	if (c->send_busy && now - c->send_since_ms >= write_limit_ms(&c->w->p.limits)) {
		sd_relay_log(c->w, "client %s: does not read its replies; closed", c->peer);
		conn_close(c);
		return;
	}
	v = sd_timer_check(&c->w->p.limits, &c->timer, now);
	if (v == SD_TIMER_OK)
		return;
	sg_smtp_server_abort(c->srv, v == SD_TIMER_SLOW ? SG_SMTP_ABORT_TOO_SLOW :
			     SG_SMTP_ABORT_TIMEOUT);
	sd_relay_log(c->w, "client %s: %s", c->peer,
		     v == SD_TIMER_SLOW ? "message text below the minimum rate" : "idle timeout");
	sd_conn_pump(c);
}

static struct sd_conn *conn_alloc(struct sd_relay_worker *w, int fd, unsigned flags)
{
	struct sd_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->srv = sg_smtp_server_new(w->p.server, flags);
	if (c->srv == NULL) {
		free(c);
		return NULL;
	}
	c->w = w;
	c->fd = fd;
	c->op_recv = (struct sd_op){ SD_OP_CONN_RECV, c };
	c->op_send = (struct sd_op){ SD_OP_CONN_SEND, c };
	sg_buf_init(&c->msg, SIZE_MAX);
	sg_smtp_envelope_init(&c->env, 1);
	sd_timer_start(&c->timer, w->now_ms);
	return c;
}

/* Connections past the limit are greeted with 421; this many more are
 * closed without a word. */
#define BUSY_SLACK 64u

void sd_conn_accepted(struct sd_relay_worker *w, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned flags = 0;
	bool counted = false;
	struct sd_conn *c;

	if (w->nconns >= w->p.max_conns + BUSY_SLACK ||
	    getpeername(fd, (struct sockaddr *)&ss, &len) != 0) {
		close(fd);
		return;
	}
	sd_relay_nodelay(fd);
	if (sd_netlist_match(w->p.relay_hosts, (struct sockaddr *)&ss))
		flags |= SG_SMTP_SERVER_RELAY_CLIENT;
	if (w->p.conns_total != NULL) {
		counted = true;
		if (atomic_fetch_add(w->p.conns_total, 1) >= w->p.max_conns_total &&
		    w->p.max_conns_total > 0)
			flags |= SG_SMTP_SERVER_BUSY;
	}
	if (w->nconns >= w->p.max_conns)
		flags |= SG_SMTP_SERVER_BUSY;
	c = conn_alloc(w, fd, flags);
	if (c == NULL) {
		if (counted)
			atomic_fetch_sub(w->p.conns_total, 1);
		close(fd);
		return;
	}
	c->counted_total = counted;
	c->relay_client = (flags & SG_SMTP_SERVER_RELAY_CLIENT) != 0;
	c->busy_greeting = (flags & SG_SMTP_SERVER_BUSY) != 0;
	sd_addr_text((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
	if (c->busy_greeting)
		w->counts.busy++;
	else
		w->counts.connections++;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	sd_conn_pump(c);
}
