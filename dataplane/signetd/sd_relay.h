/*
 * NAME
 *   sd_relay.h - the SMTP signing relay front-end on one worker: clients
 *                in, signed messages out to the next hop, one io_uring
 *
 * SUMMARY
 *   sd_relay_worker_new (on the worker's own thread) opens the worker's
 *   listening socket - every worker binds its own socket to the same
 *   esmtp_listener address with SO_REUSEPORT, so the kernel spreads new
 *   connections over the workers and no accept is shared - and its
 *   io_uring. sd_relay_worker_step runs one round; sd_relay_worker_run
 *   steps until the mode says stop and the work is done.
 *
 *   Per client connection: one sg_smtp_server machine (smtp_server.h),
 *   relay flag = the client's address is in relay_hosts (sd_net.h),
 *   SG_SMTP_SERVER_BUSY when the worker's or the process's connection
 *   limit is reached (421, then close). A complete message goes to the
 *   signer (facts: can_relay from the relay flag, auth_user from AUTH);
 *   its completion is relayed to the next hop through the worker's pool
 *   of persistent sg_smtp_client connections (sd_pool.h, pipelining),
 *   the signature fields first, then the message, both written from where
 *   they are (sendmsg with iovecs, no copy). Only the next hop's
 *   acceptance gives the client 250 (text: the next hop's reply, which
 *   carries its queue id). Replies to the message:
 *     250 2.0.0  next hop accepted (signed, or unsigned: no key/condition)
 *     451 4.4.1  next hop unreachable (connect failed, no greeting)
 *     451 4.4.2  connection to the next hop lost during the transaction
 *     451 4.4.0  next hop answered 4xx (its reply in the text)
 *     5xx        next hop's permanent refusal, passed through
 *     451 4.7.0  signing failed (DP_FAILED, temporary), or no key with
 *                no_key_action = tempfail (tempfail_no_key below)
 *     554 5.6.0  DP_FAILED with permanent set: the message itself cannot
 *                be signed
 *     451 4.3.0  the signer is full (DP_SIGNER_MAX_PENDING)
 *   Nothing is queued beyond each client's message in flight: a message
 *   that finds no free next-hop connection waits for one while its client
 *   waits for the reply.
 *   Deadlines (sd_limits.h) are checked on a tick; next-hop waits use
 *   sg_smtp_client_timeout. The signer's batch is flushed whenever the
 *   completion queue has nothing more ready, and by its deadline.
 *   Out of descriptors (EMFILE), clients waiting in the listen backlog
 *   get 421 4.3.2 and are closed through an io_uring fixed file of the
 *   worker's ring, which needs no descriptor of the process (Linux 5.19:
 *   sd_relay_worker_new fails without direct descriptors).
 *   Stop (mode not SD_MODE_RUN): the listener closes, sessions not in
 *   MESSAGE get 421 4.3.2, messages in flight are finished (their reply,
 *   then 421), idle next-hop connections QUIT; step returns false once no
 *   connection is left.
 *
 * UNTRUSTED INPUT
 *   Client bytes (the server machine), next-hop replies (the client
 *   machine), both with their own limits; client receives take one of the
 *   worker's SD_RECV_BUFS buffers of SD_RELAY_RECV_CHUNK octets while
 *   their bytes are fed, next-hop connections have SD_RELAY_RECV_BUF
 *   octets each for replies.
 */
#ifndef SIGNET_SIGNETD_SD_RELAY_H
#define SIGNET_SIGNETD_SD_RELAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "sd_limits.h"
#include "sd_net.h"
#include "sd_spool.h"
#include "smtp_client.h"
#include "smtp_server.h"
#include "status.h"

#define SD_RELAY_RECV_BUF 4096		/* a next-hop connection's replies */
/* A client receive buffer (SD_RECV_BUFS of them per worker, shared by its
 * connections). 16 and 64 KiB took a 33 KB message in fewer receives but
 * gave the same signetd CPU per message as 4 KiB (relay bench, 10,000
 * messages, alternating runs) and 3.7 MB more RSS with 2 workers. */
#define SD_RELAY_RECV_CHUNK 4096
#define SD_RELAY_POOL_DEFAULT 32
#define SD_RELAY_HOP_IDLE_MS 30000u	/* idle next-hop connections QUIT after */

struct sd_relay_counts {
	uint64_t connections;		/* accepted */
	uint64_t busy;			/* greeted with 421 (limit) */
	uint64_t messages;		/* complete messages received */
	uint64_t relayed_signed;
	uint64_t relayed_unsigned;
	uint64_t tempfailed;		/* 451 to the client */
	uint64_t permfailed;		/* next hop's 5xx passed through */
	uint64_t nobuf;			/* receives retried: no free buffer */
};

typedef void (*sd_relay_log_fn)(void *ctx, const char *line);

struct sd_relay_params {
	unsigned worker;
	struct sockaddr_storage listen;
	socklen_t listen_len;
	struct sockaddr_storage next_hop;
	socklen_t next_hop_len;
	const struct sd_netlist *relay_hosts;
	const struct sg_smtp_server_config *server;	/* outlives the worker */
	const struct sg_smtp_client_config *client;
	unsigned max_conns;			/* this worker's limit (>= 1) */
	unsigned max_conns_total;		/* the process's (0: none) */
	_Atomic unsigned *conns_total;		/* shared count, or NULL */
	unsigned pool_max;			/* next-hop connections (>= 1) */
	unsigned recv_bufs;			/* receive buffers, a power of two;
						   0: SD_RECV_BUFS (256) */
	struct sd_conn_limits limits;
	bool tempfail_no_key;			/* no key: 451 instead of unsigned */
	struct sd_signer_port signer;
	const _Atomic int *mode;		/* enum sd_mode */
	sd_relay_log_fn log;			/* NULL: stderr */
	void *log_ctx;
	_Atomic unsigned *set_up;		/* workers set up so far, shared by
						   sd_relay_worker_main; NULL: none */
	unsigned workers;			/* how many share set_up */
};

struct sd_relay_worker;

SG_MUST_CHECK enum sg_err sd_relay_worker_new(const struct sd_relay_params *p,
					      struct sd_relay_worker **out,
					      struct sg_error *err);
/* One round: submit I/O, wait at most wait_us, handle completions, poll
 * the signer, check deadlines. False once stopped and idle. */
bool sd_relay_worker_step(struct sd_relay_worker *w, unsigned wait_us);
void sd_relay_worker_run(struct sd_relay_worker *w);
/* The port the listener is bound to (useful with port 0 in tests). */
unsigned sd_relay_worker_port(const struct sd_relay_worker *w);
const struct sd_relay_counts *sd_relay_worker_counts(const struct sd_relay_worker *w);
/* Client connections open now. */
unsigned sd_relay_worker_connections(const struct sd_relay_worker *w);
void sd_relay_worker_free(struct sd_relay_worker *w);

#endif
