/*
 * NAME
 *   test_dp_signer.c - the worker pipeline's queues: batches of 1..N
 *                      messages with mixed domains, flush and the batch
 *                      timeout, parking until a key answer and resuming,
 *                      negative and failed answers, the park timeout,
 *                      generation swaps, statistics, limits, a full
 *                      backend, the pool of engine signers (a reused
 *                      signer signs exactly as a new one; the pool's cap)
 */
#include "testutil.h"
#include "core_testutil.h"
#include "signer_testutil.h"
#include "dp_signer_internal.h"

#define CONF \
	"dataplane { batch_size = 4  batch_timeout_us = 200 }\n" \
	"dkim_sign \"main\" { dk_domain \"example.com\" { selector = \"sel\" } }\n"

static const char *const msgs[] = {
	"From: a@example.com\r\nSubject: one\r\n\r\nfirst\r\n",
	"From: b@example.net\r\nSubject: two\r\n\r\nsecond\r\n",
	"From: c@example.org\r\nSubject: three\r\n\r\nthird\r\n",
};

static void expect_signed(struct st *st, uint64_t cookie, const char *msg, const char *sel)
{
	const struct dp_done *d = st_find(st, cookie);
	size_t total;
	char tag[64];

	assert_int_equal(d->outcome, DP_SIGNED);
	snprintf(tag, sizeof(tag), "s=%s;", sel);
	assert_non_null(strstr(d->headers.data, tag));
	assert_int_equal(st_verify(st, &d->headers, msg, &total), 1);
	assert_int_equal(total, 1);
}

/* 1..N messages over three domains, each completes once and verifies. */
static void test_batches_of_mixed_domains(void **state)
{
	const char *backends[] = { "evp", "auto" };

	(void)state;
	for (size_t b = 0; b < 2; b++) {
		for (size_t n = 1; n <= 11; n += 2) {
			struct st *st = st_open(CONF, backends[b]);

			st_key(st, SG_KIND_DKIM, "example.com", "s1", 1, 2048);
			st_key(st, SG_KIND_DKIM, "example.net", "s2", 1, 2048);
			st_key(st, SG_KIND_DKIM, "example.org", "s3", 1, 2048);
			for (size_t i = 0; i < n; i++)
				st_submit(st, msgs[i % 3], true, NULL, 100 + i);
			assert_int_equal(st_poll_all(st), n);
			for (size_t i = 0; i < n; i++) {
				char sel[4] = { 's', (char)('1' + i % 3), '\0' };

				expect_signed(st, 100 + i, msgs[i % 3], sel);
			}
			st_close(st);
		}
	}
}

/* With a batched backend nothing completes before the batch is started:
 * by batch_size, by dp_signer_flush, or by poll after the timeout. */
static void test_flush_and_timeout(void **state)
{
	struct st *st = st_open(CONF, "auto");
	struct dp_done d[8];
	bool batched = strcmp(sg_backend_name(st->signer->backend), "ifma") == 0;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "s1", 1, 2048);
	st_submit(st, msgs[0], true, NULL, 1);
	assert_int_equal(st->signer->unflushed, 1);
	assert_true(dp_signer_next_deadline_us(st->signer) <= (st->mono_ns + 200000) / 1000);
	if (batched)
		assert_int_equal(dp_signer_poll(st->signer, d, 8), 0);
	dp_signer_flush(st->signer);
	assert_int_equal(st->signer->unflushed, 0);
	assert_int_equal(dp_signer_poll(st->signer, d, 8), 1);
	dp_signer_release(st->signer, &d[0]);
	/* The timeout: poll flushes once 200 us have passed. */
	st_submit(st, msgs[0], true, NULL, 2);
	st->mono_ns += 100000;
	if (batched)
		assert_int_equal(dp_signer_poll(st->signer, d, 8), 0);
	st->mono_ns += 100000;
	assert_int_equal(dp_signer_poll(st->signer, d, 8), 1);
	assert_int_equal(d[0].cookie, 2);
	dp_signer_release(st->signer, &d[0]);
	/* A full batch starts by itself. */
	for (uint64_t i = 0; i < 4; i++)
		st_submit(st, msgs[0], true, NULL, 10 + i);
	assert_int_equal(st->signer->unflushed, 0);
	assert_int_equal(dp_signer_poll(st->signer, d, 8), 4);
	for (size_t i = 0; i < 4; i++)
		dp_signer_release(st->signer, &d[i]);
	assert_int_equal(dp_signer_next_deadline_us(st->signer), UINT64_MAX);
	st_close(st);
}

static void test_park_and_resume(void **state)
{
	struct st *st = st_open(CONF, "evp");
	struct dp_key_want w[8];
	struct dp_done d[4];

	(void)state;
	st_submit(st, msgs[0], true, NULL, 1);
	st_submit(st, msgs[0], true, NULL, 2);
	assert_int_equal(dp_signer_poll(st->signer, d, 4), 0);
	assert_int_equal(dp_signer_pending(st->signer), 2);
	/* One want for the two messages. */
	assert_int_equal(dp_keys_take_wants(st->keys, 0, w, 8), 1);
	assert_string_equal(w[0].domain, "example.com");
	assert_int_equal(dp_signer_poll(st->signer, d, 4), 0);
	st_key(st, SG_KIND_DKIM, "example.com", "s1", 1, 1024);
	assert_int_equal(st_poll_all(st), 2);
	expect_signed(st, 1, msgs[0], "s1");
	expect_signed(st, 2, msgs[0], "s1");
	st_close(st);
}

static void test_negative_and_failed_answers(void **state)
{
	struct st *st = st_open(CONF, "evp");
	const struct dp_done *d;

	(void)state;
	st_submit(st, msgs[1], true, NULL, 1);
	st_submit(st, msgs[2], true, NULL, 2);
	ct_install_none(st->keys, SG_KIND_DKIM, "example.net", "no enabled DKIM selector", 0);
	dp_keys_install_error(st->keys, SG_KIND_DKIM, "example.org", "permission denied", 0);
	assert_int_equal(st_poll_all(st), 2);
	d = st_find(st, 1);
	assert_int_equal(d->outcome, DP_SKIPPED);
	assert_int_equal(d->skip, DP_SKIP_NO_KEY);
	assert_string_equal(d->reason, "no DKIM key for example.net: no enabled DKIM selector");
	assert_int_equal(d->headers.len, 0);
	d = st_find(st, 2);
	assert_int_equal(d->outcome, DP_FAILED);
	assert_string_equal(d->reason, "no DKIM key for example.org: permission denied");
	assert_false(d->permanent);
	st_close(st);
}

static void test_park_timeout(void **state)
{
	struct st *st = st_open(CONF, "evp");
	struct dp_done d[2];

	(void)state;
	dp_signer_set_park_ms(st->signer, 50);
	st_submit(st, msgs[0], true, NULL, 1);
	assert_int_equal(dp_signer_next_deadline_us(st->signer), (st->mono_ns + 50000000) / 1000);
	st->mono_ns += 49000000;
	assert_int_equal(dp_signer_poll(st->signer, d, 2), 0);
	st->mono_ns += 1000000;
	assert_int_equal(dp_signer_poll(st->signer, d, 2), 1);
	assert_int_equal(d[0].outcome, DP_FAILED);
	assert_string_equal(d[0].reason, "no answer from signet-controld for the DKIM key of "
			    "example.com within 50 ms");
	assert_false(d[0].permanent);
	assert_int_equal(d[0].sign_ns, 50000000);
	dp_signer_release(st->signer, &d[0]);
	st_close(st);
}

/* An in-flight message keeps its generation; a parked one takes the new. */
static void test_generation_swap(void **state)
{
	struct st *st = st_open(CONF, "auto");
	struct dp_done d[4];

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "gen1", 1, 2048);
	st_submit(st, msgs[0], true, NULL, 1);		/* in flight with gen1 */
	st_submit(st, msgs[1], true, NULL, 2);		/* parked */
	st_key(st, SG_KIND_DKIM, "example.com", "gen2", 2, 2048);
	st_key(st, SG_KIND_DKIM, "example.net", "net1", 1, 2048);
	st_key(st, SG_KIND_DKIM, "example.net", "net2", 2, 2048);
	dp_keys_reclaim(st->keys);
	assert_int_equal(st_poll_all(st), 2);
	expect_signed(st, 1, msgs[0], "gen1");
	expect_signed(st, 2, msgs[1], "net2");
	st_release_done(st);
	st_submit(st, msgs[0], true, NULL, 3);
	assert_int_equal(st_poll_all(st), 1);
	expect_signed(st, 3, msgs[0], "gen2");
	(void)d;
	st_close(st);
}

static void test_stats_counts(void **state)
{
	struct st *st = st_open(CONF, "evp");
	struct sg_stats_delta r;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "s1", 1, 1024);
	ct_install_none(st->keys, SG_KIND_DKIM, "example.net", "none", 0);
	st_submit(st, msgs[0], true, NULL, 1);
	st_submit(st, msgs[0], true, NULL, 2);
	st_submit(st, msgs[0], false, NULL, 3);
	st_submit(st, msgs[1], true, NULL, 4);
	st_submit(st, "Subject: none\r\n\r\n", true, NULL, 5);
	assert_int_equal(st_poll_all(st), 5);
	assert_true(dp_stats_read(st->stats, SG_KIND_DKIM, "example.com", "s1", &r));
	assert_int_equal(r.worker, 3);
	assert_int_equal(r.processed, 2);
	assert_int_equal(r.signed_ok, 2);
	assert_int_equal(r.bytes, 2 * strlen(msgs[0]));
	assert_true(dp_stats_read(st->stats, SG_KIND_DKIM, "example.com", "", &r));
	assert_int_equal(r.skipped[SG_SKIP_CONDITION], 1);
	assert_true(dp_stats_read(st->stats, SG_KIND_DKIM, "example.net", "", &r));
	assert_int_equal(r.skipped[SG_SKIP_NO_KEY], 1);
	assert_true(dp_stats_read(st->stats, SG_KIND_DKIM, "", "", &r));
	assert_int_equal(r.skipped[SG_SKIP_NO_KEY], 1);
	dp_stats_total(st->stats, SG_KIND_DKIM, &r);
	assert_int_equal(r.processed, 5);
	assert_int_equal(r.signed_ok, 2);
	assert_int_equal(r.failed, 0);
	dp_stats_total(st->stats, SG_KIND_DOMAINKEYS, &r);
	assert_int_equal(r.processed, 0);
	st_close(st);
}

static void test_pending_limit(void **state)
{
	struct st *st = st_open(CONF, "evp");
	struct dp_client_facts facts = { true, NULL };
	struct sg_error err = { 0 };

	(void)state;
	for (uint64_t i = 0; i < DP_SIGNER_MAX_PENDING; i++)
		assert_int_equal(dp_signer_submit(st->signer, (const uint8_t *)msgs[0],
						  strlen(msgs[0]), &facts, i, NULL), SG_OK);
	assert_int_equal(dp_signer_submit(st->signer, (const uint8_t *)msgs[0], strlen(msgs[0]),
					  &facts, 9999, &err), SG_E_LIMIT);
	assert_string_equal(err.msg, "4096 messages pending: poll first");
	assert_int_equal(dp_signer_pending(st->signer), DP_SIGNER_MAX_PENDING);
	/* Freed with messages parked. */
	st_close(st);
}

/* Past the backend's capacity messages wait on the blocked list and go
 * out as completions make room. */
static void test_backend_full(void **state)
{
	struct st *st = st_open(CONF, "evp");
	size_t cap, n;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "s1", 1, 1024);
	cap = sg_backend_capacity(st->signer->backend);
	n = cap + 5 < ST_MAX_DONE ? cap + 5 : ST_MAX_DONE - 1;
	assert_true(n > cap);
	for (size_t i = 0; i < n; i++)
		st_submit(st, msgs[0], true, NULL, i);
	assert_int_equal(st->signer->blocked.n, n - cap);
	assert_int_equal(st->signer->flight.n, cap);
	assert_int_equal(dp_signer_next_deadline_us(st->signer), st->mono_ns / 1000);
	assert_int_equal(st_poll_all(st), n);
	for (size_t i = 0; i < n; i++)
		expect_signed(st, i, msgs[0], "s1");
	st_close(st);
}

/* B signed by a new engine signer, then A and B by reused ones (DKIM and
 * DomainKeys): B's fields are the same bytes each time, and verify. */
static void test_pooled_signer_matches_fresh(void **state)
{
	static const char *const ab[] = {
		"From: b@example.com\r\nSubject: two\r\n\r\nsecond\r\n",
		"From: a@example.com\r\nX-Private: 4711\r\nSubject: one of many\r\n"
		"To: x@example.net\r\n\r\nfirst\r\n  with  spaces \r\n\r\n",
	};
	struct st *st = st_open(CONF "dk_sign \"dk\" { dk_domain \"example.com\" "
				"{ selector = \"dk\" } }\n", "evp");
	struct sg_buf first;
	size_t total;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "s1", 1, 1024);
	st_key(st, SG_KIND_DOMAINKEYS, "example.com", "dk", 1, 1024);
	sg_buf_init(&first, SIZE_MAX);
	assert_int_equal(st->signer->npool, 0);
	for (size_t round = 0; round < 5; round++) {
		const char *msg = ab[round % 2];
		const struct dp_done *d;

		st_submit(st, msg, true, NULL, round);
		assert_int_equal(st->signer->npool, 0);		/* the one signer is out */
		assert_int_equal(st_poll_all(st), 1);
		assert_int_equal(st->signer->npool, 1);		/* and back, reset */
		d = st_find(st, round);
		assert_int_equal(d->outcome, DP_SIGNED);
		assert_int_equal(d->signatures, 2);
		assert_int_equal(st_verify(st, &d->headers, msg, &total), 2);
		assert_null(strstr(d->headers.data, "4711"));
		if (round == 0)
			assert_int_equal(sg_buf_append(&first, d->headers.data, d->headers.len),
					 SG_OK);
		else if (round % 2 == 0)
			assert_string_equal(d->headers.data, first.data);
		st_release_done(st);
	}
	sg_buf_free(&first);
	st_close(st);
}

/* More messages in flight than the pool keeps: the extra signers are
 * freed when they come back. */
static void test_pool_cap(void **state)
{
	struct st *st = st_open(CONF, "evp");
	const size_t n = SIGNER_POOL_MAX + 8;

	(void)state;
	st_submit(st, msgs[0], true, NULL, 1);		/* parks: no key yet */
	for (size_t i = 1; i < n; i++)
		st_submit(st, msgs[0], true, NULL, 1 + i);
	assert_int_equal(st->signer->npool, 0);
	assert_int_equal(dp_signer_pending(st->signer), n);
	st_key(st, SG_KIND_DKIM, "example.com", "s1", 1, 1024);
	for (size_t got = 0; got < n; st_release_done(st))
		got += st_poll_all(st) ? st->ndone : 0;
	assert_int_equal(st->signer->npool, SIGNER_POOL_MAX);
	st_close(st);
}

static void test_bad_arguments(void **state)
{
	struct sg_config *conf = ct_config(CONF);
	struct dp_keys *keys;
	struct dp_signer *s = NULL;
	struct sg_error err = { 0 };

	(void)state;
	assert_int_equal(dp_keys_new(conf, NULL, &keys, NULL), SG_OK);
	assert_int_equal(dp_signer_new(NULL, keys, "evp", 4, NULL, &s, &err), SG_E_ARG);
	assert_int_equal(dp_signer_new(conf, keys, "nosuch", 4, NULL, &s, &err),
			 SG_E_UNSUPPORTED);
	assert_null(s);
	dp_keys_free(keys);
	sg_config_free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batches_of_mixed_domains),
		cmocka_unit_test(test_flush_and_timeout),
		cmocka_unit_test(test_park_and_resume),
		cmocka_unit_test(test_negative_and_failed_answers),
		cmocka_unit_test(test_park_timeout),
		cmocka_unit_test(test_generation_swap),
		cmocka_unit_test(test_stats_counts),
		cmocka_unit_test(test_pending_limit),
		cmocka_unit_test(test_backend_full),
		cmocka_unit_test(test_pooled_signer_matches_fresh),
		cmocka_unit_test(test_pool_cap),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
