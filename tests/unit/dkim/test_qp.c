/*
 * NAME
 *   test_qp.c - unit tests for dataplane/dkim/qp.c
 *
 * SUMMARY
 *   Which bytes the encoder escapes (with and without z= escaping), a
 *   round trip over all 256 byte values, decoding of both hex cases, FWS,
 *   8-bit bytes and NUL, every malformed escape with its offset, and the
 *   output limit in both directions and for the fixed-buffer decoder.
 */
#include "testutil.h"

#include "qp.h"

static void expect_encode(const char *in, size_t n, bool z, const char *want)
{
	struct sg_buf b;

	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_qp_encode(in, n, z, &b), SG_OK);
	assert_string_equal(sg_buf_cstr(&b), want);
	assert_int_equal(b.len, strlen(want));
	sg_buf_free(&b);
}

static void test_encode_safe_chars(void **state)
{
	(void)state;
	expect_encode("", 0, false, "");
	expect_encode("joe@football.example.com", 24, false, "joe@football.example.com");
	/* Edges of dkim-safe-char: %x21-3A / %x3C / %x3E-7E. */
	expect_encode("!:<>~", 5, false, "!:<>~");
	expect_encode("|", 1, false, "|");
}

static void test_encode_escapes(void **state)
{
	(void)state;
	expect_encode(" ", 1, false, "=20");
	expect_encode(";", 1, false, "=3B");
	expect_encode("=", 1, false, "=3D");
	expect_encode("\t\r\n", 3, false, "=09=0D=0A");
	expect_encode("\x7f", 1, false, "=7F");
	expect_encode("\0", 1, false, "=00");
	expect_encode("j\xc3\xb6rg", 5, false, "j=C3=B6rg");
	expect_encode("a|b", 3, true, "a=7Cb");
	expect_encode("Subject:demo run", 16, true, "Subject:demo=20run");
	/* Everything else stays as it is under z_escape. */
	expect_encode("!:<>~", 5, true, "!:<>~");
}

static void test_round_trip_all_bytes(void **state)
{
	char in[256];
	struct sg_buf enc, dec;
	struct sg_error err;

	(void)state;
	for (int i = 0; i < 256; i++)
		in[i] = (char)i;
	for (int z = 0; z < 2; z++) {
		sg_buf_init(&enc, SIZE_MAX);
		sg_buf_init(&dec, SIZE_MAX);
		assert_int_equal(sg_qp_encode(in, sizeof(in), z, &enc), SG_OK);
		for (size_t k = 0; k < enc.len; k++) {
			unsigned char c = (unsigned char)enc.data[k];

			assert_true(c > 0x20 && c < 0x7f && c != ';');
			assert_false(z && c == '|');
		}
		assert_int_equal(sg_qp_decode(enc.data, enc.len, &dec, &err), SG_OK);
		assert_int_equal(dec.len, sizeof(in));
		assert_memory_equal(dec.data, in, sizeof(in));
		sg_buf_free(&enc);
		sg_buf_free(&dec);
	}
}

static void test_encode_limit(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, 5);
	assert_int_equal(sg_qp_encode("a b", 3, false, &b), SG_OK);
	assert_string_equal(sg_buf_cstr(&b), "a=20b");
	sg_buf_reset(&b);
	b.limit = 4;
	assert_int_equal(sg_qp_encode("a b", 3, false, &b), SG_E_LIMIT);
	sg_buf_free(&b);
}

/* Decodes s; on SG_OK checks the result against want/want_len. */
static enum sg_err decode(const char *s, size_t n, const char *want, size_t want_len,
			  struct sg_error *err)
{
	struct sg_buf b;
	enum sg_err rc;

	sg_buf_init(&b, SIZE_MAX);
	sg_error_clear(err);
	rc = sg_qp_decode(s, n, &b, err);
	if (rc == SG_OK) {
		assert_int_equal(b.len, want_len);
		assert_memory_equal(sg_buf_cstr(&b), want, want_len);
	}
	sg_buf_free(&b);
	return rc;
}

static void test_decode(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(decode("", 0, "", 0, &err), SG_OK);
	assert_int_equal(decode("joe@example.com", 15, "joe@example.com", 15, &err), SG_OK);
	assert_int_equal(decode("a=3Db=3db", 9, "a=b=b", 5, &err), SG_OK);
	assert_int_equal(decode("=7c=7C|", 7, "|||", 3, &err), SG_OK);
	assert_int_equal(decode("a\r\n b\t c ", 9, "abc", 3, &err), SG_OK);
	assert_int_equal(decode("=20", 3, " ", 1, &err), SG_OK);
	assert_int_equal(decode("j\xc3\xb6rg", 5, "j\xc3\xb6rg", 5, &err), SG_OK);
	assert_int_equal(decode("j=C3=B6rg", 9, "j\xc3\xb6rg", 5, &err), SG_OK);
	/* NUL in the output is possible; the caller decides. */
	assert_int_equal(decode("a=00b", 5, "a\0b", 3, &err), SG_OK);
	/* RFC 6376 A.2-style z= element. */
	assert_int_equal(decode("Date:July=205,=202005=203:44:08=20PM=20-0700", 44,
				"Date:July 5, 2005 3:44:08 PM -0700", 34, &err), SG_OK);
}

static void expect_bad(const char *s, size_t n, uint64_t offset, const char *words)
{
	struct sg_error err;

	assert_int_equal(decode(s, n, NULL, 0, &err), SG_E_SYNTAX);
	assert_int_equal(err.code, SG_E_SYNTAX);
	assert_int_equal(err.offset, offset);
	if (strstr(err.msg, words) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", s, err.msg, words);
}

static void test_decode_bad_escapes(void **state)
{
	(void)state;
	expect_bad("=", 1, 0, "'=' at offset 0 is not followed by two hex digits");
	expect_bad("ab=2", 4, 2, "not followed by two hex digits");
	expect_bad("=G0", 3, 0, "not followed");
	expect_bad("=2g", 3, 0, "not followed");
	expect_bad("x==41", 5, 1, "not followed");
	expect_bad("= 20", 4, 0, "not followed");		/* no FWS inside */
	expect_bad("=2\r\n 0", 6, 0, "not followed");
	/* "=20" must not be read past n. */
	expect_bad("=20", 2, 0, "not followed");
}

static void test_decode_bad_bytes(void **state)
{
	(void)state;
	expect_bad("a;b", 3, 1, "byte 0x3b at offset 1 must be escaped");
	expect_bad("a\x01", 2, 1, "byte 0x01");
	expect_bad("a\x7f", 2, 1, "byte 0x7f");
	expect_bad("\0", 1, 0, "byte 0x00");
	expect_bad("a\x0b", 2, 1, "byte 0x0b");		/* VT is not FWS */
}

static void test_decode_limit(void **state)
{
	struct sg_buf b;
	struct sg_error err;

	(void)state;
	sg_buf_init(&b, 3);
	assert_int_equal(sg_qp_decode("a=20b", 5, &b, &err), SG_OK);
	assert_int_equal(b.len, 3);
	sg_buf_reset(&b);
	assert_int_equal(sg_qp_decode("abcd", 4, &b, &err), SG_E_LIMIT);
	assert_int_equal(err.code, SG_E_LIMIT);
	assert_int_equal(err.offset, 3);
	assert_non_null(strstr(err.msg, "too long"));
	sg_buf_free(&b);
	/* A NULL error record is allowed. */
	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_qp_decode("=", 1, &b, NULL), SG_E_SYNTAX);
	sg_buf_free(&b);
}

static void test_decode_fixed(void **state)
{
	char out[8];
	size_t len = 99;
	struct sg_error err;

	(void)state;
	assert_int_equal(sg_qp_decode_fixed("a=20b", 5, out, 3, &len, &err), SG_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "a b", 3);
	assert_int_equal(sg_qp_decode_fixed("", 0, out, 0, &len, &err), SG_OK);
	assert_int_equal(len, 0);
	/* One byte too many. */
	assert_int_equal(sg_qp_decode_fixed("abcd", 4, out, 3, &len, &err), SG_E_LIMIT);
	assert_int_equal(len, 0);
	assert_int_equal(err.offset, 3);
	assert_non_null(strstr(err.msg, "too long"));
	assert_int_equal(sg_qp_decode_fixed("ab=2", 4, out, sizeof(out), &len, &err),
			 SG_E_SYNTAX);
	assert_int_equal(len, 0);
	assert_int_equal(err.offset, 2);
	assert_int_equal(sg_qp_decode_fixed("j=C3=B6rg", 9, out, sizeof(out), &len, NULL), SG_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "j\xc3\xb6rg", 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_safe_chars),
		cmocka_unit_test(test_encode_escapes),
		cmocka_unit_test(test_round_trip_all_bytes),
		cmocka_unit_test(test_encode_limit),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_bad_escapes),
		cmocka_unit_test(test_decode_bad_bytes),
		cmocka_unit_test(test_decode_limit),
		cmocka_unit_test(test_decode_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
