/*
 * NAME
 *   test_dnstest.c - unit tests for control/keys/dnstest.c: dnstest_check
 *                    through a key table, each outcome
 *
 * SUMMARY
 *   Records made from real keys (RSA SubjectPublicKeyInfo and bare
 *   PKCS#1, Ed25519, DomainKeys) served by a key table: match, not found,
 *   syntax error, mismatch (another key, another type, revoked), testing
 *   flag, lookup failures; the public half kept for a plan is the one
 *   sg_privkey_public gives; the result names. The end-to-end tests of the
 *   command are in test_dnstest_plan.c.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <time.h>

#include "base64.h"
#include "dnsrecord.h"
#include "dnstest.h"
#include "keys_testutil.h"
#include "keytable.h"
#include "resolver.h"


/* DER length at p (short or long form); *hdr gets the header size. */
static size_t der_len(const uint8_t *p, size_t *hdr)
{
	size_t n = 0;

	if (p[1] < 0x80) {
		*hdr = 2;
		return p[1];
	}
	for (size_t i = 0; i < (size_t)(p[1] & 0x7f); i++)
		n = n << 8 | p[2 + i];
	*hdr = 2 + (p[1] & 0x7f);
	return n;
}

/* The bare PKCS#1 RSAPublicKey inside the key's SubjectPublicKeyInfo. */
static char *pkcs1_record(const struct sg_privkey *k)
{
	uint8_t spki[SG_PUBKEY_MAX];
	size_t len = 0, hdr, off;
	char *out = malloc(2048);

	assert_non_null(out);
	assert_int_equal(sg_privkey_public(k, spki, sizeof(spki), &len, NULL), SG_OK);
	(void)der_len(spki, &hdr);			/* SEQUENCE */
	off = hdr;
	off += der_len(spki + off, &hdr) + hdr;		/* AlgorithmIdentifier */
	assert_int_equal(spki[off], 0x03);		/* BIT STRING */
	(void)der_len(spki + off, &hdr);
	off += hdr + 1;					/* and its unused-bits byte */
	strcpy(out, "v=DKIM1; k=rsa; p=");
	sg_base64_encode(spki + off, len - off, out + strlen(out));
	return out;
}

struct table_fixture {
	struct sg_privkey *rsa, *rsa2, *ed;
	struct sg_keytable *table;
	struct sg_key_lookup lookup;
};

static void put(struct table_fixture *f, const char *domain, const char *txt)
{
	char name[300];

	snprintf(name, sizeof(name), "sel._domainkey.%s", domain);
	assert_int_equal(sg_keytable_set(f->table, name, txt), SG_OK);
}

static int table_setup(void **state)
{
	struct table_fixture *f = calloc(1, sizeof(*f));
	char *txt;

	assert_non_null(f);
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 1024, &f->rsa, NULL), SG_OK);
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 1024, &f->rsa2, NULL), SG_OK);
	assert_int_equal(sg_privkey_generate(SG_KEY_ED25519, 0, &f->ed, NULL), SG_OK);
	assert_int_equal(sg_keytable_parse("", 0, &f->table, NULL), SG_OK);
	put(f, "match.test", txt = kt_record_of(f->rsa, false, false));
	free(txt);
	put(f, "testing.test", txt = kt_record_of(f->rsa, true, false));
	free(txt);
	put(f, "other.test", txt = kt_record_of(f->rsa2, false, false));
	free(txt);
	put(f, "ed.test", txt = kt_record_of(f->ed, false, false));
	free(txt);
	put(f, "dk.test", txt = kt_record_of(f->rsa, false, true));
	free(txt);
	put(f, "pkcs1.test", txt = pkcs1_record(f->rsa));
	free(txt);
	put(f, "revoked.test", "v=DKIM1; k=rsa; p=");
	put(f, "badb64.test", "v=DKIM1; k=rsa; p=!!!notbase64");
	put(f, "badv.test", "v=DKIM2; k=rsa; p=AAAA");
	put(f, "unknownk.test", "v=DKIM1; k=dsa; p=AAAA");
	f->lookup = sg_keytable_lookup(f->table);
	*state = f;
	return 0;
}

static int table_teardown(void **state)
{
	struct table_fixture *f = *state;

	sg_keytable_free(f->table);
	sg_privkey_free(f->rsa);
	sg_privkey_free(f->rsa2);
	sg_privkey_free(f->ed);
	free(f);
	return 0;
}

static enum dnstest_result check(struct table_fixture *f, const char *domain,
				 enum sg_sigkind kind, const struct sg_privkey *key, char *detail)
{
	struct dnstest_pubkey pub;

	dnstest_pubkey_of(key, &pub);
	assert_true(pub.len > 0);
	return dnstest_check(&f->lookup, kind, "sel", domain, &pub, detail, 300);
}

static void test_each_outcome(void **state)
{
	struct table_fixture *f = *state;
	char d[300];

	assert_int_equal(check(f, "match.test", SG_KIND_DKIM, f->rsa, d), DT_MATCH);
	assert_string_equal(d, "p= is the public half of the RSA private key");
	assert_int_equal(check(f, "ed.test", SG_KIND_DKIM, f->ed, d), DT_MATCH);
	assert_int_equal(check(f, "pkcs1.test", SG_KIND_DKIM, f->rsa, d), DT_MATCH);
	assert_int_equal(check(f, "pkcs1.test", SG_KIND_DKIM, f->rsa2, d), DT_MISMATCH);
	assert_int_equal(check(f, "dk.test", SG_KIND_DOMAINKEYS, f->rsa, d), DT_MATCH);
	assert_int_equal(check(f, "testing.test", SG_KIND_DKIM, f->rsa, d), DT_TESTING);
	assert_non_null(strstr(d, "t=y"));
	assert_int_equal(check(f, "other.test", SG_KIND_DKIM, f->rsa, d), DT_MISMATCH);
	assert_non_null(strstr(d, "another key"));
	assert_int_equal(check(f, "ed.test", SG_KIND_DKIM, f->rsa, d), DT_MISMATCH);
	assert_string_equal(d, "the record publishes an Ed25519 key, the private key is RSA");
	assert_int_equal(check(f, "revoked.test", SG_KIND_DKIM, f->rsa, d), DT_MISMATCH);
	assert_non_null(strstr(d, "revoked"));
	assert_int_equal(check(f, "badb64.test", SG_KIND_DKIM, f->rsa, d), DT_SYNTAX);
	assert_non_null(strstr(d, "key record:"));
	assert_int_equal(check(f, "badv.test", SG_KIND_DKIM, f->rsa, d), DT_SYNTAX);
	assert_non_null(strstr(d, "v= must be DKIM1"));
	assert_int_equal(check(f, "unknownk.test", SG_KIND_DKIM, f->rsa, d), DT_SYNTAX);
	/* A DKIM record read with the DomainKeys rules still matches. */
	assert_int_equal(check(f, "match.test", SG_KIND_DOMAINKEYS, f->rsa, d), DT_MATCH);
	assert_int_equal(check(f, "absent.test", SG_KIND_DKIM, f->rsa, d), DT_NOT_FOUND);
	assert_non_null(strstr(d, "no TXT record"));
}

static enum sg_lookup_status fixed_status(void *env, const char *name, char *txt, size_t cap,
					  char *why, size_t why_cap)
{
	(void)name;
	(void)txt;
	(void)cap;
	snprintf(why, why_cap, "simulated");
	return *(enum sg_lookup_status *)env;
}

static void test_lookup_failures(void **state)
{
	struct table_fixture *f = *state;
	enum sg_lookup_status st = SG_LOOKUP_TEMPFAIL;
	struct sg_key_lookup l = { fixed_status, &st };
	struct dnstest_pubkey pub;
	char d[300];

	dnstest_pubkey_of(f->rsa, &pub);
	assert_int_equal(dnstest_check(&l, SG_KIND_DKIM, "s", "a.test", &pub, d, sizeof(d)),
			 DT_LOOKUP_FAILED);
	assert_string_equal(d, "simulated");
	st = SG_LOOKUP_INVALID;
	assert_int_equal(dnstest_check(&l, SG_KIND_DKIM, "s", "a.test", &pub, d, sizeof(d)),
			 DT_SYNTAX);
	assert_string_equal(d, "unusable DNS answer: simulated");
	/* A name that cannot be a DNS name is not looked up. */
	assert_int_equal(dnstest_check(&l, SG_KIND_DKIM, "s", "a b", &pub, d, sizeof(d)),
			 DT_LOOKUP_FAILED);
}

/* The public half is what dnstest_check compares: sg_privkey_public's
 * bytes and the key's type; without it every record is a mismatch that
 * says so. */
static void test_public_half(void **state)
{
	struct table_fixture *f = *state;
	uint8_t want[SG_PUBKEY_MAX];
	size_t want_len = 0;
	struct dnstest_pubkey pub;
	char d[300];

	dnstest_pubkey_of(f->ed, &pub);
	assert_int_equal(pub.type, SG_KEY_ED25519);
	assert_int_equal(pub.len, 32);
	dnstest_pubkey_of(f->rsa, &pub);
	assert_int_equal(pub.type, SG_KEY_RSA);
	assert_int_equal(sg_privkey_public(f->rsa, want, sizeof(want), &want_len, NULL), SG_OK);
	assert_int_equal(pub.len, want_len);
	assert_memory_equal(pub.pub, want, want_len);
	pub.len = 0;
	assert_int_equal(dnstest_check(&f->lookup, SG_KIND_DKIM, "sel", "match.test", &pub, d,
				       sizeof(d)), DT_MISMATCH);
	assert_string_equal(d, "cannot compute the public key of the private key");
}

static void test_result_names(void **state)
{
	(void)state;
	assert_string_equal(dnstest_result_name(DT_MATCH), "found and matching");
	assert_string_equal(dnstest_result_name(DT_NOT_FOUND), "not found");
	assert_string_equal(dnstest_result_name(DT_SYNTAX), "syntax error");
	assert_string_equal(dnstest_result_name(DT_MISMATCH), "key does not match");
	assert_string_equal(dnstest_result_name(DT_TESTING), "testing flag set");
	assert_string_equal(dnstest_result_name(DT_LOOKUP_FAILED), "lookup failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_outcome, table_setup, table_teardown),
		cmocka_unit_test_setup_teardown(test_lookup_failures, table_setup,
						table_teardown),
		cmocka_unit_test_setup_teardown(test_public_half, table_setup, table_teardown),
		cmocka_unit_test(test_result_names),
	};

	return cmocka_run_group_tests_name("dnstest_check", tests, NULL, NULL);
}
