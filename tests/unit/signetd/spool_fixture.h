/*
 * NAME
 *   spool_fixture.h - what the spool worker tests share: a temporary spool
 *                     (IN, OUT), a fake signer behind struct
 *                     sd_signer_port, and a driver that runs jobs through
 *                     one worker on the test's own thread
 *
 * SUMMARY
 *   fx_new(state) / fx_free make and remove /tmp/sd-spool-XXXXXX with in/
 *   and out/; fx_open_worker opens them with sd_recover_open (retire to
 *   .done/ unless fx->retire_delete) and creates the worker (depth 4).
 *   The folders count as on a disk (file steps through io_uring) unless
 *   the test runs with the state fx_in_memory (FX_IN_MEMORY_TEST(f)
 *   registers f that way): then they count as in memory (plain calls),
 *   whatever file system /tmp is on.
 *   The fake signer signs what it is given by answering DP_SIGNED with
 *   one field "DKIM-Signature: fake; n=LEN\r\n"; a message containing
 *   "nokey" is DP_SKIPPED, one containing "FAILME" DP_FAILED, one
 *   containing "BADMSG" DP_FAILED with permanent set. It holds at most
 *   fx->capacity messages (SG_E_LIMIT past that) and counts submissions;
 *   fx->on_sign, when set, runs at each completion (to play a race);
 *   with fx->lazy = N only every Nth poll completes anything.
 *   fx_run(fx, names...) hands the jobs over in mode FINISH and steps the
 *   worker until it is done; fx_result(fx, name) is each job's
 *   result; fx_run_six runs six CRLF messages through it, each signed.
 *   Shared checks: assert_signed_output (the fake field and the input),
 *   assert_failed_with (bad input in .failed/ with its reason).
 *   Header-only: one test file includes it once.
 */
#ifndef SIGNET_TEST_SPOOL_FIXTURE_H
#define SIGNET_TEST_SPOOL_FIXTURE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "sd_recover.h"
#include "sd_ring.h"
#include "sd_spool.h"

#define FX_MAX_JOBS 64

/* The state that runs a test with its folders played as in memory. */
static __attribute__((unused)) bool fx_in_memory = true;
#define FX_IN_MEMORY_TEST(f) { "in memory: " #f, f, NULL, NULL, &fx_in_memory }
#define FX_FIELD "DKIM-Signature: fake; n="

struct fx_pending {
	uint64_t cookie;
	size_t len;
	enum dp_outcome outcome;
	bool permanent;
};

struct fx {
	char root[64], in[96], out[96];
	bool retire_delete;
	bool in_memory;			/* folders played as tmpfs (plain calls) */
	struct sd_spool_folders folders;
	struct sd_ring *to, *from;
	_Atomic int mode;
	struct sd_spool_worker *w;
	/* fake signer */
	size_t capacity, submitted, limit_hits, max_pending;
	size_t flushes, submitted_at_first_flush;
	uint64_t budget;		/* the worker's bytes_budget (0: default) */
	unsigned batch;			/* the worker's signing group size (0: none) */
	unsigned depth;			/* the worker's depth (0: 4) */
	unsigned lazy, polls;		/* lazy: completes every lazy-th poll */
	struct fx_pending pending[FX_MAX_JOBS];
	size_t npending;
	void (*on_sign)(struct fx *fx);
	/* results */
	struct sd_job *done[FX_MAX_JOBS];
	size_t ndone;
};

static __attribute__((unused)) enum sg_err fx_submit(void *ctx, const uint8_t *msg, size_t len,
			     const struct dp_client_facts *facts, uint64_t cookie,
			     struct sg_error *err)
{
	struct fx *fx = ctx;
	struct fx_pending *p;

	assert_true(facts->can_relay);
	if (fx->npending >= fx->capacity) {
		fx->limit_hits++;
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "full");
	}
	p = &fx->pending[fx->npending++];
	p->cookie = cookie;
	p->len = len;
	p->permanent = memmem(msg, len, "BADMSG", 6) != NULL;
	p->outcome = memmem(msg, len, "FAILME", 6) || p->permanent ? DP_FAILED :
		     memmem(msg, len, "nokey", 5) ? DP_SKIPPED : DP_SIGNED;
	fx->submitted++;
	if (fx->npending > fx->max_pending)
		fx->max_pending = fx->npending;
	return SG_OK;
}

static __attribute__((unused)) void fx_flush(void *ctx)
{
	struct fx *fx = ctx;

	if (fx->flushes++ == 0)
		fx->submitted_at_first_flush = fx->submitted;
}

static __attribute__((unused)) size_t fx_poll(void *ctx, struct dp_done *done, size_t max)
{
	struct fx *fx = ctx;
	size_t n = 0;

	if (fx->lazy && ++fx->polls % fx->lazy != 0)
		return 0;
	if (fx->npending > 0 && fx->on_sign)
		fx->on_sign(fx);
	while (n < max && fx->npending > 0) {
		struct fx_pending *p = &fx->pending[--fx->npending];
		struct dp_done *d = &done[n++];

		memset(d, 0, sizeof(*d));
		d->cookie = p->cookie;
		d->outcome = p->outcome;
		d->permanent = p->permanent;
		sg_buf_init(&d->headers, 4096);
		if (p->outcome == DP_SIGNED)
			assert_int_equal(sg_buf_printf(&d->headers, FX_FIELD "%zu\r\n", p->len),
					 SG_OK);
		snprintf(d->reason, sizeof(d->reason), "%s", p->outcome == DP_FAILED ?
			 (p->permanent ? "the fake signer refuses BADMSG" :
			  "the fake signer fails on FAILME") : p->outcome == DP_SKIPPED ?
			 "no key for nokey" : "");
	}
	return n;
}

static __attribute__((unused)) void fx_release(void *ctx, struct dp_done *done)
{
	(void)ctx;
	sg_buf_free(&done->headers);
}

static __attribute__((unused)) size_t fx_pending_count(void *ctx)
{
	return ((struct fx *)ctx)->npending;
}

static __attribute__((unused)) uint64_t fx_deadline(void *ctx)
{
	return ((struct fx *)ctx)->npending ? 0 : UINT64_MAX;
}

static __attribute__((unused)) void fx_path(const struct fx *fx, const char *rel, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", fx->root, rel);
}

static __attribute__((unused)) void fx_write(const struct fx *fx, const char *rel, const char *data, size_t len)
{
	char path[512];
	int fd;

	fx_path(fx, rel, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static __attribute__((unused)) void fx_put(const struct fx *fx, const char *rel, const char *text)
{
	fx_write(fx, rel, text, strlen(text));
}

static __attribute__((unused)) char *fx_read(const struct fx *fx, const char *rel, size_t *len)
{
	char path[512];

	fx_path(fx, rel, path, sizeof(path));
	return tu_read(path, len);
}

static __attribute__((unused)) bool fx_exists(const struct fx *fx, const char *rel)
{
	char path[512];
	struct stat st;

	fx_path(fx, rel, path, sizeof(path));
	return lstat(path, &st) == 0;
}

/* Names in a folder (hidden ones included), sorted, joined by spaces. */
static __attribute__((unused)) const char *fx_list(const struct fx *fx, const char *rel)
{
	static char out[4096];
	char path[512], *names[256];
	size_t n = 0;
	struct dirent *e;
	DIR *d;

	fx_path(fx, rel, path, sizeof(path));
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL && n < 256)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, SD_LOCK_FILE))
			names[n++] = strdup(e->d_name);
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];

				names[i] = names[j];
				names[j] = t;
			}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, names[i]);
		free(names[i]);
	}
	return out;
}

static __attribute__((unused)) void fx_open_worker(struct fx *fx)
{
	struct sd_spool_params p = {
		.dirs = &fx->folders.dirs, .worker = 0, .depth = fx->depth ? fx->depth : 4,
		.max_size = 4096,
		.bytes_budget = fx->budget, .batch = fx->batch, .batch_timeout_us = 1000000,
		.signer = { fx_submit, fx_flush, fx_poll, fx_release, fx_pending_count,
			    fx_deadline, fx },
		.in = fx->to, .out = fx->from, .mode = &fx->mode };
	struct sg_error err;

	sg_error_clear(&err);
	if (sd_recover_open(fx->in, fx->out, fx->retire_delete, &fx->folders, &err) != SG_OK)
		fail_msg("sd_recover_open: %s", err.msg);
	fx->folders.dirs.in_memory = fx->folders.dirs.out_memory = fx->in_memory;
	assert_int_equal(sd_spool_worker_new(&p, &fx->w, &err), SG_OK);
}

static __attribute__((unused)) struct fx *fx_new(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->in_memory = state != NULL && *state == &fx_in_memory;
	strcpy(fx->root, "/tmp/sd-spool-XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	snprintf(fx->in, sizeof(fx->in), "%s/in", fx->root);
	snprintf(fx->out, sizeof(fx->out), "%s/out", fx->root);
	assert_int_equal(mkdir(fx->in, 0755), 0);
	assert_int_equal(mkdir(fx->out, 0755), 0);
	fx->to = sd_ring_new(FX_MAX_JOBS);
	fx->from = sd_ring_new(FX_MAX_JOBS);
	fx->capacity = FX_MAX_JOBS;
	atomic_init(&fx->mode, SD_MODE_RUN);
	return fx;
}

static __attribute__((unused)) void fx_free(struct fx *fx)
{
	char cmd[128];

	sd_spool_worker_free(fx->w);
	sd_recover_close(&fx->folders);
	for (size_t i = 0; i < fx->ndone; i++)
		free(fx->done[i]);
	sd_ring_free(fx->to);
	sd_ring_free(fx->from);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->root);
	assert_int_equal(system(cmd), 0);
	free(fx);
}

/* Hands over every name (NULL-terminated), runs the worker to the end. */
static __attribute__((unused)) void fx_run_list(struct fx *fx, const char *const *names)
{
	struct sd_job *job;
	int rounds = 0;

	if (fx->w == NULL)
		fx_open_worker(fx);
	for (size_t i = 0; names[i] != NULL; i++) {
		job = calloc(1, sizeof(*job));
		assert_non_null(job);
		snprintf(job->name, sizeof(job->name), "%s", names[i]);
		assert_true(sd_ring_push(fx->to, job));
	}
	atomic_store(&fx->mode, SD_MODE_FINISH);
	while (sd_spool_worker_step(fx->w, 1000)) {
		while ((job = sd_ring_pop(fx->from)) != NULL)
			fx->done[fx->ndone++] = job;
		if (++rounds > 100000)
			fail_msg("the worker does not finish");
	}
	while ((job = sd_ring_pop(fx->from)) != NULL)
		fx->done[fx->ndone++] = job;
}

#define fx_run(fx, ...) fx_run_list(fx, (const char *const[]){ __VA_ARGS__, NULL })

static const struct sd_job *fx_job(const struct fx *fx, const char *name)
{
	for (size_t i = 0; i < fx->ndone; i++)
		if (strcmp(fx->done[i]->name, name) == 0)
			return fx->done[i];
	fail_msg("no result for %s", name);
	return NULL;
}

static __attribute__((unused)) enum sd_job_result fx_result(const struct fx *fx, const char *name)
{
	return fx_job(fx, name)->result;
}


/* Messages and checks the spool tests share. */
#define CRLF_MSG "From: a@example.com\r\nSubject: one\r\n\r\nbody\r\n"
#define LF_MSG "From: a@example.com\nSubject: two\n\nbody\n"
#define NOKEY_MSG "From: a@nokey.example\r\n\r\nhi\r\n"

static __attribute__((unused)) void assert_signed_output(const struct fx *fx, const char *rel, const char *input,
				 bool lf)
{
	size_t len, in_len = strlen(input);
	char *data = fx_read(fx, rel, &len), want[256];

	snprintf(want, sizeof(want), FX_FIELD "%zu%s", lf ? in_len + 4 : in_len, lf ? "\n" : "\r\n");
	if (!lf) {
		/* CRLF inputs are signed as they are */
		assert_true(len == strlen(want) + in_len);
	}
	assert_memory_equal(data, want, strlen(want));
	assert_memory_equal(data + strlen(want), input, in_len);
	assert_int_equal(len, strlen(want) + in_len);
	free(data);
}

static __attribute__((unused)) void assert_failed_with(const struct fx *fx, const char *name, const char *reason)
{
	char rel[256];
	char *text;
	size_t len;

	assert_int_equal(fx_result(fx, name), SD_JOB_BAD);
	snprintf(rel, sizeof(rel), "in/.failed/%s.reason", name);
	text = fx_read(fx, rel, &len);
	if (strstr(text, reason) == NULL)
		fail_msg("%s: reason \"%s\" lacks \"%s\"", name, text, reason);
	assert_int_equal(text[len - 1], '\n');
	free(text);
	snprintf(rel, sizeof(rel), "in/.failed/%s", name);
	assert_true(fx_exists(fx, rel));
}

/* Six CRLF messages 1.eml..6.eml through the worker, each signed; lazy: the
 * fake signer completes only every lazy-th poll, so jobs pile up. */
static __attribute__((unused)) void fx_run_six(struct fx *fx, unsigned lazy)
{
	const char *names[] = { "1.eml", "2.eml", "3.eml", "4.eml", "5.eml", "6.eml", NULL };

	fx->lazy = lazy;
	for (size_t i = 0; names[i]; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "in/%s", names[i]);
		fx_put(fx, rel, CRLF_MSG);
	}
	fx_run_list(fx, names);
	for (size_t i = 0; names[i]; i++)
		assert_int_equal(fx_result(fx, names[i]), SD_JOB_SIGNED);
}

#endif
