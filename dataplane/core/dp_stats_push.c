/*
 * NAME
 *   dp_stats_push.c - STATS_PUSH messages with one worker's deltas since
 *                     the last push signet-controld accepted
 *
 * SUMMARY
 *   The control thread keeps, per row, the counters last committed (base)
 *   and those of the message being sent (pending). dp_stats_push_build
 *   takes a consistent snapshot of each row (stats_row_snapshot), starting
 *   after the rows of the last committed push so that every changed row
 *   gets its turn when more than SG_STATS_PUSH_MAX changed, and encodes the
 *   rows whose counters moved with sg_stats_encode_push.
 *   dp_stats_push_commit makes pending the new base.
 */

/* System library. */
#include <stdlib.h>
#include <string.h>

/* Control plane and dataplane. */
#include "dp_stats_internal.h"

struct dp_stats_push {
	const struct dp_worker_stats *w;
	uint64_t (*base)[STATS_COUNTERS];	/* per row: last committed */
	uint64_t (*pending)[STATS_COUNTERS];	/* per row: in the last build */
	size_t *pending_rows;			/* rows in the last build */
	size_t npending;
	size_t cursor;				/* first row of the next build */
	size_t next_cursor;
	struct sg_stats_delta *deltas;		/* SG_STATS_PUSH_MAX */
};

enum sg_err dp_stats_push_new(const struct dp_worker_stats *w, struct dp_stats_push **out,
			      struct sg_error *err)
{
	struct dp_stats_push *p = calloc(1, sizeof(*p));
	size_t rows = w->max_rows + 2;

	*out = NULL;
	if (p == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	p->w = w;
	p->base = calloc(rows, sizeof(*p->base));
	p->pending = calloc(rows, sizeof(*p->pending));
	p->pending_rows = calloc(SG_STATS_PUSH_MAX, sizeof(*p->pending_rows));
	p->deltas = calloc(SG_STATS_PUSH_MAX, sizeof(*p->deltas));
	if (p->base == NULL || p->pending == NULL || p->pending_rows == NULL ||
	    p->deltas == NULL) {
		dp_stats_push_free(p);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	*out = p;
	return SG_OK;
}

void dp_stats_push_free(struct dp_stats_push *p)
{
	if (p == NULL)
		return;
	free(p->base);
	free(p->pending);
	free(p->pending_rows);
	free(p->deltas);
	free(p);
}

/* now - base into d (counters only); false when nothing moved. */
static bool delta_of(const uint64_t *now, const uint64_t *base, uint64_t *d)
{
	bool moved = false;

	for (size_t i = 0; i < STATS_COUNTERS; i++) {
		d[i] = now[i] > base[i] ? now[i] - base[i] : 0;
		moved |= d[i] != 0;
	}
	return moved;
}

enum sg_err dp_stats_push_build(struct dp_stats_push *p, struct sg_wire_out *w,
				size_t *entries, struct sg_error *err)
{
	size_t n = stats_rows(p->w), i = 0;
	uint64_t d[STATS_COUNTERS];
	enum sg_err rc;

	*entries = 0;
	p->npending = 0;
	for (; i < n && p->npending < SG_STATS_PUSH_MAX; i++) {
		size_t row = (p->cursor + i) % n;
		const struct stats_row *r = &p->w->rows[row];

		stats_row_snapshot(r, p->pending[row]);
		if (!delta_of(p->pending[row], p->base[row], d))
			continue;
		stats_delta_fill(p->w, r, d, &p->deltas[p->npending]);
		p->pending_rows[p->npending++] = row;
	}
	p->next_cursor = n ? (p->cursor + i) % n : 0;
	if (p->npending == 0)
		return SG_OK;
	rc = sg_stats_encode_push(p->deltas, p->npending, w);
	if (rc != SG_OK) {
		p->npending = 0;
		return sg_error_set(err, rc, 0, 0, "cannot encode the statistics of worker %u: %s",
				    p->w->worker, sg_err_name(rc));
	}
	*entries = p->npending;
	return SG_OK;
}

void dp_stats_push_commit(struct dp_stats_push *p)
{
	for (size_t i = 0; i < p->npending; i++) {
		size_t row = p->pending_rows[i];

		memcpy(p->base[row], p->pending[row], sizeof(p->base[row]));
	}
	p->npending = 0;
	p->cursor = p->next_cursor;
}
