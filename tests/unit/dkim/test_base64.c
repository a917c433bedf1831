/*
 * NAME
 *   test_base64.c - unit tests for dataplane/dkim/base64.c
 *
 * SUMMARY
 *   RFC 4648 section 10 vectors both ways, round trips over every length
 *   and byte value, FWS in every position DKIM allows, every padding and
 *   alphabet error with its offset, the output cap, and real DKIM values.
 */
#include "testutil.h"

#include "base64.h"

static const struct {
	const char *plain;
	const char *encoded;
} rfc4648_vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

#define NVEC (sizeof(rfc4648_vectors) / sizeof(rfc4648_vectors[0]))

/* Decodes s into out (cap bytes); returns the code, *len the length. */
static enum sg_err decode_str(const char *s, uint8_t *out, size_t cap, size_t *len,
			      struct sg_error *err)
{
	sg_error_clear(err);
	return sg_base64_decode(s, strlen(s), out, cap, len, err);
}

static void test_encoded_len(void **state)
{
	(void)state;
	assert_int_equal(sg_base64_encoded_len(0), 0);
	assert_int_equal(sg_base64_encoded_len(1), 4);
	assert_int_equal(sg_base64_encoded_len(2), 4);
	assert_int_equal(sg_base64_encoded_len(3), 4);
	assert_int_equal(sg_base64_encoded_len(4), 8);
	assert_int_equal(sg_base64_encoded_len(32), 44);
	assert_int_equal(sg_base64_encoded_len(256), 344);
}

static void test_encode_rfc4648(void **state)
{
	char out[16];

	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const char *p = rfc4648_vectors[i].plain;

		memset(out, 'X', sizeof(out));
		assert_int_equal(sg_base64_encode((const uint8_t *)p, strlen(p), out),
				 strlen(rfc4648_vectors[i].encoded));
		assert_string_equal(out, rfc4648_vectors[i].encoded);
	}
}

static void test_decode_rfc4648(void **state)
{
	uint8_t out[16];
	size_t len = 99;
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const char *p = rfc4648_vectors[i].plain;

		assert_int_equal(decode_str(rfc4648_vectors[i].encoded, out, sizeof(out), &len,
					    &err), SG_OK);
		assert_int_equal(len, strlen(p));
		assert_memory_equal(out, p, len);
	}
}

/* Every length 0..300 with every byte value appearing, both directions. */
static void test_round_trip(void **state)
{
	uint8_t in[300], back[300];
	char enc[404];
	size_t elen, dlen;
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof(in); n++) {
		elen = sg_base64_encode(in, n, enc);
		assert_int_equal(elen, sg_base64_encoded_len(n));
		assert_int_equal(strlen(enc), elen);
		assert_int_equal(sg_base64_decode(enc, elen, back, n, &dlen, &err), SG_OK);
		assert_int_equal(dlen, n);
		assert_memory_equal(back, in, n);
	}
}

static void test_decode_fws_anywhere(void **state)
{
	uint8_t out[16];
	size_t len;
	struct sg_error err;

	(void)state;
	assert_int_equal(decode_str(" Zm9v\r\n\tYmFy \r\n", out, sizeof(out), &len, &err), SG_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(out, "foobar", 6);
	/* FWS between every character and inside the padding. */
	assert_int_equal(decode_str("Z m 9 v Y g \r\n = \t =", out, sizeof(out), &len, &err),
			 SG_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "foob", 4);
	/* Only FWS: an empty value. */
	assert_int_equal(decode_str(" \t\r\n", out, sizeof(out), &len, &err), SG_OK);
	assert_int_equal(len, 0);
}

static void expect_syntax(const char *s, uint64_t offset, const char *words)
{
	uint8_t out[64];
	size_t len = 77;
	struct sg_error err;

	assert_int_equal(decode_str(s, out, sizeof(out), &len, &err), SG_E_SYNTAX);
	assert_int_equal(err.code, SG_E_SYNTAX);
	assert_int_equal(err.offset, offset);
	assert_non_null(strstr(err.msg, words));
	assert_int_equal(len, 0);
}

static void test_decode_bad_alphabet(void **state)
{
	(void)state;
	expect_syntax("Zm9v-mFy", 4, "invalid byte 0x2d");	/* base64url '-' */
	expect_syntax("Zm9v_mFy", 4, "invalid byte 0x5f");	/* base64url '_' */
	expect_syntax("Zm9v\xc3\xa9mFy", 4, "invalid byte 0xc3");	/* 8-bit */
	expect_syntax("Zm9;", 3, "invalid byte 0x3b");
	expect_syntax("Zm9\x0b", 3, "invalid byte 0x0b");	/* VT is not FWS */
	expect_syntax("Zm9\x7f", 3, "invalid byte 0x7f");
}

static void test_decode_embedded_nul(void **state)
{
	uint8_t out[8];
	size_t len;
	struct sg_error err;

	(void)state;
	assert_int_equal(sg_base64_decode("Zm\0v", 4, out, sizeof(out), &len, &err),
			 SG_E_SYNTAX);
	assert_int_equal(err.offset, 2);
	assert_non_null(strstr(err.msg, "0x00"));
}

static void test_decode_bad_padding(void **state)
{
	(void)state;
	expect_syntax("=Zm9", 0, "misplaced '='");
	expect_syntax("Z===", 1, "misplaced '='");
	expect_syntax("Zm9v=", 4, "misplaced '='");	/* '=' starting a group */
	expect_syntax("Zg===", 4, "too much '=' padding");
	expect_syntax("Zm8==", 4, "too much '=' padding");
	expect_syntax("Zg==Zg==", 4, "data after '='");
	expect_syntax("Zm8=Zm8=", 4, "data after '='");
	expect_syntax("Zg=g", 3, "data after '='");
	expect_syntax("Zg=", 3, "incomplete '=' padding");
	expect_syntax("Zg= \r\n", 6, "incomplete '=' padding");
	expect_syntax("Zg", 2, "missing '=' padding");
	expect_syntax("Zm9", 3, "missing '=' padding");
	expect_syntax("Z", 1, "missing '=' padding");
	expect_syntax("Zm9vY", 5, "missing '=' padding");
	expect_syntax("=", 0, "misplaced '='");
}

/* Unused low bits set in the last character: accepted, like peers do. */
static void test_decode_noncanonical_bits(void **state)
{
	uint8_t out[4];
	size_t len;
	struct sg_error err;

	(void)state;
	assert_int_equal(decode_str("Zh==", out, sizeof(out), &len, &err), SG_OK);
	assert_int_equal(len, 1);
	assert_int_equal(out[0], 'f');
	assert_int_equal(decode_str("Zm9=", out, sizeof(out), &len, &err), SG_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "fo", 2);
}

static void test_decode_cap(void **state)
{
	uint8_t out[8];
	size_t len = 5;
	struct sg_error err;

	(void)state;
	/* Exact fit. */
	assert_int_equal(decode_str("Zm9vYmFy", out, 6, &len, &err), SG_OK);
	assert_int_equal(len, 6);
	/* One byte short, in a full group and in the padded last group. */
	assert_int_equal(decode_str("Zm9vYmFy", out, 5, &len, &err), SG_E_LIMIT);
	assert_int_equal(len, 0);
	assert_non_null(strstr(err.msg, "longer than 5 bytes"));
	assert_int_equal(decode_str("Zm9vYg==", out, 3, &len, &err), SG_E_LIMIT);
	assert_int_equal(decode_str("Zm9vYg==", out, 4, &len, &err), SG_OK);
	assert_int_equal(len, 4);
	/* cap 0 and an empty value. */
	assert_int_equal(decode_str("", out, 0, &len, &err), SG_OK);
	assert_int_equal(len, 0);
	assert_int_equal(decode_str("Zg==", out, 0, &len, &err), SG_E_LIMIT);
}

static void test_decode_null_error(void **state)
{
	uint8_t out[4];
	size_t len;

	(void)state;
	assert_int_equal(sg_base64_decode("Zg", 2, out, sizeof(out), &len, NULL), SG_E_SYNTAX);
	assert_int_equal(sg_base64_decode("Zg==", 4, out, sizeof(out), &len, NULL), SG_OK);
	assert_int_equal(len, 1);
}

/* bh= of RFC 6376 A.2 (sha256 of the body) and the App. C public key. */
static void test_decode_real_values(void **state)
{
	static const char bh[] = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";
	static const char p[] =
		"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYt\r\n"
		" IxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0\r\n"
		"\tfzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB";
	uint8_t out[256];
	char enc[64];
	size_t len;
	struct sg_error err;

	(void)state;
	assert_int_equal(decode_str(bh, out, sizeof(out), &len, &err), SG_OK);
	assert_int_equal(len, 32);
	assert_int_equal(out[0], 0xda);
	assert_int_equal(out[31], 0xff);
	assert_int_equal(sg_base64_encode(out, len, enc), 44);
	assert_string_equal(enc, bh);
	assert_int_equal(decode_str(p, out, sizeof(out), &len, &err), SG_OK);
	assert_int_equal(len, 162);		/* SubjectPublicKeyInfo, RSA-1024 */
	assert_int_equal(out[0], 0x30);
	assert_int_equal(out[1], 0x81);
	assert_int_equal(out[2], 0x9f);
	assert_int_equal(out[161], 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoded_len),
		cmocka_unit_test(test_encode_rfc4648),
		cmocka_unit_test(test_decode_rfc4648),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode_fws_anywhere),
		cmocka_unit_test(test_decode_bad_alphabet),
		cmocka_unit_test(test_decode_embedded_nul),
		cmocka_unit_test(test_decode_bad_padding),
		cmocka_unit_test(test_decode_noncanonical_bits),
		cmocka_unit_test(test_decode_cap),
		cmocka_unit_test(test_decode_null_error),
		cmocka_unit_test(test_decode_real_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
