/*
 * NAME
 *   sd_ctl.h - signetd's connection to signet-controld: a non-blocking
 *              client of the control socket for the control thread's
 *              poll loop
 *
 * SUMMARY
 *   sd_ctl_new(path, name, &hooks, &c) prepares a client; nothing is
 *   connected until sd_ctl_run. The control thread's loop:
 *     sd_ctl_pollfd(c, now_ms, &pfd)    descriptor and events to poll (fd
 *                                       -1 while waiting to reconnect)
 *     sd_ctl_timeout_ms(c, now_ms)      longest sleep (-1: none needed)
 *     sd_ctl_run(c, revents, now_ms)    connect / reconnect, send what is
 *                                       queued, read and dispatch answers
 *   The session: connect (SOCK_STREAM, Unix), HELLO {u version, s name}
 *   sent, HELLO answer awaited (hooks->connected runs then); afterwards
 *   sd_ctl_send(c, w, token) queues a request (w is finished here and
 *   freed) and remembers token; every answer (one per request, in order,
 *   as controld's session.c gives them) goes to hooks->answer with the
 *   token of its request and the opened message (ERROR, RESULT,
 *   KEY_MATERIAL). A lost connection (EOF, error, a bad frame, an answer
 *   overdue by SD_CTL_ANSWER_MS, an ERROR to HELLO) calls
 *   hooks->disconnected with the reason: the tokens of unanswered requests
 *   are forgotten (the caller asks again), and reconnecting starts after a
 *   backoff of 100 ms doubling to SD_CTL_BACKOFF_MAX_MS, back to 100 ms
 *   after a successful HELLO. A failed connect is reported the same way,
 *   but only the first of a row (no log line every backoff).
 *   Times are the caller's CLOCK_MONOTONIC milliseconds (now_ms); requests
 *   are stamped with the time of the last sd_ctl_run.
 *   At most SD_CTL_INFLIGHT requests wait for answers and SD_CTL_OUT_MAX
 *   bytes for the socket: sd_ctl_send returns false when either is full or
 *   the session is not ready (the caller tries again later).
 *   Received key material is wiped from the input buffer after dispatch.
 *
 * UNTRUSTED INPUT
 *   Everything read from the socket: frame lengths through
 *   sg_wire_frame_len, the header through sg_wire_open; the fields are the
 *   hooks' to check (typed getters).
 */
#ifndef SIGNET_SIGNETD_SD_CTL_H
#define SIGNET_SIGNETD_SD_CTL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include "proto.h"
#include "status.h"

#define SD_CTL_INFLIGHT 1024
#define SD_CTL_OUT_MAX (4 * 1024 * 1024)
#define SD_CTL_ANSWER_MS 10000
#define SD_CTL_BACKOFF_MIN_MS 100
#define SD_CTL_BACKOFF_MAX_MS 5000

struct sd_ctl;

struct sd_ctl_hooks {
	void (*connected)(void *env, const char *server);
	void (*disconnected)(void *env, const char *why);
	void (*answer)(void *env, uint64_t token, struct sg_wire_in *r);
	void *env;
};

SG_MUST_CHECK enum sg_err sd_ctl_new(const char *path, const char *name,
				     const struct sd_ctl_hooks *hooks, struct sd_ctl **out,
				     struct sg_error *err);
void sd_ctl_free(struct sd_ctl *c);
bool sd_ctl_ready(const struct sd_ctl *c);
bool sd_ctl_pollfd(const struct sd_ctl *c, uint64_t now_ms, struct pollfd *pfd);
int sd_ctl_timeout_ms(const struct sd_ctl *c, uint64_t now_ms);
void sd_ctl_run(struct sd_ctl *c, short revents, uint64_t now_ms);
bool sd_ctl_send(struct sd_ctl *c, struct sg_wire_out *w, uint64_t token);
/* Requests sent and not answered yet. */
size_t sd_ctl_inflight(const struct sd_ctl *c);
/* Sends what is queued and dispatches the answers within timeout_ms (the
 * last stats push at exit); true when every request was answered. */
bool sd_ctl_drain(struct sd_ctl *c, int timeout_ms);

#endif
