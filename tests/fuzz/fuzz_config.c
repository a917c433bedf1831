/*
 * NAME
 *   fuzz_config.c - libFuzzer target for sg_config_parse (config.h): the
 *                   signet.conf lexer, parser, keyword table and checks
 *
 * SUMMARY
 *   Parses the input as a configuration file. On success it checks what
 *   the loader promises: stored paths are absolute (the socket fits a Unix
 *   socket address), scope names are unique per kind and made of the
 *   allowed bytes, dk_domain names are valid and unique within a scope
 *   (case-blind), enumerations hold known values, DomainKeys scopes sign
 *   rsa-sha1 with one DomainKeys canon, header lists parse, selectors are
 *   empty or valid, base_domain contains its domain, the domain lookup
 *   finds each dk_domain, and key paths expand for each domain.
 *   On failure the error carries the code, a "fuzz.conf:" message, and,
 *   when it names a line, the line the byte offset is on.
 *   Then the same text with every LF turned into CR LF (when it had no CR)
 *   must give the same result and, on failure, the same message.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes, in an exactly-sized buffer (no NUL after it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "domain.h"
#include "headerlist.h"
#include "status.h"

#include "fuzzutil.h"

static bool name_bytes_ok(const char *s)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

	return *s != '\0' && strspn(s, allowed) == strlen(s);
}

static void check_options(const struct sg_sign_scope *s, const struct sg_sign_options *o)
{
	struct sg_headerlist hl;
	struct sg_error err;
	size_t sel = strlen(o->selector);

	FUZZ_CHECK(o->sign_condition == SG_COND_CAN_RELAY ||
		   o->sign_condition == SG_COND_AUTH_USER, "sign_condition %d",
		   (int)o->sign_condition);
	FUZZ_CHECK(o->digest <= SG_ALG_ED25519_SHA256, "digest %d", (int)o->digest);
	FUZZ_CHECK(o->key[0] == '/', "key \"%s\" is not absolute", o->key);
	FUZZ_CHECK(sel == 0 || sg_selector_valid(o->selector, sel), "selector \"%s\"", o->selector);
	FUZZ_CHECK(sg_headerlist_parse(o->headerlist, &hl, &err) == SG_OK, "headerlist \"%s\"",
		   o->headerlist);
	if (s->kind == SG_KIND_DOMAINKEYS) {
		FUZZ_CHECK(o->digest == SG_ALG_RSA_SHA1, "DomainKeys digest %d", (int)o->digest);
		FUZZ_CHECK(o->header_canon == o->body_canon, "two DomainKeys canons");
		FUZZ_CHECK(o->header_canon == SG_CANON_DK_SIMPLE ||
			   o->header_canon == SG_CANON_DK_NOFWS, "DomainKeys canon %d",
			   (int)o->header_canon);
		FUZZ_CHECK(o->identity[0] == '\0' && o->lifetime == 0, "DKIM-only option set");
	} else {
		FUZZ_CHECK(o->header_canon <= SG_CANON_RELAXED && o->body_canon <= SG_CANON_RELAXED,
			   "DKIM canon %d/%d", (int)o->header_canon, (int)o->body_canon);
	}
}

static void check_domain(const struct sg_sign_scope *s, size_t i)
{
	const struct sg_sign_domain *dom = &s->domains[i];
	const struct sg_sign_options *o = &dom->opt;
	const char *d = NULL;
	char path[SG_CONF_PATH_MAX];
	enum sg_err rc;

	FUZZ_CHECK(sg_domain_valid(dom->domain, strlen(dom->domain)), "dk_domain \"%s\"",
		   dom->domain);
	for (size_t j = 0; j < i; j++)
		FUZZ_CHECK(strcasecmp(s->domains[j].domain, dom->domain) != 0,
			   "dk_domain \"%s\" twice", dom->domain);
	check_options(s, o);
	FUZZ_CHECK(o->base_domain[0] == '\0' ||
		   sg_domain_within(dom->domain, strlen(dom->domain), o->base_domain,
				    strlen(o->base_domain)),
		   "base_domain \"%s\" outside \"%s\"", o->base_domain, dom->domain);
	FUZZ_CHECK(sg_config_domain_options(s, dom->domain, &d) == o, "lookup of \"%s\"",
		   dom->domain);
	FUZZ_CHECK(strcmp(d, o->base_domain[0] ? o->base_domain : dom->domain) == 0,
		   "d= \"%s\" for \"%s\"", d, dom->domain);
	rc = sg_config_key_path(o->key, dom->domain, "s1", path, sizeof(path));
	FUZZ_CHECK(rc == SG_OK || rc == SG_E_LIMIT, "key path of \"%s\": %d", dom->domain,
		   (int)rc);
}

static void check_config(const struct sg_config *c)
{
	FUZZ_CHECK(c->control.socket[0] == '/' && strlen(c->control.socket) <= 107,
		   "socket \"%s\"", c->control.socket);
	FUZZ_CHECK(c->control.state_dir[0] == '/', "state_dir \"%s\"", c->control.state_dir);
	FUZZ_CHECK(c->dataplane.batch_size >= 1 && c->dataplane.workers <= 1024, "dataplane");
	for (size_t i = 0; i < c->nscopes; i++) {
		const struct sg_sign_scope *s = &c->scopes[i];

		FUZZ_CHECK(s->kind == SG_KIND_DKIM || s->kind == SG_KIND_DOMAINKEYS, "kind");
		FUZZ_CHECK(name_bytes_ok(s->name), "scope name \"%s\"", s->name);
		FUZZ_CHECK(sg_config_find_scope(c, s->kind, s->name) == s, "scope \"%s\" twice",
			   s->name);
		FUZZ_CHECK(s->line >= 1, "scope line %u", (unsigned)s->line);
		check_options(s, &s->opt);
		for (size_t j = 0; j < s->ndomains; j++)
			check_domain(s, j);
	}
}

static void check_error(const char *text, size_t size, enum sg_err rc, const struct sg_error *e)
{
	unsigned line = 1, msg_line;

	FUZZ_CHECK(e->code == rc, "error code %d recorded as %d", (int)rc, (int)e->code);
	FUZZ_CHECK(strncmp(e->msg, "fuzz.conf:", 10) == 0, "message \"%s\"", e->msg);
	if (e->line == 0)
		return;
	FUZZ_CHECK(e->offset <= size, "offset %llu past %zu", (unsigned long long)e->offset,
		   size);
	for (uint64_t i = 0; i < e->offset; i++)
		line += text[i] == '\n';
	FUZZ_CHECK(line == e->line, "offset %llu is on line %u, error says %u",
		   (unsigned long long)e->offset, line, (unsigned)e->line);
	FUZZ_CHECK(sscanf(e->msg, "fuzz.conf:%u:", &msg_line) == 1 && msg_line == e->line,
		   "message \"%s\" for line %u", e->msg, (unsigned)e->line);
}

static enum sg_err parse(const char *text, size_t size, struct sg_error *err)
{
	struct sg_config *c = NULL;
	enum sg_err rc;

	sg_error_clear(err);
	rc = sg_config_parse(text, size, "fuzz.conf", "/fuzz", &c, err);
	if (rc == SG_OK) {
		FUZZ_CHECK(c != NULL, "no config");
		check_config(c);
		sg_config_free(c);
	} else {
		FUZZ_CHECK(c == NULL, "config with an error");
		check_error(text, size, rc, err);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_copy(data, size);
	struct sg_error first, second;
	enum sg_err rc = parse(text, size, &first);
	size_t n = 0;
	char *crlf;

	if (memchr(text, '\r', size) != NULL) {
		free(text);
		return 0;
	}
	crlf = malloc(2 * size + 1);
	if (crlf == NULL)
		abort();
	for (size_t i = 0; i < size; i++) {
		if (text[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = text[i];
	}
	FUZZ_CHECK(parse(crlf, n, &second) == rc, "CR LF changes the result");
	if (rc != SG_OK)
		FUZZ_CHECK(strcmp(first.msg, second.msg) == 0, "\"%s\" became \"%s\"", first.msg,
			   second.msg);
	free(crlf);
	free(text);
	return 0;
}
