/*
 * NAME
 *   sd_message.c - input checks and line-end forms of spool messages
 *                  (see sd_message.h)
 *
 * UNTRUSTED INPUT
 *   The bytes of an input file and of an existing output file.
 */
#include <string.h>
#include <strings.h>

#include "sd_message.h"

enum sd_eol sd_msg_eol(const uint8_t *p, size_t n)
{
	bool crlf = false, bare = false;
	const uint8_t *lf = memchr(p, '\n', n);

	while (lf != NULL) {
		if (lf > p && lf[-1] == '\r')
			crlf = true;
		else
			bare = true;
		lf = memchr(lf + 1, '\n', n - (size_t)(lf + 1 - p));
	}
	if (bare && crlf)
		return SD_EOL_MIXED;
	return bare ? SD_EOL_LF : SD_EOL_CRLF;
}

/* One header line [p, end) (line end excluded): a field start or, after
 * the first line, a continuation. */
static enum sg_err check_header_line(const uint8_t *p, size_t len, uint32_t line,
				     size_t off, struct sg_error *err)
{
	size_t i;

	if (line > 1 && len > 0 && (p[0] == ' ' || p[0] == '\t'))
		return SG_OK;
	for (i = 0; i < len && p[i] != ':'; i++)
		if (p[i] < 33 || p[i] > 126)
			return sg_error_set(err, SG_E_SYNTAX, line, off + i,
					    "not a message: line %u byte %zu (0x%02x) is not "
					    "allowed in a header field name", line, i + 1,
					    (unsigned)p[i]);
	if (i == len || i == 0)
		return sg_error_set(err, SG_E_SYNTAX, line, off,
				    "not a message: line %u is not a header field "
				    "(NAME: value)", line);
	return SG_OK;
}

enum sg_err sd_msg_check(const uint8_t *p, size_t n, struct sg_error *err)
{
	size_t off = 0;
	uint32_t line = 1;
	enum sg_err rc;

	if (n == 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0, "not a message: the file is empty");
	while (off < n) {
		const uint8_t *lf = memchr(p + off, '\n', n - off);
		size_t end = lf ? (size_t)(lf - p) : n;
		size_t len = end - off;
		const uint8_t *nul;

		if (len > 0 && p[end - 1] == '\r' && lf != NULL)
			len--;
		if (len == 0)
			break;		/* the empty line: the body follows */
		if (end > SD_HEADER_MAX)
			return sg_error_set(err, SG_E_LIMIT, line, off,
					    "not a message: header section longer than %d "
					    "bytes", SD_HEADER_MAX);
		nul = memchr(p + off, '\0', len);
		if (nul != NULL)
			return sg_error_set(err, SG_E_SYNTAX, line, (size_t)(nul - p),
					    "not a message: NUL byte in the header section "
					    "(line %u)", line);
		rc = check_header_line(p + off, len, line, off, err);
		if (rc != SG_OK)
			return rc;
		off = end + 1;
		line++;
	}
	return SG_OK;
}

static enum sg_err to_crlf(const uint8_t *p, size_t n, struct sg_buf *out)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n' || (i > 0 && p[i - 1] == '\r'))
			continue;
		if (sg_buf_append(out, p + start, i - start) != SG_OK ||
		    sg_buf_append(out, "\r\n", 2) != SG_OK)
			return SG_E_NOMEM;
		start = i + 1;
	}
	return sg_buf_append(out, p + start, n - start) == SG_OK ? SG_OK : SG_E_NOMEM;
}

enum sg_err sd_msg_prepare(const uint8_t *raw, size_t n, struct sd_msg_form *form)
{
	memset(form, 0, sizeof(*form));
	sg_buf_init(&form->crlf, SIZE_MAX);
	form->eol = sd_msg_eol(raw, n);
	form->sign = form->body = raw;
	form->sign_len = form->body_len = n;
	if (form->eol == SD_EOL_CRLF)
		return SG_OK;
	if (to_crlf(raw, n, &form->crlf) != SG_OK) {
		sg_buf_free(&form->crlf);
		return SG_E_NOMEM;
	}
	form->sign = (const uint8_t *)form->crlf.data;
	form->sign_len = form->crlf.len;
	if (form->eol == SD_EOL_LF) {
		form->lf = true;
	} else {
		form->body = form->sign;
		form->body_len = form->sign_len;
	}
	return SG_OK;
}

void sd_msg_form_free(struct sd_msg_form *form)
{
	sg_buf_free(&form->crlf);
	form->sign = form->body = NULL;
	form->sign_len = form->body_len = 0;
}

enum sg_err sd_msg_fields(const struct sg_buf *headers, bool lf, struct sg_buf *out)
{
	const char *p = sg_buf_cstr(headers);

	if (!lf)
		return sg_buf_append(out, p, headers->len);
	for (size_t i = 0; i < headers->len; i++) {
		if (p[i] == '\r' && i + 1 < headers->len && p[i + 1] == '\n')
			continue;
		if (sg_buf_putc(out, p[i]) != SG_OK)
			return SG_E_NOMEM;
	}
	return SG_OK;
}

static bool starts_with_nocase(const uint8_t *p, size_t n, const char *word)
{
	size_t w = strlen(word);

	return n >= w && strncasecmp((const char *)p, word, w) == 0;
}

bool sd_msg_output_matches(const uint8_t *out, size_t out_len, const uint8_t *body,
			   size_t body_len)
{
	size_t prefix;

	if (out_len < body_len || memcmp(out + out_len - body_len, body, body_len) != 0)
		return false;
	prefix = out_len - body_len;
	if (prefix == 0)
		return true;
	if (out[prefix - 1] != '\n')
		return false;
	return starts_with_nocase(out, prefix, "DKIM-Signature:") ||
	       starts_with_nocase(out, prefix, "DomainKey-Signature:");
}
