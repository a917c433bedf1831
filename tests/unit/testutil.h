/*
 * NAME
 *   testutil.h - small helpers shared by the cmocka unit tests
 *
 * SUMMARY
 *   tu_testdata(rel) gives the path of ../shared/testdata/REL (from the
 *   SIGNET_TESTDATA environment variable meson sets); tu_srcdir(rel) a path
 *   in the source tree; tu_read(path, &len) a malloc'd NUL-terminated copy
 *   of a file (fails the test if unreadable); tu_crlf(s, &len) a copy with
 *   bare LF turned into CRLF; tu_escaped(s, n) a malloc'd printable copy
 *   of bytes (\r \n \t \xNN) for failure messages. For generated
 *   documents: tu_expect_current(rel, generated, source, regenerate) fails
 *   naming the first differing line when the committed file REL is not
 *   what was generated; tu_count(hay, needle) counts (overlapping)
 *   occurrences; tu_expect_roff(man, requests, n) fails on a request line
 *   not in the list. Header-only: every test includes it once.
 */
#ifndef SIGNET_TESTUTIL_H
#define SIGNET_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static inline const char *tu_path(const char *envvar, const char *fallback, const char *rel)
{
	static char buf[4][4096];
	static int slot;
	const char *base = getenv(envvar);
	char *out = buf[slot++ & 3];

	snprintf(out, sizeof(buf[0]), "%s/%s", base ? base : fallback, rel);
	return out;
}

static inline const char *tu_testdata(const char *rel)
{
	return tu_path("SIGNET_TESTDATA", "../shared/testdata", rel);
}

static inline const char *tu_srcdir(const char *rel)
{
	return tu_path("SIGNET_SRCDIR", ".", rel);
}

static inline char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = (size_t)n;
	return data;
}

static inline char *tu_crlf(const char *s, size_t n, size_t *outlen)
{
	char *out = malloc(2 * n + 1);
	size_t j = 0;

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			out[j++] = '\r';
		out[j++] = s[i];
	}
	out[j] = '\0';
	*outlen = j;
	return out;
}

static inline char *tu_escaped(const char *s, size_t n)
{
	char *out = malloc(4 * n + 1), *p = out;

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r')
			p += sprintf(p, "\\r");
		else if (ch == '\n')
			p += sprintf(p, "\\n");
		else if (ch == '\t')
			p += sprintf(p, "\\t");
		else if (ch < 0x20 || ch >= 0x7f)
			p += sprintf(p, "\\x%02x", ch);
		else
			*p++ = (char)ch;
	}
	*p = '\0';
	return out;
}

/* Fails unless the committed file rel (in the source tree) equals generated,
 * naming the first differing line, what generates it and the command. */
static inline void tu_expect_current(const char *rel, const char *generated, const char *source,
				     const char *regenerate)
{
	char *committed = tu_read(tu_srcdir(rel), NULL);
	const char *a = committed, *b = generated;
	unsigned line = 1;

	while (*a != '\0' && *a == *b) {
		if (*a == '\n')
			line++;
		a++;
		b++;
	}
	if (*a != *b)
		fail_msg("%s differs from %s at line %u; regenerate it:\n  %s", rel, source, line,
			 regenerate);
	free(committed);
}

static inline size_t tu_count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Fails on a line of man that starts a roff request not in requests[n]. */
static inline void tu_expect_roff(const char *man, const char *const *requests, size_t n)
{
	for (const char *line = man; *line != '\0'; line = strchr(line, '\n') + 1) {
		bool known = false;

		if (*line == '.' || *line == '\'') {
			for (size_t i = 0; i < n; i++)
				known |= strncmp(line, requests[i], strlen(requests[i])) == 0;
			if (!known)
				fail_msg("unexpected request: %.40s", line);
		}
		if (strchr(line, '\n') == NULL)
			break;
	}
}

#endif
