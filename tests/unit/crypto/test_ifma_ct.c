/*
 * NAME
 *   test_ifma_ct.c - constant-time test of the IFMA arithmetic
 *                    (crypto/ifma/ifma_arith.c and its kernels) with
 *                    valgrind memcheck, ctgrind style
 *
 * SUMMARY
 *   The secrets (base, exponent, operands) are marked undefined with
 *   VALGRIND_MAKE_MEM_UNDEFINED; memcheck then reports every conditional
 *   jump, conditional move and memory address that depends on them. The
 *   moduli stay defined: they are public. The test counts memcheck's
 *   errors (VALGRIND_COUNT_ERRORS) around each operation:
 *
 *     clean run   ifma_modexp_ct (20, 30 and 40 digits), ifma_mont_mul,
 *                 ifma_mont_reduce2, ifma_mul_wide and the byte
 *                 conversions must add no error;
 *     leaky run   the test-only leaky build (ifma_portable.h) must add
 *                 errors: a branch on a zero exponent window in
 *                 ifma_leaky_modexp_ct and a memory index taken from an
 *                 operand in ifma_leaky_mont_mul. This proves the method
 *                 sees both kinds of leak.
 *
 *   Run normally, the test re-executes itself under
 *   `valgrind --error-exitcode=1` (clean) and `valgrind` (leaky) and
 *   passes when both children do; it exits 77 (skipped) when valgrind is
 *   missing or the binary is built with AddressSanitizer.
 *
 * WHY THE PORTABLE BUILD
 *   valgrind 3.19 cannot execute AVX-512, so the arithmetic runs as the
 *   portable build (-DIFMA_PORTABLE): the very same C files, with the
 *   same loops, branches and address computations, only ifma_simd.h's
 *   vector operations implemented in plain branch-free C instead of one
 *   instruction each. The instructions the AVX-512 build uses (IFMA, add,
 *   shift, and/or, compare into a mask, masked move, aligned load/store)
 *   take the same time whatever the data, so a leak in the AVX-512 build
 *   could only come from the C control flow and addressing, which both
 *   builds share. (crypto/ifma/README.md shows how to check that the
 *   AVX-512 objects' only conditional branches are loop back-edges.)
 */
#include "testutil.h"

#include "ct_valgrind.h"

#include "ifma_arith.h"
#include "ifma_portable.h"

#define W IFMA_LANES

typedef uint64_t ct_num[2 * IFMA_MAX_DIGITS * W] __attribute__((aligned(IFMA_ALIGN)));

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rand64(void)
{
	return ct_rand64(&rng);
}

/* Public moduli: odd, below 2^(52 d - 2), top digit non-zero. */
static void make_modulus(struct ifma_modulus *mod, unsigned d)
{
	memset(mod, 0, sizeof(*mod));
	mod->digits = d;
	for (unsigned i = 0; i < d * W; i++)
		mod->m[i] = rand64() & IFMA_DIGIT_MASK;
	for (unsigned l = 0; l < W; l++) {
		mod->m[l] |= 1;
		mod->m[(d - 1) * W + l] = (rand64() & 0xffffffffull) | (1ull << 31);
	}
	ifma_modulus_setup(mod);
}

/* Random digits below m: top digit below m's top digit. */
static void make_below_m(uint64_t *v, const struct ifma_modulus *mod)
{
	const unsigned d = mod->digits;

	for (unsigned i = 0; i < d * W; i++)
		v[i] = rand64() & IFMA_DIGIT_MASK;
	for (unsigned l = 0; l < W; l++)
		v[(d - 1) * W + l] = mod->m[(d - 1) * W + l] >> 1;
}

static void modexp_case(void (*modexp)(uint64_t *, const uint64_t *, const uint64_t *,
				       unsigned, const struct ifma_modulus *),
			unsigned d, unsigned exp_bits, int zero_window)
{
	static struct ifma_modulus mod;
	static ct_num base, exp, r;
	const unsigned words = (exp_bits + 63) / 64;

	make_modulus(&mod, d);
	make_below_m(base, &mod);
	for (unsigned i = 0; i < words * W; i++)
		exp[i] = rand64();
	if (zero_window)	/* a window of zeros in lane 0, bits 10..19 */
		exp[0] &= ~(0x3ffull << 10);
	ct_secret(base, d * W * sizeof(uint64_t));
	ct_secret(exp, words * W * sizeof(uint64_t));
	modexp(r, base, exp, exp_bits, &mod);
	ct_reveal(r, d * W * sizeof(uint64_t));
}

static void mont_mul_case(void (*mont_mul)(uint64_t *, const uint64_t *, const uint64_t *,
					   const struct ifma_modulus *), unsigned d)
{
	static struct ifma_modulus mod;
	static ct_num a, b, r;

	make_modulus(&mod, d);
	make_below_m(a, &mod);
	make_below_m(b, &mod);
	ct_secret(a, d * W * sizeof(uint64_t));
	ct_secret(b, d * W * sizeof(uint64_t));
	mont_mul(r, a, b, &mod);
	ct_reveal(r, d * W * sizeof(uint64_t));
}

static void test_modexp_is_constant_time(void **state)
{
	(void)state;
	ct_expect_clean("modexp 20 digits, 1024-bit exponent",
		     CT_ERRORS_ADDED(modexp_case(ifma_portable_modexp_ct, 20, 1024, 1)));
	ct_expect_clean("modexp 30 digits, 131-bit exponent",
		     CT_ERRORS_ADDED(modexp_case(ifma_portable_modexp_ct, 30, 131, 1)));
	ct_expect_clean("modexp 40 digits, 67-bit exponent",
		     CT_ERRORS_ADDED(modexp_case(ifma_portable_modexp_ct, 40, 67, 0)));
}

static void test_mont_mul_is_constant_time(void **state)
{
	(void)state;
	for (unsigned d = 20; d <= 40; d += 10)
		ct_expect_clean("mont_mul", CT_ERRORS_ADDED(mont_mul_case(ifma_portable_mont_mul, d)));
}

static void test_crt_helpers_are_constant_time(void **state)
{
	static struct ifma_modulus mod;
	static ct_num t, a, b, r;
	uint8_t bytes[130];

	(void)state;
	make_modulus(&mod, 20);
	for (unsigned i = 0; i < 40 * W; i++)
		t[i] = rand64() & IFMA_DIGIT_MASK;
	for (unsigned l = 0; l < W; l++)	/* t < m R: top digit below m's */
		t[39 * W + l] = mod.m[19 * W + l] >> 1;
	make_below_m(a, &mod);
	make_below_m(b, &mod);
	ct_secret(t, sizeof(t));
	ct_secret(a, sizeof(a));
	ct_secret(b, sizeof(b));
	ct_expect_clean("mont_reduce2", CT_ERRORS_ADDED(ifma_portable_mont_reduce2(r, t, &mod)));
	ct_expect_clean("mul_wide", CT_ERRORS_ADDED(ifma_portable_mul_wide(r, a, b, 20)));
	ct_expect_clean("lane_to_bytes", CT_ERRORS_ADDED(ifma_lane_to_bytes(a, 3, 20, bytes, 130)));
	ct_expect_clean("lane_from_bytes", CT_ERRORS_ADDED(ifma_lane_from_bytes(b, 5, 20, bytes, 130)));
	ct_reveal(r, sizeof(r));
}

/* The leaky build must be caught, each leak on its own. */
static void test_leaks_are_caught(void **state)
{
	unsigned long by_branch, by_index;

	(void)state;
	by_branch = CT_ERRORS_ADDED(modexp_case(ifma_leaky_modexp_ct, 20, 100, 1));
	by_index = CT_ERRORS_ADDED(mont_mul_case(ifma_leaky_mont_mul, 20));
	printf("# leaky build: %lu error(s) from the exponent branch, %lu from the index\n",
	       by_branch, by_index);
	assert_true(by_branch > 0);
	assert_true(by_index > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest clean[] = {
		cmocka_unit_test(test_modexp_is_constant_time),
		cmocka_unit_test(test_mont_mul_is_constant_time),
		cmocka_unit_test(test_crt_helpers_are_constant_time),
	};
	const struct CMUnitTest leaky[] = {
		cmocka_unit_test(test_leaks_are_caught),
	};
	return ct_main(argc, argv, "ct", clean, sizeof(clean) / sizeof(clean[0]), leaky,
		       sizeof(leaky) / sizeof(leaky[0]));
}
