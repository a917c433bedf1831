/*
 * NAME
 *   dp_stats.h - one worker's signing counters: single writer, read by the
 *                control thread without stopping the worker, pushed to
 *                signet-controld as STATS_PUSH deltas
 *
 * SUMMARY
 *   Each worker owns one struct dp_worker_stats (dp_stats_new, worker id <
 *   2^32). Counters are kept per row (kind, domain, selector) with the
 *   meaning control/stats/stats.h gives them (processed, signed_ok, failed,
 *   skipped by reason, bytes, sign_ns, latency histogram of
 *   SG_STATS_BUCKETS buckets, sums saturating).
 *
 *   The worker (only the worker) records one event per message and kind of
 *   signature examined:
 *     dp_stats_record(w, &(struct dp_stats_event){ kind, domain, selector,
 *                     outcome, skip, bytes, sign_ns })
 *   outcome DP_STATS_SIGNED adds processed, signed_ok, bytes, sign_ns and a
 *   latency sample; DP_STATS_FAILED processed, failed, bytes, sign_ns and a
 *   latency sample; DP_STATS_SKIPPED processed, skipped[skip], bytes.
 *   domain / selector may be "" (no usable From domain, no selector known).
 *   Names longer than SG_STATS_NAME_MAX - 1 bytes, or holding bytes a push
 *   may not carry (control bytes, space, DEL, invalid UTF-8) and the name
 *   "(other)" or DP_STATS_OVERFLOW are recorded under DP_STATS_BAD_NAME.
 *   Once max_rows rows exist, new (kind, domain, selector) triples go to
 *   the row (kind, DP_STATS_OVERFLOW, "").
 *
 *   The control thread (one struct dp_stats_push per worker) builds pushes:
 *     dp_stats_push_build(p, &wire, &entries)  one STATS_PUSH message with
 *         the deltas of up to SG_STATS_PUSH_MAX rows changed since the last
 *         committed push (entries 0: nothing to send, no message built)
 *     send it; on RESULT dp_stats_push_commit(p); on ERROR or a lost
 *         connection nothing: the next build sends those deltas again.
 *     Call build again while it returns entries == SG_STATS_PUSH_MAX.
 *   dp_stats_read(w, kind, domain, selector, &delta) reads one row's totals
 *   and dp_stats_total(w, kind, &delta) the sum of a kind's rows (for
 *   signetd's own summary and for tests); any thread.
 *
 * MECHANISM
 *   Rows sit in an array of max_rows allocated at dp_stats_new and never
 *   move; the worker publishes the row count with release order after a
 *   row's names are written. Each row has a sequence counter (seqlock): the
 *   worker makes it odd, updates the counters (relaxed atomics), makes it
 *   even; a reader retries until it reads the same even value before and
 *   after copying the counters, so every row it reports is consistent. The
 *   worker never waits; rows are 64-byte aligned so two workers' stats
 *   never share a cache line. The worker finds rows through a private
 *   hash index (SipHash with a random key).
 *
 * UNTRUSTED INPUT
 *   Domain and selector names (from mail headers): bounded copies, checked
 *   as above.
 */
#ifndef SIGNET_DATAPLANE_DP_STATS_H
#define SIGNET_DATAPLANE_DP_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "proto.h"
#include "stats.h"
#include "status.h"
#include "types.h"

#define DP_STATS_DEFAULT_ROWS 4096
#define DP_STATS_MAX_ROWS (1u << 20)
#define DP_STATS_OVERFLOW "(worker-overflow)"
#define DP_STATS_BAD_NAME "(unprintable)"

struct dp_worker_stats;
struct dp_stats_push;

enum dp_stats_outcome { DP_STATS_SIGNED, DP_STATS_FAILED, DP_STATS_SKIPPED };

struct dp_stats_event {
	enum sg_sigkind kind;
	const char *domain;		/* NULL = "" */
	const char *selector;		/* NULL = "" */
	enum dp_stats_outcome outcome;
	enum sg_skip_reason skip;	/* DP_STATS_SKIPPED only */
	uint64_t bytes;			/* message bytes */
	uint64_t sign_ns;		/* signing attempt duration */
};

/* max_rows 0 = DP_STATS_DEFAULT_ROWS; at most DP_STATS_MAX_ROWS. */
SG_MUST_CHECK enum sg_err dp_stats_new(uint32_t worker, size_t max_rows,
				       struct dp_worker_stats **out, struct sg_error *err);
/* After its dp_stats_push is freed and the worker stopped. */
void dp_stats_free(struct dp_worker_stats *w);
uint32_t dp_stats_worker(const struct dp_worker_stats *w);

/* Worker thread only. */
void dp_stats_record(struct dp_worker_stats *w, const struct dp_stats_event *ev);

/* Any thread: consistent copies (worker, kind, names and counters filled).
 * dp_stats_read returns false when the row does not exist. */
bool dp_stats_read(const struct dp_worker_stats *w, enum sg_sigkind kind, const char *domain,
		   const char *selector, struct sg_stats_delta *out);
void dp_stats_total(const struct dp_worker_stats *w, enum sg_sigkind kind,
		    struct sg_stats_delta *out);

/* Control thread. */
SG_MUST_CHECK enum sg_err dp_stats_push_new(const struct dp_worker_stats *w,
					    struct dp_stats_push **out, struct sg_error *err);
void dp_stats_push_free(struct dp_stats_push *p);
/* w is initialised here when *entries > 0 (free it with sg_wire_out_free). */
SG_MUST_CHECK enum sg_err dp_stats_push_build(struct dp_stats_push *p, struct sg_wire_out *w,
					      size_t *entries, struct sg_error *err);
void dp_stats_push_commit(struct dp_stats_push *p);

#endif
