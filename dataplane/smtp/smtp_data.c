/*
 * NAME
 *   smtp_data.c - DATA phase state machine: end of data, unstuffing, content
 *                 checks (see smtp_data.h for the policy)
 *
 * SUMMARY
 *   One state per position that matters for "<CRLF>.<CRLF>": start of line,
 *   inside a line, after a CR, after a leading dot, after a leading dot and
 *   CR. Runs of ordinary bytes inside a line are stored in one append, so
 *   the cost per byte is a comparison. After the first problem nothing is
 *   stored any more (the store is freed) but the states go on until the
 *   end of data.
 *
 * UNTRUSTED INPUT
 *   Message text from SMTP clients; memory bounded by max_size.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtp_data.h"

static size_t store_limit(uint64_t max_size)
{
	return max_size > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)max_size;
}

void sg_smtp_data_init(struct sg_smtp_data *d, uint64_t max_size)
{
	sg_buf_init(&d->msg, store_limit(max_size));
	d->max_size = max_size;
	sg_smtp_data_reset(d);
}

void sg_smtp_data_reset(struct sg_smtp_data *d)
{
	sg_buf_reset(&d->msg);
	d->size = 0;
	d->line = 1;
	d->line_len = 0;
	d->state = SG_SMTP_DATA_BOL;
	d->problem = SG_SMTP_DATA_OK;
	d->problem_line = 0;
}

void sg_smtp_data_free(struct sg_smtp_data *d)
{
	sg_buf_free(&d->msg);
	sg_buf_init(&d->msg, store_limit(d->max_size));
}

bool sg_smtp_data_done(const struct sg_smtp_data *d)
{
	return d->state == SG_SMTP_DATA_END;
}

const char *sg_smtp_data_problem_name(enum sg_smtp_data_problem p)
{
	switch (p) {
	case SG_SMTP_DATA_OK:
		return "no problem";
	case SG_SMTP_DATA_TOO_BIG:
		return "message too big";
	case SG_SMTP_DATA_BARE_LF:
		return "bare LF (line ends must be CRLF)";
	case SG_SMTP_DATA_BARE_CR:
		return "bare CR (line ends must be CRLF)";
	case SG_SMTP_DATA_NUL:
		return "NUL byte";
	case SG_SMTP_DATA_LONG_LINE:
		return "line longer than 1000 octets";
	case SG_SMTP_DATA_NOMEM:
		return "out of memory";
	}
	return "unknown problem";
}

static void set_problem(struct sg_smtp_data *d, enum sg_smtp_data_problem p)
{
	if (d->problem != SG_SMTP_DATA_OK)
		return;
	d->problem = p;
	d->problem_line = d->line;
	sg_smtp_data_free(d);
}

static void store(struct sg_smtp_data *d, const uint8_t *p, size_t n)
{
	d->size += n;
	if (d->problem != SG_SMTP_DATA_OK)
		return;
	if (d->size > d->max_size) {
		set_problem(d, SG_SMTP_DATA_TOO_BIG);
		return;
	}
	if (sg_buf_append(&d->msg, p, n) != SG_OK)
		set_problem(d, SG_SMTP_DATA_NOMEM);
}

/* Length of the run of bytes before the first CR, LF or NUL. */
static size_t ordinary_run(const uint8_t *p, size_t n)
{
	const uint8_t *cr = memchr(p, '\r', n), *other;
	size_t k = cr ? (size_t)(cr - p) : n;

	/* libc's memchr is vectorised: three passes beat one byte loop */
	other = memchr(p, '\n', k);
	if (other != NULL)
		k = (size_t)(other - p);
	other = memchr(p, '\0', k);
	return other != NULL ? (size_t)(other - p) : k;
}

/* Inside a line: a run of ordinary bytes, or one CR, LF or NUL. */
static size_t text_step(struct sg_smtp_data *d, const uint8_t *p, size_t n)
{
	size_t k = ordinary_run(p, n);

	if (k > 0) {
		store(d, p, k);
		d->line_len += k;
		return k;
	}
	if (p[0] == '\r') {
		d->state = SG_SMTP_DATA_CR;
		return 1;
	}
	set_problem(d, p[0] == '\n' ? SG_SMTP_DATA_BARE_LF : SG_SMTP_DATA_NUL);
	store(d, p, 1);
	d->line_len++;
	return 1;
}

/* After a CR: CRLF ends the line; anything else makes the CR bare. */
static size_t cr_step(struct sg_smtp_data *d, uint8_t c)
{
	static const uint8_t crlf[2] = { '\r', '\n' };

	if (c == '\n') {
		if (d->line_len + 2 > SG_SMTP_TEXT_LINE_MAX)
			set_problem(d, SG_SMTP_DATA_LONG_LINE);
		store(d, crlf, 2);
		d->line++;
		d->line_len = 0;
		d->state = SG_SMTP_DATA_BOL;
		return 1;
	}
	set_problem(d, SG_SMTP_DATA_BARE_CR);
	store(d, crlf, 1);
	d->line_len++;
	d->state = SG_SMTP_DATA_TEXT;
	return 0;			/* c is read again inside the line */
}

/* One step from the current state; returns the bytes used (may be 0). */
static size_t step(struct sg_smtp_data *d, const uint8_t *p, size_t n)
{
	switch (d->state) {
	case SG_SMTP_DATA_BOL:
		if (p[0] == '.') {
			d->line_len = 1;
			d->state = SG_SMTP_DATA_DOT;
			return 1;
		}
		d->state = SG_SMTP_DATA_TEXT;
		return 0;
	case SG_SMTP_DATA_TEXT:
		return text_step(d, p, n);
	case SG_SMTP_DATA_CR:
		return cr_step(d, p[0]);
	case SG_SMTP_DATA_DOT:
		if (p[0] == '\r') {
			d->state = SG_SMTP_DATA_DOT_CR;
			return 1;
		}
		d->state = SG_SMTP_DATA_TEXT;	/* the leading dot is dropped */
		return 0;
	case SG_SMTP_DATA_DOT_CR:
		if (p[0] == '\n') {
			d->state = SG_SMTP_DATA_END;
			return 1;
		}
		d->state = SG_SMTP_DATA_CR;	/* ".<CR>x": dot dropped, CR bare */
		return 0;
	case SG_SMTP_DATA_END:
		break;
	}
	return 0;
}

size_t sg_smtp_data_feed(struct sg_smtp_data *d, const uint8_t *p, size_t len)
{
	size_t used = 0;

	while (used < len && d->state != SG_SMTP_DATA_END)
		used += step(d, p + used, len - used);
	return used;
}
