/*
 * NAME
 *   sd_relay_app.c - signetd's relay mode on the control thread: signals,
 *                    the control connection, the summary (see
 *                    sd_relay_app.h)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sd_app.h"
#include "sd_relay_app.h"

#define TICK_MS 50

static void stop_workers(struct sd_app *a)
{
	a->stopping = true;
	atomic_store_explicit(&a->mode, SD_MODE_STOP, memory_order_release);
}

static void read_signals(struct sd_app *a)
{
	struct signalfd_siginfo si;

	while (read(a->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGTERM && si.ssi_signo != SIGINT)
			continue;
		if (a->stopping) {
			sd_app_log(a, "second %s: leaving now (clients without a reply keep "
				   "their messages)", strsignal((int)si.ssi_signo));
			_exit(1);
		}
		sd_app_log(a, "%s: no new connections; finishing the messages in flight",
			   strsignal((int)si.ssi_signo));
		stop_workers(a);
	}
}

/* True once every worker is done; a failed worker stops the others. */
static bool relay_workers_done(struct sd_app *a)
{
	bool done = true;

	for (unsigned i = 0; i < a->nworkers; i++) {
		int st = atomic_load_explicit(&a->workers[i].state, memory_order_acquire);

		if (st == SD_WORKER_FAILED && !a->stopping) {
			sd_app_log(a, "%s", a->workers[i].error);
			stop_workers(a);
		}
		if (st != SD_WORKER_DONE && st != SD_WORKER_FAILED)
			done = false;
	}
	return done;
}

/* Warns when the descriptor limit is below what max_connections needs. */
static void check_nofile(struct sd_app *a, const struct sd_relay_setup *s)
{
	uint64_t need = sd_relay_fds_needed(s);
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need)
		return;
	sd_app_log(a, "warning: RLIMIT_NOFILE is %llu, but max_connections = %u needs about "
		   "%llu descriptors; past the limit clients are turned away with 421 (raise "
		   "LimitNOFILE= in the unit or ulimit -n, or lower max_connections)",
		   (unsigned long long)rl.rlim_cur, s->params[0].max_conns_total,
		   (unsigned long long)need);
}

void sd_relay_app_loop(struct sd_app *a, struct sd_relay_setup *s)
{
	check_nofile(a, s);
	while (!relay_workers_done(a)) {
		struct pollfd pfd[1 + SD_CONTROL_FDS];
		uint64_t now = sd_now_ms();
		size_t nctl;
		int timeout = TICK_MS, t;

		pfd[0] = (struct pollfd){ .fd = a->signal_fd, .events = POLLIN };
		nctl = sd_control_pollfds(a->control, now, pfd + 1);
		t = sd_control_timeout_ms(a->control, now);
		if (t >= 0 && t < timeout)
			timeout = t;
		if (poll(pfd, 1 + nctl, timeout) < 0 && errno != EINTR) {
			sd_app_log(a, "poll: %s", strerror(errno));
			stop_workers(a);
		}
		if (pfd[0].revents & POLLIN)
			read_signals(a);
		sd_control_run(a->control, pfd + 1, nctl, sd_now_ms());
	}
}

void sd_relay_app_report(struct sd_app *a, const struct sd_relay_setup *s)
{
	struct sd_relay_counts sum = { 0 };

	for (unsigned i = 0; i < s->nworkers; i++) {
		sum.connections += s->counts[i].connections;
		sum.busy += s->counts[i].busy;
		sum.messages += s->counts[i].messages;
		sum.relayed_signed += s->counts[i].relayed_signed;
		sum.relayed_unsigned += s->counts[i].relayed_unsigned;
		sum.tempfailed += s->counts[i].tempfailed;
		sum.permfailed += s->counts[i].permfailed;
	}
	sd_app_log(a, "relay: %llu connection(s) (%llu refused as busy), %llu message(s): "
		   "%llu signed, %llu unsigned, %llu deferred (451), %llu refused by the next "
		   "hop", (unsigned long long)sum.connections, (unsigned long long)sum.busy,
		   (unsigned long long)sum.messages, (unsigned long long)sum.relayed_signed,
		   (unsigned long long)sum.relayed_unsigned, (unsigned long long)sum.tempfailed,
		   (unsigned long long)sum.permfailed);
}
