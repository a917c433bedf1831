/*
 * NAME
 *   ifma_microbench.c - time the 8-lane IFMA arithmetic kernels
 *
 * SUMMARY
 *   For 20, 30 and 40 digits (the CRT halves of RSA-2048, -3072, -4096):
 *   nanoseconds per almost-Montgomery multiplication (AMM), per squaring
 *   (AMS) and per 8-lane modular exponentiation with a full-length
 *   exponent (1024/1536/2048 bits), next to OpenSSL's
 *   BN_mod_exp_mont_consttime for ONE lane of the same size, measured in
 *   the same run. Prints one JSON object:
 *
 *     est_core_ghz            core clock estimated from a chain of imul
 *                             (3 cycles each), for the IFMA/cycle figures
 *     ifma_per_amm/_ams/_modexp  IFMA instructions each op issues (counted
 *                             from the algorithm, see crypto/ifma/README.md)
 *     ifma_per_cycle          ifma_per_modexp / (modexp_ns * est_core_ghz)
 *     rsa_signs_per_s_bound   8 lanes / (2 modexps): the RSA-CRT signature
 *                             rate the exponentiations alone allow
 *     openssl_lane_speedup    8 * openssl_modexp_ns / modexp_ns
 *
 *   Usage: ifma_microbench [seconds per measurement, default 0.5]
 *   Exits 77 without AVX-512 IFMA. Built by bench/meson.build as
 *   <builddir>/bench/ifma_microbench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bn.h>

#include "ifma_arith.h"
#include "ifma_internal.h"

#define W IFMA_LANES
#define WINDOW IFMA_WINDOW

typedef uint64_t num[2 * IFMA_MAX_DIGITS * W] __attribute__((aligned(IFMA_ALIGN)));

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t rng = 0x1234567;

static uint64_t rand64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * The core clock in GHz: dependent imul chains (3 cycles each); the fastest
 * of 200 short runs (short, so that some run is not interrupted).
 */
static double core_ghz(void)
{
	const long n = 50000;
	double best = 0;

	for (int run = 0; run < 200; run++) {
		uint64_t x = 3;
		double t0 = now_ns(), ghz;

		for (long i = 0; i < n; i++)
			__asm__ volatile("imul %0, %0\n\timul %0, %0\n\timul %0, %0\n\t"
					 "imul %0, %0" : "+r"(x));
		ghz = 12.0 * (double)n / (now_ns() - t0);
		if (ghz > best)
			best = ghz;
	}
	return best;
}

/* Random moduli of `bits` bits (top bit set, odd) and the same as BIGNUM lane 0. */
static void make_modulus(struct ifma_modulus *mod, unsigned digits, unsigned bits, BIGNUM *m0)
{
	memset(mod, 0, sizeof(*mod));
	mod->digits = digits;
	for (unsigned l = 0; l < W; l++) {
		for (unsigned j = 0; j < digits; j++) {
			unsigned lo = j * IFMA_DIGIT_BITS;
			uint64_t v = rand64() & IFMA_DIGIT_MASK;

			if (lo >= bits)
				v = 0;
			else if (bits - lo < IFMA_DIGIT_BITS)
				v &= (1ull << (bits - lo)) - 1;
			mod->m[j * W + l] = v;
		}
		mod->m[l] |= 1;
		mod->m[((bits - 1) / IFMA_DIGIT_BITS) * W + l] |= 1ull << ((bits - 1) % IFMA_DIGIT_BITS);
	}
	ifma_modulus_setup(mod);
	BN_zero(m0);
	for (unsigned j = digits; j-- > 0;) {
		BN_lshift(m0, m0, IFMA_DIGIT_BITS);
		BN_add_word(m0, mod->m[j * W]);
	}
}

/*
 * The machine is shared: other processes take the core at random moments.
 * Each op is timed over many short trials (a few calls, ~50 us) for
 * `seconds`; the fastest trial is the op's undisturbed cost and the median
 * shows how far the disturbance went. Both in ns per call.
 */
struct timing {
	double best, median;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define MAX_TRIALS 100000
static double trial_[MAX_TRIALS];

#define TIME_OP(result, seconds, op) do { \
	long calls_ = 1, n_ = 0; \
	double t0_ = now_ns(), start_ = t0_, t_; \
	op; \
	t_ = now_ns() - t0_; \
	while (calls_ * t_ < 50e3 && calls_ < 1000) \
		calls_ *= 2; \
	while (n_ < MAX_TRIALS && now_ns() - start_ < (seconds) * 1e9) { \
		t0_ = now_ns(); \
		for (long c_ = 0; c_ < calls_; c_++) { \
			op; \
		} \
		trial_[n_++] = (now_ns() - t0_) / (double)calls_; \
	} \
	qsort(trial_, (size_t)n_, sizeof(double), cmp_double); \
	(result).best = trial_[0]; \
	(result).median = trial_[n_ / 2]; \
} while (0)

static void bench_size(unsigned digits, double seconds, double ghz, int last)
{
	const unsigned bits = digits * IFMA_DIGIT_BITS / 512 * 512;
	const struct ifma_kernels *k = ifma_kernels_for(digits);
	const double d = digits;
	static struct ifma_modulus mod;
	static num a, b, r, e;
	BIGNUM *m0 = BN_new(), *x = BN_new(), *p = BN_new(), *y = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	BN_MONT_CTX *mont = BN_MONT_CTX_new();
	struct timing amm, ams, exp, ossl;
	double n_amm = 4 * d * d + d, n_ams = d * (d - 1) + 2 * d + 2 * d * d + d;
	double windows = (bits + WINDOW - 1) / WINDOW, n_exp;

	make_modulus(&mod, digits, bits, m0);
	for (unsigned i = 0; i < digits * W; i++) {
		a[i] = rand64() & IFMA_DIGIT_MASK;
		b[i] = rand64() & IFMA_DIGIT_MASK;
	}
	for (unsigned l = 0; l < W; l++) {	/* a, b < m: clear the top digit */
		a[(digits - 1) * W + l] = 0;
		b[(digits - 1) * W + l] = 0;
	}
	for (unsigned i = 0; i < (bits / 64) * W; i++)
		e[i] = rand64();
	TIME_OP(amm, seconds, k->amm(r, a, b, &mod); k->amm(a, r, b, &mod));
	amm.best /= 2;
	amm.median /= 2;
	TIME_OP(ams, seconds, k->ams(r, a, &mod); k->ams(a, r, &mod));
	ams.best /= 2;
	ams.median /= 2;
	TIME_OP(exp, seconds, ifma_modexp_ct(r, a, e, bits, &mod));

	BN_MONT_CTX_set(mont, m0, ctx);
	BN_rand_range(x, m0);
	BN_rand(p, (int)bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
	BN_set_flags(p, BN_FLG_CONSTTIME);
	TIME_OP(ossl, seconds, BN_mod_exp_mont_consttime(y, x, p, m0, ctx, mont));

	/* table: 2 AMM (R mod m, base to Montgomery form), then even entries by AMS, odd by AMM */
	n_exp = 2 * n_amm + (IFMA_TABLE / 2 - 1) * (n_ams + n_amm) +
		(windows - 1) * (WINDOW * n_ams + n_amm) + n_amm;
	printf("    {\"digits\": %u, \"modulus_bits\": %u, \"rsa_bits\": %u,\n"
	       "     \"amm_ns\": %.1f, \"ams_ns\": %.1f, \"modexp_ns\": %.0f,\n"
	       "     \"median_amm_ns\": %.1f, \"median_ams_ns\": %.1f,"
	       " \"median_modexp_ns\": %.0f,\n"
	       "     \"ifma_per_amm\": %.0f, \"ifma_per_ams\": %.0f, \"ifma_per_modexp\": %.0f,\n"
	       "     \"ifma_per_cycle_amm\": %.2f, \"ifma_per_cycle_ams\": %.2f,"
	       " \"ifma_per_cycle\": %.2f,\n"
	       "     \"openssl_modexp_1lane_ns\": %.0f, \"openssl_lane_speedup\": %.2f,\n"
	       "     \"rsa_signs_per_s_bound\": %.0f}%s\n",
	       digits, bits, 2 * bits, amm.best, ams.best, exp.best, amm.median, ams.median,
	       exp.median, n_amm, n_ams, n_exp, n_amm / (amm.best * ghz),
	       n_ams / (ams.best * ghz), n_exp / (exp.best * ghz), ossl.best,
	       8 * ossl.best / exp.best, 8e9 / (2 * exp.best), last ? "" : ",");
	BN_free(m0);
	BN_free(x);
	BN_free(p);
	BN_free(y);
	BN_MONT_CTX_free(mont);
	BN_CTX_free(ctx);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0.5, ghz;

	if (!ifma_cpu_supported()) {
		fprintf(stderr, "ifma_microbench: no AVX-512 IFMA on this CPU\n");
		return 77;
	}
	if (seconds <= 0)
		seconds = 0.5;
	ghz = core_ghz();
	printf("{\"bench\": \"ifma_microbench\", \"window\": %d, \"est_core_ghz\": %.2f,\n"
	       " \"sizes\": [\n", WINDOW, ghz);
	bench_size(20, seconds, ghz, 0);
	bench_size(30, seconds, ghz, 0);
	bench_size(40, seconds, ghz, 1);
	printf(" ]}\n");
	return 0;
}
