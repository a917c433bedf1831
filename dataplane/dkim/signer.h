/*
 * NAME
 *   signer.h - sign one message with one or more DKIM / DomainKeys signatures
 *
 * SUMMARY
 *   A signing session in four steps, so the expensive private-key operation
 *   can be batched by the caller (crypto backends, issue 3):
 *     1. sg_signer_new, then sg_signer_add once per signature wanted
 *        (e.g. rsa-sha256 + ed25519-sha256, or DKIM + DomainKeys);
 *     2. sg_signer_feed the raw message in chunks of any size, then
 *        sg_signer_finish;
 *     3. for each signature i, take sg_signer_digest (the hash the key must
 *        sign: SHA-256 or SHA-1 of the canonical headers, RFC 6376 3.7 /
 *        RFC 8463 3; for DomainKeys of headers and body) and hand back the
 *        raw signature bytes with sg_signer_set_signature;
 *     4. sg_signer_header gives "DKIM-Signature: ...\r\n" (or
 *        "DomainKey-Signature: ...\r\n"), folded at 78 columns. The caller
 *        writes all headers (sg_signer_headers) before the original message.
 *   The body is canonicalized and hashed once per distinct (canonicalization,
 *   hash) pair however many DKIM signatures share it.
 *   A caller that must see the header fields before it knows which
 *   signatures to ask for (e.g. the From domain) reads the header section
 *   with sg_signer_read_headers, looks at sg_signer_fields, adds the
 *   signatures and feeds the rest of the message: the headers are parsed
 *   once.
 *   sg_signer_reset readies the signer for another message: everything of
 *   the last one (its header bytes, signatures, digests, hash state) is
 *   wiped or dropped, its requests too; the memory and the canon kernels
 *   stay, so a worker keeps its signers instead of making one a message.
 *   sg_signer_set_canon_kernels (before feeding) makes the body
 *   canonicalizers scan with the given kernels (canon.h; e.g. from
 *   dataplane/simd's sg_simd_best()); the output is the same either way.
 *   Output order: DKIM signatures (in the order added) above DomainKeys
 *   signatures, so the DomainKeys signature covers exactly the original
 *   headers below it.
 *
 * UNTRUSTED INPUT
 *   The message (see message.h for limits). Requests are trusted config but
 *   validated: bad domain/selector/identity/headerlist -> SG_E_ARG.
 */
#ifndef SIGNET_DKIM_SIGNER_H
#define SIGNET_DKIM_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "canon.h"
#include "hash.h"
#include "message.h"
#include "status.h"
#include "types.h"

#define SG_SIGNER_MAX_SIGS 8

struct sg_sign_request {
	enum sg_sigkind kind;
	enum sg_alg alg;		/* DomainKeys: SG_ALG_RSA_SHA1 only */
	enum sg_canon hcanon;		/* DomainKeys: DK_SIMPLE or DK_NOFWS */
	enum sg_canon bcanon;		/* DomainKeys: ignored (= hcanon) */
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	const char *identity;		/* i=, NULL for none; must be within d= */
	const char *headerlist;		/* Momentum syntax; NULL = default (DKIM) or
					 * all headers (DomainKeys) */
	bool list_headers;		/* DomainKeys: add h= naming the covered fields
					 * (always when a headerlist is given) */
	int64_t timestamp;		/* t=; < 0 omits t= */
	uint64_t lifetime;		/* seconds; > 0 adds x = t + lifetime (needs t) */
	bool body_length;		/* add l= */
	uint64_t body_limit;		/* DKIM: hash at most this many canonical
					 * body bytes and add l= (0: whole body) */
	bool copy_headers;		/* add z= */
	bool query_method;		/* add q=dns/txt (DomainKeys: q=dns, always) */
};

struct sg_signer;

struct sg_signer *sg_signer_new(const struct sg_hash_ops *hash, const struct sg_limits *lim,
				bool fix_bare_lf);
void sg_signer_free(struct sg_signer *s);
void sg_signer_reset(struct sg_signer *s);
void sg_signer_set_canon_kernels(struct sg_signer *s, const struct sg_canon_kernels *k);

SG_MUST_CHECK enum sg_err sg_signer_add(struct sg_signer *s, const struct sg_sign_request *req,
					struct sg_error *err);
/* Reads data only up to the end of the header section (*used: the bytes
 * taken; all of len while the section goes on). whole: data is the whole
 * message, so a header section without the empty line ends with it.
 * sg_signer_add may follow; then sg_signer_feed the rest of the message. */
SG_MUST_CHECK enum sg_err sg_signer_read_headers(struct sg_signer *s, const void *data,
						 size_t len, bool whole, size_t *used,
						 struct sg_error *err);
/* The header fields once the header section was read; NULL before. */
const struct sg_header_field *sg_signer_fields(const struct sg_signer *s, size_t *count);
SG_MUST_CHECK enum sg_err sg_signer_feed(struct sg_signer *s, const void *data, size_t len,
					 struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_signer_finish(struct sg_signer *s, struct sg_error *err);

size_t sg_signer_count(const struct sg_signer *s);
/* Digest to sign for signature i (valid after finish). */
const uint8_t *sg_signer_digest(const struct sg_signer *s, size_t i, size_t *len,
				enum sg_alg *alg);
SG_MUST_CHECK enum sg_err sg_signer_set_signature(struct sg_signer *s, size_t i,
						  const uint8_t *sig, size_t siglen,
						  struct sg_error *err);
/* The complete header field with CRLF, valid once its signature is set. */
const char *sg_signer_header(const struct sg_signer *s, size_t i, size_t *len);
/* All signature headers in output order, concatenated (SG_E_STATE if any
 * signature is still missing). */
SG_MUST_CHECK enum sg_err sg_signer_headers(const struct sg_signer *s, struct sg_buf *out);

#endif
