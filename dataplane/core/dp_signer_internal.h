/*
 * NAME
 *   dp_signer_internal.h - the state behind dp_signer.h, shared by
 *                          dp_signer.c (queues, batching, completions) and
 *                          dp_signer_msg.c (one message: From, scopes,
 *                          keys, hashing, the signature fields)
 *
 * SUMMARY
 *   A submitted message is a struct sign_msg on exactly one list of the
 *   signer: parked (a key answer is awaited), blocked (digests ready, the
 *   backend had no room), flight (digests with the backend) or done
 *   (outcome known, waiting for dp_signer_poll). Per kind of signature a
 *   struct kind_plan records the scope's options, d=, the key entry held
 *   and how far that signature got. A message holds an engine signer from
 *   submit (its header section is read once, for From and for signing) to
 *   its completion; the signer then goes back to the worker's pool, reset.
 */
#ifndef SIGNET_DATAPLANE_DP_SIGNER_INTERNAL_H
#define SIGNET_DATAPLANE_DP_SIGNER_INTERNAL_H

#include "backend.h"
#include "config.h"
#include "dp_keys.h"
#include "dp_signer.h"
#include "dp_stats.h"
#include "signer.h"

#define KINDS 2			/* DKIM, DomainKeys: the order of the fields */
#define SIGNER_POOL_MAX 64	/* reset engine signers kept for reuse */

enum plan_state {
	PLAN_OFF,		/* no scope of this kind in the configuration */
	PLAN_WAIT,		/* the key is asked for */
	PLAN_READY,		/* key held; digest not with the backend yet */
	PLAN_SIGNING,		/* digest submitted */
	PLAN_SIGNED,
	PLAN_SKIPPED,
	PLAN_FAILED,
};

struct sign_msg;

struct kind_plan {
	struct sign_msg *msg;
	enum sg_sigkind kind;
	enum plan_state state;
	enum dp_skip skip;
	const struct sg_sign_options *opt;
	char d[DP_KEYS_NAME_MAX + 1];		/* d=, lower case */
	char selector[DP_KEYS_NAME_MAX + 1];	/* for stats, once known */
	const struct dp_key_entry *entry;	/* held from lookup to the end */
	size_t sig_index;			/* in msg->signer */
	bool permanent;				/* PLAN_FAILED: see dp_done */
	char why[192];
};

struct msg_list {
	struct sign_msg *head, *tail;
	size_t n;
};

struct sign_msg {
	struct sign_msg *prev, *next;
	struct msg_list *on;
	uint64_t cookie;
	const uint8_t *data;
	size_t len;
	bool can_relay, auth_user;
	uint64_t t0_ns;				/* dp_signer_submit */
	uint64_t sign_t0_ns;			/* digests handed to the backend */
	uint64_t park_deadline_ns;
	char from_domain[DP_KEYS_NAME_MAX + 1];
	struct kind_plan k[KINDS];
	struct sg_signer *signer;		/* header section read into it */
	size_t body_off;			/* where data's body starts */
	unsigned jobs_out;
	enum dp_outcome outcome;
	enum dp_skip skip;
	bool permanent;
	char reason[192];
	struct sg_buf headers;
	uint32_t nsig;
};

struct dp_signer {
	const struct sg_config *conf;
	struct dp_keys *keys;
	struct dp_keys_reader *reader;
	struct sg_backend *backend;
	struct dp_worker_stats *stats;
	struct dp_clock clock;
	struct sg_limits limits;
	const struct sg_canon_kernels *canon_kernels;	/* SIMD body scanners */
	const struct sg_hash_ops *hash;		/* digests fetched once for all messages */
	unsigned batch_size;
	uint64_t batch_timeout_ns;
	uint64_t park_ns;
	unsigned unflushed;			/* jobs since the last flush */
	uint64_t batch_t0_ns;			/* first of them */
	uint64_t keys_version;			/* seen by the parked messages */
	bool retry_wants;			/* a want did not fit: ask again */
	struct msg_list parked, blocked, flight, done;
	struct sg_signer *pool[SIGNER_POOL_MAX];	/* reset, ready for a message */
	size_t npool;
};

void msgs_append(struct msg_list *l, struct sign_msg *m);
void msgs_remove(struct sign_msg *m);
uint64_t signer_now(const struct dp_signer *s);
/* A job went to the backend: flushes when batch_size jobs are waiting. */
void signer_job_added(struct dp_signer *s);
/* An engine signer for a message (from the pool, else new; NULL when out
 * of memory), and back: reset (the message wiped) and pooled, or freed
 * when the pool is full. */
struct sg_signer *signer_take(struct dp_signer *s);
void signer_give(struct dp_signer *s, struct sg_signer *g);

/* dp_signer_msg.c */
/* Reads the header section into the message's signer; From domain,
 * scopes, sign_condition for every kind. */
void msg_plan(struct dp_signer *s, struct sign_msg *m);
/* Looks up the keys still awaited; true when none is awaited any more. */
bool msg_resolve(struct dp_signer *s, struct sign_msg *m);
/* Parked message past its deadline: the awaited kinds fail. */
void msg_expire(struct dp_signer *s, struct sign_msg *m);
/* Builds the requests and hashes the message (plans that cannot be signed
 * become PLAN_FAILED); then msg_submit hands the digests of the PLAN_READY
 * plans to the backend: false when the backend had no room for one. */
void msg_hash(struct dp_signer *s, struct sign_msg *m);
bool msg_submit(struct dp_signer *s, struct sign_msg *m);
/* One backend completion for plan p. */
void msg_signed(struct dp_signer *s, struct kind_plan *p, const struct sg_sign_done *d);
/* Outcome, fields, stats, keys released; the message (on no list) moves
 * to done. */
void msg_finish(struct dp_signer *s, struct sign_msg *m);
void msg_free(struct dp_signer *s, struct sign_msg *m);

#endif
