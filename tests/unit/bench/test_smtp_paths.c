/*
 * NAME
 *   test_smtp_paths.c - unit tests of bench/smtp_paths.c: the SMTP envelope
 *                       smtp-load derives from From, To and Cc
 *
 * SUMMARY
 *   Display names, quoted strings with commas and angle brackets,
 *   comments, folded fields, several recipients over To and Cc, the first
 *   From only, fields in the body ignored, and the refusals: no From, no
 *   recipient, an unterminated '<', a bad address, an over-long field, too
 *   many recipients.
 */
#include "testutil.h"

#include "smtp_bench.h"

static bool envelope(const char *msg, struct sg_smtp_envelope *env, char *why)
{
	sg_smtp_envelope_init(env, 4);
	return smtp_envelope_of(msg, strlen(msg), env, why, SMTP_WHY_MAX);
}

static void test_display_names(void **state)
{
	struct sg_smtp_envelope env;
	char why[SMTP_WHY_MAX] = "";

	(void)state;
	assert_true(envelope("From: \"Example Store\" <news@mail.example.net>\r\n"
			     "To: \"Pavel Schmidt\" <Pavel.Schmidt@mail.example.com>\r\n"
			     "Subject: x\r\n\r\nbody\r\n", &env, why));
	assert_string_equal(env.mail_from, "news@mail.example.net");
	assert_int_equal(env.n_rcpt, 1);
	assert_string_equal(env.rcpt[0], "Pavel.Schmidt@mail.example.com");
	sg_smtp_envelope_free(&env);
}

static void test_lists_quotes_comments(void **state)
{
	struct sg_smtp_envelope env;
	char why[SMTP_WHY_MAX] = "";

	(void)state;
	assert_true(envelope("from: a@b.example (the sender)\r\n"
			     "To: \"Doe, John <x>\" <john@c.example>,\r\n"
			     " jane@d.example (Jane, J.)\r\n"
			     "CC: <e@f.example>\r\n"
			     "From: second@ignored.example\r\n"
			     "\r\n"
			     "To: body@not.example\r\n", &env, why));
	assert_string_equal(env.mail_from, "a@b.example");
	assert_int_equal(env.n_rcpt, 3);
	assert_string_equal(env.rcpt[0], "john@c.example");
	assert_string_equal(env.rcpt[1], "jane@d.example");
	assert_string_equal(env.rcpt[2], "e@f.example");
	sg_smtp_envelope_free(&env);
}

static void test_bare_lf_and_no_body(void **state)
{
	struct sg_smtp_envelope env;
	char why[SMTP_WHY_MAX] = "";

	(void)state;
	assert_true(envelope("From: <a@b.example>\nTo: c@d.example", &env, why));
	assert_string_equal(env.mail_from, "a@b.example");
	assert_int_equal(env.n_rcpt, 1);
	assert_string_equal(env.rcpt[0], "c@d.example");
	sg_smtp_envelope_free(&env);
}

static void expect_refusal(const char *msg, const char *reason)
{
	struct sg_smtp_envelope env;
	char why[SMTP_WHY_MAX] = "";

	assert_false(envelope(msg, &env, why));
	if (strstr(why, reason) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, reason);
	sg_smtp_envelope_free(&env);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refusal("To: c@d.example\r\n\r\n", "no address in a From field");
	expect_refusal("From: a@b.example\r\n\r\nTo: c@d.example\r\n",
		       "no address in a To or Cc field");
	expect_refusal("From: a@b.example\r\nTo: <c@d.example\r\n\r\n", "'<' without '>'");
	expect_refusal("From: a@b.example\r\nTo: not an address\r\n\r\n", "address \"<");
	expect_refusal("From: a@b.example\r\nTo: a@b.example, b@b.example, c@b.example, "
		       "d@b.example, e@b.example\r\n\r\n", "too many recipients");
}

static void test_long_field(void **state)
{
	size_t n = SMTP_FIELD_MAX + 100;
	char *msg = malloc(n + 64);

	(void)state;
	assert_non_null(msg);
	strcpy(msg, "From: a@b.example\r\nTo: c@d.example,\r\n ");
	memset(msg + strlen(msg), 'x', n);
	strcpy(msg + strlen("From: a@b.example\r\nTo: c@d.example,\r\n ") + n, "\r\n\r\n");
	expect_refusal(msg, "To field longer than");
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_display_names),
		cmocka_unit_test(test_lists_quotes_comments),
		cmocka_unit_test(test_bare_lf_and_no_body),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_long_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
