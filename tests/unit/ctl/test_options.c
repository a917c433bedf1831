/*
 * NAME
 *   test_options.c - unit tests for control/ctl/options.c
 *
 * SUMMARY
 *   Option parsing: the defaults, every option in its short, long and
 *   "--opt=value" forms, stopping at the first command word (the
 *   command's own options are left alone), "--". Errors with their exact
 *   message and status 2: unknown short (alone and inside a group) and
 *   long options, a value given to an option that takes none, a missing
 *   value, --timeout outside 1..3600 or not whole seconds. The socket
 *   choice: -s before -c before $SIGNET_SOCKET before the default, a
 *   relative socket in the config resolved against its folder, an empty
 *   or too long path, a config that does not load (its file:line:column
 *   message). The usage lists every option.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

#define ARGV(...) ((char *[]){ "signetctl", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "signetctl", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, why, ...) \
	ctl_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (why), sizeof(why))

static void test_defaults(void **state)
{
	char *argv[] = { "signetctl", NULL };
	struct ctl_options o;
	char why[256];

	(void)state;
	assert_int_equal(ctl_options_parse(1, argv, &o, why, sizeof(why)), CTL_OK);
	assert_null(o.socket);
	assert_null(o.config);
	assert_false(o.json || o.help || o.version || o.print_reference || o.print_man);
	assert_int_equal(o.timeout_ms, SG_CTL_DEFAULT_TIMEOUT_S * 1000);
	assert_int_equal(o.first_word, 1);
}

static void test_every_option(void **state)
{
	struct ctl_options o;
	char why[256];

	(void)state;
	assert_int_equal(PARSE(&o, why, "-s", "/a.sock", "-c", "x.conf", "--json", "--timeout",
			       "7", "-V", "-h", "--print-reference"), CTL_OK);
	assert_string_equal(o.socket, "/a.sock");
	assert_string_equal(o.config, "x.conf");
	assert_true(o.json && o.version && o.help && o.print_reference);
	assert_int_equal(o.timeout_ms, 7000);
	assert_int_equal(o.first_word, 11);

	assert_int_equal(PARSE(&o, why, "--socket=/b.sock", "--config", "y.conf",
			       "--timeout=3600", "--version", "--help"), CTL_OK);
	assert_string_equal(o.socket, "/b.sock");
	assert_string_equal(o.config, "y.conf");
	assert_int_equal(o.timeout_ms, 3600 * 1000);
	assert_true(o.version && o.help);
	assert_int_equal(o.first_word, 7);

	assert_false(o.print_man);
	assert_int_equal(PARSE(&o, why, "--print-man"), CTL_OK);
	assert_true(o.print_man);
	assert_false(o.print_reference);

	assert_int_equal(PARSE(&o, why, "-s/c.sock", "-Vh", "--timeout", "1"), CTL_OK);
	assert_string_equal(o.socket, "/c.sock");
	assert_true(o.version && o.help);
	assert_int_equal(o.timeout_ms, 1000);
}

/* Options stop at the first word: the rest belongs to the command. */
static void test_stops_at_command(void **state)
{
	struct ctl_options o;
	char why[256];

	(void)state;
	assert_int_equal(PARSE(&o, why, "--json", "selector", "create", "s1", "--domain",
			       "example.com", "-s", "x"), CTL_OK);
	assert_int_equal(o.first_word, 2);
	assert_null(o.socket);
	assert_int_equal(PARSE(&o, why, "version", "--json"), CTL_OK);
	assert_int_equal(o.first_word, 1);
	assert_false(o.json);
	assert_int_equal(PARSE(&o, why, "--", "--json"), CTL_OK);
	assert_int_equal(o.first_word, 2);
	assert_false(o.json);
}

struct bad_case {
	int argc;
	char **argv;
	const char *why;
};

static void test_bad_options(void **state)
{
	const struct bad_case bad[] = {
		{ ARGC("-x"), ARGV("-x"), "unknown option -x (see signetctl --help)" },
		{ ARGC("-xV"), ARGV("-xV"), "unknown option -x (see signetctl --help)" },
		{ ARGC("-Vq"), ARGV("-Vq"), "unknown option -q (see signetctl --help)" },
		{ ARGC("--bogus"), ARGV("--bogus"),
		  "unknown option --bogus (see signetctl --help)" },
		{ ARGC("--bogus=1"), ARGV("--bogus=1"),
		  "unknown option --bogus=1 (see signetctl --help)" },
		{ ARGC("--json=yes"), ARGV("--json=yes"), "option --json=yes takes no value" },
		{ ARGC("--help=1"), ARGV("--help=1"), "option --help=1 takes no value" },
		{ ARGC("-s"), ARGV("-s"), "option -s needs a value" },
		{ ARGC("--json", "-c"), ARGV("--json", "-c"), "option -c needs a value" },
		{ ARGC("--socket"), ARGV("--socket"), "option --socket needs a value" },
		{ ARGC("--timeout"), ARGV("--timeout"), "option --timeout needs a value" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ctl_options o;
		char why[256] = "";

		if (ctl_options_parse(bad[i].argc, bad[i].argv, &o, why, sizeof(why)) !=
		    CTL_USAGE)
			fail_msg("case %zu (%s) was accepted", i, bad[i].why);
		assert_string_equal(why, bad[i].why);
	}
}

static void test_timeout_bounds(void **state)
{
	static const char *const refused[] = { "0", "3601", "-1", "", "abc", "10s", " 5", "5 ",
					       "1.5", "+5", "99999", "000001", "4294967297" };
	static const struct { const char *arg; int ms; } accepted[] = {
		{ "1", 1000 }, { "30", 30000 }, { "3600", 3600000 }, { "00030", 30000 },
	};
	struct ctl_options o;
	char why[256], want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (PARSE(&o, why, "--timeout", (char *)refused[i]) != CTL_USAGE)
			fail_msg("--timeout \"%s\" was accepted", refused[i]);
		snprintf(want, sizeof(want),
			 "bad --timeout \"%s\": whole seconds from 1 to 3600", refused[i]);
		assert_string_equal(why, want);
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		assert_int_equal(PARSE(&o, why, "--timeout", (char *)accepted[i].arg), CTL_OK);
		assert_int_equal(o.timeout_ms, accepted[i].ms);
	}
	/* a long value is cut in the message */
	assert_int_equal(PARSE(&o, why, "--timeout", "1234567890123456789012345678901234567890"),
			 CTL_USAGE);
	assert_string_equal(why, "bad --timeout \"12345678901234567890123456789012\": whole "
			    "seconds from 1 to 3600");
}

static enum ctl_status pick(const char *socket, const char *config, char *out, char *why)
{
	struct ctl_options o = { .socket = socket, .config = config };

	return ctl_socket_path(&o, out, 108, why, 512);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_socket_choice(void **state)
{
	char dir[] = "/tmp/signetctl-opt-XXXXXX", conf[128], bad[128], out[108], why[512];
	char want[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/signet.conf", dir);
	snprintf(bad, sizeof(bad), "%s/bad.conf", dir);
	write_file(conf, "control { socket = \"run/c.sock\" }\n");
	write_file(bad, "control {\n  sokcet = \"/x\"\n}\n");

	setenv("SIGNET_SOCKET", "/env.sock", 1);
	assert_int_equal(pick("/s.sock", conf, out, why), CTL_OK);
	assert_string_equal(out, "/s.sock");
	assert_int_equal(pick(NULL, conf, out, why), CTL_OK);
	snprintf(want, sizeof(want), "%s/run/c.sock", dir);
	assert_string_equal(out, want);
	assert_int_equal(pick(NULL, NULL, out, why), CTL_OK);
	assert_string_equal(out, "/env.sock");
	setenv("SIGNET_SOCKET", "", 1);
	assert_int_equal(pick(NULL, NULL, out, why), CTL_OK);
	assert_string_equal(out, SG_CTL_DEFAULT_SOCKET);
	unsetenv("SIGNET_SOCKET");
	assert_int_equal(pick(NULL, NULL, out, why), CTL_OK);
	assert_string_equal(out, SG_CTL_DEFAULT_SOCKET);

	assert_int_equal(pick(NULL, bad, out, why), CTL_USAGE);
	snprintf(want, sizeof(want), "%s:2:3:", bad);
	if (strncmp(why, want, strlen(want)) != 0 || strstr(why, "sokcet") == NULL)
		fail_msg("config error: %s", why);
	snprintf(want, sizeof(want), "%s/missing.conf", dir);
	assert_int_equal(pick(NULL, want, out, why), CTL_USAGE);
	assert_non_null(strstr(why, "missing.conf"));
	unlink(conf);
	unlink(bad);
	rmdir(dir);
}

static void test_socket_path_limits(void **state)
{
	char path[200], out[108], why[512];

	(void)state;
	assert_int_equal(pick("", NULL, out, why), CTL_USAGE);
	assert_string_equal(why, "socket path \"\" is empty");
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[107] = '\0';		/* 107 bytes: the most sun_path holds */
	assert_int_equal(pick(path, NULL, out, why), CTL_OK);
	assert_string_equal(out, path);
	path[107] = 'a';
	path[108] = '\0';
	assert_int_equal(pick(path, NULL, out, why), CTL_USAGE);
	assert_non_null(strstr(why, "...\" is too long for a Unix socket (at most 107 bytes)"));
	setenv("SIGNET_SOCKET", path, 1);
	assert_int_equal(pick(NULL, NULL, out, why), CTL_USAGE);
	unsetenv("SIGNET_SOCKET");
}

static void test_usage_lists_options(void **state)
{
	char *text = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&text, &len);
	const struct ctl_option_doc *d = ctl_option_docs(&n);

	(void)state;
	assert_non_null(f);
	ctl_usage(f);
	fclose(f);
	assert_int_equal(strncmp(text, "usage: " SG_CTL_SYNOPSIS "\n", strlen(SG_CTL_SYNOPSIS) + 8),
			 0);
	assert_true(n >= 8);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(strstr(text, d[i].long_name));
		assert_non_null(strstr(text, d[i].help));
	}
	assert_non_null(strstr(text, "  -s, --socket SOCKET"));
	assert_non_null(strstr(text, "      --json "));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_stops_at_command),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_timeout_bounds),
		cmocka_unit_test(test_socket_choice),
		cmocka_unit_test(test_socket_path_limits),
		cmocka_unit_test(test_usage_lists_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
