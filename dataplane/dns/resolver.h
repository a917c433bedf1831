/*
 * NAME
 *   resolver.h - struct sg_key_lookup through DNS (libresolv)
 *
 * SUMMARY
 *   Queries TXT records with the system resolver (/etc/resolv.conf) or,
 *   when server is set ("127.0.0.1:5353", "[::1]:53", "10.0.0.1"), with that
 *   server only. Each query has a deadline (timeout_ms, default 5000) and
 *   retries (default 2). NXDOMAIN and NOERROR-without-TXT map to
 *   SG_LOOKUP_NOTFOUND; SERVFAIL, timeouts and network errors to
 *   SG_LOOKUP_TEMPFAIL; a malformed or oversized answer to
 *   SG_LOOKUP_INVALID. The first TXT record's strings are joined.
 *   One resolver per thread: it owns its res_state.
 *
 * UNTRUSTED INPUT
 *   DNS answers (parsed with ns_initparse, bounded by a 64 KiB buffer).
 */
#ifndef SIGNET_DNS_RESOLVER_H
#define SIGNET_DNS_RESOLVER_H

#include "status.h"
#include "verifier.h"

struct sg_resolver_config {
	const char *server;		/* NULL = system resolver */
	unsigned timeout_ms;		/* 0 = 5000; per attempt, rounded up to
					 * whole seconds (libresolv); <= 30000 */
	unsigned attempts;		/* 0 = 2; <= 5 */
};

struct sg_resolver;

SG_MUST_CHECK enum sg_err sg_resolver_new(const struct sg_resolver_config *cfg,
					  struct sg_resolver **out, struct sg_error *err);
void sg_resolver_free(struct sg_resolver *r);
struct sg_key_lookup sg_resolver_lookup(struct sg_resolver *r);

#endif
