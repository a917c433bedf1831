/*
 * NAME
 *   dnstest.h - does the published TXT record match the key? `dns test`
 *               in three steps (control/keys/; the plan steps are also
 *               used by signet-controld's job runner, control/daemon/)
 *
 * SUMMARY
 *   dnstest_check (dnstest.c) looks up SELECTOR._domainkey.DOMAIN through
 *   a struct sg_key_lookup (the configured resolver in signet-controld, a
 *   key table in tests) and compares it with the public half of the
 *   selector's key (struct dnstest_pubkey, from dnstest_pubkey_of).
 *   Exactly one result:
 *     DT_MATCH          found, parses, p= is the public half of the key
 *     DT_NOT_FOUND      NXDOMAIN or no TXT record
 *     DT_SYNTAX         the record (or the DNS answer) cannot be parsed
 *     DT_MISMATCH       parses, but p= is another key, another key type,
 *                       or empty (revoked)
 *     DT_TESTING        matches, but carries t=y (testing)
 *     DT_LOOKUP_FAILED  SERVFAIL, REFUSED, timeout, network error
 *   detail gets one line saying what was found.
 *
 *   `dns test NAME [DOMAIN]` runs in three steps (dnstest_plan.c) so that
 *   the lookups can leave signet-controld's poll loop:
 *     dnstest_plan_new   (the loop's thread) resolves the selectors and
 *                        domains, loads each private key, keeps only its
 *                        public half and type, and frees it at once; the
 *                        plan also copies the resolver settings. The plan
 *                        refers to nothing in struct sg_keys.
 *     dnstest_plan_run   (any thread, one at a time per plan) makes a
 *                        resolver and looks up and judges each row in
 *                        order; stops between rows once *cancel is true.
 *     dnstest_plan_answer (any thread, after run) the table and message.
 *   keys_cmd_dns_test (keys_internal.h) is the three in a row.
 *
 * UNTRUSTED INPUT
 *   The TXT record (parsed by sg_keyrecord_parse, at most DT_TXT_MAX
 *   bytes).
 */
#ifndef SIGNET_CONTROL_DNSTEST_H
#define SIGNET_CONTROL_DNSTEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "commands.h"
#include "key.h"
#include "proto.h"
#include "types.h"
#include "verifier.h"

#define DT_TXT_MAX 8192
#define DT_NAME_MAX 512		/* bytes of SELECTOR._domainkey.DOMAIN */

enum dnstest_result {
	DT_MATCH, DT_NOT_FOUND, DT_SYNTAX, DT_MISMATCH, DT_TESTING, DT_LOOKUP_FAILED,
};

/* "found and matching", "not found", "syntax error", "key does not
 * match", "testing flag set", "lookup failed". */
const char *dnstest_result_name(enum dnstest_result r);

/* The public half of a private key, as sg_privkey_public gives it (RSA
 * SubjectPublicKeyInfo, Ed25519 raw 32 bytes); len 0 when it could not be
 * computed (every record then "does not match", saying so). */
struct dnstest_pubkey {
	enum sg_keytype type;
	uint8_t pub[SG_PUBKEY_MAX];
	size_t len;
};

void dnstest_pubkey_of(const struct sg_privkey *key, struct dnstest_pubkey *out);

enum dnstest_result dnstest_check(const struct sg_key_lookup *lookup, enum sg_sigkind kind,
				  const char *selector, const char *domain,
				  const struct dnstest_pubkey *key, char *detail, size_t cap);

struct sg_keys;
struct dnstest_plan;

/* The rows to test for p (NAME and optional DOMAIN). Errors as the
 * command's: no such selector, bad domain, a key file that does not load,
 * "selector X has no domain of its own" (nothing to test). */
SG_MUST_CHECK enum sg_err dnstest_plan_new(struct sg_keys *k, const struct sg_cmd_params *p,
					   struct dnstest_plan **out, struct sg_error *err);
/* cancel NULL: never cancelled. */
void dnstest_plan_run(struct dnstest_plan *plan, const atomic_bool *cancel);
/* Every row was tested (false when run was cancelled half way). */
bool dnstest_plan_finished(const struct dnstest_plan *plan);
/* The selector name the plan was made for. */
const char *dnstest_plan_name(const struct dnstest_plan *plan);
/* The answer: columns selector, domain, dns_name, result, ok (INT),
 * detail; message "ok: ..." or "failed: ...". An error when the resolver
 * could not be made or the run did not finish. */
SG_MUST_CHECK enum sg_err dnstest_plan_answer(const struct dnstest_plan *plan,
					      struct sg_table *out, struct sg_error *err);
void dnstest_plan_free(struct dnstest_plan *plan);

#endif
