/*
 * NAME
 *   test_signer_roundtrip.c - dataplane/dkim/signer.c: sign, then verify
 *                             with the engine's verifier
 *
 * SUMMARY
 *   Round trips: rsa-sha256, rsa-sha1 and ed25519-sha256 x the four c=
 *   pairs, l= (and text appended after signing), x=, z=, i=, q=, messages
 *   without a body or without a blank line, input fed byte by byte or
 *   with bare LF (same signatures). Several signatures in one pass: RSA +
 *   Ed25519 with the body canonicalized and hashed once per distinct
 *   (canonicalization, hash) (counted with a counting hash), DKIM +
 *   DomainKeys (DKIM fields first), the DomainKeys variants (simple/nofws,
 *   h= listed or given). Tampering: body, signed field, an over-signed
 *   field added, an unsigned field changed, relaxed refolding. The API
 *   edges and the published vectors are in test_signer.c.
 */
#include "testutil.h"

#include "engine_helpers.h"

#define DOMAIN "football.example.com"

static const char msg[] = EH_FOOTBALL_MSG;

static int setup(void **state)
{
	*state = eh_rfc_keys_new(DOMAIN);
	return 0;
}

/* Signs text with one request, the key matching its algorithm, and
 * returns the signed message. */
static char *sign_one(struct eh_rfc_keys *fx, const struct sg_sign_request *r, const char *text,
		      size_t len, size_t *outlen)
{
	struct sg_privkey *key = r->alg == SG_ALG_ED25519_SHA256 ? fx->ed.key : fx->rsa.key;

	return eh_sign_message(r, &key, 1, text, len, outlen);
}

/* ---- round trips ----------------------------------------------------- */

static void test_round_trip_algs_and_canons(void **state)
{
	struct eh_rfc_keys *fx = *state;
	static const enum sg_alg algs[] = {
		SG_ALG_RSA_SHA256, SG_ALG_RSA_SHA1, SG_ALG_ED25519_SHA256,
	};
	static const enum sg_canon canons[] = { SG_CANON_SIMPLE, SG_CANON_RELAXED };

	for (size_t a = 0; a < 3; a++) {
		for (int h = 0; h < 2; h++) {
			for (int b = 0; b < 2; b++) {
				struct sg_sign_request r = eh_request(
					algs[a], DOMAIN, algs[a] == SG_ALG_ED25519_SHA256 ? "ed"
											 : "rsa");
				struct eh_results res;
				size_t len;
				char *out, want_c[32], got_c[32];

				r.hcanon = canons[h];
				r.bcanon = canons[b];
				out = sign_one(fx, &r, msg, sizeof(msg) - 1, &len);
				eh_verify(fx->table, NULL, out, len, &res);
				assert_int_equal(res.count, 1);
				eh_assert_result(&res, 0, SG_RES_PASS);
				assert_int_equal(res.r[0].alg, algs[a]);
				eh_tag_value(out, "c", got_c, sizeof(got_c));
				snprintf(want_c, sizeof(want_c), "%s/%s", sg_canon_name(canons[h]),
					 sg_canon_name(canons[b]));
				assert_string_equal(got_c, want_c);
				eh_tag_value(out, "a", got_c, sizeof(got_c));
				assert_string_equal(got_c, sg_alg_name(algs[a]));
				free(out);
			}
		}
	}
}

static void test_round_trip_options(void **state)
{
	struct eh_rfc_keys *fx = *state;

	for (int k = 0; k < 6; k++) {
		struct sg_sign_request r = eh_request(k % 2 ? SG_ALG_ED25519_SHA256
							    : SG_ALG_RSA_SHA256,
						      DOMAIN, k % 2 ? "ed" : "rsa");
		struct eh_results res;
		size_t len;
		char *out, v[512];

		r.body_length = k == 0 || k == 5;
		r.lifetime = k == 1 || k == 5 ? 7200 : 0;
		r.copy_headers = k == 2 || k == 5;
		r.identity = k == 3 || k == 5 ? "joe@" DOMAIN : NULL;
		r.query_method = k == 4 || k == 5;
		out = sign_one(fx, &r, msg, sizeof(msg) - 1, &len);
		eh_verify(fx->table, NULL, out, len, &res);
		eh_assert_result(&res, 0, SG_RES_PASS);
		assert_int_equal(eh_has_tag(out, "l"), r.body_length);
		assert_int_equal(eh_has_tag(out, "x"), r.lifetime > 0);
		assert_int_equal(eh_has_tag(out, "z"), r.copy_headers);
		assert_int_equal(eh_has_tag(out, "i"), r.identity != NULL);
		assert_int_equal(eh_has_tag(out, "q"), r.query_method);
		eh_tag_value(out, "t", v, sizeof(v));
		assert_string_equal(v, "1700000000");
		if (r.lifetime) {
			eh_tag_value(out, "x", v, sizeof(v));
			assert_string_equal(v, "1700007200");
		}
		if (r.body_length) {
			eh_tag_value(out, "l", v, sizeof(v));
			assert_string_equal(v, "54");	/* relaxed: no WSP, no last CRLF */
		}
		if (r.identity) {
			eh_tag_value(out, "i", v, sizeof(v));
			assert_string_equal(v, "joe@" DOMAIN);
			assert_string_equal(res.r[0].identity, "joe@" DOMAIN);
		}
		if (r.copy_headers) {
			eh_tag_value(out, "z", v, sizeof(v));
			static const char want[] =
				"From:=20Joe=20SixPack=20<joe@football.example.com>|"
				"Subject:=20=20=20Is=20dinner=20=20ready?|Date:";

			assert_memory_equal(v, want, sizeof(want) - 1);
		}
		free(out);
	}
}

/* l= covers the body as signed: text appended later does not break it. */
static void test_body_length_allows_appending(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
	struct eh_results res;
	size_t len, len2;
	char *out, *more;

	for (int with_l = 0; with_l < 2; with_l++) {
		r.body_length = with_l;
		out = sign_one(fx, &r, msg, sizeof(msg) - 1, &len);
		more = eh_cat(out, len, "--\r\nmailing list footer\r\n", 25, &len2);
		eh_verify(fx->table, NULL, more, len2, &res);
		eh_assert_result(&res, 0, with_l ? SG_RES_PASS : SG_RES_FAIL);
		free(more);
		free(out);
	}
}

/* body_limit: at most that many canonical body bytes are hashed and l=
 * says how many (fewer when the body is shorter); bytes past the limit
 * may change, bytes before it may not. */
static void test_body_limit(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
	static const uint64_t limits[] = { 10, 1000000 };
	struct eh_results res;
	char l[32], *out, *p;
	size_t len;

	for (size_t i = 0; i < 2; i++) {
		r.body_limit = limits[i];
		out = sign_one(fx, &r, msg, sizeof(msg) - 1, &len);
		eh_tag_value(out, "l", l, sizeof(l));
		if (i == 0)
			assert_string_equal(l, "10");
		else	/* the relaxed body of the A.1 message */
			assert_string_equal(l, "54");
		eh_verify(fx->table, NULL, out, len, &res);
		eh_assert_result(&res, 0, SG_RES_PASS);
		p = strstr(out, "\r\n\r\n") + 4;	/* the body */
		p[i == 0 ? 20 : 2] ^= 0x20;		/* past the limit, or inside it */
		eh_verify(fx->table, NULL, out, len, &res);
		eh_assert_result(&res, 0, i == 0 ? SG_RES_PASS : SG_RES_FAIL);
		free(out);
	}
}

static void test_odd_messages(void **state)
{
	struct eh_rfc_keys *fx = *state;
	static const char *const msgs[] = {
		"From: joe@football.example.com\r\n\r\n",
		"From: joe@football.example.com\r\n",
		"From: joe@football.example.com",
		"From: joe@football.example.com\r\n\r\n\r\n\r\n",
		"From: joe@football.example.com\r\n\r\nno final CRLF",
		"From: joe@football.example.com\r\nSubject: \xc3\xa9\xc3\xa9\r\n\r\n\xff\xfe\r\n",
	};

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		for (int c = 0; c < 2; c++) {
			struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
			struct eh_results res;
			size_t len;
			char *out, h[256];

			r.hcanon = r.bcanon = c ? SG_CANON_RELAXED : SG_CANON_SIMPLE;
			out = sign_one(fx, &r, msgs[i], strlen(msgs[i]), &len);
			eh_verify(fx->table, NULL, out, len, &res);
			eh_assert_result(&res, 0, SG_RES_PASS);
			/* the default list asserts the absence of missing fields */
			eh_tag_value(out, "h", h, sizeof(h));
			assert_string_equal(h, "From:Subject:Date:To");
			free(out);
		}
	}
}

/* Byte-by-byte input and LF-only input give the same fields. */
static void test_chunking_and_bare_lf(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_sign_request reqs[3] = {
		eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa"),
		eh_request(SG_ALG_ED25519_SHA256, DOMAIN, "ed"),
		eh_request(SG_ALG_RSA_SHA1, DOMAIN, "dk"),
	};
	struct sg_privkey *keys[3] = { fx->rsa.key, fx->ed.key, fx->rsa.key };
	size_t lf_len = 0, a_len, b_len, c_len;
	char lf[sizeof(msg)], *a, *b, *c;

	reqs[1].copy_headers = true;
	reqs[1].bcanon = SG_CANON_SIMPLE;
	reqs[2].kind = SG_KIND_DOMAINKEYS;
	reqs[2].hcanon = SG_CANON_DK_NOFWS;
	for (size_t i = 0; i < sizeof(msg) - 1; i++) {
		if (msg[i] != '\r')
			lf[lf_len++] = msg[i];
	}
	a = eh_sign_with(sg_hash_evp(), false, reqs, keys, 3, msg, sizeof(msg) - 1, 0, &a_len);
	b = eh_sign_with(sg_hash_evp(), false, reqs, keys, 3, msg, sizeof(msg) - 1, 1, &b_len);
	c = eh_sign_with(sg_hash_evp(), true, reqs, keys, 3, lf, lf_len, 7, &c_len);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	free(a);
	free(b);
	free(c);
}

/* ---- several signatures in one pass ---------------------------------- */

static void test_body_hashed_once_per_lane(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct {
		size_t nreq;
		enum sg_alg alg[4];
		enum sg_canon bcanon[4];
		size_t lanes, sha1_lanes;
	} cases[] = {
		{ 2, { SG_ALG_RSA_SHA256, SG_ALG_ED25519_SHA256 },
		  { SG_CANON_RELAXED, SG_CANON_RELAXED }, 1, 0 },
		{ 2, { SG_ALG_RSA_SHA256, SG_ALG_ED25519_SHA256 },
		  { SG_CANON_RELAXED, SG_CANON_SIMPLE }, 2, 0 },
		{ 3, { SG_ALG_RSA_SHA256, SG_ALG_ED25519_SHA256, SG_ALG_RSA_SHA1 },
		  { SG_CANON_RELAXED, SG_CANON_RELAXED, SG_CANON_RELAXED }, 2, 1 },
		{ 4, { SG_ALG_RSA_SHA256, SG_ALG_ED25519_SHA256, SG_ALG_RSA_SHA256,
		       SG_ALG_ED25519_SHA256 },
		  { SG_CANON_SIMPLE, SG_CANON_SIMPLE, SG_CANON_SIMPLE, SG_CANON_SIMPLE }, 1, 0 },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct eh_hash_count cnt;
		struct sg_sign_request reqs[4];
		struct sg_privkey *keys[4];
		struct sg_signer *s;
		struct sg_error err;
		struct eh_results res;
		size_t len, total;
		char *hdrs, *all;

		eh_counting_hash(&cnt);
		s = sg_signer_new(&cnt.ops, NULL, false);
		for (size_t i = 0; i < cases[k].nreq; i++) {
			bool ed = cases[k].alg[i] == SG_ALG_ED25519_SHA256;

			reqs[i] = eh_request(cases[k].alg[i], DOMAIN, ed ? "ed" : "rsa");
			reqs[i].bcanon = cases[k].bcanon[i];
			keys[i] = ed ? fx->ed.key : fx->rsa.key;
			assert_int_equal(sg_signer_add(s, &reqs[i], &err), SG_OK);
		}
		assert_int_equal(sg_signer_feed(s, msg, sizeof(msg) - 1, &err), SG_OK);
		/* lanes are made at the end of the header section, header
		 * hashes at finish: what exists now is the lanes */
		assert_int_equal(cnt.total_creates, cases[k].lanes);
		assert_int_equal(cnt.creates[SG_HASH_SHA1], cases[k].sha1_lanes);
		assert_int_equal(sg_signer_finish(s, &err), SG_OK);
		assert_int_equal(cnt.total_creates, cases[k].lanes + cases[k].nreq);
		/* each lane hashed its canonical body once */
		for (size_t l = 0; l < cases[k].lanes; l++)
			/* (lane l was first asked for by request l in these cases) */
			assert_int_equal(cnt.ctx_bytes[l],
					 cases[k].bcanon[l] == SG_CANON_RELAXED ? 54 : 56);
		assert_int_equal(cnt.live, cases[k].lanes);	/* lanes live until free */
		sg_signer_free(s);
		assert_int_equal(cnt.live, 0);
		/* and the same requests sign something that verifies */
		hdrs = eh_sign_with(&cnt.ops, false, reqs, keys, cases[k].nreq, msg,
				    sizeof(msg) - 1, 0, &len);
		all = eh_cat(hdrs, len, msg, sizeof(msg) - 1, &total);
		eh_verify(fx->table, NULL, all, total, &res);
		assert_int_equal(res.count, cases[k].nreq);
		for (size_t i = 0; i < res.count; i++)
			eh_assert_result(&res, i, SG_RES_PASS);
		free(hdrs);
		free(all);
	}
}

/* DomainKeys added first still comes out below the DKIM fields, so it
 * covers exactly the original header; both verify. */
static void test_dkim_and_domainkeys_order(void **state)
{
	struct eh_rfc_keys *fx = *state;
	struct sg_sign_request reqs[3] = {
		eh_request(SG_ALG_RSA_SHA1, DOMAIN, "dk"),
		eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa"),
		eh_request(SG_ALG_ED25519_SHA256, DOMAIN, "ed"),
	};
	struct sg_privkey *keys[3] = { fx->rsa.key, fx->rsa.key, fx->ed.key };
	struct eh_results res;
	size_t hlen, len;
	char *hdrs, *all, *dk, *dkim2;

	reqs[0].kind = SG_KIND_DOMAINKEYS;
	reqs[0].hcanon = SG_CANON_DK_SIMPLE;
	hdrs = eh_sign_with(sg_hash_evp(), false, reqs, keys, 3, msg, sizeof(msg) - 1, 0, &hlen);
	assert_memory_equal(hdrs, "DKIM-Signature: v=1; a=rsa-sha256;", 34);
	dkim2 = strstr(hdrs + 1, "\r\nDKIM-Signature: v=1; a=ed25519-sha256;");
	dk = strstr(hdrs, "\r\nDomainKey-Signature: a=rsa-sha1;");
	assert_non_null(dkim2);
	assert_non_null(dk);
	assert_true(dkim2 < dk);
	assert_null(strstr(dk + 2, "\r\nDKIM-Signature"));	/* DK is the last one */
	assert_memory_equal(hdrs + hlen - 2, "\r\n", 2);
	all = eh_cat(hdrs, hlen, msg, sizeof(msg) - 1, &len);
	eh_verify(fx->table, NULL, all, len, &res);
	assert_int_equal(res.count, 3);
	assert_int_equal(res.r[0].kind, SG_KIND_DKIM);
	assert_int_equal(res.r[2].kind, SG_KIND_DOMAINKEYS);
	for (size_t i = 0; i < 3; i++)
		eh_assert_result(&res, i, SG_RES_PASS);
	free(all);
	free(hdrs);
}

static void test_domainkeys_variants(void **state)
{
	struct eh_rfc_keys *fx = *state;

	for (int k = 0; k < 8; k++) {
		struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA1, DOMAIN, "dk");
		struct eh_results res;
		size_t len;
		char *out, h[128];

		r.kind = SG_KIND_DOMAINKEYS;
		r.hcanon = k & 1 ? SG_CANON_DK_NOFWS : SG_CANON_DK_SIMPLE;
		r.bcanon = SG_CANON_RELAXED;	/* ignored for DomainKeys */
		r.list_headers = k & 2;
		r.headerlist = k & 4 ? "From:Subject:X-Absent" : NULL;
		out = sign_one(fx, &r, msg, sizeof(msg) - 1, &len);
		eh_verify(fx->table, NULL, out, len, &res);
		eh_assert_result(&res, 0, SG_RES_PASS);
		assert_int_equal(eh_has_tag(out, "h"), (k & 6) != 0);
		if (k & 4) {
			eh_tag_value(out, "h", h, sizeof(h));
			assert_string_equal(h, "From:Subject");
		} else if (k & 2) {
			eh_tag_value(out, "h", h, sizeof(h));
			assert_string_equal(h, "From:To:Subject:Date:Message-ID");
		}
		eh_tag_value(out, "c", h, sizeof(h));
		assert_string_equal(h, k & 1 ? "nofws" : "simple");
		free(out);
	}
}

/* ---- tampering ------------------------------------------------------- */

static void test_tampering(void **state)
{
	struct eh_rfc_keys *fx = *state;
	static const struct {
		const char *from, *to;
		enum sg_result want;
	} cases[] = {
		{ "hungry yet?", "hungry now?", SG_RES_FAIL },		/* body, see below */
		{ "Is dinner", "Is lunch", SG_RES_FAIL },		/* signed field */
		{ "\r\nTo:", "\r\nTo: x@evil.example\r\nTo:", SG_RES_PASS },	/* above */
		{ "\r\nDate:", "\r\nCc: x@evil.example\r\nDate:", SG_RES_FAIL },	/* absent */
		{ "Message-ID: <", "Message-ID: <x", SG_RES_FAIL },	/* optional, signed */
		{ "\r\nSubject:", "\r\nX-Unsigned: 1\r\nSubject:", SG_RES_PASS },
		/* over-signed: a second From anywhere breaks it */
		{ "From: Joe", "From: Mallory <m@evil.example>\r\nFrom: Joe", SG_RES_FAIL },
		{ "To: Suzie", "From: Mallory <m@evil.example>\r\nTo: Suzie", SG_RES_FAIL },
	};
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
	size_t len;
	char *out;

	r.headerlist = "From:From:Subject:Date:To:Cc:Message-ID?";
	out = sign_one(fx, &r, msg, sizeof(msg) - 1, &len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eh_results res;
		size_t tlen;
		char *t = eh_edit(out, len, cases[i].from, cases[i].to, &tlen);

		eh_verify(fx->table, NULL, t, tlen, &res);
		if (res.r[0].result != cases[i].want)
			fail_msg("case %zu (%s): %s (%s)", i, cases[i].to,
				 sg_result_name(res.r[0].result), res.r[0].reason);
		if (cases[i].want == SG_RES_FAIL)
			assert_string_equal(res.r[0].reason, i == 0 ? "body hash did not verify"
								    : "signature did not verify");
		free(t);
	}
	/* the untouched message passes, in relaxed also with refolded headers */
	{
		struct eh_results res;
		size_t tlen;
		char *t = eh_edit(out, len, "Subject:   Is dinner  ready?",
				  "SUBJECT:Is dinner\r\n ready?", &tlen);

		eh_verify(fx->table, NULL, out, len, &res);
		eh_assert_result(&res, 0, SG_RES_PASS);
		eh_verify(fx->table, NULL, t, tlen, &res);
		eh_assert_result(&res, 0, SG_RES_PASS);
		free(t);
	}
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_algs_and_canons),
		cmocka_unit_test(test_round_trip_options),
		cmocka_unit_test(test_body_length_allows_appending),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_odd_messages),
		cmocka_unit_test(test_chunking_and_bare_lf),
		cmocka_unit_test(test_body_hashed_once_per_lane),
		cmocka_unit_test(test_dkim_and_domainkeys_order),
		cmocka_unit_test(test_domainkeys_variants),
		cmocka_unit_test(test_tampering),
	};

	return cmocka_run_group_tests(tests, setup, eh_rfc_keys_teardown);
}
