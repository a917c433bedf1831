/*
 * NAME
 *   smtp_reply.c - incremental SMTP reply parser and reply formatter (see
 *                  smtp_reply.h)
 *
 * SUMMARY
 *   The parser copies one line at a time into a fixed buffer (at most
 *   max_line octets), checks its code against the reply's first line and
 *   appends its text to the reply. The formatter writes every server reply
 *   of the relay, so that one function decides how replies look.
 *
 * UNTRUSTED INPUT
 *   Reply bytes from the next hop: bounded per line and per reply, NUL and
 *   malformed codes refused. Pass-through text: sanitised on output.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "smtp_reply.h"

void sg_smtp_reply_parser_init(struct sg_smtp_reply_parser *rp, size_t max_line,
			       unsigned max_lines)
{
	memset(rp, 0, sizeof(*rp));
	rp->max_line = max_line ? max_line : SG_SMTP_REPLY_LINE_DEFAULT;
	if (rp->max_line > SG_SMTP_REPLY_LINE_CAP)
		rp->max_line = SG_SMTP_REPLY_LINE_CAP;
	if (rp->max_line < 5)
		rp->max_line = 5;	/* "ddd" CRLF */
	rp->max_lines = max_lines ? max_lines : SG_SMTP_REPLY_LINES_DEFAULT;
	sg_buf_init(&rp->reply.text, rp->max_line * (size_t)rp->max_lines);
}

void sg_smtp_reply_parser_free(struct sg_smtp_reply_parser *rp)
{
	sg_buf_free(&rp->reply.text);
}

void sg_smtp_reply_next(struct sg_smtp_reply_parser *rp)
{
	rp->complete = false;
	rp->reply.code = 0;
	rp->reply.enhanced[0] = '\0';
	rp->reply.lines = 0;
	sg_buf_reset(&rp->reply.text);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1-3 digits at s; returns how many, 0 if none or more than three. */
static size_t digits(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_digit(s[i]))
		i++;
	return i <= 3 ? i : 0;
}

bool sg_smtp_enhanced_valid(const char *s, size_t len, unsigned klass)
{
	size_t a, b;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return false;
	if (klass != 0 && (unsigned)(s[0] - '0') != klass)
		return false;
	a = digits(s + 2, len - 2);
	if (a == 0 || 2 + a >= len || s[2 + a] != '.')
		return false;
	b = digits(s + 3 + a, len - 3 - a);
	return b != 0 && 3 + a + b == len;
}

/* Length of an enhanced code of the class at the start of text, or 0. */
static size_t leading_enhanced(const char *text, size_t n, unsigned klass)
{
	size_t end = 0;

	while (end < n && text[end] != ' ')
		end++;
	if (end >= SG_SMTP_ENHANCED_MAX || !sg_smtp_enhanced_valid(text, end, klass))
		return 0;
	return end;
}

static enum sg_err line_error(struct sg_smtp_reply_parser *rp, struct sg_error *err,
			      enum sg_err code, const char *why)
{
	rp->failed = true;
	return sg_error_set(err, code, rp->reply.lines + 1, rp->offset,
			    "reply line %u: %s", rp->reply.lines + 1, why);
}

/* Records the code and enhanced code of a first line; checks later ones. */
static enum sg_err check_code(struct sg_smtp_reply_parser *rp, const char *l, size_t n,
			      struct sg_error *err)
{
	unsigned code;

	if (n < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '5' || !is_digit(l[2]))
		return line_error(rp, err, SG_E_SYNTAX, "no reply code");
	if (n > 3 && l[3] != ' ' && l[3] != '-')
		return line_error(rp, err, SG_E_SYNTAX, "reply code not followed by SP or '-'");
	code = (unsigned)(l[0] - '0') * 100 + (unsigned)(l[1] - '0') * 10 + (unsigned)(l[2] - '0');
	if (rp->reply.lines > 0 && code != rp->reply.code)
		return line_error(rp, err, SG_E_SYNTAX, "code differs from the first line's");
	if (rp->reply.lines >= rp->max_lines)
		return line_error(rp, err, SG_E_LIMIT, "too many lines in one reply");
	rp->reply.code = code;
	return SG_OK;
}

/* One complete line (terminator removed) into the reply. */
static enum sg_err take_line(struct sg_smtp_reply_parser *rp, struct sg_error *err)
{
	const char *l = rp->line, *text;
	size_t n = rp->line_len, tn, enh;
	enum sg_err rc;

	if (n > 0 && l[n - 1] == '\r')
		n--;
	if (memchr(l, '\0', n) != NULL)
		return line_error(rp, err, SG_E_SYNTAX, "NUL byte");
	rc = check_code(rp, l, n, err);
	if (rc != SG_OK)
		return rc;
	text = n > 4 ? l + 4 : "";
	tn = n > 4 ? n - 4 : 0;
	enh = leading_enhanced(text, tn, sg_smtp_reply_class(rp->reply.code));
	if (enh > 0 && rp->reply.lines == 0) {
		memcpy(rp->reply.enhanced, text, enh);
		rp->reply.enhanced[enh] = '\0';
	}
	if (enh > 0 && enh == strlen(rp->reply.enhanced) &&
	    memcmp(text, rp->reply.enhanced, enh) == 0) {
		text += enh;
		tn -= enh;
		if (tn > 0) {
			text++;
			tn--;
		}
	}
	if ((rp->reply.lines > 0 && sg_buf_putc(&rp->reply.text, '\n') != SG_OK) ||
	    sg_buf_append(&rp->reply.text, text, tn) != SG_OK)
		return line_error(rp, err, SG_E_LIMIT, "reply text too long");
	rp->reply.lines++;
	rp->complete = n == 3 || l[3] == ' ';
	return SG_OK;
}

enum sg_err sg_smtp_reply_feed(struct sg_smtp_reply_parser *rp, const uint8_t *data,
			       size_t len, size_t *used, struct sg_error *err)
{
	size_t i = 0;
	enum sg_err rc = SG_OK;

	*used = 0;
	if (rp->failed)
		return sg_error_set(err, SG_E_STATE, 0, rp->offset,
				    "reply stream already failed");
	while (i < len && !rp->complete && rc == SG_OK) {
		uint8_t c = data[i++];

		rp->offset++;
		if (c == '\n') {
			rc = take_line(rp, err);
			rp->line_len = 0;
		} else if (rp->line_len + 2 > rp->max_line) {
			rc = line_error(rp, err, SG_E_LIMIT, "line too long");
		} else {
			rp->line[rp->line_len++] = (char)c;
		}
	}
	*used = i;
	return rc;
}

/* One sanitised line of a reply into line (size >= 440). */
static size_t format_line(char *line, unsigned code, bool last, const char *enhanced,
			  const char *text, size_t tn)
{
	size_t n = (size_t)snprintf(line, 8, "%03u%c", code, last ? ' ' : '-');

	if (enhanced && enhanced[0]) {
		size_t en = strnlen(enhanced, SG_SMTP_ENHANCED_MAX - 1);

		memcpy(line + n, enhanced, en);
		n += en;
		if (tn > 0)
			line[n++] = ' ';
	}
	if (tn > SG_SMTP_REPLY_TEXT_LINE_MAX)
		tn = SG_SMTP_REPLY_TEXT_LINE_MAX;
	for (size_t i = 0; i < tn; i++) {
		unsigned char c = (unsigned char)text[i];

		line[n++] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	if (last && n == 4 && !(enhanced && enhanced[0]))
		n--;			/* "250" alone, not "250 " */
	line[n++] = '\r';
	line[n++] = '\n';
	return n;
}

enum sg_err sg_smtp_reply_format(struct sg_buf *out, unsigned code, const char *enhanced,
				 const char *text)
{
	char line[8 + SG_SMTP_ENHANCED_MAX + SG_SMTP_REPLY_TEXT_LINE_MAX + 4];
	size_t len = text ? strlen(text) : 0;
	unsigned lines = 0;

	if (code < 200 || code > 599)
		return SG_E_ARG;
	if (len > 0 && text[len - 1] == '\n')
		len--;
	do {
		const char *nl = len ? memchr(text, '\n', len) : NULL;
		size_t tn = nl ? (size_t)(nl - text) : len;
		bool last = nl == NULL || ++lines == SG_SMTP_REPLY_LINES_MAX;
		size_t n = format_line(line, code, last, enhanced, text, tn);
		enum sg_err rc = sg_buf_append(out, line, n);

		if (rc != SG_OK || last)
			return rc;
		text = nl + 1;
		len -= tn + 1;
	} while (1);
}
