/*
 * NAME
 *   config_lexer.h - tokens of signet.conf with their line and column, and
 *                    the FILE:LINE:COLUMN error format (private to config/)
 *
 * SUMMARY
 *   sg_conf_lex returns one token at a time: a bare word, a quoted string,
 *   '{', '}', '=' or the end of the input. Whitespace (space, tab, LF,
 *   CR LF) and comments (# to the end of the line) are skipped; a UTF-8
 *   byte order mark at the very start is ignored.
 *   Positions are 1-based lines and columns; a column counts characters
 *   (a UTF-8 sequence or a tab is one column), so the column a message
 *   names is the one an editor shows.
 *   sg_conf_token_text decodes a token (escapes of a string) into a
 *   buffer; sg_conf_pos_advance finds the position of the k-th decoded
 *   byte of a value, for errors found inside a string.
 *   sg_conf_error formats "NAME:LINE:COLUMN: message" into a struct
 *   sg_error (line and byte offset recorded too); a position with line 0
 *   gives "NAME: message".
 *
 * UNTRUSTED INPUT
 *   The configuration text: any bytes. Strings and words are at most
 *   SG_CONF_TOKEN_MAX bytes; strings are valid UTF-8 without control bytes
 *   other than tab and end on the line they start.
 */
#ifndef SIGNET_CONTROL_CONFIG_LEXER_H
#define SIGNET_CONTROL_CONFIG_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"

#define SG_CONF_TOKEN_MAX 8191

struct sg_conf_pos {
	uint32_t line;		/* 1-based; 0 = no position (built-in values) */
	uint32_t col;		/* 1-based, in characters */
	uint64_t offset;	/* byte offset in the text */
};

struct sg_conf_src {
	const char *name;	/* the file name used in messages */
	const char *text;
	size_t len;
};

enum sg_conf_tok {
	SG_TOK_EOF,
	SG_TOK_WORD,		/* letters, digits, - _ . : / % */
	SG_TOK_STRING,		/* "..." with \" and \\ */
	SG_TOK_LBRACE,
	SG_TOK_RBRACE,
	SG_TOK_EQUALS,
};

struct sg_conf_token {
	enum sg_conf_tok kind;
	struct sg_conf_pos pos;	/* of its first byte (the quote of a string) */
	const char *raw;	/* in the source text */
	size_t raw_len;		/* a string's length includes both quotes */
};

struct sg_conf_lexer {
	const struct sg_conf_src *src;
	struct sg_conf_pos at;	/* the next byte to read */
};

void sg_conf_lexer_init(struct sg_conf_lexer *lx, const struct sg_conf_src *src);
SG_MUST_CHECK enum sg_err sg_conf_lex(struct sg_conf_lexer *lx, struct sg_conf_token *tok,
				      struct sg_error *err);

/* Appends the decoded text of a word or string token and a NUL. */
SG_MUST_CHECK enum sg_err sg_conf_token_text(const struct sg_conf_token *tok,
					     struct sg_buf *out);

/* Position of decoded byte k of the value whose token starts at 'start'
 * (quoted: 'start' is the opening quote); k = 0 gives 'start' itself, so
 * an error about a whole value points at its quote. */
struct sg_conf_pos sg_conf_pos_advance(const struct sg_conf_src *src, struct sg_conf_pos start,
				       bool quoted, size_t k);

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
size_t sg_conf_utf8_len(const unsigned char *p, size_t n);

/* Copies a value for quoting in a message: control bytes become '?', and
 * text longer than 48 bytes is cut (on a UTF-8 boundary) with "...". */
#define SG_CONF_QUOTE_CAP 56
const char *sg_conf_quote(const char *s, char out[SG_CONF_QUOTE_CAP]);

/* Records "NAME:LINE:COLUMN: message"; returns code. */
enum sg_err sg_conf_error(struct sg_error *err, const struct sg_conf_src *src,
			  struct sg_conf_pos pos, enum sg_err code, const char *fmt, ...)
	SG_PRINTF(5, 6);

#endif
