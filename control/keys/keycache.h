/*
 * NAME
 *   keycache.h - parsed private keys with TTLs and LRU eviction
 *                (private to control/keys/)
 *
 * SUMMARY
 *   One keycache per signing scope (dkim_sign / dk_sign block), holding at
 *   most `capacity` entries (keycache_size) keyed by (domain, selector).
 *   An entry is a loaded key, or a negative answer: "missing" (no key
 *   file) or "refused" (a file that cannot be used: unsafe mode, bad
 *   content; the reason is kept and was logged once when found).
 *
 *   keycache_get(domain, selector, path, ttl) answers from the entry when
 *   it is fresh; otherwise it goes to the store:
 *     loaded key, pos TTL passed   stat the file: same identity -> keep
 *                                  (no reload); changed -> reload, new
 *                                  generation; gone -> missing
 *     missing, neg TTL passed      try to load again
 *     refused, pos TTL passed      same identity -> still refused, else
 *                                  try to load again (a refused file is
 *                                  usually being fixed, so it is looked at
 *                                  as often as a good one)
 *     no entry / other path        load (evicting the least recently used
 *                                  entry when full)
 *   TTLs are given at each call (they may differ per dk_domain and change
 *   on config reload) and measured from the entry's last check with the
 *   injected clock; TTL 0 means "check at every lookup".
 *   Generations come from one counter shared by all caches (*generation,
 *   incremented before use), so a number never names two key materials.
 *   A struct kc_view points into the cache: valid until the next call
 *   that changes it (get, flush, resize, free).
 *   Keys are parsed only: no backend precomputation happens here (signetd
 *   prepares the material it receives).
 */
#ifndef SIGNET_CONTROL_KEYCACHE_H
#define SIGNET_CONTROL_KEYCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "keys.h"
#include "keystore.h"

#define KC_CAPACITY_MAX (1u << 20)

struct kc_stats {
	uint64_t lookups;
	uint64_t hits;		/* fresh entry, key answered */
	uint64_t neg_hits;	/* fresh negative entry */
	uint64_t misses;	/* no entry: went to the store */
	uint64_t loads;		/* keys parsed (misses, reloads, retries) */
	uint64_t reloads;	/* loaded key replaced because its file changed */
	uint64_t revalidations;	/* TTL passed, file unchanged: kept */
	uint64_t evictions;
	uint64_t failures;	/* loads refused (unsafe, unparsable) */
};

struct kc_view {
	const char *domain;
	const char *selector;
	const char *path;
	const struct sg_privkey *key;	/* NULL: negative entry */
	bool missing;			/* negative because there is no file */
	uint64_t generation;
	int64_t loaded_at;		/* when this answer was made */
	int64_t checked_at;		/* last look at the file */
	uint64_t hits;
	const char *reason;		/* negative entries: why */
};

struct kc_ttl {
	uint32_t pos;
	uint32_t neg;
};

struct kc_env {
	struct sg_clock clock;
	uint64_t *generation;
	const struct ks_log *log;
};

struct keycache;

/* env must outlive the cache. capacity is clamped to 1..KC_CAPACITY_MAX. */
SG_MUST_CHECK enum sg_err keycache_new(uint32_t capacity, const struct kc_env *env,
				       struct keycache **out);
void keycache_free(struct keycache *c);
/* Evicts least recently used entries beyond the new capacity. */
SG_MUST_CHECK enum sg_err keycache_resize(struct keycache *c, uint32_t capacity);
uint32_t keycache_capacity(const struct keycache *c);

/* domain and selector must already be checked (keystore.h). SG_E_NOMEM is
 * the only failure: negative answers are SG_OK with out->key NULL. */
SG_MUST_CHECK enum sg_err keycache_get(struct keycache *c, const char *domain,
				       const char *selector, const char *path,
				       struct kc_ttl ttl, struct kc_view *out);

/* Drops the entries of domain (NULL: all); returns how many. */
size_t keycache_flush(struct keycache *c, const char *domain);
/* Drops one entry; true when there was one. */
bool keycache_forget(struct keycache *c, const char *domain, const char *selector);

size_t keycache_count(const struct keycache *c, size_t *negative);
/* Calls fn for each entry, most recently used first. */
void keycache_each(const struct keycache *c, void (*fn)(const struct kc_view *v, void *arg),
		   void *arg);
const struct kc_stats *keycache_stats(const struct keycache *c);

#endif
