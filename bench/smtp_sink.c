/*
 * NAME
 *   smtp_sink.c - "signet-bench smtp-sink": an ESMTP sink that accepts and
 *                 counts every message, for SMTP throughput benchmarks
 *
 * SUMMARY
 *   signet-bench smtp-sink --listen HOST:PORT [--keep DIR] [--keep-count N]
 *       [--ready-file F] [--json] [--refuse CODE] [--timeout S]
 *
 *   Listens on HOST:PORT (numeric; port 0 picks a free port) and answers
 *   every client with the project's ESMTP server machine (PIPELINING,
 *   SIZE, 8BITMIME, ENHANCEDSTATUSCODES; every recipient accepted): 250
 *   for every message. The first N messages accepted (--keep-count,
 *   default 0; --keep alone keeps 100) are written to DIR/000001.eml,
 *   DIR/000002.eml, ... exactly as received after dot-unstuffing (CRLF
 *   line ends). --ready-file F: once listening, F is written (through a
 *   temporary name and rename) with the address actually bound,
 *   "HOST:PORT\n". --refuse CODE (400..599): every message gets CODE
 *   instead of 250 and is counted as refused, not as a message (for
 *   testing clients' failure paths). --timeout S: a connection with no
 *   progress (nothing read, no reply written) for S seconds (default 300,
 *   RFC 5321's server timeout) gets 421 4.4.2 and is closed.
 *
 *   One thread, epoll, non-blocking sockets; the open-file limit is raised
 *   to its hard limit. SIGTERM or SIGINT: closes every connection, prints
 *   the summary and exits 0. Summary, with --json one object on stdout:
 *     {"messages":M,"bytes":B,"seconds":S,"msgs_per_s":R,"refused":X,
 *      "connections":C,"kept":K}
 *   messages/bytes: accepted messages and their octets (unstuffed);
 *   seconds: from the first connection to the last accepted message (0
 *   when none), msgs_per_s = M / seconds (0 when seconds is 0).
 *   Exit status 2: bad options or cannot listen.
 *
 * UNTRUSTED INPUT
 *   Command-line arguments; client connections (smtp_sink_conn.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "smtp_bench.h"
#include "smtp_sink.h"

#define SINK_BACKLOG 4096
#define SINK_EVENTS 256
#define SINK_DEFAULT_KEEP 100ul
#define SINK_DEFAULT_TIMEOUT 300.0

struct sink_opts {
	struct smtp_addr listen;
	const char *ready_file;
	bool json, keep_count_given;
};

static int run_sink(int argc, char **argv);

const struct bench_command bench_smtp_sink = {
	"smtp-sink", "smtp-sink --listen HOST:PORT [--keep DIR] [--keep-count N] "
	"[--ready-file F] [--json] [--refuse CODE] [--timeout S]",
	run_sink,
};

static int bad(const char *what, const char *value)
{
	fprintf(stderr, "smtp-sink: %s: \"%s\"\n", what, value);
	return 2;
}

static int parse_sink_opts(int argc, char **argv, struct sink_opts *o, struct sink *k)
{
	static const struct option longs[] = {
		{ "listen", required_argument, NULL, 'l' }, { "keep", required_argument, NULL, 'k' },
		{ "keep-count", required_argument, NULL, 'n' },
		{ "ready-file", required_argument, NULL, 'r' }, { "json", no_argument, NULL, 'j' },
		{ "refuse", required_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 },
	};
	char why[SMTP_WHY_MAX];
	unsigned long v;
	bool have_listen = false;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		if (ch == 'l' && !(have_listen = smtp_parse_hostport(optarg, &o->listen, why,
								      sizeof(why))))
			return bad(why, optarg);
		else if (ch == 'k')
			k->keep_dir = optarg;
		else if (ch == 'n' && !(o->keep_count_given = smtp_parse_count(optarg, 0, 100000000ul,
										&k->keep_count)))
			return bad("--keep-count wants 0..100000000", optarg);
		else if (ch == 'r')
			o->ready_file = optarg;
		else if (ch == 'j')
			o->json = true;
		else if (ch == 'x' && !smtp_parse_count(optarg, 400, 599, &v))
			return bad("--refuse wants a code 400..599", optarg);
		else if (ch == 'x')
			k->refuse_code = (unsigned)v;
		else if (ch == 't' && !bench_parse_seconds(optarg, &k->timeout))
			return bad("--timeout wants seconds (0 < S <= 3600)", optarg);
		else if (ch == '?')
			return 2;
	}
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (!have_listen)
		return bad("--listen HOST:PORT is required", "");
	if (k->keep_dir != NULL && !o->keep_count_given)
		k->keep_count = SINK_DEFAULT_KEEP;
	return 0;
}

/* F written with the bound address. */
static bool write_ready_file(const char *path, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t n = sizeof(ss);
	char text[SMTP_ADDR_TEXT_MAX + 1];

	if (getsockname(lfd, (struct sockaddr *)&ss, &n) != 0)
		return false;
	smtp_format_addr((struct sockaddr *)&ss, text, sizeof(text) - 1);
	strcat(text, "\n");
	return smtp_write_ready(path, text);
}

static void accept_all(struct sink *k, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* listener off until a connection closes */
				epoll_ctl(k->epfd, EPOLL_CTL_DEL, lfd, NULL);
				k->accept_paused = true;
			}
			return;
		}
		if (k->connections++ == 0)
			k->first = bench_now();
		sink_conn_open(k, fd);
	}
}

static void resume_accept(struct sink *k, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (k->accept_paused && epoll_ctl(k->epfd, EPOLL_CTL_ADD, lfd, &ev) == 0)
		k->accept_paused = false;
}

/* Serves until SIGINT/SIGTERM. */
static void serve(struct sink *k, int lfd)
{
	struct epoll_event evs[SINK_EVENTS];
	double next_expire = bench_now() + 1;

	for (;;) {
		int n = epoll_wait(k->epfd, evs, SINK_EVENTS, 1000);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				accept_all(k, lfd);
			else if (evs[i].data.ptr == &k->epfd)
				return;
			else
				sink_conn_event(k, evs[i].data.ptr, evs[i].events);
		}
		if (bench_now() >= next_expire) {
			sink_conn_expire(k, bench_now());
			next_expire = bench_now() + 1;
		}
		if (k->accept_paused && k->open + 16 < smtp_raise_nofile())
			resume_accept(k, lfd);
	}
}

static void summary(const struct sink *k, bool json)
{
	double secs = k->messages ? k->last - k->first : 0;
	double rate = secs > 0 ? (double)k->messages / secs : 0;

	if (json)
		printf("{\"messages\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"msgs_per_s\":%.1f,"
		       "\"refused\":%llu,\"connections\":%llu,\"kept\":%lu}\n",
		       (unsigned long long)k->messages, (unsigned long long)k->bytes, secs, rate,
		       (unsigned long long)k->refused, (unsigned long long)k->connections,
		       k->kept);
	else
		printf("smtp-sink: %llu messages, %llu bytes in %.3f s (%.0f msgs/s), %llu "
		       "refused, %llu connections, %lu kept\n", (unsigned long long)k->messages,
		       (unsigned long long)k->bytes, secs, rate, (unsigned long long)k->refused,
		       (unsigned long long)k->connections, k->kept);
	fflush(stdout);
}

/* Epoll set with the listener (ptr NULL) and the signalfd (ptr &epfd). */
static bool setup_loop(struct sink *k, int lfd, int sigfd)
{
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	struct epoll_event sev = { .events = EPOLLIN, .data.ptr = &k->epfd };

	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	return k->epfd >= 0 && epoll_ctl(k->epfd, EPOLL_CTL_ADD, lfd, &lev) == 0 &&
	       epoll_ctl(k->epfd, EPOLL_CTL_ADD, sigfd, &sev) == 0;
}

static int run_sink(int argc, char **argv)
{
	struct sink k = { .cfg = { .hostname = "smtp-sink" }, .timeout = SINK_DEFAULT_TIMEOUT,
			  .epfd = -1 };
	struct sink_opts o = { .json = false };
	char why[SMTP_WHY_MAX];
	int rc = parse_sink_opts(argc, argv, &o, &k), lfd, sigfd;

	if (rc != 0)
		return rc;
	if (k.keep_dir != NULL && mkdir(k.keep_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "smtp-sink: --keep %s: %s\n", k.keep_dir, strerror(errno));
		return 2;
	}
	smtp_raise_nofile();
	k.rbuf = malloc(SINK_READ_BYTES);
	sigfd = smtp_stop_signals();
	lfd = smtp_listen_on(&o.listen, SINK_BACKLOG, why, sizeof(why));
	if (k.rbuf == NULL || sigfd < 0 || lfd < 0 || !setup_loop(&k, lfd, sigfd)) {
		fprintf(stderr, "smtp-sink: %s\n", lfd < 0 ? why : strerror(errno));
		return 2;
	}
	if (o.ready_file != NULL && !write_ready_file(o.ready_file, lfd)) {
		fprintf(stderr, "smtp-sink: cannot write %s: %s\n", o.ready_file, strerror(errno));
		return 2;
	}
	serve(&k, lfd);
	while (k.conns != NULL) {
		sg_smtp_server_abort(k.conns->server, SG_SMTP_ABORT_SHUTDOWN);
		sink_conn_close(&k, k.conns);
	}
	summary(&k, o.json);
	close(lfd);
	close(sigfd);
	close(k.epfd);
	free(k.rbuf);
	return 0;
}
