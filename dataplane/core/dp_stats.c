/*
 * NAME
 *   dp_stats.c - per-worker signing counters: the worker's single-writer
 *                updates and consistent reads from any thread
 *
 * SUMMARY
 *   See dp_stats.h (MECHANISM). dp_stats_record finds or adds the row of
 *   (kind, domain, selector) through the worker's private index, then
 *   updates its counters inside one seqlock write section.
 *
 * UNTRUSTED INPUT
 *   Names from mail headers: checked with sg_stats_name_ok (the rules of a
 *   STATS_PUSH), otherwise recorded as DP_STATS_BAD_NAME.
 */

/* System library. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Control plane and dataplane. */
#include "dp_stats_internal.h"
#include "siphash.h"
#include "stats.h"

#define SNAPSHOT_SPINS 1000

static size_t index_cap_for(size_t rows)
{
	size_t cap = 16;

	while (cap < rows * 2)
		cap *= 2;
	return cap;
}

enum sg_err dp_stats_new(uint32_t worker, size_t max_rows, struct dp_worker_stats **out,
			 struct sg_error *err)
{
	struct dp_worker_stats *w;

	*out = NULL;
	if (max_rows == 0)
		max_rows = DP_STATS_DEFAULT_ROWS;
	if (max_rows > DP_STATS_MAX_ROWS)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "%zu statistics rows; at most %u",
				    max_rows, DP_STATS_MAX_ROWS);
	w = aligned_alloc(64, sizeof(*w));
	if (w == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	memset(w, 0, sizeof(*w));
	w->worker = worker;
	w->max_rows = max_rows;
	atomic_init(&w->nrows, 0);
	w->index_cap = index_cap_for(max_rows + 2);
	w->index = calloc(w->index_cap, sizeof(*w->index));
	w->rows = aligned_alloc(64, (max_rows + 2) * sizeof(*w->rows));
	if (w->index == NULL || w->rows == NULL) {
		dp_stats_free(w);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	if (getrandom(w->hash_key, sizeof(w->hash_key), 0) != (ssize_t)sizeof(w->hash_key)) {
		dp_stats_free(w);
		return sg_error_set(err, SG_E_IO, 0, 0, "getrandom: %s", strerror(errno));
	}
	*out = w;
	return SG_OK;
}

void dp_stats_free(struct dp_worker_stats *w)
{
	if (w == NULL)
		return;
	free(w->index);
	free(w->rows);
	free(w);
}

uint32_t dp_stats_worker(const struct dp_worker_stats *w)
{
	return w->worker;
}

size_t stats_rows(const struct dp_worker_stats *w)
{
	return atomic_load_explicit(&w->nrows, memory_order_acquire);
}

static uint64_t row_hash(const struct dp_worker_stats *w, enum sg_sigkind kind,
			 const char *domain, const char *selector)
{
	char buf[2 * SG_STATS_NAME_MAX + 2];
	int n = snprintf(buf, sizeof(buf), "%d%s/%s", (int)kind, domain, selector);

	return sg_siphash(w->hash_key, buf, n > 0 ? (size_t)n : 0);
}

static bool row_is(const struct stats_row *r, enum sg_sigkind kind, const char *domain,
		   const char *selector)
{
	return r->kind == kind && strcmp(r->domain, domain) == 0 &&
	       strcmp(r->selector, selector) == 0;
}

/* Publishes a new row at index slot pos (worker only). */
static struct stats_row *row_add(struct dp_worker_stats *w, size_t pos, enum sg_sigkind kind,
				 const char *domain, const char *selector)
{
	size_t n = atomic_load_explicit(&w->nrows, memory_order_relaxed);
	struct stats_row *r = &w->rows[n];

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	snprintf(r->selector, sizeof(r->selector), "%s", selector);
	for (size_t i = 0; i < STATS_COUNTERS; i++)
		atomic_init(&r->c[i], 0);
	atomic_init(&r->seq, 0);
	w->index[pos] = (uint32_t)n + 1;
	atomic_store_explicit(&w->nrows, n + 1, memory_order_release);
	return r;
}

static struct stats_row *row_find(struct dp_worker_stats *w, enum sg_sigkind kind,
				  const char *domain, const char *selector)
{
	size_t mask = w->index_cap - 1, i = row_hash(w, kind, domain, selector) & mask;

	for (; w->index[i] != 0; i = (i + 1) & mask) {
		struct stats_row *r = &w->rows[w->index[i] - 1];

		if (row_is(r, kind, domain, selector))
			return r;
	}
	if (atomic_load_explicit(&w->nrows, memory_order_relaxed) < w->max_rows ||
	    strcmp(domain, DP_STATS_OVERFLOW) == 0)
		return row_add(w, i, kind, domain, selector);
	return row_find(w, kind, DP_STATS_OVERFLOW, "");
}

static const char *usable(const char *name)
{
	char why[8];

	if (name == NULL)
		return "";
	if (!sg_stats_name_ok(name, strnlen(name, SG_STATS_NAME_MAX) + 1, why, sizeof(why)) ||
	    strnlen(name, SG_STATS_NAME_MAX) >= SG_STATS_NAME_MAX ||
	    strcmp(name, DP_STATS_OVERFLOW) == 0)
		return DP_STATS_BAD_NAME;
	return name;
}

static void add(struct stats_row *r, size_t i, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(&r->c[i], memory_order_relaxed);

	atomic_store_explicit(&r->c[i], cur > UINT64_MAX - v ? UINT64_MAX : cur + v,
			      memory_order_relaxed);
}

void dp_stats_record(struct dp_worker_stats *w, const struct dp_stats_event *ev)
{
	enum sg_sigkind kind = ev->kind == SG_KIND_DOMAINKEYS ? SG_KIND_DOMAINKEYS : SG_KIND_DKIM;
	struct stats_row *r = row_find(w, kind, usable(ev->domain), usable(ev->selector));
	uint64_t seq = atomic_load_explicit(&r->seq, memory_order_relaxed);

	atomic_store_explicit(&r->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	add(r, C_PROCESSED, 1);
	add(r, C_BYTES, ev->bytes);
	if (ev->outcome == DP_STATS_SKIPPED) {
		add(r, C_SKIPPED + (ev->skip < SG_SKIP_REASONS ? ev->skip : SG_SKIP_NO_KEY), 1);
	} else {
		add(r, ev->outcome == DP_STATS_SIGNED ? C_SIGNED : C_FAILED, 1);
		add(r, C_SIGN_NS, ev->sign_ns);
		add(r, C_LATENCY + sg_stats_bucket_of(ev->sign_ns), 1);
	}
	atomic_store_explicit(&r->seq, seq + 2, memory_order_release);
}

void stats_row_snapshot(const struct stats_row *r, uint64_t *c)
{
	for (unsigned spins = 0;; spins++) {
		uint64_t before = atomic_load_explicit(&r->seq, memory_order_acquire), after;

		for (size_t i = 0; i < STATS_COUNTERS; i++)
			c[i] = atomic_load_explicit(&r->c[i], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		after = atomic_load_explicit(&r->seq, memory_order_relaxed);
		if (before == after && (before & 1) == 0)
			return;
		if (spins >= SNAPSHOT_SPINS)
			sched_yield();
	}
}

void stats_delta_fill(const struct dp_worker_stats *w, const struct stats_row *r,
		      const uint64_t *c, struct sg_stats_delta *out)
{
	memset(out, 0, sizeof(*out));
	out->worker = w->worker;
	out->kind = r->kind;
	snprintf(out->domain, sizeof(out->domain), "%s", r->domain);
	snprintf(out->selector, sizeof(out->selector), "%s", r->selector);
	out->processed = c[C_PROCESSED];
	out->signed_ok = c[C_SIGNED];
	out->failed = c[C_FAILED];
	for (size_t i = 0; i < SG_SKIP_REASONS; i++)
		out->skipped[i] = c[C_SKIPPED + i];
	out->bytes = c[C_BYTES];
	out->sign_ns = c[C_SIGN_NS];
	for (size_t i = 0; i < SG_STATS_BUCKETS; i++)
		out->latency[i] = c[C_LATENCY + i];
}

bool dp_stats_read(const struct dp_worker_stats *w, enum sg_sigkind kind, const char *domain,
		   const char *selector, struct sg_stats_delta *out)
{
	size_t n = stats_rows(w);
	uint64_t c[STATS_COUNTERS];

	for (size_t i = 0; i < n; i++) {
		const struct stats_row *r = &w->rows[i];

		if (row_is(r, kind, domain ? domain : "", selector ? selector : "")) {
			stats_row_snapshot(r, c);
			stats_delta_fill(w, r, c, out);
			return true;
		}
	}
	return false;
}

void dp_stats_total(const struct dp_worker_stats *w, enum sg_sigkind kind,
		    struct sg_stats_delta *out)
{
	size_t n = stats_rows(w);
	uint64_t c[STATS_COUNTERS], sum[STATS_COUNTERS] = { 0 };
	struct stats_row total = { .kind = kind };

	for (size_t i = 0; i < n; i++) {
		if (w->rows[i].kind != kind)
			continue;
		stats_row_snapshot(&w->rows[i], c);
		for (size_t j = 0; j < STATS_COUNTERS; j++)
			sum[j] = sum[j] > UINT64_MAX - c[j] ? UINT64_MAX : sum[j] + c[j];
	}
	stats_delta_fill(w, &total, sum, out);
}
