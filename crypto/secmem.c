/*
 * NAME
 *   secmem.c - locked, non-dumpable memory for key material (see secmem.h)
 *
 * SUMMARY
 *   sg_secmem_init hands a heap size to OpenSSL's secure heap: OpenSSL then
 *   allocates private-key numbers (BN_secure_new) and Ed25519 private keys
 *   from an mmap'ed arena that it mlock()s, marks MADV_DONTDUMP and fences
 *   with guard pages. sg_secbuf_alloc is the same idea for our own buffers
 *   (PEM text, decoded seeds): whole pages, mlock'ed when permitted,
 *   excluded from core dumps, and wiped with OPENSSL_cleanse before they
 *   are unmapped.
 *
 *   sg_secobj_alloc is a slab for what a process keeps by the thousand
 *   (the ifma backend's per-key precomputation, 2,800 bytes a key): a
 *   page each would cost one mapping and 4 KiB of RLIMIT_MEMLOCK per key.
 *   Objects are rounded to SG_SECOBJ_ALIGN and carved from chunks of
 *   SLAB_CHUNK_BYTES, mapped like a secbuf (locked best effort, not
 *   dumped) and aligned to their own size, so a free finds its chunk's
 *   header by masking the address. A chunk holds objects of one size;
 *   the lowest free slot is handed out, a freed slot is wiped at once,
 *   and a chunk whose last object goes is unmapped. Objects too large to
 *   share a chunk well (above SLAB_MAX_OBJECT) get a secbuf of their own.
 *
 * STATE
 *   The slab's chunk list and its mutex are the one piece of process-wide
 *   state here, and deliberately so: objects live as long as the keys
 *   they belong to and are freed through a bare release(data) callback
 *   (key_prep.c), by whichever thread drops the key, so no caller-owned
 *   context is at hand, and packing needs every preparation in the process
 *   to share the same chunks. OpenSSL's secure heap (also process-wide)
 *   was the other candidate and was measured: its buddy blocks round
 *   2,800 bytes to 4,096, and it is the heap OpenSSL loads key numbers
 *   into and fails key loads when it is full, so precomputation there
 *   made a 4 MiB heap refuse the 2,761st RSA-2048 key instead of the
 *   4,681st.
 *
 * DIAGNOSTICS
 *   sg_secmem_init returns false when the heap could not be created or
 *   could not be locked (RLIMIT_MEMLOCK too small); OpenSSL then keeps
 *   working, in unlocked memory. sg_secbuf_alloc never fails because of
 *   mlock: locking is best effort, as the header promises.
 *
 * THREADS
 *   sg_secmem_init is meant for program start, before other threads use
 *   OpenSSL. The secbuf functions keep no state and are thread-safe; the
 *   slab takes its mutex for the list and bitmap work (not to wipe or to
 *   map). A child that forks while another thread is in the slab must
 *   not use it (the usual fork rule for a locked mutex).
 */

/* System library. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* OpenSSL. */
#include <openssl/crypto.h>

/* Crypto layer. */
#include "secmem.h"

/* Smallest block the secure heap hands out; OpenSSL wants a power of two. */
#define SECURE_HEAP_MIN_BLOCK 32

#define SLAB_CHUNK_BYTES (256 * 1024)	/* a power of two: chunks align to it */
#define SLAB_MAX_SLOTS (SLAB_CHUNK_BYTES / SG_SECOBJ_ALIGN)
#define SLAB_MAP_WORDS (SLAB_MAX_SLOTS / 64)
#define SLAB_MAX_OBJECT (SLAB_CHUNK_BYTES / 16)	/* 16 KiB: larger objects get a secbuf */

/* At the start of every chunk; the slots follow (no secrets in here). */
struct slab_chunk {
	struct slab_chunk *next, *prev;
	size_t slot_bytes;		/* object size rounded to SG_SECOBJ_ALIGN */
	unsigned slots, used;
	uint64_t in_use[SLAB_MAP_WORDS];	/* bit i: slot i is handed out */
};

#define SLAB_HEADER_BYTES \
	((sizeof(struct slab_chunk) + SG_SECOBJ_ALIGN - 1) / SG_SECOBJ_ALIGN * SG_SECOBJ_ALIGN)

static struct {
	pthread_mutex_t lock;
	struct slab_chunk *chunks;	/* every chunk, newest first */
} slab = { PTHREAD_MUTEX_INITIALIZER, NULL };

/* The secure heap size must be a power of two: round up, saturating. */
static size_t round_up_pow2(size_t n)
{
	size_t p = 1;

	while (p < n && p <= SIZE_MAX / 2)
		p *= 2;
	return p;
}

bool sg_secmem_init(size_t heap_bytes)
{
	size_t size;

	/*
	 * Already set up (by an earlier call or by the application): OpenSSL
	 * does not say whether that heap was locked, so report success.
	 */
	if (CRYPTO_secure_malloc_initialized())
		return true;
	if (heap_bytes == 0)
		heap_bytes = SG_SECMEM_DEFAULT_BYTES;
	size = round_up_pow2(heap_bytes);
	if (size < 4096)
		size = 4096;
	/* 1: locked heap; 2: heap created but mlock/mprotect failed; 0: none. */
	return CRYPTO_secure_malloc_init(size, SECURE_HEAP_MIN_BLOCK) == 1;
}

size_t sg_secmem_daemon_bytes(void)
{
	struct rlimit rl;
	size_t size = SG_SECMEM_DEFAULT_BYTES;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return size;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur / 2 >= SG_SECMEM_DAEMON_MAX_BYTES)
		return SG_SECMEM_DAEMON_MAX_BYTES;
	while (size * 2 <= rl.rlim_cur / 2)
		size *= 2;
	return size;
}

static size_t page_round(size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t ps = page > 0 ? (size_t)page : 4096;

	if (n > SIZE_MAX - (ps - 1))
		return 0;
	return (n + ps - 1) / ps * ps;
}

void *sg_secbuf_alloc(size_t n)
{
	size_t len = page_round(n);
	void *p;

	if (n == 0 || len == 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Best effort: without CAP_IPC_LOCK a small RLIMIT_MEMLOCK may refuse. */
	(void)mlock(p, len);
	(void)madvise(p, len, MADV_DONTDUMP);
	return p;
}

void sg_secbuf_free(void *p, size_t n)
{
	size_t len = page_round(n);

	if (p == NULL || n == 0 || len == 0)
		return;
	OPENSSL_cleanse(p, len);
	(void)munlock(p, len);
	(void)munmap(p, len);
}

/* Rounds n up to the object alignment; 0 when that overflows. */
static size_t slot_round(size_t n)
{
	if (n > SIZE_MAX - (SG_SECOBJ_ALIGN - 1))
		return 0;
	return (n + SG_SECOBJ_ALIGN - 1) / SG_SECOBJ_ALIGN * SG_SECOBJ_ALIGN;
}

/* SLAB_CHUNK_BYTES of fresh zero pages aligned to their size: twice the
 * size is mapped and the ends that stick out are returned. */
static void *map_aligned_chunk(void)
{
	size_t len = 2 * (size_t)SLAB_CHUNK_BYTES;
	uintptr_t base, start;
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	base = (uintptr_t)p;
	start = (base + SLAB_CHUNK_BYTES - 1) & ~(uintptr_t)(SLAB_CHUNK_BYTES - 1);
	if (start > base)
		(void)munmap(p, start - base);
	if (start + SLAB_CHUNK_BYTES < base + len)
		(void)munmap((void *)(start + SLAB_CHUNK_BYTES),
			     base + len - start - SLAB_CHUNK_BYTES);
	p = (void *)start;
	(void)mlock(p, SLAB_CHUNK_BYTES);	/* best effort, as for secbufs */
	(void)madvise(p, SLAB_CHUNK_BYTES, MADV_DONTDUMP);
	return p;
}

static void chunk_unlink(struct slab_chunk *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		slab.chunks = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

static void chunk_push_front(struct slab_chunk *c)
{
	c->prev = NULL;
	c->next = slab.chunks;
	if (slab.chunks != NULL)
		slab.chunks->prev = c;
	slab.chunks = c;
}

/* Hands out the lowest free slot of a chunk that has one. */
static void *chunk_take(struct slab_chunk *c)
{
	for (unsigned w = 0; w < SLAB_MAP_WORDS; w++) {
		unsigned bit, slot;

		if (c->in_use[w] == UINT64_MAX)
			continue;
		bit = (unsigned)__builtin_ctzll(~c->in_use[w]);
		slot = w * 64 + bit;
		if (slot >= c->slots)
			break;
		c->in_use[w] |= 1ull << bit;
		c->used++;
		return (uint8_t *)c + SLAB_HEADER_BYTES + (size_t)slot * c->slot_bytes;
	}
	return NULL;
}

static struct slab_chunk *chunk_with_room(size_t slot_bytes)
{
	for (struct slab_chunk *c = slab.chunks; c != NULL; c = c->next)
		if (c->slot_bytes == slot_bytes && c->used < c->slots)
			return c;
	return NULL;
}

void *sg_secobj_alloc(size_t n)
{
	size_t slot_bytes = slot_round(n);
	struct slab_chunk *c, *fresh = NULL;
	void *p;

	if (n == 0 || slot_bytes == 0)
		return NULL;
	if (slot_bytes > SLAB_MAX_OBJECT)
		return sg_secbuf_alloc(n);
	pthread_mutex_lock(&slab.lock);
	c = chunk_with_room(slot_bytes);
	if (c == NULL) {
		pthread_mutex_unlock(&slab.lock);
		fresh = map_aligned_chunk();	/* mapped and locked outside the lock */
		if (fresh == NULL)
			return NULL;
		fresh->slot_bytes = slot_bytes;
		fresh->slots = (unsigned)((SLAB_CHUNK_BYTES - SLAB_HEADER_BYTES) / slot_bytes);
		pthread_mutex_lock(&slab.lock);
		c = chunk_with_room(slot_bytes);	/* another thread may have made one */
		if (c == NULL) {
			chunk_push_front(fresh);
			c = fresh;
			fresh = NULL;
		}
	}
	p = chunk_take(c);
	pthread_mutex_unlock(&slab.lock);
	if (fresh != NULL)
		sg_secbuf_free(fresh, SLAB_CHUNK_BYTES);	/* lost the race: unused */
	return p;
}

void sg_secobj_free(void *p, size_t n)
{
	size_t slot_bytes = slot_round(n);
	struct slab_chunk *c;
	size_t slot;
	bool empty;

	if (p == NULL || n == 0 || slot_bytes == 0)
		return;
	if (slot_bytes > SLAB_MAX_OBJECT) {
		sg_secbuf_free(p, n);
		return;
	}
	c = (struct slab_chunk *)((uintptr_t)p & ~(uintptr_t)(SLAB_CHUNK_BYTES - 1));
	slot = ((uintptr_t)p - (uintptr_t)c - SLAB_HEADER_BYTES) / slot_bytes;
	OPENSSL_cleanse(p, slot_bytes);		/* the slot is still ours: no lock needed */
	pthread_mutex_lock(&slab.lock);
	c->in_use[slot / 64] &= ~(1ull << (slot % 64));
	c->used--;
	empty = c->used == 0;
	if (empty)
		chunk_unlink(c);
	pthread_mutex_unlock(&slab.lock);
	if (empty)
		sg_secbuf_free(c, SLAB_CHUNK_BYTES);	/* wipes the header too, unmaps */
}

size_t sg_secobj_count(size_t *chunks)
{
	size_t objects = 0, n = 0;

	pthread_mutex_lock(&slab.lock);
	for (const struct slab_chunk *c = slab.chunks; c != NULL; c = c->next) {
		objects += c->used;
		n++;
	}
	pthread_mutex_unlock(&slab.lock);
	if (chunks != NULL)
		*chunks = n;
	return objects;
}
