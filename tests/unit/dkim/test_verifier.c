/*
 * NAME
 *   test_verifier.c - unit tests for dataplane/dkim/verifier.c
 *
 * SUMMARY
 *   Edges: default policy and result names, the session's call order
 *   (results only after finish, nothing after finish), a message without
 *   signatures (dkim=none: no results), a malformed message (the reader's
 *   error), the cap of 32 signature fields looked at. Policy knobs:
 *   max_signatures (the rest neutral, 0 = all neutral), x= against the
 *   clock (x = now passes, x = now - 1 is permerror), allow_sha1 (rsa-sha1
 *   and DomainKeys -> policy), verify_domainkeys off (neutral). Checks: a
 *   syntax error is permerror with sigparse's reason while the other
 *   signatures are still checked, l= longer than the body, body hash and
 *   signature mismatches, what a result reports (d, s, i, a, b prefix),
 *   byte-by-byte and bare-LF input. All on messages signed here with the
 *   RFC keys; the published messages (RFC examples, go-msgauth,
 *   Mail::DKIM) are in test_verifier_corpus.c.
 */
#include "testutil.h"

#include "engine_helpers.h"

#define DOMAIN "example.net"
#define NOW 1700000000

static const char msg[] = "From: a@example.net\r\nSubject: s\r\nTo: b@example.org\r\n\r\nbody\r\n";

static int setup(void **state)
{
	*state = eh_rfc_keys_new(DOMAIN);
	return 0;
}

/* A message signed by the requests kinds[] ('r' rsa-sha256, '1' rsa-sha1,
 * 'e' ed25519, 'd' DomainKeys). */
static char *signed_msg(struct eh_rfc_keys *fx, const char *kinds, uint64_t lifetime, size_t *len)
{
	struct sg_sign_request r[8];
	struct sg_privkey *k[8];
	size_t n = strlen(kinds);

	for (size_t i = 0; i < n; i++) {
		bool ed = kinds[i] == 'e';

		r[i] = eh_request(ed ? SG_ALG_ED25519_SHA256 : kinds[i] == 'r' ? SG_ALG_RSA_SHA256
										: SG_ALG_RSA_SHA1,
				  DOMAIN, ed ? "ed" : kinds[i] == 'd' ? "dk" : "rsa");
		r[i].timestamp = NOW;
		r[i].lifetime = lifetime;
		if (kinds[i] == 'd') {
			r[i].kind = SG_KIND_DOMAINKEYS;
			r[i].hcanon = SG_CANON_DK_NOFWS;
		}
		k[i] = ed ? fx->ed.key : fx->rsa.key;
	}
	return eh_sign_message(r, k, n, msg, sizeof(msg) - 1, len);
}

static void test_policy_default_and_names(void **state)
{
	struct sg_verify_policy p;

	(void)state;
	memset(&p, 0xff, sizeof(p));
	sg_verify_policy_default(&p, 12345);
	assert_int_equal(p.max_signatures, 5);
	assert_int_equal(p.min_rsa_bits, 1024);
	assert_true(p.allow_sha1);
	assert_true(p.verify_domainkeys);
	assert_int_equal(p.now, 12345);
	assert_string_equal(sg_result_name(SG_RES_NONE), "none");
	assert_string_equal(sg_result_name(SG_RES_PASS), "pass");
	assert_string_equal(sg_result_name(SG_RES_FAIL), "fail");
	assert_string_equal(sg_result_name(SG_RES_NEUTRAL), "neutral");
	assert_string_equal(sg_result_name(SG_RES_POLICY), "policy");
	assert_string_equal(sg_result_name(SG_RES_PERMERROR), "permerror");
	assert_string_equal(sg_result_name(SG_RES_TEMPERROR), "temperror");
	assert_string_equal(sg_result_name((enum sg_result)99), "none");
}

static void test_call_order(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_keytable *t = NULL;
	struct sg_key_lookup lookup;
	struct sg_verifier *v;
	struct sg_error err;
	size_t len, n = 9;
	char *m = signed_msg(fx, "r", 0, &len);

	assert_int_equal(sg_keytable_parse(fx->table, strlen(fx->table), &t, &err), SG_OK);
	lookup = sg_keytable_lookup(t);
	/* NULL policy: defaults with the clock at 0 */
	v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), &lookup, NULL, NULL, false);
	assert_non_null(v);
	assert_int_equal(sg_verifier_feed(v, m, len, &err), SG_OK);
	assert_int_equal(sg_verifier_count(v), 0);		/* not finished */
	assert_null(sg_verifier_result(v, 0));
	assert_null(sg_verifier_results(v, &n));
	assert_int_equal(n, 0);
	assert_int_equal(sg_verifier_finish(v, &err), SG_OK);
	assert_int_equal(sg_verifier_count(v), 1);
	assert_int_equal(sg_verifier_result(v, 0)->result, SG_RES_PASS);
	assert_null(sg_verifier_result(v, 1));
	assert_ptr_equal(sg_verifier_results(v, &n), sg_verifier_result(v, 0));
	assert_int_equal(n, 1);
	assert_int_equal(sg_verifier_feed(v, "x", 1, &err), SG_E_STATE);
	assert_int_equal(sg_verifier_finish(v, &err), SG_E_STATE);
	sg_verifier_free(v);
	sg_verifier_free(NULL);
	sg_keytable_free(t);
	free(m);
}

static void test_no_signature(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct eh_results res;

	eh_verify(fx->table, NULL, msg, sizeof(msg) - 1, &res);
	assert_int_equal(res.count, 0);
	eh_verify(fx->table, NULL, "", 0, &res);
	assert_int_equal(res.count, 0);
}

static void test_malformed_message(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_keytable *t = NULL;
	struct sg_key_lookup lookup;
	struct sg_verifier *v;
	struct sg_error err;

	assert_int_equal(sg_keytable_parse(fx->table, strlen(fx->table), &t, &err), SG_OK);
	lookup = sg_keytable_lookup(t);
	/* go-msgauth TestVerify_invalid: "asdf" is not a message */
	v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), &lookup, NULL, NULL, false);
	assert_int_equal(sg_verifier_feed(v, "asdf", 4, &err), SG_OK);
	assert_int_equal(sg_verifier_finish(v, &err), SG_E_SYNTAX);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(sg_verifier_count(v), 0);
	assert_int_equal(sg_verifier_finish(v, &err), SG_E_STATE);
	sg_verifier_free(v);
	v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), &lookup, NULL, NULL, false);
	assert_int_equal(sg_verifier_feed(v, "A: b\r\nbad line\r\n\r\n", 19, &err), SG_E_SYNTAX);
	assert_int_equal(err.line, 2);
	sg_verifier_free(v);
	sg_keytable_free(t);
}

static void test_reported_values(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_sign_request r = eh_request(SG_ALG_ED25519_SHA256, DOMAIN, "ed");
	struct eh_results res;
	size_t len;
	char *m, *b, want[9];

	r.identity = "a@" DOMAIN;
	m = eh_sign_message(&r, &fx->ed.key, 1, msg, sizeof(msg) - 1, &len);
	eh_verify(fx->table, NULL, m, len, &res);
	eh_assert_result(&res, 0, SG_RES_PASS);
	assert_true(res.r[0].parsed);
	assert_int_equal(res.r[0].kind, SG_KIND_DKIM);
	assert_int_equal(res.r[0].alg, SG_ALG_ED25519_SHA256);
	assert_string_equal(res.r[0].domain, DOMAIN);
	assert_string_equal(res.r[0].selector, "ed");
	assert_string_equal(res.r[0].identity, "a@" DOMAIN);
	assert_string_equal(res.r[0].reason, "");
	assert_int_equal(res.r[0].key_bits, 256);
	assert_false(res.r[0].testing);
	b = strstr(m, " b=");
	assert_non_null(b);
	memcpy(want, b + 3, 8);
	want[8] = '\0';
	assert_string_equal(res.r[0].b_prefix, want);
	free(m);
	/* no i=: identity stays empty (the default "@d" is not reported) */
	m = signed_msg(fx, "r", 0, &len);
	eh_verify(fx->table, NULL, m, len, &res);
	assert_string_equal(res.r[0].identity, "");
	assert_int_equal(res.r[0].key_bits, 1024);
	free(m);
}

/* A b= of 3 bytes reports its 4 base64 characters and nothing else. */
static void test_short_b_prefix(void **state)
{
	struct eh_rfc_keys *fx = *state;
	static const char m[] =
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=rsa; h=From;\r\n"
		"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=QUJD\r\n"
		"From: a@example.net\r\n\r\n";
	struct eh_results res;

	eh_verify(fx->table, NULL, m, sizeof(m) - 1, &res);
	eh_assert_result(&res, 0, SG_RES_FAIL);
	assert_string_equal(res.r[0].b_prefix, "QUJD");
	/* nothing but zeros after it: results compare equal byte for byte */
	for (size_t i = 4; i < sizeof(res.r[0].b_prefix); i++)
		assert_int_equal(res.r[0].b_prefix[i], 0);
}

static void test_max_signatures(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_verify_policy pol;
	struct eh_results res;
	size_t len;
	char *m = signed_msg(fx, "rer1e", 0, &len);

	sg_verify_policy_default(&pol, NOW);
	eh_verify(fx->table, &pol, m, len, &res);
	assert_int_equal(res.count, 5);
	for (size_t i = 0; i < 5; i++)
		eh_assert_result(&res, i, SG_RES_PASS);
	pol.max_signatures = 2;
	eh_verify(fx->table, &pol, m, len, &res);
	assert_int_equal(res.count, 5);
	eh_assert_result(&res, 0, SG_RES_PASS);
	eh_assert_result(&res, 1, SG_RES_PASS);
	for (size_t i = 2; i < 5; i++) {
		eh_assert_result(&res, i, SG_RES_NEUTRAL);
		assert_string_equal(res.r[i].reason, "not checked: signature limit reached");
		assert_false(res.r[i].parsed);
	}
	pol.max_signatures = 0;
	eh_verify(fx->table, &pol, m, len, &res);
	for (size_t i = 0; i < 5; i++)
		eh_assert_result(&res, i, SG_RES_NEUTRAL);
	free(m);
}

/* More signature fields than the verifier looks at: 32 results. A broken
 * field counts against max_signatures like any other. */
static void test_signature_field_cap(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_verify_policy pol;
	struct eh_results res;
	size_t len, hlen, total = 0;
	char *m = signed_msg(fx, "r", 0, &len), *all;
	const char *body = strstr(m, "\r\nFrom:") + 2;

	hlen = (size_t)(body - m);
	all = malloc(40 * hlen + len + 64);
	memcpy(all, "DKIM-Signature: broken\r\n", 24);
	total = 24;
	for (int i = 0; i < 40; i++) {
		memcpy(all + total, m, hlen);
		total += hlen;
	}
	memcpy(all + total, body, len - hlen);
	total += len - hlen;
	sg_verify_policy_default(&pol, NOW);
	pol.max_signatures = 100;
	eh_verify(fx->table, &pol, all, total, &res);
	assert_int_equal(res.count, 32);
	eh_assert_result(&res, 0, SG_RES_PERMERROR);
	for (size_t i = 1; i < 32; i++)
		eh_assert_result(&res, i, SG_RES_PASS);
	pol.max_signatures = 3;
	eh_verify(fx->table, &pol, all, total, &res);
	eh_assert_result(&res, 0, SG_RES_PERMERROR);
	eh_assert_result(&res, 2, SG_RES_PASS);
	eh_assert_result(&res, 3, SG_RES_NEUTRAL);
	free(all);
	free(m);
}

static void test_expiry(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_verify_policy pol;
	struct eh_results res;
	size_t len;
	char *m = signed_msg(fx, "re", 100, &len);

	sg_verify_policy_default(&pol, NOW + 100);	/* x = now: still valid */
	eh_verify(fx->table, &pol, m, len, &res);
	eh_assert_result(&res, 0, SG_RES_PASS);
	eh_assert_result(&res, 1, SG_RES_PASS);
	pol.now = NOW + 101;
	eh_verify(fx->table, &pol, m, len, &res);
	eh_assert_result(&res, 0, SG_RES_PERMERROR);
	eh_assert_result(&res, 1, SG_RES_PERMERROR);
	assert_string_equal(res.r[0].reason, "signature expired: x= is in the past");
	assert_true(res.r[0].parsed);		/* the tags are still reported */
	assert_string_equal(res.r[0].selector, "rsa");
	free(m);
}

static void test_sha1_and_domainkeys_policy(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_verify_policy pol;
	struct eh_results res;
	size_t len;
	char *m = signed_msg(fx, "r1d", 0, &len);

	sg_verify_policy_default(&pol, NOW);
	eh_verify(fx->table, &pol, m, len, &res);
	for (size_t i = 0; i < 3; i++)
		eh_assert_result(&res, i, SG_RES_PASS);
	pol.allow_sha1 = false;
	eh_verify(fx->table, &pol, m, len, &res);
	eh_assert_result(&res, 0, SG_RES_PASS);
	eh_assert_result(&res, 1, SG_RES_POLICY);
	assert_non_null(strstr(res.r[1].reason, "RFC 8301"));
	eh_assert_result(&res, 2, SG_RES_POLICY);	/* DomainKeys is rsa-sha1 too */
	pol.allow_sha1 = true;
	pol.verify_domainkeys = false;
	eh_verify(fx->table, &pol, m, len, &res);
	eh_assert_result(&res, 1, SG_RES_PASS);
	eh_assert_result(&res, 2, SG_RES_NEUTRAL);
	assert_int_equal(res.r[2].kind, SG_KIND_DOMAINKEYS);
	free(m);
}

static void test_syntax_error_does_not_stop_others(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct eh_results res;
	size_t len, len2;
	char *m = signed_msg(fx, "r", 0, &len), *m2;
	static const char bad[] = "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=rsa;\r\n"
				  "\th=From; b=QUJD\r\n";

	m2 = eh_cat(bad, sizeof(bad) - 1, m, len, &len2);
	eh_verify(fx->table, NULL, m2, len2, &res);
	assert_int_equal(res.count, 2);
	eh_assert_result(&res, 0, SG_RES_PERMERROR);
	assert_string_equal(res.r[0].reason, "DKIM-Signature: missing required tag bh=");
	assert_false(res.r[0].parsed);
	assert_string_equal(res.r[0].domain, "");
	eh_assert_result(&res, 1, SG_RES_PASS);
	free(m2);
	free(m);
}

static void test_mismatches(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
	struct eh_results res;
	size_t len, n;
	char *m, *t;

	r.body_length = true;
	m = eh_sign_message(&r, &fx->rsa.key, 1, msg, sizeof(msg) - 1, &len);
	eh_verify(fx->table, NULL, m, len, &res);
	eh_assert_result(&res, 0, SG_RES_PASS);
	/* a body shorter than l= */
	t = eh_edit(m, len, "\r\n\r\nbody\r\n", "\r\n\r\nbod", &n);
	eh_verify(fx->table, NULL, t, n, &res);
	eh_assert_result(&res, 0, SG_RES_FAIL);
	assert_string_equal(res.r[0].reason, "l= is longer than the body");
	free(t);
	t = eh_edit(m, len, "\r\n\r\nbody\r\n", "\r\n\r\nBODY\r\n", &n);
	eh_verify(fx->table, NULL, t, n, &res);
	eh_assert_result(&res, 0, SG_RES_FAIL);
	assert_string_equal(res.r[0].reason, "body hash did not verify");
	free(t);
	t = eh_edit(m, len, "Subject: s", "Subject: S", &n);
	eh_verify(fx->table, NULL, t, n, &res);
	eh_assert_result(&res, 0, SG_RES_FAIL);
	assert_string_equal(res.r[0].reason, "signature did not verify");
	free(t);
	free(m);
}

static void test_chunked_and_bare_lf(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_keytable *t = NULL;
	struct sg_key_lookup lookup;
	struct sg_error err;
	struct eh_results whole, bytes;
	size_t len, lf_len = 0;
	char *m = signed_msg(fx, "red1", 0, &len), *lf = malloc(len);

	assert_int_equal(sg_keytable_parse(fx->table, strlen(fx->table), &t, &err), SG_OK);
	lookup = sg_keytable_lookup(t);
	eh_verify_lookup(&lookup, NULL, m, len, 0, &whole);
	eh_verify_lookup(&lookup, NULL, m, len, 1, &bytes);
	assert_int_equal(whole.count, 4);
	assert_int_equal(bytes.count, 4);
	assert_memory_equal(&whole.r, &bytes.r, 4 * sizeof(whole.r[0]));
	for (size_t i = 0; i < 4; i++)
		eh_assert_result(&whole, i, SG_RES_PASS);
	/* LF line ends with the fix */
	for (size_t i = 0; i < len; i++) {
		if (m[i] != '\r')
			lf[lf_len++] = m[i];
	}
	{
		struct sg_verifier *v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), &lookup,
							NULL, NULL, true);

		for (size_t i = 0; i < lf_len; i += 3)
			assert_int_equal(sg_verifier_feed(v, lf + i, lf_len - i < 3 ? lf_len - i : 3,
							  &err), SG_OK);
		assert_int_equal(sg_verifier_finish(v, &err), SG_OK);
		assert_int_equal(sg_verifier_count(v), 4);
		for (size_t i = 0; i < 4; i++)
			assert_int_equal(sg_verifier_result(v, i)->result, SG_RES_PASS);
		sg_verifier_free(v);
	}
	free(lf);
	free(m);
	sg_keytable_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_default_and_names),
		cmocka_unit_test(test_call_order),
		cmocka_unit_test(test_no_signature),
		cmocka_unit_test(test_malformed_message),
		cmocka_unit_test(test_reported_values),
		cmocka_unit_test(test_short_b_prefix),
		cmocka_unit_test(test_max_signatures),
		cmocka_unit_test(test_signature_field_cap),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_sha1_and_domainkeys_policy),
		cmocka_unit_test(test_syntax_error_does_not_stop_others),
		cmocka_unit_test(test_mismatches),
		cmocka_unit_test(test_chunked_and_bare_lf),
	};

	return cmocka_run_group_tests(tests, setup, eh_rfc_keys_teardown);
}
