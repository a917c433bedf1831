/*
 * NAME
 *   bodyhash.h - canonicalize-and-hash lanes shared by the signatures of a
 *                message
 *
 * SUMMARY
 *   A lane is one body canonicalizer feeding one hash context. Signer and
 *   verifier ask for a lane per signature with sg_bodyhash_lane(); lanes
 *   with the same (canonicalization, hash, limit) are shared, so the body is
 *   canonicalized and hashed once per distinct triple. A private lane
 *   (DomainKeys, whose hash also covers the headers) is never shared;
 *   sg_bodyhash_prefix feeds bytes straight into its hash first and
 *   sg_bodyhash_lane_canon feeds bytes through its canonicalizer only.
 *   sg_bodyhash_update feeds body bytes to every lane; sg_bodyhash_final
 *   ends all lanes; after it sg_bodyhash_digest and sg_bodyhash_length
 *   (canonical length before any limit) are valid.
 *   sg_bodyhash_update takes the body in pieces of SG_BODYHASH_PIECE bytes
 *   and gives each piece to every lane before the next, so the body is read
 *   from memory once and each piece is scanned, copied and hashed while it
 *   is in the cache. sg_bodyhash_set_kernels installs scan kernels
 *   (canon.h) in every lane, present and future (NULL = built-in).
 */
#ifndef SIGNET_DKIM_BODYHASH_H
#define SIGNET_DKIM_BODYHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "canon.h"
#include "hash.h"
#include "status.h"

#define SG_BODYHASH_MAX_LANES 16
#define SG_BODYHASH_NO_LIMIT UINT64_MAX
#define SG_BODYHASH_PIECE 16384

struct sg_bodyhash_lane {
	enum sg_canon canon;
	enum sg_hash_alg alg;
	uint64_t limit;
	bool private_lane;
	const struct sg_hash_ops *ops;
	void *hash;			/* context from sg_hash_ops.create */
	struct sg_body_canon canonicalizer;
	uint8_t digest[SG_HASH_MAX];
	size_t digest_len;
};

struct sg_bodyhash {
	const struct sg_hash_ops *ops;
	const struct sg_canon_kernels *kernels;	/* NULL = built-in scanners */
	struct sg_bodyhash_lane *lanes[SG_BODYHASH_MAX_LANES];
	size_t count;
	bool finished;
};

void sg_bodyhash_init(struct sg_bodyhash *bh, const struct sg_hash_ops *ops);
void sg_bodyhash_cleanup(struct sg_bodyhash *bh);
void sg_bodyhash_set_kernels(struct sg_bodyhash *bh, const struct sg_canon_kernels *k);

/* Index of a lane for (canon, alg, limit), or -1 on allocation failure or
 * too many lanes. */
int sg_bodyhash_lane(struct sg_bodyhash *bh, enum sg_canon canon, enum sg_hash_alg alg,
		     uint64_t limit, bool private_lane);
void sg_bodyhash_prefix(struct sg_bodyhash *bh, int lane, const void *data, size_t len);
void sg_bodyhash_lane_canon(struct sg_bodyhash *bh, int lane, const void *data, size_t len);
void sg_bodyhash_update(struct sg_bodyhash *bh, const void *data, size_t len);
void sg_bodyhash_final(struct sg_bodyhash *bh);
const uint8_t *sg_bodyhash_digest(const struct sg_bodyhash *bh, int lane, size_t *len);
uint64_t sg_bodyhash_length(const struct sg_bodyhash *bh, int lane);

#endif
