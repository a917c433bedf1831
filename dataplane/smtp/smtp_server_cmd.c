/*
 * NAME
 *   smtp_server_cmd.c - the ESMTP commands of the server machine: the
 *                       command table, EHLO/HELO, MAIL with SIZE= and
 *                       BODY=, RCPT with the relay rule, DATA, RSET, NOOP,
 *                       QUIT, HELP, VRFY and the refusals (see the reply
 *                       table in smtp_server.h)
 *
 * SUMMARY
 *   A command line is a verb (case-insensitive, up to the first space) and
 *   an argument (the rest, leading spaces skipped, trailing spaces already
 *   removed). Each handler checks, in this order: the argument's syntax,
 *   the session state (503), then policy (relay, limits). Syntax is checked
 *   first so that a malformed command gets 501 whatever the state.
 *   MAIL FROM: and RCPT TO: accept spaces between the colon and the path
 *   (common client behaviour), nothing else outside RFC 5321.
 *
 * UNTRUSTED INPUT
 *   Command lines from SMTP clients (NUL-free, at most 1024 octets).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "smtp_server_int.h"

#define SIZE_DIGITS_MAX 20

struct mail_params {
	bool have_size;
	bool have_body;
	bool have_auth;
	uint64_t size;
	enum sg_smtp_body body;
};

static char *skip_spaces(char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* A host name argument: one word of printable US-ASCII. */
static bool valid_helo(const char *arg)
{
	size_t n = strlen(arg);

	if (n == 0 || n > SMTPS_HELO_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (arg[i] <= 0x20 || arg[i] > 0x7e)
			return false;
	return true;
}

static void cmd_hello(struct sg_smtp_server *s, char *arg, bool esmtp)
{
	if (!valid_helo(arg)) {
		smtps_fail(s, 501, "5.5.4", "Syntax: %s hostname", esmtp ? "EHLO" : "HELO");
		return;
	}
	smtps_reset_transaction(s);
	s->greeted = true;
	s->esmtp = esmtp;
	memcpy(s->helo, arg, strlen(arg) + 1);
	if (!esmtp) {
		smtps_reply(s, 250, NULL, "%s", s->hostname);
		return;
	}
	smtps_reply(s, 250, NULL, "%s\nPIPELINING\nSIZE %llu\n8BITMIME\n%sENHANCEDSTATUSCODES",
		    s->hostname, (unsigned long long)s->max_size,
		    smtps_auth_offered(s) ? "AUTH PLAIN\n" : "");
}

static void cmd_ehlo(struct sg_smtp_server *s, char *arg)
{
	cmd_hello(s, arg, true);
}

static void cmd_helo(struct sg_smtp_server *s, char *arg)
{
	cmd_hello(s, arg, false);
}

/* Splits "KEY[=VALUE]" in place; returns false for a malformed keyword. */
static bool split_param(char *tok, char **value)
{
	char *eq = strchr(tok, '=');

	*value = NULL;
	if (eq != NULL) {
		*eq = '\0';
		*value = eq + 1;
	}
	if (tok[0] == '\0')
		return false;
	for (char *p = tok; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

static bool parse_size(const char *v, uint64_t *out)
{
	size_t n = strlen(v);
	uint64_t x = 0;

	if (n == 0 || n > SIZE_DIGITS_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		if (x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

/* One MAIL parameter; on refusal the reply is queued and false returned. */
static bool mail_param(struct sg_smtp_server *s, char *tok, struct mail_params *mp)
{
	char *v;

	if (!split_param(tok, &v)) {
		smtps_fail(s, 501, "5.5.4", "Syntax error in parameters");
		return false;
	}
	if (strcasecmp(tok, "SIZE") == 0 && !mp->have_size) {
		mp->have_size = true;
		if (v == NULL || !parse_size(v, &mp->size)) {
			smtps_fail(s, 501, "5.5.4", "Bad SIZE= value");
			return false;
		}
	} else if (strcasecmp(tok, "BODY") == 0 && !mp->have_body) {
		mp->have_body = true;
		if (v != NULL && strcasecmp(v, "7BIT") == 0) {
			mp->body = SG_SMTP_BODY_7BIT;
		} else if (v != NULL && strcasecmp(v, "8BITMIME") == 0) {
			mp->body = SG_SMTP_BODY_8BITMIME;
		} else {
			smtps_fail(s, 501, "5.5.4", "Unsupported BODY= value");
			return false;
		}
	} else if (strcasecmp(tok, "AUTH") == 0 && !mp->have_auth) {
		mp->have_auth = true;	/* RFC 4954 5: accepted, not used */
	} else if (!strcasecmp(tok, "SIZE") || !strcasecmp(tok, "BODY") ||
		   !strcasecmp(tok, "AUTH")) {
		smtps_fail(s, 501, "5.5.4", "Duplicate %s parameter", tok);
		return false;
	} else {
		smtps_fail(s, 555, "5.5.4", "Unsupported option: %s", tok);
		return false;
	}
	return true;
}

/* The parameters after the path ("" or " K=V K=V"). */
static bool mail_params(struct sg_smtp_server *s, char *rest, struct mail_params *mp)
{
	char *save = NULL;

	memset(mp, 0, sizeof(*mp));
	if (*rest != '\0' && *rest != ' ') {
		smtps_fail(s, 501, "5.5.4", "Syntax error after the address");
		return false;
	}
	for (char *tok = strtok_r(rest, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!mail_param(s, tok, mp))
			return false;
	return true;
}

/* "FROM:" / "TO:" then optional spaces; returns the path or NULL. */
static char *after_keyword(char *arg, const char *kw)
{
	size_t n = strlen(kw);

	if (strncasecmp(arg, kw, n) != 0)
		return NULL;
	return skip_spaces(arg + n);
}

static void cmd_mail(struct sg_smtp_server *s, char *arg)
{
	char *path = after_keyword(arg, "FROM:");
	char addr[SG_SMTP_PATH_MAX];
	const char *end;
	struct mail_params mp;

	if (path == NULL) {
		smtps_fail(s, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
		return;
	}
	if (sg_smtp_path_parse(path, true, false, addr, sizeof(addr), &end, NULL) != SG_OK) {
		smtps_fail(s, 501, "5.1.7", "Bad sender address syntax");
		return;
	}
	if (!mail_params(s, path + (end - path), &mp))
		return;
	if (!s->greeted) {
		smtps_fail(s, 503, "5.5.1", "Error: send HELO/EHLO first");
		return;
	}
	if (s->in_mail) {
		smtps_fail(s, 503, "5.5.1", "Error: nested MAIL command");
		return;
	}
	if (mp.size > s->max_size) {
		smtps_fail(s, 552, "5.3.4", "Message size exceeds fixed maximum message size");
		return;
	}
	if (sg_smtp_envelope_set_from(&s->env, addr) != SG_OK) {
		smtps_fail(s, 501, "5.1.7", "Bad sender address syntax");
		return;
	}
	s->env.size_param = mp.size;
	s->env.body = mp.body;
	s->in_mail = true;
	smtps_reply(s, 250, "2.1.0", "Ok");
}

/* After syntax and state: policy, limit, storage. */
static void accept_rcpt(struct sg_smtp_server *s, const char *addr)
{
	enum sg_err rc;

	if (!s->relay_client && !s->authenticated) {
		smtps_fail(s, 550, "5.7.1", "<%s>: Relay access denied", addr);
		return;
	}
	if (s->env.n_rcpt >= s->max_rcpt) {
		smtps_fail(s, 452, "4.5.3", "Error: too many recipients");
		return;
	}
	rc = sg_smtp_envelope_add_rcpt(&s->env, addr);
	if (rc != SG_OK) {
		smtps_fail(s, 452, "4.3.1", "Error: insufficient system storage");
		return;
	}
	smtps_reply(s, 250, "2.1.5", "Ok");
}

static void cmd_rcpt(struct sg_smtp_server *s, char *arg)
{
	char *path = after_keyword(arg, "TO:");
	char addr[SG_SMTP_PATH_MAX];
	const char *end;

	if (path == NULL) {
		smtps_fail(s, 501, "5.5.4", "Syntax: RCPT TO:<address>");
		return;
	}
	if (sg_smtp_path_parse(path, false, true, addr, sizeof(addr), &end, NULL) != SG_OK) {
		smtps_fail(s, 501, "5.1.3", "Bad recipient address syntax");
		return;
	}
	if (*end != '\0' && *end != ' ') {
		smtps_fail(s, 501, "5.5.4", "Syntax error after the address");
		return;
	}
	if (*end == ' ') {
		smtps_fail(s, 555, "5.5.4", "Unsupported option: %s", skip_spaces(path +
										 (end - path)));
		return;
	}
	if (!s->in_mail) {
		smtps_fail(s, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	accept_rcpt(s, addr);
}

static void cmd_data(struct sg_smtp_server *s, char *arg)
{
	if (*arg != '\0') {
		smtps_fail(s, 501, "5.5.4", "Syntax: DATA");
		return;
	}
	if (!s->in_mail) {
		smtps_fail(s, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	if (s->env.n_rcpt == 0) {
		smtps_fail(s, 554, "5.5.1", "Error: no valid recipients");
		return;
	}
	sg_smtp_data_reset(&s->data);
	sg_smtp_data_expect(&s->data, s->env.size_param);
	s->state = SG_SMTP_SERVER_DATA;
	smtps_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
}

static void cmd_rset(struct sg_smtp_server *s, char *arg)
{
	if (*arg != '\0') {
		smtps_fail(s, 501, "5.5.4", "Syntax: RSET");
		return;
	}
	smtps_reset_transaction(s);
	smtps_reply(s, 250, "2.0.0", "Ok");
}

static void cmd_noop(struct sg_smtp_server *s, char *arg)
{
	smtps_reply(s, 250, "2.0.0", "Ok");
}

static void cmd_quit(struct sg_smtp_server *s, char *arg)
{
	if (*arg != '\0') {
		smtps_fail(s, 501, "5.5.4", "Syntax: QUIT");
		return;
	}
	smtps_reply(s, 221, "2.0.0", "Bye");
	s->state = SG_SMTP_SERVER_CLOSING;
}

static void cmd_help(struct sg_smtp_server *s, char *arg)
{
	smtps_reply(s, 214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT "
		    "HELP VRFY%s", smtps_auth_offered(s) ? " AUTH" : "");
}

static void cmd_vrfy(struct sg_smtp_server *s, char *arg)
{
	if (*arg == '\0') {
		smtps_fail(s, 501, "5.5.4", "Syntax: VRFY address");
		return;
	}
	smtps_reply(s, 252, "2.5.0", "Cannot VRFY user, but will accept message "
		    "and attempt delivery");
}

static void cmd_not_offered(struct sg_smtp_server *s, char *arg)
{
	smtps_fail(s, 502, "5.5.1", "Error: command not implemented");
}

static const struct {
	const char *verb;
	void (*run)(struct sg_smtp_server *s, char *arg);
} commands[] = {
	{ "EHLO", cmd_ehlo }, { "HELO", cmd_helo }, { "MAIL", cmd_mail },
	{ "RCPT", cmd_rcpt }, { "DATA", cmd_data }, { "RSET", cmd_rset },
	{ "NOOP", cmd_noop }, { "QUIT", cmd_quit }, { "HELP", cmd_help },
	{ "VRFY", cmd_vrfy }, { "AUTH", smtps_auth },
	{ "EXPN", cmd_not_offered }, { "TURN", cmd_not_offered },
	{ "ETRN", cmd_not_offered }, { "BDAT", cmd_not_offered },
	{ "STARTTLS", cmd_not_offered }, { "SEND", cmd_not_offered },
	{ "SOML", cmd_not_offered }, { "SAML", cmd_not_offered },
	{ "VERB", cmd_not_offered }, { "ATRN", cmd_not_offered },
};

void smtps_command(struct sg_smtp_server *s, char *line)
{
	size_t verb_len = strcspn(line, " ");
	char *arg = skip_spaces(line + verb_len);

	if (line[0] == '\0') {
		smtps_fail(s, 500, "5.5.1", "Error: empty command");
		return;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strlen(commands[i].verb) == verb_len &&
		    strncasecmp(line, commands[i].verb, verb_len) == 0) {
			commands[i].run(s, arg);
			return;
		}
	}
	smtps_fail(s, 500, "5.5.1", "Error: command not recognized");
}
