/*
 * NAME
 *   keycache.c - parsed private keys with TTLs and LRU eviction
 *                (see keycache.h)
 *
 * SUMMARY
 *   A chained hash table (FNV-1a of domain NUL selector, a power-of-two
 *   bucket count of at least twice the capacity) for lookups and a
 *   doubly-linked list in recency order (head = most recent) for
 *   eviction. Every state change of an entry happens in refresh() and
 *   fill(): load, revalidate, or turn negative.
 *
 * UNTRUSTED INPUT
 *   None directly: names are checked by the caller, files by keystore.c.
 *
 * DIAGNOSTICS
 *   Refused key files and keys that changed or vanished are logged through
 *   the kc_env log, once per look at the file.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Control plane. */
#include "keycache.h"

struct kc_entry {
	char domain[KS_DOMAIN_MAX + 1];
	char selector[KS_SELECTOR_MAX + 1];
	char *path;
	struct sg_privkey *key;		/* NULL: negative */
	bool missing;
	bool have_identity;		/* ident is meaningful */
	struct ks_identity ident;
	uint64_t generation;
	int64_t loaded_at, checked_at;
	uint64_t hits;
	char reason[256];
	struct kc_entry *newer, *older;	/* recency list */
	struct kc_entry *chain;		/* hash bucket */
};

struct keycache {
	const struct kc_env *env;
	uint32_t capacity;
	size_t count;
	size_t nbuckets;		/* power of two */
	struct kc_entry **buckets;
	struct kc_entry *newest, *oldest;
	struct kc_stats stats;
};

static uint64_t hash_name(const char *domain, const char *selector)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *p = domain; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0) * 1099511628211ull;
	for (const char *p = selector; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

static struct kc_entry **bucket_of(const struct keycache *c, const char *domain,
				   const char *selector)
{
	return &c->buckets[hash_name(domain, selector) & (c->nbuckets - 1)];
}

static uint32_t clamp_capacity(uint32_t capacity)
{
	if (capacity == 0)
		return 1;
	return capacity > KC_CAPACITY_MAX ? KC_CAPACITY_MAX : capacity;
}

static size_t buckets_for(uint32_t capacity)
{
	size_t n = 16;

	while (n < 2 * (size_t)capacity)
		n *= 2;
	return n;
}

/* Re-hashes every entry into a table of n buckets. */
static enum sg_err rehash(struct keycache *c, size_t n)
{
	struct kc_entry **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return SG_E_NOMEM;
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = n;
	for (struct kc_entry *e = c->newest; e != NULL; e = e->older) {
		struct kc_entry **slot = bucket_of(c, e->domain, e->selector);

		e->chain = *slot;
		*slot = e;
	}
	return SG_OK;
}

enum sg_err keycache_new(uint32_t capacity, const struct kc_env *env, struct keycache **out)
{
	struct keycache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return SG_E_NOMEM;
	c->env = env;
	c->capacity = clamp_capacity(capacity);
	if (rehash(c, buckets_for(c->capacity)) != SG_OK) {
		free(c);
		return SG_E_NOMEM;
	}
	*out = c;
	return SG_OK;
}

static void list_unlink(struct keycache *c, struct kc_entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void list_push_newest(struct keycache *c, struct kc_entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

static void entry_drop(struct keycache *c, struct kc_entry *e)
{
	struct kc_entry **slot = bucket_of(c, e->domain, e->selector);

	while (*slot != e)
		slot = &(*slot)->chain;
	*slot = e->chain;
	list_unlink(c, e);
	sg_privkey_free(e->key);
	free(e->path);
	free(e);
	c->count--;
}

void keycache_free(struct keycache *c)
{
	if (c == NULL)
		return;
	while (c->newest)
		entry_drop(c, c->newest);
	free(c->buckets);
	free(c);
}

enum sg_err keycache_resize(struct keycache *c, uint32_t capacity)
{
	c->capacity = clamp_capacity(capacity);
	while (c->count > c->capacity) {
		entry_drop(c, c->oldest);
		c->stats.evictions++;
	}
	if (buckets_for(c->capacity) > c->nbuckets)
		return rehash(c, buckets_for(c->capacity));
	return SG_OK;
}

uint32_t keycache_capacity(const struct keycache *c)
{
	return c->capacity;
}

static struct kc_entry *find(const struct keycache *c, const char *domain,
			     const char *selector)
{
	for (struct kc_entry *e = *bucket_of(c, domain, selector); e != NULL; e = e->chain) {
		if (strcmp(e->domain, domain) == 0 && strcmp(e->selector, selector) == 0)
			return e;
	}
	return NULL;
}

static int64_t now(const struct keycache *c)
{
	return c->env->clock.now(c->env->clock.env);
}

static uint64_t next_generation(const struct keycache *c)
{
	return ++*c->env->generation;
}

/* Loads e->path into e (replacing what e held); logs refusals. */
static void fill(struct keycache *c, struct kc_entry *e, int64_t t)
{
	struct sg_privkey *key = NULL;
	enum ks_status st;

	c->stats.loads++;
	st = ks_load(e->path, &key, &e->ident, e->reason, sizeof(e->reason));
	sg_privkey_free(e->key);
	e->key = key;
	e->missing = st == KS_MISSING;
	e->have_identity = st == KS_OK;
	if (st == KS_REFUSED) {
		c->stats.failures++;
		/* Remember the refused file so an unchanged one is not re-parsed. */
		e->have_identity = ks_stat(e->path, &e->ident, NULL, 0) == KS_OK;
		ks_logf(c->env->log, "key for %s selector %s refused: %s", e->domain,
			e->selector, e->reason);
	}
	if (st == KS_OK)
		e->reason[0] = '\0';
	e->generation = next_generation(c);
	e->loaded_at = t;
	e->checked_at = t;
}

static bool stale(const struct kc_entry *e, struct kc_ttl ttl, int64_t t)
{
	uint32_t limit = e->key == NULL && e->missing ? ttl.neg : ttl.pos;

	return t < e->checked_at || t - e->checked_at >= (int64_t)limit;
}

/* The entry's TTL passed: look at the file again. */
static void refresh(struct keycache *c, struct kc_entry *e, int64_t t)
{
	struct ks_identity id;
	char why[256];
	bool was_loaded = e->key != NULL;

	if (e->have_identity && ks_stat(e->path, &id, why, sizeof(why)) == KS_OK &&
	    ks_identity_equal(&id, &e->ident)) {
		c->stats.revalidations++;
		e->checked_at = t;
		return;
	}
	fill(c, e, t);
	if (was_loaded && e->key != NULL) {
		c->stats.reloads++;
		ks_logf(c->env->log, "key for %s selector %s reloaded from %s (generation %llu)",
			e->domain, e->selector, e->path, (unsigned long long)e->generation);
	} else if (was_loaded && e->missing) {
		ks_logf(c->env->log, "key for %s selector %s is gone: %s", e->domain,
			e->selector, e->reason);
	}
}

static struct kc_entry *insert(struct keycache *c, const char *domain, const char *selector,
			       const char *path)
{
	struct kc_entry *e = calloc(1, sizeof(*e)), **slot;

	if (e == NULL || (e->path = strdup(path)) == NULL) {
		free(e);
		return NULL;
	}
	snprintf(e->domain, sizeof(e->domain), "%s", domain);
	snprintf(e->selector, sizeof(e->selector), "%s", selector);
	while (c->count >= c->capacity) {
		entry_drop(c, c->oldest);
		c->stats.evictions++;
	}
	slot = bucket_of(c, domain, selector);
	e->chain = *slot;
	*slot = e;
	list_push_newest(c, e);
	c->count++;
	return e;
}

static void view_of(const struct kc_entry *e, struct kc_view *v)
{
	v->domain = e->domain;
	v->selector = e->selector;
	v->path = e->path;
	v->key = e->key;
	v->missing = e->key == NULL && e->missing;
	v->generation = e->generation;
	v->loaded_at = e->loaded_at;
	v->checked_at = e->checked_at;
	v->hits = e->hits;
	v->reason = e->reason;
}

/* A new path for the entry (the key template changed): start over. */
static enum sg_err repath(struct kc_entry *e, const char *path)
{
	char *p = strdup(path);

	if (p == NULL)
		return SG_E_NOMEM;
	free(e->path);
	e->path = p;
	e->have_identity = false;
	return SG_OK;
}

enum sg_err keycache_get(struct keycache *c, const char *domain, const char *selector,
			 const char *path, struct kc_ttl ttl, struct kc_view *out)
{
	struct kc_entry *e = find(c, domain, selector);
	int64_t t = now(c);

	c->stats.lookups++;
	if (e != NULL && strcmp(e->path, path) != 0) {
		if (repath(e, path) != SG_OK)
			return SG_E_NOMEM;
		fill(c, e, t);
		c->stats.misses++;
	} else if (e == NULL) {
		e = insert(c, domain, selector, path);
		if (e == NULL)
			return SG_E_NOMEM;
		fill(c, e, t);
		c->stats.misses++;
	} else {
		if (stale(e, ttl, t))
			refresh(c, e, t);
		if (e->key != NULL)
			c->stats.hits++;
		else
			c->stats.neg_hits++;
	}
	e->hits++;
	list_unlink(c, e);
	list_push_newest(c, e);
	view_of(e, out);
	return SG_OK;
}

size_t keycache_flush(struct keycache *c, const char *domain)
{
	struct kc_entry *e = c->newest, *next;
	size_t n = 0;

	for (; e != NULL; e = next) {
		next = e->older;
		if (domain == NULL || strcmp(e->domain, domain) == 0) {
			entry_drop(c, e);
			n++;
		}
	}
	return n;
}

bool keycache_forget(struct keycache *c, const char *domain, const char *selector)
{
	struct kc_entry *e = find(c, domain, selector);

	if (e == NULL)
		return false;
	entry_drop(c, e);
	return true;
}

size_t keycache_count(const struct keycache *c, size_t *negative)
{
	size_t neg = 0;

	for (const struct kc_entry *e = c->newest; e != NULL; e = e->older)
		neg += e->key == NULL;
	if (negative)
		*negative = neg;
	return c->count;
}

void keycache_each(const struct keycache *c, void (*fn)(const struct kc_view *v, void *arg),
		   void *arg)
{
	struct kc_view v;

	for (const struct kc_entry *e = c->newest; e != NULL; e = e->older) {
		view_of(e, &v);
		fn(&v, arg);
	}
}

const struct kc_stats *keycache_stats(const struct keycache *c)
{
	return &c->stats;
}
