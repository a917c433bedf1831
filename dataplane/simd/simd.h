/*
 * NAME
 *   simd.h - runtime-dispatched SIMD kernels for body canonicalization
 *
 * SUMMARY
 *   The engine (dataplane/dkim) canonicalizes bodies with a portable state
 *   machine that copies runs of unchanged bytes and asks a scanner where
 *   the next run ends (struct sg_canon_kernels in canon.h: one scanner per
 *   canonicalization, with exact rules). For relaxed, a table may also
 *   carry a block transform (canon.h: relaxed_block) that rewrites whole
 *   64-byte blocks - classify bytes into lane masks, compute with mask
 *   arithmetic which bytes survive (WSP run -> one SP before content,
 *   HTAB -> SP, WSP before CRLF and trailing empty lines dropped), pack
 *   them - so real mail, whose indents, tabs, blank lines and trailing
 *   blanks stop a scanner every few bytes, costs no per-stop work; chunk
 *   ends and rare cases stay with the state machine. This library
 *   provides the tables at three levels:
 *     SG_SIMD_SCALAR   portable C, always built and always usable (the
 *                      "scalar twin": the reference every kernel must
 *                      match; its block transform is SWAR);
 *     SG_SIMD_AVX2     32 bytes per step (x86-64 with AVX2 and POPCNT);
 *                      its block transform packs 8 bytes at a time with
 *                      pshufb;
 *     SG_SIMD_AVX512   64 bytes per step (AVX-512 F + BW + VL, and what
 *                      AVX2 needs); with VBMI2 as well, the block
 *                      transform packs the surviving bytes with
 *                      vpcompressb into a register and one store
 *                      (relaxed_avx512.c).
 *   Every level returns exactly the same stop as the scalar twin for every
 *   input, and every block transform the twin's bytes and state, so
 *   canonical output (and body hashes) never depend on the CPU.
 *   The vector kernels are compiled with function target attributes, so
 *   the library needs no global -mavx2 flags and runs on any x86-64.
 *
 *   sg_simd_supported(level)  the CPU and the OS (XSAVE state) allow level;
 *                             SCALAR always, vector levels never off x86.
 *   sg_simd_select(level)     the kernel table of level, or NULL when
 *                             unsupported (never a kernel the CPU lacks).
 *   sg_simd_best()            the table of sg_simd_best_level(), the
 *                             highest supported level.
 *   sg_simd_level_name(level) "scalar", "avx2", "avx512";
 *   sg_simd_level_parse(name, &level) the reverse (also "auto" = best);
 *                             false for an unknown name.
 *
 *   How the engine is told: once per worker, k = sg_simd_best() (or
 *   sg_simd_select of a configured level), then for every message
 *   sg_signer_set_canon_kernels(signer, k) (signer.h) before feeding, or
 *   sg_bodyhash_set_kernels / sg_body_canon_set_kernels at the lower
 *   levels. The tables are const and static: share them freely between
 *   threads. CPU detection runs CPUID on every call (cheap, no cached
 *   state); call it once per worker, not per message.
 *
 *   Hashing is fused with canonicalization by the engine: the canonicalizer
 *   writes runs (and the block transform its blocks) into a 4 KiB buffer
 *   (SG_CANON_OUTBUF) that goes to the hash update when full (long runs
 *   straight from the input), and
 *   sg_bodyhash_update feeds every lane SG_BODYHASH_PIECE (16 KiB) of input
 *   at a time, so the body is read from memory once and each piece is
 *   scanned, copied and hashed while cached.
 *
 * UNTRUSTED INPUT
 *   The kernels read message bodies of any content; they read only inside
 *   [p, end), write only inside [out, out + room), allocate nothing and
 *   keep no state but the caller's struct sg_relaxed_state.
 */
#ifndef SIGNET_SIMD_H
#define SIGNET_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "canon.h"

enum sg_simd_level {
	SG_SIMD_SCALAR,
	SG_SIMD_AVX2,
	SG_SIMD_AVX512,
};
#define SG_SIMD_LEVELS 3

bool sg_simd_supported(enum sg_simd_level level);
const struct sg_canon_kernels *sg_simd_select(enum sg_simd_level level);
enum sg_simd_level sg_simd_best_level(void);
const struct sg_canon_kernels *sg_simd_best(void);

const char *sg_simd_level_name(enum sg_simd_level level);
bool sg_simd_level_parse(const char *name, enum sg_simd_level *out);

#endif
