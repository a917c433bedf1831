/*
 * NAME
 *   smtp_sink.h - the inside of "signet-bench smtp-sink", shared by
 *                 smtp_sink.c (options, event loop, summary) and
 *                 smtp_sink_conn.c (one client connection)
 *
 * SUMMARY
 *   One thread, one epoll set, level-triggered. Every client connection
 *   is driven by the project's ESMTP server machine (smtp_server.h) with
 *   the relay flag set, so every recipient is accepted; each complete
 *   message gets 250 (or the --refuse code) and is counted, and the first
 *   keep_count are written to keep_dir. A connection that makes no
 *   progress (nothing read from it, nothing written to it) for `timeout`
 *   seconds gets 421 4.4.2 and is closed.
 *
 * UNTRUSTED INPUT
 *   Everything clients send, through sg_smtp_server_feed (its limits:
 *   command lines, message size, recipients, errors). Input the machine
 *   cannot take yet (its reply queue is full) is kept per connection and
 *   reading stops until the replies are written.
 */
#ifndef SIGNET_BENCH_SMTP_SINK_H
#define SIGNET_BENCH_SMTP_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_server.h"

#define SINK_READ_BYTES (256u << 10)

struct sink_conn {
	int fd;
	struct sg_smtp_server *server;
	char *pending;			/* input not yet fed (reply queue full) */
	size_t pending_len;
	double deadline;		/* closed with 421 when reached */
	uint32_t events;		/* epoll interest now */
	struct sink_conn *prev, *next;
};

struct sink {
	struct sg_smtp_server_config cfg;
	int epfd;
	const char *keep_dir;
	unsigned long keep_count, kept;
	unsigned refuse_code;		/* 0: accept everything */
	double timeout;
	uint64_t messages, bytes, refused, connections, open;
	double first, last;		/* first connection, last message */
	struct sink_conn *conns;	/* open connections */
	char *rbuf;			/* SINK_READ_BYTES, shared by all */
	bool accept_paused;		/* out of descriptors: listener off */
};

/* A new connection on an accepted socket (greeting sent); false when it
 * could not be set up (the socket is closed then). */
bool sink_conn_open(struct sink *k, int fd);
/* Handles epoll events of c; c may be freed. */
void sink_conn_event(struct sink *k, struct sink_conn *c, uint32_t events);
/* 421 and close for every connection past its deadline. */
void sink_conn_expire(struct sink *k, double now);
void sink_conn_close(struct sink *k, struct sink_conn *c);

#endif
