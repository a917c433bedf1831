/*
 * NAME
 *   sigheader.h - the text of a new DKIM-Signature / DomainKey-Signature
 *
 * SUMMARY
 *   Writes the field up to and including "b=" (the value follows once the
 *   signature exists), folded by sigbuild. DKIM tag order:
 *   v a c d s [i] [q] [t] [x] [l] h [z] bh b; DomainKeys: a c d s q [h] b.
 *   The z= copies are the selected fields (name ':' raw value) in
 *   DKIM-quoted-printable joined by '|'.
 */
#ifndef SIGNET_DKIM_SIGHEADER_H
#define SIGNET_DKIM_SIGHEADER_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "headerlist.h"
#include "message.h"
#include "sigbuild.h"
#include "signer.h"
#include "sigparse.h"

struct sg_dkim_tags {
	const struct sg_sign_request *req;
	const uint8_t *bh;
	size_t bh_len;
	uint64_t body_length;			/* l= when req->body_length or body_limit */
	const struct sg_name_ref *names;	/* h= */
	size_t nnames;
	const struct sg_header_field *fields;	/* z= copies: fields[picked[i]] */
	const long *picked;
	struct sg_buf *scratch;			/* for h= and z= text; NULL: own */
};

/* The request's d=, s=, i= (within d=), canonicalizations, x= (needs
 * t=) and DomainKeys rules: SG_E_ARG with a message naming the value. */
SG_MUST_CHECK enum sg_err sg_sign_request_check(const struct sg_sign_request *r,
						struct sg_error *err);
/* RFC 4870 3.3: verifiers take the DomainKeys signing address from the
 * covered Sender, else From (covered: named by hl; hl NULL: every field),
 * and require its domain within d=; SG_E_ARG for what cannot verify. */
SG_MUST_CHECK enum sg_err sg_dk_sender_check(const struct sg_headerlist *hl,
					     const struct sg_header_field *fields, size_t nfields,
					     const char *domain, struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_sigheader_dkim(const struct sg_dkim_tags *t, struct sg_folder *f,
					    struct sg_buf *out);
SG_MUST_CHECK enum sg_err sg_sigheader_dk(const struct sg_sign_request *req,
					  const struct sg_name_ref *names, size_t nnames,
					  struct sg_folder *f, struct sg_buf *out);

#endif
