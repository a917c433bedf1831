/*
 * NAME
 *   test_verify_key.c - unit tests for dataplane/dkim/verify_key.c
 *
 * SUMMARY
 *   Through a verification session with a scripted lookup: the name asked
 *   ("selector._domainkey.domain", once per signature), every lookup
 *   status (NOTFOUND and INVALID -> permerror, TEMPFAIL -> temperror, the
 *   lookup's reason in the result), key records for the signature's kind
 *   (bad syntax, revoked, key type against a=, h= against the hash, t=s
 *   against i=, t=y reported, a key that does not parse, the wrong key),
 *   and the key-size policy (RSA only, at and one past the minimum).
 *   Real data: the key-record cases of the Mail::DKIM corpus, with the
 *   DNS failures its fake DNS simulates.
 */
#include "testutil.h"

#include "engine_helpers.h"

#define DOMAIN "example.net"
#define NOW 1700000000

static const char msg[] = "From: a@example.net\r\nSubject: s\r\n\r\nbody\r\n";

struct fake_dns {
	const char *record;
	enum sg_lookup_status status;
	const char *why;
	char asked[4][600];
	int calls;
};

static enum sg_lookup_status fake_lookup(void *env, const char *name, char *txt, size_t cap,
					 char *why, size_t why_cap)
{
	struct fake_dns *d = env;

	if (d->calls < 4)
		snprintf(d->asked[d->calls], sizeof(d->asked[0]), "%s", name);
	d->calls++;
	if (d->why != NULL)
		snprintf(why, why_cap, "%s", d->why);
	if (d->status == SG_LOOKUP_OK)
		snprintf(txt, cap, "%s", d->record);
	return d->status;
}

struct fixture {
	struct eh_key rsa, ed, rsa2048;
	char rsa_p[1024], ed_p[128], rsa2048_p[1024];
};

/* The p= value of a record made by sg_dns_record. */
static void p_of(const char *record, char *out, size_t cap)
{
	const char *p = strstr(record, "p=");

	assert_non_null(p);
	snprintf(out, cap, "%s", p + 2);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	eh_key_testdata(&fx->rsa, "rfc-examples/rfc6376-C-private.pem");
	eh_key_testdata(&fx->ed, "rfc-examples/rfc8463-A.1-ed25519-seed.b64");
	eh_key_generate(&fx->rsa2048, SG_KEY_RSA, 2048);
	p_of(fx->rsa.record, fx->rsa_p, sizeof(fx->rsa_p));
	p_of(fx->ed.record, fx->ed_p, sizeof(fx->ed_p));
	p_of(fx->rsa2048.record, fx->rsa2048_p, sizeof(fx->rsa2048_p));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	eh_key_free(&fx->rsa);
	eh_key_free(&fx->ed);
	eh_key_free(&fx->rsa2048);
	free(fx);
	return 0;
}

/* Signs msg: 'r' rsa-sha256, '1' rsa-sha1, 'e' ed25519, 'd' DomainKeys,
 * 'R' rsa-sha256 with the 2048-bit key; identity may be NULL. */
static char *sign(struct fixture *fx, char kind, const char *identity, size_t *len)
{
	struct sg_sign_request r = eh_request(kind == 'e' ? SG_ALG_ED25519_SHA256
					      : kind == '1' || kind == 'd' ? SG_ALG_RSA_SHA1
									   : SG_ALG_RSA_SHA256,
					      DOMAIN, "sel");
	struct sg_privkey *k = kind == 'e' ? fx->ed.key : kind == 'R' ? fx->rsa2048.key
								       : fx->rsa.key;

	r.identity = identity;
	if (kind == 'd') {
		r.kind = SG_KIND_DOMAINKEYS;
		r.hcanon = SG_CANON_DK_SIMPLE;
	}
	return eh_sign_message(&r, &k, 1, msg, sizeof(msg) - 1, len);
}

/* Verifies m with the fake DNS and returns result 0. */
static struct sg_sig_result check(struct fake_dns *d, const struct sg_verify_policy *pol,
				  const char *m, size_t len)
{
	struct sg_key_lookup lookup = { fake_lookup, d };
	struct eh_results res;

	d->calls = 0;
	eh_verify_lookup(&lookup, pol, m, len, 0, &res);
	assert_int_equal(res.count, 1);
	return res.r[0];
}

/* Fails unless m verifies to want with a reason containing fragment. */
static void expect(struct fake_dns *d, const char *m, size_t len, enum sg_result want,
		   const char *fragment)
{
	struct sg_sig_result r = check(d, NULL, m, len);

	if (r.result != want || strstr(r.reason, fragment) == NULL)
		fail_msg("record \"%.60s\": %s (%s), want %s (%s)", d->record ? d->record : "",
			 sg_result_name(r.result), r.reason, sg_result_name(want), fragment);
}

static void test_name_and_statuses(void **state)
{
	struct fixture *fx = *state;
	struct fake_dns d = { 0 };
	char rec[1100];
	size_t len;
	char *m = sign(fx, 'r', NULL, &len);

	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s", fx->rsa_p);
	d.record = rec;
	expect(&d, m, len, SG_RES_PASS, "");
	assert_int_equal(d.calls, 1);
	assert_string_equal(d.asked[0], "sel._domainkey.example.net");
	d.status = SG_LOOKUP_NOTFOUND;
	expect(&d, m, len, SG_RES_PERMERROR, "no key at sel._domainkey.example.net: no record");
	d.why = "NXDOMAIN";
	expect(&d, m, len, SG_RES_PERMERROR, "no key at sel._domainkey.example.net: NXDOMAIN");
	d.status = SG_LOOKUP_TEMPFAIL;
	d.why = "timed out after 5 s";
	expect(&d, m, len, SG_RES_TEMPERROR,
	       "key lookup failed for sel._domainkey.example.net: timed out after 5 s");
	d.status = SG_LOOKUP_INVALID;
	d.why = "answer too long";
	expect(&d, m, len, SG_RES_PERMERROR, "unusable key at sel._domainkey.example.net");
	/* a very long reason is cut, not overflowed */
	{
		char why[1000];

		memset(why, 'w', sizeof(why) - 1);
		why[sizeof(why) - 1] = '\0';
		d.why = why;
		d.status = SG_LOOKUP_TEMPFAIL;
		expect(&d, m, len, SG_RES_TEMPERROR, "key lookup failed");
	}
	free(m);
}

static void test_dkim_records(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *fmt;	/* "%s" is replaced by the RSA p= */
		char kind;
		const char *identity;
		enum sg_result want;
		const char *reason;
	} cases[] = {
		{ "v=DKIM1; k=rsa; p=%s", 'r', NULL, SG_RES_PASS, "" },
		{ "p=%s", 'r', NULL, SG_RES_PASS, "" },
		{ "v=DKIM1; h=sha256; p=%s", 'r', NULL, SG_RES_PASS, "" },
		{ "v=DKIM1; h=sha1:sha256; p=%s", '1', NULL, SG_RES_PASS, "" },
		{ "v=DKIM1; h=sha1; p=%s", 'r', NULL, SG_RES_PERMERROR, "h= does not allow" },
		{ "v=DKIM1; h=sha256; p=%s", '1', NULL, SG_RES_PERMERROR, "h= does not allow" },
		{ "v=DKIM1; h=sha512; p=%s", 'r', NULL, SG_RES_PERMERROR, "h= does not allow" },
		{ "v=DKIM1; p=", 'r', NULL, SG_RES_PERMERROR, "key revoked: empty p=" },
		{ "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 'r', NULL,
		  SG_RES_PERMERROR, "key type does not match a=" },
		{ "v=DKIM2; p=%s", 'r', NULL, SG_RES_PERMERROR, "v=" },
		{ "v=DKIM1; k=dsa; p=%s", 'r', NULL, SG_RES_PERMERROR, "" },
		{ "v=DKIM1; s=chat; p=%s", 'r', NULL, SG_RES_PERMERROR, "" },
		{ "hello %s", 'r', NULL, SG_RES_PERMERROR, "key record" },
		{ "v=DKIM1; t=s; p=%s", 'r', NULL, SG_RES_PASS, "" },
		{ "v=DKIM1; t=s; p=%s", 'r', "a@" DOMAIN, SG_RES_PASS, "" },
		{ "v=DKIM1; t=s; p=%s", 'r', "a@mail." DOMAIN, SG_RES_PERMERROR, "t=s" },
		{ "v=DKIM1; t=y:s; p=%s", 'r', "a@EXAMPLE.NET", SG_RES_PASS, "" },
		/* an RSA record whose p= is not an RSA key */
		{ "v=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 'r', NULL,
		  SG_RES_PERMERROR, "public key in DNS is unusable" },
		/* a DomainKeys-only record (no v=) is fine for DKIM too */
		{ "k=rsa; p=%s", 'r', NULL, SG_RES_PASS, "" },
	};
	struct fake_dns d = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rec[1200];
		size_t len;
		char *m = sign(fx, cases[i].kind, cases[i].identity, &len);
		const char *at = strstr(cases[i].fmt, "%s");

		if (at == NULL)
			snprintf(rec, sizeof(rec), "%s", cases[i].fmt);
		else
			snprintf(rec, sizeof(rec), "%.*s%s%s", (int)(at - cases[i].fmt),
				 cases[i].fmt, fx->rsa_p, at + 2);
		d.record = rec;
		expect(&d, m, len, cases[i].want, cases[i].reason);
		free(m);
	}
}

static void test_key_type_mismatch(void **state)
{
	struct fixture *fx = *state;
	struct fake_dns d = { 0 };
	char rec[1200];
	size_t len;
	char *m;

	/* rsa-sha256 signature, Ed25519 key */
	m = sign(fx, 'r', NULL, &len);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; p=%s", fx->ed_p);
	d.record = rec;
	expect(&d, m, len, SG_RES_PERMERROR, "key type does not match a=");
	free(m);
	/* ed25519-sha256 signature, RSA key */
	m = sign(fx, 'e', NULL, &len);
	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s", fx->rsa_p);
	expect(&d, m, len, SG_RES_PERMERROR, "key type does not match a=");
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; p=%s", fx->ed_p);
	expect(&d, m, len, SG_RES_PASS, "");
	free(m);
}

static void test_wrong_key_and_testing_flag(void **state)
{
	struct fixture *fx = *state;
	struct fake_dns d = { 0 };
	struct sg_sig_result r;
	char rec[1200];
	size_t len;
	char *m = sign(fx, 'r', NULL, &len);

	snprintf(rec, sizeof(rec), "v=DKIM1; t=y; p=%s", fx->rsa2048_p);
	d.record = rec;
	r = check(&d, NULL, m, len);
	assert_int_equal(r.result, SG_RES_FAIL);
	assert_string_equal(r.reason, "signature did not verify");
	assert_int_equal(r.key_bits, 2048);
	assert_true(r.testing);
	snprintf(rec, sizeof(rec), "v=DKIM1; t=y; p=%s", fx->rsa_p);
	r = check(&d, NULL, m, len);
	assert_int_equal(r.result, SG_RES_PASS);
	assert_true(r.testing);
	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s", fx->rsa_p);
	r = check(&d, NULL, m, len);
	assert_false(r.testing);
	free(m);
}

static void test_key_size_policy(void **state)
{
	struct fixture *fx = *state;
	struct fake_dns d = { 0 };
	struct sg_verify_policy pol;
	struct sg_sig_result r;
	char rec[1200];
	size_t len;
	char *m = sign(fx, 'r', NULL, &len), *m2, *me;

	sg_verify_policy_default(&pol, NOW);
	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s", fx->rsa_p);
	d.record = rec;
	pol.min_rsa_bits = 1024;
	assert_int_equal(check(&d, &pol, m, len).result, SG_RES_PASS);
	pol.min_rsa_bits = 1025;
	r = check(&d, &pol, m, len);
	assert_int_equal(r.result, SG_RES_POLICY);
	assert_string_equal(r.reason, "key too small: 1024 bits");
	assert_int_equal(r.key_bits, 1024);
	/* a bad signature stays fail whatever the size */
	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s", fx->rsa2048_p);
	assert_int_equal(check(&d, &pol, m, len).result, SG_RES_FAIL);
	/* the 2048-bit key at its limit */
	m2 = sign(fx, 'R', NULL, &len);
	pol.min_rsa_bits = 2048;
	assert_int_equal(check(&d, &pol, m2, len).result, SG_RES_PASS);
	pol.min_rsa_bits = 2049;
	assert_int_equal(check(&d, &pol, m2, len).result, SG_RES_POLICY);
	/* Ed25519 keys are not subject to the RSA minimum */
	me = sign(fx, 'e', NULL, &len);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; p=%s", fx->ed_p);
	pol.min_rsa_bits = 100000;
	assert_int_equal(check(&d, &pol, me, len).result, SG_RES_PASS);
	free(me);
	free(m2);
	free(m);
}

/* DomainKeys signatures get DomainKeys key rules: no h=/t=s checks. */
static void test_domainkeys_records(void **state)
{
	struct fixture *fx = *state;
	struct fake_dns d = { 0 };
	char rec[1200];
	size_t len;
	char *m = sign(fx, 'd', NULL, &len);

	d.record = rec;
	snprintf(rec, sizeof(rec), "k=rsa; p=%s", fx->rsa_p);
	expect(&d, m, len, SG_RES_PASS, "");
	snprintf(rec, sizeof(rec), "k=rsa; t=s; p=%s", fx->rsa_p);
	expect(&d, m, len, SG_RES_PASS, "");
	snprintf(rec, sizeof(rec), "v=DKIM1; h=sha256; p=%s", fx->rsa_p);
	expect(&d, m, len, SG_RES_PASS, "");
	snprintf(rec, sizeof(rec), "k=rsa; p=");
	expect(&d, m, len, SG_RES_PERMERROR, "key revoked");
	d.status = SG_LOOKUP_TEMPFAIL;
	expect(&d, m, len, SG_RES_TEMPERROR, "key lookup failed");
	free(m);
}

/* The key-record cases of the Mail::DKIM corpus. badkey_1..7 carry v=0.5
 * signatures (permerror before any lookup); g= is not a DKIM key tag
 * since RFC 6376, so badkey_8/9/12/13 pass where Mail::DKIM (RFC 4871)
 * says invalid. */
static void test_mail_dkim_key_cases(void **state)
{
	static const struct {
		const char *file;
		enum sg_result want;
		const char *reason;
	} cases[] = {
		{ "goodkey_1", SG_RES_PASS, "" }, { "goodkey_2", SG_RES_PASS, "" },
		{ "goodkey_3", SG_RES_PASS, "" }, { "goodkey_4", SG_RES_PASS, "" },
		{ "badkey_1", SG_RES_PERMERROR, "v=" }, { "badkey_7", SG_RES_PERMERROR, "v=" },
		{ "badkey_8", SG_RES_PASS, "" }, { "badkey_9", SG_RES_PASS, "" },
		{ "badkey_10", SG_RES_PERMERROR, "t=s" },
		{ "badkey_11", SG_RES_PERMERROR, "h= does not allow" },
		{ "badkey_12", SG_RES_PASS, "" }, { "badkey_13", SG_RES_PASS, "" },
		{ "badkey_14", SG_RES_TEMPERROR, "timed out" },
		{ "badkey_15", SG_RES_TEMPERROR, "SERVFAIL" },
		{ "goodkey_ed25519", SG_RES_PASS, "" },
		{ "badkey1_ed25519", SG_RES_PERMERROR, "32 bytes" },
		{ "badkey2_ed25519", SG_RES_FAIL, "signature did not verify" },
		{ "badkey3_ed25519", SG_RES_FAIL, "body hash" },
		{ "badkey4_ed25519", SG_RES_PERMERROR, "no key at" },
		{ "badkey5_ed25519", SG_RES_PERMERROR, "key record" },
	};
	struct eh_maildkim_dns dns;
	struct sg_key_lookup lookup = eh_maildkim_dns_open(&dns);
	struct sg_verify_policy pol;

	(void)state;
	sg_verify_policy_default(&pol, NOW);
	pol.min_rsa_bits = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rel[128];
		struct eh_results res;

		snprintf(rel, sizeof(rel), "mail-dkim/corpus/%s.txt", cases[i].file);
		eh_verify_file(rel, &lookup, &pol, &res);
		assert_int_equal(res.count, 1);
		if (res.r[0].result != cases[i].want || !strstr(res.r[0].reason, cases[i].reason))
			fail_msg("%s: %s (%s)", cases[i].file, sg_result_name(res.r[0].result),
				 res.r[0].reason);
	}
	eh_maildkim_dns_close(&dns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_and_statuses),
		cmocka_unit_test(test_dkim_records),
		cmocka_unit_test(test_key_type_mismatch),
		cmocka_unit_test(test_wrong_key_and_testing_flag),
		cmocka_unit_test(test_key_size_policy),
		cmocka_unit_test(test_domainkeys_records),
		cmocka_unit_test(test_mail_dkim_key_cases),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
