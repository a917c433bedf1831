/*
 * NAME
 *   test_headerhash.c - unit tests for dataplane/dkim/headerhash.c
 *
 * SUMMARY
 *   The header hash of the RFC 6376 A.2 signature (simple) and the first
 *   RFC 8463 A.3 signature (relaxed) equals the hash of the hand-written
 *   texts in tests/unit/crypto/rfc_vectors.h, with the fields picked as a
 *   verifier picks them. Then the pieces: -1 entries hash nothing, no
 *   picked fields hashes only the signature field, the signature field
 *   gets no CRLF (simple and relaxed), sg_headerhash_into with a buffer
 *   holding old text, SHA-1 vs SHA-256, a field too long
 *   to canonicalize (SG_E_LIMIT) and a failing create() (SG_E_NOMEM), with
 *   every hash context destroyed on every path.
 */
#include "testutil.h"

#include "crypto/rfc_vectors.h"
#include "engine_helpers.h"
#include "headerhash.h"
#include "headerlist.h"
#include "sigparse.h"

static size_t sha(enum sg_hash_alg alg, const char *text, size_t len, uint8_t out[SG_HASH_MAX])
{
	const struct sg_hash_ops *ops = sg_hash_evp();
	void *h = ops->create(ops->env, alg);
	size_t n;

	ops->update(h, text, len);
	n = ops->final(h, out);
	ops->destroy(h);
	return n;
}

struct parsed {
	struct sg_msg_parser *p;
	const struct sg_header_field *f;
	size_t n;
	char *msg;
};

static void parse_file(struct parsed *m, const char *rel)
{
	size_t len;
	struct sg_error err;

	m->msg = tu_read(tu_testdata(rel), &len);
	m->p = sg_msg_parser_new(NULL, false, NULL);
	assert_non_null(m->p);
	if (sg_msg_parser_feed(m->p, m->msg, len, &err) != SG_OK ||
	    sg_msg_parser_finish(m->p, &err) != SG_OK)
		fail_msg("%s: %s", rel, err.msg);
	m->f = sg_msg_headers(m->p, &m->n);
}

static void parsed_free(struct parsed *m)
{
	sg_msg_parser_free(m->p);
	free(m->msg);
}

/* The header hash of signature field idx, computed as a verifier does. */
static size_t verifier_style_hash(const struct parsed *m, size_t idx, uint8_t out[SG_HASH_MAX])
{
	struct sg_sig sig;
	struct sg_error err;
	unsigned char used[64];
	long picked[SG_SIG_MAX_HEADERS];
	char text[4096];
	const struct sg_header_field *self = &m->f[idx];
	size_t len, tail, out_len = 0;

	if (sg_sig_parse(self, SG_KIND_DKIM, &sig, &err) != SG_OK)
		fail_msg("sig: %s", err.msg);
	assert_true(m->n <= sizeof(used));
	sg_select_headers(sig.headers, sig.header_count, m->f, m->n, self, used, picked);
	tail = self->len - sig.b_value_off - sig.b_value_len;
	memcpy(text, self->raw, sig.b_value_off);
	memcpy(text + sig.b_value_off, self->raw + sig.b_value_off + sig.b_value_len, tail);
	len = sig.b_value_off + tail;
	assert_int_equal(sg_headerhash(sg_hash_evp(), sg_alg_hash(sig.alg), sig.hcanon, m->f,
				       picked, sig.header_count, text, len, out, &out_len), SG_OK);
	return out_len;
}

static void test_rfc6376_a2(void **state)
{
	struct parsed m;
	uint8_t got[SG_HASH_MAX], want[SG_HASH_MAX];
	size_t n;

	(void)state;
	parse_file(&m, "rfc-examples/rfc6376-A.2-signed.eml");
	n = verifier_style_hash(&m, 0, got);
	assert_int_equal(n, 32);
	sha(SG_HASH_SHA256, RFC6376_A2_HEADERS, strlen(RFC6376_A2_HEADERS), want);
	assert_memory_equal(got, want, 32);
	parsed_free(&m);
}

static void test_rfc8463_a3(void **state)
{
	struct parsed m;
	uint8_t got[SG_HASH_MAX], want[SG_HASH_MAX];

	(void)state;
	parse_file(&m, "rfc-examples/rfc8463-A.3-signed.eml");
	assert_int_equal(verifier_style_hash(&m, 0, got), 32);
	sha(SG_HASH_SHA256, RFC8463_A3_HEADERS, strlen(RFC8463_A3_HEADERS), want);
	assert_memory_equal(got, want, 32);
	/* the RSA signature below differs in its own field only */
	assert_int_equal(verifier_style_hash(&m, 1, got), 32);
	assert_memory_not_equal(got, want, 32);
	parsed_free(&m);
}

static const char small_msg[] =
	"From: Joe  <joe@example.com>\r\n"
	"Subject:  hi \r\n"
	"\tthere\r\n"
	"X-Other: 1\r\n\r\n";

static void test_pieces_simple_and_relaxed(void **state)
{
	struct sg_msg_parser *p = sg_msg_parser_new(NULL, false, NULL);
	const struct sg_header_field *f;
	static const char sig[] = "DKIM-Signature: v=1;\r\n\th=From : Subject; b=";
	const long picked[] = { 1, -1, 0, -1 };
	uint8_t got[SG_HASH_MAX], want[SG_HASH_MAX];
	size_t n, glen = 0, wlen;
	static const char simple_text[] = "Subject:  hi \r\n\tthere\r\n"
					  "From: Joe  <joe@example.com>\r\n"
					  "DKIM-Signature: v=1;\r\n\th=From : Subject; b=";
	static const char relaxed_text[] = "subject:hi there\r\n"
					   "from:Joe <joe@example.com>\r\n"
					   "dkim-signature:v=1; h=From : Subject; b=";

	(void)state;
	assert_int_equal(sg_msg_parser_feed(p, small_msg, sizeof(small_msg) - 1, NULL), SG_OK);
	assert_int_equal(sg_msg_parser_finish(p, NULL), SG_OK);
	f = sg_msg_headers(p, &n);
	assert_int_equal(n, 3);
	/* simple, SHA-256 and SHA-1 */
	for (int h = 0; h < 2; h++) {
		assert_int_equal(sg_headerhash(sg_hash_evp(), (enum sg_hash_alg)h, SG_CANON_SIMPLE,
					       f, picked, 4, sig, sizeof(sig) - 1, got, &glen),
				 SG_OK);
		wlen = sha((enum sg_hash_alg)h, simple_text, sizeof(simple_text) - 1, want);
		assert_int_equal(glen, wlen);
		assert_memory_equal(got, want, wlen);
	}
	/* relaxed; and the same into a caller's buffer that holds old text */
	assert_int_equal(sg_headerhash(sg_hash_evp(), SG_HASH_SHA256, SG_CANON_RELAXED, f, picked,
				       4, sig, sizeof(sig) - 1, got, &glen), SG_OK);
	wlen = sha(SG_HASH_SHA256, relaxed_text, sizeof(relaxed_text) - 1, want);
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	{
		struct sg_buf text;

		sg_buf_init(&text, SIZE_MAX);
		assert_int_equal(sg_buf_puts(&text, "left over from the last message"), SG_OK);
		memset(got, 0, sizeof(got));
		assert_int_equal(sg_headerhash_into(sg_hash_evp(), SG_HASH_SHA256,
						    SG_CANON_RELAXED, f, picked, 4, sig,
						    sizeof(sig) - 1, &text, got, &glen), SG_OK);
		assert_memory_equal(got, want, wlen);
		assert_string_equal(text.data, "dkim-signature:v=1; h=From : Subject; b=");
		sg_buf_free(&text);
	}
	/* nothing picked: only the signature field, without CRLF */
	assert_int_equal(sg_headerhash(sg_hash_evp(), SG_HASH_SHA256, SG_CANON_RELAXED, f, NULL, 0,
				       sig, sizeof(sig) - 1, got, &glen), SG_OK);
	sha(SG_HASH_SHA256, "dkim-signature:v=1; h=From : Subject; b=", 40, want);
	assert_memory_equal(got, want, 32);
	/* all -1: the same */
	{
		const long none[] = { -1, -1 };
		uint8_t again[SG_HASH_MAX];

		assert_int_equal(sg_headerhash(sg_hash_evp(), SG_HASH_SHA256, SG_CANON_RELAXED, f,
					       none, 2, sig, sizeof(sig) - 1, again, &glen), SG_OK);
		assert_memory_equal(again, want, 32);
	}
	sg_msg_parser_free(p);
}

static void *null_create(void *env, enum sg_hash_alg alg)
{
	(void)env;
	(void)alg;
	return NULL;
}

static void test_errors_free_everything(void **state)
{
	struct eh_hash_count cnt;
	struct sg_hash_ops failing = *sg_hash_evp();
	struct sg_header_field big;
	char *raw;
	const size_t big_len = 2 * 1024 * 1024;
	const long picked[] = { 0 };
	uint8_t out[SG_HASH_MAX];
	size_t olen = 0;

	(void)state;
	failing.create = null_create;
	assert_int_equal(sg_headerhash(&failing, SG_HASH_SHA256, SG_CANON_SIMPLE, NULL, NULL, 0,
				       "X: b=", 5, out, &olen), SG_E_NOMEM);
	/* a field too long to canonicalize */
	raw = malloc(big_len);
	assert_non_null(raw);
	memcpy(raw, "Big: ", 5);
	memset(raw + 5, 'x', big_len - 5);
	big = (struct sg_header_field){ .raw = raw, .len = big_len, .name_len = 3,
					.value_off = 4, .line = 1 };
	eh_counting_hash(&cnt);
	assert_int_equal(sg_headerhash(&cnt.ops, SG_HASH_SHA256, SG_CANON_RELAXED, &big, picked, 1,
				       "X: b=", 5, out, &olen), SG_E_LIMIT);
	assert_int_equal(cnt.creates[SG_HASH_SHA256], 1);
	assert_int_equal(cnt.live, 0);
	/* and the success path destroys its context too */
	big.len = 1000;
	assert_int_equal(sg_headerhash(&cnt.ops, SG_HASH_SHA1, SG_CANON_SIMPLE, &big, picked, 1,
				       "X: b=", 5, out, &olen), SG_OK);
	assert_int_equal(olen, 20);
	assert_int_equal(cnt.live, 0);
	assert_int_equal(cnt.bytes, 1000 + 2 + 5);
	free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6376_a2),
		cmocka_unit_test(test_rfc8463_a3),
		cmocka_unit_test(test_pieces_simple_and_relaxed),
		cmocka_unit_test(test_errors_free_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
