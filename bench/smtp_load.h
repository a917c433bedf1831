/*
 * NAME
 *   smtp_load.h - the inside of "signet-bench smtp-load", shared by
 *                 smtp_load.c (options, corpus, summary, progress) and
 *                 smtp_load_conn.c (the connections)
 *
 * SUMMARY
 *   One thread, one epoll set, level-triggered. Each connection is driven
 *   by the project's ESMTP client machine (smtp_client.h): EHLO once, then
 *   one message after another, each envelope pipelined when the server
 *   offers PIPELINING, the text written straight from the corpus (the
 *   machine dot-stuffs through iovecs). Message k of the run is corpus
 *   message k mod count, with the envelope derived once per corpus message
 *   (smtp_envelope_of) and the text checked once (sg_smtp_text_check: the
 *   sends make no pass over it; a message that fails the check is sent
 *   with sg_smtp_client_send, which refuses it and says why). A connection that ends (closed by the server,
 *   refused, timed out) is replaced while messages remain; every
 *   connection attempt carries a message (a temporary failure when it
 *   fails), and after LOAD_GIVE_UP_AFTER(connections) attempts in a row
 *   that never got past EHLO no new connection is made: a server that is
 *   down ends the run with the rest unsent instead of a retry loop. Idle mode (--idle N): N connections, EHLO only, held
 *   open until a signal.
 *
 *   A wait for the server (connect, greeting, a reply, a blocked write)
 *   longer than `timeout` seconds aborts the connection (temporary
 *   failure "no reply within S s").
 *
 * UNTRUSTED INPUT
 *   Server replies, through sg_smtp_client_feed (bounded reply parser).
 */
#ifndef SIGNET_BENCH_SMTP_LOAD_H
#define SIGNET_BENCH_SMTP_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_bench.h"
#include "smtp_client.h"

#define LOAD_READ_BYTES (64u << 10)
#define LOAD_IOV_MAX 64
#define LOAD_GIVE_UP_AFTER(conns) ((conns) < 10 ? 10 : (conns))

struct load_text {
	struct sg_smtp_text t;
	bool checked;			/* t holds the message, checked clean */
};

struct load_conn {
	int fd;				/* -1: not open */
	struct sg_smtp_client *client;
	bool connecting;
	bool busy;			/* a message is in progress */
	bool ready_seen;		/* reached READY (past EHLO) once */
	uint32_t events;
	double deadline;		/* 0: not waiting for the server */
};

struct load {
	struct smtp_addr to;
	struct sg_smtp_client_config cfg;
	int epfd;
	double timeout;
	/* the corpus and its envelopes */
	size_t count;
	char **msgs;
	size_t *lens;
	struct sg_smtp_envelope *envs;
	struct load_text *texts;
	/* the run */
	uint64_t messages;		/* to send (0 in idle mode) */
	uint64_t next, done, accepted, tempfailed, permfailed;
	bool idle;
	uint64_t ready, failed;		/* idle mode: connections */
	uint64_t failed_in_row;		/* connections retired before READY */
	bool gave_up;			/* too many of them: no more connects */
	struct load_conn *conns;
	size_t nconns, open;
	char *rbuf;
	double start, end;
	double cpu_start, cpu_end;	/* process CPU seconds (getrusage) */
	char first_tempfail[SG_SMTP_CLIENT_TEXT_MAX + 64];
	char first_permfail[SG_SMTP_CLIENT_TEXT_MAX + 64];
};

/* Opens connection i (a new socket, a new machine, its first message);
 * a connection that fails at once is retired before this returns. */
void load_conn_open(struct load *l, size_t i);
/* Handles epoll events of connection i (events 0: a deadline check). */
void load_conn_event(struct load *l, size_t i, uint32_t events);
/* Aborts the connections past their deadline. */
void load_conn_expire(struct load *l, double now);
/* QUIT where idle, best-effort write, close every connection. */
void load_conn_close_all(struct load *l);

#endif
