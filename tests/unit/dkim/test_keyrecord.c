/*
 * NAME
 *   test_keyrecord.c - unit tests for dataplane/dkim/keyrecord.c
 *
 * SUMMARY
 *   Each tag of DKIM and DomainKeys key records with its defaults, good
 *   and bad values and error text; p= sizes at the limit; the g= pattern
 *   matcher; and every key record of the third-party corpora, where the
 *   known-bad records (OpenDKIM badv/badk/nop/corruptp, dkimpy badk.txt,
 *   badversion.txt, test_tlsrpt.txt, Mail::DKIM testbad*, ...) must fail
 *   with the documented reason and all others must parse.
 */
#include "testutil.h"

#include "base64.h"
#include "keyrecord.h"

/* RFC 6376 Appendix C key (1024-bit RSA SubjectPublicKeyInfo). */
#define RFC6376_P \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYt" \
	"IxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0" \
	"fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB"
/* RFC 8463 A.2 Ed25519 key. */
#define RFC8463_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static struct sg_keyrecord kr;	/* 2 KiB: keep it off the stack */

static enum sg_err parse_kind(const char *txt, enum sg_sigkind kind, struct sg_error *err)
{
	sg_error_clear(err);
	return sg_keyrecord_parse(txt, strlen(txt), kind, &kr, err);
}

static enum sg_err parse(const char *txt, struct sg_error *err)
{
	return parse_kind(txt, SG_KIND_DKIM, err);
}

static void expect_error(const char *txt, enum sg_sigkind kind, enum sg_err code,
			 const char *words)
{
	struct sg_error err;

	assert_int_equal(parse_kind(txt, kind, &err), code);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, words) == NULL)
		fail_msg("'%.60s': message '%s' lacks '%s'", txt, err.msg, words);
	assert_int_equal(strncmp(err.msg, "key record: ", 12), 0);
	assert_int_equal(kr.key_len, 0);	/* nothing half-filled */
	assert_false(kr.revoked);
}

static void test_minimal_rsa(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("p=" RFC6376_P, &err), SG_OK);
	assert_int_equal(kr.key_type, SG_KEY_RSA);
	assert_true(kr.sha1_allowed);
	assert_true(kr.sha256_allowed);
	assert_false(kr.testing);
	assert_false(kr.strict_identity);
	assert_false(kr.revoked);
	assert_false(kr.has_granularity);
	assert_int_equal(kr.key_len, 162);
	assert_int_equal(kr.key[0], 0x30);
	assert_int_equal(kr.key[161], 0x01);
}

static void test_ed25519(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("v=DKIM1; k=ed25519; p=" RFC8463_P, &err), SG_OK);
	assert_int_equal(kr.key_type, SG_KEY_ED25519);
	assert_int_equal(kr.key_len, 32);
	assert_int_equal(kr.key[0], 0xd7);
	/* The SubjectPublicKeyInfo form is not what RFC 8463 publishes. */
	expect_error("v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0"
		     "JUn/OgjVbKE=", SG_KIND_DKIM, SG_E_KEY,
		     "p= of a k=ed25519 key must be 32 bytes, not 44");
	expect_error("k=ed25519; p=AAAA", SG_KIND_DKIM, SG_E_KEY, "not 3");
	/* Revoked Ed25519 key. */
	assert_int_equal(parse("k=ed25519; p=", &err), SG_OK);
	assert_true(kr.revoked);
}

static void test_version(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("v=DKIM1; p=" RFC6376_P, &err), SG_OK);
	assert_int_equal(parse(" v = DKIM1 ;p=" RFC6376_P, &err), SG_OK);
	expect_error("v=DKIM0; p=" RFC6376_P, SG_KIND_DKIM, SG_E_SYNTAX,
		     "key record: v= must be DKIM1 and the first tag");
	expect_error("v=dkim1; p=" RFC6376_P, SG_KIND_DKIM, SG_E_SYNTAX, "v= must be DKIM1");
	expect_error("v=DKIM1:; p=" RFC6376_P, SG_KIND_DKIM, SG_E_SYNTAX, "v= must be DKIM1");
	expect_error("v=; p=" RFC6376_P, SG_KIND_DKIM, SG_E_SYNTAX, "v= must be DKIM1");
	expect_error("k=rsa; v=DKIM1; p=" RFC6376_P, SG_KIND_DKIM, SG_E_SYNTAX,
		     "v= must be DKIM1 and the first tag");
	expect_error("v=DMARC1; p=reject", SG_KIND_DKIM, SG_E_SYNTAX, "v= must be DKIM1");
	/* The offset names the v tag. */
	assert_int_equal(parse("k=rsa; v=DKIM1; p=", &err), SG_E_SYNTAX);
	assert_int_equal(err.offset, 7);
}

static void test_key_type(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("k=rsa; p=" RFC6376_P, &err), SG_OK);
	assert_int_equal(kr.key_type, SG_KEY_RSA);
	assert_int_equal(parse("k=RSA; p=" RFC6376_P, &err), SG_OK);
	assert_int_equal(kr.key_type, SG_KEY_RSA);
	expect_error("k=xxx; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED,
		     "key record: unknown key type k=xxx");
	expect_error("k=ed25519-sha256; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED,
		     "unknown key type k=ed25519-sha256");
	expect_error("k=; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED,
		     "unknown key type k=");
	expect_error("k=rsa:ed25519; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED,
		     "unknown key type k=rsa:ed25519");
	/* An untrusted value is quoted safely and cut short. */
	expect_error("k=r\xc3\xa9s; p=", SG_KIND_DKIM, SG_E_UNSUPPORTED, "k=r??s");
	expect_error("k=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; p=",
		     SG_KIND_DKIM, SG_E_UNSUPPORTED, "k=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
	assert_int_equal(parse("v=DKIM1; k=bad; p=", &err), SG_E_UNSUPPORTED);
	assert_int_equal(err.offset, 11);
}

static void test_hashes(void **state)
{
	static const struct {
		const char *h;
		bool sha1, sha256;
	} cases[] = {
		{ "h=sha256", false, true },
		{ "h=sha1", true, false },
		{ "h=sha1:sha256", true, true },
		{ "h = sha1 :\r\n\tsha256 ", true, true },
		{ "h=SHA256", false, true },
		{ "h=sha0", false, false },
		{ "h=md5:sha1", true, false },
		{ "h=sha1:sha256:sha512", true, true },
		{ "h=bad", false, false },
		{ "h=", false, false },
		{ "h=::sha256:", false, true },
		{ "h=sha-256", false, false },
	};
	char txt[512];
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(txt, sizeof(txt), "%s; p=%s", cases[i].h, RFC6376_P);
		assert_int_equal(parse(txt, &err), SG_OK);
		if (kr.sha1_allowed != cases[i].sha1 || kr.sha256_allowed != cases[i].sha256)
			fail_msg("%s: sha1 %d sha256 %d", cases[i].h, kr.sha1_allowed,
				 kr.sha256_allowed);
	}
}

static void test_services(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("s=email; p=" RFC6376_P, &err), SG_OK);
	assert_int_equal(parse("s=*; p=" RFC6376_P, &err), SG_OK);
	assert_int_equal(parse("s=email:web:fine; p=" RFC6376_P, &err), SG_OK);
	assert_int_equal(parse("s=tlsrpt : EMAIL; p=" RFC6376_P, &err), SG_OK);
	assert_int_equal(parse("s=x:*; p=" RFC6376_P, &err), SG_OK);
	expect_error("s=chat; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED,
		     "key record: s= does not allow email");
	expect_error("s=tlsrpt; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED,
		     "s= does not allow email");
	expect_error("s=; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED, "s= does not");
	expect_error("s=emails; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED, "s= does not");
	expect_error("s=**; p=" RFC6376_P, SG_KIND_DKIM, SG_E_UNSUPPORTED, "s= does not");
}

static void test_flags(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("t=y; p=" RFC6376_P, &err), SG_OK);
	assert_true(kr.testing);
	assert_false(kr.strict_identity);
	assert_int_equal(parse("t=s; p=" RFC6376_P, &err), SG_OK);
	assert_false(kr.testing);
	assert_true(kr.strict_identity);
	assert_int_equal(parse("t=y:s; p=" RFC6376_P, &err), SG_OK);
	assert_true(kr.testing && kr.strict_identity);
	assert_int_equal(parse("t = y:n:extra; p=" RFC6376_P, &err), SG_OK);
	assert_true(kr.testing);
	assert_false(kr.strict_identity);
	assert_int_equal(parse("t=; p=" RFC6376_P, &err), SG_OK);
	assert_false(kr.testing || kr.strict_identity);
	assert_int_equal(parse("t=yes:S; p=" RFC6376_P, &err), SG_OK);
	assert_false(kr.testing);
	assert_true(kr.strict_identity);
}

static void test_public_key(void **state)
{
	struct sg_error err;

	(void)state;
	expect_error("v=DKIM1; k=rsa", SG_KIND_DKIM, SG_E_SYNTAX, "key record: p= missing");
	expect_error("", SG_KIND_DKIM, SG_E_SYNTAX, "p= missing");
	expect_error("P=" RFC6376_P, SG_KIND_DKIM, SG_E_SYNTAX, "p= missing");
	assert_int_equal(parse("v=DKIM1; p=", &err), SG_OK);
	assert_true(kr.revoked);
	assert_int_equal(kr.key_len, 0);
	assert_int_equal(parse("p= \r\n\t ;", &err), SG_OK);
	assert_true(kr.revoked);
	/* Folded key: FWS inside p= is skipped. */
	assert_int_equal(parse("p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg"
			       "1fWn7/zYt \r\n IxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC"
			       "2UzJ1lWT947qR+Rcac2gbto/NMqJ0 fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmP"
			       "SPDdQPNUYckcQ2QIDAQAB", &err), SG_OK);
	assert_int_equal(kr.key_len, 162);
	expect_error("p=MIGfMA0G!SqGSIb3", SG_KIND_DKIM, SG_E_SYNTAX,
		     "key record: p= is not valid base64 (invalid byte 0x21 at offset 8 of p=)");
	assert_int_equal(parse("v=DKIM1; p=MIGfMA0G!SqG", &err), SG_E_SYNTAX);
	assert_int_equal(err.offset, 19);	/* the '!' */
	expect_error("p=MIGfMA0", SG_KIND_DKIM, SG_E_SYNTAX, "missing '=' padding");
	expect_error("p=MIGfMA=", SG_KIND_DKIM, SG_E_SYNTAX, "incomplete '=' padding");
}

/* "p=" followed by the base64 of n bytes. */
static char *record_with_key(size_t n)
{
	uint8_t *raw = calloc(n ? n : 1, 1);
	char *txt = malloc(sg_base64_encoded_len(n) + 3);

	assert_non_null(raw);
	assert_non_null(txt);
	memcpy(txt, "p=", 2);
	sg_base64_encode(raw, n, txt + 2);
	free(raw);
	return txt;
}

static void test_key_size_limit(void **state)
{
	struct sg_error err;
	char *txt;

	(void)state;
	txt = record_with_key(SG_KEYRECORD_MAX_KEY);
	assert_int_equal(parse(txt, &err), SG_OK);
	assert_int_equal(kr.key_len, SG_KEYRECORD_MAX_KEY);
	free(txt);
	txt = record_with_key(SG_KEYRECORD_MAX_KEY + 1);
	expect_error(txt, SG_KIND_DKIM, SG_E_LIMIT, "key record: p= longer than 2048 bytes");
	free(txt);
}

static void test_tag_list_errors(void **state)
{
	struct sg_error err;

	(void)state;
	expect_error("k=rsa; t; p=" RFC6376_P, SG_KIND_DKIM, SG_E_SYNTAX,
		     "key record: tag list: tag 't' has no '='");
	assert_int_equal(parse("k=rsa; t; p=", &err), SG_E_SYNTAX);
	assert_int_equal(err.offset, 8);
	expect_error("p=; p=" RFC6376_P, SG_KIND_DKIM, SG_E_SYNTAX, "duplicate tag 'p'");
	expect_error("\"\"", SG_KIND_DKIM, SG_E_SYNTAX, "must start with a letter");
	expect_error("v=DKIM1;; p=", SG_KIND_DKIM, SG_E_SYNTAX, "empty tag");
}

static void test_unknown_tags_ignored(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("v=DKIM1; x1 = extra ; n=send%20comments; z=; p=" RFC6376_P,
			       &err), SG_OK);
	assert_int_equal(kr.key_len, 162);
	/* DKIM has no g= (RFC 6376 dropped it): ignored, even if malformed. */
	assert_int_equal(parse("v=DKIM1; g=a*b*c; p=" RFC6376_P, &err), SG_OK);
	assert_false(kr.has_granularity);
}

static void test_check_order(void **state)
{
	(void)state;
	/* The first problem in the order v, k, s, p is reported. */
	expect_error("v=DKIM2; k=xxx; s=chat", SG_KIND_DKIM, SG_E_SYNTAX, "v=");
	expect_error("k=xxx; s=chat", SG_KIND_DKIM, SG_E_UNSUPPORTED, "k=xxx");
	expect_error("s=chat; p=!!", SG_KIND_DKIM, SG_E_UNSUPPORTED, "s=");
}

static void test_domainkeys(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse_kind("k=rsa; t=y; p=" RFC6376_P, SG_KIND_DOMAINKEYS, &err),
			 SG_OK);
	assert_true(kr.testing);
	assert_true(kr.sha1_allowed);
	assert_int_equal(kr.key_len, 162);
	assert_int_equal(parse_kind("k=rsa; t=y; p=", SG_KIND_DOMAINKEYS, &err), SG_OK);
	assert_true(kr.revoked);
	/* A DKIM1 record serves DomainKeys too. */
	assert_int_equal(parse_kind("v=DKIM1; p=" RFC6376_P, SG_KIND_DOMAINKEYS, &err), SG_OK);
	expect_error("v=DKIM3; p=" RFC6376_P, SG_KIND_DOMAINKEYS, SG_E_SYNTAX, "v= must be DKIM1");
	expect_error("k=ed25519; p=" RFC8463_P, SG_KIND_DOMAINKEYS, SG_E_UNSUPPORTED,
		     "k=ed25519 cannot be used by DomainKeys");
	expect_error("k=dsa; p=", SG_KIND_DOMAINKEYS, SG_E_UNSUPPORTED, "unknown key type k=dsa");
	expect_error("t=y", SG_KIND_DOMAINKEYS, SG_E_SYNTAX, "p= missing");
}

static void test_domainkeys_granularity(void **state)
{
	char txt[160];
	struct sg_error err;

	(void)state;
	assert_int_equal(parse_kind("g=jl*g; p=", SG_KIND_DOMAINKEYS, &err), SG_OK);
	assert_true(kr.has_granularity);
	assert_string_equal(kr.granularity, "jl*g");
	assert_int_equal(parse_kind("g=; p=", SG_KIND_DOMAINKEYS, &err), SG_OK);
	assert_false(kr.has_granularity);
	assert_int_equal(parse_kind("g=*; p=", SG_KIND_DOMAINKEYS, &err), SG_OK);
	assert_string_equal(kr.granularity, "*");
	assert_int_equal(parse_kind("g=joe.user; p=", SG_KIND_DOMAINKEYS, &err), SG_OK);
	assert_string_equal(kr.granularity, "joe.user");
	expect_error("g=a*b*c; p=", SG_KIND_DOMAINKEYS, SG_E_SYNTAX, "g= has more than one '*'");
	expect_error("g=a b; p=", SG_KIND_DOMAINKEYS, SG_E_SYNTAX, "g= has byte 0x20");
	expect_error("g=joe@example.com; p=", SG_KIND_DOMAINKEYS, SG_E_SYNTAX, "byte 0x40");
	/* 64 bytes fit, 65 do not. */
	snprintf(txt, sizeof(txt), "g=%064d; p=", 7);
	assert_int_equal(parse_kind(txt, SG_KIND_DOMAINKEYS, &err), SG_OK);
	assert_int_equal(strlen(kr.granularity), 64);
	snprintf(txt, sizeof(txt), "g=%065d; p=", 7);
	expect_error(txt, SG_KIND_DOMAINKEYS, SG_E_LIMIT, "g= longer than 64 bytes");
}

static bool gmatch(const char *pattern, const char *local)
{
	return sg_keyrecord_granularity_match(pattern, local, strlen(local));
}

static void test_granularity_match(void **state)
{
	(void)state;
	assert_true(gmatch("joe", "joe"));
	assert_false(gmatch("joe", "Joe"));
	assert_false(gmatch("joe", "joe2"));
	assert_false(gmatch("joe", "jo"));
	assert_false(gmatch("joe", ""));
	assert_true(gmatch("jl*g", "jlong"));
	assert_true(gmatch("jl*g", "jlg"));
	assert_false(gmatch("jl*g", "jl"));
	assert_false(gmatch("jl*g", "jlgx"));
	assert_false(gmatch("jl*g", "xjlg"));
	assert_false(gmatch("aa*aa", "aaa"));	/* head and tail may not overlap */
	assert_true(gmatch("aa*aa", "aaaa"));
	assert_true(gmatch("*poe", "edgar.allan.poe"));
	assert_true(gmatch("*poe", "poe"));
	assert_false(gmatch("*poe", "poem"));
	assert_true(gmatch("news*", "newsletter"));
	assert_true(gmatch("*", ""));
	assert_true(gmatch("*", "anyone"));
	assert_true(gmatch("", "anyone"));	/* empty g= constrains nothing */
	assert_true(sg_keyrecord_granularity_match("*", NULL, 0));
	assert_true(sg_keyrecord_granularity_match("joe", "joex", 3));
}

static void test_null_error(void **state)
{
	(void)state;
	assert_int_equal(sg_keyrecord_parse("k=x; p=", 7, SG_KIND_DKIM, &kr, NULL),
			 SG_E_UNSUPPORTED);
	assert_int_equal(sg_keyrecord_parse("p=", 2, SG_KIND_DKIM, &kr, NULL), SG_OK);
	assert_true(kr.revoked);
}

/* Corpus records that must fail, with the reason. */
static const struct {
	const char *dir, *name;
	enum sg_err code;
	const char *words;
} corpus_bad[] = {
	{ "dkim_verifier", "_dmarc.paypal.com", SG_E_SYNTAX, "v= must be DKIM1" },
	{ "mail-dkim", "testbad1._domainkey.messiah.edu", SG_E_SYNTAX, "v= must be DKIM1" },
	{ "mail-dkim", "testbad2._domainkey.messiah.edu", SG_E_SYNTAX, "tag 't' has no '='" },
	{ "mail-dkim", "testbad3._domainkey.messiah.edu", SG_E_UNSUPPORTED,
	  "unknown key type k=foobar" },
	{ "mail-dkim", "testbad4._domainkey.messiah.edu", SG_E_UNSUPPORTED,
	  "s= does not allow email" },
	{ "mail-dkim", "2023-05-ed25519-empty._domainkey.wander.science", SG_E_SYNTAX,
	  "must start with a letter" },
	{ "mail-dkim", "invalid._domainkey.wander.science", SG_E_KEY, "must be 32 bytes" },
	{ "opendkim-libopendkim", "badv._domainkey.example.com", SG_E_SYNTAX,
	  "key record: v= must be DKIM1 and the first tag" },
	{ "opendkim-libopendkim", "badk._domainkey.example.com", SG_E_UNSUPPORTED,
	  "key record: unknown key type k=xxx" },
	{ "opendkim-libopendkim", "nop._domainkey.example.com", SG_E_SYNTAX,
	  "key record: p= missing" },
	{ "opendkim-libopendkim", "corruptp._domainkey.example.com", SG_E_SYNTAX,
	  "key record: p= is not valid base64" },
};

#define NBAD (sizeof(corpus_bad) / sizeof(corpus_bad[0]))

/* Parses one "NAME VALUE" line of dir/keys.txt; returns the bad-table
 * index it matched, or -1 when it parsed. */
static int check_corpus_line(const char *dir, char *line)
{
	char *value = strchr(line, ' ');
	struct sg_error err;
	enum sg_err rc;

	assert_non_null(value);
	*value++ = '\0';
	rc = parse(value, &err);
	for (size_t b = 0; b < NBAD; b++) {
		if (strcmp(corpus_bad[b].dir, dir) != 0 || strcmp(corpus_bad[b].name, line) != 0)
			continue;
		if (rc != corpus_bad[b].code || strstr(err.msg, corpus_bad[b].words) == NULL)
			fail_msg("%s %s: got %d '%s'", dir, line, rc, err.msg);
		return (int)b;
	}
	if (rc != SG_OK)
		fail_msg("%s %s: unexpected error '%s'", dir, line, err.msg);
	assert_true(kr.revoked || kr.key_len > 0);
	return -1;
}

static void test_corpus_keys_txt(void **state)
{
	static const char *const dirs[] = {
		"dkim_verifier", "dkimpy", "go-msgauth", "mail-dkim", "mailauth",
		"opendkim-libopendkim", "rfc-examples",
	};
	bool seen[NBAD] = { false };
	size_t lines = 0;

	(void)state;
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		char rel[128], *data, *line, *save = NULL;

		snprintf(rel, sizeof(rel), "%s/keys.txt", dirs[d]);
		data = tu_read(tu_testdata(rel), NULL);
		for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			int b = check_corpus_line(dirs[d], line);

			if (b >= 0)
				seen[b] = true;
			lines++;
		}
		free(data);
	}
	for (size_t b = 0; b < NBAD; b++) {
		if (!seen[b])
			fail_msg("bad record %s %s not found", corpus_bad[b].dir, corpus_bad[b].name);
	}
	assert_int_equal(lines, 65);
}

/* Looks NAME up in dir/keys.txt and parses it. */
static enum sg_err parse_corpus(const char *dir, const char *name, struct sg_error *err)
{
	char rel[128], *data, *line, *save = NULL;
	enum sg_err rc = SG_E_ARG;
	size_t nlen = strlen(name);

	snprintf(rel, sizeof(rel), "%s/keys.txt", dir);
	data = tu_read(tu_testdata(rel), NULL);
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, name, nlen) == 0 && line[nlen] == ' ') {
			rc = parse(line + nlen + 1, err);
			break;
		}
	}
	free(data);
	if (rc == SG_E_ARG)
		fail_msg("%s not in %s", name, rel);
	return rc;
}

static void test_corpus_properties(void **state)
{
	struct sg_error err;

	(void)state;
	assert_int_equal(parse_corpus("opendkim-libopendkim", "badh._domainkey.example.com", &err),
			 SG_OK);
	assert_false(kr.sha1_allowed || kr.sha256_allowed);
	assert_int_equal(parse_corpus("opendkim-libopendkim", "emptyp._domainkey.example.com",
				      &err), SG_OK);
	assert_true(kr.revoked);
	assert_int_equal(parse_corpus("opendkim-libopendkim", "sha256only._domainkey.example.com",
				      &err), SG_OK);
	assert_false(kr.sha1_allowed);
	assert_true(kr.sha256_allowed);
	assert_int_equal(parse_corpus("opendkim-libopendkim", "test._domainkey.example.com", &err),
			 SG_OK);
	assert_true(kr.testing && kr.strict_identity && kr.sha1_allowed && kr.sha256_allowed);
	assert_int_equal(parse_corpus("mail-dkim", "test2._domainkey.messiah.edu", &err), SG_OK);
	assert_true(kr.testing && kr.sha1_allowed);
	assert_false(kr.sha256_allowed || kr.strict_identity);
	assert_int_equal(parse_corpus("mail-dkim", "testbad7._domainkey.messiah.edu", &err),
			 SG_OK);
	assert_false(kr.sha1_allowed || kr.sha256_allowed);
	assert_int_equal(parse_corpus("mail-dkim", "testrevoked._domainkey.messiah.edu", &err),
			 SG_OK);
	assert_true(kr.revoked && kr.testing);
	assert_int_equal(parse_corpus("dkim_verifier", "s.flags._domainkey.example.com", &err),
			 SG_OK);
	assert_true(kr.strict_identity);
	assert_int_equal(parse_corpus("rfc-examples", "brisbane._domainkey.football.example.com",
				      &err), SG_OK);
	assert_int_equal(kr.key_type, SG_KEY_ED25519);
	/* DomainKeys reading of a record with g=. */
	sg_error_clear(&err);
	assert_int_equal(sg_keyrecord_parse("v=DKIM1; g=jl*g; p=", 19, SG_KIND_DOMAINKEYS, &kr,
					    &err), SG_OK);
	assert_true(kr.has_granularity);
}

/* dkimpy's single-record files. */
static void test_dkimpy_files(void **state)
{
	static const struct {
		const char *file;
		enum sg_err code;
		const char *words;
	} files[] = {
		{ "dkimpy/data/badk.txt", SG_E_UNSUPPORTED, "unknown key type k=ed25519-sha256" },
		{ "dkimpy/data/badversion.txt", SG_E_SYNTAX, "v= must be DKIM1 and the first tag" },
		{ "dkimpy/data/test_tlsrpt.txt", SG_E_UNSUPPORTED, "s= does not allow email" },
		{ "dkimpy/data/test.txt", SG_OK, "" },
		{ "dkimpy/data/test2.txt", SG_OK, "" },
		{ "dkimpy/data/test_bad.txt", SG_OK, "" },	/* wrong key, valid syntax */
		{ "dkimpy/data/1024_testkey_wo_markers.pub.txt", SG_OK, "" },
		{ "dkimpy/data/1024_testkey_wo_markers.pub.rsa.txt", SG_OK, "" },
		{ "dkimpy/data/2048_testkey_wo_markers.pub.txt", SG_OK, "" },
		{ "dkimpy/data/2048_testkey_wo_markers.pub.rsa.txt", SG_OK, "" },
		{ "dkimpy/data/2048_testkey_PKCS8.key.pub.txt", SG_OK, "" },
		{ "dkimpy/data/ed25519test.dns", SG_OK, "" },
		{ "dkimpy/data/eximtest.dns", SG_OK, "" },
	};
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *txt = tu_read(tu_testdata(files[i].file), &len);
		enum sg_err rc;

		sg_error_clear(&err);
		rc = sg_keyrecord_parse(txt, len, SG_KIND_DKIM, &kr, &err);
		if (rc != files[i].code || strstr(err.msg, files[i].words) == NULL)
			fail_msg("%s: got %d '%s'", files[i].file, rc, err.msg);
		free(txt);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_rsa),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_key_type),
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_public_key),
		cmocka_unit_test(test_key_size_limit),
		cmocka_unit_test(test_tag_list_errors),
		cmocka_unit_test(test_unknown_tags_ignored),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_domainkeys),
		cmocka_unit_test(test_domainkeys_granularity),
		cmocka_unit_test(test_granularity_match),
		cmocka_unit_test(test_null_error),
		cmocka_unit_test(test_corpus_keys_txt),
		cmocka_unit_test(test_corpus_properties),
		cmocka_unit_test(test_dkimpy_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
