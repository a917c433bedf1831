/*
 * NAME
 *   repl.c - signetctl's interactive console: line editing, history and
 *            tab completion with libedit (see ctl.h)
 *
 * SUMMARY
 *   Connects first (no daemon: the error line and status 2), prints who
 *   answered, then reads lines at the prompt "signet> " until "quit",
 *   "exit" or end of input, running each with ctl_run_line. History is
 *   kept in ~/.signetctl_history (made private by ctl_history_prepare
 *   first, at most HISTORY_MAX lines, written after every command; none
 *   when HOME is unset or the file is not safe). Tab completion is
 *   ctl_complete's (complete.c); this file only wires libedit to it.
 *
 * UNTRUSTED INPUT
 *   Typed lines (ctl_run_line) and the history file (read by libedit).
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Line editing. */
#include <editline/readline.h>

/* Control plane. */
#include "ctl.h"

#define PROMPT "signet> "
#define HISTORY_MAX 1000

static char **complete(const char *text, int start, int end)
{
	char head[SG_CTL_LINE_MAX];
	struct ctl_completion c;
	char **matches;

	(void)end;
	rl_attempted_completion_over = 1;	/* never file names */
	snprintf(head, sizeof(head), "%.*s", start, rl_line_buffer);
	ctl_complete(head, text, &c);
	rl_completion_append_character = c.no_space ? '\0' : ' ';
	matches = ctl_completion_take(&c);
	ctl_completion_free(&c);
	return matches;
}

/* The history file, or NULL (no HOME, or a file not safe to write). */
static const char *open_history(struct ctl_session *s, char *path, size_t cap)
{
	char why[512];

	if (!ctl_history_path(getenv("HOME"), path, cap))
		return NULL;
	if (!ctl_history_prepare(path, why, sizeof(why))) {
		fprintf(s->err, "signetctl: no history kept: %s\n", why);
		return NULL;
	}
	read_history(path);
	return path;
}

enum ctl_status ctl_repl(struct ctl_session *s)
{
	char msg[1024], hpath[4096];
	const char *history;
	char *line;

	if (!ctl_client_connect(&s->client, msg, sizeof(msg))) {
		fprintf(s->err, "signetctl: %s\n", msg);
		return CTL_USAGE;
	}
	fprintf(s->out, "Connected to %s at %s. \"help\" lists the commands, \"quit\" leaves.\n",
		s->client.server_version, s->client.path);
	rl_readline_name = "signetctl";
	rl_basic_word_break_characters = " \t";
	rl_attempted_completion_function = complete;
	using_history();
	stifle_history(HISTORY_MAX);
	history = open_history(s, hpath, sizeof(hpath));
	while ((line = readline(PROMPT)) != NULL) {
		if (ctl_is_quit(line)) {
			free(line);
			break;
		}
		if (line[strspn(line, " \t")] != '\0') {
			add_history(line);
			if (history != NULL)
				write_history(history);
			ctl_run_line(s, line);
		}
		free(line);
	}
	if (line == NULL)
		fputc('\n', s->out);
	return CTL_OK;
}
