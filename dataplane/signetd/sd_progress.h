/*
 * NAME
 *   sd_progress.h - what the spool front-end tells the operator: the
 *                   progress bar, the summary line and the JSON summary
 *
 * SUMMARY
 *   struct sd_counts are the outcomes of one run: messages (inputs taken),
 *   signed (written with at least one signature), skipped (written
 *   unsigned: no key, no From domain, ...), failed (moved to .failed/, or
 *   an I/O error that left the input in place), recovered (an earlier run
 *   had written the output but not retired the input: retired now, not
 *   signed again).
 *   sd_progress_line formats one line for a TTY (no line end, at most
 *   width columns): "[#####.....] 120/200  60%  350 msg/s  ETA 0:00:02";
 *   total 0 means unknown (watch mode): "120 messages  350 msg/s".
 *   sd_summary_text is the final line on stderr; sd_summary_json the object
 *   printed on stdout with --json: {"messages":N,"signed":N,"skipped":N,
 *   "failed":N,"recovered":N,"seconds":S,"msgs_per_s":R,"cpu_seconds":C,
 *   "workers":W} followed by "\n". seconds and cpu_seconds both count from
 *   the moment the workers start to the summary (not the start-up before
 *   it: EAL, configuration, keys); cpu_seconds is the CPU time of the whole
 *   process over that span (every thread, the io_uring kernel workers
 *   included). Rates are 0 when no time has passed.
 */
#ifndef SIGNET_SIGNETD_SD_PROGRESS_H
#define SIGNET_SIGNETD_SD_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct sd_counts {
	uint64_t messages;
	uint64_t signed_ok;
	uint64_t skipped;
	uint64_t failed;
	uint64_t recovered;
};

/* Messages that have an outcome. */
uint64_t sd_counts_finished(const struct sd_counts *c);
double sd_rate(uint64_t n, double seconds);
/* "H:MM:SS" of a number of seconds (negative or unknown: "--:--:--"). */
void sd_format_eta(double seconds, char *out, size_t cap);
void sd_progress_line(char *out, size_t cap, uint64_t done, uint64_t total, double seconds,
		      unsigned width);
void sd_summary_text(char *out, size_t cap, const struct sd_counts *c, double seconds);
void sd_summary_json(char *out, size_t cap, const struct sd_counts *c, double seconds,
		     double cpu_seconds, unsigned workers);

#endif
