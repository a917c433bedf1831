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
 *   pieces.
 */
#include "testutil.h"

#include "smtp_data.h"

struct run {
	size_t used;
	bool done;
	enum sg_smtp_data_problem problem;
	uint32_t problem_line;
	uint64_t size;
	char *msg;
	size_t len;
};

/* Feeds in pieces of the given sizes (cycled; 0 = all at once). */
static struct run feed(const char *in, size_t n, uint64_t max, const size_t *pieces,
		       size_t npieces)
{
	struct sg_smtp_data d;
	struct run r = { 0 };
	size_t k = 0;

	sg_smtp_data_init(&d, max);
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
	r.size = d.size;
	r.len = d.msg.len;
	r.msg = malloc(r.len + 1);
	assert_non_null(r.msg);
	memcpy(r.msg, sg_buf_cstr(&d.msg), r.len + 1);
	sg_smtp_data_free(&d);
	return r;
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

static void same_run(const struct run *a, const struct run *b, const char *in, size_t n)
{
	if (a->used != b->used || a->done != b->done || a->problem != b->problem ||
	    a->problem_line != b->problem_line || a->len != b->len ||
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_and_unstuffing),
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_reset_and_names),
		cmocka_unit_test(test_chunk_independence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
