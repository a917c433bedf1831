/*
 * NAME
 *   canon_body.c - streaming DKIM / DomainKeys body canonicalization
 *
 * SUMMARY
 *   Implements struct sg_body_canon (see canon.h). The body is a sequence
 *   of lines, each ended by CRLF; a bare CR or a bare LF is an ordinary
 *   byte for simple, relaxed and DomainKeys simple (nofws removes them).
 *   Every canonicalization is the same machine:
 *     - bytes of a line are written as soon as they are known to be
 *       canonical output ("content");
 *     - a line that is empty (after whitespace reduction) is held back as
 *       a count (pending_crlf) and written only when a later line has
 *       content, so trailing empty lines vanish however long they are;
 *     - a CR at the end of a chunk is held (cr_pending) until the next
 *       byte says whether it starts a CRLF;
 *     - relaxed holds one "WSP seen" flag (pending_wsp), written as one
 *       SP before the next content byte of the same line and dropped at
 *       the end of the line.
 *   Runs of bytes that pass unchanged are found with memchr (simple), a
 *   class table (nofws) or, for relaxed, eight bytes at a time (SWAR) where
 *   a single SP between words does not end the run; each run is copied in
 *   one piece into c->out, which is passed to the sink when the next piece
 *   does not fit and at final (a piece larger than c->out goes straight
 *   to the sink).
 *   With c->kernels set, the three run finders are the kernel's scanners
 *   instead (rules in canon.h); the state machine around them is the same.
 *   A kernel's relaxed block transform, when it has one, takes over whole
 *   64-byte blocks between line ends (relaxed_blocks: it writes straight
 *   into c->out and carries held lines, "line empty" and the pending SP
 *   in struct sg_relaxed_state); the machine does the rest of each piece
 *   (its last 64 bytes, a CR held across pieces, more than 32 held empty
 *   lines before content, output near the l= limit) one stop at a time.
 *
 * DOMAINKEYS
 *   Semantics follow Mail::DKIM's dk_simple / dk_nofws as fed by its
 *   verifier and signer (the header/body separator CRLF first, then the
 *   body): trailing empty lines are dropped, empty lines followed by
 *   content are kept, no CRLF is appended to an unterminated last line.
 *   nofws removes SP and HTAB first and then every CR and LF that is not
 *   part of a CRLF, so "CR SP LF" is a line end. Two cases differ on
 *   purpose, both only with bare LFs: Mail::DKIM's LF-removing regex
 *   keeps every second LF of a run of bare LFs ("a\n\n\nb" -> "a\nb") and
 *   an LF that starts one of its internal chunks (e.g. "\r\n\n" right
 *   after the separator); here every bare LF is removed, as RFC 4870
 *   3.4.2.2 asks, and the result never depends on how the input is split.
 *
 * UNTRUSTED INPUT
 *   Body bytes of any content. O(1) state, no allocation; work is linear
 *   in the input plus the held empty lines that are finally written.
 */
#include <stdint.h>
#include <string.h>

#include "canon.h"

static const uint8_t crlf_block[64] =
	"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

/* Bytes that end a run of ordinary bytes, per canonicalization. */
static const uint8_t relaxed_special[256] = { [' '] = 1, ['\t'] = 1, ['\r'] = 1 };
static const uint8_t nofws_special[256] = { [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1 };

static const uint8_t byte_cr = '\r';
static const uint8_t byte_sp = ' ';

void sg_body_canon_init(struct sg_body_canon *c, enum sg_canon canon, uint64_t limit,
			sg_sink_fn sink, void *arg)
{
	c->canon = canon;
	c->sink = sink;
	c->arg = arg;
	c->limit = limit;
	c->emitted = 0;
	c->total = 0;
	c->kernels = NULL;
	c->pending_crlf = 0;
	c->pending_wsp = 0;
	c->cr_pending = false;
	c->line_empty = true;
	c->outlen = 0;
}

void sg_body_canon_set_kernels(struct sg_body_canon *c, const struct sg_canon_kernels *k)
{
	c->kernels = k;
}

static void flush(struct sg_body_canon *c)
{
	if (c->outlen == 0)
		return;
	c->sink(c->arg, c->out, c->outlen);
	c->emitted += c->outlen;
	c->outlen = 0;
}

/* Writes n canonical bytes: all are counted in total, at most limit in all
 * reach the sink. Invariant: emitted + outlen <= limit. */
static void put(struct sg_body_canon *c, const uint8_t *p, size_t n)
{
	uint64_t room = c->limit - c->emitted - c->outlen;

	c->total += n;
	if (n > room)
		n = (size_t)room;
	if (n > sizeof(c->out) - c->outlen) {
		flush(c);
		if (n >= sizeof(c->out)) {
			c->sink(c->arg, p, n);
			c->emitted += n;
			return;
		}
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
}

static void put_held_lines(struct sg_body_canon *c)
{
	while (c->pending_crlf > 0) {
		uint64_t k = c->pending_crlf;

		if (k > sizeof(crlf_block) / 2)
			k = sizeof(crlf_block) / 2;
		put(c, crlf_block, (size_t)k * 2);
		c->pending_crlf -= k;
	}
}

/* Writes content bytes of the current line: held empty lines first, then
 * (relaxed) the one SP standing for a WSP run, then the bytes. */
static void content(struct sg_body_canon *c, const uint8_t *p, size_t n)
{
	if (c->line_empty) {
		put_held_lines(c);
		c->line_empty = false;
	}
	if (c->pending_wsp) {
		put(c, &byte_sp, 1);
		c->pending_wsp = 0;
	}
	put(c, p, n);
}

/* A CRLF was seen: end a line with content, or hold an empty one. */
static void end_line(struct sg_body_canon *c)
{
	if (c->line_empty)
		c->pending_crlf++;
	else
		put(c, crlf_block, 2);
	c->line_empty = true;
	c->pending_wsp = 0;
}

/* A CR ended the previous piece: followed by LF it ends the line (returns
 * true: the LF is used up), otherwise it was an ordinary byte. */
static bool settle_cr(struct sg_body_canon *c, uint8_t next)
{
	c->cr_pending = false;
	if (next == '\n') {
		end_line(c);
		return true;
	}
	content(c, &byte_cr, 1);
	return false;
}

/* The next CR from p (built-in) or the kernel's simple stop; end if none. */
static const uint8_t *simple_stop(const struct sg_body_canon *c, const uint8_t *p,
				  const uint8_t *end)
{
	const uint8_t *cr;

	if (c->kernels != NULL)
		return c->kernels->simple(p, end);
	cr = memchr(p, '\r', (size_t)(end - p));
	return cr != NULL ? cr : end;
}

/* simple and DomainKeys simple: only CRLF is special. */
static void update_simple(struct sg_body_canon *c, const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		const uint8_t *cr;

		if (c->cr_pending && settle_cr(c, *p)) {
			p++;
			continue;
		}
		cr = simple_stop(c, p, end);
		if (cr > p)
			content(c, p, (size_t)(cr - p));
		if (cr == end)
			return;
		c->cr_pending = true;
		p = cr + 1;
	}
}

#define LANES_LOW7 0x7f7f7f7f7f7f7f7fULL
#define LANES_ONE 0x0101010101010101ULL
#define LANE_LAST 0x8000000000000000ULL

/* High bit of every byte lane of x that equals b, no false positives. */
static inline uint64_t lanes_equal(uint64_t x, uint8_t b)
{
	uint64_t v = x ^ (LANES_ONE * b);

	return ~(((v & LANES_LOW7) + LANES_LOW7) | v | LANES_LOW7);
}

/* Lanes (little-endian: byte i of the word is lane i) where a relaxed run
 * may stop: HTAB, CR, and a SP whose next byte is WSP or CR or lies in the
 * next word (the scalar loop decides that one). */
static inline uint64_t relaxed_stop_lanes(uint64_t x)
{
	uint64_t sp = lanes_equal(x, ' ');
	uint64_t hard = lanes_equal(x, '\t') | lanes_equal(x, '\r');

	return hard | (sp & (((sp | hard) >> 8) | LANE_LAST));
}

/* End of the run of bytes relaxed leaves unchanged from p: ordinary bytes
 * and, after at least one of them, a single SP followed by one (the
 * common word gap, so a plain text line is one run). Eight bytes at a time
 * while no lane can stop the run, then byte by byte. */
static inline const uint8_t *relaxed_run_end(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q = p;

	if (q < end && *q == ' ')
		return q;
	for (;;) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		while (end - q >= 8) {
			uint64_t x, stops;

			memcpy(&x, q, sizeof(x));
			stops = relaxed_stop_lanes(x);
			if (stops != 0) {
				q += __builtin_ctzll(stops) / 8;
				break;
			}
			q += 8;
		}
#endif
		while (q < end && !relaxed_special[*q])
			q++;
		if (q + 1 >= end || *q != ' ' || q == p || relaxed_special[q[1]])
			return q;
		q += 2;
	}
}

/* Room for a relaxed block transform in c->out: the buffer's and the
 * limit's, whichever is smaller. */
static size_t block_room(const struct sg_body_canon *c)
{
	uint64_t room = c->limit - c->emitted - c->outlen;

	if (room > sizeof(c->out) - c->outlen)
		room = sizeof(c->out) - c->outlen;
	return (size_t)room;
}

/* The kernel's relaxed block transform from p, straight into c->out (the
 * buffer is passed to the sink when it lacks room for a block). Returns
 * where the state machine takes over: the last bytes of the piece, the
 * l= limit, or many held empty lines before content. */
static const uint8_t *relaxed_blocks(struct sg_body_canon *c, const uint8_t *p,
				     const uint8_t *end)
{
	struct sg_relaxed_state st = { c->pending_crlf, c->line_empty, c->pending_wsp != 0 };

	while (end - p >= SG_CANON_BLOCK + SG_CANON_BLOCK_LOOKAHEAD) {
		const uint8_t *from = p;
		size_t n;

		if (block_room(c) < SG_CANON_BLOCK_ROOM) {
			if (c->limit - c->emitted - c->outlen < SG_CANON_BLOCK_ROOM)
				break;
			flush(c);
		}
		n = c->kernels->relaxed_block(&st, &p, end, c->out + c->outlen, block_room(c));
		c->outlen += n;
		c->total += n;
		if (p == from)
			break;
	}
	c->pending_crlf = st.pending_crlf;
	c->line_empty = st.line_empty;
	c->pending_wsp = st.pending_wsp;
	return p;
}

/* relaxed: CRLF ends a line, SP/HTAB runs collapse to one held SP. Whole
 * blocks go to the kernel's block transform when it has one; the state
 * machine does one stop at a time in between. */
static void update_relaxed(struct sg_body_canon *c, const uint8_t *p, const uint8_t *end)
{
	bool blocks = c->kernels != NULL && c->kernels->relaxed_block != NULL;

	while (p < end) {
		const uint8_t *q;

		if (c->cr_pending && settle_cr(c, *p)) {
			p++;
			continue;
		}
		if (blocks && (p = relaxed_blocks(c, p, end)) == end)
			return;
		q = c->kernels != NULL ? c->kernels->relaxed(p, end) : relaxed_run_end(p, end);
		if (q > p)
			content(c, p, (size_t)(q - p));
		if (q == end)
			return;
		p = q + 1;
		if (*q == '\r') {
			c->cr_pending = true;
			continue;
		}
		c->pending_wsp = 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
	}
}

/* The next SP, HTAB, CR or LF from p (built-in) or the kernel's nofws stop. */
static const uint8_t *nofws_stop(const struct sg_body_canon *c, const uint8_t *p,
				 const uint8_t *end)
{
	if (c->kernels != NULL)
		return c->kernels->nofws(p, end);
	while (p < end && !nofws_special[*p])
		p++;
	return p;
}

/* DomainKeys nofws: SP/HTAB vanish (a CR stays pending across them), a CR
 * not followed by LF and an LF not preceded by CR vanish. */
static void update_nofws(struct sg_body_canon *c, const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		const uint8_t *q = nofws_stop(c, p, end);

		if (q > p) {
			c->cr_pending = false;
			content(c, p, (size_t)(q - p));
		}
		if (q == end)
			return;
		if (*q == '\r') {
			c->cr_pending = true;
		} else if (*q == '\n' && c->cr_pending) {
			c->cr_pending = false;
			end_line(c);
		}
		p = q + 1;
	}
}

void sg_body_canon_update(struct sg_body_canon *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (len == 0)
		return;
	switch (c->canon) {
	case SG_CANON_SIMPLE:
	case SG_CANON_DK_SIMPLE:
		update_simple(c, p, p + len);
		break;
	case SG_CANON_RELAXED:
		update_relaxed(c, p, p + len);
		break;
	case SG_CANON_DK_NOFWS:
		update_nofws(c, p, p + len);
		break;
	}
}

void sg_body_canon_final(struct sg_body_canon *c)
{
	bool bare_cr = c->cr_pending;

	c->cr_pending = false;
	switch (c->canon) {
	case SG_CANON_SIMPLE:
		if (bare_cr)
			content(c, &byte_cr, 1);
		if (!c->line_empty || c->total == 0)
			put(c, crlf_block, 2);
		break;
	case SG_CANON_RELAXED:
		if (bare_cr)
			content(c, &byte_cr, 1);
		if (!c->line_empty)
			put(c, crlf_block, 2);
		break;
	case SG_CANON_DK_SIMPLE:
		if (bare_cr)
			content(c, &byte_cr, 1);
		break;
	case SG_CANON_DK_NOFWS:
		break;
	}
	c->pending_wsp = 0;
	c->pending_crlf = 0;
	c->line_empty = true;
	flush(c);
}
