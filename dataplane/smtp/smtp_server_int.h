/*
 * NAME
 *   smtp_server_int.h - the inside of struct sg_smtp_server, shared by
 *                       smtp_server.c (lines, output, DATA, outcome),
 *                       smtp_server_cmd.c (commands) and
 *                       smtp_server_auth.c (AUTH PLAIN)
 *
 * SUMMARY
 *   Not part of the API: callers use smtp_server.h. smtps_reply queues a
 *   positive reply; smtps_fail queues an error reply, counts it, records
 *   it as the last error and closes with 421 4.7.0 at max_errors.
 */
#ifndef SIGNET_SMTP_SERVER_INT_H
#define SIGNET_SMTP_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "smtp_data.h"
#include "smtp_envelope.h"
#include "smtp_server.h"
#include "status.h"

#define SMTPS_HELO_MAX 255

struct sg_smtp_server {
	const struct sg_smtp_server_config *cfg;
	const char *hostname;
	uint64_t max_size;
	unsigned max_rcpt;
	unsigned max_errors;
	enum sg_smtp_server_state state;
	bool greeted;			/* EHLO or HELO accepted */
	bool esmtp;			/* it was EHLO */
	bool in_mail;			/* MAIL accepted, transaction open */
	bool relay_client;
	bool authenticated;
	bool auth_wait;			/* 334 sent, the response line is next */
	bool line_overflow;		/* the current line is being discarded */
	unsigned errors;
	uint32_t line_no;		/* command lines read */
	uint64_t offset;		/* bytes consumed */
	size_t line_len;
	char line[SG_SMTP_AUTH_LINE_MAX + 1];
	char helo[SMTPS_HELO_MAX + 1];
	char auth_user[SG_SMTP_AUTH_FIELD_MAX + 1];
	struct sg_smtp_envelope env;
	struct sg_smtp_data data;
	struct sg_buf out;
	size_t out_off;			/* bytes of out already written */
	struct sg_error last_error;
};

void smtps_reply(struct sg_smtp_server *s, unsigned code, const char *enhanced,
		 const char *fmt, ...) SG_PRINTF(4, 5);
void smtps_fail(struct sg_smtp_server *s, unsigned code, const char *enhanced,
		const char *fmt, ...) SG_PRINTF(4, 5);
/* Appends raw bytes (a reply the formatter cannot write, e.g. "334 "). */
void smtps_raw(struct sg_smtp_server *s, const char *text);
/* Closes the transaction: envelope and message forgotten. */
void smtps_reset_transaction(struct sg_smtp_server *s);

/* AUTH PLAIN is offered: configured and with a callback to check it. */
static inline bool smtps_auth_offered(const struct sg_smtp_server *s)
{
	return s->cfg->auth_plain && s->cfg->auth_check != NULL;
}

/* One complete command line (NUL-terminated, no line end). */
void smtps_command(struct sg_smtp_server *s, char *line);
/* The AUTH command's argument (after "AUTH "), and the 334 response line. */
void smtps_auth(struct sg_smtp_server *s, char *arg);
void smtps_auth_response(struct sg_smtp_server *s, char *line);

#endif
