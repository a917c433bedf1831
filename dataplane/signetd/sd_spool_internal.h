/*
 * NAME
 *   sd_spool_internal.h - what sd_spool.c and sd_spool_io.c share: a job's
 *                         private state on its worker, and the rare-path
 *                         helpers done with plain system calls
 *
 * SUMMARY
 *   The common path (open, read, probe, temp open, durable write, close,
 *   rename, fsync dir, retire) goes through io_uring in sd_spool.c and
 *   sd_spool_out.c; the statx of an opened input is a plain call (its
 *   inode is in memory, it cannot wait for the disk). So are the probe,
 *   temp open, write, close, rename and fsync of a folder that lives in
 *   memory (sd_spool_dirs.out_memory, and in_memory for the retire):
 *   their results go through sd_spool_post to the same handlers as CQEs,
 *   in order, from the worker's next reap.
 *   The rare paths are synchronous and live here: comparing an existing
 *   output with the input (crash recovery), moving bad input to .failed/
 *   with its reason file, removing a temp file after a failed chain.
 */
#ifndef SIGNET_SIGNETD_SD_SPOOL_INTERNAL_H
#define SIGNET_SIGNETD_SD_SPOOL_INTERNAL_H

#include <errno.h>
#include <liburing.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "buf.h"
#include "sd_message.h"
#include "sd_spool.h"

enum job_stage {
	ST_OPEN, ST_READ, ST_PROBE, ST_SIGN, ST_TMPOPEN, ST_WRITE,
	ST_RENAME, ST_DIRSYNC, ST_RETIRE_NEW, ST_RETIRE,
};

/* Which operation a CQE answers (low bits of user_data): one at a time,
 * except close + rename, linked for their order. */
enum chain_op { OP_MAIN, OP_CLOSE, OP_RENAME, OP_COUNT };

/* SQEs a job can have in flight at once. */
#define SD_SQES_PER_JOB 2

struct sd_job_priv {
	enum job_stage stage;
	int fd;
	uint8_t *raw;			/* the input as read */
	uint64_t size, got;
	uint64_t held;			/* bytes counted in the worker's budget */
	struct statx stx;
	struct sd_msg_form form;
	struct sg_buf fields;		/* signature fields as written */
	bool have_output;		/* signed: fields + form ready to write */
	bool heading_to_sign;		/* counted in the worker's presign */
	enum sd_job_result outcome;	/* SIGNED or SKIPPED once signed */
	unsigned candidate;
	char tmp[SD_NAME_BUF];
	struct iovec iov[2];
	uint64_t written;
	unsigned chain_left;		/* CQEs of the chain still to come */
	int chain_res[OP_COUNT];
};

#define DONE_BATCH 32

/* The result of a plain call, waiting for reap like a CQE. */
struct sd_posted {
	uint64_t data;
	int res;
};

struct sd_spool_worker {
	struct sd_spool_params p;
	struct io_uring ring;
	size_t inflight;		/* jobs taken, not handed back */
	size_t presign;			/* of those, jobs that will still reach the
					 * signer (taken, not yet submitted) */
	uint64_t bytes;			/* input bytes held by those jobs */
	size_t io_pending;		/* SQEs without their CQE yet */
	struct sd_job **to_sign;	/* waiting for room in the signer */
	size_t nto_sign;
	struct sd_job **ready;		/* output name free, waiting for a whole group */
	size_t nready;
	uint64_t group_idle_ns;		/* time waited for I/O since the first joined */
	struct sd_job **backlog;	/* finished, out ring was full */
	size_t nbacklog;
	struct sd_job **mem_wait;	/* stat done, waiting for the byte budget */
	size_t nmem_wait;
	struct sd_job **dirsync_wait;	/* renamed, waiting for an OUT_DIR fsync */
	size_t ndirsync_wait;
	struct sd_job **dirsync_flight;	/* covered by the OUT_DIR fsync in flight */
	size_t ndirsync_flight;
	bool dirsync_busy;
	struct sd_posted *posted;	/* ring of plain-call results */
	size_t posted_head, nposted, posted_cap;
	struct dp_done done[DONE_BATCH];
};

/* sd_spool.c: an SQE tagged with the job and op (submits when the SQ is
 * full); hand a job back; fail it (left in place) with a reason; the job
 * will not (or no longer) go to the signer; its output name is free: it
 * joins the group for the signer. */
struct io_uring_sqe *sd_spool_sqe(struct sd_spool_worker *w, struct sd_job *job,
				  enum chain_op op);
/* What sd_spool_sqe tags an operation with: the job and op. */
static inline uint64_t sd_spool_tag(const struct sd_job *job, enum chain_op op)
{
	return (uint64_t)(uintptr_t)job | (uint64_t)op;
}
/* An operation done with a plain call: its result (a negative errno on
 * failure) is handled as the CQE tagged data would be, at the next reap. */
void sd_spool_post(struct sd_spool_worker *w, uint64_t data, int res);
/* The result of a plain call: -errno on failure, else ret. */
static inline int sd_spool_result(long ret)
{
	return ret < 0 ? -errno : (int)ret;
}
void sd_spool_finish(struct sd_spool_worker *w, struct sd_job *job, enum sd_job_result r);
void sd_spool_failed(struct sd_spool_worker *w, struct sd_job *job, const char *fmt, ...)
	SG_PRINTF(3, 4);
/* Bad input (the message itself, never worth a retry): a reason file and the
 * input moved to .failed/ (SD_JOB_BAD), or left in place if that fails. */
void sd_spool_bad(struct sd_spool_worker *w, struct sd_job *job, const char *fmt, ...)
	SG_PRINTF(3, 4);
void sd_spool_leave_presign(struct sd_spool_worker *w, struct sd_job_priv *j);
void sd_spool_job_ready(struct sd_spool_worker *w, struct sd_job *job);

/* sd_spool_read.c: the input side (steps 1 and 2): open a taken input,
 * its open/read/probe completions, jobs waiting for the byte budget, the
 * probe for its output name. */
void sd_spool_job_start(struct sd_spool_worker *w, struct sd_job *job);
void sd_spool_on_open(struct sd_spool_worker *w, struct sd_job *job, int res);
void sd_spool_on_read(struct sd_spool_worker *w, struct sd_job *job, int res);
void sd_spool_on_probe(struct sd_spool_worker *w, struct sd_job *job, int res);
void sd_spool_resume_mem_waiters(struct sd_spool_worker *w);
void sd_spool_probe(struct sd_spool_worker *w, struct sd_job *job);

/* sd_spool_out.c: the output side (steps 4 and 5). */
void sd_spool_on_signed(struct sd_spool_worker *w, struct dp_done *d);
void sd_spool_submit_tmpopen(struct sd_spool_worker *w, struct sd_job *job);
void sd_spool_submit_retire(struct sd_spool_worker *w, struct sd_job *job, enum chain_op op);
void sd_spool_on_tmpopen(struct sd_spool_worker *w, struct sd_job *job, int res);
void sd_spool_on_write(struct sd_spool_worker *w, struct sd_job *job, int res);
void sd_spool_on_rename(struct sd_spool_worker *w, struct sd_job *job);
/* The user_data of the group OUT_DIR fsync (no job has this address). */
static inline uint64_t sd_spool_group_token(const struct sd_spool_worker *w)
{
	return (uint64_t)(uintptr_t)w;
}
void sd_spool_on_group_dirsync(struct sd_spool_worker *w, int res);
void sd_spool_on_retired(struct sd_spool_worker *w, struct sd_job *job, int res);

/* 0: the file OUT_DIR/name holds this input already; 1: it holds
 * something else; -1: it cannot be read (reason set). */
int sd_spool_output_holds(int out_fd, const char *name, const struct sd_msg_form *form,
			  char *reason, size_t cap);
/* Reason file, then the input into .failed/. false (reason extended)
 * when that did not work; the input then stays in IN_DIR. */
bool sd_spool_move_failed(const struct sd_spool_dirs *d, unsigned worker, const char *name,
			  char *reason, size_t cap);

#endif
