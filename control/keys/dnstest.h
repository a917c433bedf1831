/*
 * NAME
 *   dnstest.h - does the published TXT record match the private key?
 *               (private to control/keys/)
 *
 * SUMMARY
 *   dnstest_check looks up SELECTOR._domainkey.DOMAIN through a struct
 *   sg_key_lookup (the configured resolver in signet-controld, a key table
 *   in tests) and gives exactly one result:
 *     DT_MATCH          found, parses, p= is the public half of the key
 *     DT_NOT_FOUND      NXDOMAIN or no TXT record
 *     DT_SYNTAX         the record (or the DNS answer) cannot be parsed
 *     DT_MISMATCH       parses, but p= is another key, another key type,
 *                       or empty (revoked)
 *     DT_TESTING        matches, but carries t=y (testing)
 *     DT_LOOKUP_FAILED  SERVFAIL, REFUSED, timeout, network error
 *   detail gets one line saying what was found.
 *
 * UNTRUSTED INPUT
 *   The TXT record (parsed by sg_keyrecord_parse, at most DT_TXT_MAX
 *   bytes).
 */
#ifndef SIGNET_CONTROL_DNSTEST_H
#define SIGNET_CONTROL_DNSTEST_H

#include <stddef.h>
#include "key.h"
#include "types.h"
#include "verifier.h"

#define DT_TXT_MAX 8192

enum dnstest_result {
	DT_MATCH, DT_NOT_FOUND, DT_SYNTAX, DT_MISMATCH, DT_TESTING, DT_LOOKUP_FAILED,
};

/* "found and matching", "not found", "syntax error", "key does not
 * match", "testing flag set", "lookup failed". */
const char *dnstest_result_name(enum dnstest_result r);

enum dnstest_result dnstest_check(const struct sg_key_lookup *lookup, enum sg_sigkind kind,
				  const char *selector, const char *domain,
				  const struct sg_privkey *key, char *detail, size_t cap);

#endif
