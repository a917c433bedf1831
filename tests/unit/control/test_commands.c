/*
 * NAME
 *   test_commands.c - unit tests for control/proto/commands.c
 *
 * SUMMARY
 *   The table: every id of enum sg_cmd_id has a row (SCOPE_FLUSH two), the
 *   rows the issue lists exist with these exact patterns, every row has
 *   help text, and changes_state is set exactly on the commands that
 *   change something. Matching: a filled-in instance of every row matches
 *   that row with the parameters it names; the parameters of each command
 *   (names, domains, scope kind, option defaults, --opt=value and options
 *   before words); bad input with the exact one-line message: empty and
 *   oversized argv, control bytes, unknown commands (with suggestions),
 *   unknown and missing subcommands, missing and extra arguments, bad
 *   domains and selectors, unknown, repeated and valueless options,
 *   choices, --bits bounds at and past each end, --bits with Ed25519.
 */
#include "testutil.h"

#include "commands.h"

#define WHY_CAP 512

/* Splits a line into words (in a static buffer) and matches it. */
static bool match_line(const char *line, struct sg_cmd_params *p, char *why)
{
	static char copy[2048];
	const char *argv[SG_CMD_MAX_ARGS + 4];
	size_t argc = 0;
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		assert_true(argc < SG_CMD_MAX_ARGS + 4);
		argv[argc++] = w;
	}
	why[0] = '\0';
	return sg_command_match(argc, argv, p, why, WHY_CAP);
}

static struct sg_cmd_params must_match(const char *line, enum sg_cmd_id id)
{
	struct sg_cmd_params p;
	char why[WHY_CAP];

	if (!match_line(line, &p, why))
		fail_msg("\"%s\" did not match: %s", line, why);
	assert_non_null(p.cmd);
	assert_int_equal(p.cmd->id, id);
	return p;
}

static void must_fail(const char *line, const char *expected)
{
	struct sg_cmd_params p;
	char why[WHY_CAP];

	if (match_line(line, &p, why))
		fail_msg("\"%s\" matched %s; expected: %s", line, p.cmd->pattern, expected);
	if (strcmp(why, expected) != 0)
		fail_msg("\"%s\"\n  gave:     %s\n  expected: %s", line, why, expected);
}

static const struct sg_command *row_with(const char *pattern)
{
	size_t n;
	const struct sg_command *rows = sg_commands(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].pattern, pattern) == 0)
			return &rows[i];
	fail_msg("no row \"%s\"", pattern);
	return NULL;
}

static void test_table_covers_every_id(void **state)
{
	size_t n, seen[SG_CMD_HELP + 1] = { 0 };
	const struct sg_command *rows = sg_commands(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_true(rows[i].id >= SG_CMD_VERSION && rows[i].id <= SG_CMD_HELP);
		seen[rows[i].id]++;
		assert_non_null(rows[i].help);
		assert_true(strlen(rows[i].help) > 10);
		assert_int_equal(rows[i].help[strlen(rows[i].help) - 1], '.');
	}
	for (int id = SG_CMD_VERSION; id <= SG_CMD_HELP; id++)
		assert_int_equal(seen[id], id == SG_CMD_SCOPE_FLUSH ? 2 : 1);
}

static void test_table_has_the_issue_commands(void **state)
{
	static const char *const patterns[] = {
		"version", "summary", "signing_stats [<DOMAIN>]", "signing_stats reset",
		"dkim_sign:<NAME> flush keycache", "dk_sign:<NAME> flush keycache",
		"keycache list", "keycache flush [<DOMAIN>]", "selector list",
		"selector show <NAME>",
		"selector create <NAME> --domain <DOMAIN> [--type dkim|domainkeys] "
		"[--key-type rsa|ed25519] [--bits <N>]",
		"selector enable <NAME> <DOMAIN>", "selector disable <NAME> <DOMAIN>",
		"selector rotate <DOMAIN> [--type dkim|domainkeys]", "selector retire <NAME>",
		"dns record <NAME> [<DOMAIN>]", "dns test <NAME> [<DOMAIN>]", "config check",
		"config reload", "workers", "shutdown", "help [<WORD>]",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		row_with(patterns[i]);
}

static void test_changes_state_flags(void **state)
{
	size_t n;
	const struct sg_command *rows = sg_commands(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		enum sg_cmd_id id = rows[i].id;
		bool changes = id == SG_CMD_SIGNING_STATS_RESET || id == SG_CMD_SCOPE_FLUSH ||
			       id == SG_CMD_KEYCACHE_FLUSH || id == SG_CMD_SELECTOR_CREATE ||
			       id == SG_CMD_SELECTOR_ENABLE || id == SG_CMD_SELECTOR_DISABLE ||
			       id == SG_CMD_SELECTOR_ROTATE || id == SG_CMD_SELECTOR_RETIRE ||
			       id == SG_CMD_CONFIG_RELOAD || id == SG_CMD_SHUTDOWN;

		if (rows[i].changes_state != changes)
			fail_msg("%s: changes_state is %d", rows[i].pattern, rows[i].changes_state);
	}
}

/* Every row, written out with values, matches that very row. */
static void test_every_row_matches_its_pattern(void **state)
{
	static const struct { const char *line, *pattern; } cases[] = {
		{ "version", "version" },
		{ "summary", "summary" },
		{ "signing_stats", "signing_stats [<DOMAIN>]" },
		{ "signing_stats example.com", "signing_stats [<DOMAIN>]" },
		{ "signing_stats reset", "signing_stats reset" },
		{ "dkim_sign:main flush keycache", "dkim_sign:<NAME> flush keycache" },
		{ "dk_sign:legacy flush keycache", "dk_sign:<NAME> flush keycache" },
		{ "keycache list", "keycache list" },
		{ "keycache flush", "keycache flush [<DOMAIN>]" },
		{ "keycache flush example.com", "keycache flush [<DOMAIN>]" },
		{ "selector list", "selector list" },
		{ "selector show s2024", "selector show <NAME>" },
		{ "selector create s2024 --domain example.com",
		  "selector create <NAME> --domain <DOMAIN> [--type dkim|domainkeys] "
		  "[--key-type rsa|ed25519] [--bits <N>]" },
		{ "selector enable s2024 example.com", "selector enable <NAME> <DOMAIN>" },
		{ "selector disable s2024 example.com", "selector disable <NAME> <DOMAIN>" },
		{ "selector rotate example.com", "selector rotate <DOMAIN> [--type dkim|domainkeys]" },
		{ "selector rotate example.com --type domainkeys",
		  "selector rotate <DOMAIN> [--type dkim|domainkeys]" },
		{ "selector retire s2024", "selector retire <NAME>" },
		{ "dns record s2024", "dns record <NAME> [<DOMAIN>]" },
		{ "dns record s2024 example.com", "dns record <NAME> [<DOMAIN>]" },
		{ "dns test s2024", "dns test <NAME> [<DOMAIN>]" },
		{ "dns test s2024 example.com", "dns test <NAME> [<DOMAIN>]" },
		{ "config check", "config check" },
		{ "config reload", "config reload" },
		{ "workers", "workers" },
		{ "shutdown", "shutdown" },
		{ "help", "help [<WORD>]" },
		{ "help selector", "help [<WORD>]" },
	};
	size_t n;

	(void)state;
	sg_commands(&n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sg_command *want = row_with(cases[i].pattern);
		struct sg_cmd_params p = must_match(cases[i].line, want->id);

		assert_ptr_equal(p.cmd, want);
	}
}

static void test_params_of_each_command(void **state)
{
	struct sg_cmd_params p;

	(void)state;
	p = must_match("dkim_sign:main flush keycache", SG_CMD_SCOPE_FLUSH);
	assert_string_equal(p.scope_kind, "dkim_sign");
	assert_string_equal(p.name, "main");
	p = must_match("dk_sign:old.scope-1 flush keycache", SG_CMD_SCOPE_FLUSH);
	assert_string_equal(p.scope_kind, "dk_sign");
	assert_string_equal(p.name, "old.scope-1");
	p = must_match("selector enable s1 Example.COM", SG_CMD_SELECTOR_ENABLE);
	assert_string_equal(p.name, "s1");
	assert_string_equal(p.domain, "Example.COM");
	p = must_match("dns test k_1.sub mail.example.org", SG_CMD_DNS_TEST);
	assert_string_equal(p.name, "k_1.sub");
	assert_string_equal(p.domain, "mail.example.org");
	p = must_match("dns record s1", SG_CMD_DNS_RECORD);
	assert_string_equal(p.domain, "");
	p = must_match("signing_stats example.net", SG_CMD_SIGNING_STATS);
	assert_string_equal(p.domain, "example.net");
	p = must_match("help dns", SG_CMD_HELP);
	assert_string_equal(p.word, "dns");
	p = must_match("keycache list", SG_CMD_KEYCACHE_LIST);
	assert_string_equal(p.name, "");
	assert_string_equal(p.type, "");
	assert_int_equal(p.bits, 0);
}

static void test_selector_create_options(void **state)
{
	struct sg_cmd_params p;

	(void)state;
	p = must_match("selector create s1 --domain example.com", SG_CMD_SELECTOR_CREATE);
	assert_string_equal(p.name, "s1");
	assert_string_equal(p.domain, "example.com");
	assert_string_equal(p.type, "dkim");
	assert_string_equal(p.key_type, "rsa");
	assert_int_equal(p.bits, 0);
	p = must_match("selector create --domain=example.com --type domainkeys s1 --bits=3072",
		       SG_CMD_SELECTOR_CREATE);
	assert_string_equal(p.name, "s1");
	assert_string_equal(p.domain, "example.com");
	assert_string_equal(p.type, "domainkeys");
	assert_int_equal(p.bits, 3072);
	p = must_match("selector create ed1 --key-type ed25519 --domain example.com",
		       SG_CMD_SELECTOR_CREATE);
	assert_string_equal(p.key_type, "ed25519");
	assert_int_equal(p.bits, 0);
	p = must_match("selector create s1 --domain example.com --bits 1024", SG_CMD_SELECTOR_CREATE);
	assert_int_equal(p.bits, 1024);
	p = must_match("selector create s1 --domain example.com --bits 4096", SG_CMD_SELECTOR_CREATE);
	assert_int_equal(p.bits, 4096);
	p = must_match("selector create s1 --domain example.com --bits 02048",
		       SG_CMD_SELECTOR_CREATE);
	assert_int_equal(p.bits, 2048);
}

static void test_bits_bounds(void **state)
{
	static const char *const bad[] = { "1023", "4097", "0", "-2048", "2048x", "+2048",
					   "4294969344", "99999999999999999999", "0x800", "" };
	char line[128], expected[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "selector create s1 --domain example.com --bits=%s",
			 bad[i]);
		snprintf(expected, sizeof(expected), "selector create s1: bad --bits \"%s\": a "
			 "number from 1024 to 4096", bad[i]);
		must_fail(line, expected);
	}
	must_fail("selector create s1 --domain example.com --bits 512",
		  "selector create s1: bad --bits \"512\": a number from 1024 to 4096");
	must_fail("selector create s1 --domain example.com --key-type ed25519 --bits 2048",
		  "selector create s1: --bits applies to RSA keys only");
}

static void test_option_errors(void **state)
{
	(void)state;
	must_fail("selector create s1",
		  "selector create s1: missing --domain <DOMAIN> (usage: selector create <NAME> "
		  "--domain <DOMAIN> [--type dkim|domainkeys] [--key-type rsa|ed25519] "
		  "[--bits <N>])");
	must_fail("selector create s1 --domain",
		  "selector create s1: --domain needs a value (<DOMAIN>)");
	must_fail("selector create s1 --domain a.com --domain b.com",
		  "selector create s1: --domain given twice");
	must_fail("selector create s1 --domain a.com --type dk",
		  "selector create s1: bad --type \"dk\" (one of: dkim|domainkeys)");
	must_fail("selector create s1 --domain a.com --key-type=dsa",
		  "selector create s1: bad --key-type \"dsa\" (one of: rsa|ed25519)");
	must_fail("selector create s1 --domain a.com --type=",
		  "selector create s1: bad --type \"\" (one of: dkim|domainkeys)");
	must_fail("selector create s1 --domain a.com --size 2048",
		  "selector create s1: unknown option \"--size\" (usage: selector create <NAME> "
		  "--domain <DOMAIN> [--type dkim|domainkeys] [--key-type rsa|ed25519] "
		  "[--bits <N>])");
	must_fail("selector create s1 --domain=a..com",
		  "selector create s1: bad domain \"a..com\": empty label at byte 3");
	must_fail("selector show s1 --verbose",
		  "selector show s1: unknown option \"--verbose\" (no options here)");
	must_fail("signing_stats -x", "signing_stats: unknown option \"-x\" (no options here)");
}

static void test_unknown_commands(void **state)
{
	(void)state;
	must_fail("versoin", "unknown command \"versoin\" (did you mean \"version\"?); try \"help\"");
	must_fail("selctor list",
		  "unknown command \"selctor\" (did you mean \"selector\"?); try \"help\"");
	must_fail("dkim_sign main flush keycache",
		  "unknown command \"dkim_sign\" (did you mean \"dkim_sign:<NAME>\"?); "
		  "try \"help\"");
	must_fail("frobnicate", "unknown command \"frobnicate\"; try \"help\"");
	must_fail("-s", "unknown command \"-s\"; try \"help\"");
	must_fail("", "no command given; try \"help\"");
}

static void test_subcommand_errors(void **state)
{
	(void)state;
	must_fail("selector", "selector: incomplete command, expected: list, show, create, enable, "
		  "disable, rotate, retire");
	must_fail("selector lst", "selector: unknown subcommand \"lst\" (did you mean \"list\"?); "
		  "expected: list, show, create, enable, disable, rotate, retire");
	must_fail("keycache drop", "keycache: unknown subcommand \"drop\"; expected: list, flush");
	must_fail("config", "config: incomplete command, expected: check, reload");
	must_fail("dkim_sign:main flush", "dkim_sign:main flush: incomplete command, expected: "
		  "keycache");
	must_fail("dkim_sign:main flush cache", "dkim_sign:main flush: unknown word \"cache\"; "
		  "expected: keycache");
	must_fail("dkim_sign: flush keycache", "dkim_sign: needs a scope name (dkim_sign:<NAME>)");
}

static void test_argument_errors(void **state)
{
	(void)state;
	must_fail("selector show", "selector show: missing <NAME> (usage: selector show <NAME>)");
	must_fail("selector enable s1",
		  "selector enable s1: missing <DOMAIN> (usage: selector enable <NAME> <DOMAIN>)");
	must_fail("selector list all",
		  "selector list: unexpected argument \"all\" (usage: selector list)");
	must_fail("signing_stats reset now",
		  "signing_stats reset: unexpected argument \"now\" (usage: signing_stats reset)");
	must_fail("dns test s1 example.com extra", "dns test s1 example.com: unexpected argument "
		  "\"extra\" (usage: dns test <NAME> [<DOMAIN>])");
	must_fail("version 2", "version: unexpected argument \"2\" (usage: version)");
}

static void test_bad_names(void **state)
{
	char line[600], label[70], name[300];

	(void)state;
	must_fail("selector show a..b", "selector show: bad selector \"a..b\": empty label at byte 3");
	must_fail("selector show .s", "selector show: bad selector \".s\": empty label at byte 1");
	must_fail("signing_stats example.com.",
		  "signing_stats: bad domain \"example.com.\": empty label at byte 13");
	must_fail("signing_stats ex-.com",
		  "signing_stats: bad domain \"ex-.com\": '-' ending a label at byte 3");
	must_fail("signing_stats -ex.com", "signing_stats: unknown option \"-ex.com\" "
		  "(no options here)");
	must_fail("signing_stats a.-ex.com",
		  "signing_stats: bad domain \"a.-ex.com\": label starting with '-' at byte 3");
	must_fail("selector rotate b\xc3\xbc" "cher.de", "selector rotate: bad domain "
		  "\"b\xc3\xbc" "cher.de\": byte 0xc3 at 2 is not a letter, digit, '-', '_' or '.' "
		  "(use the xn-- form)");
	must_fail("selector rotate example.com --type ed25519", "selector rotate example.com: "
		  "bad --type \"ed25519\" (one of: dkim|domainkeys)");
	must_fail("selector retire s/1", "selector retire: bad selector \"s/1\": byte 0x2f at 2 "
		  "is not a letter, digit, '-', '_' or '.'");
	/* A 63-byte label is fine, 64 is not. */
	memset(label, 'a', 64);
	label[63] = '\0';
	snprintf(line, sizeof(line), "selector show %s", label);
	must_match(line, SG_CMD_SELECTOR_SHOW);
	label[63] = 'a';
	label[64] = '\0';
	snprintf(line, sizeof(line), "selector show %s", label);
	must_fail(line, "selector show: bad selector \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaa\": label longer than 63 bytes at byte 64");
	/* 253 bytes of domain are fine, 254 are not. */
	memset(name, 0, sizeof(name));
	for (size_t i = 0; i < 253; i++)
		name[i] = i % 50 == 49 ? '.' : 'b';
	snprintf(line, sizeof(line), "signing_stats %s", name);
	must_match(line, SG_CMD_SIGNING_STATS);
	name[253] = 'b';
	snprintf(line, sizeof(line), "signing_stats %s", name);
	must_fail(line, "signing_stats: domain is 254 bytes long (at most 253)");
}

static void test_word_limits(void **state)
{
	const char *argv[SG_CMD_MAX_ARGS + 1];
	char why[WHY_CAP], long_word[SG_CMD_WORD_MAX + 1];
	struct sg_cmd_params p;

	(void)state;
	for (size_t i = 0; i <= SG_CMD_MAX_ARGS; i++)
		argv[i] = "version";
	assert_false(sg_command_match(SG_CMD_MAX_ARGS + 1, argv, &p, why, sizeof(why)));
	assert_string_equal(why, "too many words: 17 (at most 16)");
	assert_false(sg_command_match(SG_CMD_MAX_ARGS, argv, &p, why, sizeof(why)));
	assert_string_equal(why, "version: unexpected argument \"version\" (usage: version)");

	memset(long_word, 'x', SG_CMD_WORD_MAX);
	long_word[SG_CMD_WORD_MAX] = '\0';
	argv[0] = "help";
	argv[1] = long_word;
	assert_false(sg_command_match(2, argv, &p, why, sizeof(why)));
	assert_string_equal(why, "word 2 is too long (1 to 255 bytes)");
	long_word[SG_CMD_WORD_MAX - 1] = '\0';
	assert_true(sg_command_match(2, argv, &p, why, sizeof(why)));
	assert_int_equal(strlen(p.word), SG_CMD_WORD_MAX - 1);

	argv[1] = "";
	assert_false(sg_command_match(2, argv, &p, why, sizeof(why)));
	assert_string_equal(why, "word 2 is empty (1 to 255 bytes)");
	argv[0] = "sel\x1b[2Jector";
	assert_false(sg_command_match(1, argv, &p, why, sizeof(why)));
	assert_string_equal(why, "word 1: control byte 0x1b at byte 4");
	argv[0] = "version\x7f";
	assert_false(sg_command_match(1, argv, &p, why, sizeof(why)));
	assert_string_equal(why, "word 1: control byte 0x7f at byte 8");
	assert_false(sg_command_match(0, argv, &p, why, sizeof(why)));
	assert_string_equal(why, "no command given; try \"help\"");
}

/* A small why buffer truncates, never overflows. */
static void test_small_why_buffer(void **state)
{
	const char *argv[] = { "selector", "show" };
	struct sg_cmd_params p;
	char why[12];

	(void)state;
	memset(why, 'Z', sizeof(why));
	assert_false(sg_command_match(2, argv, &p, why, 8));
	assert_string_equal(why, "selecto");
	assert_int_equal(why[8], 'Z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_covers_every_id),
		cmocka_unit_test(test_table_has_the_issue_commands),
		cmocka_unit_test(test_changes_state_flags),
		cmocka_unit_test(test_every_row_matches_its_pattern),
		cmocka_unit_test(test_params_of_each_command),
		cmocka_unit_test(test_selector_create_options),
		cmocka_unit_test(test_bits_bounds),
		cmocka_unit_test(test_option_errors),
		cmocka_unit_test(test_unknown_commands),
		cmocka_unit_test(test_subcommand_errors),
		cmocka_unit_test(test_argument_errors),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_word_limits),
		cmocka_unit_test(test_small_why_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
