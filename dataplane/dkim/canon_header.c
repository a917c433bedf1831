/*
 * NAME
 *   canon_header.c - DKIM / DomainKeys canonicalization of one header field
 *
 * SUMMARY
 *   sg_header_canon (see canon.h) appends the canonical form of one raw
 *   field. relaxed and nofws first count the output bytes, reserve them in
 *   the buffer (so its limit applies to the output, not to the input) and
 *   then write them: two cheap passes, no temporary copy.
 *     relaxed (RFC 6376 3.4.2): the name is lowercased; a CRLF followed
 *       by WSP is removed (unfolding); every WSP run becomes one SP; WSP
 *       before and after the first colon and at the end is removed. A CR
 *       or LF that is not part of a fold stays an ordinary byte.
 *     nofws (RFC 4870 3.4.2.2): every SP, HTAB, CR and LF is removed.
 *   Then CRLF is appended when asked. On any error the buffer is left as
 *   it was. raw must not point into the output buffer.
 *
 * DIAGNOSTICS
 *   SG_E_SYNTAX: relaxed asked for a field without a colon. SG_E_ARG: an
 *   unknown canonicalization. SG_E_LIMIT / SG_E_NOMEM from the buffer.
 *
 * UNTRUSTED INPUT
 *   The raw field (any bytes, 8-bit included); no allocation beyond the
 *   output buffer's growth.
 */
#include <stdint.h>
#include <string.h>

#include "canon.h"
#include "lex.h"

/* Stores ch at dst[*w] unless dst is NULL (a counting pass); advances *w. */
static inline void emit(char *dst, size_t *w, char ch)
{
	if (dst != NULL)
		dst[*w] = ch;
	(*w)++;
}

/* Relaxed-canonicalizes src[0..len) into dst (or only counts); returns
 * the output length, never more than len. */
static size_t relax(const char *src, size_t len, char *dst)
{
	size_t w = 0;
	bool in_name = true;
	bool wsp = false;	/* a WSP run was skipped since the last byte */
	bool at_edge = true;	/* start of the name or of the value */

	for (size_t r = 0; r < len; r++) {
		unsigned char ch = (unsigned char)src[r];

		if (ch == '\r' && r + 2 < len && src[r + 1] == '\n' &&
		    sg_lex_is_wsp((unsigned char)src[r + 2])) {
			r++;		/* fold: drop CRLF, the WSP follows */
			continue;
		}
		if (sg_lex_is_wsp(ch)) {
			wsp = true;
			continue;
		}
		if (in_name && ch == ':') {
			emit(dst, &w, ':');
			in_name = false;
			wsp = false;
			at_edge = true;
			continue;
		}
		if (wsp && !at_edge)
			emit(dst, &w, ' ');
		wsp = false;
		at_edge = false;
		emit(dst, &w, (char)(in_name ? sg_lex_lower(ch) : ch));
	}
	return w;
}

static size_t strip_fws(const char *src, size_t len, char *dst)
{
	size_t w = 0;

	for (size_t r = 0; r < len; r++) {
		if (!sg_lex_is_fws((unsigned char)src[r]))
			emit(dst, &w, src[r]);
	}
	return w;
}

static void truncate_to(struct sg_buf *out, size_t len)
{
	out->len = len;
	if (out->data)
		out->data[len] = '\0';
}

enum sg_err sg_header_canon(enum sg_canon canon, const char *raw, size_t len, bool crlf,
			    struct sg_buf *out)
{
	size_t start = out->len;
	size_t n;
	enum sg_err rc;

	switch (canon) {
	case SG_CANON_SIMPLE:
	case SG_CANON_DK_SIMPLE:
		n = len;
		break;
	case SG_CANON_RELAXED:
		if (len == 0 || memchr(raw, ':', len) == NULL)
			return SG_E_SYNTAX;
		n = relax(raw, len, NULL);
		break;
	case SG_CANON_DK_NOFWS:
		n = strip_fws(raw, len, NULL);
		break;
	default:
		return SG_E_ARG;
	}
	/* Reserve n bytes (any n bytes will do, n <= len), then write them. */
	rc = sg_buf_append(out, raw, n);
	if (rc == SG_OK && crlf)
		rc = sg_buf_append(out, "\r\n", 2);
	if (rc != SG_OK) {
		truncate_to(out, start);
		return rc;
	}
	if (canon == SG_CANON_RELAXED)
		relax(raw, len, out->data + start);
	else if (canon == SG_CANON_DK_NOFWS)
		strip_fws(raw, len, out->data + start);
	return SG_OK;
}
