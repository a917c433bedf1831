/*
 * NAME
 *   sd_pool.c - next-hop connection pool bookkeeping (see sd_pool.h)
 *
 * SUMMARY
 *   idle[0..nidle) is the stack (top at nidle - 1, oldest at 0); waiters
 *   are a ring of max_waiters slots (head: next out, count: how many).
 */
#include <stdlib.h>
#include <string.h>

#include "sd_pool.h"

struct idle_slot {
	void *hop;
	uint64_t since;
};

struct sd_pool {
	unsigned max_open, open;
	struct idle_slot *idle;			/* max_open slots */
	unsigned nidle;
	void **waiters;				/* max_waiters slots */
	unsigned max_waiters, head, count;
};

struct sd_pool *sd_pool_new(unsigned max_open, unsigned max_waiters)
{
	struct sd_pool *p;

	if (max_open == 0 || max_waiters == 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->idle = calloc(max_open, sizeof(*p->idle));
	p->waiters = calloc(max_waiters, sizeof(*p->waiters));
	if (p->idle == NULL || p->waiters == NULL) {
		sd_pool_free(p);
		return NULL;
	}
	p->max_open = max_open;
	p->max_waiters = max_waiters;
	return p;
}

void sd_pool_free(struct sd_pool *p)
{
	if (p == NULL)
		return;
	free(p->idle);
	free(p->waiters);
	free(p);
}

void *sd_pool_take_idle(struct sd_pool *p)
{
	return p->nidle > 0 ? p->idle[--p->nidle].hop : NULL;
}

bool sd_pool_may_open(const struct sd_pool *p)
{
	return p->open < p->max_open;
}

void sd_pool_opened(struct sd_pool *p)
{
	p->open++;
}

static long idle_index(const struct sd_pool *p, const void *hop)
{
	for (unsigned i = 0; i < p->nidle; i++)
		if (p->idle[i].hop == hop)
			return (long)i;
	return -1;
}

static void idle_remove_at(struct sd_pool *p, unsigned i)
{
	memmove(&p->idle[i], &p->idle[i + 1], (p->nidle - i - 1) * sizeof(p->idle[0]));
	p->nidle--;
}

bool sd_pool_put_idle(struct sd_pool *p, void *hop, uint64_t now)
{
	if (idle_index(p, hop) >= 0 || p->nidle == p->max_open)
		return false;
	p->idle[p->nidle++] = (struct idle_slot){ hop, now };
	return true;
}

void sd_pool_closed(struct sd_pool *p, void *hop)
{
	long i = idle_index(p, hop);

	if (i >= 0)
		idle_remove_at(p, (unsigned)i);
	if (p->open > 0)
		p->open--;
}

void *sd_pool_expire(struct sd_pool *p, uint64_t now, uint64_t idle_ms)
{
	void *hop;

	if (p->nidle == 0 || now < p->idle[0].since || now - p->idle[0].since < idle_ms)
		return NULL;
	hop = p->idle[0].hop;
	idle_remove_at(p, 0);
	return hop;
}

bool sd_pool_wait(struct sd_pool *p, void *owner)
{
	if (p->count == p->max_waiters)
		return false;
	p->waiters[(p->head + p->count) % p->max_waiters] = owner;
	p->count++;
	return true;
}

void *sd_pool_next_waiter(struct sd_pool *p)
{
	void *owner;

	if (p->count == 0)
		return NULL;
	owner = p->waiters[p->head];
	p->head = (p->head + 1) % p->max_waiters;
	p->count--;
	return owner;
}

unsigned sd_pool_open_count(const struct sd_pool *p)
{
	return p->open;
}

unsigned sd_pool_idle_count(const struct sd_pool *p)
{
	return p->nidle;
}

unsigned sd_pool_waiting(const struct sd_pool *p)
{
	return p->count;
}
