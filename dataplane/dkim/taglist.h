/*
 * NAME
 *   taglist.h - RFC 6376 3.2 tag=value list parser
 *
 * SUMMARY
 *   Splits "a=1; b = two ;c=" into tags. Names are ALPHA *(ALPHA/DIGIT/"_");
 *   values have surrounding FWS removed (inner FWS is kept: callers that need
 *   it gone, e.g. b= and bh=, strip it). A trailing ';' is allowed, an empty
 *   list is allowed. Duplicate names, a missing '=', an invalid name or a
 *   control byte in a value are errors whose offset points at the byte.
 *   The tags point into the caller's string: no copies, no allocation.
 *
 * UNTRUSTED INPUT
 *   Signature header values and DNS key records. At most SG_TAGLIST_MAX tags.
 */
#ifndef SIGNET_DKIM_TAGLIST_H
#define SIGNET_DKIM_TAGLIST_H

#include <stddef.h>
#include "status.h"

#define SG_TAGLIST_MAX 48

struct sg_tag {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
	size_t offset;		/* offset of the name in the parsed string */
};

struct sg_taglist {
	struct sg_tag tags[SG_TAGLIST_MAX];
	size_t count;
};

SG_MUST_CHECK enum sg_err sg_taglist_parse(const char *s, size_t len, struct sg_taglist *out,
					   struct sg_error *err);
/* The tag with this exact (case-sensitive, RFC 6376 3.2) name, or NULL. */
const struct sg_tag *sg_taglist_get(const struct sg_taglist *tl, const char *name);

#endif
