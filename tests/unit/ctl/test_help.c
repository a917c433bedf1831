/*
 * NAME
 *   test_help.c - unit tests for control/ctl/help.c
 *
 * SUMMARY
 *   "help": every command's usage, in table order, two-space indented,
 *   then the hint line. "help WORD": the rows whose first word is WORD
 *   (a "dkim_sign:" row found by "dkim_sign", "dk_sign" not finding
 *   "dkim_sign"), each with its help and the changes-state line exactly
 *   when the row changes state; a prefix that is not a whole first word
 *   finds nothing and prints nothing. Lines stay within 78 columns. With
 *   JSON: one document with a row per command (command, changes_state,
 *   help), or the rows of WORD, or nothing.
 */
#include "testutil.h"

#include "ctl.h"
#include "ctl_testutil.h"

#define STATE_LINE "    Changes state: only root or members of the admin group may run it.\n"

static char *help_text(const char *word, bool json, bool *found)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	*found = ctl_help(f, word, json);
	fclose(f);
	return text;
}

static void assert_width(const char *text)
{
	for (const char *line = text; *line != '\0'; line = strchr(line, '\n') + 1) {
		size_t n = strcspn(line, "\n");

		if (n > 78)
			fail_msg("line of %zu columns: %.*s", n, (int)n, line);
		if (n > 0 && line[n - 1] == ' ')
			fail_msg("trailing blank: %.*s", (int)n, line);
	}
}

/* The first line of every usage, in table order. */
static void test_list(void **state)
{
	size_t n;
	const struct sg_command *rows = sg_commands(&n);
	const char *at;
	bool found;
	char *text = help_text(NULL, false, &found);

	(void)state;
	assert_true(found);
	at = text;
	for (size_t i = 0; i < n; i++) {
		char want[128];

		snprintf(want, sizeof(want), "  %.*s", (int)strcspn(rows[i].pattern, "["),
			 rows[i].pattern);
		at = strstr(at, want);
		if (at == NULL)
			fail_msg("\"%s\" missing or out of order", want);
	}
	assert_non_null(strstr(text, "\n      [--key-type rsa|ed25519] [--bits <N>]\n"));
	assert_non_null(strstr(text, "\n\n\"help WORD\" explains the commands that start with "
				     "WORD.\n"));
	assert_null(strstr(text, "Changes state"));
	assert_width(text);
	free(text);
}

static void test_word(void **state)
{
	size_t n, rows_selector = 0, changing = 0;
	const struct sg_command *rows = sg_commands(&n);
	bool found;
	char *text = help_text("selector", false, &found);

	(void)state;
	assert_true(found);
	for (size_t i = 0; i < n; i++) {
		char want[64];

		if (strncmp(rows[i].pattern, "selector ", 9) != 0) {
			char first[64];

			snprintf(first, sizeof(first), "\n%s", rows[i].pattern);
			assert_null(strstr(text, first));
			continue;
		}
		rows_selector++;
		changing += rows[i].changes_state;
		snprintf(want, sizeof(want), "\n    %.40s", rows[i].help);
		if (strstr(text, want) == NULL)
			fail_msg("no help for %s", rows[i].pattern);
	}
	assert_int_equal(rows_selector, 7);
	assert_int_equal(tu_count(text, STATE_LINE), changing);
	ctl_tu_starts_with(text, "selector list\n    Lists the selectors");
	assert_non_null(strstr(text, "selector show <NAME>\n    Shows one selector"));
	/* selector show changes nothing: its paragraph ends without the line */
	assert_non_null(strstr(text, "enabled.\n\nselector create"));
	assert_non_null(strstr(text, "    it.\n" STATE_LINE "\nselector enable"));
	assert_width(text);
	free(text);
}

static void test_scope_words(void **state)
{
	bool found;
	char *text = help_text("dkim_sign", false, &found);

	(void)state;
	assert_true(found);
	ctl_tu_starts_with(text, "dkim_sign:<NAME> flush keycache\n    Drops");
	assert_null(strstr(text, "dk_sign:"));
	assert_int_equal(tu_count(text, STATE_LINE), 1);
	free(text);
	text = help_text("dk_sign", false, &found);
	assert_true(found);
	ctl_tu_starts_with(text, "dk_sign:<NAME> flush keycache\n");
	assert_null(strstr(text, "dkim_sign:"));
	free(text);
	text = help_text("signing_stats", false, &found);
	assert_true(found);
	assert_int_equal(tu_count(text, "\nsigning_stats") + (text[0] == 's'), 2);
	free(text);
}

static void test_nothing_found(void **state)
{
	static const char *const words[] = { "sel", "selectors", "flush", "dkim", "<NAME>", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		bool found = true;
		char *text = help_text(words[i], false, &found);

		if (found || text[0] != '\0')
			fail_msg("help \"%s\" found something: %s", words[i], text);
		free(text);
		text = help_text(words[i], true, &found);
		assert_false(found);
		assert_string_equal(text, "");
		free(text);
	}
}

static void test_json(void **state)
{
	size_t n;
	bool found;
	char *text = help_text(NULL, true, &found);

	(void)state;
	(void)sg_commands(&n);
	assert_true(found);
	ctl_tu_starts_with(text, "{\"title\":\"help\",\"message\":\"\",\"rows\":[{\"command\":"
			   "\"version\",\"changes_state\":\"no\",\"help\":\"Shows");
	assert_int_equal(tu_count(text, "\"command\":"), n);
	assert_int_equal(tu_count(text, "\n"), 1);
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);

	text = help_text("keycache", true, &found);
	assert_true(found);
	assert_int_equal(tu_count(text, "\"command\":"), 2);
	assert_non_null(strstr(text, "{\"command\":\"keycache flush [<DOMAIN>]\","
				     "\"changes_state\":\"yes\",\"help\":\"Drops"));
	assert_non_null(strstr(text, "{\"command\":\"keycache list\",\"changes_state\":\"no\""));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_word),
		cmocka_unit_test(test_scope_words),
		cmocka_unit_test(test_nothing_found),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
