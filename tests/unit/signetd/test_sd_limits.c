/*
 * NAME
 *   test_sd_limits.c - unit tests for dataplane/signetd/sd_limits.c
 *
 * SUMMARY
 *   With a fake clock: the idle timeout while waiting for a command (one
 *   millisecond before and at the limit, reset by a byte), the block
 *   timeout in DATA, the minimum data rate (not judged inside the grace
 *   period, a fast client passes, a trickling client that beats the idle
 *   timeout is SLOW, exactly the minimum rate passes), no deadline while
 *   the relay works on the outcome and a fresh idle clock after it, zero
 *   limits switching a check off, bytes read outside DATA not counted.
 */
#include "testutil.h"

#include "sd_limits.h"

static const struct sd_conn_limits lim = { .idle_ms = 1000, .data_idle_ms = 500,
					   .rate_grace_ms = 2000, .min_rate = 100 };

static void test_idle(void **state)
{
	struct sd_conn_timer t;

	(void)state;
	sd_timer_start(&t, 10000);
	assert_int_equal(sd_timer_check(&lim, &t, 10999), SD_TIMER_OK);
	assert_int_equal(sd_timer_check(&lim, &t, 11000), SD_TIMER_IDLE);
	sd_timer_activity(&t, 5, 10900);
	assert_int_equal(sd_timer_check(&lim, &t, 11899), SD_TIMER_OK);
	assert_int_equal(sd_timer_check(&lim, &t, 11900), SD_TIMER_IDLE);
	sd_timer_activity(&t, 0, 11800);		/* nothing read: no reset */
	assert_int_equal(sd_timer_check(&lim, &t, 11900), SD_TIMER_IDLE);
	assert_int_equal(t.data_bytes, 0);
	assert_int_equal(sd_timer_check(&lim, &t, 5000), SD_TIMER_OK);	/* clock behind */
}

static void test_data_block_timeout(void **state)
{
	struct sd_conn_timer t;

	(void)state;
	sd_timer_start(&t, 0);
	sd_timer_phase(&t, SD_PHASE_DATA, 800);
	assert_int_equal(sd_timer_check(&lim, &t, 1299), SD_TIMER_OK);
	assert_int_equal(sd_timer_check(&lim, &t, 1300), SD_TIMER_IDLE);
	sd_timer_activity(&t, 400, 1200);
	assert_int_equal(sd_timer_check(&lim, &t, 1699), SD_TIMER_OK);
	assert_int_equal(t.data_bytes, 400);
}

static void test_rate(void **state)
{
	struct sd_conn_timer t;
	uint64_t now = 0;

	(void)state;
	sd_timer_start(&t, 0);
	sd_timer_phase(&t, SD_PHASE_DATA, 0);
	/* 10 octets every 400 ms: never idle, 25 octets/s < 100 */
	while (now < 1900) {
		now += 400;
		sd_timer_activity(&t, 10, now);
		if (now < 2000)
			assert_int_equal(sd_timer_check(&lim, &t, now), SD_TIMER_OK);
	}
	assert_int_equal(sd_timer_check(&lim, &t, 2000), SD_TIMER_SLOW);
	/* exactly 100 octets/s at the end of the grace period passes */
	sd_timer_phase(&t, SD_PHASE_COMMAND, 2000);
	sd_timer_phase(&t, SD_PHASE_DATA, 3000);
	assert_int_equal(t.data_bytes, 0);
	sd_timer_activity(&t, 200, 4900);
	assert_int_equal(sd_timer_check(&lim, &t, 5000), SD_TIMER_OK);
	assert_int_equal(sd_timer_check(&lim, &t, 5001), SD_TIMER_SLOW);
	/* a fast client */
	sd_timer_phase(&t, SD_PHASE_COMMAND, 6000);
	sd_timer_phase(&t, SD_PHASE_DATA, 6000);
	sd_timer_activity(&t, 1 << 20, 6100);
	assert_int_equal(sd_timer_check(&lim, &t, 6400), SD_TIMER_OK);
}

static void test_outcome_and_off(void **state)
{
	struct sd_conn_timer t;
	struct sd_conn_limits off = { 0 };

	(void)state;
	sd_timer_start(&t, 0);
	sd_timer_phase(&t, SD_PHASE_DATA, 100);
	sd_timer_phase(&t, SD_PHASE_OUTCOME, 200);
	assert_int_equal(sd_timer_check(&lim, &t, 1000000), SD_TIMER_OK);
	sd_timer_phase(&t, SD_PHASE_COMMAND, 1000000);	/* idle clock restarts */
	assert_int_equal(sd_timer_check(&lim, &t, 1000999), SD_TIMER_OK);
	assert_int_equal(sd_timer_check(&lim, &t, 1001000), SD_TIMER_IDLE);
	assert_int_equal(sd_timer_check(&off, &t, 9000000), SD_TIMER_OK);
	sd_timer_phase(&t, SD_PHASE_DATA, 9000000);
	assert_int_equal(sd_timer_check(&off, &t, 99000000), SD_TIMER_OK);
	assert_int_equal(sd_limits_default().idle_ms, SD_IDLE_MS_DEFAULT);
	assert_int_equal(sd_limits_default().min_rate, SD_MIN_RATE_DEFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_data_block_timeout),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_outcome_and_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
