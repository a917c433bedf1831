/*
 * NAME
 *   lex.h - ASCII character classes and counted-string helpers for the
 *           engine's small parsers (taglist, base64, qp, domain, keyrecord,
 *           sigparse)
 *
 * SUMMARY
 *   Header-only, locale-independent replacements for <ctype.h> (whose
 *   answers depend on the locale and whose arguments must not be negative
 *   chars). Bytes >= 0x80 are never letters, digits or space here.
 *   sg_lex_trim_fws narrows [*s, *s + *n) past leading and trailing FWS
 *   bytes (SP, HTAB, CR, LF); sg_lex_eq_nocase compares a counted string
 *   with a C string, ASCII case-insensitively; struct sg_lex_list walks
 *   a ':'-separated value; sg_lex_printable makes an untrusted value safe
 *   to quote in an error message.
 */
#ifndef SIGNET_DKIM_LEX_H
#define SIGNET_DKIM_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline bool sg_lex_is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline bool sg_lex_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool sg_lex_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* A byte that may appear in folding white space: WSP, CR or LF. */
static inline bool sg_lex_is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline unsigned char sg_lex_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Value of a hex digit (either case), or -1. */
static inline int sg_lex_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static inline void sg_lex_trim_fws(const char **s, size_t *n)
{
	while (*n > 0 && sg_lex_is_fws((unsigned char)(*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && sg_lex_is_fws((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static inline bool sg_lex_eq_nocase(const char *s, size_t n, const char *word)
{
	if (strlen(word) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (sg_lex_lower((unsigned char)s[i]) != sg_lex_lower((unsigned char)word[i]))
			return false;
	}
	return true;
}

static inline bool sg_lex_eq(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/*
 * Separator-list iteration (h=, q=, s=, t=): each call gives the next item
 * between separators, FWS-trimmed and possibly empty; an empty value is
 * one empty item. Start with { value, value + len, false }.
 */
struct sg_lex_list {
	const char *p;
	const char *end;
	bool done;
};

static inline bool sg_lex_list_next(struct sg_lex_list *l, char sep, const char **item,
				    size_t *n)
{
	const char *q = l->p;

	if (l->done)
		return false;
	while (q < l->end && *q != sep)
		q++;
	*item = l->p;
	*n = (size_t)(q - l->p);
	sg_lex_trim_fws(item, n);
	if (q == l->end)
		l->done = true;
	else
		l->p = q + 1;
	return true;
}

/*
 * Copies s into out (cap >= 8) for an error message: bytes outside
 * %x21-7E become '?', and a value longer than cap - 1 is cut to
 * cap - 4 bytes followed by "...".
 */
static inline const char *sg_lex_printable(const char *s, size_t n, char *out, size_t cap)
{
	size_t keep = n < cap ? n : cap - 4;

	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (keep < n)
		memcpy(out + keep, "...", 3);
	out[keep < n ? keep + 3 : keep] = '\0';
	return out;
}

#endif
