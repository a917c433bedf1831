/*
 * NAME
 *   test_cryptodev_opts.c - the "cryptodev:ARG" parser and the EAL argv
 *
 * SUMMARY
 *   Defaults (NULL and ""), every option, the burst and session defaults
 *   that follow qp, eal= taking the rest verbatim (commas included); every
 *   kind of bad input refused with SG_E_SYNTAX (or SG_E_LIMIT for length)
 *   and a message naming the option and its byte offset. The EAL argv: the
 *   default words in order, the vdev, "-l CPU" added unless the eal=
 *   arguments name lcores (-l, -c, --lcores, also fused as -l2), runs of
 *   spaces, and too many words. Plain C: runs in builds without DPDK too.
 */
#include "testutil.h"

#include "cryptodev_opts.h"

static struct cdev_opts parse_ok(const char *arg)
{
	struct cdev_opts o;
	struct sg_error err;

	sg_error_clear(&err);
	if (cdev_opts_parse(arg, &o, &err) != SG_OK)
		fail_msg("\"%s\": %s", arg ? arg : "(null)", err.msg);
	return o;
}

static void expect_bad(const char *arg, enum sg_err code, uint64_t offset, const char *needle)
{
	struct cdev_opts o;
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(cdev_opts_parse(arg, &o, &err), code);
	assert_int_equal(err.code, code);
	assert_int_equal(err.offset, offset);
	if (strstr(err.msg, needle) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", arg, err.msg, needle);
}

static void test_defaults(void **state)
{
	const char *args[2] = { NULL, "" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct cdev_opts o = parse_ok(args[i]);

		assert_string_equal(o.dev, "");
		assert_string_equal(o.vdev, "crypto_openssl");
		assert_string_equal(o.eal, "");
		assert_int_equal(o.qp_size, 128);
		assert_int_equal(o.burst, 32);
		assert_int_equal(o.sessions, 256);
		assert_false(o.device_pads);
	}
}

static void test_every_option(void **state)
{
	struct cdev_opts o =
		parse_ok("dev=0000:3d:01.0_qat_asym,vdev=crypto_openssl_1,qp=2048,burst=64,"
			 "sessions=4096,pad=device");

	(void)state;
	assert_string_equal(o.dev, "0000:3d:01.0_qat_asym");
	assert_string_equal(o.vdev, "crypto_openssl_1");
	assert_int_equal(o.qp_size, 2048);
	assert_int_equal(o.burst, 64);
	assert_int_equal(o.sessions, 4096);
	assert_true(o.device_pads);
	o = parse_ok("pad=device,pad=host");		/* the last one counts */
	assert_false(o.device_pads);
	o = parse_ok("qp=2,burst=1,sessions=2");
	assert_int_equal(o.qp_size, 2);
	assert_int_equal(o.burst, 1);
	o = parse_ok("qp=16384");
	assert_int_equal(o.qp_size, 16384);
}

static void test_defaults_follow_qp(void **state)
{
	struct cdev_opts o = parse_ok("qp=16");

	(void)state;
	assert_int_equal(o.burst, 16);			/* 32 capped at qp */
	assert_int_equal(o.sessions, 256);
	o = parse_ok("qp=1024");
	assert_int_equal(o.burst, 32);
	assert_int_equal(o.sessions, 1024);		/* raised to qp */
}

static void test_eal_takes_the_rest(void **state)
{
	struct cdev_opts o = parse_ok("qp=8,eal=-l 2 -a 0000:3d:01.0,qat_foo=1 --log-level=error");

	(void)state;
	assert_int_equal(o.qp_size, 8);
	assert_string_equal(o.eal, "-l 2 -a 0000:3d:01.0,qat_foo=1 --log-level=error");
	o = parse_ok("eal=qp=4");			/* not read as an option */
	assert_int_equal(o.qp_size, 128);
	assert_string_equal(o.eal, "qp=4");
}

static void test_bad_options(void **state)
{
	char long_name[80], long_arg[CDEV_ARG_MAX + 8];

	(void)state;
	expect_bad("foo=1", SG_E_SYNTAX, 0, "\"foo\" at byte 0: unknown option");
	expect_bad("qp=8,bogus=1", SG_E_SYNTAX, 5, "\"bogus\" at byte 5");
	expect_bad("qp", SG_E_SYNTAX, 0, "needs NAME=VALUE");
	expect_bad("qp=8,,burst=2", SG_E_SYNTAX, 5, "empty option at byte 5");
	expect_bad("qp=8,", SG_E_SYNTAX, 5, "empty option at byte 5");
	expect_bad("qp=", SG_E_SYNTAX, 0, "from 2 to 16384");
	expect_bad("qp=abc", SG_E_SYNTAX, 0, "got \"abc\"");
	expect_bad("qp=-4", SG_E_SYNTAX, 0, "from 2 to 16384");
	expect_bad("qp=1", SG_E_SYNTAX, 0, "from 2 to 16384");
	expect_bad("qp=32768", SG_E_SYNTAX, 0, "from 2 to 16384");
	expect_bad("qp=99999999999", SG_E_SYNTAX, 0, "from 2 to 16384");
	expect_bad("qp=3", SG_E_SYNTAX, 0, "qp=3: must be a power of two");
	expect_bad("burst=0", SG_E_SYNTAX, 0, "from 1 to");
	expect_bad("qp=16,burst=32", SG_E_SYNTAX, 0, "burst=32: larger than qp=16");
	expect_bad("qp=64,sessions=8", SG_E_SYNTAX, 0, "sessions=8: must be at least qp=64");
	expect_bad("sessions=1", SG_E_SYNTAX, 0, "from 2 to 65536");
	expect_bad("pad=maybe", SG_E_SYNTAX, 0, "\"host\" or \"device\"");
	expect_bad("dev=", SG_E_SYNTAX, 0, "needs a name");
	expect_bad("dev=a b", SG_E_SYNTAX, 0, "space or a non-printable byte");
	expect_bad("vdev=x\x01", SG_E_SYNTAX, 0, "non-printable");
	memset(long_name, 'n', sizeof(long_name));
	memcpy(long_name, "dev=", 4);
	long_name[4 + CDEV_NAME_MAX] = '\0';
	expect_bad(long_name, SG_E_SYNTAX, 0, "name too long");
	long_name[4 + CDEV_NAME_MAX - 1] = '\0';	/* 63 bytes: accepted */
	assert_int_equal(strlen(parse_ok(long_name).dev), CDEV_NAME_MAX - 1);
	expect_bad("qp=8,eal=", SG_E_SYNTAX, 5, "\"eal\" at byte 5: needs EAL arguments");
	memset(long_arg, 'x', sizeof(long_arg));
	memcpy(long_arg, "eal=", 4);
	long_arg[CDEV_ARG_MAX] = '\0';
	expect_bad(long_arg, SG_E_LIMIT, CDEV_ARG_MAX, "limit is 1023");
}

static void expect_argv(const char *arg, int cpu, const char *const *want)
{
	struct cdev_opts o = parse_ok(arg);
	struct cdev_eal_argv av;
	struct sg_error err;
	int n = 0;

	assert_int_equal(cdev_opts_eal_argv(&o, cpu, &av, &err), SG_OK);
	for (; want[n] != NULL; n++) {
		if (n >= av.argc || strcmp(av.argv[n], want[n]) != 0)
			fail_msg("\"%s\": word %d is \"%s\", want \"%s\"", arg, n,
				 n < av.argc ? av.argv[n] : "(none)", want[n]);
	}
	assert_int_equal(av.argc, n);
	assert_null(av.argv[n]);
}

static void test_eal_argv(void **state)
{
	static const char *const defaults[] = {
		"signet", "--no-huge", "--no-shconf", "--no-pci", "--no-telemetry",
		"--vdev=crypto_openssl", "--log-level=error", "-l", "3", NULL,
	};
	static const char *const vdev[] = {
		"signet", "--no-huge", "--no-shconf", "--no-pci", "--no-telemetry",
		"--vdev=crypto_openssl_7", "--log-level=error", "-l", "0", NULL,
	};
	static const char *const spaced[] = {
		"signet", "--no-huge", "--vdev=crypto_openssl", "-l", "5", NULL,
	};
	static const char *const with_l[] = { "signet", "-l", "2", "-a", "x", NULL };
	static const char *const fused[] = { "signet", "-l2", NULL };
	static const char *const mask[] = { "signet", "-c", "0x4", NULL };
	static const char *const lcores[] = { "signet", "--lcores=1@2", NULL };
	static const char *const log_only[] = { "signet", "--log-level=8", "-l", "1", NULL };

	(void)state;
	expect_argv(NULL, 3, defaults);
	expect_argv("vdev=crypto_openssl_7,qp=8", 0, vdev);
	expect_argv("eal=  --no-huge   --vdev=crypto_openssl ", 5, spaced);
	expect_argv("eal=-l 2 -a x", 5, with_l);
	expect_argv("eal=-l2", 5, fused);
	expect_argv("eal=-c 0x4", 5, mask);
	expect_argv("eal=--lcores=1@2", 5, lcores);
	expect_argv("eal=--log-level=8", 1, log_only);	/* --l... is not -l */
	expect_argv("vdev=ignored,eal=-l2", 5, fused);
}

static void test_eal_argv_too_many_words(void **state)
{
	char arg[CDEV_ARG_MAX] = "eal=";
	struct cdev_eal_argv av;
	struct cdev_opts o;
	struct sg_error err;

	(void)state;
	for (int i = 0; i < CDEV_EAL_WORDS_MAX; i++)
		strcat(arg, " -v");
	o = parse_ok(arg);
	assert_int_equal(cdev_opts_eal_argv(&o, 0, &av, &err), SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "more than 29 EAL arguments"));
	o.eal[strlen(o.eal) - 3 * 3] = '\0';	/* 29 words: room for -l CPU */
	assert_int_equal(cdev_opts_eal_argv(&o, 0, &av, &err), SG_OK);
	assert_int_equal(av.argc, CDEV_EAL_WORDS_MAX);
	assert_string_equal(av.argv[CDEV_EAL_WORDS_MAX - 2], "-l");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_defaults_follow_qp),
		cmocka_unit_test(test_eal_takes_the_rest),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_eal_argv),
		cmocka_unit_test(test_eal_argv_too_many_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
