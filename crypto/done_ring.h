/*
 * NAME
 *   done_ring.h - the queue of finished signing jobs a backend keeps until
 *                 the caller polls
 *
 * SUMMARY
 *   A fixed ring of SG_DONE_RING_MAX struct sg_sign_done. sg_done_ring_push
 *   hands out the next free entry, reset (status SG_OK, no error, no
 *   signature) with the cookie set — the caller checks sg_done_ring_full
 *   first; sg_done_ring_drain copies out up to max entries, oldest first.
 *   Single-threaded, like the backend instance that owns it.
 */
#ifndef SIGNET_CRYPTO_DONE_RING_H
#define SIGNET_CRYPTO_DONE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include "backend.h"

#define SG_DONE_RING_MAX 64

struct sg_done_ring {
	struct sg_sign_done slot[SG_DONE_RING_MAX];
	size_t head;
	size_t count;
};

static inline bool sg_done_ring_full(const struct sg_done_ring *r)
{
	return r->count == SG_DONE_RING_MAX;
}

static inline struct sg_sign_done *sg_done_ring_push(struct sg_done_ring *r, void *cookie)
{
	struct sg_sign_done *d = &r->slot[(r->head + r->count) % SG_DONE_RING_MAX];

	r->count++;
	d->cookie = cookie;
	d->status = SG_OK;
	d->error[0] = '\0';
	d->sig_len = 0;
	return d;
}

static inline size_t sg_done_ring_drain(struct sg_done_ring *r, struct sg_sign_done *out,
					size_t max)
{
	size_t n = 0;

	while (n < max && r->count > 0) {
		out[n++] = r->slot[r->head];
		r->head = (r->head + 1) % SG_DONE_RING_MAX;
		r->count--;
	}
	return n;
}

#endif
