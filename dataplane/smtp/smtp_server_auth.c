/*
 * NAME
 *   smtp_server_auth.c - AUTH PLAIN (RFC 4954, RFC 4616) for the server
 *                        machine
 *
 * SUMMARY
 *   "AUTH PLAIN <base64>" or "AUTH PLAIN =" (empty initial response), or
 *   "AUTH PLAIN" answered by "334 " and then the base64 line ("*"
 *   cancels). The decoded response must be authzid NUL authcid NUL
 *   password with a non-empty authcid and password, each at most
 *   SG_SMTP_AUTH_FIELD_MAX octets and without NUL; it is passed to the
 *   caller's auth_check. Decoded credentials are wiped before returning.
 *   Only offered when the config says so, only after EHLO/HELO, once per
 *   session and outside a mail transaction.
 *
 * UNTRUSTED INPUT
 *   AUTH arguments and responses (at most SG_SMTP_AUTH_LINE_MAX octets).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "smtp_server_int.h"

/* Largest decoded response of an AUTH line. */
#define AUTH_DECODED_MAX (SG_SMTP_AUTH_LINE_MAX / 4 * 3 + 3)

static bool auth_refused_by_state(struct sg_smtp_server *s)
{
	const char *why = NULL;

	if (!smtps_auth_offered(s))
		why = "Error: authentication not enabled";
	else if (!s->greeted)
		why = "Error: send EHLO first";
	else if (s->authenticated)
		why = "Error: already authenticated";
	else if (s->in_mail)
		why = "Error: MAIL transaction in progress";
	if (why == NULL)
		return false;
	smtps_fail(s, 503, "5.5.1", "%s", why);
	return true;
}

/* Only base64 alphabet and '=': the decoder would skip white space. */
static bool base64_chars_only(const char *p)
{
	for (; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '+' || *p == '/' || *p == '='))
			return false;
	return true;
}

/* Splits authzid NUL authcid NUL password into three C strings. */
static bool split_plain(uint8_t *buf, size_t n, char **field)
{
	size_t start = 0, k = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && buf[i] != '\0')
			continue;
		if (k == 3 || i - start > SG_SMTP_AUTH_FIELD_MAX)
			return false;
		field[k++] = (char *)buf + start;
		start = i + 1;
	}
	buf[n] = '\0';
	return k == 3 && field[1][0] != '\0' && field[2][0] != '\0';
}

/* Decodes and checks one response ("=" is the empty response). */
static void check_response(struct sg_smtp_server *s, const char *b64)
{
	uint8_t buf[AUTH_DECODED_MAX + 1];
	size_t n = 0;
	char *field[3];
	bool ok;

	if (strcmp(b64, "=") != 0 &&
	    (!base64_chars_only(b64) ||
	     sg_base64_decode(b64, strlen(b64), buf, AUTH_DECODED_MAX, &n, NULL) != SG_OK)) {
		smtps_fail(s, 501, "5.5.2", "Error: cannot decode the AUTH response");
		return;
	}
	if (!split_plain(buf, n, field)) {
		explicit_bzero(buf, sizeof(buf));
		smtps_fail(s, 501, "5.5.2", "Error: malformed AUTH PLAIN response");
		return;
	}
	ok = s->cfg->auth_check(s->cfg->auth_ctx, field[0], field[1], field[2]);
	if (ok)
		memcpy(s->auth_user, field[1], strlen(field[1]) + 1);
	explicit_bzero(buf, sizeof(buf));
	if (!ok) {
		smtps_fail(s, 535, "5.7.8", "Error: authentication credentials invalid");
		return;
	}
	s->authenticated = true;
	smtps_reply(s, 235, "2.7.0", "Authentication successful");
}

void smtps_auth(struct sg_smtp_server *s, char *arg)
{
	size_t mech_len = strcspn(arg, " ");
	char *initial = arg + mech_len;

	while (*initial == ' ')
		initial++;
	if (mech_len == 0) {
		smtps_fail(s, 501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
		return;
	}
	if (auth_refused_by_state(s))
		return;
	if (mech_len != 5 || strncasecmp(arg, "PLAIN", 5) != 0) {
		smtps_fail(s, 504, "5.5.4", "Error: unsupported authentication mechanism");
		return;
	}
	if (*initial != '\0') {
		check_response(s, initial);
		return;
	}
	s->auth_wait = true;
	smtps_raw(s, "334 \r\n");
}

void smtps_auth_response(struct sg_smtp_server *s, char *line)
{
	s->auth_wait = false;
	if (strcmp(line, "*") == 0) {
		smtps_fail(s, 501, "5.7.0", "Error: authentication aborted");
		return;
	}
	check_response(s, line);
}
