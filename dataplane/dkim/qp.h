/*
 * NAME
 *   qp.h - DKIM-quoted-printable (RFC 6376 2.11) for z= and i=
 *
 * SUMMARY
 *   Encoding escapes everything outside %x21-3A / %x3C / %x3E-7E (so SP,
 *   HTAB, ';', '=', '|' for z=, CR, LF and 8-bit bytes) as =XX with uppercase
 *   hex. Decoding accepts upper- or lowercase hex, skips FWS, and rejects a
 *   '=' not followed by two hex digits.
 */
#ifndef SIGNET_DKIM_QP_H
#define SIGNET_DKIM_QP_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"

/* z_escape: also escape '|' (z= separator). */
SG_MUST_CHECK enum sg_err sg_qp_encode(const char *in, size_t n, bool z_escape, struct sg_buf *out);
SG_MUST_CHECK enum sg_err sg_qp_decode(const char *in, size_t n, struct sg_buf *out,
				       struct sg_error *err);
/* The same into a fixed buffer (no allocation): more than cap bytes is
 * SG_E_LIMIT. *outlen receives the decoded length. */
SG_MUST_CHECK enum sg_err sg_qp_decode_fixed(const char *in, size_t n, char *out, size_t cap,
					     size_t *outlen, struct sg_error *err);

#endif
