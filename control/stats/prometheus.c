/*
 * NAME
 *   prometheus.c - the statistics in the Prometheus text exposition format
 *                  (version 0.0.4)
 *
 * SUMMARY
 *   sg_stats_prometheus appends these families, each with HELP and TYPE,
 *   its samples together, rows in sg_stats_sorted_rows order:
 *     signet_messages_processed_total{kind,domain,selector}      counter
 *     signet_messages_total{kind,domain,selector,result}         counter
 *       result: signed failed skipped_no_key skipped_condition
 *               skipped_disabled
 *     signet_message_bytes_total{kind,domain,selector}           counter
 *     signet_signing_seconds_total{kind,domain,selector}         counter
 *     signet_signing_duration_seconds{kind}                      histogram
 *       _bucket{le} cumulative over the SG_STATS_BUCKETS bounds and +Inf,
 *       _sum (seconds signing), _count (signing attempts)
 *     signet_worker_messages_total{worker,kind,result}           counter
 *       result: processed signed failed skipped
 *     signet_stats_keys, signet_stats_keys_limit                 gauge
 *     signet_stats_overflow_total                                counter
 *     signet_stats_reset_time_seconds                            gauge
 *   kind is "dkim" or "domainkeys"; domain and selector are lower case,
 *   "(other)" for the overflow rows; worker is the id or "(other)".
 *   Label values are escaped (\\, \", \n); seconds are printed as exact
 *   decimals (no floating point).
 *
 * UNTRUSTED INPUT
 *   Domain and selector names (checked when added; escaped here anyway).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_internal.h"

static enum sg_err family(struct sg_buf *out, const char *name, const char *type,
			  const char *help)
{
	return sg_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \ " and newline escaped. */
static enum sg_err label_value(struct sg_buf *out, const char *v)
{
	enum sg_err rc = SG_OK;

	for (; *v != '\0' && rc == SG_OK; v++) {
		if (*v == '\\')
			rc = sg_buf_puts(out, "\\\\");
		else if (*v == '"')
			rc = sg_buf_puts(out, "\\\"");
		else if (*v == '\n')
			rc = sg_buf_puts(out, "\\n");
		else
			rc = sg_buf_putc(out, *v);
	}
	return rc;
}

/* An exact decimal of units / 10^digits, trailing zeros dropped. */
static enum sg_err decimal(struct sg_buf *out, uint64_t units, unsigned digits)
{
	uint64_t scale = 1;
	char frac[24];
	size_t n;

	for (unsigned i = 0; i < digits; i++)
		scale *= 10;
	if (units % scale == 0)
		return sg_buf_printf(out, "%" PRIu64, units / scale);
	n = (size_t)snprintf(frac, sizeof(frac), "%0*" PRIu64, (int)digits, units % scale);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	return sg_buf_printf(out, "%" PRIu64 ".%s", units / scale, frac);
}

/* name{kind="..",domain="..",selector=".."[,result=".."]} */
static enum sg_err row_labels(struct sg_buf *out, const char *name,
			      const struct sg_stats_row *r, const char *result)
{
	enum sg_err rc;

	if ((rc = sg_buf_printf(out, "%s{kind=\"%s\",domain=\"", name,
				sg_stats_kind_name(r->kind))) != SG_OK ||
	    (rc = label_value(out, r->domain)) != SG_OK ||
	    (rc = sg_buf_puts(out, "\",selector=\"")) != SG_OK ||
	    (rc = label_value(out, r->selector)) != SG_OK)
		return rc;
	if (result != NULL && (rc = sg_buf_printf(out, "\",result=\"%s", result)) != SG_OK)
		return rc;
	return sg_buf_puts(out, "\"} ");
}

static enum sg_err row_sample(struct sg_buf *out, const char *name,
			      const struct sg_stats_row *r, const char *result, uint64_t v)
{
	enum sg_err rc = row_labels(out, name, r, result);

	return rc != SG_OK ? rc : sg_buf_printf(out, "%" PRIu64 "\n", v);
}

struct rows {
	const struct sg_stats_row **v;
	size_t n;
};

static enum sg_err row_families(struct sg_buf *out, const struct rows *rs)
{
	static const char *const results[] = {
		"signed", "failed", "skipped_no_key", "skipped_condition", "skipped_disabled",
	};
	enum sg_err rc;

	if ((rc = family(out, "signet_messages_processed_total", "counter",
			 "Messages examined for signing.")) != SG_OK)
		return rc;
	for (size_t i = 0; i < rs->n; i++) {
		if ((rc = row_sample(out, "signet_messages_processed_total", rs->v[i], NULL,
				     rs->v[i]->c.processed)) != SG_OK)
			return rc;
	}
	if ((rc = family(out, "signet_messages_total", "counter",
			 "Messages by outcome: signed, failed, or skipped and why.")) != SG_OK)
		return rc;
	for (size_t i = 0; i < rs->n; i++) {
		const struct sg_counters *c = &rs->v[i]->c;
		uint64_t v[] = { c->signed_ok, c->failed, c->skipped[SG_SKIP_NO_KEY],
				 c->skipped[SG_SKIP_CONDITION], c->skipped[SG_SKIP_DISABLED] };

		for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++) {
			rc = row_sample(out, "signet_messages_total", rs->v[i], results[j], v[j]);
			if (rc != SG_OK)
				return rc;
		}
	}
	return SG_OK;
}

static enum sg_err size_time_families(struct sg_buf *out, const struct rows *rs)
{
	enum sg_err rc;

	if ((rc = family(out, "signet_message_bytes_total", "counter",
			 "Bytes of the messages examined.")) != SG_OK)
		return rc;
	for (size_t i = 0; i < rs->n; i++) {
		if ((rc = row_sample(out, "signet_message_bytes_total", rs->v[i], NULL,
				     rs->v[i]->c.bytes)) != SG_OK)
			return rc;
	}
	if ((rc = family(out, "signet_signing_seconds_total", "counter",
			 "Time spent in signing attempts.")) != SG_OK)
		return rc;
	for (size_t i = 0; i < rs->n; i++) {
		if ((rc = row_labels(out, "signet_signing_seconds_total", rs->v[i], NULL)) != SG_OK ||
		    (rc = decimal(out, rs->v[i]->c.sign_ns, 9)) != SG_OK ||
		    (rc = sg_buf_putc(out, '\n')) != SG_OK)
			return rc;
	}
	return SG_OK;
}

static enum sg_err histogram(struct sg_buf *out, const struct sg_stats *s)
{
	const char *name = "signet_signing_duration_seconds";
	enum sg_err rc;

	if ((rc = family(out, name, "histogram", "Duration of signing attempts.")) != SG_OK)
		return rc;
	for (int k = 0; k < SG_STATS_KINDS; k++) {
		const struct sg_counters *c = &s->total[k];
		const char *kind = sg_stats_kind_name(k);
		uint64_t cum = 0;

		for (size_t b = 0; b < SG_STATS_BUCKETS; b++) {
			cum = cum > UINT64_MAX - c->latency[b] ? UINT64_MAX : cum + c->latency[b];
			if ((rc = sg_buf_printf(out, "%s_bucket{kind=\"%s\",le=\"", name, kind)) != SG_OK)
				return rc;
			if (b == SG_STATS_BUCKETS - 1)
				rc = sg_buf_puts(out, "+Inf");
			else
				rc = decimal(out, sg_stats_bucket_bound_us(b), 6);
			if (rc != SG_OK ||
			    (rc = sg_buf_printf(out, "\"} %" PRIu64 "\n", cum)) != SG_OK)
				return rc;
		}
		if ((rc = sg_buf_printf(out, "%s_sum{kind=\"%s\"} ", name, kind)) != SG_OK ||
		    (rc = decimal(out, c->sign_ns, 9)) != SG_OK ||
		    (rc = sg_buf_printf(out, "\n%s_count{kind=\"%s\"} %" PRIu64 "\n", name, kind,
					cum)) != SG_OK)
			return rc;
	}
	return SG_OK;
}

static enum sg_err worker_sample(struct sg_buf *out, const char *worker, int kind,
				 const struct sg_counters *c)
{
	uint64_t skipped = 0;
	const char *results[] = { "processed", "signed", "failed", "skipped" };
	uint64_t v[4];
	enum sg_err rc = SG_OK;

	for (size_t i = 0; i < SG_SKIP_REASONS; i++)
		skipped = skipped > UINT64_MAX - c->skipped[i] ? UINT64_MAX : skipped + c->skipped[i];
	v[0] = c->processed;
	v[1] = c->signed_ok;
	v[2] = c->failed;
	v[3] = skipped;
	for (size_t i = 0; i < 4 && rc == SG_OK; i++)
		rc = sg_buf_printf(out,
				   "signet_worker_messages_total{worker=\"%s\",kind=\"%s\","
				   "result=\"%s\"} %" PRIu64 "\n",
				   worker, sg_stats_kind_name(kind), results[i], v[i]);
	return rc;
}

static enum sg_err worker_family(struct sg_buf *out, const struct sg_stats *s)
{
	char id[16];
	enum sg_err rc;

	if ((rc = family(out, "signet_worker_messages_total", "counter",
			 "Messages by dataplane worker and outcome.")) != SG_OK)
		return rc;
	for (size_t i = 0; i < s->nworkers; i++) {
		snprintf(id, sizeof(id), "%" PRIu32, s->workers[i].id);
		for (int k = 0; k < SG_STATS_KINDS; k++) {
			if ((rc = worker_sample(out, id, k, &s->workers[i].c[k])) != SG_OK)
				return rc;
		}
	}
	for (int k = 0; s->worker_other_used && k < SG_STATS_KINDS; k++) {
		if ((rc = worker_sample(out, SG_STATS_OTHER, k, &s->worker_other[k])) != SG_OK)
			return rc;
	}
	return SG_OK;
}

static enum sg_err table_families(struct sg_buf *out, const struct sg_stats *s)
{
	enum sg_err rc;

	if ((rc = family(out, "signet_stats_keys", "gauge",
			 "Domain/selector rows tracked.")) != SG_OK ||
	    (rc = sg_buf_printf(out, "signet_stats_keys %zu\n", s->nrows)) != SG_OK ||
	    (rc = family(out, "signet_stats_keys_limit", "gauge",
			 "Most domain/selector rows tracked; past it updates go to (other).")) != SG_OK ||
	    (rc = sg_buf_printf(out, "signet_stats_keys_limit %zu\n", s->max_keys)) != SG_OK ||
	    (rc = family(out, "signet_stats_overflow_total", "counter",
			 "Updates counted under (other) because the table was full.")) != SG_OK ||
	    (rc = sg_buf_printf(out, "signet_stats_overflow_total %" PRIu64 "\n",
				s->overflow_deltas)) != SG_OK ||
	    (rc = family(out, "signet_stats_reset_time_seconds", "gauge",
			 "Unix time of the last signing_stats reset (or of the start).")) != SG_OK)
		return rc;
	return sg_buf_printf(out, "signet_stats_reset_time_seconds %lld\n", (long long)s->since);
}

enum sg_err sg_stats_prometheus(struct sg_stats *s, struct sg_buf *out)
{
	struct rows rs;
	enum sg_err rc = sg_stats_sorted_rows(s, &rs.v, &rs.n);

	if (rc != SG_OK)
		return rc;
	if ((rc = row_families(out, &rs)) == SG_OK &&
	    (rc = size_time_families(out, &rs)) == SG_OK &&
	    (rc = histogram(out, s)) == SG_OK &&
	    (rc = worker_family(out, s)) == SG_OK)
		rc = table_families(out, s);
	free(rs.v);
	return rc;
}
