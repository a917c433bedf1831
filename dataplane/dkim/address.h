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
 *   fit in cap bytes, or a quoted string or comment in it is left open. Used for the DomainKeys signing identity (RFC 4870:
 *   Sender, else From).
 *
 * UNTRUSTED INPUT
 *   Header field values; linear scan, no allocation.
 */
#ifndef SIGNET_DKIM_ADDRESS_H
#define SIGNET_DKIM_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

bool sg_address_first(const char *value, size_t len, char *out, size_t cap);

#endif
