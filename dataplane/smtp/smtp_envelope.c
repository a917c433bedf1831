/*
 * NAME
 *   smtp_envelope.c - SMTP envelope storage and the RFC 5321 path parser
 *                     (see smtp_envelope.h)
 *
 * SUMMARY
 *   The path grammar accepted (RFC 5321 section 4.1.2, US-ASCII only):
 *     path      = "<" [ route ":" ] mailbox ">"  |  "<>"
 *     route     = "@" domain *( "," "@" domain )   (skipped, not checked)
 *     mailbox   = local-part "@" ( domain | "[" literal "]" )
 *     local-part= dot-string | quoted-string
 *   Dot-string atoms are printable characters other than the RFC 5322
 *   specials; empty atoms (leading, trailing or doubled dots) are refused.
 *
 * UNTRUSTED INPUT
 *   MAIL/RCPT arguments from SMTP clients; every scan is bounded by
 *   SG_SMTP_PATH_MAX and the NUL terminator of the command line.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_envelope.h"

void sg_smtp_envelope_init(struct sg_smtp_envelope *env, unsigned max_rcpt)
{
	memset(env, 0, sizeof(*env));
	env->max_rcpt = max_rcpt;
}

enum sg_err sg_smtp_envelope_set_from(struct sg_smtp_envelope *env, const char *addr)
{
	size_t n = strlen(addr);

	if (n >= sizeof(env->mail_from))
		return SG_E_LIMIT;
	memcpy(env->mail_from, addr, n + 1);
	return SG_OK;
}

enum sg_err sg_smtp_envelope_add_rcpt(struct sg_smtp_envelope *env, const char *addr)
{
	size_t n = strlen(addr);
	char *copy;

	if (env->n_rcpt >= env->max_rcpt || n >= SG_SMTP_PATH_MAX)
		return SG_E_LIMIT;
	if (env->rcpt == NULL) {
		env->rcpt = calloc(env->max_rcpt, sizeof(*env->rcpt));
		if (env->rcpt == NULL)
			return SG_E_NOMEM;
	}
	copy = malloc(n + 1);
	if (copy == NULL)
		return SG_E_NOMEM;
	memcpy(copy, addr, n + 1);
	env->rcpt[env->n_rcpt++] = copy;
	return SG_OK;
}

void sg_smtp_envelope_reset(struct sg_smtp_envelope *env)
{
	for (unsigned i = 0; i < env->n_rcpt; i++)
		free(env->rcpt[i]);
	env->n_rcpt = 0;
	env->mail_from[0] = '\0';
	env->size_param = 0;
	env->body = SG_SMTP_BODY_NONE;
	env->helo = NULL;
	env->auth_user = NULL;
	env->relay_client = false;
}

void sg_smtp_envelope_free(struct sg_smtp_envelope *env)
{
	sg_smtp_envelope_reset(env);
	free(env->rcpt);
	env->rcpt = NULL;
}

/* RFC 5322 atext: printable, not a special, not space. */
static bool is_atext(char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>[]:;@\\,.\"", c) == NULL;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Dot-string at p; returns its length or 0 when malformed. */
static size_t scan_dot_string(const char *p)
{
	size_t i = 0;

	for (;;) {
		size_t atom = i;

		while (is_atext(p[i]))
			i++;
		if (i == atom)
			return 0;		/* empty atom */
		if (p[i] != '.')
			return i;
		i++;
	}
}

/* Quoted string at p (p[0] == '"'); returns its length or 0. */
static size_t scan_quoted(const char *p)
{
	size_t i = 1;

	while (p[i] != '"') {
		if (p[i] == '\\')
			i++;
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;		/* NUL, control or 8-bit */
		i++;
	}
	return i + 1;
}

/* Domain or [literal] at p; returns its length or 0. */
static size_t scan_domain(const char *p)
{
	size_t i = 0;

	if (p[0] == '[') {
		for (i = 1; p[i] != ']'; i++)
			if (p[i] <= 0x20 || p[i] > 0x7e || p[i] == '[' || p[i] == '\\')
				return 0;
		return i > 1 ? i + 1 : 0;
	}
	for (;;) {
		size_t label = i;

		while (is_alnum(p[i]) || p[i] == '-')
			i++;
		if (i == label)
			return 0;
		if (p[i] != '.')
			return i;
		i++;
	}
}

/* Skips "@dom,@dom:" after '<'; returns the offset of the mailbox or 0. */
static size_t skip_route(const char *p, size_t i)
{
	if (p[i] != '@')
		return i;
	while (p[i] != ':') {
		if (p[i] <= 0x20 || p[i] > 0x7e || p[i] == '>')
			return 0;
		i++;
	}
	return i + 1;
}

static enum sg_err path_error(struct sg_error *err, size_t at, const char *why)
{
	return sg_error_set(err, SG_E_SYNTAX, 0, at, "%s at offset %zu", why, at);
}

/* Scans the mailbox at text+i; returns the offset of the closing '>' or 0. */
static size_t scan_mailbox(const char *text, size_t i, bool allow_postmaster,
			   struct sg_error *err)
{
	size_t n = text[i] == '"' ? scan_quoted(text + i) : scan_dot_string(text + i);

	if (n == 0) {
		path_error(err, i, "malformed local part");
		return 0;
	}
	if (text[i + n] == '>' && allow_postmaster && n == 10 &&
	    strncasecmp(text + i, "postmaster", 10) == 0)
		return i + n;
	if (text[i + n] != '@') {
		path_error(err, i + n, "expected '@' after the local part");
		return 0;
	}
	i += n + 1;
	n = scan_domain(text + i);
	if (n == 0) {
		path_error(err, i, "malformed domain");
		return 0;
	}
	if (text[i + n] != '>') {
		path_error(err, i + n, "expected '>' after the domain");
		return 0;
	}
	return i + n;
}

enum sg_err sg_smtp_path_parse(const char *text, bool allow_null, bool allow_postmaster,
			       char *out, size_t cap, const char **end, struct sg_error *err)
{
	size_t start, close;

	if (text[0] != '<')
		return path_error(err, 0, "expected '<'");
	if (text[1] == '>') {
		if (!allow_null)
			return path_error(err, 1, "empty path");
		out[0] = '\0';
		*end = text + 2;
		return SG_OK;
	}
	start = skip_route(text, 1);
	if (start == 0)
		return path_error(err, 1, "malformed source route");
	close = scan_mailbox(text, start, allow_postmaster, err);
	if (close == 0)
		return SG_E_SYNTAX;
	if (close + 1 > SG_SMTP_PATH_MAX || close - start >= cap)
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "path of %zu octets is longer than %d", close + 1,
				    SG_SMTP_PATH_MAX);
	memcpy(out, text + start, close - start);
	out[close - start] = '\0';
	*end = text + close + 1;
	return SG_OK;
}
