/*
 * NAME
 *   smtp_data.c - DATA phase state machine: end of data, unstuffing, content
 *                 checks (see smtp_data.h for the policy)
 *
 * SUMMARY
 *   One state per position that matters for "<CRLF>.<CRLF>": start of line,
 *   inside a line, after a CR, after a leading dot, after a leading dot and
 *   CR. After the first problem nothing is stored any more (the store is
 *   freed) but the states go on until the end of data.
 *
 *   The common case takes one pass: at a line start or inside a line, with
 *   no problem so far, fast_run looks at 64 octets at a time
 *   (smtp_scan.h's masks) and takes every octet up to the first one that
 *   needs the states - a line-start dot (unstuffing, the end of data), a
 *   CR whose LF is not in the block, a bare LF, a NUL, the CR of a line
 *   over the limit - and stores what it took with one append: finding the
 *   end, checking and copying are that one pass. The states then take
 *   that octet (and what follows it until a line start or line inside
 *   again). fast_run never takes an octet past max_size, so the size
 *   limit is met by the states exactly as before.
 *
 * UNTRUSTED INPUT
 *   Message text from SMTP clients; memory bounded by max_size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_data.h"
#include "smtp_scan.h"

/* The store is preallocated for a SIZE= of at most this (a larger one
 * grows as the text arrives: a claim alone does not reserve memory). */
#define EXPECT_MAX ((size_t)1 << 20)

static size_t store_limit(uint64_t max_size)
{
	return max_size > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)max_size;
}

void sg_smtp_data_init(struct sg_smtp_data *d, uint64_t max_size)
{
	sg_buf_init(&d->msg, store_limit(max_size));
	d->max_size = max_size;
	d->states_only = false;
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
	d->first_dot = UINT64_MAX;
}

/* Not sg_buf_free: it zeroes the memory first, a second pass over every
 * message for text that is no secret (the client's message). */
void sg_smtp_data_free(struct sg_smtp_data *d)
{
	free(d->msg.data);
	sg_buf_init(&d->msg, store_limit(d->max_size));
}

void sg_smtp_data_expect(struct sg_smtp_data *d, uint64_t size)
{
	size_t cap;

	if (d->msg.data != NULL || size == 0 || size > d->max_size || size > EXPECT_MAX)
		return;
	cap = (size_t)size + 1;
	d->msg.data = malloc(cap);
	if (d->msg.data == NULL)
		return;		/* the appends will try again and say so */
	d->msg.data[0] = '\0';
	d->msg.cap = cap;
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
		if (p[0] == '.' && d->first_dot == UINT64_MAX)
			d->first_dot = d->size;	/* ".." kept as "." */
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

/* What fast_run may take of one block. */
struct fast_take {
	size_t stop;			/* octets */
	uint32_t lines;			/* LFs among them */
	size_t tail;			/* octets after the last of them */
};

/*
 * How much of the block (n octets, masks s) fast_run may take: up to the
 * first octet the states must take; bol_in says the block starts a line,
 * line_len is the length of the line before the block.
 */
static struct fast_take fast_stop(const struct sg_smtp_scan *s, size_t n, uint64_t bol_in,
				  size_t line_len)
{
	uint64_t starts = (s->lf << 1) | bol_in;
	uint64_t bad = s->nul | (s->lf & ~(s->cr << 1)) | (s->cr & ~(s->lf >> 1)) |
		       (s->dot & starts);
	struct fast_take t = { bad != 0 ? (size_t)__builtin_ctzll(bad) : n, 0, 0 };
	uint64_t lfs = s->lf & sg_smtp_scan_below(t.stop);
	size_t start = 0;

	/* every LF taken has its CR just before it (an LF at bit 0 is bad) */
	while (lfs != 0) {
		size_t j = (size_t)__builtin_ctzll(lfs);

		if (line_len + (j - 1 - start) + 2 > SG_SMTP_TEXT_LINE_MAX) {
			t.stop = j - 1;	/* the states refuse it at its CRLF */
			break;
		}
		t.lines++;
		line_len = 0;
		start = j + 1;
		lfs &= lfs - 1;
	}
	t.tail = t.stop - start;
	return t;
}

/* See SUMMARY: whole clean lines, 64 octets at a time; returns the octets
 * taken (0: the states must take the next one). */
static size_t fast_run(struct sg_smtp_data *d, const uint8_t *p, size_t len)
{
	uint64_t room = d->max_size - d->size;	/* size <= max_size: no problem yet */
	size_t pos = 0;
	struct sg_smtp_scan s;

	if (room < len)
		len = (size_t)room;
	while (pos < len) {
		size_t n = len - pos < SG_SMTP_SCAN_BLOCK ? len - pos : SG_SMTP_SCAN_BLOCK;
		struct fast_take t;

		sg_smtp_scan_block(p + pos, n, &s);
		t = fast_stop(&s, n, d->state == SG_SMTP_DATA_BOL, d->line_len);
		if (t.stop == 0)
			break;
		d->line += t.lines;
		d->line_len = t.lines > 0 ? t.tail : d->line_len + t.tail;
		d->state = t.tail == 0 && t.lines > 0 ? SG_SMTP_DATA_BOL : SG_SMTP_DATA_TEXT;
		pos += t.stop;	/* a stop inside the block: scanned again from there */
	}
	if (pos > 0)
		store(d, p, pos);
	return pos;
}

static bool fast_state(const struct sg_smtp_data *d)
{
	return !d->states_only && d->problem == SG_SMTP_DATA_OK &&
	       (d->state == SG_SMTP_DATA_BOL || d->state == SG_SMTP_DATA_TEXT);
}

size_t sg_smtp_data_feed(struct sg_smtp_data *d, const uint8_t *p, size_t len)
{
	size_t used = 0;

	while (used < len && d->state != SG_SMTP_DATA_END) {
		if (fast_state(d)) {
			size_t k = fast_run(d, p + used, len - used);

			used += k;
			if (k > 0)
				continue;
		}
		used += step(d, p + used, len - used);
	}
	return used;
}
