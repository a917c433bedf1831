/*
 * NAME
 *   jobs.c - work that leaves signet-controld's poll loop: a few jobs at a
 *            time, each on a thread of its own (see daemon_internal.h)
 *
 * SUMMARY
 *   A job is {run, done, free, arg} started for one client (its session
 *   id). jobs_start refuses past the cap ("busy: N dns tests running; try
 *   again") and after jobs_stop; otherwise run(arg, &cancel) goes to a new
 *   thread with every signal blocked (signals stay the loop's, read from
 *   its signalfd). When run returns, the thread marks the job done and
 *   writes to an eventfd that the loop polls (jobs_fd); the loop then
 *   calls jobs_collect, which joins each finished thread and, in the
 *   loop's thread, calls done(env, client, arg) - the answer - and
 *   free(arg). Nothing but the job's own fields is shared with the thread:
 *   cancel and done are atomics, arg belongs to the thread until the join.
 *   jobs_cancel sets the cancel flag of a client's jobs (the client left);
 *   jobs_stop refuses new jobs, cancels all, joins all - each returns once
 *   its run sees the flag, between two steps of its work - and answers
 *   them. No globals: one struct jobs per daemon.
 */

/* System library. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Control plane. */
#include "daemon_internal.h"

struct job {
	struct jobs *owner;
	uint64_t client;
	struct job_work work;
	pthread_t thread;
	atomic_bool cancel;
	atomic_bool done;
};

struct jobs {
	int wake_fd;			/* eventfd: a job is done */
	size_t max;
	bool stopped;
	struct job **v;			/* running or done, not yet collected */
	size_t n;
};

enum sg_err jobs_new(size_t max, struct jobs **out, struct sg_error *err)
{
	struct jobs *j = calloc(1, sizeof(*j));

	*out = NULL;
	if (j == NULL || (j->v = calloc(max ? max : 1, sizeof(*j->v))) == NULL) {
		free(j);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	j->max = max;
	j->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (j->wake_fd < 0) {
		free(j->v);
		free(j);
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot make an eventfd: %s",
				    strerror(errno));
	}
	*out = j;
	return SG_OK;
}

int jobs_fd(const struct jobs *j)
{
	return j->wake_fd;
}

size_t jobs_running(const struct jobs *j)
{
	return j->n;
}

static void *job_main(void *arg)
{
	struct job *job = arg;
	uint64_t one = 1;

	job->work.run(job->work.arg, &job->cancel);
	atomic_store(&job->done, true);
	while (write(job->owner->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		continue;
	return NULL;
}

/* pthread_create with every signal blocked in the new thread. */
static int start_thread(struct job *job)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&job->thread, NULL, job_main, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

enum sg_err jobs_start(struct jobs *j, uint64_t client, const struct job_work *w,
		       const char *what, struct sg_error *err)
{
	struct job *job = NULL;
	int rc;

	if (j->stopped || j->n >= j->max) {
		w->free(w->arg);
		if (j->stopped)
			return sg_error_set(err, SG_E_STATE, 0, 0, "signet-controld is shutting "
					    "down: no new %s", what);
		return sg_error_set(err, SG_E_STATE, 0, 0, "busy: %zu %ss running; try again",
				    j->n, what);
	}
	job = calloc(1, sizeof(*job));
	if (job == NULL) {
		w->free(w->arg);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	job->owner = j;
	job->client = client;
	job->work = *w;
	atomic_init(&job->cancel, false);
	atomic_init(&job->done, false);
	rc = start_thread(job);
	if (rc != 0) {
		w->free(w->arg);
		free(job);
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot start a thread for the %s: %s",
				    what, strerror(rc));
	}
	j->v[j->n++] = job;
	return SG_OK;
}

void jobs_cancel(struct jobs *j, uint64_t client)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->v[i]->client == client)
			atomic_store(&j->v[i]->cancel, true);
}

/* Joins, answers (env NULL: no answer), frees. */
static void finish(struct job *job, void *env)
{
	pthread_join(job->thread, NULL);
	if (env != NULL)
		job->work.done(env, job->client, job->work.arg);
	job->work.free(job->work.arg);
	free(job);
}

/* Takes job i off the list. */
static struct job *take_job(struct jobs *j, size_t i)
{
	struct job *job = j->v[i];

	memmove(j->v + i, j->v + i + 1, (j->n - i - 1) * sizeof(*j->v));
	j->n--;
	return job;
}

void jobs_collect(struct jobs *j, void *env)
{
	uint64_t count;
	size_t i = 0;

	if (read(j->wake_fd, &count, sizeof(count)) < 0)
		count = 0;	/* EAGAIN: nothing to reset; the done flags decide */
	/* Off the list before done() runs: it may start another job. */
	while (i < j->n) {
		if (atomic_load(&j->v[i]->done))
			finish(take_job(j, i), env);
		else
			i++;
	}
}

void jobs_stop(struct jobs *j, void *env)
{
	j->stopped = true;
	for (size_t i = 0; i < j->n; i++)
		atomic_store(&j->v[i]->cancel, true);
	while (j->n > 0)
		finish(take_job(j, 0), env);
}
void jobs_free(struct jobs *j)
{
	if (j == NULL)
		return;
	jobs_stop(j, NULL);
	close(j->wake_fd);
	free(j->v);
	free(j);
}
