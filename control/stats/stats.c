/*
 * NAME
 *   stats.c - the signing statistics aggregate (stats.h, stats_internal.h)
 *
 * SUMMARY
 *   sg_stats_add folds one delta into its (kind, domain, selector) row, its
 *   worker row and the kind's total. Rows are found through an
 *   open-addressing index (linear probing, at most half full, SipHash keyed
 *   per instance) and never exceed max_keys: past it, new keys go to the
 *   kind's "(other)" row. sg_stats_reset drops everything. The counter
 *   helpers (sums, quantiles from the histogram) are in stats_counters.c.
 *
 * UNTRUSTED INPUT
 *   Deltas (their names come from message headers via signetd): every name
 *   is checked by sg_stats_name_ok before use; the tables are bounded.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "stats_internal.h"

static char other_name[] = SG_STATS_OTHER;

static void random_key(uint64_t key[2])
{
	struct timespec ts;

	if (getrandom(key, 2 * sizeof(key[0]), GRND_NONBLOCK) == (ssize_t)(2 * sizeof(key[0])))
		return;
	/* No entropy yet (early boot): still unpredictable enough to a sender. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	key[0] = (uint64_t)ts.tv_nsec * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)(uintptr_t)key;
	key[1] = (uint64_t)ts.tv_sec ^ (uint64_t)time(NULL) << 20;
}

static void init_other_rows(struct sg_stats *s)
{
	for (int k = 0; k < SG_STATS_KINDS; k++) {
		memset(&s->other[k], 0, sizeof(s->other[k]));
		s->other[k].kind = (enum sg_sigkind)k;
		s->other[k].domain = other_name;
		s->other[k].selector = other_name;
		s->other_used[k] = false;
	}
}

enum sg_err sg_stats_new(struct sg_stats **out)
{
	struct sg_stats *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return SG_E_NOMEM;
	s->max_keys = SG_STATS_MAX_KEYS;
	s->max_workers = SG_STATS_MAX_WORKERS;
	random_key(s->hash_key);
	init_other_rows(s);
	s->since = time(NULL);
	*out = s;
	return SG_OK;
}

static void drop_rows(struct sg_stats *s)
{
	for (size_t i = 0; i < s->nrows; i++)
		free(s->rows[i].domain);	/* selector shares this allocation */
	free(s->rows);
	free(s->index);
	free(s->workers);
	s->rows = NULL;
	s->nrows = s->rows_cap = 0;
	s->index = NULL;
	s->index_cap = 0;
	s->workers = NULL;
	s->nworkers = s->workers_cap = 0;
}

void sg_stats_free(struct sg_stats *s)
{
	if (s == NULL)
		return;
	drop_rows(s);
	free(s);
}

void sg_stats_set_limits(struct sg_stats *s, size_t max_keys, size_t max_workers)
{
	if (max_keys > 0)
		s->max_keys = max_keys < UINT32_MAX / 4 ? max_keys : UINT32_MAX / 4;
	if (max_workers > 0)
		s->max_workers = max_workers;
}

void sg_stats_reset(struct sg_stats *s)
{
	drop_rows(s);
	init_other_rows(s);
	memset(s->worker_other, 0, sizeof(s->worker_other));
	s->worker_other_used = false;
	memset(s->total, 0, sizeof(s->total));
	s->overflow_deltas = 0;
	s->pushes = 0;
	random_key(s->hash_key);
	s->since = time(NULL);
}

const char *sg_stats_kind_name(enum sg_sigkind k)
{
	return k == SG_KIND_DOMAINKEYS ? "domainkeys" : "dkim";
}

/* ---- the (kind, domain, selector) index ---- */

struct row_key {
	enum sg_sigkind kind;
	char domain[SG_STATS_NAME_MAX];
	char selector[SG_STATS_NAME_MAX];
	size_t dlen, slen;
};

static uint64_t key_hash(const struct sg_stats *s, const struct row_key *k)
{
	/* kind, domain, NUL, selector: unambiguous since names have no NUL */
	char buf[1 + 2 * SG_STATS_NAME_MAX];

	buf[0] = (char)('0' + k->kind);
	memcpy(buf + 1, k->domain, k->dlen + 1);
	memcpy(buf + 2 + k->dlen, k->selector, k->slen);
	return sg_siphash(s->hash_key, buf, 2 + k->dlen + k->slen);
}

static bool row_matches(const struct sg_stats_row *r, uint64_t h, const struct row_key *k)
{
	return r->hash == h && r->kind == k->kind && strcmp(r->domain, k->domain) == 0 &&
	       strcmp(r->selector, k->selector) == 0;
}

/* The slot holding the key, or the empty slot where it would go. */
static size_t index_slot(const struct sg_stats *s, uint64_t h, const struct row_key *k)
{
	size_t mask = s->index_cap - 1;
	size_t i = (size_t)h & mask;

	while (s->index[i] != 0 && !row_matches(&s->rows[s->index[i] - 1], h, k))
		i = (i + 1) & mask;
	return i;
}

static enum sg_err index_grow(struct sg_stats *s)
{
	size_t cap = s->index_cap ? s->index_cap * 2 : 64;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (idx == NULL)
		return SG_E_NOMEM;
	for (size_t r = 0; r < s->nrows; r++) {
		size_t i = (size_t)s->rows[r].hash & (cap - 1);

		while (idx[i] != 0)
			i = (i + 1) & (cap - 1);
		idx[i] = (uint32_t)(r + 1);
	}
	free(s->index);
	s->index = idx;
	s->index_cap = cap;
	return SG_OK;
}

static enum sg_err rows_reserve(struct sg_stats *s)
{
	size_t cap;
	struct sg_stats_row *rows;

	if (s->nrows < s->rows_cap)
		return SG_OK;
	cap = s->rows_cap ? s->rows_cap * 2 : 32;
	if (cap > s->max_keys)
		cap = s->max_keys;
	rows = realloc(s->rows, cap * sizeof(*rows));
	if (rows == NULL)
		return SG_E_NOMEM;
	s->rows = rows;
	s->rows_cap = cap;
	return SG_OK;
}

static enum sg_err row_append(struct sg_stats *s, uint64_t h, const struct row_key *k)
{
	struct sg_stats_row *r;
	char *names;
	enum sg_err rc = rows_reserve(s);

	if (rc != SG_OK)
		return rc;
	names = malloc(k->dlen + k->slen + 2);
	if (names == NULL)
		return SG_E_NOMEM;
	memcpy(names, k->domain, k->dlen + 1);
	memcpy(names + k->dlen + 1, k->selector, k->slen + 1);
	r = &s->rows[s->nrows++];
	memset(r, 0, sizeof(*r));
	r->kind = k->kind;
	r->domain = names;
	r->selector = names + k->dlen + 1;
	r->hash = h;
	return SG_OK;
}

/* The row of key k: found, created, or the kind's overflow row. */
static enum sg_err find_row(struct sg_stats *s, const struct row_key *k,
			    struct sg_stats_row **out)
{
	uint64_t h = key_hash(s, k);
	size_t slot;
	enum sg_err rc;

	if (s->index_cap != 0) {
		slot = index_slot(s, h, k);
		if (s->index[slot] != 0) {
			*out = &s->rows[s->index[slot] - 1];
			return SG_OK;
		}
	}
	if (s->nrows >= s->max_keys) {
		s->other_used[k->kind] = true;
		s->overflow_deltas++;
		*out = &s->other[k->kind];
		return SG_OK;
	}
	if (2 * (s->nrows + 1) > s->index_cap && (rc = index_grow(s)) != SG_OK)
		return rc;
	if ((rc = row_append(s, h, k)) != SG_OK)
		return rc;
	s->index[index_slot(s, h, k)] = (uint32_t)s->nrows;
	*out = &s->rows[s->nrows - 1];
	return SG_OK;
}

/* ---- workers: sorted by id, binary search ---- */

static enum sg_err find_worker(struct sg_stats *s, uint32_t id, struct sg_counters **out)
{
	size_t lo = 0, hi = s->nworkers;
	struct sg_stats_worker *w;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->workers[mid].id == id) {
			*out = s->workers[mid].c;
			return SG_OK;
		}
		if (s->workers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->nworkers >= s->max_workers) {
		s->worker_other_used = true;
		*out = s->worker_other;
		return SG_OK;
	}
	if (s->nworkers == s->workers_cap) {
		size_t cap = s->workers_cap ? s->workers_cap * 2 : 8;

		w = realloc(s->workers, cap * sizeof(*w));
		if (w == NULL)
			return SG_E_NOMEM;
		s->workers = w;
		s->workers_cap = cap;
	}
	memmove(&s->workers[lo + 1], &s->workers[lo], (s->nworkers - lo) * sizeof(*w));
	w = &s->workers[lo];
	memset(w, 0, sizeof(*w));
	w->id = id;
	s->nworkers++;
	*out = w->c;
	return SG_OK;
}

/* ---- adding ---- */

/* Lower-cased copy of src into dst (same size); returns its length. */
static size_t lower_copy(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0'; i++) {
		char c = src[i];

		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	dst[i] = '\0';
	return i;
}

size_t sg_stats_fold_domain(char *dst, const char *src)
{
	size_t n = lower_copy(dst, src);

	while (n > 0 && dst[n - 1] == '.')
		dst[--n] = '\0';
	return n;
}

static void delta_counters(const struct sg_stats_delta *d, struct sg_counters *c)
{
	c->processed = d->processed;
	c->signed_ok = d->signed_ok;
	c->failed = d->failed;
	memcpy(c->skipped, d->skipped, sizeof(c->skipped));
	c->bytes = d->bytes;
	c->sign_ns = d->sign_ns;
	memcpy(c->latency, d->latency, sizeof(c->latency));
}

enum sg_err sg_stats_add(struct sg_stats *s, const struct sg_stats_delta *d)
{
	struct row_key k;
	struct sg_counters c;
	struct sg_stats_row *row;
	struct sg_counters *wc;
	char why[128];
	enum sg_err rc;

	if (d->kind != SG_KIND_DKIM && d->kind != SG_KIND_DOMAINKEYS)
		return SG_E_ARG;
	if (!sg_stats_name_ok(d->domain, sizeof(d->domain), why, sizeof(why)) ||
	    !sg_stats_name_ok(d->selector, sizeof(d->selector), why, sizeof(why)))
		return SG_E_ARG;
	k.kind = d->kind;
	k.dlen = sg_stats_fold_domain(k.domain, d->domain);
	k.slen = lower_copy(k.selector, d->selector);
	/* Both lookups before any sum, so a failure leaves everything as it was. */
	if ((rc = find_row(s, &k, &row)) != SG_OK)
		return rc;
	if ((rc = find_worker(s, d->worker, &wc)) != SG_OK)
		return rc;
	delta_counters(d, &c);
	sg_counters_add(&row->c, &c);
	sg_counters_add(&wc[d->kind], &c);
	sg_counters_add(&s->total[d->kind], &c);
	return SG_OK;
}
