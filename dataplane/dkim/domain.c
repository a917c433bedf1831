/*
 * NAME
 *   domain.c - domain-name and selector syntax, identity alignment
 *              (see domain.h)
 *
 * SUMMARY
 *   A name is a sequence of labels separated by single dots. A label is
 *   1..63 bytes of letters, digits, '-' and bytes >= 0x80 (RFC 8616 UTF-8
 *   U-labels, not checked further), and neither starts nor ends with '-'.
 *   A name has at most 253 bytes. No empty label anywhere: a leading,
 *   trailing ("example.com.") or doubled dot makes the name invalid, as
 *   does '_' (not in RFC 5321 sub-domain) or any other byte.
 *   sg_domain_within compares ASCII letters case-insensitively and other
 *   bytes exactly; an empty parent contains nothing.
 *
 * UNTRUSTED INPUT
 *   d=, s= and the domain part of i= from signatures. Pure functions over
 *   counted strings; no allocation.
 */
#include <stdbool.h>
#include <stddef.h>

#include "domain.h"
#include "lex.h"

#define LABEL_MAX 63
#define NAME_MAX_BYTES 253

static bool is_label_byte(unsigned char c)
{
	return sg_lex_is_alpha(c) || sg_lex_is_digit(c) || c == '-' || c >= 0x80;
}

static bool label_valid(const char *s, size_t n)
{
	if (n == 0 || n > LABEL_MAX)
		return false;
	if (s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_label_byte((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* True when s is at least min_labels valid labels joined by dots. */
static bool name_valid(const char *s, size_t n, size_t min_labels)
{
	size_t start = 0, labels = 0;

	if (s == NULL || n == 0 || n > NAME_MAX_BYTES)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (!label_valid(s + start, i - start))
			return false;
		labels++;
		start = i + 1;
	}
	return labels >= min_labels;
}

bool sg_domain_valid(const char *s, size_t n)
{
	return name_valid(s, n, 2);
}

bool sg_selector_valid(const char *s, size_t n)
{
	return name_valid(s, n, 1);
}

bool sg_domain_within(const char *sub, size_t sub_n, const char *parent, size_t parent_n)
{
	const char *tail;

	if (parent_n == 0 || sub_n < parent_n)
		return false;
	tail = sub + (sub_n - parent_n);
	for (size_t i = 0; i < parent_n; i++) {
		if (sg_lex_lower((unsigned char)tail[i]) != sg_lex_lower((unsigned char)parent[i]))
			return false;
	}
	return sub_n == parent_n || tail[-1] == '.';
}
