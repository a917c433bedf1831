/*
 * NAME
 *   keyrecord.h - DKIM (RFC 6376 3.6.1) and DomainKeys (RFC 4870 3.2.3)
 *                 public-key TXT records
 *
 * SUMMARY
 *   sg_keyrecord_parse reads one TXT value (character-strings already
 *   joined). DKIM rules: v= if present must be "DKIM1" and the first tag;
 *   k= "rsa" (default) or "ed25519", anything else -> unknown key type;
 *   h= colon list of hashes (absent = all), unknown names ignored; s= colon
 *   list that must contain "*" or "email" (absent = "*"); t= colon flags,
 *   "y" testing and "s" strict identity, unknown ignored; p= base64, empty
 *   means revoked, a k=ed25519 key must be 32 bytes (RFC 8463); n= notes
 *   ignored; unknown tags ignored.
 *   DomainKeys rules: k= "rsa" (default), p= (empty = revoked), g=
 *   granularity (local-part pattern, '*' wildcard), t=y, n=; a record that
 *   carries v=DKIM1 is accepted as well (as Mail::DKIM does).
 *   The result says what is wrong in words; the caller maps it to a verify
 *   result (permerror for syntax/unknown type, policy failures, ...).
 *
 * UNTRUSTED INPUT
 *   DNS TXT data of any content. Bounded: keys up to SG_KEYRECORD_MAX_KEY
 *   decoded bytes.
 */
#ifndef SIGNET_DKIM_KEYRECORD_H
#define SIGNET_DKIM_KEYRECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "types.h"

#define SG_KEYRECORD_MAX_KEY 2048	/* decoded p= bytes (RSA-8192 SPKI fits) */
#define SG_KEYRECORD_MAX_G 64

struct sg_keyrecord {
	enum sg_keytype key_type;
	bool sha1_allowed;		/* from h= */
	bool sha256_allowed;
	bool testing;			/* t=y */
	bool strict_identity;		/* t=s: i= domain must equal d= */
	bool revoked;			/* p= empty */
	bool has_granularity;		/* DomainKeys g= present and non-empty */
	char granularity[SG_KEYRECORD_MAX_G + 1];
	uint8_t key[SG_KEYRECORD_MAX_KEY];	/* decoded p= */
	size_t key_len;
};

SG_MUST_CHECK enum sg_err sg_keyrecord_parse(const char *txt, size_t len, enum sg_sigkind kind,
					     struct sg_keyrecord *out, struct sg_error *err);

/* DomainKeys g=: true when local (the sender's local-part) matches pattern. */
bool sg_keyrecord_granularity_match(const char *pattern, const char *local, size_t local_len);

#endif
