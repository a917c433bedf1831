/*
 * NAME
 *   test_table.c - unit tests for control/proto/table.c
 *
 * SUMMARY
 *   Building: title truncation, column limits (count, name length, empty
 *   name, unknown kind, columns after rows), rows refused for bad text or
 *   non-numbers in INT columns (every accepted and refused number form),
 *   a refused row leaving the table as it was, growth over 1000 rows.
 *   Wire form: encode/decode round trips (empty table, unicode, empty
 *   cells, many rows); decode refusing too many columns, unknown kinds,
 *   rows without columns, more rows than the message can hold, a non-
 *   number in an INT column, and every truncation of a good message.
 *   Rendering: exact aligned text (INT right, TEXT left, code-point
 *   widths, no trailing blanks, control characters as '?', header without
 *   rows, title and message only) and exact JSON (escaping of quotes,
 *   backslash, named and \u escapes, DEL, unicode kept, null for empty INT
 *   cells, key order = column order).
 */
#include "testutil.h"

#include "proto.h"

static void add_cols(struct sg_table *t, const char *spec)
{
	/* "name:T,count:I" */
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", spec);
	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(c, ':');

		*colon = '\0';
		assert_int_equal(sg_table_column(t, c, colon[1] == 'I' ? SG_COL_INT : SG_COL_TEXT),
				 SG_OK);
	}
}

static void add_row(struct sg_table *t, const char *a, const char *b, const char *c)
{
	const char *row[3] = { a, b, c };

	assert_int_equal(sg_table_row(t, row), SG_OK);
}

static void test_columns(void **state)
{
	struct sg_table t;
	char name[64];

	(void)state;
	memset(name, 'x', sizeof(name));
	sg_table_init(&t, NULL);
	assert_string_equal(t.title, "");
	for (int i = 0; i < SG_TABLE_MAX_COLS; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		assert_int_equal(sg_table_column(&t, name, SG_COL_TEXT), SG_OK);
	}
	assert_int_equal(sg_table_column(&t, "one-more", SG_COL_TEXT), SG_E_LIMIT);
	assert_int_equal(t.ncols, SG_TABLE_MAX_COLS);
	sg_table_free(&t);

	sg_table_init(&t, "t");
	memset(name, 'n', 47);
	name[47] = '\0';
	assert_int_equal(sg_table_column(&t, name, SG_COL_INT), SG_OK);	/* 47 fits */
	name[47] = 'n';
	name[48] = '\0';
	assert_int_equal(sg_table_column(&t, name, SG_COL_INT), SG_E_LIMIT);
	assert_int_equal(sg_table_column(&t, "", SG_COL_INT), SG_E_ARG);
	assert_int_equal(sg_table_column(&t, "k", (enum sg_col_kind)2), SG_E_ARG);
	assert_int_equal(sg_table_column(&t, "bad\xff", SG_COL_TEXT), SG_E_ARG);
	assert_int_equal(t.ncols, 1);
	assert_int_equal(sg_table_row(&t, (const char *[]){ "1" }), SG_OK);
	assert_int_equal(sg_table_column(&t, "late", SG_COL_TEXT), SG_E_STATE);
	sg_table_free(&t);
	assert_int_equal(t.nrows, 0);
	assert_null(t.cells);
	sg_table_free(&t);	/* twice is harmless */
}

static void test_title_truncated(void **state)
{
	char long_title[300];
	struct sg_table t;

	(void)state;
	memset(long_title, 'T', sizeof(long_title) - 1);
	long_title[sizeof(long_title) - 1] = '\0';
	sg_table_init(&t, long_title);
	assert_int_equal(strlen(t.title), sizeof(t.title) - 1);
	sg_table_free(&t);
}

static void test_numbers(void **state)
{
	static const char *good[] = { "", "0", "7", "-3", "18446744073709551615", "0.5",
				      "12.25", "-0.001" };
	static const char *bad[] = { "01", "-01", "1.", ".5", "-", "--1", "+1", "1e3",
				     "1.2.3", " 1", "1 ", "abc", "0x10", "1,000", "NaN" };
	struct sg_table t;

	(void)state;
	sg_table_init(&t, NULL);
	add_cols(&t, "n:I");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (sg_table_row(&t, &good[i]) != SG_OK)
			fail_msg("\"%s\" refused as a number", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sg_table_row(&t, &bad[i]) != SG_E_ARG)
			fail_msg("\"%s\" accepted as a number", bad[i]);
	assert_int_equal(t.nrows, sizeof(good) / sizeof(good[0]));
	sg_table_free(&t);
}

static void test_row_refusals(void **state)
{
	struct sg_table t;

	(void)state;
	sg_table_init(&t, NULL);
	assert_int_equal(sg_table_row(&t, (const char *[]){ "x" }), SG_E_STATE);
	add_cols(&t, "a:T,b:I");
	add_row(&t, "first", "1", NULL);
	assert_int_equal(sg_table_row(&t, (const char *[]){ "ok", "x" }), SG_E_ARG);
	assert_int_equal(sg_table_row(&t, (const char *[]){ "\xc3", "1" }), SG_E_ARG);
	assert_int_equal(sg_table_row(&t, (const char *[]){ NULL, "1" }), SG_E_ARG);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(t.cells[0], "first");
	assert_string_equal(t.cells[1], "1");
	sg_table_free(&t);
}

/* Encodes t as a RESULT message. */
static void encode(const struct sg_table *t, struct sg_wire_out *w)
{
	sg_wire_begin(w, SG_MSG_RESULT);
	assert_int_equal(sg_table_encode(t, w), SG_OK);
	assert_int_equal(sg_wire_finish(w), SG_OK);
}

static void assert_same(const struct sg_table *a, const struct sg_table *b)
{
	assert_string_equal(a->title, b->title);
	assert_string_equal(a->message, b->message);
	assert_int_equal(a->ncols, b->ncols);
	assert_int_equal(a->nrows, b->nrows);
	for (size_t c = 0; c < a->ncols; c++) {
		assert_string_equal(a->col_name[c], b->col_name[c]);
		assert_int_equal(a->col_kind[c], b->col_kind[c]);
	}
	for (size_t i = 0; i < a->nrows * a->ncols; i++)
		assert_string_equal(a->cells[i], b->cells[i]);
}

static void round_trip(const struct sg_table *t)
{
	struct sg_wire_out w;
	struct sg_wire_in r;
	struct sg_table back;

	encode(t, &w);
	assert_int_equal(sg_wire_open(&r, w.buf.data, w.buf.len, NULL), SG_OK);
	assert_int_equal(sg_table_decode(&r, &back), SG_OK);
	assert_true(sg_wire_end(&r));
	assert_same(t, &back);
	sg_table_free(&back);
	sg_wire_out_free(&w);
}

static void test_round_trips(void **state)
{
	struct sg_table t;
	char a[32], b[32];

	(void)state;
	sg_table_init(&t, "");
	round_trip(&t);				/* nothing at all */
	snprintf(t.message, sizeof(t.message), "only a message");
	round_trip(&t);
	sg_table_free(&t);

	sg_table_init(&t, "Schl\xc3\xbcssel");
	add_cols(&t, "domain:T,count:I,note:T");
	round_trip(&t);				/* columns, no rows */
	add_row(&t, "example.com", "12", "");
	add_row(&t, "b\xc3\xbcro.example", "", "tab\there \"q\"");
	add_row(&t, "", "-1.5", "\xf0\x9f\x94\x91");
	round_trip(&t);
	for (int i = 0; i < 1000; i++) {
		snprintf(a, sizeof(a), "d%d.example", i);
		snprintf(b, sizeof(b), "%d", i * 3);
		add_row(&t, a, b, "x");
	}
	assert_int_equal(t.nrows, 1003);
	assert_string_equal(t.cells[1002 * 3], "d999.example");
	round_trip(&t);
	sg_table_free(&t);
}

/* Decodes fields (after a RESULT header) and expects failure naming what. */
static void expect_decode_error(const uint8_t *fields, size_t n, const char *what)
{
	uint8_t m[512];
	struct sg_wire_in r;
	struct sg_table t;
	size_t len = SG_WIRE_HEADER + n;

	assert_true(len <= sizeof(m));
	memcpy(m, (const uint8_t[]){ 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 4, 0, 0 }, 8);
	memcpy(m + 8, fields, n);
	assert_int_equal(sg_wire_open(&r, m, len, NULL), SG_OK);
	assert_int_not_equal(sg_table_decode(&r, &t), SG_OK);
	assert_true(r.failed);
	if (strstr(r.why, what) == NULL)
		fail_msg("why \"%s\" does not mention \"%s\"", r.why, what);
	sg_table_free(&t);
}

#define S0 's', 0, 0, 0, 0
#define U(v) 'u', 0, 0, 0, 0, 0, 0, 0, (v)
#define S1(c) 's', 0, 0, 0, 1, (c)

static void test_decode_refusals(void **state)
{
	(void)state;
	expect_decode_error((const uint8_t[]){ S0, S0, U(17) }, 19, "too many columns");
	expect_decode_error((const uint8_t[]){ S0, S0, U(1), S1('a'), U(2) }, 34,
			    "unknown column kind");
	expect_decode_error((const uint8_t[]){ S0, S0, U(1), S0, U(0) }, 33,
			    "empty column name");
	expect_decode_error((const uint8_t[]){ S0, S0, U(0), U(1) }, 28,
			    "rows in a table without columns");
	/* 200 rows of one column announced, 2 cells present */
	expect_decode_error((const uint8_t[]){ S0, S0, U(1), S1('a'), U(0), U(200),
					       S1('x'), S1('y') }, 55,
			    "more rows announced");
	expect_decode_error((const uint8_t[]){ S0, S0, U(1), S1('n'), U(1), U(1),
					       S1('z') }, 49,
			    "number column");
	expect_decode_error((const uint8_t[]){ S0, S0, U(1), S1('n'), U(1), U(1),
					       S1(0xc3) }, 49,
			    "not UTF-8");
	expect_decode_error((const uint8_t[]){ S0 }, 5, "string expected, message ends");
}

static void test_decode_every_truncation(void **state)
{
	struct sg_table t, back;
	struct sg_wire_out w;
	uint8_t *m;

	(void)state;
	sg_table_init(&t, "title");
	snprintf(t.message, sizeof(t.message), "msg");
	add_cols(&t, "a:T,b:I,c:T");
	add_row(&t, "x", "1", "zz");
	add_row(&t, "", "", "y");
	encode(&t, &w);
	m = malloc(w.buf.len);
	assert_non_null(m);
	for (size_t cut = SG_WIRE_HEADER; cut < w.buf.len; cut++) {
		struct sg_wire_in r;
		bool ok;

		memcpy(m, w.buf.data, cut);
		m[2] = (uint8_t)(cut >> 8);
		m[3] = (uint8_t)cut;
		assert_int_equal(sg_wire_open(&r, m, cut, NULL), SG_OK);
		ok = sg_table_decode(&r, &back) == SG_OK && sg_wire_end(&r);
		if (ok)
			fail_msg("a table cut to %zu of %zu bytes was accepted", cut,
				 w.buf.len);
		sg_table_free(&back);
	}
	free(m);
	sg_wire_out_free(&w);
	sg_table_free(&t);
}

static void expect_render(const struct sg_table *t, bool json, const char *want)
{
	struct sg_buf out;

	sg_buf_init(&out, 1 << 20);
	assert_int_equal(json ? sg_table_render_json(t, &out) : sg_table_render_text(t, &out),
			 SG_OK);
	if (strcmp(sg_buf_cstr(&out), want) != 0)
		fail_msg("rendered:\n%s\nwanted:\n%s", sg_buf_cstr(&out), want);
	sg_buf_free(&out);
}

static void test_render_text(void **state)
{
	struct sg_table t;

	(void)state;
	sg_table_init(&t, "Keycache");
	snprintf(t.message, sizeof(t.message), "3 keys");
	add_cols(&t, "domain:T,hits:I,state:T");
	add_row(&t, "example.com", "12", "loaded");
	add_row(&t, "b\xc3\xbcro.de", "7", "");			/* 8 code points, 9 bytes */
	add_row(&t, "x", "1234", "negative");
	expect_render(&t, false,
		      "Keycache\n"
		      "domain       hits  state\n"
		      "example.com    12  loaded\n"
		      "b\xc3\xbcro.de         7\n"			/* no trailing blanks */
		      "x            1234  negative\n"
		      "3 keys\n");
	sg_table_free(&t);

	sg_table_init(&t, "");
	add_cols(&t, "n:I,text:T");
	expect_render(&t, false, "n  text\n");			/* header, no rows */
	add_row(&t, "1", "bell\a esc\x1b[2J del\x7f c1\xc2\x9b end", NULL);
	expect_render(&t, false, "n  text\n1  bell? esc?[2J del? c1? end\n");
	sg_table_free(&t);

	sg_table_init(&t, "only\ttitle");
	snprintf(t.message, sizeof(t.message), "and message\n");
	expect_render(&t, false, "only?title\nand message?\n");
	sg_table_free(&t);

	sg_table_init(&t, NULL);
	expect_render(&t, false, "");
	sg_table_free(&t);
}

static void test_render_json(void **state)
{
	struct sg_table t;

	(void)state;
	sg_table_init(&t, "Say \"hi\"");
	snprintf(t.message, sizeof(t.message), "back\\slash");
	add_cols(&t, "name:T,count:I,ratio:I");
	add_row(&t, "a\nb\tc\rd\be\ff\x01g\x1fh\x7fi", "0", "");
	add_row(&t, "\xc3\xbc\xf0\x9f\x94\x91 / </script>", "-2", "0.75");
	expect_render(&t, true,
		      "{\"title\":\"Say \\\"hi\\\"\",\"message\":\"back\\\\slash\",\"rows\":["
		      "{\"name\":\"a\\nb\\tc\\rd\\be\\ff\\u0001g\\u001fh\\u007fi\","
		      "\"count\":0,\"ratio\":null},"
		      "{\"name\":\"\xc3\xbc\xf0\x9f\x94\x91 / </script>\",\"count\":-2,"
		      "\"ratio\":0.75}]}\n");
	sg_table_free(&t);

	sg_table_init(&t, NULL);
	expect_render(&t, true, "{\"title\":\"\",\"message\":\"\",\"rows\":[]}\n");
	sg_table_free(&t);
}

static void test_render_limit(void **state)
{
	struct sg_table t;
	struct sg_buf out;

	(void)state;
	sg_table_init(&t, "a title longer than the limit");
	add_cols(&t, "c:T");
	add_row(&t, "cell", NULL, NULL);
	sg_buf_init(&out, 10);
	assert_int_equal(sg_table_render_text(&t, &out), SG_E_LIMIT);
	assert_int_equal(sg_table_render_json(&t, &out), SG_E_LIMIT);
	sg_buf_free(&out);
	sg_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_title_truncated),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_row_refusals),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_decode_refusals),
		cmocka_unit_test(test_decode_every_truncation),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_json),
		cmocka_unit_test(test_render_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
