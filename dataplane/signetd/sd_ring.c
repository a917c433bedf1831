/*
 * NAME
 *   sd_ring.c - single-producer single-consumer pointer ring (see sd_ring.h)
 *
 * SUMMARY
 *   tail counts pushes (written by the producer only), head counts pops
 *   (written by the consumer only); both only grow and wrap as size_t.
 *   The slot of a count is count & mask. The producer stores the slot,
 *   then publishes tail with release; the consumer reads tail with acquire
 *   before the slot, and publishes head with release after reading it.
 */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "sd_ring.h"

#define CACHE_LINE 64

struct sd_ring {
	alignas(CACHE_LINE) _Atomic size_t head;	/* pops so far (consumer) */
	alignas(CACHE_LINE) _Atomic size_t tail;	/* pushes so far (producer) */
	alignas(CACHE_LINE) size_t mask;
	void **slot;
};

struct sd_ring *sd_ring_new(size_t capacity)
{
	struct sd_ring *r;
	size_t cap = 2;

	if (capacity > SD_RING_MAX)
		return NULL;
	while (cap < capacity)
		cap *= 2;
	r = aligned_alloc(CACHE_LINE, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->slot = calloc(cap, sizeof(*r->slot));
	if (r->slot == NULL) {
		free(r);
		return NULL;
	}
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->mask = cap - 1;
	return r;
}

void sd_ring_free(struct sd_ring *r)
{
	if (r == NULL)
		return;
	free(r->slot);
	free(r);
}

bool sd_ring_push(struct sd_ring *r, void *p)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	if (p == NULL || tail - head > r->mask)
		return false;
	r->slot[tail & r->mask] = p;
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

void *sd_ring_pop(struct sd_ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	void *p;

	if (head == tail)
		return NULL;
	p = r->slot[head & r->mask];
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return p;
}

size_t sd_ring_count(const struct sd_ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

	return tail - head;
}

size_t sd_ring_capacity(const struct sd_ring *r)
{
	return r->mask + 1;
}
