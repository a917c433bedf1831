/*
 * NAME
 *   test_words.c - unit tests for control/ctl/words.c
 *
 * SUMMARY
 *   A table of typed lines and the words they give: blanks (space, tab,
 *   CR, LF) in any number, single quotes (backslash and '#' kept), double
 *   quotes (backslash escapes), quotes in the middle of a word, empty
 *   quoted words, escaped blanks, comments only at the start of a word.
 *   Errors with their exact one-line reason: an open quote of either kind,
 *   a backslash at the end, one word too many (and exactly max accepted),
 *   words one byte past the store (and exactly filling it accepted).
 */
#include "testutil.h"

#include "ctl.h"

#define MAXW 8

struct split_case {
	const char *line;
	size_t argc;
	const char *words[MAXW];
};

static const struct split_case good[] = {
	{ "", 0, { NULL } },
	{ " \t \r\n", 0, { NULL } },
	{ "# only a comment", 0, { NULL } },
	{ "   #indented comment 'open", 0, { NULL } },
	{ "version", 1, { "version" } },
	{ "  selector\tshow   s1 \r\n", 3, { "selector", "show", "s1" } },
	{ "selector show s1 # the old one", 3, { "selector", "show", "s1" } },
	{ "a#b c#", 2, { "a#b", "c#" } },
	{ "'two words' \"and three words\"", 2, { "two words", "and three words" } },
	{ "'a\\b # c'", 1, { "a\\b # c" } },
	{ "\"a\\\"b\\\\c\"", 1, { "a\"b\\c" } },
	{ "\"it's\" 'say \"hi\"'", 2, { "it's", "say \"hi\"" } },
	{ "--domain='exa mple'.com x", 2, { "--domain=exa mple.com", "x" } },
	{ "'' \"\" x", 3, { "", "", "x" } },
	{ "a\\ b c\\#d \\#e", 3, { "a b", "c#d", "#e" } },
	{ "\\'q\\'", 1, { "'q'" } },
	{ "1 2 3 4 5 6 7 8", 8, { "1", "2", "3", "4", "5", "6", "7", "8" } },
};

static void test_splits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char store[256], why[128] = "";
		const char *argv[MAXW];
		size_t argc = 99;

		if (!ctl_words_split(good[i].line, store, sizeof(store), argv, MAXW, &argc, why,
				     sizeof(why)))
			fail_msg("\"%s\": %s", good[i].line, why);
		if (argc != good[i].argc)
			fail_msg("\"%s\": %zu words, expected %zu", good[i].line, argc,
				 good[i].argc);
		for (size_t w = 0; w < argc; w++)
			if (strcmp(argv[w], good[i].words[w]) != 0)
				fail_msg("\"%s\": word %zu is \"%s\", expected \"%s\"",
					 good[i].line, w, argv[w], good[i].words[w]);
	}
}

struct bad_case {
	const char *line;
	const char *why;
};

static const struct bad_case bad[] = {
	{ "selector show 's1", "no closing '" },
	{ "selector show \"s1", "no closing \"" },
	{ "say \"it\\\"", "no closing \"" },
	{ "say it\\", "backslash at the end of the line" },
	{ "say 'it\\' x'", "no closing '" },
	{ "version \\", "backslash at the end of the line" },
	{ "1 2 3 4 5 6 7 8 9", "too many words (at most 8)" },
	{ "1 2 3 4 5 6 7 8 #", NULL },	/* the comment is not a word */
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char store[256], why[128] = "";
		const char *argv[MAXW];
		size_t argc;
		bool ok = ctl_words_split(bad[i].line, store, sizeof(store), argv, MAXW, &argc,
					  why, sizeof(why));

		if (bad[i].why == NULL) {
			assert_true(ok);
			continue;
		}
		if (ok)
			fail_msg("\"%s\" was accepted", bad[i].line);
		assert_string_equal(why, bad[i].why);
	}
}

/* "abc de" needs 4 + 3 bytes of store: 7 fits, 6 does not. */
static void test_store_bounds(void **state)
{
	char store[7], why[128];
	const char *argv[MAXW];
	size_t argc;

	(void)state;
	assert_true(ctl_words_split("abc de", store, 7, argv, MAXW, &argc, why, sizeof(why)));
	assert_int_equal(argc, 2);
	assert_string_equal(argv[1], "de");
	assert_false(ctl_words_split("abc de", store, 6, argv, MAXW, &argc, why, sizeof(why)));
	assert_string_equal(why, "line too long: its words do not fit in 6 bytes");
	assert_false(ctl_words_split("abcdefg", store, 7, argv, MAXW, &argc, why, sizeof(why)));
	assert_string_equal(why, "line too long: its words do not fit in 7 bytes");
}

/* A whole console line of one word fills a console-sized store but for
 * its NUL; the quotes around it take no room. */
static void test_console_line(void **state)
{
	char line[SG_CTL_LINE_MAX + 3], store[SG_CTL_LINE_MAX], why[128];
	const char *argv[SG_CMD_MAX_ARGS];
	size_t argc;

	(void)state;
	line[0] = '\'';
	memset(line + 1, 'x', SG_CTL_LINE_MAX - 1);
	line[SG_CTL_LINE_MAX] = '\'';
	line[SG_CTL_LINE_MAX + 1] = '\0';
	assert_true(ctl_words_split(line, store, sizeof(store), argv, SG_CMD_MAX_ARGS, &argc,
				    why, sizeof(why)));
	assert_int_equal(argc, 1);
	assert_int_equal(strlen(argv[0]), SG_CTL_LINE_MAX - 1);
	line[SG_CTL_LINE_MAX] = 'x';
	line[SG_CTL_LINE_MAX + 1] = '\0';
	assert_false(ctl_words_split(line + 1, store, sizeof(store), argv, SG_CMD_MAX_ARGS,
				     &argc, why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splits),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_store_bounds),
		cmocka_unit_test(test_console_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
