/*
 * NAME
 *   test_sd_spool.c - unit tests for dataplane/signetd/sd_spool.c: the
 *                     spool worker's jobs, each crash point of an earlier
 *                     run simulated by the files it would have left
 *
 * SUMMARY
 *   With a fake signer (spool_fixture.h) and a real io_uring:
 *     - a fresh spool: CRLF and LF inputs signed (the LF one written back
 *       with LF, the field too), an unkeyed one written unsigned, inputs
 *       moved to .done/ (or deleted with retire_delete);
 *     - crash points: (1) killed before anything was written: signed;
 *       (2) a half-written temp file: removed at open, signed again once
 *       (the input-side crash points are in test_sd_spool_read.c);
 *     - a vanished input; a signing failure leaves the input in place with
 *       no output and no temp file, a permanent one goes to .failed/; a
 *       full signer (SG_E_LIMIT) is retried;
 *     - partial batches: a lone job is flushed at once; while a job is on
 *       its way to the signer (opened, read, probed) a waiting partial
 *       batch is not flushed, and it is once that job has joined it;
 *     - signing groups (batch 3, 4): jobs ready at different times reach
 *       the signer together, as a whole group or, when nothing else can
 *       join, as a flushed partial one; a job the byte budget keeps in
 *       the ring is not waited for; at most two groups are read ahead;
 *     - SD_MODE_STOP: jobs still in the ring are not taken.
 */
#include "spool_fixture.h"
#include "sd_spool_internal.h"

static void test_fresh_spool(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx_put(fx, "in/a.eml", CRLF_MSG);
	fx_put(fx, "in/b.eml", LF_MSG);
	fx_put(fx, "in/c.eml", NOKEY_MSG);
	fx_run(fx, "a.eml", "b.eml", "c.eml");
	assert_int_equal(fx_result(fx, "a.eml"), SD_JOB_SIGNED);
	assert_int_equal(fx_result(fx, "b.eml"), SD_JOB_SIGNED);
	assert_int_equal(fx_result(fx, "c.eml"), SD_JOB_SKIPPED);
	assert_string_equal(fx_job(fx, "c.eml")->reason, "no key for nokey");
	assert_string_equal(fx_job(fx, "a.eml")->output, "a.eml");
	assert_signed_output(fx, "out/a.eml", CRLF_MSG, false);
	assert_signed_output(fx, "out/b.eml", LF_MSG, true);	/* 4 lines: +4 CRs signed */
	{
		size_t len;
		char *c = fx_read(fx, "out/c.eml", &len);

		assert_int_equal(len, strlen(NOKEY_MSG));
		assert_memory_equal(c, NOKEY_MSG, len);
		free(c);
	}
	assert_string_equal(fx_list(fx, "in"), ".done .failed");
	assert_string_equal(fx_list(fx, "in/.done"), "a.eml b.eml c.eml");
	assert_string_equal(fx_list(fx, "out"), "a.eml b.eml c.eml");
	assert_int_equal(fx->submitted, 3);
	fx_free(fx);
}

static void test_retire_delete(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx->retire_delete = true;
	fx_put(fx, "in/a.eml", CRLF_MSG);
	fx_run(fx, "a.eml");
	assert_int_equal(fx_result(fx, "a.eml"), SD_JOB_SIGNED);
	assert_string_equal(fx_list(fx, "in"), ".failed");
	assert_string_equal(fx_list(fx, "out"), "a.eml");
	fx_free(fx);
}

static void test_crash_with_temp_file(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx_put(fx, "in/a.eml", CRLF_MSG);
	fx_put(fx, "out/.signetd-tmp.0.a.eml", FX_FIELD "12\r\nFrom: a@exa");	/* half */
	fx_put(fx, "out/.signetd-tmp.3.z.eml", "other worker's half file");
	fx_open_worker(fx);
	assert_int_equal(fx->folders.removed, 2);
	assert_string_equal(fx_list(fx, "out"), "");
	fx_run(fx, "a.eml");
	assert_int_equal(fx_result(fx, "a.eml"), SD_JOB_SIGNED);
	assert_signed_output(fx, "out/a.eml", CRLF_MSG, false);
	assert_int_equal(fx->submitted, 1);
	fx_free(fx);
}

/* What a run that was killed between the rename and the retire left. */
static void test_vanished_and_failed_signing(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx_put(fx, "in/f.eml", "From: a@example.com\r\nSubject: FAILME\r\n\r\nx\r\n");
	fx_put(fx, "in/p.eml", "From: a@example.com\r\nSubject: BADMSG\r\n\r\nx\r\n");
	fx_run(fx, "gone.eml", "f.eml", "p.eml");
	assert_int_equal(fx_result(fx, "gone.eml"), SD_JOB_VANISHED);
	assert_int_equal(fx_result(fx, "f.eml"), SD_JOB_FAILED);
	assert_string_equal(fx_job(fx, "f.eml")->reason,
			    "signing failed: the fake signer fails on FAILME");
	/* a permanent failure is bad input: .failed/ with its reason */
	assert_failed_with(fx, "p.eml", "cannot be signed: the fake signer refuses BADMSG");
	assert_string_equal(fx_list(fx, "in"), ".done .failed f.eml");	/* left in place */
	assert_string_equal(fx_list(fx, "out"), "");
	fx_free(fx);
}

static void test_full_signer_is_retried(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx->capacity = 1;
	fx_run_six(fx, 5);
	assert_int_equal(fx->submitted, 6);
	assert_true(fx->limit_hits > 0);
	assert_string_equal(fx_list(fx, "out"), "1.eml 2.eml 3.eml 4.eml 5.eml 6.eml");
	fx_free(fx);
}

static void put_numbered(struct fx *fx, const char **names)
{
	for (size_t i = 0; names[i]; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "in/%s", names[i]);
		fx_put(fx, rel, CRLF_MSG);
	}
}

static void push_job(struct fx *fx, const char *name)
{
	struct sd_job *job = calloc(1, sizeof(*job));

	assert_non_null(job);
	snprintf(job->name, sizeof(job->name), "%s", name);
	assert_true(sd_ring_push(fx->to, job));
}

/* Steps until the fake signer holds n messages; fails on a flush when
 * no_flush is set. */
static void step_until_submitted(struct fx *fx, size_t n, bool no_flush)
{
	size_t flushes = fx->flushes;

	for (int rounds = 0; fx->submitted < n; rounds++) {
		assert_true(sd_spool_worker_step(fx->w, 1000));
		if (no_flush && fx->submitted < n)
			assert_int_equal(fx->flushes, flushes);
		if (rounds > 100000)
			fail_msg("job %zu never reaches the signer", n);
	}
}

static void test_partial_batch_waits_for_jobs_on_their_way(void **state)
{
	const char *names[] = { "1.eml", "2.eml", NULL };
	struct fx *fx = fx_new(state);
	size_t flushes;

	(void)state;
	put_numbered(fx, names);
	fx_open_worker(fx);
	fx->lazy = 1000000;		/* the fake signer completes nothing */
	push_job(fx, "1.eml");
	step_until_submitted(fx, 1, false);
	assert_true(sd_spool_worker_step(fx->w, 1000));
	/* a lone job is flushed at once: nothing else could join its batch */
	assert_true(fx->flushes > 0);
	assert_int_equal(fx->submitted_at_first_flush, 1);
	/* 1 is still in the signer; while 2 is on its way there, no flush */
	flushes = fx->flushes;
	push_job(fx, "2.eml");
	step_until_submitted(fx, 2, true);
	assert_true(sd_spool_worker_step(fx->w, 1000));
	assert_true(fx->flushes > flushes);	/* 2 submitted: nothing more comes */
	fx->lazy = 0;
	fx_run_list(fx, (const char *const[]){ NULL });
	assert_int_equal(fx_result(fx, "1.eml"), SD_JOB_SIGNED);
	assert_int_equal(fx_result(fx, "2.eml"), SD_JOB_SIGNED);
	fx_free(fx);
}

/* Three jobs, c.eml ready later than a and b (an unrelated older
 * out/c.eml and out/c~1.eml cost it two more probes). batch 3: a and b
 * wait for c and the three reach the signer together (never two first);
 * batch 4: the same, as a partial group flushed once none can join. */
static void test_signing_groups(void **state)
{
	const char *names[] = { "a.eml", "b.eml", "c.eml", NULL };

	(void)state;
	for (unsigned batch = 3; batch <= 4; batch++) {
		struct fx *fx = fx_new(state);

		put_numbered(fx, names);
		fx_put(fx, "out/c.eml", "an older message");
		fx_put(fx, "out/c~1.eml", "another one");
		fx->batch = batch;
		fx_open_worker(fx);
		fx->lazy = 1000000;		/* the fake signer completes nothing */
		for (size_t i = 0; names[i]; i++)
			push_job(fx, names[i]);
		for (int rounds = 0; fx->submitted == 0; rounds++) {
			assert_true(sd_spool_worker_step(fx->w, 1000));
			if (fx->submitted == 0)
				assert_int_equal(fx->flushes, 0);
			if (rounds > 100000)
				fail_msg("nothing submitted");
		}
		assert_int_equal(fx->submitted, 3);
		if (batch == 4)
			assert_int_equal(fx->flushes, 1);	/* none can join */
		fx->lazy = 0;
		fx_run_list(fx, (const char *const[]){ NULL });
		for (size_t i = 0; names[i]; i++)
			assert_int_equal(fx_result(fx, names[i]), SD_JOB_SIGNED);
		assert_string_equal(fx_job(fx, "c.eml")->output, "c~2.eml");
		fx_free(fx);
	}
}

/* batch 4, a byte budget of two messages: a and c (delayed by two extra
 * probes) are taken and read, then b is queued and cannot be taken while
 * they are held. Their group goes (flushed) as soon as c has joined,
 * instead of waiting the batch timeout (1 s in the fixture) for b. */
static void test_group_does_not_wait_for_untakable_jobs(void **state)
{
	const char *names[] = { "a.eml", "b.eml", "c.eml", NULL };
	struct fx *fx = fx_new(state);
	int rounds = 0;

	(void)state;
	put_numbered(fx, names);
	fx_put(fx, "out/c.eml", "an older message");
	fx_put(fx, "out/c~1.eml", "another one");
	fx->batch = 4;
	fx->budget = 2 * strlen(CRLF_MSG);
	fx_open_worker(fx);
	fx->lazy = 1000000;
	push_job(fx, "a.eml");
	push_job(fx, "c.eml");
	while (fx->w->bytes < fx->budget && rounds++ < 1000)
		assert_true(sd_spool_worker_step(fx->w, 1000));
	assert_int_equal(fx->submitted, 0);
	push_job(fx, "b.eml");
	for (rounds = 0; fx->flushes == 0 && rounds < 2000; rounds++)
		assert_true(sd_spool_worker_step(fx->w, 1000));
	assert_int_equal(fx->submitted_at_first_flush, 2);
	assert_in_range(rounds, 1, 50);
	fx->lazy = 0;
	fx_run_list(fx, (const char *const[]){ NULL });
	for (size_t i = 0; names[i]; i++)
		assert_int_equal(fx_result(fx, names[i]), SD_JOB_SIGNED);
	fx_free(fx);
}

/* batch 2, depth 16, ten jobs and a signer that completes nothing: the
 * worker reads ahead at most two groups (4 jobs taken and not yet in the
 * signer), and takes the next ones as groups go; all ten reach it. */
static void test_reads_ahead_two_groups(void **state)
{
	const char *names[] = { "0.eml", "1.eml", "2.eml", "3.eml", "4.eml", "5.eml",
				"6.eml", "7.eml", "8.eml", "9.eml", NULL };
	struct fx *fx = fx_new(state);

	(void)state;
	put_numbered(fx, names);
	fx->batch = 2;
	fx->depth = 16;
	fx_open_worker(fx);
	fx->lazy = 1000000;
	for (size_t i = 0; names[i]; i++)
		push_job(fx, names[i]);
	for (int rounds = 0; fx->submitted < 10; rounds++) {
		assert_true(sd_spool_worker_step(fx->w, 1000));
		assert_in_range(fx->w->presign + fx->w->nready, 0, 4);
		if (rounds > 100000)
			fail_msg("only %zu of 10 submitted", fx->submitted);
	}
	fx->lazy = 0;
	fx_run_list(fx, (const char *const[]){ NULL });
	for (size_t i = 0; names[i]; i++)
		assert_int_equal(fx_result(fx, names[i]), SD_JOB_SIGNED);
	fx_free(fx);
}

static void test_stop_leaves_the_ring(void **state)
{
	struct fx *fx = fx_new(state);
	struct sd_job *job = calloc(1, sizeof(*job));

	(void)state;
	fx_put(fx, "in/a.eml", CRLF_MSG);
	fx_open_worker(fx);
	snprintf(job->name, sizeof(job->name), "a.eml");
	assert_true(sd_ring_push(fx->to, job));
	atomic_store(&fx->mode, SD_MODE_STOP);
	assert_false(sd_spool_worker_step(fx->w, 1000));
	assert_int_equal(sd_spool_worker_inflight(fx->w), 0);
	assert_ptr_equal(sd_ring_pop(fx->to), job);	/* not taken */
	free(job);
	assert_string_equal(fx_list(fx, "in"), ".done .failed a.eml");
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_spool),
		FX_IN_MEMORY_TEST(test_fresh_spool),
		cmocka_unit_test(test_retire_delete),
		FX_IN_MEMORY_TEST(test_retire_delete),
		cmocka_unit_test(test_crash_with_temp_file),
		FX_IN_MEMORY_TEST(test_crash_with_temp_file),
		cmocka_unit_test(test_vanished_and_failed_signing),
		FX_IN_MEMORY_TEST(test_vanished_and_failed_signing),
		cmocka_unit_test(test_full_signer_is_retried),
		cmocka_unit_test(test_partial_batch_waits_for_jobs_on_their_way),
		cmocka_unit_test(test_signing_groups),
		FX_IN_MEMORY_TEST(test_signing_groups),
		cmocka_unit_test(test_group_does_not_wait_for_untakable_jobs),
		cmocka_unit_test(test_reads_ahead_two_groups),
		cmocka_unit_test(test_stop_leaves_the_ring),
		FX_IN_MEMORY_TEST(test_stop_leaves_the_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
