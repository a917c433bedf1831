/*
 * NAME
 *   dp_keys.h - signetd's view of the signing keys: key material received
 *               from signet-controld, generation-numbered, shared by the
 *               workers without locks on the hot path
 *
 * SUMMARY
 *   signetd never opens key files. One struct dp_keys per process:
 *     workers (any number, each with its own reader handle) look up
 *       (kind, domain) -> a key entry (selector, d=, parsed key prepared
 *       for the worker's backend, generation) or "unknown" (the lookup
 *       records a want) or "no key" (negative answer, with reason);
 *     the control thread takes the wants (dp_keys_take_wants), asks
 *       controld (KEY_REQUEST) and installs each answer
 *       (dp_keys_install: KEY_MATERIAL fields), and re-asks entries whose
 *       pos/neg TTL has passed; an answer with a newer generation replaces
 *       the entry atomically - a worker keeps the entry it got until it
 *       releases it (at the end of the message), so a message is signed
 *       with one generation throughout.
 *   Entries are reference counted; the last release frees the key (zeroed,
 *   unlocked memory by crypto/). The implementation chooses the mechanism
 *   (RCU-style pointer swap + per-worker epochs or refcounts) and states it
 *   here.
 *
 * UNTRUSTED INPUT
 *   None beyond controld's answers, which are checked (key PEM parsed by
 *   crypto/, names validated).
 */
#ifndef SIGNET_DATAPLANE_DP_KEYS_H
#define SIGNET_DATAPLANE_DP_KEYS_H

/* The contract is completed by the core person (see /work/notes/dataplane.md). */

#endif
