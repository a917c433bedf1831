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
 *   of bytes (\r \n \t \xNN) for failure messages. Header-only: every
 *   test includes it once.
 */
#ifndef SIGNET_TESTUTIL_H
#define SIGNET_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
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

#endif
