/*
 * NAME
 *   canon.h - DKIM and DomainKeys canonicalization of headers and bodies
 *
 * SUMMARY
 *   Body: struct sg_body_canon is a streaming canonicalizer. Feed the raw
 *   body (CRLF line ends) in chunks of any size with sg_body_canon_update and
 *   end with sg_body_canon_final; the canonical bytes go to sink in pieces
 *   (buffered internally, so the sink sees few large calls). Output is
 *   identical however the input was split.
 *     SG_CANON_SIMPLE      RFC 6376 3.4.3: trailing empty lines removed; an
 *                          empty body becomes CRLF; a missing final CRLF added.
 *     SG_CANON_RELAXED     RFC 6376 3.4.4: WSP at line end removed, WSP runs
 *                          -> one SP, trailing empty lines removed; empty
 *                          body stays empty; missing final CRLF added to a
 *                          non-empty last line.
 *     SG_CANON_DK_SIMPLE   RFC 4870 3.4.1: trailing empty lines removed; no
 *                          CRLF added to an unterminated last line.
 *     SG_CANON_DK_NOFWS    RFC 4870 3.4.2: SP and HTAB removed, then CR and
 *                          LF not part of a CRLF removed, trailing empty
 *                          lines removed.
 *   DomainKeys hashes the header/body separator as part of the body: feed
 *   "\r\n" first, then the body (an empty body then yields nothing, as
 *   Mail::DKIM does). DKIM bodies are fed without it.
 *   limit caps the bytes passed to sink (l= on verification); total counts
 *   the canonical bytes that would have been produced without the cap.
 *
 *   Scan kernels (optional): by default the body is scanned with the
 *   portable scanners of canon_body.c. sg_body_canon_set_kernels (after
 *   init, before the first update) installs a struct sg_canon_kernels of
 *   faster scanners (dataplane/simd provides AVX2 / AVX-512 ones chosen by
 *   CPUID; the engine itself never checks the CPU). A scanner returns the
 *   first "stop" in [p, end), or end when there is none; every byte before
 *   the stop is copied to the output unchanged and the stop byte goes
 *   through the ordinary state machine, so a kernel that follows its rule
 *   below gives the same output as the built-in scanners for every input
 *   and every chunking. b[i] is the byte at position i; WSP is SP or HTAB;
 *   "ordinary" for nofws means none of SP, HTAB, CR, LF.
 *     simple   (simple and DK simple) a CR with i + 1 = end, or a CR
 *              followed by LF with i + 2 = end or b[i+2] = CR. (A bare CR
 *              is copied; a CRLF is copied when a non-CR byte follows it.)
 *     relaxed  HTAB; SP at i = p, with i + 1 = end, or before SP, HTAB or
 *              CR; every CR except one with i > p, b[i+1] = LF and
 *              i + 2 < end and b[i+2] not SP, HTAB or CR.
 *     nofws    SP, HTAB; LF except the LF of a CRLF whose CR was copied;
 *              every CR except one with b[i+1] = LF and i + 2 < end and
 *              b[i+2] ordinary.
 *   These rules never end a copied run just after a CRLF (the next byte
 *   is always content), so the machine's "current line has content" state
 *   stays exact. The built-in scanners stop earlier (at every CR) and give
 *   the same bytes.
 *
 *   Relaxed block transform (optional, relaxed_block; NULL = scanner
 *   only). Real mail stops the relaxed scanner every few bytes (indents,
 *   tabs, blank lines, trailing blanks), so a kernel may instead rewrite
 *   whole blocks: relaxed_block(st, &in, end, out, room) canonicalizes
 *   [*in, end) block by block into out, advances *in past the blocks it
 *   did and returns the bytes written (every one canonical output; the
 *   caller counts them). A block is SG_CANON_BLOCK (64) bytes, or 63 when
 *   its byte 63 is a CR followed by LF (a CRLF is never cut: that CR
 *   starts the next block). Per block, by rule, with b[64] read as
 *   look-ahead (so a block is done only while SG_CANON_BLOCK +
 *   SG_CANON_BLOCK_LOOKAHEAD bytes remain):
 *     - a CR followed by LF, with that LF, is a line end; every other byte
 *       that is not SP or HTAB (bare CR, bare LF, NUL, 8-bit) is content;
 *     - a SP or HTAB before a content byte of the block is written as SP;
 *       other SP and HTAB are not written, so a WSP run becomes one SP
 *       before content and vanishes before a line end;
 *     - st->pending_wsp: a WSP run ended the previous block (or, from the
 *       caller, just before *in); written as one SP before byte 0 when
 *       that is content; after a block, true iff its byte 63 is WSP;
 *     - when the block has content: st->pending_crlf held empty lines are
 *       written first (CRLF each, before that SP), and every line end
 *       before its last content byte is written in place;
 *     - a line end after the block's last content byte (or in a block
 *       without content) is written iff its line had content (the first
 *       one only; st->line_empty says so for a block without content);
 *       the others are held: st->pending_crlf grows;
 *     - st->line_empty ends true iff a line end follows the last content
 *       byte (unchanged by a block with neither content nor line end).
 *   The caller never calls it with a CR pending or with *in on the LF of
 *   a CRLF. It stops before a block when room minus the bytes written is
 *   below SG_CANON_BLOCK_ROOM (a block may store up to that many bytes
 *   past the end of the output so far), and before a block with content
 *   while more than SG_CANON_BLOCK_MAX_HELD empty lines are held (the
 *   caller's state machine writes those). The rest of the body (the last
 *   64 bytes of every update, a CR at a chunk end, the l= limit) goes
 *   through the state machine with the relaxed scanner, which must be set
 *   too. Same output as the state machine for every input and chunking.
 *
 *   Headers: sg_header_canon appends the canonical form of one raw field (as
 *   struct sg_header_field.raw) to a buffer, followed by CRLF when crlf is
 *   true (false for the signature header itself, RFC 6376 3.7).
 *     SIMPLE / DK_SIMPLE   unchanged.
 *     RELAXED              name lowercased, unfolded, WSP runs -> SP, WSP at
 *                          the end of the value and around the colon removed.
 *     DK_NOFWS             every SP, HTAB, CR and LF removed.
 *
 * UNTRUSTED INPUT
 *   Bodies and header fields of any content; no allocation in the body path,
 *   O(1) state.
 */
#ifndef SIGNET_DKIM_CANON_H
#define SIGNET_DKIM_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "types.h"

typedef void (*sg_sink_fn)(void *arg, const void *data, size_t len);

/* First stop in [p, end) by the rule of its canonicalization (see above),
 * or end. Must read nothing outside [p, end). */
typedef const uint8_t *(*sg_canon_scan_fn)(const uint8_t *p, const uint8_t *end);

/* What a relaxed block transform carries between blocks (see above). */
struct sg_relaxed_state {
	uint64_t pending_crlf;	/* empty lines held back */
	bool line_empty;	/* no content on the current line yet */
	bool pending_wsp;	/* a WSP run ended just before the next byte */
};

typedef size_t (*sg_canon_block_fn)(struct sg_relaxed_state *st, const uint8_t **in,
				    const uint8_t *end, uint8_t *out, size_t room);

#define SG_CANON_BLOCK 64
#define SG_CANON_BLOCK_LOOKAHEAD 1
#define SG_CANON_BLOCK_ROOM 160		/* 32 held CRLFs, SP, one 64-byte store */
#define SG_CANON_BLOCK_MAX_HELD 32

struct sg_canon_kernels {
	sg_canon_scan_fn simple;	/* SG_CANON_SIMPLE and SG_CANON_DK_SIMPLE */
	sg_canon_scan_fn relaxed;	/* SG_CANON_RELAXED */
	sg_canon_scan_fn nofws;		/* SG_CANON_DK_NOFWS */
	sg_canon_block_fn relaxed_block;	/* SG_CANON_RELAXED, NULL = none */
};

#define SG_CANON_OUTBUF 4096

struct sg_body_canon {
	enum sg_canon canon;
	sg_sink_fn sink;
	void *arg;
	uint64_t limit;		/* UINT64_MAX = no limit */
	uint64_t emitted;	/* bytes passed to sink */
	uint64_t total;		/* canonical length without the limit */
	const struct sg_canon_kernels *kernels;	/* NULL = built-in scanners */
	/* streaming state (implementation detail, see canon_body.c) */
	uint64_t pending_crlf;	/* empty lines held back */
	uint32_t pending_wsp;	/* relaxed: a WSP run awaits its one SP (0/1) */
	bool cr_pending;	/* last byte seen was CR */
	bool line_empty;	/* no content on the current line yet */
	size_t outlen;
	uint8_t out[SG_CANON_OUTBUF];
};

void sg_body_canon_init(struct sg_body_canon *c, enum sg_canon canon, uint64_t limit,
			sg_sink_fn sink, void *arg);
void sg_body_canon_set_kernels(struct sg_body_canon *c, const struct sg_canon_kernels *k);
void sg_body_canon_update(struct sg_body_canon *c, const void *data, size_t len);
void sg_body_canon_final(struct sg_body_canon *c);

SG_MUST_CHECK enum sg_err sg_header_canon(enum sg_canon canon, const char *raw, size_t len,
					  bool crlf, struct sg_buf *out);

#endif
