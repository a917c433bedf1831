/*
 * NAME
 *   corpus.h - deterministic campaign-style mail for the benchmarks
 *
 * SUMMARY
 *   corpus_message(params, index, out) appends message number index of the
 *   corpus described by params to out: one personalised bulk mail with
 *   CRLF line ends, as a marketing platform hands it to its MTA:
 *     From (one of CORPUS_SENDERS sender domains), To with the recipient's
 *     name, Subject with the first name, Date, Message-ID, MIME-Version,
 *     Reply-To, List-Unsubscribe (mailto + https, folded) and
 *     List-Unsubscribe-Post (RFC 8058 one-click), Feedback-ID, X-Campaign,
 *     Content-Type multipart/alternative (folded boundary parameter);
 *     a text/plain part and a text/html part (tables, styled cells,
 *     personalised tracking links) filled to the message's target size,
 *     with the odd double space and trailing blank of real templates.
 *   Message i depends only on (seed, i, size classes, jitter): any message
 *   can be made alone, in any order, and is byte-identical run after run.
 *   No body line starts with "From " (safe in an mbox stream).
 *
 *   The size distribution is a list of classes "SIZE[:WEIGHT],..." (SIZE
 *   in bytes with an optional K or M suffix, 1024-based; WEIGHT a whole
 *   number, default 1), e.g. the default CORPUS_DEFAULT_SIZES. Message i
 *   picks a class by weight, then a target of SIZE +- jitter_pct percent,
 *   clamped to [CORPUS_MIN_BYTES, CORPUS_MAX_BYTES]. Messages land within
 *   one text line (< 100 bytes) of their target, never below the headers.
 *
 *   corpus_parse_sizes reads a class list into params (false with a reason
 *   naming the bad entry in why); corpus_parse_size reads one SIZE.
 *
 * UNTRUSTED INPUT
 *   The class list (command-line text): bounded to CORPUS_MAX_CLASSES
 *   entries, each size in range, weights 1..1000000.
 */
#ifndef SIGNET_BENCH_CORPUS_H
#define SIGNET_BENCH_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CORPUS_MAX_CLASSES 16
#define CORPUS_MIN_BYTES 2048u
#define CORPUS_MAX_BYTES (16u << 20)
#define CORPUS_SENDERS 5
#define CORPUS_DEFAULT_SIZES "2K:15,4K:25,8K:30,16K:15,64K:10,256K:4,1M:1"

struct corpus_class {
	size_t bytes;
	unsigned weight;
};

struct corpus_params {
	uint64_t seed;
	unsigned jitter_pct;		/* 0..50 */
	size_t nclasses;
	struct corpus_class classes[CORPUS_MAX_CLASSES];
};

/* Defaults: seed 1, jitter 10%, CORPUS_DEFAULT_SIZES. */
void corpus_params_default(struct corpus_params *p);
bool corpus_parse_sizes(const char *text, struct corpus_params *p, char *why, size_t why_cap);
bool corpus_parse_size(const char *text, size_t *bytes);

/* Appends message index to out; false only when out refuses (limit or
 * memory). */
bool corpus_message(const struct corpus_params *p, uint64_t index, struct sg_buf *out);

#endif
