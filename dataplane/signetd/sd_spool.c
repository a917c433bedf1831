/*
 * NAME
 *   sd_spool.c - the spool worker: one io_uring, jobs as state machines
 *                (see sd_spool.h for the steps and the crash argument)
 *
 * SUMMARY
 *   Each SQE carries the job pointer with the operation in its low bits
 *   (jobs are malloc'd, so 8-aligned). A job has at most one SQE in
 *   flight, except close + rename of the commit (linked for their order),
 *   whose two CQEs are collected before they are judged.
 *   Signing groups: a batched backend (ifma) costs the same for a full
 *   batch as for one signature, so jobs ready to sign wait in the ready
 *   list and go to the signer batch at a time (the signer starts a batch
 *   when it has batch_size of them); a partial group goes, and the signer
 *   is flushed, only when no job the worker holds can still join it
 *   (presign: jobs taken and not yet ready, not counting those waiting for
 *   the byte budget, and none in the in ring that the worker could take)
 *   or once the worker has waited batch_timeout_us for I/O with the group
 *   open. Time spent computing a batch or handling completions is not
 *   counted: the signer's own timeout, which counts it, cut 10-15% of the
 *   batches short when it was the rule here (a batch takes ~0.9 ms).
 *
 * UNTRUSTED INPUT
 *   Input files (sd_message.h checks them) and their names.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* signetd. */
#include "sd_spool_internal.h"
#include "sd_uring.h"

#define OP_MASK 7u
#define WAIT_MIN_US 1000
#define WAIT_IDLE_US 16000
#define SD_DEPTH_MAX 4096
/* io_uring's kernel workers for file operations (creates, durable writes,
 * renames, fsyncs) at least: the kernel's default, 4 per CPU, left the
 * output chains of a 128-deep pipeline queueing on a 2-CPU machine. */
#define IOWQ_BOUNDED_MIN 16
/* Submission queue entries at most: sd_spool_sqe submits when the queue is
 * full, so only the completion queue must hold every operation in flight
 * (sized for that with IORING_SETUP_CQSIZE); a smaller submission queue
 * keeps the ring's memory, charged to RLIMIT_MEMLOCK for a user without
 * CAP_IPC_LOCK, near what a 32-deep worker used. */
#define SQ_ENTRIES_MAX 64

static void job_sign(struct sd_spool_worker *w, struct sd_job *job);

/* The worker's memory (its ring is the caller's to close). */
static void free_worker(struct sd_spool_worker *w)
{
	free(w->dirsync_wait);
	free(w->dirsync_flight);
	free(w->mem_wait);
	free(w->ready);
	free(w->to_sign);
	free(w->backlog);
	free(w->posted);
	free(w);
}

/* At least IOWQ_BOUNDED_MIN kernel workers for the ring's file operations
 * (a 0 leaves a limit as it is and reads it back). A kernel that refuses
 * keeps its default: slower on a disk, not wrong. */
static void raise_iowq_workers(struct sd_spool_worker *w)
{
	unsigned max[2] = { 0, 0 };

	if (io_uring_register_iowq_max_workers(&w->ring, max) == 0 &&
	    max[0] < IOWQ_BOUNDED_MIN) {
		max[0] = IOWQ_BOUNDED_MIN;
		max[1] = 0;
		(void)io_uring_register_iowq_max_workers(&w->ring, max);
	}
}

enum sg_err sd_spool_worker_new(const struct sd_spool_params *p, struct sd_spool_worker **out,
				struct sg_error *err)
{
	struct io_uring_params rp = { .flags = IORING_SETUP_CQSIZE };
	struct sd_spool_worker *w;
	unsigned entries = 8;
	enum sg_err rc;

	if (p->depth == 0 || p->depth > SD_DEPTH_MAX)
		return sg_error_set(err, SG_E_ARG, 0, 0, "spool depth %u: 1 to %d", p->depth,
				    SD_DEPTH_MAX);
	while (entries < p->depth * SD_SQES_PER_JOB + 1 && entries < 32768)
		entries *= 2;
	rp.cq_entries = entries;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	w->p = *p;
	if (w->p.bytes_budget == 0)
		w->p.bytes_budget = SD_SPOOL_BYTES_BUDGET;
	w->to_sign = calloc(p->depth, sizeof(*w->to_sign));
	w->ready = calloc(p->depth, sizeof(*w->ready));
	w->backlog = calloc(p->depth, sizeof(*w->backlog));
	w->mem_wait = calloc(p->depth, sizeof(*w->mem_wait));
	w->dirsync_wait = calloc(p->depth, sizeof(*w->dirsync_wait));
	w->dirsync_flight = calloc(p->depth, sizeof(*w->dirsync_flight));
	w->posted_cap = (size_t)p->depth * SD_SQES_PER_JOB + 1;	/* + the group fsync */
	w->posted = calloc(w->posted_cap, sizeof(*w->posted));
	if (!w->to_sign || !w->ready || !w->backlog || !w->mem_wait || !w->dirsync_wait ||
	    !w->dirsync_flight || !w->posted) {
		free_worker(w);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	rc = sd_uring_init(&w->ring, entries < SQ_ENTRIES_MAX ? entries : SQ_ENTRIES_MAX, &rp,
			   err);
	if (rc != SG_OK) {
		free_worker(w);
		return rc;
	}
	raise_iowq_workers(w);
	*out = w;
	return SG_OK;
}

struct io_uring_sqe *sd_spool_sqe(struct sd_spool_worker *w, struct sd_job *job,
				    enum chain_op op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);

	if (sqe == NULL) {
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
	}
	if (sqe == NULL)
		abort();	/* the queue was just submitted: cannot happen */
	io_uring_sqe_set_data64(sqe, sd_spool_tag(job, op));
	w->io_pending++;
	return sqe;
}

void sd_spool_post(struct sd_spool_worker *w, uint64_t data, int res)
{
	size_t at = (w->posted_head + w->nposted) % w->posted_cap;

	if (w->nposted == w->posted_cap)
		abort();	/* more than SD_SQES_PER_JOB per job: cannot happen */
	w->posted[at].data = data;
	w->posted[at].res = res;
	w->nposted++;
	w->io_pending++;
}

static void job_clear(struct sd_job_priv *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->raw);
	sd_msg_form_free(&j->form);
	sg_buf_free(&j->fields);
	free(j);
}

/* The job will not (or no longer) be submitted to the signer. */
void sd_spool_leave_presign(struct sd_spool_worker *w, struct sd_job_priv *j)
{
	if (j->heading_to_sign) {
		j->heading_to_sign = false;
		w->presign--;
	}
}

void sd_spool_finish(struct sd_spool_worker *w, struct sd_job *job, enum sd_job_result r)
{
	sd_spool_leave_presign(w, job->priv);
	w->bytes -= job->priv->held;
	job_clear(job->priv);
	job->priv = NULL;
	job->result = r;
	w->inflight--;
	if (w->nbacklog > 0 || !sd_ring_push(w->p.out, job))
		w->backlog[w->nbacklog++] = job;
}

void sd_spool_failed(struct sd_spool_worker *w, struct sd_job *job, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(job->reason, sizeof(job->reason), fmt, ap);
	va_end(ap);
	sd_spool_finish(w, job, SD_JOB_FAILED);
}

void sd_spool_bad(struct sd_spool_worker *w, struct sd_job *job, const char *fmt, ...)
{
	va_list ap;
	bool moved;

	va_start(ap, fmt);
	vsnprintf(job->reason, sizeof(job->reason), fmt, ap);
	va_end(ap);
	if (job->priv->fd >= 0) {
		close(job->priv->fd);
		job->priv->fd = -1;
	}
	moved = sd_spool_move_failed(w->p.dirs, w->p.worker, job->name, job->reason,
				     sizeof(job->reason));
	sd_spool_finish(w, job, moved ? SD_JOB_BAD : SD_JOB_FAILED);
}

static void job_sign(struct sd_spool_worker *w, struct sd_job *job)
{
	static const struct dp_client_facts spool_facts = { .can_relay = true };
	struct sd_job_priv *j = job->priv;
	struct sg_error err;
	enum sg_err rc;

	sd_spool_leave_presign(w, j);
	j->stage = ST_SIGN;
	sg_error_clear(&err);
	rc = w->p.signer.submit(w->p.signer.ctx, j->form.sign, j->form.sign_len, &spool_facts,
				(uint64_t)(uintptr_t)job, &err);
	if (rc == SG_E_LIMIT)
		w->to_sign[w->nto_sign++] = job;
	else if (rc != SG_OK)
		sd_spool_failed(w, job, "cannot sign: %s", err.msg);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The output name is free: the job joins the group for the signer (or goes
 * at once without grouping). */
void sd_spool_job_ready(struct sd_spool_worker *w, struct sd_job *job)
{
	if (w->p.batch <= 1) {
		job_sign(w, job);
		return;
	}
	sd_spool_leave_presign(w, job->priv);
	job->priv->stage = ST_SIGN;
	w->ready[w->nready++] = job;
}

/* The first n ready jobs go to the signer. */
static void submit_ready(struct sd_spool_worker *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_sign(w, w->ready[i]);
	memmove(w->ready, w->ready + n, (w->nready - n) * sizeof(*w->ready));
	w->nready -= n;
	w->group_idle_ns = 0;	/* what is left starts a new group */
}

static void on_cqe(struct sd_spool_worker *w, uint64_t data, int res)
{
	struct sd_job *job = (struct sd_job *)(uintptr_t)(data & ~(uint64_t)OP_MASK);
	struct sd_job_priv *j;

	w->io_pending--;
	if (data == sd_spool_group_token(w)) {
		sd_spool_on_group_dirsync(w, res);
		return;
	}
	j = job->priv;
	switch (j->stage) {
	case ST_OPEN: sd_spool_on_open(w, job, res); break;
	case ST_READ: sd_spool_on_read(w, job, res); break;
	case ST_PROBE: sd_spool_on_probe(w, job, res); break;
	case ST_TMPOPEN: sd_spool_on_tmpopen(w, job, res); break;
	case ST_WRITE: sd_spool_on_write(w, job, res); break;
	case ST_RENAME:
		j->chain_res[data & OP_MASK] = res;
		if (--j->chain_left == 0)
			sd_spool_on_rename(w, job);
		break;
	case ST_DIRSYNC:
		abort();	/* the group fsync answers for these jobs */
	case ST_RETIRE_NEW: sd_spool_on_retired(w, job, res); break;
	case ST_RETIRE:
		if (res < 0)
			sd_spool_failed(w, job, "%s holds this message already, but the "
					"input could not be retired: %s", job->output,
					strerror(-res));
		else
			sd_spool_finish(w, job, SD_JOB_RECOVERED);
		break;
	case ST_SIGN:
		abort();	/* no I/O while the signer has the job */
	}
}

/* The results of plain calls, oldest first, including those their
 * handlers post. */
static unsigned reap_posted(struct sd_spool_worker *w)
{
	unsigned n = 0;

	while (w->nposted > 0) {
		struct sd_posted p = w->posted[w->posted_head];

		w->posted_head = (w->posted_head + 1) % w->posted_cap;
		w->nposted--;
		on_cqe(w, p.data, p.res);
		n++;
	}
	return n;
}

static unsigned reap(struct sd_spool_worker *w)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	struct {
		uint64_t data;
		int res;
	} got[64];

	/* Copy first: handlers queue SQEs and may submit, which is fine, but
	 * the CQ entries are retired in one batch before handling. */
	io_uring_for_each_cqe(&w->ring, head, cqe) {
		if (n == sizeof(got) / sizeof(got[0]))
			break;
		got[n].data = io_uring_cqe_get_data64(cqe);
		got[n++].res = cqe->res;
	}
	io_uring_cq_advance(&w->ring, n);
	for (unsigned i = 0; i < n; i++)
		on_cqe(w, got[i].data, got[i].res);
	return n + reap_posted(w);
}

/* The worker may take another job from the in ring. */
static bool can_take(const struct sd_spool_worker *w, int mode)
{
	return mode != SD_MODE_STOP && w->inflight < w->p.depth && w->nbacklog == 0 &&
	       (w->inflight == 0 || w->bytes < w->p.bytes_budget) &&
	       (w->p.batch <= 1 || w->presign + w->nready < 2 * (size_t)w->p.batch);
}

/* No job can join the group or the signer's partial batch any more:
 * nothing is on its way to the signer except jobs waiting for the byte
 * budget (which may wait for this very batch) and nothing in the in ring
 * can be taken now. */
static bool none_can_join(struct sd_spool_worker *w, int mode)
{
	return w->presign <= w->nmem_wait &&
	       (!can_take(w, mode) || sd_ring_count(w->p.in) == 0);
}

/* Whole groups go to the signer; a partial one when none can join it or
 * the worker has waited batch_timeout_us for I/O with it open. The
 * signer's partial batch is started when it has no room (jobs wait for
 * it), or the last group went and none can join. */
static void signer_round(struct sd_spool_worker *w, int mode)
{
	const struct sd_signer_port *s = &w->p.signer;
	size_t waiting = w->nto_sign, n;
	bool last = none_can_join(w, mode);

	w->nto_sign = 0;
	for (size_t i = 0; i < waiting; i++)
		job_sign(w, w->to_sign[i]);
	while (w->nto_sign == 0 && w->nready >= w->p.batch && w->nready > 0)
		submit_ready(w, w->p.batch);
	if (w->nready > 0 &&
	    (last || w->group_idle_ns >= (uint64_t)w->p.batch_timeout_us * 1000)) {
		submit_ready(w, w->nready);
		last = true;
	}
	if (s->pending(s->ctx) > 0 && (w->nto_sign > 0 || (w->nready == 0 && last)))
		s->flush(s->ctx);
	do {
		n = s->poll(s->ctx, w->done, DONE_BATCH);
		for (size_t i = 0; i < n; i++) {
			sd_spool_on_signed(w, &w->done[i]);
			s->release(s->ctx, &w->done[i]);
		}
	} while (n == DONE_BATCH);
}

static void hand_back(struct sd_spool_worker *w)
{
	size_t i = 0;

	while (i < w->nbacklog && sd_ring_push(w->p.out, w->backlog[i]))
		i++;
	memmove(w->backlog, w->backlog + i, (w->nbacklog - i) * sizeof(*w->backlog));
	w->nbacklog -= i;
}

/* Sleeps until a CQE arrives or wait_us passed (no CQE needed). */
static void wait_some(struct sd_spool_worker *w, unsigned wait_us)
{
	struct __kernel_timespec ts = { .tv_sec = wait_us / 1000000,
					.tv_nsec = (long long)(wait_us % 1000000) * 1000 };
	struct io_uring_cqe *cqe;

	if (w->io_pending > 0) {
		(void)io_uring_wait_cqe_timeout(&w->ring, &cqe, &ts);
	} else {
		struct timespec t = { .tv_sec = ts.tv_sec, .tv_nsec = (long)ts.tv_nsec };

		nanosleep(&t, NULL);
	}
}

/* wait_some, shortened to what is left of the open group's timeout, and
 * counted as the group's waiting time. */
static void wait_group(struct sd_spool_worker *w, unsigned wait_us)
{
	uint64_t limit_ns = (uint64_t)w->p.batch_timeout_us * 1000, t0;

	if (w->nready == 0) {
		wait_some(w, wait_us);
		return;
	}
	if (w->group_idle_ns >= limit_ns)
		return;
	if ((uint64_t)wait_us * 1000 > limit_ns - w->group_idle_ns)
		wait_us = (unsigned)((limit_ns - w->group_idle_ns + 999) / 1000);
	t0 = now_ns();
	wait_some(w, wait_us);
	w->group_idle_ns += now_ns() - t0;
}

bool sd_spool_worker_step(struct sd_spool_worker *w, unsigned wait_us)
{
	int mode = atomic_load_explicit(w->p.mode, memory_order_acquire);
	const struct sd_signer_port *s = &w->p.signer;
	struct sd_job *job;
	unsigned got;

	hand_back(w);
	while (can_take(w, mode) && (job = sd_ring_pop(w->p.in)) != NULL)
		sd_spool_job_start(w, job);
	io_uring_submit(&w->ring);
	if (w->inflight == 0 && w->nbacklog == 0 &&
	    (mode == SD_MODE_STOP || (mode == SD_MODE_FINISH && sd_ring_count(w->p.in) == 0)))
		return false;
	got = reap(w);
	sd_spool_resume_mem_waiters(w);
	signer_round(w, mode);
	io_uring_submit(&w->ring);
	if (got == 0 && w->nbacklog == 0 && w->nposted == 0) {
		uint64_t deadline = s->next_deadline_us(s->ctx);

		if (s->pending(s->ctx) > 0 && deadline != UINT64_MAX && wait_us > 200)
			wait_us = 200;
		if (w->inflight > 0 || sd_ring_count(w->p.in) == 0)
			wait_group(w, wait_us);
	}
	return true;
}

/* With nothing to do the wait grows from WAIT_MIN_US to WAIT_IDLE_US, so
 * an idle --watch worker does not wake a thousand times a second; any
 * job brings it back to WAIT_MIN_US. */
void sd_spool_worker_run(struct sd_spool_worker *w)
{
	unsigned wait_us = WAIT_MIN_US;

	while (sd_spool_worker_step(w, wait_us)) {
		if (w->inflight > 0 || sd_ring_count(w->p.in) > 0)
			wait_us = WAIT_MIN_US;
		else if (wait_us < WAIT_IDLE_US)
			wait_us *= 2;
	}
}

size_t sd_spool_worker_inflight(const struct sd_spool_worker *w)
{
	return w->inflight + w->nbacklog;
}

void sd_spool_worker_free(struct sd_spool_worker *w)
{
	if (w == NULL)
		return;
	io_uring_queue_exit(&w->ring);
	free_worker(w);
}
