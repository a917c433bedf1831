/*
 * NAME
 *   test_sd_options.c - unit tests for dataplane/signetd/sd_options.c
 *
 * SUMMARY
 *   Accepted command lines (long and short forms, --opt=value, -cFILE,
 *   flags in any order, --help/--version without -c) and refused ones
 *   with their exact messages: unknown option, missing value, a value
 *   given twice, a flag with a value, empty value, --spool without --out
 *   and the reverse, --watch/--json without --spool, the same folder
 *   twice, no -c, positional argument, "-" and "--".
 */
#include <string.h>

#include "testutil.h"

#include "sd_options.h"

#define ARGV(...) ((char *[]){ "signetd", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "signetd", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, e, ...) sd_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, e)

static void test_accepted(void **state)
{
	struct sd_options o;
	struct sg_error e;

	(void)state;
	assert_int_equal(PARSE(&o, &e, "-c", "a.conf"), SG_OK);
	assert_string_equal(o.config, "a.conf");
	assert_null(o.spool_in);
	assert_false(o.watch || o.json || o.foreground);
	assert_int_equal(PARSE(&o, &e, "--json", "--spool", "in", "--out=out", "-cx.conf",
			       "--watch", "-f"), SG_OK);
	assert_string_equal(o.config, "x.conf");
	assert_string_equal(o.spool_in, "in");
	assert_string_equal(o.spool_out, "out");
	assert_true(o.watch && o.json && o.foreground);
	assert_int_equal(PARSE(&o, &e, "--config=c", "--foreground", "--spool=i", "--out", "o"),
			 SG_OK);
	assert_true(o.foreground);
	assert_int_equal(PARSE(&o, &e, "--help"), SG_OK);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, &e, "-V"), SG_OK);
	assert_true(o.version);
	assert_non_null(strstr(sd_options_usage(), "--spool IN_DIR"));
}

static void refused(int argc, char **argv, const char *why)
{
	struct sd_options o;
	struct sg_error e;

	sg_error_clear(&e);
	assert_int_equal(sd_options_parse(argc, argv, &o, &e), SG_E_ARG);
	assert_string_equal(e.msg, why);
}

#define REFUSED(why, ...) refused(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), why)

static void test_refused(void **state)
{
	(void)state;
	REFUSED("unknown option --spol (see --help)", "-c", "x", "--spol", "in");
	REFUSED("unknown option -x (see --help)", "-x");
	REFUSED("option -c needs a value", "-c");
	REFUSED("option --out needs a value", "-c", "x", "--spool", "i", "--out");
	REFUSED("option --config given twice", "-c", "a", "--config", "b");
	REFUSED("option --watch takes no value: --watch=yes", "-c", "a", "--watch=yes");
	REFUSED("unknown option -fx", "-fx");
	REFUSED("--spool=: the value must be a path of 1 to 4095 bytes", "-c", "a", "--spool=");
	REFUSED("--spool needs --out OUT_DIR", "-c", "a", "--spool", "in");
	REFUSED("--out needs --spool IN_DIR", "-c", "a", "--out", "o");
	REFUSED("--watch works only with --spool", "-c", "a", "--watch");
	REFUSED("--json works only with --spool", "-c", "a", "--json");
	REFUSED("--spool and --out must be different folders (both are d)", "-c", "a",
		"--spool", "d", "--out", "d");
	REFUSED("-c CONF is required (see --help)", "--spool", "i", "--out", "o");
	REFUSED("unexpected argument \"extra\" (see --help)", "-c", "a", "extra");
	REFUSED("unexpected argument \"-\" (see --help)", "-c", "a", "-");
	REFUSED("unknown option -- (see --help)", "-c", "a", "--");
}

static void test_long_value(void **state)
{
	static char path[SD_OPT_PATH_MAX + 1];

	(void)state;
	memset(path, 'p', SD_OPT_PATH_MAX - 1);
	path[SD_OPT_PATH_MAX - 1] = '\0';		/* 4095 bytes: fine */
	{
		struct sd_options o;
		struct sg_error e;

		assert_int_equal(PARSE(&o, &e, "-c", path), SG_OK);
	}
	path[SD_OPT_PATH_MAX - 1] = 'p';		/* 4096 bytes */
	REFUSED("-c: the value must be a path of 1 to 4095 bytes", "-c", path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_long_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
