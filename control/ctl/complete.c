/*
 * NAME
 *   complete.c - the REPL's tab completion and its "quit" words, without
 *                the line editor (see ctl.h)
 *
 * SUMMARY
 *   ctl_complete gets the line before the word under the cursor and that
 *   word's typed part. The line is split like any command line; the
 *   candidates are what the command table allows next
 *   (sg_command_complete), plus "quit" and "exit" as a first word. No
 *   space is to follow a lone candidate that ends in ':' or '='
 *   ("dkim_sign:", "--type="). ctl_completion_take hands the candidates
 *   over in the form readline wants.
 *
 * UNTRUSTED INPUT
 *   The typed line: cut by ctl_words_split (SG_CTL_LINE_MAX bytes,
 *   SG_CMD_MAX_ARGS words); an unsplittable line completes nothing.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Control plane. */
#include "ctl.h"

static const char *const quit_words[] = { "quit", "exit" };

static void add_candidate(const char *word, void *arg)
{
	struct ctl_completion *c = arg;
	char *copy;

	if (c->n == CTL_COMPLETE_MAX || (copy = strdup(word)) == NULL)
		return;
	c->word[c->n++] = copy;
}

void ctl_complete(const char *head, const char *text, struct ctl_completion *c)
{
	char store[SG_CTL_LINE_MAX + 1], why[128];
	const char *argv[SG_CMD_MAX_ARGS];
	size_t argc, typed = strlen(text);

	memset(c, 0, sizeof(*c));
	if (!ctl_words_split(head, store, sizeof(store), argv, SG_CMD_MAX_ARGS, &argc, why,
			     sizeof(why)))
		return;
	sg_command_complete(argc, argv, text, add_candidate, c);
	for (size_t i = 0; argc == 0 && i < sizeof(quit_words) / sizeof(quit_words[0]); i++)
		if (strncmp(quit_words[i], text, typed) == 0)
			add_candidate(quit_words[i], c);
	if (c->n == 1) {
		size_t n = strlen(c->word[0]);

		c->no_space = n > 0 && (c->word[0][n - 1] == ':' || c->word[0][n - 1] == '=');
	}
}

void ctl_completion_free(struct ctl_completion *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->word[i]);
	c->n = 0;
}

static size_t common_prefix(const struct ctl_completion *c)
{
	size_t common = strlen(c->word[0]);

	for (size_t i = 1; i < c->n; i++)
		for (size_t j = 0; j < common; j++)
			if (c->word[i][j] != c->word[0][j]) {
				common = j;
				break;
			}
	return common;
}

char **ctl_completion_take(struct ctl_completion *c)
{
	char **out;

	if (c->n == 0)
		return NULL;
	out = calloc(c->n + 2, sizeof(*out));
	if (out == NULL)
		goto fail;
	if (c->n == 1) {
		out[0] = c->word[0];
		c->n = 0;
		return out;
	}
	out[0] = strndup(c->word[0], common_prefix(c));
	if (out[0] == NULL)
		goto fail;
	memcpy(out + 1, c->word, c->n * sizeof(*out));
	c->n = 0;
	return out;
fail:
	free(out);
	ctl_completion_free(c);
	return NULL;
}

bool ctl_is_quit(const char *line)
{
	char store[SG_CTL_LINE_MAX + 1], why[128];
	const char *argv[2];
	size_t argc;

	if (!ctl_words_split(line, store, sizeof(store), argv, 2, &argc, why, sizeof(why)) ||
	    argc != 1)
		return false;
	for (size_t i = 0; i < sizeof(quit_words) / sizeof(quit_words[0]); i++)
		if (strcmp(argv[0], quit_words[i]) == 0)
			return true;
	return false;
}
