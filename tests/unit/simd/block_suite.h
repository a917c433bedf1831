/*
 * NAME
 *   block_suite.h - the tests every relaxed block transform must pass
 *                   (canon.h; included by kernel_suite.h)
 *
 * SUMMARY
 *   bs_rules: hand-made blocks with the exact bytes and state each rule
 *   of canon.h gives: HTAB -> SP, WSP runs, WSP before a line end, WSP at
 *   byte 63 (pending_wsp), a CRLF at bytes 63/64 (63-byte block), empty
 *   lines held after the last content byte and written before the next
 *   content, more than SG_CANON_BLOCK_MAX_HELD held (no block), bare CR,
 *   bare LF, NUL and 8-bit bytes as content, too little room or input.
 *   bs_against_twin: the kernel's output, consumed bytes and state equal
 *   the scalar twin's from random states, rooms and starts of random
 *   bodies (guard pages: nothing read outside [in, end)).
 *   bs_bodies: whole bodies through the engine with blocks (many empty
 *   lines before content, trailing WSP at the end of the body with and
 *   without CRLF, a bare CR last, WSP runs across every block boundary)
 *   equal the built-in scanners' bytes under many chunkings.
 *   bs_split_bodies: each edge piece (CRLF, WSP runs, HTAB, trailing
 *   WSP, bare CR, bare LF, NUL, 8-bit, empty lines) placed around bytes
 *   63/64 and 127/128 and at the body's end, the body cut in two at every
 *   position (a CRLF split between chunks, a chunk ending in a WSP run),
 *   equals the built-in scanners' bytes.
 */
#ifndef SIGNET_BLOCK_SUITE_H
#define SIGNET_BLOCK_SUITE_H

#include "simd_testutil.h"

struct bs_text {
	char b[300];
	size_t len;
};

/* head, then fill up to total - strlen(tail) bytes, then tail. */
static void bs_make(struct bs_text *t, const char *head, size_t hlen, char fill, size_t total,
		    const char *tail)
{
	size_t tl = strlen(tail);

	assert_true(hlen + tl <= total && total <= sizeof(t->b));
	memcpy(t->b, head, hlen);
	memset(t->b + hlen, fill, total - hlen - tl);
	memcpy(t->b + total - tl, tail, tl);
	t->len = total;
}

#define BS_MAKE(t, head, fill, total, tail) bs_make(t, head, sizeof(head) - 1, fill, total, tail)

struct bs_expect {
	struct sg_relaxed_state before, after;
	size_t room, consumed;
};

/* Runs the transform on in (guarded) and checks bytes, consumption, state. */
static void bs_check(sg_canon_block_fn fn, const char *name, const struct bs_text *in,
		     const struct bs_text *want, const struct bs_expect *e)
{
	struct st_guard g;
	const uint8_t *b = st_guarded(in->b, in->len, &g), *p = b;
	struct sg_relaxed_state st = e->before;
	uint8_t out[4096 + 64];
	size_t n;

	assert_true(e->room <= 4096);
	n = fn(&st, &p, b + in->len, out, e->room);
	if (n != want->len || memcmp(out, want->b, n) != 0)
		fail_msg("%s: wrote \"%s\" (%zu bytes), expected %zu bytes", name,
			 tu_escaped((const char *)out, n), n, want->len);
	if ((size_t)(p - b) != e->consumed)
		fail_msg("%s: consumed %td bytes, expected %zu", name, p - b, e->consumed);
	if (st.pending_crlf != e->after.pending_crlf || st.line_empty != e->after.line_empty ||
	    st.pending_wsp != e->after.pending_wsp)
		fail_msg("%s: state held %llu empty %d wsp %d, expected %llu %d %d", name,
			 (unsigned long long)st.pending_crlf, st.line_empty, st.pending_wsp,
			 (unsigned long long)e->after.pending_crlf, e->after.line_empty,
			 e->after.pending_wsp);
	st_unguard(&g);
}

#define BS_STATE(held, empty, wsp) { (held), (empty), (wsp) }

static void bs_rules_wsp(sg_canon_block_fn fn)
{
	struct bs_text in, want;
	struct bs_expect e = { BS_STATE(0, false, false), BS_STATE(0, false, false), 4096, 64 };

	BS_MAKE(&in, "a\t b  \tc", 'x', 65, "y");
	BS_MAKE(&want, "a b c", 'x', 61, "");
	bs_check(fn, "HTAB and WSP runs", &in, &want, &e);
	BS_MAKE(&in, "ab  \r\n", 'c', 65, "d");
	BS_MAKE(&want, "ab\r\n", 'c', 62, "");
	bs_check(fn, "WSP before CRLF", &in, &want, &e);
	BS_MAKE(&in, "", 'x', 65, "   \ty");
	BS_MAKE(&want, "", 'x', 60, "");
	e.after.pending_wsp = true;
	bs_check(fn, "WSP at byte 63", &in, &want, &e);
	BS_MAKE(&in, "", ' ', 65, "a");
	want.len = 0;
	bs_check(fn, "a block of SP on a line with content", &in, &want, &e);
	e.before = (struct sg_relaxed_state)BS_STATE(2, true, true);
	e.after = (struct sg_relaxed_state)BS_STATE(0, false, false);
	BS_MAKE(&in, "z", 'q', 65, "");
	BS_MAKE(&want, "\r\n\r\n z", 'q', 69, "");
	bs_check(fn, "held lines, then the pending SP, then content", &in, &want, &e);
	e.before = (struct sg_relaxed_state)BS_STATE(0, false, true);
	BS_MAKE(&in, "\r\n", 'q', 65, "");
	BS_MAKE(&want, "\r\n", 'q', 64, "");
	bs_check(fn, "pending SP dropped at a line end", &in, &want, &e);
	BS_MAKE(&in, "  \tz", 'q', 65, "");
	BS_MAKE(&want, " z", 'q', 62, "");
	bs_check(fn, "pending SP, the run goes on", &in, &want, &e);
}

static void bs_rules_lines(sg_canon_block_fn fn)
{
	struct bs_text in, want;
	struct bs_expect e = { BS_STATE(0, false, false), BS_STATE(0, false, false), 4096, 63 };

	BS_MAKE(&in, "", 'a', 65, "\r\n");
	BS_MAKE(&want, "", 'a', 63, "");
	bs_check(fn, "CRLF at bytes 63 and 64", &in, &want, &e);
	e.consumed = 64;
	e.after = (struct sg_relaxed_state)BS_STATE(30, true, false);
	BS_MAKE(&in, "ab\r\n", '\r', 64, "");
	for (size_t i = 4; i < 64; i++)
		in.b[i] = i % 2 ? '\n' : '\r';
	in.b[in.len++] = 'x';
	BS_MAKE(&want, "ab\r\n", 'x', 4, "");
	bs_check(fn, "empty lines after the last content are held", &in, &want, &e);
	e.before = (struct sg_relaxed_state)BS_STATE(0, true, false);
	e.after = (struct sg_relaxed_state)BS_STATE(0, false, false);
	BS_MAKE(&in, "  \t\r\n\r\n", 'b', 65, "");
	BS_MAKE(&want, "\r\n\r\n", 'b', 61, "");
	bs_check(fn, "a WSP-only line and an empty line before content", &in, &want, &e);
	e.before = (struct sg_relaxed_state)BS_STATE(SG_CANON_BLOCK_MAX_HELD, true, false);
	BS_MAKE(&in, "hi", 'x', 65, "");
	memset(want.b, 0, sizeof(want.b));
	for (size_t i = 0; i < SG_CANON_BLOCK_MAX_HELD; i++)
		memcpy(want.b + 2 * i, "\r\n", 2);
	memcpy(want.b + 2 * SG_CANON_BLOCK_MAX_HELD, in.b, 64);
	want.len = 2 * SG_CANON_BLOCK_MAX_HELD + 64;
	bs_check(fn, "32 held lines before content", &in, &want, &e);
	e.before.pending_crlf = e.after.pending_crlf = SG_CANON_BLOCK_MAX_HELD + 1;
	e.after.line_empty = true;
	e.consumed = 0;
	want.len = 0;
	bs_check(fn, "33 held lines: the caller writes them", &in, &want, &e);
	for (size_t i = 0; i < 64; i++)
		in.b[i] = i % 2 ? '\n' : '\r';
	e.after.pending_crlf += 32;
	e.consumed = 64;
	bs_check(fn, "33 held lines and no content: more held", &in, &want, &e);
}

static void bs_rules_bytes(sg_canon_block_fn fn)
{
	struct bs_text in, want;
	struct bs_expect e = { BS_STATE(0, true, false), BS_STATE(0, false, false), 4096, 64 };
	static const char odd[] = "\r \n\0\t\x80\xff\r\r\nz\n\r\n";
	static const char odd_out[] = "\r \n\0 \x80\xff\r\r\nz\n\r\n";

	bs_make(&in, odd, sizeof(odd) - 1, 'k', 65, "");
	bs_make(&want, odd_out, sizeof(odd_out) - 1, 'k', 64, "");
	bs_check(fn, "bare CR, bare LF, NUL, 8-bit", &in, &want, &e);
	e.room = SG_CANON_BLOCK_ROOM - 1;
	e.consumed = 0;
	e.after = e.before;
	want.len = 0;
	bs_check(fn, "room for no block", &in, &want, &e);
	e.room = 4096;
	in.len = SG_CANON_BLOCK + SG_CANON_BLOCK_LOOKAHEAD - 1;
	bs_check(fn, "too few bytes for a block and its look-ahead", &in, &want, &e);
	e.after = (struct sg_relaxed_state)BS_STATE(0, false, false);
	BS_MAKE(&in, "", 'a', 129, "");
	memset(in.b + 60, ' ', 10);
	in.b[61] = '\t';
	BS_MAKE(&want, "", 'a', 119, "");
	want.b[60] = ' ';
	e.consumed = 128;
	bs_check(fn, "a WSP run across two blocks", &in, &want, &e);
	e.room = SG_CANON_BLOCK_ROOM + 59;	/* 60 bytes out: no room left */
	e.consumed = 64;
	want.len = 60;
	e.after.pending_wsp = true;
	bs_check(fn, "room for one block", &in, &want, &e);
}

static void bs_rules(void **state)
{
	const struct sg_canon_kernels *k = *state;

	if (k->relaxed_block == NULL)
		skip();
	bs_rules_wsp(k->relaxed_block);
	bs_rules_lines(k->relaxed_block);
	bs_rules_bytes(k->relaxed_block);
}

static const uint64_t bs_helds[] = { 0, 1, 2, 31, 32, 33, 1000 };

/* One call of kernel and twin from the same state, start, end and room. */
static void bs_same_as_twin(sg_canon_block_fn fn, const uint8_t *b, size_t s, size_t e,
			    uint64_t r)
{
	struct sg_relaxed_state st = { bs_helds[r % 7], (r >> 3) & 1, (r >> 4) & 1 }, tw = st;
	const uint8_t *p = b + s, *tp = b + s;
	size_t room = SG_CANON_BLOCK_ROOM + (size_t)(r >> 8) % 600;
	uint8_t out[1024], tout[1024];
	size_t n = fn(&st, &p, b + e, out, room);
	size_t tn = sg_simd_scalar_relaxed_block(&tw, &tp, b + e, tout, room);

	if (n != tn || memcmp(out, tout, n) != 0 || p != tp)
		fail_msg("block transform of [%zu, %zu), room %zu: %zu bytes to %td, twin %zu "
			 "bytes to %td", s, e, room, n, p - b, tn, tp - b);
	assert_true(n <= room);
	assert_int_equal(st.pending_crlf, tw.pending_crlf);
	assert_int_equal(st.line_empty, tw.line_empty);
	assert_int_equal(st.pending_wsp, tw.pending_wsp);
}

static void bs_against_twin(void **state)
{
	const struct sg_canon_kernels *k = *state;
	uint8_t *buf = malloc(2000);
	uint64_t seed = 0xb10c;

	assert_non_null(buf);
	if (k->relaxed_block == NULL) {
		free(buf);
		skip();
	}
	for (int i = 0; i < 600; i++) {
		size_t len = 1 + (size_t)(st_next(&seed) % 2000);
		struct st_guard g;
		const uint8_t *b;

		st_random_body(buf, len, st_next(&seed), (enum st_kind)(i % 3));
		b = st_guarded(buf, len, &g);
		for (int j = 0; j < 8; j++) {
			size_t s = (size_t)(st_next(&seed) % len);
			size_t e = s + (size_t)(st_next(&seed) % (len - s + 1));

			bs_same_as_twin(k->relaxed_block, b, s, j == 0 ? len : e, st_next(&seed));
		}
		st_unguard(&g);
	}
	free(buf);
}

/* Relaxed with k fed as two chunks cut at every position equals the
 * built-in scanners fed whole. */
static void bs_split_everywhere(const struct sg_canon_kernels *k, const uint8_t *body,
				size_t len, const char *label)
{
	struct st_out want, got;
	struct sg_body_canon *c = malloc(sizeof(*c));

	assert_non_null(c);
	st_canon(SG_CANON_RELAXED, NULL, body, len, 0, &want);
	for (size_t cut = 0; cut <= len; cut++) {
		memset(&got, 0, sizeof(got));
		sg_body_canon_init(c, SG_CANON_RELAXED, UINT64_MAX, st_sink, &got);
		sg_body_canon_set_kernels(c, k);
		sg_body_canon_update(c, body, cut);
		sg_body_canon_update(c, body + cut, len - cut);
		sg_body_canon_final(c);
		if (got.len != want.len || memcmp(got.data, want.data, want.len) != 0)
			fail_msg("%s cut at %zu: %zu bytes out, reference %zu", label, cut, got.len,
				 want.len);
		free(got.data);
	}
	free(want.data);
	free(c);
}

/* Every edge of the block rules near block boundaries, cut everywhere:
 * CRLF, WSP runs and HTAB across bytes 63/64 and 127/128, trailing WSP,
 * bare CR and LF, NUL, 8-bit bytes, empty and WSP-only lines. */
static void bs_split_bodies(void **state)
{
	static const char *const pieces[] = {
		"\r\n", " \t \r\n", "\r\n\r\n", "\t", "  ", "\r", "\n", "\0", "\x80\xff",
		" \r\n\r\n  \r\n", "\r\r\n", "\n\r", " \r",
	};
	const struct sg_canon_kernels *k = *state;
	uint8_t body[260];

	for (size_t pi = 0; pi < sizeof(pieces) / sizeof(pieces[0]); pi++) {
		size_t n = strlen(pieces[pi]) + (pieces[pi][0] == '\0');

		for (size_t at = 58; at <= 66; at += 2) {
			memset(body, 'a', sizeof(body));
			memcpy(body + at, pieces[pi], n);
			memcpy(body + at + 64, pieces[pi], n);
			memcpy(body + 200, pieces[pi], n);
			bs_split_everywhere(k, body, 200 + n, "edge piece at the body's end");
			memcpy(body + 240, "x\r\n", 3);
			bs_split_everywhere(k, body, 243, "edge piece near block ends");
		}
	}
}

/* Bodies whose relaxed form depends on the block state at block and
 * chunk boundaries. */
static void bs_bodies(void **state)
{
	const struct sg_canon_kernels *k = *state;
	struct bs_text t;
	size_t at = 0;

	at = st_put(t.b, at, "start\r\n");
	for (int i = 0; i < 70; i++)
		at = st_put(t.b, at, i % 3 ? "\r\n" : " \t\r\n");
	at = st_put(t.b, at, "after seventy empty lines  \t\r\n\r\n \t ");
	t.len = at;
	st_expect_same_output(k, (const uint8_t *)t.b, t.len, 40, "empty lines, trailing WSP");
	at = st_put(t.b, t.len - 4, "\r\n \t \r\n");
	st_expect_same_output(k, (const uint8_t *)t.b, at, 40, "trailing WSP line");
	at = st_put(t.b, t.len, "x\r");
	st_expect_same_output(k, (const uint8_t *)t.b, at, 40, "bare CR last");
	for (size_t off = 60; off <= 70; off++) {
		BS_MAKE(&t, "", 'w', 200, "\r\n");
		memset(t.b + off, ' ', 70);
		t.b[off + 69] = '\t';
		st_expect_same_output(k, (const uint8_t *)t.b, t.len, 12, "WSP run over blocks");
		t.b[off + 70] = '\r';
		t.b[off + 71] = '\n';
		st_expect_same_output(k, (const uint8_t *)t.b, t.len, 12, "WSP run, CRLF");
	}
}

#endif
