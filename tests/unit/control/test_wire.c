/*
 * NAME
 *   test_wire.c - unit tests for control/proto/wire.c
 *
 * SUMMARY
 *   Writer: the header (length, type, reserved), each field's bytes, a
 *   failed put leaving the message unchanged, strings refused for bad
 *   UTF-8 or length, the SG_WIRE_MAX limit exactly reached and passed.
 *   Reader: the header checks of sg_wire_open (short, long, length
 *   mismatch, unknown type, reserved bits); every getter on a wrong tag,
 *   a value cut short, a length past the end, a length over its limit
 *   (at the limit and one past); poisoning (a failed getter makes later
 *   good ones fail and keeps the first reason); sg_wire_end on trailing
 *   bytes; zero-length strings and bytes; the UTF-8 and NUL rules;
 *   sg_wire_frame_len. (sg_wire_read / sg_wire_write: test_wire_io.c.)
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "proto.h"

static uint32_t be32(const char *p)
{
	const uint8_t *u = (const uint8_t *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* A message built from raw field bytes, header filled in. */
static size_t raw_msg(uint8_t *out, uint16_t type, const void *fields, size_t n)
{
	size_t len = SG_WIRE_HEADER + n;

	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[4] = (uint8_t)(type >> 8);
	out[5] = (uint8_t)type;
	out[6] = out[7] = 0;
	memcpy(out + SG_WIRE_HEADER, fields, n);
	return len;
}

static void open_ok(struct sg_wire_in *r, const void *msg, size_t len)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_wire_open(r, msg, len, &err) != SG_OK)
		fail_msg("sg_wire_open: %s", err.msg);
}

static void test_write_layout(void **state)
{
	static const uint8_t want[] = {
		0, 0, 0, 46, 0, 3, 0, 0,
		'u', 0, 0, 0, 0, 0, 0, 1, 2,
		's', 0, 0, 0, 3, 'a', 'b', 'c',
		's', 0, 0, 0, 0,
		'b', 0, 0, 0, 2, 0, 0xff,
		'u', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct sg_wire_out w;

	(void)state;
	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(w.buf.len, SG_WIRE_HEADER);
	assert_int_equal(sg_wire_put_u64(&w, 0x102), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, "abc"), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, ""), SG_OK);
	assert_int_equal(sg_wire_put_bytes(&w, "\0\xff", 2), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, UINT64_MAX), SG_OK);
	assert_int_equal(sg_wire_finish(&w), SG_OK);
	assert_int_equal(w.buf.len, sizeof(want));
	assert_memory_equal(w.buf.data, want, sizeof(want));
	sg_wire_out_free(&w);
	assert_null(w.buf.data);
}

static void test_round_trip(void **state)
{
	struct sg_wire_out w;
	struct sg_wire_in r;
	char s[64];
	const uint8_t *p;
	size_t n;
	uint64_t v;

	(void)state;
	sg_wire_begin(&w, SG_MSG_KEY_MATERIAL);
	assert_int_equal(sg_wire_put_u64(&w, 42), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x94\x91"), SG_OK);
	assert_int_equal(sg_wire_put_bytes(&w, NULL, 0), SG_OK);
	assert_int_equal(sg_wire_put_bytes(&w, "k\0y", 3), SG_OK);
	assert_int_equal(sg_wire_finish(&w), SG_OK);

	open_ok(&r, w.buf.data, w.buf.len);
	assert_int_equal(r.type, SG_MSG_KEY_MATERIAL);
	assert_true(sg_wire_get_u64(&r, &v));
	assert_int_equal(v, 42);
	assert_true(sg_wire_get_str(&r, s, sizeof(s)));
	assert_string_equal(s, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x94\x91");
	assert_true(sg_wire_get_bytes(&r, &p, &n, 10));
	assert_int_equal(n, 0);
	assert_true(sg_wire_get_bytes(&r, &p, &n, 3));
	assert_int_equal(n, 3);
	assert_memory_equal(p, "k\0y", 3);
	assert_ptr_equal(p, (const uint8_t *)w.buf.data + w.buf.len - 3);	/* in place */
	assert_true(sg_wire_end(&r));
	assert_false(r.failed);
	sg_wire_out_free(&w);
}

static void test_put_refusals(void **state)
{
	struct sg_wire_out w;
	char *big = malloc(SG_WIRE_STRING_MAX + 2);
	size_t before;

	(void)state;
	assert_non_null(big);
	sg_wire_begin(&w, SG_MSG_ERROR);
	assert_int_equal(sg_wire_put_str(&w, "ok"), SG_OK);
	before = w.buf.len;
	assert_int_equal(sg_wire_put_str(&w, "bad \xff"), SG_E_ARG);
	assert_int_equal(sg_wire_put_str(&w, "\xc0\xaf"), SG_E_ARG);	/* overlong '/' */
	assert_int_equal(sg_wire_put_str(&w, "\xed\xa0\x80"), SG_E_ARG);	/* surrogate */
	assert_int_equal(w.buf.len, before);
	memset(big, 'x', SG_WIRE_STRING_MAX + 1);
	big[SG_WIRE_STRING_MAX + 1] = '\0';
	assert_int_equal(sg_wire_put_str(&w, big), SG_E_LIMIT);
	big[SG_WIRE_STRING_MAX] = '\0';
	assert_int_equal(sg_wire_put_str(&w, big), SG_OK);		/* exactly the limit */
	assert_int_equal(w.buf.len, before + 5 + SG_WIRE_STRING_MAX);
	sg_wire_out_free(&w);
	free(big);
}

static void test_size_limit(void **state)
{
	size_t room = SG_WIRE_MAX - SG_WIRE_HEADER - 5;
	uint8_t *blob = calloc(1, room + 1);
	struct sg_wire_out w;
	struct sg_wire_in r;
	const uint8_t *p;
	size_t n;

	(void)state;
	assert_non_null(blob);
	sg_wire_begin(&w, SG_MSG_RESULT);
	assert_int_equal(sg_wire_put_bytes(&w, blob, room + 1), SG_E_LIMIT);
	assert_int_equal(w.buf.len, SG_WIRE_HEADER);
	assert_int_equal(sg_wire_put_bytes(&w, blob, room), SG_OK);
	assert_int_equal(w.buf.len, SG_WIRE_MAX);
	assert_int_equal(sg_wire_put_u64(&w, 1), SG_E_LIMIT);	/* full */
	assert_int_equal(sg_wire_finish(&w), SG_OK);
	assert_int_equal(be32(w.buf.data), SG_WIRE_MAX);
	open_ok(&r, w.buf.data, w.buf.len);
	assert_false(sg_wire_get_bytes(&r, &p, &n, room - 1));	/* over the getter's max */
	open_ok(&r, w.buf.data, w.buf.len);
	assert_true(sg_wire_get_bytes(&r, &p, &n, room));
	assert_true(sg_wire_end(&r));
	sg_wire_out_free(&w);
	free(blob);
}

static void expect_open_error(const void *msg, size_t len, enum sg_err code, const char *what)
{
	struct sg_wire_in r;
	struct sg_error err;
	uint64_t v;

	sg_error_clear(&err);
	assert_int_equal(sg_wire_open(&r, msg, len, &err), code);
	if (strstr(err.msg, what) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err.msg, what);
	assert_true(r.failed);
	assert_false(sg_wire_get_u64(&r, &v));	/* a refused message reads nothing */
	assert_false(sg_wire_end(&r));
}

static void test_open_header(void **state)
{
	uint8_t m[32];
	size_t len;

	(void)state;
	len = raw_msg(m, SG_MSG_HELLO, "", 0);
	expect_open_error(m, 0, SG_E_SYNTAX, "shorter than");
	expect_open_error(m, 7, SG_E_SYNTAX, "shorter than");
	expect_open_error(m, SG_WIRE_MAX + 1, SG_E_LIMIT, "over the limit");
	m[3] = 9;	/* says 9, is 8 */
	expect_open_error(m, len, SG_E_SYNTAX, "announces 9");
	m[3] = 8;
	m[0] = 1;	/* says 16 MiB + 8 */
	expect_open_error(m, len, SG_E_SYNTAX, "announces 16777224");
	m[0] = 0;
	for (unsigned t = 0; t < 300; t++) {
		struct sg_wire_in r;
		bool known = (t >= 1 && t <= 4) || (t >= 10 && t <= 12);

		m[4] = (uint8_t)(t >> 8);
		m[5] = (uint8_t)t;
		if (known) {
			open_ok(&r, m, len);
			assert_int_equal(r.type, t);
			assert_true(sg_wire_end(&r));	/* zero fields */
		} else {
			expect_open_error(m, len, SG_E_SYNTAX, "unknown message type");
		}
	}
	m[4] = 0;
	m[5] = SG_MSG_HELLO;
	m[7] = 1;
	expect_open_error(m, len, SG_E_SYNTAX, "reserved");
	m[7] = 0;
	m[6] = 0x80;
	expect_open_error(m, len, SG_E_SYNTAX, "reserved");
}

static void expect_why(const struct sg_wire_in *r, const char *what)
{
	assert_true(r->failed);
	if (strstr(r->why, what) == NULL)
		fail_msg("why \"%s\" does not mention \"%s\"", r->why, what);
}

static void test_wrong_tag_poisons(void **state)
{
	uint8_t m[64];
	size_t len = raw_msg(m, SG_MSG_COMMAND, "u\0\0\0\0\0\0\0\x07s\0\0\0\x01x", 15);
	struct sg_wire_in r;
	char s[8];
	uint64_t v;

	(void)state;
	open_ok(&r, m, len);
	assert_false(sg_wire_get_str(&r, s, sizeof(s)));	/* a number is there */
	assert_string_equal(s, "");
	expect_why(&r, "byte 8: string expected, found tag 0x75");
	assert_false(sg_wire_get_u64(&r, &v));		/* would succeed, poisoned */
	assert_false(sg_wire_get_str(&r, s, sizeof(s)));
	assert_false(sg_wire_end(&r));
	expect_why(&r, "byte 8: string expected");		/* the first reason stays */

	open_ok(&r, m, len);
	assert_true(sg_wire_get_u64(&r, &v));
	assert_int_equal(v, 7);
	assert_false(sg_wire_get_u64(&r, &v));
	expect_why(&r, "byte 17: number expected, found tag 0x73");

	open_ok(&r, m, len);
	assert_true(sg_wire_get_u64(&r, &v));
	assert_false(sg_wire_get_bytes(&r, &(const uint8_t *){ NULL }, &(size_t){ 0 }, 10));
	expect_why(&r, "bytes expected");
}

static void test_cut_short(void **state)
{
	uint8_t m[64];
	struct sg_wire_in r;
	const uint8_t *p;
	size_t len, n;
	uint64_t v;
	char s[16];

	(void)state;
	len = raw_msg(m, SG_MSG_COMMAND, "u\0\0\0\0\0\0\0", 8);	/* 7 of 8 bytes */
	open_ok(&r, m, len);
	assert_false(sg_wire_get_u64(&r, &v));
	expect_why(&r, "number cut short");

	len = raw_msg(m, SG_MSG_COMMAND, "s\0\0\0", 4);
	open_ok(&r, m, len);
	assert_false(sg_wire_get_str(&r, s, sizeof(s)));
	expect_why(&r, "string length cut short");

	len = raw_msg(m, SG_MSG_COMMAND, "s\0\0\0\x04" "abc", 8);	/* 4 said, 3 there */
	open_ok(&r, m, len);
	assert_false(sg_wire_get_str(&r, s, sizeof(s)));
	expect_why(&r, "string of 4 bytes, only 3 left");

	len = raw_msg(m, SG_MSG_COMMAND, "b\xff\xff\xff\xff" "abc", 8);
	open_ok(&r, m, len);
	assert_false(sg_wire_get_bytes(&r, &p, &n, SIZE_MAX));
	expect_why(&r, "only 3 left");

	len = raw_msg(m, SG_MSG_COMMAND, "", 0);
	open_ok(&r, m, len);
	assert_false(sg_wire_get_u64(&r, &v));
	expect_why(&r, "message ends");
}

static void test_string_limits(void **state)
{
	uint8_t m[64];
	size_t len = raw_msg(m, SG_MSG_COMMAND, "s\0\0\0\x04" "abcd", 9);
	struct sg_wire_in r;
	char s[8];

	(void)state;
	open_ok(&r, m, len);
	assert_true(sg_wire_get_str(&r, s, 5));		/* 4 bytes + NUL fit */
	assert_string_equal(s, "abcd");
	open_ok(&r, m, len);
	assert_false(sg_wire_get_str(&r, s, 4));
	expect_why(&r, "at most 3 allowed");
	assert_string_equal(s, "");
	open_ok(&r, m, len);
	assert_false(sg_wire_get_str(&r, s, 0));
	expect_why(&r, "no room");

	len = raw_msg(m, SG_MSG_COMMAND, "s\0\0\0\0", 5);	/* zero-length */
	open_ok(&r, m, len);
	assert_true(sg_wire_get_str(&r, s, 1));
	assert_string_equal(s, "");
	assert_true(sg_wire_end(&r));
}

/* A string longer than SG_WIRE_STRING_MAX is refused whatever room the
 * caller offers. */
static void test_string_cap(void **state)
{
	size_t n = SG_WIRE_STRING_MAX + 1;
	uint8_t *fields = malloc(5 + n), *m = malloc(SG_WIRE_HEADER + 5 + n);
	char *out = malloc(n + 1);
	struct sg_wire_in r;
	size_t len;

	(void)state;
	assert_non_null(fields);
	assert_non_null(m);
	assert_non_null(out);
	fields[0] = 's';
	fields[1] = 0;
	fields[2] = (uint8_t)(n >> 16);
	fields[3] = (uint8_t)(n >> 8);
	fields[4] = (uint8_t)n;
	memset(fields + 5, 'a', n);
	len = raw_msg(m, SG_MSG_COMMAND, fields, 5 + n);
	open_ok(&r, m, len);
	assert_false(sg_wire_get_str(&r, out, n + 1));
	expect_why(&r, "at most 65536 allowed");
	free(fields);
	free(m);
	free(out);
}

struct utf8_case {
	const char *bytes;
	size_t len;
	bool ok;
	size_t bad;
};

static void test_utf8_rules(void **state)
{
	static const struct utf8_case cases[] = {
		{ "plain ascii", 11, true, 0 },
		{ "\xc2\x80\xdf\xbf", 4, true, 0 },			/* U+0080, U+07FF */
		{ "\xe0\xa0\x80\xef\xbf\xbf", 6, true, 0 },		/* U+0800, U+FFFF */
		{ "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8, true, 0 },	/* U+10000, U+10FFFF */
		{ "\xed\x9f\xbf", 3, true, 0 },				/* U+D7FF */
		{ "ab\0cd", 5, false, 2 },				/* NUL */
		{ "a\x80", 2, false, 1 },				/* lone continuation */
		{ "\xc0\xaf", 2, false, 0 },				/* overlong */
		{ "\xc1\xbf", 2, false, 0 },
		{ "\xe0\x80\xaf", 3, false, 0 },
		{ "\xf0\x80\x80\xaf", 4, false, 0 },
		{ "x\xed\xa0\x80", 4, false, 1 },			/* surrogate */
		{ "\xf4\x90\x80\x80", 4, false, 0 },			/* U+110000 */
		{ "\xf5\x80\x80\x80", 4, false, 0 },
		{ "\xff", 1, false, 0 },
		{ "ok\xc3", 3, false, 2 },				/* cut at the end */
		{ "\xe2\x82", 2, false, 0 },
		{ "\xe2\x28\xa1", 3, false, 0 },			/* bad 2nd byte */
		{ "\xf0\x9f\x94\x28", 4, false, 0 },			/* bad 4th byte */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct utf8_case *c = &cases[i];
		uint8_t fields[32], m[64];
		struct sg_wire_in r;
		size_t bad = 999, len;
		char s[32];

		if (sg_wire_text_ok(c->bytes, c->len, &bad) != c->ok)
			fail_msg("case %zu: expected %s", i, c->ok ? "valid" : "invalid");
		if (!c->ok && bad != c->bad)
			fail_msg("case %zu: bad offset %zu, expected %zu", i, bad, c->bad);
		/* the same rule in the getter */
		fields[0] = 's';
		fields[1] = fields[2] = fields[3] = 0;
		fields[4] = (uint8_t)c->len;
		memcpy(fields + 5, c->bytes, c->len);
		len = raw_msg(m, SG_MSG_COMMAND, fields, 5 + c->len);
		open_ok(&r, m, len);
		if (sg_wire_get_str(&r, s, sizeof(s)) != c->ok)
			fail_msg("case %zu: getter disagrees", i);
		if (!c->ok)
			expect_why(&r, "not UTF-8 text");
	}
	assert_true(sg_wire_text_ok("", 0, NULL));
}

static void test_end(void **state)
{
	uint8_t m[32];
	size_t len = raw_msg(m, SG_MSG_COMMAND, "u\0\0\0\0\0\0\0\x01zz", 11);
	struct sg_wire_in r;
	uint64_t v;

	(void)state;
	open_ok(&r, m, len);
	assert_true(sg_wire_get_u64(&r, &v));
	assert_false(sg_wire_end(&r));
	expect_why(&r, "byte 17: 2 unexpected bytes");
	assert_false(sg_wire_end(&r));		/* stays false */
	open_ok(&r, m, len);
	assert_false(sg_wire_end(&r));		/* nothing read yet */
}

static void test_frame_len(void **state)
{
	uint8_t h[8] = { 0, 0, 0, 8, 0, 1, 0, 0 };
	struct sg_error err;
	size_t total = 99;

	(void)state;
	for (size_t n = 0; n < 4; n++) {
		assert_int_equal(sg_wire_frame_len(h, n, &total, NULL), SG_OK);
		assert_int_equal(total, 0);
	}
	assert_int_equal(sg_wire_frame_len(h, 4, &total, NULL), SG_OK);
	assert_int_equal(total, 8);
	h[3] = 7;
	sg_error_clear(&err);
	assert_int_equal(sg_wire_frame_len(h, 8, &total, &err), SG_E_SYNTAX);
	assert_int_equal(total, 0);
	assert_non_null(strstr(err.msg, "shorter than"));
	h[1] = 0x10;	/* 1 MiB + 7 */
	assert_int_equal(sg_wire_frame_len(h, 8, &total, &err), SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "1048583 bytes"));
	h[1] = 0x10;
	h[3] = 0;	/* exactly 1 MiB */
	assert_int_equal(sg_wire_frame_len(h, 8, &total, NULL), SG_OK);
	assert_int_equal(total, SG_WIRE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_layout),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_put_refusals),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_open_header),
		cmocka_unit_test(test_wrong_tag_poisons),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_string_cap),
		cmocka_unit_test(test_utf8_rules),
		cmocka_unit_test(test_end),
		cmocka_unit_test(test_frame_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
