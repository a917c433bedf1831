/*
 * NAME
 *   headerlist.h - signer header lists (Momentum syntax) and h= selection
 *
 * SUMMARY
 *   A headerlist is "From:Subject:Date:To:MIME-Version?:Content-Type?".
 *   Each entry is a field name with an optional suffix:
 *     name    sign one copy; if the message has none, still list it
 *             (asserts absence: adding one later breaks the signature)
 *     name?   sign one copy; if none, leave it out
 *     name*   sign every copy; if none, list it once (assert absence)
 *     name+   sign every copy; if none, leave it out
 *   sg_headerlist_parse refuses an empty entry, a bad name, an unknown
 *   suffix, more than SG_HEADERLIST_MAX entries, and a list that does not
 *   sign From unconditionally ("From" or "From*"; "From?"/"From+" alone
 *   could leave From out of h=).
 *
 *   sg_headerlist_expand turns a parsed list plus the message's header
 *   fields into the h= names to sign, in list order, each name repeated as
 *   often as copies are to be signed.
 *
 *   sg_headerlist_mentions says whether a field's name is in the list
 *   (DomainKeys signs the fields the list names, in message order).
 *
 *   sg_select_headers implements RFC 6376 5.4.2 for both signer and
 *   verifier: for each h= name in order it picks the bottom-most field of
 *   that name not yet picked; a name with no field left picks nothing.
 *   'skip' (may be NULL) is a field never picked (the signature being
 *   verified). The result is an index into fields per h= name, or -1.
 *
 * UNTRUSTED INPUT
 *   Configuration text (headerlist) and message fields.
 */
#ifndef SIGNET_DKIM_HEADERLIST_H
#define SIGNET_DKIM_HEADERLIST_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "message.h"
#include "sigparse.h"
#include "status.h"

#define SG_HEADERLIST_MAX 64
#define SG_FIELD_NAME_MAX 76

enum sg_hl_mode { SG_HL_ONE, SG_HL_ONE_OPTIONAL, SG_HL_ALL, SG_HL_ALL_OPTIONAL };

struct sg_hl_entry {
	char name[SG_FIELD_NAME_MAX + 1];
	enum sg_hl_mode mode;
};

struct sg_headerlist {
	struct sg_hl_entry entries[SG_HEADERLIST_MAX];
	size_t count;
};

/* The list used when none is configured. */
#define SG_HEADERLIST_DEFAULT \
	"From:Sender?:Reply-To?:Subject:Date:Message-ID?:To:Cc?:MIME-Version?:" \
	"Content-Type?:Content-Transfer-Encoding?:In-Reply-To?:References?:" \
	"List-Id?:List-Unsubscribe?:List-Unsubscribe-Post?"

SG_MUST_CHECK enum sg_err sg_headerlist_parse(const char *text, struct sg_headerlist *out,
					      struct sg_error *err);

/* Writes the h= names (one struct sg_name_ref each, pointing into hl or the
 * fields) into names[cap]; *count receives how many. SG_E_LIMIT if more
 * than cap. */
SG_MUST_CHECK enum sg_err sg_headerlist_expand(const struct sg_headerlist *hl,
					       const struct sg_header_field *fields,
					       size_t nfields, struct sg_name_ref *names,
					       size_t cap, size_t *count);

/* True when the list has an entry for f's name (any suffix). */
bool sg_headerlist_mentions(const struct sg_headerlist *hl, const struct sg_header_field *f);

/* picked[i] = index into fields for names[i], or -1. Needs nfields bytes of
 * scratch in used (zeroed by the callee). */
void sg_select_headers(const struct sg_name_ref *names, size_t nnames,
		       const struct sg_header_field *fields, size_t nfields,
		       const struct sg_header_field *skip, unsigned char *used, long *picked);

#endif
