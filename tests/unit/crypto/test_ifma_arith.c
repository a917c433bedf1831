/*
 * NAME
 *   test_ifma_arith.c - unit tests for crypto/ifma/ifma_arith.c (and the
 *                       kernels ifma_mul.c, ifma_sqr.c, ifma_setup.c)
 *
 * SUMMARY
 *   Every result is checked lane by lane against OpenSSL BN (BN_mod_exp,
 *   BN_mod_mul with R^-1, BN_mul): modular exponentiation over random odd
 *   moduli of exactly 1024, 1536 and 2048 bits (20/30/40 digits) and edge
 *   moduli (2^k - 1, 2^(k-1) + 1, the largest allowed 2^(52d - 2) - 1, 3,
 *   2^52 - 1), bases 0, 1, m - 1 and random, exponents 0, 1, all ones and
 *   random, exp_bits that are and are not multiples of the window, a
 *   different modulus, base and exponent in every lane; Montgomery
 *   multiplication (one factor up to 4m), double-length reduction, the
 *   plain wide product, the modulus constants (k0, R^2 mod m) and the byte
 *   conversions.
 *
 *   Two builds of the arithmetic are tested with the same cases: the
 *   AVX-512 IFMA one and the portable C one (ifma_portable.h). When the
 *   CPU lacks IFMA the portable cases still run and the test then exits 77
 *   (skipped), since the real build was not exercised. SIGNET_TEST_SEED
 *   replays another random sequence; failures print the seed and values.
 */
#include "testutil.h"

#include <inttypes.h>

#include "ifma_arith.h"
#include "ifma_portable.h"
#include "ifma_testutil.h"

struct impl {
	const char *name;
	void (*modexp)(uint64_t *, const uint64_t *, const uint64_t *, unsigned,
		       const struct ifma_modulus *);
	void (*mont_mul)(uint64_t *, const uint64_t *, const uint64_t *,
			 const struct ifma_modulus *);
	void (*reduce2)(uint64_t *, const uint64_t *, const struct ifma_modulus *);
	void (*mul_wide)(uint64_t *, const uint64_t *, const uint64_t *, unsigned);
};

static const struct impl simd = {
	"avx512", ifma_modexp_ct, ifma_mont_mul, ifma_mont_reduce2, ifma_mul_wide,
};
static const struct impl portable = {
	"portable", ifma_portable_modexp_ct, ifma_portable_mont_mul, ifma_portable_mont_reduce2,
	ifma_portable_mul_wide,
};

static uint64_t seed = 0x5167e7a11f3aull;

/* Bits of the test moduli: exactly the CRT half sizes for each digit count. */
static unsigned half_bits(unsigned digits)
{
	return digits * IFMA_DIGIT_BITS / 512 * 512;
}

/* One modulus set plus the same moduli as BIGNUMs. */
struct mods {
	struct ifma_modulus mod;
	BIGNUM *m[IFMA_LANES];
	BIGNUM *rinv[IFMA_LANES];	/* R^-1 mod m */
	BN_CTX *ctx;
};

static void mods_setup(struct mods *s, unsigned digits, BIGNUM **m)
{
	BIGNUM *r = BN_new();

	s->ctx = BN_CTX_new();
	memset(&s->mod, 0, sizeof(s->mod));
	s->mod.digits = digits;
	assert_non_null(r);
	assert_int_equal(BN_set_bit(r, (int)(digits * IFMA_DIGIT_BITS)), 1);
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		s->m[l] = m[l];
		it_put(s->mod.m, digits, l, m[l]);
		s->rinv[l] = BN_mod_inverse(NULL, r, m[l], s->ctx);
		assert_non_null(s->rinv[l]);
	}
	ifma_modulus_setup(&s->mod);
	BN_free(r);
}

static void mods_random(struct mods *s, unsigned digits, uint64_t *st)
{
	BIGNUM *m[IFMA_LANES];

	for (unsigned l = 0; l < IFMA_LANES; l++)
		m[l] = it_rand_bn(st, half_bits(digits), IT_TOP | IT_ODD);
	mods_setup(s, digits, m);
}

/* 2^k - 1, 2^(k-1) + 1, 2^(52d-2) - 1, 3, 2^52 - 1, and three random ones. */
static void mods_edges(struct mods *s, unsigned digits, uint64_t *st)
{
	const int k = (int)half_bits(digits);
	const int max_bits = (int)(digits * IFMA_DIGIT_BITS) - 2;
	BIGNUM *m[IFMA_LANES];

	for (unsigned l = 0; l < IFMA_LANES; l++)
		m[l] = BN_new();
	BN_set_bit(m[0], k);
	BN_sub_word(m[0], 1);
	BN_set_bit(m[1], k - 1);
	BN_add_word(m[1], 1);
	BN_set_bit(m[2], max_bits);
	BN_sub_word(m[2], 1);
	BN_set_word(m[3], 3);
	BN_set_bit(m[4], 52);
	BN_sub_word(m[4], 1);
	for (unsigned l = 5; l < IFMA_LANES; l++) {
		BN_free(m[l]);
		m[l] = it_rand_bn(st, (unsigned)k - 8 * l, IT_TOP | IT_ODD);
	}
	mods_setup(s, digits, m);
}

static void mods_free(struct mods *s)
{
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		BN_free(s->m[l]);
		BN_free(s->rinv[l]);
	}
	BN_CTX_free(s->ctx);
}

static void expect_lane(const char *what, const struct impl *im, const struct mods *s,
			unsigned lane, const uint64_t *got_v, const BIGNUM *want,
			const BIGNUM *x, const BIGNUM *y)
{
	BIGNUM *got = it_get(got_v, s->mod.digits, lane);

	if (BN_cmp(got, want) != 0) {
		fprintf(stderr, "%s (%s, %u digits, lane %u, seed %" PRIu64 "):\n m = %s\n x = %s\n"
			" y = %s\n want %s\n", what, im->name, s->mod.digits, lane, seed,
			it_hex(s->m[lane], 0), it_hex(x, 1), it_hex(y, 2), it_hex(want, 3));
		fprintf(stderr, " got  %s\n", it_hex(got, 0));
		fail_msg("%s: wrong result in lane %u (values above)", what, lane);
	}
	BN_free(got);
}

enum base_kind { BASE_RANDOM, BASE_ZERO, BASE_ONE, BASE_MINUS_ONE };
enum exp_kind { EXP_RANDOM, EXP_ZERO, EXP_ONE, EXP_ONES };

static BIGNUM *make_base(const struct mods *s, unsigned lane, enum base_kind kind, uint64_t *st)
{
	BIGNUM *b = BN_new();

	switch (kind) {
	case BASE_ZERO:
		BN_zero(b);
		break;
	case BASE_ONE:
		BN_one(b);
		break;
	case BASE_MINUS_ONE:
		BN_copy(b, s->m[lane]);
		BN_sub_word(b, 1);
		break;
	default:
		BN_free(b);
		b = it_rand_below(st, s->m[lane], s->ctx);
	}
	return b;
}

static BIGNUM *make_exp(unsigned bits, enum exp_kind kind, uint64_t *st)
{
	BIGNUM *e = BN_new();

	switch (kind) {
	case EXP_ZERO:
		BN_zero(e);
		break;
	case EXP_ONE:
		BN_set_word(e, bits > 0);
		break;
	case EXP_ONES:
		if (bits > 0) {
			BN_set_bit(e, (int)bits);
			BN_sub_word(e, 1);
		}
		break;
	default:
		BN_free(e);
		e = it_rand_bn(st, bits, 0);
	}
	return e;
}

/* One modexp call over the 8 lanes of s, lane kinds as given, checked. */
static void check_modexp(const struct impl *im, const struct mods *s, unsigned exp_bits,
			 const enum base_kind *bk, const enum exp_kind *ek, uint64_t *st)
{
	const unsigned d = s->mod.digits, words = (exp_bits + 63) / 64 + 1;
	static it_num base, r, exp;
	BIGNUM *b[IFMA_LANES], *e[IFMA_LANES], *want = BN_new();

	memset(exp, 0, sizeof(exp));
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		b[l] = make_base(s, l, bk[l], st);
		e[l] = make_exp(exp_bits, ek[l], st);
		it_put(base, d, l, b[l]);
		it_put_exp(exp, words, l, e[l]);
	}
	im->modexp(r, base, exp, exp_bits, &s->mod);
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		assert_int_equal(BN_mod_exp(want, b[l], e[l], s->m[l], s->ctx), 1);
		expect_lane("modexp", im, s, l, r, want, b[l], e[l]);
		BN_free(b[l]);
		BN_free(e[l]);
	}
	BN_free(want);
}

static const unsigned digit_counts[] = { 20, 30, 40 };

static void test_modexp_random(void **state)
{
	const struct impl *im = *state;
	static const unsigned short_bits[] = { 1, 2, 5, 7, 64, 65, 131 };
	const enum base_kind bk[IFMA_LANES] = { BASE_RANDOM, BASE_RANDOM, BASE_RANDOM,
		BASE_RANDOM, BASE_RANDOM, BASE_RANDOM, BASE_RANDOM, BASE_RANDOM };
	const enum exp_kind ek[IFMA_LANES] = { EXP_RANDOM, EXP_RANDOM, EXP_RANDOM, EXP_RANDOM,
		EXP_RANDOM, EXP_RANDOM, EXP_RANDOM, EXP_RANDOM };
	uint64_t st = seed;
	struct mods s;

	for (unsigned i = 0; i < 3; i++) {
		unsigned d = digit_counts[i];

		mods_random(&s, d, &st);
		check_modexp(im, &s, half_bits(d), bk, ek, &st);	/* full length */
		for (unsigned j = 0; j < sizeof(short_bits) / sizeof(short_bits[0]); j++)
			check_modexp(im, &s, short_bits[j], bk, ek, &st);
		mods_free(&s);
		for (unsigned j = 0; j < 4; j++) {
			mods_random(&s, d, &st);
			check_modexp(im, &s, 100 + 13 * j, bk, ek, &st);
			mods_free(&s);
		}
	}
}

static void test_modexp_edges(void **state)
{
	const struct impl *im = *state;
	const enum base_kind bk[IFMA_LANES] = { BASE_ZERO, BASE_ONE, BASE_MINUS_ONE, BASE_RANDOM,
		BASE_MINUS_ONE, BASE_RANDOM, BASE_ZERO, BASE_ONE };
	const enum exp_kind ek[IFMA_LANES] = { EXP_RANDOM, EXP_ONES, EXP_ONES, EXP_ONE,
		EXP_RANDOM, EXP_ZERO, EXP_ZERO, EXP_ONES };
	const enum exp_kind ones[IFMA_LANES] = { EXP_ONES, EXP_ONES, EXP_ONES, EXP_ONES,
		EXP_ONES, EXP_ONES, EXP_ONES, EXP_ONES };
	uint64_t st = seed ^ 1;
	struct mods s;

	for (unsigned i = 0; i < 3; i++) {
		unsigned d = digit_counts[i];

		mods_edges(&s, d, &st);
		check_modexp(im, &s, 0, bk, ek, &st);
		check_modexp(im, &s, 1, bk, ek, &st);
		check_modexp(im, &s, 6, bk, ones, &st);
		check_modexp(im, &s, 70, bk, ek, &st);
		check_modexp(im, &s, half_bits(d) - 3, bk, ek, &st);
		check_modexp(im, &s, half_bits(d), bk, ones, &st);
		mods_free(&s);
	}
}

/* a < 4m (or < m), b < m: r = a b R^-1 mod m, fully reduced. */
static void test_mont_mul(void **state)
{
	const struct impl *im = *state;
	uint64_t st = seed ^ 2;
	static it_num a, b, r, alias;
	struct mods s;

	for (unsigned i = 0; i < 6; i++) {
		unsigned d = digit_counts[i % 3];
		BIGNUM *x[IFMA_LANES], *y[IFMA_LANES], *want = BN_new(), *bound = BN_new();

		if (i < 3)
			mods_random(&s, d, &st);
		else
			mods_edges(&s, d, &st);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			BN_lshift(bound, s.m[l], l % 2 ? 2 : 0);	/* 4m or m */
			x[l] = it_rand_below(&st, bound, s.ctx);
			y[l] = it_rand_below(&st, s.m[l], s.ctx);
			if (l == 2) {	/* the largest allowed: 4m - 1 times m - 1 */
				BN_lshift(x[l], s.m[l], 2);
				BN_sub_word(x[l], 1);
				BN_sub(y[l], s.m[l], BN_value_one());
			}
			it_put(a, d, l, x[l]);
			it_put(b, d, l, y[l]);
		}
		im->mont_mul(r, a, b, &s.mod);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			BN_mod_mul(want, x[l], y[l], s.m[l], s.ctx);
			BN_mod_mul(want, want, s.rinv[l], s.m[l], s.ctx);
			expect_lane("mont_mul", im, &s, l, r, want, x[l], y[l]);
			BN_free(x[l]);
			BN_free(y[l]);
		}
		/* The output may be either input. */
		memcpy(alias, a, sizeof(alias));
		im->mont_mul(alias, alias, b, &s.mod);
		assert_memory_equal(alias, r, d * IFMA_LANES * sizeof(uint64_t));
		memcpy(alias, b, sizeof(alias));
		im->mont_mul(alias, a, alias, &s.mod);
		assert_memory_equal(alias, r, d * IFMA_LANES * sizeof(uint64_t));
		BN_free(want);
		BN_free(bound);
		mods_free(&s);
	}
}

/* t < m R (2d digits): r = t R^-1 mod m. */
static void test_mont_reduce2(void **state)
{
	const struct impl *im = *state;
	uint64_t st = seed ^ 3;
	static it_num t, r;
	struct mods s;

	for (unsigned i = 0; i < 6; i++) {
		unsigned d = digit_counts[i % 3];
		BIGNUM *x[IFMA_LANES], *want = BN_new(), *bound = BN_new();

		if (i < 3)
			mods_random(&s, d, &st);
		else
			mods_edges(&s, d, &st);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			BN_lshift(bound, s.m[l], (int)(d * IFMA_DIGIT_BITS));
			x[l] = it_rand_below(&st, bound, s.ctx);
			if (l == 1)
				BN_sub(x[l], bound, BN_value_one());
			if (l == 3)
				BN_zero(x[l]);
			it_put(t, 2 * d, l, x[l]);
		}
		im->reduce2(r, t, &s.mod);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			BN_mod_mul(want, x[l], s.rinv[l], s.m[l], s.ctx);
			expect_lane("mont_reduce2", im, &s, l, r, want, x[l], x[l]);
			BN_free(x[l]);
		}
		BN_free(want);
		BN_free(bound);
		mods_free(&s);
	}
}

static void test_mul_wide(void **state)
{
	const struct impl *im = *state;
	static const unsigned sizes[] = { 1, 7, 20, 30, 40 };
	uint64_t st = seed ^ 4;
	static it_num a, b, r;
	BN_CTX *ctx = BN_CTX_new();

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned n = sizes[i];
		BIGNUM *x[IFMA_LANES], *y[IFMA_LANES], *want = BN_new(), *got;

		for (unsigned l = 0; l < IFMA_LANES; l++) {
			x[l] = it_rand_bn(&st, n * IFMA_DIGIT_BITS - (l % 3) * 7, 0);
			y[l] = it_rand_bn(&st, n * IFMA_DIGIT_BITS - (l % 4), 0);
			if (l == 0) {	/* all digits 2^52 - 1 */
				BN_zero(x[l]);
				BN_set_bit(x[l], (int)(n * IFMA_DIGIT_BITS));
				BN_sub_word(x[l], 1);
				BN_copy(y[l], x[l]);
			}
			it_put(a, n, l, x[l]);
			it_put(b, n, l, y[l]);
		}
		im->mul_wide(r, a, b, n);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			BN_mul(want, x[l], y[l], ctx);
			got = it_get(r, 2 * n, l);
			if (BN_cmp(got, want) != 0)
				fail_msg("mul_wide (%s, n %u, lane %u): x %s y %s", im->name, n, l,
					 it_hex(x[l], 0), it_hex(y[l], 1));
			BN_free(got);
			BN_free(x[l]);
			BN_free(y[l]);
		}
		BN_free(want);
	}
	BN_CTX_free(ctx);
}

/* k0 * m = -1 mod 2^52 and rr = R^2 mod m for every lane. */
static void test_modulus_setup(void **state)
{
	uint64_t st = seed ^ 5;
	struct mods s;
	BIGNUM *rr = BN_new(), *got;

	(void)state;
	for (unsigned i = 0; i < 6; i++) {
		unsigned d = digit_counts[i % 3];

		if (i < 3)
			mods_random(&s, d, &st);
		else
			mods_edges(&s, d, &st);
		BN_zero(rr);
		BN_set_bit(rr, (int)(2 * d * IFMA_DIGIT_BITS));
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			uint64_t m0 = s.mod.m[l];

			assert_int_equal((s.mod.k0[l] * m0 + 1) & IFMA_DIGIT_MASK, 0);
			assert_true(s.mod.k0[l] <= IFMA_DIGIT_MASK);
			got = it_get(s.mod.rr, d, l);
			BN_mod(rr, rr, s.m[l], s.ctx);
			assert_int_equal(BN_cmp(got, rr), 0);
			BN_zero(rr);
			BN_set_bit(rr, (int)(2 * d * IFMA_DIGIT_BITS));
			BN_free(got);
		}
		mods_free(&s);
	}
	BN_free(rr);
}

/* Digit j of a lane is bits [52j, 52j + 52) of the number; round trip. */
static void test_lane_bytes(void **state)
{
	uint64_t st = seed ^ 6;
	static it_num v;
	uint8_t be[300], back[300];

	(void)state;
	memset(v, 0xa5, sizeof(v));
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		BIGNUM *x = it_rand_bn(&st, 1040 - l, 0), *got;

		assert_int_equal(BN_bn2binpad(x, be, 130), 130);
		ifma_lane_from_bytes(v, l, 20, be, 130);
		for (unsigned j = 0; j < 20; j++) {
			uint64_t want = 0;

			for (unsigned b = 0; b < 52; b++)
				want |= (uint64_t)BN_is_bit_set(x, (int)(52 * j + b)) << b;
			assert_int_equal(v[j * IFMA_LANES + l], want);
		}
		ifma_lane_to_bytes(v, l, 20, back, 130);
		assert_memory_equal(be, back, 130);
		/* Longer output: zero padded; shorter input: high digits zero. */
		ifma_lane_to_bytes(v, l, 20, back, 140);
		assert_memory_equal(back + 10, be, 130);
		for (unsigned i = 0; i < 10; i++)
			assert_int_equal(back[i], 0);
		ifma_lane_from_bytes(v, l, 20, be + 100, 30);
		got = it_get(v, 20, l);
		BN_mask_bits(x, 240);
		assert_int_equal(BN_cmp(got, x), 0);
		BN_free(got);
		BN_free(x);
	}
}

int main(void)
{
	const char *env = getenv("SIGNET_TEST_SEED");
	const bool have_ifma = ifma_cpu_supported();
	const struct CMUnitTest common[] = {
		cmocka_unit_test(test_modulus_setup),
		cmocka_unit_test(test_lane_bytes),
	};
#define IMPL_TESTS(im) \
	cmocka_unit_test_prestate(test_modexp_random, (void *)(im)), \
	cmocka_unit_test_prestate(test_modexp_edges, (void *)(im)), \
	cmocka_unit_test_prestate(test_mont_mul, (void *)(im)), \
	cmocka_unit_test_prestate(test_mont_reduce2, (void *)(im)), \
	cmocka_unit_test_prestate(test_mul_wide, (void *)(im))
	const struct CMUnitTest on_portable[] = { IMPL_TESTS(&portable) };
	const struct CMUnitTest on_simd[] = { IMPL_TESTS(&simd) };
	int failed;

	if (env != NULL)
		seed = strtoull(env, NULL, 0);
	printf("seed %" PRIu64 " (SIGNET_TEST_SEED)\n", seed);
	failed = cmocka_run_group_tests_name("common", common, NULL, NULL);
	failed += cmocka_run_group_tests_name("portable", on_portable, NULL, NULL);
	if (!have_ifma) {
		printf("CPU or OS without AVX-512 IFMA: the avx512 build was not tested\n");
		return failed ? 1 : 77;
	}
	failed += cmocka_run_group_tests_name("avx512", on_simd, NULL, NULL);
	return failed ? 1 : 0;
}
