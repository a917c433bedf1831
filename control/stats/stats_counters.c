/*
 * NAME
 *   stats_counters.c - sums, histogram buckets and quantiles, name checks,
 *                      sorted rows (stats_internal.h)
 *
 * SUMMARY
 *   Saturating sums of struct sg_counters; the latency buckets (bound(b) =
 *   16 * 4^b microseconds, the last one open); quantiles estimated from the
 *   histogram the way Prometheus' histogram_quantile does (linear inside
 *   the bucket, the open bucket answers its lower bound); the check of a
 *   domain or selector name; the rows in report order.
 *
 * UNTRUSTED INPUT
 *   Counter values and names from pushes (any 64-bit value, any bytes).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_internal.h"

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void sg_counters_add(struct sg_counters *a, const struct sg_counters *b)
{
	a->processed = sat_add(a->processed, b->processed);
	a->signed_ok = sat_add(a->signed_ok, b->signed_ok);
	a->failed = sat_add(a->failed, b->failed);
	for (size_t i = 0; i < SG_SKIP_REASONS; i++)
		a->skipped[i] = sat_add(a->skipped[i], b->skipped[i]);
	a->bytes = sat_add(a->bytes, b->bytes);
	a->sign_ns = sat_add(a->sign_ns, b->sign_ns);
	for (size_t i = 0; i < SG_STATS_BUCKETS; i++)
		a->latency[i] = sat_add(a->latency[i], b->latency[i]);
}

uint64_t sg_counters_attempts(const struct sg_counters *c)
{
	uint64_t n = 0;

	for (size_t i = 0; i < SG_STATS_BUCKETS; i++)
		n = sat_add(n, c->latency[i]);
	return n;
}

uint64_t sg_stats_bucket_bound_us(size_t b)
{
	if (b >= SG_STATS_BUCKETS - 1)
		return UINT64_MAX;
	return UINT64_C(16) << (2 * b);
}

size_t sg_stats_bucket_of(uint64_t ns)
{
	size_t b = 0;

	/* ns > bound * 1000 without overflow: bounds are below 2^25 us */
	while (b < SG_STATS_BUCKETS - 1 && ns > sg_stats_bucket_bound_us(b) * 1000)
		b++;
	return b;
}

uint64_t sg_counters_quantile_us(const struct sg_counters *c, unsigned per_mille)
{
	uint64_t total = sg_counters_attempts(c);
	double rank, below = 0;

	if (total == 0)
		return 0;
	rank = (double)total * per_mille / 1000.0;
	for (size_t b = 0; b < SG_STATS_BUCKETS; b++) {
		double lower = b == 0 ? 0 : (double)sg_stats_bucket_bound_us(b - 1);
		double n = (double)c->latency[b];

		if (n == 0 || below + n < rank) {
			below += n;
			continue;
		}
		if (b == SG_STATS_BUCKETS - 1)
			return (uint64_t)lower;
		return (uint64_t)(lower + ((double)sg_stats_bucket_bound_us(b) - lower) *
					  (rank - below) / n + 0.5);
	}
	return sg_stats_bucket_bound_us(SG_STATS_BUCKETS - 2);
}

uint64_t sg_counters_mean_us(const struct sg_counters *c)
{
	uint64_t n = sg_counters_attempts(c);

	return n == 0 ? 0 : c->sign_ns / n / 1000;
}

/* Length of the UTF-8 sequence at p (at most left bytes), 0 if invalid:
 * no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

bool sg_stats_name_ok(const char *name, size_t cap, char *why, size_t why_cap)
{
	const unsigned char *p = (const unsigned char *)name;
	const char *nul = memchr(name, '\0', cap);
	size_t len, i = 0;

	if (nul == NULL) {
		snprintf(why, why_cap, "not terminated within %zu bytes", cap);
		return false;
	}
	len = (size_t)(nul - name);
	if (strcmp(name, SG_STATS_OTHER) == 0) {
		snprintf(why, why_cap, "\"%s\" is reserved for the overflow rows", SG_STATS_OTHER);
		return false;
	}
	while (i < len) {
		size_t n;

		if (p[i] <= 0x20 || p[i] == 0x7f) {
			snprintf(why, why_cap, "byte 0x%02x at offset %zu is a control byte or space",
				 p[i], i);
			return false;
		}
		n = utf8_seq(p + i, len - i);
		if (n == 0) {
			snprintf(why, why_cap, "invalid UTF-8 at offset %zu (byte 0x%02x)", i, p[i]);
			return false;
		}
		i += n;
	}
	return true;
}

static int row_cmp(const void *a, const void *b)
{
	const struct sg_stats_row *x = *(const struct sg_stats_row *const *)a;
	const struct sg_stats_row *y = *(const struct sg_stats_row *const *)b;
	int c = strcmp(x->domain, y->domain);

	if (c == 0)
		c = strcmp(x->selector, y->selector);
	if (c == 0)
		c = (int)x->kind - (int)y->kind;
	return c;
}

enum sg_err sg_stats_sorted_rows(const struct sg_stats *s, const struct sg_stats_row ***out,
				 size_t *n)
{
	const struct sg_stats_row **v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	v = malloc((s->nrows + SG_STATS_KINDS + 1) * sizeof(*v));
	if (v == NULL)
		return SG_E_NOMEM;
	for (size_t i = 0; i < s->nrows; i++)
		v[k++] = &s->rows[i];
	qsort(v, k, sizeof(*v), row_cmp);
	for (int kind = 0; kind < SG_STATS_KINDS; kind++) {
		if (s->other_used[kind])
			v[k++] = &s->other[kind];
	}
	*out = v;
	*n = k;
	return SG_OK;
}
