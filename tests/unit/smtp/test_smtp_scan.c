/*
 * NAME
 *   test_smtp_scan.c - unit tests for dataplane/smtp/smtp_scan.c
 *
 * SUMMARY
 *   The block masks (the one picked, and SSE2 and AVX2 where the CPU has
 *   them) equal the byte loop's for random
 *   blocks of every length 0..64, and nothing past n shows; the text scan
 *   against a byte-by-byte reading of the rules: clean or not (NUL, bare
 *   CR, bare LF, a CR as the last octet, CRLF across 64-octet blocks) and
 *   the first line-start dot at or after every offset, over random texts
 *   and the block-edge cases.
 */
#include "testutil.h"

#include "smtp_scan.h"

static uint32_t next_rand(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 16;
}

static void same_masks(const struct sg_smtp_scan *a, const struct sg_smtp_scan *b)
{
	assert_true(a->cr == b->cr);
	assert_true(a->lf == b->lf);
	assert_true(a->nul == b->nul);
	assert_true(a->dot == b->dot);
}

static void test_block_masks(void **state)
{
	static const char alphabet[] = "\r\n.\0ab\x80\xff";
	uint8_t buf[SG_SMTP_SCAN_BLOCK + 8];
	struct sg_smtp_scan a, b;
	uint32_t x = 7;

	(void)state;
	memcpy(buf, "a\r\n.\0", 5);
	sg_smtp_scan_block_bytes(buf, 5, &a);
	assert_true(a.cr == 2 && a.lf == 4 && a.dot == 8 && a.nul == 16);
	for (int round = 0; round < 4000; round++) {
		size_t n = (size_t)round % (SG_SMTP_SCAN_BLOCK + 1);

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)alphabet[next_rand(&x) % (sizeof(alphabet) - 1)];
		sg_smtp_scan_block_bytes(buf, n, &b);
		sg_smtp_scan_block(buf, n, &a);
		same_masks(&a, &b);
#if SG_SMTP_SCAN_X86
		sg_smtp_scan_block_sse2(buf, n, &a);
		same_masks(&a, &b);
		if (sg_smtp_scan_has_avx2()) {
			sg_smtp_scan_block_avx2(buf, n, &a);
			same_masks(&a, &b);
		}
#endif
		/* nothing at or past n, whatever follows in memory */
		assert_true(((a.cr | a.lf | a.nul | a.dot) & ~sg_smtp_scan_below(n)) == 0);
	}
	assert_true(sg_smtp_scan_below(0) == 0);
	assert_true(sg_smtp_scan_below(64) == ~(uint64_t)0);
}

/* The rules one octet at a time. */
static bool ref_clean(const char *m, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (m[i] == '\0')
			return false;
		if (m[i] == '\r' && (i + 1 == len || m[i + 1] != '\n'))
			return false;
		if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r'))
			return false;
	}
	return true;
}

static size_t ref_dot(const char *m, size_t len, size_t from)
{
	for (size_t i = from; i < len; i++)
		if (m[i] == '.' && (i == 0 || m[i - 1] == '\n'))
			return i;
	return len;
}

static void check_text(const char *m, size_t len)
{
	bool clean;
	size_t dot = sg_smtp_scan_text(m, len, 0, &clean);

	if (clean != ref_clean(m, len))
		fail_msg("clean %d for %s", clean, tu_escaped(m, len));
	if (clean && dot != ref_dot(m, len, 0))
		fail_msg("first dot %zu for %s", dot, tu_escaped(m, len));
	for (size_t from = 0; from <= len; from++)
		if (sg_smtp_scan_text(m, len, from, NULL) != ref_dot(m, len, from))
			fail_msg("dot from %zu for %s", from, tu_escaped(m, len));
}

static void test_text_random(void **state)
{
	static const char *const pieces[] = { "\r\n", "\r\n.", ".", "a", "abcdefghijklmnop",
					      "\r", "\n", "\0", "..\r\n" };
	char m[400];
	uint32_t x = 3;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = 0, want = next_rand(&x) % 300;

		while (len < want) {
			const char *p = pieces[next_rand(&x) % 9];
			size_t k = p[0] == '\0' ? 1 : strlen(p);

			/* the bad octets rarely, so that clean texts are common */
			if ((p[0] == '\0' || strcmp(p, "\r") == 0 || strcmp(p, "\n") == 0) &&
			    next_rand(&x) % 8 != 0)
				continue;
			memcpy(m + len, p, k);
			len += k;
		}
		check_text(m, len);
	}
}

static void test_text_block_edges(void **state)
{
	char m[200];

	(void)state;
	check_text(NULL, 0);
	check_text(".", 1);
	check_text("\r", 1);
	check_text("\n", 1);
	for (size_t at = 60; at < 132; at++) {
		/* CRLF and a line-start dot on every side of a block edge */
		memset(m, 'a', sizeof(m));
		memcpy(m + at - 2, "\r\n.", 3);
		check_text(m, at + 1);
		check_text(m, at + 10);
		memcpy(m + at, "\r\n", 2);
		check_text(m, at + 1);		/* ends on a CR */
		check_text(m, at + 2);
		memset(m, 'a', sizeof(m));
		m[at] = '\n';			/* bare LF */
		check_text(m, at + 5);
		m[at] = '\0';
		check_text(m, at + 5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_masks),
		cmocka_unit_test(test_text_random),
		cmocka_unit_test(test_text_block_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
