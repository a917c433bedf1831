/*
 * NAME
 *   smtp_bench.h - what "signet-bench smtp-sink" and "signet-bench
 *                  smtp-load" share: addresses, sockets, the envelope of
 *                  a message, the end-of-run signals
 *
 * SUMMARY
 *   smtp_net.c:
 *     smtp_parse_hostport  "HOST:PORT" or "[V6]:PORT" (numeric addresses
 *                          only, port 0..65535) into a socket address
 *     smtp_format_addr     a socket address as "HOST:PORT" / "[V6]:PORT"
 *     smtp_listen_on       a non-blocking listening socket (SO_REUSEADDR)
 *     smtp_connect_start   a non-blocking connect (EINPROGRESS is success;
 *                          the caller waits for EPOLLOUT, then
 *                          smtp_connect_result says how it went)
 *     smtp_raise_nofile    the soft RLIMIT_NOFILE raised to the hard limit
 *     smtp_stop_signals    SIGINT and SIGTERM blocked and delivered through
 *                          a signalfd (for the epoll loop); SIGPIPE ignored
 *     smtp_parse_count     a decimal number in [min, max] (digits only)
 *     smtp_write_ready     a ready file: text written to PATH.tmp, renamed
 *                          to PATH (a reader never sees half of it)
 *   smtp_paths.c (pure, no I/O):
 *     smtp_envelope_of     MAIL FROM from the message's From field and
 *                          RCPT TO from its To and Cc fields: the address
 *                          in angle brackets, or the bare address, of each
 *                          comma-separated entry (quoted strings and
 *                          comments skipped), each checked with the
 *                          project's RFC 5321 path parser. Only the header
 *                          section is read; a field value (unfolded) may
 *                          be at most SMTP_FIELD_MAX octets.
 *
 * UNTRUSTED INPUT
 *   Command-line addresses (smtp_parse_hostport); messages of a corpus
 *   folder (smtp_envelope_of: bounded field length, at most max_rcpt
 *   recipients, every address through sg_smtp_path_parse).
 */
#ifndef SIGNET_BENCH_SMTP_BENCH_H
#define SIGNET_BENCH_SMTP_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "smtp_envelope.h"

#define SMTP_FIELD_MAX 8192
#define SMTP_ADDR_TEXT_MAX 64	/* "[v6]:port" with room to spare */
#define SMTP_WHY_MAX 256

struct smtp_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

bool smtp_parse_hostport(const char *text, struct smtp_addr *out, char *why, size_t cap);
void smtp_format_addr(const struct sockaddr *sa, char *out, size_t cap);
/* The listening socket, or -1 with why filled. */
int smtp_listen_on(const struct smtp_addr *addr, int backlog, char *why, size_t cap);
/* A socket with its connect started, or -1 with why filled. */
int smtp_connect_start(const struct smtp_addr *addr, char *why, size_t cap);
/* 0 when connected, else the errno of the failed connect. */
int smtp_connect_result(int fd);
/* The soft limit after raising it (to the hard limit). */
unsigned long smtp_raise_nofile(void);
/* A signalfd for SIGINT and SIGTERM (both blocked), or -1. */
int smtp_stop_signals(void);
bool smtp_parse_count(const char *text, unsigned long min, unsigned long max,
		      unsigned long *out);
/* false with errno set when the file cannot be written. */
bool smtp_write_ready(const char *path, const char *text);

/*
 * Fills env (initialised by the caller with sg_smtp_envelope_init) from
 * the header section of msg; false with the reason in why.
 */
bool smtp_envelope_of(const char *msg, size_t len, struct sg_smtp_envelope *env, char *why,
		      size_t cap);

#endif
