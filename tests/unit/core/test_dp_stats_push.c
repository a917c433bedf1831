/*
 * NAME
 *   test_dp_stats_push.c - STATS_PUSH messages from a worker's counters:
 *                          accepted by signet-controld's aggregate
 *                          (sg_stats_ingest), deltas since the last commit,
 *                          resent when not committed, split past
 *                          SG_STATS_PUSH_MAX changed rows
 */
#include "testutil.h"
#include "dp_stats.h"

struct fixture {
	struct dp_worker_stats *w;
	struct dp_stats_push *p;
	struct sg_stats *agg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(dp_stats_new(2, 4096, &f->w, NULL), SG_OK);
	assert_int_equal(dp_stats_push_new(f->w, &f->p, NULL), SG_OK);
	assert_int_equal(sg_stats_new(&f->agg), SG_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dp_stats_push_free(f->p);
	dp_stats_free(f->w);
	sg_stats_free(f->agg);
	free(f);
	return 0;
}

static void signed_event(struct fixture *f, const char *domain, uint64_t bytes)
{
	struct dp_stats_event ev = { SG_KIND_DKIM, domain, "s", DP_STATS_SIGNED, 0, bytes, 2000 };

	dp_stats_record(f->w, &ev);
}

/* Builds one push and feeds it to the aggregate; returns its entries. */
static size_t push(struct fixture *f, bool commit)
{
	struct sg_wire_out w;
	struct sg_wire_in r;
	struct sg_error err = { 0 };
	size_t n = 0;

	assert_int_equal(dp_stats_push_build(f->p, &w, &n, NULL), SG_OK);
	if (n == 0)
		return 0;
	assert_int_equal(sg_wire_open(&r, w.buf.data, w.buf.len, NULL), SG_OK);
	if (sg_stats_ingest(f->agg, &r, &err) != SG_OK)
		fail_msg("ingest: %s", err.msg);
	sg_wire_out_free(&w);
	if (commit)
		dp_stats_push_commit(f->p);
	return n;
}

/* The aggregate's counter called name (sg_stats_summary). */
static uint64_t agg(struct fixture *f, const char *name)
{
	struct sg_table t;
	uint64_t v = UINT64_MAX;

	sg_table_init(&t, "summary");
	assert_int_equal(sg_stats_summary(f->agg, &t), SG_OK);
	for (size_t i = 0; i < t.nrows; i++) {
		if (strcmp(t.cells[2 * i], name) == 0)
			v = strtoull(t.cells[2 * i + 1], NULL, 10);
	}
	sg_table_free(&t);
	return v;
}

static void test_deltas(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(push(f, true), 0);
	signed_event(f, "a.example", 100);
	signed_event(f, "a.example", 100);
	signed_event(f, "b.example", 7);
	assert_int_equal(push(f, true), 2);
	assert_int_equal(agg(f, "dkim_processed"), 3);
	assert_int_equal(agg(f, "dkim_bytes"), 207);
	/* Nothing new: nothing to send. */
	assert_int_equal(push(f, true), 0);
	signed_event(f, "b.example", 3);
	assert_int_equal(push(f, true), 1);
	assert_int_equal(agg(f, "dkim_processed"), 4);
	assert_int_equal(agg(f, "dkim_bytes"), 210);
	assert_int_equal(agg(f, "stats_workers"), 1);
}

static void test_uncommitted_is_resent(void **state)
{
	struct fixture *f = *state;
	struct sg_wire_out w;
	size_t n;

	signed_event(f, "a.example", 10);
	assert_int_equal(dp_stats_push_build(f->p, &w, &n, NULL), SG_OK);
	assert_int_equal(n, 1);
	sg_wire_out_free(&w);	/* lost: controld never saw it */
	signed_event(f, "a.example", 10);
	assert_int_equal(push(f, true), 1);
	assert_int_equal(agg(f, "dkim_processed"), 2);
	assert_int_equal(agg(f, "dkim_bytes"), 20);
}

static void test_split_past_push_max(void **state)
{
	struct fixture *f = *state;
	size_t rows = SG_STATS_PUSH_MAX + 100, sent = 0, n;
	char name[32];

	for (size_t i = 0; i < rows; i++) {
		snprintf(name, sizeof(name), "d%zu.example", i);
		signed_event(f, name, 1);
	}
	assert_int_equal(n = push(f, true), SG_STATS_PUSH_MAX);
	sent += n;
	/* New activity on an early row does not starve the rest. */
	signed_event(f, "d0.example", 1);
	assert_int_equal(n = push(f, true), 101);
	sent += n;
	assert_int_equal(sent, rows + 1);
	assert_int_equal(push(f, true), 0);
	assert_int_equal(agg(f, "dkim_processed"), rows + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deltas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncommitted_is_resent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_past_push_max, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
