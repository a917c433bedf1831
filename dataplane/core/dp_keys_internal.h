/*
 * NAME
 *   dp_keys_internal.h - the structures behind dp_keys.h, shared by
 *                        dp_keys.c (readers, entries) and dp_keys_writer.c
 *                        (the control thread's side)
 *
 * SUMMARY
 *   See MECHANISM in dp_keys.h. Retired objects (tables, slots, the
 *   table's reference on an entry) carry a struct retire_link, so retiring
 *   never allocates. Global epochs start at 1; a reader's epoch 0 means
 *   "not inside a lookup".
 */
#ifndef SIGNET_DATAPLANE_DP_KEYS_INTERNAL_H
#define SIGNET_DATAPLANE_DP_KEYS_INTERNAL_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "dp_keys.h"

struct sg_backend;

enum retire_kind { RETIRE_TABLE, RETIRE_SLOT, RETIRE_ENTRY_REF };

struct retire_link {
	struct retire_link *next;
	uint64_t epoch;			/* global epoch when unpublished */
	enum retire_kind kind;
};

struct key_entry {
	struct dp_key_entry pub;	/* first: handed out to readers */
	struct retire_link retire;
};

struct key_slot {
	enum sg_sigkind kind;
	uint64_t hash;
	char domain[DP_KEYS_NAME_MAX + 1];
	_Atomic(struct key_entry *) entry;	/* NULL until answered */
	/* Writer only. */
	uint64_t expires_ms;		/* re-ask from then (entry present) */
	uint64_t installed_ms;
	bool asked;			/* a KEY_REQUEST is out */
	bool queued;			/* in the ask queue */
	bool pruned;			/* chosen to leave the table */
	struct key_slot *next_ask;
	struct retire_link retire;
};

struct key_table {
	size_t cap;			/* power of two */
	size_t count;			/* slots in use (writer only) */
	struct retire_link retire;
	_Atomic(struct key_slot *) v[];
};

struct want_item {
	enum sg_sigkind kind;
	char domain[DP_KEYS_NAME_MAX + 1];
};

struct dp_keys_reader {
	alignas(64) atomic_uint_fast64_t epoch;	/* 0: outside lookups */
	atomic_bool used;
	struct dp_keys *keys;
	alignas(64) atomic_size_t tail;		/* written by the reader */
	alignas(64) atomic_size_t head;		/* written by the control thread */
	struct want_item ring[DP_KEYS_WANT_RING];
};

struct dp_keys {
	_Atomic(struct key_table *) table;
	atomic_uint_fast64_t epoch;
	atomic_uint_fast64_t version;
	uint64_t hash_key[2];
	int want_fd;
	const struct sg_config *conf;
	struct sg_backend *prep;	/* prepares keys for the workers' kind */
	/* Writer only. */
	struct retire_link *retired;
	struct key_slot *ask_head, *ask_tail;
	uint64_t next_refresh_ms;
	size_t max_slots;
	struct dp_keys_reader readers[DP_KEYS_MAX_READERS];
};

uint64_t keys_hash(const struct dp_keys *k, enum sg_sigkind kind, const char *domain);
/* The slot for (kind, domain) in t, or NULL (readers and writer). */
struct key_slot *keys_table_find(struct key_table *t, uint64_t hash, enum sg_sigkind kind,
				 const char *domain);
void keys_entry_free(struct key_entry *e);
struct key_table *keys_table_new(size_t cap);

#endif
