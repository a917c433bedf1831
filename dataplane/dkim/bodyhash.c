/*
 * NAME
 *   bodyhash.c - shared canonicalize-and-hash lanes (see bodyhash.h)
 */
#include <stdlib.h>
#include <string.h>

#include "bodyhash.h"

void sg_bodyhash_init(struct sg_bodyhash *bh, const struct sg_hash_ops *ops)
{
	memset(bh, 0, sizeof(*bh));
	bh->ops = ops;
}

void sg_bodyhash_cleanup(struct sg_bodyhash *bh)
{
	for (size_t i = 0; i < bh->count; i++) {
		if (bh->lanes[i]->hash)
			bh->ops->destroy(bh->lanes[i]->hash);
		free(bh->lanes[i]);
	}
	bh->count = 0;
}

void sg_bodyhash_set_kernels(struct sg_bodyhash *bh, const struct sg_canon_kernels *k)
{
	bh->kernels = k;
	for (size_t i = 0; i < bh->count; i++)
		sg_body_canon_set_kernels(&bh->lanes[i]->canonicalizer, k);
}

static void lane_sink(void *arg, const void *data, size_t len)
{
	struct sg_bodyhash_lane *lane = arg;

	lane->ops->update(lane->hash, data, len);
}

int sg_bodyhash_lane(struct sg_bodyhash *bh, enum sg_canon canon, enum sg_hash_alg alg,
		     uint64_t limit, bool private_lane)
{
	struct sg_bodyhash_lane *lane;

	if (bh->finished)
		return -1;
	if (!private_lane) {
		for (size_t i = 0; i < bh->count; i++) {
			lane = bh->lanes[i];
			if (!lane->private_lane && lane->canon == canon && lane->alg == alg &&
			    lane->limit == limit)
				return (int)i;
		}
	}
	if (bh->count == SG_BODYHASH_MAX_LANES)
		return -1;
	lane = calloc(1, sizeof(*lane));
	if (lane == NULL)
		return -1;
	*lane = (struct sg_bodyhash_lane){
		.canon = canon, .alg = alg, .limit = limit, .private_lane = private_lane,
		.ops = bh->ops,
	};
	lane->hash = bh->ops->create(bh->ops->env, alg);
	if (lane->hash == NULL) {
		free(lane);
		return -1;
	}
	sg_body_canon_init(&lane->canonicalizer, canon, limit, lane_sink, lane);
	sg_body_canon_set_kernels(&lane->canonicalizer, bh->kernels);
	bh->lanes[bh->count] = lane;
	return (int)bh->count++;
}

void sg_bodyhash_prefix(struct sg_bodyhash *bh, int lane, const void *data, size_t len)
{
	struct sg_bodyhash_lane *l = bh->lanes[lane];

	l->ops->update(l->hash, data, len);
}

void sg_bodyhash_lane_canon(struct sg_bodyhash *bh, int lane, const void *data, size_t len)
{
	sg_body_canon_update(&bh->lanes[lane]->canonicalizer, data, len);
}

void sg_bodyhash_update(struct sg_bodyhash *bh, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		size_t n = len < SG_BODYHASH_PIECE ? len : SG_BODYHASH_PIECE;

		for (size_t i = 0; i < bh->count; i++)
			sg_body_canon_update(&bh->lanes[i]->canonicalizer, p, n);
		p += n;
		len -= n;
	}
}

void sg_bodyhash_final(struct sg_bodyhash *bh)
{
	if (bh->finished)
		return;
	for (size_t i = 0; i < bh->count; i++) {
		struct sg_bodyhash_lane *l = bh->lanes[i];

		sg_body_canon_final(&l->canonicalizer);
		l->digest_len = l->ops->final(l->hash, l->digest);
	}
	bh->finished = true;
}

const uint8_t *sg_bodyhash_digest(const struct sg_bodyhash *bh, int lane, size_t *len)
{
	*len = bh->lanes[lane]->digest_len;
	return bh->lanes[lane]->digest;
}

uint64_t sg_bodyhash_length(const struct sg_bodyhash *bh, int lane)
{
	return bh->lanes[lane]->canonicalizer.total;
}
