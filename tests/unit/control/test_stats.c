/*
 * NAME
 *   test_stats.c - unit tests for control/stats/stats.c (the aggregate)
 *
 * SUMMARY
 *   Sums per (kind, domain, selector) row, per worker and per kind; names
 *   folded to lower case, trailing dots dropped from domains; DKIM and DomainKeys and selectors kept apart;
 *   saturation at UINT64_MAX; refused deltas (bad kind, unterminated
 *   name, control bytes, bad UTF-8) change nothing; the key cap sends new
 *   keys to the kind's "(other)" row while known keys keep counting; the
 *   worker cap; reset drops everything and keeps the limits; thousands of
 *   keys through index growth, each found again.
 */
#include "testutil.h"

#include <time.h>

#include "stats.h"
#include "stats_internal.h"
#include "stats_helpers.h"

static struct sg_stats *new_stats(void)
{
	struct sg_stats *s;

	assert_int_equal(sg_stats_new(&s), SG_OK);
	assert_non_null(s);
	return s;
}

static const struct sg_stats_row *row_of(const struct sg_stats *s, enum sg_sigkind kind,
					 const char *domain, const char *selector)
{
	for (size_t i = 0; i < s->nrows; i++) {
		const struct sg_stats_row *r = &s->rows[i];

		if (r->kind == kind && strcmp(r->domain, domain) == 0 &&
		    strcmp(r->selector, selector) == 0)
			return r;
	}
	return NULL;
}

static void add_ok(struct sg_stats *s, struct sg_stats_delta d)
{
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
}

static void test_new_free(void **state)
{
	struct sg_stats *s = new_stats();

	(void)state;
	assert_int_equal(s->nrows, 0);
	assert_int_equal(s->max_keys, SG_STATS_MAX_KEYS);
	assert_int_equal(s->max_workers, SG_STATS_MAX_WORKERS);
	assert_true(s->since <= time(NULL) && s->since > time(NULL) - 60);
	sg_stats_free(s);
	sg_stats_free(NULL);
}

static void test_sums(void **state)
{
	struct sg_stats *s = new_stats();
	struct sg_stats_delta d = th_delta(0, SG_KIND_DKIM, "example.com", "s1");
	const struct sg_stats_row *r;

	(void)state;
	d.processed = 10;
	d.signed_ok = 7;
	d.failed = 1;
	d.skipped[SG_SKIP_NO_KEY] = 1;
	d.skipped[SG_SKIP_DISABLED] = 1;
	d.bytes = 12345;
	d.sign_ns = 8000000;
	d.latency[3] = 8;
	add_ok(s, d);
	add_ok(s, d);
	r = row_of(s, SG_KIND_DKIM, "example.com", "s1");
	assert_non_null(r);
	assert_int_equal(s->nrows, 1);
	assert_int_equal(r->c.processed, 20);
	assert_int_equal(r->c.signed_ok, 14);
	assert_int_equal(r->c.failed, 2);
	assert_int_equal(r->c.skipped[SG_SKIP_NO_KEY], 2);
	assert_int_equal(r->c.skipped[SG_SKIP_CONDITION], 0);
	assert_int_equal(r->c.skipped[SG_SKIP_DISABLED], 2);
	assert_int_equal(r->c.bytes, 24690);
	assert_int_equal(r->c.sign_ns, 16000000);
	assert_int_equal(r->c.latency[3], 16);
	assert_memory_equal(&s->total[SG_KIND_DKIM], &r->c, sizeof(r->c));
	assert_int_equal(s->total[SG_KIND_DOMAINKEYS].processed, 0);
	assert_int_equal(s->nworkers, 1);
	assert_memory_equal(&s->workers[0].c[SG_KIND_DKIM], &r->c, sizeof(r->c));
	sg_stats_free(s);
}

static void test_keys_apart_and_folded(void **state)
{
	struct sg_stats *s = new_stats();

	(void)state;
	add_ok(s, th_signed(0, SG_KIND_DKIM, "Example.COM", "S1", 1, 100));
	add_ok(s, th_signed(1, SG_KIND_DKIM, "example.com", "s1", 2, 100));
	add_ok(s, th_signed(0, SG_KIND_DKIM, "example.com", "s2", 4, 100));
	add_ok(s, th_signed(0, SG_KIND_DOMAINKEYS, "example.com", "s1", 8, 100));
	add_ok(s, th_signed(0, SG_KIND_DKIM, "example.org", "s1", 16, 100));
	add_ok(s, th_signed(0, SG_KIND_DKIM, "", "", 32, 100));	/* no domain known */
	add_ok(s, th_signed(0, SG_KIND_DKIM, "EXAMPLE.com..", "s1", 64, 100));
	add_ok(s, th_signed(0, SG_KIND_DKIM, ".", "", 128, 100));
	assert_int_equal(s->nrows, 5);
	assert_int_equal(row_of(s, SG_KIND_DKIM, "example.com", "s1")->c.signed_ok, 67);
	assert_int_equal(row_of(s, SG_KIND_DKIM, "example.com", "s2")->c.signed_ok, 4);
	assert_int_equal(row_of(s, SG_KIND_DOMAINKEYS, "example.com", "s1")->c.signed_ok, 8);
	assert_int_equal(row_of(s, SG_KIND_DKIM, "example.org", "s1")->c.signed_ok, 16);
	assert_int_equal(row_of(s, SG_KIND_DKIM, "", "")->c.signed_ok, 160);
	assert_null(row_of(s, SG_KIND_DKIM, "Example.COM", "S1"));
	assert_int_equal(s->total[SG_KIND_DKIM].signed_ok, 55 + 64 + 128);
	assert_int_equal(s->total[SG_KIND_DOMAINKEYS].signed_ok, 8);
	/* worker 0 has everything but the 2 of worker 1 */
	assert_int_equal(s->nworkers, 2);
	assert_int_equal(s->workers[0].id, 0);
	assert_int_equal(s->workers[0].c[SG_KIND_DKIM].signed_ok, 53 + 64 + 128);
	assert_int_equal(s->workers[1].c[SG_KIND_DKIM].signed_ok, 2);
	sg_stats_free(s);
}

static void test_saturation(void **state)
{
	struct sg_stats *s = new_stats();
	struct sg_stats_delta d = th_delta(0, SG_KIND_DKIM, "a.example", "s");

	(void)state;
	d.bytes = UINT64_MAX - 1;
	d.latency[SG_STATS_BUCKETS - 1] = UINT64_MAX;
	add_ok(s, d);
	d.bytes = 5;
	d.latency[SG_STATS_BUCKETS - 1] = 1;
	add_ok(s, d);
	assert_true(s->total[SG_KIND_DKIM].bytes == UINT64_MAX);
	assert_true(s->total[SG_KIND_DKIM].latency[SG_STATS_BUCKETS - 1] == UINT64_MAX);
	assert_true(sg_counters_attempts(&s->total[SG_KIND_DKIM]) == UINT64_MAX);
	sg_stats_free(s);
}

static void test_refused_changes_nothing(void **state)
{
	struct sg_stats *s = new_stats();
	struct sg_stats_delta d;
	const char *bad_names[] = { "a b", "tab\there", "nl\n", "del\x7f", "\xc3", "\xc0\xaf",
				    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff" };

	(void)state;
	d = th_signed(0, SG_KIND_DKIM, "example.com", "s", 1, 10);
	d.kind = (enum sg_sigkind)7;
	assert_int_equal(sg_stats_add(s, &d), SG_E_ARG);
	d = th_signed(0, SG_KIND_DKIM, "example.com", "s", 1, 10);
	memset(d.domain, 'a', sizeof(d.domain));		/* no NUL */
	assert_int_equal(sg_stats_add(s, &d), SG_E_ARG);
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		d = th_signed(0, SG_KIND_DKIM, bad_names[i], "s", 1, 10);
		assert_int_equal(sg_stats_add(s, &d), SG_E_ARG);
		d = th_signed(0, SG_KIND_DKIM, "example.com", bad_names[i], 1, 10);
		assert_int_equal(sg_stats_add(s, &d), SG_E_ARG);
	}
	assert_int_equal(s->nrows, 0);
	assert_int_equal(s->nworkers, 0);
	assert_int_equal(s->total[SG_KIND_DKIM].processed, 0);
	/* UTF-8 names are fine: an IDN in U-labels */
	add_ok(s, th_signed(0, SG_KIND_DKIM, "b\xc3\xbc" "cher.example", "s", 1, 10));
	assert_int_equal(s->nrows, 1);
	sg_stats_free(s);
}

static void test_key_cap_other_row(void **state)
{
	struct sg_stats *s = new_stats();
	char name[32];

	(void)state;
	sg_stats_set_limits(s, 3, 0);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		add_ok(s, th_signed(0, SG_KIND_DKIM, name, "s", 1, 10));
	}
	assert_int_equal(s->nrows, 3);
	assert_false(s->other_used[SG_KIND_DKIM]);
	add_ok(s, th_signed(0, SG_KIND_DKIM, "new.example", "s", 5, 10));
	add_ok(s, th_signed(0, SG_KIND_DOMAINKEYS, "new.example", "s", 7, 10));
	add_ok(s, th_signed(0, SG_KIND_DKIM, "newer.example", "s", 11, 10));
	add_ok(s, th_signed(0, SG_KIND_DKIM, "d1.example", "s", 100, 10));	/* known */
	assert_int_equal(s->nrows, 3);
	assert_true(s->other_used[SG_KIND_DKIM]);
	assert_true(s->other_used[SG_KIND_DOMAINKEYS]);
	assert_int_equal(s->other[SG_KIND_DKIM].c.signed_ok, 16);
	assert_int_equal(s->other[SG_KIND_DOMAINKEYS].c.signed_ok, 7);
	assert_string_equal(s->other[SG_KIND_DKIM].domain, SG_STATS_OTHER);
	assert_string_equal(s->other[SG_KIND_DKIM].selector, SG_STATS_OTHER);
	assert_int_equal(row_of(s, SG_KIND_DKIM, "d1.example", "s")->c.signed_ok, 101);
	assert_null(row_of(s, SG_KIND_DKIM, "new.example", "s"));
	assert_int_equal(s->overflow_deltas, 3);
	/* totals still count everything */
	assert_int_equal(s->total[SG_KIND_DKIM].signed_ok, 3 + 16 + 100);
	sg_stats_free(s);
}

static void test_worker_cap(void **state)
{
	struct sg_stats *s = new_stats();

	(void)state;
	sg_stats_set_limits(s, 0, 2);
	add_ok(s, th_signed(9, SG_KIND_DKIM, "a.example", "s", 1, 10));
	add_ok(s, th_signed(3, SG_KIND_DKIM, "a.example", "s", 2, 10));
	add_ok(s, th_signed(UINT32_MAX, SG_KIND_DKIM, "a.example", "s", 4, 10));
	add_ok(s, th_signed(5, SG_KIND_DOMAINKEYS, "a.example", "s", 8, 10));
	add_ok(s, th_signed(9, SG_KIND_DKIM, "a.example", "s", 16, 10));
	assert_int_equal(s->nworkers, 2);
	assert_int_equal(s->workers[0].id, 3);	/* sorted by id */
	assert_int_equal(s->workers[1].id, 9);
	assert_int_equal(s->workers[1].c[SG_KIND_DKIM].signed_ok, 17);
	assert_true(s->worker_other_used);
	assert_int_equal(s->worker_other[SG_KIND_DKIM].signed_ok, 4);
	assert_int_equal(s->worker_other[SG_KIND_DOMAINKEYS].signed_ok, 8);
	assert_int_equal(s->max_keys, SG_STATS_MAX_KEYS);	/* 0 kept it */
	sg_stats_free(s);
}

static void test_reset(void **state)
{
	struct sg_stats *s = new_stats();

	(void)state;
	sg_stats_set_limits(s, 1, 1);
	add_ok(s, th_signed(0, SG_KIND_DKIM, "a.example", "s", 1, 10));
	add_ok(s, th_signed(1, SG_KIND_DKIM, "b.example", "s", 1, 10));
	s->since = 0;
	sg_stats_reset(s);
	assert_int_equal(s->nrows, 0);
	assert_int_equal(s->nworkers, 0);
	assert_false(s->other_used[SG_KIND_DKIM]);
	assert_false(s->worker_other_used);
	assert_int_equal(s->overflow_deltas, 0);
	assert_int_equal(s->total[SG_KIND_DKIM].processed, 0);
	assert_int_equal(s->other[SG_KIND_DKIM].c.processed, 0);
	assert_true(s->since > 0);
	assert_int_equal(s->max_keys, 1);	/* limits kept */
	add_ok(s, th_signed(1, SG_KIND_DKIM, "b.example", "s", 2, 10));
	assert_int_equal(row_of(s, SG_KIND_DKIM, "b.example", "s")->c.signed_ok, 2);
	sg_stats_reset(s);
	sg_stats_reset(s);	/* twice, and on an empty aggregate */
	sg_stats_free(s);
}

static void test_many_keys(void **state)
{
	struct sg_stats *s = new_stats();
	char name[32];
	const int n = 5000;

	(void)state;
	for (int round = 1; round <= 2; round++) {
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "d%d.example", i);
			add_ok(s, th_signed((uint32_t)i % 4, (enum sg_sigkind)(i % 2), name, "sel",
					    (uint64_t)i + 1, 10));
		}
	}
	assert_int_equal(s->nrows, n);
	assert_true(s->index_cap >= 2 * (size_t)n);
	for (int i = 0; i < n; i += 7) {
		const struct sg_stats_row *r;

		snprintf(name, sizeof(name), "d%d.example", i);
		r = row_of(s, (enum sg_sigkind)(i % 2), name, "sel");
		assert_non_null(r);
		assert_int_equal(r->c.signed_ok, 2 * ((uint64_t)i + 1));
	}
	assert_int_equal(s->nworkers, 4);
	sg_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_sums),
		cmocka_unit_test(test_keys_apart_and_folded),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_refused_changes_nothing),
		cmocka_unit_test(test_key_cap_other_row),
		cmocka_unit_test(test_worker_cap),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
