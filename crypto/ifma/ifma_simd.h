/*
 * NAME
 *   ifma_simd.h - the vector operations the IFMA arithmetic is written in
 *
 * SUMMARY
 *   A thin layer of inline functions over AVX-512 (F + IFMA) intrinsics:
 *   a "vector" ifma_v is eight 64-bit lanes, a mask ifma_mask one bit per
 *   lane (bit l = lane l). Every operation works lane by lane:
 *
 *     iv_madd_lo(acc, a, b)   acc + low 52 bits of (a mod 2^52)*(b mod 2^52)
 *     iv_madd_hi(acc, a, b)   acc + high 52 bits of the same 104-bit product
 *     iv_add, iv_sub, iv_and, iv_or      wrapping 64-bit arithmetic / logic
 *     iv_srli, iv_slli        shifts by a count below 64 (public)
 *     iv_cmpeq(a, b)          mask of the lanes where a == b
 *     iv_select(a, k, b)      lane l: (k bit l) ? b : a
 *     iv_load_here(p)         a load the compiler issues where it stands:
 *                             not merged with another load of p, not hoisted
 *                             out of a loop (keeps unrolled kernels from
 *                             parking whole operands in registers and
 *                             spilling the accumulators)
 *
 *   IFMA_UNROLL before a loop with a constant trip count asks for it to be
 *   unrolled completely, so that arrays indexed by its counter become
 *   registers (nothing in the portable build, where speed does not matter).
 *
 *   Built with -DIFMA_PORTABLE the same functions are plain C on a struct
 *   of eight uint64_t with exactly the same results, so the arithmetic in
 *   ifma_*.c compiles both ways. The portable build exists for the valgrind
 *   constant-time test (valgrind 3.19 cannot run AVX-512): its operations
 *   are branch-free and index memory only by public values, as the
 *   instructions they stand for are.
 */
#ifndef SIGNET_CRYPTO_IFMA_SIMD_H
#define SIGNET_CRYPTO_IFMA_SIMD_H

#include <stdint.h>

#define IFMA_INLINE static inline __attribute__((always_inline))

#ifndef IFMA_PORTABLE

#include <immintrin.h>

#define IFMA_UNROLL _Pragma("GCC unroll 128")

typedef __m512i ifma_v;
typedef __mmask8 ifma_mask;

IFMA_INLINE ifma_v iv_load(const uint64_t *p)
{
	return _mm512_load_si512((const void *)p);
}

IFMA_INLINE ifma_v iv_load_here(const uint64_t *p)
{
	ifma_v r;

	__asm__ volatile("vmovdqa64 %1, %0" : "=v"(r) : "m"(*(const ifma_v *)p));
	return r;
}

IFMA_INLINE void iv_store(uint64_t *p, ifma_v a)
{
	_mm512_store_si512((void *)p, a);
}

IFMA_INLINE ifma_v iv_zero(void)
{
	return _mm512_setzero_si512();
}

IFMA_INLINE ifma_v iv_set1(uint64_t x)
{
	return _mm512_set1_epi64((long long)x);
}

IFMA_INLINE ifma_v iv_madd_lo(ifma_v acc, ifma_v a, ifma_v b)
{
	return _mm512_madd52lo_epu64(acc, a, b);
}

IFMA_INLINE ifma_v iv_madd_hi(ifma_v acc, ifma_v a, ifma_v b)
{
	return _mm512_madd52hi_epu64(acc, a, b);
}

IFMA_INLINE ifma_v iv_add(ifma_v a, ifma_v b)
{
	return _mm512_add_epi64(a, b);
}

IFMA_INLINE ifma_v iv_sub(ifma_v a, ifma_v b)
{
	return _mm512_sub_epi64(a, b);
}

IFMA_INLINE ifma_v iv_and(ifma_v a, ifma_v b)
{
	return _mm512_and_si512(a, b);
}

IFMA_INLINE ifma_v iv_or(ifma_v a, ifma_v b)
{
	return _mm512_or_si512(a, b);
}

IFMA_INLINE ifma_v iv_srli(ifma_v a, unsigned n)
{
	return _mm512_srli_epi64(a, n);
}

IFMA_INLINE ifma_v iv_slli(ifma_v a, unsigned n)
{
	return _mm512_slli_epi64(a, n);
}

IFMA_INLINE ifma_mask iv_cmpeq(ifma_v a, ifma_v b)
{
	return _mm512_cmpeq_epu64_mask(a, b);
}

IFMA_INLINE ifma_v iv_select(ifma_v a, ifma_mask k, ifma_v b)
{
	return _mm512_mask_mov_epi64(a, k, b);
}

#else /* IFMA_PORTABLE */

#define IFMA_UNROLL

typedef struct {
	uint64_t l[8];
} ifma_v;
typedef uint8_t ifma_mask;
__extension__ typedef unsigned __int128 ifma_u128;

#define IV_EACH(i) for (unsigned i = 0; i < 8; i++)

IFMA_INLINE ifma_v iv_load(const uint64_t *p)
{
	ifma_v r;

	IV_EACH(i)
		r.l[i] = p[i];
	return r;
}

IFMA_INLINE ifma_v iv_load_here(const uint64_t *p)
{
	return iv_load(p);
}

IFMA_INLINE void iv_store(uint64_t *p, ifma_v a)
{
	IV_EACH(i)
		p[i] = a.l[i];
}

IFMA_INLINE ifma_v iv_set1(uint64_t x)
{
	ifma_v r;

	IV_EACH(i)
		r.l[i] = x;
	return r;
}

IFMA_INLINE ifma_v iv_zero(void)
{
	return iv_set1(0);
}

IFMA_INLINE ifma_v iv_madd_lo(ifma_v acc, ifma_v a, ifma_v b)
{
	const uint64_t m52 = (1ull << 52) - 1;

	IV_EACH(i) {
		ifma_u128 p = (ifma_u128)(a.l[i] & m52) * (b.l[i] & m52);

		acc.l[i] += (uint64_t)p & m52;
	}
	return acc;
}

IFMA_INLINE ifma_v iv_madd_hi(ifma_v acc, ifma_v a, ifma_v b)
{
	const uint64_t m52 = (1ull << 52) - 1;

	IV_EACH(i) {
		ifma_u128 p = (ifma_u128)(a.l[i] & m52) * (b.l[i] & m52);

		acc.l[i] += (uint64_t)(p >> 52);
	}
	return acc;
}

IFMA_INLINE ifma_v iv_add(ifma_v a, ifma_v b)
{
	IV_EACH(i)
		a.l[i] += b.l[i];
	return a;
}

IFMA_INLINE ifma_v iv_sub(ifma_v a, ifma_v b)
{
	IV_EACH(i)
		a.l[i] -= b.l[i];
	return a;
}

IFMA_INLINE ifma_v iv_and(ifma_v a, ifma_v b)
{
	IV_EACH(i)
		a.l[i] &= b.l[i];
	return a;
}

IFMA_INLINE ifma_v iv_or(ifma_v a, ifma_v b)
{
	IV_EACH(i)
		a.l[i] |= b.l[i];
	return a;
}

IFMA_INLINE ifma_v iv_srli(ifma_v a, unsigned n)
{
	IV_EACH(i)
		a.l[i] >>= n;
	return a;
}

IFMA_INLINE ifma_v iv_slli(ifma_v a, unsigned n)
{
	IV_EACH(i)
		a.l[i] <<= n;
	return a;
}

/* Branch-free: x == 0 exactly when neither x nor -x has the top bit set. */
IFMA_INLINE ifma_mask iv_cmpeq(ifma_v a, ifma_v b)
{
	unsigned k = 0;

	IV_EACH(i) {
		uint64_t x = a.l[i] ^ b.l[i];

		k |= (unsigned)((((x | (0 - x)) >> 63) ^ 1) << i);
	}
	return (ifma_mask)k;
}

IFMA_INLINE ifma_v iv_select(ifma_v a, ifma_mask k, ifma_v b)
{
	IV_EACH(i) {
		uint64_t take = 0 - (uint64_t)((k >> i) & 1);

		a.l[i] = (a.l[i] & ~take) | (b.l[i] & take);
	}
	return a;
}

#undef IV_EACH

#endif /* IFMA_PORTABLE */

#endif
