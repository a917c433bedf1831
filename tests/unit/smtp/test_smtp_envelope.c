/*
 * NAME
 *   test_smtp_envelope.c - unit tests for dataplane/smtp/smtp_envelope.c
 *
 * SUMMARY
 *   The envelope: reverse path set and too long, recipients up to
 *   max_rcpt and one past, reset and free (twice), zero max_rcpt. The path
 *   parser: a table of good paths (plain, null when allowed, postmaster
 *   when allowed, source route dropped, quoted local parts with spaces and
 *   escapes, address literals, atext specials) with what is stored and
 *   where parsing ends, and bad ones (missing brackets, empty atoms, bad
 *   domains, spaces, 8-bit and control bytes, unterminated quotes, empty
 *   literal, a route without ':') with the offset in the message; the 256
 *   octet path limit at 256 and 257.
 */
#include "testutil.h"

#include "smtp_envelope.h"

static void test_envelope(void **state)
{
	struct sg_smtp_envelope env;
	char long_addr[300];

	(void)state;
	sg_smtp_envelope_init(&env, 2);
	assert_int_equal(env.n_rcpt, 0);
	assert_string_equal(env.mail_from, "");
	assert_int_equal(sg_smtp_envelope_set_from(&env, "a@b.c"), SG_OK);
	assert_string_equal(env.mail_from, "a@b.c");
	memset(long_addr, 'x', sizeof(long_addr));
	long_addr[SG_SMTP_PATH_MAX] = '\0';
	assert_int_equal(sg_smtp_envelope_set_from(&env, long_addr), SG_E_LIMIT);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, long_addr), SG_E_LIMIT);
	long_addr[SG_SMTP_PATH_MAX - 1] = '\0';
	assert_int_equal(sg_smtp_envelope_set_from(&env, long_addr), SG_OK);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, "r1@x.y"), SG_OK);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, long_addr), SG_OK);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, "r3@x.y"), SG_E_LIMIT);
	assert_int_equal(env.n_rcpt, 2);
	assert_string_equal(env.rcpt[0], "r1@x.y");
	env.size_param = 5;
	env.body = SG_SMTP_BODY_8BITMIME;
	env.auth_user = "u";
	sg_smtp_envelope_reset(&env);
	assert_int_equal(env.n_rcpt, 0);
	assert_string_equal(env.mail_from, "");
	assert_int_equal(env.size_param, 0);
	assert_int_equal(env.body, SG_SMTP_BODY_NONE);
	assert_null(env.auth_user);
	assert_int_equal(env.max_rcpt, 2);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, "again@x.y"), SG_OK);
	sg_smtp_envelope_free(&env);
	sg_smtp_envelope_free(&env);

	sg_smtp_envelope_init(&env, 0);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, "r@x.y"), SG_E_LIMIT);
	sg_smtp_envelope_free(&env);
}

static const struct {
	const char *in;
	bool allow_null, allow_postmaster;
	const char *out;
	size_t end;
} good[] = {
	{ "<a@b.example>", false, false, "a@b.example", 13 },
	{ "<a@b.example> SIZE=1", false, false, "a@b.example", 13 },
	{ "<>", true, false, "", 2 },
	{ "<> BODY=7BIT", true, false, "", 2 },
	{ "<postmaster>", false, true, "postmaster", 12 },
	{ "<PostMaster>", false, true, "PostMaster", 12 },
	{ "<postmaster@x.example>", false, false, "postmaster@x.example", 22 },
	{ "<@r1.example,@r2.example:u@d.example>", false, false, "u@d.example", 37 },
	{ "<\"john doe\"@d.example>", false, false, "\"john doe\"@d.example", 22 },
	{ "<\"a\\\"b\"@d.example>", false, false, "\"a\\\"b\"@d.example", 18 },
	{ "<u@[192.0.2.1]>", false, false, "u@[192.0.2.1]", 15 },
	{ "<u@[IPv6:2001:db8::1]>", false, false, "u@[IPv6:2001:db8::1]", 22 },
	{ "<a.b+tag=x{y}|~!#$%&'*/?^_`@sub-1.d.example>", false, false,
	  "a.b+tag=x{y}|~!#$%&'*/?^_`@sub-1.d.example", 44 },
	{ "<u@localhost>", false, false, "u@localhost", 13 },
};

static const struct {
	const char *in;
	bool allow_null, allow_postmaster;
	size_t offset;
} bad[] = {
	{ "a@b.example", true, true, 0 },
	{ "", true, true, 0 },
	{ "<>", false, true, 1 },
	{ "<postmaster>", true, false, 11 },
	{ "<a@b.example", true, true, 12 },
	{ "<a@b.example x>", true, true, 12 },
	{ "<@>", true, true, 1 },
	{ "<@r.example u@d.example>", true, true, 1 },
	{ "<a@>", true, true, 3 },
	{ "<@a>", true, true, 1 },
	{ "<a>", true, true, 2 },
	{ "<.a@b.c>", true, true, 1 },
	{ "<a.@b.c>", true, true, 1 },
	{ "<a..b@c.d>", true, true, 1 },
	{ "<a@b..c>", true, true, 3 },
	{ "<a@.b>", true, true, 3 },
	{ "<a@b.>", true, true, 3 },
	{ "<a@b_c.d>", true, true, 4 },
	{ "<a b@c.d>", true, true, 2 },
	{ "<caf\xc3\xa9@c.d>", true, true, 4 },
	{ "<a\x01@c.d>", true, true, 2 },
	{ "<\"a@c.d>", true, true, 1 },
	{ "<\"a\x01\"@c.d>", true, true, 1 },
	{ "<\"a\\\xff\"@c.d>", true, true, 1 },
	{ "<a@[]>", true, true, 3 },
	{ "<a@[1.2 3]>", true, true, 3 },
	{ "<a@[1[2]>", true, true, 3 },
	{ "<a@b.c>>", false, false, SIZE_MAX },	/* ok, end at 7 (caller checks rest) */
};

static void test_path_parse(void **state)
{
	char out[SG_SMTP_PATH_MAX];
	const char *end;
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		enum sg_err rc = sg_smtp_path_parse(good[i].in, good[i].allow_null,
						    good[i].allow_postmaster, out, sizeof(out),
						    &end, &err);

		if (rc != SG_OK)
			fail_msg("%s: %s", good[i].in, err.msg);
		assert_string_equal(out, good[i].out);
		assert_int_equal(end - good[i].in, good[i].end);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum sg_err rc;

		sg_error_clear(&err);
		rc = sg_smtp_path_parse(bad[i].in, bad[i].allow_null, bad[i].allow_postmaster,
					out, sizeof(out), &end, &err);
		if (bad[i].offset == SIZE_MAX) {
			assert_int_equal(rc, SG_OK);
			assert_int_equal(end - bad[i].in, 7);
			continue;
		}
		if (rc != SG_E_SYNTAX)
			fail_msg("%s: accepted", tu_escaped(bad[i].in, strlen(bad[i].in)));
		if (err.offset != bad[i].offset)
			fail_msg("%s: offset %llu, wanted %zu (%s)", tu_escaped(bad[i].in,
				 strlen(bad[i].in)), (unsigned long long)err.offset,
				 bad[i].offset, err.msg);
		assert_non_null(strstr(err.msg, "at offset"));
	}
	assert_int_equal(sg_smtp_path_parse("<a@b.c>", false, false, out, sizeof(out), &end,
					    NULL), SG_OK);
	assert_int_equal(sg_smtp_path_parse("<a@>", false, false, out, sizeof(out), &end,
					    NULL), SG_E_SYNTAX);
}

static void test_path_limit(void **state)
{
	char path[400], out[SG_SMTP_PATH_MAX];
	const char *end;
	struct sg_error err;

	(void)state;
	/* "<" + 249 x + "@b.cd>": 256 octets */
	memset(path, 'x', sizeof(path));
	path[0] = '<';
	memcpy(path + 250, "@b.cd>", 7);
	assert_int_equal(strlen(path), 256);
	assert_int_equal(sg_smtp_path_parse(path, false, false, out, sizeof(out), &end, &err),
			 SG_OK);
	assert_int_equal(strlen(out), 254);
	memcpy(path + 250, "@b.cde>", 8);	/* 257 */
	assert_int_equal(sg_smtp_path_parse(path, false, false, out, sizeof(out), &end, &err),
			 SG_E_LIMIT);
	assert_string_equal(err.msg, "path of 257 octets is longer than 256");
	/* a short output buffer is a limit too */
	assert_int_equal(sg_smtp_path_parse("<abc@d.e>", false, false, out, 7, &end, &err),
			 SG_E_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_path_parse),
		cmocka_unit_test(test_path_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
