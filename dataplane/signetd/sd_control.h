/*
 * NAME
 *   sd_control.h - the control thread's work with signet-controld: key
 *                  wants out, key material in, worker statistics pushed
 *
 * SUMMARY
 *   Glue between sd_ctl (the connection), dp_keys (the key view) and the
 *   workers' dp_worker_stats:
 *     - when the connection is up, wants taken from dp_keys
 *       (dp_keys_take_wants: first asks and TTL refreshes) go out as
 *       KEY_REQUEST; KEY_MATERIAL answers are installed (dp_keys_install),
 *       ERROR answers recorded as temporary failures
 *       (dp_keys_install_error); after a lost connection dp_keys_reask
 *       gives the unanswered wants out again;
 *     - every SD_STATS_PERIOD_MS, and by sd_control_final_push at exit,
 *       each worker's changed rows go out as STATS_PUSH
 *       (dp_stats_push_build); RESULT commits them
 *       (dp_stats_push_commit), anything else leaves them for the next
 *       push. One push per worker is in flight at a time.
 *   The control thread's loop adds sd_control_pollfds to its poll set,
 *   sleeps at most sd_control_timeout_ms and calls sd_control_run after
 *   every poll. Connection changes and refused answers are reported
 *   through the log hook.
 *
 * UNTRUSTED INPUT
 *   controld's answers (typed getters; key material parsed by dp_keys).
 */
#ifndef SIGNET_SIGNETD_SD_CONTROL_H
#define SIGNET_SIGNETD_SD_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include "status.h"

#define SD_STATS_PERIOD_MS 1000
#define SD_CONTROL_FDS 2

struct dp_keys;
struct dp_worker_stats;
struct sd_control;

struct sd_control_log {
	void (*log)(void *env, const char *msg);
	void *env;
};

SG_MUST_CHECK enum sg_err sd_control_new(const char *socket_path, struct dp_keys *keys,
					 struct dp_worker_stats *const *stats, unsigned nworkers,
					 const struct sd_control_log *log,
					 struct sd_control **out, struct sg_error *err);
void sd_control_free(struct sd_control *c);
/* Fills up to SD_CONTROL_FDS entries; returns how many. */
size_t sd_control_pollfds(const struct sd_control *c, uint64_t now_ms, struct pollfd *pfd);
int sd_control_timeout_ms(const struct sd_control *c, uint64_t now_ms);
/* pfd/n: the entries sd_control_pollfds filled, with revents. */
void sd_control_run(struct sd_control *c, const struct pollfd *pfd, size_t n, uint64_t now_ms);
/* Pushes what changed and waits up to timeout_ms for the answers. */
void sd_control_final_push(struct sd_control *c, int timeout_ms);
bool sd_control_connected(const struct sd_control *c);

#endif
