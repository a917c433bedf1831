/*
 * NAME
 *   address.h - the first mailbox address of a From / Sender field value
 *
 * SUMMARY
 *   sg_address_first finds the addr-spec of the first mailbox in an RFC
 *   5322 address field value: the text inside the first "<...>" outside
 *   quotes and comments, or else the first comma-separated item with
 *   comments and surrounding white space removed. Folding is ignored.
 *   Returns false when there is no "local@domain" to be found, it does not
 *   fit in cap bytes, or a quoted string or comment in it is left open.
 *   sg_dk_identity_* pick the DomainKeys signing identity (RFC 4870 3.3:
 *   the Sender address, else the From address) for signer and verifier.
 *
 * UNTRUSTED INPUT
 *   Header field values; linear scan, no allocation.
 */
#ifndef SIGNET_DKIM_ADDRESS_H
#define SIGNET_DKIM_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include "message.h"
#include "sigparse.h"

bool sg_address_first(const char *value, size_t len, char *out, size_t cap);

/* The DomainKeys signing address: note every covered field in hash order,
 * then ask for the address of the last Sender, else of the last From
 * ("" when neither gave one). */
struct sg_dk_identity {
	char sender[SG_NAME_MAX + 1];
	char from[SG_NAME_MAX + 1];
};

void sg_dk_identity_note(struct sg_dk_identity *id, const struct sg_header_field *f);
const char *sg_dk_identity_address(const struct sg_dk_identity *id, bool *from_sender);

#endif
