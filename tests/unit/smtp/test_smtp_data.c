/*
 * NAME
 *   test_smtp_data.c - unit tests for dataplane/smtp/smtp_data.c
 *
 * SUMMARY
 *   End of data (and where feeding stops), the empty message, unstuffing
 *   (".." -> ".", ".x" -> "x", dots inside lines kept), near-misses of the
 *   end sequence, every problem with its line (bare LF, bare CR, NUL, long
 *   line with the 1000/1001 edge and the stuffing dot counted, size at the
 *   limit and one past), the first problem winning with the store freed
 *   and the end still found, reset for reuse, the problem names, and
 *   chunk-boundary independence: thousands of random inputs over an
 *   alphabet of CR, LF, '.', NUL and a letter give the same message,
 *   problem, line and consumed count fed whole, byte by byte and in random
 *   pieces. The 64-octet fast path against the states alone
 *   (states_only): random mail-like texts (lines of 0..1100 octets, dot
 *   lines, rare bad octets, small size limits) fed whole and in random
 *   pieces; line-start dots, "..", lone "." lines and CRLF on every side
 *   of a 64-octet block edge; the end "<CRLF>.<CRLF>" split across two
 *   reads at every point; a long line's CRLF across a block edge; the
 *   SIZE= preallocation (sg_smtp_data_expect) and its bounds; first_dot,
 *   the first line-start '.' of the unstuffed message, against a search
 *   of the message.
 */
#include "testutil.h"

#include "smtp_data.h"

struct run {
	size_t used;
	bool done;
	enum sg_smtp_data_problem problem;
	uint32_t problem_line;
	uint32_t line;			/* the line the reader is at */
	uint64_t first_dot;
	uint64_t size;
	char *msg;
	size_t len;
};

/* Feeds in pieces of the given sizes (cycled; 0 = all at once);
 * states_only: without the fast path. */
static struct run feed_as(const char *in, size_t n, uint64_t max, const size_t *pieces,
			  size_t npieces, bool states_only)
{
	struct sg_smtp_data d;
	struct run r = { 0 };
	size_t k = 0;

	sg_smtp_data_init(&d, max);
	d.states_only = states_only;
	while (r.used < n && !sg_smtp_data_done(&d)) {
		size_t want = npieces ? pieces[k++ % npieces] : n;
		size_t len = want < n - r.used ? want : n - r.used;
		size_t got = sg_smtp_data_feed(&d, (const uint8_t *)in + r.used, len);

		assert_true(got == len || sg_smtp_data_done(&d));
		r.used += got;
	}
	r.done = sg_smtp_data_done(&d);
	r.problem = d.problem;
	r.problem_line = d.problem_line;
	r.line = d.line;
	r.first_dot = d.first_dot;
	r.size = d.size;
	r.len = d.msg.len;
	r.msg = malloc(r.len + 1);
	assert_non_null(r.msg);
	memcpy(r.msg, sg_buf_cstr(&d.msg), r.len + 1);
	sg_smtp_data_free(&d);
	return r;
}

static struct run feed(const char *in, size_t n, uint64_t max, const size_t *pieces,
		       size_t npieces)
{
	return feed_as(in, n, max, pieces, npieces, false);
}

static struct run whole(const char *in, size_t n, uint64_t max)
{
	return feed(in, n, max, NULL, 0);
}

static void expect_msg(const char *in, size_t n, const char *want, size_t used)
{
	struct run r = whole(in, n, 1000000);

	assert_true(r.done);
	assert_int_equal(r.problem, SG_SMTP_DATA_OK);
	assert_int_equal(r.used, used);
	assert_int_equal(r.len, strlen(want));
	assert_memory_equal(r.msg, want, r.len);
	free(r.msg);
}

#define EXPECT_MSG(in, want) expect_msg(in, sizeof(in) - 1, want, sizeof(in) - 1)

static void test_end_and_unstuffing(void **state)
{
	(void)state;
	EXPECT_MSG(".\r\n", "");
	EXPECT_MSG("abc\r\n.\r\n", "abc\r\n");
	EXPECT_MSG("..\r\n.\r\n", ".\r\n");
	EXPECT_MSG("...\r\n.\r\n", "..\r\n");
	EXPECT_MSG(".x\r\n.\r\n", "x\r\n");
	EXPECT_MSG("a.b\r\n.a\r\n..\r\n.\r\n", "a.b\r\na\r\n.\r\n");
	EXPECT_MSG("\r\n\r\n.\r\n", "\r\n\r\n");
	EXPECT_MSG("a\r\n. \r\n.\r\n", "a\r\n \r\n");	/* ". " is not the end */
	EXPECT_MSG("8bit \xe9\xff\r\n.\r\n", "8bit \xe9\xff\r\n");
	/* feeding stops just after the end */
	expect_msg("a\r\n.\r\nQUIT\r\n", 12, "a\r\n", 6);
}

static void expect_problem(const char *in, size_t n, uint64_t max,
			   enum sg_smtp_data_problem p, uint32_t line)
{
	struct run r = whole(in, n, max);

	assert_true(r.done);
	assert_int_equal(r.used, n);
	assert_int_equal(r.problem, p);
	assert_int_equal(r.problem_line, line);
	assert_int_equal(r.len, 0);		/* nothing kept */
	free(r.msg);
}

#define EXPECT_PROBLEM(in, p, line) expect_problem(in, sizeof(in) - 1, 1000000, p, line)

static void test_problems(void **state)
{
	(void)state;
	EXPECT_PROBLEM("a\nb\r\n.\r\n", SG_SMTP_DATA_BARE_LF, 1);
	EXPECT_PROBLEM("ok\r\n\n.\r\n.\r\n", SG_SMTP_DATA_BARE_LF, 2);	/* LF. is no end */
	EXPECT_PROBLEM("a\rb\r\n.\r\n", SG_SMTP_DATA_BARE_CR, 1);
	EXPECT_PROBLEM("a\r\r\n.\r\n", SG_SMTP_DATA_BARE_CR, 1);
	EXPECT_PROBLEM(".\r\r\n.\r\n", SG_SMTP_DATA_BARE_CR, 1);
	EXPECT_PROBLEM("1\r\n2\r\n3\0\r\n.\r\n", SG_SMTP_DATA_NUL, 3);
	/* the first problem is the one reported */
	EXPECT_PROBLEM("a\r\n\0\r\nb\nc\r\n.\r\n", SG_SMTP_DATA_NUL, 2);
	/* no smuggled ends */
	EXPECT_PROBLEM("a\n.\nb\r\n.\r\n", SG_SMTP_DATA_BARE_LF, 1);
	EXPECT_PROBLEM("a\n.\r\nb\r\n.\r\n", SG_SMTP_DATA_BARE_LF, 1);
	EXPECT_PROBLEM("a\r\n.\nb\r\n.\r\n", SG_SMTP_DATA_BARE_LF, 2);
	EXPECT_PROBLEM("a\r.\rb\r\n.\r\n", SG_SMTP_DATA_BARE_CR, 1);
	expect_problem("0123456789\r\n.\r\n", 15, 11, SG_SMTP_DATA_TOO_BIG, 1);
}

static void test_size_limit(void **state)
{
	struct run r;

	(void)state;
	r = whole("0123456789\r\n.\r\n", 15, 12);	/* exactly 12 */
	assert_int_equal(r.problem, SG_SMTP_DATA_OK);
	assert_int_equal(r.len, 12);
	free(r.msg);
	r = whole("..23456789\r\n.\r\n", 15, 11);	/* unstuffed: 11 */
	assert_int_equal(r.problem, SG_SMTP_DATA_OK);
	free(r.msg);
	r = whole("0123456789\r\nmore\r\n.\r\n", 21, 12);
	assert_int_equal(r.problem, SG_SMTP_DATA_TOO_BIG);
	assert_int_equal(r.problem_line, 2);
	assert_int_equal(r.size, 18);			/* still counted */
	free(r.msg);
}

static void test_long_lines(void **state)
{
	char buf[1100];
	struct run r;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 998, "\r\n.\r\n", 5);		/* 998 + CRLF = 1000 */
	r = whole(buf, 1003, 1 << 20);
	assert_int_equal(r.problem, SG_SMTP_DATA_OK);
	assert_int_equal(r.len, 1000);
	free(r.msg);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 999, "\r\n.\r\n", 5);		/* 1001 */
	expect_problem(buf, 1004, 1 << 20, SG_SMTP_DATA_LONG_LINE, 1);
	memset(buf, 'a', sizeof(buf));
	buf[0] = '.';					/* dot + 998 + CRLF */
	memcpy(buf + 999, "\r\n.\r\n", 5);
	expect_problem(buf, 1004, 1 << 20, SG_SMTP_DATA_LONG_LINE, 1);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "x\r\n", 3);			/* second line: 997 + CRLF */
	memcpy(buf + 1000, "\r\n.\r\n", 5);
	r = whole(buf, 1005, 1 << 20);
	assert_int_equal(r.problem, SG_SMTP_DATA_OK);
	free(r.msg);
}

static void test_reset_and_names(void **state)
{
	struct sg_smtp_data d;

	(void)state;
	sg_smtp_data_init(&d, 100);
	assert_int_equal(sg_smtp_data_feed(&d, (const uint8_t *)"a\n\r\n.\r\n", 7), 7);
	assert_int_equal(d.problem, SG_SMTP_DATA_BARE_LF);
	assert_int_equal(sg_smtp_data_feed(&d, (const uint8_t *)"x", 1), 0);	/* done */
	sg_smtp_data_reset(&d);
	assert_false(sg_smtp_data_done(&d));
	assert_int_equal(sg_smtp_data_feed(&d, (const uint8_t *)"b\r\n.\r\n", 6), 6);
	assert_int_equal(d.problem, SG_SMTP_DATA_OK);
	assert_int_equal(d.msg.len, 3);
	sg_smtp_data_free(&d);
	sg_smtp_data_free(&d);
	for (int p = SG_SMTP_DATA_OK; p <= SG_SMTP_DATA_NOMEM; p++)
		assert_string_not_equal(sg_smtp_data_problem_name(p), "unknown problem");
	assert_string_equal(sg_smtp_data_problem_name(99), "unknown problem");
}

static uint32_t next_rand(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 16;
}

static void same_run(const struct run *a, const struct run *b, const char *in, size_t n)
{
	if (a->used != b->used || a->done != b->done || a->problem != b->problem ||
	    a->problem_line != b->problem_line || a->line != b->line || a->len != b->len ||
	    (a->problem == SG_SMTP_DATA_OK && a->first_dot != b->first_dot) ||
	    memcmp(a->msg, b->msg, a->len) != 0 || a->size != b->size)
		fail_msg("different results for %s", tu_escaped(in, n));
}

static void test_chunk_independence(void **state)
{
	static const char alphabet[] = "\r\n.a\0\r\n.";
	static const size_t one[] = { 1 }, odd[] = { 2, 3, 1, 7, 5 };
	char in[300];
	uint32_t x = 99;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		size_t n;
		struct run a, b, c;

		x = x * 1103515245u + 12345u;
		n = (x >> 16) % sizeof(in);
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			in[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
		}
		a = whole(in, n, round % 3 ? 1 << 20 : 40);
		b = feed(in, n, round % 3 ? 1 << 20 : 40, one, 1);
		c = feed(in, n, round % 3 ? 1 << 20 : 40, odd, 5);
		same_run(&a, &b, in, n);
		same_run(&a, &c, in, n);
		free(a.msg);
		free(b.msg);
		free(c.msg);
	}
}

/* The first line-start '.' of m by the definition (UINT64_MAX: none). */
static uint64_t line_start_dot(const char *m, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (m[i] == '.' && (i == 0 || m[i - 1] == '\n'))
			return i;
	return UINT64_MAX;
}

/* A mail-like text: lines of random length, some starting with dots,
 * rare bad octets, usually the end and sometimes a command after it. */
static size_t mail_like(char *in, size_t cap, uint32_t *x)
{
	static const char *const starts[] = { ".", "..", ".x", "...", "a" };
	size_t n = 0, lines = next_rand(x) % 40;

	for (size_t l = 0; l < lines && n + 1200 < cap; l++) {
		uint32_t r = next_rand(x);
		size_t len = r % 7 == 0 ? 995 + next_rand(x) % 8 : r % 5 == 0 ? next_rand(x) % 1100
			     : next_rand(x) % (r % 3 == 0 ? 12 : 90);

		if (next_rand(x) % 6 == 0) {
			const char *s = starts[next_rand(x) % 5];

			memcpy(in + n, s, strlen(s));
			n += strlen(s);
		}
		for (size_t i = 0; i < len; i++)
			in[n++] = (char)('a' + next_rand(x) % 26);
		if (next_rand(x) % 40 == 0)
			in[n - (len > 0)] = "\r\n\0"[next_rand(x) % 3];
		memcpy(in + n, "\r\n", 2);
		n += 2;
	}
	if (next_rand(x) % 8 != 0) {
		memcpy(in + n, ".\r\nQUIT\r\n", 9);
		n += next_rand(x) % 2 ? 9 : 3;
	}
	return n;
}

static void test_fast_matches_states(void **state)
{
	static const size_t pieces[] = { 4096, 1, 63, 64, 65, 700, 2 };
	static char in[48000];
	uint32_t x = 5;

	(void)state;
	for (int round = 0; round < 1500; round++) {
		size_t n = mail_like(in, sizeof(in), &x);
		uint64_t max = round % 4 == 0 ? next_rand(&x) % (n + 1) : 1u << 20;
		size_t start = (size_t)round % 7;
		struct run a = feed_as(in, n, max, NULL, 0, true);
		struct run b = feed_as(in, n, max, NULL, 0, false);
		struct run c = feed_as(in, n, max, pieces + start, 7 - start, false);

		same_run(&a, &b, in, n);
		same_run(&a, &c, in, n);
		if (b.done && b.problem == SG_SMTP_DATA_OK)
			assert_true(b.first_dot == line_start_dot(b.msg, b.len));
		free(a.msg);
		free(b.msg);
		free(c.msg);
	}
}

/* in fed as two pieces cut at every point, fast and states only: all
 * give want (unstuffed) and use all of in. */
static void expect_every_cut(const char *in, size_t n, const char *want, size_t want_len)
{
	for (size_t cut = 0; cut <= n; cut++) {
		size_t pieces[2] = { cut ? cut : n, n };

		for (int states = 0; states < 2; states++) {
			struct run r = feed_as(in, n, 1u << 20, pieces, 2, states);

			if (!r.done || r.problem != SG_SMTP_DATA_OK || r.used != n ||
			    r.len != want_len || memcmp(r.msg, want, want_len) != 0)
				fail_msg("cut at %zu (states only %d): %s", cut, states,
					 tu_escaped(in, n));
			free(r.msg);
		}
	}
}

static void test_block_edges(void **state)
{
	static const char *const lines[][2] = {
		{ "..\r\n", ".\r\n" }, { ".x\r\n", "x\r\n" }, { "...\r\n", "..\r\n" },
		{ "\r\n", "\r\n" }, { "a.\r\n", "a.\r\n" }, { "", "" },
	};
	char in[300], want[300];

	(void)state;
	for (size_t at = 1; at < 140; at++) {	/* the second line starts at `at` */
		for (size_t k = 0; k < sizeof(lines) / sizeof(lines[0]); k++) {
			size_t n = at, w = at, len = strlen(lines[k][0]);

			memset(in, 'a', at - 1);
			if (at >= 2)
				memcpy(in + at - 2, "\r\n", 2);
			else
				n = w = 0;	/* the line is the first */
			memcpy(want, in, w);
			memcpy(in + n, lines[k][0], len);
			n += len;
			memcpy(want + w, lines[k][1], strlen(lines[k][1]));
			w += strlen(lines[k][1]);
			memcpy(in + n, ".\r\n", 3);	/* a lone "." ends it */
			expect_every_cut(in, n + 3, want, w);
		}
	}
}

static void test_long_line_across_blocks(void **state)
{
	char buf[1200];

	(void)state;
	/* a 64-octet block edge falls between CR and LF, before and after */
	for (size_t extra = 0; extra < 3; extra++) {
		size_t body = 998 + extra;	/* 1000 + extra with CRLF */
		struct run r;

		memset(buf, 'b', sizeof(buf));
		memcpy(buf, "x\r\n", 3);	/* line 2 starts at 3: CR at 1001+ */
		memcpy(buf + 3 + body, "\r\n.\r\n", 5);
		r = whole(buf, 3 + body + 5, 1 << 20);
		assert_true(r.done);
		assert_int_equal(r.problem, extra ? SG_SMTP_DATA_LONG_LINE : SG_SMTP_DATA_OK);
		assert_int_equal(r.problem_line, extra ? 2 : 0);
		free(r.msg);
	}
}

static void test_expect(void **state)
{
	struct sg_smtp_data d;

	(void)state;
	sg_smtp_data_init(&d, 100);
	sg_smtp_data_expect(&d, 5);
	assert_non_null(d.msg.data);
	assert_true(d.msg.cap >= 6);
	assert_int_equal(sg_smtp_data_feed(&d, (const uint8_t *)"abc\r\n.\r\n", 8), 8);
	assert_int_equal(d.msg.len, 5);
	assert_memory_equal(d.msg.data, "abc\r\n", 6);	/* NUL-terminated */
	sg_smtp_data_free(&d);
	sg_smtp_data_reset(&d);
	sg_smtp_data_expect(&d, 2);		/* a hint only: the text is longer */
	assert_int_equal(sg_smtp_data_feed(&d, (const uint8_t *)"abcdef\r\n.\r\n", 11), 11);
	assert_int_equal(d.msg.len, 8);
	sg_smtp_data_free(&d);
	sg_smtp_data_expect(&d, 101);		/* over max_size: nothing */
	assert_null(d.msg.data);
	sg_smtp_data_expect(&d, 0);
	assert_null(d.msg.data);
	sg_smtp_data_free(&d);
	sg_smtp_data_init(&d, 1u << 30);
	sg_smtp_data_expect(&d, (1u << 20) + 1);	/* over 1 MiB: grows instead */
	assert_null(d.msg.data);
	sg_smtp_data_expect(&d, 1u << 20);
	assert_non_null(d.msg.data);
	sg_smtp_data_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_and_unstuffing),
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_reset_and_names),
		cmocka_unit_test(test_chunk_independence),
		cmocka_unit_test(test_fast_matches_states),
		cmocka_unit_test(test_block_edges),
		cmocka_unit_test(test_long_line_across_blocks),
		cmocka_unit_test(test_expect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
