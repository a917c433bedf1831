/*
 * NAME
 *   dp_keys.h - signetd's view of the signing keys: key material received
 *               from signet-controld, generation-numbered, shared by the
 *               workers without locks on the hot path
 *
 * SUMMARY
 *   signetd never opens key files. One struct dp_keys per process, keyed by
 *   (kind, signing domain d=), domain lower-cased without a trailing dot.
 *
 *   Workers (any number; each registers its own struct dp_keys_reader, at
 *   most DP_KEYS_MAX_READERS) call
 *     st = dp_keys_lookup(reader, kind, domain, &entry)
 *       DP_KEY_FOUND    entry holds a key (entry->key), selector, d=,
 *                       generation; the caller owns one reference
 *       DP_KEY_NONE     entry is a negative answer (entry->key NULL,
 *                       entry->reason; entry->temporary when the request
 *                       failed rather than being answered); one reference
 *       DP_KEY_PENDING  no answer yet; the want is recorded (or was already
 *                       asked): call again when dp_keys_version changes
 *       DP_KEY_RETRY    the reader's want ring is full: call again later
 *       DP_KEY_INVALID  domain is not a valid domain name
 *     dp_keys_release(entry)       at the end of the message
 *   A lookup never blocks, never takes a lock and never allocates. It may
 *   write one eventfd (dp_keys_want_fd) when it records a want.
 *
 *   The control thread (the only writer; all calls below from one thread)
 *     polls dp_keys_want_fd() for POLLIN, then
 *     n = dp_keys_take_wants(keys, now_ms, wants, max): (kind, domain) pairs
 *         to send as KEY_REQUEST (dp_keys_request_encode): first-time wants
 *         of the workers and entries whose keycache TTL (pos_/neg_keycache_ttl
 *         of the scope, from the config) has passed (want.refresh). Until the
 *         new answer arrives workers keep using the old entry.
 *     dp_keys_install(keys, &answer, now_ms, &err) for each KEY_MATERIAL
 *         (dp_keys_answer_decode reads one): an answer with the generation
 *         and key presence the slot already has only renews its TTL; any
 *         other replaces the entry. A positive answer's PEM is parsed
 *         (sg_privkey_load_mem) and prepared for the configured backend kind
 *         (sg_backend_prepare on the keys' own backend instance: the
 *         precomputation is kept with the key and shared by every worker's
 *         instance of that kind) before it is published. A bad answer
 *         (unknown kind, bad names, unreadable key) is refused with err and
 *         recorded as a temporary failure when the domain is usable.
 *     dp_keys_install_error(keys, kind, domain, reason, now_ms) for an ERROR
 *         answer to a KEY_REQUEST: a temporary negative entry that is asked
 *         again after DP_KEYS_ERROR_TTL_MS.
 *     dp_keys_reask(keys) after the connection to controld was lost: every
 *         want that was taken and not answered is given out again.
 *     dp_keys_next_refresh_ms(keys): the time take_wants has TTL work (for
 *         the control thread's poll timeout), UINT64_MAX when none.
 *   Times are CLOCK_MONOTONIC milliseconds (the caller passes them: tests
 *   move time by hand).
 *
 * MECHANISM
 *   Slots live in an open-addressing table (seeded hash) published through
 *   an atomic pointer; each slot holds an atomic pointer to its current
 *   entry. The writer replaces an entry by an atomic exchange, grows or
 *   prunes the table by building a new one and swapping the table pointer.
 *   Reclamation is epoch based: a lookup marks its reader active with the
 *   current global epoch (seq_cst), probes, takes a reference on the entry
 *   (an atomic increment) and marks the reader inactive. Whatever the
 *   writer unpublishes (old tables, pruned slots, the table's own reference
 *   on a replaced entry) is retired with the epoch of its removal and
 *   freed only once no reader is active in that epoch or an older one.
 *   Entries are reference counted: the table holds one reference, each
 *   lookup one more; the last release frees the entry, and with it the key
 *   (sg_privkey_free zeroes and unlocks its memory) - on whichever thread
 *   drops the last reference. A message is thus signed with the entry it
 *   looked up, whatever installs happen meanwhile.
 *   Memory: at most DP_KEYS_MAX_SLOTS slots (negative entries, the oldest
 *   first, then positive ones are pruned when full); each reader has a
 *   ring of DP_KEYS_WANT_RING wants.
 *
 * UNTRUSTED INPUT
 *   Domains passed to dp_keys_lookup (from mail headers): length-limited and
 *   checked with sg_domain_valid. controld's answers: names validated, PEM
 *   length-limited and parsed by crypto/.
 */
#ifndef SIGNET_DATAPLANE_DP_KEYS_H
#define SIGNET_DATAPLANE_DP_KEYS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto.h"
#include "status.h"
#include "types.h"

struct sg_config;
struct sg_privkey;

#define DP_KEYS_NAME_MAX 255		/* domain and selector bytes */
#define DP_KEYS_MAX_READERS 256
#define DP_KEYS_WANT_RING 64		/* wants a reader can queue */
#define DP_KEYS_MAX_SLOTS 65536		/* (kind, domain) pairs kept */
#define DP_KEYS_ERROR_TTL_MS 10000	/* retry after a failed request */
#define DP_KEYS_PEM_MAX (64 * 1024)

struct dp_keys;
struct dp_keys_reader;

/* Read-only for everyone but dp_keys.c. */
struct dp_key_entry {
	enum sg_sigkind kind;
	uint64_t generation;
	char domain[DP_KEYS_NAME_MAX + 1];	/* d=, lower case */
	char selector[DP_KEYS_NAME_MAX + 1];	/* s= ("" in some negative answers) */
	struct sg_privkey *key;			/* NULL: no key */
	bool temporary;				/* no key because the request failed */
	char reason[192];			/* why there is no key */
	atomic_uint refs;			/* private */
};

enum dp_key_status {
	DP_KEY_FOUND,
	DP_KEY_NONE,
	DP_KEY_PENDING,
	DP_KEY_RETRY,
	DP_KEY_INVALID,
};

struct dp_key_want {
	enum sg_sigkind kind;
	char domain[DP_KEYS_NAME_MAX + 1];
	bool refresh;			/* TTL passed; the old entry is still served */
};

/* One KEY_MATERIAL message's fields (proto.h); pem_len 0 = negative. */
struct dp_key_answer {
	uint64_t generation;
	uint64_t kind;
	const char *domain;
	const char *selector;
	const uint8_t *pem;
	size_t pem_len;
	const char *reason;
};

/* conf gives the keycache TTLs (it must outlive keys); backend_spec the
 * crypto backend kind the workers use ("auto", "evp", ...): keys are
 * prepared for it when installed. */
SG_MUST_CHECK enum sg_err dp_keys_new(const struct sg_config *conf, const char *backend_spec,
				      struct dp_keys **out, struct sg_error *err);
/* After every reader is freed. Entries still referenced live on until
 * their last dp_keys_release. */
void dp_keys_free(struct dp_keys *k);

/* Worker side. */
SG_MUST_CHECK enum sg_err dp_keys_reader_new(struct dp_keys *k, struct dp_keys_reader **out,
					     struct sg_error *err);
void dp_keys_reader_free(struct dp_keys_reader *r);
enum dp_key_status dp_keys_lookup(struct dp_keys_reader *r, enum sg_sigkind kind,
				  const char *domain, const struct dp_key_entry **out);
void dp_keys_release(const struct dp_key_entry *e);
/* Changes whenever an answer is installed (any thread may read it). */
uint64_t dp_keys_version(const struct dp_keys *k);

/* Control-thread side. */
int dp_keys_want_fd(const struct dp_keys *k);
size_t dp_keys_take_wants(struct dp_keys *k, uint64_t now_ms, struct dp_key_want *out,
			  size_t max);
SG_MUST_CHECK enum sg_err dp_keys_install(struct dp_keys *k, const struct dp_key_answer *a,
					  uint64_t now_ms, struct sg_error *err);
void dp_keys_install_error(struct dp_keys *k, enum sg_sigkind kind, const char *domain,
			   const char *reason, uint64_t now_ms);
void dp_keys_reask(struct dp_keys *k);
uint64_t dp_keys_next_refresh_ms(const struct dp_keys *k);
/* Frees what was retired and no reader can still see (the calls above do
 * it too; for an idle control thread). */
void dp_keys_reclaim(struct dp_keys *k);

/* Wire helpers: KEY_REQUEST {u kind, s domain} for a want (w is
 * initialised here; free it with sg_wire_out_free), and the fields of a
 * KEY_MATERIAL message opened with sg_wire_open (strings copied into
 * the buffers given, pem pointing into the message). */
SG_MUST_CHECK enum sg_err dp_keys_request_encode(const struct dp_key_want *want,
						 struct sg_wire_out *w);
struct dp_key_answer_buf {
	char domain[DP_KEYS_NAME_MAX + 1];
	char selector[DP_KEYS_NAME_MAX + 1];
	char reason[192];
};
SG_MUST_CHECK enum sg_err dp_keys_answer_decode(struct sg_wire_in *r, struct dp_key_answer *a,
						struct dp_key_answer_buf *buf,
						struct sg_error *err);

#endif
