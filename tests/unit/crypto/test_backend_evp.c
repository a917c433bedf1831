/*
 * NAME
 *   test_backend_evp.c - unit tests for crypto/backend_evp.c
 *
 * SUMMARY
 *   What the shared suite cannot see: "evp" completes every job inside
 *   submit (poll right after submit returns it) and delegates nothing;
 *   "engine:ID" errors for a missing engine (naming it, the directory and
 *   how to install it; the QAT hint for qatengine), for an engine that does
 *   not start (padlock, when installed), and Ed25519 delegated to evp when
 *   the engine (pkcs11, when installed) runs RSA; "provider:NAME" errors for
 *   a missing provider and for one without RSA signatures (legacy), and
 *   provider:default signing Ed25519 itself; a variant refusing a key that
 *   was never prepared.
 */
#include "testutil.h"

#include <openssl/crypto.h>

#include "backend_suite.h"

#define RSA2048 1
#define ED25519 4

static struct sg_backend *open_or_skip(const char *spec)
{
	struct sg_backend *b = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_backend_open(spec, &b, &err) != SG_OK) {
		printf("# %s not available: %s\n", spec, err.msg);
		skip();
	}
	return b;
}

static void expect_unavailable(const char *spec, const char *const *fragments)
{
	struct sg_backend *b = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(sg_backend_open(spec, &b, &err), SG_E_UNSUPPORTED);
	assert_null(b);
	for (; *fragments != NULL; fragments++) {
		if (strstr(err.msg, *fragments) == NULL)
			fail_msg("%s: \"%s\" does not mention \"%s\"", spec, err.msg, *fragments);
	}
}

static void run_one(struct sg_backend *b, size_t size)
{
	struct bs_job j;

	bs_prepare(b, bs_key_get(size, 0));
	bs_job_fill(&j, bs_key_get(size, 0));
	bs_run(b, &j, 1);
}

static void test_evp_completes_in_submit(void **state)
{
	struct sg_backend *b = open_or_skip("evp");
	struct sg_sign_done done;
	struct sg_backend_stats st;
	struct bs_job j;

	(void)state;
	assert_string_equal(sg_backend_name(b), "evp");
	bs_job_fill(&j, bs_key_get(RSA2048, 0));
	bs_submit(b, &j);		/* no prepare needed, no flush needed */
	assert_int_equal(sg_backend_poll(b, &done, 1), 1);
	bs_check_done(b, &done);
	run_one(b, ED25519);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.delegated, 0);
	assert_int_equal(st.batches, 0);
	sg_backend_close(b);
}

static void test_engine_missing(void **state)
{
	static const char *const nosuch[] = {
		"engine:nosuch", "not available", "nosuch.so", "OPENSSL_ENGINES", NULL,
	};
	static const char *const qat[] = { "engine:qatengine", "QAT", "install", NULL };
	char dir[64];

	(void)state;
	expect_unavailable("engine:nosuch", nosuch);
	expect_unavailable("engine:qatengine", qat);
	/* OPENSSL_ENGINES is where the error says it looked. */
	snprintf(dir, sizeof(dir), "/nonexistent-engines-%u", (unsigned)getpid());
	assert_int_equal(setenv("OPENSSL_ENGINES", dir, 1), 0);
	{
		const char *const here[] = { dir, NULL };

		expect_unavailable("engine:nosuch2", here);
	}
	assert_int_equal(unsetenv("OPENSSL_ENGINES"), 0);
}

/* padlock ships with OpenSSL but needs a VIA CPU: found, does not start. */
static void test_engine_that_does_not_start(void **state)
{
	static const char *const frag[] = { "engine:padlock", "does not", NULL };
	const char *v = OpenSSL_version(OPENSSL_ENGINES_DIR), *q = strchr(v, '"');
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%.*s/padlock.so", q ? (int)strcspn(q + 1, "\"") : 0,
		 q ? q + 1 : "");
	if (access(path, F_OK) != 0)
		skip();
	expect_unavailable("engine:padlock", frag);
}

static void test_engine_delegates_ed25519(void **state)
{
	struct sg_backend_stats st;
	struct sg_backend *b;

	(void)state;
	if (BS_ENGINE_UNDER_ASAN[0] != '\0') {
		printf("# engine:pkcs11 %s\n", BS_ENGINE_UNDER_ASAN);
		skip();
	}
	b = open_or_skip("engine:pkcs11");
	assert_string_equal(sg_backend_name(b), "engine");
	assert_string_equal(b->spec, "engine:pkcs11");
	run_one(b, RSA2048);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.delegated, 0);
	run_one(b, ED25519);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.delegated, 1);
	sg_backend_close(b);
}

static void test_provider_errors(void **state)
{
	static const char *const nosuch[] = {
		"provider:nosuch", "not available", "nosuch.so", "QAT", NULL,
	};
	static const char *const legacy[] = { "provider:legacy", "no RSA signature", NULL };

	(void)state;
	expect_unavailable("provider:nosuch", nosuch);
	expect_unavailable("provider:legacy", legacy);
}

static void test_provider_default_signs_ed25519_itself(void **state)
{
	struct sg_backend *b = open_or_skip("provider:default");
	struct sg_backend_stats st;

	(void)state;
	assert_string_equal(sg_backend_name(b), "provider");
	run_one(b, ED25519);
	run_one(b, RSA2048);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.delegated, 0);
	assert_int_equal(st.submitted, 2);
	assert_int_equal(st.fallbacks, 0);	/* its RSA signature passed the check */
	sg_backend_close(b);
}

/* A key no instance prepared: the variant says so instead of guessing. */
static void test_provider_needs_prepare(void **state)
{
	struct sg_backend *b = open_or_skip("provider:default");
	struct sg_privkey *k = NULL;
	struct sg_error err;
	uint8_t digest[32] = { 1 };

	(void)state;
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 1024, &k, &err), SG_OK);
	sg_error_clear(&err);
	assert_int_equal(sg_backend_submit(b, k, SG_ALG_RSA_SHA256, digest, 32, NULL, &err),
			 SG_E_STATE);
	assert_non_null(strstr(err.msg, "not prepared"));
	assert_int_equal(sg_backend_prepare(b, k, &err), SG_OK);
	assert_int_equal(sg_backend_submit(b, k, SG_ALG_RSA_SHA256, digest, 32, NULL, &err),
			 SG_OK);
	sg_backend_close(b);		/* closed before the key: the key's token outlives it */
	sg_privkey_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evp_completes_in_submit),
		cmocka_unit_test(test_engine_missing),
		cmocka_unit_test(test_engine_that_does_not_start),
		cmocka_unit_test(test_engine_delegates_ed25519),
		cmocka_unit_test(test_provider_errors),
		cmocka_unit_test(test_provider_default_signs_ed25519_itself),
		cmocka_unit_test(test_provider_needs_prepare),
	};
	int rc;

	bs_rng_state = bs_seed();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	bs_keys_free();
	return rc;
}
