/*
 * NAME
 *   verify_internal.h - state shared by verifier.c, verify_key.c and
 *                       verify_dk.c (not part of the engine's API)
 */
#ifndef SIGNET_DKIM_VERIFY_INTERNAL_H
#define SIGNET_DKIM_VERIFY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "bodyhash.h"
#include "keyrecord.h"
#include "message.h"
#include "sigparse.h"
#include "verifier.h"

#define SG_VERIFY_MAX_RESULTS 32	/* signature fields looked at */
#define SG_KEY_TXT_MAX 8192		/* bytes of one key record */

struct sg_vsig {
	size_t field;			/* index of the signature field */
	struct sg_sig sig;
	int lane;			/* body-hash lane, -1 before one is made */
	bool settled;			/* res->result is final */
	struct sg_sig_result *res;	/* this signature's slot in results */
};

struct sg_verifier {
	const struct sg_hash_ops *hash;
	struct sg_pubkey_ops pubkey;
	struct sg_key_lookup lookup;
	struct sg_verify_policy policy;
	struct sg_msg_parser *parser;
	struct sg_bodyhash bodyhash;
	struct sg_vsig *sigs;		/* SG_VERIFY_MAX_RESULTS slots */
	struct sg_sig_result *results;	/* SG_VERIFY_MAX_RESULTS, in field order */
	size_t nsigs;
	unsigned checked;		/* signatures counted against the cap */
	bool finished;
	struct sg_error deferred;	/* error raised inside a parser callback */
};

void sg_vsig_settle(struct sg_vsig *vs, enum sg_result r, const char *reason);

/* Fetches and checks the key of vs (malloc'd; NULL with vs settled). */
struct sg_keyrecord *sg_verify_fetch_key(struct sg_verifier *v, struct sg_vsig *vs);
/* Checks the signature bytes over digest and settles vs. */
void sg_verify_signature(struct sg_verifier *v, struct sg_vsig *vs,
			 const struct sg_keyrecord *key, const uint8_t *digest, size_t dlen);

/* DomainKeys: hash the covered headers at the end of the header section;
 * finish the check at the end of the message. */
enum sg_err sg_verify_dk_start(struct sg_verifier *v, struct sg_vsig *vs);
void sg_verify_dk_finish(struct sg_verifier *v, struct sg_vsig *vs);

#endif
