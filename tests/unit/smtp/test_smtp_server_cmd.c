/*
 * NAME
 *   test_smtp_server_cmd.c - unit tests for dataplane/smtp/smtp_server_cmd.c
 *
 * SUMMARY
 *   Every command with its exact reply: EHLO (with and without AUTH), HELO,
 *   MAIL with SIZE=, BODY=, AUTH= and their refusals (bad value, duplicate,
 *   unknown parameter, over the size limit), RCPT (relay client,
 *   postmaster, limit, parameters, relaying denied), DATA (no MAIL, no
 *   recipient, argument), RSET, NOOP, QUIT, HELP, VRFY, the commands that
 *   are known but not offered, unknown and empty commands, case
 *   insensitivity, bad sequences (503) and address syntax (501 5.1.7 /
 *   5.1.3), and that EHLO and RSET reset a transaction.
 */
#include "smtp_harness.h"

static struct sg_smtp_server_config cfg = {
	.hostname = "relay.test",
	.max_message_size = 1000000,
	.max_recipients = 3,
	.max_errors = 100,
	.auth_plain = true,
	.auth_check = h_auth_ok,
};

#define EHLO_REPLY "250-relay.test\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n" \
	"250-8BITMIME\r\n250-AUTH PLAIN\r\n250 ENHANCEDSTATUSCODES\r\n"

static void test_greeting_and_ehlo(void **state)
{
	struct harness *h = h_new(&cfg, 0);
	struct sg_smtp_server_config noauth = cfg;
	char *out;

	(void)state;
	out = h_out(h);
	assert_string_equal(out, "220 relay.test ESMTP signet\r\n");
	free(out);
	h_expect(h, "EHLO client.example\r\n", EHLO_REPLY);
	h_expect(h, "ehlo [127.0.0.1]\r\n", EHLO_REPLY);
	h_expect(h, "HELO client.example\r\n", "250 relay.test\r\n");
	h_free(h);

	noauth.auth_plain = false;
	noauth.hostname = NULL;
	noauth.max_message_size = 0;
	h = h_new(&noauth, 0);
	out = h_out(h);
	assert_string_equal(out, "220 localhost ESMTP signet\r\n");
	free(out);
	h_expect(h, "EHLO x\r\n", "250-localhost\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
		 "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n");
	h_free(h);
}

static void test_hello_syntax(void **state)
{
	struct harness *h = h_new(&cfg, 0);

	(void)state;
	free(h_out(h));
	h_expect(h, "EHLO\r\n", "501 5.5.4 Syntax: EHLO hostname\r\n");
	h_expect(h, "HELO\r\n", "501 5.5.4 Syntax: HELO hostname\r\n");
	h_expect(h, "EHLO two words\r\n", "501 5.5.4 Syntax: EHLO hostname\r\n");
	h_expect(h, "EHLO caf\xc3\xa9\r\n", "501 5.5.4 Syntax: EHLO hostname\r\n");
	h_expect(h, "EHLO a\tb\r\n", "501 5.5.4 Syntax: EHLO hostname\r\n");
	/* still not greeted */
	h_expect(h, "MAIL FROM:<a@b.c>\r\n", "503 5.5.1 Error: send HELO/EHLO first\r\n");
	assert_int_equal(sg_smtp_server_errors(h->s), 6);
	h_free(h);
}

static void test_mail(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);

	(void)state;
	h_expect(h, "MAIL FROM:<a@b.example>\r\n", "250 2.1.0 Ok\r\n");
	h_expect(h, "MAIL FROM:<a@b.example>\r\n", "503 5.5.1 Error: nested MAIL command\r\n");
	h_expect(h, "RSET\r\n", "250 2.0.0 Ok\r\n");
	h_expect(h, "mail from: <>\r\n", "250 2.1.0 Ok\r\n");
	h_expect(h, "RSET\r\n", "250 2.0.0 Ok\r\n");
	h_expect(h, "MAIL FROM:<@route.example,@r2.example:a@b.example> SIZE=1000000 "
		 "BODY=8BITMIME AUTH=<>\r\n", "250 2.1.0 Ok\r\n");
	h_expect(h, "RSET\r\n", "250 2.0.0 Ok\r\n");
	h_expect(h, "MAIL FROM:<\"john doe\"@b.example> body=7bit size=0\r\n",
		 "250 2.1.0 Ok\r\n");
	h_free(h);
}

static void test_mail_refusals(void **state)
{
	static const char *const cases[][2] = {
		{ "MAIL\r\n", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n" },
		{ "MAIL TO:<a@b.c>\r\n", "501 5.5.4 Syntax: MAIL FROM:<address>\r\n" },
		{ "MAIL FROM:a@b.c\r\n", "501 5.1.7 Bad sender address syntax\r\n" },
		{ "MAIL FROM:<a@b.c\r\n", "501 5.1.7 Bad sender address syntax\r\n" },
		{ "MAIL FROM:<a@>\r\n", "501 5.1.7 Bad sender address syntax\r\n" },
		{ "MAIL FROM:<postmaster>\r\n", "501 5.1.7 Bad sender address syntax\r\n" },
		{ "MAIL FROM:<a@b.c>x\r\n", "501 5.5.4 Syntax error after the address\r\n" },
		{ "MAIL FROM:<a@b.c> SIZE=1000001\r\n",
		  "552 5.3.4 Message size exceeds fixed maximum message size\r\n" },
		{ "MAIL FROM:<a@b.c> SIZE=99999999999999999999\r\n", "501 5.5.4 Bad SIZE= value\r\n" },
		{ "MAIL FROM:<a@b.c> SIZE=12a\r\n", "501 5.5.4 Bad SIZE= value\r\n" },
		{ "MAIL FROM:<a@b.c> SIZE\r\n", "501 5.5.4 Bad SIZE= value\r\n" },
		{ "MAIL FROM:<a@b.c> SIZE=\r\n", "501 5.5.4 Bad SIZE= value\r\n" },
		{ "MAIL FROM:<a@b.c> SIZE=1 SIZE=2\r\n", "501 5.5.4 Duplicate SIZE parameter\r\n" },
		{ "MAIL FROM:<a@b.c> BODY=BINARYMIME\r\n", "501 5.5.4 Unsupported BODY= value\r\n" },
		{ "MAIL FROM:<a@b.c> BODY\r\n", "501 5.5.4 Unsupported BODY= value\r\n" },
		{ "MAIL FROM:<a@b.c> BODY=7BIT BODY=7BIT\r\n",
		  "501 5.5.4 Duplicate BODY parameter\r\n" },
		{ "MAIL FROM:<a@b.c> AUTH=<> AUTH=<>\r\n", "501 5.5.4 Duplicate AUTH parameter\r\n" },
		{ "MAIL FROM:<a@b.c> SMTPUTF8\r\n", "555 5.5.4 Unsupported option: SMTPUTF8\r\n" },
		{ "MAIL FROM:<a@b.c> =x\r\n", "501 5.5.4 Syntax error in parameters\r\n" },
		{ "MAIL FROM:<a@b.c> K_Y=1\r\n", "501 5.5.4 Syntax error in parameters\r\n" },
	};
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		h_expect(h, cases[i][0], cases[i][1]);
	assert_int_equal(sg_smtp_server_errors(h->s), sizeof(cases) / sizeof(cases[0]));
	/* none of them opened a transaction */
	h_expect(h, "RCPT TO:<x@y.z>\r\n", "503 5.5.1 Error: need MAIL command\r\n");
	h_free(h);
}

static void test_rcpt(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);

	(void)state;
	h_expect(h, "RCPT TO:<x@y.z>\r\n", "503 5.5.1 Error: need MAIL command\r\n");
	h_expect(h, "MAIL FROM:<a@b.c>\r\n", "250 2.1.0 Ok\r\n");
	h_expect(h, "RCPT TO:<x@y.z>\r\n", "250 2.1.5 Ok\r\n");
	h_expect(h, "rcpt to: <Postmaster>\r\n", "250 2.1.5 Ok\r\n");
	h_expect(h, "RCPT TO:<x@y.z>\r\n", "250 2.1.5 Ok\r\n");	/* duplicates allowed */
	h_expect(h, "RCPT TO:<w@y.z>\r\n", "452 4.5.3 Error: too many recipients\r\n");
	h_expect(h, "RCPT TO:<>\r\n", "501 5.1.3 Bad recipient address syntax\r\n");
	h_expect(h, "RCPT TO:x@y.z\r\n", "501 5.1.3 Bad recipient address syntax\r\n");
	h_expect(h, "RCPT FROM:<x@y.z>\r\n", "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
	h_expect(h, "RCPT TO:<x@y.z>junk\r\n", "501 5.5.4 Syntax error after the address\r\n");
	h_expect(h, "RCPT TO:<x@y.z> NOTIFY=NEVER\r\n",
		 "555 5.5.4 Unsupported option: NOTIFY=NEVER\r\n");
	h_free(h);
}

static void test_relay_denied(void **state)
{
	struct harness *h = h_ready(&cfg, 0);

	(void)state;
	h_expect(h, "MAIL FROM:<a@b.c>\r\n", "250 2.1.0 Ok\r\n");
	h_expect(h, "RCPT TO:<x@y.z>\r\n", "550 5.7.1 <x@y.z>: Relay access denied\r\n");
	h_expect(h, "RCPT TO:<postmaster>\r\n", "550 5.7.1 <postmaster>: Relay access denied\r\n");
	/* nothing accepted: DATA is refused, the message never reaches signing */
	h_expect(h, "DATA\r\n", "554 5.5.1 Error: no valid recipients\r\n");
	assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_COMMAND);
	assert_string_equal(sg_smtp_server_last_error(h->s)->msg,
			    "line 5: 554 5.5.1 Error: no valid recipients");
	h_free(h);
}

static void test_data_sequence(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);

	(void)state;
	h_expect(h, "DATA\r\n", "503 5.5.1 Error: need MAIL command\r\n");
	h_expect(h, "MAIL FROM:<a@b.c>\r\n", "250 2.1.0 Ok\r\n");
	h_expect(h, "DATA\r\n", "554 5.5.1 Error: no valid recipients\r\n");
	h_expect(h, "RCPT TO:<x@y.z>\r\n", "250 2.1.5 Ok\r\n");
	h_expect(h, "DATA now\r\n", "501 5.5.4 Syntax: DATA\r\n");
	h_expect(h, "DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n");
	assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_DATA);
	h_free(h);
}

static void test_ehlo_and_rset_reset(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);

	(void)state;
	h_expect(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<x@y.z>\r\n", "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
	h_expect(h, "EHLO again\r\n", EHLO_REPLY);
	h_expect(h, "DATA\r\n", "503 5.5.1 Error: need MAIL command\r\n");
	h_expect(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<x@y.z>\r\nRSET\r\nDATA\r\n",
		 "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok\r\n"
		 "503 5.5.1 Error: need MAIL command\r\n");
	h_expect(h, "RSET x\r\n", "501 5.5.4 Syntax: RSET\r\n");
	h_free(h);
}

static void test_simple_commands(void **state)
{
	struct harness *h = h_new(&cfg, 0);

	(void)state;
	free(h_out(h));
	/* allowed before EHLO */
	h_expect(h, "NOOP\r\n", "250 2.0.0 Ok\r\n");
	h_expect(h, "noop anything\r\n", "250 2.0.0 Ok\r\n");
	h_expect(h, "HELP\r\n", "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT "
		 "HELP VRFY AUTH\r\n");
	h_expect(h, "VRFY someone\r\n", "252 2.5.0 Cannot VRFY user, but will accept message "
		 "and attempt delivery\r\n");
	h_expect(h, "VRFY\r\n", "501 5.5.4 Syntax: VRFY address\r\n");
	h_expect(h, "RSET\r\n", "250 2.0.0 Ok\r\n");
	h_expect(h, "QUIT now\r\n", "501 5.5.4 Syntax: QUIT\r\n");
	h_expect(h, "QuIt\r\n", "221 2.0.0 Bye\r\n");
	assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_CLOSING);
	/* nothing more is read */
	assert_int_equal(sg_smtp_server_feed(h->s, "NOOP\r\n", 6), 0);
	h_free(h);
}

static void test_unknown_and_not_offered(void **state)
{
	static const char *const not_offered[] = {
		"EXPN list", "TURN", "ETRN x", "BDAT 10 LAST", "STARTTLS", "SEND FROM:<a@b>",
		"SOML", "SAML", "VERB", "ATRN",
	};
	struct harness *h = h_ready(&cfg, 0);
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(not_offered) / sizeof(not_offered[0]); i++) {
		snprintf(line, sizeof(line), "%s\r\n", not_offered[i]);
		h_expect(h, line, "502 5.5.1 Error: command not implemented\r\n");
	}
	h_expect(h, "FOO\r\n", "500 5.5.1 Error: command not recognized\r\n");
	h_expect(h, "GET / HTTP/1.0\r\n", "500 5.5.1 Error: command not recognized\r\n");
	h_expect(h, "MAILX FROM:<a@b.c>\r\n", "500 5.5.1 Error: command not recognized\r\n");
	h_expect(h, " NOOP\r\n", "500 5.5.1 Error: command not recognized\r\n");
	h_expect(h, "\r\n", "500 5.5.1 Error: empty command\r\n");
	h_expect(h, "   \r\n", "500 5.5.1 Error: empty command\r\n");
	h_expect(h, "NOOP  \t \r\n", "250 2.0.0 Ok\r\n");	/* trailing blanks ignored */
	assert_int_equal(sg_smtp_server_errors(h->s), 16);
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_and_ehlo),
		cmocka_unit_test(test_hello_syntax),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_mail_refusals),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_relay_denied),
		cmocka_unit_test(test_data_sequence),
		cmocka_unit_test(test_ehlo_and_rset_reset),
		cmocka_unit_test(test_simple_commands),
		cmocka_unit_test(test_unknown_and_not_offered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
