/*
 * NAME
 *   sd_relay_app.h - signetd in SMTP relay mode: what the control thread
 *                    sets up for the relay workers, its loop and summary
 *
 * SUMMARY
 *   Relay mode: signetd -c CONF without --spool when CONF has an
 *   esmtp_listener block. sd_relay_setup_new reads esmtp_listener (listen,
 *   relay_hosts, next_hop, max_message_size, max_connections: each worker
 *   takes its share (max_connections / workers, rounded up) and a quarter
 *   more (the kernel's SO_REUSEPORT spread is uneven), at most
 *   max_connections, and the process as a whole max_connections, through
 *   one shared counter; idle_timeout,
 *   min_data_rate, no_key_action; auth_file: AUTH PLAIN offered, checked
 *   against the file by sd_auth.h) and fills one struct
 *   sd_relay_params per worker (the signer port is the worker's own,
 *   filled in on its thread). Each worker opens its own listening socket
 *   on the same address with SO_REUSEPORT (sd_relay.h); since another
 *   process of the same user could join such a group, setup first binds
 *   the address without SO_REUSEPORT and refuses to start when anybody
 *   listens there. A worker that cannot open its listener reports it
 *   before the loop.
 *   sd_relay_fds_needed is how many descriptors relay mode may want at
 *   its fullest: every client up to max_connections plus each worker's
 *   slack for 421 greetings, next-hop pool and ring, plus a margin
 *   for the rest of the process. sd_relay_app_loop first logs a warning
 *   when RLIMIT_NOFILE is lower (the EAL has already raised the soft
 *   limit to the hard one); past it, workers turn clients away with 421.
 *   sd_relay_app_loop is the control thread's loop: signals (SIGTERM or
 *   SIGINT: the workers stop accepting, finish the messages in flight and
 *   421 the other sessions; a second one: exit 1 at once) and the control
 *   connection (keys, stats) until every worker is done.
 *   sd_relay_app_report logs the sum of the workers' counts.
 */
#ifndef SIGNET_SIGNETD_SD_RELAY_APP_H
#define SIGNET_SIGNETD_SD_RELAY_APP_H

#include <stdatomic.h>
#include "sd_relay.h"
#include "status.h"

struct sg_config;
struct sd_app;

struct sd_auth;

struct sd_relay_setup {
	struct sd_netlist relay_hosts;
	struct sd_auth *auth;			/* auth_file, or NULL */
	struct sg_smtp_server_config server;
	struct sg_smtp_client_config client;
	char hostname[256];
	_Atomic unsigned conns_total;
	_Atomic unsigned set_up;		/* workers opened (the start gate) */
	unsigned nworkers;
	struct sd_relay_params *params;		/* one per worker */
	struct sd_relay_counts *counts;		/* one per worker, at exit */
};

SG_MUST_CHECK enum sg_err sd_relay_setup_new(const struct sg_config *conf, unsigned nworkers,
					     const _Atomic int *mode,
					     struct sd_relay_setup **out, struct sg_error *err);
void sd_relay_setup_free(struct sd_relay_setup *s);
uint64_t sd_relay_fds_needed(const struct sd_relay_setup *s);

/* On the worker's thread: opens the relay worker with its signer and
 * publishes *ready (1) or fails (error filled, -1 returned); then, once
 * every worker has opened its own (or the mode says stop), runs it until
 * stopped and stores its counts. Until then clients wait in the listen
 * backlog: a worker that accepted early could take every descriptor the
 * process may have while another still needs some to start. */
int sd_relay_worker_main(const struct sd_relay_params *params, struct sd_signer_port signer,
			 struct sd_relay_counts *counts_out, void (*ready)(void *ctx),
			 void *ready_ctx, char *error, size_t cap);

void sd_relay_app_loop(struct sd_app *a, struct sd_relay_setup *s);
void sd_relay_app_report(struct sd_app *a, const struct sd_relay_setup *s);

#endif
