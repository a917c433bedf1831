/*
 * NAME
 *   stats.h - signing statistics: aggregation, signing_stats, Prometheus
 *
 * SUMMARY
 *   signetd workers push their counters (SG_MSG_STATS_PUSH, encoded with
 *   sg_stats_encode_push); the daemon folds them in with sg_stats_ingest.
 *   Counters exist per worker, per domain and per selector, DKIM and
 *   DomainKeys apart: messages processed, signed, failed signing attempts,
 *   skipped (no key / sign_condition not met / disabled), bytes, accumulated
 *   signing time, and a latency histogram. sg_stats_command answers
 *   signing_stats [DOMAIN] and signing_stats reset with a table (the
 *   Momentum signing_stats layout); sg_stats_prometheus writes the text
 *   exposition format (version 0.0.4); sg_metrics_* is a tiny HTTP/1.0
 *   server for GET /metrics on a loopback address, driven by the daemon's
 *   poll loop (non-blocking, request size and time limits).
 *
 * UNTRUSTED INPUT
 *   Pushed counters (typed, length-checked) and HTTP requests.
 */
#ifndef SIGNET_CONTROL_STATS_H
#define SIGNET_CONTROL_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "commands.h"
#include "proto.h"
#include "status.h"
#include "types.h"

enum sg_skip_reason { SG_SKIP_NO_KEY, SG_SKIP_CONDITION, SG_SKIP_DISABLED, SG_SKIP_REASONS };

#define SG_STATS_BUCKETS 12	/* latency histogram, microseconds, powers of 4 from 16 */

/* One increment set as a worker reports it (deltas since its last push). */
struct sg_stats_delta {
	uint32_t worker;
	enum sg_sigkind kind;
	char domain[256];
	char selector[256];
	uint64_t processed, signed_ok, failed;
	uint64_t skipped[SG_SKIP_REASONS];
	uint64_t bytes;
	uint64_t sign_ns;			/* accumulated signing time */
	uint64_t latency[SG_STATS_BUCKETS];	/* counts per bucket */
};

struct sg_stats;

SG_MUST_CHECK enum sg_err sg_stats_new(struct sg_stats **out);
void sg_stats_free(struct sg_stats *s);

SG_MUST_CHECK enum sg_err sg_stats_add(struct sg_stats *s, const struct sg_stats_delta *d);
SG_MUST_CHECK enum sg_err sg_stats_encode_push(const struct sg_stats_delta *d, size_t n,
					       struct sg_wire_out *w);
SG_MUST_CHECK enum sg_err sg_stats_ingest(struct sg_stats *s, struct sg_wire_in *r,
					  struct sg_error *err);
void sg_stats_reset(struct sg_stats *s);

SG_MUST_CHECK enum sg_err sg_stats_command(struct sg_stats *s, const struct sg_cmd_params *p,
					   struct sg_table *out, struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_stats_summary(struct sg_stats *s, struct sg_table *out);
SG_MUST_CHECK enum sg_err sg_stats_prometheus(struct sg_stats *s, struct sg_buf *out);

struct sg_metrics;
/* Listens on "127.0.0.1:9187" (loopback addresses only unless allow_any). */
SG_MUST_CHECK enum sg_err sg_metrics_open(const char *listen, struct sg_stats *s,
					  struct sg_metrics **out, struct sg_error *err);
/* File descriptors to poll for input, and the work to do when one is ready. */
size_t sg_metrics_fds(const struct sg_metrics *m, int *fds, size_t cap);
void sg_metrics_ready(struct sg_metrics *m, int fd);
void sg_metrics_close(struct sg_metrics *m);

#endif
