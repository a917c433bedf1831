/*
 * NAME
 *   test_command_pattern.c - unit tests for control/proto/command_pattern.c
 *
 * SUMMARY
 *   sg_pattern_parse: every row of the command table parses, the tokens
 *   of the richest rows (selector create, dkim_sign:<NAME>, an optional
 *   trailing placeholder), and malformed patterns are refused (empty,
 *   starting with a placeholder, a word after an option, an option without
 *   a value, an unclosed bracket, too many tokens, an over-long word).
 *   Completion (sg_command_complete): the first words in table order and
 *   without duplicates, prefixes, subcommands, the word after
 *   "dkim_sign:NAME", options not yet given, the choices of an option
 *   waiting for its value and of "--type=", help's argument, and nothing
 *   at a placeholder, after an unknown word, after a full command or past
 *   SG_CMD_MAX_ARGS words.
 */
#include "testutil.h"

#include "command_pattern.h"
#include "commands.h"

static void test_every_row_parses(void **state)
{
	size_t n;
	const struct sg_command *rows = sg_commands(&n);
	struct sg_pattern pt;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (!sg_pattern_parse(rows[i].pattern, &pt))
			fail_msg("pattern \"%s\" does not parse", rows[i].pattern);
		assert_true(pt.t[0].kind == SG_TOK_LIT || pt.t[0].kind == SG_TOK_LIT_ARG);
	}
}

static void test_tokens(void **state)
{
	struct sg_pattern pt;

	(void)state;
	assert_true(sg_pattern_parse("selector create <NAME> --domain <DOMAIN> [--type "
				     "dkim|domainkeys] [--bits <N>]", &pt));
	assert_int_equal(pt.n, 6);
	assert_int_equal(pt.nwords, 3);
	assert_int_equal(pt.t[0].kind, SG_TOK_LIT);
	assert_string_equal(pt.t[1].text, "create");
	assert_int_equal(pt.t[2].kind, SG_TOK_ARG);
	assert_string_equal(pt.t[2].value, "<NAME>");
	assert_int_equal(pt.t[3].kind, SG_TOK_OPTION);
	assert_string_equal(pt.t[3].text, "--domain");
	assert_string_equal(pt.t[3].value, "<DOMAIN>");
	assert_true(pt.t[3].required);
	assert_string_equal(pt.t[4].text, "--type");
	assert_string_equal(pt.t[4].value, "dkim|domainkeys");
	assert_false(pt.t[4].required);
	assert_string_equal(pt.t[5].value, "<N>");
	assert_int_equal(sg_pattern_find_option(&pt, "--bits=1", 6), 5);
	assert_int_equal(sg_pattern_find_option(&pt, "--bit", 5), pt.n);

	assert_true(sg_pattern_parse("dkim_sign:<NAME> flush keycache", &pt));
	assert_int_equal(pt.t[0].kind, SG_TOK_LIT_ARG);
	assert_string_equal(pt.t[0].text, "dkim_sign:");
	assert_string_equal(pt.t[0].value, "<NAME>");
	assert_int_equal(pt.nwords, 3);

	assert_true(sg_pattern_parse("dns test <NAME> [<DOMAIN>]", &pt));
	assert_int_equal(pt.t[3].kind, SG_TOK_OPT_ARG);
	assert_string_equal(pt.t[3].value, "<DOMAIN>");
}

static void test_malformed_patterns(void **state)
{
	static const char *const bad[] = {
		"", "<NAME>", "[<NAME>]", "a --opt <X> b", "a --opt", "a [--opt <X>",
		"a [--opt x|y", "a b c d e f g h i j k l m",
		"abcdefghijklmnopqrstuvwxyz0123456789",
	};
	struct sg_pattern pt;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sg_pattern_parse(bad[i], &pt))
			fail_msg("malformed pattern \"%s\" was accepted", bad[i]);
	assert_true(sg_pattern_parse("a b c d e f g h i j k l", &pt));
}

struct got {
	char text[1024];
	size_t n;
};

static void add(const char *word, void *arg)
{
	struct got *g = arg;
	size_t used = strlen(g->text);

	snprintf(g->text + used, sizeof(g->text) - used, "%s%s", g->n ? " " : "", word);
	g->n++;
}

/* Completes after the words of line (split at spaces) with prefix. */
static const char *complete(const char *line, const char *prefix)
{
	static struct got g;
	char copy[512], *save = NULL;
	const char *argv[SG_CMD_MAX_ARGS + 2];
	size_t argc = 0;

	memset(&g, 0, sizeof(g));
	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	sg_command_complete(argc, argv, prefix, add, &g);
	return g.text;
}

static void test_complete_first_words(void **state)
{
	(void)state;
	assert_string_equal(complete("", ""), "version summary signing_stats dkim_sign: dk_sign: "
			    "keycache selector dns config workers shutdown help");
	assert_string_equal(complete("", "sel"), "selector");
	assert_string_equal(complete("", "d"), "dkim_sign: dk_sign: dns");
	assert_string_equal(complete("", "dkim_sign:"), "dkim_sign:");
	assert_string_equal(complete("", "x"), "");
	assert_string_equal(complete("", NULL), complete("", ""));
}

static void test_complete_subcommands(void **state)
{
	(void)state;
	assert_string_equal(complete("selector", ""),
			    "list show create enable disable rotate retire");
	assert_string_equal(complete("selector", "r"), "rotate retire");
	assert_string_equal(complete("signing_stats", ""), "reset");
	assert_string_equal(complete("keycache", "f"), "flush");
	assert_string_equal(complete("dkim_sign:main", ""), "flush");
	assert_string_equal(complete("dk_sign:x flush", ""), "keycache");
	assert_string_equal(complete("dns", ""), "record test");
	assert_string_equal(complete("help", ""), complete("", ""));
	assert_string_equal(complete("help", "con"), "config");
}

static void test_complete_options(void **state)
{
	(void)state;
	assert_string_equal(complete("selector create s1", "--"),
			    "--domain --type --key-type --bits");
	assert_string_equal(complete("selector create s1 --domain example.com", "--"),
			    "--type --key-type --bits");
	assert_string_equal(complete("selector create s1 --domain=example.com --bits 2048", ""),
			    "--type --key-type");
	assert_string_equal(complete("selector create s1 --type", ""), "dkim domainkeys");
	assert_string_equal(complete("selector create s1 --key-type", "e"), "ed25519");
	assert_string_equal(complete("selector create s1", "--type=d"),
			    "--type=dkim --type=domainkeys");
	assert_string_equal(complete("selector create s1", "--key-type="),
			    "--key-type=rsa --key-type=ed25519");
	assert_string_equal(complete("selector create s1", "--t=d"), "");
	assert_string_equal(complete("selector create s1 --domain", ""), "");
}

static void test_complete_nothing(void **state)
{
	const char *argv[SG_CMD_MAX_ARGS + 1];
	struct got g;

	(void)state;
	assert_string_equal(complete("selector show", ""), "");
	assert_string_equal(complete("selector show s1", ""), "");
	assert_string_equal(complete("version", ""), "");
	assert_string_equal(complete("frobnicate", ""), "");
	assert_string_equal(complete("selector create s1 --size", ""), "");
	assert_string_equal(complete("signing_stats reset", ""), "");
	memset(&g, 0, sizeof(g));
	for (size_t i = 0; i <= SG_CMD_MAX_ARGS; i++)
		argv[i] = "help";
	sg_command_complete(SG_CMD_MAX_ARGS + 1, argv, "", add, &g);
	assert_int_equal(g.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_parses),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_malformed_patterns),
		cmocka_unit_test(test_complete_first_words),
		cmocka_unit_test(test_complete_subcommands),
		cmocka_unit_test(test_complete_options),
		cmocka_unit_test(test_complete_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
