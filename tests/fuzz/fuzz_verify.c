/*
 * NAME
 *   fuzz_verify.c - libFuzzer target for the whole verifier: sg_verifier_*
 *                   (verifier.h) with OpenSSL hashing and keys
 *                   (sg_hash_evp, sg_pubkey_evp), key lookups from a
 *                   keytable (sg_keytable_parse), and sg_authres_format
 *
 * SUMMARY
 *   The input is a message, fed in two chunks cut at fuzz_split_point, with
 *   fix_bare_lf on for inputs without CR and for odd-sized inputs (so LF
 *   files are read as the CLI reads them), verified at the fixed time
 *   FUZZ_NOW under the default policy and limits. Every result must be a
 *   known value with NUL-terminated strings, and its Authentication-Results
 *   text must start with the authserv-id and hold no CR, LF or NUL (no
 *   header injection from signature contents).
 *
 *   Keys come from fixed_keys below (records made for the seeds in
 *   corpus/fuzz_verify, signed with keys/fuzz-*.pem by make-verify-seeds.py,
 *   plus broken records for the error paths), followed by the table files
 *   listed in $SIGNET_FUZZ_KEYS (':'-separated, e.g. the keys.txt of the
 *   third-party seed corpora; missing or unparsable files are skipped with
 *   a warning). Selectors "tempfail" and "invalid" answer SG_LOOKUP_TEMPFAIL
 *   and SG_LOOKUP_INVALID. To reproduce a crash, run the target on the
 *   saved input with the same $SIGNET_FUZZ_KEYS; set $SIGNET_FUZZ_VERBOSE
 *   to see the Authentication-Results of each input.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes as a message (and, through it, every signature).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"
#include "message.h"
#include "status.h"
#include "verifier.h"

#include "hash_evp.h"
#include "pubkey_evp.h"

#include "keytable.h"

#include "fuzzutil.h"

#define FUZZ_NOW 2000000000		/* 2033-05-18: after every seed's t= */
#define EXTRA_KEYS_MAX (1024 * 1024)	/* bytes read from one $SIGNET_FUZZ_KEYS file */
#define AUTHSERV_ID "fuzz.example"

#define RSA_P "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCz5dc4Fs9/CpgFHy0TR3U9YL3/izhdxpmRUqNq" \
	      "vdkL8Wzyrt2jEcR42P/DtGzUg9h5Bkmx9vpxNTyxDZhXltTinFRdrmkKBfjGIUFqh+O2z7ibfgEXBz" \
	      "n4h6vjEZ4SQOLLzBSl3XVL1jT0fGI12bKM07lMLfpfJHnxXCFRJI7cYwIDAQAB"
#define ED_P "X69TdXh89zVQsv67HdYLSESiE/wFdSmqbv0RhqIqnDo="

static const char fixed_keys[] =
	"# keys/fuzz-rsa.pem and keys/fuzz-ed25519.pem, as published\n"
	"rsa._domainkey.example.com v=DKIM1; k=rsa; p=" RSA_P "\n"
	"ed._domainkey.example.com v=DKIM1; k=ed25519; p=" ED_P "\n"
	"sha1._domainkey.example.com v=DKIM1; h=sha1; p=" RSA_P "\n"
	"strict._domainkey.example.com v=DKIM1; t=y:s; p=" RSA_P "\n"
	"email._domainkey.example.com v=DKIM1; s=email; n=notes; h=sha256:sha1; p=" RSA_P "\n"
	"dk._domainkey.example.com g=fuzz*; k=rsa; t=y; p=" RSA_P "\n"
	"# broken or refused records\n"
	"revoked._domainkey.example.com v=DKIM1; k=rsa; p=\n"
	"dsa._domainkey.example.com v=DKIM1; k=dsa; p=" RSA_P "\n"
	"mismatch._domainkey.example.com v=DKIM1; k=rsa; p=" ED_P "\n"
	"service._domainkey.example.com v=DKIM1; s=tlsrpt; p=" RSA_P "\n"
	"garbage._domainkey.example.com v=DKIM1; p=!!not*base64\n"
	"notdkim._domainkey.example.com v=spf1 -all\n";

static struct sg_key_lookup table_lookup;
static bool verbose;		/* $SIGNET_FUZZ_VERBOSE: print each verdict */

static bool selector_is(const char *name, const char *selector)
{
	size_t n = strlen(selector);

	return strncmp(name, selector, n) == 0 && name[n] == '.';
}

static enum sg_lookup_status lookup(void *env, const char *name, char *txt, size_t cap,
				    char *why, size_t why_cap)
{
	if (selector_is(name, "tempfail")) {
		if (why != NULL && why_cap > 0)
			snprintf(why, why_cap, "simulated timeout");
		return SG_LOOKUP_TEMPFAIL;
	}
	if (selector_is(name, "invalid")) {
		if (why != NULL && why_cap > 0)
			snprintf(why, why_cap, "simulated malformed answer");
		return SG_LOOKUP_INVALID;
	}
	return table_lookup.lookup(table_lookup.env, name, txt, cap, why, why_cap);
}

/* Appends a table file to text if it parses on its own; warns otherwise. */
static void add_key_file(const char *path, struct fuzz_bytes *text)
{
	static char data[EXTRA_KEYS_MAX];
	FILE *f = fopen(path, "rb");
	struct sg_keytable *probe = NULL;
	struct sg_error err;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "fuzz_verify: skipping key table %s: cannot open\n", path);
		return;
	}
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	sg_error_clear(&err);
	if (sg_keytable_parse(data, n, &probe, &err) != SG_OK) {
		fprintf(stderr, "fuzz_verify: skipping key table %s: %s\n", path, err.msg);
		return;
	}
	sg_keytable_free(probe);
	fuzz_bytes_append(text, "\n", 1);
	fuzz_bytes_append(text, data, n);
	fprintf(stderr, "fuzz_verify: added key table %s\n", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct fuzz_bytes text = { 0 };
	const char *list = getenv("SIGNET_FUZZ_KEYS");
	struct sg_keytable *table = NULL;	/* lives as long as the process */
	struct sg_error err;

	(void)argc;
	(void)argv;
	verbose = getenv("SIGNET_FUZZ_VERBOSE") != NULL;
	fuzz_bytes_append(&text, fixed_keys, sizeof(fixed_keys) - 1);
	if (list != NULL) {
		char *copy = strdup(list), *save = NULL;

		for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save))
			add_key_file(p, &text);
		free(copy);
	}
	sg_error_clear(&err);
	if (sg_keytable_parse((const char *)text.data, text.len, &table, &err) != SG_OK) {
		fprintf(stderr, "fuzz_verify: key table: %s\n", err.msg);
		abort();
	}
	fuzz_bytes_free(&text);
	table_lookup = sg_keytable_lookup(table);
	return 0;
}

static void check_result(const struct sg_sig_result *r, size_t i)
{
	FUZZ_CHECK(r->result >= SG_RES_NONE && r->result <= SG_RES_TEMPERROR,
		   "result %zu is %d", i, (int)r->result);
	FUZZ_CHECK(r->kind == SG_KIND_DKIM || r->kind == SG_KIND_DOMAINKEYS,
		   "result %zu kind %d", i, (int)r->kind);
	FUZZ_CHECK(sg_result_name(r->result) != NULL, "result %zu has no name", i);
	FUZZ_CHECK(strnlen(r->reason, sizeof(r->reason)) < sizeof(r->reason) &&
		   strnlen(r->domain, sizeof(r->domain)) < sizeof(r->domain) &&
		   strnlen(r->selector, sizeof(r->selector)) < sizeof(r->selector) &&
		   strnlen(r->identity, sizeof(r->identity)) < sizeof(r->identity) &&
		   strnlen(r->dk_sender, sizeof(r->dk_sender)) < sizeof(r->dk_sender) &&
		   strnlen(r->b_prefix, sizeof(r->b_prefix)) < sizeof(r->b_prefix),
		   "result %zu has an unterminated string", i);
}

static void check_authres(const struct sg_verifier *v, size_t n)
{
	struct sg_sig_result *results = calloc(n ? n : 1, sizeof(*results));
	struct sg_buf out;
	const char *s;

	if (results == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		results[i] = *sg_verifier_result(v, i);
		check_result(&results[i], i);
	}
	sg_buf_init(&out, 64 * 1024);
	if (sg_authres_format(AUTHSERV_ID, results, n, &out) == SG_OK) {
		s = sg_buf_cstr(&out);
		FUZZ_CHECK(strncmp(s, AUTHSERV_ID, strlen(AUTHSERV_ID)) == 0,
			   "Authentication-Results does not start with the authserv-id: %s", s);
		FUZZ_CHECK(strlen(s) == out.len && strpbrk(s, "\r\n") == NULL,
			   "Authentication-Results holds CR, LF or NUL: %s", s);
		if (verbose)
			fprintf(stderr, "fuzz_verify: %s\n", s);
	}
	sg_buf_free(&out);
	free(results);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_key_lookup keys = { lookup, NULL };
	struct sg_verify_policy policy;
	struct sg_limits lim;
	struct sg_verifier *v;
	struct sg_error err;
	size_t cut = fuzz_split_point(data, size);
	bool fix_bare_lf;
	enum sg_err rc;

	sg_verify_policy_default(&policy, FUZZ_NOW);
	sg_limits_default(&lim);
	fix_bare_lf = (size & 1) || memchr(data, '\r', size) == NULL;
	v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), &keys, &policy, &lim, fix_bare_lf);
	FUZZ_CHECK(v != NULL, "sg_verifier_new failed");
	sg_error_clear(&err);
	rc = sg_verifier_feed(v, data, cut, &err);
	if (rc == SG_OK)
		rc = sg_verifier_feed(v, data + cut, size - cut, &err);
	if (rc == SG_OK)
		rc = sg_verifier_finish(v, &err);
	if (rc == SG_OK)
		check_authres(v, sg_verifier_count(v));
	else
		FUZZ_CHECK(err.msg[0] != '\0', "error %d without a message", rc);
	sg_verifier_free(v);
	return 0;
}
