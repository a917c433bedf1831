/*
 * NAME
 *   test_dnsrecord.c - unit tests for crypto/dnsrecord.c
 *
 * SUMMARY
 *   The record for the RFC 6376 Appendix C key carries the p= published in
 *   rfc-examples/keys.txt, the RFC 8463 Ed25519 key its 11qY... value; the
 *   testing flag and the DomainKeys form; DomainKeys with Ed25519 refused;
 *   appending and buffer limits. Record names (trailing dot, bad
 *   characters). Zone lines for values of 0, 255, 256 and 600 bytes are
 *   cut into character-strings of at most 255 bytes, one per line, that
 *   join back to the value; quotes and backslashes are escaped without
 *   counting against 255; control and non-ASCII bytes are refused.
 */
#include "testutil.h"

#include "keyfiles.h"
#include "dnsrecord.h"
#include "key.h"

static char *record_for(const char *rel, bool testing, bool domainkeys)
{
	struct sg_privkey *k = kf_load_testdata(rel);
	struct sg_error err;
	struct sg_buf out;
	char *s;

	sg_buf_init(&out, 4096);
	if (sg_dns_record(k, testing, domainkeys, &out, &err) != SG_OK)
		fail_msg("%s: %s", rel, err.msg);
	s = strdup(sg_buf_cstr(&out));
	assert_non_null(s);
	sg_buf_free(&out);
	sg_privkey_free(k);
	return s;
}

static void test_rfc6376_record(void **state)
{
	char *p = kf_record_p("rfc-examples/keys.txt", "brisbane._domainkey.example.com");
	char *want = malloc(strlen(p) + 64), *got;

	(void)state;
	assert_non_null(want);
	sprintf(want, "v=DKIM1; k=rsa; p=%s", p);
	got = record_for("rfc-examples/rfc6376-C-private.pem", false, false);
	assert_string_equal(got, want);
	free(got);

	sprintf(want, "v=DKIM1; k=rsa; t=y; p=%s", p);
	got = record_for("rfc-examples/rfc6376-C-private.pem", true, false);
	assert_string_equal(got, want);
	free(got);

	sprintf(want, "k=rsa; p=%s", p);
	got = record_for("rfc-examples/rfc6376-C-private.pem", false, true);
	assert_string_equal(got, want);
	free(got);

	sprintf(want, "k=rsa; t=y; p=%s", p);
	got = record_for("rfc-examples/rfc6376-C-private.pem", true, true);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(p);
}

static void test_ed25519_record(void **state)
{
	struct sg_privkey *k = kf_load_testdata("rfc-examples/rfc8463-A.1-ed25519-seed.b64");
	struct sg_error err;
	struct sg_buf out;
	char *got;

	(void)state;
	got = record_for("rfc-examples/rfc8463-A.1-ed25519-seed.b64", false, false);
	assert_string_equal(got, "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	free(got);
	got = record_for("rfc-examples/rfc8463-A.1-ed25519-seed.b64", true, false);
	assert_string_equal(got,
			    "v=DKIM1; k=ed25519; t=y; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	free(got);

	sg_buf_init(&out, 4096);
	assert_int_equal(sg_dns_record(k, false, true, &out, &err), SG_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "DomainKeys"));
	assert_int_equal(out.len, 0);
	sg_buf_free(&out);
	sg_privkey_free(k);
}

static void test_record_appends_and_limits(void **state)
{
	struct sg_privkey *k = kf_load_testdata("dkimpy/data/2048_testkey.key");
	struct sg_error err;
	struct sg_buf out;

	(void)state;
	sg_buf_init(&out, 4096);
	assert_int_equal(sg_buf_puts(&out, "X "), SG_OK);
	assert_int_equal(sg_dns_record(k, false, false, &out, &err), SG_OK);
	assert_true(strncmp(sg_buf_cstr(&out), "X v=DKIM1; k=rsa; p=MIIBIjAN", 28) == 0);
	/* 2048-bit SPKI: 294 bytes, 392 base64 characters. */
	assert_int_equal(out.len, 2 + strlen("v=DKIM1; k=rsa; p=") + 392);
	sg_buf_free(&out);

	sg_buf_init(&out, 100);
	assert_int_equal(sg_dns_record(k, false, false, &out, &err), SG_E_LIMIT);
	sg_buf_free(&out);
	assert_int_equal(sg_dns_record(NULL, false, false, &out, &err), SG_E_ARG);
	assert_int_equal(sg_dns_record(k, false, false, NULL, &err), SG_E_ARG);
	sg_privkey_free(k);
}

static enum sg_err name_of(const char *sel, const char *dom, char *out, size_t cap)
{
	struct sg_buf b;
	enum sg_err rc;

	sg_buf_init(&b, 1024);
	rc = sg_dns_record_name(sel, dom, &b);
	snprintf(out, cap, "%s", sg_buf_cstr(&b));
	sg_buf_free(&b);
	return rc;
}

static void test_record_name(void **state)
{
	static const char *const bad[][2] = {
		{ "", "example.com" }, { "s1", "" }, { "s1", "." }, { "s 1", "example.com" },
		{ "s1", "exa\"mple.com" }, { "s1", "example.com;" }, { "s1.", "example.com" },
		{ "s\x01", "example.com" }, { "s1", "b\xc3\xa4r.example" }, { NULL, "x" },
		{ "x", NULL },
	};
	char out[256];

	(void)state;
	assert_int_equal(name_of("s1", "example.com", out, sizeof(out)), SG_OK);
	assert_string_equal(out, "s1._domainkey.example.com");
	assert_int_equal(name_of("2024-01.a", "mail.example.org.", out, sizeof(out)), SG_OK);
	assert_string_equal(out, "2024-01.a._domainkey.mail.example.org");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (name_of(bad[i][0], bad[i][1], out, sizeof(out)) != SG_E_ARG)
			fail_msg("case %zu accepted: %s", i, out);
	}
	assert_int_equal(sg_dns_record_name("s", "example.com", NULL), SG_E_ARG);
}

/* Zone line for txt; checks its shape and returns the strings joined. */
static char *zone_strings(const char *txt, size_t *count)
{
	static const char head[] = "sel._domainkey.example.com. IN TXT ( ";
	char *joined = malloc(strlen(txt) + 1), *line, *p;
	struct sg_buf out;
	size_t j = 0;

	assert_non_null(joined);
	sg_buf_init(&out, 1 << 20);
	assert_int_equal(sg_dns_zone_line("sel", "example.com", txt, &out), SG_OK);
	line = out.data;
	assert_true(strncmp(line, head, strlen(head)) == 0);
	assert_string_equal(line + out.len - 2, " )");
	*count = 0;
	for (p = line + strlen(head); *p == '"'; (*count)++) {
		size_t n = 0;

		for (p++; *p != '"'; p++, n++) {
			if (*p == '\\')
				p++;
			joined[j++] = *p;
		}
		assert_true(n <= 255);
		p++;
		if (strncmp(p, "\n\t", 2) == 0)	/* one string per line */
			p += 2;
	}
	assert_string_equal(p, " )");
	joined[j] = '\0';
	sg_buf_free(&out);
	return joined;
}

static void test_zone_line_lengths(void **state)
{
	static const struct { size_t len, strings; } cases[] = {
		{ 0, 1 }, { 1, 1 }, { 255, 1 }, { 256, 2 }, { 510, 2 }, { 511, 3 }, { 600, 3 },
	};
	char txt[700];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t count;
		char *joined;

		for (size_t j = 0; j < cases[i].len; j++)
			txt[j] = (char)('A' + j % 26);
		txt[cases[i].len] = '\0';
		joined = zone_strings(txt, &count);
		assert_string_equal(joined, txt);
		assert_int_equal(count, cases[i].strings);
		free(joined);
	}
}

static void test_zone_line_exact_text(void **state)
{
	char big[601];
	struct sg_buf out;
	const char *s;

	(void)state;
	sg_buf_init(&out, 4096);
	assert_int_equal(sg_dns_zone_line("s", "example.com.", "", &out), SG_OK);
	assert_string_equal(sg_buf_cstr(&out), "s._domainkey.example.com. IN TXT ( \"\" )");
	sg_buf_reset(&out);
	memset(big, 'x', 600);
	big[600] = '\0';
	assert_int_equal(sg_dns_zone_line("s", "example.com", big, &out), SG_OK);
	s = sg_buf_cstr(&out);
	assert_int_equal(strlen(s), strlen("s._domainkey.example.com. IN TXT ( ") +
				    (255 + 2) + 2 + (255 + 2) + 2 + (90 + 2) + 2);
	assert_non_null(strstr(s, "\"\n\t\""));
	assert_null(strchr(s + strlen(s) - 1, '\n'));	/* no final newline */
	sg_buf_free(&out);
}

static void test_zone_line_escapes_and_refusals(void **state)
{
	char quotes[256], *joined;
	struct sg_buf out;
	size_t count;

	(void)state;
	memset(quotes, '"', 255);
	quotes[255] = '\0';
	joined = zone_strings(quotes, &count);	/* 510 bytes escaped, still one string */
	assert_int_equal(count, 1);
	assert_string_equal(joined, quotes);
	free(joined);
	joined = zone_strings("a\\b\"c", &count);
	assert_string_equal(joined, "a\\b\"c");
	free(joined);

	sg_buf_init(&out, 4096);
	assert_int_equal(sg_dns_zone_line("s", "example.com", "a\nb", &out), SG_E_ARG);
	assert_int_equal(sg_dns_zone_line("s", "example.com", "a\tb", &out), SG_E_ARG);
	assert_int_equal(sg_dns_zone_line("s", "example.com", "\xc3\xa4", &out), SG_E_ARG);
	assert_int_equal(sg_dns_zone_line("s", "example.com", NULL, &out), SG_E_ARG);
	assert_int_equal(sg_dns_zone_line("", "example.com", "v=DKIM1", &out), SG_E_ARG);
	assert_int_equal(out.len, 0);
	sg_buf_free(&out);
	sg_buf_init(&out, 40);
	assert_int_equal(sg_dns_zone_line("s", "example.com", "v=DKIM1; k=rsa; p=", &out),
			 SG_E_LIMIT);
	sg_buf_free(&out);
}

/* A real 2048-bit record survives the zone line unchanged. */
static void test_zone_line_of_real_record(void **state)
{
	char *rec = record_for("dkimpy/data/2048_testkey.key", true, false), *joined;
	size_t count;

	(void)state;
	joined = zone_strings(rec, &count);
	assert_string_equal(joined, rec);
	assert_int_equal(count, 2);
	free(joined);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6376_record),
		cmocka_unit_test(test_ed25519_record),
		cmocka_unit_test(test_record_appends_and_limits),
		cmocka_unit_test(test_record_name),
		cmocka_unit_test(test_zone_line_lengths),
		cmocka_unit_test(test_zone_line_exact_text),
		cmocka_unit_test(test_zone_line_escapes_and_refusals),
		cmocka_unit_test(test_zone_line_of_real_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
