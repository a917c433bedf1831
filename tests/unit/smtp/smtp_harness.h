/*
 * NAME
 *   smtp_harness.h - drives the SMTP server machine in the unit tests
 *
 * SUMMARY
 *   struct harness owns one server machine and a transcript of everything
 *   it wrote. h_new(&cfg, flags) creates it (the greeting is drained into
 *   the transcript); h_send(h, text) feeds text and drains the output,
 *   asserting that all of it was consumed unless the machine stopped in
 *   MESSAGE or CLOSING; h_out(h) returns the transcript since the last call
 *   and forgets it; h_expect(h, in, want) feeds in and compares the new
 *   output with want exactly (printable escapes on failure).
 *
 *   h_run(cfg, flags, input, len, chunk, answer) replays a whole session in
 *   chunks of `chunk` octets (0 = all at once), answering every complete
 *   message with `answer` (a reply code: 250, 451 or 554) and collecting
 *   the messages; it returns the transcript followed by "\n--\n" and each
 *   message, so two runs can be compared for chunk-boundary independence.
 *
 *   h_auth_ok accepts the single credential user/secret (authzid "" or
 *   "user"). Header-only: every SMTP server test includes it once.
 */
#ifndef SIGNET_SMTP_HARNESS_H
#define SIGNET_SMTP_HARNESS_H

#include "testutil.h"

#include <stdbool.h>

#include "buf.h"
#include "smtp_server.h"

struct harness {
	struct sg_smtp_server *s;
	struct sg_buf transcript;
	size_t unused;			/* input not consumed by the last h_send */
};

static inline bool h_auth_ok(void *ctx, const char *authzid, const char *authcid,
			     const char *password)
{
	int *calls = ctx;

	if (calls)
		(*calls)++;
	return (authzid[0] == '\0' || strcmp(authzid, "user") == 0) &&
	       strcmp(authcid, "user") == 0 && strcmp(password, "secret") == 0;
}

static inline void h_drain(struct harness *h)
{
	const char *p;
	size_t n;

	while ((p = sg_smtp_server_output(h->s, &n)) != NULL) {
		assert_int_equal(sg_buf_append(&h->transcript, p, n), SG_OK);
		sg_smtp_server_output_done(h->s, n);
	}
}

static inline struct harness *h_new(const struct sg_smtp_server_config *cfg, unsigned flags)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->s = sg_smtp_server_new(cfg, flags);
	assert_non_null(h->s);
	sg_buf_init(&h->transcript, SIZE_MAX);
	h_drain(h);
	return h;
}

static inline void h_free(struct harness *h)
{
	sg_smtp_server_free(h->s);
	sg_buf_free(&h->transcript);
	free(h);
}

/* Returns the output since the last call (caller frees). */
static inline char *h_out(struct harness *h)
{
	char *s = strdup(sg_buf_cstr(&h->transcript));

	assert_non_null(s);
	sg_buf_reset(&h->transcript);
	return s;
}

static inline void h_send_n(struct harness *h, const char *text, size_t len)
{
	size_t used = sg_smtp_server_feed(h->s, text, len);
	enum sg_smtp_server_state st = sg_smtp_server_state(h->s);

	h->unused = len - used;
	if (st != SG_SMTP_SERVER_MESSAGE && st != SG_SMTP_SERVER_CLOSING)
		assert_int_equal(used, len);
	h_drain(h);
}

static inline void h_send(struct harness *h, const char *text)
{
	h_send_n(h, text, strlen(text));
}

static inline void h_expect(struct harness *h, const char *in, const char *want)
{
	char *got;

	h_send(h, in);
	got = h_out(h);
	if (strcmp(got, want) != 0) {
		char *e1 = tu_escaped(in, strlen(in)), *e2 = tu_escaped(want, strlen(want));
		char *e3 = tu_escaped(got, strlen(got));

		fprintf(stderr, "input  %.300s\nwanted %s\ngot    %s\n", e1, e2, e3);
		fail_msg("unexpected reply");
	}
	free(got);
}

/* A session that has said EHLO (greeting and EHLO reply dropped). */
static inline struct harness *h_ready(const struct sg_smtp_server_config *cfg, unsigned flags)
{
	struct harness *h = h_new(cfg, flags);

	h_send(h, "EHLO client.example\r\n");
	free(h_out(h));
	return h;
}

static inline void h_answer(struct sg_smtp_server *s, unsigned answer, struct sg_buf *msgs)
{
	size_t n;
	const char *m = sg_smtp_server_message(s, &n);

	assert_non_null(m);
	assert_int_equal(sg_buf_puts(msgs, "\n--\n"), SG_OK);
	assert_int_equal(sg_buf_append(msgs, m, n), SG_OK);
	assert_int_equal(sg_smtp_server_finish(s, answer, NULL, answer == 250 ?
					       "Ok: queued as 1" : "next hop said no"), SG_OK);
}

static inline char *h_run(const struct sg_smtp_server_config *cfg, unsigned flags,
			  const char *input, size_t len, size_t chunk, unsigned answer)
{
	struct harness *h = h_new(cfg, flags);
	struct sg_buf msgs;
	size_t off = 0;
	char *out;

	sg_buf_init(&msgs, SIZE_MAX);
	while (off < len && sg_smtp_server_state(h->s) != SG_SMTP_SERVER_CLOSING) {
		size_t n = chunk == 0 || len - off < chunk ? len - off : chunk;
		size_t used = sg_smtp_server_feed(h->s, input + off, n);

		off += used;
		h_drain(h);
		if (sg_smtp_server_state(h->s) == SG_SMTP_SERVER_MESSAGE) {
			h_answer(h->s, answer, &msgs);
			h_drain(h);
		}
	}
	assert_int_equal(sg_buf_append(&h->transcript, msgs.data ? msgs.data : "", msgs.len),
			 SG_OK);
	out = h_out(h);
	sg_buf_free(&msgs);
	h_free(h);
	return out;
}

#endif
