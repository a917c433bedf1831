/*
 * NAME
 *   smtp_server.h - the server side of ESMTP (RFC 5321) for the signing
 *                   relay, as a state machine without I/O
 *
 * SUMMARY
 *   One struct sg_smtp_server per client connection. The caller (the
 *   io_uring worker) owns the socket and drives the machine:
 *
 *     s = sg_smtp_server_new(&cfg, flags);      greeting queued
 *     loop:
 *       while ((p = sg_smtp_server_output(s, &n)) != NULL)
 *               write p[0..n), then sg_smtp_server_output_done(s, written)
 *       switch (sg_smtp_server_state(s)):
 *       COMMAND, DATA: read bytes; used = sg_smtp_server_feed(s, buf, len);
 *               bytes past `used` are kept and fed again later
 *       MESSAGE: sg_smtp_server_envelope(s) and sg_smtp_server_message(s)
 *               (or sg_smtp_server_take_message) give the message; sign,
 *               relay, then sg_smtp_server_finish(s, code, enhanced, text)
 *               queues the final reply and the machine reads commands again
 *       CLOSING: write what is left of the output, then close
 *     sg_smtp_server_free(s);
 *
 *   sg_smtp_server_feed processes every complete command in the bytes it is
 *   given, in order, and appends their replies to one output buffer, so a
 *   pipelined group (RFC 2920) gets all its replies in one write when the
 *   caller writes after feed returns. It consumes everything given except
 *   when it stops early: on entering MESSAGE (the text after the final "."
 *   waits for the outcome), on CLOSING (the rest is never read), or when
 *   SG_SMTP_SERVER_OUTPUT_HIGH octets of replies are waiting to be written
 *   (a client that pipelines without reading its replies is slowed down to
 *   the rate it reads; the caller should stop reading until the output is
 *   written). Partial command lines are copied into the machine (at most
 *   SG_SMTP_AUTH_LINE_MAX octets); message text is copied once, unstuffed,
 *   into the message buffer, which sg_smtp_server_take_message hands over
 *   without a copy. Output is read in place (no copy).
 *
 *   Timeouts and rate limits are the caller's: sg_smtp_server_state tells
 *   what the machine waits for (a command: RFC 5321 says 5 minutes; message
 *   text: 3 minutes per block; the caller's outcome), and
 *   sg_smtp_server_abort queues a 421 and closes (timeout, too slow,
 *   shutdown).
 *
 *   Relay policy: SG_SMTP_SERVER_RELAY_CLIENT in flags says the client's
 *   address is in relay_hosts. RCPT is accepted only from such a client or
 *   after a successful AUTH PLAIN; otherwise 550 5.7.1, so a message from
 *   anyone else never reaches signing. The machine itself trusts nothing
 *   else: credentials are checked by the caller's auth_check callback.
 *
 * REPLIES
 *   Every reply the machine writes (enhanced codes per RFC 2034/3463 on all
 *   but the greeting, EHLO/HELO and the intermediate 354 and 334). Every
 *   4xx/5xx reply to a command counts as an error; at max_errors the reply
 *   is followed by 421 4.7.0 and the connection closes.
 *
 *   code enhanced when
 *   220  -       greeting "220 HOST ESMTP signet"
 *   421  4.3.2   greeting when the caller passed SG_SMTP_SERVER_BUSY
 *                (connection limit); sg_smtp_server_abort(SHUTDOWN)
 *   421  4.4.2   sg_smtp_server_abort(TIMEOUT): idle or slow client
 *   421  4.7.0   too many errors (max_errors) / abort(TOO_SLOW)
 *   250  -       EHLO (multi-line: PIPELINING, SIZE n, 8BITMIME,
 *                [AUTH PLAIN], ENHANCEDSTATUSCODES) and HELO
 *   250  2.1.0   MAIL accepted
 *   250  2.1.5   RCPT accepted
 *   250  2.0.0   RSET, NOOP
 *   250  2.0.0   message accepted: text given by the caller (finish)
 *   214  2.0.0   HELP
 *   221  2.0.0   QUIT
 *   235  2.7.0   AUTH PLAIN succeeded
 *   252  2.5.0   VRFY (never verified)
 *   334  -       AUTH PLAIN without initial response: send credentials
 *   354  -       DATA: send the message
 *   4xx/5xx      message refused or deferred: code, enhanced code and
 *                text given by the caller (finish); e.g. 451 4.4.1 when
 *                the next hop failed, the next hop's own 5xx passed through
 *   452  4.5.3   RCPT past max_recipients
 *   452  4.3.1   out of memory for a recipient or the message text
 *   500  5.5.1   unknown or empty command
 *   500  5.5.2   NUL byte in a command line
 *   500  5.5.6   command line over 512 octets (1024 for AUTH lines)
 *   501  5.5.4   syntax error in arguments (missing/extra argument, bad
 *                SIZE= or BODY= value, duplicate parameter)
 *   501  5.1.7   bad sender address syntax (MAIL)
 *   501  5.1.3   bad recipient address syntax (RCPT)
 *   501  5.5.2   AUTH PLAIN response not valid base64 or not
 *                authzid NUL authcid NUL password
 *   501  5.7.0   AUTH cancelled by the client ("*")
 *   502  5.5.1   command known but not offered (EXPN, TURN, ETRN, BDAT,
 *                STARTTLS, SEND, SOML, SAML, VERB, ATRN)
 *   503  5.5.1   bad sequence: MAIL before EHLO/HELO, MAIL twice, RCPT
 *                before MAIL, DATA before MAIL/RCPT, AUTH twice, in a
 *                transaction or when not offered
 *   504  5.5.4   AUTH mechanism other than PLAIN
 *   535  5.7.8   AUTH PLAIN credentials refused by auth_check
 *   550  5.7.1   RCPT from a client neither in relay_hosts nor
 *                authenticated: relaying denied
 *   550  5.6.0   message with a bare LF, bare CR, NUL byte or a line over
 *                1000 octets (see smtp_data.h): refused, nothing signed
 *   552  5.3.4   SIZE= over max_message_size, or more message text than
 *                that
 *   554  5.5.1   DATA when no recipient was accepted (RFC 2920)
 *   555  5.5.4   MAIL/RCPT parameter not supported
 *
 *   When a reply cannot even be queued (out of memory) the machine goes
 *   to CLOSING without one; sg_smtp_server_last_error says so.
 *
 * UNTRUSTED INPUT
 *   Everything fed to sg_smtp_server_feed. Memory per connection: the
 *   struct (about 2.5 KiB), the output buffer (bounded by
 *   SG_SMTP_SERVER_OUTPUT_HIGH plus one reply), the envelope (at most
 *   max_recipients paths) and the message (at most max_message_size).
 */
#ifndef SIGNET_SMTP_SERVER_H
#define SIGNET_SMTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "smtp_envelope.h"
#include "status.h"

#define SG_SMTP_COMMAND_LINE_MAX 512	/* RFC 5321 4.5.3.1.4, CRLF included */
#define SG_SMTP_AUTH_LINE_MAX 1024	/* AUTH lines (RFC 4954 allows more) */
#define SG_SMTP_SERVER_OUTPUT_HIGH 16384	/* stop reading above this */
#define SG_SMTP_DEFAULT_MESSAGE_SIZE 52428800u
#define SG_SMTP_DEFAULT_RECIPIENTS 100u
#define SG_SMTP_DEFAULT_MAX_ERRORS 10u
#define SG_SMTP_AUTH_FIELD_MAX 255	/* authzid, authcid, password */

/*
 * Checks AUTH PLAIN credentials: returns true to accept. authzid is ""
 * when the client sent none. Called from inside sg_smtp_server_feed.
 */
typedef bool (*sg_smtp_auth_fn)(void *ctx, const char *authzid, const char *authcid,
				const char *password);

struct sg_smtp_server_config {
	const char *hostname;		/* greeting and EHLO; "localhost" if NULL */
	uint64_t max_message_size;	/* SIZE and DATA limit; 0 = default */
	unsigned max_recipients;	/* 0 = default */
	unsigned max_errors;		/* 0 = default */
	bool auth_plain;		/* offer AUTH PLAIN (only with auth_check) */
	sg_smtp_auth_fn auth_check;
	void *auth_ctx;
};

/* Flags for sg_smtp_server_new. */
#define SG_SMTP_SERVER_RELAY_CLIENT 0x1u	/* client address in relay_hosts */
#define SG_SMTP_SERVER_BUSY 0x2u		/* greet with 421 and close */

enum sg_smtp_server_state {
	SG_SMTP_SERVER_COMMAND,		/* reading command lines */
	SG_SMTP_SERVER_DATA,		/* reading message text after 354 */
	SG_SMTP_SERVER_MESSAGE,		/* message complete: waiting for finish */
	SG_SMTP_SERVER_CLOSING,		/* write the output, then close */
};

enum sg_smtp_abort_reason {
	SG_SMTP_ABORT_TIMEOUT,		/* 421 4.4.2 */
	SG_SMTP_ABORT_TOO_SLOW,		/* 421 4.7.0 (minimum data rate) */
	SG_SMTP_ABORT_SHUTDOWN,		/* 421 4.3.2 */
};

struct sg_smtp_server;

/*
 * A machine for one connection, greeting queued. cfg is not copied: it
 * must outlive the machine (one config serves all connections of a
 * worker). Returns NULL when out of memory.
 */
struct sg_smtp_server *sg_smtp_server_new(const struct sg_smtp_server_config *cfg,
					  unsigned flags);
void sg_smtp_server_free(struct sg_smtp_server *s);

/* Feeds client bytes; returns how many were used (see SUMMARY). */
size_t sg_smtp_server_feed(struct sg_smtp_server *s, const void *data, size_t len);
enum sg_smtp_server_state sg_smtp_server_state(const struct sg_smtp_server *s);

/*
 * The queued reply bytes, or NULL when none are waiting. The pointer is
 * valid until the next call other than sg_smtp_server_state.
 */
const char *sg_smtp_server_output(const struct sg_smtp_server *s, size_t *len);
/* n octets of the output were written (n <= the length given). */
void sg_smtp_server_output_done(struct sg_smtp_server *s, size_t n);

/* In MESSAGE: the envelope (helo, auth_user, relay_client filled in). */
const struct sg_smtp_envelope *sg_smtp_server_envelope(const struct sg_smtp_server *s);
/* In MESSAGE: the message (headers and body, CRLF, unstuffed). */
const char *sg_smtp_server_message(const struct sg_smtp_server *s, size_t *len);
/*
 * In MESSAGE: the offset of the message's first line-start '.' (noted as
 * the text was unstuffed), or its length when it has none; with the
 * message, a struct sg_smtp_text (smtp_client.h) that needs no second
 * pass. Also after sg_smtp_server_take_message; 0 in other states.
 */
size_t sg_smtp_server_first_dot(const struct sg_smtp_server *s);
/*
 * In MESSAGE: moves the message buffer into *out (which must hold no
 * memory of its own); the machine keeps none of it. SG_E_STATE otherwise.
 */
SG_MUST_CHECK enum sg_err sg_smtp_server_take_message(struct sg_smtp_server *s,
						      struct sg_buf *out);
/*
 * In MESSAGE: queues the final reply for the message and resets the
 * transaction. code is 250 (accepted), 4xx or 5xx; enhanced is "c.s.d" of
 * the same class or NULL (then 2.0.0, 4.0.0 or 5.0.0); text may hold
 * several lines separated by '\n' (sanitised, see smtp_reply.h).
 * SG_E_STATE when no message waits, SG_E_ARG for another code or a
 * malformed enhanced code (nothing queued then).
 */
SG_MUST_CHECK enum sg_err sg_smtp_server_finish(struct sg_smtp_server *s, unsigned code,
						const char *enhanced, const char *text);

/*
 * Queues the 421 of the reason (after pending output) and closes. In
 * MESSAGE the message is dropped: no 250 was sent, the client keeps it
 * (graceful shutdown should abort only the sessions not in MESSAGE).
 */
void sg_smtp_server_abort(struct sg_smtp_server *s, enum sg_smtp_abort_reason why);

/* True once AUTH PLAIN succeeded; the authcid, or NULL. */
const char *sg_smtp_server_auth_user(const struct sg_smtp_server *s);
/* Number of error replies so far. */
unsigned sg_smtp_server_errors(const struct sg_smtp_server *s);
/*
 * The reason of the latest error reply, for the log: message "line N:
 * ..." with the command line number and the byte offset in the stream.
 */
const struct sg_error *sg_smtp_server_last_error(const struct sg_smtp_server *s);

#endif
