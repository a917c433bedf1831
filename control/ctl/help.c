/*
 * NAME
 *   help.c - the console's help, printed from the command table (see
 *            ctl.h)
 *
 * SUMMARY
 *   "help" lists every command's usage; "help WORD" explains the commands
 *   whose first word is WORD ("help dkim_sign" finds dkim_sign:<NAME>):
 *   usage, help text, and whether only root or the admin group may run
 *   it. With --json the same rows are one table (command, changes_state,
 *   help). ctl_wrap folds text for the terminal and the Markdown
 *   reference (reference.c).
 */

/* System library. */
#include <stdio.h>
#include <string.h>

/* Control plane. */
#include "ctl.h"


/* Length of the next unit of text: a word, or a whole "[...]" group. */
static size_t unit_len(const char *s)
{
	int depth = 0;
	size_t n;

	for (n = 0; s[n] != '\0' && (s[n] != ' ' || depth > 0); n++)
		depth += (s[n] == '[') - (s[n] == ']');
	return n;
}

void ctl_wrap(FILE *out, const char *text, int indent, int more)
{
	int col = 0;

	while (*text != '\0') {
		size_t n = unit_len(text);

		if (col > more && col + 1 + (int)n > CTL_WRAP_WIDTH) {
			fputc('\n', out);
			col = 0;
			indent = more;
		}
		if (col == 0)
			col = fprintf(out, "%*s", indent, "");
		else
			col += fprintf(out, " ");
		col += fprintf(out, "%.*s", (int)n, text);
		text += n;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

/* Does the row's first word (without ":<NAME>") equal word? */
static bool row_starts_with(const struct sg_command *c, const char *word)
{
	size_t n = strlen(word);

	return strncmp(c->pattern, word, n) == 0 &&
	       (c->pattern[n] == ' ' || c->pattern[n] == ':' || c->pattern[n] == '\0');
}

static bool help_json(FILE *out, const struct sg_command *rows, size_t count, const char *word)
{
	struct sg_table t;
	struct sg_buf text;
	bool any = false, ok;

	sg_table_init(&t, "help");
	sg_buf_init(&text, SG_WIRE_MAX);
	ok = sg_table_column(&t, "command", SG_COL_TEXT) == SG_OK &&
	     sg_table_column(&t, "changes_state", SG_COL_TEXT) == SG_OK &&
	     sg_table_column(&t, "help", SG_COL_TEXT) == SG_OK;
	for (size_t i = 0; ok && i < count; i++) {
		const char *cells[3] = { rows[i].pattern, rows[i].changes_state ? "yes" : "no",
					 rows[i].help };

		if (word != NULL && !row_starts_with(&rows[i], word))
			continue;
		any = true;
		ok = sg_table_row(&t, cells) == SG_OK;
	}
	if (ok && any && sg_table_render_json(&t, &text) == SG_OK)
		fwrite(text.data, 1, text.len, out);
	sg_buf_free(&text);
	sg_table_free(&t);
	return any;
}

bool ctl_help(FILE *out, const char *word, bool json)
{
	size_t count;
	const struct sg_command *rows = sg_commands(&count);
	bool any = false;

	if (json)
		return help_json(out, rows, count, word);
	for (size_t i = 0; i < count; i++) {
		if (word == NULL) {
			ctl_wrap(out, rows[i].pattern, 2, 6);
			continue;
		}
		if (!row_starts_with(&rows[i], word))
			continue;
		if (any)
			fputc('\n', out);
		any = true;
		ctl_wrap(out, rows[i].pattern, 0, 4);
		ctl_wrap(out, rows[i].help, 4, 4);
		if (rows[i].changes_state)
			ctl_wrap(out, "Changes state: only root or members of the admin group may "
			     "run it.", 4, 4);
	}
	if (word == NULL)
		fprintf(out, "\n\"help WORD\" explains the commands that start with WORD.\n");
	fflush(out);
	return any || word == NULL;
}
