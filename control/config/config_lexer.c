/*
 * NAME
 *   config_lexer.c - tokens of signet.conf (see config_lexer.h)
 *
 * SUMMARY
 *   A hand-written scanner over the whole text. Every refusal names the
 *   offending byte and its position: a NUL or other control byte, a
 *   carriage return without a line feed, a non-ASCII byte outside quotes
 *   or comments, invalid UTF-8 inside them, an unterminated string, an
 *   unknown escape, a word or string over SG_CONF_TOKEN_MAX bytes.
 *
 * UNTRUSTED INPUT
 *   The configuration text (its length is checked by the caller). Work is
 *   linear in the text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_lexer.h"
#include "lex.h"

#define NAME_SHOWN_MAX 96	/* longer file names are cut at the front */

void sg_conf_lexer_init(struct sg_conf_lexer *lx, const struct sg_conf_src *src)
{
	lx->src = src;
	lx->at.line = 1;
	lx->at.col = 1;
	lx->at.offset = 0;
	if (src->len >= 3 && memcmp(src->text, "\xef\xbb\xbf", 3) == 0)
		lx->at.offset = 3;
}

size_t sg_conf_utf8_len(const unsigned char *p, size_t n)
{
	size_t need;
	unsigned min;
	unsigned cp;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 2, min = 0x80, cp = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3, min = 0x800, cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4, min = 0x10000, cp = p[0] & 0x07u;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

static const unsigned char *byte_at(const struct sg_conf_lexer *lx)
{
	return (const unsigned char *)lx->src->text + lx->at.offset;
}

static size_t bytes_left(const struct sg_conf_lexer *lx)
{
	return lx->src->len - (size_t)lx->at.offset;
}

/* Moves over n bytes that form one character (or over a newline). */
static void step(struct sg_conf_lexer *lx, size_t n)
{
	if (*byte_at(lx) == '\n') {
		lx->at.line++;
		lx->at.col = 1;
	} else {
		lx->at.col++;
	}
	lx->at.offset += n;
}

static enum sg_err bad_byte(struct sg_conf_lexer *lx, struct sg_error *err, const char *where)
{
	unsigned char c = *byte_at(lx);

	if (c == '\0')
		return sg_conf_error(err, lx->src, lx->at, SG_E_SYNTAX, "NUL byte%s", where);
	if (c == '\r')
		return sg_conf_error(err, lx->src, lx->at, SG_E_SYNTAX,
				     "carriage return not followed by a line feed");
	if (c < 0x20 || c == 0x7f)
		return sg_conf_error(err, lx->src, lx->at, SG_E_SYNTAX,
				     "control byte 0x%02x%s", c, where);
	if (*where == '\0')
		return sg_conf_error(err, lx->src, lx->at, SG_E_SYNTAX,
				     "unexpected byte 0x%02x (non-ASCII text must be quoted)", c);
	return sg_conf_error(err, lx->src, lx->at, SG_E_SYNTAX,
			     "invalid UTF-8 byte 0x%02x%s", c, where);
}

/* Moves over one character of a comment or string: UTF-8, tab allowed. */
static enum sg_err step_text(struct sg_conf_lexer *lx, struct sg_error *err, const char *where)
{
	unsigned char c = *byte_at(lx);
	size_t n;

	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return bad_byte(lx, err, where);
	n = sg_conf_utf8_len(byte_at(lx), bytes_left(lx));
	if (n == 0)
		return bad_byte(lx, err, where);
	step(lx, n);
	return SG_OK;
}

static enum sg_err skip_comment(struct sg_conf_lexer *lx, struct sg_error *err)
{
	while (bytes_left(lx) > 0) {
		unsigned char c = *byte_at(lx);
		enum sg_err rc;

		if (c == '\n' || (c == '\r' && bytes_left(lx) > 1 && byte_at(lx)[1] == '\n'))
			return SG_OK;
		rc = step_text(lx, err, " in a comment");
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

/* Skips whitespace, line ends and comments. */
static enum sg_err skip_space(struct sg_conf_lexer *lx, struct sg_error *err)
{
	while (bytes_left(lx) > 0) {
		unsigned char c = *byte_at(lx);
		enum sg_err rc;

		if (c == ' ' || c == '\t' || c == '\n') {
			step(lx, 1);
		} else if (c == '\r') {
			if (bytes_left(lx) < 2 || byte_at(lx)[1] != '\n')
				return bad_byte(lx, err, "");
			lx->at.offset++;	/* the LF that follows ends the line */
		} else if (c == '#') {
			rc = skip_comment(lx, err);
			if (rc != SG_OK)
				return rc;
		} else {
			return SG_OK;
		}
	}
	return SG_OK;
}

static bool is_word_byte(unsigned char c)
{
	return sg_lex_is_alpha(c) || sg_lex_is_digit(c) || c == '-' || c == '_' || c == '.' ||
	       c == ':' || c == '/' || c == '%';
}

static enum sg_err lex_string(struct sg_conf_lexer *lx, struct sg_conf_token *tok,
			      struct sg_error *err)
{
	size_t decoded = 0;
	enum sg_err rc;

	step(lx, 1);	/* the opening quote */
	for (;;) {
		unsigned char c = bytes_left(lx) ? *byte_at(lx) : '\n';

		if (c == '\n' || (c == '\r' && bytes_left(lx) > 1 && byte_at(lx)[1] == '\n'))
			return sg_conf_error(err, lx->src, tok->pos, SG_E_SYNTAX,
					     "unterminated string (a string ends on the line "
					     "where it starts)");
		if (c == '"')
			break;
		if (++decoded > SG_CONF_TOKEN_MAX)
			return sg_conf_error(err, lx->src, tok->pos, SG_E_LIMIT,
					     "string longer than %d bytes", SG_CONF_TOKEN_MAX);
		if (c == '\\') {
			unsigned char e = bytes_left(lx) > 1 ? byte_at(lx)[1] : '\n';

			if (e != '"' && e != '\\')
				return sg_conf_error(err, lx->src, lx->at, SG_E_SYNTAX,
						     "unknown escape in a string (only \\\" and "
						     "\\\\ are escapes)");
			step(lx, 1);
			step(lx, 1);
			continue;
		}
		rc = step_text(lx, err, " in a string");
		if (rc != SG_OK)
			return rc;
	}
	step(lx, 1);	/* the closing quote */
	tok->kind = SG_TOK_STRING;
	return SG_OK;
}

static enum sg_err lex_word(struct sg_conf_lexer *lx, struct sg_conf_token *tok,
			    struct sg_error *err)
{
	size_t n = 0;

	while (bytes_left(lx) > 0 && is_word_byte(*byte_at(lx))) {
		if (++n > SG_CONF_TOKEN_MAX)
			return sg_conf_error(err, lx->src, tok->pos, SG_E_LIMIT,
					     "word longer than %d bytes", SG_CONF_TOKEN_MAX);
		step(lx, 1);
	}
	tok->kind = SG_TOK_WORD;
	return SG_OK;
}

enum sg_err sg_conf_lex(struct sg_conf_lexer *lx, struct sg_conf_token *tok,
			struct sg_error *err)
{
	enum sg_err rc = skip_space(lx, err);
	unsigned char c;

	if (rc != SG_OK)
		return rc;
	tok->pos = lx->at;
	tok->raw = lx->src->text + lx->at.offset;
	tok->raw_len = 0;
	tok->kind = SG_TOK_EOF;
	if (bytes_left(lx) == 0)
		return SG_OK;
	c = *byte_at(lx);
	if (c == '{' || c == '}' || c == '=') {
		tok->kind = c == '{' ? SG_TOK_LBRACE : c == '}' ? SG_TOK_RBRACE : SG_TOK_EQUALS;
		step(lx, 1);
	} else if (c == '"') {
		rc = lex_string(lx, tok, err);
	} else if (is_word_byte(c)) {
		rc = lex_word(lx, tok, err);
	} else if (c < 0x20 || c >= 0x7f) {
		rc = bad_byte(lx, err, "");
	} else {
		rc = sg_conf_error(err, lx->src, lx->at, SG_E_SYNTAX,
				   "unexpected character '%c'", c);
	}
	tok->raw_len = (size_t)(lx->at.offset - tok->pos.offset);
	return rc;
}

enum sg_err sg_conf_token_text(const struct sg_conf_token *tok, struct sg_buf *out)
{
	enum sg_err rc = SG_OK;

	if (tok->kind != SG_TOK_STRING) {
		rc = sg_buf_append(out, tok->raw, tok->raw_len);
		return rc == SG_OK ? sg_buf_putc(out, '\0') : rc;
	}
	for (size_t i = 1; i + 1 < tok->raw_len && rc == SG_OK; i++) {
		if (tok->raw[i] == '\\')
			i++;
		rc = sg_buf_putc(out, tok->raw[i]);
	}
	return rc == SG_OK ? sg_buf_putc(out, '\0') : rc;
}

struct sg_conf_pos sg_conf_pos_advance(const struct sg_conf_src *src, struct sg_conf_pos start,
				       bool quoted, size_t k)
{
	struct sg_conf_pos p = start;
	const unsigned char *t = (const unsigned char *)src->text;

	if (start.line == 0 || k == 0)
		return start;	/* the whole value: its first byte or quote */
	if (quoted) {
		p.offset++;
		p.col++;
	}
	while (k > 0 && p.offset < src->len && t[p.offset] != '\n' &&
	       !(quoted && t[p.offset] == '"')) {
		size_t raw = 1, decoded = 1;

		if (quoted && t[p.offset] == '\\') {
			raw = 2;	/* two columns, one byte of the value */
			p.col++;
		}
		while (raw == decoded && p.offset + raw < src->len &&
		       (t[p.offset + raw] & 0xc0) == 0x80)
			raw++, decoded++;
		if (decoded > k)
			break;
		p.offset += raw;
		p.col++;
		k -= decoded;
	}
	return p;
}

const char *sg_conf_quote(const char *s, char out[SG_CONF_QUOTE_CAP])
{
	size_t n = 0;

	for (; s[n] != '\0' && n < SG_CONF_QUOTE_CAP - 8; n++)
		out[n] = ((unsigned char)s[n] < 0x20 || s[n] == 0x7f) ? '?' : s[n];
	if (s[n] != '\0') {
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;	/* do not cut a UTF-8 sequence */
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

enum sg_err sg_conf_error(struct sg_error *err, const struct sg_conf_src *src,
			  struct sg_conf_pos pos, enum sg_err code, const char *fmt, ...)
{
	const char *name = src->name ? src->name : "<config>";
	size_t name_len = strlen(name);
	const char *cut = "";
	char msg[sizeof(err->msg)];
	va_list ap;

	if (err == NULL)
		return code;
	if (name_len > NAME_SHOWN_MAX) {
		name += name_len - NAME_SHOWN_MAX;
		cut = "...";
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pos.line == 0)
		return sg_error_set(err, code, 0, pos.offset, "%s%s: %s", cut, name, msg);
	return sg_error_set(err, code, pos.line, pos.offset, "%s%s:%u:%u: %s", cut, name,
			    (unsigned)pos.line, (unsigned)pos.col, msg);
}
