/*
 * NAME
 *   sd_feed.h - the control thread's side of the spool: which input files
 *               there are, which worker gets each, what came of them
 *
 * SUMMARY
 *   sd_feed_scan lists IN_DIR (names accepted by sd_name_is_input, in
 *   byte order) and queues every name it does not already know; a *.eml
 *   name that is refused (sd_name_refusal) is counted as a failed message
 *   and given to hooks->refused, once (it stays known, never queued); with
 *   --watch, sd_feed_inotify_fd is polled and sd_feed_inotify queues the
 *   names of files closed after writing or moved into IN_DIR (an event
 *   queue overflow rescans). Producers should put files in whole: write
 *   them elsewhere (or under a name that is not *.eml) and rename them in;
 *   a file is read when it is taken, whatever its state. A name is known from when it is queued until
 *   its job comes back, so it is never given to two workers at once.
 *   sd_feed_pump moves queued names to the workers' in rings (a job is
 *   allocated only then: memory follows the rings, not the folder size;
 *   the least loaded worker first, at most ring capacity jobs out per
 *   worker, so its out ring cannot overflow) and collects finished jobs
 *   from the out rings: each is counted (struct sd_counts; VANISHED is
 *   not a message), given to hooks->done, then freed.
 *   sd_feed_outstanding is what was queued and has not come back;
 *   sd_feed_free frees what never went out and what is still in the rings
 *   (call it once the workers have stopped).
 *
 * UNTRUSTED INPUT
 *   Directory entries and inotify events (names checked by sd_names.h;
 *   event lengths checked against the bytes read).
 */
#ifndef SIGNET_SIGNETD_SD_FEED_H
#define SIGNET_SIGNETD_SD_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include "sd_progress.h"
#include "sd_ring.h"
#include "sd_spool.h"
#include "status.h"

struct sd_feed;

struct sd_feed_hooks {
	void (*done)(void *env, const struct sd_job *job);
	/* A *.eml name that cannot be taken (sd_name_refusal): told once. */
	void (*refused)(void *env, const char *name, const char *why);
	void *env;
};

SG_MUST_CHECK enum sg_err sd_feed_new(int in_fd, unsigned nworkers, struct sd_ring **to,
				      struct sd_ring **from, bool watch,
				      const struct sd_feed_hooks *hooks, struct sd_feed **out,
				      struct sg_error *err);
void sd_feed_free(struct sd_feed *f);
/* Names newly queued, or -1 (err set) when IN_DIR cannot be read. */
long sd_feed_scan(struct sd_feed *f, struct sg_error *err);
int sd_feed_inotify_fd(const struct sd_feed *f);
void sd_feed_inotify(struct sd_feed *f);
/* Collects finished jobs and, when hand_out, hands out queued names;
 * returns the jobs collected. */
size_t sd_feed_pump(struct sd_feed *f, bool hand_out);
/* Queued (not handed out) + out with workers. */
size_t sd_feed_outstanding(const struct sd_feed *f);
const struct sd_counts *sd_feed_counts(const struct sd_feed *f);

#endif
