/*
 * NAME
 *   sd_spool.h - the spool front-end on one worker: input files in,
 *                signed output files out, through one io_uring
 *
 * SUMMARY
 *   The control thread hands jobs (struct sd_job: an input name) to a
 *   worker through the worker's in ring and gets each back, with its
 *   result, through the out ring (sd_ring.h). A worker
 *   (sd_spool_worker_new, then sd_spool_worker_run on its lcore) works on
 *   at most depth jobs at a time, and (with batch > 1) takes a new one
 *   only while fewer than 2 x batch of them are on their way to the
 *   signer: the others are writing their outputs, which on a disk takes
 *   milliseconds (fsync), so a deep pipeline keeps the signer's batches
 *   full without holding more messages in the reading stages than two
 *   batches need. For each job, with io_uring:
 *     1. openat IN_DIR/NAME (O_NOFOLLOW | O_NONBLOCK), statx, read it
 *        whole (size limit max_size), check it is a message
 *        (sd_message.h); anything refused here is bad input: the reason
 *        goes to IN_DIR/.failed/NAME.reason (temp file, fsync, rename),
 *        then the input is renamed into .failed/ (SD_JOB_BAD);
 *     2. statx OUT_DIR/CANDIDATE (sd_names.h, candidate 0 first): absent
 *        -> sign; present -> its bytes are compared (sd_msg_output_
 *        matches): this input already written by an earlier run -> step 5
 *        (SD_JOB_RECOVERED, not signed again); another message -> next
 *        candidate;
 *     3. sign through the signer port (dp_signer; facts can_relay: a spool
 *        is trusted local input), in groups of batch jobs, so that the
 *        signer gets whole batches (a batched backend costs the same for
 *        one signature as for a full one): a job whose output name is
 *        free waits until batch jobs are ready, or until no job the
 *        worker holds or could take can still join the group (then the
 *        partial group goes and the signer is flushed: a lone message
 *        never waits), or until the worker has waited batch_timeout_us
 *        for I/O since the group's first job (time spent computing a
 *        batch or handling completions does not count: the group waits
 *        for jobs, not for the worker); DP_SIGNED and DP_SKIPPED are
 *        written (the latter unsigned), DP_FAILED leaves the input in
 *        place (SD_JOB_FAILED: the signing may work on a later run);
 *     4. openat OUT_DIR/.signetd-tmp.W.CANDIDATE, write the signature
 *        fields and the message with RWF_DSYNC (each write returns once
 *        its data is durable, as after fdatasync: one round trip less),
 *        then close + renameat to OUT_DIR/CANDIDATE with
 *        RENAME_NOREPLACE (EEXIST: an output
 *        appeared meanwhile -> back to 2 for that name, without signing
 *        again), then fsync of OUT_DIR (one fsync covers every job of the
 *        worker renamed before it was submitted: group commit); each step
 *        only after the previous one succeeded (a failed fs operation does
 *        not cancel the linked ones on every kernel, so links are not
 *        relied on);
 *     5. retire the input: renameat to IN_DIR/.done/NAME, or unlinkat
 *        (retire_delete).
 *   io_uring does the opens and reads of inputs itself, but hands every
 *   create, rename, statx, durable write and fsync to a kernel worker
 *   thread, which runs on the worker's own CPU (it inherits the lcore's
 *   pinning). On a folder that lives in memory (sd_spool_dirs.out_memory,
 *   in_memory) those steps cannot wait for a disk, so the worker makes
 *   them with the same system calls directly; their results take the
 *   same path as completions, so every step above is unchanged.
 *   Killed at any point, the next run finds each input in IN_DIR (not yet
 *   retired) and either no output (signed again), a temp file (deleted by
 *   sd_recover_open before workers start) or a complete output (its
 *   rename came after its durable write): recognised in 2 and only
 *   retired. So every input ends up exactly once in OUT_DIR, complete.
 *   I/O errors on the output side (disk full, ...) leave the input in
 *   place (SD_JOB_FAILED) with the reason; nothing partial stays behind.
 *   Modes (an atomic the control thread sets, read by every worker):
 *   SD_MODE_RUN takes jobs as they come; SD_MODE_FINISH returns once the
 *   in ring is empty and nothing is in flight; SD_MODE_STOP takes no new
 *   job and returns once the jobs in flight are done (SIGTERM); jobs still
 *   in the in ring stay there for the control thread to free.
 *   A file that vanished before it was opened is SD_JOB_VANISHED (someone
 *   else took it): nothing was done. Retiring to .done/ replaces an older
 *   .done/NAME of an earlier batch (the signed copy is what matters).
 *
 * UNTRUSTED INPUT
 *   Input files (size-limited, checked before signing) and names in the
 *   spool folders (sd_names.h). Existing output files are only compared.
 */
#ifndef SIGNET_SIGNETD_SD_SPOOL_H
#define SIGNET_SIGNETD_SD_SPOOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dp_signer.h"
#include "sd_names.h"
#include "sd_ring.h"
#include "status.h"

/* The input bytes a worker's jobs may hold at once (bytes_budget): a job
 * whose file would pass it waits after its statx until others are done,
 * and no new job is taken while the budget is used up; one job is always
 * allowed, so memory stays under the budget plus one largest message. */
#define SD_SPOOL_BYTES_BUDGET (256u * 1024 * 1024)

enum sd_mode { SD_MODE_RUN, SD_MODE_FINISH, SD_MODE_STOP };

enum sd_job_result {
	SD_JOB_NONE,		/* not finished (still queued when stopped) */
	SD_JOB_SIGNED,
	SD_JOB_SKIPPED,		/* written unsigned */
	SD_JOB_RECOVERED,	/* output existed already; input retired now */
	SD_JOB_BAD,		/* moved to .failed/ with a reason file */
	SD_JOB_FAILED,		/* left in IN_DIR (signing or output I/O failed) */
	SD_JOB_VANISHED,	/* gone before it was opened */
};

struct sd_job_priv;

struct sd_job {
	char name[SD_NAME_BUF];			/* input name (set by the feeder) */
	enum sd_job_result result;		/* set by the worker */
	char output[SD_NAME_BUF];		/* the output name used */
	char reason[256];			/* why BAD / FAILED / SKIPPED */
	struct sd_job_priv *priv;		/* the worker's, NULL outside it */
};

/* Directory descriptors, opened by the control thread (O_DIRECTORY). */
struct sd_spool_dirs {
	int in_fd, out_fd, done_fd, failed_fd;	/* done_fd -1 with retire_delete */
	bool retire_delete;
	/* The folder lives in memory (tmpfs, ramfs): none of its file steps
	 * can wait for a disk, so the workers make them with plain system
	 * calls instead of through io_uring, which hands every create,
	 * rename, durable write and fsync to a kernel worker thread (a
	 * wake-up and a thread switch each, on the worker's own CPU). */
	bool in_memory, out_memory;
};

/* How the worker reaches its signer: dp_signer in signetd, a fake in
 * tests. Calls keep dp_signer.h's meaning. */
struct sd_signer_port {
	enum sg_err (*submit)(void *ctx, const uint8_t *msg, size_t len,
			      const struct dp_client_facts *facts, uint64_t cookie,
			      struct sg_error *err);
	void (*flush)(void *ctx);
	size_t (*poll)(void *ctx, struct dp_done *done, size_t max);
	void (*release)(void *ctx, struct dp_done *done);
	size_t (*pending)(void *ctx);
	uint64_t (*next_deadline_us)(void *ctx);
	void *ctx;
};

struct sd_spool_params {
	const struct sd_spool_dirs *dirs;
	unsigned worker;			/* number, for temp names and logs */
	unsigned depth;				/* jobs in flight at most (1..4096) */
	uint64_t max_size;			/* largest input accepted */
	uint64_t bytes_budget;			/* 0: SD_SPOOL_BYTES_BUDGET */
	struct sd_signer_port signer;
	unsigned batch;				/* signing batch size: ready jobs go to the
						 * signer in groups of this many (0, 1: each
						 * at once) */
	unsigned batch_timeout_us;		/* a partial group goes once the worker
						 * has waited this long for I/O */
	struct sd_ring *in, *out;		/* jobs to do / jobs done */
	const _Atomic int *mode;		/* enum sd_mode */
};

struct sd_spool_worker;

SG_MUST_CHECK enum sg_err sd_spool_worker_new(const struct sd_spool_params *p,
					      struct sd_spool_worker **out,
					      struct sg_error *err);
/* One round: take jobs, submit I/O, wait at most wait_us for completions,
 * advance jobs, poll the signer. Returns false when the mode says the
 * worker is done. */
bool sd_spool_worker_step(struct sd_spool_worker *w, unsigned wait_us);
/* Steps until done (an idle worker sleeps up to 16 ms between looks at
 * its ring). */
void sd_spool_worker_run(struct sd_spool_worker *w);
/* Jobs taken and not handed back yet. */
size_t sd_spool_worker_inflight(const struct sd_spool_worker *w);
void sd_spool_worker_free(struct sd_spool_worker *w);

#endif
