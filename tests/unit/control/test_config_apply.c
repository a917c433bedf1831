/*
 * NAME
 *   test_config_apply.c - unit tests for control/config/config_apply.c
 *
 * SUMMARY
 *   A table of bad configurations, each with the exact "file:line:column:
 *   message" it must give and its error code; for every row the recorded
 *   line and byte offset must point at the line and column the message
 *   names. Good configurations: every keyword of every block set, the
 *   defaults of each scope kind, inheritance from a scope into its
 *   dk_domain blocks (whatever their order), a domain overriding, the
 *   single DomainKeys canon, base_domain and identity checks that pass,
 *   several scopes of both kinds, has_esmtp.
 */
#include "testutil.h"

#include "config.h"
#include "headerlist.h"

#define DIR "/etc/signet"

struct bad {
	const char *text;
	enum sg_err code;
	const char *msg;
};

static const struct bad bad_configs[] = {
	/* top level */
	{ "workers = 4\n", SG_E_SYNTAX,
	  "t.conf:1:1: keyword \"workers\" outside any block (it belongs in dataplane)" },
	{ "foo = 4\n", SG_E_SYNTAX, "t.conf:1:1: unknown keyword \"foo\" at the top level" },
	{ "control = 5\n", SG_E_SYNTAX,
	  "t.conf:1:1: \"control\" is a block, not a keyword: control { ... }" },
	{ "dkim_sgn \"x\" { }\n", SG_E_SYNTAX,
	  "t.conf:1:1: unknown block \"dkim_sgn\" at the top level (did you mean \"dkim_sign\"?)" },
	{ "frobnicate { }\n", SG_E_SYNTAX,
	  "t.conf:1:1: unknown block \"frobnicate\" at the top level" },
	{ "dk_domain \"example.com\" { }\n", SG_E_SYNTAX,
	  "t.conf:1:1: block \"dk_domain\" is not allowed at the top level (only inside dkim_sign "
	  "or dk_sign)" },
	{ "dataplane { workers = 4 }\n\ndataplane { }\n", SG_E_SYNTAX,
	  "t.conf:3:1: duplicate dataplane block (first at line 1)" },
	{ "control { }\nesmtp_listener { }\nesmtp_listener { }\n", SG_E_SYNTAX,
	  "t.conf:3:1: duplicate esmtp_listener block (first at line 2)" },
	/* labels and names */
	{ "dkim_sign { }\n", SG_E_SYNTAX,
	  "t.conf:1:1: dkim_sign needs a name: dkim_sign \"NAME\" { ... }" },
	{ "control \"x\" { }\n", SG_E_SYNTAX,
	  "t.conf:1:9: control takes no label: control { ... }" },
	{ "dkim_sign \"a b\" { }\n", SG_E_SYNTAX,
	  "t.conf:1:11: dkim_sign name \"a b\" may only have letters, digits, '.', '_' and '-'" },
	{ "dk_sign \"\" { }\n", SG_E_SYNTAX,
	  "t.conf:1:9: dk_sign name \"\" may only have letters, digits, '.', '_' and '-'" },
	{ "dkim_sign \"x\" { }\ndkim_sign \"x\" { }\n", SG_E_SYNTAX,
	  "t.conf:2:11: duplicate dkim_sign \"x\" (first at line 1)" },
	{ "dkim_sign \"x\" { dk_domain { } }\n", SG_E_SYNTAX,
	  "t.conf:1:17: dk_domain needs a domain: dk_domain \"DOMAIN\" { ... }" },
	{ "dkim_sign \"x\" { dk_domain \"-bad.com\" { } }\n", SG_E_SYNTAX,
	  "t.conf:1:27: dk_domain \"-bad.com\" is not a domain name" },
	{ "dk_sign \"x\" { dk_domain \"localhost\" { } }\n", SG_E_SYNTAX,
	  "t.conf:1:25: dk_domain \"localhost\" is not a domain name" },
	{ "dkim_sign \"x\" {\n\tdk_domain \"example.com\" { }\n"
	  "\tdk_domain \"EXAMPLE.com\" { }\n}\n", SG_E_SYNTAX,
	  "t.conf:3:12: duplicate dk_domain \"EXAMPLE.com\" in dkim_sign \"x\" (first at line 2)" },
	/* keywords in the wrong place, unknown, repeated */
	{ "dkim_sign \"x\" {\n  sign_conditon = can_relay\n}\n", SG_E_SYNTAX,
	  "t.conf:2:3: unknown keyword \"sign_conditon\" in dkim_sign (did you mean "
	  "\"sign_condition\"?)" },
	{ "dataplane { Workers = 4 }\n", SG_E_SYNTAX,
	  "t.conf:1:13: unknown keyword \"Workers\" in dataplane (did you mean \"workers\"?)" },
	{ "dataplane { wrokers = 4 }\n", SG_E_SYNTAX,
	  "t.conf:1:13: unknown keyword \"wrokers\" in dataplane (did you mean \"workers\"?)" },
	{ "control { socket = \"caf\xc3\xa9\" x = 1 }\n", SG_E_SYNTAX,
	  "t.conf:1:27: unknown keyword \"x\" in control" },
	{ "dkim_sign \"x\" { base_domain = example.com }\n", SG_E_SYNTAX,
	  "t.conf:1:17: keyword \"base_domain\" is not allowed in dkim_sign (only in dk_domain)" },
	{ "dk_sign \"x\" { identity = \"@example.com\" }\n", SG_E_SYNTAX,
	  "t.conf:1:15: keyword \"identity\" is not allowed in dk_sign (only in dkim_sign and its "
	  "dk_domain blocks)" },
	{ "dkim_sign \"x\" { canon = simple }\n", SG_E_SYNTAX,
	  "t.conf:1:17: keyword \"canon\" is not allowed in dkim_sign (only in dk_sign and its "
	  "dk_domain blocks)" },
	{ "control { workers = 1 }\n", SG_E_SYNTAX,
	  "t.conf:1:11: keyword \"workers\" is not allowed in control (only in dataplane)" },
	{ "dk_sign \"x\" { dk_domain \"example.com\" { lifetime = 1 } }\n", SG_E_SYNTAX,
	  "t.conf:1:41: keyword \"lifetime\" is not allowed in dk_domain (only in dkim_sign and "
	  "its dk_domain blocks)" },
	{ "dataplane { workers = 4 workers = 5 }\n", SG_E_SYNTAX,
	  "t.conf:1:25: duplicate keyword \"workers\" in dataplane (first set at line 1)" },
	{ "dkim_sign \"x\" {\n\tdk_domain \"example.com\" {\n\t\tselector = a\n\n\t\tselector = b\n"
	  "\t}\n}\n", SG_E_SYNTAX,
	  "t.conf:5:3: duplicate keyword \"selector\" in dk_domain (first set at line 3)" },
	/* blocks in the wrong place */
	{ "control { dataplane { } }\n", SG_E_SYNTAX,
	  "t.conf:1:11: block \"dataplane\" is only allowed at the top level" },
	{ "control { digest { } }\n", SG_E_SYNTAX,
	  "t.conf:1:11: \"digest\" is a keyword, not a block: digest = VALUE" },
	{ "dataplane { dk_domian \"a.com\" { } }\n", SG_E_SYNTAX,
	  "t.conf:1:13: unknown block \"dk_domian\" in dataplane" },
	{ "dkim_sign \"x\" { dk_domian \"a.com\" { } }\n", SG_E_SYNTAX,
	  "t.conf:1:17: unknown block \"dk_domian\" in dkim_sign (did you mean \"dk_domain\"?)" },
	{ "dkim_sign \"x\" { dk_domain \"a.com\" { dk_domain \"b.a.com\" { } } }\n", SG_E_SYNTAX,
	  "t.conf:1:37: block \"dk_domain\" is not allowed in dk_domain (only inside dkim_sign or "
	  "dk_sign)" },
	/* values */
	{ "dataplane { workers = four }\n", SG_E_SYNTAX,
	  "t.conf:1:23: workers: expected a whole number, got \"four\"" },
	{ "dataplane { workers = 5000 }\n", SG_E_LIMIT,
	  "t.conf:1:23: workers: 5000 is out of range (0..1024)" },
	{ "dataplane { batch_timeout_us = 2s }\n", SG_E_LIMIT,
	  "t.conf:1:32: batch_timeout_us: 2s is out of range (0..1000000 microseconds)" },
	{ "dataplane { crypto_backend = qat }\n", SG_E_SYNTAX,
	  "t.conf:1:30: crypto_backend: unknown backend \"qat\" (expected auto, evp, ifma, "
	  "cryptodev[:OPTIONS], engine:ID or provider:NAME)" },
	{ "dkim_sign \"x\" { digest = rsa-sha512 }\n", SG_E_SYNTAX,
	  "t.conf:1:26: digest: unknown value \"rsa-sha512\" (did you mean \"rsa-sha1\"?)" },
	{ "dkim_sign \"x\" { digest = md5 }\n", SG_E_SYNTAX,
	  "t.conf:1:26: digest: unknown value \"md5\" (expected rsa-sha256, ed25519-sha256 or "
	  "rsa-sha1)" },
	{ "dk_sign \"x\" { digest = rsa-sha256 }\n", SG_E_SYNTAX,
	  "t.conf:1:24: digest: unknown value \"rsa-sha256\" (expected rsa-sha1)" },
	{ "dkim_sign \"x\" { header_canon = nofws }\n", SG_E_SYNTAX,
	  "t.conf:1:32: header_canon: unknown value \"nofws\" (expected relaxed or simple)" },
	{ "dk_sign \"x\" { canon = relaxed }\n", SG_E_SYNTAX,
	  "t.conf:1:23: canon: unknown value \"relaxed\" (expected nofws or simple)" },
	{ "dkim_sign \"x\" { headerlist = \"Subject:Date\" }\n", SG_E_SYNTAX,
	  "t.conf:1:30: headerlist has no From entry (RFC 6376 5.4: From must be signed)" },
	{ "dkim_sign \"x\" { headerlist = \"From:Sub ject\" }\n", SG_E_SYNTAX,
	  "t.conf:1:39: headerlist entry 2: byte 0x20 at offset 8 is not allowed in a field name" },
	{ "dkim_sign \"x\" { key = \"keys/%{s}.key\" }\n", SG_E_SYNTAX,
	  "t.conf:1:23: key: %{s} without %{d} would give every domain the same key files; add "
	  "%{d} or set it in a dk_domain" },
	{ "dkim_sign \"x\" { key = \"keys/%{x}.key\" }\n", SG_E_SYNTAX,
	  "t.conf:1:29: key: unknown placeholder (a '%' starts %{d}, the domain, or %{s}, the "
	  "selector)" },
	{ "dkim_sign \"x\" { key = \"\" }\n", SG_E_SYNTAX,
	  "t.conf:1:23: key: a value is required (\"\" is not allowed here)" },
	{ "dkim_sign \"x\" { selector = \"bad_sel\" }\n", SG_E_SYNTAX,
	  "t.conf:1:28: selector: \"bad_sel\" is not a selector (labels of letters, digits and "
	  "'-', joined by dots)" },
	{ "dkim_sign \"x\" { identity = \"nobody\" }\n", SG_E_SYNTAX,
	  "t.conf:1:28: identity: \"nobody\" is not [local-part]@domain (the domain may be %{d})" },
	{ "dkim_sign \"x\" { identity = \"a b@example.com\" }\n", SG_E_SYNTAX,
	  "t.conf:1:30: identity: character not allowed in the local part" },
	{ "control { socket = \"\" }\n", SG_E_SYNTAX,
	  "t.conf:1:20: socket: a value is required (\"\" is not allowed here)" },
	{ "control { metrics_listen = localhost:9187 }\n", SG_E_SYNTAX,
	  "t.conf:1:28: metrics_listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got "
	  "\"localhost:9187\"" },
	{ "control { admin_group = \"wheel group\" }\n", SG_E_SYNTAX,
	  "t.conf:1:25: admin_group: \"wheel group\" is not a group name or number" },
	{ "esmtp_listener { relay_hosts = \"10.0.0.0/8, 192.168.1.0/33\" }\n", SG_E_SYNTAX,
	  "t.conf:1:45: relay_hosts: \"192.168.1.0/33\" is not an IP address or IP/PREFIX "
	  "network" },
	{ "esmtp_listener { max_message_size = 1 }\n", SG_E_LIMIT,
	  "t.conf:1:37: max_message_size: 1 is out of range (1024..4294967296 bytes)" },
	{ "esmtp_listener { max_message_size = 5T }\n", SG_E_SYNTAX,
	  "t.conf:1:37: max_message_size: expected a size in bytes such as 65536, 512k or 50M, "
	  "got \"5T\"" },
	{ "dkim_sign \"x\" { lifetime = 90m }\n", SG_E_SYNTAX,
	  "t.conf:1:28: lifetime: 90m is not a whole number of hours" },
	{ "dkim_sign \"x\" { copy_headers = maybe }\n", SG_E_SYNTAX,
	  "t.conf:1:32: copy_headers: expected true or false (or yes/no, on/off), got \"maybe\"" },
	{ "dkim_sign \"x\" { dk_domain \"example.com\" { headerlist = \"From:To??\" } }\n",
	  SG_E_SYNTAX, "t.conf:1:64: headerlist entry 2: '?' at offset 7 may only end an entry, "
	  "as its one suffix" },
	/* cross-checks */
	{ "dkim_sign \"x\" { dk_domain \"example.com\" { identity = \"@example.org\" } }\n",
	  SG_E_SYNTAX, "t.conf:1:54: identity \"@example.org\" is not within d=example.com" },
	{ "dkim_sign \"x\" {\n\tidentity = \"@example.org\"\n\tdk_domain \"example.com\" { }\n}\n",
	  SG_E_SYNTAX, "t.conf:3:12: identity \"@example.org\" (set at line 2) is not within "
	  "d=example.com of dk_domain \"example.com\"" },
	{ "dkim_sign \"x\" { dk_domain \"mail.example.com\" { base_domain = example.org } }\n",
	  SG_E_SYNTAX, "t.conf:1:62: base_domain \"example.org\" does not contain dk_domain "
	  "\"mail.example.com\"" },
	{ "dkim_sign \"x\" { dk_domain \"mail.example.com\" {\n"
	  " identity = \"@example.com\" } }\n", SG_E_SYNTAX,
	  "t.conf:2:13: identity \"@example.com\" is not within d=mail.example.com" },
	/* tabs and UTF-8 count one column each */
	{ "\tcontrol {\n\t\tsocket = \"/tmp/\xc3\xa9\xc3\xa9/x\" bogus = 1 }\n", SG_E_SYNTAX,
	  "t.conf:2:24: unknown keyword \"bogus\" in control" },
	{ "# caf\xc3\xa9 \xe2\x82\xac\r\n control { soket = x }\r\n", SG_E_SYNTAX,
	  "t.conf:2:12: unknown keyword \"soket\" in control (did you mean \"socket\"?)" },
};

/* Line and column (in characters) of byte offset off of text. */
static void position_of(const char *text, uint64_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (uint64_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80 && text[i] != '\r') {
			(*col)++;
		}
	}
}

static void test_bad_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		const struct bad *b = &bad_configs[i];
		struct sg_config *c = (struct sg_config *)1;
		struct sg_error err;
		unsigned line, col, msg_line, msg_col;
		enum sg_err rc;

		sg_error_clear(&err);
		rc = sg_config_parse(b->text, strlen(b->text), "t.conf", DIR, &c, &err);
		if (rc == SG_OK || strcmp(err.msg, b->msg) != 0)
			fail_msg("case %zu: got %s \"%s\"\n  expected \"%s\"", i, sg_err_name(rc),
				 err.msg, b->msg);
		assert_int_equal(rc, b->code);
		assert_int_equal(err.code, b->code);
		assert_null(c);
		assert_int_equal(sscanf(err.msg, "t.conf:%u:%u:", &msg_line, &msg_col), 2);
		assert_int_equal(err.line, msg_line);
		position_of(b->text, err.offset, &line, &col);
		if (line != msg_line || col != msg_col)
			fail_msg("case %zu: offset %llu is %u:%u, message says %u:%u", i,
				 (unsigned long long)err.offset, line, col, msg_line, msg_col);
	}
}

static struct sg_config *parse_ok(const char *text)
{
	struct sg_config *c = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_config_parse(text, strlen(text), "t.conf", DIR, &c, &err) != SG_OK)
		fail_msg("unexpected error: %s", err.msg);
	assert_non_null(c);
	return c;
}

static const char every_keyword[] =
	"control {\n"
	"\tsocket = /run/x/ctl.sock\n"
	"\tstate_dir = state\n"
	"\tmetrics_listen = \"[::1]:9100\"\n"
	"\tresolver = 127.0.0.1:5353\n"
	"\tadmin_group = mail\n"
	"}\n"
	"dataplane {\n"
	"\tworkers = 6\n"
	"\teal_args = \"-l 0-3 --no-huge\"\n"
	"\tcrypto_backend = engine:qat\n"
	"\tbatch_size = 16\n"
	"\tbatch_timeout_us = 1ms\n"
	"}\n"
	"esmtp_listener {\n"
	"\tlisten = 0.0.0.0:25\n"
	"\trelay_hosts = \"10.0.0.0/8,192.168.0.0/16 2001:db8::/32\"\n"
	"\tnext_hop = \"[2001:db8::1]:10025\"\n"
	"\tmax_message_size = 20M\n"
	"\tmax_connections = 500\n"
	"}\n"
	"dkim_sign \"corp\" {\n"
	"\tsign_condition = auth_user\n"
	"\tdigest = ed25519-sha256\n"
	"\theader_canon = simple\n"
	"\tbody_canon = simple\n"
	"\theaderlist = \"From:To:Subject?\"\n"
	"\tkey = \"/keys/%{d}/%{s}.pem\"\n"
	"\tselector = sel1\n"
	"\tidentity = \"@%{d}\"\n"
	"\tlifetime = 2d\n"
	"\tbody_length_limit = 64k\n"
	"\tcopy_headers = yes\n"
	"\tkeycache_size = 100\n"
	"\tpos_keycache_ttl = 10m\n"
	"\tneg_keycache_ttl = 30\n"
	"\tdk_domain \"news.example.com\" {\n"
	"\t\tbase_domain = example.com\n"
	"\t}\n"
	"}\n"
	"dk_sign \"old\" {\n"
	"\tsign_condition = can_relay\n"
	"\tdigest = rsa-sha1\n"
	"\tcanon = simple\n"
	"\theaderlist = From\n"
	"\tkey = /keys/fixed.pem\n"
	"\tselector = dk\n"
	"\tkeycache_size = 7\n"
	"\tpos_keycache_ttl = 1\n"
	"\tneg_keycache_ttl = 2\n"
	"}\n";

static void test_every_keyword(void **state)
{
	struct sg_config *c = parse_ok(every_keyword);
	const struct sg_sign_options *o;

	(void)state;
	assert_string_equal(c->control.socket, "/run/x/ctl.sock");
	assert_string_equal(c->control.state_dir, DIR "/state");
	assert_string_equal(c->control.metrics_listen, "[::1]:9100");
	assert_string_equal(c->control.resolver, "127.0.0.1:5353");
	assert_string_equal(c->control.admin_group, "mail");
	assert_int_equal(c->dataplane.workers, 6);
	assert_string_equal(c->dataplane.eal_args, "-l 0-3 --no-huge");
	assert_string_equal(c->dataplane.crypto_backend, "engine:qat");
	assert_int_equal(c->dataplane.batch_size, 16);
	assert_int_equal(c->dataplane.batch_timeout_us, 1000);
	assert_true(c->has_esmtp);
	assert_string_equal(c->esmtp.listen, "0.0.0.0:25");
	assert_string_equal(c->esmtp.relay_hosts, "10.0.0.0/8,192.168.0.0/16 2001:db8::/32");
	assert_string_equal(c->esmtp.next_hop, "[2001:db8::1]:10025");
	assert_int_equal(c->esmtp.max_message_size, 20 * 1024 * 1024);
	assert_int_equal(c->esmtp.max_connections, 500);
	assert_int_equal(c->nscopes, 2);
	o = &c->scopes[0].opt;
	assert_int_equal(c->scopes[0].kind, SG_KIND_DKIM);
	assert_string_equal(c->scopes[0].name, "corp");
	assert_int_equal(c->scopes[0].line, 22);
	assert_int_equal(o->sign_condition, SG_COND_AUTH_USER);
	assert_int_equal(o->digest, SG_ALG_ED25519_SHA256);
	assert_int_equal(o->header_canon, SG_CANON_SIMPLE);
	assert_int_equal(o->body_canon, SG_CANON_SIMPLE);
	assert_string_equal(o->headerlist, "From:To:Subject?");
	assert_string_equal(o->key, "/keys/%{d}/%{s}.pem");
	assert_string_equal(o->selector, "sel1");
	assert_string_equal(o->identity, "@%{d}");
	assert_int_equal(o->lifetime, 48);
	assert_int_equal(o->body_length_limit, 65536);
	assert_true(o->copy_headers);
	assert_int_equal(o->keycache_size, 100);
	assert_int_equal(o->pos_keycache_ttl, 600);
	assert_int_equal(o->neg_keycache_ttl, 30);
	assert_int_equal(c->scopes[0].ndomains, 1);
	assert_string_equal(c->scopes[0].domains[0].domain, "news.example.com");
	assert_int_equal(c->scopes[0].domains[0].line, 37);
	assert_string_equal(c->scopes[0].domains[0].opt.base_domain, "example.com");
	assert_string_equal(c->scopes[0].opt.base_domain, "");
	o = &c->scopes[1].opt;
	assert_int_equal(c->scopes[1].kind, SG_KIND_DOMAINKEYS);
	assert_int_equal(o->digest, SG_ALG_RSA_SHA1);
	assert_int_equal(o->header_canon, SG_CANON_DK_SIMPLE);
	assert_int_equal(o->body_canon, SG_CANON_DK_SIMPLE);
	assert_string_equal(o->headerlist, "From");
	assert_string_equal(o->key, "/keys/fixed.pem");
	assert_string_equal(o->selector, "dk");
	assert_int_equal(o->keycache_size, 7);
	assert_int_equal(o->pos_keycache_ttl, 1);
	assert_int_equal(o->neg_keycache_ttl, 2);
	sg_config_free(c);
}

static void test_scope_defaults(void **state)
{
	struct sg_config *c = parse_ok("dkim_sign \"a\" { }\ndk_sign \"b\" { }\n");
	const struct sg_sign_options *o = &c->scopes[0].opt;

	(void)state;
	assert_int_equal(o->sign_condition, SG_COND_CAN_RELAY);
	assert_int_equal(o->digest, SG_ALG_RSA_SHA256);
	assert_int_equal(o->header_canon, SG_CANON_RELAXED);
	assert_int_equal(o->body_canon, SG_CANON_RELAXED);
	assert_string_equal(o->headerlist, SG_HEADERLIST_DEFAULT);
	assert_string_equal(o->key, DIR "/keys/%{d}/%{s}.key");
	assert_string_equal(o->selector, "");
	assert_string_equal(o->identity, "");
	assert_int_equal(o->lifetime, 0);
	assert_int_equal(o->body_length_limit, 0);
	assert_false(o->copy_headers);
	assert_int_equal(o->keycache_size, 2048);
	assert_int_equal(o->pos_keycache_ttl, 300);
	assert_int_equal(o->neg_keycache_ttl, 3600);
	o = &c->scopes[1].opt;
	assert_int_equal(o->digest, SG_ALG_RSA_SHA1);
	assert_int_equal(o->header_canon, SG_CANON_DK_NOFWS);
	assert_int_equal(o->body_canon, SG_CANON_DK_NOFWS);
	assert_string_equal(o->key, DIR "/keys/%{d}/%{s}.key");
	assert_int_equal(o->keycache_size, 2048);
	assert_false(c->has_esmtp);
	assert_int_equal(c->esmtp.max_message_size, 52428800);
	sg_config_free(c);
}

/* A dk_domain before its scope's keywords still inherits them. */
static void test_inheritance(void **state)
{
	struct sg_config *c = parse_ok(
		"dkim_sign \"x\" {\n"
		"\tdk_domain \"early.example\" { selector = e }\n"
		"\tdigest = rsa-sha1\n"
		"\tlifetime = 24\n"
		"\tkey = \"k/%{d}.pem\"\n"
		"\tdk_domain \"late.example\" { digest = rsa-sha256  key = \"/abs/%{s}\" }\n"
		"}\n");
	const struct sg_sign_scope *s = &c->scopes[0];

	(void)state;
	assert_int_equal(s->ndomains, 2);
	assert_string_equal(s->domains[0].domain, "early.example");
	assert_string_equal(s->domains[0].opt.selector, "e");
	assert_int_equal(s->domains[0].opt.digest, SG_ALG_RSA_SHA1);
	assert_int_equal(s->domains[0].opt.lifetime, 24);
	assert_string_equal(s->domains[0].opt.key, DIR "/k/%{d}.pem");
	assert_string_equal(s->domains[1].opt.selector, "");
	assert_int_equal(s->domains[1].opt.digest, SG_ALG_RSA_SHA256);
	assert_int_equal(s->domains[1].opt.lifetime, 24);
	assert_string_equal(s->domains[1].opt.key, "/abs/%{s}");
	/* the scope itself keeps its own values */
	assert_int_equal(s->opt.digest, SG_ALG_RSA_SHA1);
	assert_string_equal(s->opt.selector, "");
	sg_config_free(c);
}

static void test_domainkeys_canon_in_domain(void **state)
{
	struct sg_config *c = parse_ok("dk_sign \"x\" { canon = simple\n"
				       "dk_domain \"a.example\" { canon = nofws }\n"
				       "dk_domain \"b.example\" { } }\n");
	const struct sg_sign_scope *s = &c->scopes[0];

	(void)state;
	assert_int_equal(s->opt.body_canon, SG_CANON_DK_SIMPLE);
	assert_int_equal(s->domains[0].opt.header_canon, SG_CANON_DK_NOFWS);
	assert_int_equal(s->domains[0].opt.body_canon, SG_CANON_DK_NOFWS);
	assert_int_equal(s->domains[1].opt.header_canon, SG_CANON_DK_SIMPLE);
	assert_int_equal(s->domains[1].opt.body_canon, SG_CANON_DK_SIMPLE);
	sg_config_free(c);
}

static void test_identity_and_base_domain_accepted(void **state)
{
	struct sg_config *c = parse_ok(
		"dkim_sign \"x\" {\n"
		"\tidentity = \"bounces@%{d}\"\n"
		"\tdk_domain \"example.com\" { }\n"
		"\tdk_domain \"a.example.com\" { identity = \"@mail.a.example.com\" }\n"
		"\tdk_domain \"b.example.com\" { base_domain = example.com "
		"identity = \"@x.%{d}\" }\n"
		"\tdk_domain \"c.example.com\" { base_domain = \"c.example.com\" }\n"
		"\tdk_domain \"d.example.com\" { base_domain = EXAMPLE.COM "
		"identity = \"@Example.Com\" }\n"
		"}\n"
		"dk_sign \"y\" { dk_domain \"n.example.org\" { base_domain = example.org } }\n");

	(void)state;
	assert_int_equal(c->scopes[0].ndomains, 5);
	assert_string_equal(c->scopes[0].domains[0].opt.identity, "bounces@%{d}");
	assert_string_equal(c->scopes[0].domains[2].opt.identity, "@x.%{d}");
	assert_string_equal(c->scopes[1].domains[0].opt.base_domain, "example.org");
	sg_config_free(c);
}

static void test_scopes_in_file_order(void **state)
{
	struct sg_config *c = parse_ok("dk_sign \"a\" { }\ndkim_sign \"a\" { }\n"
				       "dkim_sign \"b-2.x_y\" { }\nesmtp_listener { }\n");

	(void)state;
	assert_int_equal(c->nscopes, 3);
	assert_int_equal(c->scopes[0].kind, SG_KIND_DOMAINKEYS);
	assert_int_equal(c->scopes[1].kind, SG_KIND_DKIM);
	assert_string_equal(c->scopes[2].name, "b-2.x_y");
	assert_int_equal(c->scopes[2].line, 3);
	assert_true(c->has_esmtp);
	assert_string_equal(c->esmtp.listen, "127.0.0.1:2525");
	sg_config_free(c);
}

/* Many domains in one scope: the arrays grow, nothing is lost. */
static void test_many_domains(void **state)
{
	struct sg_buf text;
	struct sg_config *c;

	(void)state;
	sg_buf_init(&text, SIZE_MAX);
	assert_int_equal(sg_buf_puts(&text, "dkim_sign \"x\" {\n"), SG_OK);
	for (int i = 0; i < 300; i++)
		assert_int_equal(sg_buf_printf(&text, "dk_domain \"d%d.example\" "
					       "{ lifetime = %d }\n", i, i), SG_OK);
	assert_int_equal(sg_buf_puts(&text, "}\n"), SG_OK);
	c = parse_ok(text.data);
	assert_int_equal(c->scopes[0].ndomains, 300);
	for (int i = 0; i < 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "d%d.example", i);
		assert_string_equal(c->scopes[0].domains[i].domain, name);
		assert_int_equal(c->scopes[0].domains[i].opt.lifetime, i);
		assert_int_equal(c->scopes[0].domains[i].line, i + 2);
	}
	sg_config_free(c);
	sg_buf_free(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_every_keyword),
		cmocka_unit_test(test_scope_defaults),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_domainkeys_canon_in_domain),
		cmocka_unit_test(test_identity_and_base_domain_accepted),
		cmocka_unit_test(test_scopes_in_file_order),
		cmocka_unit_test(test_many_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
