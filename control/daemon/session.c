/*
 * NAME
 *   session.c - one client connection of signet-controld
 *
 * SUMMARY
 *   A session reads exactly one message at a time: the 8-byte header,
 *   whose length is checked (sg_wire_frame_len) before the body is read,
 *   then the body; nothing is read while an answer is still being sent,
 *   so a client holds at most one message and one answer in memory.
 *   The first message must be HELLO with SG_PROTO_VERSION; then COMMAND
 *   (dispatch.c), KEY_REQUEST and STATS_PUSH are answered in order. A
 *   command answered by a job (dns test, jobs.c) holds the session: it
 *   reads nothing more, and has no idle deadline, until the job's answer
 *   is queued; other sessions are served meanwhile.
 *   A protocol fault (oversized, malformed or unexpected message, wrong
 *   version) is answered with ERROR and the connection is closed once
 *   that is sent; a refused request (permission, unknown command) is
 *   answered with ERROR and the session goes on.
 *   Answers go out through non-blocking sends; what the socket does not
 *   take waits for POLLOUT. Sent answers are wiped (key material).
 *
 * UNTRUSTED INPUT
 *   Every byte from the client. Lengths come from sg_wire_frame_len,
 *   fields from the typed getters of proto.h.
 */

/* System library. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Crypto layer (key material for signetd). */
#include "key.h"

/* Control plane. */
#include "daemon_internal.h"

#define CHUNK 16384
#define PEM_MAX (4 * SG_KEY_FILE_MAX)

struct session *session_new(struct sg_daemon *d, int fd, const struct sg_peer *peer)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->id = ++d->next_id;
	s->fd = fd;
	s->peer = *peer;
	s->state = SESSION_HELLO;
	sg_buf_init(&s->in, SG_WIRE_MAX);
	sg_buf_init(&s->out, 2 * (size_t)SG_WIRE_MAX);
	s->connected_ms = daemon_now_ms();
	s->deadline = s->connected_ms + d->opt.idle_ms;
	return s;
}

void session_free(struct session *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	sg_buf_free(&s->in);
	sg_buf_free(&s->out);	/* zeroes */
	free(s);
}

bool session_wants_write(const struct session *s)
{
	return s->out_off < s->out.len;
}

void session_writable(struct session *s)
{
	while (!s->dead && s->out_off < s->out.len) {
		ssize_t n = send(s->fd, s->out.data + s->out_off, s->out.len - s->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			s->dead = true;
			return;
		}
		s->out_off += (size_t)n;
	}
	if (s->out.len > 0) {
		memset(s->out.data, 0, s->out.len);
		sg_buf_reset(&s->out);
		s->out_off = 0;
	}
	if (s->closing)
		s->dead = true;
}

void session_send(struct session *s, struct sg_wire_out *w)
{
	if (!s->dead && (sg_wire_finish(w) != SG_OK ||
			 sg_buf_append(&s->out, w->buf.data, w->buf.len) != SG_OK))
		s->dead = true;
	sg_wire_out_free(w);
	session_writable(s);
}

void session_send_error(struct session *s, bool then_close, const char *fmt, ...)
{
	struct sg_wire_out w;
	char msg[512];
	size_t bad;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!sg_wire_text_ok(msg, strlen(msg), &bad))
		msg[bad] = '\0';	/* truncation cut a UTF-8 sequence */
	if (then_close)
		s->closing = true;
	sg_wire_begin(&w, SG_MSG_ERROR);
	if (sg_wire_put_str(&w, msg) != SG_OK)
		s->dead = true;
	session_send(s, &w);
}

void session_send_table(struct session *s, const struct sg_table *t)
{
	struct sg_wire_out w;

	sg_wire_begin(&w, SG_MSG_RESULT);
	if (sg_table_encode(t, &w) != SG_OK) {
		sg_wire_out_free(&w);
		session_send_error(s, false, "the answer (%zu rows) does not fit in one message",
				   t->nrows);
		return;
	}
	session_send(s, &w);
}

static void handle_hello(struct sg_daemon *d, struct session *s, struct sg_wire_in *r)
{
	struct sg_wire_out w;
	uint64_t version = 0;

	if (!sg_wire_get_u64(r, &version) || !sg_wire_get_str(r, s->client, sizeof(s->client)) ||
	    !sg_wire_end(r)) {
		session_send_error(s, true, "malformed HELLO: %s", r->why);
		return;
	}
	if (version != SG_PROTO_VERSION) {
		daemon_log(d, "client %s (uid %u, pid %d) speaks protocol version %llu: refused",
			   s->client, (unsigned)s->peer.uid, (int)s->peer.pid,
			   (unsigned long long)version);
		session_send_error(s, true, "protocol version %llu is not supported: "
				   "signet-controld speaks version %d",
				   (unsigned long long)version, SG_PROTO_VERSION);
		return;
	}
	s->state = SESSION_READY;
	s->dataplane = strncmp(s->client, "signetd", 7) == 0;
	sg_wire_begin(&w, SG_MSG_HELLO);
	if (sg_wire_put_u64(&w, SG_PROTO_VERSION) != SG_OK ||
	    sg_wire_put_str(&w, SG_DAEMON_VERSION_NAME " " SG_CONTROLD_VERSION) != SG_OK)
		s->dead = true;
	session_send(s, &w);
}

/* KEY_MATERIAL for an answer (PEM empty for a negative one). */
static void send_key(struct session *s, uint64_t kind, const char *domain,
		     const struct sg_key_answer *a)
{
	struct sg_wire_out w;
	struct sg_buf pem;
	struct sg_error err;
	bool ok;

	sg_buf_init(&pem, PEM_MAX);
	sg_error_clear(&err);
	if (a->key != NULL && sg_privkey_export_pem(a->key, &pem, &err) != SG_OK) {
		sg_buf_free(&pem);
		session_send_error(s, false, "cannot export the key for %s: %s", domain, err.msg);
		return;
	}
	sg_wire_begin(&w, SG_MSG_KEY_MATERIAL);
	ok = sg_wire_put_u64(&w, a->generation) == SG_OK && sg_wire_put_u64(&w, kind) == SG_OK &&
	     sg_wire_put_str(&w, domain) == SG_OK && sg_wire_put_str(&w, a->selector) == SG_OK &&
	     sg_wire_put_bytes(&w, pem.data, pem.len) == SG_OK &&
	     sg_wire_put_str(&w, a->reason) == SG_OK;
	sg_buf_free(&pem);	/* wipes */
	if (!ok) {
		sg_wire_out_free(&w);
		session_send_error(s, false, "cannot encode the key material for %s", domain);
		return;
	}
	session_send(s, &w);
}

static void handle_key_request(struct sg_daemon *d, struct session *s, struct sg_wire_in *r)
{
	char domain[SG_CONF_NAME_MAX + 1], rule[128];
	struct sg_key_answer answer;
	struct sg_error err;
	uint64_t kind = 0;

	if (!sg_wire_get_u64(r, &kind) || !sg_wire_get_str(r, domain, sizeof(domain)) ||
	    !sg_wire_end(r)) {
		session_send_error(s, true, "malformed KEY_REQUEST: %s", r->why);
		return;
	}
	if (!s->peer.admin) {
		daemon_log(d, "key request for %s from uid %u (%s) pid %d refused", domain,
			   (unsigned)s->peer.uid, s->peer.user, (int)s->peer.pid);
		session_send_error(s, false, "permission denied: key material (%s)",
				   daemon_admin_rule(d, rule, sizeof(rule)));
		return;
	}
	if (kind > SG_KIND_DOMAINKEYS) {
		session_send_error(s, false, "unknown signature kind %llu (0 dkim, 1 domainkeys)",
				   (unsigned long long)kind);
		return;
	}
	s->key_requests++;
	memset(&answer, 0, sizeof(answer));
	sg_error_clear(&err);
	if (sg_keys_lookup(d->keys, (enum sg_sigkind)kind, domain, &answer, &err) != SG_OK) {
		session_send_error(s, false, "key lookup for %s failed: %s", domain, err.msg);
		return;
	}
	send_key(s, kind, domain, &answer);
}

static void handle_stats_push(struct sg_daemon *d, struct session *s, struct sg_wire_in *r)
{
	char rule[128];
	struct sg_error err;
	struct sg_table t;

	if (!s->peer.admin) {
		session_send_error(s, false, "permission denied: statistics push (%s)",
				   daemon_admin_rule(d, rule, sizeof(rule)));
		return;
	}
	sg_error_clear(&err);
	if (sg_stats_ingest(d->stats, r, &err) != SG_OK) {
		session_send_error(s, false, "statistics refused: %s", err.msg);
		return;
	}
	s->stats_pushes++;
	sg_table_init(&t, "stats");
	session_send_table(s, &t);
	sg_table_free(&t);
}

static void handle_message(struct sg_daemon *d, struct session *s)
{
	struct sg_wire_in r;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_wire_open(&r, s->in.data, s->in.len, &err) != SG_OK) {
		session_send_error(s, true, "bad message: %s", err.msg);
		return;
	}
	if (s->state == SESSION_HELLO) {
		if (r.type == SG_MSG_HELLO)
			handle_hello(d, s, &r);
		else
			session_send_error(s, true, "HELLO expected first, got message type %d",
					   (int)r.type);
		return;
	}
	switch (r.type) {
	case SG_MSG_COMMAND:
		dispatch_command(d, s, &r);
		break;
	case SG_MSG_KEY_REQUEST:
		handle_key_request(d, s, &r);
		break;
	case SG_MSG_STATS_PUSH:
		handle_stats_push(d, s, &r);
		break;
	default:
		session_send_error(s, true, "unexpected message type %d from a client",
				   (int)r.type);
	}
}

/* Takes in what was read; true when a message was complete and answered. */
static bool take(struct sg_daemon *d, struct session *s, const char *p, size_t n)
{
	struct sg_error err;

	if (sg_buf_append(&s->in, p, n) != SG_OK) {
		s->dead = true;
		return false;
	}
	if (s->need == 0 && s->in.len == SG_WIRE_HEADER) {
		sg_error_clear(&err);
		if (sg_wire_frame_len(s->in.data, s->in.len, &s->need, &err) != SG_OK) {
			daemon_log(d, "client uid %u pid %d: %s", (unsigned)s->peer.uid,
				   (int)s->peer.pid, err.msg);
			session_send_error(s, true, "bad message: %s", err.msg);
			return false;
		}
	}
	if (s->need == 0 || s->in.len < s->need)
		return false;
	handle_message(d, s);
	memset(s->in.data, 0, s->in.len);
	sg_buf_reset(&s->in);
	s->need = 0;
	s->deadline = session_idle_deadline(d, s);
	return true;
}

int64_t session_idle_deadline(const struct sg_daemon *d, const struct session *s)
{
	/* An admin signetd stays connected while it has nothing to ask; a
	 * message it starts, or an answer it does not read, is still timed. */
	if (s->dataplane && s->peer.admin && s->state == SESSION_READY &&
	    !session_wants_write(s))
		return INT64_MAX;
	if (s->job_pending)
		return INT64_MAX;	/* the job's length is bounded by its own */
	return daemon_now_ms() + d->opt.idle_ms;
}

void session_readable(struct sg_daemon *d, struct session *s)
{
	char chunk[CHUNK];

	while (!s->dead && !s->closing && !s->job_pending && !session_wants_write(s)) {
		size_t want = s->need ? s->need - s->in.len : SG_WIRE_HEADER - s->in.len;
		ssize_t n = recv(s->fd, chunk, want < sizeof(chunk) ? want : sizeof(chunk),
				 MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			if (s->in.len > 0)
				daemon_log(d, "client uid %u pid %d closed the connection in the "
					   "middle of a message (%zu of %zu bytes)",
					   (unsigned)s->peer.uid, (int)s->peer.pid, s->in.len,
					   s->need ? s->need : (size_t)SG_WIRE_HEADER);
			s->dead = true;
			return;
		}
		if (s->in.len == 0 && s->deadline == INT64_MAX)
			s->deadline = daemon_now_ms() + d->opt.idle_ms;	/* a message starts */
		take(d, s, chunk, (size_t)n);
	}
}
