/*
 * NAME
 *   test_types.c - unit tests for dataplane/dkim/types.c
 *
 * SUMMARY
 *   Digest lengths, the hash and key type of every algorithm, wire names
 *   both ways (every name parses back to its value), case-insensitive
 *   parsing, the length argument honoured (prefixes, names followed by
 *   more bytes, empty), and DKIM vs DomainKeys canonicalization names
 *   ("relaxed" is DKIM-only, "nofws" DomainKeys-only).
 */
#include "testutil.h"

#include "types.h"

static void test_hash_and_key_of_alg(void **state)
{
	(void)state;
	assert_int_equal(sg_hash_len(SG_HASH_SHA1), 20);
	assert_int_equal(sg_hash_len(SG_HASH_SHA256), 32);
	assert_true(sg_hash_len(SG_HASH_SHA256) <= SG_HASH_MAX);
	assert_int_equal(sg_alg_hash(SG_ALG_RSA_SHA1), SG_HASH_SHA1);
	assert_int_equal(sg_alg_hash(SG_ALG_RSA_SHA256), SG_HASH_SHA256);
	assert_int_equal(sg_alg_hash(SG_ALG_ED25519_SHA256), SG_HASH_SHA256);
	assert_int_equal(sg_alg_keytype(SG_ALG_RSA_SHA1), SG_KEY_RSA);
	assert_int_equal(sg_alg_keytype(SG_ALG_RSA_SHA256), SG_KEY_RSA);
	assert_int_equal(sg_alg_keytype(SG_ALG_ED25519_SHA256), SG_KEY_ED25519);
}

static void test_alg_names_round_trip(void **state)
{
	static const struct { enum sg_alg alg; const char *name; } rows[] = {
		{ SG_ALG_RSA_SHA1, "rsa-sha1" },
		{ SG_ALG_RSA_SHA256, "rsa-sha256" },
		{ SG_ALG_ED25519_SHA256, "ed25519-sha256" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum sg_alg got = (enum sg_alg)99;

		assert_string_equal(sg_alg_name(rows[i].alg), rows[i].name);
		assert_true(sg_alg_parse(rows[i].name, strlen(rows[i].name), &got));
		assert_int_equal(got, rows[i].alg);
	}
}

static void test_alg_parse_edges(void **state)
{
	enum sg_alg got = SG_ALG_RSA_SHA1;

	(void)state;
	assert_true(sg_alg_parse("RSA-SHA256", 10, &got));
	assert_int_equal(got, SG_ALG_RSA_SHA256);
	assert_true(sg_alg_parse("Ed25519-SHA256", 14, &got));
	assert_int_equal(got, SG_ALG_ED25519_SHA256);
	/* the length decides, not the NUL */
	assert_true(sg_alg_parse("rsa-sha1; b=", 8, &got));
	assert_int_equal(got, SG_ALG_RSA_SHA1);
	got = SG_ALG_RSA_SHA256;
	assert_false(sg_alg_parse("rsa-sha256", 9, &got));	/* "rsa-sha25" */
	assert_false(sg_alg_parse("rsa-sha", 7, &got));
	assert_false(sg_alg_parse("rsa-sha2566", 11, &got));
	assert_false(sg_alg_parse("", 0, &got));
	assert_false(sg_alg_parse(" rsa-sha256", 11, &got));
	assert_false(sg_alg_parse("rsa-sha512", 10, &got));
	assert_false(sg_alg_parse("ed25519", 7, &got));
	assert_int_equal(got, SG_ALG_RSA_SHA256);	/* untouched on failure */
}

static void test_canon_names(void **state)
{
	(void)state;
	assert_string_equal(sg_canon_name(SG_CANON_SIMPLE), "simple");
	assert_string_equal(sg_canon_name(SG_CANON_RELAXED), "relaxed");
	assert_string_equal(sg_canon_name(SG_CANON_DK_SIMPLE), "simple");
	assert_string_equal(sg_canon_name(SG_CANON_DK_NOFWS), "nofws");
}

static void test_canon_parse(void **state)
{
	enum sg_canon c = SG_CANON_DK_NOFWS;

	(void)state;
	assert_true(sg_canon_parse("simple", 6, false, &c));
	assert_int_equal(c, SG_CANON_SIMPLE);
	assert_true(sg_canon_parse("Relaxed", 7, false, &c));
	assert_int_equal(c, SG_CANON_RELAXED);
	assert_true(sg_canon_parse("SIMPLE", 6, true, &c));
	assert_int_equal(c, SG_CANON_DK_SIMPLE);
	assert_true(sg_canon_parse("nofws", 5, true, &c));
	assert_int_equal(c, SG_CANON_DK_NOFWS);
	/* each family refuses the other's word */
	assert_false(sg_canon_parse("nofws", 5, false, &c));
	assert_false(sg_canon_parse("relaxed", 7, true, &c));
	assert_int_equal(c, SG_CANON_DK_NOFWS);
	/* lengths */
	assert_true(sg_canon_parse("relaxed/simple", 7, false, &c));
	assert_int_equal(c, SG_CANON_RELAXED);
	assert_false(sg_canon_parse("relaxed/simple", 14, false, &c));
	assert_false(sg_canon_parse("simpl", 5, false, &c));
	assert_false(sg_canon_parse("", 0, false, &c));
	assert_false(sg_canon_parse("", 0, true, &c));
	/* every name written parses back in its family */
	for (int k = SG_CANON_SIMPLE; k <= SG_CANON_DK_NOFWS; k++) {
		const char *name = sg_canon_name((enum sg_canon)k);
		bool dk = k >= SG_CANON_DK_SIMPLE;

		assert_true(sg_canon_parse(name, strlen(name), dk, &c));
		assert_int_equal(c, k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_and_key_of_alg),
		cmocka_unit_test(test_alg_names_round_trip),
		cmocka_unit_test(test_alg_parse_edges),
		cmocka_unit_test(test_canon_names),
		cmocka_unit_test(test_canon_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
