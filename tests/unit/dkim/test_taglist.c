/*
 * NAME
 *   test_taglist.c - unit tests for dataplane/dkim/taglist.c
 *
 * SUMMARY
 *   Well-formed lists (FWS everywhere the grammar allows it, empty values,
 *   '=' inside values, 8-bit values, trailing ';', empty list), every
 *   error with its offset (missing '=', bad names, empty tags, control
 *   bytes, duplicates), the tag-count limit, and every key record of the
 *   third-party corpora as a smoke test.
 */
#include "testutil.h"

#include "taglist.h"

static enum sg_err parse(const char *s, struct sg_taglist *tl, struct sg_error *err)
{
	sg_error_clear(err);
	return sg_taglist_parse(s, strlen(s), tl, err);
}

static void assert_tag(const struct sg_taglist *tl, const char *name, const char *value)
{
	const struct sg_tag *t = sg_taglist_get(tl, name);

	if (t == NULL)
		fail_msg("tag %s missing", name);
	assert_int_equal(t->name_len, strlen(name));
	assert_int_equal(t->value_len, strlen(value));
	assert_memory_equal(t->value, value, t->value_len);
}

static void test_simple(void **state)
{
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("a=1; b = two ;c=", &tl, &err), SG_OK);
	assert_int_equal(tl.count, 3);
	assert_tag(&tl, "a", "1");
	assert_tag(&tl, "b", "two");
	assert_tag(&tl, "c", "");
	assert_int_equal(tl.tags[0].offset, 0);
	assert_int_equal(tl.tags[1].offset, 5);
	assert_int_equal(tl.tags[2].offset, 14);
	assert_null(sg_taglist_get(&tl, "d"));
	assert_null(sg_taglist_get(&tl, ""));
}

static void test_pointers_into_input(void **state)
{
	static const char s[] = "v=1; bh=abc=";
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	assert_int_equal(parse(s, &tl, &err), SG_OK);
	assert_ptr_equal(tl.tags[0].name, s);
	assert_ptr_equal(tl.tags[0].value, s + 2);
	assert_ptr_equal(tl.tags[1].name, s + 5);
	assert_ptr_equal(tl.tags[1].value, s + 8);
	assert_tag(&tl, "bh", "abc=");		/* '=' is a VALCHAR */
}

static void test_empty_lists(void **state)
{
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	tl.count = 7;
	assert_int_equal(parse("", &tl, &err), SG_OK);
	assert_int_equal(tl.count, 0);
	assert_int_equal(parse(" \r\n\t", &tl, &err), SG_OK);
	assert_int_equal(tl.count, 0);
	assert_int_equal(sg_taglist_parse(NULL, 0, &tl, &err), SG_OK);
	assert_int_equal(tl.count, 0);
}

static void test_trailing_semicolon(void **state)
{
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("a=1;", &tl, &err), SG_OK);
	assert_int_equal(tl.count, 1);
	assert_int_equal(parse("a=1 ;\r\n ", &tl, &err), SG_OK);
	assert_int_equal(tl.count, 1);
	assert_tag(&tl, "a", "1");
}

static void test_fws_everywhere(void **state)
{
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("\r\n\tv\r\n =\r\n\t1\r\n ;\r\n h = From : To\r\n\t: Date \r\n ",
			       &tl, &err), SG_OK);
	assert_int_equal(tl.count, 2);
	assert_tag(&tl, "v", "1");
	/* Inner FWS is kept, surrounding FWS is removed. */
	assert_tag(&tl, "h", "From : To\r\n\t: Date");
}

static void test_names(void **state)
{
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	assert_int_equal(parse("x1=a; Abc_9=b; z_=c", &tl, &err), SG_OK);
	assert_tag(&tl, "x1", "a");
	assert_tag(&tl, "Abc_9", "b");
	assert_tag(&tl, "z_", "c");
	/* Names are case-sensitive: two different tags. */
	assert_int_equal(parse("a=1; A=2", &tl, &err), SG_OK);
	assert_tag(&tl, "a", "1");
	assert_tag(&tl, "A", "2");
}

static void test_value_bytes(void **state)
{
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	/* 8-bit (UTF-8) bytes are allowed in values. */
	assert_int_equal(parse("i=j\xc3\xb6rg@example.com; n=a b\tc", &tl, &err), SG_OK);
	assert_tag(&tl, "i", "j\xc3\xb6rg@example.com");
	assert_tag(&tl, "n", "a b\tc");
}

static void expect_error(const char *s, enum sg_err code, uint64_t offset, const char *words)
{
	struct sg_taglist tl;
	struct sg_error err;

	assert_int_equal(parse(s, &tl, &err), code);
	assert_int_equal(err.code, code);
	assert_int_equal(err.offset, offset);
	if (strstr(err.msg, words) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", s, err.msg, words);
	assert_int_equal(tl.count, 0);
}

static void test_missing_equals(void **state)
{
	(void)state;
	expect_error("k=rsa; t; p=abc", SG_E_SYNTAX, 8, "tag 't' has no '='");
	expect_error("a=1; b", SG_E_SYNTAX, 6, "tag 'b' has no '='");
	expect_error("abc", SG_E_SYNTAX, 3, "tag 'abc' has no '='");
	expect_error("a b=1", SG_E_SYNTAX, 2, "expected '=' after tag name 'a'");
	expect_error("a\r\n b=1", SG_E_SYNTAX, 4, "expected '=' after tag name 'a'");
}

static void test_bad_names(void **state)
{
	(void)state;
	expect_error("=1", SG_E_SYNTAX, 0, "must start with a letter");
	expect_error("1a=1", SG_E_SYNTAX, 0, "must start with a letter");
	expect_error("_a=1", SG_E_SYNTAX, 0, "must start with a letter");
	expect_error("a=1; \xc3\xa9=2", SG_E_SYNTAX, 5, "byte 0xc3");
	expect_error("a-b=1", SG_E_SYNTAX, 1, "invalid byte 0x2d in tag name 'a'");
	expect_error("a.b=1", SG_E_SYNTAX, 1, "invalid byte 0x2e");
	expect_error("\"\"", SG_E_SYNTAX, 0, "byte 0x22");
}

static void test_empty_tags(void **state)
{
	(void)state;
	expect_error(";", SG_E_SYNTAX, 0, "empty tag");
	expect_error("a=1;;b=2", SG_E_SYNTAX, 4, "empty tag");
	expect_error("a=1; ; b=2", SG_E_SYNTAX, 5, "empty tag");
	expect_error("a=1;;", SG_E_SYNTAX, 4, "empty tag");
}

static void test_control_bytes(void **state)
{
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	expect_error("a=x\x01y", SG_E_SYNTAX, 3, "control byte 0x01 in the value of tag 'a'");
	expect_error("a=1; b=\x7f", SG_E_SYNTAX, 7, "control byte 0x7f");
	expect_error("a=\x1b[31m", SG_E_SYNTAX, 2, "control byte 0x1b");
	/* NUL inside the counted string. */
	assert_int_equal(sg_taglist_parse("a=b\0c", 5, &tl, &err), SG_E_SYNTAX);
	assert_int_equal(err.offset, 3);
	assert_non_null(strstr(err.msg, "0x00"));
	/* A NUL after len is not looked at. */
	assert_int_equal(sg_taglist_parse("a=b\0c", 3, &tl, &err), SG_OK);
	assert_tag(&tl, "a", "b");
}

static void test_duplicates(void **state)
{
	(void)state;
	expect_error("a=1; b=2; a=3", SG_E_SYNTAX, 10, "duplicate tag 'a'");
	expect_error("bh=1;bh=1", SG_E_SYNTAX, 5, "duplicate tag 'bh'");
	expect_error("p=;p=", SG_E_SYNTAX, 3, "duplicate tag 'p'");
}

/* Builds "t0=0;t1=1;..." with n tags. */
static char *many_tags(size_t n)
{
	char *s = malloc(n * 16 + 1);
	size_t o = 0;

	assert_non_null(s);
	for (size_t k = 0; k < n; k++)
		o += (size_t)sprintf(s + o, "t%zu=%zu;", k, k);
	s[o] = '\0';
	return s;
}

static void test_limit(void **state)
{
	struct sg_taglist tl;
	struct sg_error err;
	char *s;

	(void)state;
	s = many_tags(SG_TAGLIST_MAX);
	assert_int_equal(parse(s, &tl, &err), SG_OK);
	assert_int_equal(tl.count, SG_TAGLIST_MAX);
	assert_tag(&tl, "t47", "47");
	free(s);
	s = many_tags(SG_TAGLIST_MAX + 1);
	assert_int_equal(parse(s, &tl, &err), SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "more than 48 tags"));
	assert_int_equal(err.offset, strstr(s, "t48=") - s);
	assert_int_equal(tl.count, 0);
	free(s);
}

static void test_long_value(void **state)
{
	size_t n = 100000;
	char *s = malloc(n + 3);
	struct sg_taglist tl;
	struct sg_error err;

	(void)state;
	assert_non_null(s);
	memcpy(s, "p=", 2);
	memset(s + 2, 'A', n);
	s[n + 2] = '\0';
	assert_int_equal(parse(s, &tl, &err), SG_OK);
	assert_int_equal(tl.tags[0].value_len, n);
	free(s);
}

static void test_null_error(void **state)
{
	struct sg_taglist tl;

	(void)state;
	assert_int_equal(sg_taglist_parse("a", 1, &tl, NULL), SG_E_SYNTAX);
	assert_int_equal(sg_taglist_parse("a=", 2, &tl, NULL), SG_OK);
}

/* Every key record of every corpus: the parser must return, and the
 * records known to be well-formed tag lists must parse. */
static void test_corpus_key_records(void **state)
{
	static const char *const dirs[] = {
		"dkim_verifier", "dkimpy", "go-msgauth", "mail-dkim", "mailauth",
		"opendkim-libopendkim", "rfc-examples",
	};
	size_t parsed = 0, failed = 0;

	(void)state;
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		char rel[128];
		char *data, *line, *save = NULL;

		snprintf(rel, sizeof(rel), "%s/keys.txt", dirs[d]);
		data = tu_read(tu_testdata(rel), NULL);
		for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *value = strchr(line, ' ');
			struct sg_taglist tl;
			struct sg_error err;

			if (value == NULL)
				continue;
			value++;
			if (parse(value, &tl, &err) == SG_OK) {
				parsed++;
				assert_true(tl.count > 0);
			} else {
				failed++;
			}
		}
		free(data);
	}
	/* Two are not tag lists: 'k=rsa; t; p=...' (mail-dkim testbad2)
	 * and '""' (mail-dkim 2023-05-ed25519-empty). */
	assert_int_equal(failed, 2);
	assert_true(parsed > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_pointers_into_input),
		cmocka_unit_test(test_empty_lists),
		cmocka_unit_test(test_trailing_semicolon),
		cmocka_unit_test(test_fws_everywhere),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_value_bytes),
		cmocka_unit_test(test_missing_equals),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_empty_tags),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_long_value),
		cmocka_unit_test(test_null_error),
		cmocka_unit_test(test_corpus_key_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
