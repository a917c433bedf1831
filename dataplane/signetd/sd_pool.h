/*
 * NAME
 *   sd_pool.h - bookkeeping of one worker's pool of persistent next-hop
 *               connections and of the messages waiting for one
 *
 * SUMMARY
 *   The pool knows connections only as opaque pointers; the relay owns
 *   them and their sockets. At most max_open connections are open (or
 *   opening) at a time. An idle connection (READY, no message) is put on
 *   a stack and the most recently used one is taken first, so a quiet
 *   period leaves the older ones idle long enough for sd_pool_expire to
 *   close them. A message that finds no idle connection and no room to
 *   open one waits in a FIFO (one entry per client connection, so at most
 *   max_waiters, which is the worker's client connection limit); it is
 *   the client's message in flight, not a queue: the client has no reply
 *   yet. Nothing here blocks or allocates after sd_pool_new.
 */
#ifndef SIGNET_SIGNETD_SD_POOL_H
#define SIGNET_SIGNETD_SD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sd_pool;

/* NULL when out of memory or max_open / max_waiters is 0. */
struct sd_pool *sd_pool_new(unsigned max_open, unsigned max_waiters);
void sd_pool_free(struct sd_pool *p);

/* The most recently idled connection (removed from the idle stack), or
 * NULL. */
void *sd_pool_take_idle(struct sd_pool *p);
/* True when another connection may be opened; sd_pool_opened counts it. */
bool sd_pool_may_open(const struct sd_pool *p);
void sd_pool_opened(struct sd_pool *p);
/* hop (open) is idle since now; false when it is already idle. */
bool sd_pool_put_idle(struct sd_pool *p, void *hop, uint64_t now);
/* hop is closed: off the idle stack if it was there, no longer open. */
void sd_pool_closed(struct sd_pool *p, void *hop);
/* An idle connection idle for idle_ms or longer (taken off the stack, the
 * caller closes it), or NULL. */
void *sd_pool_expire(struct sd_pool *p, uint64_t now, uint64_t idle_ms);

/* Appends a waiting message's owner; false when max_waiters wait. */
bool sd_pool_wait(struct sd_pool *p, void *owner);
/* The longest-waiting owner (removed), or NULL. */
void *sd_pool_next_waiter(struct sd_pool *p);

unsigned sd_pool_open_count(const struct sd_pool *p);
unsigned sd_pool_idle_count(const struct sd_pool *p);
unsigned sd_pool_waiting(const struct sd_pool *p);

#endif
