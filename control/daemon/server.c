/*
 * NAME
 *   server.c - signet-controld's construction and poll loop (see daemon.h)
 *
 * SUMMARY
 *   sg_daemon_new sets everything up in order: configuration, state
 *   directory, key custody, statistics, the job runner, control socket,
 *   metrics listener; a failure undoes what was done. sg_daemon_run polls
 *   the signal descriptor, the control socket, the job runner's eventfd,
 *   the metrics descriptors and every session, sleeping no longer than the
 *   nearest deadline; each round accepts new clients (over the cap they
 *   get an ERROR and are closed), serves ready sessions, answers the jobs
 *   that are done (jobs.c: `dns test` runs its lookups on threads, so no
 *   command holds the loop for a DNS timeout), closes sessions whose
 *   deadline passed or that are done (cancelling their jobs), and lets the
 *   metrics server expire its own. On shutdown the running jobs are
 *   cancelled and joined (each after its current lookup) and answered,
 *   then the answers still queued get a second to leave.
 *
 * DIAGNOSTICS
 *   One log line per notable event: start, refusals, dropped clients,
 *   reloads, shutdown.
 */

/* System library. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Control plane. */
#include "daemon_internal.h"

#define ACCEPTS_PER_ROUND 16
#define FLUSH_AT_EXIT_MS 1000

int64_t daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void daemon_log(const struct sg_daemon *d, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (d->opt.log)
		d->opt.log(d->opt.log_env, line);
	else
		fprintf(stderr, SG_DAEMON_VERSION_NAME ": %s\n", line);
}

static void keys_log(void *env, const char *line)
{
	daemon_log(env, "keys: %s", line);
}

/* mkdir -p, new folders mode 0750. */
static enum sg_err make_state_dir(const char *path, struct sg_error *err)
{
	char dir[SG_CONF_PATH_MAX];
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) || dir[0] == '\0')
		return sg_error_set(err, SG_E_ARG, 0, 0, "bad state_dir \"%s\"", path);
	for (char *p = dir + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			return sg_error_set(err, SG_E_IO, 0, 0, "cannot create %s: %s", dir,
					    strerror(errno));
		*p = c;
		if (c == '\0')
			break;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return sg_error_set(err, SG_E_IO, 0, 0, "state_dir %s is not a directory", path);
	return SG_OK;
}

/* Takes STATE_DIR/controld.lock (flock, held until exit) so that a second
 * daemon cannot rewrite the same selector state; the file holds our pid. */
static enum sg_err lock_state_dir(struct sg_daemon *d, const char *dir, struct sg_error *err)
{
	char path[SG_CONF_PATH_MAX + 16], pid[32] = "";
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/controld.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot open %s: %s", path,
				    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		got = read(fd, pid, sizeof(pid) - 1);
		pid[got > 0 ? strcspn(pid, "\n") : 0] = '\0';
		close(fd);
		return sg_error_set(err, SG_E_STATE, 0, 0, "state_dir %s is in use by another "
				    "signet-controld%s%s%s: give each daemon its own state_dir", dir,
				    pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, pid, strlen(pid)) != (ssize_t)strlen(pid))
		daemon_log(d, "cannot write our pid into %s: %s", path, strerror(errno));
	d->state_lock_fd = fd;
	return SG_OK;
}

static enum sg_err load_config(struct sg_daemon *d, struct sg_error *err)
{
	enum sg_err rc;

	if (d->opt.config_path == NULL)
		return sg_config_default(&d->conf, err);
	rc = sg_config_load(d->opt.config_path, &d->conf, err);
	if (rc == SG_OK)
		snprintf(d->config_path, sizeof(d->config_path), "%s", d->conf->path);
	return rc;
}

static enum sg_err open_parts(struct sg_daemon *d, struct sg_error *err)
{
	const struct sg_control_conf *c;
	char note[256];
	enum sg_err rc;

	rc = load_config(d, err);
	if (rc != SG_OK)
		return rc;
	c = &d->conf->control;
	rc = make_state_dir(c->state_dir, err);
	if (rc == SG_OK)
		rc = lock_state_dir(d, c->state_dir, err);
	if (rc == SG_OK)
		rc = sg_keys_new(d->conf, sg_clock_system(), &d->keys, err);
	if (rc == SG_OK)
		rc = jobs_new(DAEMON_JOBS_MAX, &d->jobs, err);
	if (rc != SG_OK)
		return rc;
	sg_keys_set_log(d->keys, keys_log, d);
	rc = sg_stats_new(&d->stats);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "cannot set up the statistics");
	rc = listener_open(&d->listener, d->opt.socket_path ? d->opt.socket_path : c->socket,
			   c->admin_group, note, sizeof(note), err);
	if (rc != SG_OK)
		return rc;
	if (note[0])
		daemon_log(d, "%s", note);
	if (c->metrics_listen[0])
		rc = sg_metrics_open(c->metrics_listen, d->stats, &d->metrics, err);
	return rc;
}

enum sg_err sg_daemon_new(const struct sg_daemon_opts *opts, struct sg_daemon **out,
			  struct sg_error *err)
{
	struct sg_daemon *d = calloc(1, sizeof(*d));
	enum sg_err rc;

	*out = NULL;
	if (d == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	d->opt = *opts;
	if (d->opt.idle_ms <= 0)
		d->opt.idle_ms = SG_DAEMON_IDLE_MS;
	if (d->opt.max_conns == 0)
		d->opt.max_conns = SG_DAEMON_MAX_CONNS;
	d->listener.fd = -1;
	d->state_lock_fd = -1;
	d->started_ms = daemon_now_ms();
	rc = open_parts(d, err);
	if (rc != SG_OK) {
		sg_daemon_free(d);
		return rc;
	}
	daemon_log(d, "%s listening on %s (configuration %s%s%s)", SG_CONTROLD_VERSION,
		   d->listener.path, d->config_path[0] ? d->config_path : "built-in default",
		   d->metrics ? ", metrics on " : "",
		   d->metrics ? d->conf->control.metrics_listen : "");
	*out = d;
	return SG_OK;
}

void sg_daemon_stop(struct sg_daemon *d)
{
	d->stopping = true;
}

const char *sg_daemon_version(void)
{
	return SG_CONTROLD_VERSION;
}

const char *sg_daemon_socket_path(const struct sg_daemon *d)
{
	return d->listener.path;
}

void sg_daemon_free(struct sg_daemon *d)
{
	if (d == NULL)
		return;
	jobs_free(d->jobs);	/* joins what sg_daemon_run did not */
	for (size_t i = 0; i < d->nsessions; i++)
		session_free(d->sessions[i]);
	free(d->sessions);
	listener_close(&d->listener);
	if (d->metrics)
		sg_metrics_close(d->metrics);
	sg_keys_free(d->keys);
	sg_stats_free(d->stats);
	sg_config_free(d->conf);
	if (d->state_lock_fd >= 0)
		close(d->state_lock_fd);
	free(d);
}

/* ---- the loop ---- */

struct session *daemon_session(const struct sg_daemon *d, uint64_t id)
{
	for (size_t i = 0; i < d->nsessions; i++)
		if (d->sessions[i]->id == id)
			return d->sessions[i];
	return NULL;
}

static void refuse_busy(struct sg_daemon *d, int fd)
{
	struct session tmp;
	struct sg_peer nobody = { .pid = 0 };

	/* A throw-away session only to frame the ERROR; the send may fail. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.fd = fd;
	tmp.peer = nobody;
	sg_buf_init(&tmp.out, SG_WIRE_MAX);
	session_send_error(&tmp, true, "too many connections (%zu); try again later",
			   d->opt.max_conns);
	sg_buf_free(&tmp.out);
	close(fd);
}

static void accept_clients(struct sg_daemon *d)
{
	for (int i = 0; i < ACCEPTS_PER_ROUND; i++) {
		int fd = accept4(d->listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct session **grown, *s;
		struct sg_peer peer;
		struct sg_error err;

		if (fd < 0)
			return;
		if (d->nsessions >= d->opt.max_conns) {
			daemon_log(d, "connection refused: %zu clients already", d->nsessions);
			refuse_busy(d, fd);
			continue;
		}
		sg_error_clear(&err);
		if (sg_auth_peer(fd, d->conf->control.admin_group, &peer, &err) != SG_OK) {
			daemon_log(d, "connection refused: %s", err.msg);
			close(fd);
			continue;
		}
		grown = realloc(d->sessions, (d->nsessions + 1) * sizeof(*grown));
		s = grown ? session_new(d, fd, &peer) : NULL;
		if (grown)
			d->sessions = grown;
		if (s == NULL) {
			close(fd);
			continue;
		}
		d->sessions[d->nsessions++] = s;
	}
}

static void read_signals(struct sg_daemon *d)
{
	struct signalfd_siginfo si;
	struct sg_error err;

	while (read(d->opt.signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			daemon_log(d, "SIGHUP: reloading the configuration");
			sg_error_clear(&err);
			if (daemon_reload(d, &err) != SG_OK)
				continue;	/* logged; the running configuration stays */
		} else {
			daemon_log(d, "signal %u: shutting down", si.ssi_signo);
			d->stopping = true;
		}
	}
}

/* Closes sessions that are done or past their deadline. */
static void reap_sessions(struct sg_daemon *d, int64_t now)
{
	size_t kept = 0;

	for (size_t i = 0; i < d->nsessions; i++) {
		struct session *s = d->sessions[i];

		if (!s->dead && now >= s->deadline) {
			daemon_log(d, "client uid %u pid %d dropped: %s within %d ms",
				   (unsigned)s->peer.uid, (int)s->peer.pid,
				   session_wants_write(s) ? "answer not read" :
				   s->in.len ? "message not complete" : "nothing received",
				   d->opt.idle_ms);
			s->dead = true;
		}
		if (s->dead && s->job_pending)
			jobs_cancel(d->jobs, s->id);	/* its answer has nowhere to go */
		if (s->dead)
			session_free(s);
		else
			d->sessions[kept++] = s;
	}
	d->nsessions = kept;
}

static int poll_timeout(const struct sg_daemon *d, int64_t now)
{
	int64_t t = -1;
	int m = d->metrics ? sg_metrics_timeout_ms(d->metrics) : -1;

	for (size_t i = 0; i < d->nsessions; i++) {
		int64_t left = d->sessions[i]->deadline - now;

		if (t < 0 || left < t)
			t = left < 0 ? 0 : left;
	}
	if (m >= 0 && (t < 0 || m < t))
		t = m;
	return t > 60000 ? 60000 : (int)t;
}

/* Fills pfds: signal fd, listener, jobs, metrics, then one per session. */
static size_t build_poll_set(const struct sg_daemon *d, struct pollfd *pfds, size_t *first)
{
	size_t n = 0;

	pfds[n++] = (struct pollfd){ .fd = d->opt.signal_fd, .events = POLLIN };
	pfds[n++] = (struct pollfd){ .fd = d->listener.fd, .events = POLLIN };
	pfds[n++] = (struct pollfd){ .fd = jobs_fd(d->jobs), .events = POLLIN };
	if (d->metrics)
		n += sg_metrics_fds(d->metrics, pfds + n, SG_METRICS_MAX_FDS);
	*first = n;
	for (size_t i = 0; i < d->nsessions; i++) {
		const struct session *s = d->sessions[i];

		pfds[n++] = (struct pollfd){
			.fd = s->fd,
			.events = session_wants_write(s) ? POLLOUT :
				  s->closing || s->job_pending ? 0 : POLLIN,
		};
	}
	return n;
}

static void serve_round(struct sg_daemon *d, const struct pollfd *pfds, size_t n, size_t first)
{
	size_t nsessions = d->nsessions;	/* accept below may add more */

	if (pfds[0].revents & POLLIN)
		read_signals(d);
	for (size_t i = 3; i < first; i++)
		if (pfds[i].revents)
			sg_metrics_ready(d->metrics, pfds[i].fd);
	for (size_t i = 0; i < nsessions && first + i < n; i++) {
		struct session *s = d->sessions[i];
		short ev = pfds[first + i].revents;

		if (ev & POLLOUT) {
			session_writable(s);
			if (!session_wants_write(s) && s->in.len == 0)
				s->deadline = session_idle_deadline(d, s);
		}
		if (ev & (POLLIN | POLLHUP | POLLERR))
			session_readable(d, s);
		/* gone, and nothing left to read that could end it otherwise */
		if ((ev & (POLLHUP | POLLERR)) && !(ev & POLLIN))
			s->dead = true;
	}
	if (pfds[2].revents & POLLIN)
		jobs_collect(d->jobs, d);
	if (pfds[1].revents & POLLIN)
		accept_clients(d);
}

/* Gives queued answers (the one to "shutdown" among them) a last chance. */
static void flush_at_exit(struct sg_daemon *d)
{
	int64_t until = daemon_now_ms() + FLUSH_AT_EXIT_MS;

	for (size_t i = 0; i < d->nsessions; i++) {
		struct session *s = d->sessions[i];

		while (!s->dead && session_wants_write(s) && daemon_now_ms() < until) {
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };

			if (poll(&p, 1, 100) > 0)
				session_writable(s);
		}
	}
}

enum sg_err sg_daemon_run(struct sg_daemon *d, struct sg_error *err)
{
	struct pollfd *pfds = NULL;
	enum sg_err rc = SG_OK;

	while (!d->stopping) {
		size_t cap = 3 + SG_METRICS_MAX_FDS + d->nsessions, n, first;
		struct pollfd *grown = realloc(pfds, cap * sizeof(*pfds));
		int ready;

		if (grown == NULL) {
			rc = sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
			break;
		}
		pfds = grown;
		n = build_poll_set(d, pfds, &first);
		ready = poll(pfds, n, poll_timeout(d, daemon_now_ms()));
		if (ready < 0 && errno != EINTR) {
			rc = sg_error_set(err, SG_E_IO, 0, 0, "poll failed: %s", strerror(errno));
			break;
		}
		if (ready > 0)
			serve_round(d, pfds, n, first);
		if (d->metrics)
			sg_metrics_tick(d->metrics);
		reap_sessions(d, daemon_now_ms());
	}
	free(pfds);
	if (jobs_running(d->jobs) > 0)
		daemon_log(d, "waiting for %zu dns test%s to stop", jobs_running(d->jobs),
			   jobs_running(d->jobs) == 1 ? "" : "s");
	jobs_stop(d->jobs, d);
	flush_at_exit(d);
	daemon_log(d, "stopped");
	return rc;
}
