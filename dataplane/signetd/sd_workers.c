/*
 * NAME
 *   sd_workers.c - the function each worker lcore runs (see sd_workers.h)
 *
 * SUMMARY
 *   The spool worker reaches dp_signer through struct sd_signer_port;
 *   the adapters below are thin casts.
 */

/* System library. */
#include <stdio.h>
#include <string.h>
#ifdef SIGNETD_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* Dataplane core and configuration. */
#include "config.h"
#include "dp_signer.h"

/* signetd. */
#include "sd_relay_app.h"
#include "sd_workers.h"

static enum sg_err port_submit(void *ctx, const uint8_t *msg, size_t len,
			       const struct dp_client_facts *facts, uint64_t cookie,
			       struct sg_error *err)
{
	return dp_signer_submit(ctx, msg, len, facts, cookie, err);
}

static void port_flush(void *ctx)
{
	dp_signer_flush(ctx);
}

static size_t port_poll(void *ctx, struct dp_done *done, size_t max)
{
	return dp_signer_poll(ctx, done, max);
}

static void port_release(void *ctx, struct dp_done *done)
{
	dp_signer_release(ctx, done);
}

static size_t port_pending(void *ctx)
{
	return dp_signer_pending(ctx);
}

static uint64_t port_deadline(void *ctx)
{
	return dp_signer_next_deadline_us(ctx);
}

/* A jemalloc arena of the thread's own, so that workers never contend
 * on allocator locks (no-op without jemalloc). */
static void own_arena(struct sd_worker *w)
{
#ifdef SIGNETD_HAVE_JEMALLOC
	unsigned arena = 0;
	size_t len = sizeof(arena);

	if (mallctl("arenas.create", &arena, &len, NULL, 0) != 0 ||
	    mallctl("thread.arena", NULL, NULL, &arena, sizeof(arena)) != 0)
		snprintf(w->error, sizeof(w->error), "no jemalloc arena of its own");
#else
	(void)w;
#endif
}

static void publish_ready(void *arg)
{
	struct sd_worker *w = arg;

	atomic_store_explicit(&w->state, SD_WORKER_READY, memory_order_release);
}

/* Relay mode: READY once the worker's listener is open. */
static int run_relay(struct sd_worker *w, struct dp_signer *signer)
{
	int rc = sd_relay_worker_main(w->relay, w->spool.signer, w->relay_counts, publish_ready,
				      w, w->error, sizeof(w->error));

	dp_signer_free(signer);
	atomic_store_explicit(&w->state, rc == 0 ? SD_WORKER_DONE : SD_WORKER_FAILED,
			      memory_order_release);
	return rc;
}

int sd_worker_main(void *arg)
{
	struct sd_worker *w = arg;
	const struct sg_dataplane_conf *dp = &w->conf->dataplane;
	struct sd_spool_worker *spool = NULL;
	struct dp_signer *signer = NULL;
	struct sg_error err;

	own_arena(w);
	sg_error_clear(&err);
	if (dp_signer_new(w->conf, w->keys, dp->crypto_backend, dp->batch_size, w->stats,
			  &signer, &err) == SG_OK) {
		w->spool.signer = (struct sd_signer_port){ port_submit, port_flush, port_poll,
							   port_release, port_pending,
							   port_deadline, signer };
		if (w->relay != NULL)
			return run_relay(w, signer);
		if (sd_spool_worker_new(&w->spool, &spool, &err) != SG_OK)
			spool = NULL;
	}
	if (spool == NULL) {
		snprintf(w->error, sizeof(w->error), "worker %u: %s", w->index, err.msg);
		dp_signer_free(signer);
		atomic_store_explicit(&w->state, SD_WORKER_FAILED, memory_order_release);
		return -1;
	}
	atomic_store_explicit(&w->state, SD_WORKER_READY, memory_order_release);
	sd_spool_worker_run(spool);
	sd_spool_worker_free(spool);
	dp_signer_free(signer);
	atomic_store_explicit(&w->state, SD_WORKER_DONE, memory_order_release);
	return 0;
}
