/*
 * NAME
 *   test_ifma_digits.c - unit tests for crypto/ifma/ifma_digits.c
 *
 * SUMMARY
 *   The constant-time primitives against C's operators on edge values
 *   (0, 1, 2^52, 2^63 - 1, 2^63, 2^64 - 1) and random words; every
 *   multi-digit helper against OpenSSL BIGNUM arithmetic on random numbers
 *   of the three class sizes: little-endian bytes to digits (with zero
 *   excess digits), subtraction with borrow, modular doubling (R^2 mod m
 *   and x * R mod m), k0, and the two eight-lane CRT helpers (a + 2m - b
 *   and the wide add with carries through the top; the per-lane
 *   comparison). Digits are compared
 *   with numbers built bit by bit, independent of the code under test.
 *   Plain C: runs on every CPU.
 */
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/rand.h>

#include "ifma_digits.h"

static const unsigned class_digits[] = { 20, 30, 40 };

static uint64_t rand64(void)
{
	uint64_t x;

	assert_int_equal(RAND_bytes((unsigned char *)&x, sizeof(x)), 1);
	return x;
}

/* The digits of bn, bit by bit (independent of ifma_dig_from_le). */
static void bn_to_digits(const BIGNUM *bn, uint64_t *d, unsigned n, size_t stride)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = 0;

		for (int b = 0; b < IFMA_DIGIT_BITS; b++)
			if (BN_is_bit_set(bn, (int)i * IFMA_DIGIT_BITS + b))
				v |= 1ull << b;
		d[i * stride] = v;
	}
}

static BIGNUM *digits_to_bn(const uint64_t *d, unsigned n, size_t stride)
{
	BIGNUM *bn = BN_new();

	assert_non_null(bn);
	BN_zero(bn);
	for (unsigned i = 0; i < n; i++)
		for (int b = 0; b < IFMA_DIGIT_BITS; b++)
			if ((d[i * stride] >> b) & 1)
				assert_int_equal(BN_set_bit(bn, (int)i * IFMA_DIGIT_BITS + b), 1);
	return bn;
}

static BIGNUM *rand_bn(int bits, int top, int odd)
{
	BIGNUM *bn = BN_new();

	assert_non_null(bn);
	assert_int_equal(BN_rand(bn, bits, top, odd), 1);
	return bn;
}

static void assert_digits_bn(const uint64_t *d, unsigned n, size_t stride, const BIGNUM *want)
{
	BIGNUM *got = digits_to_bn(d, n, stride);

	for (unsigned i = 0; i < n; i++)
		assert_true(d[i * stride] <= IFMA_DIGIT_MASK);
	if (BN_cmp(got, want) != 0) {
		char *g = BN_bn2hex(got), *w = BN_bn2hex(want);

		fail_msg("digits %s, expected %s", g, w);
	}
	BN_free(got);
}

static void test_ct_primitives(void **state)
{
	const uint64_t edge[] = { 0, 1, 2, 1ull << 52, (1ull << 63) - 1, 1ull << 63,
				  (1ull << 63) + 1, UINT64_MAX - 1, UINT64_MAX };
	size_t ne = sizeof(edge) / sizeof(edge[0]);

	(void)state;
	for (size_t i = 0; i < ne; i++) {
		for (size_t j = 0; j < ne; j++) {
			uint64_t x = edge[i], y = edge[j];

			assert_int_equal(ifma_ct_eq(x, y), x == y);
			assert_int_equal(ifma_ct_lt(x, y), x < y);
			assert_int_equal(ifma_ct_gt(x, y), x > y);
			assert_int_equal(ifma_ct_mux(1, x, y), x);
			assert_int_equal(ifma_ct_mux(0, x, y), y);
		}
	}
	for (int i = 0; i < 100000; i++) {
		uint64_t x = rand64(), y = i & 1 ? rand64() : x + (uint64_t)(i % 5) - 2;

		assert_int_equal(ifma_ct_eq(x, y), x == y);
		assert_int_equal(ifma_ct_lt(x, y), x < y);
		assert_int_equal(ifma_ct_gt(x, y), x > y);
	}
}

static void test_from_le(void **state)
{
	uint8_t le[512];
	uint64_t d[IFMA_MAX_DIGITS + 4];

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		unsigned n = class_digits[c];
		size_t len = n * IFMA_DIGIT_BITS / 8;

		for (int round = 0; round < 20; round++) {
			BIGNUM *want = rand_bn((int)len * 8, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);

			assert_int_equal(BN_bn2lebinpad(want, le, (int)len), (int)len);
			memset(d, 0xa5, sizeof(d));
			ifma_dig_from_le(d, n, le, len);
			assert_digits_bn(d, n, 1, want);
			assert_int_equal(d[n], 0xa5a5a5a5a5a5a5a5ull);	/* nothing past n */
			/* Fewer bytes than digits: the rest is zero. */
			ifma_dig_from_le(d, n, le, len / 2);
			BN_mask_bits(want, (int)(len / 2) * 8);
			assert_digits_bn(d, n, 1, want);
			BN_free(want);
		}
	}
	ifma_dig_from_le(d, 3, NULL, 0);
	assert_int_equal(d[0] | d[1] | d[2], 0);
}

static void test_sub_borrow(void **state)
{
	uint64_t a[IFMA_MAX_DIGITS], b[IFMA_MAX_DIGITS], r[IFMA_MAX_DIGITS];
	BN_CTX *ctx = BN_CTX_new();

	(void)state;
	for (int round = 0; round < 200; round++) {
		unsigned n = class_digits[round % 3];
		BIGNUM *x = rand_bn((int)n * IFMA_DIGIT_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
		BIGNUM *y = round % 7 == 0 ? BN_dup(x) :
			    rand_bn((int)n * IFMA_DIGIT_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
		BIGNUM *want = BN_new(), *mod = BN_new();
		uint64_t borrow;

		bn_to_digits(x, a, n, 1);
		bn_to_digits(y, b, n, 1);
		borrow = ifma_dig_sub(r, a, b, n);
		assert_int_equal(borrow, BN_cmp(x, y) < 0);
		/* r = x - y mod 2^(52n) */
		assert_int_equal(BN_sub(want, x, y), 1);
		assert_int_equal(BN_set_word(mod, 1), 1);
		assert_int_equal(BN_lshift(mod, mod, (int)n * IFMA_DIGIT_BITS), 1);
		assert_int_equal(BN_nnmod(want, want, mod, ctx), 1);
		assert_digits_bn(r, n, 1, want);
		BN_free(x);
		BN_free(y);
		BN_free(want);
		BN_free(mod);
	}
	BN_CTX_free(ctx);
}

static void test_mod_double(void **state)
{
	uint64_t x[IFMA_MAX_DIGITS], m[IFMA_MAX_DIGITS];
	BN_CTX *ctx = BN_CTX_new();

	(void)state;
	for (int round = 0; round < 30; round++) {
		unsigned n = class_digits[round % 3];
		int mbits = (int)n * IFMA_DIGIT_BITS - 16 - round % 9;
		BIGNUM *mb = rand_bn(mbits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);
		BIGNUM *xb = BN_new(), *want = BN_new();
		unsigned k = round < 3 ? 2 * IFMA_DIGIT_BITS * n : (unsigned)(rand64() % 3000);

		assert_int_equal(BN_rand_range(xb, mb), 1);
		if (round < 3)
			BN_one(xb);	/* R^2 mod m, as key setup uses it */
		bn_to_digits(mb, m, n, 1);
		bn_to_digits(xb, x, n, 1);
		ifma_dig_mod_double(x, m, n, k);
		assert_int_equal(BN_mod_lshift(want, xb, (int)k, mb, ctx), 1);
		assert_digits_bn(x, n, 1, want);
		BN_free(mb);
		BN_free(xb);
		BN_free(want);
	}
	/* The top of the range: x = m - 1 with m just below 2^(52n - 1). */
	for (unsigned i = 0; i < 20; i++)
		m[i] = IFMA_DIGIT_MASK;
	m[19] >>= 2;
	memcpy(x, m, sizeof(x));
	x[0] -= 1;
	ifma_dig_mod_double(x, m, 20, 1);	/* 2(m - 1) - m = m - 2 */
	assert_int_equal(x[0], m[0] - 2);
	for (unsigned i = 1; i < 20; i++)
		assert_int_equal(x[i], m[i]);
	BN_CTX_free(ctx);
}

static void test_k0(void **state)
{
	(void)state;
	assert_int_equal(ifma_dig_k0(1), IFMA_DIGIT_MASK);	/* -1 */
	for (int i = 0; i < 100000; i++) {
		uint64_t m0 = (rand64() & IFMA_DIGIT_MASK) | 1;
		uint64_t k0 = ifma_dig_k0(m0);

		assert_true(k0 <= IFMA_DIGIT_MASK);
		assert_int_equal((m0 * k0 + 1) & IFMA_DIGIT_MASK, 0);
	}
}

/* Eight random lanes of a vector: m odd with top bits, a < m, b < 2m. */
static void test_vec_add_2m_sub(void **state)
{
	uint64_t a[IFMA_MAX_DIGITS * IFMA_LANES], m[IFMA_MAX_DIGITS * IFMA_LANES];
	uint64_t b[IFMA_MAX_DIGITS * IFMA_LANES], r[IFMA_MAX_DIGITS * IFMA_LANES];
	BIGNUM *x[IFMA_LANES], *mb[IFMA_LANES], *y[IFMA_LANES];

	(void)state;
	for (int round = 0; round < 30; round++) {
		unsigned n = class_digits[round % 3];
		int half = (int)n * IFMA_DIGIT_BITS - 16;

		for (unsigned l = 0; l < IFMA_LANES; l++) {
			BIGNUM *q = rand_bn(half, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);

			mb[l] = rand_bn(half, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD);
			x[l] = BN_new();
			y[l] = BN_new();
			assert_int_equal(BN_rand_range(x[l], mb[l]), 1);
			/* s_q < q < 2p; lane 0 takes the extreme s_p = 0, s_q = q - 1 */
			assert_int_equal(BN_rand_range(y[l], q), 1);
			if (l == 0 && round < 3) {
				BN_zero(x[l]);
				assert_int_equal(BN_sub(y[l], q, BN_value_one()), 1);
			}
			bn_to_digits(x[l], a + l, n, IFMA_LANES);
			bn_to_digits(mb[l], m + l, n, IFMA_LANES);
			bn_to_digits(y[l], b + l, n, IFMA_LANES);
			BN_free(q);
		}
		ifma_vec_add_2m_sub(r, a, m, b, n);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			BIGNUM *want = BN_dup(x[l]);

			assert_int_equal(BN_add(want, want, mb[l]), 1);
			assert_int_equal(BN_add(want, want, mb[l]), 1);
			assert_int_equal(BN_sub(want, want, y[l]), 1);
			assert_digits_bn(r + l, n, IFMA_LANES, want);
			BN_free(want);
			BN_free(x[l]);
			BN_free(mb[l]);
			BN_free(y[l]);
		}
	}
}

/* r (2n digits) += a (n digits), carries through every digit. */
static void test_vec_add_into(void **state)
{
	uint64_t r[2 * IFMA_MAX_DIGITS * IFMA_LANES], a[IFMA_MAX_DIGITS * IFMA_LANES];
	BIGNUM *x[IFMA_LANES], *y[IFMA_LANES];

	(void)state;
	for (int round = 0; round < 30; round++) {
		unsigned n = class_digits[round % 3];

		for (unsigned l = 0; l < IFMA_LANES; l++) {
			x[l] = rand_bn(2 * (int)n * IFMA_DIGIT_BITS - 1, BN_RAND_TOP_ANY,
				       BN_RAND_BOTTOM_ANY);
			y[l] = rand_bn((int)n * IFMA_DIGIT_BITS, BN_RAND_TOP_ANY,
				       BN_RAND_BOTTOM_ANY);
			if (l == 1) {
				/* 2^(104n - 1) - 1 + (2^(52n) - 1): carry to the top digit */
				BN_zero(x[l]);
				assert_int_equal(BN_set_bit(x[l], 2 * (int)n * IFMA_DIGIT_BITS - 1), 1);
				assert_int_equal(BN_sub(x[l], x[l], BN_value_one()), 1);
				BN_zero(y[l]);
				assert_int_equal(BN_set_bit(y[l], (int)n * IFMA_DIGIT_BITS), 1);
				assert_int_equal(BN_sub(y[l], y[l], BN_value_one()), 1);
			}
			bn_to_digits(x[l], r + l, 2 * n, IFMA_LANES);
			bn_to_digits(y[l], a + l, n, IFMA_LANES);
		}
		ifma_vec_add_into(r, 2 * n, a, n);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			assert_int_equal(BN_add(x[l], x[l], y[l]), 1);
			assert_digits_bn(r + l, 2 * n, IFMA_LANES, x[l]);
			BN_free(x[l]);
			BN_free(y[l]);
		}
	}
}

/* Per lane a < b: equal, one less, one more at the bottom digit, random. */
static void test_vec_lt(void **state)
{
	uint64_t a[IFMA_MAX_DIGITS * IFMA_LANES], b[IFMA_MAX_DIGITS * IFMA_LANES];
	uint64_t lt[IFMA_LANES];
	BIGNUM *x[IFMA_LANES], *y[IFMA_LANES];

	(void)state;
	for (int round = 0; round < 30; round++) {
		unsigned n = class_digits[round % 3];

		for (unsigned l = 0; l < IFMA_LANES; l++) {
			x[l] = rand_bn((int)n * IFMA_DIGIT_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
			y[l] = l < 3 ? BN_dup(x[l]) : rand_bn((int)n * IFMA_DIGIT_BITS,
							      BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
			if (l == 1)
				assert_int_equal(BN_add_word(y[l], 1), 1);	/* x = y - 1 */
			if (l == 2 && !BN_is_zero(y[l]))
				assert_int_equal(BN_sub_word(y[l], 1), 1);	/* x = y + 1 */
			if (BN_num_bits(y[l]) > (int)n * IFMA_DIGIT_BITS)
				BN_copy(y[l], x[l]);
			bn_to_digits(x[l], a + l, n, IFMA_LANES);
			bn_to_digits(y[l], b + l, n, IFMA_LANES);
		}
		ifma_vec_lt(lt, a, b, n);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			assert_int_equal(lt[l], BN_cmp(x[l], y[l]) < 0);
			BN_free(x[l]);
			BN_free(y[l]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_primitives),
		cmocka_unit_test(test_from_le),
		cmocka_unit_test(test_sub_borrow),
		cmocka_unit_test(test_mod_double),
		cmocka_unit_test(test_k0),
		cmocka_unit_test(test_vec_add_2m_sub),
		cmocka_unit_test(test_vec_add_into),
		cmocka_unit_test(test_vec_lt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
