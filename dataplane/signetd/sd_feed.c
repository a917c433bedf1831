/*
 * NAME
 *   sd_feed.c - spool input discovery and distribution (see sd_feed.h)
 *
 * SUMMARY
 *   Queued names are a FIFO of malloc'd strings; known names (queued or
 *   out with a worker) a chained hash set (FNV-1a; buckets double when
 *   the set outgrows them).
 *
 * UNTRUSTED INPUT
 *   Directory entries and inotify events.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "sd_feed.h"

struct known {
	struct known *next;
	char name[];
};

struct sd_feed {
	int in_fd, inotify_fd;
	unsigned nworkers;
	struct sd_ring **to, **from;
	size_t *out_with;		/* jobs out per worker */
	struct sd_feed_hooks hooks;
	char **queue;			/* names not handed out yet, FIFO */
	size_t q_head, q_len, q_cap;
	struct known **bucket;
	size_t nbuckets, nknown;
	size_t outstanding;
	struct sd_counts counts;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static bool grow_set(struct sd_feed *f)
{
	size_t n = f->nbuckets ? f->nbuckets * 2 : 1024;
	struct known **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return false;
	for (size_t i = 0; i < f->nbuckets; i++) {
		for (struct known *k = f->bucket[i], *next; k != NULL; k = next) {
			next = k->next;
			k->next = b[fnv(k->name) & (n - 1)];
			b[fnv(k->name) & (n - 1)] = k;
		}
	}
	free(f->bucket);
	f->bucket = b;
	f->nbuckets = n;
	return true;
}

static struct known **find(struct sd_feed *f, const char *name)
{
	struct known **k = &f->bucket[fnv(name) & (f->nbuckets - 1)];

	while (*k != NULL && strcmp((*k)->name, name) != 0)
		k = &(*k)->next;
	return k;
}

static void forget(struct sd_feed *f, const char *name)
{
	struct known **k = find(f, name), *dead = *k;

	if (dead != NULL) {
		*k = dead->next;
		free(dead);
		f->nknown--;
	}
}

/* Makes room for one more name at the end of the FIFO. */
static bool queue_room(struct sd_feed *f)
{
	size_t cap = f->q_cap ? f->q_cap * 2 : 256;
	char **q;

	if (f->q_head > 0) {
		memmove(f->queue, f->queue + f->q_head, f->q_len * sizeof(*f->queue));
		f->q_head = 0;
		if (f->q_len < f->q_cap)
			return true;
	}
	q = realloc(f->queue, cap * sizeof(*q));
	if (q == NULL)
		return false;
	f->queue = q;
	f->q_cap = cap;
	return true;
}

/* Adds name to the known set (grown first when full). */
static bool remember(struct sd_feed *f, const char *name)
{
	size_t len = strlen(name) + 1, slot;
	struct known *k;

	if (f->nknown >= f->nbuckets && !grow_set(f))
		return false;
	k = malloc(sizeof(*k) + len);
	if (k == NULL)
		return false;
	memcpy(k->name, name, len);
	slot = fnv(name) & (f->nbuckets - 1);
	k->next = f->bucket[slot];
	f->bucket[slot] = k;
	f->nknown++;
	return true;
}

/* Queues name unless known; a refused *.eml name is known for good,
 * counted and told once. False only when out of memory. */
static bool enqueue(struct sd_feed *f, const char *name, bool *added)
{
	const char *why = sd_name_refusal(name);
	char *copy;

	*added = false;
	if ((why == NULL && !sd_name_is_input(name)) || *find(f, name) != NULL)
		return true;
	if (why != NULL) {
		if (!remember(f, name))
			return false;
		f->counts.messages++;
		f->counts.failed++;
		if (f->hooks.refused)
			f->hooks.refused(f->hooks.env, name, why);
		return true;
	}
	if (f->q_head + f->q_len == f->q_cap && !queue_room(f))
		return false;
	copy = strdup(name);
	if (copy == NULL || !remember(f, name)) {
		free(copy);
		return false;
	}
	f->queue[f->q_head + f->q_len++] = copy;
	f->outstanding++;
	*added = true;
	return true;
}

enum sg_err sd_feed_new(int in_fd, unsigned nworkers, struct sd_ring **to, struct sd_ring **from,
			bool watch, const struct sd_feed_hooks *hooks, struct sd_feed **out,
			struct sg_error *err)
{
	struct sd_feed *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->out_with = calloc(nworkers, sizeof(size_t))) == NULL ||
	    !grow_set(f)) {
		sd_feed_free(f);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	f->in_fd = in_fd;
	f->inotify_fd = -1;
	f->nworkers = nworkers;
	f->to = to;
	f->from = from;
	f->hooks = *hooks;
	if (watch) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", in_fd);
		f->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (f->inotify_fd < 0 ||
		    inotify_add_watch(f->inotify_fd, path, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
			sg_error_set(err, SG_E_IO, 0, 0, "cannot watch the spool folder: %s",
				     strerror(errno));
			sd_feed_free(f);
			return SG_E_IO;
		}
	}
	*out = f;
	return SG_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads IN_DIR's input names into a sorted array (caller frees). */
static long list_dir(int in_fd, char ***names_out)
{
	int fd = dup(in_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL, **grown;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (!sd_name_is_input(e->d_name) && sd_name_refusal(e->d_name) == NULL)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(names, cap * sizeof(*names));
			if (grown == NULL)
				break;
			names = grown;
		}
		names[n] = strdup(e->d_name);
		if (names[n] == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	*names_out = names;
	return (long)n;
}

long sd_feed_scan(struct sd_feed *f, struct sg_error *err)
{
	char **names = NULL;
	long n = list_dir(f->in_fd, &names), added = 0;
	bool ok = true, one;

	if (n < 0) {
		sg_error_set(err, SG_E_IO, 0, 0, "cannot read the spool folder: %s",
			     strerror(errno));
		return -1;
	}
	for (long i = 0; i < n; i++) {
		if (ok && !(ok = enqueue(f, names[i], &one)))
			sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory queueing %ld names", n);
		added += one;
		free(names[i]);
	}
	free(names);
	return ok ? added : -1;
}

int sd_feed_inotify_fd(const struct sd_feed *f)
{
	return f->inotify_fd;
}

void sd_feed_inotify(struct sd_feed *f)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool rescan = false, one;
	ssize_t n;

	while ((n = read(f->inotify_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			if ((ssize_t)(off + sizeof(*ev) + ev->len) > n)
				break;
			if (ev->mask & IN_Q_OVERFLOW)
				rescan = true;
			else if (ev->len > 0 && memchr(ev->name, '\0', ev->len) != NULL &&
				 !enqueue(f, ev->name, &one))
				rescan = true;
			off += (ssize_t)(sizeof(*ev) + ev->len);
		}
	}
	if (rescan)
		(void)sd_feed_scan(f, NULL);
}

static void collect(struct sd_feed *f, struct sd_job *job)
{
	struct sd_counts *c = &f->counts;

	switch (job->result) {
	case SD_JOB_SIGNED: c->signed_ok++; break;
	case SD_JOB_SKIPPED: c->skipped++; break;
	case SD_JOB_RECOVERED: c->recovered++; break;
	case SD_JOB_BAD:
	case SD_JOB_FAILED: c->failed++; break;
	case SD_JOB_VANISHED:
	case SD_JOB_NONE: break;
	}
	if (job->result != SD_JOB_VANISHED && job->result != SD_JOB_NONE)
		c->messages++;
	if (f->hooks.done)
		f->hooks.done(f->hooks.env, job);
	forget(f, job->name);
	f->outstanding--;
	free(job);
}

static unsigned least_loaded(const struct sd_feed *f)
{
	unsigned best = 0;

	for (unsigned i = 1; i < f->nworkers; i++)
		if (f->out_with[i] < f->out_with[best])
			best = i;
	return best;
}

size_t sd_feed_pump(struct sd_feed *f, bool hand_out)
{
	size_t got = 0;
	struct sd_job *job;

	for (unsigned i = 0; i < f->nworkers; i++) {
		while ((job = sd_ring_pop(f->from[i])) != NULL) {
			f->out_with[i]--;
			collect(f, job);
			got++;
		}
	}
	while (hand_out && f->q_len > 0) {
		unsigned w = least_loaded(f);

		if (f->out_with[w] >= sd_ring_capacity(f->to[w]))
			break;
		job = calloc(1, sizeof(*job));
		if (job == NULL)
			break;
		snprintf(job->name, sizeof(job->name), "%s", f->queue[f->q_head]);
		if (!sd_ring_push(f->to[w], job)) {
			free(job);
			break;
		}
		free(f->queue[f->q_head]);
		f->q_head++;
		f->q_len--;
		f->out_with[w]++;
	}
	return got;
}

size_t sd_feed_outstanding(const struct sd_feed *f)
{
	return f->outstanding;
}

const struct sd_counts *sd_feed_counts(const struct sd_feed *f)
{
	return &f->counts;
}

void sd_feed_free(struct sd_feed *f)
{
	struct sd_job *job;

	if (f == NULL)
		return;
	for (unsigned i = 0; f->to && f->from && i < f->nworkers; i++) {
		while ((job = sd_ring_pop(f->to[i])) != NULL)
			free(job);
		while ((job = sd_ring_pop(f->from[i])) != NULL)
			free(job);
	}
	for (size_t i = 0; i < f->q_len; i++)
		free(f->queue[f->q_head + i]);
	free(f->queue);
	for (size_t i = 0; i < f->nbuckets; i++)
		for (struct known *k = f->bucket[i], *next; k != NULL; k = next) {
			next = k->next;
			free(k);
		}
	free(f->bucket);
	free(f->out_with);
	if (f->inotify_fd >= 0)
		close(f->inotify_fd);
	free(f);
}
