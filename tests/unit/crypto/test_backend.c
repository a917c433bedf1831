/*
 * NAME
 *   test_backend.c - unit tests for crypto/backend.c (registry, wrappers)
 *
 * SUMMARY
 *   Runs in the shared backend suite (backend_suite.h), so every wrapper
 *   check below runs on every backend: argument errors at submit (key type
 *   and algorithm mismatch, digest length, unknown algorithm, missing key
 *   or digest) leave the counters untouched; capacity: a backend holding
 *   sg_backend_capacity() jobs refuses the next with SG_E_LIMIT until
 *   polled; the counters (submitted at submit, completed and failed at
 *   poll); sign_one refuses a backend with jobs in flight.
 *   Once: what the wrappers do with what a backend does (a fake backend:
 *   refused submits are not counted, failed completions are, the wrapper
 *   stops at capacity without asking the backend, sign_one passes a job's
 *   error on and refuses a completion it never submitted). Registry: the
 *   kinds listed,
 *   sg_backend_find, unknown / malformed / overlong specs, "auto" (and a
 *   NULL spec) choosing ifma exactly when its probe says yes, and NULL
 *   arguments.
 */
#include "testutil.h"

#include "backend_suite.h"

#define RSA2048 1
#define ED25519 4

static void expect_submit_error(struct sg_backend *b, struct bs_key *k, enum sg_alg alg,
				size_t digest_len, enum sg_err want, const char *fragment)
{
	static const uint8_t digest[64];
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(sg_backend_submit(b, k ? k->key : NULL, alg, digest, digest_len, b,
					   &err), want);
	if (strstr(err.msg, fragment) == NULL)
		fail_msg("%s: error \"%s\" does not mention \"%s\"", b->spec, err.msg, fragment);
}

static void test_argument_errors(void **state)
{
	struct sg_backend *b = bs_open(state);
	struct bs_key *rsa = bs_key_get(RSA2048, 0), *ed = bs_key_get(ED25519, 0);
	struct sg_backend_stats st;
	struct sg_error err;
	uint8_t digest[32] = { 0 };

	bs_prepare(b, rsa);
	bs_prepare(b, ed);
	expect_submit_error(b, ed, SG_ALG_RSA_SHA256, 32, SG_E_ARG, "does not fit an Ed25519");
	expect_submit_error(b, rsa, SG_ALG_ED25519_SHA256, 32, SG_E_ARG, "does not fit an RSA");
	expect_submit_error(b, rsa, SG_ALG_RSA_SHA256, 20, SG_E_ARG, "32-byte digest");
	expect_submit_error(b, rsa, SG_ALG_RSA_SHA1, 32, SG_E_ARG, "20-byte digest");
	expect_submit_error(b, rsa, (enum sg_alg)77, 32, SG_E_ARG, "unknown algorithm");
	expect_submit_error(b, NULL, SG_ALG_RSA_SHA256, 32, SG_E_ARG, "missing key");
	assert_int_equal(sg_backend_submit(b, rsa->key, SG_ALG_RSA_SHA256, NULL, 32, b, &err),
			 SG_E_ARG);
	assert_int_equal(sg_backend_submit(NULL, rsa->key, SG_ALG_RSA_SHA256, digest, 32, b,
					   &err), SG_E_ARG);
	assert_int_equal(sg_backend_prepare(b, NULL, &err), SG_E_ARG);
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.submitted, 0);
	assert_int_equal(st.completed, 0);
	sg_backend_close(b);
}

/* Fills the backend to capacity, checks SG_E_LIMIT, drains, goes on. */
static void test_capacity_limit(void **state)
{
	struct sg_backend *b = bs_open(state);
	size_t cap = sg_backend_capacity(b);
	struct bs_job *jobs, extra;
	struct sg_backend_stats st;
	struct sg_error err;

	assert_true(cap >= 1);
	assert_true(cap <= 4096);
	jobs = calloc(cap, sizeof(*jobs));
	assert_non_null(jobs);
	bs_prepare(b, bs_key_get(0, 0));
	for (size_t i = 0; i < cap; i++) {
		bs_job_fill(&jobs[i], bs_key_get(0, 0));	/* RSA-1024: quick */
		bs_submit(b, &jobs[i]);
	}
	bs_job_fill(&extra, bs_key_get(0, 0));
	sg_error_clear(&err);
	assert_int_equal(sg_backend_submit(b, extra.k->key, extra.alg, extra.digest,
					   extra.digest_len, &extra, &err), SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "capacity"));
	sg_backend_flush(b);
	bs_collect(b, cap);
	bs_run(b, &extra, 1);		/* room again after polling */
	sg_backend_get_stats(b, &st);
	assert_int_equal(st.submitted, cap + 1);
	assert_int_equal(st.completed, cap + 1);
	assert_int_equal(st.failed, 0);
	assert_int_equal(extra.returned, 1);
	free(jobs);
	sg_backend_close(b);
}

static void test_sign_one_needs_idle_backend(void **state)
{
	struct sg_backend *b = bs_open(state);
	struct bs_job j;
	uint8_t sig[SG_SIG_MAX];
	size_t sig_len = 7;
	struct sg_error err;

	bs_prepare(b, bs_key_get(RSA2048, 0));
	bs_job_fill(&j, bs_key_get(RSA2048, 0));
	bs_submit(b, &j);
	sg_error_clear(&err);
	assert_int_equal(sg_backend_sign_one(b, j.k->key, j.alg, j.digest, j.digest_len, sig,
					     sizeof(sig), &sig_len, &err), SG_E_STATE);
	assert_non_null(strstr(err.msg, "in flight"));
	assert_int_equal(sig_len, 0);
	sg_backend_flush(b);
	bs_collect(b, 1);
	assert_int_equal(j.returned, 1);
	sg_backend_close(b);
}

static void test_registry(void **state)
{
	size_t n = 0;
	const struct sg_backend_ops *const *all = sg_backend_all(&n);
	bool evp = false, ifma = false;

	(void)state;
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(all[i]->name);
		assert_non_null(all[i]->probe);
		assert_non_null(all[i]->create);
		assert_non_null(all[i]->submit);
		assert_non_null(all[i]->poll);
		assert_non_null(all[i]->capacity);
		assert_ptr_equal(sg_backend_find(all[i]->name), all[i]);
		evp |= strcmp(all[i]->name, "evp") == 0;
		ifma |= strcmp(all[i]->name, "ifma") == 0;
		assert_int_not_equal(strcmp(all[i]->name, "engine"), 0);	/* need an ID */
	}
	assert_true(evp && ifma);
	assert_string_equal(sg_backend_find("engine")->name, "engine");
	assert_string_equal(sg_backend_find("provider")->name, "provider");
	assert_null(sg_backend_find("nosuch"));
	assert_null(sg_backend_find("ev"));
	assert_null(sg_backend_find(NULL));
	assert_int_equal(sg_backend_capacity(NULL), 0);
	assert_string_equal(sg_backend_name(NULL), "none");
}

static void expect_open_error(const char *spec, enum sg_err want, const char *fragment)
{
	struct sg_backend *b = (struct sg_backend *)&b;
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(sg_backend_open(spec, &b, &err), want);
	assert_null(b);
	if (strstr(err.msg, fragment) == NULL)
		fail_msg("open \"%s\": error \"%s\" does not mention \"%s\"", spec, err.msg,
			 fragment);
}

static void test_open_errors(void **state)
{
	char longspec[100];
	struct sg_error err;

	(void)state;
	memset(longspec, 'e', sizeof(longspec) - 1);
	longspec[sizeof(longspec) - 1] = '\0';
	expect_open_error("nosuch", SG_E_UNSUPPORTED, "known: auto, evp, ifma");
	expect_open_error("", SG_E_UNSUPPORTED, "unknown backend");
	expect_open_error("EVP", SG_E_UNSUPPORTED, "unknown backend \"EVP\"");
	expect_open_error("evp:x", SG_E_UNSUPPORTED, "evp takes no argument");
	expect_open_error("engine", SG_E_UNSUPPORTED, "engine:ID");
	expect_open_error("provider:", SG_E_UNSUPPORTED, "provider:NAME");
	expect_open_error(longspec, SG_E_ARG, "limit is 63");
	assert_int_equal(sg_backend_open("evp", NULL, &err), SG_E_ARG);
}

/* "auto" and NULL choose ifma exactly when its probe says yes. */
static void test_auto_choice(void **state)
{
	const struct sg_backend_ops *ifma = sg_backend_find("ifma");
	char why[256] = "";
	bool offered = ifma->probe(NULL, why, sizeof(why));
	const char *specs[2] = { "auto", NULL };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct sg_backend *b = NULL;
		struct sg_error err;

		assert_int_equal(sg_backend_open(specs[i], &b, &err), SG_OK);
		assert_string_equal(sg_backend_name(b), offered ? "ifma" : "evp");
		assert_string_equal(b->spec, "auto");
		sg_backend_close(b);
	}
	if (!offered)
		printf("# ifma not offered here (%s): auto chose evp\n", why);
}

/*
 * A fake backend, to check what the wrappers do with what a backend does:
 * capacity 2; a digest starting 0xEE completes with an error, one starting
 * 0xAA is refused at submit; with foreign_cookie it answers with a cookie
 * it was never given.
 */
struct fake {
	struct sg_backend base;
	void *cookies[2];
	uint8_t first[2];
	size_t held, submit_calls;
	bool foreign_cookie;
};

static enum sg_err fake_submit(struct sg_backend *b, const struct sg_privkey *key,
			       enum sg_alg alg, const uint8_t *digest, size_t digest_len,
			       void *cookie, struct sg_error *err)
{
	struct fake *f = (struct fake *)b;

	(void)key;
	(void)alg;
	(void)digest_len;
	f->submit_calls++;
	if (digest[0] == 0xAA)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "fake refuses");
	assert_true(f->held < 2);
	f->first[f->held] = digest[0];
	f->cookies[f->held++] = cookie;
	return SG_OK;
}

static size_t fake_poll(struct sg_backend *b, struct sg_sign_done *done, size_t max)
{
	struct fake *f = (struct fake *)b;
	size_t n = 0;

	for (; n < max && n < f->held; n++) {
		memset(&done[n], 0, sizeof(done[n]));
		done[n].cookie = f->foreign_cookie ? (void *)&f->held : f->cookies[n];
		done[n].status = f->first[n] == 0xEE ? SG_E_CRYPTO : SG_OK;
		snprintf(done[n].error, sizeof(done[n].error), "%s",
			 done[n].status ? "fake device error" : "");
		done[n].sig_len = 3;
		memcpy(done[n].sig, "sig", 3);
	}
	f->held = 0;
	return n;
}

static size_t fake_capacity(const struct sg_backend *b)
{
	(void)b;
	return 2;
}

static const struct sg_backend_ops fake_ops = {
	.name = "fake", .submit = fake_submit, .poll = fake_poll, .capacity = fake_capacity,
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->base.ops = &fake_ops;
	snprintf(f->base.spec, sizeof(f->base.spec), "fake");
}

static enum sg_err fake_submit_digest(struct fake *f, uint8_t first, void *cookie)
{
	uint8_t digest[32] = { first };
	struct sg_error err;

	return sg_backend_submit(&f->base, bs_key_get(RSA2048, 0)->key, SG_ALG_RSA_SHA256,
				 digest, 32, cookie, &err);
}

static void test_wrapper_counts(void **state)
{
	struct sg_sign_done done[4];
	struct sg_backend_stats st;
	struct fake f;
	int a, b, c;

	(void)state;
	fake_init(&f);
	assert_int_equal(fake_submit_digest(&f, 0xAA, &a), SG_E_NOMEM);	/* refused */
	assert_int_equal(fake_submit_digest(&f, 0x01, &a), SG_OK);
	assert_int_equal(fake_submit_digest(&f, 0xEE, &b), SG_OK);
	assert_int_equal(fake_submit_digest(&f, 0x02, &c), SG_E_LIMIT);
	assert_int_equal(f.submit_calls, 3);	/* the wrapper refused the fourth */
	sg_backend_get_stats(&f.base, &st);
	assert_int_equal(st.submitted, 2);
	assert_int_equal(sg_backend_poll(&f.base, NULL, 4), 0);
	assert_int_equal(sg_backend_poll(&f.base, done, 0), 0);
	assert_int_equal(sg_backend_poll(&f.base, done, 4), 2);
	sg_backend_get_stats(&f.base, &st);
	assert_int_equal(st.completed, 2);
	assert_int_equal(st.failed, 1);
	assert_int_equal(fake_submit_digest(&f, 0x02, &c), SG_OK);	/* room again */
	sg_backend_get_stats(NULL, &st);
	assert_int_equal(st.submitted, 0);
	sg_backend_close(NULL);
}

static void test_sign_one_passes_errors_on(void **state)
{
	uint8_t digest[32] = { 0xEE }, sig[8];
	size_t len = 9;
	struct sg_error err;
	struct fake f;

	(void)state;
	fake_init(&f);
	sg_error_clear(&err);
	assert_int_equal(sg_backend_sign_one(&f.base, bs_key_get(RSA2048, 0)->key,
					     SG_ALG_RSA_SHA256, digest, 32, sig, sizeof(sig),
					     &len, &err), SG_E_CRYPTO);
	assert_string_equal(err.msg, "fake device error");
	assert_int_equal(len, 0);
	digest[0] = 0;
	assert_int_equal(sg_backend_sign_one(&f.base, bs_key_get(RSA2048, 0)->key,
					     SG_ALG_RSA_SHA256, digest, 32, sig, sizeof(sig),
					     &len, &err), SG_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(sig, "sig", 3);
	f.foreign_cookie = true;
	assert_int_equal(sg_backend_sign_one(&f.base, bs_key_get(RSA2048, 0)->key,
					     SG_ALG_RSA_SHA256, digest, 32, sig, sizeof(sig),
					     &len, &err), SG_E_STATE);
	assert_non_null(strstr(err.msg, "never submitted"));
}

int main(void)
{
	static const struct bs_case cases[] = {
		{ "argument errors", test_argument_errors },
		{ "capacity limit", test_capacity_limit },
		{ "sign_one needs an idle backend", test_sign_one_needs_idle_backend },
	};
	static const struct bs_case once[] = {
		{ "registry", test_registry },
		{ "open errors", test_open_errors },
		{ "auto choice", test_auto_choice },
		{ "wrapper counts (fake backend)", test_wrapper_counts },
		{ "sign_one passes errors on (fake backend)", test_sign_one_passes_errors_on },
	};

	return bs_main("backend", cases, sizeof(cases) / sizeof(cases[0]), once,
		       sizeof(once) / sizeof(once[0]));
}
