/*
 * NAME
 *   cryptodev_sessions.h - one backend instance's device sessions, one per
 *                          key, in a small table
 *
 * SUMMARY
 *   A DPDK asymmetric session belongs to one device, and some PMDs keep
 *   per-operation state in it (crypto_openssl in 22.11 reuses one
 *   EVP_PKEY_CTX per session), so two threads must not use one session at
 *   the same time. Sessions are therefore kept per backend instance (one
 *   thread, one queue pair), not in the key: the key's prep slot holds the
 *   device-independent struct cdev_keymat, and this table maps keymat ->
 *   session, with its own session mempool.
 *
 *   cdev_sessions_get finds the entry of a keymat or makes one: it reads
 *   the key's CRT numbers (cdev_crt_get), builds an RSA xform with a
 *   quintuple private key, creates the session and wipes the numbers.
 *   Each entry holds a keymat reference, so its address cannot be reused
 *   by another key while the entry lives. A device that refuses the key,
 *   a key without usable CRT numbers, or one whose CRT numbers are longer
 *   than half the modulus (unbalanced primes, which devices do not size
 *   for) leaves an entry with sess == NULL: that key is signed by evp.
 *   When the table is full, a miss first frees every idle entry whose key
 *   has been freed (the entry holds the only keymat reference), then the
 *   least recently used idle entry. "Idle" is busy == 0: the caller counts
 *   the jobs in flight with an entry in busy, and an entry in use is never
 *   evicted. A table of at least capacity entries therefore always has an
 *   idle one when a new job is accepted. Entries also cache the
 *   public-key verification contexts for rsa-sha1 and rsa-sha256.
 *   Lookups hash the keymat address into chains (2 buckets per entry).
 */
#ifndef SIGNET_CRYPTO_CRYPTODEV_SESSIONS_H
#define SIGNET_CRYPTO_CRYPTODEV_SESSIONS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "cryptodev_keymat.h"
#include "key.h"
#include "status.h"

struct rte_mempool;

struct cdev_sess_entry {
	struct cdev_keymat *km;		/* one reference held; NULL: free entry */
	void *sess;			/* NULL: the device refused this key */
	EVP_PKEY_CTX *verify[2];	/* rsa-sha1, rsa-sha256 */
	unsigned busy;			/* jobs held that use this entry */
	uint64_t last_use;
	int32_t next;			/* hash chain, -1 at the end */
};

struct cdev_sessions {
	uint8_t dev_id;
	struct rte_mempool *pool;
	struct cdev_sess_entry *entries;
	int32_t *heads;
	size_t cap, used, nbuckets;
	uint64_t tick;
	uint64_t created, refused, evicted;
};

SG_MUST_CHECK enum sg_err cdev_sessions_init(struct cdev_sessions *t, uint8_t dev_id, int socket,
					     const char *pool_name, size_t cap,
					     struct sg_error *err);
void cdev_sessions_fini(struct cdev_sessions *t);
SG_MUST_CHECK enum sg_err cdev_sessions_get(struct cdev_sessions *t, const struct sg_privkey *key,
					    struct cdev_keymat *km, struct cdev_sess_entry **out,
					    struct sg_error *err);

#endif
