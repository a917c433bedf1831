/*
 * NAME
 *   sd_app.c - signetd's control-thread loop: signals, the spool feed, the
 *              control connection, progress (see sd_app.h)
 */

/* System library. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

/* signetd. */
#include "sd_app.h"

#define TICK_MS 5			/* feed and collect this often while busy */
#define IDLE_TICK_MS 100		/* --watch with nothing to do: inotify wakes us */
#define PROGRESS_MS 200
#define WATCH_RESCAN_MS 30000		/* --watch: retry what was left in place */

uint64_t sd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

double sd_process_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clear_progress(struct sd_app *a)
{
	if (a->progress_shown)
		fputs("\r\033[K", stderr);
	a->progress_shown = false;
}

void sd_app_log(struct sd_app *a, const char *fmt, ...)
{
	va_list ap;

	clear_progress(a);
	fputs("signetd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void show_progress(struct sd_app *a, uint64_t now)
{
	const struct sd_counts *c = sd_feed_counts(a->feed);
	uint64_t done = sd_counts_finished(c);
	struct winsize ws;
	unsigned width = 80;
	char line[256];

	if (!a->tty || now - a->last_progress_ms < PROGRESS_MS)
		return;
	a->last_progress_ms = now;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col < sizeof(line) ? ws.ws_col - 1u : (unsigned)sizeof(line) - 1;
	sd_progress_line(line, sizeof(line), done,
			 a->opt.watch ? 0 : done + sd_feed_outstanding(a->feed),
			 (double)(now - a->started_ms) / 1000.0, width);
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	a->progress_shown = true;
}

/* SIGTERM / SIGINT: stop taking work; a second one: leave now. */
static void on_signal(struct sd_app *a)
{
	struct signalfd_siginfo si;

	while (read(a->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGTERM && si.ssi_signo != SIGINT)
			continue;
		if (a->stopping) {
			sd_app_log(a, "second %s: leaving now (unfinished inputs stay in the "
				   "spool folder)", strsignal((int)si.ssi_signo));
			_exit(1);
		}
		a->stopping = true;
		atomic_store_explicit(&a->mode, SD_MODE_STOP, memory_order_release);
		sd_app_log(a, "%s: finishing the messages in flight, then exiting",
			   strsignal((int)si.ssi_signo));
	}
}

static bool workers_done(struct sd_app *a)
{
	for (unsigned i = 0; i < a->nworkers; i++) {
		int st = atomic_load_explicit(&a->workers[i].state, memory_order_acquire);

		if (st == SD_WORKER_FAILED && !a->stopping) {
			sd_app_log(a, "%s", a->workers[i].error);
			a->stopping = true;
			atomic_store_explicit(&a->mode, SD_MODE_STOP, memory_order_release);
		}
		if (st != SD_WORKER_DONE && st != SD_WORKER_FAILED)
			return false;
	}
	return true;
}

static int poll_once(struct sd_app *a, uint64_t now)
{
	struct pollfd pfd[2 + SD_CONTROL_FDS];
	size_t n = 0, nctl;
	bool idle = a->opt.watch && !a->stopping && sd_feed_outstanding(a->feed) == 0;
	int timeout = idle ? IDLE_TICK_MS : TICK_MS, t;

	pfd[n++] = (struct pollfd){ .fd = a->signal_fd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = sd_feed_inotify_fd(a->feed), .events = POLLIN };
	nctl = sd_control_pollfds(a->control, now, pfd + n);
	t = sd_control_timeout_ms(a->control, now);
	if (t >= 0 && t < timeout)
		timeout = t;
	if (poll(pfd, n + nctl, timeout) < 0 && errno != EINTR)
		return -1;
	if (pfd[0].revents & POLLIN)
		on_signal(a);
	if (pfd[1].revents & POLLIN)
		sd_feed_inotify(a->feed);
	sd_control_run(a->control, pfd + n, nctl, sd_now_ms());
	return 0;
}

void sd_app_loop(struct sd_app *a)
{
	bool finishing = false;

	while (!(finishing || a->stopping) || !workers_done(a)) {
		uint64_t now = sd_now_ms();

		if (poll_once(a, now) < 0) {
			sd_app_log(a, "poll: %s", strerror(errno));
			a->stopping = true;
			atomic_store_explicit(&a->mode, SD_MODE_STOP, memory_order_release);
		}
		if (a->opt.watch && !a->stopping && now - a->last_scan_ms >= WATCH_RESCAN_MS) {
			a->last_scan_ms = now;
			(void)sd_feed_scan(a->feed, NULL);
		}
		sd_feed_pump(a->feed, !a->stopping && !finishing);
		if (!a->opt.watch && !a->stopping && !finishing &&
		    sd_feed_outstanding(a->feed) == 0) {
			finishing = true;
			atomic_store_explicit(&a->mode, SD_MODE_FINISH, memory_order_release);
		}
		show_progress(a, now);
		(void)workers_done(a);
	}
	sd_feed_pump(a->feed, false);
	clear_progress(a);
}

void sd_app_report(struct sd_app *a)
{
	const struct sd_counts *c = sd_feed_counts(a->feed);
	double seconds = (double)(sd_now_ms() - a->started_ms) / 1000.0;
	char line[512];

	sd_summary_text(line, sizeof(line), c, seconds);
	sd_app_log(a, "%s", line);
	if (a->left_in_place > 0)
		sd_app_log(a, "%llu input(s) left in %s to try again (see the reasons above)",
			   (unsigned long long)a->left_in_place, a->opt.spool_in);
	if (a->refused > 0)
		sd_app_log(a, "%llu input(s) refused as bad input: moved to %s/" SD_FAILED_DIR
			   "/ or not taken (see the reasons above)",
			   (unsigned long long)a->refused, a->opt.spool_in);
	if (a->opt.json) {
		sd_summary_json(line, sizeof(line), c, seconds,
				sd_process_cpu_s() - a->started_cpu_s, a->nworkers);
		fputs(line, stdout);
		fflush(stdout);
	}
}
