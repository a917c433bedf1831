/*
 * NAME
 *   config_values.h - checking a keyword's value against its type and
 *                     storing it (private to config/)
 *
 * SUMMARY
 *   sg_conf_store_value checks one value (as written, decoded) against the
 *   row of its keyword - type, range, length, syntax of domains, addresses,
 *   header lists, key templates - and stores it in the struct the row
 *   names (control, dataplane, esmtp or sign options). Relative paths are
 *   resolved against the config file's folder at this point, so stored
 *   paths are absolute. sg_conf_store_defaults applies the defaults of the
 *   rows of a scope through the same code.
 *   Errors: "FILE:LINE:COLUMN: KEYWORD: reason", at the value, or inside it
 *   where the fault is (a bad placeholder, a bad network in a list, a bad
 *   header list entry).
 *
 * UNTRUSTED INPUT
 *   Values from the configuration file (NUL-terminated, valid UTF-8, at
 *   most SG_CONF_TOKEN_MAX bytes).
 */
#ifndef SIGNET_CONTROL_CONFIG_VALUES_H
#define SIGNET_CONTROL_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include "config_keywords.h"
#include "config_lexer.h"
#include "status.h"

#define SG_CONF_SOCKET_PATH_MAX 107	/* sizeof(sun_path) - 1 */

struct sg_conf_value {
	const char *text;		/* decoded, NUL-terminated */
	bool quoted;
	struct sg_conf_pos pos;		/* of its token; line 0 for a default */
};

struct sg_conf_store {
	const struct sg_conf_src *src;
	const char *dir;		/* absolute folder of the config file */
	unsigned scope;			/* the SG_SC_* the value appears in */
	struct sg_error *err;
};

SG_MUST_CHECK enum sg_err sg_conf_store_value(const struct sg_conf_store *st,
					      const struct sg_conf_keyword *kw,
					      const struct sg_conf_value *v, void *target);

/* Stores the default of every row allowed in st->scope that targets 'target'. */
SG_MUST_CHECK enum sg_err sg_conf_store_defaults(const struct sg_conf_store *st,
						 enum sg_conf_target target, void *obj);

/* out = path if absolute, else dir/path (leading "./" dropped). */
SG_MUST_CHECK enum sg_err sg_conf_resolve_path(const char *dir, const char *path, char *out,
					       size_t cap);

/* "seconds", "hours"...; "" for SG_UNIT_NONE. */
const char *sg_conf_unit_name(enum sg_conf_unit u);

/* IPv4:PORT or [IPv6]:PORT (config_net.c). */
bool sg_conf_address_valid(const char *s);
/* A valid address whose IP is in 127.0.0.0/8 or is ::1. */
bool sg_conf_address_is_loopback(const char *s);
/* IP or IP/PREFIX items separated by spaces, tabs or commas; on false the
 * first bad item is at s + *bad_off, *bad_len bytes (config_net.c). */
bool sg_conf_network_list_valid(const char *s, size_t *bad_off, size_t *bad_len);

/* True when the domain of identity ([local]@domain, domain may be %{d} or
 * end in .%{d}) lies within d. */
bool sg_conf_identity_within(const char *identity, const char *d);

#endif
