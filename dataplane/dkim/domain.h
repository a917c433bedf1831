/*
 * NAME
 *   domain.h - domain-name and identity syntax for d=, s=, i=
 *
 * SUMMARY
 *   sg_domain_valid: RFC 6376 domain-name = sub-domain 1*("." sub-domain),
 *   labels of letters, digits and '-' (not at either end), at most 63 bytes
 *   per label and 253 in all; a single label is accepted only when
 *   allow_single_label (selectors). UTF-8 labels (RFC 8616) are accepted as
 *   bytes >= 0x80.
 *   sg_selector_valid: selector = sub-domain *("." sub-domain).
 *   sg_domain_within: true when sub equals parent or ends with "." parent,
 *   ASCII case-insensitively (i= must be within d=, RFC 6376 3.5).
 */
#ifndef SIGNET_DKIM_DOMAIN_H
#define SIGNET_DKIM_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

bool sg_domain_valid(const char *s, size_t n);
bool sg_selector_valid(const char *s, size_t n);
bool sg_domain_within(const char *sub, size_t sub_n, const char *parent, size_t parent_n);

#endif
