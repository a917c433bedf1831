/*
 * NAME
 *   smtp_client.h - the client side of ESMTP for relaying signed messages to
 *                   the next hop, as a state machine without I/O
 *
 * SUMMARY
 *   One struct sg_smtp_client per outgoing connection; a pool keeps them
 *   and reuses READY ones. The caller owns the socket:
 *
 *     c = sg_smtp_client_new(&cfg);          connect; the machine waits for 220
 *     sg_smtp_client_send(c, &env, msg, len); may be called at once: the
 *                                            message starts when EHLO is done
 *     loop:
 *       n = sg_smtp_client_output(c, iov, max) -> writev(iov, n), then
 *           sg_smtp_client_output_done(c, written)
 *       read -> sg_smtp_client_feed(c, buf, len)
 *       if (sg_smtp_client_result(c, &r)) -> the message's outcome
 *       CLOSED -> close the socket (sg_smtp_client_error says why)
 *     on EOF, socket error or timeout: sg_smtp_client_abort(c, "why")
 *
 *   The dialogue: greeting 220 -> EHLO (a 5xx reply -> HELO) -> READY. A
 *   message is [RSET] MAIL FROM:<s> [SIZE=n] [BODY=8BITMIME], one RCPT TO
 *   per recipient and DATA; with PIPELINING advertised they go out in one
 *   write (RFC 2920), otherwise one at a time. RSET comes first when an
 *   earlier transaction on this connection did not end with the reply to
 *   ".", so a pooled connection starts clean. After 354 the message is sent
 *   dot-stuffed without being copied or scanned again (the check that
 *   accepted it found the first line-start dot; the next is looked for
 *   when the cursor passes one): the output iovecs point into the
 *   caller's message (a line-start dot is sent twice by ending one iovec
 *   after it and starting the next one on it), followed by ".\r\n" (or
 *   "\r\n.\r\n" when the message does not end in CRLF).
 *
 *   Outcome: the reply to "." decides (2xx accepted, 4xx temporary, 5xx
 *   permanent). Recipients are all or nothing: the first refused MAIL,
 *   RCPT or DATA decides the outcome with that reply and the message is not
 *   sent (when a pipelined DATA still got 354 the connection is closed
 *   instead of sending anything, so nothing is delivered). A connection
 *   lost or closed (421) during a transaction, a protocol error and a
 *   failed greeting or EHLO/HELO give a temporary failure.
 *
 *   Timeouts are the caller's; sg_smtp_client_timeout gives the RFC 5321
 *   (4.5.3.2) value for what the machine waits for now.
 *
 * UNTRUSTED INPUT
 *   Replies from the next hop (parsed by smtp_reply.h with its limits on
 *   line length and lines per reply). The message and envelope come from
 *   the relay's own server side; the envelope and a prefix are checked
 *   again, the message too (no bare CR/LF or NUL) unless it comes as a
 *   struct sg_smtp_text, checked once already (by sg_smtp_text_check or
 *   by the server machine as it read the text). Memory: the struct (about
 *   6.5 KiB), the command text of one transaction, one reply.
 */
#ifndef SIGNET_SMTP_CLIENT_H
#define SIGNET_SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "smtp_envelope.h"
#include "smtp_reply.h"
#include "status.h"

#define SG_SMTP_CLIENT_TEXT_MAX 2048	/* reply text kept in a result */
#define SG_SMTP_CLIENT_COMMANDS_MAX (1u << 20)	/* command text queued */

struct sg_smtp_client_config {
	const char *helo_name;		/* EHLO/HELO argument; "localhost" if NULL */
	size_t max_reply_line;		/* 0 = SG_SMTP_REPLY_LINE_DEFAULT */
	unsigned max_reply_lines;	/* 0 = SG_SMTP_REPLY_LINES_DEFAULT */
};

enum sg_smtp_client_state {
	SG_SMTP_CLIENT_GREETING,	/* waiting for the 220 greeting */
	SG_SMTP_CLIENT_HELLO,		/* EHLO or HELO sent */
	SG_SMTP_CLIENT_READY,		/* idle; a message can be sent */
	SG_SMTP_CLIENT_ENVELOPE,	/* RSET/MAIL/RCPT/DATA replies awaited */
	SG_SMTP_CLIENT_TEXT,		/* writing the message */
	SG_SMTP_CLIENT_FINAL,		/* waiting for the reply to "." */
	SG_SMTP_CLIENT_RSET,		/* sg_smtp_client_rset: waiting for 250 */
	SG_SMTP_CLIENT_QUIT,		/* QUIT sent */
	SG_SMTP_CLIENT_CLOSED,		/* close the socket */
};

/* Extensions the next hop advertised (sg_smtp_client_extensions). */
#define SG_SMTP_EXT_PIPELINING 0x1u
#define SG_SMTP_EXT_SIZE 0x2u
#define SG_SMTP_EXT_8BITMIME 0x4u
#define SG_SMTP_EXT_ENHANCEDSTATUSCODES 0x8u

enum sg_smtp_outcome {
	SG_SMTP_ACCEPTED,		/* the next hop took responsibility */
	SG_SMTP_TEMPFAIL,		/* try again later (451 to our client) */
	SG_SMTP_PERMFAIL,		/* refused: pass the 5xx through */
};

enum sg_smtp_client_step {		/* which reply decided */
	SG_SMTP_STEP_CONNECTION,	/* no reply: connection lost/closed */
	SG_SMTP_STEP_GREETING,
	SG_SMTP_STEP_HELLO,
	SG_SMTP_STEP_RSET,
	SG_SMTP_STEP_MAIL,
	SG_SMTP_STEP_RCPT,
	SG_SMTP_STEP_DATA,
	SG_SMTP_STEP_DOT,		/* the reply to the end of data */
};

struct sg_smtp_client_result {
	enum sg_smtp_outcome outcome;
	enum sg_smtp_client_step step;
	unsigned code;			/* the deciding reply; 0 if none */
	char enhanced[SG_SMTP_ENHANCED_MAX];	/* its enhanced code or "" */
	char text[SG_SMTP_CLIENT_TEXT_MAX];	/* its text ('\n' between lines)
						   or why the connection failed */
};

struct sg_smtp_client;

/* cfg must outlive the machine. NULL when out of memory. */
struct sg_smtp_client *sg_smtp_client_new(const struct sg_smtp_client_config *cfg);
void sg_smtp_client_free(struct sg_smtp_client *c);

enum sg_smtp_client_state sg_smtp_client_state(const struct sg_smtp_client *c);
/* Seconds RFC 5321 4.5.3.2 allows for the current wait; 0 = none (idle). */
unsigned sg_smtp_client_timeout(const struct sg_smtp_client *c);
/* SG_SMTP_EXT_* bits (after EHLO); the SIZE limit, 0 when none given. */
unsigned sg_smtp_client_extensions(const struct sg_smtp_client *c);
uint64_t sg_smtp_client_size_limit(const struct sg_smtp_client *c);

/*
 * Starts (or, before READY, queues) one message. env and msg are not
 * copied and must stay valid until the result is taken. SG_E_STATE when a
 * message is already in progress or the connection is closed or closing;
 * SG_E_ARG without recipients or with a control character in an address
 * (err->offset: 0 the sender, i the i-th recipient); SG_E_SYNTAX when msg
 * holds a NUL, bare CR or bare LF (err says where).
 */
SG_MUST_CHECK enum sg_err sg_smtp_client_send(struct sg_smtp_client *c,
					      const struct sg_smtp_envelope *env,
					      const char *msg, size_t len,
					      struct sg_error *err);
/*
 * As sg_smtp_client_send, with prefix_len octets of header fields sent
 * before the message without a copy (the relay's signature fields): an
 * iovec of its own into prefix, which must stay valid as msg does. It
 * must be whole CRLF lines with no line-start '.' (SG_E_ARG otherwise) and
 * no NUL, bare CR or bare LF (SG_E_SYNTAX). SIZE= counts both.
 */
SG_MUST_CHECK enum sg_err sg_smtp_client_send_prefixed(struct sg_smtp_client *c,
						       const struct sg_smtp_envelope *env,
						       const char *prefix, size_t prefix_len,
						       const char *msg, size_t len,
						       struct sg_error *err);
/*
 * A message checked once, to be sent without another pass over it: no
 * NUL, bare CR or bare LF, and the offset of its first line-start '.'
 * (len when none). sg_smtp_text_check makes one (a benchmark's corpus,
 * sent many times); the relay makes one from its server machine, whose
 * DATA reader refused those octets as they arrived and noted the dot
 * (sg_smtp_server_first_dot). sg_smtp_client_send_text trusts it: who
 * fills one in by hand must hold to the same rules.
 */
struct sg_smtp_text {
	const char *msg;
	size_t len;
	size_t first_dot;
};

/* Checks msg[0..len) (SG_E_SYNTAX as sg_smtp_client_send) and fills *t. */
SG_MUST_CHECK enum sg_err sg_smtp_text_check(struct sg_smtp_text *t, const char *msg,
					     size_t len, struct sg_error *err);
/*
 * sg_smtp_client_send_prefixed for a checked text (prefix_len 0: none):
 * the prefix is checked, the text is not. t->msg must stay valid as msg
 * does; *t itself need not.
 */
SG_MUST_CHECK enum sg_err sg_smtp_client_send_text(struct sg_smtp_client *c,
						   const struct sg_smtp_envelope *env,
						   const char *prefix, size_t prefix_len,
						   const struct sg_smtp_text *t,
						   struct sg_error *err);
/* RSET on an idle connection (a pool's liveness check). SG_E_STATE else. */
SG_MUST_CHECK enum sg_err sg_smtp_client_rset(struct sg_smtp_client *c);
/* QUIT (not while a message is in progress: SG_E_STATE). */
SG_MUST_CHECK enum sg_err sg_smtp_client_quit(struct sg_smtp_client *c);
/* The connection is gone (why: for the result and the log). */
void sg_smtp_client_abort(struct sg_smtp_client *c, const char *why);

/* Feeds reply bytes; returns how many were used (all unless CLOSED). */
size_t sg_smtp_client_feed(struct sg_smtp_client *c, const void *data, size_t len);

/*
 * Fills up to max iovecs with what is to be written now; returns how many
 * (0: nothing to write). They point into the machine and into the
 * caller's message and stay valid until the next call other than
 * sg_smtp_client_state/timeout.
 */
int sg_smtp_client_output(const struct sg_smtp_client *c, struct iovec *iov, int max);
/* n octets of that output were written. */
void sg_smtp_client_output_done(struct sg_smtp_client *c, size_t n);

/* True once per finished message: its outcome is copied to *out. */
bool sg_smtp_client_result(struct sg_smtp_client *c, struct sg_smtp_client_result *out);
/* Why the machine is CLOSED (or the last protocol problem). */
const struct sg_error *sg_smtp_client_error(const struct sg_smtp_client *c);

#endif
