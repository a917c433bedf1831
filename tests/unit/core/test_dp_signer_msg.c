/*
 * NAME
 *   test_dp_signer_msg.c - one message through the pipeline: the From
 *                          domain, scopes, base_domain, sign_condition,
 *                          DKIM and DomainKeys fields that verify and equal
 *                          what `signet sign` makes, reasons for skips
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "core_testutil.h"
#include "signer_testutil.h"
#include "headerlist.h"

#define MSG(from) \
	"From: " from "\r\n" \
	"To: bob@example.net\r\n" \
	"Subject: the quarterly  report\r\n" \
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n" \
	"Message-ID: <m1@example.com>\r\n" \
	"\r\n" \
	"Hello Bob,\r\n\r\nthe numbers  are in.\r\n\r\n"

#define CONF_DKIM \
	"dkim_sign \"main\" {\n" \
	"  dk_domain \"example.com\" { selector = \"sel\" }\n" \
	"  dk_domain \"news.example.org\" { base_domain = \"example.org\" }\n" \
	"}\n" \
	"dkim_sign \"auth\" {\n" \
	"  sign_condition = \"auth_user\"\n" \
	"  identity = \"@mail.%{d}\"\n" \
	"  dk_domain \"auth.example\" { header_canon = \"simple\" }\n" \
	"}\n"

#define CONF_BOTH CONF_DKIM "dk_sign \"dk\" { canon = \"nofws\" }\n"

static const struct dp_done *sign_one(struct st *st, const char *msg, bool relay,
				      const char *user)
{
	st_submit(st, msg, relay, user, 1);
	assert_int_equal(st_poll_all(st), 1);
	return st_find(st, 1);
}

static void test_dkim_verifies(void **state)
{
	struct st *st = st_open(CONF_DKIM, "evp");
	const struct dp_done *d;
	size_t total;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "sel", 1, 1024);
	d = sign_one(st, MSG("Alice <alice@Example.COM>"), true, NULL);
	assert_int_equal(d->outcome, DP_SIGNED);
	assert_int_equal(d->signatures, 1);
	assert_true(strncmp(d->headers.data, "DKIM-Signature: ", 16) == 0);
	assert_non_null(strstr(d->headers.data, "d=example.com;"));
	assert_non_null(strstr(d->headers.data, "s=sel;"));
	assert_non_null(strstr(d->headers.data, "t=1700000000;"));
	assert_int_equal(st_verify(st, &d->headers, MSG("Alice <alice@Example.COM>"), &total),
			 1);
	assert_int_equal(total, 1);
	st_close(st);
}

/* Runs `signet sign` and returns its output (fields + message). */
static char *run_tool(const char *keyfile, const char *msgfile, const char *extra)
{
	char cmd[4096], *out = malloc(1 << 16);
	const char *tool = getenv("SIGNET_TOOL");
	size_t n;
	FILE *p;

	assert_non_null(out);
	if (tool == NULL)
		fail_msg("SIGNET_TOOL is not set (meson sets it)");
	snprintf(cmd, sizeof(cmd), "'%s' sign -k '%s' -d example.com -s sel -c relaxed/relaxed "
		 "-H '%s' --time %d --backend evp %s '%s'", tool, keyfile, SG_HEADERLIST_DEFAULT,
		 ST_TIME, extra, msgfile);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, (1 << 16) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return out;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

/* Signs msg with the pipeline and with `signet sign ... extra` using the
 * key of index k; the signature fields must be the same bytes. */
static void compare_with_tool(struct st *st, size_t k, const char *msg, const char *extra,
			      uint32_t signatures)
{
	char dir[] = "/tmp/signet-core-XXXXXX", keyfile[64], msgfile[64], *out;
	const struct dp_done *d;

	assert_non_null(mkdtemp(dir));
	snprintf(keyfile, sizeof(keyfile), "%s/key.pem", dir);
	snprintf(msgfile, sizeof(msgfile), "%s/msg.eml", dir);
	write_file(keyfile, st->pem[k].data, st->pem[k].len);
	write_file(msgfile, msg, strlen(msg));
	d = sign_one(st, msg, true, NULL);
	assert_int_equal(d->outcome, DP_SIGNED);
	assert_int_equal(d->signatures, signatures);
	out = run_tool(keyfile, msgfile, extra);
	assert_true(strlen(out) == d->headers.len + strlen(msg));
	assert_memory_equal(out, d->headers.data, d->headers.len);
	assert_string_equal(out + d->headers.len, msg);
	free(out);
	unlink(keyfile);
	unlink(msgfile);
	rmdir(dir);
}

static void test_same_bytes_as_signet_sign(void **state)
{
	struct st *st = st_open(CONF_DKIM, "auto");
	size_t k = st_key(st, SG_KIND_DKIM, "example.com", "sel", 1, 2048);

	(void)state;
	compare_with_tool(st, k, MSG("alice@example.com"), "", 1);
	st_close(st);
}

/* DomainKeys too: with the headers in headerlist order, the h= the scope's
 * headerlist gives equals `signet sign --dk --dk-headers` (all fields). */
static void test_same_bytes_with_domainkeys(void **state)
{
	struct st *st = st_open(CONF_BOTH, "evp");
	size_t k = st_key(st, SG_KIND_DKIM, "example.com", "sel", 1, 1024);

	(void)state;
	ct_install(st->keys, SG_KIND_DOMAINKEYS, "example.com", "sel", 1, &st->pem[k], 0);
	compare_with_tool(st, k, "From: alice@example.com\r\nSubject: hi\r\n"
			  "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <x@example.com>\r\n"
			  "To: bob@example.net\r\n\r\nHello  Bob\r\n",
			  "--dk --dk-canon nofws --dk-headers", 2);
	st_close(st);
}

static void test_dkim_and_domainkeys(void **state)
{
	struct st *st = st_open(CONF_BOTH, "evp");
	const struct dp_done *d;
	const char *dk;
	size_t total;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "sel", 1, 1024);
	st_key(st, SG_KIND_DOMAINKEYS, "example.com", "dk1", 4, 1024);
	d = sign_one(st, MSG("alice@example.com"), true, NULL);
	assert_int_equal(d->outcome, DP_SIGNED);
	assert_int_equal(d->signatures, 2);
	dk = strstr(d->headers.data, "\r\nDomainKey-Signature: ");
	assert_non_null(dk);
	assert_true(strncmp(d->headers.data, "DKIM-Signature: ", 16) == 0);
	assert_non_null(strstr(dk, "s=dk1;"));
	assert_non_null(strstr(dk, "c=nofws;"));
	assert_int_equal(st_verify(st, &d->headers, MSG("alice@example.com"), &total), 2);
	assert_int_equal(total, 2);
	st_close(st);
}

static void test_domainkeys_missing_key_still_signs_dkim(void **state)
{
	struct st *st = st_open(CONF_BOTH, "evp");
	const struct dp_done *d;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "sel", 1, 1024);
	ct_install_none(st->keys, SG_KIND_DOMAINKEYS, "example.com", "no selector", 0);
	d = sign_one(st, MSG("alice@example.com"), true, NULL);
	assert_int_equal(d->outcome, DP_SIGNED);
	assert_int_equal(d->signatures, 1);
	assert_null(strstr(d->headers.data, "DomainKey-Signature"));
	st_close(st);
}

static void test_base_domain(void **state)
{
	struct st *st = st_open(CONF_DKIM, "evp");
	const struct dp_done *d;
	size_t total;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.org", "org1", 1, 1024);
	d = sign_one(st, MSG("news@news.example.org"), true, NULL);
	assert_int_equal(d->outcome, DP_SIGNED);
	assert_non_null(strstr(d->headers.data, "d=example.org;"));
	assert_non_null(strstr(d->headers.data, "s=org1;"));
	assert_int_equal(st_verify(st, &d->headers, MSG("news@news.example.org"), &total), 1);
	st_close(st);
}

/* body_length_limit: the scope's limit becomes l= and the signature still
 * verifies; the whole body is signed without it (no l=). */
static void test_body_length_limit(void **state)
{
	struct st *st = st_open("dkim_sign \"main\" {\n  body_length_limit = 12\n"
				"  dk_domain \"example.com\" { selector = \"sel\" }\n"
				"  dk_domain \"whole.example\" { body_length_limit = 0 }\n}\n", "evp");
	const struct dp_done *d;
	size_t total;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "sel", 1, 1024);
	st_key(st, SG_KIND_DKIM, "whole.example", "w", 1, 1024);
	d = sign_one(st, MSG("Alice <alice@example.com>"), true, NULL);
	assert_int_equal(d->outcome, DP_SIGNED);
	assert_non_null(strstr(d->headers.data, " l=12;"));
	assert_int_equal(st_verify(st, &d->headers, MSG("Alice <alice@example.com>"), &total), 1);
	st_submit(st, MSG("w@whole.example"), true, NULL, 2);
	assert_int_equal(st_poll_all(st), 2);	/* both completions so far */
	d = st_find(st, 2);
	assert_int_equal(d->outcome, DP_SIGNED);
	assert_null(strstr(d->headers.data, "l="));
	st_close(st);
}

static void test_sign_condition(void **state)
{
	struct st *st = st_open(CONF_DKIM, "evp");
	const struct dp_done *d;
	size_t total;

	(void)state;
	st_key(st, SG_KIND_DKIM, "example.com", "sel", 1, 1024);
	st_key(st, SG_KIND_DKIM, "auth.example", "a1", 1, 1024);
	/* can_relay scope, client not in relay_hosts. */
	d = sign_one(st, MSG("alice@example.com"), false, "alice");
	assert_int_equal(d->outcome, DP_SKIPPED);
	assert_int_equal(d->skip, DP_SKIP_CONDITION);
	assert_string_equal(d->reason, "sign_condition can_relay not met");
	assert_int_equal(d->headers.len, 0);
	st_release_done(st);
	/* auth_user scope: relaying alone is not enough... */
	d = sign_one(st, MSG("carol@auth.example"), true, NULL);
	assert_int_equal(d->outcome, DP_SKIPPED);
	assert_int_equal(d->skip, DP_SKIP_CONDITION);
	assert_string_equal(d->reason, "sign_condition auth_user not met");
	st_release_done(st);
	/* ...an authenticated user is; i= expands %{d}; simple header canon. */
	d = sign_one(st, MSG("carol@auth.example"), false, "carol");
	assert_int_equal(d->outcome, DP_SIGNED);
	assert_non_null(strstr(d->headers.data, "i=@mail.auth.example;"));
	assert_non_null(strstr(d->headers.data, "c=simple/relaxed;"));
	assert_int_equal(st_verify(st, &d->headers, MSG("carol@auth.example"), &total), 1);
	st_close(st);
}

static void expect_no_domain(struct st *st, const char *msg, const char *reason)
{
	const struct dp_done *d;

	d = sign_one(st, msg, true, NULL);
	assert_int_equal(d->outcome, DP_SKIPPED);
	assert_int_equal(d->skip, DP_SKIP_NO_DOMAIN);
	assert_string_equal(d->reason, reason);
	st_release_done(st);
}

static void test_no_usable_from(void **state)
{
	struct st *st = st_open(CONF_DKIM, "evp");

	(void)state;
	expect_no_domain(st, "To: bob@example.net\r\nSubject: x\r\n\r\nbody\r\n",
			 "no From header field");
	expect_no_domain(st, "From: a@example.com\r\nFrom: b@example.com\r\n\r\nbody\r\n",
			 "2 From header fields");
	expect_no_domain(st, "From: undisclosed\r\n\r\nbody\r\n",
			 "no address in the From field (line 1)");
	expect_no_domain(st, "From: a@exa_mple..com\r\n\r\nbody\r\n",
			 "the From domain \"exa_mple..com\" is not a domain name");
	expect_no_domain(st, "From: \"open quote <a@example.com>\r\n\r\nbody\r\n",
			 "no address in the From field (line 1)");
	expect_no_domain(st, "From a@example.com\r\n\r\nbody\r\n",
			 "cannot read the header: line 1: mbox \"From \" separator is not a "
			 "header field; remove it first");
	st_close(st);
}

static void test_wrong_key_type_fails(void **state)
{
	struct st *st = st_open(CONF_DKIM, "evp");
	struct sg_privkey *ed;
	struct sg_buf pem = ct_keypem(SG_KEY_ED25519, &ed);
	const struct dp_done *d;

	(void)state;
	/* The scope's digest is rsa-sha256; controld hands out an Ed25519 key. */
	ct_install(st->keys, SG_KIND_DKIM, "example.com", "ed", 1, &pem, 0);
	d = sign_one(st, MSG("alice@example.com"), true, NULL);
	assert_int_equal(d->outcome, DP_FAILED);
	assert_string_equal(d->reason, "the key of example.com (selector ed) cannot sign "
			    "rsa-sha256");
	assert_false(d->permanent);	/* the operator can fix the key; retry */
	sg_privkey_free(ed);
	sg_buf_free(&pem);
	st_close(st);
}

/* A message over the engine's whole-message limit fails the same way every
 * time: DP_FAILED with permanent set, so front-ends refuse it for good. */
static void test_message_over_limit_fails_permanently(void **state)
{
	struct st *st = st_open(CONF_DKIM, "evp");
	struct sg_limits lim;
	const char *head = MSG("alice@example.com");
	size_t head_len = strlen(head), total;
	char *big;
	const struct dp_done *d;

	(void)state;
	sg_limits_default(&lim);
	total = head_len + (size_t)lim.max_message_bytes;
	big = malloc(total + 1);
	assert_non_null(big);
	memcpy(big, head, head_len);
	memset(big + head_len, 'x', total - head_len);
	for (size_t i = head_len + 62; i + 1 < total; i += 64)
		memcpy(big + i, "\r\n", 2);	/* 62-octet lines */
	big[total] = '\0';
	st_key(st, SG_KIND_DKIM, "example.com", "sel", 1, 1024);
	d = sign_one(st, big, true, NULL);
	assert_int_equal(d->outcome, DP_FAILED);
	assert_true(d->permanent);
	assert_non_null(strstr(d->reason, "cannot hash the message: "));
	assert_int_equal(d->headers.len, 0);
	free(big);
	st_close(st);
}

static void test_no_scope_at_all(void **state)
{
	struct st *st = st_open("dataplane { workers = 1 }\n", "evp");
	const struct dp_done *d;

	(void)state;
	d = sign_one(st, MSG("alice@example.com"), true, NULL);
	assert_int_equal(d->outcome, DP_SKIPPED);
	assert_int_equal(d->skip, DP_SKIP_NO_KEY);
	assert_string_equal(d->reason, "no dkim_sign or dk_sign block in the configuration");
	st_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dkim_verifies),
		cmocka_unit_test(test_same_bytes_as_signet_sign),
		cmocka_unit_test(test_same_bytes_with_domainkeys),
		cmocka_unit_test(test_dkim_and_domainkeys),
		cmocka_unit_test(test_domainkeys_missing_key_still_signs_dkim),
		cmocka_unit_test(test_base_domain),
		cmocka_unit_test(test_body_length_limit),
		cmocka_unit_test(test_sign_condition),
		cmocka_unit_test(test_no_usable_from),
		cmocka_unit_test(test_wrong_key_type_fails),
		cmocka_unit_test(test_no_scope_at_all),
		cmocka_unit_test(test_message_over_limit_fails_permanently),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
