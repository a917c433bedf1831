/*
 * NAME
 *   dp_signer.h - one worker's signing pipeline: a complete message in,
 *                 the signature header fields to put in front of it out,
 *                 signatures made in batches through a crypto backend
 *
 * SUMMARY
 *   Each worker owns one struct dp_signer (not shared between threads). The
 *   front-ends (spool, SMTP relay) use only these calls:
 *     dp_signer_new(conf, keys, backend_spec, batch_size, stats, &s, &err)
 *     dp_signer_submit(s, msg, len, &facts, cookie, &err)
 *         msg is the whole message, CRLF line ends, headers + body (not
 *         repaired here: the spool converts LF files to CRLF and the relay
 *         refuses bare CR and LF, so no bare LF reaches the signer); it must
 *         stay valid and unchanged until the completion with this cookie
 *         has been polled. The signer reads the From header, picks the
 *         signing domain and the scopes (dkim_sign / dk_sign: dk_domain
 *         entries, base_domain, or any domain with a key under the key
 *         template), checks sign_condition against facts, canonicalizes
 *         and hashes, and hands the digests to the backend batch. A message
 *         whose key is not known yet is parked (the key is asked for
 *         through keys) and resumes when keys has an answer.
 *     dp_signer_flush(s)       start a partial batch now (the worker calls
 *                              it when it has no more ready I/O, and when
 *                              dp_signer_next_deadline_us has passed)
 *     n = dp_signer_poll(s, done, max)   completed messages, any order
 *     dp_signer_release(s, done)         gives back a completion's buffers
 *     dp_signer_free(s)
 *   Every submitted message completes exactly once: DP_SIGNED (headers
 *   holds one or more fields, each ending in CRLF: DKIM-Signature first,
 *   then DomainKey-Signature), DP_SKIPPED (headers empty; reason and
 *   skip say why - the front-end relays or writes the message unsigned, or
 *   refuses it, by its own policy), DP_FAILED (a signing attempt failed;
 *   reason says why). Counters for each outcome go to stats.
 *   Bodies are canonicalized with the CPU's best SIMD scanners
 *   (dataplane/simd, sg_simd_best; byte-identical to the scalar ones).
 *   Keys are swapped only between messages: a message is signed entirely
 *   with the key generation it started with.
 *
 *   Details of the pipeline:
 *     - the signer registers its own dp_keys reader (dp_keys.h) and opens
 *       its own backend instance (backend_spec, e.g. conf's crypto_backend);
 *     - From: exactly one From field with a mailbox whose domain is valid,
 *       else DP_SKIPPED / DP_SKIP_NO_DOMAIN;
 *     - per kind (DKIM, then DomainKeys) the scope is the first block of
 *       that kind with a dk_domain for the From domain, else the first with
 *       a selector, else the first (as signet-controld picks it); its
 *       options (sg_config_domain_options) give d= (base_domain) and
 *       sign_condition (can_relay: facts->can_relay; auth_user:
 *       facts->auth_user != NULL); the key is looked up for (kind, d=);
 *     - a negative answer is DP_SKIP_NO_KEY for that kind; a temporary one
 *       (the key request failed) and a message parked longer than the park
 *       timeout (DP_SIGNER_PARK_MS) are DP_FAILED;
 *     - the outcome of the message: DP_FAILED when any kind failed, else
 *       DP_SIGNED when any kind signed, else DP_SKIPPED with the reason of
 *       the first kind examined;
 *     - batching: digests go to the backend at once; the backend is flushed
 *       when batch_size jobs were submitted since the last flush, by
 *       dp_signer_flush, and by dp_signer_poll once the batch timeout
 *       (conf->dataplane.batch_timeout_us) has passed;
 *     - stats: one dp_stats_record per message and kind examined (a
 *       message without a usable From counts as skipped_no_key under the
 *       domain "" for each kind configured);
 *     - the DKIM request: digest, header_canon/body_canon, headerlist,
 *       identity (%{d} expanded), lifetime (x=), copy_headers (z=),
 *       body_length_limit (at most that many canonical body bytes
 *       hashed, l= says how many) of the scope, t= from the clock. DomainKeys: rsa-sha1, canon,
 *       headerlist (so h= is always present), no t=.
 *   Time comes from struct dp_clock (default: CLOCK_MONOTONIC and the wall
 *   clock for t=); dp_signer_set_clock replaces it (tests fix t=).
 *   At most DP_SIGNER_MAX_PENDING messages may be pending: submit returns
 *   SG_E_LIMIT past that (poll first).
 *
 * UNTRUSTED INPUT
 *   msg: any bytes (parsed by the engine with its limits).
 */
#ifndef SIGNET_DATAPLANE_DP_SIGNER_H
#define SIGNET_DATAPLANE_DP_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"

struct sg_config;
struct dp_keys;
struct dp_worker_stats;
struct dp_signer;

/* What the front-end knows about the client, for sign_condition. */
struct dp_client_facts {
	bool can_relay;			/* client address is in relay_hosts */
	const char *auth_user;		/* authenticated user, NULL if none */
};

enum dp_outcome {
	DP_SIGNED,
	DP_SKIPPED,
	DP_FAILED,
};

enum dp_skip {
	DP_SKIP_NONE,
	DP_SKIP_NO_KEY,			/* no key for the domain (negative answer) */
	DP_SKIP_CONDITION,		/* sign_condition not met */
	DP_SKIP_DISABLED,		/* the domain's selector is disabled (not
					 * produced yet: KEY_MATERIAL does not say
					 * why there is no key; counted as no key) */
	DP_SKIP_NO_DOMAIN,		/* no usable From domain */
};

#define DP_SIGNER_MAX_PENDING 4096
#define DP_SIGNER_PARK_MS 5000		/* default wait for a key answer */

struct dp_clock {
	uint64_t (*mono_ns)(void *env);	/* monotonic nanoseconds */
	int64_t (*wall_s)(void *env);	/* seconds since the epoch, for t= */
	void *env;
};

struct dp_done {
	uint64_t cookie;
	enum dp_outcome outcome;
	enum dp_skip skip;
	char reason[192];		/* one line, for logs and SMTP replies */
	bool permanent;			/* DP_FAILED only: the message itself cannot
					 * be signed (over a limit, or syntax the
					 * engine refuses), so retrying it is useless;
					 * false: keys, backend or memory, worth a
					 * retry later */
	struct sg_buf headers;		/* fields to write before the message */
	uint32_t signatures;		/* how many fields headers holds */
	uint64_t sign_ns;		/* time from submit to completion */
};

SG_MUST_CHECK enum sg_err dp_signer_new(const struct sg_config *conf, struct dp_keys *keys,
					const char *backend_spec, unsigned batch_size,
					struct dp_worker_stats *stats, struct dp_signer **out,
					struct sg_error *err);
SG_MUST_CHECK enum sg_err dp_signer_submit(struct dp_signer *s, const uint8_t *msg, size_t len,
					   const struct dp_client_facts *facts, uint64_t cookie,
					   struct sg_error *err);
void dp_signer_flush(struct dp_signer *s);
size_t dp_signer_poll(struct dp_signer *s, struct dp_done *done, size_t max);
void dp_signer_release(struct dp_signer *s, struct dp_done *done);
/* Messages submitted and not yet polled (parked ones included). */
size_t dp_signer_pending(const struct dp_signer *s);
/* Monotonic time (CLOCK_MONOTONIC, microseconds) by which dp_signer_flush
 * must be called for the batch timeout, or UINT64_MAX when nothing waits. */
uint64_t dp_signer_next_deadline_us(const struct dp_signer *s);
void dp_signer_free(struct dp_signer *s);
/* Test and tuning hooks: the clock (copied), and how long a message may
 * wait for a key answer (0 keeps the current value). */
void dp_signer_set_clock(struct dp_signer *s, const struct dp_clock *c);
void dp_signer_set_park_ms(struct dp_signer *s, uint64_t ms);

#endif
