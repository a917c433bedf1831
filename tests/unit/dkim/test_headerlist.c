/*
 * NAME
 *   test_headerlist.c - unit tests for dataplane/dkim/headerlist.c
 *
 * SUMMARY
 *   Parsing: the default list, every suffix, tolerated whitespace, each
 *   refusal with its code, entry number and offset (empty entry, bad byte,
 *   misplaced suffix, long name, too many entries, long text, missing or
 *   optional From). Expansion: each mode with present and absent fields,
 *   case-insensitive counting, the cap. Selection: bottom-up order,
 *   repeated names, missing names, the skipped signature field (also via a
 *   copy of its struct), scratch that arrives dirty.
 */
#include "testutil.h"

#include "headerlist.h"

/* A header field over a string literal, parsed like message.c does. */
static struct sg_header_field field(const char *raw)
{
	struct sg_header_field f = { .raw = raw, .len = strlen(raw), .line = 1 };
	const char *colon = strchr(raw, ':');
	size_t n;

	assert_non_null(colon);
	n = (size_t)(colon - raw);
	while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
		n--;
	f.name_len = n;
	f.value_off = (size_t)(colon - raw) + 1;
	return f;
}

static enum sg_err parse(const char *text, struct sg_headerlist *hl, struct sg_error *err)
{
	sg_error_clear(err);
	return sg_headerlist_parse(text, hl, err);
}

static void expect_entry(const struct sg_headerlist *hl, size_t i, const char *name,
			 enum sg_hl_mode mode)
{
	assert_true(i < hl->count);
	assert_string_equal(hl->entries[i].name, name);
	assert_int_equal(hl->entries[i].mode, mode);
}

/* Expects a refusal with code, offset and a message containing 'part'. */
static void expect_refused(const char *text, enum sg_err code, uint64_t offset,
			   const char *part)
{
	struct sg_headerlist hl;
	struct sg_error err;

	assert_int_equal(parse(text, &hl, &err), code);
	assert_int_equal(err.code, code);
	assert_int_equal(err.offset, offset);
	if (strstr(err.msg, part) == NULL)
		fail_msg("error for \"%s\" is \"%s\", expected it to mention \"%s\"", text,
			 err.msg, part);
	assert_int_equal(hl.count, 0);
}

static void test_parse_default(void **state)
{
	struct sg_headerlist hl;
	struct sg_error err;

	(void)state;
	assert_int_equal(parse(SG_HEADERLIST_DEFAULT, &hl, &err), SG_OK);
	assert_int_equal(hl.count, 16);
	expect_entry(&hl, 0, "From", SG_HL_ONE);
	expect_entry(&hl, 1, "Sender", SG_HL_ONE_OPTIONAL);
	expect_entry(&hl, 3, "Subject", SG_HL_ONE);
	expect_entry(&hl, 15, "List-Unsubscribe-Post", SG_HL_ONE_OPTIONAL);
}

static void test_parse_suffixes_and_whitespace(void **state)
{
	struct sg_headerlist hl;
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("From:Subject?:Received*:X-Foo+", &hl, &err), SG_OK);
	assert_int_equal(hl.count, 4);
	expect_entry(&hl, 0, "From", SG_HL_ONE);
	expect_entry(&hl, 1, "Subject", SG_HL_ONE_OPTIONAL);
	expect_entry(&hl, 2, "Received", SG_HL_ALL);
	expect_entry(&hl, 3, "X-Foo", SG_HL_ALL_OPTIONAL);
	assert_int_equal(parse(" From : Subject?\t:\r\n To ", &hl, &err), SG_OK);
	assert_int_equal(hl.count, 3);
	expect_entry(&hl, 0, "From", SG_HL_ONE);
	expect_entry(&hl, 1, "Subject", SG_HL_ONE_OPTIONAL);
	expect_entry(&hl, 2, "To", SG_HL_ONE);
	/* ftext is wide: every printable byte but ':' and the suffixes */
	assert_int_equal(parse("from*:!#$%&'.^_`{|}~\"(),;<>@[]\\/=0", &hl, &err), SG_OK);
	expect_entry(&hl, 0, "from", SG_HL_ALL);
	expect_entry(&hl, 1, "!#$%&'.^_`{|}~\"(),;<>@[]\\/=0", SG_HL_ONE);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	expect_refused("", SG_E_SYNTAX, 0, "entry 1 at offset 0 is empty");
	expect_refused("From::To", SG_E_SYNTAX, 5, "entry 2 at offset 5 is empty");
	expect_refused("From:", SG_E_SYNTAX, 5, "entry 2");
	expect_refused("From: \t :To", SG_E_SYNTAX, 8, "is empty");
	expect_refused("From:Sub ject", SG_E_SYNTAX, 8, "byte 0x20 at offset 8");
	expect_refused("From:Caf\xc3\xa9", SG_E_SYNTAX, 8, "byte 0xc3");
	expect_refused("From:A\x7f", SG_E_SYNTAX, 6, "byte 0x7f");
	expect_refused("From:Subj?ect", SG_E_SYNTAX, 9, "'?' at offset 9");
	expect_refused("From:Subject??", SG_E_SYNTAX, 12, "'?' at offset 12");
	expect_refused("From:*+", SG_E_SYNTAX, 5, "'*' at offset 5");
	expect_refused("From: ?", SG_E_SYNTAX, 6, "no field name");
	expect_refused("Subject:To", SG_E_SYNTAX, 0, "no From");
	expect_refused("From?:To", SG_E_SYNTAX, 0, "From must be signed");
	expect_refused("To:from+", SG_E_SYNTAX, 0, "From must be signed");
}

static void test_parse_limits(void **state)
{
	char text[9000];
	struct sg_headerlist hl;
	struct sg_error err;
	size_t n;

	(void)state;
	/* a 76-byte name is fine, 77 is not */
	n = (size_t)snprintf(text, sizeof(text), "From:");
	memset(text + n, 'X', 76);
	text[n + 76] = '\0';
	assert_int_equal(parse(text, &hl, &err), SG_OK);
	assert_int_equal(strlen(hl.entries[1].name), 76);
	strcpy(text + n + 76, "X?");
	expect_refused(text, SG_E_LIMIT, 5, "longer than 76");
	/* 64 entries are fine, 65 are not */
	n = (size_t)snprintf(text, sizeof(text), "From");
	for (int i = 1; i < 64; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, ":X-%d", i);
	assert_int_equal(parse(text, &hl, &err), SG_OK);
	assert_int_equal(hl.count, 64);
	strcpy(text + n, ":X-65");
	expect_refused(text, SG_E_LIMIT, n + 1, "more than 64 entries");
	/* the text itself */
	memset(text, ' ', sizeof(text) - 1);
	memcpy(text, "From", 4);
	text[8192] = '\0';
	assert_int_equal(parse(text, &hl, &err), SG_OK);
	text[8192] = ' ';
	text[8193] = '\0';
	expect_refused(text, SG_E_LIMIT, 8192, "longer than 8192");
	assert_int_equal(parse(NULL, &hl, &err), SG_E_ARG);
}

static void expect_names(const struct sg_name_ref *names, size_t n, const char *const *want,
			 size_t nwant)
{
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		if (names[i].len != strlen(want[i]) || memcmp(names[i].s, want[i], names[i].len))
			fail_msg("h= name %zu is \"%.*s\", expected \"%s\"", i, (int)names[i].len,
				 names[i].s, want[i]);
	}
}

static void test_expand(void **state)
{
	const struct sg_header_field fields[] = {
		field("Received: r1"), field("From: a@example.com"), field("RECEIVED: r2"),
		field("subject: hi"), field("To: b@example.net"),
	};
	static const char *const want[] = {
		"From", "Cc", "Received", "Received", "Received", "Received", "X-None",
		"Subject", "To",
	};
	struct sg_headerlist hl;
	struct sg_error err;
	struct sg_name_ref names[16];
	size_t n;

	(void)state;
	assert_int_equal(parse("From:Cc:Cc?:Received*:Received+:X-None*:X-None+:Subject:To?",
			       &hl, &err), SG_OK);
	assert_int_equal(sg_headerlist_expand(&hl, fields, 5, names, 16, &n), SG_OK);
	expect_names(names, n, want, 9);
	assert_ptr_equal(names[7].s, hl.entries[7].name);	/* the list's spelling */
	assert_int_equal(sg_headerlist_expand(&hl, fields, 5, names, 9, &n), SG_OK);
	assert_int_equal(n, 9);
	assert_int_equal(sg_headerlist_expand(&hl, fields, 5, names, 8, &n), SG_E_LIMIT);
	assert_int_equal(n, 0);
	/* no fields at all: only the asserting entries remain */
	assert_int_equal(sg_headerlist_expand(&hl, NULL, 0, names, 16, &n), SG_OK);
	expect_names(names, n, (const char *const[]){ "From", "Cc", "Received", "X-None",
						      "Subject" }, 5);
}

static void test_mentions(void **state)
{
	struct sg_headerlist hl;
	struct sg_header_field from = field("FROM : a"), cc = field("Cc: b");
	struct sg_header_field sub = field("Subject: x");

	(void)state;
	assert_int_equal(sg_headerlist_parse("From:Subject?:X-Y*", &hl, NULL), SG_OK);
	assert_true(sg_headerlist_mentions(&hl, &from));
	assert_true(sg_headerlist_mentions(&hl, &sub));
	assert_false(sg_headerlist_mentions(&hl, &cc));
}

static void test_select(void **state)
{
	struct sg_header_field fields[] = {
		field("From: a"), field("Subject: s"), field("Received: r1"),
		field("DKIM-Signature: v=1"), field("received : r2"), field("To: t"),
	};
	const struct sg_name_ref names[] = {
		{ "received", 8 }, { "Received", 8 }, { "RECEIVED", 8 }, { "From", 4 },
		{ "X-Missing", 9 }, { "from", 4 }, { "dkim-signature", 14 }, { "To", 2 },
	};
	unsigned char used[6];
	long picked[8];
	struct sg_header_field copy = fields[3];

	(void)state;
	memset(used, 1, sizeof(used));		/* the callee zeroes it */
	sg_select_headers(names, 8, fields, 6, NULL, used, picked);
	assert_int_equal(picked[0], 4);
	assert_int_equal(picked[1], 2);
	assert_int_equal(picked[2], -1);
	assert_int_equal(picked[3], 0);
	assert_int_equal(picked[4], -1);
	assert_int_equal(picked[5], -1);
	assert_int_equal(picked[6], 3);
	assert_int_equal(picked[7], 5);
	sg_select_headers(names, 8, fields, 6, &fields[3], used, picked);
	assert_int_equal(picked[6], -1);
	assert_int_equal(picked[0], 4);
	sg_select_headers(names, 8, fields, 6, &copy, used, picked);
	assert_int_equal(picked[6], -1);
	/* a name that is a prefix of a field name does not match it */
	sg_select_headers((const struct sg_name_ref[]){ { "Receive", 7 }, { "Tox", 2 } }, 2,
			  fields, 6, NULL, used, picked);
	assert_int_equal(picked[0], -1);
	assert_int_equal(picked[1], 5);
	sg_select_headers(names, 2, NULL, 0, NULL, NULL, picked);
	assert_int_equal(picked[0], -1);
	assert_int_equal(picked[1], -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_default),
		cmocka_unit_test(test_parse_suffixes_and_whitespace),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_mentions),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
