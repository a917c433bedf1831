/*
 * NAME
 *   sd_progress.c - progress bar and summaries of the spool (see
 *                   sd_progress.h)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sd_progress.h"

#define BAR_MIN 10
#define BAR_MAX 40

uint64_t sd_counts_finished(const struct sd_counts *c)
{
	return c->signed_ok + c->skipped + c->failed + c->recovered;
}

double sd_rate(uint64_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0.0;
}

void sd_format_eta(double seconds, char *out, size_t cap)
{
	unsigned long s;

	if (!(seconds >= 0) || seconds > 359999.0) {
		snprintf(out, cap, "--:--:--");
		return;
	}
	s = (unsigned long)ceil(seconds);
	snprintf(out, cap, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
}

static void bar(char *out, size_t cols, uint64_t done, uint64_t total)
{
	size_t full = total ? (size_t)((double)cols * (double)done / (double)total) : 0;

	if (full > cols)
		full = cols;
	out[0] = '[';
	memset(out + 1, '#', full);
	memset(out + 1 + full, '.', cols - full);
	out[cols + 1] = ']';
	out[cols + 2] = '\0';
}

void sd_progress_line(char *out, size_t cap, uint64_t done, uint64_t total, double seconds,
		      unsigned width)
{
	char tail[128], eta[16], b[BAR_MAX + 3];
	double rate = sd_rate(done, seconds);
	size_t cols;

	if (total == 0) {
		snprintf(tail, sizeof(tail), "%llu messages  %.0f msg/s",
			 (unsigned long long)done, rate);
		snprintf(out, cap, "%.*s", (int)(width < sizeof(tail) ? width : sizeof(tail)), tail);
		return;
	}
	sd_format_eta(rate > 0 && done <= total ? (double)(total - done) / rate : -1, eta,
		      sizeof(eta));
	snprintf(tail, sizeof(tail), " %llu/%llu %3u%%  %.0f msg/s  ETA %s",
		 (unsigned long long)done, (unsigned long long)total,
		 (unsigned)(done >= total ? 100 : done * 100 / total), rate, eta);
	cols = width > strlen(tail) + 2 ? width - strlen(tail) - 2 : 0;
	if (cols > BAR_MAX)
		cols = BAR_MAX;
	if (cols < BAR_MIN) {
		snprintf(out, cap, "%.*s", (int)width, tail + 1);
		return;
	}
	bar(b, cols, done, total);
	snprintf(out, cap, "%s%s", b, tail);
}

void sd_summary_text(char *out, size_t cap, const struct sd_counts *c, double seconds)
{
	snprintf(out, cap, "%llu messages in %.2f s (%.1f msg/s): %llu signed, %llu skipped "
		 "(written unsigned), %llu failed, %llu recovered from an earlier run",
		 (unsigned long long)c->messages, seconds,
		 sd_rate(sd_counts_finished(c), seconds), (unsigned long long)c->signed_ok,
		 (unsigned long long)c->skipped, (unsigned long long)c->failed,
		 (unsigned long long)c->recovered);
}

void sd_summary_json(char *out, size_t cap, const struct sd_counts *c, double seconds,
		     double cpu_seconds, unsigned workers)
{
	snprintf(out, cap, "{\"messages\":%llu,\"signed\":%llu,\"skipped\":%llu,\"failed\":%llu,"
		 "\"recovered\":%llu,\"seconds\":%.6f,\"msgs_per_s\":%.3f,"
		 "\"cpu_seconds\":%.6f,\"workers\":%u}\n",
		 (unsigned long long)c->messages, (unsigned long long)c->signed_ok,
		 (unsigned long long)c->skipped, (unsigned long long)c->failed,
		 (unsigned long long)c->recovered, seconds < 0 ? 0.0 : seconds,
		 sd_rate(sd_counts_finished(c), seconds), cpu_seconds < 0 ? 0.0 : cpu_seconds,
		 workers);
}
