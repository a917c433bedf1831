/*
 * NAME
 *   test_smtp_server_auth.c - unit tests for dataplane/smtp/smtp_server_auth.c
 *
 * SUMMARY
 *   AUTH PLAIN with an initial response, with "334 " and a response line,
 *   with authzid, cancelled with "*", the empty response "=", bad base64
 *   (including white space the decoder would skip), malformed responses
 *   (no NULs, one NUL, three NULs, empty authcid or password, over-long
 *   fields), wrong credentials (535, counted), other mechanisms (504), the
 *   503 refusals (not offered, before EHLO, twice, inside a transaction),
 *   AUTH not advertised in EHLO or HELP without a callback,
 *   relaying allowed after AUTH and the auth user in the envelope, the
 *   1024-octet AUTH line limit, and the callback not called for malformed
 *   input.
 */
#include "smtp_harness.h"

#include "base64.h"

static int calls;

static struct sg_smtp_server_config cfg = {
	.hostname = "relay.test",
	.max_errors = 100,
	.auth_plain = true,
	.auth_check = h_auth_ok,
	.auth_ctx = &calls,
};

/* "AUTH PLAIN <base64 of raw>\r\n" (raw may hold NULs). */
static char *auth_line(const char *prefix, const char *raw, size_t n)
{
	char *line = malloc(strlen(prefix) + sg_base64_encoded_len(n) + 3);

	assert_non_null(line);
	strcpy(line, prefix);
	sg_base64_encode((const uint8_t *)raw, n, line + strlen(prefix));
	strcat(line, "\r\n");
	return line;
}

static void expect_auth(struct harness *h, const char *raw, size_t n, const char *want)
{
	char *line = auth_line("AUTH PLAIN ", raw, n);

	h_expect(h, line, want);
	free(line);
}

static void test_initial_response(void **state)
{
	struct harness *h = h_ready(&cfg, 0);

	(void)state;
	calls = 0;
	h_expect(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<x@y.z>\r\nRSET\r\n", "250 2.1.0 Ok\r\n"
		 "550 5.7.1 <x@y.z>: Relay access denied\r\n250 2.0.0 Ok\r\n");
	assert_null(sg_smtp_server_auth_user(h->s));
	expect_auth(h, "\0user\0secret", 12, "235 2.7.0 Authentication successful\r\n");
	assert_int_equal(calls, 1);
	assert_string_equal(sg_smtp_server_auth_user(h->s), "user");
	expect_auth(h, "\0user\0secret", 12, "503 5.5.1 Error: already authenticated\r\n");
	h_expect(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<x@y.z>\r\nDATA\r\n", "250 2.1.0 Ok\r\n"
		 "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
	h_send(h, "x\r\n.\r\n");
	assert_string_equal(sg_smtp_server_envelope(h->s)->auth_user, "user");
	assert_false(sg_smtp_server_envelope(h->s)->relay_client);
	assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, "queued"), SG_OK);
	h_free(h);
}

static void test_continuation(void **state)
{
	struct harness *h = h_ready(&cfg, 0);
	char *line = auth_line("", "user\0user\0secret", 16);

	(void)state;
	h_expect(h, "auth plain\r\n", "334 \r\n");
	h_expect(h, line, "235 2.7.0 Authentication successful\r\n");
	free(line);
	h_free(h);

	h = h_ready(&cfg, 0);
	h_expect(h, "AUTH PLAIN\r\n*\r\n", "334 \r\n501 5.7.0 Error: authentication aborted\r\n");
	/* the response line is not taken for a command */
	h_expect(h, "AUTH PLAIN\r\nNOOP\r\nNOOP\r\n", "334 \r\n501 5.5.2 Error: malformed "
		 "AUTH PLAIN response\r\n250 2.0.0 Ok\r\n");
	h_expect(h, "AUTH PLAIN\r\nNOOP NOOP\r\n", "334 \r\n501 5.5.2 Error: cannot decode "
		 "the AUTH response\r\n");
	h_expect(h, "AUTH PLAIN\r\n=\r\n", "334 \r\n501 5.5.2 Error: malformed AUTH PLAIN "
		 "response\r\n");
	assert_null(sg_smtp_server_auth_user(h->s));
	h_free(h);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *raw;
		size_t n;
	} bad[] = {
		{ "usersecret", 10 }, { "user\0secret", 11 }, { "\0user\0secret\0", 13 },
		{ "\0\0secret", 8 }, { "\0user\0", 6 },
	};
	struct harness *h = h_ready(&cfg, 0);
	char big[300];

	(void)state;
	calls = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_auth(h, bad[i].raw, bad[i].n,
			    "501 5.5.2 Error: malformed AUTH PLAIN response\r\n");
	memset(big, 'p', sizeof(big));
	memcpy(big, "\0user\0", 6);
	expect_auth(h, big, sizeof(big), "501 5.5.2 Error: malformed AUTH PLAIN response\r\n");
	big[0] = 'z';		/* 256-octet authzid */
	memcpy(big + 256, "\0user\0pw", 8);
	expect_auth(h, big, 264, "501 5.5.2 Error: malformed AUTH PLAIN response\r\n");
	h_expect(h, "AUTH PLAIN =\r\n", "501 5.5.2 Error: malformed AUTH PLAIN response\r\n");
	h_expect(h, "AUTH PLAIN AHVzZXIAc2VjcmV\r\n", "501 5.5.2 Error: cannot decode the AUTH "
		 "response\r\n");	/* one character short */
	h_expect(h, "AUTH PLAIN AHVz ZXIAc2VjcmV0\r\n", "501 5.5.2 Error: cannot decode the "
		 "AUTH response\r\n");
	h_expect(h, "AUTH PLAIN AHVzZXIAc2VjcmV0!!\r\n", "501 5.5.2 Error: cannot decode the "
		 "AUTH response\r\n");
	assert_int_equal(calls, 0);
	assert_int_equal(sg_smtp_server_errors(h->s), 11);
	h_free(h);
}

static void test_refused(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);
	struct sg_smtp_server_config off = cfg;

	(void)state;
	calls = 0;
	expect_auth(h, "\0user\0wrong", 11, "535 5.7.8 Error: authentication credentials "
		    "invalid\r\n");
	expect_auth(h, "other\0user\0secret", 17, "535 5.7.8 Error: authentication "
		    "credentials invalid\r\n");
	assert_int_equal(calls, 2);
	assert_null(sg_smtp_server_auth_user(h->s));
	h_expect(h, "AUTH LOGIN\r\n", "504 5.5.4 Error: unsupported authentication "
		 "mechanism\r\n");
	h_expect(h, "AUTH PLAINX\r\n", "504 5.5.4 Error: unsupported authentication "
		 "mechanism\r\n");
	h_expect(h, "AUTH\r\n", "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n");
	h_expect(h, "MAIL FROM:<a@b.c>\r\nAUTH PLAIN\r\n", "250 2.1.0 Ok\r\n"
		 "503 5.5.1 Error: MAIL transaction in progress\r\n");
	h_free(h);

	h = h_new(&cfg, 0);
	free(h_out(h));
	h_expect(h, "AUTH PLAIN\r\n", "503 5.5.1 Error: send EHLO first\r\n");
	h_free(h);

	off.auth_plain = false;
	h = h_ready(&off, 0);
	h_expect(h, "AUTH PLAIN\r\n", "503 5.5.1 Error: authentication not enabled\r\n");
	h_free(h);
	off.auth_plain = true;
	off.auth_check = NULL;			/* no callback: not offered */
	h = h_ready(&off, 0);
	h_expect(h, "EHLO x\r\n", "250-relay.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
		 "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n");
	h_expect(h, "HELP\r\n", "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT "
		 "HELP VRFY\r\n");
	h_expect(h, "AUTH PLAIN\r\n", "503 5.5.1 Error: authentication not enabled\r\n");
	h_free(h);
}

static void test_line_limit(void **state)
{
	struct harness *h = h_ready(&cfg, 0);
	char raw[770], *line;

	(void)state;
	/* a 756-octet response: 1008 base64 characters, a line of 1021 */
	memset(raw, 'p', sizeof(raw));
	memcpy(raw, "\0user\0", 6);
	line = auth_line("AUTH PLAIN ", raw, 756);
	assert_int_equal(strlen(line), 1021);
	h_expect(h, line, "501 5.5.2 Error: malformed AUTH PLAIN response\r\n");	/* long pw */
	free(line);
	line = auth_line("AUTH PLAIN ", raw, 760);
	h_expect(h, line, "500 5.5.6 Error: line too long (limit 1024 octets)\r\n");
	free(line);
	line = auth_line("", raw, 760);		/* 1018 octets: within the limit */
	h_expect(h, "AUTH PLAIN\r\n", "334 \r\n");
	h_expect(h, line, "501 5.5.2 Error: malformed AUTH PLAIN response\r\n");
	free(line);
	line = auth_line("", raw, 766);		/* 1026 octets */
	h_expect(h, "AUTH PLAIN\r\n", "334 \r\n");
	h_expect(h, line, "500 5.5.6 Error: line too long (limit 1024 octets)\r\n");
	free(line);
	h_expect(h, "NOOP\r\n", "250 2.0.0 Ok\r\n");
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_response),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_line_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
