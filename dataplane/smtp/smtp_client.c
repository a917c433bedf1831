/*
 * NAME
 *   smtp_client.c - ESMTP client machine: greeting, EHLO/HELO, the
 *                   (pipelined) envelope, the final reply, RSET, QUIT
 *                   (see smtp_client.h; output in smtp_client_text.c)
 *
 * SUMMARY
 *   A transaction is the command sequence [RSET] MAIL RCPT... DATA,
 *   numbered 0..n_cmds-1; `sent` counts commands queued for output and
 *   `replied` the replies read, which arrive in the same order (RFC 2920).
 *   With PIPELINING all are queued at once, without it the next is queued
 *   when the previous one succeeded. The first refusal is kept in the
 *   result; the replies still owed are read before the outcome is given.
 *
 * UNTRUSTED INPUT
 *   Reply bytes from the next hop, through the bounded reply parser.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_client_int.h"

enum cmd_kind { CMD_RSET, CMD_MAIL, CMD_RCPT, CMD_DATA };

struct sg_smtp_client *sg_smtp_client_new(const struct sg_smtp_client_config *cfg)
{
	struct sg_smtp_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cfg = cfg;
	c->helo_name = cfg->helo_name ? cfg->helo_name : "localhost";
	c->state = SG_SMTP_CLIENT_GREETING;
	sg_buf_init(&c->out, SG_SMTP_CLIENT_COMMANDS_MAX);
	sg_smtp_reply_parser_init(&c->rp, cfg->max_reply_line, cfg->max_reply_lines);
	return c;
}

void sg_smtp_client_free(struct sg_smtp_client *c)
{
	if (c == NULL)
		return;
	sg_buf_free(&c->out);
	sg_smtp_reply_parser_free(&c->rp);
	free(c);
}

enum sg_smtp_client_state sg_smtp_client_state(const struct sg_smtp_client *c)
{
	return c->state;
}

unsigned sg_smtp_client_extensions(const struct sg_smtp_client *c)
{
	return c->ext;
}

uint64_t sg_smtp_client_size_limit(const struct sg_smtp_client *c)
{
	return c->size_limit;
}

const struct sg_error *sg_smtp_client_error(const struct sg_smtp_client *c)
{
	return &c->error;
}

static enum cmd_kind cmd_at(const struct sg_smtp_client *c, unsigned k)
{
	if (c->with_rset && k == 0)
		return CMD_RSET;
	k -= c->with_rset;
	if (k == 0)
		return CMD_MAIL;
	return k == c->n_cmds - 1u - c->with_rset ? CMD_DATA : CMD_RCPT;
}

unsigned sg_smtp_client_timeout(const struct sg_smtp_client *c)
{
	switch (c->state) {
	case SG_SMTP_CLIENT_GREETING:
	case SG_SMTP_CLIENT_HELLO:
	case SG_SMTP_CLIENT_RSET:
	case SG_SMTP_CLIENT_QUIT:
		return 300;
	case SG_SMTP_CLIENT_ENVELOPE:
		return cmd_at(c, c->replied) == CMD_DATA ? 120 : 300;
	case SG_SMTP_CLIENT_TEXT:
		return 180;
	case SG_SMTP_CLIENT_FINAL:
		return 600;
	case SG_SMTP_CLIENT_READY:
	case SG_SMTP_CLIENT_CLOSED:
		break;
	}
	return 0;
}

/* Sets the result from a reply (NULL: no reply, why says what happened). */
static void set_result(struct sg_smtp_client *c, enum sg_smtp_client_step step,
		       const struct sg_smtp_reply *r, const char *why)
{
	struct sg_smtp_client_result *res = &c->result;
	unsigned klass = r ? sg_smtp_reply_class(r->code) : 4;

	res->outcome = klass == 2 && step == SG_SMTP_STEP_DOT ? SG_SMTP_ACCEPTED
		       : klass == 5 && step >= SG_SMTP_STEP_MAIL ? SG_SMTP_PERMFAIL
		       : SG_SMTP_TEMPFAIL;
	res->step = step;
	res->code = r ? r->code : 0;
	snprintf(res->enhanced, sizeof(res->enhanced), "%s", r ? r->enhanced : "");
	snprintf(res->text, sizeof(res->text), "%s", r ? sg_buf_cstr(&r->text) : why);
}

/* The job is over: its result is available, the machine is idle. */
static void finish_job(struct sg_smtp_client *c)
{
	c->have_job = false;
	c->started = false;
	c->have_result = true;
	c->env = NULL;
	memset(&c->text, 0, sizeof(c->text));
	if (c->state != SG_SMTP_CLIENT_CLOSED)
		c->state = SG_SMTP_CLIENT_READY;
}

/* The connection is unusable; a job in progress fails temporarily. */
static void close_connection(struct sg_smtp_client *c, enum sg_smtp_client_step step,
			     const struct sg_smtp_reply *r, const char *why)
{
	if (c->error.code == SG_OK)
		sg_error_set(&c->error, SG_E_IO, 0, c->rp.offset, "%s", why);
	c->state = SG_SMTP_CLIENT_CLOSED;
	if (!c->have_job)
		return;
	if (!c->failed)
		set_result(c, step, r, why);
	finish_job(c);
}

static void queue_command(struct sg_smtp_client *c, const char *fmt, ...) SG_PRINTF(2, 3);

static void queue_command(struct sg_smtp_client *c, const char *fmt, ...)
{
	char line[SG_SMTP_PATH_MAX + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (c->state == SG_SMTP_CLIENT_CLOSED)
		return;
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    sg_buf_append(&c->out, line, (size_t)n) != SG_OK)
		close_connection(c, SG_SMTP_STEP_CONNECTION, NULL,
				 "command could not be queued (out of memory)");
}

/* Queues command number `sent` (env kept: a failure may drop c->env). */
static void queue_transaction_command(struct sg_smtp_client *c)
{
	const struct sg_smtp_envelope *env = c->env;
	size_t size = c->text.pre_len + c->text.len;
	unsigned k = c->sent++;

	switch (cmd_at(c, k)) {
	case CMD_RSET:
		queue_command(c, "RSET\r\n");
		break;
	case CMD_MAIL:
		queue_command(c, "MAIL FROM:<%s>", env->mail_from);
		if (c->ext & SG_SMTP_EXT_SIZE)
			queue_command(c, " SIZE=%zu", size);
		if ((c->ext & SG_SMTP_EXT_8BITMIME) && env->body == SG_SMTP_BODY_8BITMIME)
			queue_command(c, " BODY=8BITMIME");
		queue_command(c, "\r\n");
		break;
	case CMD_RCPT:
		queue_command(c, "RCPT TO:<%s>\r\n", env->rcpt[k - c->with_rset - 1]);
		break;
	case CMD_DATA:
		queue_command(c, "DATA\r\n");
		break;
	}
}

static void start_job(struct sg_smtp_client *c)
{
	c->started = true;
	c->failed = false;
	c->with_rset = c->dirty;
	c->n_cmds = c->with_rset + 2 + c->env->n_rcpt;
	c->sent = 0;
	c->replied = 0;
	c->dirty = true;
	c->state = SG_SMTP_CLIENT_ENVELOPE;
	if (c->ext & SG_SMTP_EXT_PIPELINING) {
		while (c->sent < c->n_cmds && c->state != SG_SMTP_CLIENT_CLOSED)
			queue_transaction_command(c);
	} else {
		queue_transaction_command(c);
	}
}

/* No byte that could end or break a command line. */
static bool address_ok(const char *a)
{
	for (; *a; a++)
		if ((unsigned char)*a < 0x20 || *a == 0x7f)
			return false;
	return true;
}

/* What every send checks first: the state, the envelope, the prefix. */
static enum sg_err job_check(const struct sg_smtp_client *c, const struct sg_smtp_envelope *env,
			     const char *prefix, size_t prefix_len, struct sg_error *err)
{
	if (c->have_job || c->state > SG_SMTP_CLIENT_READY)
		return sg_error_set(err, SG_E_STATE, 0, 0, "connection busy or closed");
	if (env->n_rcpt == 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no recipients");
	if (!address_ok(env->mail_from))
		return sg_error_set(err, SG_E_ARG, 0, 0, "sender with a control character");
	for (unsigned i = 0; i < env->n_rcpt; i++)
		if (!address_ok(env->rcpt[i]))
			return sg_error_set(err, SG_E_ARG, 0, i + 1,
					    "recipient %u with a control character", i + 1);
	return smtpc_check_prefix(prefix, prefix_len, err);
}

static void job_start(struct sg_smtp_client *c, const struct sg_smtp_envelope *env,
		      const char *prefix, size_t prefix_len, const struct sg_smtp_text *t)
{
	smtpc_text_start(&c->text, prefix, prefix_len, t);
	c->env = env;
	c->have_job = true;
	c->have_result = false;
	if (c->state == SG_SMTP_CLIENT_READY)
		start_job(c);
}

enum sg_err sg_smtp_client_send(struct sg_smtp_client *c, const struct sg_smtp_envelope *env,
				const char *msg, size_t len, struct sg_error *err)
{
	return sg_smtp_client_send_prefixed(c, env, NULL, 0, msg, len, err);
}

enum sg_err sg_smtp_client_send_prefixed(struct sg_smtp_client *c,
					 const struct sg_smtp_envelope *env, const char *prefix,
					 size_t prefix_len, const char *msg, size_t len,
					 struct sg_error *err)
{
	struct sg_smtp_text t;
	enum sg_err rc = job_check(c, env, prefix, prefix_len, err);

	if (rc == SG_OK)
		rc = sg_smtp_text_check(&t, msg, len, err);
	if (rc == SG_OK)
		job_start(c, env, prefix, prefix_len, &t);
	return rc;
}

enum sg_err sg_smtp_client_send_text(struct sg_smtp_client *c,
				     const struct sg_smtp_envelope *env, const char *prefix,
				     size_t prefix_len, const struct sg_smtp_text *t,
				     struct sg_error *err)
{
	enum sg_err rc = job_check(c, env, prefix, prefix_len, err);

	if (rc == SG_OK)
		job_start(c, env, prefix, prefix_len, t);
	return rc;
}

enum sg_err sg_smtp_client_rset(struct sg_smtp_client *c)
{
	if (c->state != SG_SMTP_CLIENT_READY || c->have_job)
		return SG_E_STATE;
	queue_command(c, "RSET\r\n");
	c->state = SG_SMTP_CLIENT_RSET;
	return SG_OK;
}

enum sg_err sg_smtp_client_quit(struct sg_smtp_client *c)
{
	if (c->have_job || c->state == SG_SMTP_CLIENT_CLOSED || c->state == SG_SMTP_CLIENT_QUIT)
		return SG_E_STATE;
	queue_command(c, "QUIT\r\n");
	c->state = SG_SMTP_CLIENT_QUIT;
	return SG_OK;
}

void sg_smtp_client_abort(struct sg_smtp_client *c, const char *why)
{
	char text[256];

	if (c->state == SG_SMTP_CLIENT_CLOSED)
		return;
	snprintf(text, sizeof(text), "connection to the next hop lost: %s", why);
	close_connection(c, SG_SMTP_STEP_CONNECTION, NULL, text);
}

bool sg_smtp_client_result(struct sg_smtp_client *c, struct sg_smtp_client_result *out)
{
	if (!c->have_result)
		return false;
	*out = c->result;
	c->have_result = false;
	return true;
}

/* EHLO reply: the keywords of the lines after the first. */
static void parse_extensions(struct sg_smtp_client *c, const char *text)
{
	const char *line = strchr(text, '\n');

	c->ext = 0;
	c->size_limit = 0;
	while (line != NULL) {
		line++;
		if (strncasecmp(line, "PIPELINING", 10) == 0 && (line[10] == '\n' || !line[10]))
			c->ext |= SG_SMTP_EXT_PIPELINING;
		else if (strncasecmp(line, "8BITMIME", 8) == 0 && (line[8] == '\n' || !line[8]))
			c->ext |= SG_SMTP_EXT_8BITMIME;
		else if (strncasecmp(line, "ENHANCEDSTATUSCODES", 19) == 0)
			c->ext |= SG_SMTP_EXT_ENHANCEDSTATUSCODES;
		else if (strncasecmp(line, "SIZE", 4) == 0 && (line[4] == ' ' || line[4] == '\n' ||
							       !line[4])) {
			c->ext |= SG_SMTP_EXT_SIZE;
			c->size_limit = line[4] == ' ' ? strtoull(line + 5, NULL, 10) : 0;
		}
		line = strchr(line, '\n');
	}
}

static void now_ready(struct sg_smtp_client *c)
{
	c->state = SG_SMTP_CLIENT_READY;
	if (c->have_job && !c->started)
		start_job(c);
}

static void on_greeting(struct sg_smtp_client *c, const struct sg_smtp_reply *r)
{
	if (r->code != 220) {
		close_connection(c, SG_SMTP_STEP_GREETING, r, "next hop refused the connection");
		return;
	}
	queue_command(c, "EHLO %s\r\n", c->helo_name);
	c->state = SG_SMTP_CLIENT_HELLO;
}

static void on_hello(struct sg_smtp_client *c, const struct sg_smtp_reply *r)
{
	unsigned klass = sg_smtp_reply_class(r->code);

	if (klass == 2) {
		if (!c->helo_sent)
			parse_extensions(c, sg_buf_cstr(&r->text));
		now_ready(c);
	} else if (klass == 5 && !c->helo_sent && r->code != 554) {
		c->helo_sent = true;
		queue_command(c, "HELO %s\r\n", c->helo_name);
	} else {
		close_connection(c, SG_SMTP_STEP_HELLO, r, "next hop refused EHLO/HELO");
	}
}

static enum sg_smtp_client_step step_of(enum cmd_kind k)
{
	static const enum sg_smtp_client_step steps[] = {
		[CMD_RSET] = SG_SMTP_STEP_RSET, [CMD_MAIL] = SG_SMTP_STEP_MAIL,
		[CMD_RCPT] = SG_SMTP_STEP_RCPT, [CMD_DATA] = SG_SMTP_STEP_DATA,
	};
	return steps[k];
}

/* A reply to DATA: send the text, or end the job with the first refusal. */
static void on_data_reply(struct sg_smtp_client *c, const struct sg_smtp_reply *r)
{
	if (r->code == 354 && !c->failed) {
		c->state = SG_SMTP_CLIENT_TEXT;
		if (smtpc_text_done(&c->text))
			c->state = SG_SMTP_CLIENT_FINAL;
		return;
	}
	if (!c->failed)
		set_result(c, SG_SMTP_STEP_DATA, r, NULL);
	if (r->code == 354)	/* pipelined DATA accepted after a refusal */
		close_connection(c, SG_SMTP_STEP_DATA, r, "DATA accepted after a refused "
				 "command: connection dropped so that nothing is delivered");
	else
		finish_job(c);
}

static void on_envelope(struct sg_smtp_client *c, const struct sg_smtp_reply *r)
{
	enum cmd_kind kind = cmd_at(c, c->replied++);
	bool ok = sg_smtp_reply_class(r->code) == 2;

	if (kind == CMD_DATA) {
		on_data_reply(c, r);
		return;
	}
	if (kind == CMD_RSET && !ok) {
		close_connection(c, SG_SMTP_STEP_RSET, r, "next hop refused RSET");
		return;
	}
	if (!ok && !c->failed) {
		c->failed = true;
		set_result(c, step_of(kind), r, NULL);
	}
	if (c->ext & SG_SMTP_EXT_PIPELINING)
		return;
	if (!ok)
		finish_job(c);
	else
		queue_transaction_command(c);
}

static void on_final(struct sg_smtp_client *c, const struct sg_smtp_reply *r)
{
	set_result(c, SG_SMTP_STEP_DOT, r, NULL);
	c->dirty = false;
	finish_job(c);
}

/* The step a reply read now answers. */
static enum sg_smtp_client_step current_step(const struct sg_smtp_client *c)
{
	switch (c->state) {
	case SG_SMTP_CLIENT_GREETING:
		return SG_SMTP_STEP_GREETING;
	case SG_SMTP_CLIENT_HELLO:
		return SG_SMTP_STEP_HELLO;
	case SG_SMTP_CLIENT_ENVELOPE:
		return step_of(cmd_at(c, c->replied));
	case SG_SMTP_CLIENT_RSET:
		return SG_SMTP_STEP_RSET;
	case SG_SMTP_CLIENT_FINAL:
		return SG_SMTP_STEP_DOT;
	default:
		return SG_SMTP_STEP_CONNECTION;
	}
}

static void on_reply(struct sg_smtp_client *c, const struct sg_smtp_reply *r)
{
	if (r->code == 421 && c->state != SG_SMTP_CLIENT_QUIT) {
		close_connection(c, current_step(c), r, "next hop is closing the connection");
		return;
	}
	switch (c->state) {
	case SG_SMTP_CLIENT_GREETING:
		on_greeting(c, r);
		break;
	case SG_SMTP_CLIENT_HELLO:
		on_hello(c, r);
		break;
	case SG_SMTP_CLIENT_ENVELOPE:
		on_envelope(c, r);
		break;
	case SG_SMTP_CLIENT_FINAL:
		on_final(c, r);
		break;
	case SG_SMTP_CLIENT_RSET:
		if (sg_smtp_reply_class(r->code) == 2) {
			c->dirty = false;
			c->state = SG_SMTP_CLIENT_READY;
		} else {
			close_connection(c, SG_SMTP_STEP_RSET, r, "next hop refused RSET");
		}
		break;
	case SG_SMTP_CLIENT_QUIT:
		c->state = SG_SMTP_CLIENT_CLOSED;
		break;
	default:
		close_connection(c, SG_SMTP_STEP_CONNECTION, NULL, "unexpected reply");
		break;
	}
}

size_t sg_smtp_client_feed(struct sg_smtp_client *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used = 0, n;
	struct sg_error err;

	while (used < len && c->state != SG_SMTP_CLIENT_CLOSED) {
		if (sg_smtp_reply_feed(&c->rp, p + used, len - used, &n, &err) != SG_OK) {
			char why[300];

			snprintf(why, sizeof(why), "protocol error: %s", err.msg);
			c->error = err;
			close_connection(c, SG_SMTP_STEP_CONNECTION, NULL, why);
			return used + n;
		}
		used += n;
		if (c->rp.complete) {
			on_reply(c, &c->rp.reply);
			sg_smtp_reply_next(&c->rp);
		}
	}
	return used;
}
