/*
 * NAME
 *   stats_internal.h - the aggregate's layout, shared by the files of
 *                      control/stats/ (private to that folder)
 *
 * SUMMARY
 *   struct sg_counters is one set of sums. struct sg_stats keeps
 *     - rows: one per (kind, domain, selector), in arrival order, found
 *       through an open-addressing index of row numbers keyed by a SipHash
 *       of the key under a per-instance random key (domains come from
 *       message headers: no chosen-collision slowdowns);
 *     - other[kind]: the overflow rows once rows reached max_keys;
 *     - workers: one per worker id (sorted by id), with worker_other for
 *       ids past max_workers;
 *     - total[kind]: the sum of everything of that kind.
 *   sg_stats_sorted_rows gives the rows ordered by domain, selector, kind
 *   for the reports.
 */
#ifndef SIGNET_CONTROL_STATS_INTERNAL_H
#define SIGNET_CONTROL_STATS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "siphash.h"
#include "stats.h"

#define SG_STATS_KINDS 2

struct sg_counters {
	uint64_t processed, signed_ok, failed;
	uint64_t skipped[SG_SKIP_REASONS];
	uint64_t bytes, sign_ns;
	uint64_t latency[SG_STATS_BUCKETS];
};

struct sg_stats_row {
	enum sg_sigkind kind;
	char *domain;			/* lower-cased, malloc'd */
	char *selector;			/* lower-cased, malloc'd */
	uint64_t hash;
	struct sg_counters c;
};

struct sg_stats_worker {
	uint32_t id;
	struct sg_counters c[SG_STATS_KINDS];
};

struct sg_stats {
	struct sg_stats_row *rows;
	size_t nrows, rows_cap, max_keys;
	uint32_t *index;		/* row number + 1; 0 = empty slot */
	size_t index_cap;		/* power of two, or 0 */
	uint64_t hash_key[2];

	struct sg_stats_row other[SG_STATS_KINDS];
	bool other_used[SG_STATS_KINDS];
	uint64_t overflow_deltas;	/* deltas that went to an "(other)" row */

	struct sg_stats_worker *workers;
	size_t nworkers, workers_cap, max_workers;
	struct sg_counters worker_other[SG_STATS_KINDS];
	bool worker_other_used;

	struct sg_counters total[SG_STATS_KINDS];
	uint64_t pushes;		/* STATS_PUSH messages ingested */
	time_t since;			/* creation or last reset */
};

/* Adds b into a, saturating. */
void sg_counters_add(struct sg_counters *a, const struct sg_counters *b);
/* Signing attempts seen by the histogram (sum of the buckets). */
uint64_t sg_counters_attempts(const struct sg_counters *c);
/* Estimated q-quantile (0 < q < 1, in per mille) of the latency in us. */
uint64_t sg_counters_quantile_us(const struct sg_counters *c, unsigned per_mille);
/* Mean signing time in microseconds (0 without attempts). */
uint64_t sg_counters_mean_us(const struct sg_counters *c);

/* Row pointers sorted by domain, selector, kind, then the "(other)" rows
 * that were used; *out is malloc'd (free it), *n its length. */
SG_MUST_CHECK enum sg_err sg_stats_sorted_rows(const struct sg_stats *s,
					       const struct sg_stats_row ***out, size_t *n);

/* The form a domain is kept in: ASCII lower case, no trailing dots
 * (dst as large as src); returns its length. Selectors are only
 * lower-cased. */
size_t sg_stats_fold_domain(char *dst, const char *src);

/* "dkim" / "domainkeys" */
const char *sg_stats_kind_name(enum sg_sigkind k);

#endif
