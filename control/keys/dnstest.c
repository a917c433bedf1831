/*
 * NAME
 *   dnstest.c - `dns test NAME [DOMAIN]`: the published TXT record against
 *               the private key (see dnstest.h, keys.h)
 *
 * SUMMARY
 *   dnstest_check: lookup, sg_keyrecord_parse with the selector's type
 *   (DKIM or DomainKeys rules), then the key: same type, not revoked, and
 *   p= equal to the public half of the private key (sg_privkey_public:
 *   RSA SubjectPublicKeyInfo, Ed25519 raw 32 bytes). An RSA record may
 *   also publish the bare PKCS#1 RSAPublicKey, which is the tail of the
 *   SubjectPublicKeyInfo after its BIT STRING's zero unused-bits byte:
 *   that counts as a match too (verifiers accept both forms).
 *   keys_cmd_dns_test runs it for NAME's domains (or DOMAIN) through a
 *   resolver made for the call (control.resolver, or the system's when
 *   empty; KEYS_DNS_TIMEOUT_MS per attempt, two attempts). The call
 *   blocks signet-controld's loop for at most that long per domain.
 *   Answer: columns selector, domain, dns_name, result, ok (INT, 1 only
 *   for "found and matching"), detail; message "ok: ..." when every row
 *   matched, "failed: ..." otherwise.
 *
 * UNTRUSTED INPUT
 *   DNS answers: size-bounded by the resolver and DT_TXT_MAX, parsed by
 *   the engine's key record parser.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Engine, DNS. */
#include "dnsrecord.h"
#include "keyrecord.h"
#include "resolver.h"

/* Control plane. */
#include "dnstest.h"
#include "keys_internal.h"

#define DT_ATTEMPTS 2

const char *dnstest_result_name(enum dnstest_result r)
{
	switch (r) {
	case DT_MATCH:
		return "found and matching";
	case DT_NOT_FOUND:
		return "not found";
	case DT_SYNTAX:
		return "syntax error";
	case DT_MISMATCH:
		return "key does not match";
	case DT_TESTING:
		return "testing flag set";
	case DT_LOOKUP_FAILED:
		return "lookup failed";
	}
	return "?";
}

/* p= (rec) is the public half of pub (sg_privkey_public's form). */
static bool same_public_key(const uint8_t *pub, size_t pub_len, const uint8_t *rec,
			   size_t rec_len, enum sg_keytype type)
{
	size_t off;

	if (rec_len == pub_len)
		return memcmp(pub, rec, pub_len) == 0;
	if (type != SG_KEY_RSA || rec_len == 0 || rec_len >= pub_len || rec[0] != 0x30)
		return false;
	off = pub_len - rec_len;
	return pub[off - 1] == 0x00 && memcmp(pub + off, rec, rec_len) == 0;
}

/* Record parsed: decides between match, mismatch and testing. */
static enum dnstest_result judge(const struct sg_keyrecord *rec, const struct sg_privkey *key,
				 char *detail, size_t cap)
{
	uint8_t pub[SG_PUBKEY_MAX];
	enum sg_keytype type = sg_privkey_type(key);
	const char *tname = type == SG_KEY_ED25519 ? "Ed25519" : "RSA";
	size_t pub_len = 0;

	if (rec->revoked) {
		snprintf(detail, cap, "the record is revoked (empty p=)");
		return DT_MISMATCH;
	}
	if (rec->key_type != type) {
		snprintf(detail, cap, "the record publishes %s key, the private key is %s",
			 rec->key_type == SG_KEY_ED25519 ? "an Ed25519" : "an RSA", tname);
		return DT_MISMATCH;
	}
	if (sg_privkey_public(key, pub, sizeof(pub), &pub_len, NULL) != SG_OK) {
		snprintf(detail, cap, "cannot compute the public key of the private key");
		return DT_MISMATCH;
	}
	if (!same_public_key(pub, pub_len, rec->key, rec->key_len, type)) {
		snprintf(detail, cap, "p= is another key than the public half of the %s private "
			 "key", tname);
		return DT_MISMATCH;
	}
	if (rec->testing) {
		snprintf(detail, cap, "p= matches, but t=y: verifiers treat failures as unsigned "
			 "mail; remove t=y when testing is over");
		return DT_TESTING;
	}
	snprintf(detail, cap, "p= is the public half of the %s private key", tname);
	return DT_MATCH;
}

/* The lookup gave no record: which result that is. */
static enum dnstest_result lookup_failure(enum sg_lookup_status st, const char *why,
					  char *detail, size_t cap)
{
	if (st == SG_LOOKUP_NOTFOUND) {
		snprintf(detail, cap, "no TXT record%s%s", why[0] ? ": " : "", why);
		return DT_NOT_FOUND;
	}
	if (st == SG_LOOKUP_INVALID) {
		snprintf(detail, cap, "unusable DNS answer%s%s", why[0] ? ": " : "", why);
		return DT_SYNTAX;
	}
	snprintf(detail, cap, "%s", why[0] ? why : "the lookup failed");
	return DT_LOOKUP_FAILED;
}

static enum dnstest_result parse_and_judge(const char *txt, enum sg_sigkind kind,
					   const struct sg_privkey *key, char *detail,
					   size_t cap)
{
	struct sg_keyrecord rec;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_keyrecord_parse(txt, strlen(txt), kind, &rec, &err) != SG_OK) {
		snprintf(detail, cap, "%s", err.msg);
		return DT_SYNTAX;
	}
	return judge(&rec, key, detail, cap);
}

enum dnstest_result dnstest_check(const struct sg_key_lookup *lookup, enum sg_sigkind kind,
				  const char *selector, const char *domain,
				  const struct sg_privkey *key, char *detail, size_t cap)
{
	char *txt = malloc(DT_TXT_MAX);
	struct sg_buf name;
	char why[200] = "";
	enum sg_lookup_status st;
	enum dnstest_result r;

	sg_buf_init(&name, 512);
	if (txt == NULL || sg_dns_record_name(selector, domain, &name) != SG_OK) {
		snprintf(detail, cap, txt ? "cannot form the record name" : "out of memory");
		sg_buf_free(&name);
		free(txt);
		return DT_LOOKUP_FAILED;
	}
	st = lookup->lookup(lookup->env, sg_buf_cstr(&name), txt, DT_TXT_MAX, why, sizeof(why));
	sg_buf_free(&name);
	r = st == SG_LOOKUP_OK ? parse_and_judge(txt, kind, key, detail, cap) :
				 lookup_failure(st, why, detail, cap);
	free(txt);
	return r;
}

struct dt_run {
	struct sg_keys *k;
	const struct sg_key_lookup *lookup;
	struct sg_table *t;
	size_t tested, matched;
};

/* Tests sel for domain and adds the row. */
static enum sg_err test_domain(struct dt_run *run, const struct selector *sel,
			       const char *domain, struct sg_error *err)
{
	char path[SG_CONF_PATH_MAX], detail[300];
	struct sg_privkey *key = NULL;
	struct ks_identity id;
	struct sg_buf name;
	enum dnstest_result r;
	enum sg_err rc;

	rc = keys_path_for(run->k, sel->kind, domain, sel->name, path, sizeof(path), err);
	if (rc != SG_OK)
		return rc;
	if (ks_load(path, &key, &id, detail, sizeof(detail)) != KS_OK)
		return sg_error_set(err, SG_E_KEY, 0, 0, "selector %s for %s: %s", sel->name,
				    domain, detail);
	r = dnstest_check(run->lookup, sel->kind, sel->name, domain, key, detail,
			  sizeof(detail));
	sg_privkey_free(key);
	sg_buf_init(&name, 512);
	rc = sg_dns_record_name(sel->name, domain, &name);
	if (rc == SG_OK) {
		const char *cells[6] = { sel->name, domain, sg_buf_cstr(&name),
					 dnstest_result_name(r), r == DT_MATCH ? "1" : "0",
					 detail };

		rc = keys_table_row(run->t, cells, err);
	}
	sg_buf_free(&name);
	run->tested++;
	run->matched += r == DT_MATCH;
	return rc;
}

static enum sg_err test_selector(struct dt_run *run, const struct selector *sel,
				 const char *domain, struct sg_error *err)
{
	enum sg_err rc = SG_OK;

	if (domain != NULL)
		return test_domain(run, sel, domain, err);
	for (size_t i = 0; rc == SG_OK && i < sel->ndomains; i++) {
		if (strcmp(sel->domains[i].domain, SEL_ANY_DOMAIN) != 0)
			rc = test_domain(run, sel, sel->domains[i].domain, err);
	}
	return rc;
}

enum sg_err keys_cmd_dns_test(struct sg_keys *k, const struct sg_cmd_params *p,
			      struct sg_table *out, struct sg_error *err)
{
	static const char *const cols[] = { "selector", "domain", "dns_name", "result", "#ok",
					    "detail", NULL };
	struct sg_resolver_config cfg = { k->resolver[0] ? k->resolver : NULL,
					  k->dns_timeout_ms, DT_ATTEMPTS };
	char domain[KS_DOMAIN_MAX + 1];
	struct selector *found[2];
	size_t n;
	struct sg_resolver *res = NULL;
	struct sg_key_lookup lookup;
	struct dt_run run = { k, &lookup, out, 0, 0 };
	enum sg_err rc;

	rc = keys_selectors_named(k, p->name, found, 2, &n, err);
	if (rc == SG_OK)
		rc = keys_domain_arg(p->domain, domain, sizeof(domain), err);
	if (rc != SG_OK)
		return rc;
	rc = sg_resolver_new(&cfg, &res, err);
	if (rc != SG_OK)
		return rc;
	lookup = sg_resolver_lookup(res);
	sg_table_init(out, "dns test");
	rc = keys_table_columns(out, cols);
	for (size_t i = 0; rc == SG_OK && i < n && i < 2; i++)
		rc = test_selector(&run, found[i], p->domain[0] ? domain : NULL, err);
	sg_resolver_free(res);
	if (rc == SG_OK && run.tested == 0)
		rc = sg_error_set(err, SG_E_ARG, 0, 0, "selector %s has no domain of its own: "
				  "name one (dns test %s DOMAIN)", p->name, p->name);
	if (rc == SG_OK && run.matched == run.tested)
		keys_textf(out->message, sizeof(out->message), "ok: %zu record%s found and matching",
			 run.tested, run.tested == 1 ? "" : "s");
	else if (rc == SG_OK)
		keys_textf(out->message, sizeof(out->message), "failed: %zu of %zu records not "
			 "found and matching", run.tested - run.matched, run.tested);
	return rc;
}
