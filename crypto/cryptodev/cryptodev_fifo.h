/*
 * NAME
 *   cryptodev_fifo.h - a fixed ring of crypto op pointers
 *
 * SUMMARY
 *   The backend keeps two: ops submitted but not yet taken by the device
 *   (pending) and ops completed but not yet polled (done). cap is a power
 *   of two, set once; a ring never holds more than cap (the backend's
 *   capacity bounds all ops it holds). peek copies up to n ops from the
 *   head without removing them (for an enqueue burst that the device may
 *   take only part of), drop removes n from the head.
 */
#ifndef SIGNET_CRYPTO_CRYPTODEV_FIFO_H
#define SIGNET_CRYPTO_CRYPTODEV_FIFO_H

#include <stddef.h>
#include <stdlib.h>

struct rte_crypto_op;

struct cdev_fifo {
	struct rte_crypto_op **slot;
	size_t cap, head, count;
};

static inline int cdev_fifo_init(struct cdev_fifo *f, size_t cap)
{
	f->slot = calloc(cap, sizeof(*f->slot));
	f->cap = cap;
	f->head = 0;
	f->count = 0;
	return f->slot == NULL ? -1 : 0;
}

static inline void cdev_fifo_fini(struct cdev_fifo *f)
{
	free(f->slot);
	f->slot = NULL;
	f->count = 0;
}

static inline void cdev_fifo_push(struct cdev_fifo *f, struct rte_crypto_op *op)
{
	f->slot[(f->head + f->count++) & (f->cap - 1)] = op;
}

static inline struct rte_crypto_op *cdev_fifo_pop(struct cdev_fifo *f)
{
	struct rte_crypto_op *op = f->slot[f->head];

	f->head = (f->head + 1) & (f->cap - 1);
	f->count--;
	return op;
}

static inline size_t cdev_fifo_peek(const struct cdev_fifo *f, struct rte_crypto_op **out,
				    size_t n)
{
	if (n > f->count)
		n = f->count;
	for (size_t i = 0; i < n; i++)
		out[i] = f->slot[(f->head + i) & (f->cap - 1)];
	return n;
}

static inline void cdev_fifo_drop(struct cdev_fifo *f, size_t n)
{
	f->head = (f->head + n) & (f->cap - 1);
	f->count -= n;
}

#endif
