/*
 * NAME
 *   sd_app.h - the signetd process: what main sets up and the control
 *              thread's loop runs on (signetd.c builds it, sd_app.c loops)
 *
 * SUMMARY
 *   The main lcore is the control thread: it owns the spool feed, the
 *   connection to signet-controld (sd_control), the signal descriptor and
 *   the progress display. Workers run on the other lcores (sd_workers.h).
 *   sd_app_loop returns once the batch is done (no --watch), or after
 *   SIGTERM/SIGINT once the workers finished their messages in flight; a
 *   second signal ends it at once (nothing is lost: an input is retired
 *   only after its output is in place). It logs to stderr, and keeps the
 *   progress line (stderr is a TTY) below the log lines.
 */
#ifndef SIGNET_SIGNETD_SD_APP_H
#define SIGNET_SIGNETD_SD_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "sd_control.h"
#include "sd_feed.h"
#include "sd_options.h"
#include "sd_recover.h"
#include "sd_workers.h"

struct sg_config;
struct dp_keys;

struct sd_app {
	struct sd_options opt;
	struct sg_config *conf;
	struct sd_spool_folders folders;
	struct dp_keys *keys;
	unsigned nworkers;
	struct sd_worker *workers;		/* nworkers, cache-aligned */
	struct dp_worker_stats **stats;
	struct sd_ring **to, **from;
	struct sd_feed *feed;
	struct sd_control *control;
	_Atomic int mode;			/* enum sd_mode, read by workers */
	int signal_fd;
	bool stopping, tty, progress_shown;
	uint64_t started_ms, last_progress_ms, last_scan_ms;
	double started_cpu_s;			/* sd_process_cpu_s() at started_ms */
	uint64_t left_in_place;			/* FAILED jobs (input still there) */
	uint64_t refused;			/* BAD jobs (moved to .failed/) and
						 * *.eml names not taken */
	struct sd_relay_setup *relay;		/* relay mode (no --spool), or NULL */
};

uint64_t sd_now_ms(void);
/* CPU time of the whole process so far (all threads), in seconds. */
double sd_process_cpu_s(void);
/* One log line on stderr ("signetd: ..."), clearing the progress line. */
void sd_app_log(struct sd_app *a, const char *fmt, ...) SG_PRINTF(2, 3);
/* The control thread's loop (see above). */
void sd_app_loop(struct sd_app *a);
/* The final summary on stderr, and the JSON object on stdout (--json). */
void sd_app_report(struct sd_app *a);

#endif
