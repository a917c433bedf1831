/*
 * NAME
 *   dnsrecord.h - the DNS TXT record that publishes a key
 *
 * SUMMARY
 *   sg_dns_record: DKIM "v=DKIM1; k=rsa; p=..." (k=ed25519 for Ed25519),
 *   with "t=y; " before p= when testing; DomainKeys (domainkeys = true)
 *   "k=rsa; p=..." ("t=y; " likewise).
 *   sg_dns_zone_line: "SELECTOR._domainkey.DOMAIN. IN TXT ( "..." "..." )"
 *   with the value cut into character-strings of at most 255 bytes, one
 *   per line, ready to paste into a zone file ('"' and '\' escaped, no
 *   final newline; control or non-ASCII bytes in txt give SG_E_ARG).
 *   All three append to out; an empty or unprintable selector or domain
 *   gives SG_E_ARG, and a trailing dot on domain is accepted.
 */
#ifndef SIGNET_CRYPTO_DNSRECORD_H
#define SIGNET_CRYPTO_DNSRECORD_H

#include <stdbool.h>
#include "buf.h"
#include "key.h"

SG_MUST_CHECK enum sg_err sg_dns_record(const struct sg_privkey *k, bool testing,
					bool domainkeys, struct sg_buf *out, struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_dns_zone_line(const char *selector, const char *domain,
					   const char *txt, struct sg_buf *out);
/* "SELECTOR._domainkey.DOMAIN" */
SG_MUST_CHECK enum sg_err sg_dns_record_name(const char *selector, const char *domain,
					     struct sg_buf *out);

#endif
