/*
 * NAME
 *   headerhash.h - the DKIM header hash (RFC 6376 3.7, step 2)
 *
 * SUMMARY
 *   sg_headerhash hashes, in order, the canonical form (with CRLF) of each
 *   selected header field (picked[i] indexes fields; -1 = absent, nothing
 *   hashed), then the canonical form of the signature field itself with its
 *   b= value already removed and without a final CRLF. Used by the signer
 *   (on the field it is about to add) and by the verifier (on the field it
 *   found, with the b= value cut out). sg_headerhash_into does the same
 *   with the caller's buffer for the canonical text (emptied first, left
 *   holding the last text: a signer keeps one for every message).
 */
#ifndef SIGNET_DKIM_HEADERHASH_H
#define SIGNET_DKIM_HEADERHASH_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "hash.h"
#include "message.h"
#include "status.h"
#include "types.h"

SG_MUST_CHECK enum sg_err sg_headerhash(const struct sg_hash_ops *ops, enum sg_hash_alg alg,
					enum sg_canon canon, const struct sg_header_field *fields,
					const long *picked, size_t npicked, const char *sig_field,
					size_t sig_len, uint8_t out[SG_HASH_MAX], size_t *out_len);
SG_MUST_CHECK enum sg_err sg_headerhash_into(const struct sg_hash_ops *ops, enum sg_hash_alg alg,
					     enum sg_canon canon,
					     const struct sg_header_field *fields,
					     const long *picked, size_t npicked,
					     const char *sig_field, size_t sig_len,
					     struct sg_buf *text, uint8_t out[SG_HASH_MAX],
					     size_t *out_len);

#endif
