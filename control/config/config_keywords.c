/*
 * NAME
 *   config_keywords.c - the blocks and keywords of signet.conf, and the
 *                       lookups over them (see config_keywords.h)
 *
 * SUMMARY
 *   The rows below are the whole language: adding a keyword is adding a
 *   row (and a field in config.h). docs/config.md and signet.conf(5) are
 *   generated from them by gen_config_doc; a unit test fails when the
 *   committed documents differ from what the table gives.
 *   "Did you mean" uses the optimal-string-alignment distance (insertions,
 *   deletions, substitutions, adjacent transpositions), ASCII case-blind.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_keywords.h"
#include "config_values.h"
#include "headerlist.h"
#include "lex.h"
#include "types.h"

#define FIELD(type, tgt, f)	.target = (tgt), .offset = offsetof(type, f), \
				.size = sizeof(((type *)0)->f)
#define CONTROL(f)	FIELD(struct sg_control_conf, SG_TARGET_CONTROL, f)
#define DATAPLANE(f)	FIELD(struct sg_dataplane_conf, SG_TARGET_DATAPLANE, f)
#define ESMTP(f)	FIELD(struct sg_esmtp_conf, SG_TARGET_ESMTP, f)
#define SIGN(f)		FIELD(struct sg_sign_options, SG_TARGET_SIGN, f)

static bool cond_to_enum(const char *s, size_t n, int *out)
{
	if (sg_lex_eq_nocase(s, n, "can_relay"))
		*out = SG_COND_CAN_RELAY;
	else if (sg_lex_eq_nocase(s, n, "auth_user"))
		*out = SG_COND_AUTH_USER;
	else
		return false;
	return true;
}

static bool alg_to_enum(const char *s, size_t n, int *out)
{
	enum sg_alg a;

	if (!sg_alg_parse(s, n, &a))
		return false;
	*out = (int)a;
	return true;
}

static bool dkim_canon_to_enum(const char *s, size_t n, int *out)
{
	enum sg_canon c;

	if (!sg_canon_parse(s, n, false, &c))
		return false;
	*out = (int)c;
	return true;
}

static bool dk_canon_to_enum(const char *s, size_t n, int *out)
{
	enum sg_canon c;

	if (!sg_canon_parse(s, n, true, &c))
		return false;
	*out = (int)c;
	return true;
}

static bool retire_to_enum(const char *s, size_t n, int *out)
{
	if (sg_lex_eq_nocase(s, n, "done"))
		*out = SG_RETIRE_DONE;
	else if (sg_lex_eq_nocase(s, n, "delete"))
		*out = SG_RETIRE_DELETE;
	else
		return false;
	return true;
}

static bool no_key_to_enum(const char *s, size_t n, int *out)
{
	if (sg_lex_eq_nocase(s, n, "relay"))
		*out = SG_NO_KEY_RELAY;
	else if (sg_lex_eq_nocase(s, n, "tempfail"))
		*out = SG_NO_KEY_TEMPFAIL;
	else
		return false;
	return true;
}

static const char *const retire_modes[] = { "done", "delete", NULL };
static const char *const no_key_actions[] = { "relay", "tempfail", NULL };
static const char *const conditions[] = { "can_relay", "auth_user", NULL };
static const char *const dkim_digests[] = { "rsa-sha256", "ed25519-sha256", "rsa-sha1", NULL };
static const char *const dk_digests[] = { "rsa-sha1", NULL };
static const char *const dkim_canons[] = { "relaxed", "simple", NULL };
static const char *const dk_canons[] = { "nofws", "simple", NULL };

const struct sg_conf_keyword sg_conf_keywords[] = {
	/* control { } */
	{ .name = "socket", .type = SG_TYPE_PATH, .scopes = SG_SC_CONTROL,
	  .def = "/run/signet/control.sock", .max = SG_CONF_SOCKET_PATH_MAX, CONTROL(socket),
	  .help = "Unix socket of the console (signetctl) and of signetd, created with mode "
		  "0660. The length limit is that of a Unix socket address." },
	{ .name = "state_dir", .type = SG_TYPE_PATH, .scopes = SG_SC_CONTROL,
	  .def = "/var/lib/signet", CONTROL(state_dir),
	  .help = "Folder where signet-controld keeps what changes at run time (selectors "
		  "created, enabled, rotated), written atomically. This file is never "
		  "rewritten." },
	{ .name = "metrics_listen", .type = SG_TYPE_ADDRESS, .scopes = SG_SC_CONTROL,
	  .def = "127.0.0.1:9187", .empty_ok = true, .loopback_only = true,
	  CONTROL(metrics_listen),
	  .help = "Where the Prometheus text exposition is served over HTTP (GET /metrics): a "
		  "loopback address (127.0.0.0/8 or [::1]) only, as the metrics are "
		  "unauthenticated; `\"\"` turns the listener off." },
	{ .name = "resolver", .type = SG_TYPE_ADDRESS, .scopes = SG_SC_CONTROL,
	  .def = "", .empty_ok = true, CONTROL(resolver),
	  .help = "DNS server asked by `dns test` for published key records. `\"\"` uses the "
		  "system resolver (/etc/resolv.conf)." },
	{ .name = "admin_group", .type = SG_TYPE_GROUP, .scopes = SG_SC_CONTROL,
	  .def = "signet", .empty_ok = true, CONTROL(admin_group),
	  .help = "Besides root and the daemon's own user, members of this group (a name, "
		  "or a numeric gid taken as it is) may issue the console commands that change "
		  "state and receive key material (the peer's credentials are checked on the "
		  "socket); the socket file gets this group. `\"\"` leaves them to root and "
		  "the daemon's user." },

	/* dataplane { } */
	{ .name = "workers", .type = SG_TYPE_INT, .scopes = SG_SC_DATAPLANE,
	  .def = "0", .min = 0, .max = 1024, DATAPLANE(workers),
	  .help = "Signing workers signetd runs; 0 starts one per available CPU core." },
	{ .name = "eal_args", .type = SG_TYPE_STRING, .scopes = SG_SC_DATAPLANE,
	  .def = "--no-huge --no-shconf --no-pci", .empty_ok = true, DATAPLANE(eal_args),
	  .help = "Arguments for the DPDK environment abstraction layer (split at spaces), "
		  "used by the cryptodev backend." },
	{ .name = "crypto_backend", .type = SG_TYPE_BACKEND, .scopes = SG_SC_DATAPLANE,
	  .def = "auto", DATAPLANE(crypto_backend),
	  .help = "Signing backend (docs/backends.md): auto (ifma where the CPU has "
		  "AVX-512 IFMA, else evp), evp, ifma, cryptodev[:OPTIONS], engine:ID or "
		  "provider:NAME." },
	{ .name = "batch_size", .type = SG_TYPE_INT, .scopes = SG_SC_DATAPLANE,
	  .def = "8", .min = 1, .max = 1024, DATAPLANE(batch_size),
	  .help = "Signatures a worker collects before it submits them to the backend "
		  "together." },
	{ .name = "batch_timeout_us", .type = SG_TYPE_DURATION, .scopes = SG_SC_DATAPLANE,
	  .def = "200", .min = 0, .max = 1000000, .unit = SG_UNIT_MICROSECONDS,
	  DATAPLANE(batch_timeout_us),
	  .help = "Longest wait of a partly filled batch for more signatures before it is "
		  "submitted anyway." },
	{ .name = "spool_retire", .type = SG_TYPE_ENUM, .scopes = SG_SC_DATAPLANE,
	  .def = "done", .values = retire_modes, .to_enum = retire_to_enum,
	  DATAPLANE(spool_retire),
	  .help = "What `signetd --spool` does with an input file once its signed copy is "
		  "safely in the output folder: done moves it to IN_DIR/.done/, delete "
		  "removes it." },

	/* esmtp_listener { } */
	{ .name = "listen", .type = SG_TYPE_ADDRESS, .scopes = SG_SC_ESMTP,
	  .def = "127.0.0.1:2525", ESMTP(listen),
	  .help = "Where signetd accepts SMTP from the mail server in front of it." },
	{ .name = "relay_hosts", .type = SG_TYPE_CIDR_LIST, .scopes = SG_SC_ESMTP,
	  .def = "127.0.0.0/8 ::1/128", .empty_ok = true, ESMTP(relay_hosts),
	  .help = "Client networks whose mail meets sign_condition can_relay. `\"\"` means "
		  "none." },
	{ .name = "next_hop", .type = SG_TYPE_ADDRESS, .scopes = SG_SC_ESMTP,
	  .def = "127.0.0.1:2526", ESMTP(next_hop),
	  .help = "Where signetd relays every message it accepted, signed or not." },
	{ .name = "max_message_size", .type = SG_TYPE_SIZE, .scopes = SG_SC_ESMTP,
	  .def = "52428800", .min = 1024, .max = UINT64_C(4294967296),
	  ESMTP(max_message_size),
	  .help = "Largest message accepted (SIZE in EHLO); a larger one is refused." },
	{ .name = "max_connections", .type = SG_TYPE_INT, .scopes = SG_SC_ESMTP,
	  .def = "10000", .min = 1, .max = 1000000, ESMTP(max_connections),
	  .help = "SMTP connections served at once, split evenly over the workers; a "
		  "connection past the limit is greeted with 421 4.3.2 and closed." },
	{ .name = "idle_timeout", .type = SG_TYPE_DURATION, .scopes = SG_SC_ESMTP,
	  .def = "300", .min = 1, .max = 86400, .unit = SG_UNIT_SECONDS, ESMTP(idle_timeout),
	  .help = "How long signetd waits for a client's next command (RFC 5321 allows 5 "
		  "minutes) before it answers 421 4.4.2 and closes. Message text may pause "
		  "for 3 minutes at most." },
	{ .name = "min_data_rate", .type = SG_TYPE_SIZE, .scopes = SG_SC_ESMTP,
	  .def = "256", .min = 0, .max = UINT64_C(1073741824), ESMTP(min_data_rate),
	  .help = "Slowest average rate, in bytes per second, at which a client may send "
		  "message text once it has been sending for 30 seconds; a slower one gets "
		  "421 4.7.0 and is closed. 0 turns the check off." },
	{ .name = "no_key_action", .type = SG_TYPE_ENUM, .scopes = SG_SC_ESMTP,
	  .def = "relay", .values = no_key_actions, .to_enum = no_key_to_enum,
	  ESMTP(no_key_action),
	  .help = "What the relay does with a message whose From domain has no key: relay "
		  "passes it on unsigned (counted as skipped), tempfail answers 451 4.7.0 so "
		  "that the client tries again later." },
	{ .name = "auth_file", .type = SG_TYPE_PATH, .scopes = SG_SC_ESMTP,
	  .def = "", .empty_ok = true, ESMTP(auth_file),
	  .help = "Credentials for SMTP AUTH PLAIN, one `user:hash` line each (a crypt(3) "
		  "hash, e.g. from `openssl passwd -6`; `#` starts a comment); it must not "
		  "be readable by others. `\"\"` offers no AUTH: only relay_hosts clients "
		  "may relay. A client that authenticated meets sign_condition auth_user." },

	/* dkim_sign / dk_sign / dk_domain */
	{ .name = "sign_condition", .type = SG_TYPE_ENUM, .scopes = SG_SC_SIGN_ANY,
	  .def = "can_relay", .values = conditions, .to_enum = cond_to_enum,
	  SIGN(sign_condition),
	  .help = "Which messages are signed: can_relay, mail from relay_hosts clients; "
		  "auth_user, mail from clients that authenticated (SMTP AUTH)." },
	{ .name = "digest", .type = SG_TYPE_ENUM, .scopes = SG_SC_DKIM_ANY,
	  .def = "rsa-sha256", .values = dkim_digests, .to_enum = alg_to_enum,
	  SIGN(digest),
	  .help = "Signature algorithm (a=). ed25519-sha256 (RFC 8463) needs an Ed25519 "
		  "key; rsa-sha1 is obsolete (RFC 8301), only for old verifiers." },
	{ .name = "digest", .type = SG_TYPE_ENUM, .scopes = SG_SC_DK_ANY,
	  .def = "rsa-sha1", .values = dk_digests, .to_enum = alg_to_enum,
	  SIGN(digest),
	  .help = "DomainKeys signs with rsa-sha1 only; the keyword is accepted so that "
		  "ecelerity configurations read unchanged." },
	{ .name = "header_canon", .type = SG_TYPE_ENUM, .scopes = SG_SC_DKIM_ANY,
	  .def = "relaxed", .values = dkim_canons, .to_enum = dkim_canon_to_enum,
	  SIGN(header_canon),
	  .help = "Header canonicalization (c=, RFC 6376 3.4): relaxed survives the "
		  "rewrapping and recasing mail servers do; simple does not." },
	{ .name = "body_canon", .type = SG_TYPE_ENUM, .scopes = SG_SC_DKIM_ANY,
	  .def = "relaxed", .values = dkim_canons, .to_enum = dkim_canon_to_enum,
	  SIGN(body_canon),
	  .help = "Body canonicalization (c=, RFC 6376 3.4): relaxed ignores changes of "
		  "white space; simple only trailing empty lines." },
	{ .name = "canon", .type = SG_TYPE_ENUM, .scopes = SG_SC_DK_ANY,
	  .def = "nofws", .values = dk_canons, .to_enum = dk_canon_to_enum,
	  SIGN(header_canon),
	  .help = "DomainKeys canonicalization of the whole message (RFC 4870 3.4): nofws "
		  "drops all folding white space; simple keeps it." },
	{ .name = "headerlist", .type = SG_TYPE_HEADERLIST, .scopes = SG_SC_SIGN_ANY,
	  .def = SG_HEADERLIST_DEFAULT, SIGN(headerlist),
	  .help = "Header fields to sign, separated by `:`. `NAME` signs one copy and, when "
		  "absent, asserts that it stays absent; `NAME?` signs one copy if present; "
		  "`NAME*` signs every copy (asserting absence when there is none); `NAME+` "
		  "signs every copy present. `From` (or `From*`) is required." },
	{ .name = "key", .type = SG_TYPE_KEY_TEMPLATE, .scopes = SG_SC_SIGN_ANY,
	  .def = "keys/%{d}/%{s}.key", SIGN(key),
	  .help = "Private-key file: `%{d}` becomes the signing domain and `%{s}` the "
		  "selector (both in lower case). In dkim_sign and dk_sign the path must "
		  "contain `%{d}` or no placeholder at all (one key for every domain). Any "
		  "domain with a key file here can be signed, not only those with a "
		  "dk_domain." },
	{ .name = "selector", .type = SG_TYPE_SELECTOR, .scopes = SG_SC_SIGN_ANY,
	  .def = "", .empty_ok = true, SIGN(selector),
	  .help = "Selector (s=) to sign with. `\"\"` uses the selector enabled for the "
		  "domain in the selector state (`signetctl selector enable`)." },
	{ .name = "base_domain", .type = SG_TYPE_DOMAIN, .scopes = SG_SC_DOMAIN_ANY,
	  .def = "", .empty_ok = true, SIGN(base_domain),
	  .help = "Sign as this parent domain (d=) instead of the dk_domain itself: mail "
		  "of news.example.com signed by example.com. Must contain the dk_domain. "
		  "Only in dk_domain." },
	{ .name = "identity", .type = SG_TYPE_IDENTITY, .scopes = SG_SC_DKIM_ANY,
	  .def = "", .empty_ok = true, SIGN(identity),
	  .help = "Agent or user identifier (i=), as [local-part]@domain where the domain "
		  "may be `%{d}` or end in `.%{d}`; it must lie within d=. `\"\"` leaves i= "
		  "out." },
	{ .name = "lifetime", .type = SG_TYPE_DURATION, .scopes = SG_SC_DKIM_ANY,
	  .def = "0", .min = 0, .max = 87600, .unit = SG_UNIT_HOURS, SIGN(lifetime),
	  .help = "Validity of a signature (x= = t= + lifetime). 0 leaves x= out." },
	{ .name = "body_length_limit", .type = SG_TYPE_SIZE, .scopes = SG_SC_DKIM_ANY,
	  .def = "0", .min = 0, .max = UINT64_C(4294967296), SIGN(body_length_limit),
	  .help = "Sign at most this many bytes of the canonicalized body and say so in "
		  "l=. 0 signs the whole body. Text appended later stays unsigned, so use "
		  "it only for lists that add footers." },
	{ .name = "copy_headers", .type = SG_TYPE_BOOL, .scopes = SG_SC_DKIM_ANY,
	  .def = "false", SIGN(copy_headers),
	  .help = "Add the signed header fields in z= (copied, for debugging)." },
	{ .name = "keycache_size", .type = SG_TYPE_INT, .scopes = SG_SC_SIGN_ANY,
	  .def = "2048", .min = 1, .max = 1048576, SIGN(keycache_size),
	  .help = "Parsed keys kept in memory; the least recently used goes first. The cache "
		  "belongs to the dkim_sign / dk_sign block: the block's value sizes it, and a "
		  "value in a dk_domain block is accepted (Momentum allows it) but has no "
		  "effect of its own." },
	{ .name = "pos_keycache_ttl", .type = SG_TYPE_DURATION, .scopes = SG_SC_SIGN_ANY,
	  .def = "300", .min = 0, .max = 604800, .unit = SG_UNIT_SECONDS,
	  SIGN(pos_keycache_ttl),
	  .help = "After this time a cached key is checked against its file again and "
		  "reloaded if the file changed." },
	{ .name = "neg_keycache_ttl", .type = SG_TYPE_DURATION, .scopes = SG_SC_SIGN_ANY,
	  .def = "3600", .min = 0, .max = 604800, .unit = SG_UNIT_SECONDS,
	  SIGN(neg_keycache_ttl),
	  .help = "How long a missing key is remembered as missing before the file is "
		  "looked for again." },
};

const size_t sg_conf_nkeywords = sizeof(sg_conf_keywords) / sizeof(sg_conf_keywords[0]);

_Static_assert(sizeof(sg_conf_keywords) / sizeof(sg_conf_keywords[0]) <=
	       SG_CONF_KEYWORD_ROWS_MAX, "raise SG_CONF_KEYWORD_ROWS_MAX");

const struct sg_conf_block sg_conf_blocks[] = {
	{ .name = "control", .parents = SG_SC_TOP, .opens = SG_SC_CONTROL, .once = true,
	  .help = "signet-controld itself: its console socket, state, metrics and DNS." },
	{ .name = "dataplane", .parents = SG_SC_TOP, .opens = SG_SC_DATAPLANE, .once = true,
	  .help = "The signing engine of signetd: workers and crypto backend." },
	{ .name = "esmtp_listener", .parents = SG_SC_TOP, .opens = SG_SC_ESMTP,
	  .once = true,
	  .help = "signetd's SMTP side: where it listens, whom it signs for, where it "
		  "relays." },
	{ .name = "dkim_sign", .parents = SG_SC_TOP, .opens = SG_SC_DKIM, .label = "NAME",
	  .help = "A DKIM signing scope (RFC 6376). NAME (letters, digits, '.', '_', '-') "
		  "is how the console names it: `signetctl dkim_sign:NAME flush keycache`. "
		  "Its options apply to every domain signed through it; dk_domain "
		  "blocks inside override them for one domain." },
	{ .name = "dk_domain", .parents = SG_SC_DKIM, .opens = SG_SC_DKIM_DOMAIN,
	  .label = "DOMAIN",
	  .help = "Options for one domain of a dkim_sign scope. It inherits every option "
		  "of its dkim_sign block and may set any of them again, and base_domain." },
	{ .name = "dk_sign", .parents = SG_SC_TOP, .opens = SG_SC_DK, .label = "NAME",
	  .help = "A DomainKeys signing scope (RFC 4870), named like dkim_sign." },
	{ .name = "dk_domain", .parents = SG_SC_DK, .opens = SG_SC_DK_DOMAIN,
	  .label = "DOMAIN",
	  .help = "Options for one domain of a dk_sign scope, inheriting the block's." },
};

const size_t sg_conf_nblocks = sizeof(sg_conf_blocks) / sizeof(sg_conf_blocks[0]);

const struct sg_conf_keyword *sg_conf_keyword_find(const char *name, unsigned scope)
{
	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		if ((sg_conf_keywords[i].scopes & scope) && !strcmp(sg_conf_keywords[i].name, name))
			return &sg_conf_keywords[i];
	}
	return NULL;
}

const struct sg_conf_keyword *sg_conf_keyword_named(const char *name)
{
	return sg_conf_keyword_find(name, ~0u);
}

const struct sg_conf_block *sg_conf_block_find(const char *name, unsigned parent)
{
	for (size_t i = 0; i < sg_conf_nblocks; i++) {
		if ((sg_conf_blocks[i].parents & parent) && !strcmp(sg_conf_blocks[i].name, name))
			return &sg_conf_blocks[i];
	}
	return NULL;
}

const struct sg_conf_block *sg_conf_block_named(const char *name)
{
	return sg_conf_block_find(name, ~0u);
}

const struct sg_conf_block *sg_conf_scope_block(enum sg_conf_scope scope)
{
	for (size_t i = 0; i < sg_conf_nblocks; i++) {
		if (sg_conf_blocks[i].opens == scope)
			return &sg_conf_blocks[i];
	}
	return NULL;
}

const char *sg_conf_scope_name(enum sg_conf_scope scope)
{
	const struct sg_conf_block *b = sg_conf_scope_block(scope);

	return b ? b->name : "the top level";
}

/* Where the scopes of mask are, in words: "dataplane", "dk_domain",
 * "dkim_sign and its dk_domain blocks", "dkim_sign or dk_sign"... */
void sg_conf_scope_places(unsigned mask, char *out, size_t cap)
{
	static const struct {
		unsigned bits;
		const char *words;
	} places[] = {
		{ SG_SC_CONTROL, "control" },
		{ SG_SC_DATAPLANE, "dataplane" },
		{ SG_SC_ESMTP, "esmtp_listener" },
		{ SG_SC_SIGN_ANY, "dkim_sign, dk_sign and their dk_domain blocks" },
		{ SG_SC_DKIM_ANY, "dkim_sign and its dk_domain blocks" },
		{ SG_SC_DK_ANY, "dk_sign and its dk_domain blocks" },
		{ SG_SC_DOMAIN_ANY, "dk_domain" },
		{ SG_SC_DKIM, "dkim_sign" },
		{ SG_SC_DK, "dk_sign" },
		{ SG_SC_DKIM_DOMAIN, "dk_domain in dkim_sign" },
		{ SG_SC_DK_DOMAIN, "dk_domain in dk_sign" },
	};
	size_t used = 0;

	mask &= ~(unsigned)SG_SC_TOP;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]) && used < cap; i++) {
		if ((mask & places[i].bits) != places[i].bits)
			continue;
		mask &= ~places[i].bits;
		used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? (mask ? ", " :
					 " or ") : "", places[i].words);
	}
}

size_t sg_conf_keyword_index(const struct sg_conf_keyword *kw)
{
	return (size_t)(kw - sg_conf_keywords);
}

/* Optimal string alignment distance, ASCII case-blind; stops above 3. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[3][SG_CONF_NAME_MAX + 2];
	size_t *prev2 = d[0], *prev = d[1], *cur = d[2];

	if (la > SG_CONF_NAME_MAX || lb > SG_CONF_NAME_MAX || (la > lb ? la - lb : lb - la) > 3)
		return 4;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *rotate;

		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned char ca = sg_lex_lower((unsigned char)a[i - 1]);
			unsigned char cb = sg_lex_lower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == sg_lex_lower((unsigned char)b[j - 2]) &&
			    sg_lex_lower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		rotate = prev2;
		prev2 = prev;
		prev = cur;
		cur = rotate;
	}
	return prev[lb];
}

/* Near enough to suggest: 1 edit for short names, 2 from 6 bytes on. */
static bool near(const char *name, const char *candidate, size_t *best)
{
	size_t d = distance(name, candidate);
	size_t allowed = strlen(name) >= 6 ? 2 : 1;

	if (d > allowed || d >= *best)
		return false;
	*best = d;
	return true;
}

const char *sg_conf_suggest(const char *name, unsigned scope)
{
	const char *found = NULL;
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		const struct sg_conf_keyword *kw = &sg_conf_keywords[i];

		if ((kw->scopes & scope) && near(name, kw->name, &best))
			found = kw->name;
	}
	for (size_t i = 0; i < sg_conf_nblocks; i++) {
		const struct sg_conf_block *b = &sg_conf_blocks[i];

		if ((b->parents & scope) && near(name, b->name, &best))
			found = b->name;
	}
	return found;
}

const char *sg_conf_suggest_word(const char *name, const char *const *words)
{
	const char *found = NULL;
	size_t best = SIZE_MAX;

	for (size_t i = 0; words[i] != NULL; i++) {
		if (near(name, words[i], &best))
			found = words[i];
	}
	return found;
}
