/*
 * NAME
 *   test_sd_ring.c - unit tests for dataplane/signetd/sd_ring.c
 *
 * SUMMARY
 *   Capacity rounding (0, 1, 3, exact powers, past SD_RING_MAX), FIFO
 *   order, full and empty edges, NULL refused, wrap-around over many
 *   laps, and a producer thread racing a consumer thread over a million
 *   pointers that must arrive in order, each exactly once.
 */
#include <pthread.h>
#include <stdint.h>

#include "testutil.h"

#include "sd_ring.h"

static void test_capacity(void **state)
{
	static const size_t asked[] = { 0, 1, 2, 3, 4, 5, 1000, 1024, SD_RING_MAX };
	static const size_t got[] = { 2, 2, 2, 4, 4, 8, 1024, 1024, SD_RING_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		struct sd_ring *r = sd_ring_new(asked[i]);

		assert_non_null(r);
		assert_int_equal(sd_ring_capacity(r), got[i]);
		sd_ring_free(r);
	}
	assert_null(sd_ring_new(SD_RING_MAX + 1));
	sd_ring_free(NULL);
}

static void test_fifo_full_empty(void **state)
{
	struct sd_ring *r = sd_ring_new(4);
	uintptr_t v;

	(void)state;
	assert_null(sd_ring_pop(r));
	assert_false(sd_ring_push(r, NULL));
	for (v = 1; v <= 4; v++)
		assert_true(sd_ring_push(r, (void *)v));
	assert_false(sd_ring_push(r, (void *)5));	/* full */
	assert_int_equal(sd_ring_count(r), 4);
	for (v = 1; v <= 4; v++)
		assert_int_equal((uintptr_t)sd_ring_pop(r), v);
	assert_null(sd_ring_pop(r));
	assert_int_equal(sd_ring_count(r), 0);
	/* many laps around the four slots */
	for (v = 1; v < 1000; v++) {
		assert_true(sd_ring_push(r, (void *)v));
		assert_true(sd_ring_push(r, (void *)(v + 10000)));
		assert_int_equal((uintptr_t)sd_ring_pop(r), v);
		assert_int_equal((uintptr_t)sd_ring_pop(r), v + 10000);
	}
	sd_ring_free(r);
}

#define RACE_N 1000000u

static void *producer(void *arg)
{
	struct sd_ring *r = arg;

	for (uintptr_t v = 1; v <= RACE_N; v++)
		while (!sd_ring_push(r, (void *)v))
			;
	return NULL;
}

static void test_two_threads(void **state)
{
	struct sd_ring *r = sd_ring_new(64);
	uintptr_t want = 1;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, producer, r), 0);
	while (want <= RACE_N) {
		void *p = sd_ring_pop(r);

		if (p == NULL)
			continue;
		if ((uintptr_t)p != want)
			fail_msg("got %lu, expected %lu", (unsigned long)(uintptr_t)p,
				 (unsigned long)want);
		want++;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_null(sd_ring_pop(r));
	sd_ring_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_fifo_full_empty),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
