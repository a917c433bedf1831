/*
 * NAME
 *   test_message_errors.c - dataplane/dkim/message.c refusing input
 *
 * SUMMARY
 *   Every malformed header line (no colon, empty name, bad name byte,
 *   leading continuation, mbox "From " line) with its line number and
 *   offset, whole and byte by byte, and the near misses that are not
 *   errors (a colon on a continuation line, "From :", an mbox line past
 *   line 1 is an ordinary bad line). Then every limit (header count,
 *   field bytes, header section bytes, message bytes) exactly at and one
 *   past, with the line the error names, with and without the bare-LF
 *   fix; and the limit errors the same wherever the input is cut. The
 *   reader's grammar, the bare-LF fix and the corpus are in
 *   test_message.c.
 */
#include "testutil.h"

#include "message_harness.h"

/* ---- malformed lines ------------------------------------------------ */

static void test_malformed_lines(void **state)
{
	(void)state;
	/* no colon: named at its own line, offset of that line */
	expect_error(NULL, false, S("From: a\r\nTo: b\r\nno colon here\r\nX: y\r\n\r\n"),
		     SG_E_SYNTAX, 3, 16, "no colon");
	/* ... also when it is the last line before the blank line or the end */
	expect_error(NULL, false, S("From: a\r\nbroken\r\n\r\nbody"), SG_E_SYNTAX, 2, 9,
		     "no colon");
	expect_error(NULL, false, S("From: a\r\nbroken"), SG_E_SYNTAX, 2, 9, "no colon");
	/* empty names */
	expect_error(NULL, false, S(": value\r\n\r\n"), SG_E_SYNTAX, 1, 0, "name is empty");
	/* bytes that cannot be in a name */
	expect_error(NULL, false, S("A: b\r\nBad Name: x\r\n\r\n"), SG_E_SYNTAX, 2, 6,
		     "invalid byte in header field name");
	expect_error(NULL, false, S("A: b\r\nC: d\r\nN\xc3\xa4me: x\r\n\r\n"), SG_E_SYNTAX, 3,
		     12, "invalid byte");
	expect_error(NULL, false, S("N\x01: x\r\n\r\n"), SG_E_SYNTAX, 1, 0, "invalid byte");
	expect_error(NULL, false, S("N\x7f: x\r\n\r\n"), SG_E_SYNTAX, 1, 0, "invalid byte");
	/* a continuation line with nothing to continue */
	expect_error(NULL, false, S(" Folded: x\r\n\r\n"), SG_E_SYNTAX, 1, 0, "continuation");
	expect_error(NULL, false, S("\tx\r\n"), SG_E_SYNTAX, 1, 0, "continuation");
}

/* "A: b\r\n   : value" is a fold of A, not a field with an empty name. */
static void test_colon_on_continuation_line(void **state)
{
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S("A: b\r\n   : value\r\n\r\n")), SG_OK);
	f = fields_of(&r, 1);
	assert_field(&f[0], "A: b\r\n   : value", "A", 1);
	run_free(&r);
}

static void test_mbox_from_line(void **state)
{
	(void)state;
	expect_error(NULL, false, S("From joe@example.com\r\nFrom: joe\r\n\r\n"), SG_E_SYNTAX, 1,
		     0, "mbox \"From \"");
	/* the usual mbox line carries a time, hence colons */
	expect_error(NULL, false,
		     S("From MAILER-DAEMON Fri Jul  8 12:08:34 2011\r\nFrom: joe\r\n\r\n"),
		     SG_E_SYNTAX, 1, 0, "mbox \"From \"");
	expect_error(NULL, true, S("From joe@example.com Sat Jan  3 01:05:34 1996\nTo: x\n\n"),
		     SG_E_SYNTAX, 1, 0, "mbox");
}

/* "From :" (WSP before the colon) is a From field, not an mbox line; an mbox
 * line anywhere but line 1 is an ordinary bad line. */
static void test_not_mbox(void **state)
{
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S("From : joe@example.com\r\n\r\n")), SG_OK);
	f = fields_of(&r, 1);
	assert_true(sg_header_is(&f[0], "From"));
	run_free(&r);
	expect_error(NULL, false, S("To: x\r\nFrom joe@example.com\r\n\r\n"), SG_E_SYNTAX, 2, 7,
		     "no colon");
	expect_error(NULL, false, S("To: x\r\nFrom joe Sat Jan  3 01:05:34 1996\r\n\r\n"),
		     SG_E_SYNTAX, 2, 7, "invalid byte");
}

/* ---- limits --------------------------------------------------------- */

static void limits(struct sg_limits *l)
{
	sg_limits_default(l);
}

static void test_limit_header_count(void **state)
{
	struct sg_limits l;
	struct run r;

	(void)state;
	limits(&l);
	l.max_headers = 3;
	assert_int_equal(run_whole(&r, &l, false, S("A: 1\r\nB: 2\r\n C\r\nD: 3\r\n\r\n")), SG_OK);
	fields_of(&r, 3);
	run_free(&r);
	expect_error(&l, false, S("A: 1\r\nB: 2\r\n C\r\nD: 3\r\nE: 4\r\n\r\n"), SG_E_LIMIT, 5,
		     22, "more header fields than the limit");
	/* the same without a blank line: the extra field is found at finish */
	expect_error(&l, false, S("A: 1\r\nB: 2\r\nD: 3\r\nE: 4"), SG_E_LIMIT, 4, 18,
		     "more header fields");
	l.max_headers = 0;
	expect_error(&l, false, S("A: 1\r\n\r\n"), SG_E_LIMIT, 1, 0, "more header fields");
	assert_int_equal(run_whole(&r, &l, false, S("\r\nbody")), SG_OK);
	run_free(&r);
}

static void test_limit_field_bytes(void **state)
{
	struct sg_limits l;
	struct run r;

	(void)state;
	limits(&l);
	l.max_field_bytes = 10;		/* "Subject: x" */
	assert_int_equal(run_whole(&r, &l, false, S("A: b\r\nSubject: 1\r\n\r\n")), SG_OK);
	run_free(&r);
	expect_error(&l, false, S("A: b\r\nSubject: 12\r\n\r\n"), SG_E_LIMIT, 2, 6,
		     "header field longer than the limit");
	/* a fold counts (CRLF included): "S: 1234\r\n 67" is 12 bytes */
	l.max_field_bytes = 12;
	assert_int_equal(run_whole(&r, &l, false, S("S: 1234\r\n 67\r\n\r\n")), SG_OK);
	run_free(&r);
	expect_error(&l, false, S("S: 1234\r\n 678\r\n\r\n"), SG_E_LIMIT, 2, 9, "field longer");
	/* the last field, ended by the end of input */
	expect_error(&l, false, S("A: b\r\nS: 1234567890"), SG_E_LIMIT, 2, 6, "field longer");
}

/* The header section is everything before the body, the empty line
 * included. */
static void test_limit_header_bytes(void **state)
{
	struct sg_limits l;
	struct run r;

	(void)state;
	limits(&l);
	l.max_header_bytes = 15;
	assert_int_equal(run_whole(&r, &l, false, S("A: b\r\nC: de\r\n\r\nbody can be long")),
			 SG_OK);
	run_free(&r);
	expect_error(&l, false, S("A: b\r\nC: def\r\n\r\n"), SG_E_LIMIT, 3, 14,
		     "header section longer than the limit");
	expect_error(&l, false, S("A: b\r\nC: defghijkl\r\n\r\n"), SG_E_LIMIT, 2, 6,
		     "header section longer");
	/* the CR the LF fix adds counts */
	assert_int_equal(run_whole(&r, &l, true, S("A: b\nC: de\n\n")), SG_OK);
	run_free(&r);
	expect_error(&l, true, S("A: b\nC: def\n\n"), SG_E_LIMIT, 3, 14, "header section");
}

static void test_limit_message_bytes(void **state)
{
	struct sg_limits l;
	struct run r;

	(void)state;
	limits(&l);
	l.max_message_bytes = 12;
	assert_int_equal(run_whole(&r, &l, false, S("A: b\r\n\r\nbody")), SG_OK);
	assert_body(&r, "body", 4);
	run_free(&r);
	assert_int_equal(run_bytewise(&r, &l, false, S("A: b\r\n\r\nbody")), SG_OK);
	run_free(&r);
	/* one past, in the body: no line to name */
	expect_error(&l, false, S("A: b\r\n\r\nbodyX"), SG_E_LIMIT, 0, 12,
		     "message larger than the limit");
	/* one past, still in the header section: the line where it happened */
	expect_error(&l, false, S("A: b\r\nC: d\r\nE: f\r\n\r\n"), SG_E_LIMIT, 3, 12,
		     "message larger than the limit");
	/* the LF fix makes the message longer */
	assert_int_equal(run_whole(&r, &l, true, S("A: b\n\nbo\n")), SG_OK);
	assert_int_equal(sg_msg_parser_bytes(r.p), 12);
	run_free(&r);
	expect_error(&l, true, S("A: b\n\nbod\n"), SG_E_LIMIT, 0, 12, "message larger");
	expect_error(&l, true, S("A: b\nC: d\nE: f\n\n"), SG_E_LIMIT, 3, 12, "message larger");
}

/* ---- split sweep ---------------------------------------------------- */

static void test_split_sweep_limits(void **state)
{
	static const char msg[] = "A: b\r\nSubject: c\r\n d\r\nE: f\r\n\r\nbody\r\nmore\r\n";
	struct sg_limits l;

	(void)state;
	limits(&l);
	for (size_t k = 0; k < 5; k++) {
		limits(&l);
		switch (k) {
		case 0: l.max_headers = 2; break;
		case 1: l.max_field_bytes = 12; break;
		case 2: l.max_header_bytes = 20; break;
		case 3: l.max_message_bytes = 30; break;
		case 4: l.max_message_bytes = 38; break;
		}
		assert_same_every_split(&l, false, S(msg));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_colon_on_continuation_line),
		cmocka_unit_test(test_mbox_from_line),
		cmocka_unit_test(test_not_mbox),
		cmocka_unit_test(test_limit_header_count),
		cmocka_unit_test(test_limit_field_bytes),
		cmocka_unit_test(test_limit_header_bytes),
		cmocka_unit_test(test_limit_message_bytes),
		cmocka_unit_test(test_split_sweep_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
