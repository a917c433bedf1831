/*
 * NAME
 *   test_config_lexer.c - unit tests for control/config/config_lexer.c
 *
 * SUMMARY
 *   Token kinds, raw text and positions; columns counted in characters
 *   (tabs and UTF-8 sequences are one); CR LF line ends; a BOM; comments
 *   with UTF-8 and at the end of the file. Every refusal with its exact
 *   message and position (NUL, bare CR, control bytes, non-ASCII outside
 *   quotes, invalid UTF-8 in strings and comments, unterminated strings,
 *   unknown escapes, unexpected characters, the token length limit at
 *   exactly SG_CONF_TOKEN_MAX). Decoding of escapes, positions inside
 *   values, the UTF-8 validator, quoting for messages and the error format
 *   with long file names.
 */
#include "testutil.h"

#include "buf.h"
#include "config_lexer.h"

struct tok {
	enum sg_conf_tok kind;
	const char *raw;
	unsigned line, col;
};

static void expect_tokens(const char *text, size_t len, const struct tok *want, size_t n)
{
	struct sg_conf_src src = { .name = "t", .text = text, .len = len };
	struct sg_conf_lexer lx;
	struct sg_conf_token tok;
	struct sg_error err;

	sg_conf_lexer_init(&lx, &src);
	for (size_t i = 0; i <= n; i++) {
		sg_error_clear(&err);
		if (sg_conf_lex(&lx, &tok, &err) != SG_OK)
			fail_msg("token %zu: %s", i, err.msg);
		if (i == n) {
			assert_int_equal(tok.kind, SG_TOK_EOF);
			assert_int_equal(tok.raw_len, 0);
			break;
		}
		assert_int_equal(tok.kind, want[i].kind);
		assert_int_equal(tok.raw_len, strlen(want[i].raw));
		assert_memory_equal(tok.raw, want[i].raw, tok.raw_len);
		assert_ptr_equal(tok.raw, text + tok.pos.offset);
		if (tok.pos.line != want[i].line || tok.pos.col != want[i].col)
			fail_msg("token %zu (%s) at %u:%u, expected %u:%u", i, want[i].raw,
				 (unsigned)tok.pos.line, (unsigned)tok.pos.col, want[i].line,
				 want[i].col);
	}
}

static void test_tokens(void **state)
{
	static const char text[] = "dkim_sign \"a b\" {\n\tkey = k/%{x}\n}=";
	static const struct tok want[] = {
		{ SG_TOK_WORD, "dkim_sign", 1, 1 },
		{ SG_TOK_STRING, "\"a b\"", 1, 11 },
		{ SG_TOK_LBRACE, "{", 1, 17 },
		{ SG_TOK_WORD, "key", 2, 2 },
		{ SG_TOK_EQUALS, "=", 2, 6 },
		{ SG_TOK_WORD, "k/%", 2, 8 },
		{ SG_TOK_LBRACE, "{", 2, 11 },
		{ SG_TOK_WORD, "x", 2, 12 },
		{ SG_TOK_RBRACE, "}", 2, 13 },
		{ SG_TOK_RBRACE, "}", 3, 1 },
		{ SG_TOK_EQUALS, "=", 3, 2 },
	};

	(void)state;
	expect_tokens(text, sizeof(text) - 1, want, sizeof(want) / sizeof(want[0]));
	expect_tokens("", 0, NULL, 0);
	expect_tokens(" \t\n\r\n# only a comment", 21, NULL, 0);
}

static void test_columns_crlf_bom_utf8(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf" "a = \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91\" b\r\n"
		"# caf\xc3\xa9 \t comment\r\n"
		"\t\"x\\\"y\\\\\"\tc # tail";
	static const struct tok want[] = {
		{ SG_TOK_WORD, "a", 1, 1 },
		{ SG_TOK_EQUALS, "=", 1, 3 },
		{ SG_TOK_STRING, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91\"", 1, 5 },
		{ SG_TOK_WORD, "b", 1, 11 },
		{ SG_TOK_STRING, "\"x\\\"y\\\\\"", 3, 2 },
		{ SG_TOK_WORD, "c", 3, 11 },
	};

	(void)state;
	expect_tokens(text, sizeof(text) - 1, want, sizeof(want) / sizeof(want[0]));
}

struct lex_error {
	const char *text;
	size_t len;		/* 0: strlen(text) */
	enum sg_err code;
	const char *msg;
	uint64_t offset;
};

static const struct lex_error lex_errors[] = {
	{ "a\0b", 3, SG_E_SYNTAX, "t:1:2: NUL byte", 1 },
	{ "a \"b\0\"", 6, SG_E_SYNTAX, "t:1:5: NUL byte in a string", 4 },
	{ "a\rb", 0, SG_E_SYNTAX, "t:1:2: carriage return not followed by a line feed", 1 },
	{ "a\r", 0, SG_E_SYNTAX, "t:1:2: carriage return not followed by a line feed", 1 },
	{ "a \"x\ry\"", 0, SG_E_SYNTAX,
	  "t:1:5: carriage return not followed by a line feed", 4 },
	{ "\x0b" "a", 0, SG_E_SYNTAX, "t:1:1: control byte 0x0b", 0 },
	{ "a\x0c", 0, SG_E_SYNTAX, "t:1:2: control byte 0x0c", 1 },
	{ "\"\x7f\"", 0, SG_E_SYNTAX, "t:1:2: control byte 0x7f in a string", 1 },
	{ "# \x01\n", 0, SG_E_SYNTAX, "t:1:3: control byte 0x01 in a comment", 2 },
	{ "\n  \xc2\xa0x", 0, SG_E_SYNTAX,
	  "t:2:3: unexpected byte 0xc2 (non-ASCII text must be quoted)", 3 },
	{ "\"ab\xff\"", 0, SG_E_SYNTAX, "t:1:4: invalid UTF-8 byte 0xff in a string", 3 },
	{ "\"\xc3\"", 0, SG_E_SYNTAX, "t:1:2: invalid UTF-8 byte 0xc3 in a string", 1 },
	{ "\"\xc0\x80\"", 0, SG_E_SYNTAX, "t:1:2: invalid UTF-8 byte 0xc0 in a string", 1 },
	{ "\"\xed\xa0\x80\"", 0, SG_E_SYNTAX, "t:1:2: invalid UTF-8 byte 0xed in a string", 1 },
	{ "# \xe9t\xe9\n", 0, SG_E_SYNTAX, "t:1:3: invalid UTF-8 byte 0xe9 in a comment", 2 },
	{ "a = \"abc\n\"", 0, SG_E_SYNTAX,
	  "t:1:5: unterminated string (a string ends on the line where it starts)", 4 },
	{ "a = \"abc\r\n\"", 0, SG_E_SYNTAX,
	  "t:1:5: unterminated string (a string ends on the line where it starts)", 4 },
	{ "\n\t\"abc", 0, SG_E_SYNTAX,
	  "t:2:2: unterminated string (a string ends on the line where it starts)", 2 },
	{ "\"abc\\", 0, SG_E_SYNTAX,
	  "t:1:5: unknown escape in a string (only \\\" and \\\\ are escapes)", 4 },
	{ "\"\xc3\xa9\\n\"", 0, SG_E_SYNTAX,
	  "t:1:3: unknown escape in a string (only \\\" and \\\\ are escapes)", 3 },
	{ "x;", 0, SG_E_SYNTAX, "t:1:2: unexpected character ';'", 1 },
	{ "[::1]", 0, SG_E_SYNTAX, "t:1:1: unexpected character '['", 0 },
	{ "a@b", 0, SG_E_SYNTAX, "t:1:2: unexpected character '@'", 1 },
};

static void test_lex_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lex_errors) / sizeof(lex_errors[0]); i++) {
		const struct lex_error *e = &lex_errors[i];
		struct sg_conf_src src = { .name = "t", .text = e->text,
					   .len = e->len ? e->len : strlen(e->text) };
		struct sg_conf_lexer lx;
		struct sg_conf_token tok;
		struct sg_error err;
		enum sg_err rc;

		sg_conf_lexer_init(&lx, &src);
		sg_error_clear(&err);
		do {
			rc = sg_conf_lex(&lx, &tok, &err);
		} while (rc == SG_OK && tok.kind != SG_TOK_EOF);
		if (rc == SG_OK || strcmp(err.msg, e->msg) != 0)
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, err.msg, e->msg);
		assert_int_equal(rc, e->code);
		assert_int_equal(err.offset, e->offset);
	}
}

static void test_token_length_limit(void **state)
{
	char *text = malloc(SG_CONF_TOKEN_MAX + 8);
	struct sg_conf_src src = { .name = "t", .text = text };
	struct sg_conf_lexer lx;
	struct sg_conf_token tok;
	struct sg_error err;

	(void)state;
	assert_non_null(text);
	/* a word of exactly the limit, then one byte longer */
	memset(text, 'w', SG_CONF_TOKEN_MAX + 1);
	src.len = SG_CONF_TOKEN_MAX;
	sg_conf_lexer_init(&lx, &src);
	assert_int_equal(sg_conf_lex(&lx, &tok, &err), SG_OK);
	assert_int_equal(tok.raw_len, SG_CONF_TOKEN_MAX);
	src.len = SG_CONF_TOKEN_MAX + 1;
	sg_conf_lexer_init(&lx, &src);
	assert_int_equal(sg_conf_lex(&lx, &tok, &err), SG_E_LIMIT);
	assert_string_equal(err.msg, "t:1:1: word longer than 8191 bytes");
	/* a string: an escape counts once */
	text[0] = '"';
	text[1] = '\\';
	text[2] = '\\';
	memset(text + 3, 'x', SG_CONF_TOKEN_MAX - 1);
	text[SG_CONF_TOKEN_MAX + 2] = '"';
	src.len = SG_CONF_TOKEN_MAX + 3;
	sg_conf_lexer_init(&lx, &src);
	assert_int_equal(sg_conf_lex(&lx, &tok, &err), SG_OK);
	assert_int_equal(tok.kind, SG_TOK_STRING);
	assert_int_equal(tok.raw_len, SG_CONF_TOKEN_MAX + 3);
	text[1] = 'x';
	text[2] = 'x';
	sg_conf_lexer_init(&lx, &src);
	assert_int_equal(sg_conf_lex(&lx, &tok, &err), SG_E_LIMIT);
	assert_string_equal(err.msg, "t:1:1: string longer than 8191 bytes");
	free(text);
}

static char *decoded(const char *text)
{
	struct sg_conf_src src = { .name = "t", .text = text, .len = strlen(text) };
	struct sg_conf_lexer lx;
	struct sg_conf_token tok;
	struct sg_error err;
	struct sg_buf out;

	sg_conf_lexer_init(&lx, &src);
	assert_int_equal(sg_conf_lex(&lx, &tok, &err), SG_OK);
	sg_buf_init(&out, 1024);
	assert_int_equal(sg_conf_token_text(&tok, &out), SG_OK);
	assert_int_equal(out.len, strlen(out.data) + 1);	/* one NUL appended */
	return out.data;
}

static void test_token_text(void **state)
{
	static const char *const cases[][2] = {
		{ "word", "word" }, { "\"\"", "" }, { "\"a\\\"b\"", "a\"b" },
		{ "\"\\\\\\\\\"", "\\\\" }, { "\"#not a comment\"", "#not a comment" },
		{ "\"\xc3\xa9\t\"", "\xc3\xa9\t" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = decoded(cases[i][0]);

		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

static void test_pos_advance(void **state)
{
	static const char text[] = "k = \"a\\\"\xc3\xa9z\" w\xc3";
	struct sg_conf_src src = { .name = "t", .text = text, .len = sizeof(text) - 1 };
	struct sg_conf_pos start = { .line = 1, .col = 5, .offset = 4 };
	struct sg_conf_pos p;

	(void)state;
	p = sg_conf_pos_advance(&src, start, true, 0);
	assert_int_equal(p.col, 5);
	assert_int_equal(p.offset, 4);
	p = sg_conf_pos_advance(&src, start, true, 1);	/* the '"' after a */
	assert_int_equal(p.col, 7);
	assert_int_equal(p.offset, 6);
	p = sg_conf_pos_advance(&src, start, true, 2);	/* the é */
	assert_int_equal(p.col, 9);
	assert_int_equal(p.offset, 8);
	p = sg_conf_pos_advance(&src, start, true, 3);	/* inside é: stays at it */
	assert_int_equal(p.col, 9);
	p = sg_conf_pos_advance(&src, start, true, 4);	/* z */
	assert_int_equal(p.col, 10);
	assert_int_equal(p.offset, 10);
	p = sg_conf_pos_advance(&src, start, true, 100);	/* stops at the quote */
	assert_int_equal(p.offset, 11);
	start = (struct sg_conf_pos){ .line = 1, .col = 13, .offset = 13 };
	p = sg_conf_pos_advance(&src, start, false, 100);	/* stops at the end */
	assert_int_equal(p.offset, 15);
	start.line = 0;
	p = sg_conf_pos_advance(&src, start, false, 1);
	assert_int_equal(p.offset, 13);
}

static void test_utf8_len(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} cases[] = {
		{ "a", 1 }, { "\x7f", 1 }, { "\xc2\x80", 2 }, { "\xdf\xbf", 2 },
		{ "\xe0\xa0\x80", 3 }, { "\xef\xbf\xbf", 3 }, { "\xf0\x90\x80\x80", 4 },
		{ "\xf4\x8f\xbf\xbf", 4 },
		{ "\x80", 0 }, { "\xc0\x80", 0 }, { "\xc1\xbf", 0 }, { "\xe0\x9f\xbf", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xed\xbf\xbf", 0 }, { "\xf0\x8f\xbf\xbf", 0 },
		{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 }, { "\xff", 0 },
		{ "\xc3", 0 }, { "\xe2\x82", 0 }, { "\xc3\x41", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *p = (const unsigned char *)cases[i].s;

		if (sg_conf_utf8_len(p, strlen(cases[i].s)) != cases[i].n)
			fail_msg("case %zu", i);
	}
	assert_int_equal(sg_conf_utf8_len((const unsigned char *)"\xe2\x82\xac", 2), 0);
	assert_int_equal(sg_conf_utf8_len((const unsigned char *)"a", 0), 0);
}

static void test_quote(void **state)
{
	char out[SG_CONF_QUOTE_CAP];
	char long_text[100];

	(void)state;
	assert_string_equal(sg_conf_quote("plain", out), "plain");
	assert_string_equal(sg_conf_quote("a\tb\x01", out), "a?b?");
	memset(long_text, 'x', sizeof(long_text));
	long_text[99] = '\0';
	sg_conf_quote(long_text, out);
	assert_int_equal(strlen(out), 51);
	assert_string_equal(out + 48, "...");
	/* an é split by the cut is dropped whole */
	memset(long_text, 'x', 47);
	memcpy(long_text + 47, "\xc3\xa9yyyy", 7);
	sg_conf_quote(long_text, out);
	assert_int_equal(strlen(out), 50);
	assert_string_equal(out + 47, "...");
}

static void test_error_format(void **state)
{
	char name[201];
	struct sg_conf_src src = { .name = "dir/signet.conf" };
	struct sg_conf_pos pos = { .line = 12, .col = 17, .offset = 300 };
	struct sg_error err;

	(void)state;
	sg_error_clear(&err);
	assert_int_equal(sg_conf_error(&err, &src, pos, SG_E_SYNTAX, "x %d", 5), SG_E_SYNTAX);
	assert_string_equal(err.msg, "dir/signet.conf:12:17: x 5");
	assert_int_equal(err.code, SG_E_SYNTAX);
	assert_int_equal(err.line, 12);
	assert_int_equal(err.offset, 300);
	pos.line = 0;
	assert_int_equal(sg_conf_error(&err, &src, pos, SG_E_IO, "gone"), SG_E_IO);
	assert_string_equal(err.msg, "dir/signet.conf: gone");
	assert_int_equal(sg_conf_error(NULL, &src, pos, SG_E_IO, "x"), SG_E_IO);
	src.name = NULL;
	sg_conf_error(&err, &src, pos, SG_E_IO, "x");
	assert_string_equal(err.msg, "<config>: x");
	/* a long name keeps its tail, so the message keeps line and column */
	memset(name, 'd', 200);
	strcpy(name + 188, "/signet.conf");
	src.name = name;
	pos.line = 3;
	pos.col = 4;
	sg_conf_error(&err, &src, pos, SG_E_SYNTAX, "msg");
	assert_int_equal(strncmp(err.msg, "...ddd", 6), 0);
	assert_non_null(strstr(err.msg, "d/signet.conf:3:4: msg"));
	assert_int_equal(strlen(err.msg), 3 + 96 + strlen(":3:4: msg"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_columns_crlf_bom_utf8),
		cmocka_unit_test(test_lex_errors),
		cmocka_unit_test(test_token_length_limit),
		cmocka_unit_test(test_token_text),
		cmocka_unit_test(test_pos_advance),
		cmocka_unit_test(test_utf8_len),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_error_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
