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

#define SG_CANON_OUTBUF 4096

struct sg_body_canon {
	enum sg_canon canon;
	sg_sink_fn sink;
	void *arg;
	uint64_t limit;		/* UINT64_MAX = no limit */
	uint64_t emitted;	/* bytes passed to sink */
	uint64_t total;		/* canonical length without the limit */
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
void sg_body_canon_update(struct sg_body_canon *c, const void *data, size_t len);
void sg_body_canon_final(struct sg_body_canon *c);

SG_MUST_CHECK enum sg_err sg_header_canon(enum sg_canon canon, const char *raw, size_t len,
					  bool crlf, struct sg_buf *out);

#endif
