/*
 * NAME
 *   test_sigparse_corpus.c - dataplane/dkim/sigparse.c against real
 *                            signatures
 *
 * SUMMARY
 *   The RFC 6376 A.2 and RFC 8463 A.3 signatures field by field; then
 *   every DKIM-Signature and DomainKey-Signature field of the third-party
 *   corpora in ../shared/testdata: the ones the corpora document as bad
 *   must fail for the documented reason (OpenDKIM sig errors, Mail::DKIM
 *   test comments, dkimpy's bad d=), the folders that hold only good
 *   signatures must parse completely, and OpenDKIM's signing vectors
 *   (signature values alone) must parse. The sigparse tag-by-tag tests
 *   are in test_sigparse.c.
 */
#include <dirent.h>
#include <strings.h>

#include "testutil.h"

#include "sigparse.h"

static struct sg_sig sig;	/* ~4 KiB: keep it off the stack */

/* Fills f from a whole "Name: value" field, as the message reader would. */
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

/* The next header field at *p (without its line end); false at the empty
 * line that ends the header section or at the end of the text. */
static bool next_field(const char **p, const char **start, size_t *len)
{
	const char *s = *p, *end = s;

	if (*s == '\0' || *s == '\r' || *s == '\n')
		return false;
	do {
		end = strchr(end, '\n');
		end = end ? end + 1 : s + strlen(s);
	} while (*end == ' ' || *end == '\t');
	*p = end;
	*start = s;
	*len = (size_t)(end - s);
	while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r'))
		(*len)--;
	return true;
}

/* Which signature kind a field is, from its name; false for other fields. */
static bool signature_kind(const char *s, size_t len, enum sg_sigkind *kind)
{
	struct sg_header_field f;

	if (memchr(s, ':', len) == NULL)
		return false;
	field_from(s, len, &f);
	if (f.name_len == 14 && strncasecmp(s, "DKIM-Signature", 14) == 0)
		*kind = SG_KIND_DKIM;
	else if (f.name_len == 19 && strncasecmp(s, "DomainKey-Signature", 19) == 0)
		*kind = SG_KIND_DOMAINKEYS;
	else
		return false;
	return true;
}

/* The nth field called name in file rel, as a malloc'd copy. */
static char *field_in_file(const char *rel, const char *name, size_t nth, size_t *len)
{
	char *data = tu_read(tu_testdata(rel), NULL);
	const char *p = data, *s;
	size_t nlen = strlen(name);

	while (next_field(&p, &s, len)) {
		if (strncasecmp(s, name, nlen) == 0 && s[nlen] == ':' && nth-- == 0) {
			char *copy = strndup(s, *len);

			free(data);
			return copy;
		}
	}
	fail_msg("no field %s #%zu in %s", name, nth, rel);
	return NULL;
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

static void test_rfc6376_a2(void **state)
{
	static const char *const h[] = { "Received", "From", "To", "Subject", "Date",
					 "Message-ID" };
	struct sg_header_field f;
	struct sg_error err;
	size_t len;
	char *raw = field_in_file("rfc-examples/rfc6376-A.2-signed.eml", "DKIM-Signature", 0,
				  &len);

	(void)state;
	field_from(raw, len, &f);
	assert_int_equal(sg_sig_parse(&f, SG_KIND_DKIM, &sig, &err), SG_OK);
	assert_int_equal(sig.kind, SG_KIND_DKIM);
	assert_int_equal(sig.alg, SG_ALG_RSA_SHA256);
	assert_int_equal(sig.hcanon, SG_CANON_SIMPLE);
	assert_int_equal(sig.bcanon, SG_CANON_SIMPLE);
	assert_string_equal(sig.domain, "example.com");
	assert_string_equal(sig.selector, "brisbane");
	assert_string_equal(sig.identity, "joe@football.example.com");
	assert_true(sig.has_identity);
	assert_headers(h, 6);
	assert_true(sig.headers[0].s > raw && sig.headers[0].s < raw + len);
	assert_false(sig.has_t || sig.has_x || sig.has_l);
	assert_int_equal(sig.bh_len, 32);
	assert_int_equal(sig.bh[0], 0xda);
	assert_int_equal(sig.b_len, 128);		/* RSA-1024 */
	assert_int_equal(sig.b[0], 0x02);		/* "AuUo" */
	/* b= is followed by ';' at the end: the span stops there. */
	assert_int_equal(raw[sig.b_value_off - 1], '=');
	assert_int_equal(raw[sig.b_value_off - 2], 'b');
	assert_int_equal(sig.b_value_off + sig.b_value_len, len - 1);
	assert_int_equal(raw[len - 1], ';');
	assert_memory_equal(raw + sig.b_value_off, "AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yA",
			    47);
	free(raw);
}

static void test_rfc8463_a3(void **state)
{
	static const char *const h[] = { "from", "to", "subject", "date", "message-id",
					 "from", "subject", "date" };
	static const struct {
		enum sg_alg alg;
		const char *selector;
		size_t b_len;
	} want[] = {
		{ SG_ALG_ED25519_SHA256, "brisbane", 64 },
		{ SG_ALG_RSA_SHA256, "test", 128 },
	};
	struct sg_header_field f;
	struct sg_error err;
	size_t len;

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		char *raw = field_in_file("rfc-examples/rfc8463-A.3-signed.eml", "DKIM-Signature",
					  k, &len);

		field_from(raw, len, &f);
		assert_int_equal(sg_sig_parse(&f, SG_KIND_DKIM, &sig, &err), SG_OK);
		assert_int_equal(sig.alg, want[k].alg);
		assert_int_equal(sig.hcanon, SG_CANON_RELAXED);
		assert_int_equal(sig.bcanon, SG_CANON_RELAXED);
		assert_string_equal(sig.domain, "football.example.com");
		assert_string_equal(sig.selector, want[k].selector);
		assert_string_equal(sig.identity, "@football.example.com");
		assert_true(sig.has_t);
		assert_int_equal(sig.t, 1528637909);
		assert_false(sig.has_x || sig.has_l);
		assert_headers(h, 8);
		assert_int_equal(sig.bh_len, 32);
		assert_int_equal(sig.b_len, want[k].b_len);
		/* b= is the last tag, no ';': the span runs to the end. */
		assert_int_equal(sig.b_value_off + sig.b_value_len, len);
		assert_int_equal(raw[sig.b_value_off - 1], '=');
		free(raw);
	}
}

/* Signatures the corpora document as bad, by file and position. */
static const struct {
	const char *file;
	size_t index;		/* among the file's signature fields */
	enum sg_err code;
	const char *words;
} documented[] = {
	{ "dkimpy/data/test.message.baddomain", 0, SG_E_SYNTAX,
	  "d=legitimate.com(.attacker.com is not a valid domain name" },
	{ "dkim_verifier/data/rfc6376-A.2-ill_formed-missing_v.eml", 0, SG_E_SYNTAX,
	  "missing required tag v=" },
	/* OpenDKIM expected.tsv sig[] errors and titles. */
	{ "opendkim-libopendkim/messages/t-test60.eml", 0, SG_E_UNSUPPORTED,
	  "unknown canonicalization c=nofws/simple" },			/* INVALID_HC */
	{ "opendkim-libopendkim/messages/t-test61.eml", 0, SG_E_UNSUPPORTED,
	  "unknown algorithm a=rsa-sha0" },
	{ "opendkim-libopendkim/messages/t-test62.eml", 0, SG_E_SYNTAX,
	  "missing required tag bh=" },					/* MISSING_BH */
	{ "opendkim-libopendkim/messages/t-test76.eml", 0, SG_E_SYNTAX,
	  "missing required tag b=" },					/* malformed */
	{ "opendkim-libopendkim/messages/t-test96.eml", 0, SG_E_SYNTAX,
	  "h= has an empty header name" },				/* EMPTY_H */
	{ "opendkim-libopendkim/messages/t-test97.eml", 0, SG_E_SYNTAX,
	  "h= does not include From" },					/* INVALID_H */
	{ "opendkim-libopendkim/messages/t-test105.eml", 0, SG_E_SYNTAX,
	  "t=-1 must be 1 to 12 decimal digits" },
	{ "opendkim-libopendkim/messages/t-test106.eml", 0, SG_E_SYNTAX,
	  "t=now must be 1 to 12 decimal digits" },
	{ "opendkim-libopendkim/messages/t-test108.eml", 0, SG_E_UNSUPPORTED,
	  "unknown canonicalization c=bogus/simple" },			/* INVALID_HC */
	{ "opendkim-libopendkim/messages/t-test109.eml", 0, SG_E_UNSUPPORTED,
	  "unknown body canonicalization c=relaxed/bogus" },		/* INVALID_BC */
	{ "opendkim-libopendkim/messages/t-test110.eml", 0, SG_E_UNSUPPORTED,
	  "v= must be 1, not '1.0'" },					/* VERSION */
	{ "opendkim-libopendkim/messages/t-test112.eml", 0, SG_E_SYNTAX,
	  "i= domain sendmail.com is not d=example.com" },		/* DOMAIN */
	{ "opendkim-libopendkim/messages/t-test121.eml", 0, SG_E_SYNTAX,
	  "t= must be 1 to 12 decimal digits" },			/* empty t= */
	{ "opendkim-libopendkim/messages/t-test130.eml", 0, SG_E_SYNTAX,
	  "missing required tag s=" },					/* MISSING_S */
	{ "opendkim-libopendkim/messages/t-test130.eml", 2, SG_E_SYNTAX,
	  "missing required tag v=" },					/* MISSING_V */
	{ "opendkim-libopendkim/messages/t-test134.eml", 0, SG_E_SYNTAX,
	  "is not a valid domain name" },				/* oversized d= */
	/* Mail::DKIM expected.tsv notes. */
	{ "mail-dkim/corpus/bad_dk_4.txt", 0, SG_E_UNSUPPORTED, "q= does not include dns" },
	{ "mail-dkim/corpus/bad_dk_5.txt", 0, SG_E_UNSUPPORTED, "q=bogus does not include dns" },
	{ "mail-dkim/corpus/ignore_5.txt", 0, SG_E_UNSUPPORTED, "q=http does not include" },
	{ "mail-dkim/corpus/ignore_6.txt", 0, SG_E_UNSUPPORTED, "q=dns/special does not" },
	{ "mail-dkim/corpus/ignore_8.txt", 0, SG_E_SYNTAX,
	  "i= domain example.org is not d=messiah.edu" },
	{ "mail-dkim/corpus/multiple_2.txt", 0, SG_E_UNSUPPORTED,
	  "unknown canonicalization c=foobar" },
	{ "mail-dkim/corpus/multiple_2.txt", 3, SG_E_SYNTAX, "tag 'synerr' has no '='" },
};

#define NDOC (sizeof(documented) / sizeof(documented[0]))

/* Message folders; all_good: every signature in them must parse. */
static const struct {
	const char *dir;
	const char *contains;	/* file-name filter ("" = every file) */
	bool all_good;
} folders[] = {
	{ "rfc-examples", ".eml", true },
	{ "go-msgauth/messages", "", true },
	{ "mailauth", ".eml", true },
	{ "dkim_verifier/data", ".eml", false },
	{ "dkim_verifier/data/dkim", ".eml", true },
	{ "dkim_verifier/data/original", ".eml", true },
	{ "mail-dkim/signing", "", true },
	{ "mail-dkim/corpus", "", false },
	{ "opendkim-libopendkim/messages", "", false },
	{ "dkimpy/data", ".msg", false },
	{ "dkimpy/data", ".message", false },
};

struct tally {
	size_t total, ok;
	bool seen[NDOC];
};

static void check_documented(const char *rel, size_t index, enum sg_err rc,
			     const struct sg_error *err, struct tally *t)
{
	for (size_t d = 0; d < NDOC; d++) {
		if (strcmp(documented[d].file, rel) != 0 || documented[d].index != index)
			continue;
		if (rc != documented[d].code || strstr(err->msg, documented[d].words) == NULL)
			fail_msg("%s #%zu: got %d '%s'", rel, index, rc, err->msg);
		t->seen[d] = true;
	}
}

/* Parses every signature field of one message file. */
static void check_file(const char *rel, bool all_good, struct tally *t)
{
	char *data = tu_read(tu_testdata(rel), NULL);
	const char *p = data, *s;
	size_t len, index = 0;
	enum sg_sigkind kind;

	while (next_field(&p, &s, &len)) {
		struct sg_header_field f;
		struct sg_error err;
		enum sg_err rc;

		if (!signature_kind(s, len, &kind))
			continue;
		field_from(s, len, &f);
		sg_error_clear(&err);
		rc = sg_sig_parse(&f, kind, &sig, &err);
		if (rc != SG_OK && all_good)
			fail_msg("%s #%zu: %s", rel, index, err.msg);
		check_documented(rel, index, rc, &err, t);
		t->total++;
		t->ok += rc == SG_OK;
		index++;
	}
	free(data);
}

static void test_corpus_signatures(void **state)
{
	struct tally t = { 0 };

	(void)state;
	for (size_t k = 0; k < sizeof(folders) / sizeof(folders[0]); k++) {
		DIR *dir = opendir(tu_testdata(folders[k].dir));
		struct dirent *e;

		assert_non_null(dir);
		while ((e = readdir(dir)) != NULL) {
			char rel[512];

			if (e->d_name[0] == '.' || strstr(e->d_name, folders[k].contains) == NULL ||
			    e->d_type == DT_DIR)
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", folders[k].dir, e->d_name);
			check_file(rel, folders[k].all_good, &t);
		}
		closedir(dir);
	}
	for (size_t d = 0; d < NDOC; d++) {
		if (!t.seen[d])
			fail_msg("documented case %s #%zu not found", documented[d].file,
				 documented[d].index);
	}
	/* The rest of the failures are pre-RFC 6376 signatures (v=0.5 or no
	 * v=) in the Mail::DKIM corpus, which the header contract refuses. */
	assert_int_equal(t.total, 249);
	assert_int_equal(t.ok, 190);
}

/* Each OpenDKIM signatures/NAME.sig holds a DKIM-Signature value alone. */
static void test_opendkim_signing_vectors(void **state)
{
	DIR *dir = opendir(tu_testdata("opendkim-libopendkim/signatures"));
	struct dirent *e;
	size_t n = 0;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		char rel[512], *value, *field;
		struct sg_header_field f;
		struct sg_error err;
		size_t len;

		if (strstr(e->d_name, ".sig") == NULL)
			continue;
		snprintf(rel, sizeof(rel), "opendkim-libopendkim/signatures/%s", e->d_name);
		value = tu_read(tu_testdata(rel), &len);
		field = malloc(len + 17);
		assert_non_null(field);
		len = (size_t)sprintf(field, "DKIM-Signature: %s", value);
		while (len > 0 && (field[len - 1] == '\n' || field[len - 1] == '\r'))
			len--;
		field_from(field, len, &f);
		if (sg_sig_parse(&f, SG_KIND_DKIM, &sig, &err) != SG_OK)
			fail_msg("%s: %s", rel, err.msg);
		assert_string_equal(sig.domain + strlen(sig.domain) - 4, ".com");
		free(field);
		free(value);
		n++;
	}
	closedir(dir);
	assert_int_equal(n, 37);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6376_a2),
		cmocka_unit_test(test_rfc8463_a3),
		cmocka_unit_test(test_corpus_signatures),
		cmocka_unit_test(test_opendkim_signing_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
