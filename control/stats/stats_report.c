/*
 * NAME
 *   stats_report.c - the console's view of the statistics: signing_stats,
 *                    signing_stats DOMAIN, signing_stats reset, summary
 *
 * SUMMARY
 *   Tables in the spirit of Momentum's signing_stats: one row per kind for
 *   everything ("all"), then per worker; for a domain, one row per kind and
 *   selector. Every row has the same counters: processed, signed, failed,
 *   skipped by reason, bytes, mean signing time and latency percentiles
 *   (p50/p90/p99, estimated from the histogram, microseconds). Column names
 *   are an interface (signetctl --json keys): change them only with the
 *   docs and the tests.
 *
 * UNTRUSTED INPUT
 *   The DOMAIN argument (matched by the command table, checked again here).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats_internal.h"

#define COUNTER_COLS 11
#define ROW_COLS (2 + COUNTER_COLS)
#define CELL_MAX 32

static const char *const counter_cols[COUNTER_COLS] = {
	"processed", "signed", "failed", "skipped_no_key", "skipped_condition",
	"skipped_disabled", "bytes", "avg_sign_us", "p50_us", "p90_us", "p99_us",
};

static enum sg_err add_columns(struct sg_table *t, const char *first, const char *second)
{
	enum sg_err rc;

	if ((rc = sg_table_column(t, first, SG_COL_TEXT)) != SG_OK ||
	    (rc = sg_table_column(t, second, SG_COL_TEXT)) != SG_OK)
		return rc;
	for (size_t i = 0; i < COUNTER_COLS; i++) {
		if ((rc = sg_table_column(t, counter_cols[i], SG_COL_INT)) != SG_OK)
			return rc;
	}
	return SG_OK;
}

static enum sg_err add_row(struct sg_table *t, const char *first, const char *second,
			   const struct sg_counters *c)
{
	uint64_t v[COUNTER_COLS] = {
		c->processed, c->signed_ok, c->failed, c->skipped[SG_SKIP_NO_KEY],
		c->skipped[SG_SKIP_CONDITION], c->skipped[SG_SKIP_DISABLED], c->bytes,
		sg_counters_mean_us(c), sg_counters_quantile_us(c, 500),
		sg_counters_quantile_us(c, 900), sg_counters_quantile_us(c, 990),
	};
	char cell[COUNTER_COLS][CELL_MAX];
	const char *cells[ROW_COLS] = { first, second };

	for (size_t i = 0; i < COUNTER_COLS; i++) {
		snprintf(cell[i], sizeof(cell[i]), "%" PRIu64, v[i]);
		cells[2 + i] = cell[i];
	}
	return sg_table_row(t, cells);
}

static bool counters_zero(const struct sg_counters *c)
{
	static const struct sg_counters zero;

	return memcmp(c, &zero, sizeof(zero)) == 0;
}

static void utc_time(time_t t, char *out, size_t cap)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "%lld", (long long)t);
}

static void global_message(const struct sg_stats *s, struct sg_table *t)
{
	char since[32];
	int n;

	utc_time(s->since, since, sizeof(since));
	n = snprintf(t->message, sizeof(t->message),
		     "counters since %s; %zu of %zu domain/selector rows in use", since,
		     s->nrows, s->max_keys);
	if (s->overflow_deltas > 0 && n > 0 && (size_t)n < sizeof(t->message))
		snprintf(t->message + n, sizeof(t->message) - (size_t)n,
			 "; %" PRIu64 " updates counted under " SG_STATS_OTHER " (table full)",
			 s->overflow_deltas);
}

static enum sg_err worker_rows(const struct sg_stats *s, struct sg_table *t)
{
	char scope[CELL_MAX];
	enum sg_err rc;

	for (size_t i = 0; i < s->nworkers; i++) {
		snprintf(scope, sizeof(scope), "worker:%" PRIu32, s->workers[i].id);
		for (int k = 0; k < SG_STATS_KINDS; k++) {
			const struct sg_counters *c = &s->workers[i].c[k];

			if (!counters_zero(c) &&
			    (rc = add_row(t, scope, sg_stats_kind_name(k), c)) != SG_OK)
				return rc;
		}
	}
	for (int k = 0; s->worker_other_used && k < SG_STATS_KINDS; k++) {
		const struct sg_counters *c = &s->worker_other[k];

		if (!counters_zero(c) &&
		    (rc = add_row(t, "worker:" SG_STATS_OTHER, sg_stats_kind_name(k), c)) != SG_OK)
			return rc;
	}
	return SG_OK;
}

static enum sg_err global_table(const struct sg_stats *s, struct sg_table *t)
{
	enum sg_err rc;

	sg_table_init(t, "signing_stats");
	if ((rc = add_columns(t, "scope", "kind")) != SG_OK)
		return rc;
	for (int k = 0; k < SG_STATS_KINDS; k++) {
		if ((rc = add_row(t, "all", sg_stats_kind_name(k), &s->total[k])) != SG_OK)
			return rc;
	}
	if ((rc = worker_rows(s, t)) != SG_OK)
		return rc;
	global_message(s, t);
	return SG_OK;
}

/* The domain as rows store it (sg_stats_fold_domain). */
static enum sg_err normal_domain(const char *in, char *out, size_t cap, struct sg_error *err)
{
	char why[128];

	if (strlen(in) >= cap)
		return sg_error_set(err, SG_E_ARG, 0, 0, "signing_stats: domain longer than %zu bytes",
				    cap - 1);
	if (sg_stats_fold_domain(out, in) == 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "signing_stats: bad domain \"%s\"", in);
	if (strcmp(out, SG_STATS_OTHER) != 0 && !sg_stats_name_ok(out, cap, why, sizeof(why)))
		return sg_error_set(err, SG_E_ARG, 0, 0, "signing_stats: bad domain: %s", why);
	return SG_OK;
}

static int kind_selector_cmp(const void *a, const void *b)
{
	const struct sg_stats_row *x = *(const struct sg_stats_row *const *)a;
	const struct sg_stats_row *y = *(const struct sg_stats_row *const *)b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->selector, y->selector);
}

static enum sg_err domain_rows(const struct sg_stats *s, const char *domain,
			       struct sg_table *t)
{
	const struct sg_stats_row **v;
	size_t n, m = 0;
	enum sg_err rc = sg_stats_sorted_rows(s, &v, &n);

	if (rc != SG_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i]->domain, domain) == 0)
			v[m++] = v[i];
	}
	qsort(v, m, sizeof(*v), kind_selector_cmp);
	for (size_t i = 0; i < m && rc == SG_OK; i++)
		rc = add_row(t, sg_stats_kind_name(v[i]->kind), v[i]->selector, &v[i]->c);
	free(v);
	return rc;
}

static enum sg_err domain_table(const struct sg_stats *s, const char *arg, struct sg_table *t,
				struct sg_error *err)
{
	char domain[SG_STATS_NAME_MAX];
	enum sg_err rc;

	sg_table_init(t, "signing_stats");
	if ((rc = normal_domain(arg, domain, sizeof(domain), err)) != SG_OK)
		return rc;
	snprintf(t->title, sizeof(t->title), "signing_stats %.110s", domain);
	if ((rc = add_columns(t, "kind", "selector")) != SG_OK ||
	    (rc = domain_rows(s, domain, t)) != SG_OK)
		return sg_error_set(err, rc, 0, 0, "signing_stats: %s", sg_err_name(rc));
	if (t->nrows == 0)
		snprintf(t->message, sizeof(t->message), "no signing statistics for %s%s", domain,
			 s->overflow_deltas > 0 ? " (the table is full: new domains are counted "
						  "under " SG_STATS_OTHER ")" : "");
	return SG_OK;
}

enum sg_err sg_stats_command(struct sg_stats *s, const struct sg_cmd_params *p,
			     struct sg_table *out, struct sg_error *err)
{
	size_t dropped;
	enum sg_err rc;

	if (p->cmd == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "signing_stats: no command");
	switch (p->cmd->id) {
	case SG_CMD_SIGNING_STATS:
		if (p->domain[0] != '\0')
			return domain_table(s, p->domain, out, err);
		if ((rc = global_table(s, out)) != SG_OK)
			return sg_error_set(err, rc, 0, 0, "signing_stats: %s", sg_err_name(rc));
		return SG_OK;
	case SG_CMD_SIGNING_STATS_RESET:
		dropped = s->nrows;
		sg_stats_reset(s);
		sg_table_init(out, "signing_stats reset");
		snprintf(out->message, sizeof(out->message),
			 "signing statistics reset (%zu domain/selector rows dropped)", dropped);
		return SG_OK;
	default:
		return sg_error_set(err, SG_E_ARG, 0, 0, "command %d is not a signing_stats command",
				    (int)p->cmd->id);
	}
}

static enum sg_err summary_row(struct sg_table *t, const char *prefix, const char *name,
			       uint64_t v)
{
	char key[48], val[CELL_MAX];
	const char *cells[2] = { key, val };

	snprintf(key, sizeof(key), "%s%s", prefix, name);
	snprintf(val, sizeof(val), "%" PRIu64, v);
	return sg_table_row(t, cells);
}

static enum sg_err summary_kind(struct sg_table *t, enum sg_sigkind k, const struct sg_counters *c)
{
	const char *prefix = k == SG_KIND_DKIM ? "dkim_" : "domainkeys_";
	const struct { const char *name; uint64_t v; } rows[] = {
		{ "processed", c->processed },
		{ "signed", c->signed_ok },
		{ "failed", c->failed },
		{ "skipped_no_key", c->skipped[SG_SKIP_NO_KEY] },
		{ "skipped_condition", c->skipped[SG_SKIP_CONDITION] },
		{ "skipped_disabled", c->skipped[SG_SKIP_DISABLED] },
		{ "bytes", c->bytes },
		{ "avg_sign_us", sg_counters_mean_us(c) },
	};
	enum sg_err rc = SG_OK;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && rc == SG_OK; i++)
		rc = summary_row(t, prefix, rows[i].name, rows[i].v);
	return rc;
}

enum sg_err sg_stats_summary(struct sg_stats *s, struct sg_table *out)
{
	enum sg_err rc;

	if (out->ncols == 0) {
		if ((rc = sg_table_column(out, "counter", SG_COL_TEXT)) != SG_OK ||
		    (rc = sg_table_column(out, "value", SG_COL_INT)) != SG_OK)
			return rc;
	} else if (out->ncols != 2) {
		return SG_E_ARG;
	}
	for (int k = 0; k < SG_STATS_KINDS; k++) {
		if ((rc = summary_kind(out, (enum sg_sigkind)k, &s->total[k])) != SG_OK)
			return rc;
	}
	if ((rc = summary_row(out, "stats_", "keys", s->nrows)) != SG_OK ||
	    (rc = summary_row(out, "stats_", "keys_limit", s->max_keys)) != SG_OK ||
	    (rc = summary_row(out, "stats_", "overflow", s->overflow_deltas)) != SG_OK ||
	    (rc = summary_row(out, "stats_", "workers", s->nworkers)) != SG_OK ||
	    (rc = summary_row(out, "stats_", "pushes", s->pushes)) != SG_OK)
		return rc;
	return summary_row(out, "stats_", "since", (uint64_t)s->since);
}
