/*
 * NAME
 *   ifma_cpu.c - does this CPU and OS run the AVX-512 IFMA arithmetic?
 *
 * SUMMARY
 *   ifma_cpu_supported: CPUID leaf 7 reports AVX512F, AVX512IFMA, AVX512VL
 *   (and AVX512DQ, AVX512BW, which the arithmetic is compiled with; every
 *   IFMA CPU has them), CPUID leaf 1 reports OSXSAVE, and XCR0 shows the
 *   OS saving the SSE, AVX, opmask and both ZMM state components (bits 1,
 *   2, 5, 6, 7). Plain C, compiled without AVX-512 flags.
 */
#include <cpuid.h>

#include "ifma_arith.h"

#define LEAF1_ECX_OSXSAVE (1u << 27)
#define LEAF7_EBX_AVX512F (1u << 16)
#define LEAF7_EBX_AVX512DQ (1u << 17)
#define LEAF7_EBX_AVX512IFMA (1u << 21)
#define LEAF7_EBX_AVX512BW (1u << 30)
#define LEAF7_EBX_AVX512VL (1u << 31)
#define XCR0_AVX512_STATE 0xe6u		/* SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM */

static uint64_t read_xcr0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

bool ifma_cpu_supported(void)
{
	const unsigned need7 = LEAF7_EBX_AVX512F | LEAF7_EBX_AVX512DQ | LEAF7_EBX_AVX512IFMA |
			       LEAF7_EBX_AVX512BW | LEAF7_EBX_AVX512VL;
	unsigned eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & LEAF1_ECX_OSXSAVE))
		return false;
	if ((read_xcr0() & XCR0_AVX512_STATE) != XCR0_AVX512_STATE)
		return false;
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return false;
	return (ebx & need7) == need7;
}
