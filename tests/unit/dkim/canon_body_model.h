/*
 * NAME
 *   canon_body_model.h - naive whole-buffer body canonicalization, the
 *                        reference for test_canon_body.c's random test
 *
 * SUMMARY
 *   model_canon(canon, in, len, &outlen) returns a malloc'd canonical
 *   body computed the obvious way, written straight from the rules and
 *   sharing no code with canon_body.c: split the body into lines at CRLF,
 *   reduce each line, drop trailing empty lines, join.
 *     simple     an unterminated last line counts as a line; nothing left
 *                -> one CRLF.
 *     relaxed    each line: WSP runs -> SP, trailing SP removed.
 *     DK simple  the unterminated rest is written without CRLF; empty
 *                lines before it stay.
 *     DK nofws   first SP/HTAB removed, then CR not before LF and LF not
 *                after CR removed; then as DK simple.
 */
#ifndef SIGNET_TEST_CANON_BODY_MODEL_H
#define SIGNET_TEST_CANON_BODY_MODEL_H

#include "testutil.h"
#include "canon.h"

struct model_line {
	const char *s;
	size_t len;
};

/* Splits in at CRLF; lines[0..*n) are terminated lines, *rest the tail. */
static inline struct model_line *model_split(const char *in, size_t len, size_t *n,
					     struct model_line *rest)
{
	struct model_line *lines = malloc((len / 2 + 1) * sizeof(*lines));
	size_t start = 0;

	assert_non_null(lines);
	*n = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (in[i] == '\r' && in[i + 1] == '\n') {
			lines[(*n)++] = (struct model_line){ in + start, i - start };
			start = i + 2;
			i++;
		}
	}
	*rest = (struct model_line){ in + start, len - start };
	return lines;
}

/* Relaxed line reduction into out; returns the new length. */
static inline size_t model_relax_line(const char *s, size_t n, char *out)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		bool wsp = s[i] == ' ' || s[i] == '\t';

		if (wsp && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			continue;	/* the run already gave its SP */
		out[w++] = wsp ? ' ' : s[i];
	}
	while (w > 0 && out[w - 1] == ' ')
		w--;
	return w;
}

/* DK nofws pre-pass: returns the stripped copy in a new buffer. */
static inline char *model_nofws_strip(const char *in, size_t len, size_t *outlen)
{
	char *tmp = malloc(len + 1), *out = malloc(len + 1);
	size_t t = 0, w = 0;

	assert_non_null(tmp);
	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		if (in[i] != ' ' && in[i] != '\t')
			tmp[t++] = in[i];
	}
	for (size_t i = 0; i < t; i++) {
		if (tmp[i] == '\r' && (i + 1 == t || tmp[i + 1] != '\n'))
			continue;
		if (tmp[i] == '\n' && (i == 0 || tmp[i - 1] != '\r'))
			continue;
		out[w++] = tmp[i];
	}
	free(tmp);
	*outlen = w;
	return out;
}

static inline char *model_canon(enum sg_canon canon, const char *in, size_t len,
				size_t *outlen)
{
	char *stripped = NULL, *out = malloc(2 * len + 3), *scratch = malloc(len + 1);
	struct model_line *lines, rest;
	size_t n, keep, w = 0;
	bool relaxed = canon == SG_CANON_RELAXED;
	bool dk = canon == SG_CANON_DK_SIMPLE || canon == SG_CANON_DK_NOFWS;

	assert_non_null(out);
	assert_non_null(scratch);
	if (canon == SG_CANON_DK_NOFWS)
		in = stripped = model_nofws_strip(in, len, &len);
	lines = model_split(in, len, &n, &rest);
	if (!dk && rest.len > 0)
		lines[n++] = rest;	/* an unterminated line is a line */
	if (dk && rest.len > 0)
		keep = n;		/* content follows: keep every line */
	else
		for (keep = n; keep > 0; keep--) {
			size_t l = relaxed ? model_relax_line(lines[keep - 1].s,
							      lines[keep - 1].len, scratch)
					   : lines[keep - 1].len;
			if (l > 0)
				break;
		}
	for (size_t i = 0; i < keep; i++) {
		if (relaxed) {
			w += model_relax_line(lines[i].s, lines[i].len, out + w);
		} else {
			memcpy(out + w, lines[i].s, lines[i].len);
			w += lines[i].len;
		}
		out[w++] = '\r';
		out[w++] = '\n';
	}
	if (dk && rest.len > 0) {
		memcpy(out + w, rest.s, rest.len);
		w += rest.len;
	}
	if (canon == SG_CANON_SIMPLE && w == 0) {
		out[w++] = '\r';
		out[w++] = '\n';
	}
	free(lines);
	free(scratch);
	free(stripped);
	*outlen = w;
	return out;
}

#endif
