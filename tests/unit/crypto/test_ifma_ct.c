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

#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

#include "ifma_arith.h"
#include "ifma_portable.h"

#define W IFMA_LANES

#if defined(__SANITIZE_ADDRESS__)
#define CT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CT_UNDER_ASAN 1
#endif
#endif

typedef uint64_t ct_num[2 * IFMA_MAX_DIGITS * W] __attribute__((aligned(IFMA_ALIGN)));

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rand64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
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

static void secret(void *p, size_t n)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}

/* The results are secret too: declare them defined before anyone looks. */
static void reveal(void *p, size_t n)
{
	VALGRIND_MAKE_MEM_DEFINED(p, n);
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
	secret(base, d * W * sizeof(uint64_t));
	secret(exp, words * W * sizeof(uint64_t));
	modexp(r, base, exp, exp_bits, &mod);
	reveal(r, d * W * sizeof(uint64_t));
}

static void mont_mul_case(void (*mont_mul)(uint64_t *, const uint64_t *, const uint64_t *,
					   const struct ifma_modulus *), unsigned d)
{
	static struct ifma_modulus mod;
	static ct_num a, b, r;

	make_modulus(&mod, d);
	make_below_m(a, &mod);
	make_below_m(b, &mod);
	secret(a, d * W * sizeof(uint64_t));
	secret(b, d * W * sizeof(uint64_t));
	mont_mul(r, a, b, &mod);
	reveal(r, d * W * sizeof(uint64_t));
}

#define ERRORS_ADDED(stmt) __extension__ ({ \
	unsigned long before_ = VALGRIND_COUNT_ERRORS; \
	stmt; \
	VALGRIND_COUNT_ERRORS - before_; \
})

static void expect_clean(const char *what, unsigned long errors)
{
	if (errors != 0)
		fail_msg("%s: memcheck saw %lu secret-dependent branch(es) or address(es)"
			 " (see the valgrind report above)", what, errors);
}

static void test_modexp_is_constant_time(void **state)
{
	(void)state;
	expect_clean("modexp 20 digits, 1024-bit exponent",
		     ERRORS_ADDED(modexp_case(ifma_portable_modexp_ct, 20, 1024, 1)));
	expect_clean("modexp 30 digits, 131-bit exponent",
		     ERRORS_ADDED(modexp_case(ifma_portable_modexp_ct, 30, 131, 1)));
	expect_clean("modexp 40 digits, 67-bit exponent",
		     ERRORS_ADDED(modexp_case(ifma_portable_modexp_ct, 40, 67, 0)));
}

static void test_mont_mul_is_constant_time(void **state)
{
	(void)state;
	for (unsigned d = 20; d <= 40; d += 10)
		expect_clean("mont_mul", ERRORS_ADDED(mont_mul_case(ifma_portable_mont_mul, d)));
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
	secret(t, sizeof(t));
	secret(a, sizeof(a));
	secret(b, sizeof(b));
	expect_clean("mont_reduce2", ERRORS_ADDED(ifma_portable_mont_reduce2(r, t, &mod)));
	expect_clean("mul_wide", ERRORS_ADDED(ifma_portable_mul_wide(r, a, b, 20)));
	expect_clean("lane_to_bytes", ERRORS_ADDED(ifma_lane_to_bytes(a, 3, 20, bytes, 130)));
	expect_clean("lane_from_bytes", ERRORS_ADDED(ifma_lane_from_bytes(b, 5, 20, bytes, 130)));
	reveal(r, sizeof(r));
}

/* The leaky build must be caught, each leak on its own. */
static void test_leaks_are_caught(void **state)
{
	unsigned long by_branch, by_index;

	(void)state;
	by_branch = ERRORS_ADDED(modexp_case(ifma_leaky_modexp_ct, 20, 100, 1));
	by_index = ERRORS_ADDED(mont_mul_case(ifma_leaky_mont_mul, 20));
	printf("# leaky build: %lu error(s) from the exponent branch, %lu from the index\n",
	       by_branch, by_index);
	assert_true(by_branch > 0);
	assert_true(by_index > 0);
}

/* Runs this program under valgrind with args; returns its exit status or -1. */
static int run_under_valgrind(const char *self, const char *mode, int error_exitcode)
{
	char exitcode[32];
	int status;
	pid_t pid;

	snprintf(exitcode, sizeof(exitcode), "--error-exitcode=%d", error_exitcode);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execlp("valgrind", "valgrind", "-q", "--tool=memcheck", exitcode, self, mode,
		       (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
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
	char self[4096];
	ssize_t n;
	int rc_clean, rc_leaky;

	if (argc > 1 && RUNNING_ON_VALGRIND) {
		if (strcmp(argv[1], "--clean") == 0)
			return cmocka_run_group_tests_name("ct_clean", clean, NULL, NULL);
		if (strcmp(argv[1], "--leaky") == 0)
			return cmocka_run_group_tests_name("ct_leaky", leaky, NULL, NULL);
		return 2;
	}
#ifdef CT_UNDER_ASAN
	printf("built with AddressSanitizer, which valgrind cannot run: skipped\n");
	return 77;
#endif
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		printf("cannot find this program's path: skipped\n");
		return 77;
	}
	self[n] = '\0';
	rc_clean = run_under_valgrind(self, "--clean", 1);
	if (rc_clean == 127 || rc_clean < 0) {
		printf("valgrind not found or did not run (status %d): skipped\n", rc_clean);
		return 77;
	}
	/* Expected errors in the leaky run: its own verdict is the exit status. */
	rc_leaky = run_under_valgrind(self, "--leaky", 0);
	printf("valgrind runs: clean exit %d (want 0), leaky exit %d (want 0)\n", rc_clean,
	       rc_leaky);
	return rc_clean == 0 && rc_leaky == 0 ? 0 : 1;
}
