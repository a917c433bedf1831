/*
 * NAME
 *   wire.c - framing and typed fields of the control socket protocol
 *            (see proto.h)
 *
 * SUMMARY
 *   Writers append tagged fields to a bounded sg_buf behind an 8-byte
 *   header whose length is filled in by sg_wire_finish. Readers walk a
 *   complete message with typed getters: each checks the tag, that the
 *   value lies inside the message and is within the getter's limit, and
 *   (strings) that it is UTF-8 without NUL. The first failure is recorded
 *   in r->why and poisons the reader. sg_wire_read and sg_wire_write
 *   (wire_io.c) move whole messages over a file descriptor.
 *
 * UNTRUSTED INPUT
 *   Messages from the socket. Nothing is read before its length is known
 *   to be inside the message; lengths are compared, never added, against
 *   what is left.
 *
 * DIAGNOSTICS
 *   r->why / err->msg name the field's byte offset and what was wrong.
 */

/* System library. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Control plane. */
#include "proto.h"

#define TAG_U64 'u'
#define TAG_STR 's'
#define TAG_BYTES 'b'

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Length of the UTF-8 sequence starting at s[i] (0 when invalid there). */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t i)
{
	unsigned char c = s[i];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0x01 && c <= 0x7f)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;		/* NUL, continuation, C0/C1, F5..FF */
	if (c == 0xe0)
		lo = 0xa0;		/* overlong 3-byte */
	else if (c == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;		/* overlong 4-byte */
	else if (c == 0xf4)
		hi = 0x8f;		/* past U+10FFFF */
	if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((s[i + k] & 0xc0) != 0x80)
			return 0;
	return len;
}

bool sg_wire_text_ok(const char *s, size_t n, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t len = utf8_seq(u, n, i);

		if (len == 0) {
			if (bad)
				*bad = i;
			return false;
		}
		i += len;
	}
	return true;
}

/* ---- writing ---- */

void sg_wire_begin(struct sg_wire_out *w, enum sg_msg_type t)
{
	uint8_t hdr[SG_WIRE_HEADER] = { 0 };

	sg_buf_init(&w->buf, SG_WIRE_MAX);
	put_be(hdr + 4, (uint64_t)t, 2);
	/* On allocation failure len stays 0 and every later call fails. */
	if (sg_buf_append(&w->buf, hdr, sizeof(hdr)) != SG_OK)
		sg_buf_free(&w->buf);
}

static enum sg_err put_field(struct sg_wire_out *w, char tag, const uint8_t *head, size_t head_n,
			     const void *p, size_t n)
{
	size_t undo = w->buf.len;
	enum sg_err rc;

	if (w->buf.len < SG_WIRE_HEADER)
		return SG_E_NOMEM;	/* sg_wire_begin failed */
	rc = sg_buf_putc(&w->buf, tag);
	if (rc == SG_OK)
		rc = sg_buf_append(&w->buf, head, head_n);
	if (rc == SG_OK && n > 0)
		rc = sg_buf_append(&w->buf, p, n);
	if (rc != SG_OK)
		w->buf.len = undo;	/* a failed put leaves the message as it was */
	return rc;
}

enum sg_err sg_wire_put_u64(struct sg_wire_out *w, uint64_t v)
{
	uint8_t b[8];

	put_be(b, v, 8);
	return put_field(w, TAG_U64, b, 8, NULL, 0);
}

enum sg_err sg_wire_put_str(struct sg_wire_out *w, const char *s)
{
	size_t n = strlen(s);
	uint8_t len[4];

	if (n > SG_WIRE_STRING_MAX)
		return SG_E_LIMIT;
	if (!sg_wire_text_ok(s, n, NULL))
		return SG_E_ARG;
	put_be(len, n, 4);
	return put_field(w, TAG_STR, len, 4, s, n);
}

enum sg_err sg_wire_put_bytes(struct sg_wire_out *w, const void *p, size_t n)
{
	uint8_t len[4];

	if (n > SG_WIRE_MAX)
		return SG_E_LIMIT;
	put_be(len, n, 4);
	return put_field(w, TAG_BYTES, len, 4, p, n);
}

enum sg_err sg_wire_finish(struct sg_wire_out *w)
{
	if (w->buf.len < SG_WIRE_HEADER)
		return SG_E_NOMEM;
	put_be((uint8_t *)w->buf.data, w->buf.len, 4);
	return SG_OK;
}

void sg_wire_out_free(struct sg_wire_out *w)
{
	sg_buf_free(&w->buf);
}

/* ---- reading ---- */

static bool known_type(uint64_t t)
{
	switch (t) {
	case SG_MSG_HELLO: case SG_MSG_ERROR: case SG_MSG_COMMAND: case SG_MSG_RESULT:
	case SG_MSG_KEY_REQUEST: case SG_MSG_KEY_MATERIAL: case SG_MSG_STATS_PUSH:
		return true;
	}
	return false;
}

enum sg_err sg_wire_frame_len(const void *p, size_t n, size_t *total, struct sg_error *err)
{
	uint64_t len;

	*total = 0;
	if (n < 4)
		return SG_OK;
	len = get_be(p, 4);
	if (len > SG_WIRE_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "message of %llu bytes announced, the limit is %d",
				    (unsigned long long)len, SG_WIRE_MAX);
	if (len < SG_WIRE_HEADER)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0,
				    "message length %llu is shorter than the %d-byte header",
				    (unsigned long long)len, SG_WIRE_HEADER);
	*total = (size_t)len;
	return SG_OK;
}

enum sg_err sg_wire_open(struct sg_wire_in *r, const void *msg, size_t len,
			 struct sg_error *err)
{
	const uint8_t *p = msg;
	uint64_t declared, type;

	memset(r, 0, sizeof(*r));
	r->failed = true;	/* until the header is good */
	if (len < SG_WIRE_HEADER)
		return sg_error_set(err, SG_E_SYNTAX, 0, len,
				    "message of %zu bytes is shorter than the %d-byte header", len,
				    SG_WIRE_HEADER);
	if (len > SG_WIRE_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "message of %zu bytes is over the limit of %d", len,
				    SG_WIRE_MAX);
	declared = get_be(p, 4);
	type = get_be(p + 4, 2);
	if (declared != len)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0,
				    "header announces %llu bytes, the message has %zu",
				    (unsigned long long)declared, len);
	if (!known_type(type))
		return sg_error_set(err, SG_E_SYNTAX, 0, 4, "unknown message type %llu",
				    (unsigned long long)type);
	if (get_be(p + 6, 2) != 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, 6, "reserved header bytes are not 0");
	r->p = p;
	r->len = len;
	r->off = SG_WIRE_HEADER;
	r->type = (enum sg_msg_type)type;
	r->failed = false;
	return SG_OK;
}

static bool fail(struct sg_wire_in *r, const char *fmt, ...) SG_PRINTF(2, 3);

static bool fail(struct sg_wire_in *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->failed) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
		r->failed = true;
	}
	return false;
}

static const char *tag_name(char tag)
{
	return tag == TAG_U64 ? "number" : tag == TAG_STR ? "string" : "bytes";
}

/* Checks the tag at r->off and, when len_out is set, reads the 4-byte
 * length after it and checks that many bytes follow. */
static bool field(struct sg_wire_in *r, char tag, size_t *len_out, size_t max)
{
	size_t at = r->off, left, n;

	if (r->failed)
		return false;
	left = r->len - r->off;
	if (left == 0)
		return fail(r, "byte %zu: %s expected, message ends", at, tag_name(tag));
	if (r->p[at] != (uint8_t)tag)
		return fail(r, "byte %zu: %s expected, found tag 0x%02x", at, tag_name(tag),
			    r->p[at]);
	if (len_out == NULL) {
		if (left - 1 < 8)
			return fail(r, "byte %zu: number cut short", at);
		r->off += 1;
		return true;
	}
	if (left - 1 < 4)
		return fail(r, "byte %zu: %s length cut short", at, tag_name(tag));
	n = (size_t)get_be(r->p + at + 1, 4);
	if (n > left - 5)
		return fail(r, "byte %zu: %s of %zu bytes, only %zu left", at, tag_name(tag), n,
			    left - 5);
	if (n > max)
		return fail(r, "byte %zu: %s of %zu bytes, at most %zu allowed", at,
			    tag_name(tag), n, max);
	r->off += 5;
	*len_out = n;
	return true;
}

bool sg_wire_get_u64(struct sg_wire_in *r, uint64_t *v)
{
	if (!field(r, TAG_U64, NULL, 0))
		return false;
	*v = get_be(r->p + r->off, 8);
	r->off += 8;
	return true;
}

bool sg_wire_get_str(struct sg_wire_in *r, char *out, size_t max)
{
	size_t at = r->off, n, bad;
	size_t limit = max == 0 ? 0 : max - 1;

	if (max > 0)
		out[0] = '\0';
	if (limit > SG_WIRE_STRING_MAX)
		limit = SG_WIRE_STRING_MAX;
	if (max == 0)
		return fail(r, "byte %zu: no room for a string", at);
	if (!field(r, TAG_STR, &n, limit))
		return false;
	if (!sg_wire_text_ok((const char *)r->p + r->off, n, &bad))
		return fail(r, "byte %zu: string is not UTF-8 text (byte 0x%02x at %zu)", at,
			    r->p[r->off + bad], r->off + bad);
	memcpy(out, r->p + r->off, n);
	out[n] = '\0';
	r->off += n;
	return true;
}

bool sg_wire_get_bytes(struct sg_wire_in *r, const uint8_t **p, size_t *n, size_t max)
{
	size_t len;

	if (!field(r, TAG_BYTES, &len, max))
		return false;
	*p = r->p + r->off;
	*n = len;
	r->off += len;
	return true;
}

bool sg_wire_end(struct sg_wire_in *r)
{
	if (r->failed)
		return false;
	if (r->off != r->len)
		return fail(r, "byte %zu: %zu unexpected bytes after the last field", r->off,
			    r->len - r->off);
	return true;
}
