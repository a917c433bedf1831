/*
 * NAME
 *   base64.c - base64 (RFC 4648 section 4) for b=, bh= and p= (see base64.h)
 *
 * SUMMARY
 *   Encoding: the standard alphabet with '=' padding, no line breaks.
 *   Decoding follows RFC 6376 base64string: alphabet characters with FWS
 *   (SP, HTAB, CR, LF) allowed anywhere, then at most two '=' which must
 *   complete the last group of four. Padding is required: a data length
 *   that is not a multiple of four is an error, as is '=' in the first
 *   two positions of a group, data after '=', or a third '='. Non-zero
 *   unused bits in the last character are accepted (as OpenSSL, dkimpy
 *   and Mail::DKIM do), so a value has more than one spelling; nothing in
 *   DKIM depends on the spelling of a decoded value.
 *
 * DIAGNOSTICS
 *   SG_E_SYNTAX with the offset of the offending byte (or of the end of the
 *   input for a truncated group); SG_E_LIMIT when the decoded data would
 *   pass cap.
 *
 * UNTRUSTED INPUT
 *   Signature and key-record values. Output bounded by cap; no allocation.
 */
#include <stddef.h>
#include <stdint.h>

#include "base64.h"
#include "lex.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sg_base64_encoded_len(size_t n)
{
	return (n / 3 + (n % 3 != 0)) * 4;
}

size_t sg_base64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* Value of an alphabet character, or -1. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

struct b64_state {
	uint8_t *out;
	size_t cap;
	size_t len;		/* bytes written */
	uint32_t acc;		/* bits of the current group */
	unsigned chars;		/* alphabet characters in the current group */
	unsigned pad;		/* '=' seen */
};

/* Writes the first nbytes bytes of the 24-bit group in st->acc. */
static enum sg_err b64_emit(struct b64_state *st, unsigned nbytes, size_t at,
			    struct sg_error *err)
{
	if (nbytes > st->cap - st->len)
		return sg_error_set(err, SG_E_LIMIT, 0, at,
				    "base64: decoded data longer than %zu bytes", st->cap);
	for (unsigned k = 0; k < nbytes; k++)
		st->out[st->len++] = (uint8_t)(st->acc >> (16 - 8 * k));
	st->acc = 0;
	st->chars = 0;
	return SG_OK;
}

/* One non-FWS byte at offset i. */
static enum sg_err b64_step(struct b64_state *st, unsigned char c, size_t i,
			    struct sg_error *err)
{
	int v;

	if (c == '=') {
		if (st->chars < 2)
			return sg_error_set(err, SG_E_SYNTAX, 0, i,
					    "base64: misplaced '=' at offset %zu", i);
		if (st->chars + st->pad >= 4)
			return sg_error_set(err, SG_E_SYNTAX, 0, i,
					    "base64: too much '=' padding at offset %zu", i);
		st->pad++;
		return SG_OK;
	}
	v = b64_value(c);
	if (v < 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, i,
				    "base64: invalid byte 0x%02x at offset %zu", c, i);
	if (st->pad > 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, i,
				    "base64: data after '=' padding at offset %zu", i);
	st->acc |= (uint32_t)v << (18 - 6 * st->chars);
	st->chars++;
	if (st->chars == 4)
		return b64_emit(st, 3, i, err);
	return SG_OK;
}

enum sg_err sg_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
			     size_t *outlen, struct sg_error *err)
{
	struct b64_state st = { .out = out, .cap = cap };
	enum sg_err rc;

	*outlen = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (sg_lex_is_fws(c))
			continue;
		rc = b64_step(&st, c, i, err);
		if (rc != SG_OK)
			return rc;
	}
	if (st.pad > 0 && st.chars + st.pad != 4)
		return sg_error_set(err, SG_E_SYNTAX, 0, n,
				    "base64: incomplete '=' padding at the end (offset %zu)", n);
	if (st.pad == 0 && st.chars != 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, n,
				    "base64: length not a multiple of 4 (missing '=' padding) "
				    "at the end (offset %zu)", n);
	if (st.pad > 0) {
		rc = b64_emit(&st, st.chars - 1, n, err);
		if (rc != SG_OK)
			return rc;
	}
	*outlen = st.len;
	return SG_OK;
}
