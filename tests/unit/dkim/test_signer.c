/*
 * NAME
 *   test_signer.c - unit tests for dataplane/dkim/signer.c: the API and
 *                   published vectors
 *
 * SUMMARY
 *   Edges: the call order (every out-of-order call is SG_E_STATE), request
 *   validation (domain, selector, identity, canonicalizations, x= without
 *   t=, headerlist, DomainKeys rules, the signature cap), bad signature
 *   sizes, the request's strings copied, and errors of the message (a
 *   reader limit, no From, a DomainKeys sender outside d=, a malformed
 *   line found at finish). Real data: the RFC 6376 A.1 message and the
 *   go-msgauth signing vectors (same bh= as go-msgauth, signatures verify
 *   with the published keys), and the Mail::DKIM DomainKeys vectors
 *   (simple/nofws, with and without h=) reproduced byte for byte. Reuse:
 *   a signer reset after message A signs B exactly as a new signer does
 *   (DKIM with i=/l=/z= and DomainKeys, different headerlists, a failed
 *   message in between), and reading the header section first
 *   (sg_signer_read_headers, in pieces or with a message without a blank
 *   line) gives the same digests and fields as feeding it whole. The
 *   sign -> verify round trips and tampering are in
 *   test_signer_roundtrip.c.
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

/* ---- call order and validation --------------------------------------- */

static void test_call_order(void **state)
{
	struct eh_rfc_keys *fx = *state;
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
	struct eh_rfc_keys *fx = *state;
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

/* ---- reuse and reading the header section first ------------------------ */

static const char msg_a[] =
	"From: Ann <ann@" DOMAIN ">\r\nTo: b@example.net\r\nSubject: the first one, "
	"with a long subject\r\n\tfolded once\r\nX-Secret: 12345\r\nDate: Fri, 1 Jan 2021 "
	"00:00:00 +0000\r\n\r\nA's body\nwith a bare LF\r\n\r\n\r\n";
static const char msg_b[] = "From: bob@" DOMAIN "\r\nSubject: B\r\n\r\nhi\r\n";
static const char no_from[] = "Subject: x\r\n\r\nbody\r\n";

/* Signs text with reqs on s (made when NULL); returns the digests in hex
 * and the signature fields (each b= from a fixed pattern). */
static char *sign_fake(struct sg_signer **s, const struct sg_sign_request *reqs, size_t n,
		       const char *text, size_t len, bool read_first)
{
	struct sg_buf out;
	struct sg_error err;
	uint8_t sig[256];
	size_t used = 0, dlen;

	if (*s == NULL)
		*s = sg_signer_new(sg_hash_evp(), NULL, true);
	assert_non_null(*s);
	memset(sig, 0xa5, sizeof(sig));
	if (read_first) {
		assert_int_equal(sg_signer_read_headers(*s, text, len, true, &used, &err), SG_OK);
		assert_non_null(strstr(text + used - 4, "\r\n\r\n"));
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sg_signer_add(*s, &reqs[i], &err), SG_OK);
	assert_int_equal(sg_signer_feed(*s, text + used, len - used, &err), SG_OK);
	assert_int_equal(sg_signer_finish(*s, &err), SG_OK);
	sg_buf_init(&out, SIZE_MAX);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = sg_signer_digest(*s, i, &dlen, NULL);

		assert_non_null(d);
		for (size_t j = 0; j < dlen; j++)
			assert_int_equal(sg_buf_printf(&out, "%02x", d[j]), SG_OK);
		assert_int_equal(sg_signer_set_signature(*s, i, sig, sizeof(sig) - i, &err), SG_OK);
	}
	assert_int_equal(sg_signer_headers(*s, &out), SG_OK);
	return (char *)out.data;	/* freed by the caller */
}

static void request_pair(struct sg_sign_request r[2], int variant)
{
	r[0] = eh_request(SG_ALG_RSA_SHA256, DOMAIN, variant ? "s2" : "rsa");
	r[0].identity = variant ? "bob@" DOMAIN : NULL;
	r[0].headerlist = variant ? "From:Subject:X-Secret*" : "From:Subject:Date:To:X-Secret?";
	r[0].copy_headers = variant == 0;
	r[0].body_length = variant == 1;
	r[0].hcanon = variant ? SG_CANON_SIMPLE : SG_CANON_RELAXED;
	r[1] = (struct sg_sign_request){ .kind = SG_KIND_DOMAINKEYS, .alg = SG_ALG_RSA_SHA1,
					 .hcanon = SG_CANON_DK_NOFWS, .domain = DOMAIN,
					 .selector = "dk", .timestamp = -1 };
}

/* A reset signer signs B (and then A again) byte for byte as a new one. */
static void test_reuse_matches_fresh(void **state)
{
	const char *texts[] = { msg_a, msg_b, msg_a };
	const size_t lens[] = { sizeof(msg_a) - 1, sizeof(msg_b) - 1, sizeof(msg_a) - 1 };
	struct sg_signer *kept = NULL;
	struct sg_sign_request r[2];
	struct sg_error err;
	size_t n, dlen;

	(void)state;
	for (int round = 0; round < 6; round++) {
		struct sg_signer *fresh = NULL;
		int i = round % 3;
		char *a, *b;

		request_pair(r, round % 2);
		a = sign_fake(&kept, r, 2, texts[i], lens[i], round >= 3);
		b = sign_fake(&fresh, r, 2, texts[i], lens[i], false);
		assert_string_equal(a, b);
		if (i == 1)	/* A's z= copies held X-Secret */
			assert_null(strstr(a, "12345"));
		else if (round % 2 == 0)
			assert_non_null(strstr(a, "12345"));
		free(a);
		free(b);
		sg_signer_free(fresh);
		sg_signer_reset(kept);
		assert_int_equal(sg_signer_count(kept), 0);
		assert_null(sg_signer_fields(kept, &n));
		assert_int_equal(n, 0);
		assert_null(sg_signer_digest(kept, 0, &dlen, NULL));
		assert_null(sg_signer_header(kept, 0, &dlen));
	}
	/* after a message whose field and z= text pass what a reset keeps */
	{
		struct sg_buf big;

		sg_buf_init(&big, SIZE_MAX);
		assert_int_equal(sg_buf_puts(&big, "From: x@" DOMAIN "\r\nSubject: "), SG_OK);
		for (int i = 0; i < 3000; i++)
			assert_int_equal(sg_buf_puts(&big, "twenty bytes of it. "), SG_OK);
		assert_int_equal(sg_buf_puts(&big, "\r\n\r\nbody\r\n"), SG_OK);
		request_pair(r, 0);
		free(sign_fake(&kept, r, 1, big.data, big.len, true));
		sg_signer_reset(kept);
		sg_buf_free(&big);
	}
	/* a message that fails (no From) leaves nothing behind either */
	request_pair(r, 0);
	assert_int_equal(sg_signer_add(kept, &r[0], &err), SG_OK);
	assert_int_equal(sg_signer_feed(kept, no_from, sizeof(no_from) - 1, &err), SG_OK);
	assert_int_equal(sg_signer_finish(kept, &err), SG_E_SYNTAX);
	sg_signer_reset(kept);
	{
		struct sg_signer *fresh = NULL;
		char *a = sign_fake(&kept, r, 1, msg_b, sizeof(msg_b) - 1, true);
		char *b = sign_fake(&fresh, r, 1, msg_b, sizeof(msg_b) - 1, false);

		assert_string_equal(a, b);
		assert_null(strstr(a, "12345"));
		free(a);
		free(b);
		sg_signer_free(fresh);
	}
	sg_signer_free(kept);
}

/* The header section read first, whole or in pieces; the fields are
 * there before any signature is added. */
static void test_read_headers_first(void **state)
{
	static const char no_blank[] = "From: x@" DOMAIN "\r\nSubject: s";
	struct sg_sign_request r[2];
	struct sg_signer *s = sg_signer_new(sg_hash_evp(), NULL, true), *fresh = NULL;
	const struct sg_header_field *f;
	struct sg_error err;
	size_t used, n, off = 0;
	char *a, *b;

	(void)state;
	request_pair(r, 0);
	/* in pieces of 7 bytes: the body is never taken */
	while (sg_signer_fields(s, &n) == NULL) {
		size_t chunk = sizeof(msg_a) - 1 - off < 7 ? sizeof(msg_a) - 1 - off : 7;

		assert_int_equal(sg_signer_read_headers(s, msg_a + off, chunk, false, &used, &err),
				 SG_OK);
		assert_true(used <= chunk);
		off += used;
	}
	assert_int_equal(n, 5);
	f = sg_signer_fields(s, &n);
	assert_true(sg_header_is(&f[0], "From"));
	assert_string_equal(msg_a + off, "A's body\nwith a bare LF\r\n\r\n\r\n");
	assert_int_equal(sg_signer_read_headers(s, msg_a + off, 3, false, &used, &err), SG_OK);
	assert_int_equal(used, 0);
	sg_signer_reset(s);
	a = sign_fake(&s, r, 2, msg_a, sizeof(msg_a) - 1, true);
	b = sign_fake(&fresh, r, 2, msg_a, sizeof(msg_a) - 1, false);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* no blank line: with whole, the header section ends with the input */
	sg_signer_reset(s);
	sg_signer_reset(fresh);
	assert_int_equal(sg_signer_read_headers(s, no_blank, sizeof(no_blank) - 1, true, &used, &err), SG_OK);
	assert_int_equal(used, sizeof(no_blank) - 1);
	assert_non_null(sg_signer_fields(s, &n));
	assert_int_equal(n, 2);
	assert_int_equal(sg_signer_finish(s, &err), SG_E_STATE);	/* nothing added */
	assert_non_null(strstr(err.msg, "no signature requested"));
	sg_signer_reset(s);
	assert_int_equal(sg_signer_read_headers(s, no_blank, sizeof(no_blank) - 1, true, &used, &err), SG_OK);
	assert_int_equal(sg_signer_add(s, &r[0], &err), SG_OK);
	assert_int_equal(sg_signer_feed(s, "", 0, &err), SG_OK);
	assert_int_equal(sg_signer_finish(s, &err), SG_OK);
	assert_int_equal(sg_signer_add(fresh, &r[0], &err), SG_OK);
	assert_int_equal(sg_signer_feed(fresh, no_blank, sizeof(no_blank) - 1, &err), SG_OK);
	assert_int_equal(sg_signer_finish(fresh, &err), SG_OK);
	assert_memory_equal(sg_signer_digest(s, 0, &n, NULL), sg_signer_digest(fresh, 0, &used,
									     NULL), 32);
	/* too late: the body was fed */
	assert_int_equal(sg_signer_read_headers(s, "x", 1, true, &used, &err), SG_E_STATE);
	sg_signer_free(s);
	sg_signer_free(fresh);
}

/* ---- errors of the message ------------------------------------------- */

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_order),
		cmocka_unit_test(test_request_validation),
		cmocka_unit_test(test_request_strings_copied),
		cmocka_unit_test(test_reuse_matches_fresh),
		cmocka_unit_test(test_read_headers_first),
		cmocka_unit_test(test_message_errors_propagate),
		cmocka_unit_test(test_rfc6376_a1),
		cmocka_unit_test(test_go_msgauth_vectors),
		cmocka_unit_test(test_mail_dkim_domainkeys_vectors),
	};

	return cmocka_run_group_tests(tests, setup, eh_rfc_keys_teardown);
}
