/*
 * NAME
 *   secmem.h - locked, non-dumpable memory for key material
 *
 * SUMMARY
 *   sg_secmem_init sets up OpenSSL's secure heap (mlock'ed, MADV_DONTDUMP,
 *   guard pages) so private-key numbers parsed by OpenSSL live there; call
 *   it once at program start, before any key is loaded. It is idempotent
 *   and reports (false) when the heap could not be locked, e.g. under a
 *   small RLIMIT_MEMLOCK; keys still work, in ordinary memory. heap_bytes
 *   is rounded up to a power of two; 0 means SG_SECMEM_DEFAULT_BYTES. When
 *   the secure heap is full OpenSSL fails the allocation (key loads fail),
 *   so size it for the keys a process holds (about 1 KiB per RSA-2048
 *   key, 2 KiB per RSA-4096 key, 32 bytes per Ed25519 key);
 *   sg_secmem_daemon_bytes sizes it for the daemons from RLIMIT_MEMLOCK.
 *   sg_secbuf_alloc/free give a locked, non-dumpable, zeroed-on-free buffer
 *   for PEM text and seeds read from files (whole pages from mmap; NULL for
 *   n = 0 or when mapping fails; locking is best effort). Pass the same n
 *   to sg_secbuf_free.
 *   sg_secobj_alloc/free are for small secrets a process keeps by the
 *   thousand (a backend's per-key precomputation): zeroed objects aligned
 *   to SG_SECOBJ_ALIGN, packed many to a locked, non-dumpable chunk of
 *   pages (locking best effort, as for secbufs) instead of a mapping
 *   each; objects above 16 KiB get a secbuf of their own. NULL for n = 0
 *   or when no memory can be mapped. sg_secobj_free wipes the object at
 *   once and unmaps a chunk when its last object goes; pass the same n.
 *   Thread-safe: any thread may free what another allocated.
 *   sg_secobj_count says how many chunked objects are live and in how many
 *   chunks (for tests and statistics).
 */
#ifndef SIGNET_CRYPTO_SECMEM_H
#define SIGNET_CRYPTO_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

#define SG_SECMEM_DEFAULT_BYTES (1024 * 1024)
#define SG_SECMEM_DAEMON_MAX_BYTES (64 * 1024 * 1024)

bool sg_secmem_init(size_t heap_bytes);
/* The secure heap size for a long-running process that holds many keys:
 * half of the soft RLIMIT_MEMLOCK (the other half is for what is locked
 * page by page: the slab of key precomputation, backend workspaces, PEM
 * buffers), a power of two, at least SG_SECMEM_DEFAULT_BYTES and at most
 * SG_SECMEM_DAEMON_MAX_BYTES. */
size_t sg_secmem_daemon_bytes(void);
void *sg_secbuf_alloc(size_t n);
void sg_secbuf_free(void *p, size_t n);

#define SG_SECOBJ_ALIGN 64		/* alignment (and size granule) of sg_secobj objects */

void *sg_secobj_alloc(size_t n);
void sg_secobj_free(void *p, size_t n);
size_t sg_secobj_count(size_t *chunks);

#endif
