/*
 * NAME
 *   test_sigheader.c - unit tests for dataplane/dkim/sigheader.c
 *
 * SUMMARY
 *   The DKIM-Signature text: tag order v a c d s [i] [q] [t] [x] [l] h [z]
 *   bh b= with exactly the optional tags asked for (t= omitted for a
 *   negative timestamp, x = t + lifetime, l= the body length), i= and z=
 *   in DKIM-quoted-printable (z= copies of the picked fields only, '|'
 *   escaped inside values, folded values kept byte for byte), every
 *   canonicalization pair in c=, and the field, once a b= value is added,
 *   parsing back with sg_sig_parse to the same values. The
 *   DomainKey-Signature text with and without h=. Limits: a z= too large
 *   and a full output buffer. A caller's scratch buffer holding old text
 *   gives the same field. The checks: sg_sign_request_check (a bad d=,
 *   s=, i= outside d=, x= without t=, DomainKeys rules) and
 *   sg_dk_sender_check (covered Sender before From, outside d=, none).
 */
#include "testutil.h"

#include "base64.h"
#include "message.h"
#include "qp.h"
#include "sigheader.h"
#include "sigparse.h"

static const uint8_t bh32[32] = {
	0xda, 0x35, 0x12, 0x38, 0x7f, 0x4d, 0x86, 0xd5, 0x46, 0x09, 0x05, 0x8d, 0xaf, 0xd0, 0x6b,
	0x20, 0x03, 0xeb, 0x78, 0xa4, 0x23, 0x3b, 0xa4, 0xa7, 0xed, 0x72, 0x24, 0x7c, 0x95, 0x4e,
	0xce, 0xff,
};
#define BH32_B64 "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="

/* Removes folds and spaces, for comparing with a one-line expectation
 * written without spaces. */
static char *squeeze(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t j = 0;

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\r' && s[i] != '\n' && s[i] != '\t' && s[i] != ' ')
			out[j++] = s[i];
	}
	out[j] = '\0';
	return out;
}

static struct sg_sign_request base_request(void)
{
	return (struct sg_sign_request){
		.kind = SG_KIND_DKIM, .alg = SG_ALG_RSA_SHA256, .hcanon = SG_CANON_RELAXED,
		.bcanon = SG_CANON_SIMPLE, .domain = "example.com", .selector = "sel",
		.timestamp = 1700000000,
	};
}

static const struct sg_name_ref names2[] = { { "From", 4 }, { "Subject", 7 } };
static const long picked2[] = { -1, -1 };

/* Writes the DKIM field for t; returns the text (malloc'd). */
static char *dkim_text(const struct sg_dkim_tags *t, size_t *len)
{
	struct sg_buf out;
	struct sg_folder f;
	char *text;

	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_sigheader_dkim(t, &f, &out), SG_OK);
	text = strndup(out.data, out.len);
	assert_non_null(text);
	*len = out.len;
	sg_buf_free(&out);
	return text;
}

static void expect_squeezed(const struct sg_dkim_tags *t, const char *want)
{
	size_t len;
	char *text = dkim_text(t, &len), *sq = squeeze(text, len);

	assert_string_equal(sq, want);
	assert_memory_equal(text, "DKIM-Signature: v=1; a=", 23);
	assert_memory_equal(text + len - 2, "b=", 2);
	assert_true(text[len - 3] == ' ' || text[len - 3] == '\t');
	free(sq);
	free(text);
}

static void test_minimal_tags(void **state)
{
	struct sg_sign_request r = base_request();
	struct sg_dkim_tags t = {
		.req = &r, .bh = bh32, .bh_len = 32, .names = names2, .nnames = 2,
		.picked = picked2,
	};

	(void)state;
	expect_squeezed(&t, "DKIM-Signature:v=1;a=rsa-sha256;c=relaxed/simple;d=example.com;"
			    "s=sel;t=1700000000;h=From:Subject;bh=" BH32_B64 ";b=");
	r.timestamp = -1;
	expect_squeezed(&t, "DKIM-Signature:v=1;a=rsa-sha256;c=relaxed/simple;d=example.com;"
			    "s=sel;h=From:Subject;bh=" BH32_B64 ";b=");
	r.timestamp = 0;	/* t=0 is a timestamp */
	r.alg = SG_ALG_ED25519_SHA256;
	r.hcanon = SG_CANON_SIMPLE;
	r.bcanon = SG_CANON_RELAXED;
	expect_squeezed(&t, "DKIM-Signature:v=1;a=ed25519-sha256;c=simple/relaxed;"
			    "d=example.com;s=sel;t=0;h=From:Subject;bh=" BH32_B64 ";b=");
}

static void test_all_optional_tags(void **state)
{
	struct sg_sign_request r = base_request();
	struct sg_dkim_tags t = {
		.req = &r, .bh = bh32, .bh_len = 20, .names = names2, .nnames = 2,
		.picked = picked2, .body_length = 12345,
	};
	char bh20[32];

	(void)state;
	sg_base64_encode(bh32, 20, bh20);
	r.alg = SG_ALG_RSA_SHA1;
	r.identity = "joe;x=y@mail.example.com";
	r.query_method = true;
	r.lifetime = 3600;
	r.body_length = true;
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "DKIM-Signature:v=1;a=rsa-sha1;c=relaxed/simple;d=example.com;s=sel;"
			 "i=joe=3Bx=3Dy@mail.example.com;q=dns/txt;t=1700000000;x=1700003600;"
			 "l=12345;h=From:Subject;bh=%s;b=", bh20);
		expect_squeezed(&t, want);
	}
	/* lifetime without timestamp is refused by the signer; here x= is
	 * simply t + lifetime */
	r.timestamp = 5;
	r.lifetime = 1;
	r.body_length = false;
	r.query_method = false;
	r.identity = "@example.com";
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "DKIM-Signature:v=1;a=rsa-sha1;c=relaxed/simple;d=example.com;s=sel;"
			 "i=@example.com;t=5;x=6;h=From:Subject;bh=%s;b=", bh20);
		expect_squeezed(&t, want);
	}
}

/* Parses the text of a message's header section. */
static struct sg_msg_parser *parse(const char *text)
{
	struct sg_msg_parser *p = sg_msg_parser_new(NULL, false, NULL);

	assert_non_null(p);
	assert_int_equal(sg_msg_parser_feed(p, text, strlen(text), NULL), SG_OK);
	assert_int_equal(sg_msg_parser_finish(p, NULL), SG_OK);
	return p;
}

static void test_z_copies(void **state)
{
	struct sg_msg_parser *p = parse("From: Joe <joe@example.com>\r\n"
					"Subject: a|b; c=d\r\n"
					"\tfolded \xc3\xa9\r\n"
					"To: x\r\n\r\n");
	size_t n;
	const struct sg_header_field *f = sg_msg_headers(p, &n);
	const struct sg_name_ref names[] = { { "From", 4 }, { "Subject", 7 }, { "Cc", 2 },
					     { "To", 2 } };
	const long picked[] = { 0, 1, -1, 2 };
	struct sg_sign_request r = base_request();
	struct sg_dkim_tags t = {
		.req = &r, .bh = bh32, .bh_len = 32, .names = names, .nnames = 4,
		.fields = f, .picked = picked,
	};
	size_t len;
	char *text, *sq, *z, *end;

	(void)state;
	assert_int_equal(n, 3);
	r.copy_headers = true;
	r.timestamp = -1;
	text = dkim_text(&t, &len);
	sq = squeeze(text, len);
	assert_string_equal(sq, "DKIM-Signature:v=1;a=rsa-sha256;c=relaxed/simple;d=example.com;"
				"s=sel;h=From:Subject:Cc:To;"
				"z=From:=20Joe=20<joe@example.com>"
				"|Subject:=20a=7Cb=3B=20c=3Dd=0D=0A=09folded=20=C3=A9"
				"|To:=20x;bh=" BH32_B64 ";b=");
	/* in the real text z= is folded only at allowed points: decoding the
	 * value (FWS skipped) gives the same bytes */
	z = strstr(text, "z=");
	assert_non_null(z);
	z += 2;
	end = strchr(z, ';');
	{
		struct sg_buf dec, want;

		sg_buf_init(&dec, SIZE_MAX);
		sg_buf_init(&want, SIZE_MAX);
		assert_int_equal(sg_qp_decode(z, (size_t)(end - z), &dec, NULL), SG_OK);
		assert_int_equal(sg_buf_puts(&want, "From: Joe <joe@example.com>|Subject: a|b; "
					     "c=d\r\n\tfolded \xc3\xa9|To: x"), SG_OK);
		assert_int_equal(dec.len, want.len);
		assert_memory_equal(dec.data, want.data, dec.len);
		sg_buf_free(&dec);
		sg_buf_free(&want);
	}
	free(sq);
	free(text);
	/* no field picked: an empty z= */
	{
		const long none[] = { -1, -1, -1, -1 };

		t.picked = none;
		expect_squeezed(&t, "DKIM-Signature:v=1;a=rsa-sha256;c=relaxed/simple;"
				    "d=example.com;s=sel;h=From:Subject:Cc:To;z=;bh=" BH32_B64
				    ";b=");
	}
	sg_msg_parser_free(p);
}

/* The finished field parses back to what was asked. */
static void test_round_trip_through_sigparse(void **state)
{
	struct sg_sign_request r = base_request();
	struct sg_dkim_tags t = {
		.req = &r, .bh = bh32, .bh_len = 32, .names = names2, .nnames = 2,
		.picked = picked2, .body_length = 77,
	};
	static const enum sg_canon canons[] = { SG_CANON_SIMPLE, SG_CANON_RELAXED };

	(void)state;
	r.identity = "j o@sub.example.com";
	r.query_method = true;
	r.lifetime = 86400;
	r.body_length = true;
	for (int h = 0; h < 2; h++) {
		for (int b = 0; b < 2; b++) {
			struct sg_buf out;
			struct sg_folder f;
			struct sg_header_field field;
			struct sg_sig sig;
			struct sg_error err;

			r.hcanon = canons[h];
			r.bcanon = canons[b];
			sg_buf_init(&out, SIZE_MAX);
			assert_int_equal(sg_sigheader_dkim(&t, &f, &out), SG_OK);
			assert_int_equal(sg_folder_b_value(&f, "QUJDREVGR0g=", 12), SG_OK);
			field = (struct sg_header_field){ .raw = out.data, .len = out.len,
							  .name_len = 14, .value_off = 15,
							  .line = 1 };
			if (sg_sig_parse(&field, SG_KIND_DKIM, &sig, &err) != SG_OK)
				fail_msg("%s\n%s", err.msg, out.data);
			assert_int_equal(sig.alg, SG_ALG_RSA_SHA256);
			assert_int_equal(sig.hcanon, canons[h]);
			assert_int_equal(sig.bcanon, canons[b]);
			assert_string_equal(sig.domain, "example.com");
			assert_string_equal(sig.selector, "sel");
			assert_string_equal(sig.identity, "j o@sub.example.com");
			assert_true(sig.has_t && sig.t == 1700000000);
			assert_true(sig.has_x && sig.x == 1700086400);
			assert_true(sig.has_l && sig.l == 77);
			assert_int_equal(sig.header_count, 2);
			assert_memory_equal(sig.headers[1].s, "Subject", 7);
			assert_int_equal(sig.bh_len, 32);
			assert_memory_equal(sig.bh, bh32, 32);
			assert_int_equal(sig.b_len, 8);
			assert_memory_equal(sig.b, "ABCDEFGH", 8);
			sg_buf_free(&out);
		}
	}
}

static char *dk_text(const struct sg_sign_request *r, const struct sg_name_ref *names,
		     size_t n)
{
	struct sg_buf out;
	struct sg_folder f;
	char *text;

	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_sigheader_dk(r, names, n, &f, &out), SG_OK);
	text = squeeze(out.data, out.len);
	assert_memory_equal(out.data, "DomainKey-Signature: a=rsa-sha1; c=", 35);
	sg_buf_free(&out);
	return text;
}

static void test_domainkeys(void **state)
{
	struct sg_sign_request r = {
		.kind = SG_KIND_DOMAINKEYS, .alg = SG_ALG_RSA_SHA1, .hcanon = SG_CANON_DK_NOFWS,
		.bcanon = SG_CANON_DK_NOFWS, .domain = "messiah.edu", .selector = "test8",
		.timestamp = 1700000000, .lifetime = 10, .body_length = true,
		.copy_headers = true, .identity = "x@messiah.edu",
	};
	char *text;
	const struct sg_name_ref names[] = { { "from", 4 }, { "subject", 7 } };

	(void)state;
	/* DomainKeys has none of the DKIM-only tags, whatever the request says */
	text = dk_text(&r, NULL, 0);
	assert_string_equal(text, "DomainKey-Signature:a=rsa-sha1;c=nofws;d=messiah.edu;s=test8;"
				  "q=dns;b=");
	free(text);
	r.hcanon = SG_CANON_DK_SIMPLE;
	text = dk_text(&r, names, 2);
	assert_string_equal(text, "DomainKey-Signature:a=rsa-sha1;c=simple;d=messiah.edu;s=test8;"
				  "q=dns;h=from:subject;b=");
	free(text);
	/* an empty list still writes h= (it covers nothing) */
	text = dk_text(&r, names, 0);
	assert_string_equal(text, "DomainKey-Signature:a=rsa-sha1;c=simple;d=messiah.edu;s=test8;"
				  "q=dns;h=;b=");
	free(text);
}

static void test_scratch_and_checks(void **state)
{
	struct sg_sign_request r = { .kind = SG_KIND_DKIM, .alg = SG_ALG_RSA_SHA256,
				     .hcanon = SG_CANON_RELAXED, .bcanon = SG_CANON_SIMPLE,
				     .domain = "example.com", .selector = "s", .timestamp = 7 };
	struct sg_msg_parser *p = parse("From: a@example.com\r\nSender: b@other.example\r\n"
					"Subject: x\r\n\r\n");
	const struct sg_header_field *f;
	struct sg_headerlist hl;
	struct sg_error err;
	struct sg_buf dirty;
	size_t n, len1, len2;
	char *own, *theirs;

	(void)state;
	/* the text is the same with a caller's scratch that holds old text */
	{
		struct sg_sign_request z = base_request();
		struct sg_dkim_tags t = { .req = &z, .bh = bh32, .bh_len = 32, .names = names2,
					  .nnames = 2, .picked = picked2 };

		z.identity = "i@example.com";
		own = dkim_text(&t, &len1);
		sg_buf_init(&dirty, SIZE_MAX);
		assert_int_equal(sg_buf_puts(&dirty, "From:Old:Names:Of:Another:Message"), SG_OK);
		t.scratch = &dirty;
		theirs = dkim_text(&t, &len2);
		assert_int_equal(len1, len2);
		assert_memory_equal(own, theirs, len1);
		sg_buf_free(&dirty);
		free(own);
		free(theirs);
	}
	assert_int_equal(sg_sign_request_check(&r, &err), SG_OK);
	r.identity = "joe@sub.example.com";
	assert_int_equal(sg_sign_request_check(&r, &err), SG_OK);
	r.identity = "joe@example.net";
	assert_int_equal(sg_sign_request_check(&r, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "not within the signing domain"));
	r.identity = NULL;
	r.lifetime = 60;
	r.timestamp = -1;
	assert_int_equal(sg_sign_request_check(&r, &err), SG_E_ARG);
	r.domain = "bad..domain";
	assert_int_equal(sg_sign_request_check(&r, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "bad..domain"));
	r = (struct sg_sign_request){ .kind = SG_KIND_DOMAINKEYS, .alg = SG_ALG_RSA_SHA256,
				      .hcanon = SG_CANON_DK_NOFWS, .domain = "example.com",
				      .selector = "s" };
	assert_int_equal(sg_sign_request_check(&r, &err), SG_E_ARG);
	/* DomainKeys sender: a covered Sender wins over From */
	f = sg_msg_headers(p, &n);
	assert_int_equal(sg_dk_sender_check(NULL, f, n, "example.com", &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "Sender address b@other.example"));
	assert_int_equal(sg_dk_sender_check(NULL, f, n, "other.example", &err), SG_OK);
	assert_int_equal(sg_headerlist_parse("From:Subject", &hl, NULL), SG_OK);
	assert_int_equal(sg_dk_sender_check(&hl, f, n, "example.com", &err), SG_OK);
	assert_int_equal(sg_dk_sender_check(&hl, f, 0, "example.com", &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "no signed Sender or From"));
	sg_msg_parser_free(p);
}

static void test_limits(void **state)
{
	struct sg_msg_parser *p;
	char *msg;
	const size_t vlen = 45 * 1024;
	const struct sg_header_field *f;
	size_t n;
	const struct sg_name_ref names[] = { { "Big", 3 }, { "Big", 3 } };
	const long picked[] = { 0, 1 };
	struct sg_sign_request r = base_request();
	struct sg_dkim_tags t = {
		.req = &r, .bh = bh32, .bh_len = 32, .names = names, .nnames = 2,
		.picked = picked,
	};
	struct sg_buf out;
	struct sg_folder fo;

	(void)state;
	/* two 45 KiB fields of spaces are 270 KiB of z=: over the 256 KiB cap */
	msg = malloc(2 * (vlen + 6) + 3);
	assert_non_null(msg);
	for (int k = 0; k < 2; k++) {
		char *at = msg + (size_t)k * (vlen + 6);

		memcpy(at, "Big:", 4);
		memset(at + 4, ' ', vlen);
		memcpy(at + 4 + vlen, "\r\n", 2);
	}
	memcpy(msg + 2 * (vlen + 6), "\r\n", 3);
	p = parse(msg);
	f = sg_msg_headers(p, &n);
	t.fields = f;
	r.copy_headers = true;
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_sigheader_dkim(&t, &fo, &out), SG_E_LIMIT);
	sg_buf_free(&out);
	/* one copy fits (135 KiB); without z= both are fine */
	t.nnames = 1;
	r.copy_headers = true;
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_sigheader_dkim(&t, &fo, &out), SG_OK);
	sg_buf_free(&out);
	t.nnames = 2;
	r.copy_headers = false;
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_sigheader_dkim(&t, &fo, &out), SG_OK);
	sg_buf_free(&out);
	/* the output buffer's own limit */
	sg_buf_init(&out, 60);
	assert_int_equal(sg_sigheader_dkim(&t, &fo, &out), SG_E_LIMIT);
	sg_buf_free(&out);
	sg_buf_init(&out, 30);
	r.kind = SG_KIND_DOMAINKEYS;
	assert_int_equal(sg_sigheader_dk(&r, NULL, 0, &fo, &out), SG_E_LIMIT);
	sg_buf_free(&out);
	sg_msg_parser_free(p);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_tags),
		cmocka_unit_test(test_all_optional_tags),
		cmocka_unit_test(test_z_copies),
		cmocka_unit_test(test_round_trip_through_sigparse),
		cmocka_unit_test(test_domainkeys),
		cmocka_unit_test(test_scratch_and_checks),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
