/*
 * NAME
 *   test_canon_body.c - unit tests for dataplane/dkim/canon_body.c
 *
 * SUMMARY
 *   Every expected output is checked three ways: the input fed whole,
 *   split into two chunks at every position, and fed byte by byte.
 *   Vectors: dkimpy and go-msgauth canonicalization.tsv (read at test time),
 *   Mail::DKIM reference outputs for DomainKeys simple/nofws, and our own
 *   edges (bare CR/LF, WSP-only lines, long runs of empty lines, 8-bit and
 *   NUL bytes). Then the l= limit, the sink's batching, and a randomized
 *   differential test against a naive whole-buffer line model.
 */
#include "testutil.h"
#include "canon_vectors.h"

#include "canon.h"

struct capture {
	char *data;
	size_t len, cap;
	size_t calls;
	size_t smallest_inner;	/* smallest call that was not the last */
	size_t last_call;
};

static void capture_sink(void *arg, const void *data, size_t len)
{
	struct capture *c = arg;

	assert_true(len > 0);
	if (c->len + len > c->cap) {
		c->cap = (c->len + len) * 2;
		c->data = realloc(c->data, c->cap);
		assert_non_null(c->data);
	}
	memcpy(c->data + c->len, data, len);
	c->len += len;
	if (c->calls > 0 && c->last_call < c->smallest_inner)
		c->smallest_inner = c->last_call;
	c->last_call = len;
	c->calls++;
}

/* Feeds in[0..split) as one chunk, then the rest in chunks of step bytes
 * (0 = the rest at once). Returns the canonicalizer for its counters. */
static struct sg_body_canon run(enum sg_canon canon, uint64_t limit, const char *in,
				size_t len, size_t split, size_t step, struct capture *cap)
{
	struct sg_body_canon c;

	memset(cap, 0, sizeof(*cap));
	cap->smallest_inner = SIZE_MAX;
	sg_body_canon_init(&c, canon, limit, capture_sink, cap);
	sg_body_canon_update(&c, in, split);
	for (size_t off = split; off < len;) {
		size_t n = step == 0 || len - off < step ? len - off : step;

		sg_body_canon_update(&c, in + off, n);
		off += n;
	}
	sg_body_canon_final(&c);
	return c;
}

static void expect_bytes(const char *what, const char *got, size_t gotlen, const char *exp,
			 size_t explen)
{
	if (gotlen == explen && (explen == 0 || memcmp(got, exp, explen) == 0))
		return;
	fail_msg("%s: got \"%s\", expected \"%s\"", what, tu_escaped(got, gotlen),
		 tu_escaped(exp, explen));
}

static void check_one(enum sg_canon canon, const char *in, size_t len, size_t split,
		      size_t step, const char *exp, size_t explen, const char *label)
{
	struct capture cap;
	struct sg_body_canon c = run(canon, UINT64_MAX, in, len, split, step, &cap);

	if (cap.len != explen || (explen > 0 && memcmp(cap.data, exp, explen) != 0))
		fail_msg("%s [canon %d, split %zu, step %zu, input \"%s\"]: got \"%s\", expected \"%s\"",
			 label, (int)canon, split, step, tu_escaped(in, len),
			 tu_escaped(cap.data, cap.len), tu_escaped(exp, explen));
	assert_int_equal(c.total, explen);
	assert_int_equal(c.emitted, explen);
	free(cap.data);
}

/* Whole, every two-chunk split, byte by byte. */
static void check_body(enum sg_canon canon, const char *in, size_t len, const char *exp,
		       size_t explen, const char *label)
{
	check_one(canon, in, len, 0, 0, exp, explen, label);
	for (size_t s = 0; s <= len; s++)
		check_one(canon, in, len, s, 0, exp, explen, label);
	check_one(canon, in, len, 0, 1, exp, explen, label);
}

#define CHECK(canon, in, exp) \
	check_body(canon, in, sizeof(in) - 1, exp, sizeof(exp) - 1, #in)

static bool has(const char *s, const char *word)
{
	return strstr(s, word) != NULL;
}

/* Runs the body rows of a TSV file; returns how many ran. go-msgauth rows
 * marked go-msgauth-specific feed bare LFs, which go-msgauth turns into
 * CRLF inside its canonicalizer; signet does that earlier, in the message
 * reader (fix_bare_lf), so such inputs pass through tu_crlf first. The
 * lone-CR row needs no such step: a bare CR is an ordinary byte here too. */
static size_t run_tsv_bodies(const char *path)
{
	size_t n, ran = 0;
	struct cv_row *rows = cv_load(path, &n);

	for (size_t i = 0; i < n; i++) {
		struct cv_row *r = &rows[i];
		enum sg_canon canon;
		char label[64], *in = r->input;
		size_t inlen = r->input_len;

		if (strcmp(r->kind, "body-simple") == 0)
			canon = SG_CANON_SIMPLE;
		else if (strcmp(r->kind, "body-relaxed") == 0)
			canon = SG_CANON_RELAXED;
		else
			continue;
		if (has(r->note, "go-msgauth-specific"))
			in = tu_crlf(r->input, r->input_len, &inlen);
		snprintf(label, sizeof(label), "%s line %d", path, r->line);
		check_body(canon, in, inlen, r->expected, r->expected_len, label);
		if (in != r->input)
			free(in);
		ran++;
	}
	cv_free(rows, n);
	return ran;
}

static void test_dkimpy_vectors(void **state)
{
	(void)state;
	assert_int_equal(run_tsv_bodies(tu_testdata("dkimpy/canonicalization.tsv")), 12);
}

static void test_gomsgauth_vectors(void **state)
{
	(void)state;
	assert_int_equal(run_tsv_bodies(tu_testdata("go-msgauth/canonicalization.tsv")), 21);
}

static void test_simple_edges(void **state)
{
	(void)state;
	CHECK(SG_CANON_SIMPLE, "", "\r\n");
	CHECK(SG_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n");
	CHECK(SG_CANON_SIMPLE, "a  \t\r\n \r\n", "a  \t\r\n \r\n");
	CHECK(SG_CANON_SIMPLE, "\r\n\r\na\r\n", "\r\n\r\na\r\n");
	CHECK(SG_CANON_SIMPLE, "a\r\n\r\n\r\nb", "a\r\n\r\n\r\nb\r\n");
	CHECK(SG_CANON_SIMPLE, "a\r\n\r\n \r\n\r\n", "a\r\n\r\n \r\n");
	CHECK(SG_CANON_SIMPLE, "\0\xff\x80\r\n\r\n", "\0\xff\x80\r\n");
}

static void test_relaxed_edges(void **state)
{
	(void)state;
	CHECK(SG_CANON_RELAXED, " \t ", "");
	CHECK(SG_CANON_RELAXED, "  a", " a\r\n");
	CHECK(SG_CANON_RELAXED, "a\r\n \t \r\nb\r\n", "a\r\n\r\nb\r\n");
	CHECK(SG_CANON_RELAXED, "a\r\n \t \r\n\t\r\n", "a\r\n");
	CHECK(SG_CANON_RELAXED, "a \t b\t\tc  \r\n", "a b c\r\n");
	CHECK(SG_CANON_RELAXED, "\r\n\r\n  x\r\n", "\r\n\r\n x\r\n");
	CHECK(SG_CANON_RELAXED, "\0 \xff\t\x80 ", "\0 \xff \x80\r\n");
	CHECK(SG_CANON_RELAXED, "\f\v x", "\f\v x\r\n");	/* only SP, HTAB are WSP */
}

/* A bare CR or LF is an ordinary byte for DKIM: not WSP, not a line end. */
static void test_bare_cr_lf_are_ordinary(void **state)
{
	(void)state;
	CHECK(SG_CANON_SIMPLE, "a\nb", "a\nb\r\n");
	CHECK(SG_CANON_SIMPLE, "\n", "\n\r\n");
	CHECK(SG_CANON_SIMPLE, "\r", "\r\r\n");
	CHECK(SG_CANON_SIMPLE, "a\rb\r\n", "a\rb\r\n");
	CHECK(SG_CANON_SIMPLE, "\r\r\n", "\r\r\n");
	CHECK(SG_CANON_SIMPLE, "abc\r\n\r", "abc\r\n\r\r\n");
	CHECK(SG_CANON_SIMPLE, "a\n\r\n\r\n", "a\n\r\n");
	CHECK(SG_CANON_SIMPLE, "\n\r\n\n\r\n", "\n\r\n\n\r\n");
	CHECK(SG_CANON_RELAXED, "a \r b\r\n", "a \r b\r\n");
	CHECK(SG_CANON_RELAXED, "a \r", "a \r\r\n");
	CHECK(SG_CANON_RELAXED, "a \n b\n", "a \n b\n\r\n");
	CHECK(SG_CANON_RELAXED, "\r\r\n\r\n", "\r\r\n");
	CHECK(SG_CANON_RELAXED, " \n \r\n", " \n\r\n");
}

/*
 * DomainKeys references: produced with Mail::DKIM 1.20230212 (Debian
 * libmail-dkim-perl) by a throw-away script that fed each body the way
 * Mail::DKIM's signer and verifier do: canonicalize_body("\r\n") for the
 * header/body separator (DkCommon::finish_header), then the body up to its
 * last CRLF (one MessageParser::PRINT), then the unterminated rest (CLOSE),
 * on Mail::DKIM::Canonicalization::dk_simple->new / dk_nofws->new, printing
 * the concatenated output. Inputs below carry that leading separator.
 */
static void test_dk_simple_mail_dkim(void **state)
{
	const enum sg_canon k = SG_CANON_DK_SIMPLE;

	(void)state;
	CHECK(k, "\r\n", "");
	CHECK(k, "\r\n\r\n", "");
	CHECK(k, "\r\n\r\n\r\n", "");
	CHECK(k, "\r\nHello  World\r\n", "\r\nHello  World\r\n");
	CHECK(k, "\r\nHello\r\n\r\n\r\n", "\r\nHello\r\n");
	CHECK(k, "\r\n\r\n\r\nHello \t there\r\n \t\r\n\r\n",
	      "\r\n\r\n\r\nHello \t there\r\n \t\r\n");
	CHECK(k, "\r\nline one\r\n  \r\nline three\r\n", "\r\nline one\r\n  \r\nline three\r\n");
	CHECK(k, "\r\nno final crlf", "\r\nno final crlf");
	CHECK(k, "\r\na\r \nb\r\n", "\r\na\r \nb\r\n");
	CHECK(k, "\r\nbare\rcr and\rx\r\n", "\r\nbare\rcr and\rx\r\n");
	CHECK(k, "\r\na\nb\r\n", "\r\na\nb\r\n");
	CHECK(k, "\r\ntrail\r", "\r\ntrail\r");
	CHECK(k, "\r\nx\r\r\ny\r\n", "\r\nx\r\r\ny\r\n");
	CHECK(k, "\r\n  \r\n\t\r\n", "\r\n  \r\n\t\r\n");
	CHECK(k, "\r\nend\r\n\r\n \t \r\n", "\r\nend\r\n\r\n \t \r\n");
	CHECK(k, "\r\nend\r\n\r\nmore", "\r\nend\r\n\r\nmore");
	CHECK(k, "\r\n \t lead\r\n", "\r\n \t lead\r\n");
	/* without the separator: the body alone */
	CHECK(k, "", "");
	CHECK(k, "Hello\r\n\r\n", "Hello\r\n");
}

static void test_dk_nofws_mail_dkim(void **state)
{
	const enum sg_canon k = SG_CANON_DK_NOFWS;

	(void)state;
	CHECK(k, "\r\n", "");
	CHECK(k, "\r\n\r\n", "");
	CHECK(k, "\r\n\r\n\r\n", "");
	CHECK(k, "\r\nHello  World\r\n", "\r\nHelloWorld\r\n");
	CHECK(k, "\r\nHello\r\n\r\n\r\n", "\r\nHello\r\n");
	CHECK(k, "\r\n\r\n\r\nHello \t there\r\n \t\r\n\r\n", "\r\n\r\n\r\nHellothere\r\n");
	CHECK(k, "\r\nline one\r\n  \r\nline three\r\n", "\r\nlineone\r\n\r\nlinethree\r\n");
	CHECK(k, "\r\nno final crlf", "\r\nnofinalcrlf");
	CHECK(k, "\r\na\r \nb\r\n", "\r\na\r\nb\r\n");
	CHECK(k, "\r\nbare\rcr and\rx\r\n", "\r\nbarecrandx\r\n");
	CHECK(k, "\r\na\nb\r\n", "\r\nab\r\n");
	CHECK(k, "\r\ntrail\r", "\r\ntrail");
	CHECK(k, "\r\nx\r\r\ny\r\n", "\r\nx\r\ny\r\n");
	CHECK(k, "\r\n  \r\n\t\r\n", "");
	CHECK(k, "\r\nend\r\n\r\n \t \r\n", "\r\nend\r\n");
	CHECK(k, "\r\nend\r\n\r\nmore", "\r\nend\r\n\r\nmore");
	CHECK(k, "\r\n \t lead\r\n", "\r\nlead\r\n");
}

/* Where Mail::DKIM's regexes depend on its internal chunking (bare LF runs,
 * an LF starting a chunk) signet removes every bare LF, as RFC 4870 asks.
 * Mail::DKIM gives "\r\na\nb\r\n" and "\r\n\nx\r\n" for these two. */
static void test_dk_nofws_bare_lf(void **state)
{
	(void)state;
	CHECK(SG_CANON_DK_NOFWS, "\r\na\n\n\nb\r\n", "\r\nab\r\n");
	CHECK(SG_CANON_DK_NOFWS, "\r\n\nx\r\n", "\r\nx\r\n");
	CHECK(SG_CANON_DK_NOFWS, "\n\r\r\n", "");
}

/* Many held empty lines: more than one block of CRLFs is written. */
static void test_long_runs_of_empty_lines(void **state)
{
	size_t k = 1000, n = 0;
	char *in = malloc(2 * k + 8), *exp = malloc(2 * k + 8);

	(void)state;
	in[n++] = 'a';
	for (size_t i = 0; i < k; i++) {
		in[n++] = '\r';
		in[n++] = '\n';
	}
	memcpy(exp, in, n);
	in[n] = 'b';
	exp[n] = 'b';
	exp[n + 1] = '\r';
	exp[n + 2] = '\n';
	check_body(SG_CANON_SIMPLE, in, n, "a\r\n", 3, "1000 trailing empty lines");
	check_body(SG_CANON_RELAXED, in, n + 1, exp, n + 3, "1000 inner empty lines");
	check_body(SG_CANON_DK_NOFWS, in, n + 1, exp, n + 1, "1000 inner empty lines");
	free(in);
	free(exp);
}

static void test_limit(void **state)
{
	static const char body[] = "Hello  World\r\n\r\nagain\r\n\r\n";
	static const char full[] = "Hello World\r\n\r\nagain\r\n";
	struct capture cap;
	struct sg_body_canon c;

	(void)state;
	for (uint64_t limit = 0; limit <= sizeof(full) + 2; limit++) {
		size_t want = limit < sizeof(full) - 1 ? (size_t)limit : sizeof(full) - 1;

		for (size_t step = 0; step <= 3; step++) {
			c = run(SG_CANON_RELAXED, limit, body, sizeof(body) - 1, 0, step, &cap);
			expect_bytes("limited output", cap.data, cap.len, full, want);
			assert_int_equal(c.emitted, want);
			assert_int_equal(c.total, sizeof(full) - 1);
			free(cap.data);
		}
	}
	/* empty simple body: the CRLF it gains is cut too */
	c = run(SG_CANON_SIMPLE, 1, "", 0, 0, 0, &cap);
	expect_bytes("limit 1", cap.data, cap.len, "\r", 1);
	assert_int_equal(c.total, 2);
	free(cap.data);
}

/* The sink sees few, large calls; a big run passes straight through. */
static void test_sink_batching(void **state)
{
	size_t len = 100000;
	char *in = malloc(len);
	struct capture cap, whole;
	struct sg_body_canon c;

	(void)state;
	for (size_t i = 0; i < len; i++)
		in[i] = (i % 80 == 78) ? '\r' : (i % 80 == 79) ? '\n' : (char)('a' + i % 26);
	c = run(SG_CANON_SIMPLE, UINT64_MAX, in, len, 0, 1, &cap);
	assert_int_equal(c.total, len);
	expect_bytes("byte-fed", cap.data, cap.len, in, len);
	assert_true(cap.calls <= len / (SG_CANON_OUTBUF - 64) + 1);
	assert_true(cap.smallest_inner >= SG_CANON_OUTBUF - 64);
	run(SG_CANON_SIMPLE, UINT64_MAX, in, len, 0, 0, &whole);
	expect_bytes("whole", whole.data, whole.len, in, len);
	free(cap.data);
	free(whole.data);
	memset(in, 'x', len);
	run(SG_CANON_RELAXED, 5000, in, len, 0, 0, &whole);
	expect_bytes("limited run", whole.data, whole.len, in, 5000);
	free(whole.data);
	free(in);
}

static void test_empty_updates(void **state)
{
	struct capture cap = { .smallest_inner = SIZE_MAX };
	struct sg_body_canon c;

	(void)state;
	sg_body_canon_init(&c, SG_CANON_RELAXED, UINT64_MAX, capture_sink, &cap);
	sg_body_canon_update(&c, NULL, 0);
	sg_body_canon_update(&c, "a \r", 3);
	sg_body_canon_update(&c, NULL, 0);
	sg_body_canon_update(&c, "\n", 1);
	sg_body_canon_final(&c);
	expect_bytes("empty updates", cap.data, cap.len, "a\r\n", 3);
	assert_int_equal(cap.calls, 1);
	free(cap.data);
}

#include "canon_body_model.h"

/* Random bodies fed in random chunks (one split near a third, then steps of
 * 0-8 bytes), against the whole-buffer model. */
static void random_against_model(const char *alphabet, size_t nalpha, size_t maxlen,
				  uint32_t seed)
{
	static const enum sg_canon canons[] = { SG_CANON_SIMPLE, SG_CANON_RELAXED,
						SG_CANON_DK_SIMPLE, SG_CANON_DK_NOFWS };
	char in[256];

	assert_true(maxlen <= sizeof(in));
	for (int iter = 0; iter < 4000; iter++) {
		size_t len = ((seed = seed * 1103515245u + 12345u) >> 16) % (maxlen + 1);
		size_t step = ((seed = seed * 1103515245u + 12345u) >> 16) % 9;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 16) % nalpha];
		}
		for (size_t k = 0; k < 4; k++) {
			size_t explen;
			char *exp = model_canon(canons[k], in, len, &explen);

			check_one(canons[k], in, len, len / 3, step, exp, explen, "random");
			free(exp);
		}
	}
}

/* Dense in CR, LF and WSP: every state transition, often. */
static void test_random_noisy(void **state)
{
	static const char alphabet[] = { 'a', 'b', ' ', '\t', '\r', '\n', '\r', '\n', '\0', '\xff' };

	(void)state;
	random_against_model(alphabet, sizeof(alphabet), 127, 12345);
}

/* Text-like: long words and single spaces, so the relaxed word-at-a-time
 * scan runs, with a WSP run, CR or LF now and then in every lane. */
static void test_random_textlike(void **state)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz.,ABCDEFGHIJ      \t\r\n\r\n\x80";

	(void)state;
	random_against_model(alphabet, sizeof(alphabet) - 1, 255, 777);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dkimpy_vectors),
		cmocka_unit_test(test_gomsgauth_vectors),
		cmocka_unit_test(test_simple_edges),
		cmocka_unit_test(test_relaxed_edges),
		cmocka_unit_test(test_bare_cr_lf_are_ordinary),
		cmocka_unit_test(test_dk_simple_mail_dkim),
		cmocka_unit_test(test_dk_nofws_mail_dkim),
		cmocka_unit_test(test_dk_nofws_bare_lf),
		cmocka_unit_test(test_long_runs_of_empty_lines),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_sink_batching),
		cmocka_unit_test(test_empty_updates),
		cmocka_unit_test(test_random_noisy),
		cmocka_unit_test(test_random_textlike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
