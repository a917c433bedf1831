/*
 * NAME
 *   smtp_client_int.h - the inside of struct sg_smtp_client, shared by
 *                       smtp_client.c (dialogue) and smtp_client_text.c
 *                       (output iovecs, dot-stuffing, message checks)
 *
 * SUMMARY
 *   Not part of the API: callers use smtp_client.h. The text cursor walks
 *   the caller's message: pos is the next octet to send and dot the
 *   smallest line-start '.' at or after pos that has not been doubled yet
 *   (len when none); when pos reaches dot one extra "." is sent first.
 *   After the message comes the trailer (".\r\n" or "\r\n.\r\n"). An
 *   optional prefix (header fields of the caller's, e.g. signatures) goes
 *   out first, as one more iovec into the caller's memory: it was checked
 *   to be whole CRLF lines without a line-start dot, so it needs no
 *   stuffing; pre_pos counts its octets written.
 */
#ifndef SIGNET_SMTP_CLIENT_INT_H
#define SIGNET_SMTP_CLIENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "smtp_client.h"
#include "smtp_reply.h"

struct smtpc_text {
	const char *pre;		/* prefix (NULL or whole lines) */
	size_t pre_len;
	size_t pre_pos;
	const char *msg;
	size_t len;
	size_t pos;			/* next octet of msg to send */
	size_t dot;			/* next line-start dot to double, or len */
	const char *trailer;
	size_t trailer_off;
};

struct sg_smtp_client {
	const struct sg_smtp_client_config *cfg;
	const char *helo_name;
	enum sg_smtp_client_state state;
	unsigned ext;			/* SG_SMTP_EXT_* */
	uint64_t size_limit;
	bool helo_sent;			/* EHLO was refused, HELO sent */
	bool dirty;			/* the next hop may hold a transaction */
	bool have_job;			/* a message is queued or in progress */
	bool started;			/* its commands have been queued */
	bool have_result;
	bool failed;			/* a command of the job was refused */
	const struct sg_smtp_envelope *env;
	unsigned n_cmds;		/* [RSET] MAIL RCPT.. DATA */
	unsigned sent;			/* commands queued for output */
	unsigned replied;		/* replies read */
	bool with_rset;
	struct smtpc_text text;
	struct sg_smtp_client_result result;
	struct sg_buf out;		/* command text */
	size_t out_off;			/* octets of out already written */
	struct sg_smtp_reply_parser rp;
	struct sg_error error;
};

/* Checks the prefix (pre_len 0: none): whole CRLF lines, clean, no
 * line-start dot. */
SG_MUST_CHECK enum sg_err smtpc_check_prefix(const char *pre, size_t len,
					     struct sg_error *err);
/* Points the cursor at the prefix and the checked text. */
void smtpc_text_start(struct smtpc_text *t, const char *pre, size_t pre_len,
		      const struct sg_smtp_text *text);
/* True when the message and its trailer are all written. */
bool smtpc_text_done(const struct smtpc_text *t);

#endif
