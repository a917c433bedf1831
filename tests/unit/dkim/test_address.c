/*
 * NAME
 *   test_address.c - unit tests for dataplane/dkim/address.c
 *
 * SUMMARY
 *   sg_address_first on empty input, cap 0 and caps exactly at and one
 *   short of the address, inputs without '@', with nothing before or after
 *   it, and "<>". Then the shapes of RFC 5322 address fields: bare
 *   addr-spec, name-addr, quoted display names holding ',', '<' and '@',
 *   comments (nested, escaped, holding '<' and ','), folding and stray
 *   white space, quoted local parts (kept with their quotes), an unclosed
 *   '<', address lists (the first one), 8-bit bytes, and input that is not
 *   NUL-terminated (only len bytes are read).
 */
#include "testutil.h"

#include "address.h"

static void expect(const char *value, const char *want)
{
	char out[256];

	memset(out, 'Z', sizeof(out));
	if (!sg_address_first(value, strlen(value), out, sizeof(out)))
		fail_msg("\"%s\": no address", value);
	assert_string_equal(out, want);
}

static void expect_none(const char *value)
{
	char out[256];

	if (sg_address_first(value, strlen(value), out, sizeof(out)))
		fail_msg("\"%s\": unexpected address \"%s\"", value, out);
}

static void test_edges(void **state)
{
	char out[8];

	(void)state;
	assert_false(sg_address_first("a@b", 3, out, 0));
	assert_false(sg_address_first("", 0, out, sizeof(out)));
	assert_true(sg_address_first("a@b", 3, out, 4));	/* exactly fits */
	assert_string_equal(out, "a@b");
	assert_false(sg_address_first("a@b", 3, out, 3));	/* one short */
	assert_false(sg_address_first("<abc@de>", 8, out, 6));
	assert_true(sg_address_first("<abc@de>", 8, out, 7));
	assert_string_equal(out, "abc@de");
	expect_none("   ");
	expect_none("undisclosed-recipients");
	expect_none("<>");
	expect_none("@example.com");
	expect_none("joe@");
	expect_none("Joe <joe@>");
	expect_none("(only a comment)");
	/* a quoted string or comment left open: what follows is not an address */
	expect_none("\"unclosed quote joe@example.com");
	expect_none("Joe \"Q <joe@example.com>");
	expect_none("joe@example.com (unclosed");
	expect_none("(unclosed joe@example.com");
}

static void test_shapes(void **state)
{
	(void)state;
	expect("joe@example.com", "joe@example.com");
	expect("  joe@example.com  ", "joe@example.com");
	expect("Joe Doe <joe@example.com>", "joe@example.com");
	expect("<joe@example.com>", "joe@example.com");
	expect("\"Doe, Joe\" <joe@example.com>", "joe@example.com");
	expect("\"Joe <x@y>\" <joe@example.com>", "joe@example.com");
	expect("\"a@b\" <joe@example.com>", "joe@example.com");
	expect("joe@example.com (Joe Doe)", "joe@example.com");
	expect("(Joe) joe@example.com", "joe@example.com");
	expect("joe@example.com (a <comment>, with a comma)", "joe@example.com");
	expect("joe(x)@(y)example.com", "joe@example.com");
	expect("((nested) comment) joe@example.com", "joe@example.com");
	expect("(escaped \\) paren) joe@example.com", "joe@example.com");
	expect("Joe\r\n\t<joe@example.com>", "joe@example.com");
	expect("joe @ example.com", "joe@example.com");
	expect("\"joe doe\"@example.com", "\"joe doe\"@example.com");
	expect("\"joe@home\"@example.com", "\"joe@home\"@example.com");
	expect("\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com");
	expect("Joe <joe@example.com", "joe@example.com");	/* '>' missing */
	expect("joe@example.com, ann@example.org", "joe@example.com");
	expect("Joe <joe@example.com>, Ann <ann@example.org>", "joe@example.com");
	expect("J\xc3\xb6 <j\xc3\xb6@ex\xc3\xa4mple.org>", "j\xc3\xb6@ex\xc3\xa4mple.org");
}

/* Only len bytes are read: the value is a slice of a larger buffer. */
static void test_slice(void **state)
{
	static const char buf[] = "joe@example.com>, rest@example.org";
	char out[64];

	(void)state;
	assert_true(sg_address_first(buf, 11, out, sizeof(out)));
	assert_string_equal(out, "joe@example");
	assert_false(sg_address_first(buf, 4, out, sizeof(out)));	/* "joe@" */
	assert_true(sg_address_first("<a@b>c@d", 5, out, sizeof(out)));
	assert_string_equal(out, "a@b");
}

static void test_long_input(void **state)
{
	char *value = malloc(20001), out[300];

	(void)state;
	assert_non_null(value);
	memset(value, 'a', 20000);
	value[10000] = '@';
	value[20000] = '\0';
	assert_false(sg_address_first(value, 20000, out, sizeof(out)));
	/* a long display name in front is fine */
	memset(value, 'n', 20000);
	memcpy(value + 20000 - 20, "<joe@example.com>   ", 20);
	assert_true(sg_address_first(value, 20000, out, sizeof(out)));
	assert_string_equal(out, "joe@example.com");
	free(value);
}

/* Builds a field over a static string ("Name: value"). */
static struct sg_header_field field(const char *raw)
{
	const char *colon = strchr(raw, ':');

	return (struct sg_header_field){ .raw = raw, .len = strlen(raw),
					 .name_len = (size_t)(colon - raw),
					 .value_off = (size_t)(colon - raw) + 1, .line = 1 };
}

static void test_dk_identity(void **state)
{
	struct sg_dk_identity id = { "", "" };
	struct sg_header_field f;
	bool from_sender = true;

	(void)state;
	assert_string_equal(sg_dk_identity_address(&id, &from_sender), "");
	assert_false(from_sender);
	f = field("From: Joe <joe@example.com>");
	sg_dk_identity_note(&id, &f);
	f = field("Subject: a@b.example");	/* other fields never count */
	sg_dk_identity_note(&id, &f);
	assert_string_equal(sg_dk_identity_address(&id, &from_sender), "joe@example.com");
	assert_false(from_sender);
	f = field("sender: list@lists.example.com");	/* names are case-insensitive */
	sg_dk_identity_note(&id, &f);
	assert_string_equal(sg_dk_identity_address(&id, &from_sender),
			    "list@lists.example.com");
	assert_true(from_sender);
	/* the last one noted wins; one without an address clears its slot */
	f = field("Sender: nobody");
	sg_dk_identity_note(&id, &f);
	assert_string_equal(sg_dk_identity_address(&id, &from_sender), "joe@example.com");
	assert_false(from_sender);
	f = field("From: second@example.org");
	sg_dk_identity_note(&id, &f);
	assert_string_equal(sg_dk_identity_address(&id, &from_sender), "second@example.org");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_slice),
		cmocka_unit_test(test_long_input),
		cmocka_unit_test(test_dk_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
