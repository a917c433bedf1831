/*
 * NAME
 *   test_complete.c - unit tests for control/ctl/complete.c (the REPL's
 *                     tab completion and quit words, without a terminal)
 *
 * SUMMARY
 *   Candidates for a first word (every command's first word plus quit and
 *   exit), for a prefix, after complete words, for options and their
 *   values; no space after a lone "dkim_sign:" only; nothing after
 *   a line that does not split or a complete command. The readline form:
 *   a lone candidate alone, several with their common prefix first, NULL
 *   for none. The quit words with blanks and comments, and what is not one.
 */
#include "testutil.h"

#include "ctl.h"

static bool has(const struct ctl_completion *c, const char *word)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->word[i], word) == 0)
			return true;
	return false;
}

static void test_first_word(void **state)
{
	static const char *const firsts[] = { "version", "summary", "signing_stats",
					      "dkim_sign:", "dk_sign:", "keycache", "selector",
					      "dns", "config", "workers", "shutdown", "help",
					      "quit", "exit" };
	struct ctl_completion c;

	(void)state;
	ctl_complete("", "", &c);
	for (size_t i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++)
		if (!has(&c, firsts[i]))
			fail_msg("no \"%s\" among %zu first words", firsts[i], c.n);
	assert_false(c.no_space);
	ctl_completion_free(&c);
	assert_int_equal(c.n, 0);

	ctl_complete("  ", "s", &c);
	assert_true(has(&c, "summary") && has(&c, "selector") && has(&c, "shutdown") &&
		    has(&c, "signing_stats"));
	assert_false(has(&c, "version") || has(&c, "quit"));
	ctl_completion_free(&c);

	ctl_complete("", "e", &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.word[0], "exit");
	assert_false(c.no_space);
	ctl_completion_free(&c);
}

static void test_following_words(void **state)
{
	struct ctl_completion c;

	(void)state;
	ctl_complete("selector ", "", &c);
	assert_true(has(&c, "list") && has(&c, "show") && has(&c, "create") &&
		    has(&c, "enable") && has(&c, "disable") && has(&c, "rotate") &&
		    has(&c, "retire"));
	assert_false(has(&c, "quit"));		/* only as a first word */
	ctl_completion_free(&c);

	ctl_complete("selector ", "r", &c);
	assert_int_equal(c.n, 2);
	assert_true(has(&c, "retire") && has(&c, "rotate"));
	ctl_completion_free(&c);

	ctl_complete("'selector'  \"create\" s1 ", "--d", &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.word[0], "--domain");
	ctl_completion_free(&c);
	ctl_complete("selector create s1 --domain example.com --type ", "", &c);
	assert_int_equal(c.n, 2);
	assert_true(has(&c, "dkim") && has(&c, "domainkeys"));
	ctl_completion_free(&c);
	ctl_complete("dkim_sign:corp ", "", &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.word[0], "flush");
	ctl_completion_free(&c);

	ctl_complete("version ", "", &c);		/* complete already */
	assert_int_equal(c.n, 0);
	ctl_completion_free(&c);
	ctl_complete("selector 'open ", "", &c);	/* does not split */
	assert_int_equal(c.n, 0);
	ctl_complete("nosuch ", "", &c);
	assert_int_equal(c.n, 0);
}

/* "dk" completes to dkim_sign: and dk_sign: (no space after either alone). */
static void test_no_space(void **state)
{
	struct ctl_completion c;

	(void)state;
	ctl_complete("", "dki", &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.word[0], "dkim_sign:");
	assert_true(c.no_space);
	ctl_completion_free(&c);

	ctl_complete("", "dk", &c);
	assert_int_equal(c.n, 2);
	assert_false(c.no_space);
	ctl_completion_free(&c);

	ctl_complete("selector create s1 --domain example.com ", "--ty", &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.word[0], "--type");
	assert_false(c.no_space);
	ctl_completion_free(&c);
}

static void test_readline_form(void **state)
{
	struct ctl_completion c;
	char **m;

	(void)state;
	ctl_complete("selector ", "r", &c);
	m = ctl_completion_take(&c);
	assert_int_equal(c.n, 0);		/* moved */
	assert_non_null(m);
	assert_string_equal(m[0], "r");
	assert_true((strcmp(m[1], "retire") == 0 && strcmp(m[2], "rotate") == 0) ||
		    (strcmp(m[1], "rotate") == 0 && strcmp(m[2], "retire") == 0));
	assert_null(m[3]);
	for (size_t i = 0; m[i] != NULL; i++)
		free(m[i]);
	free(m);

	ctl_complete("", "ver", &c);
	m = ctl_completion_take(&c);
	assert_non_null(m);
	assert_string_equal(m[0], "version");
	assert_null(m[1]);
	free(m[0]);
	free(m);

	ctl_complete("", "zzz", &c);
	assert_null(ctl_completion_take(&c));
	ctl_completion_free(&c);
}

static void test_quit(void **state)
{
	static const char *const yes[] = { "quit", "exit", "  quit  ", "\texit\r\n", "'quit'",
					   "quit # bye" };
	static const char *const no[] = { "", "quit now", "qui", "quitt", "QUIT", "'quit",
					  "# quit", "help quit" };

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!ctl_is_quit(yes[i]))
			fail_msg("\"%s\" does not quit", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (ctl_is_quit(no[i]))
			fail_msg("\"%s\" quits", no[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_word),
		cmocka_unit_test(test_following_words),
		cmocka_unit_test(test_no_space),
		cmocka_unit_test(test_readline_form),
		cmocka_unit_test(test_quit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
