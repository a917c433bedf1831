/*
 * NAME
 *   engine_opendkim.c - OpenDKIM's libopendkim signing the benchmark corpus,
 *                       as the opendkim milter drives it
 *
 * SUMMARY
 *   One library handle (dkim_init) for the run, with the header fields to
 *   sign (DKIM_OPTS_SIGNHDRS, the names of ENGINE_HEADERS) and t= fixed
 *   (DKIM_OPTS_FIXEDTIME). Per message, one step: dkim_sign with the PEM
 *   key text (the library parses it for every message - that is its API),
 *   ENGINE_SELECTOR, ENGINE_DOMAIN, relaxed/relaxed, rsa-sha256; one
 *   dkim_header per header field (found here by scanning the raw message,
 *   as an MTA hands fields to a milter), dkim_eoh, the body in one
 *   dkim_body, dkim_eom, dkim_getsighdr, dkim_free. The step is
 *   synchronous: drain has nothing to do.
 *
 *   engine_opendkim_check signs messages 0..n-1 and checks each
 *   DKIM-Signature (the library's value, line ends made CRLF) with signet's
 *   verifier (engine_verify_message).
 *
 * UNTRUSTED INPUT
 *   Corpus messages: the field scanner never reads past the message's end
 *   (a message with no empty line has an empty body); libopendkim parses
 *   and copies the fields itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkim.h>

#include "engine.h"

#define SIGHDR_MAX 4096
#define MAX_SIGN_FIELDS 32

struct engine_opendkim {
	DKIM_LIB *lib;
	const struct engine_setup *setup;
	const struct engine_corpus *corpus;
	size_t next_msg;
	char names_buf[sizeof(ENGINE_HEADERS)];
	const char *names[MAX_SIGN_FIELDS + 1];
	unsigned char sighdr[SIGHDR_MAX];
	size_t sighdr_len;
};

bool engine_opendkim_built(void)
{
	return true;
}

static bool set_option(DKIM_LIB *lib, dkim_opts_t name, void *value, size_t len)
{
	return dkim_options(lib, DKIM_OP_SETOPT, name, value, len) == DKIM_STAT_OK;
}

/* The field names of ENGINE_HEADERS as a NULL-terminated list. */
static void split_names(struct engine_opendkim *o)
{
	char *save = NULL, *name;
	size_t n = 0;

	strcpy(o->names_buf, ENGINE_HEADERS);
	for (name = strtok_r(o->names_buf, ":", &save); name && n < MAX_SIGN_FIELDS;
	     name = strtok_r(NULL, ":", &save))
		o->names[n++] = name;
	o->names[n] = NULL;
}

struct engine_opendkim *engine_opendkim_new(const struct engine_setup *setup,
					    const struct engine_corpus *corpus, char *why)
{
	struct engine_opendkim *o = calloc(1, sizeof(*o));
	uint64_t fixed_time = (uint64_t)setup->timestamp;
	const char **names;

	if (o == NULL || (o->lib = dkim_init(NULL, NULL)) == NULL) {
		snprintf(why, ENGINE_WHY_MAX, o ? "dkim_init failed" : "out of memory");
		free(o);
		return NULL;
	}
	o->setup = setup;
	o->corpus = corpus;
	split_names(o);
	names = o->names;
	if (!set_option(o->lib, DKIM_OPTS_SIGNHDRS, names, sizeof(names)) ||
	    !set_option(o->lib, DKIM_OPTS_FIXEDTIME, &fixed_time, sizeof(fixed_time))) {
		snprintf(why, ENGINE_WHY_MAX, "dkim_options failed");
		engine_opendkim_free(o);
		return NULL;
	}
	return o;
}

void engine_opendkim_free(struct engine_opendkim *o)
{
	if (o == NULL)
		return;
	dkim_close(o->lib);
	free(o);
}

/* Hands every header field to the library; returns the offset of the body
 * (after the empty line), or msg_len when there is none. */
static size_t feed_fields(DKIM *dkim, unsigned char *msg, size_t len, DKIM_STAT *st)
{
	size_t start = 0, i = 0;

	while (i + 1 < len && *st == DKIM_STAT_OK) {
		if (msg[i] != '\r' || msg[i + 1] != '\n') {
			i++;
			continue;
		}
		if (i + 2 < len && (msg[i + 2] == ' ' || msg[i + 2] == '\t')) {
			i += 2;		/* folded: the field goes on */
			continue;
		}
		if (i == start)
			return i + 2;	/* the empty line */
		*st = dkim_header(dkim, msg + start, i - start);
		start = i += 2;
	}
	return len;
}

/* Signs corpus message m; the header value is in o->sighdr. */
static bool sign_one(struct engine_opendkim *o, size_t m, char *why)
{
	unsigned char *msg = (unsigned char *)o->corpus->msgs[m];
	size_t len = o->corpus->lens[m], body;
	DKIM_STAT st = DKIM_STAT_OK;
	DKIM *dkim = dkim_sign(o->lib, (const unsigned char *)"bench", NULL,
			       (dkim_sigkey_t)o->setup->key_pem,
			       (const unsigned char *)ENGINE_SELECTOR,
			       (const unsigned char *)ENGINE_DOMAIN, DKIM_CANON_RELAXED,
			       DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);

	if (dkim == NULL) {
		snprintf(why, ENGINE_WHY_MAX, "dkim_sign: %s", dkim_getresultstr(st));
		return false;
	}
	body = feed_fields(dkim, msg, len, &st);
	if (st == DKIM_STAT_OK)
		st = dkim_eoh(dkim);
	if (st == DKIM_STAT_OK && body < len)
		st = dkim_body(dkim, msg + body, len - body);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(dkim, NULL);
	if (st == DKIM_STAT_OK)
		st = dkim_getsighdr(dkim, o->sighdr, sizeof(o->sighdr),
				    strlen(DKIM_SIGNHEADER) + 2);
	if (st != DKIM_STAT_OK)
		snprintf(why, ENGINE_WHY_MAX, "%s message %zu: %s (%s)", o->corpus->label, m,
			 dkim_getresultstr(st), dkim_geterror(dkim) ? dkim_geterror(dkim) : "");
	else
		o->sighdr_len = strlen((const char *)o->sighdr);
	dkim_free(dkim);
	return st == DKIM_STAT_OK;
}

static bool opendkim_step(void *ctx, struct engine_count *done, char *why)
{
	struct engine_opendkim *o = ctx;
	size_t m = o->next_msg;

	o->next_msg = (m + 1) % o->corpus->count;
	if (!sign_one(o, m, why))
		return false;
	done->msgs++;
	done->bytes += o->corpus->lens[m];
	return true;
}

static bool opendkim_drain(void *ctx, struct engine_count *done, char *why)
{
	return true;
}

struct engine_signer engine_opendkim_signer(struct engine_opendkim *o)
{
	return (struct engine_signer){ o, opendkim_step, opendkim_drain };
}

/* "DKIM-Signature: " + the library's value with CRLF line ends + CRLF. */
static bool field_of(const struct engine_opendkim *o, char *out, size_t cap, size_t *len)
{
	size_t n = (size_t)snprintf(out, cap, "%s: ", DKIM_SIGNHEADER);

	for (size_t i = 0; i < o->sighdr_len && n + 4 < cap; i++) {
		if (o->sighdr[i] == '\n' && (i == 0 || o->sighdr[i - 1] != '\r'))
			out[n++] = '\r';
		out[n++] = (char)o->sighdr[i];
	}
	if (n + 3 >= cap)
		return false;
	memcpy(out + n, "\r\n", 3);
	*len = n + 2;
	return true;
}

bool engine_opendkim_check(struct engine_opendkim *o, size_t n, char *why)
{
	char field[2 * SIGHDR_MAX];
	size_t flen;

	for (size_t m = 0; m < n; m++) {
		if (!sign_one(o, m, why))
			return false;
		if (!field_of(o, field, sizeof(field), &flen)) {
			snprintf(why, ENGINE_WHY_MAX, "signature field too long");
			return false;
		}
		if (!engine_verify_message(o->setup, field, flen, o->corpus->msgs[m],
					   o->corpus->lens[m], why))
			return false;
	}
	o->next_msg = 0;
	return true;
}
