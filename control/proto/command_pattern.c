/*
 * NAME
 *   command_pattern.c - the pattern language of the console's command table:
 *                       tokens, and what may follow typed words
 *                       (completion; see command_pattern.h)
 *
 * SUMMARY
 *   Patterns are the rows of commands.c, trusted text; a malformed one
 *   makes sg_pattern_parse fail (and a unit test). sg_pattern_next walks
 *   typed words through every row without judging placeholder values
 *   (that is sg_command_match's job), so completion works on half-typed
 *   lines.
 *
 * UNTRUSTED INPUT
 *   The typed words given to sg_command_complete (at most SG_CMD_MAX_ARGS;
 *   only compared and copied with bounds).
 */
#include <stdio.h>
#include <string.h>

#include "command_pattern.h"
#include "commands.h"

/* ---- patterns as tokens ---- */

static bool copy_piece(char *out, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* One pattern word (or, for an option, two) into a token; false if the
 * pattern is malformed (a test checks every row). */
static bool read_token(const char **sp, struct sg_tok *t)
{
	const char *s = *sp, *e = strchr(s, ' ');
	size_t n = e ? (size_t)(e - s) : strlen(s);
	bool bracket = s[0] == '[';
	const char *colon;

	memset(t, 0, sizeof(*t));
	*sp = s + n + (e ? 1 : 0);
	if (bracket && s[1] == '<' && s[n - 1] == ']') {
		t->kind = SG_TOK_OPT_ARG;
		return copy_piece(t->value, sizeof(t->value), s + 1, n - 2);
	}
	if (s[bracket] == '-' && s[bracket + 1] == '-') {
		t->kind = SG_TOK_OPTION;
		t->required = !bracket;
		if (e == NULL || !copy_piece(t->text, sizeof(t->text), s + bracket, n - bracket))
			return false;
		s = *sp;
		e = strchr(s, ' ');
		n = e ? (size_t)(e - s) : strlen(s);
		*sp = s + n + (e ? 1 : 0);
		if (bracket && (n < 2 || s[n - 1] != ']'))
			return false;
		return copy_piece(t->value, sizeof(t->value), s, n - bracket);
	}
	if (s[0] == '<') {
		t->kind = SG_TOK_ARG;
		return copy_piece(t->value, sizeof(t->value), s, n);
	}
	colon = memchr(s, ':', n);
	if (colon != NULL) {
		t->kind = SG_TOK_LIT_ARG;
		return copy_piece(t->text, sizeof(t->text), s, (size_t)(colon - s) + 1) &&
		       copy_piece(t->value, sizeof(t->value), colon + 1, n - (size_t)(colon - s) - 1);
	}
	t->kind = SG_TOK_LIT;
	return copy_piece(t->text, sizeof(t->text), s, n);
}

bool sg_pattern_parse(const char *s, struct sg_pattern *p)
{
	p->n = 0;
	p->nwords = 0;
	while (*s != '\0') {
		if (p->n == SG_PATTERN_MAX_TOKS || !read_token(&s, &p->t[p->n]))
			return false;
		if (p->t[p->n].kind != SG_TOK_OPTION) {
			if (p->nwords != p->n)
				return false;	/* words after options */
			p->nwords++;
		}
		p->n++;
	}
	return p->n > 0 && p->t[0].kind != SG_TOK_ARG && p->t[0].kind != SG_TOK_OPT_ARG;
}

static void cand_add(struct sg_pattern_next *c, const char *a, const char *b)
{
	char w[sizeof(c->w[0])];

	snprintf(w, sizeof(w), "%s%s", a, b);
	if (strncmp(w, c->prefix, strlen(c->prefix)) != 0)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->w[i], w) == 0)
			return;
	if (c->n < SG_PATTERN_MAX_NEXT)
		memcpy(c->w[c->n++], w, sizeof(w));
}

static void add_first_words(struct sg_pattern_next *c)
{
	size_t count;
	const struct sg_command *rows = sg_commands(&count);
	struct sg_pattern pt;

	for (size_t i = 0; i < count; i++) {
		if (!sg_pattern_parse(rows[i].pattern, &pt))
			continue;
		cand_add(c, pt.t[0].text, pt.t[0].kind == SG_TOK_LIT_ARG && c->display ?
			 pt.t[0].value : "");
	}
}

static bool word_fits(const struct sg_tok *t, const char *w)
{
	size_t n = strlen(t->text);

	if (t->kind == SG_TOK_LIT)
		return strcmp(w, t->text) == 0;
	if (t->kind == SG_TOK_LIT_ARG)
		return strncmp(w, t->text, n) == 0;
	return true;
}

size_t sg_pattern_find_option(const struct sg_pattern *pt, const char *w, size_t n)
{
	for (size_t j = pt->nwords; j < pt->n; j++)
		if (strlen(pt->t[j].text) == n && strncmp(pt->t[j].text, w, n) == 0)
			return j;
	return pt->n;
}

/* Adds each choice of an option, as "choice" or "--opt=choice". */
static void add_choices(struct sg_pattern_next *c, const struct sg_tok *t, bool with_name)
{
	char one[32], *save = NULL, *s;

	if (t->value[0] == '<')
		return;
	snprintf(one, sizeof(one), "%s", t->value);
	for (s = strtok_r(one, "|", &save); s != NULL; s = strtok_r(NULL, "|", &save)) {
		char w[64];

		snprintf(w, sizeof(w), "%s%s%s", with_name ? t->text : "", with_name ? "=" : "", s);
		cand_add(c, w, "");
	}
}

/* What may follow the complete words argv[0..argc) in one row. */
static void collect_row(const struct sg_pattern *pt, size_t argc, const char *const *argv,
			struct sg_pattern_next *c)
{
	bool seen[SG_PATTERN_MAX_TOKS] = { false };
	size_t k = 0, lits = 0, pending = pt->n;

	for (size_t i = 0; i < argc; i++) {
		const char *w = argv[i], *eq = strchr(w, '=');
		size_t j;

		if (i > 0 && w[0] == '-') {
			j = sg_pattern_find_option(pt, w, eq ? (size_t)(eq - w) : strlen(w));
			if (j == pt->n)
				return;
			seen[j] = true;
			if (eq == NULL && i + 1 == argc)
				pending = j;
			else if (eq == NULL)
				i++;
			continue;
		}
		if (k >= pt->nwords || !word_fits(&pt->t[k], w))
			return;
		k++;
	}
	if (pending < pt->n) {
		if (!c->literals_only)
			add_choices(c, &pt->t[pending], false);
		return;
	}
	if (k < pt->nwords) {
		const struct sg_tok *t = &pt->t[k];

		if (t->kind == SG_TOK_LIT || t->kind == SG_TOK_LIT_ARG)
			cand_add(c, t->text, t->kind == SG_TOK_LIT_ARG && c->display ? t->value : "");
		else if (strcmp(t->value, "<WORD>") == 0 && !c->literals_only)
			add_first_words(c);
	}
	while (lits < pt->nwords &&
	       (pt->t[lits].kind == SG_TOK_LIT || pt->t[lits].kind == SG_TOK_LIT_ARG))
		lits++;
	if (c->literals_only || k < lits || k == 0)
		return;
	for (size_t j = pt->nwords; j < pt->n; j++) {
		const char *eq = strchr(c->prefix, '=');

		if (seen[j])
			continue;
		if (eq != NULL && sg_pattern_find_option(pt, c->prefix, (size_t)(eq - c->prefix)) == j)
			add_choices(c, &pt->t[j], true);
		else if (eq == NULL)
			cand_add(c, pt->t[j].text, "");
	}
}

void sg_pattern_next(size_t argc, const char *const *argv, struct sg_pattern_next *c)
{
	size_t count;
	const struct sg_command *rows = sg_commands(&count);
	struct sg_pattern pt;

	for (size_t i = 0; i < count; i++)
		if (sg_pattern_parse(rows[i].pattern, &pt))
			collect_row(&pt, argc, argv, c);
}

void sg_command_complete(size_t argc, const char *const *argv, const char *prefix,
			 void (*add)(const char *word, void *arg), void *arg)
{
	struct sg_pattern_next c = { .prefix = prefix ? prefix : "" };

	if (argc > SG_CMD_MAX_ARGS)
		return;
	sg_pattern_next(argc, argv, &c);
	for (size_t i = 0; i < c.n; i++)
		add(c.w[i], arg);
}
