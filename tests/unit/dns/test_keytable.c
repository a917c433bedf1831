/*
 * NAME
 *   test_keytable.c - unit tests for dataplane/dns/keytable.c
 *
 * SUMMARY
 *   Every third-party keys.txt under ../shared/testdata loads and answers
 *   each of its lines with the exact value (checked against a naive split
 *   of the same line, and against hand-copied values for the RFC 6376
 *   key and the odd mail-dkim records). Then the format edges (comments,
 *   blank lines, CRLF, tabs, trailing dot, duplicates, no final newline),
 *   case-insensitive lookups, the output cap, every rejected line with its
 *   file, line and offset, the size limits, sg_keytable_set, and a table of
 *   100k records.
 */
#include "testutil.h"

#include <stdbool.h>
#include <unistd.h>

#include "keytable.h"

#define RFC6376_KEY \
	"v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7" \
	"/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fz" \
	"fVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB"

static const char *const corpus_tables[] = {
	"dkim_verifier/keys.txt", "dkimpy/keys.txt", "go-msgauth/keys.txt",
	"mail-dkim/keys.txt", "mailauth/keys.txt", "opendkim-libopendkim/keys.txt",
	"rfc-examples/keys.txt", "dkimpy/keys-override/rfc6376.signed.rsa.msg.txt",
};

#define NTABLES (sizeof(corpus_tables) / sizeof(corpus_tables[0]))

/* Looks name up in t; returns the status, the value in txt. */
static enum sg_lookup_status ask(struct sg_keytable *t, const char *name, char *txt, size_t cap,
				 char *why, size_t why_cap)
{
	struct sg_key_lookup lookup = sg_keytable_lookup(t);

	return lookup.lookup(lookup.env, name, txt, cap, why, why_cap);
}

/* Asserts that name answers exactly want. */
static void assert_answer(struct sg_keytable *t, const char *name, const char *want)
{
	char txt[8192], why[128] = "";

	if (ask(t, name, txt, sizeof(txt), why, sizeof(why)) != SG_LOOKUP_OK)
		fail_msg("%s: not found (%s)", name, why);
	assert_string_equal(txt, want);
}

static void assert_no_record(struct sg_keytable *t, const char *name)
{
	char txt[64], why[128] = "";

	assert_int_equal(ask(t, name, txt, sizeof(txt), why, sizeof(why)), SG_LOOKUP_NOTFOUND);
	assert_non_null(strstr(why, "no record"));
}

static struct sg_keytable *parse_ok(const char *text)
{
	struct sg_keytable *t = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_keytable_parse(text, strlen(text), &t, &err) != SG_OK)
		fail_msg("parse failed: %s", err.msg);
	assert_non_null(t);
	return t;
}

/* Parses text that must fail with code at line; returns the message. */
static void parse_bad(const char *text, size_t len, enum sg_err code, uint32_t line,
		      uint64_t offset, const char *fragment)
{
	struct sg_keytable *t = (struct sg_keytable *)&t;
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(sg_keytable_parse(text, len, &t, &err), code);
	assert_null(t);
	assert_int_equal(err.code, code);
	assert_int_equal(err.line, line);
	assert_int_equal(err.offset, offset);
	if (strstr(err.msg, fragment) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

/* Checks every "NAME VALUE" line of path against the loaded table. */
static void check_every_line(struct sg_keytable *t, const char *path)
{
	size_t len, records = 0;
	char *text = tu_read(path, &len);

	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char *value = strchr(line, ' ');

		if (line[0] == '#' || value == NULL)
			continue;
		*value++ = '\0';
		while (*value == ' ')
			value++;
		assert_answer(t, line, value);
		records++;
	}
	assert_true(records > 0);
	free(text);
}

static void test_corpus_tables_load(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTABLES; i++) {
		const char *path = tu_testdata(corpus_tables[i]);
		struct sg_keytable *t = NULL;
		struct sg_error err;

		sg_error_clear(&err);
		if (sg_keytable_load(path, &t, &err) != SG_OK)
			fail_msg("%s: %s", path, err.msg);
		check_every_line(t, path);
		sg_keytable_free(t);
	}
}

static struct sg_keytable *load_corpus(const char *rel)
{
	struct sg_keytable *t = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_keytable_load(tu_testdata(rel), &t, &err) != SG_OK)
		fail_msg("%s: %s", rel, err.msg);
	return t;
}

static void test_corpus_exact_values(void **state)
{
	struct sg_keytable *t;
	char txt[1024];

	(void)state;
	t = load_corpus("rfc-examples/keys.txt");
	assert_answer(t, "brisbane._domainkey.example.com", RFC6376_KEY);
	assert_answer(t, "brisbane._domainkey.football.example.com",
		     "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	assert_no_record(t, "nonexistent._domainkey.example.com");
	sg_keytable_free(t);

	t = load_corpus("mail-dkim/keys.txt");
	/* The README: this TXT value is the literal two-character string "". */
	assert_answer(t, "2023-05-ed25519-empty._domainkey.wander.science", "\"\"");
	assert_answer(t, "testrevoked._domainkey.messiah.edu", "k=rsa; t=y; p=");
	/* Inner and trailing white space are part of the value. */
	assert_int_equal(ask(t, "test2._domainkey.messiah.edu", txt, sizeof(txt), NULL, 0),
			 SG_LOOKUP_OK);
	assert_memory_equal(txt, "v=DKIM1; s=email:web:fine; x1 = extra ; t = y:n:extra;", 54);
	assert_string_equal(txt + strlen(txt) - 5, "== ; ");
	sg_keytable_free(t);

	t = load_corpus("dkimpy/keys.txt");
	assert_answer(t, "test._domainkey.legitimate.com(.attacker.com",
		     "v=DKIM1; g=*; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6"
		     "NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBs"
		     "CR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3Q"
		     "IDAQAB");
	sg_keytable_free(t);
}

static void test_case_and_trailing_dot(void **state)
{
	struct sg_keytable *t;
	char txt[64];

	(void)state;
	t = parse_ok("Sel._DomainKey.Example.COM v=DKIM1; p=AbC\n");
	assert_answer(t, "sel._domainkey.example.com", "v=DKIM1; p=AbC");
	assert_answer(t, "SEL._DOMAINKEY.EXAMPLE.COM", "v=DKIM1; p=AbC");
	assert_answer(t, "sel._domainkey.example.com.", "v=DKIM1; p=AbC");
	assert_no_record(t, "sel._domainkey.example.com..");
	assert_no_record(t, "sel._domainkey.example.co");
	assert_no_record(t, "xsel._domainkey.example.com");
	assert_no_record(t, "");
	assert_no_record(t, ".");
	/* A trailing dot in the table is ignored the same way. */
	sg_keytable_free(t);
	t = parse_ok("a.example. one\n");
	assert_answer(t, "a.example", "one");
	assert_answer(t, "A.EXAMPLE.", "one");
	assert_int_equal(ask(t, "a.example", txt, sizeof(txt), NULL, 0), SG_LOOKUP_OK);
	sg_keytable_free(t);
}

static void test_format_edges(void **state)
{
	static const char text[] =
		"# a comment\r\n"
		"\n"
		"   \t \n"
		"tab.example\t\tv=DKIM1;\tp=x\r\n"
		"crlf.example value\r\n"
		"dup.example first\n"
		"DUP.example. second\n"
		"hash.example #not-a-comment\n"
		"bare.cr.example a\rb\n"
		"last.example no final newline";
	struct sg_keytable *t = NULL;
	struct sg_error err;

	(void)state;
	/* bare.cr.example holds a CR inside its value: refused, on line 9. */
	parse_bad(text, sizeof(text) - 1, SG_E_SYNTAX, 9, strstr(text, "a\rb") - text + 1,
		  "control character in value (byte 0x0d, column 18)");
	sg_error_clear(&err);
	assert_int_equal(sg_keytable_parse(text, strstr(text, "bare.cr") - text, &t, &err), SG_OK);
	assert_answer(t, "tab.example", "v=DKIM1;\tp=x");
	assert_answer(t, "crlf.example", "value");
	assert_answer(t, "dup.example", "first");
	assert_answer(t, "hash.example", "#not-a-comment");
	assert_no_record(t, "# a comment");
	sg_keytable_free(t);

	t = parse_ok("last.example no final newline");
	assert_answer(t, "last.example", "no final newline");
	sg_keytable_free(t);
	/* len bounds the text: nothing after it is read. */
	sg_error_clear(&err);
	assert_int_equal(sg_keytable_parse("a.example one\nb.example two\n", 14, &t, &err), SG_OK);
	assert_answer(t, "a.example", "one");
	assert_no_record(t, "b.example");
	sg_keytable_free(t);

	t = parse_ok("");
	assert_no_record(t, "a.example");
	sg_keytable_free(t);
}

static void test_bad_lines(void **state)
{
	static const char nul_line[] = "ok.example fine\nnul.example a\0b\n";
	char name254[300];

	(void)state;
	parse_bad("ok.example v\nlonely.example\n", 28, SG_E_SYNTAX, 2, 27,
		  "line 2: name without a value");
	parse_bad("ok.example v\nlonely.example \t \r\n", 32, SG_E_SYNTAX, 2, 27,
		  "line 2: name without a value");
	parse_bad("  indented.example v\n", 21, SG_E_SYNTAX, 1, 2,
		  "line 1: line starts with white space");
	parse_bad(nul_line, sizeof(nul_line) - 1, SG_E_SYNTAX, 2, 29,
		  "control character in value (byte 0x00, column 14)");
	parse_bad("a..example v\n", 13, SG_E_SYNTAX, 1, 2, "empty label in name (column 3)");
	parse_bad(".example v\n", 11, SG_E_SYNTAX, 1, 0, "empty label in name (column 1)");
	parse_bad("a.example.. v\n", 14, SG_E_SYNTAX, 1, 9, "empty label in name");
	parse_bad(". v\n", 4, SG_E_SYNTAX, 1, 0, "empty name");
	parse_bad("x\x01y.example v\n", 14, SG_E_SYNTAX, 1, 1, "control character or space");
	parse_bad("v.example a\x7f\n", 13, SG_E_SYNTAX, 1, 11, "byte 0x7f");

	memset(name254, 'a', 254);
	for (size_t i = 50; i < 254; i += 50)
		name254[i] = '.';
	memcpy(name254 + 254, " v\n", 4);
	parse_bad(name254, 257, SG_E_SYNTAX, 1, 0, "name longer than 253 bytes");
	name254[253] = ' ';	/* 253 bytes: accepted */
	sg_keytable_free(parse_ok(name254));
}

static void test_line_limit(void **state)
{
	size_t max = 64 * 1024, len = 2 + max + 2 + max + 2;
	char *text = malloc(len + 1), *p = text;
	struct sg_keytable *t;

	(void)state;
	/* Line 2 is exactly 64 KiB plus a CRLF: accepted. Line 3 is one more. */
	memcpy(p, "#\n", 2);
	p += 2;
	memcpy(p, "long.example ", 13);
	memset(p + 13, 'k', max - 13);
	memcpy(p + max, "\r\n", 2);
	p += max + 2;
	memcpy(p, "over.example ", 13);
	memset(p + 13, 'k', max - 12);
	p[max + 1] = '\n';
	text[len] = '\0';

	parse_bad(text, len, SG_E_LIMIT, 3, 2 + max + 2 + max, "line 3: line longer than 65536");
	assert_int_equal(sg_keytable_parse(text, 2 + max + 2, &t, NULL), SG_OK);
	{
		char *txt = malloc(max);
		assert_int_equal(ask(t, "long.example", txt, max, NULL, 0), SG_LOOKUP_OK);
		assert_int_equal(strlen(txt), max - 13);
		free(txt);
	}
	sg_keytable_free(t);
	free(text);
}

static void test_output_cap(void **state)
{
	struct sg_keytable *t = parse_ok("k.example 0123456789\n");
	char txt[16], why[96] = "";

	(void)state;
	memset(txt, 'X', sizeof(txt));
	assert_int_equal(ask(t, "k.example", txt, 11, why, sizeof(why)), SG_LOOKUP_OK);
	assert_string_equal(txt, "0123456789");
	assert_int_equal(ask(t, "k.example", txt, 10, why, sizeof(why)), SG_LOOKUP_INVALID);
	assert_string_equal(why, "record of 10 bytes is longer than 9");
	assert_int_equal(ask(t, "k.example", txt, 0, why, sizeof(why)), SG_LOOKUP_INVALID);
	/* A short why buffer is truncated, never overrun. */
	memset(why, 'Z', sizeof(why));
	assert_int_equal(ask(t, "absent.example", txt, sizeof(txt), why, 5), SG_LOOKUP_NOTFOUND);
	assert_string_equal(why, "no r");
	assert_int_equal(why[5], 'Z');
	assert_int_equal(ask(t, NULL, txt, sizeof(txt), why, sizeof(why)), SG_LOOKUP_INVALID);
	sg_keytable_free(t);
}

/* Writes text to a new temporary file; returns its path (static buffer). */
static const char *temp_file(const char *text, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/signet-keytable-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_load_errors(void **state)
{
	struct sg_keytable *t = (struct sg_keytable *)&t;
	struct sg_error err;
	const char *path;
	char want[128];

	(void)state;
	sg_error_clear(&err);
	assert_int_equal(sg_keytable_load("/nonexistent/keys.txt", &t, &err), SG_E_IO);
	assert_null(t);
	assert_string_equal(err.msg, "/nonexistent/keys.txt: No such file or directory");

	path = temp_file("a.example one\n\n# c\nb.example\n", 29);
	sg_error_clear(&err);
	assert_int_equal(sg_keytable_load(path, &t, &err), SG_E_SYNTAX);
	assert_null(t);
	snprintf(want, sizeof(want), "%s:4: name without a value", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.line, 4);
	unlink(path);

	path = temp_file("a.example one\n", 14);
	assert_int_equal(sg_keytable_load(path, &t, NULL), SG_OK);
	assert_answer(t, "a.example", "one");
	sg_keytable_free(t);
	unlink(path);

	assert_int_equal(sg_keytable_load(NULL, &t, NULL), SG_E_ARG);
	assert_int_equal(sg_keytable_parse("x", 1, NULL, NULL), SG_E_ARG);
}

static void test_file_size_limit(void **state)
{
	size_t limit = 16u << 20;
	char *text = malloc(limit + 1);
	struct sg_keytable *t = NULL;
	struct sg_error err;
	const char *path;

	(void)state;
	/* 16 MiB of comment lines is accepted; one byte more is not. */
	memset(text, '#', limit + 1);
	for (size_t i = 1000; i < limit + 1; i += 1000)
		text[i] = '\n';
	path = temp_file(text, limit);
	assert_int_equal(sg_keytable_load(path, &t, NULL), SG_OK);
	sg_keytable_free(t);
	unlink(path);
	path = temp_file(text, limit + 1);
	sg_error_clear(&err);
	assert_int_equal(sg_keytable_load(path, &t, &err), SG_E_LIMIT);
	assert_null(t);
	assert_non_null(strstr(err.msg, "larger than 16777216 bytes"));
	unlink(path);
	assert_int_equal(sg_keytable_parse(text, limit + 1, &t, &err), SG_E_LIMIT);
	free(text);
}

static void test_set(void **state)
{
	struct sg_keytable *t = parse_ok("a.example one\n");
	char name300[300];

	(void)state;
	assert_int_equal(sg_keytable_set(t, "A.Example.", "uno"), SG_OK);
	assert_answer(t, "a.example", "uno");
	assert_int_equal(sg_keytable_set(t, "b.example", ""), SG_OK);
	assert_answer(t, "b.example", "");
	assert_int_equal(sg_keytable_set(t, "", "v"), SG_E_ARG);
	assert_int_equal(sg_keytable_set(t, "a b", "v"), SG_E_ARG);
	assert_int_equal(sg_keytable_set(t, "c.example", "line\nbreak"), SG_E_ARG);
	assert_int_equal(sg_keytable_set(t, NULL, "v"), SG_E_ARG);
	assert_int_equal(sg_keytable_set(NULL, "d.example", "v"), SG_E_ARG);
	memset(name300, 'n', sizeof(name300) - 1);
	name300[sizeof(name300) - 1] = '\0';
	assert_int_equal(sg_keytable_set(t, name300, "v"), SG_E_ARG);
	assert_no_record(t, "c.example");
	sg_keytable_free(t);
	sg_keytable_free(NULL);
}

static void test_hundred_thousand_records(void **state)
{
	const size_t count = 100000;
	char *text = malloc(count * 64), *p = text;
	struct sg_keytable *t;
	char name[48], value[48];

	(void)state;
	for (size_t i = 0; i < count; i++)
		p += sprintf(p, "s%zu._domainkey.d%zu.example v=DKIM1; p=%zu\n", i, i % 97, i * 7);
	t = parse_ok(text);
	for (size_t i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "S%zu._domainkey.D%zu.example", i, i % 97);
		snprintf(value, sizeof(value), "v=DKIM1; p=%zu", i * 7);
		assert_answer(t, name, value);
	}
	assert_no_record(t, "s100000._domainkey.d0.example");
	sg_keytable_free(t);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_tables_load),
		cmocka_unit_test(test_corpus_exact_values),
		cmocka_unit_test(test_case_and_trailing_dot),
		cmocka_unit_test(test_format_edges),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_hundred_thousand_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
