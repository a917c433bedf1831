/*
 * NAME
 *   siphash.h - SipHash-2-4, the keyed hash of every table indexed by
 *               names that senders choose (stats_hash.c)
 *
 * SUMMARY
 *   sg_siphash(key, data, len): SipHash-2-4 with the 128-bit key as two
 *   little-endian words. Tables keyed by domain or selector names (the
 *   statistics aggregate, signetd's key view and per-worker counters) draw
 *   a random key per instance, so names cannot be picked to collide.
 *
 * UNTRUSTED INPUT
 *   data: hashed, never interpreted.
 */
#ifndef SIGNET_CONTROL_SIPHASH_H
#define SIGNET_CONTROL_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t sg_siphash(const uint64_t key[2], const void *data, size_t len);

#endif
