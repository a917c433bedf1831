/*
 * NAME
 *   test_smtp_client_text.c - unit tests for dataplane/smtp/smtp_client_text.c
 *
 * SUMMARY
 *   Dot-stuffing against a reference (every line-start '.' doubled, then
 *   ".\r\n", or "\r\n.\r\n" after a last line without CRLF): fixed cases
 *   (a first line starting with '.', consecutive dot lines, a lone ".",
 *   dots inside lines, the empty message) and thousands of random
 *   messages, each written with every write size from 1 octet up and with
 *   one iovec at a time; the iovecs point into the caller's message (no
 *   copy) except for the doubling "." and the trailer; the message check
 *   (NUL, bare CR, bare LF with line and offset); output only in the
 *   states that have any. A prefix (sg_smtp_client_send_prefixed): sent
 *   first as one iovec into the caller's memory, SIZE= counting it, the
 *   message after it stuffed as without, partial writes of every size
 *   across the boundary; prefixes refused (no CRLF at the end, a
 *   line-start dot, bare LF). A checked text (sg_smtp_text_check,
 *   sg_smtp_client_send_text): its first dot, the same wire as
 *   sg_smtp_client_send, the prefix and envelope still checked, a dot
 *   offset past the end meaning none.
 */
#include "client_harness.h"

static const struct sg_smtp_client_config cfg = { .helo_name = "relay.test" };

static struct sg_smtp_envelope env;

/* The reference: what the wire must carry after 354. */
static char *stuffed(const char *m, size_t n)
{
	char *out = malloc(2 * n + 8), *p = out;

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		if (m[i] == '.' && (i == 0 || (i >= 2 && m[i - 2] == '\r' && m[i - 1] == '\n')))
			*p++ = '.';
		*p++ = m[i];
	}
	if (n > 0 && !(n >= 2 && m[n - 2] == '\r' && m[n - 1] == '\n'))
		p += sprintf(p, "\r\n");
	strcpy(p, ".\r\n");
	return out;
}

/* A client in TEXT state for msg. */
static struct sg_smtp_client *at_text(const char *m, size_t n)
{
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);

	assert_int_equal(sg_smtp_client_send(c, &env, m, n, NULL), SG_OK);
	free(c_out(c, 0));
	assert_int_equal(sg_smtp_client_output(c, &(struct iovec){ 0 }, 1), 0);
	c_reply(c, "250 a\r\n250 b\r\n354 c\r\n");
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_TEXT);
	return c;
}

static void check_stuffing(const char *m, size_t n, size_t write_max)
{
	struct sg_smtp_client *c = at_text(m, n);
	char *want = stuffed(m, n), *got = c_out(c, write_max);

	if (strcmp(got, want) != 0)
		fail_msg("message %s, writes of %zu:\nwanted %s\ngot    %s", tu_escaped(m, n),
			 write_max, tu_escaped(want, strlen(want)), tu_escaped(got, strlen(got)));
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_FINAL);
	assert_int_equal(sg_smtp_client_output(c, &(struct iovec){ 0 }, 1), 0);
	free(want);
	free(got);
	sg_smtp_client_free(c);
}

#define CHECK(s) check_stuffing(s, sizeof(s) - 1, 0)

static void test_fixed_cases(void **state)
{
	(void)state;
	CHECK("");
	CHECK("a\r\n");
	CHECK(".\r\n");
	CHECK("..\r\n");
	CHECK(".a\r\n.\r\n.\r\n..b\r\n");
	CHECK("a.b\r\nc.\r\n. .\r\n");
	CHECK("no line end");
	CHECK("x\r\n.");
	CHECK("\r\n.\r\n\r\n.");
	CHECK("Subject: t\r\n\r\n.\r\n");
}

static void test_random_messages(void **state)
{
	static const char pieces[][3] = { "\r\n", ".", "a", "\xff", " " };
	char m[200];
	uint32_t x = 7;

	(void)state;
	for (int round = 0; round < 400; round++) {
		size_t n = 0, len;

		x = x * 1103515245u + 12345u;
		len = (x >> 16) % 60;
		while (n < len) {
			x = x * 1103515245u + 12345u;
			const char *p = pieces[(x >> 16) % 5];

			memcpy(m + n, p, strlen(p));
			n += strlen(p);
		}
		for (size_t w = 1; w <= n + 8; w += 1 + w / 4)
			check_stuffing(m, n, w);
		check_stuffing(m, n, 0);
	}
}

static void test_no_copy(void **state)
{
	static const char m[] = "a\r\n.b\r\nc\r\n";
	struct sg_smtp_client *c = at_text(m, sizeof(m) - 1);
	struct iovec iov[8];
	int n = sg_smtp_client_output(c, iov, 8);

	(void)state;
	assert_int_equal(n, 4);
	assert_ptr_equal(iov[0].iov_base, m);			/* "a\r\n" */
	assert_int_equal(iov[0].iov_len, 3);
	assert_int_equal(iov[1].iov_len, 1);			/* the doubling dot */
	assert_memory_equal(iov[1].iov_base, ".", 1);
	assert_ptr_equal(iov[2].iov_base, m + 3);		/* ".b\r\nc\r\n" */
	assert_int_equal(iov[2].iov_len, sizeof(m) - 1 - 3);
	assert_memory_equal(iov[3].iov_base, ".\r\n", 3);
	/* one iovec at a time gives the same */
	assert_int_equal(sg_smtp_client_output(c, iov, 1), 1);
	assert_ptr_equal(iov[0].iov_base, m);
	assert_int_equal(sg_smtp_client_output(c, iov, 0), 0);
	sg_smtp_client_output_done(c, 4);			/* through the dot */
	assert_int_equal(sg_smtp_client_output(c, iov, 8), 2);
	assert_ptr_equal(iov[0].iov_base, m + 3);
	sg_smtp_client_free(c);
}

static void test_message_check(void **state)
{
	static const struct {
		const char *m;
		size_t n;
		const char *why;
	} bad[] = {
		{ "a\0b\r\n", 5, "message line 1: NUL byte at offset 1" },
		{ "a\r\nb\rc\r\n", 8, "message line 2: bare CR at offset 4" },
		{ "a\r\nb\r", 5, "message line 2: bare CR at offset 4" },
		{ "\na", 2, "message line 1: bare LF at offset 0" },
		{ "a\r\n\r\nb\n", 7, "message line 3: bare LF at offset 6" },
	};
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sg_smtp_client_send(c, &env, bad[i].m, bad[i].n, &err),
				 SG_E_SYNTAX);
		assert_string_equal(err.msg, bad[i].why);
	}
	c_expect_out(c, "");
	sg_smtp_client_free(c);
}

/* The rule, byte by byte: no NUL, CR only before LF, LF only after CR. */
static bool reference_clean(const char *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i] == '\0' || (m[i] == '\r' && (i + 1 == n || m[i + 1] != '\n')) ||
		    (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')))
			return false;
	}
	return true;
}

/* Every string of up to 6 bytes over {a, CR, LF, NUL}: the client accepts
 * exactly the clean ones (its fast memchr check and its exact scan agree). */
static void test_message_check_exhaustive(void **state)
{
	static const char alphabet[4] = { 'a', '\r', '\n', '\0' };
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);
	struct sg_error err;
	char m[6];

	(void)state;
	for (size_t n = 1; n <= sizeof(m); n++) {
		for (unsigned code = 0; code < 1u << (2 * n); code++) {
			enum sg_err rc;

			for (size_t i = 0; i < n; i++)
				m[i] = alphabet[(code >> (2 * i)) & 3];
			rc = sg_smtp_client_send(c, &env, m, n, &err);
			if (reference_clean(m, n)) {
				assert_int_equal(rc, SG_OK);
				sg_smtp_client_free(c);	/* a transaction started */
				c = c_ready(&cfg, EHLO_PIPELINING);
			} else {
				assert_int_equal(rc, SG_E_SYNTAX);
			}
		}
	}
	sg_smtp_client_free(c);
}

static void test_prefix(void **state)
{
	static const char pre[] = "X-Sig: a=1;\r\n\tb=2\r\n";
	static const char m[] = ".hi\r\nthere\r\n";
	static const char want[] = "X-Sig: a=1;\r\n\tb=2\r\n..hi\r\nthere\r\n.\r\n";
	struct sg_smtp_client *c;
	struct iovec iov[8];
	char *got;

	(void)state;
	for (size_t w = 0; w < sizeof(want); w++) {
		c = c_ready(&cfg, EHLO_PIPELINING);
		assert_int_equal(sg_smtp_client_send_prefixed(c, &env, pre, sizeof(pre) - 1, m,
							      sizeof(m) - 1, NULL), SG_OK);
		got = c_out(c, 0);
		assert_non_null(strstr(got, " SIZE=31\r\n"));	/* 19 + 12 */
		free(got);
		c_reply(c, "250 a\r\n250 b\r\n354 c\r\n");
		assert_int_equal(sg_smtp_client_output(c, iov, 8), 4);
		assert_ptr_equal(iov[0].iov_base, pre);
		assert_int_equal(iov[0].iov_len, sizeof(pre) - 1);
		got = c_out(c, w);
		assert_string_equal(got, want);
		assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_FINAL);
		free(got);
		sg_smtp_client_free(c);
	}
}

static void test_prefix_refused(void **state)
{
	static const struct {
		const char *pre;
		enum sg_err rc;
	} bad[] = {
		{ "X: 1", SG_E_ARG },
		{ ".X: 1\r\n", SG_E_ARG },
		{ "X: 1\r\n.Y: 2\r\n", SG_E_ARG },
		{ "X: 1\nY: 2\r\n", SG_E_SYNTAX },
		{ "\r", SG_E_SYNTAX },
	};
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sg_smtp_client_send_prefixed(c, &env, bad[i].pre,
							      strlen(bad[i].pre), "a\r\n", 3,
							      &err), bad[i].rc);
	c_expect_out(c, "");
	assert_int_equal(sg_smtp_client_send_prefixed(c, &env, "", 0, "a\r\n", 3, &err), SG_OK);
	sg_smtp_client_free(c);
}

/* The wire after 354 for msg sent as a checked text (whole output). */
static char *text_wire(const struct sg_smtp_text *t, const char *pre, size_t pre_len)
{
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);
	char *got;

	assert_int_equal(sg_smtp_client_send_text(c, &env, pre, pre_len, t, NULL), SG_OK);
	free(c_out(c, 0));
	c_reply(c, "250 a\r\n250 b\r\n354 c\r\n");
	got = c_out(c, 0);
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_FINAL);
	sg_smtp_client_free(c);
	return got;
}

static void test_checked_text(void **state)
{
	static const char *const msgs[] = { "", ".a\r\nb\r\n..c\r\n", "a\r\n.b", "abc",
					    "x\r\n.\r\n", "a.b\r\n\r\n.." };
	static const size_t dots[] = { 0, 0, 3, 3, 3, 7 };
	struct sg_smtp_text t;
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		size_t n = strlen(msgs[i]);
		char *want = stuffed(msgs[i], n), *got;

		assert_int_equal(sg_smtp_text_check(&t, msgs[i], n, &err), SG_OK);
		assert_ptr_equal(t.msg, msgs[i]);
		assert_int_equal(t.len, n);
		assert_int_equal(t.first_dot, dots[i]);
		got = text_wire(&t, NULL, 0);
		assert_string_equal(got, want);		/* as sg_smtp_client_send */
		free(got);
		free(want);
	}
	assert_int_equal(sg_smtp_text_check(&t, "a\nb", 3, &err), SG_E_SYNTAX);
	assert_int_equal(sg_smtp_text_check(&t, "a\rb", 3, &err), SG_E_SYNTAX);
	assert_int_equal(sg_smtp_text_check(&t, "a\0b", 3, &err), SG_E_SYNTAX);
	/* a dot offset past the end means none */
	t = (struct sg_smtp_text){ "a\r\n", 3, 99 };
	{
		char *got = text_wire(&t, "X: 1\r\n", 6);

		assert_string_equal(got, "X: 1\r\na\r\n.\r\n");
		free(got);
	}
}

static void test_checked_text_refused(void **state)
{
	struct sg_smtp_client *c = c_ready(&cfg, EHLO_PIPELINING);
	struct sg_smtp_text t = { "a\r\n", 3, 3 };
	struct sg_smtp_envelope none;
	struct sg_error err;

	(void)state;
	/* the prefix and the envelope are checked as by send_prefixed */
	assert_int_equal(sg_smtp_client_send_text(c, &env, ".X: 1\r\n", 7, &t, &err), SG_E_ARG);
	assert_int_equal(sg_smtp_client_send_text(c, &env, "X: 1\n", 5, &t, &err), SG_E_SYNTAX);
	sg_smtp_envelope_init(&none, 1);
	assert_int_equal(sg_smtp_client_send_text(c, &none, NULL, 0, &t, &err), SG_E_ARG);
	sg_smtp_envelope_free(&none);
	c_expect_out(c, "");
	assert_int_equal(sg_smtp_client_send_text(c, &env, NULL, 0, &t, &err), SG_OK);
	assert_int_equal(sg_smtp_client_send_text(c, &env, NULL, 0, &t, &err), SG_E_STATE);
	sg_smtp_client_free(c);
}

static int setup(void **state)
{
	(void)state;
	sg_smtp_envelope_init(&env, 2);
	assert_int_equal(sg_smtp_envelope_set_from(&env, ""), SG_OK);
	assert_int_equal(sg_smtp_envelope_add_rcpt(&env, "r@b.example"), SG_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_smtp_envelope_free(&env);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_cases),
		cmocka_unit_test(test_random_messages),
		cmocka_unit_test(test_no_copy),
		cmocka_unit_test(test_message_check),
		cmocka_unit_test(test_message_check_exhaustive),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_prefix_refused),
		cmocka_unit_test(test_checked_text),
		cmocka_unit_test(test_checked_text_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
