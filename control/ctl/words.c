/*
 * NAME
 *   words.c - cutting a typed console line into words (see ctl.h)
 *
 * SUMMARY
 *   Blanks (space, tab) separate words; '...' keeps everything up to the
 *   next '; "..." too, except that a backslash there escapes the next
 *   byte, as it does outside quotes; '#' at the start of a word ends the
 *   line. The words are copied, NUL-terminated, into the caller's store.
 *
 * UNTRUSTED INPUT
 *   The line (from the terminal or a script): bounded by the store's size
 *   and the word count; an open quote or a trailing backslash is an error.
 */

/* System library. */
#include <stdio.h>
#include <string.h>

/* Control plane. */
#include "ctl.h"

struct cutter {
	char *store;
	size_t cap, used;
	char *why;
	size_t why_cap;
};

static bool put(struct cutter *c, char ch)
{
	if (c->used >= c->cap) {
		snprintf(c->why, c->why_cap, "line too long: its words do not fit in %zu bytes",
			 c->cap);
		return false;
	}
	c->store[c->used++] = ch;
	return true;
}

/* Copies one word starting at *sp (not a blank) into the store. */
static bool cut_word(struct cutter *c, const char **sp)
{
	const char *s = *sp;
	char quote = 0;

	for (; *s != '\0'; s++) {
		if (quote == 0 && strchr(" \t\r\n", *s) != NULL)
			break;
		if (quote == 0 && (*s == '\'' || *s == '"')) {
			quote = *s;
			continue;
		}
		if (quote != 0 && *s == quote) {
			quote = 0;
			continue;
		}
		if (*s == '\\' && quote != '\'') {
			if (s[1] == '\0') {
				snprintf(c->why, c->why_cap, "backslash at the end of the line");
				return false;
			}
			s++;
		}
		if (!put(c, *s))
			return false;
	}
	if (quote != 0) {
		snprintf(c->why, c->why_cap, "no closing %c", quote);
		return false;
	}
	*sp = s;
	return put(c, '\0');
}

bool ctl_words_split(const char *line, char *store, size_t cap, const char **argv,
		     size_t max, size_t *argc, char *why, size_t why_cap)
{
	struct cutter c = { .store = store, .cap = cap, .why = why, .why_cap = why_cap };
	const char *s = line;

	*argc = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s == '\0' || *s == '#')
			return true;
		if (*argc == max) {
			snprintf(why, why_cap, "too many words (at most %zu)", max);
			return false;
		}
		argv[(*argc)++] = store + c.used;
		if (!cut_word(&c, &s))
			return false;
	}
}
