/*
 * NAME
 *   smtp_data.h - the DATA phase of the SMTP server: end-of-data detection,
 *                 dot-unstuffing and content checks over arbitrary chunks
 *
 * SUMMARY
 *   struct sg_smtp_data reads the text that follows a 354 reply. Bytes are
 *   fed in chunks of any size (one at a time works and gives the same
 *   result); sg_smtp_data_feed consumes up to and including the final
 *   "<CRLF>.<CRLF>" and stops there, so pipelined commands after the end of
 *   the data stay with the caller.
 *
 *   The message is stored unstuffed (a leading '.' of a line removed, RFC
 *   5321 section 4.5.2) with its CRLF line ends; the terminating ".CRLF" is
 *   not stored, the CRLF before it is (it ends the last line). The data
 *   starts at a line beginning (just after the DATA command's line), so a
 *   first line of "." is an empty message.
 *
 *   Policy (the relay signs what it stores, so it stores only clean text):
 *   - The end of data is recognised only as CRLF "." CRLF. A bare LF or
 *     bare CR never ends a line: "<LF>.<LF>", "<LF>.<CRLF>" and
 *     "<CR>.<CR>" are not ends of data (no SMTP smuggling).
 *   - A bare LF, a bare CR, a NUL byte, or a text line longer than
 *     SG_SMTP_TEXT_LINE_MAX octets (CRLF and any stuffing dot included,
 *     RFC 5321 4.5.3.1.6) makes the message refused: the data is still
 *     read to its end so that the session stays in step, nothing more is
 *     stored, and the problem (the first one, with its line) is reported.
 *     The server replies 550 5.6.0 naming it. Nothing is rewritten.
 *   - More than max_size unstuffed octets: refused the same way
 *     (SG_SMTP_DATA_TOO_BIG, server reply 552 5.3.4).
 *
 *   Cost: one pass over clean text (smtp_data.c), the store's one copy.
 *
 * UNTRUSTED INPUT
 *   The message text from an SMTP client. Memory is bounded by max_size
 *   (the stored message) and O(1) otherwise.
 */
#ifndef SIGNET_SMTP_DATA_H
#define SIGNET_SMTP_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SG_SMTP_TEXT_LINE_MAX 1000	/* octets including CRLF */

enum sg_smtp_data_problem {
	SG_SMTP_DATA_OK = 0,
	SG_SMTP_DATA_TOO_BIG,		/* more than max_size octets */
	SG_SMTP_DATA_BARE_LF,		/* LF not preceded by CR */
	SG_SMTP_DATA_BARE_CR,		/* CR not followed by LF */
	SG_SMTP_DATA_NUL,		/* a NUL byte */
	SG_SMTP_DATA_LONG_LINE,		/* a line over SG_SMTP_TEXT_LINE_MAX */
	SG_SMTP_DATA_NOMEM,		/* the store could not grow */
};

enum sg_smtp_data_state {
	SG_SMTP_DATA_BOL,		/* at the start of a line */
	SG_SMTP_DATA_TEXT,		/* inside a line */
	SG_SMTP_DATA_CR,		/* after a CR inside a line */
	SG_SMTP_DATA_DOT,		/* after a '.' at the start of a line */
	SG_SMTP_DATA_DOT_CR,		/* after ".<CR>" at the start of a line */
	SG_SMTP_DATA_END,		/* "<CRLF>.<CRLF>" seen */
};

struct sg_smtp_data {
	struct sg_buf msg;		/* the unstuffed message (limit max_size) */
	uint64_t size;			/* unstuffed octets seen, stored or not */
	uint64_t max_size;
	uint32_t line;			/* 1-based line being read */
	size_t line_len;		/* octets of that line so far (dot included) */
	enum sg_smtp_data_state state;
	enum sg_smtp_data_problem problem;	/* the first one */
	uint32_t problem_line;		/* its line */
	uint64_t first_dot;		/* offset of the message's first
					   line-start '.' (UINT64_MAX: none) */
	bool states_only;		/* tests: no fast path (the reference
					   the fast path is held to) */
};

/* Ready for a message of at most max_size octets (no allocation yet). */
void sg_smtp_data_init(struct sg_smtp_data *d, uint64_t max_size);
/* Back to the start (keeps the store's memory). */
void sg_smtp_data_reset(struct sg_smtp_data *d);
void sg_smtp_data_free(struct sg_smtp_data *d);
/*
 * The client announced the size (MAIL's SIZE=): when the store has no
 * memory yet and size is at most max_size and 1 MiB, room for that many
 * octets is allocated at once instead of growing as the text arrives. A
 * hint only: the text may be shorter or longer.
 */
void sg_smtp_data_expect(struct sg_smtp_data *d, uint64_t size);

/*
 * Consumes bytes until the end of data; returns how many were used (all of
 * len unless the end was reached, then up to and including its LF).
 * sg_smtp_data_done tells whether the end was seen.
 */
size_t sg_smtp_data_feed(struct sg_smtp_data *d, const uint8_t *p, size_t len);
bool sg_smtp_data_done(const struct sg_smtp_data *d);

/* A short description of a problem, e.g. "bare LF". */
const char *sg_smtp_data_problem_name(enum sg_smtp_data_problem p);

#endif
