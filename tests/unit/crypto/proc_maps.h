/*
 * NAME
 *   proc_maps.h - how many mappings the test process has
 *
 * SUMMARY
 *   pm_count_mappings counts the lines of /proc/self/maps: the tests of
 *   locked key memory compare it before and after allocating many objects
 *   to tell one mapping per object from objects packed together.
 *   Header-only, for the test files that include it.
 */
#ifndef SIGNET_TEST_PROC_MAPS_H
#define SIGNET_TEST_PROC_MAPS_H

#include <stdio.h>

static inline size_t pm_count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = 0;
	int c;

	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

#endif
