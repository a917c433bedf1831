/*
 * NAME
 *   bench_crypto.c - "signet-bench crypto": RSA and Ed25519 signs per second
 *                    of every signing backend, on one core, in one run
 *
 * SUMMARY
 *   signet-bench crypto [--json] [--seconds S] [--rounds N] [--backends LIST]
 *
 *   Makes one key per size (RSA 1024, 2048, 3072, 4096; Ed25519) and, per
 *   size, measures N times (default 3, in turns) for S seconds (default 2)
 *   each of:
 *     openssl_raw  EVP_PKEY_sign in a loop on one prepared context (RSA) or
 *                  EVP_DigestSign (Ed25519): OpenSSL with no signet layer;
 *     evp          always measured, the reference of ratio_to_evp;
 *     every other backend in LIST (default: all of sg_backend_all(); also
 *                  "auto", "engine:ID", "provider:NAME").
 *   A backend is kept full: submit until it refuses (SG_E_LIMIT), flush,
 *   poll what is done, repeat; the figure is completions / elapsed time
 *   after a short warm-up. The best of the N rounds is reported (other
 *   processes only ever slow a round down), with the CPU time this thread
 *   used in it: signs_per_cpu_s is the rate per second of CPU actually
 *   received, and cpu_share = CPU time / elapsed time shows how much the
 *   machine was shared (1.0 = the core was ours). The process is pinned to
 *   the CPU it started on. Signatures are checked for errors only (the
 *   test suite checks bytes).
 *
 *   Output: with --json one JSON object per line and measurement:
 *     {"bench":"crypto","backend":"ifma","alg":"rsa-sha256","bits":2048,
 *      "signs_per_s":8123.4,"ratio_to_evp":2.31,"signs":16247,
 *      "seconds":2.0001,"signs_per_cpu_s":8130.2,"cpu_share":0.999,
 *      "rounds":3,"cpu":1}
 *   (ratio_to_evp is null when evp failed); otherwise a table. Backends
 *   that are not available are named with the reason on stderr.
 *
 * UNTRUSTED INPUT
 *   Command-line arguments (length-limited backend names).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "backend.h"
#include "bench.h"
#include "key.h"

#define MAX_BACKENDS 12
#define NSIZES 5
#define WARMUP_FRACTION 0.1
#define BATCH_POLL 64

struct size_case {
	const char *label;
	enum sg_alg alg;
	unsigned bits;			/* 256 for Ed25519, as sg_privkey_bits says */
	EVP_PKEY *pkey;			/* for openssl_raw */
	struct sg_privkey *key;		/* the same key, for the backends */
};

struct result {
	const char *backend;
	const struct size_case *size;
	double signs_per_s, seconds, cpu_seconds;
	unsigned long long signs;
	bool ok;
};

struct crypto_opts {
	bool json;
	double seconds;
	unsigned rounds;
	const char *backends[MAX_BACKENDS];
	size_t nbackends;
	char list[512];
};

static const uint8_t digest[32] = "signet-bench digest 0123456789a";

static int run_crypto(int argc, char **argv);

const struct bench_command bench_crypto = {
	"crypto", "crypto [--json] [--seconds S] [--rounds N] [--backends LIST]", run_crypto,
};

/* A new key of the size and the same key as signet loads it. */
static bool make_key(struct size_case *c)
{
	struct sg_error err;
	char *pem = NULL;
	BIO *mem = BIO_new(BIO_s_secmem());
	long len;
	bool ok;

	c->pkey = c->alg == SG_ALG_ED25519_SHA256 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
		EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)c->bits);
	ok = c->pkey != NULL && mem != NULL &&
	     PEM_write_bio_PrivateKey(mem, c->pkey, NULL, NULL, 0, NULL, NULL) == 1;
	len = ok ? BIO_get_mem_data(mem, &pem) : 0;
	if (ok && sg_privkey_load_mem(pem, (size_t)len, &c->key, &err) != SG_OK) {
		fprintf(stderr, "signet-bench: %s key: %s\n", c->label, err.msg);
		ok = false;
	}
	BIO_free(mem);
	return ok;
}

static bool raw_sign_once(EVP_PKEY_CTX *rsa, EVP_PKEY *pkey, bool ed25519)
{
	uint8_t sig[SG_SIG_MAX];
	size_t n = sizeof(sig);
	EVP_MD_CTX *md;
	bool ok;

	if (!ed25519)
		return EVP_PKEY_sign(rsa, sig, &n, digest, sizeof(digest)) == 1;
	md = EVP_MD_CTX_new();
	ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestSign(md, sig, &n, digest, sizeof(digest)) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

/* OpenSSL alone: one context, EVP_PKEY_sign in a loop. */
static void measure_raw(const struct size_case *c, double seconds, struct result *r)
{
	bool ed = c->alg == SG_ALG_ED25519_SHA256;
	EVP_PKEY_CTX *ctx = ed ? NULL : EVP_PKEY_CTX_new(c->pkey, NULL);
	double start, end;
	unsigned long long n = 0;

	r->ok = ed || (ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 &&
		       EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		       EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1);
	start = bench_now();
	end = start + seconds * WARMUP_FRACTION;
	while (r->ok && bench_now() < end)
		r->ok = raw_sign_once(ctx, c->pkey, ed);
	start = bench_now();
	end = start + seconds;
	r->cpu_seconds = bench_cpu_now();
	while (r->ok && bench_now() < end) {
		r->ok = raw_sign_once(ctx, c->pkey, ed);
		n++;
	}
	r->cpu_seconds = bench_cpu_now() - r->cpu_seconds;
	r->seconds = bench_now() - start;
	r->signs = n;
	r->signs_per_s = r->ok ? (double)n / r->seconds : 0;
	EVP_PKEY_CTX_free(ctx);
}

/* Completions collected; false when one failed. */
static bool drain(struct sg_backend *b, unsigned long long *done, bool wait_all)
{
	struct sg_sign_done out[BATCH_POLL];
	struct sg_backend_stats st;
	size_t n;

	do {
		n = sg_backend_poll(b, out, BATCH_POLL);
		for (size_t i = 0; i < n; i++) {
			if (out[i].status != SG_OK) {
				fprintf(stderr, "signet-bench: %s: %s\n", b->spec, out[i].error);
				return false;
			}
		}
		*done += n;
		sg_backend_get_stats(b, &st);
	} while (wait_all && st.submitted != st.completed);
	return true;
}

/* Keeps b full for seconds; returns completions (0 on failure). */
static unsigned long long keep_full(struct sg_backend *b, const struct size_case *c,
				    double seconds, bool *ok)
{
	double end = bench_now() + seconds;
	unsigned long long done = 0;
	struct sg_error err;
	enum sg_err rc;

	while (*ok && bench_now() < end) {
		while ((rc = sg_backend_submit(b, c->key, c->alg, digest, c->alg ==
					       SG_ALG_RSA_SHA1 ? 20 : 32, NULL, &err)) == SG_OK)
			;
		if (rc != SG_E_LIMIT) {
			fprintf(stderr, "signet-bench: %s: %s\n", b->spec, err.msg);
			*ok = false;
		}
		sg_backend_flush(b);
		*ok = *ok && drain(b, &done, false);
	}
	sg_backend_flush(b);
	*ok = *ok && drain(b, &done, true);
	return done;
}

static void measure_backend(const char *spec, const struct size_case *c, double seconds,
			    struct result *r)
{
	struct sg_backend *b = NULL;
	struct sg_error err;
	double start;

	r->ok = sg_backend_open(spec, &b, &err) == SG_OK &&
		sg_backend_prepare(b, c->key, &err) == SG_OK;
	if (!r->ok) {
		fprintf(stderr, "signet-bench: %s: %s\n", spec, err.msg);
		sg_backend_close(b);
		return;
	}
	keep_full(b, c, seconds * WARMUP_FRACTION, &r->ok);
	start = bench_now();
	r->cpu_seconds = bench_cpu_now();
	r->signs = keep_full(b, c, seconds, &r->ok);
	r->cpu_seconds = bench_cpu_now() - r->cpu_seconds;
	r->seconds = bench_now() - start;
	r->signs_per_s = r->ok ? (double)r->signs / r->seconds : 0;
	sg_backend_close(b);
}

/* Keeps the backends of LIST that open here (always evp); names the others. */
static void choose_backends(struct crypto_opts *o, const char *list)
{
	size_t nkinds;
	const struct sg_backend_ops *const *kinds = sg_backend_all(&nkinds);
	char *save = NULL, *tok;

	o->backends[o->nbackends++] = "evp";
	if (list == NULL) {
		for (size_t i = 0; i < nkinds && o->nbackends < MAX_BACKENDS; i++)
			if (strcmp(kinds[i]->name, "evp") != 0)
				o->backends[o->nbackends++] = kinds[i]->name;
	} else {
		snprintf(o->list, sizeof(o->list), "%s", list);
		for (tok = strtok_r(o->list, ",", &save); tok && o->nbackends < MAX_BACKENDS;
		     tok = strtok_r(NULL, ",", &save))
			if (strcmp(tok, "evp") != 0 && strcmp(tok, "openssl_raw") != 0)
				o->backends[o->nbackends++] = tok;
	}
	for (size_t i = 1; i < o->nbackends; i++) {
		struct sg_backend *b = NULL;
		struct sg_error err;

		if (sg_backend_open(o->backends[i], &b, &err) == SG_OK) {
			sg_backend_close(b);
			continue;
		}
		fprintf(stderr, "signet-bench: skipping %s: %s\n", o->backends[i], err.msg);
		memmove(&o->backends[i], &o->backends[i + 1],
			(o->nbackends - i - 1) * sizeof(o->backends[0]));
		o->nbackends--;
		i--;
	}
}

/* One size: openssl_raw and every backend, o->rounds times in turns; the
 * best round of each goes to out[0..nbackends]. Returns 1 if one failed. */
static int measure_size(const struct crypto_opts *o, const struct size_case *c,
			struct result *out)
{
	int failed = 0;

	for (size_t i = 0; i <= o->nbackends; i++)
		out[i] = (struct result){ .backend = i ? o->backends[i - 1] : "openssl_raw",
					  .size = c, .ok = true };
	for (unsigned round = 0; round < o->rounds; round++) {
		for (size_t i = 0; i <= o->nbackends; i++) {
			struct result r = out[i];

			if (!out[i].ok)
				continue;
			if (i == 0)
				measure_raw(c, o->seconds, &r);
			else
				measure_backend(o->backends[i - 1], c, o->seconds, &r);
			if (!r.ok || r.signs_per_s > out[i].signs_per_s)
				out[i] = r;
			failed |= !r.ok;
		}
	}
	return failed;
}

static double evp_rate(const struct result *all, size_t n, const struct size_case *c)
{
	for (size_t i = 0; i < n; i++)
		if (all[i].size == c && strcmp(all[i].backend, "evp") == 0 && all[i].ok)
			return all[i].signs_per_s;
	return 0;
}

static void print_results(const struct result *all, size_t n, bool json, unsigned rounds,
			  int cpu)
{
	if (!json)
		printf("%-18s %-16s %12s %8s %14s %6s\n", "backend", "key", "signs/s", "x evp",
		       "signs/cpu-s", "cpu%");
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &all[i];
		double evp = evp_rate(all, n, r->size);

		if (!r->ok)
			continue;
		if (!json) {
			printf("%-18s %-16s %12.1f %8.2f %14.1f %6.1f\n", r->backend,
			       r->size->label, r->signs_per_s, evp > 0 ? r->signs_per_s / evp : 0,
			       r->cpu_seconds > 0 ? (double)r->signs / r->cpu_seconds : 0,
			       100 * r->cpu_seconds / r->seconds);
			continue;
		}
		printf("{\"bench\":\"crypto\",\"backend\":\"%s\",\"alg\":\"%s\",\"bits\":%u,"
		       "\"signs_per_s\":%.1f,\"ratio_to_evp\":", r->backend,
		       sg_alg_name(r->size->alg), r->size->bits, r->signs_per_s);
		if (evp > 0)
			printf("%.3f", r->signs_per_s / evp);
		else
			printf("null");
		printf(",\"signs\":%llu,\"seconds\":%.4f,\"signs_per_cpu_s\":%.1f,"
		       "\"cpu_share\":%.3f,\"rounds\":%u,\"cpu\":%d}\n", r->signs, r->seconds,
		       r->cpu_seconds > 0 ? (double)r->signs / r->cpu_seconds : 0,
		       r->cpu_seconds / r->seconds, rounds, cpu);
	}
}

static int parse_crypto(int argc, char **argv, struct crypto_opts *o, const char **list)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "backends", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->seconds = 2.0;
	o->rounds = 3;
	*list = NULL;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'j') {
			o->json = true;
		} else if (c == 's' && bench_parse_seconds(optarg, &o->seconds)) {
			continue;
		} else if (c == 'r' && strspn(optarg, "0123456789") == strlen(optarg) &&
			   strlen(optarg) <= 3 && atoi(optarg) >= 1) {
			o->rounds = (unsigned)atoi(optarg);
		} else if (c == 'b' && strlen(optarg) < sizeof(o->list)) {
			*list = optarg;
		} else {
			fprintf(stderr, "usage: signet-bench %s\n", bench_crypto.usage);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: signet-bench %s\n", bench_crypto.usage);
		return 2;
	}
	return 0;
}

static int run_crypto(int argc, char **argv)
{
	struct size_case sizes[NSIZES] = {
		{ "rsa-sha256/1024", SG_ALG_RSA_SHA256, 1024, NULL, NULL },
		{ "rsa-sha256/2048", SG_ALG_RSA_SHA256, 2048, NULL, NULL },
		{ "rsa-sha256/3072", SG_ALG_RSA_SHA256, 3072, NULL, NULL },
		{ "rsa-sha256/4096", SG_ALG_RSA_SHA256, 4096, NULL, NULL },
		{ "ed25519-sha256", SG_ALG_ED25519_SHA256, 256, NULL, NULL },
	};
	struct result results[NSIZES * (MAX_BACKENDS + 1)];
	struct crypto_opts o;
	const char *list;
	size_t n = 0;
	int cpu, rc = parse_crypto(argc, argv, &o, &list);

	if (rc != 0)
		return rc;
	cpu = bench_pin_one_core();
	if (cpu < 0)
		fprintf(stderr, "signet-bench: cannot pin to one CPU; figures may mix cores\n");
	choose_backends(&o, list);
	for (size_t s = 0; s < NSIZES && rc == 0; s++) {
		if (!make_key(&sizes[s])) {
			fprintf(stderr, "signet-bench: cannot make the %s key\n", sizes[s].label);
			rc = 1;
			break;
		}
		rc |= measure_size(&o, &sizes[s], &results[n]);
		n += o.nbackends + 1;
	}
	print_results(results, n, o.json, o.rounds, cpu);
	for (size_t s = 0; s < NSIZES; s++) {
		sg_privkey_free(sizes[s].key);
		EVP_PKEY_free(sizes[s].pkey);
	}
	return rc;
}
