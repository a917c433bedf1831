/*
 * NAME
 *   sigparse.h - DKIM-Signature (RFC 6376 3.5) and DomainKey-Signature
 *                (RFC 4870 3.3) header parsing and validation
 *
 * SUMMARY
 *   sg_sig_parse turns one header field (as the message reader stores it)
 *   into a struct sg_sig, checking every rule a verifier must check before
 *   fetching a key (RFC 6376 6.1.1):
 *     DKIM: v=1 required and exactly "1"; a, b, bh, d, h, s required;
 *     a= known; c= known (default simple/simple, "x" alone = x/simple);
 *     q= must include "dns/txt" (default dns/txt); d= and s= valid names;
 *     i= (default "@" d) quoted-printable-decoded, its domain within d=;
 *     h= must include From; t=, x= decimal (x >= t when both); l= decimal.
 *     DomainKeys: a=rsa-sha1 (default), b, d, s required; c= simple (default)
 *     or nofws; q=dns (default); optional h=.
 *   Unknown tags are ignored. Errors fail with SG_E_SYNTAX or
 *   SG_E_UNSUPPORTED and a message naming the tag, which the verifier
 *   reports as permerror.
 *   The struct keeps where the b= value sits in the raw field so the
 *   verifier can hash the field with that value removed.
 *
 * UNTRUSTED INPUT
 *   The raw header field. Fixed-size output, no allocation.
 */
#ifndef SIGNET_DKIM_SIGPARSE_H
#define SIGNET_DKIM_SIGPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "message.h"
#include "status.h"
#include "types.h"

#define SG_SIG_MAX_HEADERS 128		/* names in h= */
#define SG_SIG_MAX_B 1024		/* decoded b= bytes (RSA-8192) */
#define SG_NAME_MAX 255

struct sg_name_ref {
	const char *s;		/* points into the raw field */
	size_t len;
};

struct sg_sig {
	enum sg_sigkind kind;
	enum sg_alg alg;
	enum sg_canon hcanon;
	enum sg_canon bcanon;		/* DomainKeys: same as hcanon */
	char domain[SG_NAME_MAX + 1];
	char selector[SG_NAME_MAX + 1];
	char identity[SG_NAME_MAX + 1];	/* i= decoded; DKIM default "@domain"; DK "" */
	bool has_identity;		/* i= was present */
	struct sg_name_ref headers[SG_SIG_MAX_HEADERS];
	size_t header_count;		/* DK without h=: 0 and has_h false */
	bool has_h;
	bool has_t, has_x, has_l;
	uint64_t t, x, l;
	uint8_t bh[SG_HASH_MAX];
	size_t bh_len;
	uint8_t b[SG_SIG_MAX_B];
	size_t b_len;
	size_t b_value_off;		/* offset in raw of the b= value (after '=') */
	size_t b_value_len;		/* up to ';' or the end of the field */
};

SG_MUST_CHECK enum sg_err sg_sig_parse(const struct sg_header_field *f, enum sg_sigkind kind,
				       struct sg_sig *out, struct sg_error *err);

#endif
