/*
 * NAME
 *   dp_stats_internal.h - the rows behind dp_stats.h, shared by dp_stats.c
 *                         (the worker's writes, reads) and dp_stats_push.c
 *
 * SUMMARY
 *   A row's counters are STATS_COUNTERS relaxed atomics in the order
 *   processed, signed_ok, failed, skipped[SG_SKIP_REASONS], bytes, sign_ns,
 *   latency[SG_STATS_BUCKETS], guarded by the row's sequence counter (see
 *   MECHANISM in dp_stats.h). The array has max_rows + 2 rows: the last two
 *   are kept for the overflow rows of the two kinds.
 */
#ifndef SIGNET_DATAPLANE_DP_STATS_INTERNAL_H
#define SIGNET_DATAPLANE_DP_STATS_INTERNAL_H

#include <stdalign.h>
#include <stdatomic.h>
#include "dp_stats.h"

enum {
	C_PROCESSED,
	C_SIGNED,
	C_FAILED,
	C_SKIPPED,
	C_BYTES = C_SKIPPED + SG_SKIP_REASONS,
	C_SIGN_NS,
	C_LATENCY,
	STATS_COUNTERS = C_LATENCY + SG_STATS_BUCKETS,
};

struct stats_row {
	alignas(64) atomic_uint_fast64_t seq;
	enum sg_sigkind kind;
	char domain[SG_STATS_NAME_MAX];
	char selector[SG_STATS_NAME_MAX];
	atomic_uint_fast64_t c[STATS_COUNTERS];
};

struct dp_worker_stats {
	uint32_t worker;
	size_t max_rows;
	alignas(64) atomic_size_t nrows;	/* published rows */
	/* Worker only: the index (row number + 1, 0 = empty). */
	uint64_t hash_key[2];
	size_t index_cap;
	uint32_t *index;
	struct stats_row *rows;
};

/* A consistent copy of row i's counters. */
void stats_row_snapshot(const struct stats_row *r, uint64_t *c);
size_t stats_rows(const struct dp_worker_stats *w);
/* Fills a delta's header (worker, kind, names) and counters from c. */
void stats_delta_fill(const struct dp_worker_stats *w, const struct stats_row *r,
		      const uint64_t *c, struct sg_stats_delta *out);

#endif
