/*
 * NAME
 *   test_sd_pool.c - unit tests for dataplane/signetd/sd_pool.c
 *
 * SUMMARY
 *   The open limit (may_open until max_open, room again after a close),
 *   the idle stack (most recent first, no double entry, a closed idle
 *   connection leaves it), expiry of the oldest idle connection with a
 *   fake clock (not before idle_ms, clock behind), the waiter FIFO (order,
 *   wrap-around, full at max_waiters, empty), zero sizes refused.
 */
#include "testutil.h"

#include "sd_pool.h"

static void test_open_and_idle(void **state)
{
	struct sd_pool *p = sd_pool_new(2, 4);
	int a, b, c;

	(void)state;
	assert_non_null(p);
	assert_null(sd_pool_take_idle(p));
	assert_true(sd_pool_may_open(p));
	sd_pool_opened(p);
	sd_pool_opened(p);
	assert_false(sd_pool_may_open(p));
	assert_int_equal(sd_pool_open_count(p), 2);
	assert_true(sd_pool_put_idle(p, &a, 10));
	assert_false(sd_pool_put_idle(p, &a, 11));
	assert_true(sd_pool_put_idle(p, &b, 20));
	assert_false(sd_pool_put_idle(p, &c, 20));	/* more idle than open slots */
	assert_int_equal(sd_pool_idle_count(p), 2);
	assert_ptr_equal(sd_pool_take_idle(p), &b);
	assert_ptr_equal(sd_pool_take_idle(p), &a);
	assert_null(sd_pool_take_idle(p));
	assert_true(sd_pool_put_idle(p, &a, 30));
	assert_true(sd_pool_put_idle(p, &b, 40));
	sd_pool_closed(p, &b);				/* top of the stack closes */
	assert_int_equal(sd_pool_idle_count(p), 1);
	assert_true(sd_pool_may_open(p));
	assert_ptr_equal(sd_pool_take_idle(p), &a);
	sd_pool_closed(p, &a);				/* busy one closes */
	sd_pool_closed(p, &a);				/* never below zero */
	assert_int_equal(sd_pool_open_count(p), 0);
	sd_pool_free(p);
	assert_null(sd_pool_new(0, 1));
	assert_null(sd_pool_new(1, 0));
	sd_pool_free(NULL);
}

static void test_expire(void **state)
{
	struct sd_pool *p = sd_pool_new(3, 1);
	int a, b, c;

	(void)state;
	for (int i = 0; i < 3; i++)
		sd_pool_opened(p);
	assert_true(sd_pool_put_idle(p, &a, 1000));
	assert_true(sd_pool_put_idle(p, &b, 2000));
	assert_true(sd_pool_put_idle(p, &c, 3000));
	assert_null(sd_pool_expire(p, 1999, 1000));
	assert_null(sd_pool_expire(p, 500, 1000));	/* clock behind */
	assert_ptr_equal(sd_pool_expire(p, 2000, 1000), &a);
	assert_null(sd_pool_expire(p, 2999, 1000));
	assert_ptr_equal(sd_pool_expire(p, 5000, 1000), &b);
	assert_ptr_equal(sd_pool_take_idle(p), &c);
	assert_null(sd_pool_expire(p, 99999, 1000));
	sd_pool_free(p);
}

static void test_waiters(void **state)
{
	struct sd_pool *p = sd_pool_new(1, 3);
	int w[5];

	(void)state;
	assert_null(sd_pool_next_waiter(p));
	assert_true(sd_pool_wait(p, &w[0]));
	assert_true(sd_pool_wait(p, &w[1]));
	assert_true(sd_pool_wait(p, &w[2]));
	assert_false(sd_pool_wait(p, &w[3]));
	assert_int_equal(sd_pool_waiting(p), 3);
	assert_ptr_equal(sd_pool_next_waiter(p), &w[0]);
	assert_true(sd_pool_wait(p, &w[3]));		/* wraps around */
	assert_ptr_equal(sd_pool_next_waiter(p), &w[1]);
	assert_true(sd_pool_wait(p, &w[4]));
	assert_ptr_equal(sd_pool_next_waiter(p), &w[2]);
	assert_ptr_equal(sd_pool_next_waiter(p), &w[3]);
	assert_ptr_equal(sd_pool_next_waiter(p), &w[4]);
	assert_null(sd_pool_next_waiter(p));
	assert_int_equal(sd_pool_waiting(p), 0);
	sd_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_and_idle),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_waiters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
