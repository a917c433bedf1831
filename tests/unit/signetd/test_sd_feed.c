/*
 * NAME
 *   test_sd_feed.c - unit tests for dataplane/signetd/sd_feed.c
 *
 * SUMMARY
 *   Plays the workers by hand (pops their in rings, pushes results):
 *   scanning takes only input names, in byte order, each once while it
 *   is queued or out (a *.eml name with a control byte is refused: told
 *   once, counted as failed) (a rescan adds nothing; after its result comes back
 *   a name still in the folder is queued again); hand-out to the least
 *   loaded worker, never more than a ring's capacity out per worker, and
 *   none when hand_out is false; results counted by kind (a vanished file
 *   is no message), the hook sees each; --watch: files closed after
 *   writing or moved in are queued from inotify events, files only
 *   opened are not; an unreadable folder; free with jobs still out.
 */
#include "spool_fixture.h"

#include "sd_feed.h"

struct seen {
	char names[64][SD_NAME_BUF];
	size_t n;
	char refused[8][SD_NAME_BUF + 64];
	size_t nrefused;
};

static void refused_hook(void *env, const char *name, const char *why)
{
	struct seen *s = env;

	snprintf(s->refused[s->nrefused++], sizeof(s->refused[0]), "%s: %s", name, why);
}

static void seen_hook(void *env, const struct sd_job *job)
{
	struct seen *s = env;

	snprintf(s->names[s->n++], SD_NAME_BUF, "%s", job->name);
}

struct feedfx {
	struct fx *fx;
	struct sd_ring *to[2], *from[2];
	struct sd_feed *feed;
	struct seen seen;
};

static void feed_setup(struct feedfx *t, bool watch, size_t ring)
{
	struct sd_feed_hooks hooks = { seen_hook, refused_hook, &t->seen };
	struct sg_error err;

	memset(t, 0, sizeof(*t));
	t->fx = fx_new(NULL);
	fx_open_worker(t->fx);
	for (int i = 0; i < 2; i++) {
		t->to[i] = sd_ring_new(ring);
		t->from[i] = sd_ring_new(ring);
	}
	assert_int_equal(sd_feed_new(t->fx->folders.dirs.in_fd, 2, t->to, t->from, watch,
				     &hooks, &t->feed, &err), SG_OK);
}

static void feed_teardown(struct feedfx *t)
{
	sd_feed_free(t->feed);
	for (int i = 0; i < 2; i++) {
		sd_ring_free(t->to[i]);
		sd_ring_free(t->from[i]);
	}
	fx_free(t->fx);
}

/* Worker w finishes its next job with result r. */
static struct sd_job *finish_one(struct feedfx *t, int w, enum sd_job_result r)
{
	struct sd_job *job = sd_ring_pop(t->to[w]);

	assert_non_null(job);
	job->result = r;
	assert_true(sd_ring_push(t->from[w], job));
	return job;
}

static void test_scan_and_hand_out(void **state)
{
	struct feedfx t;
	struct sg_error err;
	struct sd_job *job;

	(void)state;
	feed_setup(&t, false, 2);
	fx_put(t.fx, "in/c.eml", "x");
	fx_put(t.fx, "in/a.eml", "x");
	fx_put(t.fx, "in/b.EML", "x");
	fx_put(t.fx, "in/d.eml", "x");
	fx_put(t.fx, "in/e.eml", "x");
	fx_put(t.fx, "in/notes.txt", "x");
	fx_put(t.fx, "in/.hidden.eml", "x");
	fx_put(t.fx, "in/ctl\x01.eml", "x");
	assert_int_equal(sd_feed_scan(t.feed, &err), 5);
	assert_int_equal(sd_feed_scan(t.feed, &err), 0);	/* all known */
	assert_int_equal(t.seen.nrefused, 1);			/* told once */
	assert_string_equal(t.seen.refused[0], "ctl\x01.eml: a control byte in the name");
	assert_int_equal(sd_feed_counts(t.feed)->failed, 1);
	assert_int_equal(sd_feed_counts(t.feed)->messages, 1);
	assert_int_equal(sd_feed_outstanding(t.feed), 5);
	assert_int_equal(sd_feed_pump(t.feed, false), 0);
	assert_int_equal(sd_ring_count(t.to[0]) + sd_ring_count(t.to[1]), 0);
	sd_feed_pump(t.feed, true);
	/* capacity 2 per worker: four out, alternating, in byte order */
	assert_int_equal(sd_ring_count(t.to[0]), 2);
	assert_int_equal(sd_ring_count(t.to[1]), 2);
	job = finish_one(&t, 0, SD_JOB_SIGNED);
	assert_string_equal(job->name, "a.eml");
	job = finish_one(&t, 1, SD_JOB_SKIPPED);
	assert_string_equal(job->name, "b.EML");
	assert_int_equal(sd_feed_pump(t.feed, true), 2);
	assert_int_equal(sd_feed_outstanding(t.feed), 3);
	/* a.eml is still in the folder (the fake worker did not retire it):
	 * known no more, so a rescan queues it again */
	assert_int_equal(sd_feed_scan(t.feed, &err), 2);
	assert_int_equal(t.seen.n, 2);
	assert_string_equal(t.seen.names[0], "a.eml");
	feed_teardown(&t);	/* frees what is still out */
}

static void test_counts(void **state)
{
	static const enum sd_job_result results[] = { SD_JOB_SIGNED, SD_JOB_SIGNED, SD_JOB_SKIPPED,
						      SD_JOB_RECOVERED, SD_JOB_BAD, SD_JOB_FAILED,
						      SD_JOB_VANISHED };
	const struct sd_counts *c;
	struct feedfx t;
	struct sg_error err;

	(void)state;
	feed_setup(&t, false, 8);
	for (int i = 0; i < 7; i++) {
		char rel[32];

		snprintf(rel, sizeof(rel), "in/%d.eml", i);
		fx_put(t.fx, rel, "x");
	}
	assert_int_equal(sd_feed_scan(t.feed, &err), 7);
	sd_feed_pump(t.feed, true);
	for (int i = 0; i < 7; i++)
		finish_one(&t, sd_ring_count(t.to[0]) ? 0 : 1, results[i]);
	assert_int_equal(sd_feed_pump(t.feed, true), 7);
	c = sd_feed_counts(t.feed);
	assert_int_equal(c->messages, 6);
	assert_int_equal(c->signed_ok, 2);
	assert_int_equal(c->skipped, 1);
	assert_int_equal(c->recovered, 1);
	assert_int_equal(c->failed, 2);
	assert_int_equal(sd_feed_outstanding(t.feed), 0);
	feed_teardown(&t);
}

static void test_watch(void **state)
{
	struct feedfx t;
	char path[512], dst[512];
	int fd;

	(void)state;
	feed_setup(&t, true, 8);
	assert_true(sd_feed_inotify_fd(t.feed) >= 0);
	fx_put(t.fx, "in/written.eml", "x");		/* close after write */
	fx_put(t.fx, "staged.eml", "x");
	fx_path(t.fx, "staged.eml", path, sizeof(path));
	fx_path(t.fx, "in/moved.eml", dst, sizeof(dst));
	assert_int_equal(rename(path, dst), 0);		/* moved in */
	fx_path(t.fx, "in/written.eml", path, sizeof(path));
	fd = open(path, O_RDONLY);			/* only opened: no event */
	close(fd);
	fx_put(t.fx, "in/skip.txt", "x");
	sd_feed_inotify(t.feed);
	assert_int_equal(sd_feed_outstanding(t.feed), 2);
	sd_feed_pump(t.feed, true);
	assert_int_equal(sd_ring_count(t.to[0]) + sd_ring_count(t.to[1]), 2);
	fx_put(t.fx, "in/written.eml", "again");	/* known: not queued twice */
	sd_feed_inotify(t.feed);
	assert_int_equal(sd_feed_outstanding(t.feed), 2);
	feed_teardown(&t);
}

static void test_unreadable_folder(void **state)
{
	struct sd_feed_hooks hooks = { NULL, NULL, NULL };
	struct sd_ring *to = sd_ring_new(2), *from = sd_ring_new(2);
	struct sd_feed *feed;
	struct sg_error err;

	(void)state;
	assert_int_equal(sd_feed_new(-1, 1, &to, &from, false, &hooks, &feed, &err), SG_OK);
	assert_int_equal(sd_feed_scan(feed, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read the spool folder"));
	assert_int_equal(sd_feed_new(-1, 1, &to, &from, true, &hooks, &feed, &err) == SG_OK,
			 false);
	sd_feed_free(feed);
	sd_ring_free(to);
	sd_ring_free(from);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_and_hand_out),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_unreadable_folder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
