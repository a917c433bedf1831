/*
 * NAME
 *   dp_scope.h - which signing scope of the configuration applies to a
 *                domain (internal to dataplane/core)
 *
 * SUMMARY
 *   dp_scope_for picks, for a kind, the first dkim_sign / dk_sign block
 *   with a dk_domain entry for domain, else the first with a selector of
 *   its own, else the first block of that kind (the choice signet-controld
 *   makes in keys_scope_for); NULL when the configuration has no block of
 *   that kind (sg_config_domain_options then gives the options and d=).
 *   dp_domain_normalize copies a domain lower-cased without one trailing
 *   dot and checks it with sg_domain_valid.
 *
 * UNTRUSTED INPUT
 *   domain (from a From header): length-bounded, validated before use.
 */
#ifndef SIGNET_DATAPLANE_DP_SCOPE_H
#define SIGNET_DATAPLANE_DP_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"

const struct sg_sign_scope *dp_scope_for(const struct sg_config *conf, enum sg_sigkind kind,
					 const char *domain);
/* out must hold cap >= 256 bytes; false for a name that is not a domain. */
bool dp_domain_normalize(const char *in, char *out, size_t cap);

#endif
