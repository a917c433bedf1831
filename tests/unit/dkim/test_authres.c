/*
 * NAME
 *   test_authres.c - unit tests for dataplane/dkim/authres.c
 *
 * SUMMARY
 *   The exact text for: no results, a DKIM pass next to a DomainKeys fail,
 *   a permerror before parsing, every result name, a missing i=. Comment
 *   escaping, control bytes, value quoting (token, address form, quoted
 *   string), full-size unterminated fields, arguments refused, and the
 *   buffer left unchanged on error. Result names are written literally
 *   here: they must match verifier.h's sg_result_name vocabulary.
 */
#include "testutil.h"

#include "authres.h"

static struct sg_sig_result dkim_pass(void)
{
	struct sg_sig_result r;

	memset(&r, 0, sizeof(r));
	r.kind = SG_KIND_DKIM;
	r.result = SG_RES_PASS;
	r.parsed = true;
	r.alg = SG_ALG_RSA_SHA256;
	strcpy(r.domain, "example.com");
	strcpy(r.selector, "sel");
	strcpy(r.identity, "@example.com");
	strcpy(r.b_prefix, "AbCdEfGh");
	return r;
}

static struct sg_sig_result dk_fail(void)
{
	struct sg_sig_result r;

	memset(&r, 0, sizeof(r));
	r.kind = SG_KIND_DOMAINKEYS;
	r.result = SG_RES_FAIL;
	r.parsed = true;
	r.alg = SG_ALG_RSA_SHA1;
	strcpy(r.reason, "signature mismatch");
	strcpy(r.domain, "example.org");
	strcpy(r.selector, "dk1");
	strcpy(r.dk_sender, "joe@example.org");
	return r;
}

static void expect_text(const char *authserv, const struct sg_sig_result *r, size_t n,
			const char *want)
{
	struct sg_buf b;

	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_authres_format(authserv, r, n, &b), SG_OK);
	assert_string_equal(sg_buf_cstr(&b), want);
	assert_int_equal(b.len, strlen(want));
	sg_buf_free(&b);
}

static void test_no_results(void **state)
{
	(void)state;
	expect_text("mx.example.net", NULL, 0, "mx.example.net; dkim=none");
}

static void test_dkim_and_domainkeys(void **state)
{
	struct sg_sig_result r[2] = { dkim_pass(), dk_fail() };

	(void)state;
	expect_text("mx.example.net", r, 2,
		    "mx.example.net; dkim=pass header.d=example.com header.i=@example.com "
		    "header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh; domainkeys=fail "
		    "(signature mismatch) header.d=example.org header.from=joe@example.org");
}

static void test_permerror_before_parsing(void **state)
{
	struct sg_sig_result r[2] = { dkim_pass(), dk_fail() };

	(void)state;
	r[0].result = SG_RES_PERMERROR;
	r[0].parsed = false;
	strcpy(r[0].reason, "missing tag b=");
	r[1].parsed = false;
	r[1].result = SG_RES_TEMPERROR;
	strcpy(r[1].reason, "key lookup timed out");
	expect_text("mx", r, 2,
		    "mx; dkim=permerror (missing tag b=); "
		    "domainkeys=temperror (key lookup timed out)");
}

static void test_every_result_name(void **state)
{
	static const char *const names[] = {
		"none", "pass", "fail", "neutral", "policy", "permerror", "temperror",
	};
	struct sg_sig_result r;
	char want[64];

	(void)state;
	for (int i = SG_RES_NONE; i <= SG_RES_TEMPERROR; i++) {
		memset(&r, 0, sizeof(r));
		r.kind = SG_KIND_DKIM;
		r.result = (enum sg_result)i;
		snprintf(want, sizeof(want), "a; dkim=%s", names[i]);
		expect_text("a", &r, 1, want);
	}
}

static void test_optional_properties(void **state)
{
	struct sg_sig_result r = dkim_pass();

	(void)state;
	r.identity[0] = '\0';		/* no i= */
	r.b_prefix[0] = '\0';
	r.alg = SG_ALG_ED25519_SHA256;
	r.result = SG_RES_POLICY;
	strcpy(r.reason, "key too small");
	expect_text("a", &r, 1,
		    "a; dkim=policy (key too small) header.d=example.com header.s=sel "
		    "header.a=ed25519-sha256");
	r = dk_fail();
	r.dk_sender[0] = '\0';
	r.reason[0] = '\0';
	expect_text("a", &r, 1, "a; domainkeys=fail header.d=example.org");
}

static void test_comment_escaping(void **state)
{
	struct sg_sig_result r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.kind = SG_KIND_DKIM;
	r.result = SG_RES_PERMERROR;
	strcpy(r.reason, "bad (x) \\ y\r\nInjected: 1\t\x7f");
	expect_text("a", &r, 1, "a; dkim=permerror (bad \\(x\\) \\\\ y?" "?Injected: 1?" "?)");
	/* a reason filling its field with no NUL */
	memset(r.reason, 'r', sizeof(r.reason));
	r.result = SG_RES_FAIL;
	{
		char want[8 + 12 + sizeof(r.reason) + 2];

		strcpy(want, "a; dkim=fail (");
		memset(want + 14, 'r', sizeof(r.reason));
		strcpy(want + 14 + sizeof(r.reason), ")");
		expect_text("a", &r, 1, want);
	}
}

static void test_value_quoting(void **state)
{
	struct sg_sig_result r = dkim_pass();

	(void)state;
	strcpy(r.b_prefix, "ab/cd+E=");
	strcpy(r.identity, "user.name+tag@sub.example.com");
	expect_text("a", &r, 1,
		    "a; dkim=pass header.d=example.com header.i=user.name+tag@sub.example.com "
		    "header.s=sel header.a=rsa-sha256 header.b=\"ab/cd+E=\"");
	strcpy(r.identity, "joe smith@example.com");
	strcpy(r.selector, "s\"1\\");
	strcpy(r.domain, "exa_mple.com");
	strcpy(r.b_prefix, "x");
	expect_text("a", &r, 1,
		    "a; dkim=pass header.d=exa_mple.com header.i=\"joe smith@example.com\" "
		    "header.s=\"s\\\"1\\\\\" header.a=rsa-sha256 header.b=x");
	strcpy(r.identity, "@ex..com");
	strcpy(r.domain, "d\xc3\xa9.example");
	strcpy(r.selector, "a\r\nb");
	expect_text("a", &r, 1,
		    "a; dkim=pass header.d=\"d\xc3\xa9.example\" header.i=\"@ex..com\" "
		    "header.s=\"a??b\" header.a=rsa-sha256 header.b=x");
	r = dk_fail();
	r.reason[0] = '\0';
	strcpy(r.dk_sender, ".joe@example.org");
	expect_text("a", &r, 1,
		    "a; domainkeys=fail header.d=example.org header.from=\".joe@example.org\"");
	expect_text("my host", NULL, 0, "\"my host\"; dkim=none");
}

static void test_refused_arguments(void **state)
{
	struct sg_sig_result r = dkim_pass();
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_buf_puts(&b, "keep"), SG_OK);
	assert_int_equal(sg_authres_format(NULL, NULL, 0, &b), SG_E_ARG);
	assert_int_equal(sg_authres_format("", NULL, 0, &b), SG_E_ARG);
	assert_int_equal(sg_authres_format("a", NULL, 1, &b), SG_E_ARG);
	r.result = (enum sg_result)7;
	assert_int_equal(sg_authres_format("a", &r, 1, &b), SG_E_ARG);
	r = dkim_pass();
	r.kind = (enum sg_sigkind)2;
	assert_int_equal(sg_authres_format("a", &r, 1, &b), SG_E_ARG);
	r = dkim_pass();
	r.alg = (enum sg_alg)3;
	assert_int_equal(sg_authres_format("a", &r, 1, &b), SG_E_ARG);
	assert_string_equal(sg_buf_cstr(&b), "keep");
	sg_buf_free(&b);
}

/* A buffer limit hit anywhere leaves the buffer as it was. */
static void test_limit(void **state)
{
	struct sg_sig_result r[2] = { dkim_pass(), dk_fail() };
	const char *full = "mx; dkim=pass header.d=example.com header.i=@example.com "
			   "header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh; domainkeys=fail "
			   "(signature mismatch) header.d=example.org header.from=joe@example.org";
	struct sg_buf b;

	(void)state;
	for (size_t limit = 3; limit <= 3 + strlen(full); limit++) {
		enum sg_err rc;

		sg_buf_init(&b, limit);
		assert_int_equal(sg_buf_puts(&b, "X: "), SG_OK);
		rc = sg_authres_format("mx", r, 2, &b);
		if (limit == 3 + strlen(full)) {
			assert_int_equal(rc, SG_OK);
			assert_string_equal(b.data + 3, full);
		} else {
			assert_int_equal(rc, SG_E_LIMIT);
			assert_string_equal(sg_buf_cstr(&b), "X: ");
		}
		sg_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_results),
		cmocka_unit_test(test_dkim_and_domainkeys),
		cmocka_unit_test(test_permerror_before_parsing),
		cmocka_unit_test(test_every_result_name),
		cmocka_unit_test(test_optional_properties),
		cmocka_unit_test(test_comment_escaping),
		cmocka_unit_test(test_value_quoting),
		cmocka_unit_test(test_refused_arguments),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
