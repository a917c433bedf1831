/*
 * NAME
 *   test_canon_header.c - unit tests for dataplane/dkim/canon_header.c
 *
 * SUMMARY
 *   dkimpy and go-msgauth header vectors (canonicalization.tsv, read at
 *   test time), relaxed edge cases (colon and fold positions, bare CR/LF,
 *   8-bit bytes, the signature header without CRLF), DomainKeys simple and
 *   nofws against Mail::DKIM outputs, appending to a non-empty buffer, and
 *   the errors: no colon, unknown canonicalization, buffer limit (with the
 *   buffer left unchanged).
 */
#include "testutil.h"
#include "canon_vectors.h"

#include "canon.h"

static void expect_canon(enum sg_canon canon, const char *raw, size_t len, bool crlf,
			 const char *exp, size_t explen)
{
	struct sg_buf b;

	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_header_canon(canon, raw, len, crlf, &b), SG_OK);
	if (b.len != explen || memcmp(b.data, exp, explen) != 0)
		fail_msg("canon %d of \"%s\": got \"%s\", expected \"%s\"", (int)canon,
			 tu_escaped(raw, len), tu_escaped(b.data, b.len), tu_escaped(exp, explen));
	assert_int_equal(b.data[b.len], '\0');
	sg_buf_free(&b);
}

#define EXPECT(canon, raw, crlf, exp) \
	expect_canon(canon, raw, sizeof(raw) - 1, crlf, exp, sizeof(exp) - 1)

/* The TSV inputs hold whole header sections ("A:1\r\nB:2\r\n"); each field
 * (up to a CRLF not followed by WSP, without that CRLF) is canonicalized
 * with crlf = true and the outputs are joined. Returns the rows run. */
static size_t run_tsv_headers(const char *path)
{
	size_t n, ran = 0;
	struct cv_row *rows = cv_load(path, &n);

	for (size_t i = 0; i < n; i++) {
		struct cv_row *r = &rows[i];
		enum sg_canon canon;
		struct sg_buf b;
		size_t start = 0;
		const char *in = r->input;

		if (strcmp(r->kind, "header-simple") == 0)
			canon = SG_CANON_SIMPLE;
		else if (strcmp(r->kind, "header-relaxed") == 0)
			canon = SG_CANON_RELAXED;
		else
			continue;
		sg_buf_init(&b, SIZE_MAX);
		for (size_t j = 0; j + 1 < r->input_len; j++) {
			if (in[j] != '\r' || in[j + 1] != '\n' ||
			    (j + 2 < r->input_len && (in[j + 2] == ' ' || in[j + 2] == '\t')))
				continue;
			assert_int_equal(sg_header_canon(canon, in + start, j - start, true, &b),
					 SG_OK);
			start = j + 2;
			j++;
		}
		assert_int_equal(start, r->input_len);	/* every field ended in CRLF */
		if (b.len != r->expected_len || memcmp(b.data, r->expected, b.len) != 0)
			fail_msg("%s line %d: got \"%s\", expected \"%s\"", path, r->line,
				 tu_escaped(b.data, b.len), tu_escaped(r->expected, r->expected_len));
		sg_buf_free(&b);
		ran++;
	}
	cv_free(rows, n);
	return ran;
}

static void test_dkimpy_vectors(void **state)
{
	(void)state;
	assert_int_equal(run_tsv_headers(tu_testdata("dkimpy/canonicalization.tsv")), 5);
}

static void test_gomsgauth_vectors(void **state)
{
	(void)state;
	assert_int_equal(run_tsv_headers(tu_testdata("go-msgauth/canonicalization.tsv")), 4);
}

static void test_simple_unchanged(void **state)
{
	(void)state;
	EXPECT(SG_CANON_SIMPLE, "SuBject :  x \r\n\ty ", true, "SuBject :  x \r\n\ty \r\n");
	EXPECT(SG_CANON_SIMPLE, "SuBject :  x ", false, "SuBject :  x ");
	EXPECT(SG_CANON_SIMPLE, "", true, "\r\n");
	EXPECT(SG_CANON_SIMPLE, "no colon", false, "no colon");
	EXPECT(SG_CANON_DK_SIMPLE, "X-A :b", true, "X-A :b\r\n");
}

static void test_relaxed_edges(void **state)
{
	(void)state;
	EXPECT(SG_CANON_RELAXED, "Foo:", true, "foo:\r\n");
	EXPECT(SG_CANON_RELAXED, "Foo: \t ", true, "foo:\r\n");
	EXPECT(SG_CANON_RELAXED, "X-Mixed-CASE \t: a : b ", true, "x-mixed-case:a : b\r\n");
	EXPECT(SG_CANON_RELAXED, "Foo:\r\n bar", true, "foo:bar\r\n");
	EXPECT(SG_CANON_RELAXED, "Foo: a\r\n\r\n b", true, "foo:a\r\n b\r\n");
	EXPECT(SG_CANON_RELAXED, "Foo: a \r\n \r\n\tb \r\n ", true, "foo:a b\r\n");
	/* a CR or LF outside a fold is an ordinary byte */
	EXPECT(SG_CANON_RELAXED, "X: a\rb\nc \r", true, "x:a\rb\nc \r\r\n");
	/* 8-bit bytes pass unchanged, also in the name (not lowercased) */
	EXPECT(SG_CANON_RELAXED, "SUBJ\xc3\x89: caf\xc3\xa9  \xc3\x89", true,
	       "subj\xc3\x89:caf\xc3\xa9 \xc3\x89\r\n");
	/* the signature header itself: no CRLF (RFC 6376 3.7) */
	EXPECT(SG_CANON_RELAXED, "DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=", false,
	       "dkim-signature:v=1; a=rsa-sha256; b=");
	/* only the first colon separates name and value */
	EXPECT(SG_CANON_RELAXED, "A:b : c:d", true, "a:b : c:d\r\n");
}

/* References from Mail::DKIM 1.20230212: dk_nofws->new->canonicalize_header
 * and dk_simple->new->canonicalize_header on each field plus CRLF (as
 * DkCommon::finish_header calls them), outputs printed by a throw-away
 * perl script. */
static void test_domainkeys_mail_dkim(void **state)
{
	(void)state;
	EXPECT(SG_CANON_DK_NOFWS, "Subject:  Hello \t World", true, "Subject:HelloWorld\r\n");
	EXPECT(SG_CANON_DK_NOFWS, "From: Joe <joe@example.org>\r\n\tfolded  ", true,
	       "From:Joe<joe@example.org>folded\r\n");
	EXPECT(SG_CANON_DK_NOFWS, "X-A :b", true, "X-A:b\r\n");
	EXPECT(SG_CANON_DK_SIMPLE, "Subject:  Hello \t World", true,
	       "Subject:  Hello \t World\r\n");
	EXPECT(SG_CANON_DK_SIMPLE, "From: Joe <joe@example.org>\r\n\tfolded  ", true,
	       "From: Joe <joe@example.org>\r\n\tfolded  \r\n");
	EXPECT(SG_CANON_DK_NOFWS, " \t\r\n", false, "");
	EXPECT(SG_CANON_DK_NOFWS, "A: b\rc\nd", false, "A:bcd");
}

static void test_appends(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_buf_puts(&b, "head|"), SG_OK);
	assert_int_equal(sg_header_canon(SG_CANON_RELAXED, "A :  x", 6, true, &b), SG_OK);
	assert_int_equal(sg_header_canon(SG_CANON_DK_NOFWS, "B: y z", 6, false, &b), SG_OK);
	assert_int_equal(sg_header_canon(SG_CANON_SIMPLE, "C: w", 4, true, &b), SG_OK);
	assert_string_equal(sg_buf_cstr(&b), "head|a:x\r\nB:yzC: w\r\n");
	sg_buf_free(&b);
}

static void test_errors(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_buf_puts(&b, "keep"), SG_OK);
	assert_int_equal(sg_header_canon(SG_CANON_RELAXED, "no colon", 8, true, &b),
			 SG_E_SYNTAX);
	assert_int_equal(sg_header_canon(SG_CANON_RELAXED, "", 0, true, &b), SG_E_SYNTAX);
	assert_int_equal(sg_header_canon((enum sg_canon)42, "A: b", 4, true, &b), SG_E_ARG);
	assert_string_equal(sg_buf_cstr(&b), "keep");
	assert_int_equal(b.len, 4);
	sg_buf_free(&b);
}

/* The buffer's limit applies to the canonical output, and a failing
 * append (field or CRLF) leaves the buffer as it was. */
static void test_limit(void **state)
{
	static const char raw[] = "Subject:    many     spaces     here";	/* 36 bytes */
	static const char canon[] = "subject:many spaces here\r\n";		/* 26 bytes */
	struct sg_buf b;

	(void)state;
	for (size_t limit = 0; limit <= sizeof(raw) + 2; limit++) {
		enum sg_err rc;

		sg_buf_init(&b, limit);
		rc = sg_header_canon(SG_CANON_RELAXED, raw, sizeof(raw) - 1, true, &b);
		if (limit >= sizeof(canon) - 1) {
			assert_int_equal(rc, SG_OK);
			assert_string_equal(sg_buf_cstr(&b), canon);
		} else {
			assert_int_equal(rc, SG_E_LIMIT);
			assert_int_equal(b.len, 0);
			assert_string_equal(sg_buf_cstr(&b), "");
		}
		sg_buf_free(&b);
		sg_buf_init(&b, limit);
		rc = sg_header_canon(SG_CANON_SIMPLE, raw, sizeof(raw) - 1, true, &b);
		assert_int_equal(rc, limit >= sizeof(raw) + 1 ? SG_OK : SG_E_LIMIT);
		assert_int_equal(b.len, rc == SG_OK ? sizeof(raw) + 1 : 0);
		sg_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dkimpy_vectors),
		cmocka_unit_test(test_gomsgauth_vectors),
		cmocka_unit_test(test_simple_unchanged),
		cmocka_unit_test(test_relaxed_edges),
		cmocka_unit_test(test_domainkeys_mail_dkim),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
