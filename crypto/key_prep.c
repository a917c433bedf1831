/*
 * NAME
 *   key_prep.c - backend precomputation kept with a private key
 *
 * SUMMARY
 *   A key has SG_KEY_PREP_SLOTS slots. Each slot is an atomic pointer to
 *   an entry {tag, data, release} that is written once, by compare-and-
 *   swap from NULL, and never changed until the key is freed. Slots are
 *   filled from index 0 up, so readers stop at the first empty one.
 *
 *   sg_privkey_set_prep publishes a fully built entry with release
 *   ordering; sg_privkey_prep reads with acquire ordering, so a reader that
 *   sees the entry also sees the backend's data. When two threads prepare
 *   the same key for the same tag at once, the first entry wins and the
 *   loser's data is released: both callers then use the winner's data.
 *
 *   Ownership: sg_privkey_set_prep always takes data. It belongs to the key
 *   on success, and is released (release(data), when release is non-NULL)
 *   when another thread won, on a bad argument, when out of memory and
 *   when every slot holds another tag (SG_E_LIMIT).
 *   sg_privkey_prep_release (called by sg_privkey_free, when no other
 *   thread can use the key) releases every entry.
 */

/* System library. */
#include <stdlib.h>

/* Crypto layer. */
#include "key_internal.h"

struct sg_key_prep {
	const void *tag;
	void *data;
	void (*release)(void *data);
};

static void drop(void *data, void (*release)(void *data))
{
	if (data != NULL && release != NULL)
		release(data);
}

void sg_privkey_prep_init(struct sg_privkey *k)
{
	for (size_t i = 0; i < SG_KEY_PREP_SLOTS; i++)
		atomic_init(&k->prep[i], NULL);
}

void sg_privkey_prep_release(struct sg_privkey *k)
{
	for (size_t i = 0; i < SG_KEY_PREP_SLOTS; i++) {
		struct sg_key_prep *p = atomic_exchange_explicit(&k->prep[i], NULL,
								  memory_order_acquire);

		if (p == NULL)
			continue;
		drop(p->data, p->release);
		free(p);
	}
}

void *sg_privkey_prep(const struct sg_privkey *k, const void *tag)
{
	if (k == NULL || tag == NULL)
		return NULL;
	for (size_t i = 0; i < SG_KEY_PREP_SLOTS; i++) {
		struct sg_key_prep *p = atomic_load_explicit(&k->prep[i], memory_order_acquire);

		if (p == NULL)
			return NULL;	/* slots fill in order: no entry further on */
		if (p->tag == tag)
			return p->data;
	}
	return NULL;
}

enum sg_err sg_privkey_set_prep(struct sg_privkey *k, const void *tag, void *data,
				void (*release)(void *data))
{
	struct sg_key_prep *mine;

	if (k == NULL || tag == NULL || data == NULL) {
		drop(data, release);
		return SG_E_ARG;
	}
	mine = malloc(sizeof(*mine));
	if (mine == NULL) {
		drop(data, release);
		return SG_E_NOMEM;
	}
	mine->tag = tag;
	mine->data = data;
	mine->release = release;
	for (size_t i = 0; i < SG_KEY_PREP_SLOTS; i++) {
		struct sg_key_prep *seen = NULL;

		if (atomic_compare_exchange_strong_explicit(&k->prep[i], &seen, mine,
							    memory_order_acq_rel,
							    memory_order_acquire))
			return SG_OK;
		if (seen->tag == tag) {
			/* Another thread prepared this key first: use its data. */
			drop(data, release);
			free(mine);
			return SG_OK;
		}
	}
	drop(data, release);
	free(mine);
	return SG_E_LIMIT;
}
