/*
 * NAME
 *   bench_engine.c - "signet-bench engine": whole messages signed per second
 *                    on one core, signet's engine against OpenDKIM
 *
 * SUMMARY
 *   signet-bench engine [--json] [--seconds S] [--rounds N]
 *       [--corpus DIR | --generate N [--seed X] [--mix LIST]]
 *       [--sizes LIST|none] [--backends LIST] [--simd LEVEL] [--key FILE]
 *       [--check K]
 *
 *   One run, one pinned core, one key (RSA-2048 made once, or --key FILE),
 *   the same settings for everyone (engine.h: d=, s=, relaxed/relaxed,
 *   rsa-sha256, the same header fields, the same t=). Corpora:
 *     "corpus"  the messages of DIR (*.eml), or N generated campaign
 *               messages (default 500, seed 1, size mix LIST, default
 *               CORPUS_DEFAULT_SIZES: 2 KB to 1 MB);
 *     sweep     one generated corpus per size of --sizes (default
 *               2K,8K,32K,128K,1M, no jitter; as many messages as the main
 *               corpus, at most 64 MiB worth and at least 4).
 *   signet's signers scan bodies with the SIMD kernels of --simd (default
 *   auto: the best this CPU has, as signetd's workers do; scalar, avx2,
 *   avx512, or builtin for the engine's own scanners).
 *   Signers, measured in turns, best of N rounds (default 2) of S seconds
 *   (default 2, after a warm-up of S/10):
 *     raw-openssl   OpenSSL's EVP_PKEY_sign of one digest (no message);
 *     raw-B         backend B alone on one digest, kept full;
 *     signet-B      the engine through backend B (default LIST
 *                   "evp,ifma,auto"; a backend that does not open here is
 *                   named on stderr and left out);
 *     opendkim      libopendkim (left out, with a note, when not built).
 *   Before any corpus is timed, the first K messages (default 4) signed by
 *   every signer on it must verify with signet's verifier; if one does not,
 *   nothing is printed and the exit status is 1.
 *
 *   Output: engine_report.c (one JSON object a line with --json). The
 *   signetd spool and SMTP modes are not measured here (bench/run_bench.py
 *   has their place).
 *
 * UNTRUSTED INPUT
 *   Command-line arguments (bounded lists), the corpus folder and the key
 *   file (engine_corpus.c bounds them).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "engine.h"
#include "simd.h"

#define MAX_BACKENDS 8
#define MAX_SWEEP 8
#define MAX_CLASSES (1 + MAX_SWEEP)
#define MAX_RESULTS (MAX_CLASSES * (MAX_BACKENDS + 1) + MAX_BACKENDS + 1)
#define WARMUP_FRACTION 0.1
#define SWEEP_BUDGET (64u << 20)
#define MAX_GENERATE 1000000ull

struct engine_opts {
	bool json;
	double seconds;
	unsigned rounds, check;
	unsigned long long generate;
	struct corpus_params mix;
	const char *dir, *keyfile, *simd;
	char sizes[256], backends[256];
};

/* Everything of one run. */
struct engine_run {
	struct engine_opts o;
	struct engine_setup setup;
	struct engine_corpus classes[MAX_CLASSES];
	char labels[MAX_CLASSES][16];
	size_t nclasses;
	const char *backends[MAX_BACKENDS];
	size_t nbackends;
	struct engine_result results[MAX_RESULTS];
	size_t nresults;
};

/* One signer being measured and its result line. */
struct contender {
	struct engine_result *result;
	struct engine_signer signer;
	struct engine_pipeline *pipeline;
	struct engine_opendkim *opendkim;
	struct engine_raw *raw;
};

static int run_engine(int argc, char **argv);

const struct bench_command bench_engine = {
	"engine", "engine [--json] [--seconds S] [--rounds N] [--corpus DIR | --generate N "
	"[--seed X] [--mix LIST]] [--sizes LIST|none] [--backends LIST] [--simd LEVEL] "
	"[--key FILE] [--check K]",
	run_engine,
};

bool engine_measure(const struct engine_signer *s, double seconds, struct engine_timing *t,
		    char *why)
{
	struct engine_count warm = { 0 };
	double end = bench_now() + seconds * WARMUP_FRACTION, start, cpu;

	memset(t, 0, sizeof(*t));
	while (bench_now() < end)
		if (!s->step(s->ctx, &warm, why))
			return false;
	if (!s->drain(s->ctx, &warm, why))
		return false;
	start = bench_now();
	cpu = bench_cpu_now();
	end = start + seconds;
	while (bench_now() < end)
		if (!s->step(s->ctx, &t->count, why))
			return false;
	if (!s->drain(s->ctx, &t->count, why))
		return false;
	t->cpu_seconds = bench_cpu_now() - cpu;
	t->seconds = bench_now() - start;
	return true;
}

static bool parse_count(const char *text, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (text[0] < '0' || text[0] > '9')
		return false;
	*out = strtoull(text, &end, 10);
	return errno == 0 && *end == '\0' && *out >= 1 && *out <= max;
}

static bool copy_list(char *to, size_t cap, const char *text)
{
	return (size_t)snprintf(to, cap, "%s", text) < cap;
}

static int engine_option(struct engine_opts *o, int c)
{
	unsigned long long v;
	char why[256];

	switch (c) {
	case 'j': o->json = true; return 0;
	case 's': return bench_parse_seconds(optarg, &o->seconds) ? 0 : 2;
	case 'r': return parse_count(optarg, 100, &v) ? (o->rounds = (unsigned)v, 0) : 2;
	case 'k': return parse_count(optarg, 1000, &v) ? (o->check = (unsigned)v, 0) : 2;
	case 'g': return parse_count(optarg, MAX_GENERATE, &o->generate) ? 0 : 2;
	case 'S':
		errno = 0;
		o->mix.seed = strtoull(optarg, NULL, 10);
		return errno == 0 && optarg[0] >= '0' && optarg[0] <= '9' ? 0 : 2;
	case 'm':
		if (corpus_parse_sizes(optarg, &o->mix, why, sizeof(why)))
			return 0;
		fprintf(stderr, "signet-bench engine: --mix: %s\n", why);
		return 2;
	case 'c': o->dir = optarg; return 0;
	case 'K': o->keyfile = optarg; return 0;
	case 'v': o->simd = optarg; return 0;
	case 'z': return copy_list(o->sizes, sizeof(o->sizes), optarg) ? 0 : 2;
	case 'b': return copy_list(o->backends, sizeof(o->backends), optarg) ? 0 : 2;
	default: return 2;
	}
}

static int parse_engine(int argc, char **argv, struct engine_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' }, { "check", required_argument, NULL, 'k' },
		{ "generate", required_argument, NULL, 'g' }, { "seed", required_argument, NULL, 'S' },
		{ "mix", required_argument, NULL, 'm' }, { "corpus", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'K' }, { "sizes", required_argument, NULL, 'z' },
		{ "backends", required_argument, NULL, 'b' }, { "simd", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->seconds = 2.0;
	o->rounds = 2;
	o->check = 4;
	corpus_params_default(&o->mix);
	strcpy(o->sizes, "2K,8K,32K,128K,1M");
	o->simd = "auto";
	strcpy(o->backends, "evp,ifma,auto");
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (engine_option(o, c) != 0)
			break;
	if (c != -1 || optind != argc || (o->dir != NULL && o->generate != 0)) {
		fprintf(stderr, "usage: signet-bench %s\n", bench_engine.usage);
		return 2;
	}
	if (o->dir == NULL && o->generate == 0)
		o->generate = 500;
	return 0;
}

/* The backends of the list that open here; the others are named. */
static void choose_backends(struct engine_run *run)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(run->o.backends, ",", &save); tok && run->nbackends < MAX_BACKENDS;
	     tok = strtok_r(NULL, ",", &save)) {
		struct sg_backend *b = NULL;
		struct sg_error err = { 0 };

		if (sg_backend_open(tok, &b, &err) != SG_OK) {
			fprintf(stderr, "signet-bench engine: skipping %s: %s\n", tok, err.msg);
			continue;
		}
		sg_backend_close(b);
		run->backends[run->nbackends++] = tok;
	}
}

/* The body scan kernels of --simd ("builtin": none, the engine's own). */
static bool choose_kernels(struct engine_run *run, char *why)
{
	enum sg_simd_level level;

	if (strcmp(run->o.simd, "builtin") == 0) {
		run->setup.simd = "builtin";
		return true;
	}
	if (!sg_simd_level_parse(run->o.simd, &level)) {
		snprintf(why, ENGINE_WHY_MAX, "--simd: unknown level \"%.64s\" (auto, scalar, "
			 "avx2, avx512, builtin)", run->o.simd);
		return false;
	}
	run->setup.kernels = sg_simd_select(level);
	run->setup.simd = sg_simd_level_name(level);
	if (run->setup.kernels == NULL)
		snprintf(why, ENGINE_WHY_MAX, "--simd: %s is not supported on this CPU",
			 run->setup.simd);
	return run->setup.kernels != NULL;
}

/* The main corpus, then one generated corpus per sweep size. */
static bool make_corpora(struct engine_run *run, char *why)
{
	struct corpus_params sweep = run->o.mix;
	char *save = NULL, *tok;
	bool ok;

	ok = run->o.dir ? engine_corpus_load(&run->classes[0], run->o.dir, why) :
	     engine_corpus_generate(&run->classes[0], "corpus", &run->o.mix,
				    (size_t)run->o.generate, why);
	run->nclasses = 1;
	if (!ok || strcmp(run->o.sizes, "none") == 0)
		return ok;
	sweep.jitter_pct = 0;
	sweep.nclasses = 1;
	sweep.classes[0].weight = 1;
	for (tok = strtok_r(run->o.sizes, ",", &save); ok && tok; tok = strtok_r(NULL, ",", &save)) {
		size_t bytes, n = run->classes[0].count, cap;

		if (run->nclasses == MAX_CLASSES || strlen(tok) >= sizeof(run->labels[0]) ||
		    !corpus_parse_size(tok, &bytes)) {
			snprintf(why, ENGINE_WHY_MAX, "--sizes: bad or too many sizes at \"%s\" (at "
				 "most %d, each %u..%u bytes, K or M suffix)", tok, MAX_SWEEP,
				 CORPUS_MIN_BYTES, CORPUS_MAX_BYTES);
			return false;
		}
		cap = SWEEP_BUDGET / bytes < 4 ? 4 : SWEEP_BUDGET / bytes;
		sweep.classes[0].bytes = bytes;
		strcpy(run->labels[run->nclasses], tok);
		ok = engine_corpus_generate(&run->classes[run->nclasses], run->labels[run->nclasses],
					    &sweep, n < cap ? n : cap, why);
		run->nclasses++;
	}
	return ok;
}

static struct engine_result *new_result(struct engine_run *run, const char *who,
					const char *backend, const struct engine_corpus *c)
{
	struct engine_result *r = &run->results[run->nresults++];

	memset(r, 0, sizeof(*r));
	snprintf(r->who, sizeof(r->who), "%s", who);
	snprintf(r->backend, sizeof(r->backend), "%s", backend);
	r->corpus = c;
	return r;
}

static void free_contenders(struct contender *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (all[i].pipeline != NULL)
			engine_pipeline_stats(all[i].pipeline, &all[i].result->stats);
		engine_pipeline_free(all[i].pipeline);
		engine_opendkim_free(all[i].opendkim);
		engine_raw_free(all[i].raw);
	}
}

/* Every signer in turn, rounds times; the best round of each is kept. */
static bool measure_turns(const struct engine_run *run, struct contender *all, size_t n,
			  char *why)
{
	for (unsigned round = 0; round < run->o.rounds; round++) {
		for (size_t i = 0; i < n; i++) {
			struct engine_result *r = all[i].result;
			struct engine_timing t;

			if (!engine_measure(&all[i].signer, run->o.seconds, &t, why))
				return false;
			if (!r->ok || (double)t.count.msgs / t.seconds >
				      (double)r->best.count.msgs / r->best.seconds)
				r->best = t;
			r->ok = true;
		}
	}
	return true;
}

/* raw-openssl and raw-B for every backend B but auto (the kind it picks is
 * measured under its own name). */
static bool measure_raw(struct engine_run *run, char *why)
{
	struct contender all[MAX_BACKENDS + 1] = { { 0 } };
	size_t n = 0;
	bool ok;

	all[0].raw = engine_raw_new(&run->setup, why);
	ok = all[0].raw != NULL;
	if (ok) {
		all[0].signer = engine_raw_signer(all[0].raw);
		all[0].result = new_result(run, "raw-openssl", "openssl", NULL);
		n = 1;
	}
	for (size_t b = 0; ok && b < run->nbackends; b++) {
		char who[40];

		if (strcmp(run->backends[b], "auto") == 0)
			continue;
		all[n].pipeline = engine_pipeline_new(run->backends[b], &run->setup, NULL, why);
		if (all[n].pipeline == NULL) {
			ok = false;
			break;
		}
		all[n].signer = engine_pipeline_signer(all[n].pipeline);
		snprintf(who, sizeof(who), "raw-%s", run->backends[b]);
		all[n].result = new_result(run, who, engine_pipeline_backend(all[n].pipeline),
					   NULL);
		n++;
	}
	ok = ok && measure_turns(run, all, n, why);
	free_contenders(all, n);
	return ok;
}

/* signet-B for every backend and opendkim on corpus c, each checked on
 * its first messages before the turns start. */
static bool measure_corpus(struct engine_run *run, const struct engine_corpus *c, char *why)
{
	struct contender all[MAX_BACKENDS + 1] = { { 0 } };
	size_t n = 0, check = run->o.check < c->count ? run->o.check : c->count;
	bool ok = true;

	for (size_t b = 0; ok && b < run->nbackends; b++) {
		char who[40];

		all[n].pipeline = engine_pipeline_new(run->backends[b], &run->setup, c, why);
		ok = all[n].pipeline != NULL && engine_pipeline_check(all[n].pipeline, check, why);
		if (all[n].pipeline == NULL)
			break;
		snprintf(who, sizeof(who), "signet-%s", run->backends[b]);
		all[n].signer = engine_pipeline_signer(all[n].pipeline);
		all[n].result = new_result(run, who, engine_pipeline_backend(all[n].pipeline), c);
		n++;
		if (!ok)
			fprintf(stderr, "signet-bench engine: %s on %s: signatures do not verify\n",
				who, c->label);
	}
	if (ok && engine_opendkim_built()) {
		all[n].opendkim = engine_opendkim_new(&run->setup, c, why);
		ok = all[n].opendkim != NULL && engine_opendkim_check(all[n].opendkim, check, why);
		if (all[n].opendkim != NULL) {
			all[n].signer = engine_opendkim_signer(all[n].opendkim);
			all[n].result = new_result(run, "opendkim", "opendkim", c);
			n++;
		}
		if (!ok)
			fprintf(stderr, "signet-bench engine: opendkim on %s: failed the check\n",
				c->label);
	}
	ok = ok && measure_turns(run, all, n, why);
	free_contenders(all, n);
	return ok;
}

static int measure_all(struct engine_run *run, int cpu)
{
	struct engine_report_info info = { run->o.json, run->o.rounds, cpu, 0, NULL, 0 };
	char why[ENGINE_WHY_MAX] = "";
	bool ok;

	ok = engine_setup_init(&run->setup, run->o.keyfile, (int64_t)time(NULL), why) &&
	     choose_kernels(run, why) && make_corpora(run, why);
	if (ok && run->nbackends == 0) {
		snprintf(why, sizeof(why), "no backend of --backends opens here");
		ok = false;
	}
	if (ok && !engine_opendkim_built())
		fprintf(stderr, "signet-bench engine: opendkim left out: built without "
			"libopendkim (ratio_to_opendkim is null)\n");
	ok = ok && measure_raw(run, why);
	for (size_t c = 0; ok && c < run->nclasses; c++)
		ok = measure_corpus(run, &run->classes[c], why);
	if (!ok) {
		fprintf(stderr, "signet-bench engine: %s\n", why);
		return 1;
	}
	info.key_bits = sg_privkey_bits(run->setup.key);
	info.checked = run->o.check;
	info.simd = run->setup.simd;
	engine_report(run->results, run->nresults, &info);
	return 0;
}

static int run_engine(int argc, char **argv)
{
	struct engine_run *run = calloc(1, sizeof(*run));
	int cpu, rc;

	if (run == NULL) {
		fprintf(stderr, "signet-bench engine: out of memory\n");
		return 1;
	}
	rc = parse_engine(argc, argv, &run->o);
	if (rc == 0) {
		cpu = bench_pin_one_core();
		if (cpu < 0)
			fprintf(stderr, "signet-bench: cannot pin to one CPU; figures may mix "
				"cores\n");
		choose_backends(run);
		rc = measure_all(run, cpu);
	}
	for (size_t c = 0; c < run->nclasses; c++)
		engine_corpus_free(&run->classes[c]);
	engine_setup_free(&run->setup);
	free(run);
	return rc;
}
