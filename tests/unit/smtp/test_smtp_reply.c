/*
 * NAME
 *   test_smtp_reply.c - unit tests for dataplane/smtp/smtp_reply.c
 *
 * SUMMARY
 *   Parser: one-line, code-only and multi-line replies, enhanced codes
 *   (taken when of the code's class, removed from every line that repeats
 *   them, kept as text otherwise), bare LF line ends, stopping after a
 *   complete reply and reading the next, byte-by-byte feeding, the limits
 *   (line length at the limit and one past, lines per reply, clamped
 *   settings), every protocol error with its message (no code, bad
 *   digits, no separator, a continuation with another code, NUL) and the
 *   refusal of anything after an error. Enhanced-code syntax. Formatter:
 *   plain, enhanced, multi-line, empty lines, code-only, sanitising of
 *   control and 8-bit bytes, the per-line and line-count caps, bad codes
 *   and a full output buffer.
 */
#include "testutil.h"

#include "smtp_reply.h"

struct parsed {
	enum sg_err rc;
	size_t used;
	struct sg_smtp_reply_parser rp;
	struct sg_error err;
};

static void parse_n(struct parsed *p, const char *in, size_t n, size_t max_line,
		    unsigned max_lines)
{
	sg_smtp_reply_parser_init(&p->rp, max_line, max_lines);
	sg_error_clear(&p->err);
	p->rc = sg_smtp_reply_feed(&p->rp, (const uint8_t *)in, n, &p->used, &p->err);
}

static void parse(struct parsed *p, const char *in, size_t max_line, unsigned max_lines)
{
	parse_n(p, in, strlen(in), max_line, max_lines);
}

static void expect_reply(const char *in, unsigned code, const char *enhanced,
			 const char *text, unsigned lines)
{
	struct parsed p;

	parse(&p, in, 0, 0);
	assert_int_equal(p.rc, SG_OK);
	assert_true(p.rp.complete);
	assert_int_equal(p.used, strlen(in));
	assert_int_equal(p.rp.reply.code, code);
	assert_string_equal(p.rp.reply.enhanced, enhanced);
	assert_string_equal(sg_buf_cstr(&p.rp.reply.text), text);
	assert_int_equal(p.rp.reply.lines, lines);
	sg_smtp_reply_parser_free(&p.rp);
}

static void test_parse_replies(void **state)
{
	(void)state;
	expect_reply("250 ok\r\n", 250, "", "ok", 1);
	expect_reply("250\r\n", 250, "", "", 1);
	expect_reply("220 mx.example ESMTP\n", 220, "", "mx.example ESMTP", 1);
	expect_reply("250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n", 250, "",
		     "mx\nPIPELINING\nSIZE 10", 3);
	expect_reply("250-\r\n250 x\r\n", 250, "", "\nx", 2);
	expect_reply("550 5.1.1 user unknown\r\n", 550, "5.1.1", "user unknown", 1);
	expect_reply("550 5.1.1\r\n", 550, "5.1.1", "", 1);
	expect_reply("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n", 550,
		     "5.7.1", "first\nsecond\nthird", 3);
	expect_reply("550-5.7.1 first\r\n550 other text\r\n", 550, "5.7.1",
		     "first\nother text", 2);
	expect_reply("550 4.1.1 wrong class\r\n", 550, "", "4.1.1 wrong class", 1);
	expect_reply("451 4.4.1234 x\r\n", 451, "", "4.4.1234 x", 1);
	expect_reply("354 go ahead\r\n", 354, "", "go ahead", 1);
	expect_reply("250 \xff\x01 odd\r\n", 250, "", "\xff\x01 odd", 1);
}

static void test_parse_stream(void **state)
{
	const char *in = "220 hi\r\n250-a\r\n250 b\r\n";
	struct sg_smtp_reply_parser rp;
	struct sg_error err;
	size_t used, total = 0;
	unsigned codes[2], n = 0;

	(void)state;
	sg_smtp_reply_parser_init(&rp, 0, 0);
	assert_int_equal(sg_smtp_reply_feed(&rp, (const uint8_t *)in, strlen(in), &used, &err),
			 SG_OK);
	assert_int_equal(used, 8);		/* stops after the first reply */
	assert_int_equal(rp.reply.code, 220);
	sg_smtp_reply_next(&rp);
	assert_false(rp.complete);
	assert_int_equal(rp.reply.lines, 0);
	sg_smtp_reply_parser_free(&rp);

	/* byte by byte gives the same replies */
	sg_smtp_reply_parser_init(&rp, 0, 0);
	while (total < strlen(in)) {
		assert_int_equal(sg_smtp_reply_feed(&rp, (const uint8_t *)in + total, 1, &used,
						    &err), SG_OK);
		total += used;
		if (rp.complete) {
			codes[n++] = rp.reply.code;
			if (n == 2)
				assert_string_equal(sg_buf_cstr(&rp.reply.text), "a\nb");
			sg_smtp_reply_next(&rp);
		}
	}
	assert_int_equal(n, 2);
	assert_int_equal(codes[0], 220);
	assert_int_equal(codes[1], 250);
	assert_int_equal(rp.offset, strlen(in));
	sg_smtp_reply_parser_free(&rp);
}

static void expect_error_n(const char *in, size_t n, size_t max_line, unsigned max_lines,
			   enum sg_err rc, const char *msg)
{
	struct parsed p;
	size_t used;

	parse_n(&p, in, n, max_line, max_lines);
	assert_int_equal(p.rc, rc);
	assert_string_equal(p.err.msg, msg);
	assert_true(p.rp.failed);
	assert_int_equal(sg_smtp_reply_feed(&p.rp, (const uint8_t *)"250 ok\r\n", 8, &used,
					    &p.err), SG_E_STATE);
	assert_int_equal(used, 0);
	sg_smtp_reply_parser_free(&p.rp);
}

static void expect_error(const char *in, size_t max_line, unsigned max_lines, enum sg_err rc,
			 const char *msg)
{
	expect_error_n(in, strlen(in), max_line, max_lines, rc, msg);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("hello\r\n", 0, 0, SG_E_SYNTAX, "reply line 1: no reply code");
	expect_error("25\r\n", 0, 0, SG_E_SYNTAX, "reply line 1: no reply code");
	expect_error("650 x\r\n", 0, 0, SG_E_SYNTAX, "reply line 1: no reply code");
	expect_error("160 x\r\n", 0, 0, SG_E_SYNTAX, "reply line 1: no reply code");
	expect_error("260 x\r\n", 0, 0, SG_E_SYNTAX, "reply line 1: no reply code");
	expect_error("25x x\r\n", 0, 0, SG_E_SYNTAX, "reply line 1: no reply code");
	expect_error("250x\r\n", 0, 0, SG_E_SYNTAX,
		     "reply line 1: reply code not followed by SP or '-'");
	expect_error("250-a\r\n251 b\r\n", 0, 0, SG_E_SYNTAX,
		     "reply line 2: code differs from the first line's");
	expect_error_n("250 a\0b\r\n", 9, 0, 0, SG_E_SYNTAX, "reply line 1: NUL byte");
	expect_error("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", 0, 3, SG_E_LIMIT,
		     "reply line 4: too many lines in one reply");
	expect_error("250 12345678\r\n", 10, 0, SG_E_LIMIT, "reply line 1: line too long");
}

static void test_parse_limits(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "250 12345\r\n", 11, 0);	/* exactly 11 with CRLF */
	assert_int_equal(p.rc, SG_OK);
	assert_true(p.rp.complete);
	sg_smtp_reply_parser_free(&p.rp);
	parse(&p, "250 123456\r\n", 11, 0);
	assert_int_equal(p.rc, SG_E_LIMIT);
	sg_smtp_reply_parser_free(&p.rp);
	parse(&p, "250-a\r\n250-b\r\n250 c\r\n", 0, 3);
	assert_int_equal(p.rc, SG_OK);
	assert_int_equal(p.rp.reply.lines, 3);
	sg_smtp_reply_parser_free(&p.rp);

	sg_smtp_reply_parser_init(&p.rp, 0, 0);
	assert_int_equal(p.rp.max_line, SG_SMTP_REPLY_LINE_DEFAULT);
	assert_int_equal(p.rp.max_lines, SG_SMTP_REPLY_LINES_DEFAULT);
	sg_smtp_reply_parser_free(&p.rp);
	sg_smtp_reply_parser_init(&p.rp, 1 << 20, 1);
	assert_int_equal(p.rp.max_line, SG_SMTP_REPLY_LINE_CAP);
	sg_smtp_reply_parser_free(&p.rp);
	sg_smtp_reply_parser_init(&p.rp, 1, 1);
	assert_int_equal(p.rp.max_line, 5);
	sg_smtp_reply_parser_free(&p.rp);
}

static void test_enhanced_valid(void **state)
{
	static const char *const ok[] = { "2.0.0", "4.4.1", "5.7.1", "5.123.456", "4.12.3" };
	static const char *const no[] = { "", "5", "5.", "5.1", "5.1.", "3.0.0", "6.0.0",
					  "5.1234.1", "5.1.1234", "5..1", "5.a.1", "5.1.1 ",
					  "x5.1.1", "5-1-1" };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(sg_smtp_enhanced_valid(ok[i], strlen(ok[i]), 0));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (sg_smtp_enhanced_valid(no[i], strlen(no[i]), 0))
			fail_msg("accepted \"%s\"", no[i]);
	assert_true(sg_smtp_enhanced_valid("4.4.1", 5, 4));
	assert_false(sg_smtp_enhanced_valid("4.4.1", 5, 5));
	assert_false(sg_smtp_enhanced_valid("4.4.1", 3, 0));
}

static void expect_format(unsigned code, const char *enh, const char *text, const char *want)
{
	struct sg_buf b;

	sg_buf_init(&b, 1 << 20);
	assert_int_equal(sg_smtp_reply_format(&b, code, enh, text), SG_OK);
	assert_string_equal(sg_buf_cstr(&b), want);
	sg_buf_free(&b);
}

static void test_format(void **state)
{
	char text[1200], want[1200];
	struct sg_buf b;

	(void)state;
	expect_format(250, NULL, "Ok", "250 Ok\r\n");
	expect_format(250, "", "Ok", "250 Ok\r\n");
	expect_format(250, "2.0.0", "Ok", "250 2.0.0 Ok\r\n");
	expect_format(250, NULL, NULL, "250\r\n");
	expect_format(250, NULL, "", "250\r\n");
	expect_format(550, "5.0.0", NULL, "550 5.0.0\r\n");
	expect_format(250, NULL, "a\nb\nc", "250-a\r\n250-b\r\n250 c\r\n");
	expect_format(250, NULL, "a\n\nb\n", "250-a\r\n250-\r\n250 b\r\n");
	expect_format(554, "5.7.1", "x\ny", "554-5.7.1 x\r\n554 5.7.1 y\r\n");
	expect_format(554, NULL, "bad\r\x01\x7f\xff\tz", "554 bad?????z\r\n");
	memset(text, 'a', 500);
	text[500] = '\0';
	snprintf(want, sizeof(want), "250 %.*s\r\n", SG_SMTP_REPLY_TEXT_LINE_MAX, text);
	expect_format(250, NULL, text, want);
	for (int i = 0; i < 30; i++)
		memcpy(text + 2 * i, "x\n", 2);
	text[59] = '\0';
	want[0] = '\0';
	for (int i = 0; i < SG_SMTP_REPLY_LINES_MAX; i++)
		strcat(want, i + 1 < SG_SMTP_REPLY_LINES_MAX ? "451-x\r\n" : "451 x\r\n");
	expect_format(451, NULL, text, want);

	sg_buf_init(&b, 10);
	assert_int_equal(sg_smtp_reply_format(&b, 199, NULL, "x"), SG_E_ARG);
	assert_int_equal(sg_smtp_reply_format(&b, 600, NULL, "x"), SG_E_ARG);
	assert_int_equal(sg_smtp_reply_format(&b, 250, NULL, "toolongforten"), SG_E_LIMIT);
	assert_int_equal(b.len, 0);
	sg_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_replies),
		cmocka_unit_test(test_parse_stream),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_enhanced_valid),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
