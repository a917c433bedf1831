/*
 * NAME
 *   test_smtp_client.c - unit tests for dataplane/smtp/smtp_client.c
 *
 * SUMMARY
 *   A pipelined transaction end to end (one write for MAIL, RCPTs and
 *   DATA, SIZE= and BODY=8BITMIME when offered, the result once), a message
 *   queued before the greeting, the one-at-a-time dialogue without
 *   PIPELINING, EHLO refused -> HELO, greeting and HELO refusals, refused
 *   MAIL/RCPT/DATA (all or nothing; a 354 after a refusal closes the
 *   connection; RSET before the next message), final replies 2xx/4xx/5xx
 *   with multi-line text, 421 at any point, connection loss and protocol
 *   errors, unexpected replies, RSET and QUIT, argument and state checks
 *   (control characters in addresses, more command text than the limit),
 *   the RFC 5321 timeouts per state, replies fed byte by byte, and a
 *   pooled connection carrying several messages.
 */
#include "client_harness.h"

static const struct sg_smtp_client_config cfg = { .helo_name = "relay.test" };

static struct sg_smtp_envelope env;

static int setup(void **state)
{
	(void)state;
	sg_smtp_envelope_init(&env, 10);
	assert_int_equal(sg_smtp_envelope_set_from(&env, "s@a.example"), SG_OK);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, "r1@b.example"), SG_OK);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, "r2@b.example"), SG_OK);
	env.body = SG_SMTP_BODY_8BITMIME;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_smtp_envelope_free(&env);
	return 0;
}

static const char msg[] = "Subject: x\r\n\r\n.hi\r\n";
#define ENVELOPE_OUT "MAIL FROM:<s@a.example> SIZE=19 BODY=8BITMIME\r\n" \
	"RCPT TO:<r1@b.example>\r\nRCPT TO:<r2@b.example>\r\nDATA\r\n"

static void expect_result(struct sg_smtp_client *c, enum sg_smtp_outcome outcome,
			  enum sg_smtp_client_step step, unsigned code, const char *enh,
			  const char *text)
{
	struct sg_smtp_client_result r;

	assert_true(sg_smtp_client_result(c, &r));
	assert_int_equal(r.outcome, outcome);
	assert_int_equal(r.step, step);
	assert_int_equal(r.code, code);
	assert_string_equal(r.enhanced, enh);
	assert_string_equal(r.text, text);
	assert_false(sg_smtp_client_result(c, &r));	/* once */
}

static void test_pipelined(void **state)
{
	struct sg_smtp_client *c = sg_smtp_client_new(&cfg);

	(void)state;
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_GREETING);
	assert_int_equal(sg_smtp_client_timeout(c), 300);
	c_reply(c, "220 mx.example ESMTP\r\n");
	c_expect_out(c, "EHLO relay.test\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_HELLO);
	c_reply(c, EHLO_PIPELINING);
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_READY);
	assert_int_equal(sg_smtp_client_timeout(c), 0);
	assert_int_equal(sg_smtp_client_extensions(c), SG_SMTP_EXT_PIPELINING | SG_SMTP_EXT_SIZE |
			 SG_SMTP_EXT_8BITMIME | SG_SMTP_EXT_ENHANCEDSTATUSCODES);
	assert_int_equal(sg_smtp_client_size_limit(c), 100000);
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_E_STATE);
	c_expect_out(c, ENVELOPE_OUT);
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_ENVELOPE);
	assert_int_equal(sg_smtp_client_timeout(c), 300);
	c_reply(c, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
	assert_int_equal(sg_smtp_client_timeout(c), 120);	/* DATA next */
	c_reply(c, "354 go\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_TEXT);
	assert_int_equal(sg_smtp_client_timeout(c), 180);
	c_expect_out(c, "Subject: x\r\n\r\n..hi\r\n.\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_FINAL);
	assert_int_equal(sg_smtp_client_timeout(c), 600);
	c_reply(c, "250 2.0.0 Ok: queued as 9\r\n");
	expect_result(c, SG_SMTP_ACCEPTED, SG_SMTP_STEP_DOT, 250, "2.0.0", "Ok: queued as 9");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_READY);
	/* the next message on the same connection starts without RSET */
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, ENVELOPE_OUT);
	sg_smtp_client_free(c);
}

static void test_queued_before_greeting(void **state)
{
	struct sg_smtp_client *c = sg_smtp_client_new(&cfg);
	struct sg_smtp_client_config noname = { 0 };

	(void)state;
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, "");
	c_reply(c, "220 mx\r\n");
	c_expect_out(c, "EHLO relay.test\r\n");
	c_reply(c, EHLO_PIPELINING);
	c_expect_out(c, ENVELOPE_OUT);
	sg_smtp_client_free(c);

	c = sg_smtp_client_new(&noname);
	c_reply(c, "220 mx\r\n");
	c_expect_out(c, "EHLO localhost\r\n");
	sg_smtp_client_free(c);
}

static void test_one_at_a_time(void **state)
{
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PLAIN);

	(void)state;
	assert_int_equal(sg_smtp_client_extensions(c), 0);
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, "MAIL FROM:<s@a.example>\r\n");	/* no SIZE, no BODY */
	c_reply(c, "250 ok\r\n");
	c_expect_out(c, "RCPT TO:<r1@b.example>\r\n");
	c_reply(c, "250 ok\r\n");
	c_expect_out(c, "RCPT TO:<r2@b.example>\r\n");
	c_reply(c, "250 ok\r\n");
	c_expect_out(c, "DATA\r\n");
	c_reply(c, "354 go\r\n");
	c_expect_out(c, "Subject: x\r\n\r\n..hi\r\n.\r\n");
	c_reply(c, "250 ok\r\n");
	expect_result(c, SG_SMTP_ACCEPTED, SG_SMTP_STEP_DOT, 250, "", "ok");

	/* the first refusal ends the message; the next one starts with RSET */
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, "MAIL FROM:<s@a.example>\r\n");
	c_reply(c, "250 ok\r\n");
	c_expect_out(c, "RCPT TO:<r1@b.example>\r\n");
	c_reply(c, "550 5.1.1 no such user\r\n");
	c_expect_out(c, "");
	expect_result(c, SG_SMTP_PERMFAIL, SG_SMTP_STEP_RCPT, 550, "5.1.1", "no such user");
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, "RSET\r\n");
	c_reply(c, "250 ok\r\n");
	c_expect_out(c, "MAIL FROM:<s@a.example>\r\n");
	c_reply(c, "451 4.3.0 try later\r\n");
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_MAIL, 451, "4.3.0", "try later");
	sg_smtp_client_free(c);
}

static void test_hello_fallback_and_refusals(void **state)
{
	struct sg_smtp_client *c = sg_smtp_client_new(&cfg);

	(void)state;
	c_reply(c, "220 old.example\r\n");
	c_expect_out(c, "EHLO relay.test\r\n");
	c_reply(c, "502 5.5.1 what?\r\n");
	c_expect_out(c, "HELO relay.test\r\n");
	c_reply(c, "250 old.example\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_READY);
	assert_int_equal(sg_smtp_client_extensions(c), 0);
	sg_smtp_client_free(c);

	c = sg_smtp_client_new(&cfg);
	c_reply(c, "220 old\r\n");
	c_reply(c, "500 no\r\n");
	c_reply(c, "501 no either\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	assert_string_equal(sg_smtp_client_error(c)->msg, "next hop refused EHLO/HELO");
	sg_smtp_client_free(c);

	c = sg_smtp_client_new(&cfg);
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_reply(c, "554 5.3.2 no service\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_GREETING, 554, "5.3.2", "no service");
	c_expect_out(c, "");
	sg_smtp_client_free(c);

	c = sg_smtp_client_new(&cfg);		/* a 2xx that is not 220 */
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_reply(c, "219 odd\r\n");
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_GREETING, 219, "", "odd");
	sg_smtp_client_free(c);

	c = sg_smtp_client_new(&cfg);
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_reply(c, "220 mx\r\n");
	c_reply(c, "421 4.3.2 busy\r\n");
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_HELLO, 421, "4.3.2", "busy");
	sg_smtp_client_free(c);
}

static void test_pipelined_refusals(void **state)
{
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);

	(void)state;
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, ENVELOPE_OUT);
	c_reply(c, "250 ok\r\n550-5.1.1 no such\r\n550 5.1.1 user\r\n250 ok\r\n");
	assert_false(sg_smtp_client_result(c, &(struct sg_smtp_client_result){ 0 }));
	c_reply(c, "554 5.5.1 no valid recipients\r\n");
	expect_result(c, SG_SMTP_PERMFAIL, SG_SMTP_STEP_RCPT, 550, "5.1.1", "no such\nuser");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_READY);
	/* RSET leads the next pipelined group */
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, "RSET\r\n" ENVELOPE_OUT);
	c_reply(c, "250 ok\r\n250 ok\r\n250 ok\r\n451 4.2.2 full\r\n354 go\r\n");
	/* DATA accepted after a refusal: nothing is sent, the connection goes */
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_RCPT, 451, "4.2.2", "full");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	c_expect_out(c, "");
	sg_smtp_client_free(c);

	c = c_ready(&cfg, EHLO_PIPELINING);
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	free(c_out(c, 0));
	c_reply(c, "250 ok\r\n250 ok\r\n250 ok\r\n503 5.5.1 no\r\n");
	expect_result(c, SG_SMTP_PERMFAIL, SG_SMTP_STEP_DATA, 503, "5.5.1", "no");
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, "RSET\r\n" ENVELOPE_OUT);
	c_reply(c, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 odd\r\n");
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_DATA, 250, "", "odd");
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	c_expect_out(c, "RSET\r\n" ENVELOPE_OUT);
	c_reply(c, "500 what\r\n");		/* RSET refused: unusable */
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_RSET, 500, "", "what");
	sg_smtp_client_free(c);
}

/* A READY pipelining client with the message written, waiting for ".". */
static struct sg_smtp_client *at_final(void)
{
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);

	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	free(c_out(c, 0));
	c_reply(c, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
	free(c_out(c, 0));
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_FINAL);
	return c;
}

static void test_final_replies(void **state)
{
	struct sg_smtp_client *c = at_final();

	(void)state;
	c_reply(c, "452 4.3.1 out of space\r\n");
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_DOT, 452, "4.3.1", "out of space");
	sg_smtp_client_free(c);
	c = at_final();
	c_reply(c, "554-5.7.1 rejected\r\n554-5.7.1 by policy\r\n554 5.7.1 see x\r\n");
	expect_result(c, SG_SMTP_PERMFAIL, SG_SMTP_STEP_DOT, 554, "5.7.1",
		      "rejected\nby policy\nsee x");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_READY);
	sg_smtp_client_free(c);
	c = at_final();
	c_reply(c, "421 4.4.2 bye\r\n");
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_DOT, 421, "4.4.2", "bye");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	sg_smtp_client_free(c);
}

static void test_connection_problems(void **state)
{
	struct sg_smtp_client *c = at_final();

	(void)state;
	sg_smtp_client_abort(c, "EOF");
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_CONNECTION, 0, "",
		      "connection to the next hop lost: EOF");
	sg_smtp_client_abort(c, "again");		/* harmless */
	assert_int_equal(sg_smtp_client_feed(c, "250 ok\r\n", 8), 0);
	sg_smtp_client_free(c);

	c = c_ready(&cfg, EHLO_PIPELINING);
	sg_smtp_client_abort(c, "idle timeout");	/* no message: no result */
	assert_false(sg_smtp_client_result(c, &(struct sg_smtp_client_result){ 0 }));
	assert_string_equal(sg_smtp_client_error(c)->msg,
			    "connection to the next hop lost: idle timeout");
	sg_smtp_client_free(c);

	c = at_final();
	c_reply(c, "hello\r\n");
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_CONNECTION, 0, "",
		      "protocol error: reply line 1: no reply code");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	sg_smtp_client_free(c);

	c = c_ready(&cfg, EHLO_PIPELINING);
	c_reply(c, "250 unsolicited\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	assert_string_equal(sg_smtp_client_error(c)->msg, "unexpected reply");
	sg_smtp_client_free(c);
}

static void test_rset_quit_and_arguments(void **state)
{
	struct sg_smtp_client *c = sg_smtp_client_new(&cfg);
	struct sg_smtp_envelope none;
	struct sg_error err;

	(void)state;
	assert_int_equal(sg_smtp_client_rset(c), SG_E_STATE);	/* not READY */
	sg_smtp_client_free(c);
	c = c_ready(&cfg, EHLO_PIPELINING);
	sg_smtp_envelope_init(&none, 1);
	assert_int_equal(sg_smtp_client_send(c, &none, msg, 3, &err), SG_E_ARG);
	assert_int_equal(sg_smtp_client_send(c, &env, "a\nb", 3, &err), SG_E_SYNTAX);
	assert_string_equal(err.msg, "message line 1: bare LF at offset 1");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_READY);
	assert_int_equal(sg_smtp_client_rset(c), SG_OK);
	c_expect_out(c, "RSET\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_RSET);
	assert_int_equal(sg_smtp_client_timeout(c), 300);
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_E_STATE);
	c_reply(c, "250 ok\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_READY);
	assert_int_equal(sg_smtp_client_rset(c), SG_OK);
	c_reply(c, "500 no\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	assert_int_equal(sg_smtp_client_quit(c), SG_E_STATE);
	assert_int_equal(sg_smtp_client_timeout(c), 0);
	sg_smtp_client_free(c);

	c = c_ready(&cfg, EHLO_PIPELINING);
	assert_int_equal(sg_smtp_client_quit(c), SG_OK);
	assert_int_equal(sg_smtp_client_quit(c), SG_E_STATE);
	c_expect_out(c, "QUIT\r\n");
	c_reply(c, "221 2.0.0 bye\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	sg_smtp_client_free(c);

	c = c_ready(&cfg, EHLO_PIPELINING);
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	assert_int_equal(sg_smtp_client_quit(c), SG_E_STATE);	/* message in progress */
	sg_smtp_client_free(c);
	sg_smtp_envelope_free(&none);
	sg_smtp_client_free(NULL);
}

static void test_addresses(void **state)
{
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);
	struct sg_smtp_envelope big, bad;
	char addr[SG_SMTP_PATH_MAX];
	struct sg_error err;

	(void)state;
	sg_smtp_envelope_init(&bad, 2);
	assert_int_equal(sg_smtp_envelope_set_from(&bad, "a\r\nRSET"), SG_OK);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&bad, "r@b.example"), SG_OK);
	assert_int_equal(sg_smtp_client_send(c, &bad, msg, 3, &err), SG_E_ARG);
	assert_string_equal(err.msg, "sender with a control character");
	assert_int_equal(sg_smtp_envelope_set_from(&bad, "a@b.example"), SG_OK);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&bad, "x\x7f@b.example"), SG_OK);
	assert_int_equal(sg_smtp_client_send(c, &bad, msg, 3, &err), SG_E_ARG);
	assert_string_equal(err.msg, "recipient 2 with a control character");
	c_expect_out(c, "");

	/* more command text than SG_SMTP_CLIENT_COMMANDS_MAX: a clean failure */
	sg_smtp_envelope_init(&big, 5000);
	memset(addr, 'x', sizeof(addr));
	memcpy(addr + 240, "@b.example", 11);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(sg_smtp_envelope_add_rcpt(&big, addr), SG_OK);
	assert_int_equal(sg_smtp_client_send(c, &big, msg, sizeof(msg) - 1, NULL), SG_OK);
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	expect_result(c, SG_SMTP_TEMPFAIL, SG_SMTP_STEP_CONNECTION, 0, "",
		      "command could not be queued (out of memory)");
	sg_smtp_client_free(c);

	/* 3000 recipients fit */
	c = c_ready(&cfg, EHLO_PIPELINING);
	big.n_rcpt = 3000;
	assert_int_equal(sg_smtp_client_send(c, &big, msg, sizeof(msg) - 1, NULL), SG_OK);
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_ENVELOPE);
	big.n_rcpt = 5000;
	sg_smtp_client_free(c);
	sg_smtp_envelope_free(&big);
	sg_smtp_envelope_free(&bad);
}

static void test_byte_by_byte(void **state)
{
	const char *replies = "220 mx\r\n" EHLO_PIPELINING "250 ok\r\n250 ok\r\n250 ok\r\n"
			      "354 go\r\n";
	struct sg_smtp_client *c = sg_smtp_client_new(&cfg);
	char *out;

	(void)state;
	assert_int_equal(sg_smtp_client_send(c, &env, msg, sizeof(msg) - 1, NULL), SG_OK);
	for (size_t i = 0; replies[i]; i++) {
		assert_int_equal(sg_smtp_client_feed(c, replies + i, 1), 1);
		if (replies[i] == '\n' && sg_smtp_client_state(c) != SG_SMTP_CLIENT_TEXT)
			free(c_out(c, 0));
	}
	out = c_out(c, 3);
	assert_string_equal(out, "Subject: x\r\n\r\n..hi\r\n.\r\n");
	free(out);
	for (const char *p = "250-a\r\n250 queued\r\n"; *p; p++)
		assert_int_equal(sg_smtp_client_feed(c, p, 1), 1);
	expect_result(c, SG_SMTP_ACCEPTED, SG_SMTP_STEP_DOT, 250, "", "a\nqueued");
	sg_smtp_client_free(c);
}

static void test_reply_limits(void **state)
{
	struct sg_smtp_client_config small = { .helo_name = "r", .max_reply_line = 20,
					       .max_reply_lines = 2 };
	struct sg_smtp_client *c = sg_smtp_client_new(&small);

	(void)state;
	c_reply(c, "220 mx\r\n");
	c_reply(c, "250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	assert_string_equal(sg_smtp_client_error(c)->msg,
			    "reply line 3: too many lines in one reply");
	sg_smtp_client_free(c);
	c = sg_smtp_client_new(&small);
	c_reply(c, "220 a very long greeting line here\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_CLOSED);
	assert_string_equal(sg_smtp_client_error(c)->msg, "reply line 1: line too long");
	sg_smtp_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_queued_before_greeting),
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_hello_fallback_and_refusals),
		cmocka_unit_test(test_pipelined_refusals),
		cmocka_unit_test(test_final_replies),
		cmocka_unit_test(test_connection_problems),
		cmocka_unit_test(test_rset_quit_and_arguments),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_reply_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
