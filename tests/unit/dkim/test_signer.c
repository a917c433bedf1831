/*
 * NAME
 *   test_signer.c - unit tests for dataplane/dkim/signer.c
 *
 * SUMMARY
 *   Edges: the call order (every out-of-order call is SG_E_STATE), request
 *   validation (domain, selector, identity, canonicalizations, x= without
 *   t=, headerlist, DomainKeys rules, the signature cap), bad signature
 *   sizes. Then sign -> verify round trips with the engine's verifier:
 *   rsa-sha256, rsa-sha1 and ed25519-sha256 x the four c= pairs, l=, x=,
 *   z=, i=, q=, messages without a body or without a blank line, input
 *   fed byte by byte or with bare LF (same signatures), RSA + Ed25519 in
 *   one pass with the body canonicalized and hashed once per distinct
 *   (canonicalization, hash) (counted with a counting hash), DKIM +
 *   DomainKeys in one pass (DKIM fields first), tampering (body, signed
 *   field, an over-signed field added, an unsigned field changed). Real
 *   data: the RFC 6376 A.1 message and the go-msgauth signing vectors
 *   (same bh= as go-msgauth, signatures verify with the published keys),
 *   and the Mail::DKIM DomainKeys vectors (simple/nofws, with and without
 *   h=) reproduced byte for byte.
 */
#include "testutil.h"

#include "engine_helpers.h"

#define DOMAIN "football.example.com"

static const char msg[] =
	"From: Joe SixPack <joe@football.example.com>\r\n"
	"To: Suzie Q <suzie@shopping.example.net>\r\n"
	"Subject:   Is dinner  ready?\r\n"
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
	"\r\n"
	"Hi.  \r\n"
	"\r\n"
	"We lost the game. Are you hungry yet?\r\n"
	"\r\n"
	"Joe.\r\n\r\n";

struct fixture {
	struct eh_key rsa, ed, rsa2;
	char table[8192];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct sg_buf t;

	eh_key_testdata(&fx->rsa, "rfc-examples/rfc6376-C-private.pem");
	eh_key_testdata(&fx->ed, "rfc-examples/rfc8463-A.1-ed25519-seed.b64");
	eh_key_testdata(&fx->rsa2, "rfc-examples/rfc8463-A.1-rsa-private.pem");
	sg_buf_init(&t, sizeof(fx->table) - 1);
	eh_table_add(&t, "rsa", DOMAIN, fx->rsa.record);
	eh_table_add(&t, "ed", DOMAIN, fx->ed.record);
	eh_table_add(&t, "rsa2", DOMAIN, fx->rsa2.record);
	eh_table_add(&t, "dk", DOMAIN, fx->rsa.dk_record);
	memcpy(fx->table, t.data, t.len + 1);
	sg_buf_free(&t);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	eh_key_free(&fx->rsa);
	eh_key_free(&fx->ed);
	eh_key_free(&fx->rsa2);
	free(fx);
	return 0;
}

/* Signs text with one request and returns the verification results. */
static char *sign_one(struct fixture *fx, const struct sg_sign_request *r, const char *text,
		      size_t len, size_t *outlen)
{
	struct sg_privkey *key = r->alg == SG_ALG_ED25519_SHA256 ? fx->ed.key : fx->rsa.key;

	return eh_sign_message(r, &key, 1, text, len, outlen);
}

/* ---- call order and validation --------------------------------------- */

static void test_call_order(void **state)
{
	struct fixture *fx = *state;
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
	struct sg_signer *s = sg_signer_new(sg_hash_evp(), NULL, false);
	struct sg_error err;
	struct sg_buf out;
	uint8_t sig[SG_SIG_MAX];
	size_t dlen, siglen, hlen;
	const uint8_t *digest;

	assert_non_null(s);
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_signer_feed(s, "x", 1, &err), SG_E_STATE);	/* nothing added */
	assert_int_equal(sg_signer_finish(s, &err), SG_E_STATE);
	assert_non_null(strstr(err.msg, "no message was fed"));
	assert_int_equal(sg_signer_add(s, &r, &err), SG_OK);
	assert_null(sg_signer_digest(s, 0, &dlen, NULL));
	assert_int_equal(sg_signer_set_signature(s, 0, sig, 10, &err), SG_E_STATE);
	assert_int_equal(sg_signer_feed(s, msg, 10, &err), SG_OK);
	assert_int_equal(sg_signer_add(s, &r, &err), SG_E_STATE);	/* too late */
	assert_int_equal(sg_signer_feed(s, msg + 10, sizeof(msg) - 11, &err), SG_OK);
	assert_null(sg_signer_digest(s, 0, &dlen, NULL));		/* not finished */
	assert_int_equal(sg_signer_finish(s, &err), SG_OK);
	assert_int_equal(sg_signer_finish(s, &err), SG_E_STATE);
	assert_int_equal(sg_signer_feed(s, "x", 1, &err), SG_E_STATE);
	assert_null(sg_signer_digest(s, 1, &dlen, NULL));		/* no such signature */
	assert_null(sg_signer_header(s, 0, &hlen));			/* not signed yet */
	assert_int_equal(sg_signer_headers(s, &out), SG_E_STATE);
	digest = sg_signer_digest(s, 0, &dlen, NULL);
	assert_non_null(digest);
	assert_int_equal(sg_privkey_sign(fx->rsa.key, SG_ALG_RSA_SHA256, digest, dlen, sig,
					 sizeof(sig), &siglen, &err), SG_OK);
	assert_int_equal(sg_signer_set_signature(s, 0, sig, 0, &err), SG_E_ARG);
	assert_int_equal(sg_signer_set_signature(s, 0, sig, SG_SIG_MAX_B + 1, &err), SG_E_ARG);
	assert_int_equal(sg_signer_set_signature(s, 1, sig, siglen, &err), SG_E_STATE);
	assert_int_equal(sg_signer_set_signature(s, 0, sig, siglen, &err), SG_OK);
	assert_int_equal(sg_signer_set_signature(s, 0, sig, siglen, &err), SG_E_STATE);
	assert_non_null(sg_signer_header(s, 0, &hlen));
	assert_int_equal(sg_signer_headers(s, &out), SG_OK);
	assert_int_equal(out.len, hlen);
	sg_buf_free(&out);
	sg_signer_free(s);
	sg_signer_free(NULL);
}

static void expect_bad_request(const struct sg_sign_request *r, enum sg_err code,
			       const char *fragment)
{
	struct sg_signer *s = sg_signer_new(sg_hash_evp(), NULL, false);
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(sg_signer_add(s, r, &err), code);
	if (strstr(err.msg, fragment) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err.msg, fragment);
	assert_int_equal(sg_signer_count(s), 0);
	sg_signer_free(s);
}

static void test_request_validation(void **state)
{
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
	struct sg_signer *s;
	struct sg_error err;
	char longname[300];

	(void)state;
	r.domain = NULL;
	expect_bad_request(&r, SG_E_ARG, "invalid signing domain");
	r.domain = "not a domain";
	expect_bad_request(&r, SG_E_ARG, "invalid signing domain");
	r.domain = "com";
	expect_bad_request(&r, SG_E_ARG, "invalid signing domain");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	r.domain = longname;
	expect_bad_request(&r, SG_E_ARG, "invalid signing domain");
	r.domain = DOMAIN;
	r.selector = "";
	expect_bad_request(&r, SG_E_ARG, "invalid selector");
	r.selector = "bad_sel";
	expect_bad_request(&r, SG_E_ARG, "invalid selector");
	r.selector = "sel";
	r.identity = "joe.example.com";
	expect_bad_request(&r, SG_E_ARG, "has no '@'");
	r.identity = "joe@example.com";		/* parent of d=: not within */
	expect_bad_request(&r, SG_E_ARG, "not within the signing domain");
	r.identity = "joe@evil-football.example.com";
	expect_bad_request(&r, SG_E_ARG, "not within");
	r.identity = NULL;
	r.hcanon = SG_CANON_DK_NOFWS;
	expect_bad_request(&r, SG_E_ARG, "DKIM canonicalization");
	r.hcanon = SG_CANON_SIMPLE;
	r.bcanon = SG_CANON_DK_SIMPLE;
	expect_bad_request(&r, SG_E_ARG, "DKIM canonicalization");
	r.bcanon = SG_CANON_SIMPLE;
	r.timestamp = -1;
	r.lifetime = 60;
	expect_bad_request(&r, SG_E_ARG, "needs a timestamp");
	r.timestamp = 1;
	r.headerlist = "Subject:To";
	expect_bad_request(&r, SG_E_SYNTAX, "From");
	r.headerlist = "From::To";
	expect_bad_request(&r, SG_E_SYNTAX, "");
	r.headerlist = NULL;
	r.kind = SG_KIND_DOMAINKEYS;
	r.alg = SG_ALG_RSA_SHA256;
	r.hcanon = SG_CANON_DK_SIMPLE;
	expect_bad_request(&r, SG_E_ARG, "rsa-sha1 only");
	r.alg = SG_ALG_RSA_SHA1;
	r.hcanon = SG_CANON_RELAXED;
	expect_bad_request(&r, SG_E_ARG, "simple or nofws");
	/* good ones, up to the cap */
	r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
	r.identity = "@mail." DOMAIN;	/* a subdomain is within */
	s = sg_signer_new(sg_hash_evp(), NULL, false);
	for (int i = 0; i < SG_SIGNER_MAX_SIGS; i++)
		assert_int_equal(sg_signer_add(s, &r, &err), SG_OK);
	assert_int_equal(sg_signer_add(s, &r, &err), SG_E_LIMIT);
	assert_int_equal(sg_signer_count(s), SG_SIGNER_MAX_SIGS);
	sg_signer_free(s);
}

/* The request's strings are copied: the caller's buffers may change. */
static void test_request_strings_copied(void **state)
{
	struct fixture *fx = *state;
	char domain[64], selector[16], identity[64], hl[64];
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, domain, selector);
	struct sg_signer *s = sg_signer_new(sg_hash_evp(), NULL, false);
	struct sg_error err;
	struct eh_results res;
	size_t dlen, siglen, hlen;
	uint8_t sig[SG_SIG_MAX];
	const uint8_t *d;
	char *signed_msg;
	const char *h;

	strcpy(domain, DOMAIN);
	strcpy(selector, "rsa");
	strcpy(identity, "joe@" DOMAIN);
	strcpy(hl, "From:Subject");
	r.identity = identity;
	r.headerlist = hl;
	assert_int_equal(sg_signer_add(s, &r, &err), SG_OK);
	memset(domain, 'X', sizeof(domain));
	memset(selector, 'X', sizeof(selector));
	memset(identity, 'X', sizeof(identity));
	memset(hl, 'X', sizeof(hl));
	assert_int_equal(sg_signer_feed(s, msg, sizeof(msg) - 1, &err), SG_OK);
	assert_int_equal(sg_signer_finish(s, &err), SG_OK);
	d = sg_signer_digest(s, 0, &dlen, NULL);
	assert_int_equal(sg_privkey_sign(fx->rsa.key, SG_ALG_RSA_SHA256, d, dlen, sig, sizeof(sig),
					 &siglen, &err), SG_OK);
	assert_int_equal(sg_signer_set_signature(s, 0, sig, siglen, &err), SG_OK);
	h = sg_signer_header(s, 0, &hlen);
	signed_msg = eh_cat(h, hlen, msg, sizeof(msg) - 1, &dlen);
	eh_verify(fx->table, NULL, signed_msg, dlen, &res);
	eh_assert_result(&res, 0, SG_RES_PASS);
	assert_non_null(strstr(h, "h=From:Subject;"));
	free(signed_msg);
	sg_signer_free(s);
}

/* ---- round trips ----------------------------------------------------- */

static void test_round_trip_algs_and_canons(void **state)
{
	struct fixture *fx = *state;
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
	struct fixture *fx = *state;

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
	struct fixture *fx = *state;
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

static void test_odd_messages(void **state)
{
	struct fixture *fx = *state;
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
	struct fixture *fx = *state;
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
	struct fixture *fx = *state;
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
	struct fixture *fx = *state;
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
	struct fixture *fx = *state;

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
	struct fixture *fx = *state;
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

/* ---- real data ------------------------------------------------------- */

static void test_rfc6376_a1(void **state)
{
	struct eh_key key;
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, "example.com", "brisbane");
	char *m = tu_read(tu_testdata("rfc-examples/rfc6376-A.1-unsigned.eml"), NULL);
	char *table = tu_read(tu_testdata("rfc-examples/keys.txt"), NULL), bh[64];
	struct eh_results res;
	size_t len;
	char *out;

	(void)state;
	eh_key_testdata(&key, "rfc-examples/rfc6376-C-private.pem");
	r.hcanon = r.bcanon = SG_CANON_SIMPLE;
	r.identity = "joe@football.example.com";
	r.query_method = true;
	r.timestamp = -1;
	r.headerlist = "Received:From:To:Subject:Date:Message-ID";
	out = eh_sign_message(&r, &key.key, 1, m, strlen(m), &len);
	eh_tag_value(out, "bh", bh, sizeof(bh));
	assert_string_equal(bh, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	eh_tag_value(out, "h", bh, sizeof(bh));
	assert_string_equal(bh, "Received:From:To:Subject:Date:Message-ID");
	eh_verify(table, NULL, out, len, &res);
	eh_assert_result(&res, 0, SG_RES_PASS);
	free(out);
	free(table);
	free(m);
	eh_key_free(&key);
}

/* go-msgauth TestSign / TestSignEd25519: same parameters and t=; our tag
 * order differs, so b= differs, but bh= must be identical and both their
 * output and ours must verify with the published keys. */
static void test_go_msgauth_vectors(void **state)
{
	static const struct {
		const char *key, *domain, *expected;
		enum sg_alg alg;
	} v[] = {
		{ "go-msgauth/test-rsa-private.pem", "example.org",
		  "go-msgauth/messages/signedMailString.eml", SG_ALG_RSA_SHA256 },
		{ "go-msgauth/test-ed25519-seed.b64", "football.example.com",
		  "go-msgauth/messages/signedEd25519MailString.eml", SG_ALG_ED25519_SHA256 },
	};
	char *m = tu_read(tu_testdata("go-msgauth/messages/mailString.eml"), NULL);
	char *table = tu_read(tu_testdata("go-msgauth/keys.txt"), NULL);

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct eh_key key;
		struct sg_sign_request r = eh_request(v[i].alg, v[i].domain, "brisbane");
		struct sg_verify_policy pol;
		struct eh_results res;
		size_t len, elen;
		char *out, *exp = tu_read(tu_testdata(v[i].expected), &elen);
		char got_bh[64], want_bh[64];

		eh_key_testdata(&key, v[i].key);
		r.hcanon = r.bcanon = SG_CANON_SIMPLE;
		r.timestamp = 424242;
		r.headerlist = "From:To:Subject:Date:Message-ID";
		out = eh_sign_message(&r, &key.key, 1, m, strlen(m), &len);
		eh_tag_value(out, "bh", got_bh, sizeof(got_bh));
		eh_tag_value(exp, "bh", want_bh, sizeof(want_bh));
		assert_string_equal(got_bh, want_bh);
		eh_tag_value(out, "t", got_bh, sizeof(got_bh));
		assert_string_equal(got_bh, "424242");
		sg_verify_policy_default(&pol, 424242);
		eh_verify(table, &pol, out, len, &res);
		eh_assert_result(&res, 0, SG_RES_PASS);
		eh_verify(table, &pol, exp, elen, &res);
		eh_assert_result(&res, 0, SG_RES_PASS);
		free(out);
		free(exp);
		eh_key_free(&key);
	}
	free(table);
	free(m);
}

/* Mail::DKIM's DomainKeys signing vectors (t/signer_dk.t): RSA PKCS#1
 * v1.5 is deterministic, so b= must match byte for byte. */
static void test_mail_dkim_domainkeys_vectors(void **state)
{
	static const struct {
		const char *sig;
		enum sg_canon canon;
		const char *headerlist;
	} v[] = {
		{ "mail-dkim/signing/dk_sample.simple.sig", SG_CANON_DK_SIMPLE, NULL },
		{ "mail-dkim/signing/dk_sample.simple-h-star.sig", SG_CANON_DK_SIMPLE,
		  "From:Subject" },
		{ "mail-dkim/signing/dk_sample.nofws.sig", SG_CANON_DK_NOFWS, NULL },
		{ "mail-dkim/signing/dk_sample.nofws-h-star.sig", SG_CANON_DK_NOFWS,
		  "From:Subject" },
	};
	size_t mlen;
	char *m = tu_read(tu_testdata("mail-dkim/signing/dk_sample.eml"), &mlen);
	struct eh_key key;

	(void)state;
	eh_key_testdata(&key, "mail-dkim/test.key");
	for (size_t i = 0; i < 4; i++) {
		struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA1, "messiah.edu", "test8");
		char *want = tu_read(tu_testdata(v[i].sig), NULL);
		char got_b[400], want_b[400], table[2400];
		struct eh_results res;
		size_t len;
		char *out;

		r.kind = SG_KIND_DOMAINKEYS;
		r.hcanon = v[i].canon;
		r.headerlist = v[i].headerlist;
		out = eh_sign_message(&r, &key.key, 1, m, mlen, &len);
		eh_tag_value(out, "b", got_b, sizeof(got_b));
		eh_tag_value(want, "b", want_b, sizeof(want_b));
		assert_string_equal(got_b, want_b);
		snprintf(table, sizeof(table), "test8._domainkey.messiah.edu %s\n",
			 key.dk_record);
		eh_verify(table, NULL, out, len, &res);
		eh_assert_result(&res, 0, SG_RES_PASS);
		free(out);
		free(want);
	}
	eh_key_free(&key);
	free(m);
}

static void test_message_errors_propagate(void **state)
{
	struct sg_sign_request r = eh_request(SG_ALG_RSA_SHA256, DOMAIN, "rsa");
	struct sg_limits lim;
	struct sg_signer *s;
	struct sg_error err;

	(void)state;
	sg_limits_default(&lim);
	lim.max_headers = 2;
	s = sg_signer_new(sg_hash_evp(), &lim, false);
	assert_int_equal(sg_signer_add(s, &r, &err), SG_OK);
	assert_int_equal(sg_signer_feed(s, msg, sizeof(msg) - 1, &err), SG_E_LIMIT);
	assert_int_equal(err.line, 3);
	assert_int_equal(sg_signer_feed(s, "x", 1, &err), SG_E_STATE);
	assert_int_equal(sg_signer_finish(s, &err), SG_E_STATE);
	{
		size_t dlen;

		assert_null(sg_signer_digest(s, 0, &dlen, NULL));
	}
	sg_signer_free(s);
	/* RFC 6376 5.4: no From, no signature */
	s = sg_signer_new(sg_hash_evp(), NULL, false);
	assert_int_equal(sg_signer_add(s, &r, &err), SG_OK);
	assert_int_equal(sg_signer_feed(s, "Subject: x\r\nFrom-X: y\r\n\r\nb", 26, &err),
			 SG_OK);
	assert_int_equal(sg_signer_finish(s, &err), SG_E_SYNTAX);
	assert_non_null(strstr(err.msg, "no From"));
	sg_signer_free(s);
	/* RFC 4870 3.3: a DomainKeys signature for a sender outside d= is refused,
	 * a Sender inside d= makes it acceptable */
	{
		static const char *const senders[] = {
			"From: joe@example.org\r\n\r\nb\r\n",
			"From: joe@" DOMAIN "\r\nSender: list@example.org\r\n\r\nb\r\n",
			"From: undisclosed recipients\r\n\r\nb\r\n",
			"From: joe@example.org\r\nSender: list@" DOMAIN "\r\n\r\nb\r\n",
		};
		struct sg_sign_request dk = { .kind = SG_KIND_DOMAINKEYS, .alg = SG_ALG_RSA_SHA1,
					      .hcanon = SG_CANON_DK_NOFWS, .domain = DOMAIN,
					      .selector = "rsa", .timestamp = -1 };

		for (size_t i = 0; i < 4; i++) {
			s = sg_signer_new(sg_hash_evp(), NULL, false);
			assert_int_equal(sg_signer_add(s, &dk, &err), SG_OK);
			assert_int_equal(sg_signer_feed(s, senders[i], strlen(senders[i]), &err),
					 SG_OK);
			if (i < 3) {
				assert_int_equal(sg_signer_finish(s, &err), SG_E_ARG);
				assert_non_null(strstr(err.msg, "DomainKeys"));
			} else {
				assert_int_equal(sg_signer_finish(s, &err), SG_OK);
			}
			sg_signer_free(s);
		}
	}
	/* a malformed line found at finish */
	s = sg_signer_new(sg_hash_evp(), NULL, false);
	assert_int_equal(sg_signer_add(s, &r, &err), SG_OK);
	assert_int_equal(sg_signer_feed(s, "From: a\r\nbroken", 15, &err), SG_OK);
	assert_int_equal(sg_signer_finish(s, &err), SG_E_SYNTAX);
	assert_int_equal(err.line, 2);
	sg_signer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_order),
		cmocka_unit_test(test_request_validation),
		cmocka_unit_test(test_request_strings_copied),
		cmocka_unit_test(test_round_trip_algs_and_canons),
		cmocka_unit_test(test_round_trip_options),
		cmocka_unit_test(test_body_length_allows_appending),
		cmocka_unit_test(test_odd_messages),
		cmocka_unit_test(test_chunking_and_bare_lf),
		cmocka_unit_test(test_body_hashed_once_per_lane),
		cmocka_unit_test(test_dkim_and_domainkeys_order),
		cmocka_unit_test(test_domainkeys_variants),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_rfc6376_a1),
		cmocka_unit_test(test_go_msgauth_vectors),
		cmocka_unit_test(test_mail_dkim_domainkeys_vectors),
		cmocka_unit_test(test_message_errors_propagate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
