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
 * COUNTERS
 *   processed   messages a worker examined for this kind of signature;
 *               each ends as signed, failed or skipped (one reason)
 *   signed_ok   signatures added
 *   failed      signing attempts that failed (key, crypto, message error)
 *   skipped[r]  messages not signed, by reason r
 *   bytes       message bytes of the processed messages
 *   sign_ns     accumulated time of the signing attempts (nanoseconds)
 *   latency[b]  signing attempts by duration: bucket b < SG_STATS_BUCKETS-1
 *               counts durations in (bound(b-1), bound(b)] with
 *               bound(b) = 16 * 4^b microseconds (16 us .. 16.777216 s,
 *               sg_stats_bucket_bound_us); the last bucket counts longer
 *               ones. sg_stats_bucket_of picks the bucket of a duration.
 *   Sums saturate at UINT64_MAX instead of wrapping.
 *
 * AGGREGATE
 *   One row per (kind, domain, selector), domain and selector lower-cased
 *   (ASCII), trailing dots dropped from the domain; at most max_keys rows (SG_STATS_MAX_KEYS unless changed with
 *   sg_stats_set_limits). Deltas for a new key once the table is full go
 *   to the kind's "(other)" row (domain and selector SG_STATS_OTHER), and
 *   are counted. The same for workers: at most max_workers distinct worker
 *   ids, the rest under the worker "(other)". sg_stats_reset drops every
 *   row (the limits start over) and records the time.
 *
 * STATS_PUSH PAYLOAD (proto.h framing, type SG_MSG_STATS_PUSH)
 *   u worker              the pushing worker's id (< 2^32)
 *   u nbuckets            SG_STATS_BUCKETS (a mismatch refuses the push)
 *   u count               entries that follow, at most SG_STATS_PUSH_MAX
 *   count times:
 *     u kind              0 = DKIM, 1 = DomainKeys (enum sg_sigkind)
 *     s domain            at most 255 bytes, UTF-8 without control bytes
 *                         or spaces, not "(other)"; may be empty
 *     s selector          the same
 *     u processed  u signed_ok  u failed
 *     u skipped_no_key  u skipped_condition  u skipped_disabled
 *     u bytes  u sign_ns
 *     u latency[0] ... u latency[nbuckets-1]
 *   then nothing. A push is checked whole before any of it is counted: a
 *   malformed push changes nothing.
 *
 * UNTRUSTED INPUT
 *   Pushed counters (typed, length-checked; domains and selectors may come
 *   from message headers) and HTTP requests (sg_metrics_*).
 */
#ifndef SIGNET_CONTROL_STATS_H
#define SIGNET_CONTROL_STATS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "commands.h"
#include "proto.h"
#include "status.h"
#include "types.h"

enum sg_skip_reason { SG_SKIP_NO_KEY, SG_SKIP_CONDITION, SG_SKIP_DISABLED, SG_SKIP_REASONS };

#define SG_STATS_BUCKETS 12	/* latency histogram, microseconds, powers of 4 from 16 */
#define SG_STATS_NAME_MAX 256	/* domain and selector buffers, NUL included */
#define SG_STATS_MAX_KEYS 100000	/* default cap on (kind, domain, selector) rows */
#define SG_STATS_MAX_WORKERS 1024	/* default cap on distinct worker ids */
#define SG_STATS_PUSH_MAX 1024	/* entries in one STATS_PUSH */
#define SG_STATS_OTHER "(other)"	/* name of the overflow rows */

/* One increment set as a worker reports it (deltas since its last push). */
struct sg_stats_delta {
	uint32_t worker;
	enum sg_sigkind kind;
	char domain[SG_STATS_NAME_MAX];
	char selector[SG_STATS_NAME_MAX];
	uint64_t processed, signed_ok, failed;
	uint64_t skipped[SG_SKIP_REASONS];
	uint64_t bytes;
	uint64_t sign_ns;			/* accumulated signing time */
	uint64_t latency[SG_STATS_BUCKETS];	/* counts per bucket */
};

/* Upper bound of bucket b in microseconds (UINT64_MAX for the last). */
uint64_t sg_stats_bucket_bound_us(size_t b);
/* The bucket a signing attempt of ns nanoseconds belongs to. */
size_t sg_stats_bucket_of(uint64_t ns);
/* Checks a domain or selector name as sg_stats_ingest does (the rule a
 * pusher follows to have its counters taken): NUL inside the buffer of cap
 * bytes, valid UTF-8, no control byte, space or DEL, not "(other)". On
 * failure writes a reason (naming the byte and its offset) to why. */
bool sg_stats_name_ok(const char *name, size_t cap, char *why, size_t why_cap);

struct sg_stats;

SG_MUST_CHECK enum sg_err sg_stats_new(struct sg_stats **out);
void sg_stats_free(struct sg_stats *s);
/* Caps on rows and workers (0 keeps the current value); rows already
 * present stay. */
void sg_stats_set_limits(struct sg_stats *s, size_t max_keys, size_t max_workers);

/* Adds one delta: SG_E_ARG for an unknown kind, a name without its NUL,
 * with a control byte or space, not UTF-8, or "(other)"; SG_E_NOMEM. */
SG_MUST_CHECK enum sg_err sg_stats_add(struct sg_stats *s, const struct sg_stats_delta *d);
/* Writes one whole STATS_PUSH message (sg_wire_begin ... sg_wire_finish)
 * into w, which it initialises; free w with sg_wire_out_free. All n deltas
 * must carry the same worker (SG_E_ARG otherwise); n <= SG_STATS_PUSH_MAX. */
SG_MUST_CHECK enum sg_err sg_stats_encode_push(const struct sg_stats_delta *d, size_t n,
					       struct sg_wire_out *w);
/* Reads a STATS_PUSH message opened with sg_wire_open and adds it:
 * SG_E_SYNTAX (err names the entry, the field and the byte offset) for a
 * wrong message type, tag, count or name, trailing bytes; SG_E_LIMIT for
 * too many entries; nothing is added then. (SG_E_NOMEM part way through
 * may leave the first entries counted.) */
SG_MUST_CHECK enum sg_err sg_stats_ingest(struct sg_stats *s, struct sg_wire_in *r,
					  struct sg_error *err);
void sg_stats_reset(struct sg_stats *s);

/* Answers SG_CMD_SIGNING_STATS (global when p->domain is empty, else that
 * domain) and SG_CMD_SIGNING_STATS_RESET; SG_E_ARG for other commands.
 * out must be an empty table; it is initialised here (title, columns) and
 * the caller frees it with sg_table_free, also after an error.
 * Columns (stable: signetctl --json uses them as keys):
 *   global:  scope kind processed signed failed skipped_no_key
 *            skipped_condition skipped_disabled bytes avg_sign_us p50_us
 *            p90_us p99_us  (scope "all", then "worker:N", "worker:(other)")
 *   domain:  kind selector processed ... p99_us  (the same after selector)
 *   reset:   no columns, a message. */
SG_MUST_CHECK enum sg_err sg_stats_command(struct sg_stats *s, const struct sg_cmd_params *p,
					   struct sg_table *out, struct sg_error *err);
/* Appends one row per counter (dkim_processed, dkim_signed, ...,
 * stats_keys, stats_overflow) to out: a table with two columns (name,
 * value) or none yet, in which case it adds "counter" (text) and "value"
 * (int). SG_E_ARG for a table of another shape. */
SG_MUST_CHECK enum sg_err sg_stats_summary(struct sg_stats *s, struct sg_table *out);
/* Appends the text exposition format (0.0.4) to out; see prometheus.c for
 * the metric families. */
SG_MUST_CHECK enum sg_err sg_stats_prometheus(struct sg_stats *s, struct sg_buf *out);

#define SG_METRICS_HEAD_MAX 8192	/* request line + header fields */
#define SG_METRICS_MAX_CONNS 64		/* hard cap on sg_metrics_set_limits */
#define SG_METRICS_DEFAULT_CONNS 16
#define SG_METRICS_DEFAULT_DEADLINE_MS 5000
#define SG_METRICS_MAX_FDS (SG_METRICS_MAX_CONNS + 1)

struct sg_metrics;
/* Listens on listen, "127.0.0.1:9187" or "[::1]:9187" (numeric; loopback
 * addresses only: 127.0.0.0/8 and ::1; port 0 picks a free port). The
 * server keeps s and reads it for every scrape. */
SG_MUST_CHECK enum sg_err sg_metrics_open(const char *listen, struct sg_stats *s,
					  struct sg_metrics **out, struct sg_error *err);
/* Connection cap (1..SG_METRICS_MAX_CONNS) and the time a connection may
 * take from accept to the last byte of the answer; 0 keeps a value. */
void sg_metrics_set_limits(struct sg_metrics *m, size_t max_conns, int deadline_ms);
/* The port listened on (useful after port 0). */
uint16_t sg_metrics_port(const struct sg_metrics *m);
/* The descriptors to add to the daemon's poll set with their events
 * (POLLIN or POLLOUT); returns how many were written (at most cap;
 * SG_METRICS_MAX_FDS is always enough). The listener is left out for a
 * moment after accept ran out of descriptors or memory. */
size_t sg_metrics_fds(const struct sg_metrics *m, struct pollfd *fds, size_t cap);
/* Milliseconds until the nearest connection deadline (or the end of an
 * accept pause), -1 when none: the longest the daemon may sleep in poll. */
int sg_metrics_timeout_ms(const struct sg_metrics *m);
/* The work to do when poll reported fd (one of sg_metrics_fds) ready. */
void sg_metrics_ready(struct sg_metrics *m, int fd);
/* Closes the connections past their deadline; call after every poll. */
void sg_metrics_tick(struct sg_metrics *m);
void sg_metrics_close(struct sg_metrics *m);

#endif
