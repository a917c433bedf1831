/*
 * NAME
 *   repl.c - signetctl's interactive console: line editing, history and
 *            tab completion with libedit (see ctl.h)
 *
 * SUMMARY
 *   Connects first (no daemon: the error line and status 2), prints who
 *   answered, then reads lines at the prompt "signet> " until "quit",
 *   "exit" or end of input, running each with ctl_run_line. History is
 *   kept in ~/.signetctl_history (mode 0600, at most HISTORY_MAX lines,
 *   written after every command; none when HOME is unset). Tab completes
 *   from the command table (sg_command_complete): no space is added after
 *   a word that ends in ':' or '=' ("dkim_sign:", "--type=").
 *
 * UNTRUSTED INPUT
 *   Typed lines (ctl_run_line) and the history file (read by libedit).
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Line editing. */
#include <editline/readline.h>

/* Control plane. */
#include "ctl.h"

#define PROMPT "signet> "
#define HISTORY_FILE ".signetctl_history"
#define HISTORY_MAX 1000
#define MAX_MATCHES 64

struct matches {
	char *w[MAX_MATCHES];
	size_t n;
};

static void add_match(const char *word, void *arg)
{
	struct matches *m = arg;
	char *copy;

	if (m->n == MAX_MATCHES || (copy = strdup(word)) == NULL)
		return;
	m->w[m->n++] = copy;
}

/* The readline form: [0] what replaces the typed word (the longest common
 * prefix), then the matches, then NULL; one match alone is [0]. */
static char **readline_matches(struct matches *m)
{
	char **out;
	size_t common;

	if (m->n == 0)
		return NULL;
	out = calloc(m->n + 2, sizeof(*out));
	if (out == NULL)
		goto fail;
	if (m->n == 1) {
		out[0] = m->w[0];
		return out;
	}
	common = strlen(m->w[0]);
	for (size_t i = 1; i < m->n; i++)
		for (size_t j = 0; j < common; j++)
			if (m->w[i][j] != m->w[0][j]) {
				common = j;
				break;
			}
	out[0] = strndup(m->w[0], common);
	if (out[0] == NULL)
		goto fail;
	memcpy(out + 1, m->w, m->n * sizeof(*out));
	return out;
fail:
	free(out);
	for (size_t i = 0; i < m->n; i++)
		free(m->w[i]);
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	char head[SG_CTL_LINE_MAX], store[SG_CTL_LINE_MAX], why[128];
	const char *argv[SG_CMD_MAX_ARGS];
	struct matches m = { .n = 0 };
	size_t argc;

	(void)end;
	rl_attempted_completion_over = 1;	/* never file names */
	rl_completion_append_character = ' ';
	snprintf(head, sizeof(head), "%.*s", start, rl_line_buffer);
	if (!ctl_words_split(head, store, sizeof(store), argv, SG_CMD_MAX_ARGS, &argc, why,
			     sizeof(why)))
		return NULL;
	sg_command_complete(argc, argv, text, add_match, &m);
	if (argc == 0) {
		if (strncmp("quit", text, strlen(text)) == 0)
			add_match("quit", &m);
		if (strncmp("exit", text, strlen(text)) == 0)
			add_match("exit", &m);
	}
	if (m.n == 1 && strchr(":=", m.w[0][strlen(m.w[0]) - 1]) != NULL)
		rl_completion_append_character = '\0';
	return readline_matches(&m);
}

static bool history_path(char *out, size_t cap)
{
	const char *home = getenv("HOME");

	if (home == NULL || home[0] == '\0')
		return false;
	return (size_t)snprintf(out, cap, "%s/%s", home, HISTORY_FILE) < cap;
}

static void save_history(const char *path)
{
	if (path == NULL)
		return;
	if (write_history(path) == 0)
		chmod(path, 0600);
}

static bool is_quit(const char *line)
{
	char store[SG_CTL_LINE_MAX], why[128];
	const char *argv[2];
	size_t argc;

	return ctl_words_split(line, store, sizeof(store), argv, 2, &argc, why, sizeof(why)) &&
	       argc == 1 && (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0);
}

enum ctl_status ctl_repl(struct ctl_session *s)
{
	char msg[1024], hpath[4096];
	const char *history = history_path(hpath, sizeof(hpath)) ? hpath : NULL;
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
	if (history != NULL)
		read_history(history);
	while ((line = readline(PROMPT)) != NULL) {
		if (is_quit(line)) {
			free(line);
			break;
		}
		if (line[strspn(line, " \t")] != '\0') {
			add_history(line);
			save_history(history);
			ctl_run_line(s, line);
		}
		free(line);
	}
	if (line == NULL)
		fputc('\n', s->out);
	return CTL_OK;
}
