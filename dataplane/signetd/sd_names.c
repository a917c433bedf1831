/*
 * NAME
 *   sd_names.c - spool file names (see sd_names.h)
 *
 * UNTRUSTED INPUT
 *   Directory entry names (any bytes but '/' and NUL): checked by
 *   sd_name_is_input before anything else is derived from them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sd_names.h"

#define EXT ".eml"
#define EXT_LEN 4

_Static_assert(SD_NAME_MAX == 200, "sd_name_refusal names the limit");

/* *.eml, not hidden: a name the spool is meant to take. */
static bool looks_like_input(const char *name, size_t n)
{
	return n > EXT_LEN && name[0] != '.' && strcasecmp(name + n - EXT_LEN, EXT) == 0;
}

static int bad_byte(const char *name)
{
	for (size_t i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '/')
			return c;
	}
	return -1;
}

bool sd_name_is_input(const char *name)
{
	size_t n = strlen(name);

	return looks_like_input(name, n) && n <= SD_NAME_MAX && bad_byte(name) < 0;
}

const char *sd_name_refusal(const char *name)
{
	size_t n = strlen(name);

	if (!looks_like_input(name, n))
		return NULL;
	if (n > SD_NAME_MAX)
		return "the name is longer than 200 bytes";
	if (bad_byte(name) >= 0)
		return "a control byte in the name";
	return NULL;
}

void sd_name_printable(const char *name, char *out, size_t cap)
{
	size_t i = 0;

	if (cap == 0)
		return;
	for (; name[i] != '\0' && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)name[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[i] = '\0';
}

bool sd_name_is_tmp(const char *name)
{
	return strncmp(name, SD_TMP_PREFIX, strlen(SD_TMP_PREFIX)) == 0;
}

static bool fits(int n, size_t cap)
{
	return n >= 0 && (size_t)n < cap;
}

bool sd_name_candidate(const char *name, unsigned k, char *out, size_t cap)
{
	size_t stem;

	if (!sd_name_is_input(name) || k >= SD_CANDIDATES_MAX)
		return false;
	if (k == 0)
		return fits(snprintf(out, cap, "%s", name), cap);
	stem = strlen(name) - EXT_LEN;
	return fits(snprintf(out, cap, "%.*s~%u%s", (int)stem, name, k, name + stem), cap);
}

/* A name this file made: an input, a candidate or a reason file. */
static bool plain(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SD_NAME_MAX + 16 || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '/')
			return false;
	return true;
}

bool sd_name_tmp(const char *name, unsigned worker, char *out, size_t cap)
{
	if (!plain(name))
		return false;
	return fits(snprintf(out, cap, SD_TMP_PREFIX "%u.%s", worker, name), cap);
}

bool sd_name_reason(const char *name, char *out, size_t cap)
{
	if (!sd_name_is_input(name))
		return false;
	return fits(snprintf(out, cap, "%s.reason", name), cap);
}
