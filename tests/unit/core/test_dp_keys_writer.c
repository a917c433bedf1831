/*
 * NAME
 *   test_dp_keys_writer.c - the control thread's side of the key view:
 *                           answers checked and installed, repeats that
 *                           only renew the TTL, TTL re-asks with the
 *                           scope's pos/neg TTLs, failed requests, reask
 *                           after a lost connection, pruning when full
 */
#include "testutil.h"
#include "core_testutil.h"
#include "dp_keys_internal.h"

#define CONF \
	"dkim_sign \"s\" {\n" \
	"  pos_keycache_ttl = 60  neg_keycache_ttl = 600\n" \
	"  dk_domain \"short.example\" { pos_keycache_ttl = 5 }\n" \
	"}\n"

static int setup(void **state)
{
	*state = ct_keys_open(CONF, "auto");
	return 0;
}

static int teardown(void **state)
{
	ct_keys_close(*state);
	return 0;
}

static enum dp_key_status look(struct ct_keys *f, const char *domain, uint64_t *gen,
			       bool *temporary)
{
	const struct dp_key_entry *e;
	enum dp_key_status st = dp_keys_lookup(f->reader, SG_KIND_DKIM, domain, &e);

	if (e != NULL) {
		*gen = e->generation;
		if (temporary != NULL)
			*temporary = e->temporary;
		dp_keys_release(e);
	}
	return st;
}

static void expect_refused(struct ct_keys *f, struct dp_key_answer a, enum sg_err code,
			   const char *msg)
{
	struct sg_error err = { 0 };

	assert_int_equal(dp_keys_install(f->keys, &a, 0, &err), code);
	assert_string_equal(err.msg, msg);
}

static void test_bad_answers(void **state)
{
	struct ct_keys *f = *state;
	struct dp_key_answer ok = { .generation = 1, .domain = "example.com", .selector = "sel",
				    .pem = (const uint8_t *)f->pem.data, .pem_len = f->pem.len };
	struct dp_key_answer a = ok;
	uint64_t gen = 0;
	bool temporary = false;

	a.kind = 2;
	expect_refused(f, a, SG_E_ARG, "unknown signature kind 2");
	a = ok;
	a.domain = "bad..name";
	expect_refused(f, a, SG_E_ARG, "key material for a bad domain name");
	a = ok;
	a.selector = "bad selector";
	expect_refused(f, a, SG_E_ARG, "key material for example.com: bad selector");
	a = ok;
	a.pem_len = DP_KEYS_PEM_MAX + 1;
	expect_refused(f, a, SG_E_LIMIT, "key material for example.com: 65537 bytes of PEM, "
		       "at most 65536");
	/* The refusal is a temporary failure for the workers. */
	assert_int_equal(look(f, "example.com", &gen, &temporary), DP_KEY_NONE);
	assert_true(temporary);
	a = ok;
	a.pem = (const uint8_t *)"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	a.pem_len = strlen((const char *)a.pem);
	assert_int_equal(dp_keys_install(f->keys, &a, 0, NULL), SG_E_KEY);
	assert_int_equal(dp_keys_install(f->keys, &ok, 0, NULL), SG_OK);
	assert_int_equal(look(f, "example.com", &gen, NULL), DP_KEY_FOUND);
	assert_int_equal(gen, 1);
}

static void test_domainkeys_needs_rsa(void **state)
{
	struct ct_keys *f = *state;
	struct sg_privkey *ed;
	struct sg_buf pem = ct_keypem(SG_KEY_ED25519, &ed);
	struct dp_key_answer a = { .generation = 1, .kind = SG_KIND_DOMAINKEYS,
				   .domain = "example.com", .selector = "dk",
				   .pem = (const uint8_t *)pem.data, .pem_len = pem.len };
	struct sg_error err = { 0 };

	assert_int_equal(dp_keys_install(f->keys, &a, 0, &err), SG_E_KEY);
	assert_string_equal(err.msg, "key material for example.com refused: DomainKeys needs "
			    "an RSA key");
	sg_privkey_free(ed);
	sg_buf_free(&pem);
}

static void test_failure_keeps_working_key(void **state)
{
	struct ct_keys *f = *state;
	struct dp_key_answer bad = { .generation = 2, .domain = "example.com", .selector = "s2",
				     .pem = (const uint8_t *)"junk", .pem_len = 4 };
	struct dp_key_want w[4];
	uint64_t gen = 0;

	ct_install(f->keys, SG_KIND_DKIM, "example.com", "sel", 1, &f->pem, 0);
	assert_int_equal(dp_keys_install(f->keys, &bad, 1000, NULL), SG_E_KEY);
	dp_keys_install_error(f->keys, SG_KIND_DKIM, "example.com", "lookup failed", 1000);
	assert_int_equal(look(f, "example.com", &gen, NULL), DP_KEY_FOUND);
	assert_int_equal(gen, 1);
	/* Asked again after DP_KEYS_ERROR_TTL_MS. */
	assert_int_equal(dp_keys_next_refresh_ms(f->keys), 1000 + DP_KEYS_ERROR_TTL_MS);
	assert_int_equal(dp_keys_take_wants(f->keys, 1000 + DP_KEYS_ERROR_TTL_MS - 1, w, 4), 0);
	assert_int_equal(dp_keys_take_wants(f->keys, 1000 + DP_KEYS_ERROR_TTL_MS, w, 4), 1);
	assert_true(w[0].refresh);
}

static void test_repeat_renews_only(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *before, *after;
	struct dp_key_want w[4];
	uint64_t v;

	ct_install(f->keys, SG_KIND_DKIM, "example.com", "sel", 5, &f->pem, 0);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "example.com", &before),
			 DP_KEY_FOUND);
	v = dp_keys_version(f->keys);
	assert_int_equal(dp_keys_next_refresh_ms(f->keys), 60000);
	assert_int_equal(dp_keys_take_wants(f->keys, 60000, w, 4), 1);
	assert_true(w[0].refresh);
	assert_string_equal(w[0].domain, "example.com");
	ct_install(f->keys, SG_KIND_DKIM, "example.com", "sel", 5, &f->pem, 60000);
	assert_int_equal(dp_keys_version(f->keys), v);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "example.com", &after),
			 DP_KEY_FOUND);
	assert_ptr_equal(before, after);
	assert_int_equal(dp_keys_next_refresh_ms(f->keys), 120000);
	dp_keys_release(before);
	dp_keys_release(after);
}

static void test_ttls_from_the_config(void **state)
{
	struct ct_keys *f = *state;
	struct dp_key_want w[4];

	ct_install(f->keys, SG_KIND_DKIM, "short.example", "sel", 1, &f->pem, 0);
	assert_int_equal(dp_keys_next_refresh_ms(f->keys), 5000);
	ct_install_none(f->keys, SG_KIND_DKIM, "none.example", "no key", 0);
	assert_int_equal(dp_keys_take_wants(f->keys, 5000, w, 4), 1);
	assert_string_equal(w[0].domain, "short.example");
	assert_int_equal(dp_keys_next_refresh_ms(f->keys), 600000);
	assert_int_equal(dp_keys_take_wants(f->keys, 599999, w, 4), 0);
	assert_int_equal(dp_keys_take_wants(f->keys, 600000, w, 4), 1);
	assert_string_equal(w[0].domain, "none.example");
}

static void test_reask_after_lost_connection(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *e;
	struct dp_key_want w[4];

	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "a.example", &e),
			 DP_KEY_PENDING);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DOMAINKEYS, "a.example", &e),
			 DP_KEY_PENDING);
	assert_int_equal(dp_keys_take_wants(f->keys, 0, w, 1), 1);
	assert_int_equal(dp_keys_take_wants(f->keys, 0, w, 4), 1);
	assert_int_equal(dp_keys_take_wants(f->keys, 0, w, 4), 0);
	dp_keys_reask(f->keys);
	assert_int_equal(dp_keys_next_refresh_ms(f->keys), 0);
	assert_int_equal(dp_keys_take_wants(f->keys, 0, w, 4), 2);
	assert_false(w[0].refresh);
}

static void test_prune_when_full(void **state)
{
	struct ct_keys *f = *state;
	uint64_t gen = 0;
	char name[64];

	f->keys->max_slots = 8;
	ct_install(f->keys, SG_KIND_DKIM, "keep.example", "sel", 1, &f->pem, 0);
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "neg%d.example", i);
		ct_install_none(f->keys, SG_KIND_DKIM, name, "no key", (uint64_t)i + 1);
	}
	assert_int_equal(atomic_load(&f->keys->table)->count, 8);
	ct_install_none(f->keys, SG_KIND_DKIM, "new.example", "no key", 100);
	/* A quarter (+1) went, negative and oldest first. */
	assert_int_equal(atomic_load(&f->keys->table)->count, 6);
	assert_int_equal(look(f, "keep.example", &gen, NULL), DP_KEY_FOUND);
	assert_int_equal(look(f, "new.example", &gen, NULL), DP_KEY_NONE);
	assert_int_equal(look(f, "neg6.example", &gen, NULL), DP_KEY_NONE);
	assert_int_equal(look(f, "neg0.example", &gen, NULL), DP_KEY_PENDING);
	assert_int_equal(look(f, "neg2.example", &gen, NULL), DP_KEY_PENDING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domainkeys_needs_rsa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_keeps_working_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat_renews_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttls_from_the_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reask_after_lost_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_when_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
