/*
 * NAME
 *   dp_keys_writer.c - the control thread's side of the key view: wants,
 *                      installs, TTL re-asks, table growth and pruning,
 *                      epoch-based reclamation
 *
 * SUMMARY
 *   Everything here runs on one thread (see dp_keys.h). Publishing is an
 *   atomic store or exchange; what it replaces is retired (retire_link)
 *   with the epoch of the change, and the global epoch moves on. reclaim
 *   frees what was retired before the oldest epoch a reader is still in.
 *   A failed request or an unusable answer never replaces a working key:
 *   the old entry stays and is asked again after DP_KEYS_ERROR_TTL_MS.
 *
 * UNTRUSTED INPUT
 *   controld's answers: kind, names (validated), reason (copied bounded,
 *   control bytes shown as '?'), PEM (size-limited, parsed by crypto/).
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Engine, crypto, config and dataplane. */
#include "backend.h"
#include "config.h"
#include "domain.h"
#include "dp_keys_internal.h"
#include "dp_scope.h"
#include "key.h"

#define DEFAULT_POS_TTL_S 300
#define DEFAULT_NEG_TTL_S 3600
#define PRUNE_SHARE 4			/* a full table drops a quarter */

#define CONTAINER(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

static void retire(struct dp_keys *k, struct retire_link *l, enum retire_kind kind)
{
	l->kind = kind;
	l->epoch = atomic_fetch_add(&k->epoch, 1);
	l->next = k->retired;
	k->retired = l;
}

static void free_retired(struct retire_link *l)
{
	struct key_slot *s;

	switch (l->kind) {
	case RETIRE_TABLE:
		free(CONTAINER(l, struct key_table, retire));
		break;
	case RETIRE_SLOT:
		s = CONTAINER(l, struct key_slot, retire);
		if (atomic_load(&s->entry) != NULL)
			dp_keys_release(&atomic_load(&s->entry)->pub);
		free(s);
		break;
	case RETIRE_ENTRY_REF:
		dp_keys_release(&CONTAINER(l, struct key_entry, retire)->pub);
		break;
	}
}

void dp_keys_reclaim(struct dp_keys *k)
{
	uint64_t oldest = UINT64_MAX;
	struct retire_link **pp = &k->retired;

	for (size_t i = 0; i < DP_KEYS_MAX_READERS; i++) {
		uint64_t e = atomic_load(&k->readers[i].epoch);

		if (e != 0 && e < oldest)
			oldest = e;
	}
	while (*pp != NULL) {
		struct retire_link *l = *pp;

		if (l->epoch < oldest) {
			*pp = l->next;
			free_retired(l);
		} else {
			pp = &l->next;
		}
	}
}

static struct key_table *current(const struct dp_keys *k)
{
	return atomic_load_explicit(&k->table, memory_order_relaxed);
}

static void table_put(struct key_table *t, struct key_slot *s)
{
	size_t mask = t->cap - 1, i = s->hash & mask;

	while (atomic_load_explicit(&t->v[i], memory_order_relaxed) != NULL)
		i = (i + 1) & mask;
	atomic_store_explicit(&t->v[i], s, memory_order_release);
	t->count++;
}

/* Publishes a copy of the table with cap buckets and without the pruned
 * slots, which are retired with the old table. */
static enum sg_err rebuild(struct dp_keys *k, size_t cap)
{
	struct key_table *old = current(k), *t = keys_table_new(cap);

	if (t == NULL)
		return SG_E_NOMEM;
	for (size_t i = 0; i < old->cap; i++) {
		struct key_slot *s = atomic_load_explicit(&old->v[i], memory_order_relaxed);

		if (s != NULL && !s->pruned)
			table_put(t, s);
	}
	atomic_store(&k->table, t);
	retire(k, &old->retire, RETIRE_TABLE);
	for (size_t i = 0; i < old->cap; i++) {
		struct key_slot *s = atomic_load_explicit(&old->v[i], memory_order_relaxed);

		if (s != NULL && s->pruned)
			retire(k, &s->retire, RETIRE_SLOT);
	}
	return SG_OK;
}

/* Negative entries before positive ones, older installs first. */
static int prune_order(const void *a, const void *b)
{
	const struct key_slot *x = *(struct key_slot *const *)a, *y = *(struct key_slot *const *)b;
	bool xp = atomic_load(&x->entry)->pub.key != NULL;
	bool yp = atomic_load(&y->entry)->pub.key != NULL;

	if (xp != yp)
		return xp ? 1 : -1;
	return x->installed_ms < y->installed_ms ? -1 : x->installed_ms > y->installed_ms;
}

/* Marks a share of the answered slots nobody is asking for as pruned. */
static enum sg_err prune(struct dp_keys *k)
{
	struct key_table *t = current(k);
	struct key_slot **cand = malloc(t->count * sizeof(*cand));
	size_t n = 0, victims = t->count / PRUNE_SHARE + 1;
	enum sg_err rc;

	if (cand == NULL)
		return SG_E_NOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		struct key_slot *s = atomic_load_explicit(&t->v[i], memory_order_relaxed);

		if (s != NULL && !s->asked && !s->queued && atomic_load(&s->entry) != NULL)
			cand[n++] = s;
	}
	qsort(cand, n, sizeof(*cand), prune_order);
	for (size_t i = 0; i < n && i < victims; i++)
		cand[i]->pruned = true;
	free(cand);
	if (n == 0)
		return SG_E_LIMIT;
	rc = rebuild(k, t->cap);
	if (rc == SG_OK)
		atomic_fetch_add(&k->version, 1);
	return rc;
}

/* The slot for (kind, domain), created when absent; NULL when no room. */
static struct key_slot *slot_get(struct dp_keys *k, enum sg_sigkind kind, const char *domain)
{
	uint64_t hash = keys_hash(k, kind, domain);
	struct key_slot *s = keys_table_find(current(k), hash, kind, domain);

	if (s != NULL)
		return s;
	if (current(k)->count >= k->max_slots && prune(k) != SG_OK)
		return NULL;
	if ((current(k)->count + 1) * 2 > current(k)->cap &&
	    rebuild(k, current(k)->cap * 2) != SG_OK)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->kind = kind;
	s->hash = hash;
	snprintf(s->domain, sizeof(s->domain), "%s", domain);
	atomic_init(&s->entry, NULL);
	table_put(current(k), s);
	return s;
}

static void enqueue(struct dp_keys *k, struct key_slot *s)
{
	if (s->queued)
		return;
	s->queued = true;
	s->next_ask = NULL;
	if (k->ask_tail != NULL)
		k->ask_tail->next_ask = s;
	else
		k->ask_head = s;
	k->ask_tail = s;
}

static void drain_rings(struct dp_keys *k)
{
	for (size_t i = 0; i < DP_KEYS_MAX_READERS; i++) {
		struct dp_keys_reader *r = &k->readers[i];
		size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
		size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

		for (; head != tail; head++) {
			const struct want_item *w = &r->ring[head % DP_KEYS_WANT_RING];
			struct key_slot *s = slot_get(k, w->kind, w->domain);

			if (s != NULL && atomic_load(&s->entry) == NULL && !s->asked)
				enqueue(k, s);
		}
		atomic_store_explicit(&r->head, head, memory_order_release);
	}
}

/* Queues the answered slots whose TTL has passed; sets next_refresh_ms. */
static void refresh_scan(struct dp_keys *k, uint64_t now_ms)
{
	struct key_table *t = current(k);
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < t->cap; i++) {
		struct key_slot *s = atomic_load_explicit(&t->v[i], memory_order_relaxed);

		if (s == NULL || atomic_load(&s->entry) == NULL || s->asked || s->queued)
			continue;
		if (s->expires_ms <= now_ms)
			enqueue(k, s);
		else if (s->expires_ms < next)
			next = s->expires_ms;
	}
	k->next_refresh_ms = next;
}

size_t dp_keys_take_wants(struct dp_keys *k, uint64_t now_ms, struct dp_key_want *out,
			  size_t max)
{
	uint64_t counter;
	size_t n = 0;
	ssize_t got;

	dp_keys_reclaim(k);
	got = read(k->want_fd, &counter, sizeof(counter));	/* EAGAIN: none pending */
	(void)got;
	drain_rings(k);
	if (now_ms >= k->next_refresh_ms)
		refresh_scan(k, now_ms);
	while (n < max && k->ask_head != NULL) {
		struct key_slot *s = k->ask_head;

		k->ask_head = s->next_ask;
		if (k->ask_head == NULL)
			k->ask_tail = NULL;
		s->queued = false;
		s->asked = true;
		out[n].kind = s->kind;
		snprintf(out[n].domain, sizeof(out[n].domain), "%s", s->domain);
		out[n].refresh = atomic_load(&s->entry) != NULL;
		n++;
	}
	return n;
}

void dp_keys_reask(struct dp_keys *k)
{
	struct key_table *t = current(k);

	for (size_t i = 0; i < t->cap; i++) {
		struct key_slot *s = atomic_load_explicit(&t->v[i], memory_order_relaxed);

		if (s != NULL && s->asked) {
			s->asked = false;
			enqueue(k, s);
		}
	}
}

uint64_t dp_keys_next_refresh_ms(const struct dp_keys *k)
{
	return k->ask_head != NULL ? 0 : k->next_refresh_ms;
}

/* The keycache TTL of the scope that signs as domain. */
static uint64_t ttl_ms(const struct dp_keys *k, enum sg_sigkind kind, const char *domain,
		       bool positive)
{
	const struct sg_sign_scope *scope = dp_scope_for(k->conf, kind, domain);
	const struct sg_sign_options *o = scope ? sg_config_domain_options(scope, domain, NULL)
						: NULL;
	uint64_t s = positive ? DEFAULT_POS_TTL_S : DEFAULT_NEG_TTL_S;

	if (o != NULL)
		s = positive ? o->pos_keycache_ttl : o->neg_keycache_ttl;
	return (s > 0 ? s : 1) * 1000;
}

/* Copies text for logs and SMTP replies: bounded, control bytes as '?'. */
static void copy_reason(char *out, size_t cap, const char *in)
{
	size_t i = 0;

	for (; in != NULL && in[i] != '\0' && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
	}
	out[i] = '\0';
}

static struct key_entry *entry_new(enum sg_sigkind kind, const char *domain, uint64_t generation)
{
	struct key_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->pub.kind = kind;
	e->pub.generation = generation;
	snprintf(e->pub.domain, sizeof(e->pub.domain), "%s", domain);
	atomic_init(&e->pub.refs, 1);	/* the table's */
	return e;
}

/* Makes e the slot's entry; the old one's table reference is retired. */
static void publish(struct dp_keys *k, struct key_slot *s, struct key_entry *e,
		    uint64_t now_ms, uint64_t ttl)
{
	struct key_entry *old = atomic_exchange(&s->entry, e);

	if (old != NULL)
		retire(k, &old->retire, RETIRE_ENTRY_REF);
	s->asked = false;
	s->installed_ms = now_ms;
	s->expires_ms = now_ms + ttl;
	if (s->expires_ms < k->next_refresh_ms)
		k->next_refresh_ms = s->expires_ms;
	atomic_fetch_add_explicit(&k->version, 1, memory_order_release);
}

/* Records a failure for the slot: a temporary negative entry, unless the
 * slot still has a key, which is kept and asked for again later. */
static void publish_failure(struct dp_keys *k, struct key_slot *s, const char *reason,
			    uint64_t now_ms)
{
	struct key_entry *cur = atomic_load(&s->entry), *e;

	if (cur != NULL && cur->pub.key != NULL) {
		s->asked = false;
		s->expires_ms = now_ms + DP_KEYS_ERROR_TTL_MS;
		if (s->expires_ms < k->next_refresh_ms)
			k->next_refresh_ms = s->expires_ms;
		return;
	}
	e = entry_new(s->kind, s->domain, cur ? cur->pub.generation : 0);
	if (e == NULL)
		return;		/* the slot stays pending; dp_keys_reask retries */
	e->pub.temporary = true;
	copy_reason(e->pub.reason, sizeof(e->pub.reason), reason);
	publish(k, s, e, now_ms, DP_KEYS_ERROR_TTL_MS);
}

void dp_keys_install_error(struct dp_keys *k, enum sg_sigkind kind, const char *domain,
			   const char *reason, uint64_t now_ms)
{
	char d[DP_KEYS_NAME_MAX + 1];
	struct key_slot *s;

	dp_keys_reclaim(k);
	if (kind > SG_KIND_DOMAINKEYS || !dp_domain_normalize(domain, d, sizeof(d)))
		return;
	s = slot_get(k, kind, d);
	if (s != NULL)
		publish_failure(k, s, reason, now_ms);
}

/* Parses and prepares the answer's key into e->pub.key. */
static enum sg_err load_key(struct dp_keys *k, const struct dp_key_answer *a,
			    struct key_entry *e, struct sg_error *err)
{
	enum sg_err rc = sg_privkey_load_mem((const char *)a->pem, a->pem_len, &e->pub.key, err);

	if (rc == SG_OK && a->kind == SG_KIND_DOMAINKEYS &&
	    sg_privkey_type(e->pub.key) != SG_KEY_RSA)
		rc = sg_error_set(err, SG_E_KEY, 0, 0, "DomainKeys needs an RSA key");
	if (rc == SG_OK && k->prep != NULL)
		rc = sg_backend_prepare(k->prep, e->pub.key, err);
	return rc;
}

static enum sg_err check_answer(const struct dp_key_answer *a, char *d, struct sg_error *err)
{
	if (a->kind > SG_KIND_DOMAINKEYS)
		return sg_error_set(err, SG_E_ARG, 0, 0, "unknown signature kind %llu",
				    (unsigned long long)a->kind);
	if (a->domain == NULL || !dp_domain_normalize(a->domain, d, DP_KEYS_NAME_MAX + 1))
		return sg_error_set(err, SG_E_ARG, 0, 0, "key material for a bad domain name");
	if (a->pem_len > DP_KEYS_PEM_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "key material for %s: %zu bytes of "
				    "PEM, at most %d", d, a->pem_len, DP_KEYS_PEM_MAX);
	if (a->pem_len > 0 && (a->selector == NULL ||
			       !sg_selector_valid(a->selector, strlen(a->selector)) ||
			       strlen(a->selector) > DP_KEYS_NAME_MAX))
		return sg_error_set(err, SG_E_ARG, 0, 0, "key material for %s: bad selector", d);
	return SG_OK;
}

/* True when the answer repeats what the slot holds. */
static bool same_answer(const struct key_slot *s, const struct dp_key_answer *a)
{
	const struct key_entry *cur = atomic_load(&s->entry);

	return cur != NULL && !cur->pub.temporary && cur->pub.generation == a->generation &&
	       (cur->pub.key != NULL) == (a->pem_len > 0) &&
	       strcmp(cur->pub.selector, a->selector ? a->selector : "") == 0;
}

static enum sg_err install_new(struct dp_keys *k, struct key_slot *s,
			       const struct dp_key_answer *a, uint64_t now_ms,
			       struct sg_error *err)
{
	struct key_entry *e = entry_new(s->kind, s->domain, a->generation);
	struct sg_error why;
	enum sg_err rc;

	if (e == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	snprintf(e->pub.selector, sizeof(e->pub.selector), "%s", a->selector ? a->selector : "");
	copy_reason(e->pub.reason, sizeof(e->pub.reason), a->reason);
	sg_error_clear(&why);
	rc = a->pem_len > 0 ? load_key(k, a, e, &why) : SG_OK;
	if (rc != SG_OK) {
		keys_entry_free(e);
		return sg_error_set(err, rc, 0, 0, "key material for %s refused: %s", s->domain,
				    why.msg);
	}
	publish(k, s, e, now_ms, ttl_ms(k, s->kind, s->domain, a->pem_len > 0));
	return SG_OK;
}

enum sg_err dp_keys_install(struct dp_keys *k, const struct dp_key_answer *a, uint64_t now_ms,
			    struct sg_error *err)
{
	char d[DP_KEYS_NAME_MAX + 1] = "";
	struct sg_error mine;
	struct key_slot *s;
	enum sg_err rc;

	sg_error_clear(&mine);
	dp_keys_reclaim(k);
	rc = check_answer(a, d, &mine);
	/* d is set only once kind and domain are known good. */
	s = d[0] != '\0' ? slot_get(k, (enum sg_sigkind)a->kind, d) : NULL;
	if (rc == SG_OK && s == NULL)
		rc = sg_error_set(&mine, SG_E_NOMEM, 0, 0, "no room for the key of %s", d);
	if (rc == SG_OK && same_answer(s, a)) {
		s->asked = false;	/* unchanged: only the TTL starts over */
		s->expires_ms = now_ms + ttl_ms(k, s->kind, d, a->pem_len > 0);
		if (s->expires_ms < k->next_refresh_ms)
			k->next_refresh_ms = s->expires_ms;
	} else if (rc == SG_OK) {
		rc = install_new(k, s, a, now_ms, &mine);
	}
	if (rc != SG_OK && s != NULL)
		publish_failure(k, s, mine.msg, now_ms);
	if (rc != SG_OK && err != NULL)
		*err = mine;
	return rc;
}
