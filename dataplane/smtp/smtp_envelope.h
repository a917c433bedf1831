/*
 * NAME
 *   smtp_envelope.h - the SMTP envelope (reverse path, recipients, MAIL
 *                     parameters) and the RFC 5321 path parser
 *
 * SUMMARY
 *   struct sg_smtp_envelope is what the server machine collects from MAIL
 *   and RCPT and what the client machine sends to the next hop. Addresses
 *   are stored without the angle brackets; the null reverse path "<>" is
 *   the empty string. Recipients are heap copies, at most max_rcpt of them
 *   (set by sg_smtp_envelope_init).
 *
 *   sg_smtp_path_parse reads "<mailbox>" at the start of a command
 *   argument: a source route ("<@a,@b:user@dom>") is dropped as RFC 5321
 *   section 4.1.1.3 allows, a quoted local part may hold spaces and
 *   backslash pairs, and the whole path (brackets included) may be at
 *   most SG_SMTP_PATH_MAX octets. Only printable US-ASCII is accepted
 *   (SMTPUTF8 is not offered). A mailbox needs a non-empty local part, '@'
 *   and a domain of letters, digits, '-', '.' (or an address literal in
 *   square brackets); the bare word "postmaster" is accepted when the
 *   caller allows it (RCPT, RFC 5321 section 4.5.1).
 *
 * DIAGNOSTICS
 *   Functions return SG_OK, SG_E_SYNTAX (reason in the struct sg_error,
 *   with the byte offset inside the argument), SG_E_LIMIT (too long / too
 *   many) or SG_E_NOMEM.
 *
 * UNTRUSTED INPUT
 *   The argument text of MAIL and RCPT commands from SMTP clients.
 */
#ifndef SIGNET_SMTP_ENVELOPE_H
#define SIGNET_SMTP_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define SG_SMTP_PATH_MAX 256	/* RFC 5321 4.5.3.1.3: path incl. "<>" */

enum sg_smtp_body {
	SG_SMTP_BODY_NONE = 0,	/* no BODY= parameter */
	SG_SMTP_BODY_7BIT,	/* BODY=7BIT */
	SG_SMTP_BODY_8BITMIME,	/* BODY=8BITMIME */
};

struct sg_smtp_envelope {
	char mail_from[SG_SMTP_PATH_MAX];	/* "" = null reverse path */
	char **rcpt;				/* n_rcpt heap strings */
	unsigned n_rcpt;
	unsigned max_rcpt;
	uint64_t size_param;			/* SIZE= value, 0 if absent */
	enum sg_smtp_body body;
	/* Filled by the server machine when it hands a message over. */
	const char *helo;			/* the client's EHLO/HELO name */
	const char *auth_user;			/* AUTH PLAIN authcid or NULL */
	bool relay_client;			/* address in relay_hosts */
};

/* An empty envelope for up to max_rcpt recipients (no allocation yet). */
void sg_smtp_envelope_init(struct sg_smtp_envelope *env, unsigned max_rcpt);
/* Sets the reverse path (without brackets); SG_E_LIMIT when too long. */
SG_MUST_CHECK enum sg_err sg_smtp_envelope_set_from(struct sg_smtp_envelope *env,
						    const char *addr);
/* Appends a recipient; SG_E_LIMIT past max_rcpt or SG_SMTP_PATH_MAX. */
SG_MUST_CHECK enum sg_err sg_smtp_envelope_add_rcpt(struct sg_smtp_envelope *env,
						    const char *addr);
/* Back to the empty envelope (frees recipients; max_rcpt kept). */
void sg_smtp_envelope_reset(struct sg_smtp_envelope *env);
void sg_smtp_envelope_free(struct sg_smtp_envelope *env);

/*
 * Parses "<path>" at the start of text. On success the mailbox (route
 * dropped, no brackets) is written to out (cap >= SG_SMTP_PATH_MAX) and
 * *end points just past the '>'. allow_null accepts "<>";
 * allow_postmaster accepts "<postmaster>" without a domain.
 */
SG_MUST_CHECK enum sg_err sg_smtp_path_parse(const char *text, bool allow_null,
					     bool allow_postmaster, char *out, size_t cap,
					     const char **end, struct sg_error *err);

#endif
