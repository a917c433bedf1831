/*
 * NAME
 *   test_message.c - unit tests for dataplane/dkim/message.c
 *
 * SUMMARY
 *   Edges first: NULL limits/events, the empty message, a message that is
 *   only the blank line, headers without a blank line (with and without a
 *   final CRLF), state errors after finish. Then the header grammar:
 *   folding, WSP before the colon, case-insensitive sg_header_is, repeated
 *   fields in order, 8-bit values, a bare LF kept as a byte without the
 *   fix. Then the bare-LF fix (headers and body, CR at the end of one
 *   chunk and LF at the start of the next, lone CR, bytes counted). Then
 *   the split sweep: every 2-way split and a byte-by-byte feed of several
 *   messages (some of them malformed) give the same fields, body bytes
 *   and errors as one feed. Last, the corpus messages under
 *   ../shared/testdata parse the same whole and byte by byte, and the
 *   RFC 6376 A.2 fields with their lines. Malformed lines and the limits
 *   are in test_message_errors.c.
 */
#include "testutil.h"

#include <dirent.h>

#include "message_harness.h"

/* ---- edges ---------------------------------------------------------- */

static void test_free_null(void **state)
{
	(void)state;
	sg_msg_parser_free(NULL);
}

static void test_defaults(void **state)
{
	struct sg_limits l;
	struct sg_msg_parser *p;
	size_t n = 5;

	(void)state;
	sg_limits_default(&l);
	assert_int_equal(l.max_headers, 1000);
	assert_int_equal(l.max_field_bytes, 64 * 1024);
	assert_int_equal(l.max_header_bytes, 1024 * 1024);
	assert_true(l.max_message_bytes == 64ull * 1024 * 1024);
	/* NULL limits and NULL events: defaults, and nothing is called */
	p = sg_msg_parser_new(NULL, false, NULL);
	assert_non_null(p);
	assert_null(sg_msg_headers(p, &n));
	assert_int_equal(n, 0);
	assert_false(sg_msg_parser_in_body(p));
	assert_int_equal(sg_msg_parser_feed(p, S("A: b\r\n\r\nbody"), NULL), SG_OK);
	assert_true(sg_msg_parser_in_body(p));
	assert_int_equal(sg_msg_parser_finish(p, NULL), SG_OK);
	assert_non_null(sg_msg_headers(p, &n));
	assert_int_equal(n, 1);
	assert_int_equal(sg_msg_parser_bytes(p), 12);
	sg_msg_parser_free(p);
}

static void test_empty_message(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, "", 0), SG_OK);
	fields_of(&r, 0);
	assert_int_equal(r.eoh_calls, 1);	/* fires at finish */
	assert_int_equal(r.fields_at_eoh, 0);
	assert_body(&r, "", 0);
	assert_true(sg_msg_parser_in_body(r.p));
	assert_int_equal(sg_msg_parser_bytes(r.p), 0);
	/* a zero-length feed is not an error and changes nothing */
	run_free(&r);
	run_init(&r, NULL, false);
	assert_int_equal(sg_msg_parser_feed(r.p, NULL, 0, &r.err), SG_OK);
	assert_int_equal(sg_msg_parser_feed(r.p, "", 0, &r.err), SG_OK);
	assert_int_equal(r.eoh_calls, 0);
	assert_int_equal(sg_msg_parser_finish(r.p, &r.err), SG_OK);
	assert_int_equal(r.eoh_calls, 1);
	run_free(&r);
}

static void test_only_blank_line(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S("\r\n")), SG_OK);
	fields_of(&r, 0);
	assert_int_equal(r.eoh_calls, 1);
	assert_body(&r, "", 0);
	run_free(&r);
	/* everything after the first empty line is body, header-like or not */
	assert_int_equal(run_whole(&r, NULL, false, S("\r\nFrom: x\r\n\r\n")), SG_OK);
	fields_of(&r, 0);
	assert_body(&r, S("From: x\r\n\r\n"));
	run_free(&r);
}

static void test_no_blank_line(void **state)
{
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S("From: a\r\nTo: b\r\n")), SG_OK);
	f = fields_of(&r, 2);
	assert_field(&f[0], "From: a", "From", 1);
	assert_field(&f[1], "To: b", "To", 2);
	assert_int_equal(r.eoh_calls, 1);
	assert_int_equal(r.fields_at_eoh, 2);
	assert_body(&r, "", 0);
	run_free(&r);
	/* last line without CRLF */
	assert_int_equal(run_whole(&r, NULL, false, S("From: a\r\nTo: b")), SG_OK);
	f = fields_of(&r, 2);
	assert_field(&f[1], "To: b", "To", 2);
	run_free(&r);
	/* a folded field that ends the input */
	assert_int_equal(run_whole(&r, NULL, false, S("Subject: a\r\n b")), SG_OK);
	f = fields_of(&r, 1);
	assert_field(&f[0], "Subject: a\r\n b", "Subject", 1);
	run_free(&r);
}

static void test_state_errors(void **state)
{
	struct run r;
	struct sg_error e;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S("A: b\r\n\r\nx")), SG_OK);
	assert_int_equal(sg_msg_parser_feed(r.p, "y", 1, &e), SG_E_STATE);
	assert_int_equal(e.code, SG_E_STATE);
	assert_int_equal(sg_msg_parser_finish(r.p, &e), SG_E_STATE);
	assert_non_null(strstr(e.msg, "finished twice"));
	/* the fields stay readable after finish */
	fields_of(&r, 1);
	assert_body(&r, "x", 1);
	run_free(&r);
}

/* ---- header grammar -------------------------------------------------- */

static void test_simple_fields_and_body(void **state)
{
	static const char msg[] =
		"From: Joe <joe@example.com>\r\n"
		"To: suzie@example.net\r\n"
		"Subject: hi\r\n"
		"\r\n"
		"Hi.\r\n\r\nBye.\r\n";
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S(msg)), SG_OK);
	f = fields_of(&r, 3);
	assert_field(&f[0], "From: Joe <joe@example.com>", "From", 1);
	assert_int_equal(f[0].value_off, 5);
	assert_field(&f[1], "To: suzie@example.net", "To", 2);
	assert_field(&f[2], "Subject: hi", "Subject", 3);
	assert_int_equal(r.fields_at_eoh, 3);
	assert_body(&r, S("Hi.\r\n\r\nBye.\r\n"));
	assert_int_equal(sg_msg_parser_bytes(r.p), sizeof(msg) - 1);
	run_free(&r);
}

static void test_folding(void **state)
{
	static const char msg[] =
		"Subject: one\r\n"
		" two\r\n"
		"\tthree\r\n"
		"X-Empty:\r\n"
		"X-Fold-Empty:\r\n"
		" \r\n"
		"To: z\r\n"
		"\r\n";
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S(msg)), SG_OK);
	f = fields_of(&r, 4);
	assert_field(&f[0], "Subject: one\r\n two\r\n\tthree", "Subject", 1);
	assert_field(&f[1], "X-Empty:", "X-Empty", 4);
	assert_int_equal(f[1].value_off, f[1].len);
	assert_field(&f[2], "X-Fold-Empty:\r\n ", "X-Fold-Empty", 5);
	assert_field(&f[3], "To: z", "To", 7);
	run_free(&r);
}

static void test_wsp_before_colon(void **state)
{
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false,
				   S("Date   : today\r\nTo\t:x\r\nCc \t \t: y\r\n\r\n")), SG_OK);
	f = fields_of(&r, 3);
	assert_int_equal(f[0].name_len, 4);
	assert_int_equal(f[0].value_off, 8);
	assert_true(sg_header_is(&f[0], "Date"));
	assert_true(sg_header_is(&f[0], "date"));
	assert_false(sg_header_is(&f[0], "Date "));
	assert_false(sg_header_is(&f[0], "Date   "));
	assert_int_equal(f[1].name_len, 2);
	assert_true(sg_header_is(&f[1], "TO"));
	assert_int_equal(f[2].name_len, 2);
	assert_int_equal(f[2].value_off, 7);
	run_free(&r);
}

static void test_header_is(void **state)
{
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false,
				   S("DKIM-Signature: v=1\r\nFrom-X: a\r\nFrom: b\r\n\r\n")), SG_OK);
	f = fields_of(&r, 3);
	assert_true(sg_header_is(&f[0], "dkim-signature"));
	assert_true(sg_header_is(&f[0], "DKIM-SIGNATURE"));
	assert_true(sg_header_is(&f[0], "Dkim-Signature"));
	assert_false(sg_header_is(&f[0], "DKIM-Signatur"));
	assert_false(sg_header_is(&f[0], "DKIM-Signatures"));
	assert_false(sg_header_is(&f[0], ""));
	assert_false(sg_header_is(&f[1], "From"));	/* prefix of a longer name */
	assert_true(sg_header_is(&f[1], "from-x"));
	assert_true(sg_header_is(&f[2], "FROM"));
	assert_false(sg_header_is(&f[2], "From-X"));
	run_free(&r);
}

static void test_repeated_fields(void **state)
{
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false,
				   S("Received: 1\r\nReceived: 2\r\nrECEIVED: 3\r\nX: y\r\n"
				     "Received: 4\r\n\r\n")), SG_OK);
	f = fields_of(&r, 5);
	assert_field(&f[0], "Received: 1", "Received", 1);
	assert_field(&f[1], "Received: 2", "Received", 2);
	assert_field(&f[2], "rECEIVED: 3", "rECEIVED", 3);
	assert_true(sg_header_is(&f[2], "Received"));
	assert_field(&f[4], "Received: 4", "Received", 5);
	run_free(&r);
}

static void test_8bit_values(void **state)
{
	static const char msg[] = "Subject: Gr\xc3\xbc\xc3\x9f\xe2\x82\xac \xff\x80\r\n"
				  "X: \x01\x7f\r\n\r\n\xc3\xa9\r\n";
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S(msg)), SG_OK);
	f = fields_of(&r, 2);
	assert_field(&f[0], "Subject: Gr\xc3\xbc\xc3\x9f\xe2\x82\xac \xff\x80", "Subject", 1);
	assert_field(&f[1], "X: \x01\x7f", "X", 2);
	assert_body(&r, S("\xc3\xa9\r\n"));
	run_free(&r);
}

/* Without the fix a bare LF is an ordinary byte: it neither ends a line
 * nor the header section. */
static void test_bare_lf_kept_without_fix(void **state)
{
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, S("A: b\nC: d\r\n\r\nx\ny\r\n")), SG_OK);
	f = fields_of(&r, 1);
	assert_field(&f[0], "A: b\nC: d", "A", 1);
	assert_body(&r, S("x\ny\r\n"));
	assert_int_equal(sg_msg_parser_bytes(r.p), 18);
	run_free(&r);
}

/* ---- bare LF fix ---------------------------------------------------- */

static void test_bare_lf_fix(void **state)
{
	static const char lf[] = "From: a\nSubject: b\n c\n\nline1\nline2\r\n\nend\n";
	static const char crlf[] = "From: a\r\nSubject: b\r\n c\r\n\r\nline1\r\nline2\r\n\r\n"
				   "end\r\n";
	struct run a, b;
	char *fa, *fb;

	(void)state;
	assert_int_equal(run_whole(&a, NULL, true, S(lf)), SG_OK);
	assert_int_equal(run_whole(&b, NULL, false, S(crlf)), SG_OK);
	fa = fingerprint(&a);
	fb = fingerprint(&b);
	assert_string_equal(fa, fb);	/* includes the byte count after the fix */
	assert_int_equal(sg_msg_parser_bytes(a.p), sizeof(crlf) - 1);
	free(fa);
	free(fb);
	run_free(&a);
	run_free(&b);
	/* the fix leaves CRLF input alone */
	assert_int_equal(run_whole(&a, NULL, true, S(crlf)), SG_OK);
	assert_int_equal(run_whole(&b, NULL, false, S(crlf)), SG_OK);
	fa = fingerprint(&a);
	fb = fingerprint(&b);
	assert_string_equal(fa, fb);
	free(fa);
	free(fb);
	run_free(&a);
	run_free(&b);
}

static void test_bare_lf_fix_edges(void **state)
{
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	/* lone CR stays, CRCRLF is CR + CRLF, a leading LF in the body */
	assert_int_equal(run_whole(&r, NULL, true, S("A: b\rc\r\r\n\n\na\rb\n\r\r\n")), SG_OK);
	f = fields_of(&r, 1);
	assert_field(&f[0], "A: b\rc\r", "A", 1);
	assert_body(&r, S("\r\na\rb\r\n\r\r\n"));
	run_free(&r);
	/* LF-only blank line right after the fields; LF as the first byte */
	assert_int_equal(run_whole(&r, NULL, true, S("\nbody\n")), SG_OK);
	fields_of(&r, 0);
	assert_body(&r, S("body\r\n"));
	assert_int_equal(sg_msg_parser_bytes(r.p), 8);
	run_free(&r);
}

/* With the fix, lines that already end in CRLF reach the body callback
 * together (so the canonicalizers get large pieces); only a bare LF cuts
 * the stretch: "a..c" | "\r\n" | "d\r\ne\r\n" is three calls. */
static void test_bare_lf_fix_keeps_crlf_stretches(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, true, S("A: b\r\n\r\na\r\nb\r\nc\nd\r\ne\r\n")),
			 SG_OK);
	assert_body(&r, S("a\r\nb\r\nc\r\nd\r\ne\r\n"));
	assert_int_equal(r.body_calls, 3);
	run_free(&r);
	assert_int_equal(run_whole(&r, NULL, true, S("A: b\r\n\r\nline1\r\nline2\r\nline3\r\n")),
			 SG_OK);
	assert_int_equal(r.body_calls, 1);
	run_free(&r);
}

/* CR at the end of one chunk and LF at the start of the next is one CRLF,
 * in the header section and in the body. */
static void test_bare_lf_fix_across_chunks(void **state)
{
	static const char *const pieces[] = {
		"From: a\r", "\nTo: b\r", "\n\r", "\nbody\r", "\n\r", "\r", "\nx\r", "\r",
	};
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	run_init(&r, NULL, true);
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		assert_int_equal(sg_msg_parser_feed(r.p, pieces[i], strlen(pieces[i]), &r.err),
				 SG_OK);
	assert_int_equal(sg_msg_parser_finish(r.p, &r.err), SG_OK);
	f = fields_of(&r, 2);
	assert_field(&f[0], "From: a", "From", 1);
	assert_field(&f[1], "To: b", "To", 2);
	assert_body(&r, S("body\r\n\r\r\nx\r\r"));
	assert_int_equal(sg_msg_parser_bytes(r.p), 30);
	run_free(&r);
}


/* ---- split sweep ---------------------------------------------------- */

static void test_split_sweep(void **state)
{
	static const char *const msgs[] = {
		"Received: from a\r\n\tby b;\r\n Fri, 1 Jan\r\nDate   : now\r\n"
		"Subject: Gr\xc3\xbc\xc3\x9f\r\nsubject: again\r\nX-Empty:\r\n\r\n"
		"Hi.\r\n\r\n  trailing  \t\r\n\r\n\r\nno final crlf",
		"From: a\nSubject: b\n c\r\n\nline1\nline2\r\n\r\n\nend\rx\n",
		"\r\n",
		"\n",
		"From: a\r\nTo: b\r\n",
		"From: a\r\nTo: b",
		"A: b\r\n\r\n\r\n\r\n",
		"A: b\r\r\n\r\r\n",
		/* errors must be the same wherever the input is cut */
		"From: a\r\nno colon\r\nTo: b\r\n\r\nbody",
		"From x Sat Jan  3 01:05:34 1996\r\n\r\n",
		" lead: x\r\n\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_same_every_split(NULL, false, msgs[i], strlen(msgs[i]));
		assert_same_every_split(NULL, true, msgs[i], strlen(msgs[i]));
	}
}

/* ---- corpus --------------------------------------------------------- */

static void check_corpus_file(const char *path)
{
	size_t len;
	char *msg = tu_read(path, &len);
	struct run a, b;
	char *fa, *fb;

	run_whole(&a, NULL, false, msg, len);
	run_bytewise(&b, NULL, false, msg, len);
	fa = fingerprint(&a);
	fb = fingerprint(&b);
	if (strcmp(fa, fb) != 0)
		fail_msg("%s: byte by byte differs", path);
	/* files without a bare LF: the fix changes nothing */
	{
		size_t n;
		char *crlf = tu_crlf(msg, len, &n);

		if (n == len) {
			run_free(&b);
			run_whole(&b, NULL, true, msg, len);
			free(fb);
			fb = fingerprint(&b);
			assert_string_equal(fa, fb);
		}
		free(crlf);
	}
	free(fa);
	free(fb);
	run_free(&a);
	run_free(&b);
	free(msg);
}

static size_t check_corpus_dir(const char *rel)
{
	DIR *d = opendir(tu_testdata(rel));
	struct dirent *e;
	size_t count = 0;
	char path[4096];

	if (d == NULL)
		fail_msg("cannot open %s", tu_testdata(rel));
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n < 5 || (strcmp(e->d_name + n - 4, ".eml") != 0 &&
			      strcmp(e->d_name + n - 4, ".txt") != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", tu_testdata(rel), e->d_name);
		check_corpus_file(path);
		count++;
	}
	closedir(d);
	return count;
}

static void test_corpus_split_free(void **state)
{
	(void)state;
	assert_true(check_corpus_dir("rfc-examples") >= 3);
	assert_true(check_corpus_dir("go-msgauth/messages") >= 8);
	assert_true(check_corpus_dir("mail-dkim/corpus") >= 70);
}

static void test_rfc6376_a2_fields(void **state)
{
	static const char *const names[] = {
		"DKIM-Signature", "Received", "From", "To", "Subject", "Date", "Message-ID",
	};
	static const uint32_t lines[] = { 1, 9, 12, 13, 14, 15, 16 };
	size_t len;
	char *msg = tu_read(tu_testdata("rfc-examples/rfc6376-A.2-signed.eml"), &len);
	struct run r;
	const struct sg_header_field *f;

	(void)state;
	assert_int_equal(run_whole(&r, NULL, false, msg, len), SG_OK);
	f = fields_of(&r, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_true(sg_header_is(&f[i], names[i]));
		assert_int_equal(f[i].line, lines[i]);
	}
	assert_int_equal(f[0].len, strstr(msg, "\r\nReceived") - msg);
	assert_memory_equal(f[0].raw + f[0].len - 17, "4bmp/YzhwvcubU4=;", 17);
	assert_body(&r, S("Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n"));
	run_free(&r);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_message),
		cmocka_unit_test(test_only_blank_line),
		cmocka_unit_test(test_no_blank_line),
		cmocka_unit_test(test_state_errors),
		cmocka_unit_test(test_simple_fields_and_body),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_wsp_before_colon),
		cmocka_unit_test(test_header_is),
		cmocka_unit_test(test_repeated_fields),
		cmocka_unit_test(test_8bit_values),
		cmocka_unit_test(test_bare_lf_kept_without_fix),
		cmocka_unit_test(test_bare_lf_fix),
		cmocka_unit_test(test_bare_lf_fix_edges),
		cmocka_unit_test(test_bare_lf_fix_keeps_crlf_stretches),
		cmocka_unit_test(test_bare_lf_fix_across_chunks),
		cmocka_unit_test(test_split_sweep),
		cmocka_unit_test(test_corpus_split_free),
		cmocka_unit_test(test_rfc6376_a2_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
