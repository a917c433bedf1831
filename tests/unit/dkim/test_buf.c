/*
 * NAME
 *   test_buf.c - unit tests for dataplane/dkim/buf.c
 *
 * SUMMARY
 *   Empty buffers (cstr "", zero-length appends), the limit exactly reached
 *   and one byte past for append, putc, puts and printf (a refused append
 *   leaves contents, length and terminator unchanged), limit 0, the
 *   trailing NUL after every operation, embedded NUL bytes, growth over
 *   many sizes checked against a reference copy, reset keeping memory and
 *   free allowing reuse.
 */
#include "testutil.h"

#include "buf.h"

static void assert_buf(const struct sg_buf *b, const char *want, size_t len)
{
	assert_int_equal(b->len, len);
	assert_memory_equal(sg_buf_cstr(b), want, len);
	assert_int_equal(sg_buf_cstr(b)[len], '\0');
}

static void test_empty(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, 10);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.limit, 10);
	assert_string_equal(sg_buf_cstr(&b), "");
	sg_buf_reset(&b);	/* no memory yet */
	assert_string_equal(sg_buf_cstr(&b), "");
	assert_int_equal(sg_buf_append(&b, NULL, 0), SG_OK);
	assert_buf(&b, "", 0);
	assert_int_equal(sg_buf_puts(&b, ""), SG_OK);
	assert_int_equal(sg_buf_printf(&b, "%s", ""), SG_OK);
	assert_buf(&b, "", 0);
	sg_buf_free(&b);
	sg_buf_free(&b);	/* twice is harmless */
	assert_null(b.data);
}

static void test_limit_append(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, 5);
	assert_int_equal(sg_buf_append(&b, "abc", 3), SG_OK);
	assert_int_equal(sg_buf_append(&b, "def", 3), SG_E_LIMIT);	/* 6 > 5 */
	assert_buf(&b, "abc", 3);
	assert_int_equal(sg_buf_append(&b, "de", 2), SG_OK);		/* exactly 5 */
	assert_buf(&b, "abcde", 5);
	assert_int_equal(sg_buf_putc(&b, 'f'), SG_E_LIMIT);
	assert_int_equal(sg_buf_puts(&b, "g"), SG_E_LIMIT);
	assert_int_equal(sg_buf_printf(&b, "%d", 1), SG_E_LIMIT);
	assert_int_equal(sg_buf_append(&b, "", 0), SG_OK);		/* nothing is fine */
	assert_buf(&b, "abcde", 5);
	/* a huge n must not wrap around the limit check */
	assert_int_equal(sg_buf_append(&b, "x", SIZE_MAX), SG_E_LIMIT);
	assert_int_equal(sg_buf_append(&b, "x", SIZE_MAX - 2), SG_E_LIMIT);
	assert_buf(&b, "abcde", 5);
	sg_buf_free(&b);
}

static void test_limit_zero(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, 0);
	assert_int_equal(sg_buf_putc(&b, 'a'), SG_E_LIMIT);
	assert_int_equal(sg_buf_append(&b, "", 0), SG_OK);
	assert_buf(&b, "", 0);
	sg_buf_free(&b);
}

static void test_limit_printf(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, 8);
	assert_int_equal(sg_buf_printf(&b, "%s-%d", "ab", 42), SG_OK);
	assert_buf(&b, "ab-42", 5);
	assert_int_equal(sg_buf_printf(&b, "%04d", 7), SG_E_LIMIT);	/* 9 > 8 */
	assert_buf(&b, "ab-42", 5);
	assert_int_equal(sg_buf_printf(&b, "%03d", 7), SG_OK);		/* exactly 8 */
	assert_buf(&b, "ab-42007", 8);
	sg_buf_free(&b);
}

static void test_printf_long(void **state)
{
	struct sg_buf b;
	char want[3001];

	(void)state;
	memset(want, 'z', 3000);
	want[3000] = '\0';
	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_buf_putc(&b, '<'), SG_OK);
	assert_int_equal(sg_buf_printf(&b, "%s>", want), SG_OK);
	assert_int_equal(b.len, 3002);
	assert_int_equal(b.data[0], '<');
	assert_memory_equal(b.data + 1, want, 3000);
	assert_string_equal(b.data + 3001, ">");
	sg_buf_free(&b);
}

static void test_embedded_nul(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, 100);
	assert_int_equal(sg_buf_append(&b, "a\0b", 3), SG_OK);
	assert_int_equal(sg_buf_putc(&b, '\0'), SG_OK);
	assert_buf(&b, "a\0b\0", 4);
	sg_buf_free(&b);
}

/* Appends of every size from 0 to 300 with a byte pattern, compared with
 * a plain array, so every growth step of the allocator is crossed. */
static void test_growth_sweep(void **state)
{
	static char ref[299 * 300 / 2 + 1];	/* 0 + 1 + ... + 299 */
	struct sg_buf b;
	size_t len = 0;
	char chunk[300];

	(void)state;
	sg_buf_init(&b, sizeof(ref) - 1);
	for (size_t n = 0; n < 300; n++) {
		for (size_t i = 0; i < n; i++)
			chunk[i] = (char)('A' + (n + i) % 26);
		assert_int_equal(sg_buf_append(&b, chunk, n), SG_OK);
		memcpy(ref + len, chunk, n);
		len += n;
		assert_int_equal(b.len, len);
		assert_true(b.cap > b.len);
		assert_int_equal(b.data[len], '\0');
	}
	assert_memory_equal(b.data, ref, len);
	assert_int_equal(len, sizeof(ref) - 1);
	assert_int_equal(sg_buf_putc(&b, 'x'), SG_E_LIMIT);	/* the limit is reached */
	sg_buf_free(&b);
}

static void test_reset_and_reuse(void **state)
{
	struct sg_buf b;
	char *mem;
	size_t cap;

	(void)state;
	sg_buf_init(&b, 1000);
	assert_int_equal(sg_buf_puts(&b, "hello world"), SG_OK);
	mem = b.data;
	cap = b.cap;
	sg_buf_reset(&b);
	assert_buf(&b, "", 0);
	assert_ptr_equal(b.data, mem);		/* memory kept */
	assert_int_equal(b.cap, cap);
	assert_int_equal(sg_buf_puts(&b, "hi"), SG_OK);
	assert_buf(&b, "hi", 2);
	sg_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.limit, 1000);	/* the limit survives free */
	assert_int_equal(sg_buf_puts(&b, "again"), SG_OK);
	assert_buf(&b, "again", 5);
	sg_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_limit_append),
		cmocka_unit_test(test_limit_zero),
		cmocka_unit_test(test_limit_printf),
		cmocka_unit_test(test_printf_long),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_growth_sweep),
		cmocka_unit_test(test_reset_and_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
