/*
 * NAME
 *   fuzz_sigparse.c - libFuzzer target for sg_sig_parse (sigparse.h)
 *
 * SUMMARY
 *   Builds two header fields from the input, "DKIM-Signature:" + input and
 *   "DomainKey-Signature:" + input, each in an exactly-sized buffer shaped
 *   like the message reader's struct sg_header_field, and parses each as
 *   its kind. On success it checks the contract of struct sg_sig: the
 *   canonicalizations belong to the kind, names are NUL-terminated within
 *   their arrays and d=/s= are not empty, h= names point into the field,
 *   DKIM h= includes From, x >= t, the decoded hashes fit their arrays, the
 *   b= value span lies in the field and holds no ';', and the i= domain is
 *   within d=. On failure the error must carry a message.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes as a signature header value.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "message.h"
#include "sigparse.h"
#include "status.h"
#include "types.h"

#include "fuzzutil.h"

static bool inside(const struct sg_header_field *f, const char *p, size_t n)
{
	return p >= f->raw && n <= f->len && (size_t)(p - f->raw) <= f->len - n;
}

static void check_names(const struct sg_sig *sig)
{
	size_t d = strnlen(sig->domain, sizeof(sig->domain));
	size_t s = strnlen(sig->selector, sizeof(sig->selector));
	size_t i = strnlen(sig->identity, sizeof(sig->identity));
	const char *at;

	FUZZ_CHECK(d > 0 && d <= SG_NAME_MAX, "d= of %zu bytes", d);
	FUZZ_CHECK(s > 0 && s <= SG_NAME_MAX, "s= of %zu bytes", s);
	FUZZ_CHECK(i <= SG_NAME_MAX, "identity not terminated");
	if (sig->kind != SG_KIND_DKIM)
		return;
	at = strrchr(sig->identity, '@');
	FUZZ_CHECK(at != NULL, "DKIM identity \"%s\" without '@'", sig->identity);
	FUZZ_CHECK(sg_domain_within(at + 1, strlen(at + 1), sig->domain, d),
		   "identity \"%s\" not within d=%s", sig->identity, sig->domain);
}

static void check_headers(const struct sg_header_field *f, const struct sg_sig *sig)
{
	bool from = false;

	FUZZ_CHECK(sig->header_count <= SG_SIG_MAX_HEADERS, "%zu h= names", sig->header_count);
	FUZZ_CHECK(sig->has_h || sig->header_count == 0, "names without h=");
	for (size_t i = 0; i < sig->header_count; i++) {
		const struct sg_name_ref *n = &sig->headers[i];

		FUZZ_CHECK(inside(f, n->s, n->len), "h= name %zu outside the field", i);
		if (n->len == 4 && strncasecmp(n->s, "from", 4) == 0)
			from = true;
	}
	if (sig->kind == SG_KIND_DKIM)
		FUZZ_CHECK(sig->has_h && from, "DKIM signature without From in h=");
}

static void check_sig(const struct sg_header_field *f, enum sg_sigkind kind,
		      const struct sg_sig *sig)
{
	FUZZ_CHECK(sig->kind == kind, "kind %d parsed as %d", (int)kind, (int)sig->kind);
	if (kind == SG_KIND_DKIM) {
		FUZZ_CHECK(sig->hcanon == SG_CANON_SIMPLE || sig->hcanon == SG_CANON_RELAXED,
			   "DKIM header canon %d", (int)sig->hcanon);
		FUZZ_CHECK(sig->bcanon == SG_CANON_SIMPLE || sig->bcanon == SG_CANON_RELAXED,
			   "DKIM body canon %d", (int)sig->bcanon);
	} else {
		FUZZ_CHECK(sig->hcanon == SG_CANON_DK_SIMPLE || sig->hcanon == SG_CANON_DK_NOFWS,
			   "DomainKeys canon %d", (int)sig->hcanon);
		FUZZ_CHECK(sig->bcanon == sig->hcanon, "DomainKeys body canon differs");
	}
	check_names(sig);
	check_headers(f, sig);
	if (sig->has_t && sig->has_x)
		FUZZ_CHECK(sig->x >= sig->t, "x=%llu before t=%llu",
			   (unsigned long long)sig->x, (unsigned long long)sig->t);
	FUZZ_CHECK(sig->bh_len <= SG_HASH_MAX, "bh of %zu bytes", sig->bh_len);
	FUZZ_CHECK(sig->b_len <= SG_SIG_MAX_B, "b of %zu bytes", sig->b_len);
	FUZZ_CHECK(sig->b_value_off >= f->value_off &&
		   inside(f, f->raw + sig->b_value_off, sig->b_value_len),
		   "b= value at %zu+%zu outside the value", sig->b_value_off, sig->b_value_len);
	FUZZ_CHECK(memchr(f->raw + sig->b_value_off, ';', sig->b_value_len) == NULL,
		   "b= value span includes ';'");
}

static void parse_as(const char *name, enum sg_sigkind kind, const uint8_t *data, size_t size)
{
	size_t name_len = strlen(name);
	char *raw = malloc(name_len + 1 + size);
	struct sg_sig *sig = malloc(sizeof(*sig));
	struct sg_header_field f;
	struct sg_error err;
	enum sg_err rc;

	if (raw == NULL || sig == NULL)
		abort();
	memcpy(raw, name, name_len);
	raw[name_len] = ':';
	if (size)
		memcpy(raw + name_len + 1, data, size);
	f.raw = raw;
	f.len = name_len + 1 + size;
	f.name_len = name_len;
	f.value_off = name_len + 1;
	f.line = 1;
	sg_error_clear(&err);
	rc = sg_sig_parse(&f, kind, sig, &err);
	if (rc == SG_OK)
		check_sig(&f, kind, sig);
	else
		FUZZ_CHECK(err.msg[0] != '\0', "error %d without a message", rc);
	free(sig);
	free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_as("DKIM-Signature", SG_KIND_DKIM, data, size);
	parse_as("DomainKey-Signature", SG_KIND_DOMAINKEYS, data, size);
	return 0;
}
