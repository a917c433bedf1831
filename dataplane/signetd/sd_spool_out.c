/*
 * NAME
 *   sd_spool_out.c - the output side of a spool job: temp file, durable
 *                    write, the close/rename/fsync-dir/retire chain, and
 *                    its verdict (see sd_spool.h steps 4 and 5)
 *
 * UNTRUSTED INPUT
 *   None beyond the signer's answer (header fields it built).
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* signetd. */
#include "sd_spool_internal.h"

#define TMP_FLAGS (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)

void sd_spool_submit_retire(struct sd_spool_worker *w, struct sd_job *job, enum chain_op op)
{
	const struct sd_spool_dirs *d = w->p.dirs;
	struct io_uring_sqe *sqe;

	if (d->in_memory) {
		sd_spool_post(w, sd_spool_tag(job, op), sd_spool_result(d->retire_delete ?
			      unlinkat(d->in_fd, job->name, 0) :
			      renameat(d->in_fd, job->name, d->done_fd, job->name)));
		return;
	}
	sqe = sd_spool_sqe(w, job, op);
	if (d->retire_delete)
		io_uring_prep_unlinkat(sqe, d->in_fd, job->name, 0);
	else
		io_uring_prep_renameat(sqe, d->in_fd, job->name, d->done_fd, job->name, 0);
}

void sd_spool_submit_tmpopen(struct sd_spool_worker *w, struct sd_job *job)
{
	struct sd_job_priv *j = job->priv;
	struct io_uring_sqe *sqe;

	if (!sd_name_tmp(job->output, w->p.worker, j->tmp, sizeof(j->tmp))) {
		sd_spool_failed(w, job, "output name %s too long", job->output);
		return;
	}
	j->stage = ST_TMPOPEN;
	if (w->p.dirs->out_memory) {
		sd_spool_post(w, sd_spool_tag(job, OP_MAIN),
			      sd_spool_result(openat(w->p.dirs->out_fd, j->tmp, TMP_FLAGS, 0644)));
		return;
	}
	sqe = sd_spool_sqe(w, job, OP_MAIN);
	io_uring_prep_openat(sqe, w->p.dirs->out_fd, j->tmp, TMP_FLAGS, 0644);
}

void sd_spool_on_signed(struct sd_spool_worker *w, struct dp_done *d)
{
	struct sd_job *job = (struct sd_job *)(uintptr_t)d->cookie;
	struct sd_job_priv *j = job->priv;

	if (d->outcome == DP_FAILED && d->permanent) {
		sd_spool_bad(w, job, "cannot be signed: %s", d->reason);
		return;
	}
	if (d->outcome == DP_FAILED) {
		sd_spool_failed(w, job, "signing failed: %s", d->reason);
		return;
	}
	j->outcome = d->outcome == DP_SIGNED ? SD_JOB_SIGNED : SD_JOB_SKIPPED;
	if (d->outcome == DP_SKIPPED)
		snprintf(job->reason, sizeof(job->reason), "%s", d->reason);
	if (sd_msg_fields(&d->headers, j->form.lf, &j->fields) != SG_OK) {
		sd_spool_failed(w, job, "out of memory");
		return;
	}
	j->have_output = true;
	sd_spool_submit_tmpopen(w, job);
}

static void submit_write(struct sd_spool_worker *w, struct sd_job *job)
{
	struct sd_job_priv *j = job->priv;
	uint64_t skip = j->written;
	struct io_uring_sqe *sqe;
	unsigned n = 0;

	if (skip < j->fields.len) {
		j->iov[n].iov_base = j->fields.data + skip;
		j->iov[n++].iov_len = j->fields.len - skip;
		skip = 0;
	} else {
		skip -= j->fields.len;
	}
	j->iov[n].iov_base = (void *)(uintptr_t)(j->form.body + skip);
	j->iov[n++].iov_len = j->form.body_len - skip;
	j->stage = ST_WRITE;
	/* per-write O_DSYNC: the write completes once its data (and the file
	 * size) are durable, fdatasync's guarantee without a round trip of
	 * its own */
	if (w->p.dirs->out_memory) {
		sd_spool_post(w, sd_spool_tag(job, OP_MAIN),
			      sd_spool_result(pwritev2(j->fd, j->iov, (int)n, (off_t)j->written,
						       RWF_DSYNC)));
		return;
	}
	sqe = sd_spool_sqe(w, job, OP_MAIN);
	io_uring_prep_writev(sqe, j->fd, j->iov, n, j->written);
	sqe->rw_flags = RWF_DSYNC;
}

/* The commit: the temp file written with RWF_DSYNC; then close it and
 * rename it (no replace) into place, linked only for their order; then
 * fsync OUT_DIR; then retire the input. Each step is judged before the
 * next is submitted: a failed fs operation does not reliably cancel what
 * is linked after it on every kernel, so nothing durable-critical relies
 * on link cancellation. */

static void submit_rename(struct sd_spool_worker *w, struct sd_job *job)
{
	struct sd_job_priv *j = job->priv;
	int out_fd = w->p.dirs->out_fd;
	struct io_uring_sqe *sqe;

	j->stage = ST_RENAME;
	j->chain_left = 2;
	if (w->p.dirs->out_memory) {
		int closed = sd_spool_result(close(j->fd));

		sd_spool_post(w, sd_spool_tag(job, OP_CLOSE), closed);
		sd_spool_post(w, sd_spool_tag(job, OP_RENAME), closed < 0 ? -ECANCELED :
			      sd_spool_result(renameat2(out_fd, j->tmp, out_fd, job->output,
							RENAME_NOREPLACE)));
		return;
	}
	sqe = sd_spool_sqe(w, job, OP_CLOSE);
	io_uring_prep_close(sqe, j->fd);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = sd_spool_sqe(w, job, OP_RENAME);
	io_uring_prep_renameat(sqe, out_fd, j->tmp, out_fd, job->output, RENAME_NOREPLACE);
}

void sd_spool_on_tmpopen(struct sd_spool_worker *w, struct sd_job *job, int res)
{
	if (res < 0) {
		sd_spool_failed(w, job, "cannot create %s in the output folder: %s",
				job->priv->tmp, strerror(-res));
		return;
	}
	job->priv->fd = res;
	job->priv->written = 0;
	submit_write(w, job);
}

static void drop_tmp(struct sd_spool_worker *w, struct sd_job *job)
{
	if (job->priv->fd >= 0)
		close(job->priv->fd);
	job->priv->fd = -1;
	unlinkat(w->p.dirs->out_fd, job->priv->tmp, 0);
}

void sd_spool_on_write(struct sd_spool_worker *w, struct sd_job *job, int res)
{
	struct sd_job_priv *j = job->priv;

	if (res <= 0) {
		drop_tmp(w, job);
		sd_spool_failed(w, job, "cannot write %s: %s", job->output,
				res < 0 ? strerror(-res) : "nothing written");
		return;
	}
	j->written += (uint64_t)res;
	if (j->written < j->fields.len + j->form.body_len)
		submit_write(w, job);
	else
		submit_rename(w, job);
}

static void start_group_dirsync(struct sd_spool_worker *w);

/* Both CQEs of close + rename are in. */
void sd_spool_on_rename(struct sd_spool_worker *w, struct sd_job *job)
{
	struct sd_job_priv *j = job->priv;
	const int *r = j->chain_res;

	if (r[OP_CLOSE] != -ECANCELED)
		j->fd = -1;	/* the close ran (even a failed close releases it) */
	if (r[OP_RENAME] == -EEXIST) {
		/* An output of that name appeared meanwhile: look at it again
		 * (it may hold this very message). */
		drop_tmp(w, job);
		sd_spool_probe(w, job);
		return;
	}
	if (r[OP_CLOSE] < 0 || r[OP_RENAME] < 0) {
		drop_tmp(w, job);
		if (r[OP_RENAME] == 0)	/* renamed, but the close failed: take it back */
			unlinkat(w->p.dirs->out_fd, job->output, 0);
		sd_spool_failed(w, job, "cannot write %s: close %s, rename %s", job->output,
				r[OP_CLOSE] < 0 ? strerror(-r[OP_CLOSE]) : "ok",
				r[OP_RENAME] < 0 ? strerror(-r[OP_RENAME]) : "ok");
		return;
	}
	j->stage = ST_DIRSYNC;
	w->dirsync_wait[w->ndirsync_wait++] = job;
	if (!w->dirsync_busy)
		start_group_dirsync(w);
}

/* One fsync of OUT_DIR covers every job whose rename completed before it
 * was submitted (group commit); jobs renamed meanwhile wait for the next. */
static void start_group_dirsync(struct sd_spool_worker *w)
{
	struct sd_job **swap = w->dirsync_flight;

	if (w->p.dirs->out_memory) {
		sd_spool_post(w, sd_spool_group_token(w), sd_spool_result(fsync(w->p.dirs->out_fd)));
	} else {
		struct io_uring_sqe *sqe = sd_spool_sqe(w, NULL, OP_MAIN);

		io_uring_sqe_set_data64(sqe, sd_spool_group_token(w));
		io_uring_prep_fsync(sqe, w->p.dirs->out_fd, 0);
	}
	w->dirsync_flight = w->dirsync_wait;
	w->ndirsync_flight = w->ndirsync_wait;
	w->dirsync_wait = swap;
	w->ndirsync_wait = 0;
	w->dirsync_busy = true;
}

void sd_spool_on_group_dirsync(struct sd_spool_worker *w, int res)
{
	w->dirsync_busy = false;
	for (size_t i = 0; i < w->ndirsync_flight; i++) {
		struct sd_job *job = w->dirsync_flight[i];

		if (res < 0) {
			sd_spool_failed(w, job, "%s written, but the output folder could not be "
					"synced (%s): the input stays for the next run",
					job->output, strerror(-res));
			continue;
		}
		job->priv->stage = ST_RETIRE_NEW;
		sd_spool_submit_retire(w, job, OP_MAIN);
	}
	w->ndirsync_flight = 0;
	if (w->ndirsync_wait > 0)
		start_group_dirsync(w);
}

void sd_spool_on_retired(struct sd_spool_worker *w, struct sd_job *job, int res)
{
	if (res < 0) {
		sd_spool_failed(w, job, "%s written, but the input could not be retired: %s",
				job->output, strerror(-res));
		return;
	}
	sd_spool_finish(w, job, job->priv->outcome);
}
