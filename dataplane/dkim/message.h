/*
 * NAME
 *   message.h - streaming RFC 5322 message reader: header fields and body
 *
 * SUMMARY
 *   sg_msg_parser takes a message in chunks of any size (1 byte or the whole
 *   message). It stores the header section (bounded by sg_limits), splits it
 *   into fields at unfolded line boundaries, and, once the empty line that
 *   ends the header section is seen, calls events.end_of_headers and then
 *   passes every body byte to events.body unchanged and unbuffered.
 *
 *   Header fields: a field starts with a non-WSP byte and runs over every
 *   following line that starts with SP or HTAB (folding). The name is the
 *   text before the first colon with trailing WSP removed ("Date   :" is
 *   the field "Date"); names are compared case-insensitively by callers.
 *   Values may contain 8-bit bytes (UTF-8).
 *
 *   With fix_bare_lf, every LF not preceded by CR becomes CRLF before
 *   anything else sees it (for files written with Unix line ends).
 *
 *   sg_msg_parser_feed_headers takes bytes only up to and including the
 *   empty line that ends the header section and says how many it took
 *   (the fields are then ready; the body follows with sg_msg_parser_feed).
 *   sg_msg_parser_reset makes the parser ready for another message with
 *   the same limits and events: the header bytes of the last one are
 *   zeroed, its buffers kept.
 *
 * UNTRUSTED INPUT
 *   Everything fed. Limits: max_headers fields, max_field_bytes per field,
 *   max_header_bytes for the whole header section, max_message_bytes for
 *   the whole message. A violation or a malformed header line fails with an
 *   sg_error naming the 1-based line (0 when the message size limit is
 *   crossed in the body, whose lines are not counted); the parser then
 *   refuses further input.
 */
#ifndef SIGNET_DKIM_MESSAGE_H
#define SIGNET_DKIM_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "status.h"

struct sg_limits {
	size_t max_headers;		/* header fields; default 1000 */
	size_t max_field_bytes;		/* one field incl. folding; default 64 KiB */
	size_t max_header_bytes;	/* whole header section; default 1 MiB */
	uint64_t max_message_bytes;	/* whole message; default 64 MiB */
};

void sg_limits_default(struct sg_limits *l);

struct sg_header_field {
	const char *raw;	/* "Name: value\r\n\tmore" without the final CRLF */
	size_t len;		/* bytes in raw */
	size_t name_len;	/* name without trailing WSP */
	size_t value_off;	/* offset of the byte after the colon */
	uint32_t line;		/* line the field starts on (1-based) */
};

/* True when f's name equals name (ASCII case-insensitive). */
bool sg_header_is(const struct sg_header_field *f, const char *name);

struct sg_msg_events {
	void (*end_of_headers)(void *arg);
	void (*body)(void *arg, const void *data, size_t len);
	void *arg;
};

struct sg_msg_parser;

struct sg_msg_parser *sg_msg_parser_new(const struct sg_limits *lim, bool fix_bare_lf,
					const struct sg_msg_events *ev);
void sg_msg_parser_reset(struct sg_msg_parser *p);
void sg_msg_parser_free(struct sg_msg_parser *p);

SG_MUST_CHECK enum sg_err sg_msg_parser_feed(struct sg_msg_parser *p, const void *data,
					     size_t len, struct sg_error *err);
/* Like sg_msg_parser_feed, but stops after the header section: *used is
 * how many bytes were taken (all of len while the header section goes on;
 * 0 once it has ended). */
SG_MUST_CHECK enum sg_err sg_msg_parser_feed_headers(struct sg_msg_parser *p, const void *data,
						     size_t len, size_t *used,
						     struct sg_error *err);
/* End of input. A header section without the empty line is accepted (the
 * body is then empty); end_of_headers fires here if it has not yet. */
SG_MUST_CHECK enum sg_err sg_msg_parser_finish(struct sg_msg_parser *p, struct sg_error *err);

/* Header fields in message order; valid from end_of_headers until reset
 * or free. */
const struct sg_header_field *sg_msg_headers(const struct sg_msg_parser *p, size_t *count);
bool sg_msg_parser_in_body(const struct sg_msg_parser *p);
uint64_t sg_msg_parser_bytes(const struct sg_msg_parser *p);	/* bytes fed (after LF fix) */

#endif
