/*
 * NAME
 *   ifma_internal.h - kernels shared by the IFMA arithmetic files
 *
 * SUMMARY
 *   The Montgomery kernels for one digit count each (20, 30, 40), reached
 *   through struct ifma_kernels so that ifma_arith.c picks them once per
 *   call from the (public) digit count:
 *
 *     amm(r, a, b, mod)   r = a * b * R^-1 mod m "almost": r < 2m for
 *                         a, b < 2m (4m < R), digits normalised (< 2^52)
 *     ams(r, a, mod)      the same for a * a, with the dedicated squaring
 *     select(r, t, win)   r = entry win[l] of the IFMA_TABLE-entry table t
 *                         in each lane l, reading every entry
 *
 *   r may be the same buffer as a or b. All buffers are digits vectors of
 *   IFMA_LANES words, 64-byte aligned (see ifma_arith.h for the layout).
 *
 *   With -DIFMA_PORTABLE every external name of the arithmetic files gets
 *   the prefix ifma_portable_ (see ifma_portable.h): the portable build is
 *   linked beside the AVX-512 one. -DIFMA_CT_LEAK_TEST (with IFMA_PORTABLE)
 *   makes the test-only leaky build, prefix ifma_leaky_: see
 *   test_ifma_ct.c.
 */
#ifndef SIGNET_CRYPTO_IFMA_INTERNAL_H
#define SIGNET_CRYPTO_IFMA_INTERNAL_H

#if defined(IFMA_CT_LEAK_TEST)
#define IFMA_RENAME(name) ifma_leaky_##name
#elif defined(IFMA_PORTABLE)
#define IFMA_RENAME(name) ifma_portable_##name
#endif
#ifdef IFMA_RENAME
#define ifma_modexp_ct IFMA_RENAME(modexp_ct)
#define ifma_mont_mul IFMA_RENAME(mont_mul)
#define ifma_mont_reduce2 IFMA_RENAME(mont_reduce2)
#define ifma_mul_wide IFMA_RENAME(mul_wide)
#define ifma_kernels_for IFMA_RENAME(kernels_for)
#define ifma_amm20 IFMA_RENAME(amm20)
#define ifma_amm30 IFMA_RENAME(amm30)
#define ifma_amm40 IFMA_RENAME(amm40)
#define ifma_ams20 IFMA_RENAME(ams20)
#define ifma_ams30 IFMA_RENAME(ams30)
#define ifma_ams40 IFMA_RENAME(ams40)
#define ifma_select20 IFMA_RENAME(select20)
#define ifma_select30 IFMA_RENAME(select30)
#define ifma_select40 IFMA_RENAME(select40)
#include "ifma_portable.h"
#endif

#include "ifma_arith.h"

/*
 * Exponent bits per window of ifma_modexp_ct (1..6; 4 measured best here,
 * see README.md; -DIFMA_WINDOW=N overrides it for experiments), and the
 * table's entries.
 */
#ifndef IFMA_WINDOW
#define IFMA_WINDOW 4
#endif
#define IFMA_TABLE (1u << IFMA_WINDOW)

typedef void ifma_amm_fn(uint64_t *r, const uint64_t *a, const uint64_t *b,
			 const struct ifma_modulus *mod);
typedef void ifma_ams_fn(uint64_t *r, const uint64_t *a, const struct ifma_modulus *mod);
typedef void ifma_select_fn(uint64_t *r, const uint64_t *table, const uint64_t *win);

struct ifma_kernels {
	ifma_amm_fn *amm;
	ifma_ams_fn *ams;
	ifma_select_fn *select;
};

/* The kernels for mod->digits (20, 30 or 40); NULL for another count. */
const struct ifma_kernels *ifma_kernels_for(unsigned digits);

ifma_amm_fn ifma_amm20, ifma_amm30, ifma_amm40;
ifma_ams_fn ifma_ams20, ifma_ams30, ifma_ams40;
ifma_select_fn ifma_select20, ifma_select30, ifma_select40;

#endif
