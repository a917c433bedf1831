/*
 * NAME
 *   sd_spool_read.c - the input side of a spool job: open, statx and the
 *                     checks of the file, the byte budget, the read, the
 *                     message check, and the probe for a free output name
 *                     (steps 1 and 2 of sd_spool.h)
 *
 * SUMMARY
 *   sd_spool_job_start opens a taken input (ST_OPEN); sd_spool_on_open
 *   stats the open file at once (its inode is in memory: no round trip
 *   through io_uring's kernel workers) and refuses what is not a regular,
 *   non-empty file within max_size as bad input; a file that would pass
 *   the worker's byte budget waits in mem_wait (sd_spool_resume_mem_waiters
 *   starts those, oldest first, once others are done); sd_spool_on_read
 *   reads it whole (a file that shrank is read as it is now), checks it
 *   as a message and prepares its CRLF form; sd_spool_probe / on_probe
 *   look for its output name in OUT_DIR: free -> ready to sign (or, after
 *   signing, to write), holding this same message -> recovered from an
 *   earlier run and retired, holding another -> the next candidate name.
 *
 * UNTRUSTED INPUT
 *   The input files (sd_message.h checks them) and their names.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* signetd. */
#include "sd_spool_internal.h"

void sd_spool_job_start(struct sd_spool_worker *w, struct sd_job *job)
{
	struct sd_job_priv *j = calloc(1, sizeof(*j));
	struct io_uring_sqe *sqe;

	w->inflight++;
	job->result = SD_JOB_NONE;
	job->output[0] = job->reason[0] = '\0';
	if (j == NULL) {
		w->inflight--;
		job->result = SD_JOB_FAILED;
		snprintf(job->reason, sizeof(job->reason), "out of memory");
		w->backlog[w->nbacklog++] = job;
		return;
	}
	j->fd = -1;
	sg_buf_init(&j->fields, SIZE_MAX);
	j->heading_to_sign = true;
	w->presign++;
	job->priv = j;
	j->stage = ST_OPEN;
	sqe = sd_spool_sqe(w, job, OP_MAIN);
	io_uring_prep_openat(sqe, w->p.dirs->in_fd, job->name,
			     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
}

static void submit_read(struct sd_spool_worker *w, struct sd_job *job)
{
	struct sd_job_priv *j = job->priv;
	uint64_t left = j->size - j->got;
	struct io_uring_sqe *sqe = sd_spool_sqe(w, job, OP_MAIN);

	io_uring_prep_read(sqe, j->fd, j->raw + j->got,
			   (unsigned)(left > (1u << 30) ? (1u << 30) : left), j->got);
}

static void on_stat(struct sd_spool_worker *w, struct sd_job *job, int res);

void sd_spool_on_open(struct sd_spool_worker *w, struct sd_job *job, int res)
{
	struct sd_job_priv *j = job->priv;

	if (res == -ENOENT) {
		sd_spool_finish(w, job, SD_JOB_VANISHED);
		return;
	}
	if (res < 0) {
		sd_spool_bad(w, job, "cannot open: %s", res == -ELOOP ? "it is a symbolic link" :
		    strerror(-res));
		return;
	}
	j->fd = res;
	/* The open file's inode is in memory: statx answers at once, so it
	 * is called here rather than sent through the ring (which would hand
	 * it to a kernel worker thread: a wake-up and a round trip per
	 * message). */
	res = statx(j->fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, &j->stx);
	on_stat(w, job, res < 0 ? -errno : 0);
}

/* Takes the input's bytes into the budget and reads the file. */
static void start_read(struct sd_spool_worker *w, struct sd_job *job)
{
	struct sd_job_priv *j = job->priv;

	j->raw = malloc(j->stx.stx_size);
	if (j->raw == NULL) {
		sd_spool_failed(w, job, "out of memory for %llu bytes",
				(unsigned long long)j->stx.stx_size);
		return;
	}
	j->size = j->held = j->stx.stx_size;
	w->bytes += j->held;
	j->stage = ST_READ;
	submit_read(w, job);
}

/* Jobs that waited for room in the byte budget, oldest first. */
void sd_spool_resume_mem_waiters(struct sd_spool_worker *w)
{
	size_t i = 0;

	while (i < w->nmem_wait) {
		struct sd_job *job = w->mem_wait[i];

		if (w->bytes > 0 && w->bytes + job->priv->stx.stx_size > w->p.bytes_budget)
			break;
		start_read(w, job);
		i++;
	}
	memmove(w->mem_wait, w->mem_wait + i, (w->nmem_wait - i) * sizeof(*w->mem_wait));
	w->nmem_wait -= i;
}

static void on_stat(struct sd_spool_worker *w, struct sd_job *job, int res)
{
	struct sd_job_priv *j = job->priv;

	if (res < 0) {
		sd_spool_bad(w, job, "cannot stat: %s", strerror(-res));
		return;
	}
	if (!S_ISREG(j->stx.stx_mode)) {
		sd_spool_bad(w, job, "not a regular file");
		return;
	}
	if (j->stx.stx_size == 0) {
		sd_spool_bad(w, job, "not a message: the file is empty");
		return;
	}
	if (j->stx.stx_size > w->p.max_size) {
		sd_spool_bad(w, job, "too big: %llu bytes, the limit is %llu",
		    (unsigned long long)j->stx.stx_size, (unsigned long long)w->p.max_size);
		return;
	}
	if (w->bytes > 0 && w->bytes + j->stx.stx_size > w->p.bytes_budget) {
		w->mem_wait[w->nmem_wait++] = job;	/* read once others are done */
		return;
	}
	start_read(w, job);
}

void sd_spool_on_read(struct sd_spool_worker *w, struct sd_job *job, int res)
{
	struct sd_job_priv *j = job->priv;
	struct sg_error err;

	if (res < 0) {
		sd_spool_bad(w, job, "read error: %s", strerror(-res));
		return;
	}
	if (res == 0)
		j->size = j->got;	/* it shrank while we read */
	j->got += (uint64_t)res;
	if (j->got < j->size) {
		submit_read(w, job);
		return;
	}
	close(j->fd);
	j->fd = -1;
	sg_error_clear(&err);
	if (sd_msg_check(j->raw, j->size, &err) != SG_OK) {
		sd_spool_bad(w, job, "%s", err.msg);
		return;
	}
	if (sd_msg_prepare(j->raw, j->size, &j->form) != SG_OK) {
		sd_spool_failed(w, job, "out of memory");
		return;
	}
	sd_spool_probe(w, job);
}

void sd_spool_probe(struct sd_spool_worker *w, struct sd_job *job)
{
	struct sd_job_priv *j = job->priv;
	struct io_uring_sqe *sqe;

	if (!sd_name_candidate(job->name, j->candidate, job->output, sizeof(job->output))) {
		sd_spool_failed(w, job, "no free output name (%u taken by other messages)", j->candidate);
		return;
	}
	j->stage = ST_PROBE;
	if (w->p.dirs->out_memory) {
		sd_spool_post(w, sd_spool_tag(job, OP_MAIN),
			      sd_spool_result(statx(w->p.dirs->out_fd, job->output,
						    AT_SYMLINK_NOFOLLOW, STATX_TYPE, &j->stx)));
		return;
	}
	sqe = sd_spool_sqe(w, job, OP_MAIN);
	io_uring_prep_statx(sqe, w->p.dirs->out_fd, job->output, AT_SYMLINK_NOFOLLOW,
			    STATX_TYPE, &j->stx);
}

void sd_spool_on_probe(struct sd_spool_worker *w, struct sd_job *job, int res)
{
	struct sd_job_priv *j = job->priv;
	int holds;

	if (res == -ENOENT) {
		if (j->have_output)
			sd_spool_submit_tmpopen(w, job);
		else
			sd_spool_job_ready(w, job);
		return;
	}
	if (res < 0) {
		sd_spool_failed(w, job, "cannot look for %s in the output folder: %s",
				job->output, strerror(-res));
		return;
	}
	holds = sd_spool_output_holds(w->p.dirs->out_fd, job->output, &j->form, job->reason,
				      sizeof(job->reason));
	if (holds < 0) {
		sd_spool_finish(w, job, SD_JOB_FAILED);
	} else if (holds == 0) {
		sd_spool_leave_presign(w, j);
		j->stage = ST_RETIRE;
		sd_spool_submit_retire(w, job, OP_MAIN);
	} else {
		j->candidate++;
		sd_spool_probe(w, job);
	}
}
