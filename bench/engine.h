/*
 * NAME
 *   engine.h - the parts of "signet-bench engine" (whole-message signing,
 *              signet against OpenDKIM) and what they share
 *
 * SUMMARY
 *   bench_engine.c reads the options, loads or generates the corpora and
 *   runs every measurement in turns; the signers live in their own files:
 *     engine_signet.c    signet's engine through one backend, in flight up
 *                        to the backend's capacity (batching backends fill
 *                        their lanes); also the backend's raw sign rate
 *     engine_opendkim.c  libopendkim, one message at a time as the milter
 *                        drives it (engine_opendkim_none.c when the library
 *                        was not found at configure time)
 *     engine_raw.c       OpenSSL alone: EVP_PKEY_sign in a loop
 *     engine_verify.c    the correctness guard: signet's verifier on a
 *                        signed message, key from the run's DNS record
 *   Every signer is a struct engine_signer: step() does a little work and
 *   counts what completed; drain() completes what is still in flight.
 *   engine_measure() times one signer: a warm-up of a tenth of the time,
 *   drained and not counted, then steps until the time is up, drained and
 *   counted, with the calling thread's CPU time.
 *
 *   All signers use the same key, d=, s=, relaxed/relaxed canonicalization,
 *   rsa-sha256, the same header fields (ENGINE_HEADERS, each signed when
 *   present) and the same t= (struct engine_setup).
 *
 * UNTRUSTED INPUT
 *   Corpus messages read from files (bench_engine.c bounds their size);
 *   they are only handed to the signers and the verifier, which parse them.
 */
#ifndef SIGNET_BENCH_ENGINE_H
#define SIGNET_BENCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "canon.h"
#include "corpus.h"
#include "key.h"

#define ENGINE_DOMAIN "bench.example"
#define ENGINE_SELECTOR "bench"
/* Signed when present, once (signet: "name?"; OpenDKIM: every copy, and the
 * corpus has one of each). */
#define ENGINE_HEADERS "From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:" \
		       "Reply-To:List-Unsubscribe:List-Unsubscribe-Post"
#define ENGINE_WHY_MAX 512

struct engine_corpus {
	const char *label;		/* size class: "corpus", "2K", "1M", ... */
	size_t count;
	char **msgs;			/* CRLF messages */
	size_t *lens;
	uint64_t bytes;			/* all messages */
};

struct engine_setup {
	struct sg_privkey *key;
	const char *key_pem;		/* the same key, PKCS#8 PEM (OpenDKIM, OpenSSL) */
	size_t key_pem_len;
	const char *record;		/* its DKIM TXT record, for the verifier */
	int64_t timestamp;		/* t= of every signature */
	const struct sg_canon_kernels *kernels;	/* signet's body scan kernels, NULL:
						 * the engine's built-in scanners */
	const char *simd;		/* their name: scalar, avx2, avx512, builtin */
	struct sg_buf pem_buf, record_buf;	/* own key_pem and record */
};

/* engine_corpus.c: corpora and the key (see there). */
bool engine_corpus_generate(struct engine_corpus *c, const char *label,
			    const struct corpus_params *p, size_t n, char *why);
bool engine_corpus_load(struct engine_corpus *c, const char *dir, char *why);
void engine_corpus_free(struct engine_corpus *c);
/* keyfile NULL: a new RSA-2048 key. */
bool engine_setup_init(struct engine_setup *s, const char *keyfile, int64_t now, char *why);
void engine_setup_free(struct engine_setup *s);

struct engine_count {
	unsigned long long msgs;	/* messages signed (raw signers: signatures) */
	unsigned long long bytes;	/* message bytes signed */
};

struct engine_signer {
	void *ctx;
	bool (*step)(void *ctx, struct engine_count *done, char *why);
	bool (*drain)(void *ctx, struct engine_count *done, char *why);
};

struct engine_timing {
	struct engine_count count;
	double seconds;			/* wall clock of the counted part */
	double cpu_seconds;		/* CPU time of this thread in it */
};

/* One line of the output: the best round of one signer on one corpus. */
struct engine_result {
	char who[40];			/* signet-evp, opendkim, raw-openssl, ... */
	char backend[32];		/* the kind that signed (auto -> ifma), opendkim,
					 * openssl */
	const struct engine_corpus *corpus;	/* NULL: raw signatures */
	struct engine_timing best;
	struct sg_backend_stats stats;	/* signet pipelines: whole lifetime */
	bool ok;
};

struct engine_report_info {
	bool json;
	unsigned rounds;
	int cpu;
	unsigned key_bits;
	const char *simd;		/* body scan kernels of the signet lines */
	size_t checked;			/* messages verified per signer and corpus */
};

/* engine_report.c: JSON lines or a table of all results (ratios within the
 * run: to opendkim on the same corpus, to the raw rate of the same
 * backend). */
void engine_report(const struct engine_result *all, size_t n,
		   const struct engine_report_info *info);

/* Times s for seconds (see SUMMARY); false with why when a step failed. */
bool engine_measure(const struct engine_signer *s, double seconds, struct engine_timing *t,
		    char *why);

/* engine_signet.c. corpus NULL: the backend's raw rate (a fixed digest). */
struct engine_pipeline;
struct engine_pipeline *engine_pipeline_new(const char *spec, const struct engine_setup *setup,
					    const struct engine_corpus *corpus, char *why);
void engine_pipeline_free(struct engine_pipeline *p);
struct engine_signer engine_pipeline_signer(struct engine_pipeline *p);
const char *engine_pipeline_backend(const struct engine_pipeline *p);	/* kind chosen */
void engine_pipeline_stats(const struct engine_pipeline *p, struct sg_backend_stats *out);
/* Signs messages 0..n-1 and checks each with engine_verify_message. */
bool engine_pipeline_check(struct engine_pipeline *p, size_t n, char *why);

/* engine_opendkim.c (or engine_opendkim_none.c). */
struct engine_opendkim;
bool engine_opendkim_built(void);
struct engine_opendkim *engine_opendkim_new(const struct engine_setup *setup,
					    const struct engine_corpus *corpus, char *why);
void engine_opendkim_free(struct engine_opendkim *o);
struct engine_signer engine_opendkim_signer(struct engine_opendkim *o);
bool engine_opendkim_check(struct engine_opendkim *o, size_t n, char *why);

/* engine_raw.c: OpenSSL's RSA sign of a fixed SHA-256 digest. */
struct engine_raw;
struct engine_raw *engine_raw_new(const struct engine_setup *setup, char *why);
void engine_raw_free(struct engine_raw *r);
struct engine_signer engine_raw_signer(struct engine_raw *r);

/* engine_verify.c: sig_header ("DKIM-Signature: ...\r\n") on top of msg must
 * give exactly one signature, and it must pass. */
bool engine_verify_message(const struct engine_setup *setup, const char *sig_header,
			   size_t sig_len, const char *msg, size_t msg_len, char *why);

#endif
