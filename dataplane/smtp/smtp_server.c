/*
 * NAME
 *   smtp_server.c - ESMTP server machine: life cycle, command-line assembly,
 *                   output buffer, DATA hand-off and the caller's outcome
 *                   (see smtp_server.h; commands in smtp_server_cmd.c)
 *
 * SUMMARY
 *   feed() alternates between two readers: command lines (copied into
 *   s->line up to SG_SMTP_AUTH_LINE_MAX octets; a longer line is read to
 *   its LF and refused) and message text (struct sg_smtp_data). A command
 *   line ends at LF; a CR before it is removed (a bare LF is tolerated in
 *   commands, not in message text). The 512-octet limit of RFC 5321 counts
 *   the line with its terminator; AUTH lines may be longer (RFC 4954).
 *
 * UNTRUSTED INPUT
 *   All bytes fed. Bounded: one line buffer, output held at
 *   SG_SMTP_SERVER_OUTPUT_HIGH (feed stops), message at max_size.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_reply.h"
#include "smtp_server_int.h"

struct sg_smtp_server *sg_smtp_server_new(const struct sg_smtp_server_config *cfg,
					  unsigned flags)
{
	struct sg_smtp_server *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = cfg;
	s->hostname = cfg->hostname ? cfg->hostname : "localhost";
	s->max_size = cfg->max_message_size ? cfg->max_message_size
					    : SG_SMTP_DEFAULT_MESSAGE_SIZE;
	s->max_rcpt = cfg->max_recipients ? cfg->max_recipients : SG_SMTP_DEFAULT_RECIPIENTS;
	s->max_errors = cfg->max_errors ? cfg->max_errors : SG_SMTP_DEFAULT_MAX_ERRORS;
	s->relay_client = (flags & SG_SMTP_SERVER_RELAY_CLIENT) != 0;
	s->state = SG_SMTP_SERVER_COMMAND;
	sg_smtp_envelope_init(&s->env, s->max_rcpt);
	sg_smtp_data_init(&s->data, s->max_size);
	sg_buf_init(&s->out, 2 * SG_SMTP_SERVER_OUTPUT_HIGH);
	if (flags & SG_SMTP_SERVER_BUSY) {
		smtps_reply(s, 421, "4.3.2", "%s Service busy, too many connections; "
			    "try again later", s->hostname);
		s->state = SG_SMTP_SERVER_CLOSING;
	} else {
		smtps_reply(s, 220, NULL, "%s ESMTP signet", s->hostname);
	}
	return s;
}

void sg_smtp_server_free(struct sg_smtp_server *s)
{
	if (s == NULL)
		return;
	sg_smtp_envelope_free(&s->env);
	sg_smtp_data_free(&s->data);
	sg_buf_free(&s->out);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

enum sg_smtp_server_state sg_smtp_server_state(const struct sg_smtp_server *s)
{
	return s->state;
}

const char *sg_smtp_server_output(const struct sg_smtp_server *s, size_t *len)
{
	*len = s->out.len - s->out_off;
	return *len > 0 ? s->out.data + s->out_off : NULL;
}

void sg_smtp_server_output_done(struct sg_smtp_server *s, size_t n)
{
	size_t pending = s->out.len - s->out_off;

	s->out_off += n < pending ? n : pending;
	if (s->out_off == s->out.len) {
		sg_buf_reset(&s->out);
		s->out_off = 0;
	}
}

/* The output could not grow: nothing sensible can be said any more. */
static void output_broken(struct sg_smtp_server *s)
{
	s->state = SG_SMTP_SERVER_CLOSING;
	sg_error_set(&s->last_error, SG_E_NOMEM, s->line_no, s->offset,
		     "line %u: reply could not be queued (out of memory)", s->line_no);
}

void smtps_raw(struct sg_smtp_server *s, const char *text)
{
	if (sg_buf_puts(&s->out, text) != SG_OK)
		output_broken(s);
}

static void vreply(struct sg_smtp_server *s, unsigned code, const char *enhanced,
		   const char *fmt, va_list ap) SG_PRINTF(4, 0);

static void vreply(struct sg_smtp_server *s, unsigned code, const char *enhanced,
		   const char *fmt, va_list ap)
{
	char text[SG_SMTP_REPLY_TEXT_LINE_MAX * 2];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (sg_smtp_reply_format(&s->out, code, enhanced, text) != SG_OK)
		output_broken(s);
}

void smtps_reply(struct sg_smtp_server *s, unsigned code, const char *enhanced,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreply(s, code, enhanced, fmt, ap);
	va_end(ap);
}

void smtps_fail(struct sg_smtp_server *s, unsigned code, const char *enhanced,
		const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	smtps_reply(s, code, enhanced, "%s", why);
	sg_error_set(&s->last_error, code >= 500 ? SG_E_SYNTAX : SG_E_LIMIT, s->line_no,
		     s->offset, "line %u: %u %s %s", s->line_no, code, enhanced, why);
	if (++s->errors >= s->max_errors && s->state != SG_SMTP_SERVER_CLOSING) {
		smtps_reply(s, 421, "4.7.0", "%s Error: too many errors", s->hostname);
		s->state = SG_SMTP_SERVER_CLOSING;
	}
}

void smtps_reset_transaction(struct sg_smtp_server *s)
{
	sg_smtp_envelope_reset(&s->env);
	sg_smtp_data_free(&s->data);
	sg_smtp_data_reset(&s->data);
	s->in_mail = false;
}

static bool is_auth_line(const struct sg_smtp_server *s)
{
	return s->auth_wait || strncasecmp(s->line, "AUTH ", 5) == 0;
}

/* A whole line was read (terminator of term_len octets removed). */
static void line_complete(struct sg_smtp_server *s, size_t term_len)
{
	size_t len = s->line_len;
	bool auth = is_auth_line(s);

	s->line_no++;
	s->line[len] = '\0';
	if (s->line_overflow || len + term_len > (auth ? SG_SMTP_AUTH_LINE_MAX
						      : SG_SMTP_COMMAND_LINE_MAX)) {
		s->auth_wait = false;
		smtps_fail(s, 500, "5.5.6", "Error: line too long (limit %d octets)",
			   auth ? SG_SMTP_AUTH_LINE_MAX : SG_SMTP_COMMAND_LINE_MAX);
	} else if (memchr(s->line, '\0', len) != NULL) {
		s->auth_wait = false;
		smtps_fail(s, 500, "5.5.2", "Error: NUL byte in command line");
	} else if (s->auth_wait) {
		smtps_auth_response(s, s->line);
	} else {
		while (len > 0 && (s->line[len - 1] == ' ' || s->line[len - 1] == '\t'))
			s->line[--len] = '\0';
		smtps_command(s, s->line);
	}
	if (auth)
		explicit_bzero(s->line, sizeof(s->line));
	s->line_len = 0;
	s->line_overflow = false;
}

/* Reads command-line bytes up to and including one LF. */
static size_t feed_line(struct sg_smtp_server *s, const uint8_t *p, size_t n)
{
	const uint8_t *lf = memchr(p, '\n', n);
	size_t take = lf ? (size_t)(lf - p) + 1 : n;
	size_t content = lf ? take - 1 : take;
	size_t room = SG_SMTP_AUTH_LINE_MAX - 1 - s->line_len;

	if (content > room) {
		s->line_overflow = true;	/* keep the start: is it AUTH? */
		content = room;
	}
	memcpy(s->line + s->line_len, p, content);
	s->line_len += content;
	s->offset += take;
	if (lf != NULL) {
		size_t term = 1;

		if (!s->line_overflow && s->line_len > 0 && s->line[s->line_len - 1] == '\r') {
			s->line_len--;
			term = 2;
		}
		line_complete(s, term);
	}
	return take;
}

/* The end of data was read: refuse the message or hand it over. */
static void data_complete(struct sg_smtp_server *s)
{
	const struct sg_smtp_data *d = &s->data;

	s->state = SG_SMTP_SERVER_COMMAND;
	if (d->problem == SG_SMTP_DATA_TOO_BIG) {
		smtps_fail(s, 552, "5.3.4", "Error: message size exceeds fixed maximum "
			   "message size (%llu)", (unsigned long long)s->max_size);
	} else if (d->problem == SG_SMTP_DATA_NOMEM) {
		smtps_fail(s, 452, "4.3.1", "Error: insufficient system storage");
	} else if (d->problem != SG_SMTP_DATA_OK) {
		smtps_fail(s, 550, "5.6.0", "Error: message refused: %s in line %u",
			   sg_smtp_data_problem_name(d->problem), d->problem_line);
	} else {
		s->env.helo = s->helo;
		s->env.auth_user = s->authenticated ? s->auth_user : NULL;
		s->env.relay_client = s->relay_client;
		s->state = SG_SMTP_SERVER_MESSAGE;
		return;
	}
	smtps_reset_transaction(s);
}

static size_t feed_data(struct sg_smtp_server *s, const uint8_t *p, size_t n)
{
	size_t used = sg_smtp_data_feed(&s->data, p, n);

	s->offset += used;
	if (sg_smtp_data_done(&s->data))
		data_complete(s);
	return used;
}

size_t sg_smtp_server_feed(struct sg_smtp_server *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used = 0;

	while (used < len) {
		if (s->state == SG_SMTP_SERVER_DATA)
			used += feed_data(s, p + used, len - used);
		else if (s->state == SG_SMTP_SERVER_COMMAND &&
			 s->out.len - s->out_off < SG_SMTP_SERVER_OUTPUT_HIGH)
			used += feed_line(s, p + used, len - used);
		else
			break;
	}
	return used;
}

const struct sg_smtp_envelope *sg_smtp_server_envelope(const struct sg_smtp_server *s)
{
	return s->state == SG_SMTP_SERVER_MESSAGE ? &s->env : NULL;
}

const char *sg_smtp_server_message(const struct sg_smtp_server *s, size_t *len)
{
	if (s->state != SG_SMTP_SERVER_MESSAGE) {
		*len = 0;
		return NULL;
	}
	*len = s->data.msg.len;
	return sg_buf_cstr(&s->data.msg);
}

size_t sg_smtp_server_first_dot(const struct sg_smtp_server *s)
{
	if (s->state != SG_SMTP_SERVER_MESSAGE)
		return 0;
	/* size: the message's length, taken or not */
	return (size_t)(s->data.first_dot < s->data.size ? s->data.first_dot : s->data.size);
}

enum sg_err sg_smtp_server_take_message(struct sg_smtp_server *s, struct sg_buf *out)
{
	if (s->state != SG_SMTP_SERVER_MESSAGE)
		return SG_E_STATE;
	*out = s->data.msg;
	sg_buf_init(&s->data.msg, out->limit);
	return SG_OK;
}

enum sg_err sg_smtp_server_finish(struct sg_smtp_server *s, unsigned code,
				  const char *enhanced, const char *text)
{
	static const char *const defaults[6] = { "", "", "2.0.0", "", "4.0.0", "5.0.0" };
	unsigned klass = sg_smtp_reply_class(code);

	if (s->state != SG_SMTP_SERVER_MESSAGE)
		return SG_E_STATE;
	if (code < 200 || code > 599 || klass == 3 || (klass == 2 && code != 250))
		return SG_E_ARG;
	if (enhanced == NULL)
		enhanced = defaults[klass];
	else if (!sg_smtp_enhanced_valid(enhanced, strlen(enhanced), klass))
		return SG_E_ARG;
	s->state = SG_SMTP_SERVER_COMMAND;
	if (text == NULL || text[0] == '\0')
		text = klass == 2 ? "Ok" : "Error";
	if (sg_smtp_reply_format(&s->out, code, enhanced, text) != SG_OK)
		output_broken(s);
	smtps_reset_transaction(s);
	return SG_OK;
}

void sg_smtp_server_abort(struct sg_smtp_server *s, enum sg_smtp_abort_reason why)
{
	if (s->state == SG_SMTP_SERVER_CLOSING)
		return;
	switch (why) {
	case SG_SMTP_ABORT_TIMEOUT:
		smtps_reply(s, 421, "4.4.2", "%s Error: timeout exceeded", s->hostname);
		break;
	case SG_SMTP_ABORT_TOO_SLOW:
		smtps_reply(s, 421, "4.7.0", "%s Error: data rate too low", s->hostname);
		break;
	case SG_SMTP_ABORT_SHUTDOWN:
		smtps_reply(s, 421, "4.3.2", "%s Service shutting down", s->hostname);
		break;
	}
	s->state = SG_SMTP_SERVER_CLOSING;
	smtps_reset_transaction(s);
}

const char *sg_smtp_server_auth_user(const struct sg_smtp_server *s)
{
	return s->authenticated ? s->auth_user : NULL;
}

unsigned sg_smtp_server_errors(const struct sg_smtp_server *s)
{
	return s->errors;
}

const struct sg_error *sg_smtp_server_last_error(const struct sg_smtp_server *s)
{
	return &s->last_error;
}
