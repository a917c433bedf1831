/*
 * NAME
 *   sd_workers.h - signetd's worker lcores: what each one owns and the
 *                  function rte_eal_remote_launch runs on it
 *
 * SUMMARY
 *   One struct sd_worker per worker lcore, cache-aligned, written by its
 *   worker (state, error) and by the control thread only before launch.
 *   sd_worker_main (the lcore function): gives the thread its own jemalloc
 *   arena (when signetd is linked with jemalloc), opens its dp_signer
 *   (its own crypto backend instance and dp_keys reader) on the worker's
 *   own thread, publishes SD_WORKER_READY or SD_WORKER_FAILED (error
 *   says why), then runs the spool worker (or, with relay set, the SMTP
 *   relay worker: sd_relay_app.h) until the mode says stop, and
 *   publishes SD_WORKER_DONE last. The dp_worker_stats are created by the
 *   control thread (it reads them for STATS_PUSH) and written only here.
 */
#ifndef SIGNET_SIGNETD_SD_WORKERS_H
#define SIGNET_SIGNETD_SD_WORKERS_H

#include <stdalign.h>
#include <stdatomic.h>
#include "sd_relay.h"
#include "sd_spool.h"

struct sg_config;
struct dp_keys;
struct dp_worker_stats;

enum sd_worker_state { SD_WORKER_STARTING, SD_WORKER_READY, SD_WORKER_FAILED, SD_WORKER_DONE };

struct sd_worker {
	alignas(64) _Atomic int state;		/* enum sd_worker_state */
	unsigned index;
	unsigned lcore;
	const struct sg_config *conf;
	struct dp_keys *keys;
	struct dp_worker_stats *stats;
	struct sd_spool_params spool;		/* signer filled in by the worker */
	const struct sd_relay_params *relay;	/* relay mode: run this, not spool */
	struct sd_relay_counts *relay_counts;	/* the relay's counts at exit */
	char error[320];			/* FAILED: why; READY: a warning */
};

int sd_worker_main(void *arg);

#endif
