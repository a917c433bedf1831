/*
 * NAME
 *   ctl_testutil.h - small text helpers for the unit tests of signetctl
 *
 * SUMMARY
 *   ctl_tu_starts_with fails the test, showing both, when text does not
 *   begin with prefix (counting is tu_count of testutil.h);
 *   ctl_tu_reference is what signetctl
 *   prints as its reference in a format (malloc'd). Header-only: included
 *   once per test file, after testutil.h and ctl.h.
 */
#ifndef SIGNET_TEST_CTL_TESTUTIL_H
#define SIGNET_TEST_CTL_TESTUTIL_H

#include <string.h>

static inline void ctl_tu_starts_with(const char *text, const char *prefix)
{
	if (strncmp(text, prefix, strlen(prefix)) != 0)
		fail_msg("\"%.80s\" does not start with \"%s\"", text, prefix);
}

/* noinline: inlined, gcc takes the result for a pointer to the local */
static __attribute__((unused, noinline)) char *ctl_tu_reference(enum ctl_doc_format format)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	ctl_print_reference(f, format);
	assert_int_equal(fclose(f), 0);
	assert_true(len > 1000);
	return text;
}

#endif
