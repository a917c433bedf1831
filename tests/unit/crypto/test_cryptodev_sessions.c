/*
 * NAME
 *   test_cryptodev_sessions.c - the cryptodev backend's device sessions
 *
 * SUMMARY
 *   prepare makes one session per key in each instance (a second prepare
 *   or a second instance's prepare does not add to the first instance); a
 *   table smaller than the keys in use evicts the least recently used idle
 *   session and keeps signing correctly; a session whose job is still in
 *   the device is never the one evicted; a key freed while an instance
 *   holds its session has that session released at the instance's next
 *   miss, and freeing keys before or after closing the instance leaves
 *   nothing behind (ASan); a key with unbalanced primes (384 and 640 bits)
 *   is not offered to the device and is signed by evp. Exits 77 when the backend cannot run here.
 */
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/param_build.h>

#include "backend_suite.h"
#include "cryptodev_testutil.h"
#include "keyfiles.h"

static uint64_t stats_of_delegated(const struct sg_backend *b)
{
	struct sg_backend_stats st;

	sg_backend_get_stats(b, &st);
	return st.delegated;
}

static void expect_signed_by_evp(struct sg_backend *b, const char *pem);

static void fill(struct bs_job *j, struct bs_key *k)
{
	j->k = k;
	j->alg = SG_ALG_RSA_SHA256;
	j->digest_len = 32;
	for (size_t i = 0; i < sizeof(j->digest); i++)
		j->digest[i] = (uint8_t)bs_rand();
	j->returned = 0;
}

/* A fresh RSA-1024 key as a bs_key (written and read back, for the reference). */
static void fresh_key(const char *dir, const char *name, struct bs_key *out)
{
	struct sg_privkey *key = NULL;
	struct sg_error err;
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s.pem", dir, name);
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 1024, &key, &err), SG_OK);
	assert_int_equal(sg_privkey_write(key, path, &err), SG_OK);
	sg_privkey_free(key);
	bs_key_load(path, false, out);
	assert_int_equal(unlink(path), 0);
}

static void test_one_session_per_key_and_instance(void **state)
{
	struct sg_backend *b1 = ct_open("cryptodev"), *b2 = ct_open("cryptodev");
	struct bs_key *k1 = bs_key_get(0, 0), *k2 = bs_key_get(1, 0);
	struct bs_job jobs[4];

	(void)state;
	bs_prepare(b1, k1);
	bs_prepare(b1, k2);
	bs_prepare(b1, k1);
	assert_int_equal(ct_info(b1).sessions_created, 2);
	assert_int_equal(ct_info(b1).sessions_live, 2);
	bs_prepare(b2, k1);
	assert_int_equal(ct_info(b2).sessions_created, 1);
	assert_int_equal(ct_info(b1).sessions_created, 2);
	fill(&jobs[0], k1);
	fill(&jobs[1], k2);
	bs_run(b1, jobs, 2);
	fill(&jobs[2], k1);
	fill(&jobs[3], k1);
	bs_run(b2, jobs + 2, 2);
	assert_int_equal(ct_info(b1).sessions_created, 2);	/* jobs reuse them */
	sg_backend_close(b1);
	sg_backend_close(b2);
}

static void test_lru_eviction(void **state)
{
	struct sg_backend *b = ct_open("cryptodev:qp=2,sessions=2");
	struct bs_key *keys[3] = { bs_key_get(0, 0), bs_key_get(0, 1), bs_key_get(0, 2) };
	struct bs_job jobs[2];
	struct sg_cryptodev_info info;

	(void)state;
	for (size_t i = 0; i < 3; i++)
		bs_prepare(b, keys[i]);
	info = ct_info(b);
	assert_int_equal(info.sessions_live, 2);
	assert_int_equal(info.sessions_evicted, 1);
	for (size_t round = 0; round < 9; round++) {
		fill(&jobs[0], keys[round % 3]);
		fill(&jobs[1], keys[(round + 1) % 3]);
		bs_run(b, jobs, 2);
	}
	info = ct_info(b);
	assert_int_equal(info.sessions_live, 2);
	assert_true(info.sessions_evicted > 3);
	assert_int_equal(info.sessions_created, 3 + info.sessions_evicted - 1);
	assert_int_equal(info.device_errors, 0);
	sg_backend_close(b);
}

/*
 * qp=2: crypto_openssl's ring holds one op, so of a burst of two (A, B)
 * the device takes A and B stays pending, its session busy. Polling one
 * completion returns A; preparing A again makes B's session the least
 * recently used. A third key C then needs a session: A's idle one must
 * go, not B's busy one.
 */
static void test_busy_session_is_not_evicted(void **state)
{
	struct sg_backend *b = ct_open("cryptodev:qp=2,sessions=2,burst=2"), *other;
	struct bs_key *a = bs_key_get(0, 0), *bk = bs_key_get(0, 1), *c = bs_key_get(0, 2);
	struct bs_job jobs[3];
	struct sg_sign_done done;

	(void)state;
	other = ct_open("cryptodev");		/* C prepared, but not on b */
	bs_prepare(other, c);
	sg_backend_close(other);
	bs_prepare(b, a);
	bs_prepare(b, bk);
	fill(&jobs[0], a);
	fill(&jobs[1], bk);
	fill(&jobs[2], c);
	bs_submit(b, &jobs[0]);
	bs_submit(b, &jobs[1]);
	assert_int_equal(ct_info(b).pending, 1);
	assert_int_equal(sg_backend_poll(b, &done, 1), 1);
	bs_check_done(b, &done);
	assert_ptr_equal(done.cookie, &jobs[0]);
	bs_prepare(b, a);			/* A used last: B is the LRU one, but busy */
	bs_submit(b, &jobs[2]);			/* C was never prepared on b */
	assert_int_equal(ct_info(b).sessions_evicted, 1);
	sg_backend_flush(b);
	bs_collect(b, 2);				/* B still signs with its session */
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(jobs[i].returned, 1);
	assert_int_equal(ct_info(b).device_errors, 0);
	assert_int_equal(ct_info(b).sessions_live, 2);
	sg_backend_close(b);
}

static void test_freed_key_releases_its_session(void **state)
{
	struct sg_backend *b = ct_open("cryptodev");
	struct bs_key a, bk;
	struct bs_job job;
	char dir[256];

	(void)state;
	kf_tmpdir(dir, sizeof(dir));
	fresh_key(dir, "a", &a);
	fresh_key(dir, "b", &bk);
	bs_prepare(b, &a);
	fill(&job, &a);
	bs_run(b, &job, 1);
	assert_int_equal(ct_info(b).sessions_live, 1);
	bs_key_free(&a);				/* b holds the last reference */
	assert_int_equal(ct_info(b).sessions_live, 1);
	bs_prepare(b, &bk);				/* a miss: the orphan goes */
	assert_int_equal(ct_info(b).sessions_live, 1);
	assert_int_equal(ct_info(b).sessions_created, 2);
	assert_int_equal(ct_info(b).sessions_evicted, 0);
	fill(&job, &bk);
	bs_run(b, &job, 1);
	bs_key_free(&bk);				/* freed before the instance closes */
	sg_backend_close(b);
	fresh_key(dir, "c", &a);			/* and freed after it closed */
	b = ct_open("cryptodev");
	bs_prepare(b, &a);
	sg_backend_close(b);
	bs_key_free(&a);
	kf_rmtree(dir);
}

/* An RSA-1024 key from a 384-bit and a 640-bit prime, as PEM. */
static char *unbalanced_key_pem(void)
{
	BIGNUM *p = BN_new(), *q = BN_new(), *n = BN_new(), *e = BN_new(), *d = BN_new();
	BIGNUM *pm1 = BN_new(), *qm1 = BN_new(), *phi = BN_new(), *dp = BN_new();
	BIGNUM *dq = BN_new(), *qinv = BN_new();
	BN_CTX *bn = BN_CTX_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params;
	BIO *mem = BIO_new(BIO_s_mem());
	char *pem, *data;
	long len;

	assert_int_equal(BN_set_word(e, 65537), 1);
	do {
		assert_int_equal(BN_generate_prime_ex(p, 384, 0, NULL, NULL, NULL), 1);
		assert_int_equal(BN_generate_prime_ex(q, 640, 0, NULL, NULL, NULL), 1);
		assert_int_equal(BN_mul(n, p, q, bn), 1);
		assert_non_null(BN_copy(pm1, p));
		assert_non_null(BN_copy(qm1, q));
		assert_int_equal(BN_sub_word(pm1, 1) & BN_sub_word(qm1, 1), 1);
		assert_int_equal(BN_mul(phi, pm1, qm1, bn), 1);
	} while (BN_num_bits(n) != 1024 || BN_mod_inverse(d, e, phi, bn) == NULL);
	assert_int_equal(BN_mod(dp, d, pm1, bn) & BN_mod(dq, d, qm1, bn), 1);
	assert_non_null(BN_mod_inverse(qinv, q, p, bn));
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, "n", n) & OSSL_PARAM_BLD_push_BN(bld, "e", e) &
			 OSSL_PARAM_BLD_push_BN(bld, "d", d) &
			 OSSL_PARAM_BLD_push_BN(bld, "rsa-factor1", p) &
			 OSSL_PARAM_BLD_push_BN(bld, "rsa-factor2", q) &
			 OSSL_PARAM_BLD_push_BN(bld, "rsa-exponent1", dp) &
			 OSSL_PARAM_BLD_push_BN(bld, "rsa-exponent2", dq) &
			 OSSL_PARAM_BLD_push_BN(bld, "rsa-coefficient1", qinv), 1);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
	assert_int_equal(PEM_write_bio_PrivateKey(mem, pkey, NULL, NULL, 0, NULL, NULL), 1);
	len = BIO_get_mem_data(mem, &data);
	pem = malloc((size_t)len + 1);		/* the BIO's data has no NUL */
	assert_non_null(pem);
	memcpy(pem, data, (size_t)len);
	pem[len] = '\0';
	BIO_free(mem);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_CTX_free(bn);
	BN_free(p);
	BN_free(q);
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	BN_free(pm1);
	BN_free(qm1);
	BN_free(phi);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_free(qinv);
	return pem;
}

/* Devices size CRT numbers as half the modulus: such a key goes to evp. */
static void test_unbalanced_primes_go_to_evp(void **state)
{
	struct sg_backend *b = ct_open("cryptodev");
	char *pem = unbalanced_key_pem();

	(void)state;
	expect_signed_by_evp(b, pem);
	sg_backend_close(b);
	free(pem);
}

/* The key OpenSSL reads from pem signs like evp through b, all off the device. */
static void expect_signed_by_evp(struct sg_backend *b, const char *pem)
{
	struct sg_privkey *key = NULL;
	uint8_t digest[32] = "signed by evp, a 32-byte digest", sig[SG_SIG_MAX];
	uint8_t ref[SG_SIG_MAX];
	size_t sig_len = 0, ref_len = 0;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_privkey_load_mem(pem, strlen(pem), &key, &err) != SG_OK)
		fail_msg("load: %s", err.msg);
	assert_int_equal(sg_privkey_bits(key), 1024);
	assert_int_equal(sg_backend_prepare(b, key, &err), SG_OK);
	assert_int_equal(ct_info(b).sessions_refused, 1);
	assert_int_equal(ct_info(b).sessions_created, 0);
	assert_int_equal(sg_backend_sign_one(b, key, SG_ALG_RSA_SHA256, digest, 32, sig,
					     sizeof(sig), &sig_len, &err), SG_OK);
	assert_int_equal(sg_privkey_sign(key, SG_ALG_RSA_SHA256, digest, 32, ref, sizeof(ref),
					 &ref_len, &err), SG_OK);
	assert_int_equal(sig_len, ref_len);
	assert_memory_equal(sig, ref, ref_len);
	assert_int_equal(stats_of_delegated(b), 1);
	assert_int_equal(ct_info(b).enqueue_bursts, 0);
	sg_privkey_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_session_per_key_and_instance),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_busy_session_is_not_evicted),
		cmocka_unit_test(test_freed_key_releases_its_session),
		cmocka_unit_test(test_unbalanced_primes_go_to_evp),
	};
	int rc = ct_skip_unless_available("cryptodev_sessions");

	if (rc != 0)
		return rc;
	bs_rng_state = bs_seed();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	bs_keys_free();
	return rc;
}
