/*
 * NAME
 *   cryptodev_sessions.c - per-instance table keymat -> device session
 *                          (see cryptodev_sessions.h)
 *
 * SUMMARY
 *   The session pool has CDEV_SESSION_SPARE objects more than the table:
 *   DPDK 22.11's rte_cryptodev_asym_session_create does not return the
 *   object to the pool when the PMD refuses the key, so each refusal costs
 *   one object until the instance closes and the pool is freed. Refused
 *   keys stay in the table (sess == NULL) and are not offered again, so
 *   only a stream of new refused keys can use up the spares, after which
 *   new keys are refused too (and signed by evp).
 */

/* System library. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* DPDK. */
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_mempool.h>

/* Crypto layer. */
#include "cryptodev_sessions.h"

#define CDEV_SESSION_SPARE 16

static size_t bucket_of(const struct cdev_sessions *t, const struct cdev_keymat *km)
{
	uint64_t h = (uint64_t)(uintptr_t)km * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (t->nbuckets - 1);
}

enum sg_err cdev_sessions_init(struct cdev_sessions *t, uint8_t dev_id, int socket,
			       const char *pool_name, size_t cap, struct sg_error *err)
{
	memset(t, 0, sizeof(*t));
	t->dev_id = dev_id;
	t->cap = cap;
	t->nbuckets = 1;
	while (t->nbuckets < 2 * cap)
		t->nbuckets *= 2;
	t->entries = calloc(cap, sizeof(*t->entries));
	t->heads = malloc(t->nbuckets * sizeof(*t->heads));
	if (t->entries == NULL || t->heads == NULL) {
		cdev_sessions_fini(t);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "cryptodev: out of memory");
	}
	for (size_t i = 0; i < t->nbuckets; i++)
		t->heads[i] = -1;
	t->pool = rte_cryptodev_asym_session_pool_create(pool_name,
							 (uint32_t)(cap + CDEV_SESSION_SPARE),
							 0, 0, socket);
	if (t->pool == NULL) {
		cdev_sessions_fini(t);
		return sg_error_set(err, SG_E_NOMEM, 0, 0,
				    "cryptodev: cannot create session pool %s (%zu sessions): %s",
				    pool_name, cap, rte_strerror(rte_errno));
	}
	return SG_OK;
}

static void unlink_entry(struct cdev_sessions *t, int32_t idx)
{
	int32_t *link = &t->heads[bucket_of(t, t->entries[idx].km)];

	while (*link != idx)
		link = &t->entries[*link].next;
	*link = t->entries[idx].next;
}

static void free_entry(struct cdev_sessions *t, int32_t idx)
{
	struct cdev_sess_entry *e = &t->entries[idx];

	unlink_entry(t, idx);
	if (e->sess != NULL)
		rte_cryptodev_asym_session_free(t->dev_id, e->sess);
	EVP_PKEY_CTX_free(e->verify[0]);
	EVP_PKEY_CTX_free(e->verify[1]);
	cdev_keymat_unref(e->km);
	memset(e, 0, sizeof(*e));
	t->used--;
}

void cdev_sessions_fini(struct cdev_sessions *t)
{
	for (size_t i = 0; t->entries != NULL && i < t->cap; i++) {
		if (t->entries[i].km != NULL)
			free_entry(t, (int32_t)i);
	}
	rte_mempool_free(t->pool);
	free(t->entries);
	free(t->heads);
	memset(t, 0, sizeof(*t));
}

/* Frees idle entries of freed keys; then, if still full, the LRU idle one. */
static void make_room(struct cdev_sessions *t)
{
	int32_t victim = -1;

	for (size_t i = 0; i < t->cap; i++) {
		struct cdev_sess_entry *e = &t->entries[i];

		if (e->km != NULL && e->busy == 0 && cdev_keymat_orphan(e->km))
			free_entry(t, (int32_t)i);
	}
	if (t->used < t->cap)
		return;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->entries[i].busy == 0 &&
		    (victim < 0 || t->entries[i].last_use < t->entries[victim].last_use))
			victim = (int32_t)i;
	}
	if (victim >= 0) {
		free_entry(t, victim);
		t->evicted++;
	}
}

/*
 * Devices size the CRT numbers as half the modulus (QAT copies each into a
 * k/2-byte slot); a key with unbalanced primes is not offered to them.
 */
static bool balanced(const struct cdev_crt *crt, size_t k)
{
	size_t half = (k + 1) / 2;

	return crt->p.len <= half && crt->q.len <= half && crt->dp.len <= half &&
	       crt->dq.len <= half && crt->qinv.len <= half;
}

/* Creates the device session of key, or leaves *sess NULL when refused. */
static enum sg_err make_session(struct cdev_sessions *t, const struct sg_privkey *key,
				const struct cdev_keymat *km, void **sess, struct sg_error *err)
{
	struct rte_crypto_asym_xform x;
	struct cdev_crt crt;
	enum sg_err rc;

	*sess = NULL;
	rc = cdev_crt_get(key, &crt, err);
	if (rc == SG_E_KEY)
		return SG_OK;	/* no CRT numbers (signet's loader refuses such keys): evp */
	if (rc != SG_OK)
		return rc;
	if (!balanced(&crt, km->k)) {
		cdev_crt_wipe(&crt);
		return SG_OK;		/* refused: evp signs this key */
	}
	memset(&x, 0, sizeof(x));
	x.xform_type = RTE_CRYPTO_ASYM_XFORM_RSA;
	x.rsa.key_type = RTE_RSA_KEY_TYPE_QT;
	x.rsa.n = (rte_crypto_uint){ .data = (uint8_t *)km->n.data, .length = km->n.len };
	x.rsa.e = (rte_crypto_uint){ .data = (uint8_t *)km->e.data, .length = km->e.len };
	x.rsa.qt.p = (rte_crypto_uint){ .data = (uint8_t *)crt.p.data, .length = crt.p.len };
	x.rsa.qt.q = (rte_crypto_uint){ .data = (uint8_t *)crt.q.data, .length = crt.q.len };
	x.rsa.qt.dP = (rte_crypto_uint){ .data = (uint8_t *)crt.dp.data, .length = crt.dp.len };
	x.rsa.qt.dQ = (rte_crypto_uint){ .data = (uint8_t *)crt.dq.data, .length = crt.dq.len };
	x.rsa.qt.qInv = (rte_crypto_uint){ .data = (uint8_t *)crt.qinv.data,
					   .length = crt.qinv.len };
	if (rte_cryptodev_asym_session_create(t->dev_id, &x, t->pool, sess) < 0)
		*sess = NULL;
	cdev_crt_wipe(&crt);
	return SG_OK;
}

enum sg_err cdev_sessions_get(struct cdev_sessions *t, const struct sg_privkey *key,
			      struct cdev_keymat *km, struct cdev_sess_entry **out,
			      struct sg_error *err)
{
	size_t b = bucket_of(t, km);
	struct cdev_sess_entry *e;
	int32_t idx;
	enum sg_err rc;

	for (idx = t->heads[b]; idx >= 0; idx = t->entries[idx].next) {
		if (t->entries[idx].km == km)
			break;
	}
	if (idx < 0) {
		make_room(t);
		for (idx = 0; (size_t)idx < t->cap && t->entries[idx].km != NULL; idx++)
			;
		if ((size_t)idx == t->cap)
			return sg_error_set(err, SG_E_LIMIT, 0, 0,
					    "cryptodev: all %zu sessions are in use", t->cap);
		e = &t->entries[idx];
		rc = make_session(t, key, km, &e->sess, err);
		if (rc != SG_OK)
			return rc;
		if (e->sess != NULL)
			t->created++;
		else
			t->refused++;
		cdev_keymat_ref(km);
		e->km = km;
		e->next = t->heads[b];
		t->heads[b] = idx;
		t->used++;
	}
	e = &t->entries[idx];
	e->last_use = ++t->tick;
	*out = e;
	return SG_OK;
}
