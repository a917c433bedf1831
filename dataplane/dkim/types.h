/*
 * NAME
 *   types.h - vocabulary shared by every part of the engine
 *
 * SUMMARY
 *   Signature kinds, algorithms, hashes and canonicalizations, with their
 *   wire names. Pure data: no allocation, no I/O.
 */
#ifndef SIGNET_DKIM_TYPES_H
#define SIGNET_DKIM_TYPES_H

#include <stdbool.h>
#include <stddef.h>

enum sg_sigkind { SG_KIND_DKIM, SG_KIND_DOMAINKEYS };

enum sg_hash_alg { SG_HASH_SHA1, SG_HASH_SHA256 };
#define SG_HASH_MAX 32		/* bytes in the largest digest */

enum sg_keytype { SG_KEY_RSA, SG_KEY_ED25519 };

enum sg_alg { SG_ALG_RSA_SHA1, SG_ALG_RSA_SHA256, SG_ALG_ED25519_SHA256 };

enum sg_canon {
	SG_CANON_SIMPLE,	/* DKIM simple (RFC 6376 3.4.1 / 3.4.3) */
	SG_CANON_RELAXED,	/* DKIM relaxed (RFC 6376 3.4.2 / 3.4.4) */
	SG_CANON_DK_SIMPLE,	/* DomainKeys simple (RFC 4870 3.4.1) */
	SG_CANON_DK_NOFWS,	/* DomainKeys nofws (RFC 4870 3.4.2) */
};

size_t sg_hash_len(enum sg_hash_alg h);			/* 20 or 32 */
enum sg_hash_alg sg_alg_hash(enum sg_alg a);
enum sg_keytype sg_alg_keytype(enum sg_alg a);
const char *sg_alg_name(enum sg_alg a);			/* "rsa-sha256" */
const char *sg_canon_name(enum sg_canon c);		/* "relaxed", "nofws" */
/* Parse wire names; return false when unknown. n = length of s. */
bool sg_alg_parse(const char *s, size_t n, enum sg_alg *out);
bool sg_canon_parse(const char *s, size_t n, bool domainkeys, enum sg_canon *out);

#endif
