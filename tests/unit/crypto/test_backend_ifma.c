/*
 * NAME
 *   test_backend_ifma.c - unit tests for crypto/ifma/backend_ifma.c
 *
 * SUMMARY
 *   Through sg_backend_open("ifma") and the sg_backend_* calls: signatures
 *   byte-identical to OpenSSL for generated RSA-2048/3072/4096 keys with
 *   random SHA-1 and SHA-256 digests, for batch fills 1..8 in every class
 *   (a full batch completes without flush; stats.batches and padded_lanes
 *   follow), mixed keys within a batch and mixed sizes interleaved; the
 *   2048-bit keys of ../shared/testdata signed by ifma, the smaller ones
 *   and Ed25519 delegated to evp (completed during submit, counted in
 *   stats.delegated), as are unprepared and three-prime keys; the
 *   fallback path (lanes corrupted by the test hook are re-signed by evp,
 *   counted in stats.fallbacks, and still byte-identical) under both
 *   checks (IFMA modulo n for RSA-2048, EVP_PKEY_verify for larger keys
 *   and for a 2048-bit key whose e has 65 bits); prepare
 *   idempotence and sharing between instances; the precomputation
 *   released (sg_secobj_count) when the key is freed (an ASan build also
 *   reports a leaked slot); capacity (SG_E_LIMIT at 64 held jobs, free again after poll);
 *   closing with jobs still batched; the probe's refusal of an argument.
 *   Exits 77 (skipped) on a CPU without AVX-512 IFMA.
 */
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "backend.h"
#include "backend_ifma.h"
#include "ifma_arith.h"
#include "ifma_keypool.h"
#include "keyfiles.h"
#include "secmem.h"

#define MAX_JOBS 64

static const unsigned class_bits[] = { 2048, 3072, 4096 };

struct job {
	const struct sg_privkey *key;
	enum sg_alg alg;
	uint8_t digest[32];
	size_t digest_len;
	int returned;
};

struct fixture {
	struct kp_pool pool;
	struct job jobs[MAX_JOBS];
	size_t njobs;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sg_backend *b = NULL;
	struct sg_error err;

	kp_generate(&f->pool);
	if (sg_backend_open("ifma", &b, &err) != SG_OK)
		fail_msg("open: %s", err.msg);
	for (unsigned c = 0; c < 3; c++)
		for (unsigned i = 0; i < 8; i++)
			assert_int_equal(sg_backend_prepare(b, kp_key(&f->pool, class_bits[c], i),
							    &err), SG_OK);
	sg_backend_close(b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kp_free(&f->pool);
	free(f);
	return 0;
}

static struct sg_backend *open_ifma(void)
{
	struct sg_backend *b = NULL;
	struct sg_error err;

	if (sg_backend_open("ifma", &b, &err) != SG_OK)
		fail_msg("open ifma: %s", err.msg);
	assert_string_equal(sg_backend_name(b), "ifma");
	return b;
}

static struct job *add_job(struct fixture *f, const struct sg_privkey *k, enum sg_alg alg)
{
	struct job *j = &f->jobs[f->njobs++];

	assert_true(f->njobs <= MAX_JOBS);
	j->key = k;
	j->alg = alg;
	j->digest_len = alg == SG_ALG_RSA_SHA1 ? 20 : 32;
	assert_int_equal(RAND_bytes(j->digest, (int)j->digest_len), 1);
	j->returned = 0;
	return j;
}

static void submit(struct sg_backend *b, struct job *j)
{
	struct sg_error err;

	if (sg_backend_submit(b, j->key, j->alg, j->digest, j->digest_len, j, &err) != SG_OK)
		fail_msg("submit: %s", err.msg);
}

/* Polls what is there; checks each completion against OpenSSL. */
static size_t poll_check(struct sg_backend *b)
{
	struct sg_sign_done done[MAX_JOBS];
	uint8_t want[SG_SIG_MAX];
	size_t n = sg_backend_poll(b, done, MAX_JOBS);

	for (size_t i = 0; i < n; i++) {
		struct job *j = done[i].cookie;
		size_t wlen;

		assert_non_null(j);
		if (done[i].status != SG_OK)
			fail_msg("job failed: %s", done[i].error);
		j->returned++;
		wlen = kp_reference(j->key, j->alg, j->digest, j->digest_len, want);
		assert_int_equal(done[i].sig_len, wlen);
		if (memcmp(done[i].sig, want, wlen) != 0)
			fail_msg("%u-bit %s signature differs from OpenSSL",
				 sg_privkey_bits(j->key), sg_alg_name(j->alg));
	}
	return n;
}

/* Every job so far came back exactly once. */
static void assert_all_returned(struct fixture *f)
{
	for (size_t i = 0; i < f->njobs; i++)
		assert_int_equal(f->jobs[i].returned, 1);
	f->njobs = 0;
}

static enum sg_alg alg_of(unsigned i)
{
	return i % 3 == 1 ? SG_ALG_RSA_SHA1 : SG_ALG_RSA_SHA256;
}

static void test_fills_1_to_8(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();
	struct sg_backend_stats st;
	uint64_t batches = 0, padded = 0;

	for (unsigned c = 0; c < 3; c++) {
		for (unsigned fill = 1; fill <= IFMA_LANES; fill++) {
			for (unsigned l = 0; l < fill; l++)
				submit(b, add_job(f, kp_key(&f->pool, class_bits[c], l + fill),
						  alg_of(l + fill)));
			/* A full batch runs on its eighth submit; others wait. */
			assert_int_equal(poll_check(b), fill == IFMA_LANES ? IFMA_LANES : 0);
			sg_backend_flush(b);
			if (fill < IFMA_LANES)
				assert_int_equal(poll_check(b), fill);
			assert_all_returned(f);
			batches++;
			padded += IFMA_LANES - fill;
			sg_backend_get_stats(b, &st);
			assert_int_equal(st.batches, batches);
			assert_int_equal(st.padded_lanes, padded);
		}
	}
	assert_int_equal(st.delegated, 0);
	assert_int_equal(st.fallbacks, 0);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.submitted, st.completed);
	sg_backend_close(b);
}

static void test_mixed_sizes_interleaved(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();
	struct sg_backend_stats st;
	size_t got = 0;

	/* 2048: 20 jobs (2 full + 4), 3072: 13 (1 + 5), 4096: 9 (1 + 1). */
	for (unsigned i = 0; i < 42; i++) {
		unsigned c = i < 27 ? i % 3 : i < 38 ? 0 : 1;

		submit(b, add_job(f, kp_key(&f->pool, class_bits[c], i * 5), alg_of(i)));
		got += poll_check(b);
	}
	assert_int_equal(got, 32);
	sg_backend_flush(b);
	assert_int_equal(poll_check(b), 10);
	assert_all_returned(f);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.batches, 4 + 3);
	assert_int_equal(st.padded_lanes, (8 - 4) + (8 - 5) + (8 - 1));
	sg_backend_close(b);
}

static struct sg_privkey *load_prepared(struct sg_backend *b, const char *rel)
{
	struct sg_privkey *k = kf_load_testdata(rel);
	struct sg_error err;

	assert_int_equal(sg_backend_prepare(b, k, &err), SG_OK);
	return k;
}

static void test_testdata_keys(void **state)
{
	static const char *const files[] = {
		"dkimpy/data/2048_testkey.key", "dkimpy/data/2048_testkey_PKCS8.key",
		"dkimpy/data/1024_testkey.key", "rfc-examples/rfc6376-C-private.pem",
		"mail-dkim/test.key", "opendkim-libopendkim/opendkim-test-key.pem",
	};
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();
	struct sg_privkey *k[6];
	struct sg_backend_stats st;

	for (int i = 0; i < 6; i++)
		k[i] = load_prepared(b, files[i]);
	for (unsigned i = 0; i < 12; i++)
		submit(b, add_job(f, k[i % 6], alg_of(i)));
	sg_backend_flush(b);
	assert_int_equal(poll_check(b), 12);
	assert_all_returned(f);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.delegated, 8);	/* the four 1024-bit keys, twice */
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.padded_lanes, 4);
	for (int i = 0; i < 6; i++)
		sg_privkey_free(k[i]);
	sg_backend_close(b);
}

static void test_delegation(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();
	struct sg_privkey *rsa1024 = load_prepared(b, "dkimpy/data/1024_testkey.key");
	struct sg_privkey *ed = load_prepared(b, "mail-dkim/test.ed.key");
	struct sg_privkey *unprepared = kp_new_rsa(2048);
	struct sg_backend_stats st;

	/* Delegated jobs complete during submit: no flush needed. */
	submit(b, add_job(f, rsa1024, SG_ALG_RSA_SHA256));
	submit(b, add_job(f, rsa1024, SG_ALG_RSA_SHA1));
	submit(b, add_job(f, ed, SG_ALG_ED25519_SHA256));
	submit(b, add_job(f, unprepared, SG_ALG_RSA_SHA256));
	assert_int_equal(poll_check(b), 4);
	assert_all_returned(f);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.delegated, 4);
	assert_int_equal(st.batches, 0);
	assert_null(sg_privkey_prep(rsa1024, &sg_backend_ifma_ops));
	assert_null(sg_privkey_prep(ed, &sg_backend_ifma_ops));
	sg_privkey_free(rsa1024);
	sg_privkey_free(ed);
	sg_privkey_free(unprepared);
	sg_backend_close(b);
}

/* A 2048-bit key with three primes, or with two and the public exponent
 * e_dec (decimal). */
static struct sg_privkey *special_key(int primes, const char *e_dec)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	struct sg_privkey *k = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	BIGNUM *e = NULL;
	struct sg_error err;
	char *pem;
	long len;

	assert_true(BN_dec2bn(&e, e_dec) > 0);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_primes(ctx, primes), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &pkey), 1);
	BN_free(e);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &pem);
	if (sg_privkey_load_mem(pem, (size_t)len, &k, &err) != SG_OK)
		fail_msg("load: %s", err.msg);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static void test_three_prime_delegated(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();
	struct sg_privkey *k = special_key(3, "65537");
	struct sg_backend_stats st;
	struct sg_error err;

	assert_int_equal(sg_backend_prepare(b, k, &err), SG_OK);
	assert_null(sg_privkey_prep(k, &sg_backend_ifma_ops));
	submit(b, add_job(f, k, SG_ALG_RSA_SHA256));
	assert_int_equal(poll_check(b), 1);
	assert_all_returned(f);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.delegated, 1);
	sg_privkey_free(k);
	sg_backend_close(b);
}

static void test_fallback(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();
	struct sg_backend_stats st;

	for (unsigned c = 0; c < 3; c++) {
		sg_backend_ifma_test_corrupt(b, 0x05);	/* lanes 0 and 2 */
		for (unsigned l = 0; l < IFMA_LANES; l++)
			submit(b, add_job(f, kp_key(&f->pool, class_bits[c], l), alg_of(l)));
		assert_int_equal(poll_check(b), IFMA_LANES);
		/* A partial batch of 2: only lane 0 is real and corrupted. */
		sg_backend_ifma_test_corrupt(b, 0x81);
		submit(b, add_job(f, kp_key(&f->pool, class_bits[c], 1), SG_ALG_RSA_SHA1));
		submit(b, add_job(f, kp_key(&f->pool, class_bits[c], 2), SG_ALG_RSA_SHA256));
		sg_backend_flush(b);
		assert_int_equal(poll_check(b), 2);
		assert_all_returned(f);
		sg_backend_get_stats(b, &st);
		assert_int_equal(st.fallbacks, 3 * (c + 1));
	}
	/* Off again: no more fallbacks. */
	sg_backend_ifma_test_corrupt(b, 0);
	for (unsigned l = 0; l < IFMA_LANES; l++)
		submit(b, add_job(f, kp_key(&f->pool, 2048, l), SG_ALG_RSA_SHA256));
	assert_int_equal(poll_check(b), IFMA_LANES);
	assert_all_returned(f);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.fallbacks, 9);
	assert_int_equal(st.failed, 0);
	sg_backend_close(b);
}

/*
 * A 2048-bit key whose e has 65 bits has no IFMA public form: its batch
 * is checked with EVP_PKEY_verify, corrupted lanes still fall back.
 */
static void test_wide_e_key_in_batch(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();
	struct sg_privkey *wide = special_key(2, "18446744073709551617");
	struct sg_backend_stats st;
	struct sg_error err;

	assert_int_equal(sg_backend_prepare(b, wide, &err), SG_OK);
	assert_non_null(sg_privkey_prep(wide, &sg_backend_ifma_ops));
	sg_backend_ifma_test_corrupt(b, 0x12);	/* lanes 1 and 4 */
	for (unsigned l = 0; l < IFMA_LANES; l++)
		submit(b, add_job(f, l % 3 == 0 ? wide : kp_key(&f->pool, 2048, l), alg_of(l)));
	assert_int_equal(poll_check(b), IFMA_LANES);
	assert_all_returned(f);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.fallbacks, 2);
	assert_int_equal(st.delegated, 0);
	sg_privkey_free(wide);
	sg_backend_close(b);
}

static void test_prepare_idempotent_and_shared(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b1 = open_ifma(), *b2 = open_ifma();
	struct sg_privkey *k = kp_new_rsa(2048);
	struct sg_backend_stats st;
	struct sg_error err;
	void *prep;

	assert_null(sg_privkey_prep(k, &sg_backend_ifma_ops));
	assert_int_equal(sg_backend_prepare(b1, k, &err), SG_OK);
	prep = sg_privkey_prep(k, &sg_backend_ifma_ops);
	assert_non_null(prep);
	assert_int_equal(sg_backend_prepare(b1, k, &err), SG_OK);
	assert_int_equal(sg_backend_prepare(b2, k, &err), SG_OK);
	assert_ptr_equal(sg_privkey_prep(k, &sg_backend_ifma_ops), prep);
	/* b2 signs with what b1 prepared. */
	submit(b2, add_job(f, k, SG_ALG_RSA_SHA256));
	sg_backend_flush(b2);
	assert_int_equal(poll_check(b2), 1);
	assert_all_returned(f);
	sg_backend_get_stats(b2, &st);
	assert_int_equal(st.delegated, 0);
	assert_int_equal(st.batches, 1);
	sg_privkey_free(k);
	sg_backend_close(b1);
	sg_backend_close(b2);
}

static void test_prep_released_with_key(void **state)
{
	struct sg_backend *b = open_ifma();
	struct sg_privkey *k = kf_load_testdata("dkimpy/data/2048_testkey.key");
	size_t live = sg_secobj_count(NULL);
	struct sg_error err;

	(void)state;
	assert_int_equal(sg_backend_prepare(b, k, &err), SG_OK);
	assert_non_null(sg_privkey_prep(k, &sg_backend_ifma_ops));
	assert_int_equal(sg_secobj_count(NULL), live + 1);
	sg_privkey_free(k);
	assert_int_equal(sg_secobj_count(NULL), live);
	sg_backend_close(b);
}

static void test_capacity(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();
	struct sg_privkey *small = load_prepared(b, "dkimpy/data/1024_testkey.key");
	struct sg_error err;
	struct job *extra;

	assert_int_equal(sg_backend_capacity(b), 64);
	/* 7 waiting in each class (21) plus 43 delegated completions. */
	for (unsigned c = 0; c < 3; c++)
		for (unsigned l = 0; l < 7; l++)
			submit(b, add_job(f, kp_key(&f->pool, class_bits[c], l), SG_ALG_RSA_SHA256));
	for (unsigned i = 0; i < 43; i++)
		submit(b, add_job(f, small, SG_ALG_RSA_SHA256));
	extra = &f->jobs[0];
	assert_int_equal(sg_backend_submit(b, small, SG_ALG_RSA_SHA256, extra->digest, 32, extra,
					   &err), SG_E_LIMIT);
	assert_int_equal(poll_check(b), 43);
	sg_backend_flush(b);
	assert_int_equal(poll_check(b), 21);
	assert_all_returned(f);
	submit(b, add_job(f, small, SG_ALG_RSA_SHA256));
	assert_int_equal(poll_check(b), 1);
	assert_all_returned(f);
	sg_privkey_free(small);
	sg_backend_close(b);
}

static void test_close_with_jobs_batched(void **state)
{
	struct fixture *f = *state;
	struct sg_backend *b = open_ifma();

	for (unsigned l = 0; l < 3; l++)
		submit(b, add_job(f, kp_key(&f->pool, 3072, l), SG_ALG_RSA_SHA256));
	sg_backend_close(b);	/* the jobs are dropped with the instance */
	f->njobs = 0;
}

static void test_probe(void **state)
{
	char why[128] = "";

	(void)state;
	assert_true(sg_backend_ifma_ops.probe(NULL, why, sizeof(why)));
	assert_true(sg_backend_ifma_ops.probe("", why, sizeof(why)));
	assert_false(sg_backend_ifma_ops.probe("x", why, sizeof(why)));
	assert_non_null(strstr(why, "no argument"));
	sg_backend_ifma_test_corrupt(NULL, 1);	/* ignored */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_fills_1_to_8),
		cmocka_unit_test(test_mixed_sizes_interleaved),
		cmocka_unit_test(test_testdata_keys),
		cmocka_unit_test(test_delegation),
		cmocka_unit_test(test_three_prime_delegated),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_wide_e_key_in_batch),
		cmocka_unit_test(test_prepare_idempotent_and_shared),
		cmocka_unit_test(test_prep_released_with_key),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_close_with_jobs_batched),
	};

	if (!ifma_cpu_supported()) {
		printf("ifma backend tests skipped: the CPU lacks AVX-512 IFMA\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
