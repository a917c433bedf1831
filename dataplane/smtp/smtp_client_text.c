/*
 * NAME
 *   smtp_client_text.c - output of the client machine: command text, then
 *                        the message dot-stuffed as iovecs into the
 *                        caller's buffer (see smtp_client.h)
 *
 * SUMMARY
 *   The message is never copied: each iovec is a run of the message up to
 *   the next line-start dot, or the one-octet "." that doubles it, or the
 *   trailer. sg_smtp_client_output walks a copy of the cursor;
 *   sg_smtp_client_output_done moves the real one by the octets written,
 *   so a partial write resumes inside any segment. The check of the text
 *   and the search for its first line-start dot are one pass
 *   (sg_smtp_scan_text); the next dot is looked for when the cursor
 *   passes one.
 *
 * UNTRUSTED INPUT
 *   None from the network; the message is checked for NUL, bare CR and
 *   bare LF before it is accepted (the server side refuses them too).
 */
#include <stdint.h>
#include <string.h>

#include "smtp_client_int.h"
#include "smtp_scan.h"

/* Smallest line-start '.' at an offset >= from, or len. */
static size_t next_line_dot(const char *m, size_t len, size_t from)
{
	return sg_smtp_scan_text(m, len, from, NULL);
}

/* The first problem: NUL, CR not before LF, LF not after CR (clean text
 * is the one pass of smtp_scan.h, which finds the first line-start dot
 * too; the byte loop only names a problem). */
static enum sg_err check_text(const char *m, size_t len, size_t *dot, struct sg_error *err)
{
	uint32_t line = 1;
	bool clean;

	*dot = sg_smtp_scan_text(m, len, 0, &clean);
	if (clean)
		return SG_OK;
	for (size_t i = 0; i < len; i++) {
		const char *why = NULL;

		if (m[i] == '\0')
			why = "NUL byte";
		else if (m[i] == '\r' && (i + 1 == len || m[i + 1] != '\n'))
			why = "bare CR";
		else if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r'))
			why = "bare LF";
		else if (m[i] == '\n')
			line++;
		if (why != NULL)
			return sg_error_set(err, SG_E_SYNTAX, line, i,
					    "message line %u: %s at offset %zu", line, why, i);
	}
	return SG_OK;
}

/* A prefix is whole CRLF lines none of which starts with '.'. */
enum sg_err smtpc_check_prefix(const char *pre, size_t len, struct sg_error *err)
{
	size_t dot;
	enum sg_err rc = check_text(pre, len, &dot, err);

	if (rc != SG_OK)
		return rc;
	if (len > 0 && (len < 2 || pre[len - 2] != '\r' || pre[len - 1] != '\n'))
		return sg_error_set(err, SG_E_ARG, 0, len, "prefix does not end in CRLF");
	if (dot < len)
		return sg_error_set(err, SG_E_ARG, 0, 0, "prefix line starts with '.'");
	return SG_OK;
}

enum sg_err sg_smtp_text_check(struct sg_smtp_text *t, const char *msg, size_t len,
			       struct sg_error *err)
{
	t->msg = msg;
	t->len = len;
	return check_text(msg, len, &t->first_dot, err);
}

void smtpc_text_start(struct smtpc_text *t, const char *pre, size_t pre_len,
		      const struct sg_smtp_text *text)
{
	const char *msg = text->msg;
	size_t len = text->len;

	t->pre = pre;
	t->pre_len = pre_len;
	t->pre_pos = 0;
	t->msg = msg;
	t->len = len;
	t->pos = 0;
	t->dot = text->first_dot < len ? text->first_dot : len;
	t->trailer = len == 0 || (len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n')
		     ? ".\r\n" : "\r\n.\r\n";
	t->trailer_off = 0;
}

bool smtpc_text_done(const struct smtpc_text *t)
{
	return t->trailer != NULL && t->pre_pos == t->pre_len && t->pos == t->len &&
	       t->trailer[t->trailer_off] == '\0';
}

/* The current segment; false when everything was written. */
static bool text_segment(const struct smtpc_text *t, const char **p, size_t *n)
{
	static const char dot[] = ".";

	if (t->pre_pos < t->pre_len) {
		*p = t->pre + t->pre_pos;
		*n = t->pre_len - t->pre_pos;
	} else if (t->pos < t->len && t->dot == t->pos) {
		*p = dot;
		*n = 1;
	} else if (t->pos < t->len) {
		*p = t->msg + t->pos;
		*n = t->dot - t->pos;
	} else {
		*p = t->trailer + t->trailer_off;
		*n = strlen(*p);
	}
	return *n > 0;
}

/* Moves past n octets of the current segment (n <= its length). */
static void text_advance(struct smtpc_text *t, size_t n)
{
	if (n == 0)
		return;
	if (t->pre_pos < t->pre_len)
		t->pre_pos += n;
	else if (t->pos < t->len && t->dot == t->pos)
		t->dot = next_line_dot(t->msg, t->len, t->pos + 1);
	else if (t->pos < t->len)
		t->pos += n;
	else
		t->trailer_off += n;
}

static void set_iov(struct iovec *v, const char *p, size_t n)
{
	v->iov_base = (void *)(uintptr_t)p;
	v->iov_len = n;
}

int sg_smtp_client_output(const struct sg_smtp_client *c, struct iovec *iov, int max)
{
	struct smtpc_text t = c->text;
	int k = 0;
	const char *p;
	size_t n;

	if (max <= 0 || c->state == SG_SMTP_CLIENT_CLOSED)
		return 0;
	if (c->out.len > c->out_off) {
		set_iov(&iov[k++], c->out.data + c->out_off, c->out.len - c->out_off);
		return k;
	}
	if (c->state != SG_SMTP_CLIENT_TEXT)
		return 0;
	while (k < max && text_segment(&t, &p, &n)) {
		set_iov(&iov[k++], p, n);
		text_advance(&t, n);
	}
	return k;
}

void sg_smtp_client_output_done(struct sg_smtp_client *c, size_t n)
{
	size_t cmd = c->out.len - c->out_off;
	const char *p;
	size_t seg;

	if (cmd > 0) {
		size_t k = n < cmd ? n : cmd;

		c->out_off += k;
		n -= k;
		if (c->out_off == c->out.len) {
			sg_buf_reset(&c->out);
			c->out_off = 0;
		}
	}
	if (c->state != SG_SMTP_CLIENT_TEXT)
		return;
	while (n > 0 && text_segment(&c->text, &p, &seg)) {
		size_t k = n < seg ? n : seg;

		text_advance(&c->text, k);
		n -= k;
	}
	if (smtpc_text_done(&c->text))
		c->state = SG_SMTP_CLIENT_FINAL;
}
