/*
 * NAME
 *   message_harness.h - run the message reader and record what it did
 *
 * SUMMARY
 *   For test_message.c and test_message_errors.c. struct run holds a
 *   parser, the body bytes its callback received, how often
 *   end_of_headers fired (and how many fields were visible then) and the
 *   outcome. run_whole / run_cuts / run_bytewise feed a message at once,
 *   cut at given offsets, or byte by byte, then finish. fingerprint()
 *   renders everything observable as one string, so two runs can be
 *   compared; assert_same_every_split compares one feed with every 2-way
 *   split and a byte-by-byte feed. fields_of / assert_field / assert_body
 *   check the result; expect_error checks an error (code, line, offset,
 *   message) whole and byte by byte and that the parser then refuses more
 *   input. S(lit) passes a string literal as pointer and length.
 *   Header-only, included once after testutil.h.
 */
#ifndef SIGNET_TEST_MESSAGE_HARNESS_H
#define SIGNET_TEST_MESSAGE_HARNESS_H

#include "buf.h"
#include "message.h"

/* A string literal as the (pointer, length) pair the parser takes. */
#define S(lit) lit, sizeof(lit) - 1

/* One parse: the parser, what its callbacks saw and the outcome. */
struct run {
	struct sg_msg_parser *p;
	struct sg_buf body;
	int eoh_calls;
	size_t fields_at_eoh;
	size_t body_calls_before_eoh;
	size_t body_calls;
	enum sg_err rc;
	struct sg_error err;
};

static inline void on_eoh(void *arg)
{
	struct run *r = arg;
	size_t n = 99;

	r->eoh_calls++;
	assert_true(sg_msg_parser_in_body(r->p));
	(void)sg_msg_headers(r->p, &n);
	r->fields_at_eoh = n;
}

static inline void on_body(void *arg, const void *data, size_t len)
{
	struct run *r = arg;

	if (r->eoh_calls == 0)
		r->body_calls_before_eoh++;
	r->body_calls++;
	assert_true(len > 0);
	assert_int_equal(sg_buf_append(&r->body, data, len), SG_OK);
}

static inline void run_init(struct run *r, const struct sg_limits *lim, bool fix)
{
	struct sg_msg_events ev = { on_eoh, on_body, r };

	memset(r, 0, sizeof(*r));
	sg_buf_init(&r->body, SIZE_MAX);
	sg_error_clear(&r->err);
	r->p = sg_msg_parser_new(lim, fix, &ev);
	assert_non_null(r->p);
}

static inline void run_free(struct run *r)
{
	sg_msg_parser_free(r->p);
	sg_buf_free(&r->body);
}

/* Feeds msg cut at the ascending offsets cuts[], then finishes (unless an
 * error came first). */
static inline enum sg_err run_cuts(struct run *r, const struct sg_limits *lim, bool fix,
			    const char *msg, size_t len, const size_t *cuts, size_t ncuts)
{
	size_t from = 0;

	run_init(r, lim, fix);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;

		r->rc = sg_msg_parser_feed(r->p, msg + from, to - from, &r->err);
		if (r->rc != SG_OK)
			return r->rc;
		from = to;
	}
	r->rc = sg_msg_parser_finish(r->p, &r->err);
	return r->rc;
}

static inline enum sg_err run_whole(struct run *r, const struct sg_limits *lim, bool fix,
			     const char *msg, size_t len)
{
	return run_cuts(r, lim, fix, msg, len, NULL, 0);
}

static inline enum sg_err run_bytewise(struct run *r, const struct sg_limits *lim, bool fix,
				const char *msg, size_t len)
{
	run_init(r, lim, fix);
	for (size_t i = 0; i < len; i++) {
		r->rc = sg_msg_parser_feed(r->p, msg + i, 1, &r->err);
		if (r->rc != SG_OK)
			return r->rc;
	}
	r->rc = sg_msg_parser_finish(r->p, &r->err);
	return r->rc;
}

/* Everything observable about a finished run, as one string (the byte
 * count only for a run that succeeded: after an error it is not defined). */
static inline char *fingerprint(const struct run *r)
{
	struct sg_buf b;
	size_t n = 0;
	const struct sg_header_field *f = sg_msg_headers(r->p, &n);
	char *out;

	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_buf_printf(&b, "rc=%d eoh=%d early=%zu\n", r->rc, r->eoh_calls,
				       r->body_calls_before_eoh), SG_OK);
	if (r->rc != SG_OK)
		assert_int_equal(sg_buf_printf(&b, "err %d line %u off %llu: %s\n", r->err.code,
					       r->err.line, (unsigned long long)r->err.offset,
					       r->err.msg), SG_OK);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sg_buf_printf(&b, "[%u %zu %zu %zu]", f[i].line, f[i].name_len,
					       f[i].value_off, f[i].len), SG_OK);
		assert_int_equal(sg_buf_append(&b, f[i].raw, f[i].len), SG_OK);
		assert_int_equal(sg_buf_putc(&b, '\n'), SG_OK);
	}
	assert_int_equal(sg_buf_printf(&b, "body %zu bytes=%llu\n", r->body.len,
				       r->rc == SG_OK ? (unsigned long long)sg_msg_parser_bytes(r->p)
						      : 0ull), SG_OK);
	assert_int_equal(sg_buf_append(&b, r->body.data, r->body.len), SG_OK);
	out = strdup(sg_buf_cstr(&b));
	assert_non_null(out);
	sg_buf_free(&b);
	return out;
}

static inline const struct sg_header_field *fields_of(const struct run *r, size_t want)
{
	size_t n = 999;
	const struct sg_header_field *f = sg_msg_headers(r->p, &n);

	assert_int_equal(n, want);
	return f;
}

static inline void assert_field(const struct sg_header_field *f, const char *raw, const char *name,
			 uint32_t line)
{
	assert_int_equal(f->len, strlen(raw));
	assert_memory_equal(f->raw, raw, f->len);
	assert_int_equal(f->name_len, strlen(name));
	assert_memory_equal(f->raw, name, f->name_len);
	assert_int_equal(f->raw[f->value_off - 1], ':');
	assert_int_equal(f->line, line);
	assert_true(sg_header_is(f, name));
}

static inline void assert_body(const struct run *r, const char *want, size_t len)
{
	assert_int_equal(r->body.len, len);
	if (len > 0)
		assert_memory_equal(r->body.data, want, len);
}

/* Expects msg to fail with code, naming line and offset, message containing
 * fragment; the same whole and byte by byte. */
static inline void expect_error(const struct sg_limits *lim, bool fix, const char *msg, size_t len,
			 enum sg_err code, uint32_t line, uint64_t offset, const char *fragment)
{
	struct run r;
	char want[32];

	for (int bytewise = 0; bytewise < 2; bytewise++) {
		if (bytewise)
			run_bytewise(&r, lim, fix, msg, len);
		else
			run_whole(&r, lim, fix, msg, len);
		if (r.rc != code)
			fail_msg("%s: got %s (%s), want %s", bytewise ? "bytewise" : "whole",
				 sg_err_name(r.rc), r.err.msg, sg_err_name(code));
		assert_int_equal(r.err.code, code);
		assert_int_equal(r.err.line, line);
		assert_int_equal(r.err.offset, offset);
		if (strstr(r.err.msg, fragment) == NULL)
			fail_msg("message \"%s\" lacks \"%s\"", r.err.msg, fragment);
		if (line > 0) {
			snprintf(want, sizeof(want), "line %u", line);
			if (strstr(r.err.msg, want) == NULL)
				fail_msg("message \"%s\" does not name %s", r.err.msg, want);
		}
		assert_int_equal(r.body_calls_before_eoh, 0);
		/* the parser refuses anything further */
		assert_int_equal(sg_msg_parser_feed(r.p, "x", 1, NULL), SG_E_STATE);
		assert_int_equal(sg_msg_parser_finish(r.p, NULL), SG_E_STATE);
		assert_false(sg_msg_parser_in_body(r.p));
		run_free(&r);
	}
}

/* Fails unless every 2-way split of msg and a byte-by-byte feed give the
 * same fingerprint as one feed (errors included). */
static inline void assert_same_every_split(const struct sg_limits *lim, bool fix, const char *msg,
					   size_t len)
{
	struct run r;
	char *want, *got;

	run_whole(&r, lim, fix, msg, len);
	want = fingerprint(&r);
	run_free(&r);
	for (size_t cut = 0; cut <= len; cut++) {
		run_cuts(&r, lim, fix, msg, len, &cut, 1);
		got = fingerprint(&r);
		if (strcmp(got, want) != 0)
			fail_msg("split at %zu differs:\n%s\n---- want\n%s", cut, got, want);
		free(got);
		run_free(&r);
	}
	run_bytewise(&r, lim, fix, msg, len);
	got = fingerprint(&r);
	if (strcmp(got, want) != 0)
		fail_msg("byte by byte differs:\n%s\n---- want\n%s", got, want);
	free(got);
	run_free(&r);
	free(want);
}

#endif
