/*
 * NAME
 *   bench_canon.c - "signet-bench canon": body canonicalization throughput
 *                   of every scan kernel (dataplane/simd), on one core
 *
 * SUMMARY
 *   signet-bench canon [--json] [--seconds S] [--rounds N] [--mib M]
 *
 *   Builds one synthetic body of M MiB (default 4) that looks like bulk
 *   mail: half plain-text paragraphs (lines up to 76 columns, single
 *   spaces, an empty line between paragraphs, now and then a double space
 *   or trailing blank), a quarter indented HTML (leading SP/HTAB runs), a
 *   quarter base64 attachment lines, and ten trailing empty lines. For each
 *   body canonicalization (simple, relaxed, dk_simple, dk_nofws), each
 *   kernel
 *     builtin  the engine's own scanners (no kernel table: what dkim does
 *              without dataplane/simd),
 *     scalar   the scalar twin, avx2, avx512 (the levels the CPU has;
 *              each canonicalizes relaxed bodies with its block transform
 *              of canon.h - avx512 only with VBMI2),
 *     avx512-scan  the avx512 table without its block transform (relaxed
 *              by the stop scanner alone; only where avx512 has one), so
 *              one run compares the two designs,
 *   and each mode
 *     canon         canonicalization alone (the sink only counts bytes),
 *     canon+hash    the engine's fused path: sg_bodyhash with one lane,
 *                   SHA-256 (DKIM) or SHA-1 (DomainKeys) from OpenSSL,
 *                   the body given whole (the lane takes 16 KiB pieces),
 *   it canonicalizes the body again and again for S seconds (default 1),
 *   N times in turns (default 3), and keeps the best round. gb_per_s is
 *   input bytes per second / 1e9; ratio_to_scalar and ratio_to_builtin
 *   compare with the scalar twin and the built-in scanners of the same
 *   canonicalization and mode, measured in the same run. Every kernel's
 *   canonical output is checked against builtin's (length and a checksum)
 *   before timing; a mismatch is an error (exit 1).
 *
 *   Output: with --json one object per line:
 *     {"bench":"canon","canon":"relaxed","kernel":"avx2","mode":"canon",
 *      "gb_per_s":3.21,"ratio_to_scalar":2.9,"ratio_to_builtin":1.8,
 *      "body_bytes":4194304,"out_bytes":4001234,"passes":800,
 *      "seconds":1.0003,"gb_per_cpu_s":3.22,"cpu_share":0.998,"rounds":3,
 *      "cpu":1}
 *   otherwise a table. cpu_share is the CPU time the thread received in the
 *   kept round / its elapsed time (1.0: the core was ours; lower figures
 *   come from a shared machine), gb_per_cpu_s the rate per second of CPU
 *   received (the better estimate of a dedicated core on a shared machine).
 *   Kernels the CPU lacks are named on stderr.
 *
 * UNTRUSTED INPUT
 *   Command-line arguments only.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bodyhash.h"
#include "canon.h"
#include "hash_evp.h"
#include "simd.h"

#define NCANONS 4
#define NKERNELS (2 + SG_SIMD_LEVELS)	/* builtin + every level + avx512-scan */
#define SCAN_ONLY (NKERNELS - 1)
#define NMODES 2
#define PIECE SG_BODYHASH_PIECE

struct canon_opts {
	bool json;
	double seconds;
	unsigned rounds;
	size_t body_bytes;
};

struct kernel_case {
	const char *name;
	const struct sg_canon_kernels *k;	/* NULL for builtin */
	bool available;
};

struct measurement {
	double best_rate;		/* input bytes per second */
	double seconds, cpu_seconds;	/* of the best round */
	unsigned long long passes;
};

struct out_check {
	uint64_t bytes;
	uint64_t sum;			/* position-weighted checksum */
};

static const enum sg_canon canons[NCANONS] = {
	SG_CANON_SIMPLE, SG_CANON_RELAXED, SG_CANON_DK_SIMPLE, SG_CANON_DK_NOFWS,
};
static const char *const canon_labels[NCANONS] = { "simple", "relaxed", "dk_simple", "dk_nofws" };
static const char *const mode_labels[NMODES] = { "canon", "canon+hash" };

static int run_canon(int argc, char **argv);

const struct bench_command bench_canon = {
	"canon", "canon [--json] [--seconds S] [--rounds N] [--mib M]", run_canon,
};

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t append(char *dst, size_t at, size_t cap, const char *s, size_t n)
{
	if (n > cap - at)
		n = cap - at;
	memcpy(dst + at, s, n);
	return at + n;
}

/* One line of the given kind (0 text, 1 html, 2 base64), CRLF ended. */
static size_t make_line(char *dst, size_t at, size_t cap, int kind, uint64_t *s)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char *const words[] = { "the", "campaign", "offer", "your", "account",
					     "click", "here", "to", "unsubscribe", "and", "new" };
	char line[96];
	size_t n = 0, width = 40 + (size_t)(next_random(s) % 37);

	if (kind == 2) {
		for (n = 0; n < 76; n++)
			line[n] = b64[next_random(s) % 64];
		return append(dst, append(dst, at, cap, line, n), cap, "\r\n", 2);
	}
	if (kind == 1) {
		n = next_random(s) % 4 == 0 ? 1 : 2 + (size_t)(next_random(s) % 7);
		memset(line, next_random(s) % 3 == 0 ? '\t' : ' ', n);
		n = (size_t)snprintf(line + n, sizeof(line) - n, "<td class=\"c%u\">",
				     (unsigned)(next_random(s) % 100)) + n;
	}
	while (n < width) {
		const char *w = words[next_random(s) % (sizeof(words) / sizeof(words[0]))];
		uint64_t r = next_random(s);

		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", w,
				      r % 29 == 0 ? "  " : " ");
	}
	if (next_random(s) % 11 != 0)
		n--;			/* most lines end without a blank */
	return append(dst, append(dst, at, cap, line, n), cap, "\r\n", 2);
}

static char *make_body(size_t bytes)
{
	char *body = malloc(bytes);
	uint64_t s = 0x5197e7b0d1ULL;
	size_t at = 0, tail = 20;

	if (body == NULL)
		return NULL;
	while (at < bytes - tail) {
		uint64_t r = next_random(&s) % 8;
		int kind = r < 4 ? 0 : r < 6 ? 1 : 2;
		size_t lines = 3 + (size_t)(next_random(&s) % 12);

		for (size_t i = 0; i < lines && at < bytes - tail; i++)
			at = make_line(body, at, bytes - tail, kind, &s);
		if (kind == 0 && at < bytes - tail)
			at = append(body, at, bytes - tail, "\r\n", 2);
	}
	while (at + 2 <= bytes)
		at = append(body, at, bytes, "\r\n", 2);
	if (at < bytes)
		body[at++] = 'x';
	return body;
}

static void count_sink(void *arg, const void *data, size_t len)
{
	struct out_check *c = arg;

	(void)data;
	c->bytes += len;
}

static void check_sink(void *arg, const void *data, size_t len)
{
	struct out_check *c = arg;
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		c->sum = (c->sum ^ p[i]) * 0x100000001b3ULL;
	c->bytes += len;
}

/* Canonicalizes the body once in PIECE-sized updates, like the engine. */
static void canon_once(enum sg_canon canon, const struct sg_canon_kernels *k, const char *body,
		       size_t len, sg_sink_fn sink, struct out_check *out)
{
	struct sg_body_canon c;

	sg_body_canon_init(&c, canon, UINT64_MAX, sink, out);
	sg_body_canon_set_kernels(&c, k);
	for (size_t off = 0; off < len; off += PIECE)
		sg_body_canon_update(&c, body + off, len - off < PIECE ? len - off : PIECE);
	sg_body_canon_final(&c);
}

/* The fused path: one body-hash lane, the body given whole. */
static bool hash_once(enum sg_canon canon, const struct sg_canon_kernels *k, const char *body,
		      size_t len)
{
	struct sg_bodyhash bh;
	bool dk = canon == SG_CANON_DK_SIMPLE || canon == SG_CANON_DK_NOFWS;
	int lane;

	sg_bodyhash_init(&bh, sg_hash_evp());
	sg_bodyhash_set_kernels(&bh, k);
	lane = sg_bodyhash_lane(&bh, canon, dk ? SG_HASH_SHA1 : SG_HASH_SHA256,
				SG_BODYHASH_NO_LIMIT, false);
	if (lane >= 0) {
		sg_bodyhash_update(&bh, body, len);
		sg_bodyhash_final(&bh);
	}
	sg_bodyhash_cleanup(&bh);
	return lane >= 0;
}

/* One round: passes over the body for about seconds; keeps the best rate. */
static bool time_round(const struct canon_opts *o, enum sg_canon canon, int mode,
		       const struct sg_canon_kernels *k, const char *body, struct measurement *m)
{
	unsigned long long passes = 0;
	struct out_check sink = { 0, 0 };
	double cpu = bench_cpu_now(), start = bench_now(), now;

	do {
		if (mode == 0)
			canon_once(canon, k, body, o->body_bytes, count_sink, &sink);
		else if (!hash_once(canon, k, body, o->body_bytes))
			return false;
		passes++;
		now = bench_now();
	} while (now - start < o->seconds);
	if ((double)passes * (double)o->body_bytes / (now - start) > m->best_rate) {
		m->best_rate = (double)passes * (double)o->body_bytes / (now - start);
		m->seconds = now - start;
		m->cpu_seconds = bench_cpu_now() - cpu;
		m->passes = passes;
	}
	return true;
}

/* Every available kernel gives builtin's bytes for every canonicalization;
 * out_bytes[c] is the canonical length. */
static bool outputs_agree(const struct kernel_case *kc, const char *body, size_t len,
			  uint64_t out_bytes[NCANONS])
{
	for (int c = 0; c < NCANONS; c++) {
		struct out_check want = { 0, 0 };

		canon_once(canons[c], NULL, body, len, check_sink, &want);
		out_bytes[c] = want.bytes;
		for (int i = 1; i < NKERNELS; i++) {
			struct out_check got = { 0, 0 };

			if (!kc[i].available)
				continue;
			canon_once(canons[c], kc[i].k, body, len, check_sink, &got);
			if (got.bytes != want.bytes || got.sum != want.sum) {
				fprintf(stderr, "signet-bench: %s kernel: %s output differs from "
						"builtin (%llu bytes, builtin %llu)\n", kc[i].name,
					canon_labels[c], (unsigned long long)got.bytes,
					(unsigned long long)want.bytes);
				return false;
			}
		}
	}
	return true;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* results[c][mode][kernel] */
static void print_results(const struct canon_opts *o, const struct kernel_case *kc,
			  struct measurement res[NCANONS][NMODES][NKERNELS],
			  const uint64_t out_bytes[NCANONS], int cpu)
{
	if (!o->json)
		printf("%-10s %-10s %-11s %9s %9s %10s %9s %9s\n", "canon", "mode", "kernel",
		       "GB/s", "x scalar", "x builtin", "GB/cpu-s", "cpu share");
	for (int c = 0; c < NCANONS; c++) {
		for (int mode = 0; mode < NMODES; mode++) {
			const struct measurement *row = res[c][mode];

			for (int i = 0; i < NKERNELS; i++) {
				double gb = row[i].best_rate / 1e9;
				double rs = ratio(row[i].best_rate, row[1].best_rate);
				double rb = ratio(row[i].best_rate, row[0].best_rate);
				double share = ratio(row[i].cpu_seconds, row[i].seconds);
				double gb_cpu = ratio(gb, share);

				if (!kc[i].available)
					continue;
				if (!o->json) {
					printf("%-10s %-10s %-11s %9.3f %9.2f %10.2f %9.3f %9.3f\n",
					       canon_labels[c], mode_labels[mode], kc[i].name, gb,
					       rs, rb, gb_cpu, share);
					continue;
				}
				printf("{\"bench\":\"canon\",\"canon\":\"%s\",\"kernel\":\"%s\","
				       "\"mode\":\"%s\",\"gb_per_s\":%.4f,\"ratio_to_scalar\":%.3f,"
				       "\"ratio_to_builtin\":%.3f,\"body_bytes\":%zu,"
				       "\"out_bytes\":%llu,\"passes\":%llu,\"seconds\":%.4f,"
				       "\"gb_per_cpu_s\":%.4f,\"cpu_share\":%.3f,\"rounds\":%u,"
				       "\"cpu\":%d}\n",
				       canon_labels[c], kc[i].name, mode_labels[mode], gb, rs, rb,
				       o->body_bytes, (unsigned long long)out_bytes[c],
				       row[i].passes, row[i].seconds, gb_cpu, share, o->rounds, cpu);
			}
		}
	}
}

static int parse_canon(int argc, char **argv, struct canon_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "mib", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct canon_opts){ false, 1.0, 3, (size_t)4 << 20 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		bool number = optarg != NULL && optarg[0] != '\0' &&
			      strspn(optarg, "0123456789") == strlen(optarg) && strlen(optarg) <= 3;

		if (c == 'j') {
			o->json = true;
		} else if (c == 's' && bench_parse_seconds(optarg, &o->seconds)) {
			continue;
		} else if (c == 'r' && number && atoi(optarg) >= 1) {
			o->rounds = (unsigned)atoi(optarg);
		} else if (c == 'm' && number && atoi(optarg) >= 1 && atoi(optarg) <= 256) {
			o->body_bytes = (size_t)atoi(optarg) << 20;
		} else {
			fprintf(stderr, "usage: signet-bench %s\n", bench_canon.usage);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: signet-bench %s\n", bench_canon.usage);
		return 2;
	}
	return 0;
}

/* scan_only: storage for the avx512 table without its block transform. */
static void choose_kernels(struct kernel_case kc[NKERNELS], struct sg_canon_kernels *scan_only)
{
	const struct sg_canon_kernels *avx512 = sg_simd_select(SG_SIMD_AVX512);

	kc[0] = (struct kernel_case){ "builtin", NULL, true };
	for (int i = 0; i < SG_SIMD_LEVELS; i++) {
		enum sg_simd_level level = (enum sg_simd_level)i;

		kc[i + 1] = (struct kernel_case){ sg_simd_level_name(level), sg_simd_select(level),
						  sg_simd_supported(level) };
		if (!kc[i + 1].available)
			fprintf(stderr, "signet-bench: %s: not supported by this CPU\n",
				kc[i + 1].name);
	}
	kc[SCAN_ONLY] = (struct kernel_case){ "avx512-scan", scan_only, false };
	if (avx512 != NULL && avx512->relaxed_block != NULL) {
		*scan_only = *avx512;
		scan_only->relaxed_block = NULL;
		kc[SCAN_ONLY].available = true;
	}
}

/* N rounds, in turns: every canonicalization, mode and kernel per round. */
static int measure_all(const struct canon_opts *o, const struct kernel_case *kc, const char *body,
		       struct measurement res[NCANONS][NMODES][NKERNELS])
{
	for (unsigned r = 0; r < o->rounds; r++) {
		for (int c = 0; c < NCANONS; c++) {
			for (int mode = 0; mode < NMODES; mode++) {
				for (int i = 0; i < NKERNELS; i++) {
					if (!kc[i].available)
						continue;
					if (!time_round(o, canons[c], mode, kc[i].k, body,
							&res[c][mode][i]))
						return 1;
				}
			}
		}
	}
	return 0;
}

static int run_canon(int argc, char **argv)
{
	struct measurement res[NCANONS][NMODES][NKERNELS];
	struct kernel_case kc[NKERNELS];
	struct sg_canon_kernels scan_only;
	uint64_t out_bytes[NCANONS];
	struct canon_opts o;
	char *body;
	int cpu, rc = parse_canon(argc, argv, &o);

	if (rc != 0)
		return rc;
	cpu = bench_pin_one_core();
	if (cpu < 0)
		fprintf(stderr, "signet-bench: cannot pin to one CPU; figures may mix cores\n");
	choose_kernels(kc, &scan_only);
	body = make_body(o.body_bytes);
	if (body == NULL || !outputs_agree(kc, body, o.body_bytes, out_bytes)) {
		fprintf(stderr, "signet-bench: canon: %s\n", body ? "outputs differ" : "out of memory");
		free(body);
		return 1;
	}
	memset(res, 0, sizeof(res));
	rc = measure_all(&o, kc, body, res);
	if (rc == 0)
		print_results(&o, kc, res, out_bytes, cpu);
	else
		fprintf(stderr, "signet-bench: canon: cannot start a body hash\n");
	free(body);
	return rc;
}
