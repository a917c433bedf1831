/*
 * NAME
 *   smtp_reply.h - SMTP replies: an incremental reply parser (client side)
 *                  and the reply formatter (server side)
 *
 * SUMMARY
 *   struct sg_smtp_reply_parser reads replies ("ddd-text" lines ending in
 *   "ddd text" or "ddd") from bytes fed in chunks of any size. A reply is
 *   complete when its last line has been read; the parser then stops and
 *   the caller takes the reply (code, enhanced status code when the text
 *   starts with one of the code's class, text lines joined by '\n' with
 *   the code and a repeated enhanced code removed from each line) and calls
 *   sg_smtp_reply_next for the following one. Lines may end in CRLF or a
 *   bare LF.
 *
 *   Limits: max_line octets per line (terminator included) and max_lines
 *   lines per reply; a line without a valid code (three digits, the first
 *   2-5 and the second 0-5, then SP, '-' or the end), a continuation line
 *   with another code or a NUL byte is a protocol error. After an error the
 *   parser refuses everything: the connection is unusable.
 *
 *   sg_smtp_reply_format appends a reply to an output buffer: one line per
 *   '\n'-separated line of text ("ddd-" continuation, "ddd " last), each
 *   with the enhanced status code when one is given. Text from elsewhere
 *   (a next hop's reply passed through) is made safe: bytes other than
 *   printable US-ASCII become '?', lines are cut at
 *   SG_SMTP_REPLY_TEXT_LINE_MAX characters and at most
 *   SG_SMTP_REPLY_LINES_MAX lines are written.
 *
 * DIAGNOSTICS
 *   SG_E_SYNTAX / SG_E_LIMIT with the reply line number (1-based within
 *   the reply) and the offset in the stream of bytes fed.
 *
 * UNTRUSTED INPUT
 *   Replies from a next-hop SMTP server (parser); pass-through text
 *   (formatter). Memory: max_line per line, the text of one reply.
 */
#ifndef SIGNET_SMTP_REPLY_H
#define SIGNET_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "status.h"

#define SG_SMTP_REPLY_LINE_DEFAULT 2048	/* octets per reply line read */
#define SG_SMTP_REPLY_LINE_CAP 4096	/* largest max_line accepted */
#define SG_SMTP_REPLY_LINES_DEFAULT 100	/* lines per reply read */
#define SG_SMTP_REPLY_TEXT_LINE_MAX 400	/* characters per line written */
#define SG_SMTP_REPLY_LINES_MAX 20	/* lines per reply written */
#define SG_SMTP_ENHANCED_MAX 16		/* "5.123.123" + NUL fits */

struct sg_smtp_reply {
	unsigned code;			/* 200..559 */
	char enhanced[SG_SMTP_ENHANCED_MAX];	/* "4.4.1" or "" */
	struct sg_buf text;		/* lines joined by '\n', no codes */
	unsigned lines;
};

struct sg_smtp_reply_parser {
	char line[SG_SMTP_REPLY_LINE_CAP];
	size_t line_len;
	size_t max_line;
	unsigned max_lines;
	uint64_t offset;		/* bytes consumed so far */
	bool complete;			/* reply holds a whole reply */
	bool failed;			/* protocol error: nothing more is read */
	struct sg_smtp_reply reply;
};

/* max_line 0 / max_lines 0 mean the defaults; max_line is capped. */
void sg_smtp_reply_parser_init(struct sg_smtp_reply_parser *rp, size_t max_line,
			       unsigned max_lines);
void sg_smtp_reply_parser_free(struct sg_smtp_reply_parser *rp);

/*
 * Consumes bytes until a reply is complete (then stops just after its
 * last line) or the input ends; *used says how many were taken. Returns
 * SG_OK (check rp->complete), or the protocol error.
 */
SG_MUST_CHECK enum sg_err sg_smtp_reply_feed(struct sg_smtp_reply_parser *rp,
					     const uint8_t *data, size_t len, size_t *used,
					     struct sg_error *err);
/* Forgets the complete reply and reads the next one. */
void sg_smtp_reply_next(struct sg_smtp_reply_parser *rp);

/* The class digit of a code: 2, 3, 4 or 5. */
static inline unsigned sg_smtp_reply_class(unsigned code)
{
	return code / 100;
}

/*
 * Appends "code[-| ]enhanced text\r\n" lines. enhanced may be NULL or ""
 * (then no enhanced code), text NULL or "" (then a line of the code and
 * enhanced code only). Returns SG_E_ARG for a code outside 200..599,
 * otherwise the buffer's result.
 */
SG_MUST_CHECK enum sg_err sg_smtp_reply_format(struct sg_buf *out, unsigned code,
					       const char *enhanced, const char *text);

/*
 * True when s is an enhanced status code "c.sss.ddd" (RFC 3463: class 2,
 * 4 or 5, subject and detail 1-3 digits) of the given class (0 = any).
 */
bool sg_smtp_enhanced_valid(const char *s, size_t len, unsigned klass);

#endif
