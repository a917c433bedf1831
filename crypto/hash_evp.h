/*
 * NAME
 *   hash_evp.h - struct sg_hash_ops backed by OpenSSL EVP (SHA-1, SHA-256)
 */
#ifndef SIGNET_CRYPTO_HASH_EVP_H
#define SIGNET_CRYPTO_HASH_EVP_H

#include "hash.h"

const struct sg_hash_ops *sg_hash_evp(void);

#endif
