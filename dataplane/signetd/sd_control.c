/*
 * NAME
 *   sd_control.c - key requests and statistics pushes over the control
 *                  connection (see sd_control.h)
 *
 * SUMMARY
 *   Tokens of sd_ctl requests: TOKEN_KEY | sequence for a KEY_REQUEST
 *   (its want waits in a FIFO in the same order as sd_ctl's, so an ERROR
 *   answer, which names no domain, is matched to its want), TOKEN_STATS |
 *   worker for a STATS_PUSH.
 *
 * UNTRUSTED INPUT
 *   Answers from signet-controld.
 */

/* System library. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Dataplane core and control protocol. */
#include "dp_keys.h"
#include "dp_stats.h"
#include "proto.h"

/* signetd. */
#include "sd_control.h"
#include "sd_ctl.h"

#define TOKEN_KEY (1ull << 56)
#define TOKEN_STATS (2ull << 56)
#define TOKEN_TYPE (0xffull << 56)
#define WANT_BATCH 64

struct sd_control {
	struct sd_ctl *ctl;
	struct dp_keys *keys;
	unsigned nworkers;
	struct dp_stats_push **push;
	bool *push_inflight;
	uint64_t next_push_ms;
	struct dp_key_want wants[SD_CTL_INFLIGHT];	/* FIFO of asked wants */
	size_t w_head, w_count;
	uint64_t key_seq;
	struct sd_control_log log;
};

static void say(struct sd_control *c, const char *fmt, ...) SG_PRINTF(2, 3);
static void say(struct sd_control *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->log.log)
		c->log.log(c->log.env, msg);
}

static void on_connected(void *env, const char *server)
{
	struct sd_control *c = env;

	say(c, "connected to %s", server);
}

static void on_disconnected(void *env, const char *why)
{
	struct sd_control *c = env;

	say(c, "control connection down: %s (reconnecting)", why);
	c->w_head = c->w_count = 0;
	dp_keys_reask(c->keys);
	for (unsigned i = 0; i < c->nworkers; i++)
		c->push_inflight[i] = false;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void key_answer(struct sd_control *c, struct sg_wire_in *r)
{
	struct dp_key_want *want = &c->wants[c->w_head];
	struct dp_key_answer_buf buf;
	struct dp_key_answer a;
	struct sg_error err;
	char msg[512] = "";

	c->w_head = (c->w_head + 1) % SD_CTL_INFLIGHT;
	c->w_count--;
	sg_error_clear(&err);
	if (r->type == SG_MSG_KEY_MATERIAL) {
		if (dp_keys_answer_decode(r, &a, &buf, &err) != SG_OK ||
		    dp_keys_install(c->keys, &a, now_ms(), &err) != SG_OK)
			say(c, "key material for %s refused: %s", want->domain, err.msg);
		return;
	}
	if (r->type == SG_MSG_ERROR)
		(void)sg_wire_get_str(r, msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "unexpected answer type %d", (int)r->type);
	say(c, "key request for %s: %s", want->domain, msg);
	dp_keys_install_error(c->keys, want->kind, want->domain, msg, now_ms());
}

static void on_answer(void *env, uint64_t token, struct sg_wire_in *r)
{
	struct sd_control *c = env;
	unsigned worker = (unsigned)(token & ~TOKEN_TYPE);
	char msg[512] = "";

	if ((token & TOKEN_TYPE) == TOKEN_KEY) {
		if (c->w_count > 0)
			key_answer(c, r);
		return;
	}
	if ((token & TOKEN_TYPE) != TOKEN_STATS || worker >= c->nworkers)
		return;
	c->push_inflight[worker] = false;
	if (r->type == SG_MSG_RESULT) {
		dp_stats_push_commit(c->push[worker]);
		return;
	}
	if (r->type == SG_MSG_ERROR)
		(void)sg_wire_get_str(r, msg, sizeof(msg));
	say(c, "statistics of worker %u refused: %s", worker, msg);
}

enum sg_err sd_control_new(const char *socket_path, struct dp_keys *keys,
			   struct dp_worker_stats *const *stats, unsigned nworkers,
			   const struct sd_control_log *log, struct sd_control **out,
			   struct sg_error *err)
{
	struct sd_control *c = calloc(1, sizeof(*c));
	struct sd_ctl_hooks hooks = { on_connected, on_disconnected, on_answer, c };
	char name[64];
	enum sg_err rc = SG_OK;

	if (c == NULL || (c->push = calloc(nworkers, sizeof(*c->push))) == NULL ||
	    (c->push_inflight = calloc(nworkers, sizeof(bool))) == NULL) {
		sd_control_free(c);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	c->keys = keys;
	c->nworkers = nworkers;
	if (log)
		c->log = *log;
	for (unsigned i = 0; rc == SG_OK && i < nworkers; i++)
		rc = dp_stats_push_new(stats[i], &c->push[i], err);
	snprintf(name, sizeof(name), "signetd pid %d", (int)getpid());
	if (rc == SG_OK)
		rc = sd_ctl_new(socket_path, name, &hooks, &c->ctl, err);
	if (rc != SG_OK) {
		sd_control_free(c);
		return rc;
	}
	*out = c;
	return SG_OK;
}

void sd_control_free(struct sd_control *c)
{
	if (c == NULL)
		return;
	sd_ctl_free(c->ctl);
	for (unsigned i = 0; c->push && i < c->nworkers; i++)
		dp_stats_push_free(c->push[i]);
	free(c->push);
	free(c->push_inflight);
	free(c);
}

bool sd_control_connected(const struct sd_control *c)
{
	return sd_ctl_ready(c->ctl);
}

size_t sd_control_pollfds(const struct sd_control *c, uint64_t now, struct pollfd *pfd)
{
	size_t n = 0;

	if (sd_ctl_pollfd(c->ctl, now, &pfd[n]))
		n++;
	if (sd_ctl_ready(c->ctl) && dp_keys_want_fd(c->keys) >= 0) {
		pfd[n].fd = dp_keys_want_fd(c->keys);
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

int sd_control_timeout_ms(const struct sd_control *c, uint64_t now)
{
	int t = sd_ctl_timeout_ms(c->ctl, now);
	uint64_t refresh = dp_keys_next_refresh_ms(c->keys);
	int until_push = c->next_push_ms > now ? (int)(c->next_push_ms - now) : 0;

	if (t < 0 || until_push < t)
		t = until_push;
	if (refresh != UINT64_MAX && sd_ctl_ready(c->ctl))
		t = refresh <= now ? 0 : (refresh - now < (uint64_t)t ? (int)(refresh - now) : t);
	return t;
}

static void send_wants(struct sd_control *c, uint64_t now)
{
	struct dp_key_want got[WANT_BATCH];
	size_t room = SD_CTL_INFLIGHT - c->w_count, n;

	while (sd_ctl_ready(c->ctl) && room > 0) {
		n = dp_keys_take_wants(c->keys, now, got, room < WANT_BATCH ? room : WANT_BATCH);
		for (size_t i = 0; i < n; i++) {
			struct sg_wire_out w;

			if (dp_keys_request_encode(&got[i], &w) != SG_OK ||
			    !sd_ctl_send(c->ctl, &w, TOKEN_KEY | (c->key_seq++ & 0xffffffffu))) {
				say(c, "cannot send the key request for %s", got[i].domain);
				dp_keys_install_error(c->keys, got[i].kind, got[i].domain,
						      "key request not sent", now);
				continue;
			}
			c->wants[(c->w_head + c->w_count++) % SD_CTL_INFLIGHT] = got[i];
			room--;
		}
		if (n < WANT_BATCH)
			break;
	}
}

static void push_stats(struct sd_control *c)
{
	struct sg_error err;

	for (unsigned i = 0; sd_ctl_ready(c->ctl) && i < c->nworkers; i++) {
		struct sg_wire_out w;
		size_t entries = 0;

		if (c->push_inflight[i])
			continue;
		sg_error_clear(&err);
		if (dp_stats_push_build(c->push[i], &w, &entries, &err) != SG_OK) {
			say(c, "statistics of worker %u: %s", i, err.msg);
			continue;
		}
		if (entries == 0)
			continue;
		if (sd_ctl_send(c->ctl, &w, TOKEN_STATS | i))
			c->push_inflight[i] = true;
	}
}

static void drain_eventfd(int fd)
{
	uint64_t v;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
		(void)!read(fd, &v, sizeof(v));
}

void sd_control_run(struct sd_control *c, const struct pollfd *pfd, size_t n, uint64_t now)
{
	short ctl_events = 0;

	for (size_t i = 0; i < n; i++) {
		if (pfd[i].fd == dp_keys_want_fd(c->keys) && (pfd[i].revents & POLLIN))
			drain_eventfd(pfd[i].fd);
		else if (pfd[i].revents)
			ctl_events = pfd[i].revents;
	}
	sd_ctl_run(c->ctl, ctl_events, now);
	send_wants(c, now);
	if (now >= c->next_push_ms) {
		push_stats(c);
		c->next_push_ms = now + SD_STATS_PERIOD_MS;
	}
	sd_ctl_run(c->ctl, 0, now);	/* send what was queued */
}

void sd_control_final_push(struct sd_control *c, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	/* Pushes in flight first, then whatever changed since. */
	for (int round = 0; round < 2 && now_ms() < end; round++) {
		push_stats(c);
		sd_ctl_drain(c->ctl, (int)(end - now_ms()));
	}
}
