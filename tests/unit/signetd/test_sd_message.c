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
 *   output); 50,000 random inputs from a hostile alphabet: the check agrees
 *   with a plain model of the rules, the signed form has no bare LF, an LF
 *   file's form differs only by the CRs added, and every output is
 *   recognised as its message.
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

/* A second, plain reading of what sd_msg_check accepts (no limits). */
static bool model_accepts(const uint8_t *p, size_t n)
{
	size_t off = 0;
	bool first = true;

	if (n == 0)
		return false;
	while (off < n) {
		size_t end = off, len, i;

		while (end < n && p[end] != '\n')
			end++;
		len = end - off;
		if (end < n && len > 0 && p[end - 1] == '\r')
			len--;
		if (len == 0)
			return true;
		if (memchr(p + off, 0, len) != NULL)
			return false;
		if (!first && (p[off] == ' ' || p[off] == '\t')) {
			off = end + 1;
			continue;
		}
		for (i = 0; i < len && p[off + i] != ':'; i++)
			if (p[off + i] < 33 || p[off + i] > 126)
				return false;
		if (i == 0 || i == len)
			return false;
		first = false;
		off = end + 1;
	}
	return true;
}

/* An LF file (no CR LF pair in it): one CR was added before each LF,
 * nothing else changed. */
static void assert_lf_form(const uint8_t *raw, size_t n, const struct sd_msg_form *f)
{
	size_t j = 0, lfs = 0;

	for (size_t i = 0; i < f->sign_len; i++) {
		if (f->sign[i] == '\r' && i + 1 < f->sign_len && f->sign[i + 1] == '\n')
			continue;
		assert_true(j < n);
		assert_int_equal(f->sign[i], raw[j++]);
		lfs += f->sign[i] == '\n';
	}
	assert_int_equal(j, n);
	assert_int_equal(f->sign_len, n + lfs);
	assert_true(f->lf);
	assert_ptr_equal(f->body, raw);
}

/* Random small messages from a hostile alphabet: the check agrees with
 * the model; prepared forms have no bare LF in what is signed, an LF
 * file's CRLF form loses exactly its added CRs, and fields + body are
 * recognised as the same message. */
static void test_random_inputs(void **state)
{
	static const uint8_t alphabet[] = "ab:: \t\r\n\n\n\0\x80X";
	struct sg_buf fields;
	uint8_t msg[96];
	uint32_t seed = 20261122;
	unsigned accepted = 0, lf_forms = 0;

	(void)state;
	sg_buf_init(&fields, 1000);
	assert_int_equal(sg_buf_puts(&fields, "DKIM-Signature: x\r\n"), SG_OK);
	for (int round = 0; round < 50000; round++) {
		struct sd_msg_form f;
		size_t n;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % sizeof(msg);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			msg[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		if ((sd_msg_check(msg, n, NULL) == SG_OK) != model_accepts(msg, n))
			fail_msg("round %d: check and model disagree on %zu bytes", round, n);
		accepted += model_accepts(msg, n);
		assert_int_equal(sd_msg_prepare(msg, n, &f), SG_OK);
		assert_int_equal(sd_msg_eol(f.sign, f.sign_len), SD_EOL_CRLF);
		if (f.eol == SD_EOL_LF) {
			assert_lf_form(msg, n, &f);
			lf_forms++;
		}
		{
			struct sg_buf out;

			sg_buf_init(&out, SIZE_MAX);
			assert_int_equal(sd_msg_fields(&fields, f.lf, &out), SG_OK);
			assert_int_equal(sg_buf_append(&out, f.body, f.body_len), SG_OK);
			assert_true(sd_msg_output_matches((const uint8_t *)out.data, out.len, f.body,
							  f.body_len));
			sg_buf_free(&out);
		}
		sd_msg_form_free(&f);
	}
	sg_buf_free(&fields);
	/* both answers and the LF form were exercised */
	if (accepted < 1000 || accepted > 49000 || lf_forms < 1000)
		fail_msg("accepted %u, LF forms %u of 50000", accepted, lf_forms);
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
		cmocka_unit_test(test_random_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
