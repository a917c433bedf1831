/*
 * NAME
 *   corpus_gen.c - write a campaign-style mail corpus for the benchmarks
 *
 * SUMMARY
 *   corpus_gen [--count N] [--seed X] [--sizes LIST] [--jitter PCT]
 *              (--out DIR | --mbox FILE|-)
 *
 *   Writes messages 0..N-1 (default 1000) of the corpus of corpus.h:
 *     --out DIR    one file a message, DIR/msg-NNNNNN.eml (DIR is created
 *                  if missing; existing files of the same name are replaced)
 *     --mbox FILE  one mbox-like stream ("-" = stdout): each message is
 *                  preceded by "From corpus_gen@bench.invalid <date>\r\n"
 *                  and followed by an empty line (no body line starts with
 *                  "From ", so nothing is escaped).
 *   --sizes is the size class list "SIZE[:WEIGHT],..." (default
 *   CORPUS_DEFAULT_SIZES, 2 KB to 1 MB), --jitter the spread around each
 *   class in percent (default 10, 0..50). Line ends are CRLF. The same
 *   arguments give byte-identical output. A summary (messages, bytes,
 *   mean size) goes to stderr.
 *
 * UNTRUSTED INPUT
 *   Command-line arguments only (checked, bounded).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"

#define MAX_COUNT 10000000ull
#define PATH_CAP 4096

struct gen_opts {
	struct corpus_params params;
	unsigned long long count;
	const char *dir, *mbox;
};

static int usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "corpus_gen: %s\n", why);
	fprintf(stderr, "usage: corpus_gen [--count N] [--seed X] [--sizes SIZE[:WEIGHT],...] "
		"[--jitter PCT] (--out DIR | --mbox FILE|-)\n");
	return 2;
}

static bool parse_ull(const char *text, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (text[0] < '0' || text[0] > '9')
		return false;
	*out = strtoull(text, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' }, { "seed", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'S' }, { "jitter", required_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' }, { "mbox", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
};

/* "bad value for --NAME" for the option whose getopt value is c. */
static int bad_value(int c, const char *value)
{
	char why[128];

	for (const struct option *opt = longopts; opt->name != NULL; opt++) {
		if (opt->val == c) {
			snprintf(why, sizeof(why), "bad value for --%s: \"%.64s\"", opt->name, value);
			return usage(why);
		}
	}
	return usage("unknown option");
}

static int parse_gen(int argc, char **argv, struct gen_opts *o)
{
	unsigned long long v;
	char why[256];
	int c;

	corpus_params_default(&o->params);
	o->count = 1000;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'n' && parse_ull(optarg, MAX_COUNT, &o->count) && o->count > 0)
			continue;
		if (c == 's' && parse_ull(optarg, UINT64_MAX, &v)) {
			o->params.seed = v;
		} else if (c == 'j' && parse_ull(optarg, 50, &v)) {
			o->params.jitter_pct = (unsigned)v;
		} else if (c == 'S') {
			if (!corpus_parse_sizes(optarg, &o->params, why, sizeof(why)))
				return usage(why);
		} else if (c == 'o') {
			o->dir = optarg;
		} else if (c == 'm') {
			o->mbox = optarg;
		} else {
			return c == 'h' ? usage(NULL) : c == '?' ? usage("unknown option") :
			       bad_value(c, optarg);
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	if ((o->dir == NULL) == (o->mbox == NULL))
		return usage("give one of --out DIR and --mbox FILE");
	return 0;
}

static bool write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f != NULL && fwrite(data, 1, len, f) == len;

	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "corpus_gen: cannot write %s: %s\n", path, strerror(errno));
	return ok;
}

/* Writes message i to its own file in o->dir. */
static bool emit_file(const struct gen_opts *o, unsigned long long i, const struct sg_buf *msg)
{
	char path[PATH_CAP];

	if ((size_t)snprintf(path, sizeof(path), "%s/msg-%06llu.eml", o->dir, i) >= sizeof(path)) {
		fprintf(stderr, "corpus_gen: --out path too long\n");
		return false;
	}
	return write_file(path, msg->data, msg->len);
}

static bool emit_mbox(FILE *f, const struct sg_buf *msg)
{
	static const char from_line[] = "From corpus_gen@bench.invalid Sat Nov 21 00:00:00 2026\r\n";

	return fputs(from_line, f) >= 0 && fwrite(msg->data, 1, msg->len, f) == msg->len &&
	       fputs("\r\n", f) >= 0;
}

static FILE *open_output(const struct gen_opts *o)
{
	FILE *f;

	if (o->dir != NULL) {
		if (mkdir(o->dir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "corpus_gen: cannot create %s: %s\n", o->dir,
				strerror(errno));
			return NULL;
		}
		return stdout;	/* unused for --out; non-NULL means ready */
	}
	if (strcmp(o->mbox, "-") == 0)
		return stdout;
	f = fopen(o->mbox, "wb");
	if (f == NULL)
		fprintf(stderr, "corpus_gen: cannot open %s: %s\n", o->mbox, strerror(errno));
	return f;
}

static bool close_output(const struct gen_opts *o, FILE *f)
{
	bool ok = fflush(f) == 0 && !ferror(f);

	if (o->mbox != NULL && f != stdout)
		ok = fclose(f) == 0 && ok;
	if (!ok)
		fprintf(stderr, "corpus_gen: write error: %s\n", strerror(errno));
	return ok;
}

int main(int argc, char **argv)
{
	struct gen_opts o = { 0 };
	struct sg_buf msg;
	unsigned long long total = 0;
	int rc = parse_gen(argc, argv, &o);
	bool ok = true;
	FILE *f;

	if (rc != 0)
		return rc;
	f = open_output(&o);
	if (f == NULL)
		return 1;
	sg_buf_init(&msg, CORPUS_MAX_BYTES * 2);
	for (unsigned long long i = 0; i < o.count && ok; i++) {
		sg_buf_reset(&msg);
		ok = corpus_message(&o.params, i, &msg);
		if (!ok)
			fprintf(stderr, "corpus_gen: out of memory at message %llu\n", i);
		else
			ok = o.dir != NULL ? emit_file(&o, i, &msg) : emit_mbox(f, &msg);
		total += msg.len;
	}
	sg_buf_free(&msg);
	ok = close_output(&o, f) && ok;
	if (ok)
		fprintf(stderr, "corpus_gen: %llu messages, %llu bytes, mean %llu bytes\n", o.count,
			total, total / o.count);
	return ok ? 0 : 1;
}
