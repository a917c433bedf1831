/*
 * NAME
 *   command_pattern.h - the pattern language of the console's command
 *                       table (private to commands.c and command_pattern.c)
 *
 * SUMMARY
 *   sg_pattern_parse reads a row's pattern (see commands.c) into tokens:
 *   the words first (literals, "lit:<X>", "<X>", a trailing "[<X>]"), then
 *   the options ("--name <X>" required, "[--name a|b]" optional).
 *   sg_pattern_next collects, over every row, what may follow some typed
 *   words: the next literal, the choices of an option waiting for its
 *   value, the options not given yet. Completion and the "expected: ..."
 *   part of error messages both come from it.
 */
#ifndef SIGNET_CONTROL_COMMAND_PATTERN_H
#define SIGNET_CONTROL_COMMAND_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

enum sg_tok_kind {
	SG_TOK_LIT,		/* selector */
	SG_TOK_LIT_ARG,		/* dkim_sign:<NAME>  (text "dkim_sign:", value "<NAME>") */
	SG_TOK_ARG,		/* <NAME> */
	SG_TOK_OPT_ARG,		/* [<DOMAIN>] */
	SG_TOK_OPTION,		/* --domain <DOMAIN>  or  [--type dkim|domainkeys] */
};

struct sg_tok {
	enum sg_tok_kind kind;
	char text[32];		/* literal, literal prefix with ':', option name */
	char value[32];		/* placeholder "<X>" or choices "a|b" */
	bool required;		/* options */
};

#define SG_PATTERN_MAX_TOKS 12

struct sg_pattern {
	struct sg_tok t[SG_PATTERN_MAX_TOKS];
	size_t n;		/* all tokens */
	size_t nwords;		/* tokens before the first option */
};

/* false when the pattern is malformed (a unit test checks every row). */
bool sg_pattern_parse(const char *s, struct sg_pattern *p);

/* The option token named by w[0..n) ("--bits"), or p->n when none. */
size_t sg_pattern_find_option(const struct sg_pattern *p, const char *w, size_t n);

#define SG_PATTERN_MAX_NEXT 48

struct sg_pattern_next {
	char w[SG_PATTERN_MAX_NEXT][48];
	size_t n;
	const char *prefix;	/* only words starting with it */
	bool literals_only;	/* for error messages: no options, no choices */
	bool display;		/* "dkim_sign:<NAME>" rather than "dkim_sign:" */
};

/* Adds to out the words that may follow the complete words argv[0..argc),
 * over every row of the command table, without duplicates. */
void sg_pattern_next(size_t argc, const char *const *argv, struct sg_pattern_next *out);

#endif
