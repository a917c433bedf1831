/*
 * NAME
 *   test_sigparse.c - unit tests for dataplane/dkim/sigparse.c
 *
 * SUMMARY
 *   Each tag of DKIM-Signature and DomainKey-Signature with its defaults,
 *   limits and bad values (table-driven); the b= span the verifier
 *   blanks; error offsets and lines. Real signatures (RFC examples and
 *   the third-party corpora) are in test_sigparse_corpus.c.
 */
#include "testutil.h"

#include "sigparse.h"

#define BH256 "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="	/* 32 bytes */
#define BH1 "Z9ONHHsBrKN0pbfrOu025VfbdR4="			/* 20 bytes */

static struct sg_sig sig;	/* ~4 KiB: keep it off the stack */

/* Fills f from a whole "Name: value" string, as the message reader would. */
static void field_from(const char *s, size_t len, struct sg_header_field *f)
{
	const char *colon = memchr(s, ':', len);

	assert_non_null(colon);
	f->raw = s;
	f->len = len;
	f->name_len = (size_t)(colon - s);
	while (f->name_len > 0 && (s[f->name_len - 1] == ' ' || s[f->name_len - 1] == '\t'))
		f->name_len--;
	f->value_off = (size_t)(colon - s) + 1;
	f->line = 1;
}

static enum sg_err parse_kind(const char *s, enum sg_sigkind kind, struct sg_error *err)
{
	struct sg_header_field f;

	field_from(s, strlen(s), &f);
	sg_error_clear(err);
	return sg_sig_parse(&f, kind, &sig, err);
}

/* A DKIM-Signature from base tags with tag `name` set to value (NULL:
 * left out; a name not in the base is appended). */
static const char *dkim_with(const char *name, const char *value)
{
	static const char *const base[][2] = {
		{ "v", "1" }, { "a", "rsa-sha256" }, { "d", "example.com" }, { "s", "sel" },
		{ "h", "From:To" }, { "bh", BH256 }, { "b", "dGVzdA==" },
	};
	static char buf[8192];
	bool used = false;
	size_t o = (size_t)snprintf(buf, sizeof(buf), "DKIM-Signature:");

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		const char *v = base[i][1];

		if (name != NULL && strcmp(base[i][0], name) == 0) {
			used = true;
			v = value;
		}
		if (v != NULL)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %s=%s;", base[i][0], v);
	}
	if (name != NULL && !used)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %s=%s", name, value);
	assert_true(o < sizeof(buf));
	return buf;
}

static enum sg_err dkim_err(const char *name, const char *value, struct sg_error *err)
{
	return parse_kind(dkim_with(name, value), SG_KIND_DKIM, err);
}

static void expect_dkim_error(const char *name, const char *value, enum sg_err code,
			      const char *words)
{
	struct sg_error err;

	assert_int_equal(dkim_err(name, value, &err), code);
	if (strstr(err.msg, words) == NULL || strncmp(err.msg, "DKIM-Signature: ", 16) != 0)
		fail_msg("%s=%s: message '%s' lacks '%s'", name, value, err.msg, words);
	assert_int_equal(sig.b_len, 0);			/* nothing half-filled */
	assert_int_equal(sig.header_count, 0);
}

static void expect_dkim_ok(const char *name, const char *value)
{
	struct sg_error err;

	if (dkim_err(name, value, &err) != SG_OK)
		fail_msg("%s=%s: %s", name, value, err.msg);
}

static void assert_headers(const char *const *want, size_t n)
{
	assert_true(sig.has_h);
	assert_int_equal(sig.header_count, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sig.headers[i].len, strlen(want[i]));
		assert_memory_equal(sig.headers[i].s, want[i], sig.headers[i].len);
	}
}

static void test_defaults(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(dkim_err(NULL, NULL, &err), SG_OK);
	assert_int_equal(sig.alg, SG_ALG_RSA_SHA256);
	assert_int_equal(sig.hcanon, SG_CANON_SIMPLE);
	assert_int_equal(sig.bcanon, SG_CANON_SIMPLE);
	assert_string_equal(sig.identity, "@example.com");
	assert_false(sig.has_identity);
	assert_false(sig.has_t || sig.has_x || sig.has_l);
	assert_int_equal(sig.b_len, 4);
	assert_memory_equal(sig.b, "test", 4);
}

static void test_missing_required(void **state)
{
	static const char *const required[] = { "v", "a", "b", "bh", "d", "h", "s" };
	char words[64];

	(void)state;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		snprintf(words, sizeof(words), "missing required tag %s=", required[i]);
		expect_dkim_error(required[i], NULL, SG_E_SYNTAX, words);
	}
	/* An empty or all-whitespace field value. */
	assert_int_equal(parse_kind("DKIM-Signature:", SG_KIND_DKIM, NULL), SG_E_SYNTAX);
	assert_int_equal(parse_kind("DKIM-Signature: \r\n ", SG_KIND_DKIM, NULL), SG_E_SYNTAX);
}

static void test_version(void **state)
{
	(void)state;
	expect_dkim_ok("v", "1");
	expect_dkim_error("v", "0.5", SG_E_UNSUPPORTED, "v= must be 1, not '0.5'");
	expect_dkim_error("v", "1.0", SG_E_UNSUPPORTED, "v= must be 1");
	expect_dkim_error("v", "2", SG_E_UNSUPPORTED, "v= must be 1");
	expect_dkim_error("v", "", SG_E_UNSUPPORTED, "v= must be 1, not ''");
	expect_dkim_error("v", "01", SG_E_UNSUPPORTED, "v= must be 1");
}

static void test_algorithm(void **state)
{
	(void)state;
	expect_dkim_ok("a", "RSA-SHA256");
	assert_int_equal(parse_kind("DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=s; "
				    "h=from; bh=" BH1 "; b=dGVzdA==", SG_KIND_DKIM, NULL), SG_OK);
	assert_int_equal(sig.alg, SG_ALG_RSA_SHA1);
	expect_dkim_ok("a", "ed25519-sha256");
	assert_int_equal(sig.alg, SG_ALG_ED25519_SHA256);
	expect_dkim_error("a", "rsa-sha0", SG_E_UNSUPPORTED, "unknown algorithm a=rsa-sha0");
	expect_dkim_error("a", "rsa-sha512", SG_E_UNSUPPORTED, "unknown algorithm");
	expect_dkim_error("a", "", SG_E_UNSUPPORTED, "unknown algorithm a=");
	expect_dkim_error("a", "rsa-\xc3\xa9", SG_E_UNSUPPORTED, "a=rsa-??");
}

static void test_canonicalization(void **state)
{
	static const struct {
		const char *c;
		enum sg_canon h, b;
	} good[] = {
		{ "simple", SG_CANON_SIMPLE, SG_CANON_SIMPLE },
		{ "relaxed", SG_CANON_RELAXED, SG_CANON_SIMPLE },
		{ "relaxed/relaxed", SG_CANON_RELAXED, SG_CANON_RELAXED },
		{ "simple/relaxed", SG_CANON_SIMPLE, SG_CANON_RELAXED },
		{ "relaxed/simple", SG_CANON_RELAXED, SG_CANON_SIMPLE },
		{ "Relaxed/SIMPLE", SG_CANON_RELAXED, SG_CANON_SIMPLE },
	};
	static const char *const bad[] = {
		"", "nofws", "relaxed/", "/relaxed", "relaxed/relaxed/relaxed",
		"relaxed / relaxed", "foobar", "simple/nofws", "relaxed/bogus",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		expect_dkim_ok("c", good[i].c);
		assert_int_equal(sig.hcanon, good[i].h);
		assert_int_equal(sig.bcanon, good[i].b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_dkim_error("c", bad[i], SG_E_UNSUPPORTED, "canonicalization c=");
	expect_dkim_error("c", "relaxed/bogus", SG_E_UNSUPPORTED, "unknown body canonicalization");
}

static void test_query(void **state)
{
	(void)state;
	expect_dkim_ok("q", "dns/txt");
	expect_dkim_ok("q", "DNS/TXT");
	expect_dkim_ok("q", "dns/txt:foo/bar");
	expect_dkim_ok("q", "foo/bar \r\n : dns/txt");
	expect_dkim_error("q", "dns", SG_E_UNSUPPORTED, "q=dns does not include dns/txt");
	expect_dkim_error("q", "", SG_E_UNSUPPORTED, "does not include dns/txt");
	expect_dkim_error("q", "http", SG_E_UNSUPPORTED, "q=http does not");
	expect_dkim_error("q", "dns/special", SG_E_UNSUPPORTED, "does not include");
}

static void test_domain_selector(void **state)
{
	char longname[300];

	(void)state;
	expect_dkim_ok("d", "EXAMPLE.com");
	assert_string_equal(sig.domain, "EXAMPLE.com");
	expect_dkim_error("d", "legitimate.com(.attacker.com", SG_E_SYNTAX,
			  "d=legitimate.com(.attacker.com is not a valid domain name");
	expect_dkim_error("d", "com", SG_E_SYNTAX, "d=com is not a valid domain name");
	expect_dkim_error("d", "", SG_E_SYNTAX, "not a valid domain");
	expect_dkim_error("d", "example.com.", SG_E_SYNTAX, "not a valid domain");
	memset(longname, 'a', 254);
	memcpy(longname + 250, ".com", 5);		/* 254 bytes */
	expect_dkim_error("d", longname, SG_E_SYNTAX, "aaaa... is not a valid domain name");
	expect_dkim_ok("s", "s1.sub");
	assert_string_equal(sig.selector, "s1.sub");
	expect_dkim_error("s", "", SG_E_SYNTAX, "s= is not a valid selector");
	expect_dkim_error("s", "a..b", SG_E_SYNTAX, "s=a..b is not a valid selector");
	expect_dkim_error("s", "test@sendmail.com", SG_E_SYNTAX, "not a valid selector");
}

static void test_identity(void **state)
{
	static const struct {
		const char *i, *identity;
	} good[] = {
		{ "joe@football.example.com", "joe@football.example.com" },
		{ "@example.com", "@example.com" },
		{ "joe@EXAMPLE.COM", "joe@EXAMPLE.COM" },
		{ "joe=40x@example.com", "joe@x@example.com" },	/* last '@' counts */
		{ "joe=40example.com", "joe@example.com" },
		{ "j=C3=B6rg@example.com", "j\xc3\xb6rg@example.com" },
		{ "joe@exa\r\n mple.com", "joe@example.com" },		/* FWS dropped */
	};
	static const struct {
		const char *i, *words;
	} bad[] = {
		{ "joe@example.org", "i= domain example.org is not d=example.com" },
		{ "joe@badexample.com", "not d=example.com or a subdomain" },
		{ "joe", "i= has no '@'" },
		{ "", "i= has no '@'" },
		{ "joe@", "i= domain '' is not a valid domain name" },
		{ "joe@.example.com", "is not a valid domain name" },
		{ "joe@example.com=", "i= is not valid quoted-printable ('=' at offset 15" },
		{ "joe@example.com=4", "not valid quoted-printable" },
		{ "=00@example.com", "i= contains a NUL byte" },
		{ "joe@example.com=0A", "not a valid domain name" },
	};
	char longid[300];
	struct sg_error err;

	(void)state;
	for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		expect_dkim_ok("i", good[k].i);
		assert_string_equal(sig.identity, good[k].identity);
		assert_true(sig.has_identity);
	}
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		expect_dkim_error("i", bad[k].i, SG_E_SYNTAX, bad[k].words);
	/* 255 decoded bytes fit, 256 do not. */
	memset(longid, 'a', 243);
	memcpy(longid + 243, "@example.com", 13);
	assert_int_equal(strlen(longid), 255);
	expect_dkim_ok("i", longid);
	assert_int_equal(strlen(sig.identity), 255);
	memset(longid, 'a', 244);
	memcpy(longid + 244, "@example.com", 13);
	expect_dkim_error("i", longid, SG_E_LIMIT, "i= longer than 255 bytes");
	/* The offset of a bad escape is in the raw field. */
	assert_int_equal(dkim_err("i", "joe@exa=Zmple.com", &err), SG_E_SYNTAX);
	assert_int_equal(err.offset, strstr(dkim_with("i", "joe@exa=Zmple.com"), "=Zm") -
			 dkim_with("i", "joe@exa=Zmple.com"));
}

static void test_header_list(void **state)
{
	static const char *const folded[] = { "from", "to", "Subject" };
	static const char *const oversigned[] = { "From", "From", "To", "To" };

	(void)state;
	expect_dkim_ok("h", "from \r\n\t: to:\r\n Subject");
	assert_headers(folded, 3);
	expect_dkim_ok("h", "From:From:To:To");
	assert_headers(oversigned, 4);
	expect_dkim_ok("h", "FROM");
	expect_dkim_ok("h", "X-Weird!#$%&'*+-.^_`{|}~:from");	/* ftext */
	expect_dkim_error("h", "To:Subject", SG_E_SYNTAX, "h= does not include From");
	expect_dkim_error("h", "From-X", SG_E_SYNTAX, "does not include From");
	expect_dkim_error("h", "", SG_E_SYNTAX, "h= has an empty header name");
	expect_dkim_error("h", "From::To", SG_E_SYNTAX, "empty header name");
	expect_dkim_error("h", "From:", SG_E_SYNTAX, "empty header name");
	expect_dkim_error("h", ":From", SG_E_SYNTAX, "empty header name");
	expect_dkim_error("h", "From:Message ID", SG_E_SYNTAX,
			  "h= header name 'Message?ID' has byte 0x20");
	expect_dkim_error("h", "From:Subj\xc3\xa9", SG_E_SYNTAX, "has byte 0xc3");
}

static void test_header_list_limit(void **state)
{
	char list[2048];
	size_t o = (size_t)snprintf(list, sizeof(list), "From");

	(void)state;
	for (int k = 1; k < SG_SIG_MAX_HEADERS; k++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, ":X%d", k);
	expect_dkim_ok("h", list);
	assert_int_equal(sig.header_count, SG_SIG_MAX_HEADERS);
	snprintf(list + o, sizeof(list) - o, ":One-More");
	expect_dkim_error("h", list, SG_E_LIMIT, "h= lists more than 128 header names");
}

static void test_times(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+5", "1e5", "now", "12 34", "0x10", "1234567890123", "\xd9\xa1",
	};

	(void)state;
	expect_dkim_ok("t", "1528637909");
	assert_true(sig.has_t);
	assert_int_equal(sig.t, 1528637909);
	expect_dkim_ok("t", "999999999999");
	assert_int_equal(sig.t, 999999999999ULL);
	expect_dkim_ok("t", "0");
	expect_dkim_ok("t", "000000000001");
	assert_int_equal(sig.t, 1);
	expect_dkim_ok("x", "1");
	assert_true(sig.has_x && !sig.has_t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_dkim_error("t", bad[i], SG_E_SYNTAX, "t=");
		expect_dkim_error("x", bad[i], SG_E_SYNTAX, "must be 1 to 12 decimal digits");
	}
	/* x before t is an error, x equal to t is not. */
	assert_int_equal(parse_kind(dkim_with("t", "1000; x=999"), SG_KIND_DKIM, NULL),
			 SG_E_SYNTAX);
	expect_dkim_error("t", "1000; x=999", SG_E_SYNTAX, "x=999 is before t=1000");
	expect_dkim_ok("t", "1000; x=1000");
	assert_int_equal(sig.x, 1000);
	expect_dkim_ok("t", "1000; x=1001");
}

static void test_length(void **state)
{
	char digits[80];

	(void)state;
	expect_dkim_ok("l", "0");
	assert_true(sig.has_l);
	assert_int_equal(sig.l, 0);
	expect_dkim_ok("l", "18446744073709551615");
	assert_int_equal(sig.l, UINT64_MAX);
	expect_dkim_error("l", "18446744073709551616", SG_E_SYNTAX, "l= does not fit in 64 bits");
	expect_dkim_error("l", "99999999999999999999", SG_E_SYNTAX, "does not fit");
	/* 76 digits are allowed when the value fits; 77 are not. */
	memset(digits, '0', 75);
	strcpy(digits + 75, "7");
	expect_dkim_ok("l", digits);
	assert_int_equal(sig.l, 7);
	memset(digits, '0', 76);
	strcpy(digits + 76, "7");
	expect_dkim_error("l", digits, SG_E_SYNTAX, "must be 1 to 76 decimal digits");
	expect_dkim_error("l", "", SG_E_SYNTAX, "l= must be 1 to 76");
	expect_dkim_error("l", "-0", SG_E_SYNTAX, "l=-0 must be");
}

static void test_body_hash(void **state)
{
	(void)state;
	expect_dkim_ok("bh", "2jUSOH9NhtVGCQWNr9BrIAPreK\r\n QjO6Sn7XIkfJVOzv8 =");
	assert_int_equal(sig.bh_len, 32);
	expect_dkim_error("bh", BH1, SG_E_SYNTAX, "bh= must hold 32 bytes for a=rsa-sha256");
	expect_dkim_error("bh", "", SG_E_SYNTAX, "bh= must hold 32 bytes");
	expect_dkim_error("bh", "AAAA" BH256, SG_E_SYNTAX, "bh= must hold 32 bytes");
	expect_dkim_error("bh", "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8", SG_E_SYNTAX,
			  "bh= is not valid base64 (length not a multiple of 4");
	expect_dkim_error("bh", "2jUS-H9N", SG_E_SYNTAX, "invalid byte 0x2d at offset 4 of bh=");
	/* rsa-sha1 needs 20 bytes. */
	assert_int_equal(parse_kind("DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=s; "
				    "h=from; bh=" BH256 "; b=dGVzdA==", SG_KIND_DKIM, NULL),
			 SG_E_SYNTAX);
}

static void test_signature_b(void **state)
{
	char big[1500];

	(void)state;
	expect_dkim_error("b", "", SG_E_SYNTAX, "b= is empty");
	expect_dkim_error("b", " \r\n\t", SG_E_SYNTAX, "b= is empty");
	expect_dkim_error("b", "dGVzdA=", SG_E_SYNTAX, "b= is not valid base64 (incomplete");
	expect_dkim_error("b", "dGV*dA==", SG_E_SYNTAX, "invalid byte 0x2a at offset 3 of b=");
	/* 1024 decoded bytes fit, 1026 do not. */
	memset(big, 'A', 1364);
	strcpy(big + 1364, "AA==");
	expect_dkim_ok("b", big);
	assert_int_equal(sig.b_len, 1024);
	memset(big, 'A', 1368);
	big[1368] = '\0';
	expect_dkim_error("b", big, SG_E_LIMIT, "b= longer than 1024 bytes");
}

/* Parses s and checks the b= span in it. */
static void expect_b_span(const char *s, size_t off, size_t len)
{
	assert_int_equal(parse_kind(s, SG_KIND_DKIM, NULL), SG_OK);
	assert_int_equal(sig.b_value_off, off);
	assert_int_equal(sig.b_value_len, len);
}

static void test_b_value_span(void **state)
{
	static const char tail[] = "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=" BH256;
	char s[512];

	(void)state;
	/* b= first, with whitespace on both sides of the value. */
	snprintf(s, sizeof(s), "DKIM-Signature: b = \r\n dGVz dA== \r\n ;%s", tail);
	expect_b_span(s, 19, 17);
	assert_memory_equal(s + 19, " \r\n dGVz dA== \r\n ;", 18);
	/* b= last without ';' and with trailing whitespace. */
	snprintf(s, sizeof(s), "DKIM-Signature: %s; b=dGVzdA== ", tail);
	expect_b_span(s, strlen(s) - 9, 9);
	/* b= last with ';'. */
	snprintf(s, sizeof(s), "DKIM-Signature: %s; b=dGVzdA==;", tail);
	expect_b_span(s, strlen(s) - 9, 8);
	/* bh= before b= does not confuse it. */
	assert_memory_equal(s + sig.b_value_off - 3, " b=", 3);
	assert_int_equal(sig.bh_len, 32);
}

static void test_taglist_errors(void **state)
{
	static const char dup[] = "DKIM-Signature: v=1;\r\n a=rsa-sha256;\r\n\tv=1";
	struct sg_error err;

	(void)state;
	assert_int_equal(parse_kind(dup, SG_KIND_DKIM, &err), SG_E_SYNTAX);
	assert_non_null(strstr(err.msg, "DKIM-Signature: tag list: duplicate tag 'v'"));
	assert_non_null(strstr(err.msg, "in the field value"));
	assert_int_equal(err.offset, strlen(dup) - 3);		/* the second v */
	assert_int_equal(err.line, 3);				/* f.line 1 + 2 folds */
	assert_int_equal(parse_kind("DKIM-Signature: v=1; synerr", SG_KIND_DKIM, &err),
			 SG_E_SYNTAX);
	assert_non_null(strstr(err.msg, "tag 'synerr' has no '='"));
	assert_int_equal(parse_kind("DKIM-Signature: v=1; a=\x01", SG_KIND_DKIM, &err),
			 SG_E_SYNTAX);
	assert_int_equal(err.offset, 23);
	/* Problems found after the tag list point at the value. */
	assert_int_equal(dkim_err("a", "bogus", &err), SG_E_UNSUPPORTED);
	assert_int_equal(err.offset, strstr(dkim_with("a", "bogus"), "bogus") -
			 dkim_with("a", "bogus"));
	assert_int_equal(err.line, 1);
}

static void test_unknown_tags_ignored(void **state)
{
	(void)state;
	expect_dkim_ok("z", "From:foo@eng.example.net|To:joe@example.com");
	expect_dkim_ok("foo", "bar baz");
	expect_dkim_ok("X_1", "");
}

static void test_domainkeys(void **state)
{
	static const char *const h[] = { "from", "subject" };
	struct sg_error err;

	(void)state;
	assert_int_equal(parse_kind("DomainKey-Signature: a=rsa-sha1; c=nofws; d=messiah.edu; "
				    "h=from:subject; q=dns; s=test8; b=dGVzdA==",
				    SG_KIND_DOMAINKEYS, &err), SG_OK);
	assert_int_equal(sig.kind, SG_KIND_DOMAINKEYS);
	assert_int_equal(sig.alg, SG_ALG_RSA_SHA1);
	assert_int_equal(sig.hcanon, SG_CANON_DK_NOFWS);
	assert_int_equal(sig.bcanon, SG_CANON_DK_NOFWS);
	assert_string_equal(sig.domain, "messiah.edu");
	assert_string_equal(sig.selector, "test8");
	assert_string_equal(sig.identity, "");
	assert_false(sig.has_identity);
	assert_headers(h, 2);
	/* Defaults; v, i, t, x, l and bh mean nothing to DomainKeys. */
	assert_int_equal(parse_kind("DomainKey-Signature: d=example.com; s=s; b=dGVzdA==; "
				    "v=9; i=x; t=now; bh=!; l=-1", SG_KIND_DOMAINKEYS, &err),
			 SG_OK);
	assert_int_equal(sig.alg, SG_ALG_RSA_SHA1);
	assert_int_equal(sig.hcanon, SG_CANON_DK_SIMPLE);
	assert_int_equal(sig.bcanon, SG_CANON_DK_SIMPLE);
	assert_false(sig.has_h || sig.has_t || sig.has_l);
	assert_int_equal(sig.header_count, 0);
	assert_int_equal(sig.bh_len, 0);
	/* h= without From is fine for DomainKeys. */
	assert_int_equal(parse_kind("DomainKey-Signature: d=example.com; s=s; h=to; b=dGVzdA==",
				    SG_KIND_DOMAINKEYS, &err), SG_OK);
}

static void expect_dk_error(const char *s, enum sg_err code, const char *words)
{
	struct sg_error err;

	assert_int_equal(parse_kind(s, SG_KIND_DOMAINKEYS, &err), code);
	if (strstr(err.msg, words) == NULL || strncmp(err.msg, "DomainKey-Signature: ", 21) != 0)
		fail_msg("'%s': message '%s' lacks '%s'", s, err.msg, words);
}

static void test_domainkeys_errors(void **state)
{
	(void)state;
	expect_dk_error("DomainKey-Signature: d=example.com; s=s", SG_E_SYNTAX,
			"missing required tag b=");
	expect_dk_error("DomainKey-Signature: s=s; b=dGVzdA==", SG_E_SYNTAX, "missing required tag d=");
	expect_dk_error("DomainKey-Signature: d=example.com; b=dGVzdA==", SG_E_SYNTAX,
			"missing required tag s=");
	expect_dk_error("DomainKey-Signature: a=rsa-sha256; d=example.com; s=s; b=dGVzdA==",
			SG_E_UNSUPPORTED, "a= must be rsa-sha1, not rsa-sha256");
	expect_dk_error("DomainKey-Signature: a=rsa; d=example.com; s=s; b=dGVzdA==",
			SG_E_UNSUPPORTED, "unknown algorithm a=rsa");
	expect_dk_error("DomainKey-Signature: c=relaxed; d=example.com; s=s; b=dGVzdA==",
			SG_E_UNSUPPORTED, "unknown canonicalization c=relaxed");
	expect_dk_error("DomainKey-Signature: c=simple/simple; d=example.com; s=s; b=dGVzdA==",
			SG_E_UNSUPPORTED, "canonicalization c=simple/simple");
	expect_dk_error("DomainKey-Signature: q=; d=example.com; s=s; b=dGVzdA==",
			SG_E_UNSUPPORTED, "q= does not include dns");
	expect_dk_error("DomainKey-Signature: q=dns/txt; d=example.com; s=s; b=dGVzdA==",
			SG_E_UNSUPPORTED, "q=dns/txt does not include dns");
	expect_dk_error("DomainKey-Signature: d=example.com; s=s; h=; b=dGVzdA==", SG_E_SYNTAX,
			"h= has an empty header name");
	expect_dk_error("DomainKey-Signature: d=example.com; s=s; b=", SG_E_SYNTAX, "b= is empty");
}

static void test_bad_arguments(void **state)
{
	struct sg_header_field f;
	struct sg_error err;

	(void)state;
	assert_int_equal(sg_sig_parse(NULL, SG_KIND_DKIM, &sig, &err), SG_E_ARG);
	field_from("DKIM-Signature: v=1", 19, &f);
	f.value_off = 20;
	assert_int_equal(sg_sig_parse(&f, SG_KIND_DKIM, &sig, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "invalid header field"));
	/* Only len bytes are read: the tags after it do not exist. */
	field_from("DKIM-Signature: v=1; a=rsa-sha256", 19, &f);
	assert_int_equal(sg_sig_parse(&f, SG_KIND_DKIM, &sig, &err), SG_E_SYNTAX);
	assert_non_null(strstr(err.msg, "missing required tag a="));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_algorithm),
		cmocka_unit_test(test_canonicalization),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_domain_selector),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_header_list),
		cmocka_unit_test(test_header_list_limit),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_body_hash),
		cmocka_unit_test(test_signature_b),
		cmocka_unit_test(test_b_value_span),
		cmocka_unit_test(test_taglist_errors),
		cmocka_unit_test(test_unknown_tags_ignored),
		cmocka_unit_test(test_domainkeys),
		cmocka_unit_test(test_domainkeys_errors),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
