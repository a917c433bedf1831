/*
 * NAME
 *   test_message_reuse.c - unit tests for dataplane/dkim/message.c: the
 *                          header section read on its own
 *                          (sg_msg_parser_feed_headers), a parser reset
 *                          and reused for the next message, and the
 *                          block-wise bare-LF scan of the body
 *
 * SUMMARY
 *   feed_headers stops right after the empty line (whole, in pieces, with
 *   bare LFs, with the empty line cut between chunks), takes nothing once
 *   the body started, and applies the message limit; a reset parser reads
 *   the next message exactly as a new one does (fingerprints compared),
 *   the fields of the last message are gone and its header bytes zeroed,
 *   also after a header section larger than what a reset keeps.
 *   The bare-LF scan: every position of one or two bare LFs in bodies of
 *   1..150 bytes (the 16- and 64-byte steps and the tail), CR before the
 *   LF in the same or the previous chunk, against a byte-by-byte model.
 */
#include "testutil.h"

#include "message_harness.h"

static const char two[] = "From: a\r\nSubject: b\r\n c\r\n\r\nbody\r\nmore\r\n";

/* Everything observable about the two finished runs is the same. */
static void assert_same_runs(const struct run *a, const struct run *b)
{
	char *fa = fingerprint(a), *fb = fingerprint(b);

	assert_string_equal(fa, fb);
	free(fa);
	free(fb);
}

/* The header section in pieces of n bytes; returns where the body starts. */
static size_t headers_in_pieces(struct run *r, const char *msg, size_t len, size_t n)
{
	size_t off = 0, used;

	while (!sg_msg_parser_in_body(r->p) && off < len) {
		size_t chunk = len - off < n ? len - off : n;

		assert_int_equal(sg_msg_parser_feed_headers(r->p, msg + off, chunk, &used,
							    &r->err), SG_OK);
		assert_true(used <= chunk);
		off += used;
	}
	return off;
}

static void test_feed_headers_stops_at_body(void **state)
{
	static const char lf[] = "From: a\nSubject: b\n\nx\n";
	struct run r, whole;
	size_t used;

	(void)state;
	for (size_t n = 1; n <= sizeof(two); n++) {
		size_t at;

		run_init(&r, NULL, false);
		at = headers_in_pieces(&r, S(two), n);
		assert_int_equal(at, 27);		/* just past the empty line */
		assert_int_equal(r.eoh_calls, 1);
		assert_int_equal(r.body.len, 0);	/* no body byte went on */
		assert_int_equal(sg_msg_parser_bytes(r.p), 27);
		assert_int_equal(sg_msg_parser_feed_headers(r.p, two + at, 3, &used, NULL), SG_OK);
		assert_int_equal(used, 0);
		assert_int_equal(sg_msg_parser_feed(r.p, two + at, sizeof(two) - 1 - at, NULL),
				 SG_OK);
		r.rc = sg_msg_parser_finish(r.p, &r.err);
		assert_int_equal(run_whole(&whole, NULL, false, S(two)), SG_OK);
		assert_same_runs(&r, &whole);
		run_free(&r);
		run_free(&whole);
	}
	/* bare LFs counted as CRLF in the header section */
	run_init(&r, NULL, true);
	assert_int_equal(headers_in_pieces(&r, S(lf), 64), 20);
	assert_int_equal(sg_msg_parser_bytes(r.p), 23);
	run_free(&r);
}

static void test_feed_headers_limits(void **state)
{
	struct sg_limits lim;
	struct run r;
	size_t used = 99;

	(void)state;
	sg_limits_default(&lim);
	lim.max_message_bytes = 12;
	run_init(&r, &lim, false);
	assert_int_equal(sg_msg_parser_feed_headers(r.p, S(two), &used, &r.err), SG_E_LIMIT);
	assert_non_null(strstr(r.err.msg, "message larger than the limit"));
	assert_int_equal(sg_msg_parser_feed_headers(r.p, S(two), &used, &r.err), SG_E_STATE);
	assert_int_equal(used, 0);
	run_free(&r);
	/* a limit crossed only by the body is not the header's business */
	lim.max_message_bytes = 30;
	run_init(&r, &lim, false);
	assert_int_equal(sg_msg_parser_feed_headers(r.p, S(two), &used, &r.err), SG_OK);
	assert_int_equal(used, 27);
	assert_int_equal(sg_msg_parser_feed(r.p, two + 27, sizeof(two) - 28, &r.err), SG_E_LIMIT);
	run_free(&r);
}

/* A reset parser reads B as a new one does; nothing of A is left. */
static void test_reset_reuses(void **state)
{
	static const char a[] = "X-A: secret\r\nFrom: a\r\nTo: t\r\nCc: c\r\nDate: d\r\n\r\nA\r\n";
	static const char b[] = "From: b\n\nB\n";
	struct run r, fresh;
	const struct sg_header_field *f;
	const char *raw;
	size_t n;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, true, S(a)), SG_OK);
	f = sg_msg_headers(r.p, &n);
	assert_int_equal(n, 5);
	raw = f[0].raw;
	sg_msg_parser_reset(r.p);
	assert_null(sg_msg_headers(r.p, &n));
	assert_int_equal(n, 0);
	assert_false(sg_msg_parser_in_body(r.p));
	assert_int_equal(sg_msg_parser_bytes(r.p), 0);
	assert_null(f[0].raw);			/* the fields are wiped */
	assert_int_equal(raw[0], '\0');	/* and A's header bytes zeroed */
	assert_null(memchr(raw, 's', 40));
	/* B through the same parser (its callbacks recorded afresh) */
	sg_buf_reset(&r.body);
	r.eoh_calls = 0;
	r.body_calls = r.body_calls_before_eoh = 0;
	assert_int_equal(sg_msg_parser_feed(r.p, S(b), &r.err), SG_OK);
	r.rc = sg_msg_parser_finish(r.p, &r.err);
	assert_int_equal(run_whole(&fresh, NULL, true, S(b)), SG_OK);
	assert_same_runs(&r, &fresh);
	/* and a failed parser is usable again after a reset */
	assert_int_equal(sg_msg_parser_feed(r.p, "x", 1, &r.err), SG_E_STATE);
	sg_msg_parser_reset(r.p);
	assert_int_equal(sg_msg_parser_feed(r.p, S("no colon\r\n\r\n"), &r.err), SG_E_SYNTAX);
	sg_msg_parser_reset(r.p);
	assert_int_equal(sg_msg_parser_feed(r.p, S(b), &r.err), SG_OK);
	assert_int_equal(sg_msg_parser_finish(r.p, &r.err), SG_OK);
	run_free(&r);
	run_free(&fresh);
}

/* After a message whose header section is larger than what a reset keeps
 * (120 KiB in three fields; 300 fields), the next one reads as with a new
 * parser. */
static void test_reset_after_huge_header(void **state)
{
	static const char b[] = "From: b\r\nTo: c\r\n\r\nB\r\n";
	struct sg_buf big;
	struct run r, fresh;

	(void)state;
	assert_int_equal(run_whole(&fresh, NULL, false, S(b)), SG_OK);
	for (int kind = 0; kind < 2; kind++) {
		sg_buf_init(&big, SIZE_MAX);
		for (int i = 0; i < (kind ? 300 : 3); i++) {
			assert_int_equal(sg_buf_printf(&big, "X-%d: ", i), SG_OK);
			for (int j = 0; kind == 0 && j < 40 * 1024; j++)
				assert_int_equal(sg_buf_putc(&big, 'v'), SG_OK);
			assert_int_equal(sg_buf_puts(&big, "v\r\n"), SG_OK);
		}
		assert_int_equal(sg_buf_puts(&big, "\r\nbody\r\n"), SG_OK);
		assert_int_equal(run_whole(&r, NULL, false, big.data, big.len), SG_OK);
		sg_msg_parser_reset(r.p);
		sg_buf_reset(&r.body);
		r.eoh_calls = 0;
		r.body_calls = r.body_calls_before_eoh = 0;
		assert_int_equal(sg_msg_parser_feed(r.p, S(b), &r.err), SG_OK);
		r.rc = sg_msg_parser_finish(r.p, &r.err);
		assert_same_runs(&r, &fresh);
		run_free(&r);
		sg_buf_free(&big);
	}
	run_free(&fresh);
}

/* The body with every bare LF made CRLF, byte by byte. */
static size_t model_fix(const char *in, size_t len, char *out)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[w++] = '\r';
		out[w++] = in[i];
	}
	return w;
}

/* Bodies of CRLF lines with one or two bare LFs anywhere, fed whole and
 * cut in two at every place. */
static void test_bare_lf_scan_positions(void **state)
{
	char msg[200], want[400];
	const size_t head = 9;	/* "From: a\r\n" then the empty line's "\r\n" */

	(void)state;
	memcpy(msg, "From: a\r\n\r\n", 11);
	for (size_t len = 1; len <= 150; len += 7) {
		for (size_t p1 = 0; p1 < len; p1++) {
			size_t p2 = (p1 * 37 + len) % len;
			char *body = msg + head + 2;
			struct run r;
			size_t cuts[1], n;

			for (size_t i = 0; i < len; i++)
				body[i] = i % 9 == 8 ? '\n' : i % 9 == 7 ? '\r' : 'a';
			body[p1] = '\n';
			body[p2] = '\n';
			if (p1 > 0 && p1 % 3 == 0)
				body[p1 - 1] = '\r';	/* sometimes not bare after all */
			n = model_fix(body, len, want);
			cuts[0] = head + 2 + (p1 * 5) % (len + 1);
			assert_int_equal(run_cuts(&r, NULL, true, msg, head + 2 + len, cuts, 1), SG_OK);
			assert_int_equal(r.body.len, n);
			assert_memory_equal(r.body.data, want, n);
			run_free(&r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed_headers_stops_at_body),
		cmocka_unit_test(test_feed_headers_limits),
		cmocka_unit_test(test_reset_reuses),
		cmocka_unit_test(test_reset_after_huge_header),
		cmocka_unit_test(test_bare_lf_scan_positions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
