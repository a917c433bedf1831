/*
 * NAME
 *   relay_fixture.h - helpers for test_sd_relay.c: a fake signer, a small
 *                     SMTP sink thread as next hop, a blocking SMTP client
 *
 * SUMMARY
 *   The fake signer completes every message at the next poll: a message
 *   containing "nokey" is DP_SKIPPED (no key), "signfail" DP_FAILED, "signperm" DP_FAILED permanent,
 *   anything else DP_SIGNED with the field "X-Fake-Signature: N\r\n". The
 *   sink (fx_sink_start on 127.0.0.1, a free port) serves one connection
 *   at a time, answers EHLO with PIPELINING, keeps each message it
 *   accepted (unstuffed), counts connections, and answers the end of data
 *   with sink->final_reply (default "250 2.0.0 Ok: queued as Q<n>");
 *   with sink->drop_at_mail = N it closes a connection without a word at
 *   the MAIL command that follows N messages accepted on it. The
 *   client helpers speak SMTP over a blocking socket with a receive
 *   timeout (a hang guard only).
 *   The worker runs in the test's thread (fx_step_until); the client runs
 *   in a thread of its own (fx_client_run) so that both can block.
 */
#ifndef SIGNET_TEST_RELAY_FIXTURE_H
#define SIGNET_TEST_RELAY_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "testutil.h"

#include "sd_relay.h"

#define FX_MAX_MSGS 64
#define FX_HANG_S 20

/* ---- fake signer ---- */

struct fx_signer {
	struct {
		uint64_t cookie;
		enum dp_outcome outcome;
		bool permanent;
	} q[256];
	size_t n, submitted;
};

static enum sg_err fx_submit(void *ctx, const uint8_t *msg, size_t len,
			     const struct dp_client_facts *facts, uint64_t cookie,
			     struct sg_error *err)
{
	struct fx_signer *s = ctx;
	enum dp_outcome o = DP_SIGNED;
	bool permanent = memmem(msg, len, "signperm", 8) != NULL;

	(void)facts;
	(void)err;
	if (memmem(msg, len, "nokey", 5))
		o = DP_SKIPPED;
	else if (memmem(msg, len, "signfail", 8) || permanent)
		o = DP_FAILED;
	s->q[s->n].cookie = cookie;
	s->q[s->n].outcome = o;
	s->q[s->n].permanent = permanent;
	s->n++;
	s->submitted++;
	return SG_OK;
}

static void fx_flush(void *ctx)
{
	(void)ctx;
}

static size_t fx_poll(void *ctx, struct dp_done *done, size_t max)
{
	struct fx_signer *s = ctx;
	size_t k = 0;

	for (; k < max && k < s->n; k++) {
		memset(&done[k], 0, sizeof(done[k]));
		done[k].cookie = s->q[k].cookie;
		done[k].outcome = s->q[k].outcome;
		done[k].permanent = s->q[k].permanent;
		done[k].skip = s->q[k].outcome == DP_SKIPPED ? DP_SKIP_NO_KEY : DP_SKIP_NONE;
		snprintf(done[k].reason, sizeof(done[k].reason), "fake reason");
		sg_buf_init(&done[k].headers, SIZE_MAX);
		if (s->q[k].outcome == DP_SIGNED)
			assert_int_equal(sg_buf_printf(&done[k].headers, "X-Fake-Signature: %zu\r\n",
						       s->submitted), SG_OK);
	}
	memmove(s->q, s->q + k, (s->n - k) * sizeof(s->q[0]));
	s->n -= k;
	return k;
}

static void fx_release(void *ctx, struct dp_done *done)
{
	(void)ctx;
	sg_buf_free(&done->headers);
}

static size_t fx_pending(void *ctx)
{
	return ((struct fx_signer *)ctx)->n;
}

static uint64_t fx_deadline(void *ctx)
{
	(void)ctx;
	return UINT64_MAX;
}

/* ---- sockets ---- */

static int fx_listen(unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void fx_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = FX_HANG_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* One line (CRLF stripped) from fd through a small buffer; false at EOF. */
struct fx_reader {
	int fd;
	char buf[8192];
	size_t len;
};

static bool fx_line(struct fx_reader *r, char *out, size_t cap)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		ssize_t n;

		if (nl != NULL) {
			size_t k = (size_t)(nl - r->buf) + 1;
			size_t m = k >= 2 && nl[-1] == '\r' ? k - 2 : k - 1;

			snprintf(out, cap, "%.*s", (int)m, r->buf);
			memmove(r->buf, r->buf + k, r->len - k);
			r->len -= k;
			return true;
		}
		if (r->len == sizeof(r->buf))
			return false;
		n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
		if (n <= 0)
			return false;
		r->len += (size_t)n;
	}
}

static void fx_send(int fd, const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* ---- the sink ---- */

struct fx_sink {
	int fd;
	unsigned port;
	pthread_t thread;
	atomic_bool stop;
	atomic_uint connections, accepted;
	char final_reply[128];		/* "" = 250 with a queue id */
	unsigned drop_at_mail;		/* 0: never */
	char *msgs[FX_MAX_MSGS];
	pthread_mutex_t lock;
};

static bool fx_sink_data(struct fx_sink *s, struct fx_reader *r)
{
	char line[2048], *msg = calloc(1, 1);
	size_t len = 0;

	while (fx_line(r, line, sizeof(line)) && strcmp(line, ".") != 0) {
		const char *p = line[0] == '.' ? line + 1 : line;
		size_t n = strlen(p);

		msg = realloc(msg, len + n + 3);
		memcpy(msg + len, p, n);
		memcpy(msg + len + n, "\r\n", 3);
		len += n + 2;
	}
	if (s->final_reply[0] != '\0') {
		char reply[160];

		snprintf(reply, sizeof(reply), "%s\r\n", s->final_reply);
		fx_send(r->fd, reply);
		free(msg);
		return false;
	}
	pthread_mutex_lock(&s->lock);
	snprintf(line, sizeof(line), "250 2.0.0 Ok: queued as Q%u\r\n", s->accepted);
	if (s->accepted < FX_MAX_MSGS)
		s->msgs[s->accepted] = msg;
	else
		free(msg);
	s->accepted++;
	pthread_mutex_unlock(&s->lock);
	fx_send(r->fd, line);
	return true;
}

static void fx_sink_session(struct fx_sink *s, int fd)
{
	struct fx_reader r = { .fd = fd };
	char line[2048];
	unsigned accepted = 0;

	fx_timeouts(fd);
	fx_send(fd, "220 sink ESMTP\r\n");
	while (fx_line(&r, line, sizeof(line))) {
		if (strncasecmp(line, "EHLO", 4) == 0)
			fx_send(fd, "250-sink\r\n250 PIPELINING\r\n");
		else if (strncasecmp(line, "MAIL", 4) == 0 && s->drop_at_mail > 0 &&
			 accepted == s->drop_at_mail)
			break;
		else if (strncasecmp(line, "DATA", 4) == 0) {
			fx_send(fd, "354 go ahead\r\n");
			accepted += fx_sink_data(s, &r);
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			fx_send(fd, "221 2.0.0 bye\r\n");
			break;
		} else
			fx_send(fd, "250 2.0.0 ok\r\n");
	}
	close(fd);
}

static void *fx_sink_main(void *arg)
{
	struct fx_sink *s = arg;

	while (!atomic_load(&s->stop)) {
		int fd = accept(s->fd, NULL, NULL);

		if (fd < 0)
			break;
		if (atomic_load(&s->stop)) {
			close(fd);
			break;
		}
		atomic_fetch_add(&s->connections, 1);
		fx_sink_session(s, fd);
	}
	return NULL;
}

static void fx_sink_start(struct fx_sink *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->fd = fx_listen(&s->port);
	assert_int_equal(pthread_create(&s->thread, NULL, fx_sink_main, s), 0);
}

static void fx_sink_stop(struct fx_sink *s)
{
	atomic_store(&s->stop, true);
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
	for (unsigned i = 0; i < FX_MAX_MSGS; i++)
		free(s->msgs[i]);
	pthread_mutex_destroy(&s->lock);
}

#endif
