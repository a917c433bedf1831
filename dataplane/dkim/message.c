/*
 * NAME
 *   message.c - streaming RFC 5322 message reader (see message.h)
 *
 * SUMMARY
 *   Header bytes are copied into one bounded buffer; fields are recorded as
 *   offsets while reading (the buffer may move) and turned into pointers
 *   once the header section ends, after which the buffer never changes.
 *   Body bytes are handed to the body callback straight from the caller's
 *   chunk; with fix_bare_lf a bare LF is passed on as CRLF (the body is
 *   scanned 16 bytes at a time for an LF without CR before it, so a body
 *   that has none goes on in one piece). sg_msg_parser_reset wipes the
 *   header bytes and keeps the buffers for the next message (up to 64 KiB
 *   of header bytes and 256 fields; larger ones are freed).
 *
 * UNTRUSTED INPUT
 *   The whole message. Every size is checked against struct sg_limits
 *   before it grows anything; the first error stops the parser.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "message.h"

enum parser_state { ST_HEADERS, ST_BODY, ST_DONE, ST_FAILED };

/* A reset keeps buffers up to these sizes; larger ones (a rare huge header
 * section) are freed, so a pooled parser does not hold them. */
#define KEEP_HDR_BYTES (64 * 1024)
#define KEEP_FIELDS 256

struct field_span {
	size_t start;		/* offset in hdr */
	size_t len;		/* without the final CRLF */
	size_t name_len;
	size_t value_off;
	uint32_t line;
};

struct sg_msg_parser {
	struct sg_limits lim;
	struct sg_msg_events ev;
	bool fix_bare_lf;
	enum parser_state state;
	struct sg_buf hdr;		/* the header section, CRLF line ends */
	struct field_span *spans;
	size_t nspans, spans_cap;
	struct sg_header_field *fields;	/* built at the end of the header section */
	size_t fields_cap;
	bool have_fields;		/* fields describe this message */
	bool in_field;			/* spans[nspans - 1] is still growing */
	size_t line_start;		/* offset in hdr of the current line */
	uint32_t line;			/* 1-based number of the current line */
	uint64_t line_offset;		/* message offset of the current line */
	uint64_t total;			/* message bytes accepted (after the LF fix) */
	bool body_prev_cr;		/* body: last byte passed on was CR */
};

void sg_limits_default(struct sg_limits *l)
{
	l->max_headers = 1000;
	l->max_field_bytes = 64 * 1024;
	l->max_header_bytes = 1024 * 1024;
	l->max_message_bytes = 64ull * 1024 * 1024;
}

bool sg_header_is(const struct sg_header_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(f->raw, name, n) == 0;
}

struct sg_msg_parser *sg_msg_parser_new(const struct sg_limits *lim, bool fix_bare_lf,
					const struct sg_msg_events *ev)
{
	struct sg_msg_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if (lim)
		p->lim = *lim;
	else
		sg_limits_default(&p->lim);
	if (ev)
		p->ev = *ev;
	p->fix_bare_lf = fix_bare_lf;
	p->state = ST_HEADERS;
	p->line = 1;
	sg_buf_init(&p->hdr, p->lim.max_header_bytes);
	return p;
}

void sg_msg_parser_reset(struct sg_msg_parser *p)
{
	if (p->hdr.cap > KEEP_HDR_BYTES) {
		sg_buf_free(&p->hdr);		/* zeroes it */
	} else if (p->hdr.data != NULL) {
		memset(p->hdr.data, 0, p->hdr.len);
		sg_buf_reset(&p->hdr);
	}
	if (p->spans_cap > KEEP_FIELDS) {
		free(p->spans);
		p->spans = NULL;
		p->spans_cap = 0;
	}
	if (p->fields_cap > KEEP_FIELDS) {
		free(p->fields);
		p->fields = NULL;
		p->fields_cap = 0;
	}
	if (p->fields != NULL)
		memset(p->fields, 0, p->fields_cap * sizeof(*p->fields));
	p->nspans = 0;
	p->in_field = false;
	p->line_start = 0;
	p->line = 1;
	p->line_offset = 0;
	p->total = 0;
	p->body_prev_cr = false;
	p->have_fields = false;
	p->state = ST_HEADERS;
}

void sg_msg_parser_free(struct sg_msg_parser *p)
{
	if (p == NULL)
		return;
	sg_buf_free(&p->hdr);
	free(p->spans);
	free(p->fields);
	free(p);
}

/* Stops the parser with an error naming a line of the message and the
 * offset where that line starts. */
static enum sg_err fail_at(struct sg_msg_parser *p, struct sg_error *err, enum sg_err code,
			   uint32_t line, uint64_t offset, const char *what)
{
	p->state = ST_FAILED;
	return sg_error_set(err, code, line, offset, "line %u: %s", line, what);
}

static enum sg_err fail(struct sg_msg_parser *p, struct sg_error *err, enum sg_err code,
			const char *what)
{
	return fail_at(p, err, code, p->line, p->line_offset, what);
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* An mbox separator ("From sender date", which usually holds colons in
 * its time) on line 1: "From " and then something other than WSP before
 * any colon. "From :" is a From field with WSP before the colon. */
static bool is_mbox_separator(const struct field_span *s, const char *raw)
{
	if (s->line != 1 || s->len < 5 || memcmp(raw, "From ", 5) != 0)
		return false;
	for (size_t i = 5; i < s->len && raw[i] != ':'; i++) {
		if (!is_wsp(raw[i]))
			return true;
	}
	return false;
}

/* Checks the name of the field that just ended and records name_len and
 * value_off. Errors name the field's first line (the header section is
 * the start of the message, so s->start is also its message offset). */
static enum sg_err close_field(struct sg_msg_parser *p, struct sg_error *err)
{
	struct field_span *s = &p->spans[p->nspans - 1];
	const char *raw = p->hdr.data + s->start;
	const char *colon = memchr(raw, ':', s->len);
	size_t name_len;

	p->in_field = false;
	if (is_mbox_separator(s, raw))
		return fail_at(p, err, SG_E_SYNTAX, s->line, s->start,
			       "mbox \"From \" separator is not a header field; remove it first");
	if (colon == NULL)
		return fail_at(p, err, SG_E_SYNTAX, s->line, s->start, "header field has no colon");
	name_len = (size_t)(colon - raw);
	while (name_len > 0 && is_wsp(raw[name_len - 1]))
		name_len--;
	if (name_len == 0)
		return fail_at(p, err, SG_E_SYNTAX, s->line, s->start,
			       "header field name is empty");
	for (size_t i = 0; i < name_len; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c <= 32 || c >= 127)
			return fail_at(p, err, SG_E_SYNTAX, s->line, s->start,
				       "invalid byte in header field name");
	}
	s->name_len = name_len;
	s->value_off = (size_t)(colon - raw) + 1;
	return SG_OK;
}

static enum sg_err open_field(struct sg_msg_parser *p, struct sg_error *err)
{
	if (p->nspans >= p->lim.max_headers)
		return fail(p, err, SG_E_LIMIT, "more header fields than the limit");
	if (p->nspans == p->spans_cap) {
		size_t cap = p->spans_cap ? p->spans_cap * 2 : 32;
		struct field_span *n = realloc(p->spans, cap * sizeof(*n));

		if (n == NULL)
			return fail(p, err, SG_E_NOMEM, "out of memory");
		p->spans = n;
		p->spans_cap = cap;
	}
	p->spans[p->nspans++] = (struct field_span){
		.start = p->line_start, .line = p->line,
	};
	p->in_field = true;
	return SG_OK;
}

/* Turns the spans into struct sg_header_field and announces the body. */
static enum sg_err end_headers(struct sg_msg_parser *p, struct sg_error *err)
{
	if (p->in_field) {
		enum sg_err rc = close_field(p, err);

		if (rc != SG_OK)
			return rc;
	}
	if (p->nspans > p->fields_cap || p->fields == NULL) {
		size_t cap = p->nspans > p->spans_cap ? p->nspans : p->spans_cap;
		struct sg_header_field *f = calloc(cap ? cap : 1, sizeof(*f));

		if (f == NULL)
			return fail(p, err, SG_E_NOMEM, "out of memory");
		free(p->fields);
		p->fields = f;
		p->fields_cap = cap ? cap : 1;
	}
	p->have_fields = true;
	for (size_t i = 0; i < p->nspans; i++) {
		const struct field_span *s = &p->spans[i];

		p->fields[i] = (struct sg_header_field){
			.raw = p->hdr.data + s->start, .len = s->len,
			.name_len = s->name_len, .value_off = s->value_off, .line = s->line,
		};
	}
	p->state = ST_BODY;
	if (p->ev.end_of_headers)
		p->ev.end_of_headers(p->ev.arg);
	return SG_OK;
}

/* Called when hdr holds a complete line [line_start, hdr.len) whose CRLF
 * (if any, crlf_len bytes) is at its end. */
static enum sg_err header_line(struct sg_msg_parser *p, size_t crlf_len, struct sg_error *err)
{
	const char *line = p->hdr.data + p->line_start;
	size_t len = p->hdr.len - p->line_start - crlf_len;
	enum sg_err rc = SG_OK;

	if (len == 0 && crlf_len > 0) {
		p->hdr.len = p->line_start;	/* the empty line is not part of a field */
		return end_headers(p, err);
	}
	if (is_wsp(line[0])) {
		if (!p->in_field)
			return fail(p, err, SG_E_SYNTAX,
				    "folded continuation line without a header field");
	} else {
		if (p->in_field)
			rc = close_field(p, err);
		if (rc == SG_OK)
			rc = open_field(p, err);
		if (rc != SG_OK)
			return rc;
	}
	struct field_span *s = &p->spans[p->nspans - 1];

	s->len = p->hdr.len - crlf_len - s->start;
	if (s->len > p->lim.max_field_bytes)
		return fail(p, err, SG_E_LIMIT, "header field longer than the limit");
	p->line_offset += p->hdr.len - p->line_start;
	p->line_start = p->hdr.len;
	p->line++;
	return SG_OK;
}

static enum sg_err hdr_append(struct sg_msg_parser *p, const void *data, size_t n,
			      struct sg_error *err)
{
	enum sg_err rc = sg_buf_append(&p->hdr, data, n);

	if (rc == SG_E_LIMIT)
		return fail(p, err, rc, "header section longer than the limit");
	if (rc != SG_OK)
		return fail(p, err, rc, "out of memory");
	return SG_OK;
}

/* Consumes header bytes; returns in *used how many were taken (less than
 * len when the header section ended inside the chunk). */
static enum sg_err feed_headers(struct sg_msg_parser *p, const char *data, size_t len,
				size_t *used, struct sg_error *err)
{
	size_t i = 0;
	enum sg_err rc;

	while (i < len && p->state == ST_HEADERS) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t seg = nl ? (size_t)(nl - (data + i)) : len - i;
		bool had_cr;

		if (nl != NULL && seg > 0 && data[i + seg - 1] == '\r') {
			/* a whole CRLF line in this chunk: one append */
			rc = hdr_append(p, data + i, seg + 1, err);
			i += seg + 1;
			if (rc == SG_OK)
				rc = header_line(p, 2, err);
			if (rc != SG_OK)
				return rc;
			continue;
		}
		rc = hdr_append(p, data + i, seg, err);
		if (rc != SG_OK)
			return rc;
		i += seg;
		if (nl == NULL)
			break;
		i++;		/* the LF */
		had_cr = p->hdr.len > p->line_start && p->hdr.data[p->hdr.len - 1] == '\r';
		if (!had_cr && !p->fix_bare_lf) {
			rc = hdr_append(p, "\n", 1, err);	/* an ordinary byte */
		} else {
			rc = hdr_append(p, had_cr ? "\n" : "\r\n", had_cr ? 1 : 2, err);
			p->total += had_cr ? 0 : 1;
			if (rc == SG_OK)
				rc = header_line(p, 2, err);
		}
		if (rc != SG_OK)
			return rc;
	}
	*used = i;
	return SG_OK;
}

typedef unsigned char bytes16 __attribute__((vector_size(16)));

/* 0xff in every lane of data[at, at + 16) that holds an LF with no CR
 * before it (data[at - 1] is read). */
static inline bytes16 bare_lanes(const char *data, size_t at)
{
	const bytes16 lf = { '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n',
			     '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n' };
	const bytes16 cr = lf + ('\r' - '\n');
	bytes16 cur, prev;

	memcpy(&cur, data + at, 16);
	memcpy(&prev, data + at - 1, 16);
	return (bytes16)((cur == lf) & (prev != cr));
}

static inline bool any_lane(bytes16 v)
{
	uint64_t half[2];

	memcpy(half, &v, 16);
	return (half[0] | half[1]) != 0;
}

/* Index of the first LF in data[from, len) whose previous byte is not CR
 * (data[from - 1] is readable, from >= 1), or len. 64 bytes a step: a
 * stretch without a bare LF costs a few vector operations. */
static size_t next_bare_lf(const char *data, size_t from, size_t len)
{
	size_t i = from;

	for (; len - i >= 64; i += 64) {
		if (any_lane(bare_lanes(data, i) | bare_lanes(data, i + 16) |
			     bare_lanes(data, i + 32) | bare_lanes(data, i + 48)))
			break;
	}
	for (; len - i >= 16; i += 16) {
		if (any_lane(bare_lanes(data, i)))
			break;
	}
	for (; i < len; i++) {
		if (data[i] == '\n' && data[i - 1] != '\r')
			return i;
	}
	return len;
}

/* Passes body bytes on, turning bare LF into CRLF when asked. Everything
 * between bare LFs goes on in one call, so the canonicalizers get large
 * pieces. */
static void feed_body(struct sg_msg_parser *p, const char *data, size_t len)
{
	size_t start = 0, at;

	if (p->ev.body == NULL || len == 0)
		return;
	if (!p->fix_bare_lf) {
		p->ev.body(p->ev.arg, data, len);
		return;
	}
	/* the chunk's first byte: its CR may be the previous chunk's last */
	at = data[0] == '\n' && !p->body_prev_cr ? 0 : next_bare_lf(data, 1, len);
	while (at < len) {
		if (at > start)
			p->ev.body(p->ev.arg, data + start, at - start);
		p->ev.body(p->ev.arg, "\r\n", 2);
		p->total++;
		start = at + 1;
		at = start < len ? next_bare_lf(data, start, len) : len;
	}
	p->body_prev_cr = data[len - 1] == '\r';
	if (len > start)
		p->ev.body(p->ev.arg, data + start, len - start);
}

/* The message passed max_message_bytes: in the header section the error
 * names the line where that happened; in the body (whose lines are not
 * counted) it names no line. The offset is the first byte over the limit. */
static enum sg_err too_large(struct sg_msg_parser *p, struct sg_error *err)
{
	uint64_t max = p->lim.max_message_bytes;

	if (p->state == ST_HEADERS)
		return fail_at(p, err, SG_E_LIMIT, p->line, max, "message larger than the limit");
	p->state = ST_FAILED;
	return sg_error_set(err, SG_E_LIMIT, 0, max,
			    "message larger than the limit of %llu bytes (in the body)",
			    (unsigned long long)max);
}

/* Feeds up to len bytes; with headers_only, stops after the empty line
 * that ends the header section (*used says how far it got). */
static enum sg_err feed(struct sg_msg_parser *p, const char *bytes, size_t len,
			bool headers_only, size_t *used, struct sg_error *err)
{
	size_t taken = 0, take = len;
	uint64_t room;

	*used = 0;
	if (p->state == ST_FAILED || p->state == ST_DONE)
		return sg_error_set(err, SG_E_STATE, 0, p->total,
				    "message reader: input after the end or after an error");
	/* take what fits, so an error names where the limit was crossed */
	room = p->lim.max_message_bytes - p->total;	/* total <= max between calls */
	if (len > room)
		take = (size_t)room;
	p->total += take;
	if (p->state == ST_HEADERS) {
		enum sg_err rc = feed_headers(p, bytes, take, &taken, err);

		if (rc != SG_OK)
			return rc;
	}
	if (headers_only && taken < take) {
		p->total -= take - taken;	/* the body is not taken yet */
		take = len = taken;
	} else if (p->state == ST_BODY) {
		feed_body(p, bytes + taken, take - taken);
	}
	*used = take;
	if (take < len || p->total > p->lim.max_message_bytes)
		return too_large(p, err);
	return SG_OK;
}

enum sg_err sg_msg_parser_feed(struct sg_msg_parser *p, const void *data, size_t len,
			       struct sg_error *err)
{
	size_t used;

	return feed(p, data, len, false, &used, err);
}

enum sg_err sg_msg_parser_feed_headers(struct sg_msg_parser *p, const void *data, size_t len,
				       size_t *used, struct sg_error *err)
{
	if (p->state == ST_BODY) {
		*used = 0;
		return SG_OK;
	}
	return feed(p, data, len, true, used, err);
}

enum sg_err sg_msg_parser_finish(struct sg_msg_parser *p, struct sg_error *err)
{
	enum sg_err rc = SG_OK;

	if (p->state == ST_FAILED || p->state == ST_DONE)
		return sg_error_set(err, SG_E_STATE, 0, p->total,
				    "message reader: finished twice or after an error");
	if (p->state == ST_HEADERS) {
		if (p->hdr.len > p->line_start)
			rc = header_line(p, 0, err);
		if (rc == SG_OK && p->state == ST_HEADERS)
			rc = end_headers(p, err);
		if (rc != SG_OK)
			return rc;
	}
	p->state = ST_DONE;
	return SG_OK;
}

const struct sg_header_field *sg_msg_headers(const struct sg_msg_parser *p, size_t *count)
{
	if (!p->have_fields) {
		*count = 0;
		return NULL;
	}
	*count = p->nspans;
	return p->fields;
}

bool sg_msg_parser_in_body(const struct sg_msg_parser *p)
{
	return p->state == ST_BODY || (p->state == ST_DONE && p->have_fields);
}

uint64_t sg_msg_parser_bytes(const struct sg_msg_parser *p)
{
	return p->total;
}
