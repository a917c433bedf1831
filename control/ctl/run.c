/*
 * NAME
 *   run.c - running console commands: local checks, help, the request,
 *           the answer printed, the exit status (see ctl.h)
 *
 * SUMMARY
 *   A command line is matched against the command table first, so a
 *   typing error is a usage error (status 2) that never reaches the
 *   daemon; help is answered here. Otherwise the session's connection is
 *   used (made on first use, made again after the daemon went away) and
 *   the answer printed: the table as aligned text or one JSON document,
 *   the daemon's refusal as one line on stderr (status 1). A command that
 *   ran but reports a failure (dns test: anything but "found and
 *   matching") prints its table and gives status 1.
 *
 * UNTRUSTED INPUT
 *   Typed lines (ctl_words_split, sg_command_match) and decoded answers
 *   (rendered by sg_table_render_*, which show control bytes as '?').
 */

/* System library. */
#include <stdio.h>
#include <string.h>

/* Control plane. */
#include "ctl.h"

#define DNS_TEST_GOOD "found and matching"

void ctl_session_init(struct ctl_session *s, const char *socket, int timeout_ms, bool json)
{
	memset(s, 0, sizeof(*s));
	ctl_client_init(&s->client, socket, timeout_ms);
	s->json = json;
	s->out = stdout;
	s->err = stderr;
	s->where = "";
}

void ctl_session_close(struct ctl_session *s)
{
	ctl_client_close(&s->client);
}

static ssize_t find_column(const struct sg_table *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->col_name[c], name) == 0)
			return (ssize_t)c;
	return -1;
}

/* dns test answers one row per record tested, its verdict in the "result"
 * column: the command succeeded when there is at least one row and every
 * verdict is DNS_TEST_GOOD. Other commands report failure by ERROR. */
bool ctl_answer_failed(const struct sg_cmd_params *p, const struct sg_table *t)
{
	ssize_t col;

	if (p->cmd->id != SG_CMD_DNS_TEST)
		return false;
	col = find_column(t, "result");
	if (col < 0 || t->nrows == 0)
		return true;
	for (size_t r = 0; r < t->nrows; r++)
		if (strcmp(t->cells[r * t->ncols + (size_t)col], DNS_TEST_GOOD) != 0)
			return true;
	return false;
}

static enum ctl_status print_table(struct ctl_session *s, const struct sg_table *t)
{
	struct sg_buf text;
	enum sg_err rc;

	sg_buf_init(&text, SG_WIRE_MAX * 4);
	rc = s->json ? sg_table_render_json(t, &text) : sg_table_render_text(t, &text);
	if (rc == SG_OK)
		fwrite(text.data, 1, text.len, s->out);
	else
		fprintf(s->err, "signetctl: %scannot print the answer: %s\n", s->where,
			sg_err_name(rc));
	fflush(s->out);
	sg_buf_free(&text);
	return rc == SG_OK ? CTL_OK : CTL_FAILED;
}

enum ctl_status ctl_run_words(struct ctl_session *s, size_t argc, const char *const *argv)
{
	struct sg_cmd_params p;
	struct sg_table t;
	char msg[1024];
	enum ctl_status st;

	s->unreachable = false;
	if (!sg_command_match(argc, argv, &p, msg, sizeof(msg))) {
		fprintf(s->err, "signetctl: %s%s\n", s->where, msg);
		return CTL_USAGE;
	}
	if (p.cmd->id == SG_CMD_HELP) {
		if (ctl_help(s->out, p.word[0] ? p.word : NULL, s->json))
			return CTL_OK;
		fprintf(s->err, "signetctl: %shelp: no command starts with \"%s\"; try \"help\"\n",
			s->where, p.word);
		return CTL_USAGE;
	}
	switch (ctl_client_request(&s->client, &p, argc, argv, &t, msg, sizeof(msg))) {
	case CTL_ANSWER_RESULT:
		st = print_table(s, &t);
		if (st == CTL_OK && ctl_answer_failed(&p, &t))
			st = CTL_FAILED;
		break;
	case CTL_ANSWER_ERROR:
		fprintf(s->err, "signetctl: %s%s\n", s->where, msg);
		st = CTL_FAILED;
		break;
	default:
		fprintf(s->err, "signetctl: %s%s\n", s->where, msg);
		s->unreachable = true;
		st = CTL_USAGE;
		break;
	}
	sg_table_free(&t);
	return st;
}

enum ctl_status ctl_run_line(struct ctl_session *s, const char *line)
{
	char store[SG_CTL_LINE_MAX + 1], why[256];	/* a line's words take one byte more */
	const char *argv[SG_CMD_MAX_ARGS];
	size_t argc;

	s->unreachable = false;
	if (!ctl_words_split(line, store, sizeof(store), argv, SG_CMD_MAX_ARGS, &argc, why,
			     sizeof(why))) {
		fprintf(s->err, "signetctl: %s%s\n", s->where, why);
		return CTL_USAGE;
	}
	if (argc == 0)
		return CTL_OK;
	return ctl_run_words(s, argc, argv);
}

enum line_read { LINE_OK, LINE_LONG, LINE_NUL, LINE_END };

/* Reads one line without its '\n' into buf (cap bytes with the NUL). A
 * line too long or holding a NUL byte is read to its end and reported;
 * *nul_col is then the NUL's column (from 1). LINE_END: no more lines. */
static enum line_read read_line(FILE *in, char *buf, size_t cap, size_t *nul_col)
{
	enum line_read r = LINE_OK;
	size_t n = 0, col = 0;
	int ch;

	while ((ch = getc(in)) != EOF && ch != '\n') {
		col++;
		if (r != LINE_OK)
			continue;
		if (ch == '\0') {
			*nul_col = col;
			r = LINE_NUL;
		} else if (n + 1 == cap) {
			r = LINE_LONG;
		} else {
			buf[n++] = (char)ch;
		}
	}
	buf[n] = '\0';
	return ch == EOF && col == 0 ? LINE_END : r;
}

enum ctl_status ctl_run_script(struct ctl_session *s, FILE *in)
{
	char line[SG_CTL_LINE_MAX + 1], where[48];
	enum ctl_status worst = CTL_OK, st = CTL_OK;
	unsigned long lineno = 0;
	enum line_read r;
	size_t nul_col = 0;

	s->where = where;
	while ((r = read_line(in, line, sizeof(line), &nul_col)) != LINE_END) {
		snprintf(where, sizeof(where), "line %lu: ", ++lineno);
		if (r == LINE_LONG)
			fprintf(s->err, "signetctl: %sline too long (at most %d bytes)\n", where,
				SG_CTL_LINE_MAX);
		else if (r == LINE_NUL)
			fprintf(s->err, "signetctl: %sNUL byte at column %zu\n", where, nul_col);
		st = r == LINE_OK ? ctl_run_line(s, line) : CTL_USAGE;
		if (st > worst)
			worst = st;
		if (s->unreachable)
			break;
	}
	s->where = "";
	return worst;
}
