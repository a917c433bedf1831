/*
 * NAME
 *   test_dp_stats.c - per-worker counters: events by outcome, rows per
 *                     (kind, domain, selector), names a push cannot carry,
 *                     the overflow row, saturation, the latency buckets,
 *                     and consistent reads while a worker thread writes
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "testutil.h"
#include "dp_stats.h"

static struct dp_worker_stats *open_stats(size_t rows)
{
	struct dp_worker_stats *w = NULL;

	assert_int_equal(dp_stats_new(7, rows, &w, NULL), SG_OK);
	assert_int_equal(dp_stats_worker(w), 7);
	return w;
}

static void record(struct dp_worker_stats *w, enum sg_sigkind kind, const char *domain,
		   const char *selector, enum dp_stats_outcome outcome, enum sg_skip_reason skip,
		   uint64_t bytes, uint64_t ns)
{
	struct dp_stats_event ev = { kind, domain, selector, outcome, skip, bytes, ns };

	dp_stats_record(w, &ev);
}

static void test_outcomes(void **state)
{
	struct dp_worker_stats *w = open_stats(0);
	struct sg_stats_delta d;

	(void)state;
	record(w, SG_KIND_DKIM, "example.com", "s1", DP_STATS_SIGNED, 0, 100, 10000);
	record(w, SG_KIND_DKIM, "example.com", "s1", DP_STATS_SIGNED, 0, 50, 20000);
	record(w, SG_KIND_DKIM, "example.com", "s1", DP_STATS_FAILED, 0, 25, 5000000);
	record(w, SG_KIND_DKIM, "example.com", "s1", DP_STATS_SKIPPED, SG_SKIP_CONDITION, 5, 9);
	record(w, SG_KIND_DOMAINKEYS, "example.com", "s1", DP_STATS_SKIPPED, SG_SKIP_NO_KEY,
	       1, 0);
	assert_true(dp_stats_read(w, SG_KIND_DKIM, "example.com", "s1", &d));
	assert_int_equal(d.worker, 7);
	assert_int_equal(d.kind, SG_KIND_DKIM);
	assert_string_equal(d.domain, "example.com");
	assert_string_equal(d.selector, "s1");
	assert_int_equal(d.processed, 4);
	assert_int_equal(d.signed_ok, 2);
	assert_int_equal(d.failed, 1);
	assert_int_equal(d.skipped[SG_SKIP_CONDITION], 1);
	assert_int_equal(d.skipped[SG_SKIP_NO_KEY], 0);
	assert_int_equal(d.bytes, 180);
	assert_int_equal(d.sign_ns, 5030000);	/* skips take no signing time */
	assert_int_equal(d.latency[0], 1);	/* 10 us <= 16 us */
	assert_int_equal(d.latency[1], 1);	/* 20 us <= 64 us */
	assert_int_equal(d.latency[sg_stats_bucket_of(5000000)], 1);
	assert_true(dp_stats_read(w, SG_KIND_DOMAINKEYS, "example.com", "s1", &d));
	assert_int_equal(d.skipped[SG_SKIP_NO_KEY], 1);
	assert_false(dp_stats_read(w, SG_KIND_DKIM, "example.com", "s2", &d));
	dp_stats_total(w, SG_KIND_DKIM, &d);
	assert_int_equal(d.processed, 4);
	assert_string_equal(d.domain, "");
	dp_stats_free(w);
}

static void test_names(void **state)
{
	struct dp_worker_stats *w = open_stats(0);
	struct sg_stats_delta d;
	char longname[400];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	record(w, SG_KIND_DKIM, NULL, NULL, DP_STATS_SKIPPED, SG_SKIP_NO_KEY, 1, 0);
	assert_true(dp_stats_read(w, SG_KIND_DKIM, "", "", &d));
	record(w, SG_KIND_DKIM, "has space.example", "s", DP_STATS_SIGNED, 0, 1, 1);
	record(w, SG_KIND_DKIM, "ctl\x01.example", "s", DP_STATS_SIGNED, 0, 1, 1);
	record(w, SG_KIND_DKIM, "bad\xff.example", "s", DP_STATS_SIGNED, 0, 1, 1);
	record(w, SG_KIND_DKIM, "(other)", "s", DP_STATS_SIGNED, 0, 1, 1);
	record(w, SG_KIND_DKIM, DP_STATS_OVERFLOW, "s", DP_STATS_SIGNED, 0, 1, 1);
	record(w, SG_KIND_DKIM, longname, "s", DP_STATS_SIGNED, 0, 1, 1);
	assert_true(dp_stats_read(w, SG_KIND_DKIM, DP_STATS_BAD_NAME, "s", &d));
	assert_int_equal(d.signed_ok, 6);
	assert_false(dp_stats_read(w, SG_KIND_DKIM, DP_STATS_OVERFLOW, "s", &d));
	dp_stats_free(w);
}

static void test_overflow_row(void **state)
{
	struct dp_worker_stats *w = open_stats(4);
	struct sg_stats_delta d;
	char name[32];

	(void)state;
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		record(w, i % 2 ? SG_KIND_DOMAINKEYS : SG_KIND_DKIM, name, "s", DP_STATS_SIGNED, 0,
		       1, 1);
	}
	assert_true(dp_stats_read(w, SG_KIND_DKIM, "d2.example", "s", &d));
	assert_false(dp_stats_read(w, SG_KIND_DKIM, "d4.example", "s", &d));
	assert_true(dp_stats_read(w, SG_KIND_DKIM, DP_STATS_OVERFLOW, "", &d));
	assert_int_equal(d.processed, 3);	/* d4, d6, d8 */
	assert_true(dp_stats_read(w, SG_KIND_DOMAINKEYS, DP_STATS_OVERFLOW, "", &d));
	assert_int_equal(d.processed, 3);	/* d5, d7, d9 */
	dp_stats_total(w, SG_KIND_DKIM, &d);
	assert_int_equal(d.processed, 5);
	dp_stats_free(w);
}

static void test_limits_and_saturation(void **state)
{
	struct dp_worker_stats *w = NULL;
	struct sg_error err = { 0 };
	struct sg_stats_delta d;

	(void)state;
	assert_int_equal(dp_stats_new(1, DP_STATS_MAX_ROWS + 1, &w, &err), SG_E_LIMIT);
	assert_null(w);
	w = open_stats(2);
	record(w, SG_KIND_DKIM, "a.example", "s", DP_STATS_SIGNED, 0, UINT64_MAX - 1, 1);
	record(w, SG_KIND_DKIM, "a.example", "s", DP_STATS_SIGNED, 0, 5, UINT64_MAX);
	assert_true(dp_stats_read(w, SG_KIND_DKIM, "a.example", "s", &d));
	assert_true(d.bytes == UINT64_MAX);
	assert_true(d.sign_ns == UINT64_MAX);
	assert_int_equal(d.latency[SG_STATS_BUCKETS - 1], 1);
	dp_stats_free(w);
}

/* A reader never sees a row half-updated: each event adds 1 to processed
 * and signed and 10 to bytes, so bytes == 10 * processed == 10 * signed. */
struct race {
	struct dp_worker_stats *w;
	atomic_bool stop;
};

static void *writer(void *arg)
{
	struct race *r = arg;
	struct dp_stats_event ev = { SG_KIND_DKIM, "race.example", "s", DP_STATS_SIGNED, 0, 10,
				     1000 };

	while (!atomic_load(&r->stop))
		dp_stats_record(r->w, &ev);
	return NULL;
}

static void test_consistent_reads(void **state)
{
	struct race r = { .w = open_stats(0) };
	struct sg_stats_delta d;
	pthread_t th;
	uint64_t last = 0;

	(void)state;
	atomic_init(&r.stop, false);
	assert_int_equal(pthread_create(&th, NULL, writer, &r), 0);
	while (!dp_stats_read(r.w, SG_KIND_DKIM, "race.example", "s", &d))
		sched_yield();	/* the writer made the row */
	for (int i = 0; i < 200000; i++) {
		assert_true(dp_stats_read(r.w, SG_KIND_DKIM, "race.example", "s", &d));
		assert_true(d.bytes == 10 * d.processed);
		assert_true(d.signed_ok == d.processed);
		assert_true(d.sign_ns == 1000 * d.processed);
		assert_true(d.processed >= last);
		last = d.processed;
	}
	atomic_store(&r.stop, true);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(last > 0);
	dp_stats_free(r.w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_overflow_row),
		cmocka_unit_test(test_limits_and_saturation),
		cmocka_unit_test(test_consistent_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
