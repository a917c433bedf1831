/*
 * NAME
 *   test_ifma_key.c - unit tests for crypto/ifma/ifma_key.c
 *
 * SUMMARY
 *   For generated RSA-2048, -3072 and -4096 keys and the 2048-bit keys of
 *   ../shared/testdata, every precomputed number against OpenSSL BIGNUM
 *   arithmetic on the key's own CRT numbers: the primes' digits, k0
 *   (m * k0 = -1 mod 2^52), R^2 mod p and mod q, the exponents' words,
 *   qInv * R mod p; for RSA-2048 the public form (n, R^2 mod n, k0, e),
 *   absent for larger keys and for e of 65 bits. Refusals with
 *   SG_E_UNSUPPORTED and a reason: RSA-1024, Ed25519, a three-prime key, a
 *   key whose primes are 1000 and 1048 bits.
 *   NULL key. The precomputation's chunk is unmapped when its last prep
 *   is freed. 2,000 preps of one key share a few dozen mappings (one each
 *   before the slab: 2,000), are identical byte for byte (no slot
 *   overlaps another, no stack bytes land in the unused digits) and, on
 *   CPUs with AVX-512 IFMA (else that test is skipped), preps from
 *   different chunks sign byte for byte as OpenSSL does. The rest is
 *   plain C (no IFMA instructions) and runs on every CPU.
 */
#include "testutil.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "keyfiles.h"
#include "proc_maps.h"
#include "ifma_key.h"
#include "ifma_rsa.h"
#include "key_internal.h"
#include "secmem.h"

static BIGNUM *key_bn(const struct sg_privkey *k, const char *name)
{
	BIGNUM *bn = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(k->pkey, name, &bn), 1);
	return bn;
}

static void assert_digits(const uint64_t *d, unsigned n, const BIGNUM *want, const char *what)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = 0;

		for (int b = 0; b < IFMA_DIGIT_BITS; b++)
			if (BN_is_bit_set(want, (int)i * IFMA_DIGIT_BITS + b))
				v |= 1ull << b;
		if (d[i] != v)
			fail_msg("%s: digit %u is %#llx, expected %#llx", what, i,
				 (unsigned long long)d[i], (unsigned long long)v);
	}
	assert_true(BN_num_bits(want) <= (int)n * IFMA_DIGIT_BITS);
}

static void assert_words(const uint64_t *w, const BIGNUM *want)
{
	for (int i = 0; i < IFMA_EXP_WORDS; i++) {
		uint64_t v = 0;

		for (int b = 0; b < 64; b++)
			if (BN_is_bit_set(want, i * 64 + b))
				v |= 1ull << b;
		assert_int_equal(w[i], v);
	}
}

/* 2^shift mod m, then times x (x = NULL: 1). */
static BIGNUM *pow2_mod(int shift, const BIGNUM *x, const BIGNUM *m, BN_CTX *ctx)
{
	BIGNUM *r = BN_new();

	assert_non_null(r);
	if (x != NULL)
		assert_non_null(BN_copy(r, x));
	else
		BN_one(r);
	assert_int_equal(BN_mod_lshift(r, r, shift, m, ctx), 1);
	return r;
}

static void check_half(const struct ifma_half *h, const BIGNUM *m, const BIGNUM *e,
		       unsigned n, BN_CTX *ctx)
{
	BIGNUM *rr = pow2_mod(2 * IFMA_DIGIT_BITS * (int)n, NULL, m, ctx);

	assert_digits(h->m, n, m, "prime");
	assert_digits(h->rr, n, rr, "R^2 mod prime");
	assert_words(h->exp, e);
	assert_true(h->k0 <= IFMA_DIGIT_MASK);
	assert_int_equal((h->m[0] * h->k0 + 1) & IFMA_DIGIT_MASK, 0);
	BN_free(rr);
}

/* The public form: RSA-2048 with e below 2^64 only. */
static void check_pub(const struct sg_privkey *k, const struct ifma_key_prep *prep, BN_CTX *ctx)
{
	BIGNUM *n = key_bn(k, OSSL_PKEY_PARAM_RSA_N), *e = key_bn(k, OSSL_PKEY_PARAM_RSA_E);
	BIGNUM *rr;

	if (k->bits != 2048 || BN_num_bits(e) > 64) {
		assert_false(prep->has_pub);
	} else {
		assert_true(prep->has_pub);
		assert_int_equal(prep->pub.e, BN_get_word(e));
		assert_digits(prep->pub.n, IFMA_MAX_DIGITS, n, "n");
		rr = pow2_mod(2 * IFMA_DIGIT_BITS * IFMA_MAX_DIGITS, NULL, n, ctx);
		assert_digits(prep->pub.rr, IFMA_MAX_DIGITS, rr, "R^2 mod n");
		assert_int_equal((prep->pub.n[0] * prep->pub.k0 + 1) & IFMA_DIGIT_MASK, 0);
		BN_free(rr);
	}
	BN_free(n);
	BN_free(e);
}

/* Builds the prep of k and checks every number in it. */
static void check_prep(const struct sg_privkey *k)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = key_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR1);
	BIGNUM *q = key_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR2);
	BIGNUM *dp = key_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT1);
	BIGNUM *dq = key_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT2);
	BIGNUM *qinv = key_bn(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
	struct ifma_key_prep *prep = NULL;
	struct sg_error err;
	BIGNUM *qinv_r;
	unsigned n;

	if (ifma_key_prep_new(k, &prep, &err) != SG_OK)
		fail_msg("prep of RSA-%u: %s", k->bits, err.msg);
	n = prep->digits;
	assert_int_equal(prep->bits, k->bits);
	assert_int_equal(n, ifma_key_class_digits(k->bits));
	check_half(&prep->p, p, dp, n, ctx);
	check_half(&prep->q, q, dq, n, ctx);
	qinv_r = pow2_mod(IFMA_DIGIT_BITS * (int)n, qinv, p, ctx);
	assert_digits(prep->qinv_r, n, qinv_r, "qInv * R mod p");
	check_pub(k, prep, ctx);
	ifma_key_prep_free(prep);
	BN_free(qinv_r);
	BN_free(p);
	BN_free(q);
	BN_free(dp);
	BN_free(dq);
	BN_free(qinv);
	BN_CTX_free(ctx);
}

static void test_class_digits(void **state)
{
	(void)state;
	assert_int_equal(ifma_key_class_digits(2048), 20);
	assert_int_equal(ifma_key_class_digits(3072), 30);
	assert_int_equal(ifma_key_class_digits(4096), 40);
	assert_int_equal(ifma_key_class_digits(1024), 0);
	assert_int_equal(ifma_key_class_digits(2047), 0);
	assert_int_equal(ifma_key_class_digits(0), 0);
}

static void test_generated_keys(void **state)
{
	static const unsigned sizes[] = { 2048, 2048, 2048, 3072, 3072, 4096 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct sg_privkey *k = NULL;
		struct sg_error err;

		if (sg_privkey_generate(SG_KEY_RSA, sizes[i], &k, &err) != SG_OK)
			fail_msg("generate: %s", err.msg);
		check_prep(k);
		sg_privkey_free(k);
	}
}

static void test_testdata_keys(void **state)
{
	static const char *const files[] = {
		"dkimpy/data/2048_testkey.key", "dkimpy/data/2048_testkey_PKCS8.key",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct sg_privkey *k = kf_load_testdata(files[i]);

		assert_int_equal(sg_privkey_bits(k), 2048);
		check_prep(k);
		sg_privkey_free(k);
	}
}

static void expect_unsupported(const struct sg_privkey *k, const char *reason_part)
{
	struct ifma_key_prep *prep = (struct ifma_key_prep *)1;
	struct sg_error err;

	assert_int_equal(ifma_key_prep_new(k, &prep, &err), SG_E_UNSUPPORTED);
	assert_null(prep);
	if (strstr(err.msg, reason_part) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, reason_part);
}

static struct sg_privkey *load_pkey(EVP_PKEY *pkey)
{
	BIO *bio = BIO_new(BIO_s_mem());
	struct sg_privkey *k = NULL;
	struct sg_error err;
	char *pem;
	long len;

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &pem);
	if (sg_privkey_load_mem(pem, (size_t)len, &k, &err) != SG_OK)
		fail_msg("load: %s", err.msg);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return k;
}

static struct sg_privkey *three_prime_key(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_primes(ctx, 3), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &pkey), 1);
	EVP_PKEY_CTX_free(ctx);
	return load_pkey(pkey);
}

/* A 2048-bit key from primes of pbits and 2048 - pbits bits. */
static struct sg_privkey *unbalanced_key(int pbits)
{
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *p = BN_new(), *q = BN_new(), *n = BN_new(), *e = BN_new(), *d = BN_new();
	BIGNUM *p1 = BN_new(), *q1 = BN_new(), *phi = BN_new(), *dp = BN_new();
	BIGNUM *dq = BN_new(), *qinv = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params;

	assert_int_equal(BN_set_word(e, 65537), 1);
	do {
		assert_int_equal(BN_generate_prime_ex(p, pbits, 0, NULL, NULL, NULL), 1);
		assert_int_equal(BN_generate_prime_ex(q, 2048 - pbits, 0, NULL, NULL, NULL), 1);
		assert_int_equal(BN_mul(n, p, q, bn), 1);
		assert_int_equal(BN_sub(p1, p, BN_value_one()), 1);
		assert_int_equal(BN_sub(q1, q, BN_value_one()), 1);
		assert_int_equal(BN_mul(phi, p1, q1, bn), 1);
	} while (BN_num_bits(n) != 2048 || BN_mod_inverse(d, e, phi, bn) == NULL);
	assert_int_equal(BN_mod(dp, d, p1, bn), 1);
	assert_int_equal(BN_mod(dq, d, q1, bn), 1);
	assert_non_null(BN_mod_inverse(qinv, q, p, bn));
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(p), BN_free(q), BN_free(n), BN_free(e), BN_free(d), BN_free(p1);
	BN_free(q1), BN_free(phi), BN_free(dp), BN_free(dq), BN_free(qinv);
	BN_CTX_free(bn);
	return load_pkey(pkey);
}

/* e = 2^64 + 1 does not fit the check's word: the key is prepared
 * without the public form (the backend checks it with EVP). */
static void test_wide_public_exponent(void **state)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *e = NULL;
	EVP_PKEY *pkey = NULL;
	struct sg_privkey *k;

	(void)state;
	assert_true(BN_dec2bn(&e, "18446744073709551617") > 0);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &pkey), 1);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
	k = load_pkey(pkey);
	check_prep(k);		/* asserts has_pub is false for a 65-bit e */
	sg_privkey_free(k);
}

static void test_refused_keys(void **state)
{
	struct sg_privkey *k = NULL;
	struct ifma_key_prep *prep = NULL;
	struct sg_error err;

	(void)state;
	k = kf_load_testdata("dkimpy/data/1024_testkey.key");
	expect_unsupported(k, "not RSA-1024");
	sg_privkey_free(k);
	k = kf_load_testdata("mail-dkim/test.ed.key");
	expect_unsupported(k, "RSA keys only");
	sg_privkey_free(k);
	k = three_prime_key();
	expect_unsupported(k, "two-prime");
	sg_privkey_free(k);
	k = unbalanced_key(1000);
	expect_unsupported(k, "not of 1024 bits");
	sg_privkey_free(k);
	k = unbalanced_key(1048);
	expect_unsupported(k, "not of 1024 bits");
	sg_privkey_free(k);
	assert_int_equal(ifma_key_prep_new(NULL, &prep, &err), SG_E_ARG);
	assert_null(prep);
}

/* A lone precomputation's slab chunk is unmapped (after wiping) on free. */
static void test_free_unmaps(void **state)
{
	struct sg_privkey *k = kf_load_testdata("dkimpy/data/2048_testkey.key");
	long page = sysconf(_SC_PAGESIZE);
	struct ifma_key_prep *prep = NULL;
	struct sg_error err;
	unsigned char vec[2];
	void *base;

	(void)state;
	assert_int_equal(ifma_key_prep_new(k, &prep, &err), SG_OK);
	base = (void *)((uintptr_t)prep & ~(uintptr_t)(page - 1));
	assert_int_equal(mincore(base, (size_t)page, vec), 0);
	ifma_key_prep_free(prep);
	assert_int_equal(mincore(base, (size_t)page, vec), -1);
	assert_int_equal(errno, ENOMEM);
	ifma_key_prep_free(NULL);
	sg_privkey_free(k);
}

#define MANY_PREPS 2000

/* A mail farm prepares thousands of keys: they must not cost a mapping
 * (and a locked page) each. */
static void test_many_preps_share_mappings(void **state)
{
	static struct ifma_key_prep *prep[MANY_PREPS];
	struct sg_privkey *k = kf_load_testdata("dkimpy/data/2048_testkey.key");
	size_t before = pm_count_mappings(), grown, live = sg_secobj_count(NULL);
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < MANY_PREPS; i++)
		if (ifma_key_prep_new(k, &prep[i], &err) != SG_OK)
			fail_msg("prep %zu: %s", i, err.msg);
	assert_int_equal(sg_secobj_count(NULL), live + MANY_PREPS);
	grown = pm_count_mappings() - before;
	if (grown > MANY_PREPS / 50)
		fail_msg("%d preps added %zu mappings", MANY_PREPS, grown);
	for (size_t i = 1; i < MANY_PREPS; i++) {
		assert_true(prep[i] != prep[i - 1]);
		if (memcmp(prep[i], prep[0], sizeof(*prep[0])) != 0)
			fail_msg("prep %zu differs from prep 0", i);
	}
	for (size_t i = 0; i < MANY_PREPS; i++)
		ifma_key_prep_free(prep[i]);
	assert_int_equal(sg_secobj_count(NULL), live);
	assert_int_equal(pm_count_mappings(), before);
	sg_privkey_free(k);
}

/* Preps packed side by side (lanes from different chunks and slots) sign
 * what OpenSSL signs. */
static void test_packed_preps_sign(void **state)
{
	enum { SPREAD = 100 };		/* 800 preps: lanes in different chunks */
	static struct ifma_key_prep *prep[IFMA_LANES * SPREAD];
	struct sg_privkey *k = kf_load_testdata("dkimpy/data/2048_testkey.key");
	uint8_t digest[32], em[SG_SIG_MAX], sig[IFMA_LANES][SG_SIG_MAX], want[SG_SIG_MAX];
	const struct ifma_key_prep *lane[IFMA_LANES];
	const uint8_t *em_p[IFMA_LANES];
	uint8_t *sig_p[IFMA_LANES];
	struct ifma_rsa_work *w;
	struct sg_error err;
	size_t want_len = 0;

	(void)state;
	if (!ifma_cpu_supported()) {
		sg_privkey_free(k);
		skip();
	}
	for (size_t i = 0; i < IFMA_LANES * SPREAD; i++)
		assert_int_equal(ifma_key_prep_new(k, &prep[i], &err), SG_OK);
	for (size_t i = 0; i < sizeof(digest); i++)
		digest[i] = (uint8_t)(i * 37 + 1);
	assert_true(ifma_emsa_pkcs1(SG_ALG_RSA_SHA256, digest, sizeof(digest), em, 256));
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		lane[l] = prep[l * SPREAD + l];
		em_p[l] = em;
		sig_p[l] = sig[l];
	}
	w = ifma_rsa_work_new();
	assert_non_null(w);
	ifma_rsa_sign_batch(w, &ifma_rsa_arith_native, lane, em_p, sig_p);
	assert_int_equal(sg_privkey_sign(k, SG_ALG_RSA_SHA256, digest, sizeof(digest), want,
					 sizeof(want), &want_len, &err), SG_OK);
	assert_int_equal(want_len, 256);
	for (unsigned l = 0; l < IFMA_LANES; l++)
		if (memcmp(sig[l], want, want_len) != 0)
			fail_msg("lane %u (prep %u) differs from OpenSSL", l, l * SPREAD + l);
	ifma_rsa_work_free(w);
	for (size_t i = 0; i < IFMA_LANES * SPREAD; i++)
		ifma_key_prep_free(prep[i]);
	sg_privkey_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_digits),
		cmocka_unit_test(test_generated_keys),
		cmocka_unit_test(test_testdata_keys),
		cmocka_unit_test(test_wide_public_exponent),
		cmocka_unit_test(test_refused_keys),
		cmocka_unit_test(test_free_unmaps),
		cmocka_unit_test(test_many_preps_share_mappings),
		cmocka_unit_test(test_packed_preps_sign),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
