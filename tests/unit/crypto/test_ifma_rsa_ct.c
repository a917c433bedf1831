/*
 * NAME
 *   test_ifma_rsa_ct.c - constant-time test of the ifma backend's own
 *                        secret-handling code (crypto/ifma/ifma_rsa.c,
 *                        ifma_digits.c) with valgrind memcheck
 *
 * SUMMARY
 *   The method of test_ifma_ct.c (which covers ifma_arith.c): secrets are
 *   marked undefined with VALGRIND_MAKE_MEM_UNDEFINED and memcheck counts
 *   every conditional jump, conditional move or address that depends on
 *   them (VALGRIND_COUNT_ERRORS around each call).
 *
 *     clean run   must add no error:
 *                 - key setup helpers on a secret prime: digits from
 *                   bytes, subtraction, k0, R^2 and qInv * R by modular
 *                   doubling (what ifma_key.c runs on p and q);
 *                 - the CRT helpers on secret values (a + 2m - b, the
 *                   wide add, the per-lane comparison);
 *                 - a whole RSA-2048 batch (ifma_rsa_sign_batch on the
 *                   portable arithmetic) with every key number secret:
 *                   primes, R^2, k0, exponents, qInv * R. Messages are
 *                   public. The keys are random numbers of the right
 *                   shape, not RSA keys: timing does not depend on that,
 *                   and it keeps key generation out of valgrind.
 *     leaky run   a branchy conditional subtraction written in this
 *                 file must add errors, showing the method sees a branch
 *                 on a secret comparison.
 *
 *   Run normally, the test re-executes itself under valgrind (clean with
 *   --error-exitcode=1, then leaky) and passes when both runs do; it exits
 *   77 when valgrind is missing or the binary has AddressSanitizer.
 */
#include "testutil.h"

#include "ct_valgrind.h"

#include "ifma_digits.h"
#include "ifma_portable.h"
#include "ifma_rsa.h"

#define W IFMA_LANES

static const struct ifma_rsa_arith portable_arith = {
	.modexp_ct = ifma_portable_modexp_ct,
	.mont_mul = ifma_portable_mont_mul,
	.mont_reduce2 = ifma_portable_mont_reduce2,
	.mul_wide = ifma_portable_mul_wide,
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rand64(void)
{
	return ct_rand64(&rng);
}

/* An odd number of exactly bits bits (bits < 52 * n), n digits. */
static void random_prime_shape(uint64_t *m, unsigned n, unsigned bits)
{
	for (unsigned i = 0; i < n; i++)
		m[i] = i * IFMA_DIGIT_BITS < bits ? rand64() & IFMA_DIGIT_MASK : 0;
	m[(bits - 1) / IFMA_DIGIT_BITS] &= (1ull << ((bits - 1) % IFMA_DIGIT_BITS + 1)) - 1;
	m[(bits - 1) / IFMA_DIGIT_BITS] |= 1ull << ((bits - 1) % IFMA_DIGIT_BITS);
	m[0] |= 1;
}

static void test_key_setup_helpers(void **state)
{
	uint8_t le[128];
	uint64_t m[20], x[20], t[20];
	uint64_t k0;

	(void)state;
	for (size_t i = 0; i < sizeof(le); i++)
		le[i] = (uint8_t)rand64();
	le[127] |= 0x80;
	le[0] |= 1;
	ct_secret(le, sizeof(le));
	ct_expect_clean("dig_from_le", CT_ERRORS_ADDED(ifma_dig_from_le(m, 20, le, sizeof(le))));
	ct_expect_clean("dig_k0", CT_ERRORS_ADDED(k0 = ifma_dig_k0(m[0])));
	memset(x, 0, sizeof(x));
	x[0] = 1;
	ct_expect_clean("dig_mod_double (R^2 mod p)",
		     CT_ERRORS_ADDED(ifma_dig_mod_double(x, m, 20, 2 * IFMA_DIGIT_BITS * 20)));
	ct_expect_clean("dig_sub", CT_ERRORS_ADDED(ifma_dig_sub(t, x, m, 20)));
	ct_reveal(&k0, sizeof(k0));
	ct_reveal(x, sizeof(x));
	ct_reveal(t, sizeof(t));
}

static void test_crt_helpers(void **state)
{
	static uint64_t a[2 * 20 * W], m[20 * W], b[20 * W], r[2 * 20 * W];
	uint64_t lt[W];

	(void)state;
	for (unsigned l = 0; l < W; l++) {
		uint64_t one[20];

		random_prime_shape(one, 20, 1024);
		for (unsigned i = 0; i < 20; i++) {
			m[i * W + l] = one[i];
			a[i * W + l] = one[i] >> 1;
			b[i * W + l] = (rand64() & IFMA_DIGIT_MASK) >> (i == 19 ? 20 : 0);
		}
	}
	for (unsigned i = 20 * W; i < 2 * 20 * W; i++)
		r[i] = rand64() & IFMA_DIGIT_MASK;
	ct_secret(a, sizeof(a));
	ct_secret(m, sizeof(m));
	ct_secret(b, sizeof(b));
	ct_expect_clean("vec_add_2m_sub", CT_ERRORS_ADDED(ifma_vec_add_2m_sub(r, a, m, b, 20)));
	ct_expect_clean("vec_add_into", CT_ERRORS_ADDED(ifma_vec_add_into(r, 40, b, 20)));
	ct_expect_clean("vec_lt", CT_ERRORS_ADDED(ifma_vec_lt(lt, a, m, 20)));
	ct_reveal(r, sizeof(r));
	ct_reveal(lt, sizeof(lt));
}

/* A random key of the RSA-2048 shape, its numbers derived like ifma_key.c. */
static void fake_half(struct ifma_half *h)
{
	random_prime_shape(h->m, 20, 1024);
	for (unsigned w = 0; w < IFMA_EXP_WORDS; w++)
		h->exp[w] = w < 16 ? rand64() : 0;
	h->k0 = ifma_dig_k0(h->m[0]);
	memset(h->rr, 0, sizeof(h->rr));
	h->rr[0] = 1;
	ifma_dig_mod_double(h->rr, h->m, 20, 2 * IFMA_DIGIT_BITS * 20);
}

static void fake_key(struct ifma_key_prep *k)
{
	memset(k, 0, sizeof(*k));
	k->bits = 2048;
	k->digits = 20;
	fake_half(&k->p);
	fake_half(&k->q);
	for (unsigned i = 0; i < 20; i++)
		k->qinv_r[i] = k->p.m[i] >> 1;
}

/* Everything but bits and digits (the class, public) becomes secret. */
static void hide_key(struct ifma_key_prep *k)
{
	ct_secret(&k->p, sizeof(k->p));
	ct_secret(&k->q, sizeof(k->q));
	ct_secret(k->qinv_r, sizeof(k->qinv_r));
}

static void test_sign_batch(void **state)
{
	static struct ifma_key_prep keys[W];
	static uint8_t em[W][256], sig[W][256];
	const struct ifma_key_prep *kp[W];
	const uint8_t *emp[W];
	uint8_t *sigp[W];
	struct ifma_rsa_work *w = ifma_rsa_work_new();
	uint8_t digest[32] = { 1, 2, 3 };

	(void)state;
	assert_non_null(w);
	for (unsigned l = 0; l < W; l++) {
		fake_key(&keys[l]);
		hide_key(&keys[l]);
		digest[31] = (uint8_t)l;
		assert_true(ifma_emsa_pkcs1(SG_ALG_RSA_SHA256, digest, 32, em[l], 256));
		kp[l] = &keys[l];
		emp[l] = em[l];
		sigp[l] = sig[l];
	}
	ct_expect_clean("ifma_rsa_sign_batch (RSA-2048, portable arithmetic)",
		     CT_ERRORS_ADDED(ifma_rsa_sign_batch(w, &portable_arith, kp, emp, sigp)));
	ct_reveal(sig, sizeof(sig));
	ifma_rsa_work_free(w);
}

/* What the CT helpers avoid: x = x - m when x >= m, with a branch. */
static void leaky_cond_sub(uint64_t *x, const uint64_t *m, unsigned n)
{
	uint64_t t[IFMA_MAX_DIGITS];

	if (ifma_dig_sub(t, x, m, n) == 0)
		memcpy(x, t, n * sizeof(uint64_t));
}

static void test_leak_is_caught(void **state)
{
	uint64_t x[20], m[20];
	unsigned long errors;

	(void)state;
	random_prime_shape(m, 20, 1024);
	for (unsigned i = 0; i < 20; i++)
		x[i] = rand64() & IFMA_DIGIT_MASK;
	ct_secret(x, sizeof(x));
	errors = CT_ERRORS_ADDED(leaky_cond_sub(x, m, 20));
	ct_reveal(x, sizeof(x));
	printf("# branchy conditional subtraction: %lu error(s)\n", errors);
	assert_true(errors > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest clean[] = {
		cmocka_unit_test(test_key_setup_helpers),
		cmocka_unit_test(test_crt_helpers),
		cmocka_unit_test(test_sign_batch),
	};
	const struct CMUnitTest leaky[] = {
		cmocka_unit_test(test_leak_is_caught),
	};
	return ct_main(argc, argv, "rsa_ct", clean, sizeof(clean) / sizeof(clean[0]), leaky,
		       sizeof(leaky) / sizeof(leaky[0]));
}
