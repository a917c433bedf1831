/*
 * NAME
 *   hash.h - the hashing interface the engine calls
 *
 * SUMMARY
 *   The engine never includes a crypto library. Whoever creates a signer
 *   or verifier passes a struct sg_hash_ops (crypto/ provides the OpenSSL
 *   one). create() returns a fresh context or NULL on allocation failure;
 *   final() writes the digest and returns its length; destroy() frees the
 *   context and may be called after final() or instead of it.
 */
#ifndef SIGNET_DKIM_HASH_H
#define SIGNET_DKIM_HASH_H

#include <stddef.h>
#include <stdint.h>
#include "types.h"

struct sg_hash_ops {
	void *(*create)(void *env, enum sg_hash_alg alg);
	void (*update)(void *ctx, const void *data, size_t len);
	size_t (*final)(void *ctx, uint8_t out[SG_HASH_MAX]);
	void (*destroy)(void *ctx);
	void *env;
};

#endif
