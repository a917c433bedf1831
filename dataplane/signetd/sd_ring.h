/*
 * NAME
 *   sd_ring.h - a bounded single-producer single-consumer ring of pointers
 *
 * SUMMARY
 *   How the control thread hands spool jobs to one worker and the worker
 *   hands them back: exactly one thread pushes, exactly one thread pops.
 *   sd_ring_new(capacity) rounds capacity up to a power of two (at least 2,
 *   at most SD_RING_MAX). sd_ring_push is false when the ring is full;
 *   sd_ring_pop gives NULL when it is empty (NULL cannot be pushed).
 *   Head and tail sit on their own cache lines; publication is by C11
 *   release/acquire, so what a pointer points at is visible to the popper.
 *   No locks, no system calls.
 */
#ifndef SIGNET_SIGNETD_SD_RING_H
#define SIGNET_SIGNETD_SD_RING_H

#include <stdbool.h>
#include <stddef.h>

#define SD_RING_MAX (1u << 20)

struct sd_ring;

struct sd_ring *sd_ring_new(size_t capacity);
void sd_ring_free(struct sd_ring *r);
bool sd_ring_push(struct sd_ring *r, void *p);
void *sd_ring_pop(struct sd_ring *r);
/* Entries in the ring (exact when called by the producer or the consumer
 * while the other side is idle; a snapshot otherwise). */
size_t sd_ring_count(const struct sd_ring *r);
size_t sd_ring_capacity(const struct sd_ring *r);

#endif
