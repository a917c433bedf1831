/*
 * NAME
 *   test_sd_eal.c - unit tests for dataplane/signetd/sd_eal.c
 *
 * SUMMARY
 *   The default arguments with one worker per CPU, a given worker count
 *   (fewer and more workers than CPUs: wrapping), user lcore options (-l,
 *   -c, --lcores=) kept, user telemetry and log-level kept, spaces and tabs
 *   between arguments, the argument count and worker limits with their
 *   messages, no CPU, and the allowed-CPU list of this process.
 */
#include <string.h>

#include "testutil.h"

#include "sd_eal.h"

static char *joined(const struct sd_eal_argv *a)
{
	static char buf[SD_EAL_TEXT_MAX * 2];

	buf[0] = '\0';
	for (int i = 0; i < a->argc; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, a->argv[i]);
	}
	assert_null(a->argv[a->argc]);
	return buf;
}

static void test_default(void **state)
{
	static const int cpus[] = { 0, 1 };
	struct sd_eal_argv a;
	struct sg_error e;

	(void)state;
	assert_int_equal(sd_eal_argv_build("signetd", "--no-huge --no-shconf --no-pci", 0, cpus,
					   2, &a, &e), SG_OK);
	assert_string_equal(joined(&a), "signetd --no-huge --no-shconf --no-pci --lcores "
			    "0@(0,1),1@0,2@1 --no-telemetry --log-level=lib.eal:warning");
	assert_int_equal(a.workers, 2);
	assert_false(a.user_lcores);
}

static void test_counts(void **state)
{
	static const int cpus[] = { 2, 5, 7 };
	struct sd_eal_argv a;
	struct sg_error e;

	(void)state;
	assert_int_equal(sd_eal_argv_build("p", "", 1, cpus, 3, &a, &e), SG_OK);
	assert_string_equal(joined(&a), "p --lcores 0@(2,5,7),1@2 --no-telemetry "
			    "--log-level=lib.eal:warning");
	assert_int_equal(sd_eal_argv_build("p", " \t-m 64\t ", 5, cpus, 3, &a, &e), SG_OK);
	assert_string_equal(joined(&a), "p -m 64 --lcores 0@(2,5,7),1@2,2@5,3@7,4@2,5@5 "
			    "--no-telemetry --log-level=lib.eal:warning");
	assert_int_equal(a.workers, 5);
	assert_int_equal(sd_eal_argv_build("p", "", SD_EAL_WORKERS_MAX + 1, cpus, 3, &a, &e),
			 SG_E_LIMIT);
	assert_string_equal(e.msg, "128 workers: at most 127");
	assert_int_equal(sd_eal_argv_build("p", "", 0, cpus, 0, &a, &e), SG_E_ARG);
	assert_string_equal(e.msg, "no CPU to run workers on");
}

static void test_user_choices(void **state)
{
	static const int cpus[] = { 0 };
	static const char *const lcores[] = { "-l 0-3", "-l0-3", "-c 0xf", "--lcores=0@0,1@0",
					      "--lcores 0-1" };
	struct sd_eal_argv a;
	struct sg_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(lcores) / sizeof(lcores[0]); i++) {
		assert_int_equal(sd_eal_argv_build("p", lcores[i], 0, cpus, 1, &a, &e), SG_OK);
		assert_true(a.user_lcores);
		assert_int_equal(a.workers, 0);
		assert_null(strstr(joined(&a), "0@("));
	}
	assert_int_equal(sd_eal_argv_build("p", "--telemetry --log-level=*:debug", 1, cpus, 1,
					   &a, &e), SG_OK);
	assert_string_equal(joined(&a), "p --telemetry --log-level=*:debug --lcores 0@(0),1@0");
	/* "-log" is not -l */
	assert_int_equal(sd_eal_argv_build("p", "--legacy-mem", 1, cpus, 1, &a, &e), SG_OK);
	assert_false(a.user_lcores);
}

static void test_too_many_args(void **state)
{
	static const int cpus[] = { 0 };
	char args[1024] = "";
	struct sd_eal_argv a;
	struct sg_error e;

	(void)state;
	for (int i = 0; i < SD_EAL_ARGC_MAX; i++)
		strcat(args, "-v ");
	assert_int_equal(sd_eal_argv_build("p", args, 1, cpus, 1, &a, &e), SG_E_LIMIT);
	assert_string_equal(e.msg, "eal_args: more than 64 arguments");
}

static void test_allowed_cpus(void **state)
{
	int cpus[1024];
	size_t n = sd_eal_allowed_cpus(cpus, 1024);

	(void)state;
	assert_true(n >= 1);
	for (size_t i = 1; i < n; i++)
		assert_true(cpus[i] > cpus[i - 1]);
	assert_int_equal(sd_eal_allowed_cpus(cpus, 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_user_choices),
		cmocka_unit_test(test_too_many_args),
		cmocka_unit_test(test_allowed_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
