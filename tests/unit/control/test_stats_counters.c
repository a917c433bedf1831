/*
 * NAME
 *   test_stats_counters.c - unit tests for control/stats/stats_counters.c
 *
 * SUMMARY
 *   Bucket bounds and the bucket of a duration at and around each bound;
 *   quantiles (empty, one bucket with interpolation, two buckets, the
 *   open bucket answering its lower bound) and the mean; name checks with
 *   their messages (offset and byte named); the report order of rows with
 *   the "(other)" rows last.
 */
#include "testutil.h"

#include "stats_internal.h"
#include "stats_helpers.h"

static void test_buckets(void **state)
{
	(void)state;
	assert_int_equal(sg_stats_bucket_bound_us(0), 16);
	assert_int_equal(sg_stats_bucket_bound_us(1), 64);
	assert_int_equal(sg_stats_bucket_bound_us(10), 16777216);
	assert_true(sg_stats_bucket_bound_us(11) == UINT64_MAX);
	assert_true(sg_stats_bucket_bound_us(1000) == UINT64_MAX);
	assert_int_equal(sg_stats_bucket_of(0), 0);
	for (size_t b = 0; b + 1 < SG_STATS_BUCKETS; b++) {
		uint64_t ns = sg_stats_bucket_bound_us(b) * 1000;

		assert_int_equal(sg_stats_bucket_of(ns), b);		/* bounds are inclusive */
		assert_int_equal(sg_stats_bucket_of(ns + 1), b + 1);
	}
	assert_int_equal(sg_stats_bucket_of(UINT64_MAX), SG_STATS_BUCKETS - 1);
}

static void test_quantiles(void **state)
{
	struct sg_counters c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(sg_counters_quantile_us(&c, 500), 0);
	assert_int_equal(sg_counters_mean_us(&c), 0);
	c.latency[3] = 100;		/* (256, 1024] us */
	assert_int_equal(sg_counters_quantile_us(&c, 500), 640);
	assert_int_equal(sg_counters_quantile_us(&c, 990), 1016);
	memset(&c, 0, sizeof(c));
	c.latency[0] = 50;
	c.latency[1] = 50;
	assert_int_equal(sg_counters_quantile_us(&c, 500), 16);
	assert_int_equal(sg_counters_quantile_us(&c, 900), 54);
	memset(&c, 0, sizeof(c));
	c.latency[SG_STATS_BUCKETS - 1] = 3;
	assert_int_equal(sg_counters_quantile_us(&c, 500), 16777216);
	c.sign_ns = 3000000;
	assert_int_equal(sg_counters_mean_us(&c), 1000);
	assert_int_equal(sg_counters_attempts(&c), 3);
}

static void test_name_ok(void **state)
{
	char why[128];
	char big[SG_STATS_NAME_MAX];

	(void)state;
	assert_true(sg_stats_name_ok("example.com", 12, why, sizeof(why)));
	assert_true(sg_stats_name_ok("", 1, why, sizeof(why)));
	assert_true(sg_stats_name_ok("\xe2\x82\xac.example", 32, why, sizeof(why)));
	assert_false(sg_stats_name_ok("ab cd", 6, why, sizeof(why)));
	assert_string_equal(why, "byte 0x20 at offset 2 is a control byte or space");
	assert_false(sg_stats_name_ok("abc\xe2\x82", 6, why, sizeof(why)));
	assert_string_equal(why, "invalid UTF-8 at offset 3 (byte 0xe2)");
	assert_false(sg_stats_name_ok("\xe0\x80\x80", 4, why, sizeof(why)));	/* overlong */
	assert_false(sg_stats_name_ok(SG_STATS_OTHER, 8, why, sizeof(why)));
	assert_string_equal(why, "\"(other)\" is reserved for the overflow rows");
	assert_true(sg_stats_name_ok("(other).example", 16, why, sizeof(why)));
	memset(big, 'a', sizeof(big));
	assert_false(sg_stats_name_ok(big, sizeof(big), why, sizeof(why)));
	assert_string_equal(why, "not terminated within 256 bytes");
}

static void test_sorted_rows(void **state)
{
	struct sg_stats *s;
	const struct sg_stats_row **v;
	size_t n;
	struct sg_stats_delta d[] = {
		th_signed(0, SG_KIND_DOMAINKEYS, "b.example", "s1", 1, 1),
		th_signed(0, SG_KIND_DKIM, "b.example", "s1", 1, 1),
		th_signed(0, SG_KIND_DKIM, "a.example", "s2", 1, 1),
		th_signed(0, SG_KIND_DKIM, "a.example", "s1", 1, 1),
		th_signed(0, SG_KIND_DKIM, "c.example", "s1", 1, 1),	/* over the cap */
	};

	(void)state;
	assert_int_equal(sg_stats_new(&s), SG_OK);
	assert_int_equal(sg_stats_sorted_rows(s, &v, &n), SG_OK);
	assert_int_equal(n, 0);
	free(v);
	sg_stats_set_limits(s, 4, 0);
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		assert_int_equal(sg_stats_add(s, &d[i]), SG_OK);
	assert_int_equal(sg_stats_sorted_rows(s, &v, &n), SG_OK);
	assert_int_equal(n, 5);
	assert_string_equal(v[0]->domain, "a.example");
	assert_string_equal(v[0]->selector, "s1");
	assert_string_equal(v[1]->selector, "s2");
	assert_string_equal(v[2]->domain, "b.example");
	assert_int_equal(v[2]->kind, SG_KIND_DKIM);
	assert_int_equal(v[3]->kind, SG_KIND_DOMAINKEYS);
	assert_string_equal(v[4]->domain, SG_STATS_OTHER);
	free(v);
	sg_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_name_ok),
		cmocka_unit_test(test_sorted_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
