/*
 * NAME
 *   config.h - signet.conf: the ecelerity-style configuration language
 *
 * SUMMARY
 *   sg_config_load parses a file into struct sg_config; sg_config_parse
 *   parses text (name = the file name used in messages). The language:
 *     # comment to end of line
 *     BLOCK [ "LABEL" ] { KEYWORD = VALUE ... nested blocks ... }
 *   VALUE is a "quoted string" (\" and \\ escapes), an integer, or a bare
 *   word (letters, digits, - _ . : / %). Blocks: control, dataplane,
 *   esmtp_listener, dkim_sign "NAME" (with nested dk_domain "DOMAIN"), and
 *   dk_sign "NAME" (same). Every keyword is a row of the keyword table
 *   (config_keywords.c: name, type, default, scopes, help), which also
 *   generates docs/config.md. Any signing option may be set in a dkim_sign /
 *   dk_sign scope or in a dk_domain scope below it (domain wins);
 *   base_domain only in dk_domain.
 *   Errors name FILE:LINE:COLUMN and what was expected, e.g.
 *     signet.conf:12:17: unknown keyword "sign_conditon" in dkim_sign (did
 *     you mean "sign_condition"?)
 *   Relative paths (key templates, state_dir, socket) resolve against the
 *   folder of the config file.
 *   Columns count characters (a UTF-8 sequence or a tab is one column).
 *   sg_error.line and .offset carry the line and byte offset too; the
 *   message is meant to be printed as it is (signetctl config check,
 *   signet-controld --check). Only the first error is reported.
 *
 * UNTRUSTED INPUT
 *   The file (at most 1 MiB, nesting depth 4, 10000 keywords).
 *   sg_config_key_path also sees the domain of a message: it must be a
 *   valid domain name (no '/', no "..") before it becomes part of a path.
 */
#ifndef SIGNET_CONTROL_CONFIG_H
#define SIGNET_CONTROL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "status.h"
#include "types.h"

#define SG_CONF_PATH_MAX 4096
#define SG_CONF_NAME_MAX 255
#define SG_CONF_FILE_MAX (1024 * 1024)
/* The folder relative paths of the built-in default resolve against. */
#define SG_CONF_DEFAULT_DIR "/etc/signet"

enum sg_sign_condition { SG_COND_CAN_RELAY, SG_COND_AUTH_USER };
/* What signetd --spool does with an input once its output is in place. */
enum sg_spool_retire { SG_RETIRE_DONE, SG_RETIRE_DELETE };
enum sg_no_key_action { SG_NO_KEY_RELAY, SG_NO_KEY_TEMPFAIL };

/* Effective signing options of one scope (a dkim_sign/dk_sign block, or a
 * dk_domain inside it with the block's values inherited). */
struct sg_sign_options {
	enum sg_sign_condition sign_condition;	/* default can_relay */
	enum sg_alg digest;			/* default rsa-sha256 (dk_sign: rsa-sha1) */
	enum sg_canon header_canon;		/* default relaxed (dk_sign: canon, nofws) */
	enum sg_canon body_canon;		/* default relaxed */
	char headerlist[1024];			/* default SG_HEADERLIST_DEFAULT */
	char key[SG_CONF_PATH_MAX];		/* template, %{d} %{s}; absolute after load */
	char selector[SG_CONF_NAME_MAX + 1];	/* "" = from the selector state */
	char base_domain[SG_CONF_NAME_MAX + 1];	/* dk_domain only: sign as this d= */
	char identity[SG_CONF_NAME_MAX + 1];	/* i=, "" none; %{d} allowed */
	uint64_t lifetime;			/* hours, 0 = no x= */
	uint64_t body_length_limit;		/* 0 = no l=; else sign at most this */
	bool copy_headers;			/* z= */
	uint32_t keycache_size;			/* default 2048 */
	uint32_t pos_keycache_ttl;		/* seconds, default 300 */
	uint32_t neg_keycache_ttl;		/* seconds, default 3600 */
};

struct sg_sign_domain {
	char domain[SG_CONF_NAME_MAX + 1];
	struct sg_sign_options opt;		/* effective (inherited + own) */
	uint32_t line;				/* where its dk_domain block starts */
};

struct sg_sign_scope {
	enum sg_sigkind kind;			/* dkim_sign or dk_sign */
	char name[SG_CONF_NAME_MAX + 1];
	struct sg_sign_options opt;		/* the block's own effective values */
	struct sg_sign_domain *domains;
	size_t ndomains;
	uint32_t line;				/* where the block starts */
};

struct sg_control_conf {
	char socket[SG_CONF_PATH_MAX];		/* default /run/signet/control.sock */
	char state_dir[SG_CONF_PATH_MAX];	/* default /var/lib/signet */
	char metrics_listen[128];		/* default 127.0.0.1:9187, "" = off */
	char resolver[128];			/* default "" = system resolver */
	char admin_group[64];			/* default signet */
};

struct sg_dataplane_conf {
	uint32_t workers;			/* 0 = one per core */
	char eal_args[1024];			/* default --no-huge --no-shconf --no-pci */
	char crypto_backend[64];		/* default auto */
	uint32_t batch_size;			/* default 8 */
	uint32_t batch_timeout_us;		/* default 200 */
	enum sg_spool_retire spool_retire;	/* default done (IN_DIR/.done/) */
};

struct sg_esmtp_conf {
	char listen[128];			/* default 127.0.0.1:2525 */
	char relay_hosts[1024];			/* default 127.0.0.0/8 ::1/128 */
	char next_hop[128];			/* default 127.0.0.1:2526 */
	uint64_t max_message_size;		/* default 52428800 */
	uint32_t max_connections;		/* default 10000 */
	uint32_t idle_timeout;			/* seconds; default 300 */
	uint64_t min_data_rate;			/* bytes/s in DATA; default 256, 0 = off */
	enum sg_no_key_action no_key_action;	/* default relay (unsigned) */
	char auth_file[SG_CONF_PATH_MAX];	/* AUTH PLAIN credentials; "" = none */
};

struct sg_config {
	char path[SG_CONF_PATH_MAX];		/* absolute path of the file */
	char dir[SG_CONF_PATH_MAX];		/* its folder */
	struct sg_control_conf control;
	struct sg_dataplane_conf dataplane;
	struct sg_esmtp_conf esmtp;
	bool has_esmtp;
	struct sg_sign_scope *scopes;		/* in file order */
	size_t nscopes;
};

SG_MUST_CHECK enum sg_err sg_config_load(const char *path, struct sg_config **out,
					 struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_config_parse(const char *text, size_t len, const char *name,
					  const char *dir, struct sg_config **out,
					  struct sg_error *err);
/* The built-in default (no file): used when the daemon runs without -c. */
SG_MUST_CHECK enum sg_err sg_config_default(struct sg_config **out, struct sg_error *err);
void sg_config_free(struct sg_config *c);

/* Signing options for a domain in a scope: those of its dk_domain entry
 * (domain names compare ASCII case-blind), else the scope's own options.
 * *d_out (d_out may be NULL) receives the d= to sign as: the entry's
 * base_domain when it has one, else 'domain'. */
const struct sg_sign_options *sg_config_domain_options(const struct sg_sign_scope *s,
							const char *domain, const char **d_out);

/* The dkim_sign (SG_KIND_DKIM) or dk_sign scope called name, or NULL. */
const struct sg_sign_scope *sg_config_find_scope(const struct sg_config *c,
						 enum sg_sigkind kind, const char *name);

/* Expands a key template: %{d} -> domain, %{s} -> selector, both lower-
 * cased. SG_E_ARG when the template needs a domain or selector that is
 * NULL or not a valid name (sg_domain_valid / sg_selector_valid: this
 * keeps '/' and ".." out of the path) or has another '%'; SG_E_LIMIT when
 * the result does not fit cap bytes with its NUL. */
SG_MUST_CHECK enum sg_err sg_config_key_path(const char *tmpl, const char *domain,
					     const char *selector, char *out, size_t cap);

#endif
