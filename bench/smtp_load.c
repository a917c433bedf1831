/*
 * NAME
 *   smtp_load.c - "signet-bench smtp-load": pushes a corpus through SMTP
 *                 over many persistent pipelined connections and counts
 *                 the outcomes
 *
 * SUMMARY
 *   signet-bench smtp-load --to HOST:PORT
 *       (--corpus DIR | --generate N [--seed S] [--sizes CLASS])
 *       --messages M [--connections C] [--progress] [--json] [--timeout S]
 *   signet-bench smtp-load --to HOST:PORT --idle N [--ready-file F] [--json]
 *       [--timeout S]
 *
 *   Sends M messages (default: one pass over the corpus), message k being
 *   corpus message k mod count, over C connections (default 8) that stay
 *   open: EHLO once, then per message MAIL FROM/RCPT TO (from the
 *   message's From and To/Cc fields) and DATA in one pipelined write when
 *   the server offers PIPELINING, then the text. --corpus DIR: every
 *   *.eml of DIR in name order (LF made CRLF; bench/engine_corpus.c);
 *   --generate N: N campaign messages of bench/corpus.h made in memory
 *   (--seed, default 1; --sizes, default the corpus default mix). Memory
 *   holds the whole corpus: for long runs give a small corpus and a large
 *   --messages. --timeout S (default 30): the longest wait for the server
 *   (connect, one reply, a blocked write) before the connection is
 *   dropped and its message counted as a temporary failure; after
 *   max(C, 10) connections in a row fail before EHLO is answered, no new
 *   one is made and the rest stays unsent. --progress: a
 *   one-line bar (messages, msgs/s, ETA) on stderr when it is a TTY.
 *   Result, with --json one object on stdout:
 *     {"messages":M,"accepted":A,"tempfailed":T,"permfailed":P,
 *      "unsent":U,"seconds":S,"msgs_per_s":R,"connections":C,"cpu_s":X}
 *   seconds: from the first connect to the last outcome; msgs_per_s =
 *   A / seconds; cpu_s: CPU time smtp-load itself used in that span.
 *   U > 0 when the load gave up (above) or SIGINT/SIGTERM stopped the run
 *   (messages in flight then count as temporary failures). The first temporary and
 *   permanent failure (step, reply) are named on stderr. Exit 0 when all
 *   M were accepted, 1 otherwise, 2 for bad options or corpus.
 *
 *   --idle N: opens N connections, completes EHLO on each, then holds
 *   them without a transaction; once every one is READY or failed, F is
 *   written (through F.tmp and rename) with the result so far; SIGINT or
 *   SIGTERM sends QUIT, closes them and prints
 *     {"idle":N,"ready":R,"failed":F,"open":O,"seconds":S}
 *   (S: time until all were settled; O: still open at the signal). Exit 0
 *   when all N were ready and still open. The open-file limit is raised
 *   to its hard limit.
 *
 * UNTRUSTED INPUT
 *   Command-line arguments, the corpus folder (engine_corpus.c bounds its
 *   files; smtp_paths.c its header fields), server replies
 *   (smtp_load_conn.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"
#include "engine.h"
#include "smtp_load.h"

#define LOAD_EVENTS 256
#define LOAD_SIGNAL_TAG UINT64_MAX
#define LOAD_MAX_GENERATE 1000000ul
#define LOAD_MAX_MESSAGES 1000000000ul
#define LOAD_MAX_CONNECTIONS 100000ul
#define LOAD_DEFAULT_CONNECTIONS 8ul
#define LOAD_DEFAULT_TIMEOUT 30.0
#define LOAD_MAX_RCPT 100u

struct load_opts {
	const char *dir, *ready_file;
	unsigned long generate, messages, connections, idle, seed;
	struct corpus_params mix;
	bool json, progress, have_to;
};

static int run_load(int argc, char **argv);

const struct bench_command bench_smtp_load = {
	"smtp-load", "smtp-load --to HOST:PORT (--corpus DIR | --generate N [--seed S] "
	"[--sizes CLASS]) --messages M [--connections C] [--progress] [--json] [--timeout S] | "
	"smtp-load --to HOST:PORT --idle N [--ready-file F] [--timeout S] [--json]",
	run_load,
};

static int bad(const char *what, const char *value)
{
	fprintf(stderr, "smtp-load: %s: \"%s\"\n", what, value);
	return 2;
}

/* One option; 0 or the exit status for a bad one. */
static int one_opt(int ch, struct load_opts *o, struct load *l)
{
	char why[SMTP_WHY_MAX];

	switch (ch) {
	case 't':
		o->have_to = smtp_parse_hostport(optarg, &l->to, why, sizeof(why));
		return o->have_to ? 0 : bad(why, optarg);
	case 'c': o->dir = optarg; return 0;
	case 'g':
		return smtp_parse_count(optarg, 1, LOAD_MAX_GENERATE, &o->generate) ? 0 :
		       bad("--generate wants 1..1000000", optarg);
	case 's':
		return smtp_parse_count(optarg, 0, ~0ul, &o->seed) ? 0 : bad("--seed", optarg);
	case 'z':
		return corpus_parse_sizes(optarg, &o->mix, why, sizeof(why)) ? 0 :
		       bad(why, optarg);
	case 'm':
		return smtp_parse_count(optarg, 1, LOAD_MAX_MESSAGES, &o->messages) ? 0 :
		       bad("--messages wants 1..1000000000", optarg);
	case 'n':
		return smtp_parse_count(optarg, 1, LOAD_MAX_CONNECTIONS, &o->connections) ? 0 :
		       bad("--connections wants 1..100000", optarg);
	case 'i':
		return smtp_parse_count(optarg, 1, LOAD_MAX_CONNECTIONS, &o->idle) ? 0 :
		       bad("--idle wants 1..100000", optarg);
	case 'o':
		return bench_parse_seconds(optarg, &l->timeout) ? 0 :
		       bad("--timeout wants seconds (0 < S <= 3600)", optarg);
	case 'r': o->ready_file = optarg; return 0;
	case 'p': o->progress = isatty(2); return 0;
	case 'j': o->json = true; return 0;
	}
	return 2;
}

static int parse_load_opts(int argc, char **argv, struct load_opts *o, struct load *l)
{
	static const struct option longs[] = {
		{ "to", required_argument, NULL, 't' }, { "corpus", required_argument, NULL, 'c' },
		{ "generate", required_argument, NULL, 'g' },
		{ "seed", required_argument, NULL, 's' }, { "sizes", required_argument, NULL, 'z' },
		{ "messages", required_argument, NULL, 'm' },
		{ "connections", required_argument, NULL, 'n' },
		{ "idle", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'o' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "progress", no_argument, NULL, 'p' }, { "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1)
		if ((rc = one_opt(ch, o, l)) != 0)
			return rc;
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (!o->have_to)
		return bad("--to HOST:PORT is required", "");
	if (o->idle != 0)
		return o->dir || o->generate || o->messages ?
		       bad("--idle takes no corpus and no --messages", "") : 0;
	if ((o->dir != NULL) == (o->generate != 0))
		return bad("give --corpus DIR or --generate N (one of them)", "");
	return 0;
}

/* The corpus in memory and the envelope of each message. */
static bool load_corpus(const struct load_opts *o, struct load *l, struct engine_corpus *ec)
{
	char why[ENGINE_WHY_MAX];
	struct corpus_params p = o->mix;

	p.seed = o->seed;
	if (!(o->dir ? engine_corpus_load(ec, o->dir, why) :
	      engine_corpus_generate(ec, "generated", &p, o->generate, why))) {
		fprintf(stderr, "smtp-load: %s\n", why);
		return false;
	}
	l->count = ec->count;
	l->msgs = ec->msgs;
	l->lens = ec->lens;
	l->envs = calloc(ec->count, sizeof(*l->envs));
	l->texts = calloc(ec->count, sizeof(*l->texts));
	if (l->envs == NULL || l->texts == NULL)
		return false;
	for (size_t i = 0; i < ec->count; i++) {
		struct sg_error err;

		l->texts[i].checked = sg_smtp_text_check(&l->texts[i].t, ec->msgs[i], ec->lens[i],
							 &err) == SG_OK;
		sg_smtp_envelope_init(&l->envs[i], LOAD_MAX_RCPT);
		if (!smtp_envelope_of(ec->msgs[i], ec->lens[i], &l->envs[i], why, sizeof(why))) {
			fprintf(stderr, "smtp-load: corpus message %zu: %s\n", i + 1, why);
			return false;
		}
	}
	return true;
}

static void free_corpus(struct load *l, struct engine_corpus *ec)
{
	for (size_t i = 0; l->envs != NULL && i < l->count; i++)
		sg_smtp_envelope_free(&l->envs[i]);
	free(l->envs);
	free(l->texts);
	engine_corpus_free(ec);
}

static double process_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void draw_progress(const struct load *l, bool last)
{
	double secs = bench_now() - l->start;
	double rate = secs > 0 ? (double)l->done / secs : 0;
	double eta = rate > 0 ? (double)(l->messages - l->done) / rate : 0;
	int filled = (int)(30.0 * (double)l->done / (double)l->messages);

	fprintf(stderr, "\r[%.*s%*s] %llu/%llu  %.0f msgs/s  ETA %.0f s   ", filled,
		"##############################", 30 - filled, "",
		(unsigned long long)l->done, (unsigned long long)l->messages, rate, eta);
	if (last)
		fputc('\n', stderr);
}

static bool write_ready(const char *path, const struct load *l)
{
	char text[256];

	snprintf(text, sizeof(text), "{\"idle\":%zu,\"ready\":%llu,\"failed\":%llu,"
		 "\"seconds\":%.3f}\n", l->nconns, (unsigned long long)l->ready,
		 (unsigned long long)l->failed, bench_now() - l->start);
	return smtp_write_ready(path, text);
}

/* Refills closed slots while messages remain (unless the server seems
 * down: see smtp_load.h). */
static void refill(struct load *l)
{
	if (l->failed_in_row >= LOAD_GIVE_UP_AFTER(l->nconns))
		l->gave_up = true;
	for (size_t i = 0; !l->gave_up && i < l->nconns && l->open < l->nconns &&
			   l->next < l->messages; i++)
		if (l->conns[i].client == NULL)
			load_conn_open(l, i);
}

/* True once the run is over (every outcome in, or nothing left to wait for). */
static bool run_over(const struct load *l)
{
	if (l->idle)
		return false;
	return l->done >= l->messages ||
	       (l->open == 0 && (l->next >= l->messages || l->gave_up));
}

/* The event loop; returns when the run is over or a signal came. */
static void drive(struct load *l, const struct load_opts *o)
{
	struct epoll_event evs[LOAD_EVENTS];
	double next_tick = 0;
	bool announced = false;

	while (!run_over(l)) {
		int n = epoll_wait(l->epfd, evs, LOAD_EVENTS, 100);
		double now;

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == LOAD_SIGNAL_TAG)
				return;
			load_conn_event(l, (size_t)evs[i].data.u64, evs[i].events);
		}
		if (!l->idle && l->open < l->nconns)
			refill(l);
		now = bench_now();
		if (l->idle && !announced && l->ready + l->failed == l->nconns) {
			announced = true;
			l->end = now;
			if (o->ready_file && !write_ready(o->ready_file, l))
				fprintf(stderr, "smtp-load: cannot write %s: %s\n", o->ready_file,
					strerror(errno));
		}
		if (now >= next_tick) {
			load_conn_expire(l, now);
			if (o->progress && !l->idle)
				draw_progress(l, false);
			next_tick = now + 0.25;
		}
	}
}

static int report(const struct load *l, const struct load_opts *o, size_t open_at_end)
{
	double secs = (l->end > 0 ? l->end : bench_now()) - l->start;
	unsigned long long unsent = l->messages - l->done;

	if (l->first_tempfail[0])
		fprintf(stderr, "smtp-load: first temporary failure: %s\n", l->first_tempfail);
	if (l->first_permfail[0])
		fprintf(stderr, "smtp-load: first permanent failure: %s\n", l->first_permfail);
	if (l->gave_up)
		fprintf(stderr, "smtp-load: gave up: %llu connections in a row failed before "
			"EHLO was answered\n", (unsigned long long)l->failed_in_row);
	if (l->idle) {
		printf(o->json ? "{\"idle\":%zu,\"ready\":%llu,\"failed\":%llu,\"open\":%zu,"
			"\"seconds\":%.3f}\n" : "smtp-load: %zu idle connections: %llu ready, "
			"%llu failed, %zu open at the end; settled in %.3f s\n", l->nconns,
			(unsigned long long)l->ready, (unsigned long long)l->failed, open_at_end, secs);
		return l->ready == l->nconns && open_at_end == l->nconns ? 0 : 1;
	}
	printf(o->json ? "{\"messages\":%llu,\"accepted\":%llu,\"tempfailed\":%llu,"
		"\"permfailed\":%llu,\"unsent\":%llu,\"seconds\":%.6f,\"msgs_per_s\":%.1f,"
		"\"connections\":%zu,\"cpu_s\":%.3f}\n" : "smtp-load: %llu messages: %llu "
		"accepted, %llu tempfailed, %llu permfailed, %llu unsent in %.3f s (%.0f msgs/s) "
		"over %zu connections, %.3f CPU-s\n", (unsigned long long)l->messages,
		(unsigned long long)l->accepted, (unsigned long long)l->tempfailed,
		(unsigned long long)l->permfailed, unsent, secs,
		secs > 0 ? (double)l->accepted / secs : 0.0, l->nconns, l->cpu_end - l->cpu_start);
	return l->accepted == l->messages ? 0 : 1;
}

/* Epoll set with the signalfd; the connection slots; the first connects. */
static bool start(struct load *l, const struct load_opts *o, int sigfd)
{
	struct epoll_event sev = { .events = EPOLLIN, .data.u64 = LOAD_SIGNAL_TAG };
	size_t want = o->idle ? o->idle : o->connections;

	if (!o->idle && want > l->messages)
		want = (size_t)l->messages;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->conns = calloc(want, sizeof(*l->conns));
	l->rbuf = malloc(LOAD_READ_BYTES);
	if (l->epfd < 0 || l->conns == NULL || l->rbuf == NULL ||
	    epoll_ctl(l->epfd, EPOLL_CTL_ADD, sigfd, &sev) != 0)
		return false;
	l->nconns = want;
	l->start = bench_now();
	l->cpu_start = process_cpu();
	for (size_t i = 0; i < want; i++)
		load_conn_open(l, i);
	return true;
}

static int run_load(int argc, char **argv)
{
	struct load l = { .cfg = { .helo_name = "smtp-load.localhost" },
			  .timeout = LOAD_DEFAULT_TIMEOUT, .epfd = -1 };
	struct load_opts o = { .connections = LOAD_DEFAULT_CONNECTIONS, .seed = 1 };
	struct engine_corpus ec = { 0 };
	size_t open_at_end;
	int rc, sigfd;

	corpus_params_default(&o.mix);
	if ((rc = parse_load_opts(argc, argv, &o, &l)) != 0)
		return rc;
	l.idle = o.idle != 0;
	if (!l.idle && !load_corpus(&o, &l, &ec)) {
		free_corpus(&l, &ec);
		return 2;
	}
	l.messages = l.idle ? 0 : o.messages ? o.messages : l.count;
	if (smtp_raise_nofile() < (l.idle ? o.idle : o.connections) + 16)
		fprintf(stderr, "smtp-load: warning: the open-file limit is below the "
			"connections asked for\n");
	sigfd = smtp_stop_signals();
	if (sigfd < 0 || !start(&l, &o, sigfd)) {
		fprintf(stderr, "smtp-load: cannot start: %s\n", strerror(errno));
		return 2;
	}
	drive(&l, &o);
	l.cpu_end = process_cpu();
	if (o.progress && !l.idle)
		draw_progress(&l, true);
	open_at_end = l.open;
	load_conn_close_all(&l);
	rc = report(&l, &o, open_at_end);
	free(l.conns);
	free(l.rbuf);
	close(l.epfd);
	close(sigfd);
	free_corpus(&l, &ec);
	return rc;
}
