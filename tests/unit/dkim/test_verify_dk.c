/*
 * NAME
 *   test_verify_dk.c - unit tests for dataplane/dkim/verify_dk.c
 *
 * SUMMARY
 *   DomainKeys verification through a session: simple and nofws with and
 *   without h=, which fields a signature covers (only those below it; all
 *   of them without h=; with h= the named ones, a repeated name taking its
 *   fields bottom-up, so fields added below break it and unnamed ones do
 *   not), nofws tolerating white space changes that simple does not, the
 *   signing identity (Sender before From, display names and comments,
 *   subdomains of d=, another domain, no address at all, the reported
 *   address), key g= granularity (match, wildcard, mismatch, empty), two
 *   DomainKeys signatures and a DKIM one above them. Real data: the
 *   DomainKeys messages of the Mail::DKIM corpus.
 */
#include "testutil.h"

#include "engine_helpers.h"

#define DOMAIN "example.net"

struct fixture {
	struct eh_key rsa;
	char p[1024];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *p;

	eh_key_testdata(&fx->rsa, "rfc-examples/rfc6376-C-private.pem");
	p = strstr(fx->rsa.dk_record, "p=");
	assert_non_null(p);
	snprintf(fx->p, sizeof(fx->p), "%s", p + 2);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	eh_key_free(&fx->rsa);
	free(fx);
	return 0;
}

/* Signs text with one DomainKeys signature (d=DOMAIN, s=dk). */
static char *dk_sign(struct fixture *fx, const char *text, enum sg_canon canon,
		     const char *headerlist, bool list_headers, size_t *len)
{
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA1, DOMAIN, "dk");

	r.kind = SG_KIND_DOMAINKEYS;
	r.hcanon = canon;
	r.headerlist = headerlist;
	r.list_headers = list_headers;
	return eh_sign_message(&r, &fx->rsa.key, 1, text, strlen(text), len);
}

/* Verifies m with the key published with extra tags (e.g. "g=joe; "). */
static struct eh_results dk_verify(struct fixture *fx, const char *extra, const char *m,
				   size_t len)
{
	char table[1400];
	struct eh_results res;

	snprintf(table, sizeof(table), "dk._domainkey." DOMAIN " k=rsa; %sp=%s\n", extra, fx->p);
	eh_verify(table, NULL, m, len, &res);
	return res;
}

static const char msg[] =
	"Received: from relay by mx\r\n"
	"From: Joe  Example <joe@example.net>\r\n"
	"To: someone@example.org\r\n"
	"Subject: a  folded\r\n"
	"\tsubject\r\n"
	"\r\n"
	"Hello  there \r\n"
	"\r\n\r\n";

/* One edit of a signed message and the result it must give, per variant. */
struct tamper {
	const char *from, *to;
	enum sg_result simple, nofws, simple_h, nofws_h;
};

static void test_coverage_and_canonicalization(void **state)
{
	struct fixture *fx = *state;
	static const struct tamper cases[] = {
		/* nothing changed */
		{ "\r\nReceived:", "\r\nReceived:", SG_RES_PASS, SG_RES_PASS, SG_RES_PASS,
		  SG_RES_PASS },
		/* a field above the signature is never covered */
		{ "DomainKey-Signature:", "X-Above: 1\r\nDomainKey-Signature:", SG_RES_PASS,
		  SG_RES_PASS, SG_RES_PASS, SG_RES_PASS },
		/* a new field below: covered without h=, not named in h= */
		{ "\r\nTo:", "\r\nX-Below: 1\r\nTo:", SG_RES_FAIL, SG_RES_FAIL, SG_RES_PASS,
		  SG_RES_PASS },
		/* a second Subject below: a name listed once takes all its fields */
		{ "\r\nTo:", "\r\nSubject: evil\r\nTo:", SG_RES_FAIL, SG_RES_FAIL, SG_RES_FAIL,
		  SG_RES_FAIL },
		/* an unsigned field changed (Received is not in the h= list) */
		{ "relay by mx", "relay by evil", SG_RES_FAIL, SG_RES_FAIL, SG_RES_PASS,
		  SG_RES_PASS },
		/* white space in a signed field and in the body: nofws ignores it */
		{ "Joe  Example", "Joe Example", SG_RES_FAIL, SG_RES_PASS, SG_RES_FAIL,
		  SG_RES_PASS },
		{ "a  folded\r\n\tsubject", "a folded subject", SG_RES_FAIL, SG_RES_PASS,
		  SG_RES_FAIL, SG_RES_PASS },
		{ "Hello  there \r\n", "Hello there\r\n", SG_RES_FAIL, SG_RES_PASS, SG_RES_FAIL,
		  SG_RES_PASS },
		/* trailing empty lines are ignored by both */
		{ "there \r\n\r\n\r\n", "there \r\n", SG_RES_PASS, SG_RES_PASS, SG_RES_PASS,
		  SG_RES_PASS },
		/* text changed */
		{ "Hello", "Jello", SG_RES_FAIL, SG_RES_FAIL, SG_RES_FAIL, SG_RES_FAIL },
		{ "joe@example.net", "jo@example.net", SG_RES_FAIL, SG_RES_FAIL, SG_RES_FAIL,
		  SG_RES_FAIL },
	};

	for (int v = 0; v < 4; v++) {
		size_t len;
		char *m = dk_sign(fx, msg, v & 1 ? SG_CANON_DK_NOFWS : SG_CANON_DK_SIMPLE,
				  v & 2 ? "From:To:Subject" : NULL, false, &len);

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const enum sg_result want[4] = { cases[i].simple, cases[i].nofws,
							 cases[i].simple_h, cases[i].nofws_h };
			size_t n;
			char *t = eh_edit(m, len, cases[i].from, cases[i].to, &n);
			struct eh_results res = dk_verify(fx, "", t, n);

			assert_int_equal(res.count, 1);
			if (res.r[0].result != want[v])
				fail_msg("variant %d, case %zu (%s): %s (%s)", v, i, cases[i].to,
					 sg_result_name(res.r[0].result), res.r[0].reason);
			free(t);
		}
		free(m);
	}
}

/* h= with repeated names (fields interleaved with others): the verifier
 * replays the list as Mail::DKIM does and finds the signer's order; a
 * field of that name added at the bottom is taken instead and breaks it. */
static void test_repeated_names(void **state)
{
	struct fixture *fx = *state;
	static const char m3[] = "X-Tag: 1\r\nFrom: joe@example.net\r\nX-Tag: 2\r\n"
				 "Subject: s\r\nX-Tag: 3\r\n\r\nbody\r\n";
	size_t len, n;
	char *m = dk_sign(fx, m3, SG_CANON_DK_SIMPLE, NULL, true, &len), *t;
	struct eh_results res;

	assert_non_null(strstr(m, "h=X-Tag:From:X-Tag:Subject:X-Tag;"));
	res = dk_verify(fx, "", m, len);
	eh_assert_result(&res, 0, SG_RES_PASS);
	t = eh_edit(m, len, "\r\n\r\nbody", "\r\nX-Tag: 4\r\n\r\nbody", &n);
	res = dk_verify(fx, "", t, n);
	eh_assert_result(&res, 0, SG_RES_FAIL);
	free(t);
	/* the fields are hashed in h= order, not message order: moving a field
	 * past one of another name is not seen, changing one is */
	t = eh_edit(m, len, "X-Tag: 2\r\nSubject: s\r\n", "Subject: s\r\nX-Tag: 2\r\n", &n);
	res = dk_verify(fx, "", t, n);
	eh_assert_result(&res, 0, SG_RES_PASS);
	free(t);
	t = eh_edit(m, len, "X-Tag: 2", "X-Tag: 5", &n);
	res = dk_verify(fx, "", t, n);
	eh_assert_result(&res, 0, SG_RES_FAIL);
	free(t);
	free(m);
}

static void test_identity(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *fields;
		enum sg_result want;
		const char *reported;	/* dk_sender, or the reason */
	} cases[] = {
		{ "From: joe@example.net\r\n", SG_RES_PASS, "joe@example.net" },
		{ "From: \"Joe, Jr.\" <joe@example.net> (home)\r\n", SG_RES_PASS,
		  "joe@example.net" },
		{ "From: (c) joe@mail.example.net\r\n", SG_RES_PASS, "joe@mail.example.net" },
		{ "From: joe@EXAMPLE.NET\r\n", SG_RES_PASS, "joe@EXAMPLE.NET" },
		{ "From: joe@example.org\r\n", SG_RES_PERMERROR, "sender domain does not match d=" },
		{ "From: joe@notexample.net\r\n", SG_RES_PERMERROR, "sender domain does not match" },
		{ "From: joe@example.org\r\nSender: list@example.net\r\n", SG_RES_PASS,
		  "list@example.net" },
		{ "Sender: list@example.org\r\nFrom: joe@example.net\r\n", SG_RES_PERMERROR,
		  "sender domain does not match" },
		{ "From: undisclosed\r\n", SG_RES_PERMERROR, "no signed Sender or From address" },
		{ "From: <>\r\n", SG_RES_PERMERROR, "no signed Sender or From address" },
		/* a Sender that has no address does not count */
		{ "From: joe@example.net\r\nSender: nobody\r\n", SG_RES_PASS, "joe@example.net" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		size_t len;
		char *m;
		struct eh_results res;

		snprintf(text, sizeof(text), "%sSubject: x\r\n\r\nbody\r\n", cases[i].fields);
		if (cases[i].want == SG_RES_PASS) {
			m = dk_sign(fx, text, SG_CANON_DK_NOFWS, NULL, false, &len);
		} else {
			/* the signer refuses these senders: sign a good sender, then put
			 * the case's fields under its signature (identity is checked
			 * before the signature) */
			static const char good[] = "From: joe@example.net\r\nSubject: x\r\n\r\nbody\r\n";
			char *g = dk_sign(fx, good, SG_CANON_DK_NOFWS, NULL, false, &len);
			size_t sig_len = len - strlen(good);

			m = malloc(sig_len + strlen(text) + 1);
			assert_non_null(m);
			memcpy(m, g, sig_len);
			strcpy(m + sig_len, text);
			len = sig_len + strlen(text);
			free(g);
		}
		res = dk_verify(fx, "", m, len);
		if (res.r[0].result != cases[i].want)
			fail_msg("case %zu: %s (%s)", i, sg_result_name(res.r[0].result),
				 res.r[0].reason);
		if (cases[i].want == SG_RES_PASS) {
			assert_string_equal(res.r[0].dk_sender, cases[i].reported);
			assert_int_equal(res.r[0].dk_sender_is_sender,
					 strncmp(cases[i].reported, "list@", 5) == 0);
		}
		else
			assert_non_null(strstr(res.r[0].reason, cases[i].reported));
		assert_int_equal(res.r[0].kind, SG_KIND_DOMAINKEYS);
		assert_string_equal(res.r[0].domain, DOMAIN);
		free(m);
	}
}

/* The identity comes from covered fields only: a From moved above the
 * signature does not count (the identity check comes before the hash). */
static void test_identity_needs_covered_field(void **state)
{
	struct fixture *fx = *state;
	size_t len, n;
	char *m = dk_sign(fx, "From: joe@example.net\r\nSubject: x\r\n\r\nbody\r\n",
			  SG_CANON_DK_NOFWS, "From:Subject", false, &len);
	char *t = eh_edit(m, len, "\r\nFrom: joe@example.net", "", &n), *t2;
	struct eh_results res;

	t2 = eh_cat("From: joe@example.net\r\n", 23, t, n, &n);
	res = dk_verify(fx, "", t2, n);
	eh_assert_result(&res, 0, SG_RES_PERMERROR);
	assert_string_equal(res.r[0].reason, "no signed Sender or From address");
	free(t2);
	free(t);
	free(m);
}

static void test_granularity(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *g;
		enum sg_result want;
	} cases[] = {
		{ "g=joe; ", SG_RES_PASS }, { "g=j*; ", SG_RES_PASS }, { "g=*; ", SG_RES_PASS },
		{ "g=; ", SG_RES_PASS }, { "g=bob; ", SG_RES_PERMERROR },
		{ "g=jo; ", SG_RES_PERMERROR }, { "g=JOE; ", SG_RES_PERMERROR },
	};
	size_t len;
	char *m = dk_sign(fx, "From: Joe <joe@example.net>\r\n\r\nbody\r\n", SG_CANON_DK_SIMPLE,
			  NULL, false, &len);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eh_results res = dk_verify(fx, cases[i].g, m, len);

		if (res.r[0].result != cases[i].want)
			fail_msg("%s: %s (%s)", cases[i].g, sg_result_name(res.r[0].result),
				 res.r[0].reason);
		if (cases[i].want != SG_RES_PASS)
			assert_string_equal(res.r[0].reason, "key g= does not match the sender");
	}
	free(m);
}

/* Two DomainKeys signatures stacked, and a DKIM one above: each covers
 * only what is below it. */
static void test_stacked_signatures(void **state)
{
	struct fixture *fx = *state;
	struct sg_sign_request dkim = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "dk");
	size_t len1, len2, len3;
	char *m1 = dk_sign(fx, msg, SG_CANON_DK_NOFWS, NULL, false, &len1);
	char *m2 = dk_sign(fx, m1, SG_CANON_DK_SIMPLE, "From:To", false, &len2);
	char *m3 = eh_sign_message(&dkim, &fx->rsa.key, 1, m2, len2, &len3);
	struct eh_results res = dk_verify(fx, "", m3, len3);

	assert_int_equal(res.count, 3);
	assert_int_equal(res.r[0].kind, SG_KIND_DKIM);
	for (size_t i = 0; i < 3; i++)
		eh_assert_result(&res, i, SG_RES_PASS);
	free(m1);
	free(m2);
	free(m3);
}

static void test_mail_dkim_corpus(void **state)
{
	static const struct {
		const char *file, *results, *identity;
	} cases[] = {
		{ "good_dk_gmail", "p", "jasonalonzolong@gmail.com" },
		{ "good_dk_yahoo", "p", "jasona17055@yahoo.com" },
		{ "good_dk_1", "p", NULL }, { "good_dk_2", "p", NULL },
		{ "good_dk_3", "p", "jlong@messiah.edu" },
		{ "good_dk_4", "p", "jlong@messiah.edu" },	/* Sender */
		{ "good_dk_5", "p", "jlong@messiah.edu" },
		{ "good_dk_6", "p", NULL }, { "good_dk_7", "p", "jlong@Messiah.Edu" },
		{ "dk_headers_1", "p", NULL }, { "dk_headers_2", "p", NULL },
		{ "bad_dk_1", "e", "george@example.com" },	/* From not in d= */
		{ "bad_dk_2", "e", "george@example.com" },	/* added Sender */
		/* no q=: q=dns is the default (RFC 4870 3.3); Mail::DKIM's test
		 * for "invalid" is skipped upstream */
		{ "bad_dk_3", "p", NULL },
		{ "bad_dk_4", "e", NULL }, { "bad_dk_5", "e", NULL },
		{ "dk_multiple_1", "pp", NULL },
	};
	static const char letters[] = "?pfnPet";
	struct eh_maildkim_dns dns;
	struct sg_key_lookup lookup = eh_maildkim_dns_open(&dns);
	struct sg_verify_policy pol;

	(void)state;
	sg_verify_policy_default(&pol, 1700000000);
	pol.min_rsa_bits = 0;		/* 512-bit test keys */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rel[128], got[8];
		struct eh_results res;

		snprintf(rel, sizeof(rel), "mail-dkim/corpus/%s.txt", cases[i].file);
		eh_verify_file(rel, &lookup, &pol, &res);
		for (size_t k = 0; k < res.count && k < 7; k++)
			got[k] = letters[res.r[k].result];
		got[res.count < 7 ? res.count : 7] = '\0';
		if (strcmp(got, cases[i].results) != 0)
			fail_msg("%s: %s, want %s (%s)", cases[i].file, got, cases[i].results,
				 res.count ? res.r[0].reason : "");
		assert_int_equal(res.r[0].kind, SG_KIND_DOMAINKEYS);
		if (cases[i].identity != NULL)
			assert_string_equal(res.r[0].dk_sender, cases[i].identity);
	}
	eh_maildkim_dns_close(&dns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage_and_canonicalization),
		cmocka_unit_test(test_repeated_names),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_identity_needs_covered_field),
		cmocka_unit_test(test_granularity),
		cmocka_unit_test(test_stacked_signatures),
		cmocka_unit_test(test_mail_dkim_corpus),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
