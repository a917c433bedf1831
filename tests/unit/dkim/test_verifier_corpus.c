/*
 * NAME
 *   test_verifier_corpus.c - dataplane/dkim/verifier.c against published
 *                            signed messages
 *
 * SUMMARY
 *   RFC 6376 A.2 and RFC 8463 A.3 (and the unsigned A.1: no results), the
 *   go-msgauth verify vectors (incl. the raw-RSA key, the two-of-three
 *   signature cap on an LF file, and a signature whose key is not the one
 *   published), and every DKIM message of the Mail::DKIM corpus with its
 *   expected result in signet's terms (where signet follows RFC 6376 more
 *   strictly than Mail::DKIM the table says why), also in strict mode
 *   (rsa-sha1 and small keys refused). Each with the key table its corpus
 *   ships. The verifier's edges, policy knobs and checks on messages
 *   signed here are in test_verifier.c; "asdf" (go-msgauth's invalid
 *   message) is in test_malformed_message there.
 */
#include "testutil.h"

#include "engine_helpers.h"

#define NOW 1700000000

static void test_rfc_examples(void **state)
{
	char *table = tu_read(tu_testdata("rfc-examples/keys.txt"), NULL);
	size_t len;
	char *m = tu_read(tu_testdata("rfc-examples/rfc6376-A.2-signed.eml"), &len);
	struct eh_results res;

	(void)state;
	eh_verify(table, NULL, m, len, &res);
	assert_int_equal(res.count, 1);
	eh_assert_result(&res, 0, SG_RES_PASS);
	assert_string_equal(res.r[0].domain, "example.com");
	assert_string_equal(res.r[0].selector, "brisbane");
	assert_string_equal(res.r[0].identity, "joe@football.example.com");
	assert_string_equal(res.r[0].b_prefix, "AuUoFEfD");
	assert_int_equal(res.r[0].alg, SG_ALG_RSA_SHA256);
	free(m);
	m = tu_read(tu_testdata("rfc-examples/rfc8463-A.3-signed.eml"), &len);
	eh_verify(table, NULL, m, len, &res);
	assert_int_equal(res.count, 2);
	eh_assert_result(&res, 0, SG_RES_PASS);
	eh_assert_result(&res, 1, SG_RES_PASS);
	assert_int_equal(res.r[0].alg, SG_ALG_ED25519_SHA256);
	assert_int_equal(res.r[1].alg, SG_ALG_RSA_SHA256);
	assert_string_equal(res.r[0].identity, "@football.example.com");
	free(m);
	m = tu_read(tu_testdata("rfc-examples/rfc6376-A.1-unsigned.eml"), &len);
	eh_verify(table, NULL, m, len, &res);
	assert_int_equal(res.count, 0);
	free(m);
	free(table);
}

static void test_go_msgauth(void **state)
{
	char *table = tu_read(tu_testdata("go-msgauth/keys.txt"), NULL);
	struct sg_keytable *t = NULL;
	struct sg_key_lookup lookup;
	struct sg_verify_policy pol;
	struct sg_error err;
	struct eh_results res;

	(void)state;
	assert_int_equal(sg_keytable_parse(table, strlen(table), &t, &err), SG_OK);
	lookup = sg_keytable_lookup(t);
	sg_verify_policy_default(&pol, NOW);
	eh_verify_file("go-msgauth/messages/verifiedMailString.eml", &lookup, &pol, &res);
	assert_int_equal(res.count, 1);
	eh_assert_result(&res, 0, SG_RES_PASS);
	assert_string_equal(res.r[0].identity, "joe@football.example.com");
	eh_verify_file("go-msgauth/messages/verifiedRawRSAMailString.eml", &lookup, &pol, &res);
	assert_int_equal(res.count, 1);
	eh_assert_result(&res, 0, SG_RES_PASS);
	/* the second signature's key is the RFC 6376 one here (see README) */
	eh_verify_file("go-msgauth/messages/verifiedEd25519MailString.eml", &lookup, &pol, &res);
	assert_int_equal(res.count, 2);
	eh_assert_result(&res, 0, SG_RES_PASS);
	eh_assert_result(&res, 1, SG_RES_FAIL);
	eh_verify_file("go-msgauth/messages/unsignedMailString.eml", &lookup, &pol, &res);
	assert_int_equal(res.count, 0);
	/* three signatures, LF line ends, a cap of two */
	{
		size_t len;
		char *m = tu_read(tu_testdata("go-msgauth/messages/tooManySignaturesMailString.eml"),
				  &len);
		struct sg_verifier *v;

		pol.max_signatures = 2;
		v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), &lookup, &pol, NULL, true);
		assert_int_equal(sg_verifier_feed(v, m, len, &err), SG_OK);
		assert_int_equal(sg_verifier_finish(v, &err), SG_OK);
		assert_int_equal(sg_verifier_count(v), 3);
		assert_int_equal(sg_verifier_result(v, 0)->result, SG_RES_PASS);
		assert_int_equal(sg_verifier_result(v, 1)->result, SG_RES_PASS);
		assert_int_equal(sg_verifier_result(v, 2)->result, SG_RES_NEUTRAL);
		sg_verifier_free(v);
		free(m);
	}
	sg_keytable_free(t);
	free(table);
}

/* Mail::DKIM's corpus (DKIM messages; DomainKeys and key-record cases are
 * in test_verify_dk.c and test_verify_key.c), verified as Mail::DKIM's
 * non-strict tests do: keys of any size. */
static const struct {
	const char *file;
	const char *results;	/* one letter per signature: p f n P(olicy) e t */
	const char *why;	/* why signet differs from Mail::DKIM, if it does */
} maildkim[] = {
	{ "good_rfc4871_3", "p", NULL }, { "good_rfc4871_4", "p", NULL },
	{ "good_1878523", "p", NULL }, { "good_83176", "p", NULL },
	{ "good_qp_1", "p", NULL }, { "good_qp_2", "p", NULL }, { "good_qp_3", "p", NULL },
	{ "multiple_2", "epfe", NULL },
	{ "bad_1878954", "f", NULL },
	{ "ignore_1", "e", NULL }, { "ignore_2", "e", NULL }, { "ignore_3", "e", NULL },
	{ "ignore_4", "e", NULL }, { "ignore_5", "e", NULL }, { "ignore_6", "e", NULL },
	{ "ignore_7", "e", NULL }, { "ignore_8", "e", NULL },
	/* pre-RFC drafts: no v= or v=0.5; RFC 6376 3.5 makes v=1 required */
	{ "good_ietf00_1", "e", "no v=" }, { "good_ietf00_2", "e", "no v=" },
	{ "good_ietf00_3", "e", "no v=" }, { "good_ietf00_4", "e", "no v=" },
	{ "good_ietf00_5", "e", "no v=" }, { "mine_ietf01_1", "e", "no v=" },
	{ "mine_ietf01_2", "e", "no v=" }, { "mine_ietf01_3", "e", "no v=" },
	{ "mine_ietf01_4", "e", "no v=" }, { "mine_ietf05_1", "e", "v=0.5" },
	{ "good_ietf01_1", "e", "no v=" }, { "good_ietf01_2", "e", "no v=" },
	{ "bad_ietf01_1", "e", "no v=" }, { "bad_ietf01_2", "e", "no v=" },
	{ "bad_ietf01_3", "e", "no v=" }, { "bad_1", "e", "no v=" },
	{ "no_body_1", "e", "v=0.5" }, { "no_body_2", "e", "v=0.5" },
	{ "no_body_3", "e", "v=0.5" }, { "multiple_1", "eeee", "no v=" },
};

static void test_mail_dkim_corpus(void **state)
{
	struct eh_maildkim_dns dns;
	struct sg_key_lookup lookup = eh_maildkim_dns_open(&dns);
	struct sg_verify_policy pol;
	static const char letters[] = "?pfnPet";

	(void)state;
	sg_verify_policy_default(&pol, NOW);
	pol.min_rsa_bits = 0;
	for (size_t i = 0; i < sizeof(maildkim) / sizeof(maildkim[0]); i++) {
		char rel[128], got[16];
		struct eh_results res;

		snprintf(rel, sizeof(rel), "mail-dkim/corpus/%s.txt", maildkim[i].file);
		eh_verify_file(rel, &lookup, &pol, &res);
		for (size_t k = 0; k < res.count && k < sizeof(got) - 1; k++)
			got[k] = letters[res.r[k].result];
		got[res.count < sizeof(got) - 1 ? res.count : sizeof(got) - 1] = '\0';
		if (strcmp(got, maildkim[i].results) != 0)
			fail_msg("%s: got %s, want %s (%s)", maildkim[i].file, got,
				 maildkim[i].results, res.count ? res.r[0].reason : "");
		if (maildkim[i].why != NULL && strcmp(maildkim[i].why, "no v=") == 0)
			assert_non_null(strstr(res.r[0].reason, "missing required tag v="));
	}
	/* strict mode (rsa-sha1 and small keys refused): Mail::DKIM "invalid" */
	pol.allow_sha1 = false;
	pol.min_rsa_bits = 1024;
	{
		struct eh_results res;

		eh_verify_file("mail-dkim/corpus/good_1878523.txt", &lookup, &pol, &res);
		eh_assert_result(&res, 0, SG_RES_POLICY);
		eh_verify_file("mail-dkim/corpus/good_qp_1.txt", &lookup, &pol, &res);
		eh_assert_result(&res, 0, SG_RES_POLICY);
		/* sha1 allowed, the 512-bit key alone refused */
		pol.allow_sha1 = true;
		eh_verify_file("mail-dkim/corpus/good_qp_1.txt", &lookup, &pol, &res);
		eh_assert_result(&res, 0, SG_RES_POLICY);
		assert_string_equal(res.r[0].reason, "key too small: 512 bits");
	}
	eh_maildkim_dns_close(&dns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_examples),
		cmocka_unit_test(test_go_msgauth),
		cmocka_unit_test(test_mail_dkim_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
