/*
 * NAME
 *   dp_keys.c - the workers' side of the key view: readers, lock-free
 *               lookups, entry references; creation and wire helpers
 *
 * SUMMARY
 *   See dp_keys.h (MECHANISM). A lookup: normalize the domain, announce the
 *   reader in the current epoch, probe the published table, take a
 *   reference on the slot's entry, leave the epoch. A miss queues a want in
 *   the reader's single-producer ring and pokes the eventfd.
 *
 * UNTRUSTED INPUT
 *   Domains to look up (from mail headers) and KEY_MATERIAL fields read by
 *   dp_keys_answer_decode: bounded getters of proto.h.
 */

/* System library. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

/* Crypto, control plane and dataplane. */
#include "backend.h"
#include "dp_keys_internal.h"
#include "dp_scope.h"
#include "key.h"
#include "siphash.h"

#define FIRST_TABLE_CAP 64

uint64_t keys_hash(const struct dp_keys *k, enum sg_sigkind kind, const char *domain)
{
	char buf[DP_KEYS_NAME_MAX + 2];
	size_t n = strnlen(domain, DP_KEYS_NAME_MAX);

	buf[0] = (char)('0' + kind);
	memcpy(buf + 1, domain, n);
	return sg_siphash(k->hash_key, buf, n + 1);
}

struct key_slot *keys_table_find(struct key_table *t, uint64_t hash, enum sg_sigkind kind,
				 const char *domain)
{
	size_t mask = t->cap - 1;

	for (size_t i = hash & mask, n = 0; n < t->cap; i = (i + 1) & mask, n++) {
		struct key_slot *s = atomic_load_explicit(&t->v[i], memory_order_acquire);

		if (s == NULL)
			return NULL;
		if (s->hash == hash && s->kind == kind && strcmp(s->domain, domain) == 0)
			return s;
	}
	return NULL;
}

void keys_entry_free(struct key_entry *e)
{
	if (e == NULL)
		return;
	sg_privkey_free(e->pub.key);	/* zeroes the key */
	free(e);
}

struct key_table *keys_table_new(size_t cap)
{
	struct key_table *t = calloc(1, sizeof(*t) + cap * sizeof(t->v[0]));

	if (t == NULL)
		return NULL;
	t->cap = cap;
	t->retire.kind = RETIRE_TABLE;
	for (size_t i = 0; i < cap; i++)
		atomic_init(&t->v[i], NULL);
	return t;
}

/* Opens the backend instance used to prepare keys (spec NULL: none). */
static enum sg_err open_prep(struct dp_keys *k, const char *spec, struct sg_error *err)
{
	if (spec == NULL)
		return SG_OK;
	return sg_backend_open(spec, &k->prep, err);
}

enum sg_err dp_keys_new(const struct sg_config *conf, const char *backend_spec,
			struct dp_keys **out, struct sg_error *err)
{
	struct dp_keys *k;
	enum sg_err rc;

	if (out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no place for the key view");
	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	k->want_fd = -1;
	k->conf = conf;
	k->max_slots = DP_KEYS_MAX_SLOTS;
	k->next_refresh_ms = UINT64_MAX;
	atomic_init(&k->epoch, 1);
	atomic_init(&k->version, 1);
	atomic_init(&k->table, keys_table_new(FIRST_TABLE_CAP));
	if (getrandom(k->hash_key, sizeof(k->hash_key), 0) != (ssize_t)sizeof(k->hash_key)) {
		rc = sg_error_set(err, SG_E_IO, 0, 0, "getrandom: %s", strerror(errno));
	} else if (atomic_load(&k->table) == NULL) {
		rc = sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	} else {
		k->want_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		rc = k->want_fd < 0 ? sg_error_set(err, SG_E_IO, 0, 0, "eventfd: %s",
						   strerror(errno))
				    : open_prep(k, backend_spec, err);
	}
	if (rc != SG_OK) {
		dp_keys_free(k);
		return rc;
	}
	*out = k;
	return SG_OK;
}

/* Drops the table's references and frees every slot (no reader left). */
static void free_table(struct key_table *t)
{
	for (size_t i = 0; t != NULL && i < t->cap; i++) {
		struct key_slot *s = atomic_load(&t->v[i]);

		if (s == NULL)
			continue;
		if (atomic_load(&s->entry) != NULL)
			dp_keys_release(&atomic_load(&s->entry)->pub);
		free(s);
	}
	free(t);
}

void dp_keys_free(struct dp_keys *k)
{
	if (k == NULL)
		return;
	/* No reader is left: everything retired can go. */
	atomic_fetch_add(&k->epoch, 1);
	dp_keys_reclaim(k);
	free_table(atomic_load(&k->table));
	sg_backend_close(k->prep);
	if (k->want_fd >= 0)
		close(k->want_fd);
	free(k);
}

enum sg_err dp_keys_reader_new(struct dp_keys *k, struct dp_keys_reader **out,
			       struct sg_error *err)
{
	if (k == NULL || out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key view or no place for the reader");
	for (size_t i = 0; i < DP_KEYS_MAX_READERS; i++) {
		struct dp_keys_reader *r = &k->readers[i];
		bool expected = false;

		if (atomic_compare_exchange_strong(&r->used, &expected, true)) {
			r->keys = k;
			atomic_store(&r->epoch, 0);
			*out = r;
			return SG_OK;
		}
	}
	return sg_error_set(err, SG_E_LIMIT, 0, 0, "more than %d key readers",
			    DP_KEYS_MAX_READERS);
}

void dp_keys_reader_free(struct dp_keys_reader *r)
{
	if (r == NULL)
		return;
	atomic_store(&r->epoch, 0);
	atomic_store_explicit(&r->used, false, memory_order_release);
}

/* Queues a want for the control thread; false when the ring is full. */
static bool want(struct dp_keys_reader *r, enum sg_sigkind kind, const char *domain)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	struct want_item *w;
	uint64_t one = 1;
	ssize_t n;

	if (tail - head >= DP_KEYS_WANT_RING)
		return false;
	w = &r->ring[tail % DP_KEYS_WANT_RING];
	w->kind = kind;
	snprintf(w->domain, sizeof(w->domain), "%s", domain);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	/* A failed write (EAGAIN: a wake-up is pending already) loses nothing:
	 * the control thread drains every ring when it wakes. */
	n = write(r->keys->want_fd, &one, sizeof(one));
	(void)n;
	return true;
}

/* Inside one epoch: finds the slot and takes a reference on its entry. */
static struct key_entry *find_and_hold(struct dp_keys_reader *r, uint64_t hash,
				       enum sg_sigkind kind, const char *domain, bool *slot)
{
	struct dp_keys *k = r->keys;
	struct key_entry *e = NULL;
	struct key_slot *s;

	atomic_store(&r->epoch, atomic_load(&k->epoch));
	s = keys_table_find(atomic_load(&k->table), hash, kind, domain);
	*slot = s != NULL;
	if (s != NULL) {
		e = atomic_load(&s->entry);
		if (e != NULL)
			atomic_fetch_add_explicit(&e->pub.refs, 1, memory_order_relaxed);
	}
	atomic_store_explicit(&r->epoch, 0, memory_order_release);
	return e;
}

enum dp_key_status dp_keys_lookup(struct dp_keys_reader *r, enum sg_sigkind kind,
				  const char *domain, const struct dp_key_entry **out)
{
	char d[DP_KEYS_NAME_MAX + 1];
	struct key_entry *e;
	bool slot;

	*out = NULL;
	if (kind > SG_KIND_DOMAINKEYS || !dp_domain_normalize(domain, d, sizeof(d)))
		return DP_KEY_INVALID;
	e = find_and_hold(r, keys_hash(r->keys, kind, d), kind, d, &slot);
	if (e != NULL) {
		*out = &e->pub;
		return e->pub.key != NULL ? DP_KEY_FOUND : DP_KEY_NONE;
	}
	if (slot)
		return DP_KEY_PENDING;	/* taken by the control thread, asked */
	return want(r, kind, d) ? DP_KEY_PENDING : DP_KEY_RETRY;
}

void dp_keys_release(const struct dp_key_entry *e)
{
	struct key_entry *ke = (struct key_entry *)e;

	if (ke == NULL)
		return;
	if (atomic_fetch_sub_explicit(&ke->pub.refs, 1, memory_order_acq_rel) == 1)
		keys_entry_free(ke);
}

uint64_t dp_keys_version(const struct dp_keys *k)
{
	return atomic_load_explicit(&k->version, memory_order_acquire);
}

int dp_keys_want_fd(const struct dp_keys *k)
{
	return k->want_fd;
}

enum sg_err dp_keys_request_encode(const struct dp_key_want *want, struct sg_wire_out *w)
{
	sg_wire_begin(w, SG_MSG_KEY_REQUEST);
	if (sg_wire_put_u64(w, (uint64_t)want->kind) != SG_OK ||
	    sg_wire_put_str(w, want->domain) != SG_OK)
		return SG_E_LIMIT;
	return sg_wire_finish(w);
}

enum sg_err dp_keys_answer_decode(struct sg_wire_in *r, struct dp_key_answer *a,
				  struct dp_key_answer_buf *buf, struct sg_error *err)
{
	memset(a, 0, sizeof(*a));
	if (r->type != SG_MSG_KEY_MATERIAL)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0, "message type %d is not KEY_MATERIAL",
				    (int)r->type);
	if (!sg_wire_get_u64(r, &a->generation) || !sg_wire_get_u64(r, &a->kind) ||
	    !sg_wire_get_str(r, buf->domain, sizeof(buf->domain)) ||
	    !sg_wire_get_str(r, buf->selector, sizeof(buf->selector)) ||
	    !sg_wire_get_bytes(r, &a->pem, &a->pem_len, DP_KEYS_PEM_MAX) ||
	    !sg_wire_get_str(r, buf->reason, sizeof(buf->reason)) || !sg_wire_end(r))
		return sg_error_set(err, SG_E_SYNTAX, 0, r->off, "malformed KEY_MATERIAL: %s",
				    r->why);
	a->domain = buf->domain;
	a->selector = buf->selector;
	a->reason = buf->reason;
	return SG_OK;
}
