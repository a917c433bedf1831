/*
 * NAME
 *   secmem.h - locked, non-dumpable memory for key material
 *
 * SUMMARY
 *   sg_secmem_init sets up OpenSSL's secure heap (mlock'ed, MADV_DONTDUMP,
 *   guard pages) so private-key numbers parsed by OpenSSL live there; call
 *   it once at program start, before any key is loaded. It is idempotent
 *   and reports (false) when the heap could not be locked, e.g. under a
 *   small RLIMIT_MEMLOCK; keys still work, in ordinary memory.
 *   sg_secbuf_alloc/free give a locked, non-dumpable, zeroed-on-free buffer
 *   for PEM text and seeds read from files.
 */
#ifndef SIGNET_CRYPTO_SECMEM_H
#define SIGNET_CRYPTO_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

bool sg_secmem_init(size_t heap_bytes);
void *sg_secbuf_alloc(size_t n);
void sg_secbuf_free(void *p, size_t n);

#endif
