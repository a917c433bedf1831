/*
 * NAME
 *   test_canon_avx2.c - unit tests for dataplane/simd/canon_avx2.c
 *
 * SUMMARY
 *   The AVX2 scanners against the scalar twin (stops) and the engine's
 *   built-in scanners (canonical bytes): kernel_suite.h. Skipped (exit 77)
 *   on a CPU without AVX2.
 */
#include "kernel_suite.h"

int main(void)
{
	return ks_run(SG_SIMD_AVX2, "test_canon_avx2");
}
