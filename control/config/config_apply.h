/*
 * NAME
 *   config_apply.h - meaning for the statement tree: blocks and keywords
 *                    into struct sg_config (private to config/)
 *
 * SUMMARY
 *   sg_conf_apply fills conf (zeroed by the caller, path and dir set) from
 *   a parsed tree: defaults first, then each block in file order. A
 *   signing scope's own keywords are applied before its dk_domain blocks,
 *   which start from the scope's effective options (inheritance), so the
 *   place of a dk_domain inside its scope does not matter.
 *   Refused, each with FILE:LINE:COLUMN: a keyword outside any block, an
 *   unknown keyword or block (with "did you mean"), one in the wrong scope
 *   (saying where it belongs), a keyword set twice in a scope, a second
 *   control / dataplane / esmtp_listener block, a missing or extra label,
 *   two scopes of one kind with the same name, two dk_domain of the same
 *   domain in a scope, a base_domain that does not contain its dk_domain,
 *   an identity outside d=, and every bad value (config_values.h).
 *
 * UNTRUSTED INPUT
 *   The tree of a configuration file (bounded by config_tree.h's limits).
 */
#ifndef SIGNET_CONTROL_CONFIG_APPLY_H
#define SIGNET_CONTROL_CONFIG_APPLY_H

#include "config.h"
#include "config_lexer.h"
#include "config_tree.h"
#include "status.h"

SG_MUST_CHECK enum sg_err sg_conf_apply(const struct sg_conf_src *src,
					const struct sg_conf_tree *tree, struct sg_config *conf,
					struct sg_error *err);

#endif
