/*
 * NAME
 *   sd_relay.c - the relay worker: its listening socket, io_uring, the
 *                round of sd_relay_worker_step, deadlines and stopping
 *                (see sd_relay.h)
 *
 * SUMMARY
 *   One round: the signer's partial batch is flushed when no I/O
 *   completion is ready (so batching never waits for traffic that is not
 *   there) and its completions are handed to their connections; then
 *   submit and wait - at most until the next tick (TICK_MS), the signer's
 *   batch deadline, or wait_us - for at least one completion; every ready
 *   completion is handled; the signer is polled again; on a tick every
 *   connection's deadline is checked. Accepting is one multishot accept,
 *   armed again when the kernel ends it (after a failure: a tick later,
 *   logged once per row of failures). Out of descriptors (EMFILE, ENFILE)
 *   nobody waiting in the listen backlog could be served: the worker
 *   turns each waiting client away (counted as busy) so that it hears
 *   421 4.3.2 instead of hanging. That needs no descriptor of the
 *   process, whose table the workers share (a descriptor given up for it
 *   could be taken by another worker's accept first, and the worker
 *   stopped answering): the ring has a table of one io_uring fixed file
 *   (direct descriptor) for it, and a linked chain accepts a client into
 *   it, sends 421 and closes it, one client after another while the
 *   backlog has any. The accept does not wait (IORING_ACCEPT_DONTWAIT;
 *   before Linux 6.10, which refuses it, poll() says first that someone
 *   waits). The ring's accept is not armed while a chain runs.
 *
 * UNTRUSTED INPUT
 *   None here: bytes go to sd_relay_conn.c and sd_relay_hop.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sd_relay_int.h"
#include "sd_uring.h"

#define RING_ENTRIES 1024
#define LISTEN_BACKLOG 1024
#define TICK_MS 250u
#define SIGNER_WAIT_US 1000u		/* wait while the signer holds messages */
#define POLL_BATCH 32
#define SHED_REPLY "421 4.3.2 Too many open files here; try again later\r\n"
#define SHED_MAX 1024			/* clients turned away per failed accept */
#define SHED_SLOT 0			/* the ring's fixed file for it */
#define SHED_CHAIN 3			/* accept, send, close */
#ifndef IORING_ACCEPT_DONTWAIT		/* Linux 6.10; liburing 2.3 lacks it */
#define IORING_ACCEPT_DONTWAIT (1U << 1)
#endif

uint64_t sd_relay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t sd_relay_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void sd_relay_log(struct sd_relay_worker *w, const char *fmt, ...)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "worker %u: ", w->p.worker);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (w->p.log != NULL)
		w->p.log(w->p.log_ctx, line);
	else
		fprintf(stderr, "signetd: %s\n", line);
}

struct io_uring_sqe *sd_relay_sqe(struct sd_relay_worker *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

	if (sqe == NULL) {
		(void)io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
	}
	return sqe;
}

void sd_relay_nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static enum sg_err open_listener(struct sd_relay_worker *w, struct sg_error *err)
{
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	char text[64];
	int one = 1;

	sd_addr_text((const struct sockaddr *)&w->p.listen, text, sizeof(text));
	w->listen_fd = socket(w->p.listen.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (w->listen_fd < 0 ||
	    setsockopt(w->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(w->listen_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    bind(w->listen_fd, (const struct sockaddr *)&w->p.listen, w->p.listen_len) != 0 ||
	    listen(w->listen_fd, LISTEN_BACKLOG) != 0 ||
	    getsockname(w->listen_fd, (struct sockaddr *)&bound, &len) != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "esmtp_listener %s: %s", text,
				    strerror(errno));
	w->port = ntohs(bound.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&bound)->sin6_port :
			((struct sockaddr_in *)&bound)->sin_port);
	return SG_OK;
}

/* The fixed file that clients are turned away through (see the top). */
static enum sg_err register_shed_slot(struct sd_relay_worker *w, struct sg_error *err)
{
	int ret = io_uring_register_files_sparse(&w->ring, SHED_SLOT + 1);

	if (ret >= 0)
		return SG_OK;
	return sg_error_set(err, SG_E_IO, 0, 0, "io_uring_register_files_sparse: %s (the relay "
			    "needs io_uring direct descriptors, Linux 5.19 or later, to answer "
			    "clients when out of file descriptors)", strerror(-ret));
}

enum sg_err sd_relay_worker_new(const struct sd_relay_params *p, struct sd_relay_worker **out,
				struct sg_error *err)
{
	struct sd_relay_worker *w = calloc(1, sizeof(*w));
	enum sg_err rc;

	*out = NULL;
	if (w == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	w->p = *p;
	w->listen_fd = -1;
	w->op_accept = (struct sd_op){ SD_OP_ACCEPT, w };
	w->op_ignore = (struct sd_op){ SD_OP_IGNORE, w };
	w->shed.op_accept = w->shed.op_rest = (struct sd_op){ SD_OP_SHED, w };
	w->shed.dontwait = true;
	w->now_ms = w->last_tick_ms = sd_relay_now_ms();
	w->pool = sd_pool_new(p->pool_max ? p->pool_max : SD_RELAY_POOL_DEFAULT,
			      p->max_conns + 64);
	if (w->pool == NULL) {
		sd_relay_worker_free(w);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	/* COOP_TASKRUN: completions that arrive while the worker computes (a
	 * signing batch is ~1 ms of RSA) wait for its next io_uring_enter
	 * instead of interrupting it, an IPI each (a VM exit on a VM) */
	rc = sd_uring_init(&w->ring, RING_ENTRIES,
			   &(struct io_uring_params){ .flags = IORING_SETUP_COOP_TASKRUN }, err);
	if (rc != SG_OK) {
		sd_relay_worker_free(w);
		return rc;
	}
	w->ring_ok = true;
	rc = register_shed_slot(w, err);
	if (rc == SG_OK)
		rc = sd_bufring_new(&w->ring, SD_RECV_BGID, p->recv_bufs ? p->recv_bufs : SD_RECV_BUFS,
			    SD_RELAY_RECV_CHUNK, &w->bufs, err);
	if (rc == SG_OK)
		rc = open_listener(w, err);
	if (rc != SG_OK) {
		sd_relay_worker_free(w);
		return rc;
	}
	*out = w;
	return SG_OK;
}

static void arm_accept(struct sd_relay_worker *w)
{
	struct io_uring_sqe *sqe;

	if (w->accept_armed || w->shed.due > 0 || w->stopping || w->listen_fd < 0 ||
	    w->now_ms < w->accept_retry_ms)
		return;
	sqe = sd_relay_sqe(w);
	if (sqe == NULL)
		return;
	io_uring_prep_multishot_accept(sqe, w->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data(sqe, &w->op_accept);
	w->accept_armed = true;
}

/* Out of descriptors: turns the next client of the listen backlog away
 * (see the top of the file). Runs only while no accept is armed. */
static void shed_next(struct sd_relay_worker *w)
{
	struct pollfd ready = { .fd = w->listen_fd, .events = POLLIN };
	struct io_uring_sqe *sqe;

	if (w->shed.due > 0 || w->accept_armed || w->stopping || w->listen_fd < 0 ||
	    w->shed.round >= SHED_MAX)
		return;
	if (!w->shed.dontwait && (poll(&ready, 1, 0) != 1 || !(ready.revents & POLLIN)))
		return;
	if (io_uring_sq_space_left(&w->ring) < SHED_CHAIN)	/* the chain in one go */
		(void)io_uring_submit(&w->ring);
	if (io_uring_sq_space_left(&w->ring) < SHED_CHAIN)
		return;
	sqe = io_uring_get_sqe(&w->ring);
	io_uring_prep_accept_direct(sqe, w->listen_fd, NULL, NULL, SOCK_NONBLOCK, SHED_SLOT);
	if (w->shed.dontwait)
		sqe->ioprio |= IORING_ACCEPT_DONTWAIT;
	sqe->flags |= IOSQE_IO_LINK;		/* no client: nothing more */
	io_uring_sqe_set_data(sqe, &w->shed.op_accept);
	sqe = io_uring_get_sqe(&w->ring);
	io_uring_prep_send(sqe, SHED_SLOT, SHED_REPLY, sizeof(SHED_REPLY) - 1,
			   MSG_NOSIGNAL | MSG_DONTWAIT);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;	/* close even if it fails */
	io_uring_sqe_set_data(sqe, &w->shed.op_rest);
	sqe = io_uring_get_sqe(&w->ring);
	io_uring_prep_close_direct(sqe, SHED_SLOT);
	io_uring_sqe_set_data(sqe, &w->shed.op_rest);
	w->shed.due = SHED_CHAIN;
}

/* A completion of the chain; at its last one, the next client. */
static void on_shed(struct sd_relay_worker *w, const struct sd_op *op, int res)
{
	struct sd_shed *s = &w->shed;

	if (op == &s->op_accept)
		s->accepted = res;
	if (s->due == 0 || --s->due > 0)
		return;
	if (s->accepted == -EINVAL && s->dontwait) {	/* before Linux 6.10 */
		s->dontwait = false;
	} else if (s->accepted < 0) {			/* EAGAIN: nobody left */
		if (s->accepted != -EAGAIN && s->accepted != -ECANCELED && !s->error_logged) {
			s->error_logged = true;
			sd_relay_log(w, "turning a client away: accept: %s",
				     strerror(-s->accepted));
		}
		return;
	} else {
		if (s->total++ == 0)
			sd_relay_log(w, "out of file descriptors: turning clients away with 421 "
				     "(raise RLIMIT_NOFILE, LimitNOFILE= in the unit, or lower "
				     "max_connections)");
		s->round++;
		w->counts.busy++;
	}
	shed_next(w);
}

static void on_accept(struct sd_relay_worker *w, const struct io_uring_cqe *cqe)
{
	if (!(cqe->flags & IORING_CQE_F_MORE))
		w->accept_armed = false;
	if (cqe->res == -EMFILE || cqe->res == -ENFILE) {
		w->shed.round = 0;
		shed_next(w);
	}
	if (cqe->res < 0) {		/* e.g. EMFILE: try again after a tick */
		if (cqe->res != -ECANCELED && w->accept_failures++ == 0)
			sd_relay_log(w, "accept: %s (retrying every %u ms)", strerror(-cqe->res),
				     TICK_MS);
		w->accept_retry_ms = w->now_ms + TICK_MS;
		return;
	}
	w->accept_failures = 0;
	if (w->stopping) {
		close(cqe->res);
		return;
	}
	sd_conn_accepted(w, cqe->res);
}

static void handle_cqe(struct sd_relay_worker *w, const struct io_uring_cqe *cqe)
{
	struct sd_op *op = io_uring_cqe_get_data(cqe);

	if (op == NULL)
		return;
	switch (op->kind) {
	case SD_OP_ACCEPT:
		on_accept(w, cqe);
		break;
	case SD_OP_SHED:
		on_shed(w, op, cqe->res);
		break;
	case SD_OP_CONN_RECV:
		sd_conn_on_recv(op->owner, cqe);
		break;
	case SD_OP_CONN_SEND:
		sd_conn_on_send(op->owner, cqe->res);
		break;
	case SD_OP_HOP_CONNECT:
		sd_hop_on_connect(op->owner, cqe->res);
		break;
	case SD_OP_HOP_RECV:
		sd_hop_on_recv(op->owner, cqe->res);
		break;
	case SD_OP_HOP_SEND:
		sd_hop_on_send(op->owner, cqe->res);
		break;
	case SD_OP_IGNORE:
	default:
		break;
	}
}

/* Hands every finished signing to its connection (which releases it). */
static void poll_signer(struct sd_relay_worker *w)
{
	const struct sd_signer_port *s = &w->p.signer;
	struct dp_done done[POLL_BATCH];
	size_t n;

	do {
		n = s->poll(s->ctx, done, POLL_BATCH);
		for (size_t i = 0; i < n; i++) {
			sd_conn_on_signed((struct sd_conn *)(uintptr_t)done[i].cookie, &done[i]);
		}
	} while (n == POLL_BATCH);
}

static void begin_stop(struct sd_relay_worker *w)
{
	struct sd_conn *c, *next;
	struct io_uring_sqe *sqe;

	w->stopping = true;
	if (w->accept_armed && (sqe = sd_relay_sqe(w)) != NULL) {
		io_uring_prep_cancel(sqe, &w->op_accept, 0);
		io_uring_sqe_set_data(sqe, &w->op_ignore);
	}
	if (w->shed.due > 0 && (sqe = sd_relay_sqe(w)) != NULL) {	/* one that waits */
		io_uring_prep_cancel(sqe, &w->shed.op_accept, 0);
		io_uring_sqe_set_data(sqe, &w->op_ignore);
	}
	if (w->listen_fd >= 0)
		close(w->listen_fd);
	w->listen_fd = -1;
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		sd_conn_pump(c);	/* sessions outside MESSAGE get 421 */
	}
	sd_hop_stop_idle(w);
}

static void tick(struct sd_relay_worker *w)
{
	struct sd_conn *c, *next;

	if (w->now_ms - w->last_tick_ms < TICK_MS)
		return;
	w->last_tick_ms = w->now_ms;
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		sd_conn_tick(c, w->now_ms);
	}
	sd_hop_tick(w, w->now_ms);
	arm_accept(w);
}

/* How long the round may wait, in microseconds. */
static uint64_t wait_budget(struct sd_relay_worker *w, unsigned wait_us)
{
	const struct sd_signer_port *s = &w->p.signer;
	uint64_t budget = wait_us, until_tick, deadline = s->next_deadline_us(s->ctx);
	uint64_t now = sd_relay_now_us();

	until_tick = (w->last_tick_ms + TICK_MS > w->now_ms ?
		      w->last_tick_ms + TICK_MS - w->now_ms : 0) * 1000;
	if (until_tick < budget)
		budget = until_tick;
	if (deadline != UINT64_MAX)
		budget = deadline <= now ? 0 : (deadline - now < budget ? deadline - now : budget);
	if (s->pending(s->ctx) > 0 && budget > SIGNER_WAIT_US)
		budget = SIGNER_WAIT_US;
	return budget;
}

static void wait_and_handle(struct sd_relay_worker *w, uint64_t budget_us)
{
	struct __kernel_timespec ts = { .tv_sec = (long long)(budget_us / 1000000),
					.tv_nsec = (long long)(budget_us % 1000000) * 1000 };
	struct io_uring_cqe *cqe;
	unsigned head, seen;

	(void)io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
	do {
		w->now_ms = sd_relay_now_ms();
		seen = 0;
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			handle_cqe(w, cqe);
			seen++;
		}
		io_uring_cq_advance(&w->ring, seen);
		if (seen > 0)
			(void)io_uring_submit(&w->ring);
	} while (seen > 0);
}

bool sd_relay_worker_step(struct sd_relay_worker *w, unsigned wait_us)
{
	const struct sd_signer_port *s = &w->p.signer;

	w->now_ms = sd_relay_now_ms();
	if (!w->stopping && atomic_load_explicit(w->p.mode, memory_order_acquire) != SD_MODE_RUN)
		begin_stop(w);
	arm_accept(w);
	if (s->pending(s->ctx) > 0 && io_uring_cq_ready(&w->ring) == 0)
		s->flush(s->ctx);
	poll_signer(w);
	wait_and_handle(w, wait_budget(w, wait_us));
	if (w->nobuf > 0)
		sd_conn_retry_nobuf(w);
	poll_signer(w);
	if (s->next_deadline_us(s->ctx) <= sd_relay_now_us())
		s->flush(s->ctx);
	tick(w);
	return !(w->stopping && w->nconns == 0 && w->nhops == 0 && !w->accept_armed &&
		 w->shed.due == 0);
}

void sd_relay_worker_run(struct sd_relay_worker *w)
{
	while (sd_relay_worker_step(w, TICK_MS * 1000))
		;
	(void)io_uring_submit(&w->ring);
}

unsigned sd_relay_worker_port(const struct sd_relay_worker *w)
{
	return w->port;
}

const struct sd_relay_counts *sd_relay_worker_counts(const struct sd_relay_worker *w)
{
	return &w->counts;
}

unsigned sd_relay_worker_connections(const struct sd_relay_worker *w)
{
	return w->nconns;
}

void sd_relay_worker_free(struct sd_relay_worker *w)
{
	if (w == NULL)
		return;
	if (w->ring_ok)		/* first: the kernel lets go of every buffer */
		io_uring_queue_exit(&w->ring);
	w->ring_ok = false;
	while (w->conns != NULL) {
		struct sd_conn *c = w->conns;

		w->conns = c->next;
		if (c->fd >= 0)
			close(c->fd);
		if (c->counted_total && w->p.conns_total != NULL)
			atomic_fetch_sub(w->p.conns_total, 1);
		sg_smtp_server_free(c->srv);
		sg_buf_free(&c->msg);
		sg_smtp_envelope_free(&c->env);
		if (c->have_done)
			w->p.signer.release(w->p.signer.ctx, &c->done);
		free(c->sbuf);
		free(c->own);
		free(c);
	}
	while (w->hops != NULL) {
		struct sd_hop *h = w->hops;

		w->hops = h->next;
		if (h->fd >= 0)
			close(h->fd);
		sg_smtp_client_free(h->cli);
		free(h);
	}
	if (w->listen_fd >= 0)
		close(w->listen_fd);
	sd_bufring_free(w->bufs, NULL);
	sd_pool_free(w->pool);
	free(w);
}
