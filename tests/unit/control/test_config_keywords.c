/*
 * NAME
 *   test_config_keywords.c - unit tests for control/config/config_keywords.c
 *
 * SUMMARY
 *   The table itself: every row has a name, help (a sentence), scopes, a
 *   target matching its scopes and a field inside its struct; enumerations
 *   have values that convert; no two rows of one name share a scope; each
 *   row's default is valid in every scope where the row is allowed; every
 *   keyword other tools rely on (notes/control.md) exists where expected.
 *   Blocks: parents and scopes are consistent. Lookups by name and scope,
 *   "did you mean" (case, one typo, a transposition, too far), and the
 *   wording of where keywords are allowed.
 */
#include "testutil.h"

#include "config.h"
#include "config_keywords.h"
#include "config_values.h"

static size_t target_size(enum sg_conf_target t)
{
	switch (t) {
	case SG_TARGET_CONTROL: return sizeof(struct sg_control_conf);
	case SG_TARGET_DATAPLANE: return sizeof(struct sg_dataplane_conf);
	case SG_TARGET_ESMTP: return sizeof(struct sg_esmtp_conf);
	case SG_TARGET_SIGN: return sizeof(struct sg_sign_options);
	}
	return 0;
}

static unsigned target_scopes(enum sg_conf_target t)
{
	switch (t) {
	case SG_TARGET_CONTROL: return SG_SC_CONTROL;
	case SG_TARGET_DATAPLANE: return SG_SC_DATAPLANE;
	case SG_TARGET_ESMTP: return SG_SC_ESMTP;
	case SG_TARGET_SIGN: return SG_SC_SIGN_ANY;
	}
	return 0;
}

static void test_rows_well_formed(void **state)
{
	(void)state;
	assert_true(sg_conf_nkeywords <= SG_CONF_KEYWORD_ROWS_MAX);
	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		const struct sg_conf_keyword *kw = &sg_conf_keywords[i];
		size_t help_len = strlen(kw->help);

		assert_non_null(kw->name);
		assert_true(strlen(kw->name) > 0);
		assert_non_null(kw->def);
		if (help_len < 20 || kw->help[help_len - 1] != '.')
			fail_msg("%s: help should be a sentence", kw->name);
		assert_true(kw->scopes != 0);
		if ((kw->scopes & ~target_scopes(kw->target)) != 0)
			fail_msg("%s: scopes outside its struct", kw->name);
		assert_true(kw->offset + kw->size <= target_size(kw->target));
		assert_true(kw->size > 0);
		assert_int_equal(sg_conf_keyword_index(kw), i);
		if (kw->type == SG_TYPE_ENUM) {
			int v;

			assert_non_null(kw->values);
			assert_non_null(kw->to_enum);
			assert_int_equal(kw->size, sizeof(int));
			for (size_t j = 0; kw->values[j] != NULL; j++)
				assert_true(kw->to_enum(kw->values[j], strlen(kw->values[j]), &v));
		}
		if (kw->type == SG_TYPE_INT || kw->type == SG_TYPE_DURATION ||
		    kw->type == SG_TYPE_SIZE) {
			assert_true(kw->size == 4 || kw->size == 8);
			assert_true(kw->min <= kw->max);
			if (kw->size == 4)
				assert_true(kw->max <= UINT32_MAX);
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(sg_conf_keywords[j].name, kw->name) == 0 &&
			    (sg_conf_keywords[j].scopes & kw->scopes))
				fail_msg("%s: two rows in one scope", kw->name);
		}
	}
}

/* Each default stored in each scope of its row, on a scratch struct. */
static void test_defaults_valid_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < sg_conf_nkeywords; i++) {
		const struct sg_conf_keyword *kw = &sg_conf_keywords[i];

		for (unsigned bit = 1; bit <= SG_SC_DK_DOMAIN; bit <<= 1) {
			union {
				struct sg_control_conf control;
				struct sg_dataplane_conf dataplane;
				struct sg_esmtp_conf esmtp;
				struct sg_sign_options sign;
			} scratch;
			struct sg_conf_src src = { .name = "default" };
			struct sg_error err;
			struct sg_conf_store st = { .src = &src, .dir = "/d", .scope = bit,
						    .err = &err };
			struct sg_conf_value v = { .text = kw->def, .quoted = true };

			if (!(kw->scopes & bit))
				continue;
			sg_error_clear(&err);
			if (sg_conf_store_value(&st, kw, &v, &scratch) != SG_OK)
				fail_msg("%s in scope %#x: %s", kw->name, bit, err.msg);
		}
	}
}

static void expect_keyword(const char *name, unsigned scopes)
{
	for (unsigned bit = 1; bit <= SG_SC_DK_DOMAIN; bit <<= 1) {
		const struct sg_conf_keyword *kw = sg_conf_keyword_find(name, bit);

		if ((scopes & bit) && kw == NULL)
			fail_msg("%s missing in scope %#x", name, bit);
		if (!(scopes & bit) && kw != NULL)
			fail_msg("%s allowed in scope %#x", name, bit);
	}
}

/* The names notes/control.md and issue 4 promise to other parts. */
static void test_promised_keywords(void **state)
{
	static const char *const control[] = { "socket", "state_dir", "metrics_listen",
					       "resolver", "admin_group" };
	static const char *const dataplane[] = { "workers", "eal_args", "crypto_backend",
						 "batch_size", "batch_timeout_us" };
	static const char *const esmtp[] = { "listen", "relay_hosts", "next_hop",
					     "max_message_size", "max_connections" };
	static const char *const dkim[] = { "sign_condition", "digest", "header_canon",
					    "body_canon", "headerlist", "key", "selector",
					    "identity", "lifetime", "body_length_limit",
					    "copy_headers", "keycache_size", "pos_keycache_ttl",
					    "neg_keycache_ttl" };
	static const char *const dk[] = { "sign_condition", "digest", "canon", "headerlist",
					  "key", "selector", "keycache_size", "pos_keycache_ttl",
					  "neg_keycache_ttl" };

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		expect_keyword(control[i], SG_SC_CONTROL);
		expect_keyword(dataplane[i], SG_SC_DATAPLANE);
		expect_keyword(esmtp[i], SG_SC_ESMTP);
	}
	for (size_t i = 0; i < sizeof(dkim) / sizeof(dkim[0]); i++)
		assert_non_null(sg_conf_keyword_find(dkim[i], SG_SC_DKIM) &&
				sg_conf_keyword_find(dkim[i], SG_SC_DKIM_DOMAIN));
	for (size_t i = 0; i < sizeof(dk) / sizeof(dk[0]); i++)
		assert_non_null(sg_conf_keyword_find(dk[i], SG_SC_DK) &&
				sg_conf_keyword_find(dk[i], SG_SC_DK_DOMAIN));
	expect_keyword("base_domain", SG_SC_DOMAIN_ANY);
	expect_keyword("identity", SG_SC_DKIM_ANY);
	expect_keyword("canon", SG_SC_DK_ANY);
	expect_keyword("header_canon", SG_SC_DKIM_ANY);
	assert_ptr_not_equal(sg_conf_keyword_find("digest", SG_SC_DKIM),
			     sg_conf_keyword_find("digest", SG_SC_DK));
}

static void test_blocks(void **state)
{
	static const char *const top[] = { "control", "dataplane", "esmtp_listener",
					   "dkim_sign", "dk_sign" };

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		const struct sg_conf_block *b = sg_conf_block_find(top[i], SG_SC_TOP);

		assert_non_null(b);
		assert_ptr_equal(sg_conf_scope_block(b->opens), b);
		assert_string_equal(sg_conf_scope_name(b->opens), top[i]);
		assert_true(strlen(b->help) > 20);
	}
	assert_null(sg_conf_block_find("dk_domain", SG_SC_TOP));
	assert_int_equal(sg_conf_block_find("dk_domain", SG_SC_DKIM)->opens, SG_SC_DKIM_DOMAIN);
	assert_int_equal(sg_conf_block_find("dk_domain", SG_SC_DK)->opens, SG_SC_DK_DOMAIN);
	assert_string_equal(sg_conf_block_find("dk_domain", SG_SC_DK)->label, "DOMAIN");
	assert_null(sg_conf_block_find("control", SG_SC_DKIM));
	assert_non_null(sg_conf_block_named("dk_domain"));
	assert_null(sg_conf_block_named("nope"));
	assert_string_equal(sg_conf_scope_name(SG_SC_TOP), "the top level");
	assert_string_equal(sg_conf_scope_name(SG_SC_DK_DOMAIN), "dk_domain");
	assert_true(sg_conf_block_find("control", SG_SC_TOP)->once);
	assert_false(sg_conf_block_find("dkim_sign", SG_SC_TOP)->once);
}

static void test_lookup(void **state)
{
	(void)state;
	assert_null(sg_conf_keyword_find("workers", SG_SC_CONTROL));
	assert_non_null(sg_conf_keyword_find("workers", SG_SC_CONTROL | SG_SC_DATAPLANE));
	assert_null(sg_conf_keyword_find("Workers", SG_SC_DATAPLANE));
	assert_null(sg_conf_keyword_named("nothing"));
	assert_string_equal(sg_conf_keyword_named("lifetime")->name, "lifetime");
}

static void expect_suggestion(const char *name, unsigned scope, const char *want)
{
	const char *got = sg_conf_suggest(name, scope);

	if (want == NULL && got != NULL)
		fail_msg("%s: suggested %s", name, got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("%s: suggested %s, expected %s", name, got ? got : "nothing", want);
}

static void test_suggest(void **state)
{
	static const char *const words[] = { "relaxed", "simple", NULL };
	char long_name[300];

	(void)state;
	expect_suggestion("sign_conditon", SG_SC_DKIM, "sign_condition");
	expect_suggestion("SIGN_CONDITION", SG_SC_DKIM, "sign_condition");
	expect_suggestion("digset", SG_SC_DKIM, "digest");
	expect_suggestion("kye", SG_SC_DK, "key");
	expect_suggestion("selectr", SG_SC_DK_DOMAIN, "selector");
	expect_suggestion("dk_domian", SG_SC_DKIM, "dk_domain");
	expect_suggestion("dkim_sgn", SG_SC_TOP, "dkim_sign");
	expect_suggestion("contrl", SG_SC_TOP, "control");
	expect_suggestion("canon", SG_SC_DKIM, NULL);	/* 6+ letters away from the others */
	expect_suggestion("xyz", SG_SC_DKIM, NULL);
	expect_suggestion("k", SG_SC_DKIM, NULL);
	expect_suggestion("sign_condition_x", SG_SC_CONTROL, NULL);
	expect_suggestion("", SG_SC_DKIM, NULL);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	expect_suggestion(long_name, SG_SC_DKIM, NULL);
	assert_string_equal(sg_conf_suggest_word("relaxd", words), "relaxed");
	assert_string_equal(sg_conf_suggest_word("SIMPLE", words), "simple");
	assert_null(sg_conf_suggest_word("nofws", words));
}

static void expect_places(unsigned mask, const char *want)
{
	char out[128];

	sg_conf_scope_places(mask, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_scope_places(void **state)
{
	(void)state;
	expect_places(SG_SC_DATAPLANE, "dataplane");
	expect_places(SG_SC_DOMAIN_ANY, "dk_domain");
	expect_places(SG_SC_DKIM_ANY, "dkim_sign and its dk_domain blocks");
	expect_places(SG_SC_SIGN_ANY, "dkim_sign, dk_sign and their dk_domain blocks");
	expect_places(SG_SC_DKIM | SG_SC_DK, "dkim_sign or dk_sign");
	expect_places(SG_SC_TOP | SG_SC_CONTROL, "control");
	expect_places(SG_SC_CONTROL | SG_SC_ESMTP | SG_SC_DK_DOMAIN,
		      "control, esmtp_listener or dk_domain in dk_sign");
	expect_places(0, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_well_formed),
		cmocka_unit_test(test_defaults_valid_everywhere),
		cmocka_unit_test(test_promised_keywords),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_scope_places),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
