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
 * DIAGNOSTICS
 *   sg_secmem_init returns false when the heap could not be created or
 *   could not be locked (RLIMIT_MEMLOCK too small); OpenSSL then keeps
 *   working, in unlocked memory. sg_secbuf_alloc never fails because of
 *   mlock: locking is best effort, as the header promises.
 *
 * THREADS
 *   sg_secmem_init is meant for program start, before other threads use
 *   OpenSSL. The buffer functions keep no state and are thread-safe.
 */

/* System library. */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* OpenSSL. */
#include <openssl/crypto.h>

/* Crypto layer. */
#include "secmem.h"

/* Smallest block the secure heap hands out; OpenSSL wants a power of two. */
#define SECURE_HEAP_MIN_BLOCK 32

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
