/*
 * NAME
 *   sd_relay_int.h - the inside of the relay worker, shared by sd_relay.c
 *                    (ring, accept, loop, stop), sd_relay_conn.c (client
 *                    connections) and sd_relay_hop.c (next-hop
 *                    connections)
 *
 * SUMMARY
 *   Every io_uring request carries a pointer to a struct sd_op embedded in
 *   its owner as user_data. A connection is freed only when it is closed
 *   and nothing refers to it any more: no request in flight, no message
 *   at the signer, no next-hop connection or pool wait holding it.
 *   Client receives take a buffer from the worker's provided-buffer ring
 *   (sd_bufring.h) only when data arrives, so an idle connection holds
 *   none; the machine is fed from it at once and what it leaves (a
 *   pipelined command behind a message in flight) is copied to the
 *   connection's own memory before the buffer goes back.
 *   Buffers handed to the kernel stay untouched until their completion:
 *   replies to a client are copied out of the server machine into a
 *   buffer of the send (so the machine may go on); next-hop replies that
 *   arrive while a writev is in flight are kept unread until it
 *   completes (the writev points into the client machine). A signer
 *   completion belongs to its connection from the poll on (released when
 *   the message ends).
 */
#ifndef SIGNET_SIGNETD_SD_RELAY_INT_H
#define SIGNET_SIGNETD_SD_RELAY_INT_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"
#include "dp_signer.h"
#include "sd_bufring.h"
#include "sd_limits.h"
#include "sd_pool.h"
#include "sd_relay.h"
#include "smtp_client.h"
#include "smtp_envelope.h"
#include "smtp_server.h"

#define SD_HOP_IOV_MAX 64
#define SD_SEND_CHUNK 65536		/* most reply octets copied per send */
#define SD_RECV_BUFS 256		/* provided receive buffers per worker */
#define SD_RECV_BGID 1

enum sd_op_kind {
	SD_OP_ACCEPT,
	SD_OP_CONN_RECV,
	SD_OP_CONN_SEND,
	SD_OP_HOP_CONNECT,
	SD_OP_HOP_RECV,
	SD_OP_HOP_SEND,
	SD_OP_SHED,			/* turning a client away (sd_relay.c) */
	SD_OP_IGNORE,			/* cancellations: nothing to do */
};

struct sd_op {
	enum sd_op_kind kind;
	void *owner;
};

struct sd_relay_worker;
struct sd_hop;

/* Out of descriptors, clients waiting in the backlog are turned away
 * through the ring's fixed file (sd_relay.c): one linked chain at a
 * time, accept into it, 421, close it. */
struct sd_shed {
	struct sd_op op_accept, op_rest;
	unsigned due;			/* completions of the chain to come */
	int accepted;			/* the chain's accept result */
	unsigned round;			/* turned away since the failed accept */
	bool dontwait;			/* IORING_ACCEPT_DONTWAIT is known */
	bool error_logged;
	uint64_t total;			/* clients turned away so (logged) */
};

struct sd_conn {
	struct sd_relay_worker *w;
	struct sd_conn *prev, *next;	/* the worker's list */
	struct sd_op op_recv, op_send;
	int fd;
	struct sg_smtp_server *srv;
	bool relay_client, counted_total;
	bool recv_busy, send_busy, eof, closed, shut;
	bool in_recv;			/* its receive completion is being handled */
	bool nobuf;			/* receive found no free buffer: again */
	bool signing, waiting, busy_greeting;
	char *rbuf;			/* bytes not fed yet: a ring buffer while
					   the receive is handled, then own */
	char *own;			/* a copy of what the machine left, or NULL */
	size_t roff, rlen;
	char *sbuf;			/* reply bytes in flight */
	size_t slen, soff;
	uint64_t send_since_ms;		/* the send in flight started */
	struct sd_conn_timer timer;
	/* the message in flight */
	struct sg_buf msg;		/* the message as received */
	size_t first_dot;		/* its first line-start '.' (or len) */
	struct dp_done done;		/* the signer's completion, kept until
					   the message ends: its fields are sent
					   in front of msg without a copy */
	bool have_done;
	struct sg_smtp_envelope env;
	char auth_user[SG_SMTP_AUTH_FIELD_MAX + 1];
	bool signed_msg;
	bool retried;			/* sent again on a new connection once */
	struct sd_hop *hop;
	char peer[64];
};

struct sd_hop {
	struct sd_relay_worker *w;
	struct sd_hop *prev, *next;
	struct sd_op op_connect, op_recv, op_send;
	int fd;
	struct sg_smtp_client *cli;
	bool connecting, connected, recv_busy, send_busy, shut, closed, ever_ready;
	bool gone;			/* EOF/error seen; abort once no send is busy */
	bool text_sent;			/* this message got 354: never send it again */
	unsigned messages;		/* results this connection gave */
	char why[128];
	char rbuf[SD_RELAY_RECV_BUF];
	size_t rlen;
	struct iovec iov[SD_HOP_IOV_MAX];
	struct msghdr mh;
	struct sd_conn *conn;		/* whose message it carries */
	uint64_t deadline_ms;		/* 0: none */
};

struct sd_relay_worker {
	struct sd_relay_params p;
	struct io_uring ring;
	bool ring_ok;
	int listen_fd;
	unsigned port;
	struct sd_op op_accept, op_ignore;
	bool accept_armed;
	uint64_t accept_retry_ms;	/* after a failed accept: not before */
	uint64_t accept_failures;	/* in a row (logged: the first) */
	struct sd_shed shed;
	struct sd_pool *pool;
	struct sd_bufring *bufs;	/* client receives (hops have their own) */
	unsigned nobuf;			/* connections waiting for a buffer */
	struct sd_conn *conns;
	unsigned nconns;
	struct sd_hop *hops;
	unsigned nhops;
	struct sd_relay_counts counts;
	bool stopping;
	uint64_t now_ms, last_tick_ms;
};

/* sd_relay.c */
struct io_uring_sqe *sd_relay_sqe(struct sd_relay_worker *w);
/* TCP_NODELAY: the relay writes whole replies and whole pipelined groups
 * itself; Nagle would hold a last small segment for the peer's delayed
 * ACK (tens of milliseconds per message). */
void sd_relay_nodelay(int fd);
/* CLOCK_MONOTONIC in milliseconds and in microseconds. */
uint64_t sd_relay_now_ms(void);
uint64_t sd_relay_now_us(void);
void sd_relay_log(struct sd_relay_worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* sd_relay_conn.c */
void sd_conn_accepted(struct sd_relay_worker *w, int fd);
void sd_conn_on_recv(struct sd_conn *c, const struct io_uring_cqe *cqe);
/* Receives again for connections whose receive found no free buffer. */
void sd_conn_retry_nobuf(struct sd_relay_worker *w);
void sd_conn_on_send(struct sd_conn *c, int res);
/* Takes over done (released when the message ends). */
void sd_conn_on_signed(struct sd_conn *c, const struct dp_done *done);
/* The next hop's outcome; reached: the connection to it had worked. */
void sd_conn_on_relayed(struct sd_conn *c, const struct sg_smtp_client_result *r,
			bool reached);
void sd_conn_tick(struct sd_conn *c, uint64_t now);
void sd_conn_pump(struct sd_conn *c);

/* sd_relay_hop.c */
/* Starts relaying c's message (idle connection, new one, or wait). */
void sd_hop_relay(struct sd_relay_worker *w, struct sd_conn *c);
void sd_hop_on_connect(struct sd_hop *h, int res);
void sd_hop_on_recv(struct sd_hop *h, int res);
void sd_hop_on_send(struct sd_hop *h, int res);
void sd_hop_tick(struct sd_relay_worker *w, uint64_t now);
void sd_hop_stop_idle(struct sd_relay_worker *w);

#endif
