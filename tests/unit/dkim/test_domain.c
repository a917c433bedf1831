/*
 * NAME
 *   test_domain.c - unit tests for dataplane/dkim/domain.c
 *
 * SUMMARY
 *   Domain and selector syntax at every limit (label 63/64 bytes, name
 *   253/254 bytes, one label), every misplaced '-' or '.', foreign bytes
 *   (including dkimpy's "legitimate.com(.attacker.com"), UTF-8 labels,
 *   and identity alignment (equal, subdomain, look-alike suffixes, case).
 */
#include "testutil.h"

#include "domain.h"

static bool dom(const char *s)
{
	return sg_domain_valid(s, strlen(s));
}

static bool sel(const char *s)
{
	return sg_selector_valid(s, strlen(s));
}

static bool within(const char *sub, const char *parent)
{
	return sg_domain_within(sub, strlen(sub), parent, strlen(parent));
}

/* A name of labels of label_len 'a's, total bytes exactly total. */
static char *long_name(size_t total, size_t label_len)
{
	char *s = malloc(total + 1);

	assert_non_null(s);
	for (size_t i = 0; i < total; i++)
		s[i] = (i % (label_len + 1) == label_len) ? '.' : 'a';
	s[total] = '\0';
	return s;
}

static void test_domain_ok(void **state)
{
	(void)state;
	assert_true(dom("example.com"));
	assert_true(dom("football.example.com"));
	assert_true(dom("EXAMPLE.Com"));
	assert_true(dom("a.b"));
	assert_true(dom("123.45"));
	assert_true(dom("a-b.c--d.example"));
	assert_true(dom("xn--bcher-kva.example"));
	assert_true(dom("b\xc3\xbc" "cher.example"));		/* RFC 8616 U-label */
}

static void test_domain_bad(void **state)
{
	(void)state;
	assert_false(dom(""));
	assert_false(sg_domain_valid(NULL, 0));
	assert_false(dom("com"));			/* single label */
	assert_false(dom(".example.com"));
	assert_false(dom("example.com."));
	assert_false(dom("example..com"));
	assert_false(dom("."));
	assert_false(dom("-example.com"));
	assert_false(dom("example-.com"));
	assert_false(dom("example.-com"));
	assert_false(dom("example.com-"));
	assert_false(dom("legitimate.com(.attacker.com"));
	assert_false(dom("ex_ample.com"));
	assert_false(dom("example.com "));
	assert_false(dom(" example.com"));
	assert_false(dom("exa mple.com"));
	assert_false(dom("joe@example.com"));
	assert_false(dom("example.com;"));
	assert_false(dom("exa\tmple.com"));
	assert_false(sg_domain_valid("exa\0mple.com", 12));
	/* The counted length rules, not the NUL: "example.c" is fine. */
	assert_true(sg_domain_valid("example.com", 9));
	assert_false(sg_domain_valid("example.com", 8));	/* "example." */
}

static void test_domain_limits(void **state)
{
	char label63[64], label64[65], buf[128];
	char *s;

	(void)state;
	memset(label63, 'x', 63);
	label63[63] = '\0';
	memset(label64, 'x', 64);
	label64[64] = '\0';
	snprintf(buf, sizeof(buf), "%s.example", label63);
	assert_true(dom(buf));
	snprintf(buf, sizeof(buf), "%s.example", label64);
	assert_false(dom(buf));
	snprintf(buf, sizeof(buf), "example.%s", label64);
	assert_false(dom(buf));
	/* 253 bytes in all is the maximum. */
	s = long_name(253, 50);
	assert_true(dom(s));
	assert_true(sel(s));
	free(s);
	s = long_name(254, 50);
	assert_false(dom(s));
	assert_false(sel(s));
	free(s);
	/* One-byte labels. */
	s = long_name(253, 1);
	assert_true(dom(s));
	free(s);
}

static void test_selector(void **state)
{
	(void)state;
	assert_true(sel("brisbane"));
	assert_true(sel("s1024"));
	assert_true(sel("2023-05-ed25519"));
	assert_true(sel("yg4mwqurec7fkhzutopddd3ytuaqrvuz"));
	assert_true(sel("a.b"));			/* selectors may have dots */
	assert_true(sel("x"));
	assert_true(sel("20120113"));
	assert_false(sel(""));
	assert_false(sg_selector_valid(NULL, 0));
	assert_false(sel("."));
	assert_false(sel("a."));
	assert_false(sel(".a"));
	assert_false(sel("a..b"));
	assert_false(sel("-a"));
	assert_false(sel("a-"));
	assert_false(sel("my_sel"));
	assert_false(sel("test@sendmail.com"));		/* OpenDKIM's odd selector */
	assert_false(sel("a b"));
	assert_false(sel("a/b"));
}

static void test_within(void **state)
{
	(void)state;
	assert_true(within("example.com", "example.com"));
	assert_true(within("EXAMPLE.com", "example.COM"));
	assert_true(within("football.example.com", "example.com"));
	assert_true(within("a.b.c.example.com", "Example.Com"));
	assert_false(within("badexample.com", "example.com"));
	assert_false(within("example.com", "football.example.com"));
	assert_false(within("example.com.evil", "example.com"));
	assert_false(within("example.org", "example.com"));
	assert_false(within("xample.com", "example.com"));
	assert_false(within("", "example.com"));
	assert_false(within("example.com", ""));
	assert_false(within("", ""));
	/* 8-bit bytes compare exactly (no Unicode case folding). */
	assert_true(within("mail.b\xc3\xbc" "cher.example", "b\xc3\xbc" "cher.example"));
	assert_false(within("mail.b\xc3\x9c" "cher.example", "b\xc3\xbc" "cher.example"));
	/* Only the counted bytes take part. */
	assert_true(sg_domain_within("a.example.comXX", 13, "example.com", 11));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_ok),
		cmocka_unit_test(test_domain_bad),
		cmocka_unit_test(test_domain_limits),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_within),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
