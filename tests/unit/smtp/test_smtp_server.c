/*
 * NAME
 *   test_smtp_server.c - unit tests for dataplane/smtp/smtp_server.c
 *
 * SUMMARY
 *   The life cycle a worker sees: greeting (and 421 when busy), a whole
 *   transaction with the message and envelope handed over and the 250 sent
 *   only by finish, the outcomes (250, 451 with the caller's enhanced code,
 *   a next hop's multi-line 5xx passed through and sanitised, bad
 *   arguments refused), take_message, first_dot (the first line-start
 *   dot of the unstuffed message, also once taken), pipelining (one
 *   output for a group, feed stopping at MESSAGE with the rest of the read kept), chunk-boundary
 *   independence (byte by byte, odd chunk sizes and all at once give the
 *   same transcript and messages), the command line limit at 512/513
 *   octets, over-long lines and NUL in commands, bare LF command lines,
 *   too many errors (421 and nothing more read), message text problems
 *   (size, bare LF, NUL, long line, SMTP smuggling attempts), a 1 MB
 *   header, abort reasons, output back-pressure and partial writes, and
 *   random garbage.
 */
#include "smtp_harness.h"

static struct sg_smtp_server_config cfg = {
	.hostname = "relay.test",
	.max_message_size = 4 << 20,
	.max_recipients = 5,
	.max_errors = 100,
};

static void test_busy(void **state)
{
	struct harness *h = h_new(&cfg, SG_SMTP_SERVER_BUSY);
	char *out = h_out(h);

	(void)state;
	assert_string_equal(out, "421 4.3.2 relay.test Service busy, too many connections; "
			    "try again later\r\n");
	assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_CLOSING);
	assert_int_equal(sg_smtp_server_feed(h->s, "EHLO x\r\n", 8), 0);
	free(out);
	h_free(h);
}

static void start_message(struct harness *h)
{
	h_expect(h, "MAIL FROM:<s@a.example> SIZE=100 BODY=8BITMIME\r\n"
		 "RCPT TO:<r1@b.example>\r\nRCPT TO:<r2@b.example>\r\nDATA\r\n",
		 "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
		 "354 End data with <CR><LF>.<CR><LF>\r\n");
}

static void test_transaction(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);
	const struct sg_smtp_envelope *env;
	const char *msg;
	size_t len;

	(void)state;
	assert_null(sg_smtp_server_envelope(h->s));
	assert_null(sg_smtp_server_message(h->s, &len));
	start_message(h);
	h_expect(h, "From: a\r\n\r\n..dot\r\n.x\r\nbody\r\n.\r\n", "");
	assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_MESSAGE);
	env = sg_smtp_server_envelope(h->s);
	assert_non_null(env);
	assert_string_equal(env->mail_from, "s@a.example");
	assert_int_equal(env->n_rcpt, 2);
	assert_string_equal(env->rcpt[0], "r1@b.example");
	assert_string_equal(env->rcpt[1], "r2@b.example");
	assert_int_equal(env->size_param, 100);
	assert_int_equal(env->body, SG_SMTP_BODY_8BITMIME);
	assert_string_equal(env->helo, "client.example");
	assert_null(env->auth_user);
	assert_true(env->relay_client);
	msg = sg_smtp_server_message(h->s, &len);
	assert_int_equal(len, strlen("From: a\r\n\r\n.dot\r\nx\r\nbody\r\n"));
	assert_memory_equal(msg, "From: a\r\n\r\n.dot\r\nx\r\nbody\r\n", len);
	/* nothing is read while the outcome is pending */
	assert_int_equal(sg_smtp_server_feed(h->s, "NOOP\r\n", 6), 0);
	assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, "Ok: queued as 7"), SG_OK);
	h_expect(h, "", "250 2.0.0 Ok: queued as 7\r\n");
	assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, NULL), SG_E_STATE);
	/* the transaction is over: a new one starts clean */
	h_expect(h, "RCPT TO:<r@b.example>\r\n", "503 5.5.1 Error: need MAIL command\r\n");
	start_message(h);
	h_expect(h, ".\r\n", "");		/* an empty message */
	assert_non_null(sg_smtp_server_message(h->s, &len));
	assert_int_equal(len, 0);
	assert_int_equal(sg_smtp_server_finish(h->s, 250, "2.6.0", ""), SG_OK);
	h_expect(h, "", "250 2.6.0 Ok\r\n");
	h_free(h);
}

static void test_finish_outcomes(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);

	(void)state;
	start_message(h);
	h_send(h, "x\r\n.\r\n");
	assert_int_equal(sg_smtp_server_finish(h->s, 300, NULL, "x"), SG_E_ARG);
	assert_int_equal(sg_smtp_server_finish(h->s, 354, NULL, "x"), SG_E_ARG);
	assert_int_equal(sg_smtp_server_finish(h->s, 251, NULL, "x"), SG_E_ARG);
	assert_int_equal(sg_smtp_server_finish(h->s, 600, NULL, "x"), SG_E_ARG);
	assert_int_equal(sg_smtp_server_finish(h->s, 451, "5.4.1", "x"), SG_E_ARG);
	assert_int_equal(sg_smtp_server_finish(h->s, 451, "4.4", "x"), SG_E_ARG);
	assert_int_equal(sg_smtp_server_finish(h->s, 451, "4.4.1234", "x"), SG_E_ARG);
	h_expect(h, "", "");	/* nothing queued by the refused calls */
	assert_int_equal(sg_smtp_server_finish(h->s, 451, "4.4.1", "next hop unreachable"),
			 SG_OK);
	h_expect(h, "", "451 4.4.1 next hop unreachable\r\n");

	start_message(h);
	h_send(h, "x\r\n.\r\n");
	assert_int_equal(sg_smtp_server_finish(h->s, 554, "5.7.1",
					       "spam refused\nsee http://x/\r\n250 fake\x01"),
			 SG_OK);
	h_expect(h, "", "554-5.7.1 spam refused\r\n554-5.7.1 see http://x/?\r\n"
		 "554 5.7.1 250 fake?\r\n");

	start_message(h);
	h_send(h, "x\r\n.\r\n");
	assert_int_equal(sg_smtp_server_finish(h->s, 452, NULL, NULL), SG_OK);
	h_expect(h, "", "452 4.0.0 Error\r\n");
	start_message(h);
	h_send(h, "x\r\n.\r\n");
	assert_int_equal(sg_smtp_server_finish(h->s, 550, NULL, "no"), SG_OK);
	h_expect(h, "", "550 5.0.0 no\r\n");
	h_free(h);
}

static void test_take_message(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);
	struct sg_buf b;
	size_t len;

	(void)state;
	sg_buf_init(&b, 0);
	assert_int_equal(sg_smtp_server_take_message(h->s, &b), SG_E_STATE);
	start_message(h);
	h_send(h, "Subject: hi\r\n\r\nbody\r\n.\r\n");
	assert_int_equal(sg_smtp_server_take_message(h->s, &b), SG_OK);
	assert_int_equal(b.len, 21);
	assert_memory_equal(b.data, "Subject: hi\r\n\r\nbody\r\n", 21);
	assert_non_null(sg_smtp_server_message(h->s, &len));
	assert_int_equal(len, 0);		/* the machine kept nothing */
	assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, "queued"), SG_OK);
	sg_buf_free(&b);
	h_free(h);
}

/* first_dot: where the unstuffed message's first line-start '.' is. */
static void expect_first_dot(const char *text, size_t want)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);
	struct sg_buf b;

	sg_buf_init(&b, 0);
	assert_int_equal(sg_smtp_server_first_dot(h->s), 0);	/* not in MESSAGE */
	start_message(h);
	h_send(h, text);
	assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_MESSAGE);
	assert_int_equal(sg_smtp_server_first_dot(h->s), want);
	assert_int_equal(sg_smtp_server_take_message(h->s, &b), SG_OK);
	assert_int_equal(sg_smtp_server_first_dot(h->s), want);	/* taken: the same */
	assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, "queued"), SG_OK);
	assert_int_equal(sg_smtp_server_first_dot(h->s), 0);
	sg_buf_free(&b);
	h_free(h);
}

static void test_first_dot(void **state)
{
	(void)state;
	expect_first_dot(".\r\n", 0);				/* empty: its length */
	expect_first_dot("a\r\n.\r\n", 3);			/* none: the length */
	expect_first_dot(".x\r\na.b\r\n.\r\n", 8);		/* ".x" unstuffed to "x" */
	expect_first_dot("..\r\n.\r\n", 0);
	expect_first_dot("ab\r\n.x\r\n...y\r\n..\r\n.\r\n", 7);	/* "..y" at 7 */
}

static void test_pipelining_stops_at_message(void **state)
{
	struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);
	const char *rest;

	(void)state;
	start_message(h);
	h_send(h, "body\r\n.\r\nMAIL FROM:<a@b.c>\r\nQUIT\r\n");
	rest = "MAIL FROM:<a@b.c>\r\nQUIT\r\n";
	assert_int_equal(h->unused, strlen(rest));
	assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, "queued"), SG_OK);
	h_expect(h, rest, "250 2.0.0 queued\r\n250 2.1.0 Ok\r\n221 2.0.0 Bye\r\n");
	h_free(h);
}

static const char session[] =
	"EHLO c.example\r\nNOOP\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\n"
	"RCPT TO:<bad\r\nBOGUS\r\nDATA\r\n"
	"Subject: one\r\n\r\n..leading dot\r\n.x\r\n.\r\n"
	"MAIL FROM:<>\r\nRCPT TO:<z@y.example>\r\nDATA\r\n"
	"a\n.\nb\r\n\0\r\n.\r\n"
	"MAIL FROM:<q@b.example>\r\nRCPT TO:<z@y.example>\r\nDATA\r\n"
	"Subject: two\r\n\r\n.\r\n.\r\n"
	"NOOP\nVRFY x\r\nHELP\r\nRSET\r\nQUIT\r\nNOOP\r\n";

static void check_chunking(unsigned answer)
{
	char *whole = h_run(&cfg, SG_SMTP_SERVER_RELAY_CLIENT, session, sizeof(session) - 1, 0,
			    answer);

	for (size_t chunk = 1; chunk < sizeof(session); chunk++) {
		char *got = h_run(&cfg, SG_SMTP_SERVER_RELAY_CLIENT, session,
				  sizeof(session) - 1, chunk, answer);

		if (strcmp(got, whole) != 0)
			fail_msg("chunk size %zu:\n%s\nall at once:\n%s", chunk, got, whole);
		free(got);
	}
	assert_non_null(strstr(whole, "\n--\nSubject: one\r\n\r\n.leading dot\r\nx\r\n\n--\n"));
	assert_non_null(strstr(whole, "\n--\nSubject: two\r\n\r\n"));
	assert_non_null(strstr(whole, "550 5.6.0 Error: message refused: bare LF (line ends "
			       "must be CRLF) in line 1\r\n"));
	assert_non_null(strstr(whole, "221 2.0.0 Bye\r\n\n--\n"));
	free(whole);
}

static void test_chunk_boundaries(void **state)
{
	(void)state;
	check_chunking(250);
	check_chunking(451);
}

static void test_command_line_limit(void **state)
{
	struct harness *h = h_ready(&cfg, 0);
	char line[6000];

	(void)state;
	/* 510 octets + CRLF = 512: accepted */
	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	memcpy(line + 510, "\r\n", 3);
	h_expect(h, line, "250 2.0.0 Ok\r\n");
	/* 511 + LF = 512 */
	memcpy(line + 511, "\n", 2);
	h_expect(h, line, "250 2.0.0 Ok\r\n");
	/* 511 + CRLF = 513 */
	memcpy(line + 511, "\r\n", 3);
	h_expect(h, line, "500 5.5.6 Error: line too long (limit 512 octets)\r\n");
	/* far over the buffer, then a good command in the same read */
	memset(line + 5, 'x', 5000 - 5);
	memcpy(line + 5000, "\r\nNOOP\r\n", 9);
	h_expect(h, line, "500 5.5.6 Error: line too long (limit 512 octets)\r\n"
		 "250 2.0.0 Ok\r\n");
	assert_int_equal(sg_smtp_server_errors(h->s), 2);
	h_free(h);
}

static void test_nul_and_bare_lf_commands(void **state)
{
	struct harness *h = h_ready(&cfg, 0);

	(void)state;
	h_send_n(h, "NO\0OP\r\n", 7);
	free(h_out(h));
	assert_string_equal(sg_smtp_server_last_error(h->s)->msg,
			    "line 2: 500 5.5.2 Error: NUL byte in command line");
	h_send_n(h, "\0\r\n", 3);
	free(h_out(h));
	h_expect(h, "NOOP\nNOOP\r\n", "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
	assert_int_equal(sg_smtp_server_errors(h->s), 2);
	h_free(h);
}

static void test_too_many_errors(void **state)
{
	struct sg_smtp_server_config few = cfg;
	struct harness *h;
	const char *in = "FOO\r\nNOOP\r\nBAR\r\nBAZ\r\nNOOP\r\n";

	(void)state;
	few.max_errors = 3;
	h = h_ready(&few, 0);
	h_send(h, in);
	assert_int_equal(h->unused, strlen("NOOP\r\n"));
	free(h_out(h));
	assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_CLOSING);
	h_free(h);

	h = h_ready(&few, 0);
	h_expect(h, in, "500 5.5.1 Error: command not recognized\r\n250 2.0.0 Ok\r\n"
		 "500 5.5.1 Error: command not recognized\r\n"
		 "500 5.5.1 Error: command not recognized\r\n"
		 "421 4.7.0 relay.test Error: too many errors\r\n");
	h_free(h);
}

static char *data_reply(const struct sg_smtp_server_config *c, const char *text, size_t len)
{
	struct harness *h = h_ready(c, SG_SMTP_SERVER_RELAY_CLIENT);
	char *out;

	h_send(h, "MAIL FROM:<a@b.c>\r\nRCPT TO:<x@y.z>\r\nDATA\r\n");
	free(h_out(h));
	h_send_n(h, text, len);
	if (sg_smtp_server_state(h->s) == SG_SMTP_SERVER_MESSAGE)
		assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, "queued"), SG_OK);
	h_drain(h);
	assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_COMMAND);
	out = h_out(h);
	h_free(h);
	return out;
}

static void expect_data(const struct sg_smtp_server_config *c, const char *text, size_t len,
			const char *want)
{
	char *got = data_reply(c, text, len);

	assert_string_equal(got, want);
	free(got);
}

static void test_data_problems(void **state)
{
	struct sg_smtp_server_config small = cfg;
	char line[1100];

	(void)state;
	small.max_message_size = 10;
	expect_data(&small, "0123456789.\r\n.\r\n", 16, "552 5.3.4 Error: message size "
		    "exceeds fixed maximum message size (10)\r\n");
	expect_data(&small, "01234567\r\n.\r\n", 13, "250 2.0.0 queued\r\n");
	expect_data(&cfg, "a\r\nb\nc\r\n.\r\n", 11, "550 5.6.0 Error: message refused: "
		    "bare LF (line ends must be CRLF) in line 2\r\n");
	expect_data(&cfg, "a\rb\r\n.\r\n", 8, "550 5.6.0 Error: message refused: "
		    "bare CR (line ends must be CRLF) in line 1\r\n");
	expect_data(&cfg, "a\0b\r\n.\r\n", 8, "550 5.6.0 Error: message refused: "
		    "NUL byte in line 1\r\n");
	memset(line, 'a', sizeof(line));
	memcpy(line + 998, "\r\n.\r\n", 5);	/* 1000 with CRLF: accepted */
	expect_data(&cfg, line, 1003, "250 2.0.0 queued\r\n");
	line[0] = '.';
	memcpy(line + 998, "a\r\n.\r\n", 6);	/* 1001 with the stuffing dot */
	expect_data(&cfg, line, 1004, "550 5.6.0 Error: message refused: "
		    "line longer than 1000 octets in line 1\r\n");
	/* SMTP smuggling: neither LF.LF nor LF.CRLF ends the data */
	expect_data(&cfg, "a\r\n\n.\nMAIL FROM:<e@x.y>\r\n\n.\r\nRCPT TO:<e@x.y>\r\n.\r\n",
		    49, "550 5.6.0 Error: message refused: bare LF (line ends must be "
		    "CRLF) in line 2\r\n");
}

static void test_one_megabyte_header(void **state)
{
	size_t n = 1 << 20, len = 0;
	char *text = malloc(n + 64);
	char *got;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text, "X-Big: ");
	while (len + 80 < n)
		len += (size_t)sprintf(text + len, "%s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\t");
	len += (size_t)sprintf(text + len, "end\r\n\r\nbody\r\n.\r\n");
	got = data_reply(&cfg, text, len);
	assert_string_equal(got, "250 2.0.0 queued\r\n");	/* folded: fine here */
	free(got);
	memset(text, 'h', n);			/* one 1 MB line */
	memcpy(text + n, "\r\n.\r\n", 5);
	got = data_reply(&cfg, text, n + 5);
	assert_string_equal(got, "550 5.6.0 Error: message refused: line longer than 1000 "
			    "octets in line 1\r\n");
	free(got);
	free(text);
}

static void test_abort(void **state)
{
	static const struct {
		enum sg_smtp_abort_reason why;
		const char *reply;
	} cases[] = {
		{ SG_SMTP_ABORT_TIMEOUT, "421 4.4.2 relay.test Error: timeout exceeded\r\n" },
		{ SG_SMTP_ABORT_TOO_SLOW, "421 4.7.0 relay.test Error: data rate too low\r\n" },
		{ SG_SMTP_ABORT_SHUTDOWN, "421 4.3.2 relay.test Service shutting down\r\n" },
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct harness *h = h_ready(&cfg, SG_SMTP_SERVER_RELAY_CLIENT);

		start_message(h);
		if (i == 2)
			h_send(h, "x\r\n.\r\n");	/* even with a message waiting */
		sg_smtp_server_abort(h->s, cases[i].why);
		sg_smtp_server_abort(h->s, cases[i].why);	/* once only */
		h_expect(h, "", cases[i].reply);
		assert_int_equal(sg_smtp_server_state(h->s), SG_SMTP_SERVER_CLOSING);
		assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, NULL), SG_E_STATE);
		h_free(h);
	}
}

static void test_backpressure_and_partial_writes(void **state)
{
	struct harness *h = h_ready(&cfg, 0);
	size_t count = 4000, len = count * 6, used, n;
	char *in = malloc(len), *out;
	const char *p;

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i < count; i++)
		memcpy(in + 6 * i, "NOOP\r\n", 6);
	used = sg_smtp_server_feed(h->s, in, len);
	assert_true(used < len);		/* stopped: replies not written */
	p = sg_smtp_server_output(h->s, &n);
	assert_true(n >= SG_SMTP_SERVER_OUTPUT_HIGH && n < 2 * SG_SMTP_SERVER_OUTPUT_HIGH);
	assert_int_equal(sg_smtp_server_feed(h->s, in + used, len - used), 0);
	assert_memory_equal(p, "250 2.0.0 Ok\r\n", 14);
	sg_smtp_server_output_done(h->s, 3);	/* a partial write */
	p = sg_smtp_server_output(h->s, &n);
	assert_memory_equal(p, " 2.0.0 Ok\r\n250", 14);
	while (used < len) {
		h_drain(h);
		used += sg_smtp_server_feed(h->s, in + used, len - used);
	}
	h_drain(h);
	out = h_out(h);
	assert_int_equal(strlen(out), count * 14 - 3);
	free(out);
	free(in);
	h_free(h);
}

static void test_garbage(void **state)
{
	uint32_t x = 12345;
	char *in = malloc(1 << 17);

	(void)state;
	assert_non_null(in);
	for (int round = 0; round < 8; round++) {
		struct sg_smtp_server_config c = cfg;
		struct harness *h;
		size_t used = 0, len = 1 << 17;

		c.max_errors = round < 4 ? 1000000 : 5;
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			in[i] = (char)(round & 1 ? (char)(x >> 16) : "\r\n.MAIL RCPT<>@DATA:x"[(x >> 16) % 20]);
		}
		h = h_ready(&c, round & 2 ? SG_SMTP_SERVER_RELAY_CLIENT : 0);
		while (used < len && sg_smtp_server_state(h->s) != SG_SMTP_SERVER_CLOSING) {
			size_t n;

			used += sg_smtp_server_feed(h->s, in + used, len - used);
			(void)sg_smtp_server_output(h->s, &n);
			assert_true(n < 2 * SG_SMTP_SERVER_OUTPUT_HIGH);
			h_drain(h);
			sg_buf_reset(&h->transcript);
			if (sg_smtp_server_state(h->s) == SG_SMTP_SERVER_MESSAGE)
				assert_int_equal(sg_smtp_server_finish(h->s, 250, NULL, "q"), SG_OK);
		}
		h_free(h);
	}
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_transaction),
		cmocka_unit_test(test_finish_outcomes),
		cmocka_unit_test(test_take_message),
		cmocka_unit_test(test_first_dot),
		cmocka_unit_test(test_pipelining_stops_at_message),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_command_line_limit),
		cmocka_unit_test(test_nul_and_bare_lf_commands),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_data_problems),
		cmocka_unit_test(test_one_megabyte_header),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_backpressure_and_partial_writes),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
