/*
 * NAME
 *   test_canon_avx512.c - unit tests for dataplane/simd/canon_avx512.c
 *
 * SUMMARY
 *   The AVX-512 scanners against the scalar twin (stops) and the engine's
 *   built-in scanners (canonical bytes): kernel_suite.h. Skipped (exit 77)
 *   on a CPU without AVX-512 F/BW/VL.
 */
#include "kernel_suite.h"

int main(void)
{
	return ks_run(SG_SIMD_AVX512, "test_canon_avx512");
}
