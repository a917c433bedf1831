/*
 * NAME
 *   qp.c - DKIM-quoted-printable (RFC 6376 2.11) for z= and i= (see qp.h)
 *
 * SUMMARY
 *   Encoding: dkim-safe-char (%x21-3A / %x3C / %x3E-7E) is copied, every
 *   other byte becomes "=XX" (uppercase hex); with z_escape '|' too.
 *   Decoding: "=" HEXDIG HEXDIG gives one byte (either case), FWS bytes
 *   (SP, HTAB, CR, LF) are dropped, safe characters and 8-bit bytes
 *   (UTF-8 local-parts, RFC 8616) are copied; a '=' without two hex
 *   digits right after it, a ';' and control bytes are errors. Decoded
 *   output may contain any byte, NUL included: callers that need a C
 *   string check for it. Both decoders share one loop; only where the
 *   bytes go differs (sg_buf or a fixed array).
 *
 * DIAGNOSTICS
 *   SG_E_SYNTAX with the offset of the bad byte (of the '=' for a bad
 *   escape); SG_E_LIMIT / SG_E_NOMEM from the output buffer.
 *
 * UNTRUSTED INPUT
 *   i= and z= values of signatures. Output bounded by the caller's
 *   sg_buf limit.
 */
#include <stdbool.h>
#include <stddef.h>

#include "lex.h"
#include "qp.h"

static bool is_dkim_safe(unsigned char c)
{
	return (c >= 0x21 && c <= 0x3a) || c == 0x3c || (c >= 0x3e && c <= 0x7e);
}

enum sg_err sg_qp_encode(const char *in, size_t n, bool z_escape, struct sg_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	enum sg_err rc = SG_OK;

	for (size_t i = 0; i < n && rc == SG_OK; i++) {
		unsigned char c = (unsigned char)in[i];

		if (is_dkim_safe(c) && !(z_escape && c == '|')) {
			rc = sg_buf_putc(out, (char)c);
		} else {
			char esc[3] = { '=', hex[c >> 4], hex[c & 15] };

			rc = sg_buf_append(out, esc, sizeof(esc));
		}
	}
	return rc;
}

/* Where decoded bytes go: a growable sg_buf or a fixed array. */
struct qp_sink {
	struct sg_buf *buf;
	char *fixed;
	size_t cap;
	size_t len;
};

static enum sg_err sink_put(struct qp_sink *k, unsigned char c, size_t at, struct sg_error *err)
{
	enum sg_err rc = SG_OK;

	if (k->buf != NULL)
		rc = sg_buf_putc(k->buf, (char)c);
	else if (k->len == k->cap)
		rc = SG_E_LIMIT;
	else
		k->fixed[k->len] = (char)c;
	if (rc == SG_E_LIMIT)
		return sg_error_set(err, rc, 0, at, "quoted-printable: decoded value too long "
				    "(offset %zu)", at);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, at, "quoted-printable: out of memory");
	k->len++;
	return SG_OK;
}

/* The "=XX" escape at in[i]; *byte receives its value. */
static enum sg_err decode_escape(const char *in, size_t n, size_t i, unsigned char *byte,
				 struct sg_error *err)
{
	int hi = i + 1 < n ? sg_lex_hexval((unsigned char)in[i + 1]) : -1;
	int lo = i + 2 < n ? sg_lex_hexval((unsigned char)in[i + 2]) : -1;

	if (hi < 0 || lo < 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, i,
				    "quoted-printable: '=' at offset %zu is not followed by "
				    "two hex digits", i);
	*byte = (unsigned char)(hi << 4 | lo);
	return SG_OK;
}

static enum sg_err qp_decode(const char *in, size_t n, struct qp_sink *sink,
			     struct sg_error *err)
{
	enum sg_err rc;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (sg_lex_is_fws(c))
			continue;
		if (c == '=') {
			rc = decode_escape(in, n, i, &c, err);
			if (rc != SG_OK)
				return rc;
			i += 2;
		} else if (!is_dkim_safe(c) && c < 0x80) {
			return sg_error_set(err, SG_E_SYNTAX, 0, i,
					    "quoted-printable: byte 0x%02x at offset %zu must be "
					    "escaped", c, i);
		}
		rc = sink_put(sink, c, i, err);
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

enum sg_err sg_qp_decode(const char *in, size_t n, struct sg_buf *out, struct sg_error *err)
{
	struct qp_sink sink = { .buf = out };

	return qp_decode(in, n, &sink, err);
}

enum sg_err sg_qp_decode_fixed(const char *in, size_t n, char *out, size_t cap,
			       size_t *outlen, struct sg_error *err)
{
	struct qp_sink sink = { .fixed = out, .cap = cap };
	enum sg_err rc = qp_decode(in, n, &sink, err);

	*outlen = rc == SG_OK ? sink.len : 0;
	return rc;
}
