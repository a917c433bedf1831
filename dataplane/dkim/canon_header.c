/*
 * NAME
 *   canon_header.c - DKIM / DomainKeys canonicalization of one header field
 *
 * SUMMARY
 *   sg_header_canon (see canon.h) appends the canonical form of one raw
 *   field. The buffer's limit applies to the output, not to the input:
 *   relaxed output (never longer than the input) is written straight into
 *   room for the input's length when that fits under the limit, else
 *   through a scratch copy; nofws counts its output bytes first, reserves
 *   them, then writes them. The relaxed value is copied in runs between
 *   the bytes that need a decision (SP, HTAB, CR).
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
#include <stdlib.h>
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

/* CR followed by LF and a WSP: a fold (the CRLF goes, the WSP stays). */
static inline bool fold_at(const char *src, size_t r, size_t len)
{
	return src[r] == '\r' && r + 2 < len && src[r + 1] == '\n' &&
	       sg_lex_is_wsp((unsigned char)src[r + 2]);
}

/* Bytes the value loop must look at one by one: SP, HTAB, CR. */
static inline bool value_special(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* The name of a relaxed field, src[0..len) up to and including the first
 * colon (there is one), lowercased, into dst; WSP runs (folds included)
 * inside it become one SP, none at its start or before the colon. *r is
 * left after the colon; returns the bytes written. */
static size_t relax_name(const char *src, size_t len, char *dst, size_t *r)
{
	size_t w = 0;
	bool wsp = false, at_edge = true;

	for (; *r < len; (*r)++) {
		unsigned char ch = (unsigned char)src[*r];

		if (fold_at(src, *r, len)) {
			(*r)++;
			continue;
		}
		if (sg_lex_is_wsp(ch)) {
			wsp = true;
			continue;
		}
		if (ch == ':') {
			dst[w++] = ':';
			(*r)++;
			break;
		}
		if (wsp && !at_edge)
			dst[w++] = ' ';
		wsp = at_edge = false;
		dst[w++] = (char)sg_lex_lower(ch);
	}
	return w;
}

/* The value of a relaxed field, src[r..len), appended at dst[w]: every WSP
 * run (folds included) becomes one SP, none at the start or the end; runs
 * of other bytes are copied whole. Returns the new w. */
static size_t relax_value(const char *src, size_t len, size_t r, char *dst, size_t w)
{
	bool wsp = false, at_edge = true;

	while (r < len) {
		size_t run = r;

		while (run < len && !value_special((unsigned char)src[run]))
			run++;
		if (run == r && fold_at(src, r, len)) {
			r += 2;
			continue;
		}
		if (run == r && src[r] != '\r') {
			wsp = true;
			r++;
			continue;
		}
		if (run == r)
			run++;		/* a CR that is not a fold: an ordinary byte */
		if (wsp && !at_edge)
			dst[w++] = ' ';
		memcpy(dst + w, src + r, run - r);
		w += run - r;
		wsp = at_edge = false;
		r = run;
	}
	return w;
}

/* Relaxed-canonicalizes src[0..len) (which has a colon) into dst, which
 * has room for len bytes; returns the output length, never more than len. */
static size_t relax(const char *src, size_t len, char *dst)
{
	size_t r = 0;
	size_t w = relax_name(src, len, dst, &r);

	return relax_value(src, len, r, dst, w);
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

/* Relaxed: written straight into the buffer when the input's length fits
 * under its limit (the output is never longer); otherwise through a
 * scratch copy, so the limit applies to the output, not the input. */
static enum sg_err append_relaxed(const char *raw, size_t len, struct sg_buf *out)
{
	size_t start = out->len;
	enum sg_err rc = sg_buf_append(out, raw, len);
	char *scratch;
	size_t n;

	if (rc == SG_OK) {
		truncate_to(out, start + relax(raw, len, out->data + start));
		return SG_OK;
	}
	if (rc != SG_E_LIMIT)
		return rc;
	scratch = malloc(len);
	if (scratch == NULL)
		return SG_E_NOMEM;
	n = relax(raw, len, scratch);
	rc = sg_buf_append(out, scratch, n);
	free(scratch);
	return rc;
}

enum sg_err sg_header_canon(enum sg_canon canon, const char *raw, size_t len, bool crlf,
			    struct sg_buf *out)
{
	size_t start = out->len;
	enum sg_err rc;

	switch (canon) {
	case SG_CANON_SIMPLE:
	case SG_CANON_DK_SIMPLE:
		rc = sg_buf_append(out, raw, len);
		break;
	case SG_CANON_RELAXED:
		if (len == 0 || memchr(raw, ':', len) == NULL)
			return SG_E_SYNTAX;
		rc = append_relaxed(raw, len, out);
		break;
	case SG_CANON_DK_NOFWS:
		/* reserve n bytes (any n bytes will do, n <= len), then write them */
		rc = sg_buf_append(out, raw, strip_fws(raw, len, NULL));
		if (rc == SG_OK)
			strip_fws(raw, len, out->data + start);
		break;
	default:
		return SG_E_ARG;
	}
	if (rc == SG_OK && crlf)
		rc = sg_buf_append(out, "\r\n", 2);
	if (rc != SG_OK)
		truncate_to(out, start);
	return rc;
}
