/*
 * NAME
 *   test_cryptodev.c - the DPDK cryptodev backend on the crypto_openssl vdev
 *
 * SUMMARY
 *   Signatures made on the device are byte-identical to OpenSSL's (RSA
 *   1024, 2048, 3072, 4096; SHA-1 and SHA-256 DigestInfo; random digests)
 *   with the padding done by signet (padding type NONE) and by the device
 *   (PKCS1_5), and none of them was delegated or fell back. Bursts: more
 *   jobs than the queue pair holds go through a capacity-8 instance, the
 *   ninth job in hand is refused with SG_E_LIMIT; a partial enqueue (the
 *   crypto_openssl ring of a 4-descriptor queue pair holds 3 ops) leaves
 *   the fourth job pending, in order, until flush. Every cookie comes back
 *   exactly once, also with mixed keys, Ed25519 (delegated to evp) and
 *   random poll sizes. Corrupted device answers (test hook) are caught by
 *   the public-key check and signed again by evp (stats.fallbacks);
 *   requests the device refuses at enqueue are too. An
 *   unprepared key is signed by evp, then on the device once prepared.
 *   Closing an instance with jobs in flight frees everything (ASan) and
 *   leaves the queue pair usable. Exits 77 when the backend cannot run.
 *   The queue-pair, EAL and session behaviour: test_cryptodev_port.c and
 *   test_cryptodev_sessions.c; the shared suite runs the backend too.
 */
#include "testutil.h"

#include "backend_suite.h"
#include "cryptodev_testutil.h"

#define JOBS_PER_SIZE 24
#define BURST_JOBS 200
#define MIXED_JOBS 120
#define POLL_GUARD 100000		/* polls without progress: a hang, not a timing */

/* A job for k with alg and a fully random digest. */
static void fill(struct bs_job *j, struct bs_key *k, enum sg_alg alg)
{
	j->k = k;
	j->alg = alg;
	j->digest_len = alg == SG_ALG_RSA_SHA1 ? 20 : 32;
	for (size_t i = 0; i < sizeof(j->digest); i++)
		j->digest[i] = (uint8_t)bs_rand();
	j->returned = 0;
}

static struct sg_backend_stats stats_of(const struct sg_backend *b)
{
	struct sg_backend_stats st;

	sg_backend_get_stats(b, &st);
	return st;
}

/* JOBS_PER_SIZE jobs over two keys of one size; all must be device-made. */
static void sign_size_on_device(const char *spec, size_t size)
{
	struct sg_backend *b = ct_open(spec);
	struct bs_job jobs[JOBS_PER_SIZE];
	struct sg_cryptodev_info info;

	bs_prepare(b, bs_key_get(size, 0));
	bs_prepare(b, bs_key_get(size, 1));
	for (size_t n = 0; n < JOBS_PER_SIZE; n++)
		fill(&jobs[n], bs_key_get(size, n % 2),
		     n % 4 < 2 ? SG_ALG_RSA_SHA1 : SG_ALG_RSA_SHA256);
	bs_run(b, jobs, JOBS_PER_SIZE);
	info = ct_info(b);
	assert_int_equal(stats_of(b).delegated, 0);
	assert_int_equal(stats_of(b).fallbacks, 0);
	assert_int_equal(info.device_errors, 0);
	assert_true(info.enqueue_bursts > 0);
	assert_int_equal(info.pending + info.inflight + info.done, 0);
	sg_backend_close(b);
}

static void test_equal_with_host_padding(void **state)
{
	(void)state;
	for (size_t size = 0; size < 4; size++)
		sign_size_on_device("cryptodev", size);
}

static void test_equal_with_device_padding(void **state)
{
	struct sg_backend *b = ct_open("cryptodev:pad=device");

	(void)state;
	assert_true(ct_info(b).device_pads);
	sg_backend_close(b);
	for (size_t size = 0; size < 4; size++)
		sign_size_on_device("cryptodev:pad=device", size);
}

/* Collects what poll gives (at most max per call), checking each. */
static size_t collect_some(struct sg_backend *b, size_t max)
{
	struct sg_sign_done done[8];
	size_t n = sg_backend_poll(b, done, max < 8 ? max : 8);

	for (size_t i = 0; i < n; i++)
		bs_check_done(b, &done[i]);
	return n;
}

static void test_more_jobs_than_the_queue_pair(void **state)
{
	struct sg_backend *b = ct_open("cryptodev:qp=8,burst=4");
	static struct bs_job jobs[BURST_JOBS];
	struct bs_key *keys[3] = { bs_key_get(0, 0), bs_key_get(0, 1), bs_key_get(1, 0) };
	size_t next = 0, got = 0, refusals = 0;
	struct sg_error err;
	long idle = 0;

	(void)state;
	assert_int_equal(ct_info(b).qp_size, 8);
	assert_int_equal(sg_backend_capacity(b), 8);
	for (size_t i = 0; i < 3; i++)
		bs_prepare(b, keys[i]);
	for (size_t i = 0; i < BURST_JOBS; i++)
		fill(&jobs[i], keys[i % 3], i % 2 ? SG_ALG_RSA_SHA1 : SG_ALG_RSA_SHA256);
	while (got < BURST_JOBS) {
		while (next < BURST_JOBS) {
			enum sg_err rc = sg_backend_submit(b, jobs[next].k->key, jobs[next].alg,
							   jobs[next].digest, jobs[next].digest_len,
							   &jobs[next], &err);

			if (rc == SG_E_LIMIT) {
				assert_int_equal(next - got, 8);	/* refused exactly when full */
				refusals++;
				break;
			}
			assert_int_equal(rc, SG_OK);
			next++;
		}
		if (next == BURST_JOBS)
			sg_backend_flush(b);
		got += collect_some(b, 3);
		assert_true(++idle < POLL_GUARD);
	}
	for (size_t i = 0; i < BURST_JOBS; i++)
		assert_int_equal(jobs[i].returned, 1);
	assert_true(refusals > 0);
	assert_true(ct_info(b).enqueue_bursts >= BURST_JOBS / 8);
	assert_int_equal(stats_of(b).delegated + stats_of(b).fallbacks, 0);
	sg_backend_close(b);
}

/*
 * crypto_openssl signs during the enqueue call and parks the op in a ring
 * of qp entries that holds qp - 1: a burst of 4 into an empty 4-descriptor
 * queue pair is taken 3 and 1 left.
 */
static void test_partial_enqueue_keeps_the_rest(void **state)
{
	struct sg_backend *b = ct_open("cryptodev:qp=4,burst=4");
	struct bs_key *k = bs_key_get(0, 0);
	struct sg_cryptodev_info info;
	struct bs_job jobs[4];

	(void)state;
	bs_prepare(b, k);
	for (size_t i = 0; i < 4; i++)
		fill(&jobs[i], k, SG_ALG_RSA_SHA256);
	for (size_t i = 0; i < 3; i++)
		bs_submit(b, &jobs[i]);
	info = ct_info(b);
	assert_int_equal(info.pending, 3);		/* below the burst: held back */
	assert_int_equal(info.enqueue_bursts, 0);
	bs_submit(b, &jobs[3]);
	info = ct_info(b);
	assert_int_equal(info.inflight, 3);
	assert_int_equal(info.pending, 1);
	assert_int_equal(info.partial_enqueues, 1);
	assert_int_equal(info.device_errors, 0);
	assert_int_equal(collect_some(b, 8), 3);	/* the rest waits for flush */
	assert_int_equal(ct_info(b).pending, 1);
	assert_int_equal(jobs[3].returned, 0);
	sg_backend_flush(b);
	assert_int_equal(ct_info(b).pending, 0);
	assert_int_equal(collect_some(b, 8), 1);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(jobs[i].returned, 1);
	sg_backend_close(b);
}

static void test_cookies_once_with_mixed_keys(void **state)
{
	struct sg_backend *b = ct_open("cryptodev:qp=16,burst=5");
	struct bs_key *keys[4] = { bs_key_get(0, 0), bs_key_get(0, 2), bs_key_get(1, 1),
				   bs_key_get(4, 0) };
	static struct bs_job jobs[MIXED_JOBS];
	size_t next = 0, got = 0, ed25519 = 0;
	struct sg_error err;
	long idle = 0;

	(void)state;
	for (size_t i = 0; i < 4; i++)
		bs_prepare(b, keys[i]);
	for (size_t i = 0; i < MIXED_JOBS; i++) {
		bs_job_fill(&jobs[i], keys[bs_rand() % 4]);
		ed25519 += jobs[i].alg == SG_ALG_ED25519_SHA256;
	}
	while (got < MIXED_JOBS) {
		size_t burst = 1 + (size_t)(bs_rand() % 6);

		for (size_t i = 0; i < burst && next < MIXED_JOBS; i++, next++) {
			enum sg_err rc = sg_backend_submit(b, jobs[next].k->key, jobs[next].alg,
							   jobs[next].digest, jobs[next].digest_len,
							   &jobs[next], &err);

			if (rc == SG_E_LIMIT)
				break;
			assert_int_equal(rc, SG_OK);
		}
		if (next == MIXED_JOBS || bs_rand() % 4 == 0)
			sg_backend_flush(b);
		got += collect_some(b, 1 + (size_t)(bs_rand() % 5));
		assert_true(++idle < POLL_GUARD);
	}
	for (size_t i = 0; i < MIXED_JOBS; i++)
		assert_int_equal(jobs[i].returned, 1);
	assert_int_equal(stats_of(b).delegated, ed25519);
	assert_int_equal(stats_of(b).completed, MIXED_JOBS);
	sg_backend_close(b);
}

static void test_bad_device_answers_fall_back(void **state)
{
	struct sg_backend *b = ct_open("cryptodev");
	struct bs_key *k = bs_key_get(1, 0);
	struct bs_job jobs[16];

	(void)state;
	bs_prepare(b, k);
	for (size_t i = 0; i < 16; i++)
		fill(&jobs[i], k, i % 2 ? SG_ALG_RSA_SHA1 : SG_ALG_RSA_SHA256);
	sg_cryptodev_inject_faults(b, 5, 0);
	bs_run(b, jobs, 16);			/* all still equal OpenSSL's */
	assert_int_equal(stats_of(b).fallbacks, 5);
	assert_int_equal(stats_of(b).failed, 0);
	assert_int_equal(stats_of(b).delegated, 0);
	for (size_t i = 0; i < 16; i++)
		fill(&jobs[i], k, SG_ALG_RSA_SHA256);
	bs_run(b, jobs, 16);			/* the hook is used up */
	assert_int_equal(stats_of(b).fallbacks, 5);
	sg_backend_close(b);
}

/*
 * Requests one byte short: crypto_openssl fails them inside the enqueue
 * call and takes none of the ops after them in that burst. The first
 * comes after four good jobs (a partial enqueue whose first left-over op
 * says ERROR), the next two with nothing in flight.
 */
static void test_refused_requests_fall_back(void **state)
{
	struct sg_backend *b = ct_open("cryptodev");
	struct bs_key *k = bs_key_get(1, 1);
	struct sg_cryptodev_info info;
	struct bs_job jobs[12];

	(void)state;
	bs_prepare(b, k);
	for (size_t i = 0; i < 12; i++) {
		fill(&jobs[i], k, i % 3 ? SG_ALG_RSA_SHA256 : SG_ALG_RSA_SHA1);
		if (i == 4)
			sg_cryptodev_inject_faults(b, 0, 3);
		bs_submit(b, &jobs[i]);
	}
	sg_backend_flush(b);
	bs_collect(b, 12);			/* all equal OpenSSL's, each once */
	info = ct_info(b);
	assert_int_equal(stats_of(b).fallbacks, 3);
	assert_int_equal(info.device_errors, 3);
	assert_int_equal(info.partial_enqueues, 3);
	assert_int_equal(info.pending + info.inflight + info.done, 0);
	assert_int_equal(stats_of(b).failed, 0);
	sg_backend_close(b);
}

static void test_unprepared_key_goes_to_evp(void **state)
{
	struct sg_backend *b = ct_open("cryptodev");
	struct sg_privkey *key = NULL;
	uint8_t digest[32], sig[SG_SIG_MAX], ref[SG_SIG_MAX];
	size_t sig_len = 0, ref_len = 0;
	uint64_t bursts;
	struct sg_error err;

	(void)state;
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 1024, &key, &err), SG_OK);
	for (size_t i = 0; i < sizeof(digest); i++)
		digest[i] = (uint8_t)bs_rand();
	assert_int_equal(sg_privkey_sign(key, SG_ALG_RSA_SHA256, digest, 32, ref, sizeof(ref),
					 &ref_len, &err), SG_OK);
	assert_int_equal(sg_backend_sign_one(b, key, SG_ALG_RSA_SHA256, digest, 32, sig,
					     sizeof(sig), &sig_len, &err), SG_OK);
	assert_memory_equal(sig, ref, ref_len);
	assert_int_equal(stats_of(b).delegated, 1);
	bursts = ct_info(b).enqueue_bursts;
	assert_int_equal(sg_backend_prepare(b, key, &err), SG_OK);
	assert_int_equal(sg_backend_sign_one(b, key, SG_ALG_RSA_SHA256, digest, 32, sig,
					     sizeof(sig), &sig_len, &err), SG_OK);
	assert_int_equal(sig_len, ref_len);
	assert_memory_equal(sig, ref, ref_len);
	assert_int_equal(stats_of(b).delegated, 1);
	assert_int_equal(ct_info(b).enqueue_bursts, bursts + 1);
	sg_backend_close(b);
	sg_privkey_free(key);
}

/* Closing with jobs pending, in flight and done: no leak, qp reusable. */
static void test_close_with_jobs_held(void **state)
{
	struct bs_key *k = bs_key_get(0, 0);
	struct bs_job jobs[12];

	(void)state;
	for (int round = 0; round < 3; round++) {
		struct sg_backend *b = ct_open("cryptodev:qp=8,burst=4");
		struct sg_cryptodev_info info;

		bs_prepare(b, k);
		for (size_t i = 0; i < 7; i++) {
			fill(&jobs[i], k, SG_ALG_RSA_SHA256);
			bs_submit(b, &jobs[i]);
		}
		info = ct_info(b);
		assert_int_equal(info.qp_id, 0);
		assert_int_equal(info.pending + info.inflight + info.done, 7);
		assert_true(info.pending > 0 && info.inflight > 0);
		sg_backend_close(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_with_host_padding),
		cmocka_unit_test(test_equal_with_device_padding),
		cmocka_unit_test(test_more_jobs_than_the_queue_pair),
		cmocka_unit_test(test_partial_enqueue_keeps_the_rest),
		cmocka_unit_test(test_cookies_once_with_mixed_keys),
		cmocka_unit_test(test_bad_device_answers_fall_back),
		cmocka_unit_test(test_refused_requests_fall_back),
		cmocka_unit_test(test_unprepared_key_goes_to_evp),
		cmocka_unit_test(test_close_with_jobs_held),
	};
	int rc = ct_skip_unless_available("cryptodev");

	if (rc != 0)
		return rc;
	bs_rng_state = bs_seed();
	printf("# cryptodev: seed %llu (SIGNET_TEST_SEED repeats it)\n",
	       (unsigned long long)bs_rng_state);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	bs_keys_free();
	return rc;
}
