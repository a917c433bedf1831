/*
 * NAME
 *   test_sd_uring.c - unit tests for dataplane/signetd/sd_uring.c
 *
 * SUMMARY
 *   A ring is made and usable; a refused ring names the size and the
 *   reason (the caller adds which worker); the ENOMEM hint names the
 *   current soft RLIMIT_MEMLOCK in KiB (lowered to 64 KiB for the call,
 *   then restored) and the two ways to raise it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "testutil.h"
#include "sd_uring.h"

static void test_ring_ok(void **state)
{
	struct io_uring ring;
	struct sg_error err;

	(void)state;
	sg_error_clear(&err);
	assert_int_equal(sd_uring_init(&ring, 8, NULL, &err), SG_OK);
	assert_non_null(io_uring_get_sqe(&ring));
	io_uring_queue_exit(&ring);
}

static void test_bad_size_named(void **state)
{
	struct io_uring ring;
	struct sg_error err;

	(void)state;
	sg_error_clear(&err);
	/* more entries than the kernel allows (IORING_MAX_ENTRIES is 32768) */
	assert_int_equal(sd_uring_init(&ring, 1u << 20, NULL, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "io_uring_queue_init(1048576): "));
}

static void test_enomem_hint(void **state)
{
	struct rlimit old, tiny;
	char hint[256];

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	tiny.rlim_max = old.rlim_max;
	tiny.rlim_cur = old.rlim_max != RLIM_INFINITY && old.rlim_max < 65536 ? old.rlim_max :
									       65536;
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &tiny), 0);
	sd_uring_enomem_hint(hint, sizeof(hint));
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &old), 0);
	if (tiny.rlim_cur == 65536)
		assert_non_null(strstr(hint, "(now 64 KiB)"));
	assert_non_null(strstr(hint, "LimitMEMLOCK="));
	assert_non_null(strstr(hint, "ulimit -l"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_ok),
		cmocka_unit_test(test_bad_size_named),
		cmocka_unit_test(test_enomem_hint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
