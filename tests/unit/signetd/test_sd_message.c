/*
 * NAME
 *   test_sd_message.c - unit tests for dataplane/signetd/sd_message.c
 *
 * SUMMARY
 *   Line-end classes (none, CRLF only, LF only, mixed, a lone CR, LF at
 *   offset 0); the message check: accepted forms (headers only, a body,
 *   folded lines, 8-bit values, no final line end) and refused ones with
 *   their exact messages (empty, space or control byte in a name, no colon,
 *   empty name, a continuation first, NUL in a value; a NUL in the body is
 *   fine); the header section limit exactly and one past; the forms: what
 *   is signed and written for each line-end class; signature fields turned
 *   into LF; output matching (prefix empty or a signature field ending in
 *   a line end, a different body, a foreign prefix, a body longer than the
 *   output).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "sd_message.h"

#define U(s) ((const uint8_t *)(s))

static void test_eol(void **state)
{
	(void)state;
	assert_int_equal(sd_msg_eol(U(""), 0), SD_EOL_CRLF);
	assert_int_equal(sd_msg_eol(U("a\r\nb\r\n"), 6), SD_EOL_CRLF);
	assert_int_equal(sd_msg_eol(U("a\nb\n"), 4), SD_EOL_LF);
	assert_int_equal(sd_msg_eol(U("\nb"), 2), SD_EOL_LF);
	assert_int_equal(sd_msg_eol(U("a\r\nb\n"), 5), SD_EOL_MIXED);
	assert_int_equal(sd_msg_eol(U("a\rb"), 3), SD_EOL_CRLF);	/* no LF at all */
}

static void expect_refused(const char *msg, const char *why)
{
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_not_equal(sd_msg_check(U(msg), strlen(msg), &err), SG_OK);
	assert_string_equal(err.msg, why);
}

static void test_check(void **state)
{
	static const char *const good[] = {
		"From: a@b\n", "From: a@b", "From: a@b\r\nSubject: x\r\n\r\nbody\r\n",
		"From: a@b\n  folded\n\tmore\nX: \xc3\xa9t\xc3\xa9\n\nbody\0with NUL\n",
		"X-Empty:\n\n",
	};
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t n = i == 3 ? 47 : strlen(good[i]);

		sg_error_clear(&err);
		if (sd_msg_check(U(good[i]), n, &err) != SG_OK)
			fail_msg("case %zu refused: %s", i, err.msg);
	}
	assert_int_equal(sd_msg_check(U(""), 0, &err), SG_E_SYNTAX);
	assert_string_equal(err.msg, "not a message: the file is empty");
	expect_refused("Hello world\n", "not a message: line 1 byte 6 (0x20) is not allowed in "
		       "a header field name");
	expect_refused("From: a\nno colon here\n", "not a message: line 2 byte 3 (0x20) is "
		       "not allowed in a header field name");
	expect_refused("From: a\nnocolon\n", "not a message: line 2 is not a header field "
		       "(NAME: value)");
	expect_refused(": empty name\n", "not a message: line 1 is not a header field "
		       "(NAME: value)");
	expect_refused(" folded first: x\n", "not a message: line 1 byte 1 (0x20) is not "
		       "allowed in a header field name");
	expect_refused("Ctl\x01: x\n", "not a message: line 1 byte 4 (0x01) is not allowed "
		       "in a header field name");
	assert_int_equal(sd_msg_check(U("From: a\0b\n"), 10, &err), SG_E_SYNTAX);
	assert_string_equal(err.msg, "not a message: NUL byte in the header section (line 1)");
	assert_int_equal(err.offset, 7);
}

static void test_header_limit(void **state)
{
	size_t n = SD_HEADER_MAX + 100;
	uint8_t *p = malloc(n);
	struct sg_error err;
	size_t off = 0;

	(void)state;
	assert_non_null(p);
	while (off + 16 <= n) {		/* lines of 16 bytes; 16 divides the limit */
		memcpy(p + off, "X: 123456789012\n", 16);
		off += 16;
	}
	/* the line that ends past SD_HEADER_MAX is refused */
	assert_int_equal(sd_msg_check(p, off, &err), SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "header section longer than"));
	assert_int_equal(err.line, SD_HEADER_MAX / 16 + 1);
	/* an empty line right after the limit: the rest is body */
	memcpy(p + SD_HEADER_MAX, "\n", 1);
	assert_int_equal(sd_msg_check(p, off, &err), SG_OK);
	/* one long line past the limit */
	memset(p + 3, 'x', SD_HEADER_MAX);
	assert_int_equal(sd_msg_check(p, SD_HEADER_MAX + 3, &err), SG_E_LIMIT);
	free(p);
}

static void test_forms(void **state)
{
	static const char crlf[] = "From: a\r\n\r\nb\r\n", lf[] = "From: a\n\nb\n",
			  mixed[] = "From: a\r\n\nb\n";
	struct sd_msg_form f;

	(void)state;
	assert_int_equal(sd_msg_prepare(U(crlf), strlen(crlf), &f), SG_OK);
	assert_ptr_equal(f.sign, U(crlf));
	assert_ptr_equal(f.body, U(crlf));
	assert_false(f.lf);
	sd_msg_form_free(&f);
	assert_int_equal(sd_msg_prepare(U(lf), strlen(lf), &f), SG_OK);
	assert_int_equal(f.sign_len, strlen(crlf));
	assert_memory_equal(f.sign, crlf, f.sign_len);
	assert_ptr_equal(f.body, U(lf));	/* written back as it was */
	assert_true(f.lf);
	sd_msg_form_free(&f);
	assert_int_equal(sd_msg_prepare(U(mixed), strlen(mixed), &f), SG_OK);
	assert_memory_equal(f.sign, crlf, strlen(crlf));
	assert_ptr_equal(f.body, f.sign);	/* written in CRLF form */
	assert_false(f.lf);
	sd_msg_form_free(&f);
}

static void test_fields(void **state)
{
	struct sg_buf h, out;

	(void)state;
	sg_buf_init(&h, 1000);
	sg_buf_init(&out, 1000);
	assert_int_equal(sg_buf_puts(&h, "DKIM-Signature: a=1;\r\n\tb=2\r\nX: \r\n"), SG_OK);
	assert_int_equal(sd_msg_fields(&h, true, &out), SG_OK);
	assert_string_equal(sg_buf_cstr(&out), "DKIM-Signature: a=1;\n\tb=2\nX: \n");
	sg_buf_reset(&out);
	assert_int_equal(sd_msg_fields(&h, false, &out), SG_OK);
	assert_string_equal(sg_buf_cstr(&out), sg_buf_cstr(&h));
	sg_buf_reset(&h);
	sg_buf_reset(&out);
	assert_int_equal(sd_msg_fields(&h, true, &out), SG_OK);	/* unsigned: nothing */
	assert_int_equal(out.len, 0);
	sg_buf_free(&h);
	sg_buf_free(&out);
}

static bool matches(const char *out, const char *body)
{
	return sd_msg_output_matches(U(out), strlen(out), U(body), strlen(body));
}

static void test_output_matches(void **state)
{
	(void)state;
	assert_true(matches("From: a\n\nb\n", "From: a\n\nb\n"));
	assert_true(matches("DKIM-Signature: x\n\ty\nFrom: a\n\nb\n", "From: a\n\nb\n"));
	assert_true(matches("dkim-signature: x\r\nFrom: a\r\n", "From: a\r\n"));
	assert_true(matches("DomainKey-Signature: x\nFrom: a\n", "From: a\n"));
	assert_false(matches("DKIM-Signature: x\nFrom: a\n\nc\n", "From: a\n\nb\n"));
	assert_false(matches("X-Other: 1\nFrom: a\n", "From: a\n"));
	assert_false(matches("DKIM-Signature: xFrom: a\n", "From: a\n"));	/* no line end */
	assert_false(matches("From: a\n", "X: 1\nFrom: a\n"));			/* body longer */
	assert_false(matches("", "From: a\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eol),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_header_limit),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_output_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
