/*
 * NAME
 *   hash_evp.h - struct sg_hash_ops backed by OpenSSL EVP (SHA-1, SHA-256)
 */
#ifndef SIGNET_CRYPTO_HASH_EVP_H
#define SIGNET_CRYPTO_HASH_EVP_H

#include "hash.h"

const struct sg_hash_ops *sg_hash_evp(void);

/* The same operations, with SHA-1 and SHA-256 fetched once (EVP_MD_fetch)
 * for every context made from them instead of OpenSSL 3's implicit fetch
 * at each context's start (~0.2 us each): for an owner that makes many
 * contexts, such as a dataplane worker's signer. Contexts may still be
 * used from different threads; free the operations after the last
 * context made from them. NULL when out of memory or a digest is not
 * available. */
const struct sg_hash_ops *sg_hash_evp_fetched_new(void);
/* The same for one thread only: a destroyed context is started again (its
 * state wiped back to the digest's initial value) and kept for the next
 * create() of that digest, up to 16 a digest, instead of freed. Free it
 * with sg_hash_evp_fetched_free once no context made from it is in use. */
const struct sg_hash_ops *sg_hash_evp_pooled_new(void);
void sg_hash_evp_fetched_free(const struct sg_hash_ops *ops);

#endif
