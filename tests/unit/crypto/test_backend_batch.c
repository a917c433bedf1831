/*
 * NAME
 *   test_backend_batch.c - batching behaviour every backend must show
 *
 * SUMMARY
 *   The shared backend suite (backend_suite.h): batch fills 1..8 each
 *   finished by flush; several batches in flight before the first poll;
 *   every cookie returned exactly once and nothing after the last; a key
 *   prepared on one instance and used on another; preparing twice; a key
 *   freed and a new one made (possibly at the same address) between jobs;
 *   closing an instance with jobs still in flight.
 */
#include "testutil.h"

#include "backend_suite.h"

#define RSA2048 1
#define RSA3072 2

static void test_fills_1_to_8(void **state)
{
	struct sg_backend *b = bs_open(state);
	struct bs_job jobs[8];

	for (size_t s = RSA2048; s <= RSA3072; s++) {
		bs_prepare(b, bs_key_get(s, 0));
		bs_prepare(b, bs_key_get(s, 1));
		for (size_t fill = 1; fill <= 8; fill++) {
			for (size_t i = 0; i < fill; i++)
				bs_job_fill(&jobs[i], bs_key_get(s, i % 2));
			bs_run(b, jobs, fill);
		}
	}
	sg_backend_close(b);
}

/* Three full batches and a partial one, submitted before any poll. */
static void test_batches_in_flight(void **state)
{
	struct sg_backend *b = bs_open(state);
	struct sg_backend_stats st;
	struct bs_job jobs[27];
	size_t n = sizeof(jobs) / sizeof(jobs[0]);

	if (sg_backend_capacity(b) < n)
		n = sg_backend_capacity(b);
	for (size_t i = 0; i < BS_KEYS_PER_SIZE; i++)
		bs_prepare(b, bs_key_get(RSA2048, i));
	for (size_t i = 0; i < n; i++) {
		bs_job_fill(&jobs[i], bs_key_get(RSA2048, i % BS_KEYS_PER_SIZE));
		bs_submit(b, &jobs[i]);
	}
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.submitted, n);
	assert_int_equal(st.completed, 0);	/* counted when polled */
	sg_backend_flush(b);
	bs_collect(b, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(jobs[i].returned, 1);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.completed, n);
	assert_int_equal(st.failed, 0);
	sg_backend_close(b);
}

/* Polling in small steps while submitting: completions interleave. */
static void test_poll_between_submits(void **state)
{
	struct sg_backend *b = bs_open(state);
	struct sg_sign_done done[3], extra;
	struct bs_job jobs[20];
	size_t got = 0;

	bs_prepare(b, bs_key_get(RSA2048, 0));
	bs_prepare(b, bs_key_get(4, 0));
	for (size_t i = 0; i < 20; i++) {
		bs_job_fill(&jobs[i], bs_key_get(i % 3 == 0 ? 4 : RSA2048, 0));
		bs_submit(b, &jobs[i]);
		if (i % 5 == 4) {
			size_t n = sg_backend_poll(b, done, 3);

			for (size_t d = 0; d < n; d++)
				bs_check_done(b, &done[d]);
			got += n;
		}
	}
	sg_backend_flush(b);
	bs_collect(b, 20 - got);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(jobs[i].returned, 1);
	assert_int_equal(sg_backend_poll(b, &extra, 1), 0);
	sg_backend_close(b);
}

static void test_prepare_shared_between_instances(void **state)
{
	struct sg_backend *first = bs_open(state), *second = bs_open(state);
	struct bs_job a[4], c[4];

	for (size_t s = 0; s < BS_SIZES; s++)
		bs_prepare(first, bs_key_get(s, 2));
	for (size_t s = 0; s < BS_SIZES; s++)
		bs_prepare(second, bs_key_get(s, 2));	/* finds the key prepared */
	bs_prepare(second, bs_key_get(RSA2048, 2));	/* preparing twice is harmless */
	for (size_t i = 0; i < 4; i++) {
		bs_job_fill(&a[i], bs_key_get(i + 1, 2));
		c[i] = a[i];
	}
	bs_run(first, a, 4);
	sg_backend_close(first);
	bs_run(second, c, 4);		/* the first instance is gone */
	sg_backend_close(second);
}

/* A freed key's precomputation must never serve a new key, even when the
 * allocator hands the new key the old address. */
static void test_key_replaced_between_jobs(void **state)
{
	struct sg_backend *b = bs_open(state);
	const char *dir = bs_cache_dir();
	struct bs_key k;
	struct bs_job j;
	char path[4200];

	for (size_t round = 0; round < 4; round++) {
		/* Alternate two different 2048-bit keys through fresh loads. */
		snprintf(path, sizeof(path), "%s/rsa2048-%zu.pem", dir, round % 2);
		bs_key_get(RSA2048, round % 2);		/* makes sure the file exists */
		bs_key_load(path, false, &k);
		bs_prepare(b, &k);
		bs_job_fill(&j, &k);
		bs_run(b, &j, 1);
		bs_key_free(&k);
	}
	sg_backend_close(b);
}

static void test_close_with_jobs_in_flight(void **state)
{
	struct sg_backend *b = bs_open(state);
	struct bs_job jobs[5];

	bs_prepare(b, bs_key_get(RSA2048, 0));
	for (size_t i = 0; i < 5; i++) {
		bs_job_fill(&jobs[i], bs_key_get(RSA2048, 0));
		bs_submit(b, &jobs[i]);
	}
	sg_backend_close(b);		/* no completion owed; nothing may leak */
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(jobs[i].returned, 0);
}

int main(void)
{
	static const struct bs_case cases[] = {
		{ "fills 1..8", test_fills_1_to_8 },
		{ "batches in flight", test_batches_in_flight },
		{ "poll between submits", test_poll_between_submits },
		{ "prepare shared between instances", test_prepare_shared_between_instances },
		{ "key replaced between jobs", test_key_replaced_between_jobs },
		{ "close with jobs in flight", test_close_with_jobs_in_flight },
	};

	return bs_main("backend_batch", cases, sizeof(cases) / sizeof(cases[0]), NULL, 0);
}
