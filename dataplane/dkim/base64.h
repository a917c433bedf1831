/*
 * NAME
 *   base64.h - base64 (RFC 4648) for signatures, body hashes and keys
 *
 * SUMMARY
 *   Decoding skips FWS (SP, HTAB, CR, LF) anywhere, as DKIM requires for
 *   b=, bh= and p=; any other non-alphabet byte, bad padding or a result
 *   longer than cap is an error. Encoding writes no line breaks.
 */
#ifndef SIGNET_DKIM_BASE64_H
#define SIGNET_DKIM_BASE64_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

/* Bytes needed to encode n bytes, without the NUL. */
size_t sg_base64_encoded_len(size_t n);
/* Writes sg_base64_encoded_len(n) chars plus a NUL to out; returns the length. */
size_t sg_base64_encode(const uint8_t *in, size_t n, char *out);
SG_MUST_CHECK enum sg_err sg_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
					   size_t *outlen, struct sg_error *err);

#endif
