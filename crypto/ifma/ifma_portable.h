/*
 * NAME
 *   ifma_portable.h - the portable (plain C) build of the IFMA arithmetic
 *
 * SUMMARY
 *   ifma_arith.c, ifma_mul.c and ifma_sqr.c compiled with -DIFMA_PORTABLE
 *   (library signet_ifma_portable): the same source and control flow as
 *   the AVX-512 build, on plain C vectors (ifma_simd.h). Same contract as
 *   ifma_modexp_ct, ifma_mont_mul, ifma_mont_reduce2 and ifma_mul_wide in
 *   ifma_arith.h; runs on any CPU and under valgrind. Used by the
 *   constant-time test and as a second reference in the arithmetic test;
 *   never by the backend.
 */
#ifndef SIGNET_CRYPTO_IFMA_PORTABLE_H
#define SIGNET_CRYPTO_IFMA_PORTABLE_H

#include <stdint.h>

struct ifma_modulus;

void ifma_portable_modexp_ct(uint64_t *r, const uint64_t *base, const uint64_t *exp,
			     unsigned exp_bits, const struct ifma_modulus *mod);
void ifma_portable_mont_mul(uint64_t *r, const uint64_t *a, const uint64_t *b,
			    const struct ifma_modulus *mod);
void ifma_portable_mont_reduce2(uint64_t *r, const uint64_t *t, const struct ifma_modulus *mod);
void ifma_portable_mul_wide(uint64_t *r, const uint64_t *a, const uint64_t *b, unsigned digits);

/*
 * Test only: the portable build with two deliberate leaks, compiled with
 * -DIFMA_CT_LEAK_TEST (library signet_ifma_leaky), so the constant-time
 * test can show that it catches them: ifma_leaky_modexp_ct skips the
 * multiplication after a window whose value in lane 0 is 0 (a branch on
 * exponent bits); ifma_leaky_mont_mul reads a word of m at an index taken
 * from a (a memory index from a secret). Wrong results; never call them
 * for anything else.
 */
void ifma_leaky_modexp_ct(uint64_t *r, const uint64_t *base, const uint64_t *exp,
			  unsigned exp_bits, const struct ifma_modulus *mod);
void ifma_leaky_mont_mul(uint64_t *r, const uint64_t *a, const uint64_t *b,
			 const struct ifma_modulus *mod);

#endif
