/*
 * NAME
 *   simd_dispatch.c - which scan kernels this CPU can run (see simd.h)
 *
 * SUMMARY
 *   CPUID leaf 1 (OSXSAVE, AVX, POPCNT: both vector levels use it) and
 *   leaf 7 (AVX2, AVX-512 F/BW/VL, VBMI2) say what the processor has;
 *   XGETBV says whether the OS saves the YMM (AVX2) and the opmask/ZMM
 *   state (AVX-512) on context switches. A level is supported only when
 *   both agree. Level AVX512 has two tables: with the relaxed block
 *   transform (which needs VBMI2 as well) or without it. Nothing is
 *   cached: every call asks the CPU again (a few hundred cycles), so there
 *   is no global state.
 *
 * UNTRUSTED INPUT
 *   Level names given to sg_simd_level_parse (compared, never stored).
 */
#include <string.h>

#include "simd.h"
#include "simd_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

#define XCR0_SSE_AVX 0x06u		/* XMM and YMM state */
#define XCR0_AVX512 0xe6u		/* + opmask, ZMM_Hi256, Hi16_ZMM */
#define LEAF1_ECX_OSXSAVE (1u << 27)
#define LEAF1_ECX_POPCNT (1u << 23)
#define LEAF1_ECX_AVX (1u << 28)
#define LEAF7_EBX_AVX2 (1u << 5)
#define LEAF7_EBX_AVX512F (1u << 16)
#define LEAF7_EBX_AVX512BW (1u << 30)
#define LEAF7_EBX_AVX512VL (1u << 31)
#define LEAF7_ECX_AVX512VBMI2 (1u << 6)

static unsigned xcr0(void)
{
	unsigned lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	return lo;
}

/* AVX-512 VBMI2, for the relaxed block transform (on top of level
 * AVX512, which cpu_has checks: F/BW/VL, POPCNT, ZMM state). */
static bool cpu_has_vbmi2(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (c & LEAF7_ECX_AVX512VBMI2) != 0;
}

static bool cpu_has(enum sg_simd_level level)
{
	unsigned a, b, c, d, os, need;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	need = LEAF1_ECX_OSXSAVE | LEAF1_ECX_AVX | LEAF1_ECX_POPCNT;
	if ((c & need) != need)
		return false;
	need = LEAF7_EBX_AVX2;
	os = xcr0();
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	if (level == SG_SIMD_AVX512) {
		need |= LEAF7_EBX_AVX512F | LEAF7_EBX_AVX512BW | LEAF7_EBX_AVX512VL;
		return (os & XCR0_AVX512) == XCR0_AVX512 && (b & need) == need;
	}
	return (os & XCR0_SSE_AVX) == XCR0_SSE_AVX && (b & need) == need;
}

#else

static bool cpu_has_vbmi2(void)
{
	return false;
}

static bool cpu_has(enum sg_simd_level level)
{
	(void)level;
	return false;
}

#endif

static const char *const level_names[SG_SIMD_LEVELS] = { "scalar", "avx2", "avx512" };

bool sg_simd_supported(enum sg_simd_level level)
{
	switch (level) {
	case SG_SIMD_SCALAR:
		return true;
	case SG_SIMD_AVX2:
	case SG_SIMD_AVX512:
		return cpu_has(level);
	}
	return false;
}

const struct sg_canon_kernels *sg_simd_select(enum sg_simd_level level)
{
	if (!sg_simd_supported(level))
		return NULL;
	switch (level) {
	case SG_SIMD_SCALAR:
		return &sg_simd_kernels_scalar;
	case SG_SIMD_AVX2:
		return &sg_simd_kernels_avx2;
	case SG_SIMD_AVX512:
		return cpu_has_vbmi2() ? &sg_simd_kernels_avx512_vbmi2 : &sg_simd_kernels_avx512;
	}
	return NULL;
}

enum sg_simd_level sg_simd_best_level(void)
{
	if (sg_simd_supported(SG_SIMD_AVX512))
		return SG_SIMD_AVX512;
	if (sg_simd_supported(SG_SIMD_AVX2))
		return SG_SIMD_AVX2;
	return SG_SIMD_SCALAR;
}

const struct sg_canon_kernels *sg_simd_best(void)
{
	return sg_simd_select(sg_simd_best_level());
}

const char *sg_simd_level_name(enum sg_simd_level level)
{
	if ((unsigned)level >= SG_SIMD_LEVELS)
		return "unknown";
	return level_names[level];
}

bool sg_simd_level_parse(const char *name, enum sg_simd_level *out)
{
	if (strcmp(name, "auto") == 0) {
		*out = sg_simd_best_level();
		return true;
	}
	for (unsigned i = 0; i < SG_SIMD_LEVELS; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum sg_simd_level)i;
			return true;
		}
	}
	return false;
}
