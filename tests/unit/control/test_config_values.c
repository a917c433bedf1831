/*
 * NAME
 *   test_config_values.c - unit tests for control/config/config_values.c
 *
 * SUMMARY
 *   One table row per value: keyword, scope, the text, and either what is
 *   stored (rendered as text) or the exact error. Covers each type's good
 *   forms and edges (ranges at both ends, overflow, units and suffixes in
 *   any case, whole-unit durations, empty values where allowed or not,
 *   string and path lengths at the limit, placeholders, identities,
 *   header lists, group names, backends) and where inside a value an error
 *   points. The value is the whole source text, so "v:1:N" is the Nth
 *   character of the value. Also path resolution and identity alignment.
 */
#include "testutil.h"

#include "config.h"
#include "config_keywords.h"
#include "config_values.h"

union target {
	struct sg_control_conf control;
	struct sg_dataplane_conf dataplane;
	struct sg_esmtp_conf esmtp;
	struct sg_sign_options sign;
};

/* The stored field as text: numbers in decimal, booleans as 0/1. */
static void render(const struct sg_conf_keyword *kw, const union target *t, char *out,
		   size_t cap)
{
	const char *field = (const char *)t + kw->offset;
	uint64_t v64;
	uint32_t v32;
	int e;

	switch (kw->type) {
	case SG_TYPE_INT:
	case SG_TYPE_SIZE:
	case SG_TYPE_DURATION:
		if (kw->size == 4) {
			memcpy(&v32, field, 4);
			v64 = v32;
		} else {
			memcpy(&v64, field, 8);
		}
		snprintf(out, cap, "%llu", (unsigned long long)v64);
		break;
	case SG_TYPE_BOOL:
		snprintf(out, cap, "%d", *(const bool *)field);
		break;
	case SG_TYPE_ENUM:
		memcpy(&e, field, sizeof(e));
		snprintf(out, cap, "%d", e);
		break;
	default:
		snprintf(out, cap, "%s", field);
		break;
	}
}

struct value_case {
	const char *keyword;
	unsigned scope;
	const char *text;
	enum sg_err rc;
	const char *result;	/* stored text, or the message */
};

#define DP SG_SC_DATAPLANE
#define CT SG_SC_CONTROL
#define ES SG_SC_ESMTP
#define DKIM SG_SC_DKIM
#define DDOM SG_SC_DKIM_DOMAIN

static const struct value_case cases[] = {
	/* integers */
	{ "workers", DP, "0", SG_OK, "0" },
	{ "workers", DP, "1024", SG_OK, "1024" },
	{ "workers", DP, "007", SG_OK, "7" },
	{ "workers", DP, "1025", SG_E_LIMIT, "v:1:1: workers: 1025 is out of range (0..1024)" },
	{ "batch_size", DP, "0", SG_E_LIMIT, "v:1:1: batch_size: 0 is out of range (1..1024)" },
	{ "workers", DP, "18446744073709551616", SG_E_LIMIT,
	  "v:1:1: workers: 18446744073709551616 is out of range (0..1024)" },
	{ "workers", DP, "+1", SG_E_SYNTAX, "v:1:1: workers: expected a whole number, got \"+1\"" },
	{ "workers", DP, "0x10", SG_E_SYNTAX,
	  "v:1:1: workers: expected a whole number, got \"0x10\"" },
	{ "workers", DP, "4 ", SG_E_SYNTAX, "v:1:1: workers: expected a whole number, got \"4 \"" },
	{ "workers", DP, "", SG_E_SYNTAX,
	  "v:1:1: workers: a value is required (\"\" is not allowed here)" },
	/* sizes */
	{ "max_message_size", ES, "1024", SG_OK, "1024" },
	{ "max_message_size", ES, "1k", SG_OK, "1024" },
	{ "max_message_size", ES, "3K", SG_OK, "3072" },
	{ "max_message_size", ES, "50M", SG_OK, "52428800" },
	{ "max_message_size", ES, "4g", SG_OK, "4294967296" },
	{ "max_message_size", ES, "5G", SG_E_LIMIT,
	  "v:1:1: max_message_size: 5G is out of range (1024..4294967296 bytes)" },
	{ "max_message_size", ES, "1023", SG_E_LIMIT,
	  "v:1:1: max_message_size: 1023 is out of range (1024..4294967296 bytes)" },
	{ "max_message_size", ES, "17179869184G", SG_E_LIMIT,
	  "v:1:1: max_message_size: 17179869184G is out of range (1024..4294967296 bytes)" },
	{ "max_message_size", ES, "1.5M", SG_E_SYNTAX,
	  "v:1:1: max_message_size: expected a size in bytes such as 65536, 512k or 50M, got "
	  "\"1.5M\"" },
	{ "max_message_size", ES, "10kb", SG_E_SYNTAX,
	  "v:1:1: max_message_size: expected a size in bytes such as 65536, 512k or 50M, got "
	  "\"10kb\"" },
	{ "max_message_size", ES, "M", SG_E_SYNTAX,
	  "v:1:1: max_message_size: expected a size in bytes such as 65536, 512k or 50M, got "
	  "\"M\"" },
	{ "body_length_limit", DKIM, "0", SG_OK, "0" },
	/* durations */
	{ "pos_keycache_ttl", DKIM, "300", SG_OK, "300" },
	{ "pos_keycache_ttl", DKIM, "5m", SG_OK, "300" },
	{ "pos_keycache_ttl", DKIM, "5M", SG_OK, "300" },
	{ "pos_keycache_ttl", DKIM, "1h", SG_OK, "3600" },
	{ "pos_keycache_ttl", DKIM, "1d", SG_OK, "86400" },
	{ "pos_keycache_ttl", DKIM, "1w", SG_OK, "604800" },
	{ "pos_keycache_ttl", DKIM, "2000ms", SG_OK, "2" },
	{ "pos_keycache_ttl", DKIM, "1000000us", SG_OK, "1" },
	{ "pos_keycache_ttl", DKIM, "0s", SG_OK, "0" },
	{ "neg_keycache_ttl", DDOM, "2w", SG_E_LIMIT,
	  "v:1:1: neg_keycache_ttl: 2w is out of range (0..604800 seconds)" },
	{ "pos_keycache_ttl", DKIM, "1500ms", SG_E_SYNTAX,
	  "v:1:1: pos_keycache_ttl: 1500ms is not a whole number of seconds" },
	{ "pos_keycache_ttl", DKIM, "99999999999999999999s", SG_E_LIMIT,
	  "v:1:1: pos_keycache_ttl: 99999999999999999999s is out of range (0..604800 seconds)" },
	{ "pos_keycache_ttl", DKIM, "99999999999999w", SG_E_LIMIT,
	  "v:1:1: pos_keycache_ttl: 99999999999999w is out of range (0..604800 seconds)" },
	{ "pos_keycache_ttl", DKIM, "5mm", SG_E_SYNTAX,
	  "v:1:1: pos_keycache_ttl: expected a duration such as 300, 90s, 5m, 12h or 7d, got "
	  "\"5mm\"" },
	{ "pos_keycache_ttl", DKIM, "m", SG_E_SYNTAX,
	  "v:1:1: pos_keycache_ttl: expected a duration such as 300, 90s, 5m, 12h or 7d, got "
	  "\"m\"" },
	{ "batch_timeout_us", DP, "1ms", SG_OK, "1000" },
	{ "batch_timeout_us", DP, "1s", SG_OK, "1000000" },
	{ "batch_timeout_us", DP, "1000001", SG_E_LIMIT,
	  "v:1:1: batch_timeout_us: 1000001 is out of range (0..1000000 microseconds)" },
	{ "lifetime", DKIM, "7d", SG_OK, "168" },
	{ "lifetime", DKIM, "120m", SG_OK, "2" },
	{ "lifetime", DKIM, "3600s", SG_OK, "1" },
	{ "lifetime", DDOM, "90m", SG_E_SYNTAX,
	  "v:1:1: lifetime: 90m is not a whole number of hours" },
	{ "lifetime", DKIM, "87601", SG_E_LIMIT,
	  "v:1:1: lifetime: 87601 is out of range (0..87600 hours)" },
	/* booleans and enumerations */
	{ "copy_headers", DKIM, "true", SG_OK, "1" },
	{ "copy_headers", DKIM, "On", SG_OK, "1" },
	{ "copy_headers", DKIM, "YES", SG_OK, "1" },
	{ "copy_headers", DKIM, "no", SG_OK, "0" },
	{ "copy_headers", DKIM, "OFF", SG_OK, "0" },
	{ "copy_headers", DKIM, "False", SG_OK, "0" },
	{ "copy_headers", DKIM, "1", SG_E_SYNTAX,
	  "v:1:1: copy_headers: expected true or false (or yes/no, on/off), got \"1\"" },
	{ "digest", DKIM, "RSA-SHA256", SG_OK, "1" },
	{ "digest", DKIM, "ed25519-sha256", SG_OK, "2" },
	{ "digest", SG_SC_DK, "rsa-sha1", SG_OK, "0" },
	{ "header_canon", DKIM, "Simple", SG_OK, "0" },
	{ "canon", SG_SC_DK_DOMAIN, "simple", SG_OK, "2" },
	{ "canon", SG_SC_DK, "NOFWS", SG_OK, "3" },
	{ "sign_condition", DKIM, "auth_user", SG_OK, "1" },
	{ "sign_condition", DKIM, "can-relay", SG_E_SYNTAX,
	  "v:1:1: sign_condition: unknown value \"can-relay\" (did you mean \"can_relay\"?)" },
	{ "sign_condition", DKIM, "always", SG_E_SYNTAX,
	  "v:1:1: sign_condition: unknown value \"always\" (expected can_relay or auth_user)" },
	/* paths and key templates (dir "/d") */
	{ "state_dir", CT, "x", SG_OK, "/d/x" },
	{ "state_dir", CT, "./x", SG_OK, "/d/x" },
	{ "state_dir", CT, "././x/./y", SG_OK, "/d/x/./y" },
	{ "state_dir", CT, "../up", SG_OK, "/d/../up" },
	{ "state_dir", CT, "/abs/", SG_OK, "/abs/" },
	{ "key", DKIM, "k/%{d}/%{s}.pem", SG_OK, "/d/k/%{d}/%{s}.pem" },
	{ "key", DKIM, "/one/key.pem", SG_OK, "/one/key.pem" },
	{ "key", DKIM, "%{d}", SG_OK, "/d/%{d}" },
	{ "key", DDOM, "%{s}.pem", SG_OK, "/d/%{s}.pem" },
	{ "key", SG_SC_DK, "k/%{s}.pem", SG_E_SYNTAX,
	  "v:1:1: key: %{s} without %{d} would give every domain the same key files; add %{d} "
	  "or set it in a dk_domain" },
	{ "key", DKIM, "k/%{D}", SG_E_SYNTAX,
	  "v:1:3: key: unknown placeholder (a '%' starts %{d}, the domain, or %{s}, the "
	  "selector)" },
	{ "key", DKIM, "k\xc3\xa9%", SG_E_SYNTAX,
	  "v:1:3: key: unknown placeholder (a '%' starts %{d}, the domain, or %{s}, the "
	  "selector)" },
	{ "key", DDOM, "k/%{d", SG_E_SYNTAX,
	  "v:1:3: key: unknown placeholder (a '%' starts %{d}, the domain, or %{s}, the "
	  "selector)" },
	/* addresses */
	{ "listen", ES, "127.0.0.1:1", SG_OK, "127.0.0.1:1" },
	{ "listen", ES, "0.0.0.0:25", SG_OK, "0.0.0.0:25" },
	{ "next_hop", ES, "[::1]:65535", SG_OK, "[::1]:65535" },
	{ "resolver", CT, "[::ffff:127.0.0.1]:53", SG_OK, "[::ffff:127.0.0.1]:53" },
	{ "metrics_listen", CT, "", SG_OK, "" },
	{ "metrics_listen", CT, "[::1]:9", SG_OK, "[::1]:9" },
	{ "metrics_listen", CT, "0.0.0.0:9187", SG_E_SYNTAX,
	  "v:1:1: metrics_listen: \"0.0.0.0:9187\" is not a loopback address: metrics_listen "
	  "only listens on 127.0.0.0/8 or [::1] (put a proxy in front to publish it)" },
	{ "listen", ES, "", SG_E_SYNTAX,
	  "v:1:1: listen: a value is required (\"\" is not allowed here)" },
	{ "listen", ES, "127.0.0.1", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got \"127.0.0.1\"" },
	{ "listen", ES, "127.0.0.1:0", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got "
	  "\"127.0.0.1:0\"" },
	{ "listen", ES, "127.0.0.1:65536", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got "
	  "\"127.0.0.1:65536\"" },
	{ "listen", ES, "::1:25", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got \"::1:25\"" },
	{ "listen", ES, "[127.0.0.1]:25", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got "
	  "\"[127.0.0.1]:25\"" },
	{ "listen", ES, "[::1]25", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got \"[::1]25\"" },
	{ "listen", ES, "[::1]:", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got \"[::1]:\"" },
	{ "listen", ES, "[::1", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got \"[::1\"" },
	{ "listen", ES, "1.2.3:4", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got \"1.2.3:4\"" },
	{ "listen", ES, "127.0.0.1:+25", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got "
	  "\"127.0.0.1:+25\"" },
	{ "listen", ES, "127.0.0.1:0000025", SG_E_SYNTAX,
	  "v:1:1: listen: expected IP:PORT such as 127.0.0.1:25 or [::1]:25, got "
	  "\"127.0.0.1:0000025\"" },
	/* network lists */
	{ "relay_hosts", ES, "10.0.0.0/8", SG_OK, "10.0.0.0/8" },
	{ "relay_hosts", ES, " 10.0.0.1 ,::1/128,\t2001:db8::/32 ", SG_OK,
	  " 10.0.0.1 ,::1/128,\t2001:db8::/32 " },
	{ "relay_hosts", ES, "", SG_OK, "" },
	{ "relay_hosts", ES, "10.0.0.0/8 10.0.0.0/", SG_E_SYNTAX,
	  "v:1:12: relay_hosts: \"10.0.0.0/\" is not an IP address or IP/PREFIX network" },
	{ "relay_hosts", ES, "10.0.0.0/8/8", SG_E_SYNTAX,
	  "v:1:1: relay_hosts: \"10.0.0.0/8/8\" is not an IP address or IP/PREFIX network" },
	{ "relay_hosts", ES, "::/0,::1/129", SG_E_SYNTAX,
	  "v:1:6: relay_hosts: \"::1/129\" is not an IP address or IP/PREFIX network" },
	{ "relay_hosts", ES, "1.2.3.4/-1", SG_E_SYNTAX,
	  "v:1:1: relay_hosts: \"1.2.3.4/-1\" is not an IP address or IP/PREFIX network" },
	{ "relay_hosts", ES, "10.0.0.0/8,,mail.example.com", SG_E_SYNTAX,
	  "v:1:13: relay_hosts: \"mail.example.com\" is not an IP address or IP/PREFIX network" },
	/* names */
	{ "base_domain", DDOM, "example.com", SG_OK, "example.com" },
	{ "base_domain", DDOM, "", SG_OK, "" },
	{ "base_domain", DDOM, "localhost", SG_E_SYNTAX,
	  "v:1:1: base_domain: \"localhost\" is not a domain name" },
	{ "base_domain", SG_SC_DK_DOMAIN, "example.com.", SG_E_SYNTAX,
	  "v:1:1: base_domain: \"example.com.\" is not a domain name" },
	{ "selector", DKIM, "s1", SG_OK, "s1" },
	{ "selector", DKIM, "a.b-c", SG_OK, "a.b-c" },
	{ "selector", DKIM, "s_1", SG_E_SYNTAX,
	  "v:1:1: selector: \"s_1\" is not a selector (labels of letters, digits and '-', joined "
	  "by dots)" },
	{ "selector", DDOM, "a..b", SG_E_SYNTAX,
	  "v:1:1: selector: \"a..b\" is not a selector (labels of letters, digits and '-', "
	  "joined by dots)" },
	{ "identity", DKIM, "@example.com", SG_OK, "@example.com" },
	{ "identity", DKIM, "first.last+tag@%{d}", SG_OK, "first.last+tag@%{d}" },
	{ "identity", DKIM, "@mail.%{d}", SG_OK, "@mail.%{d}" },
	{ "identity", DKIM, "j\xc3\xb6rg@example.com", SG_OK, "j\xc3\xb6rg@example.com" },
	{ "identity", DKIM, "a@b@example.com", SG_E_SYNTAX,
	  "v:1:1: identity: \"a@b@example.com\" is not [local-part]@domain (the domain may be "
	  "%{d})" },
	{ "identity", DKIM, "@", SG_E_SYNTAX,
	  "v:1:1: identity: \"@\" is not [local-part]@domain (the domain may be %{d})" },
	{ "identity", DKIM, "@%{d}x", SG_E_SYNTAX,
	  "v:1:1: identity: \"@%{d}x\" is not [local-part]@domain (the domain may be %{d})" },
	{ "identity", DKIM, "@.%{d}", SG_E_SYNTAX,
	  "v:1:1: identity: \"@.%{d}\" is not [local-part]@domain (the domain may be %{d})" },
	{ "identity", DKIM, "@%{s}", SG_E_SYNTAX,
	  "v:1:1: identity: \"@%{s}\" is not [local-part]@domain (the domain may be %{d})" },
	{ "identity", DKIM, "a;b@example.com", SG_E_SYNTAX,
	  "v:1:2: identity: character not allowed in the local part" },
	{ "headerlist", DKIM, "From", SG_OK, "From" },
	{ "headerlist", DKIM, "From::To", SG_E_SYNTAX,
	  "v:1:6: headerlist entry 2 at offset 5 is empty" },
	{ "admin_group", CT, "_mail-1.x", SG_OK, "_mail-1.x" },
	{ "admin_group", CT, "0", SG_OK, "0" },
	{ "admin_group", CT, "", SG_OK, "" },
	{ "admin_group", CT, "-x", SG_E_SYNTAX,
	  "v:1:1: admin_group: \"-x\" is not a group name or number" },
	{ "admin_group", CT, "abcdefghijklmnopqrstuvwxyz0123456", SG_E_SYNTAX,
	  "v:1:1: admin_group: \"abcdefghijklmnopqrstuvwxyz0123456\" is not a group name or "
	  "number" },
	{ "admin_group", CT, "gr\xc3\xbcn", SG_E_SYNTAX,
	  "v:1:1: admin_group: \"gr\xc3\xbcn\" is not a group name or number" },
	{ "crypto_backend", DP, "ifma", SG_OK, "ifma" },
	{ "crypto_backend", DP, "cryptodev", SG_OK, "cryptodev" },
	{ "crypto_backend", DP, "cryptodev:crypto_aesni_mb", SG_OK, "cryptodev:crypto_aesni_mb" },
	{ "crypto_backend", DP, "provider:default", SG_OK, "provider:default" },
	{ "crypto_backend", DP, "EVP", SG_E_SYNTAX,
	  "v:1:1: crypto_backend: unknown backend \"EVP\" (expected auto, evp, ifma, "
	  "cryptodev[:OPTIONS], engine:ID or provider:NAME)" },
	{ "crypto_backend", DP, "provider", SG_E_SYNTAX,
	  "v:1:1: crypto_backend: unknown backend \"provider\" (expected auto, evp, ifma, "
	  "cryptodev[:OPTIONS], engine:ID or provider:NAME)" },
};

static void run_case(size_t i, const struct value_case *c)
{
	const struct sg_conf_keyword *kw = sg_conf_keyword_find(c->keyword, c->scope);
	struct sg_conf_src src = { .name = "v", .text = c->text, .len = strlen(c->text) };
	struct sg_error err;
	struct sg_conf_store st = { .src = &src, .dir = "/d", .scope = c->scope, .err = &err };
	struct sg_conf_value v = { .text = c->text, .pos = { .line = 1, .col = 1 } };
	union target t;
	char got[SG_CONF_PATH_MAX];
	enum sg_err rc;

	if (kw == NULL)
		fail_msg("case %zu: no keyword %s in scope %#x", i, c->keyword, c->scope);
	memset(&t, 0xa5, sizeof(t));
	sg_error_clear(&err);
	rc = sg_conf_store_value(&st, kw, &v, &t);
	if (rc == SG_OK)
		render(kw, &t, got, sizeof(got));
	if (rc != c->rc || strcmp(rc == SG_OK ? got : err.msg, c->result) != 0)
		fail_msg("case %zu (%s = \"%s\"): got %s \"%s\"\n  expected %s \"%s\"", i,
			 c->keyword, c->text, sg_err_name(rc), rc == SG_OK ? got : err.msg,
			 sg_err_name(c->rc), c->result);
	if (rc != SG_OK)
		assert_int_equal(err.code, rc);
}

static void test_value_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i, &cases[i]);
}

/* A failed value leaves the field as it was. */
static void test_failure_keeps_field(void **state)
{
	const struct sg_conf_keyword *kw = sg_conf_keyword_find("workers", DP);
	struct sg_conf_src src = { .name = "v" };
	struct sg_conf_store st = { .src = &src, .dir = "/d", .scope = DP };
	struct sg_conf_value v = { .text = "2000" };
	struct sg_dataplane_conf dp = { .workers = 3 };

	(void)state;
	assert_int_equal(sg_conf_store_value(&st, kw, &v, &dp), SG_E_LIMIT);
	assert_int_equal(dp.workers, 3);
	v.text = "5";
	assert_int_equal(sg_conf_store_value(&st, kw, &v, &dp), SG_OK);
	assert_int_equal(dp.workers, 5);
}

static void test_string_and_path_lengths(void **state)
{
	const struct sg_conf_keyword *eal = sg_conf_keyword_find("eal_args", DP);
	const struct sg_conf_keyword *dir = sg_conf_keyword_find("state_dir", CT);
	const struct sg_conf_keyword *sock = sg_conf_keyword_find("socket", CT);
	struct sg_conf_src src = { .name = "v" };
	struct sg_error err;
	struct sg_conf_store st = { .src = &src, .dir = "/d", .scope = DP, .err = &err };
	char text[SG_CONF_PATH_MAX + 8];
	struct sg_conf_value v = { .text = text };
	union target t;

	(void)state;
	memset(text, 'a', sizeof(text));
	text[1023] = '\0';
	assert_int_equal(sg_conf_store_value(&st, eal, &v, &t), SG_OK);
	assert_int_equal(strlen(t.dataplane.eal_args), 1023);
	text[1023] = 'a';
	text[1024] = '\0';
	assert_int_equal(sg_conf_store_value(&st, eal, &v, &t), SG_E_LIMIT);
	assert_string_equal(err.msg, "v: eal_args: longer than 1023 bytes");
	/* "/d/" + 4092 bytes is the longest state_dir */
	st.scope = CT;
	memset(text, 'a', sizeof(text));
	text[4092] = '\0';
	assert_int_equal(sg_conf_store_value(&st, dir, &v, &t), SG_OK);
	assert_int_equal(strlen(t.control.state_dir), 4095);
	text[4092] = 'a';
	text[4093] = '\0';
	assert_int_equal(sg_conf_store_value(&st, dir, &v, &t), SG_E_LIMIT);
	assert_string_equal(err.msg,
			    "v: state_dir: longer than 4095 bytes once resolved against /d");
	/* a socket path must fit sun_path */
	memset(text, 'a', sizeof(text));
	text[104] = '\0';
	assert_int_equal(sg_conf_store_value(&st, sock, &v, &t), SG_OK);
	assert_int_equal(strlen(t.control.socket), 107);
	text[104] = 'a';
	text[105] = '\0';
	assert_int_equal(sg_conf_store_value(&st, sock, &v, &t), SG_E_LIMIT);
	assert_string_equal(err.msg, "v: socket: longer than 107 bytes once resolved against /d");
	text[0] = '/';
	text[105] = 'a';
	text[107] = '\0';	/* "/" and 106 bytes fit */
	assert_int_equal(sg_conf_store_value(&st, sock, &v, &t), SG_OK);
	text[107] = 'a';
	text[108] = '\0';
	assert_int_equal(sg_conf_store_value(&st, sock, &v, &t), SG_E_LIMIT);
	assert_string_equal(err.msg, "v: socket: longer than 107 bytes once resolved against /");
}

static void test_store_defaults(void **state)
{
	struct sg_conf_src src = { .name = "v" };
	struct sg_error err;
	struct sg_conf_store st = { .src = &src, .dir = "/base", .scope = SG_SC_DK, .err = &err };
	struct sg_sign_options o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(sg_conf_store_defaults(&st, SG_TARGET_SIGN, &o), SG_OK);
	assert_int_equal(o.digest, SG_ALG_RSA_SHA1);
	assert_int_equal(o.header_canon, SG_CANON_DK_NOFWS);
	assert_string_equal(o.key, "/base/keys/%{d}/%{s}.key");
	assert_int_equal(o.lifetime, 0);	/* not a dk_sign keyword: untouched */
	st.scope = SG_SC_DKIM;
	assert_int_equal(sg_conf_store_defaults(&st, SG_TARGET_SIGN, &o), SG_OK);
	assert_int_equal(o.digest, SG_ALG_RSA_SHA256);
	assert_int_equal(o.header_canon, SG_CANON_RELAXED);
}

static void test_resolve_path(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(sg_conf_resolve_path("/d", "x", out, sizeof(out)), SG_OK);
	assert_string_equal(out, "/d/x");
	assert_int_equal(sg_conf_resolve_path("/", "x", out, sizeof(out)), SG_OK);
	assert_string_equal(out, "/x");
	assert_int_equal(sg_conf_resolve_path("/d/", "./x", out, sizeof(out)), SG_OK);
	assert_string_equal(out, "/d/x");
	assert_int_equal(sg_conf_resolve_path("/d", "/abs", out, sizeof(out)), SG_OK);
	assert_string_equal(out, "/abs");
	assert_int_equal(sg_conf_resolve_path("/d", "0123456789ab", out, sizeof(out)), SG_OK);
	assert_string_equal(out, "/d/0123456789ab");
	assert_int_equal(sg_conf_resolve_path("/d", "0123456789abc", out, sizeof(out)),
			 SG_E_LIMIT);
	assert_int_equal(sg_conf_resolve_path("/d", "/0123456789abcde", out, sizeof(out)),
			 SG_E_LIMIT);
}

static void test_identity_within(void **state)
{
	(void)state;
	assert_true(sg_conf_identity_within("@example.com", "example.com"));
	assert_true(sg_conf_identity_within("u@Mail.Example.com", "example.com"));
	assert_true(sg_conf_identity_within("@%{d}", "example.com"));
	assert_true(sg_conf_identity_within("@x.%{d}", "example.com"));
	assert_true(sg_conf_identity_within("", "example.com"));
	assert_false(sg_conf_identity_within("@example.org", "example.com"));
	assert_false(sg_conf_identity_within("@badexample.com", "example.com"));
	assert_false(sg_conf_identity_within("@example.com", "mail.example.com"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_table),
		cmocka_unit_test(test_failure_keeps_field),
		cmocka_unit_test(test_string_and_path_lengths),
		cmocka_unit_test(test_store_defaults),
		cmocka_unit_test(test_resolve_path),
		cmocka_unit_test(test_identity_within),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
