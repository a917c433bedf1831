/*
 * NAME
 *   authres.h - Authentication-Results (RFC 8601) text for verify results
 *
 * SUMMARY
 *   sg_authres_format appends "authserv-id; dkim=pass (reason) header.d=...
 *   header.i=... header.s=... header.a=... header.b=...; domainkeys=...
 *   header.d=... header.from=..." to out: one resinfo per result in order,
 *   "authserv-id; dkim=none" when there are none. Properties only for
 *   parsed results, header.i only when identity is non-empty. Reasons
 *   go in RFC 5322 comments with '(', ')' and '\' escaped; property values
 *   that are not RFC 2045 tokens are quoted.
 */
#ifndef SIGNET_DKIM_AUTHRES_H
#define SIGNET_DKIM_AUTHRES_H

#include <stddef.h>
#include "buf.h"
#include "verifier.h"

SG_MUST_CHECK enum sg_err sg_authres_format(const char *authserv_id,
					    const struct sg_sig_result *results, size_t n,
					    struct sg_buf *out);

#endif
