/*
 * NAME
 *   config_keywords.h - THE table of signet.conf: blocks and keywords with
 *                       type, default, scopes and help (private to config/
 *                       and the documentation generator)
 *
 * SUMMARY
 *   Every keyword is one row of sg_conf_keywords: its name, value type,
 *   the scopes where it may appear (a bit mask), its default written as it
 *   would be in the file, a help text, and where the value is stored (a
 *   struct and an offset). Defaults are applied by parsing that text with
 *   the same code as the file's values, so the documented default is the
 *   real one. A name may have several rows when its meaning differs by
 *   scope (digest: DKIM algorithms in dkim_sign, rsa-sha1 alone in
 *   dk_sign). sg_conf_blocks lists the blocks, where each may appear and
 *   the scope it opens.
 *   Lookups: sg_conf_keyword_find (a name allowed in a scope),
 *   sg_conf_keyword_named (any row of a name), sg_conf_block_find, and
 *   sg_conf_suggest (the nearest keyword or block name allowed in a scope,
 *   for "did you mean"; case and one transposition count as near).
 */
#ifndef SIGNET_CONTROL_CONFIG_KEYWORDS_H
#define SIGNET_CONTROL_CONFIG_KEYWORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sg_conf_scope {
	SG_SC_TOP = 1u << 0,		/* the file itself */
	SG_SC_CONTROL = 1u << 1,
	SG_SC_DATAPLANE = 1u << 2,
	SG_SC_ESMTP = 1u << 3,
	SG_SC_DKIM = 1u << 4,		/* dkim_sign "NAME" */
	SG_SC_DKIM_DOMAIN = 1u << 5,	/* dk_domain "DOMAIN" inside dkim_sign */
	SG_SC_DK = 1u << 6,		/* dk_sign "NAME" */
	SG_SC_DK_DOMAIN = 1u << 7,	/* dk_domain "DOMAIN" inside dk_sign */
};
#define SG_SC_DKIM_ANY (SG_SC_DKIM | SG_SC_DKIM_DOMAIN)
#define SG_SC_DK_ANY (SG_SC_DK | SG_SC_DK_DOMAIN)
#define SG_SC_SIGN_ANY (SG_SC_DKIM_ANY | SG_SC_DK_ANY)
#define SG_SC_DOMAIN_ANY (SG_SC_DKIM_DOMAIN | SG_SC_DK_DOMAIN)

enum sg_conf_type {
	SG_TYPE_STRING,		/* free text */
	SG_TYPE_PATH,		/* file or folder; relative to the config's folder */
	SG_TYPE_KEY_TEMPLATE,	/* path with %{d} and %{s} */
	SG_TYPE_INT,		/* decimal, min..max */
	SG_TYPE_SIZE,		/* bytes, suffix k M G (x1024) */
	SG_TYPE_DURATION,	/* number in 'unit', or with a suffix us ms s m h d w */
	SG_TYPE_BOOL,		/* true false yes no on off */
	SG_TYPE_ENUM,		/* one of 'values' */
	SG_TYPE_ADDRESS,	/* IPv4:PORT or [IPv6]:PORT */
	SG_TYPE_CIDR_LIST,	/* IP or IP/PREFIX, separated by spaces or commas */
	SG_TYPE_DOMAIN,		/* a domain name */
	SG_TYPE_SELECTOR,	/* a DKIM selector */
	SG_TYPE_IDENTITY,	/* [local]@domain, the domain may be %{d} */
	SG_TYPE_HEADERLIST,	/* From:Subject?:... (headerlist.h) */
	SG_TYPE_GROUP,		/* a Unix group name or number */
	SG_TYPE_BACKEND,	/* auto, evp, ifma, cryptodev[:OPTS], engine:ID, provider:NAME */
};

enum sg_conf_unit { SG_UNIT_NONE, SG_UNIT_MICROSECONDS, SG_UNIT_SECONDS, SG_UNIT_HOURS };

/* Which struct a keyword's value is stored in. */
enum sg_conf_target {
	SG_TARGET_CONTROL,	/* struct sg_control_conf */
	SG_TARGET_DATAPLANE,	/* struct sg_dataplane_conf */
	SG_TARGET_ESMTP,	/* struct sg_esmtp_conf */
	SG_TARGET_SIGN,		/* struct sg_sign_options */
};

struct sg_conf_keyword {
	const char *name;
	enum sg_conf_type type;
	unsigned scopes;		/* SG_SC_* where it may appear */
	const char *def;		/* default, as written in the file */
	const char *help;
	enum sg_conf_target target;
	size_t offset;			/* of the field in the target struct */
	size_t size;			/* of the field (string capacity, int width) */
	uint64_t min, max;		/* INT, SIZE, DURATION: range, in 'unit' */
	enum sg_conf_unit unit;		/* DURATION */
	const char *const *values;	/* ENUM: allowed words, NULL-terminated */
	bool (*to_enum)(const char *s, size_t n, int *out);	/* ENUM */
	bool empty_ok;			/* "" is a valid value */
	bool loopback_only;		/* ADDRESS: only 127.0.0.0/8 or [::1] */
};

struct sg_conf_block {
	const char *name;
	unsigned parents;		/* scopes where it may appear */
	enum sg_conf_scope opens;	/* the scope inside it */
	const char *label;		/* what its label is ("NAME"), NULL: none */
	bool once;			/* at most one in its parent */
	const char *help;
};

extern const struct sg_conf_keyword sg_conf_keywords[];
extern const size_t sg_conf_nkeywords;
extern const struct sg_conf_block sg_conf_blocks[];
extern const size_t sg_conf_nblocks;

#define SG_CONF_KEYWORD_ROWS_MAX 64	/* size of per-scope "seen" arrays */

const struct sg_conf_keyword *sg_conf_keyword_find(const char *name, unsigned scope);
const struct sg_conf_keyword *sg_conf_keyword_named(const char *name);
const struct sg_conf_block *sg_conf_block_find(const char *name, unsigned parent);
const struct sg_conf_block *sg_conf_block_named(const char *name);
/* The block that opens 'scope'. */
const struct sg_conf_block *sg_conf_scope_block(enum sg_conf_scope scope);
/* "dkim_sign", "dk_domain" ...; "the top level" for SG_SC_TOP. */
const char *sg_conf_scope_name(enum sg_conf_scope scope);
/* Where the scopes of mask are, in words: "dataplane", "dk_domain",
 * "dkim_sign and its dk_domain blocks", "dkim_sign or dk_sign"... */
void sg_conf_scope_places(unsigned mask, char *out, size_t cap);
/* The nearest name allowed in 'scope' (keywords and blocks), or NULL. */
const char *sg_conf_suggest(const char *name, unsigned scope);
/* The nearest of 'words' (NULL-terminated), or NULL. */
const char *sg_conf_suggest_word(const char *name, const char *const *words);
/* Index of a row in sg_conf_keywords. */
size_t sg_conf_keyword_index(const struct sg_conf_keyword *kw);

#endif
