/*
 * NAME
 *   test_backend_sign.c - every backend signs byte for byte like OpenSSL
 *
 * SUMMARY
 *   The shared backend suite (backend_suite.h), signature sweeps: for RSA
 *   1024, 2048, 3072 and 4096 and for Ed25519, every cached test key with
 *   random digests (RSA: SHA-1 and SHA-256 DigestInfo at random), compared
 *   with EVP_PKEY_sign on the same key; the RSA keys of ../shared/testdata
 *   (1024 and 2048 bits, PKCS#1 and PKCS#8 files); one batch mixing every
 *   size and key type; and sg_backend_sign_one.
 */
#include "testutil.h"

#include "backend_suite.h"

#define DIGESTS_PER_KEY 6

/* Every cached key of one size, DIGESTS_PER_KEY random digests each. */
static void sweep_size(void **state, size_t size)
{
	struct sg_backend *b = bs_open(state);
	struct bs_job jobs[BS_KEYS_PER_SIZE * DIGESTS_PER_KEY];
	size_t n = 0;
	bool sha1 = false, sha256 = false;

	for (size_t i = 0; i < BS_KEYS_PER_SIZE; i++) {
		struct bs_key *k = bs_key_get(size, i);

		bs_prepare(b, k);
		for (size_t d = 0; d < DIGESTS_PER_KEY; d++, n++) {
			bs_job_fill(&jobs[n], k);
			/* Make sure both RSA hashes occur, whatever the random picks. */
			if (k->type == SG_KEY_RSA && d < 2) {
				jobs[n].alg = d == 0 ? SG_ALG_RSA_SHA1 : SG_ALG_RSA_SHA256;
				jobs[n].digest_len = d == 0 ? 20 : 32;
			}
			sha1 |= jobs[n].alg == SG_ALG_RSA_SHA1;
			sha256 |= jobs[n].alg == SG_ALG_RSA_SHA256;
		}
	}
	assert_true(size == 4 || (sha1 && sha256));
	bs_run(b, jobs, n);
	sg_backend_close(b);
}

static void test_rsa1024(void **state)
{
	sweep_size(state, 0);
}

static void test_rsa2048(void **state)
{
	sweep_size(state, 1);
}

static void test_rsa3072(void **state)
{
	sweep_size(state, 2);
}

static void test_rsa4096(void **state)
{
	sweep_size(state, 3);
}

static void test_ed25519(void **state)
{
	sweep_size(state, 4);
}

/* The RSA keys of the third-party corpus (the 512-bit one signet refuses). */
static const char *const testdata_rsa_keys[] = {
	"opendkim-libopendkim/opendkim-test-key.pem",
	"dkimpy/data/2048_testkey.key",
	"dkimpy/data/2048_testkey_PKCS8.key",
	"dkimpy/data/1024_testkey.key",
	"dkimpy/data/test.private",
	"dkimpy/data/test2.private",
	"mail-dkim/test.key",
	"mailauth/private-rsa.key",
	"go-msgauth/test-rsa-private.pem",
	"rfc-examples/rfc6376-C-private.pem",
	"rfc-examples/rfc8463-A.1-rsa-private.pem",
};

#define TESTDATA_KEYS (sizeof(testdata_rsa_keys) / sizeof(testdata_rsa_keys[0]))

static void test_testdata_rsa_keys(void **state)
{
	struct sg_backend *b = bs_open(state);
	struct bs_key keys[TESTDATA_KEYS];
	struct bs_job jobs[2 * TESTDATA_KEYS];

	for (size_t i = 0; i < TESTDATA_KEYS; i++) {
		bs_key_load(tu_testdata(testdata_rsa_keys[i]), true, &keys[i]);
		bs_prepare(b, &keys[i]);
		bs_job_fill(&jobs[2 * i], &keys[i]);
		bs_job_fill(&jobs[2 * i + 1], &keys[i]);
		jobs[2 * i].alg = SG_ALG_RSA_SHA256;
		jobs[2 * i].digest_len = 32;
	}
	bs_run(b, jobs, 2 * TESTDATA_KEYS);
	sg_backend_close(b);
	for (size_t i = 0; i < TESTDATA_KEYS; i++)
		bs_key_free(&keys[i]);
}

/* One batch holding every size and both key types, in a shuffled order. */
static void test_mixed_batch(void **state)
{
	struct sg_backend *b = bs_open(state);
	struct bs_job jobs[2 * BS_SIZES * BS_KEYS_PER_SIZE];
	size_t n = 0;

	for (size_t s = 0; s < BS_SIZES; s++) {
		for (size_t i = 0; i < BS_KEYS_PER_SIZE; i++) {
			bs_prepare(b, bs_key_get(s, i));
			bs_job_fill(&jobs[n++], bs_key_get(s, i));
			bs_job_fill(&jobs[n++], bs_key_get(s, i));
		}
	}
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(bs_rand() % (i + 1));
		struct bs_job t = jobs[i];

		jobs[i] = jobs[j];
		jobs[j] = t;
	}
	bs_run(b, jobs, n);
	sg_backend_close(b);
}

static void test_sign_one(void **state)
{
	struct sg_backend *b = bs_open(state);
	uint8_t sig[SG_SIG_MAX], ref[SG_SIG_MAX];
	size_t sig_len = 0, ref_len;
	struct sg_error err;
	struct bs_job j;

	for (size_t s = 0; s < BS_SIZES; s++) {
		bs_prepare(b, bs_key_get(s, 0));
		bs_job_fill(&j, bs_key_get(s, 0));
		sg_error_clear(&err);
		if (sg_backend_sign_one(b, j.k->key, j.alg, j.digest, j.digest_len, sig,
					sizeof(sig), &sig_len, &err) != SG_OK)
			fail_msg("%s: sign_one: %s", b->spec, err.msg);
		ref_len = bs_ref_sign(j.k, j.alg, j.digest, j.digest_len, ref);
		assert_int_equal(sig_len, ref_len);
		assert_memory_equal(sig, ref, ref_len);
	}
	/* A buffer too small for the signature is refused, not overrun. */
	assert_int_equal(sg_backend_sign_one(b, j.k->key, j.alg, j.digest, j.digest_len, sig,
					     10, &sig_len, &err), SG_E_ARG);
	assert_int_equal(sig_len, 0);
	sg_backend_close(b);
}

int main(void)
{
	static const struct bs_case cases[] = {
		{ "rsa1024", test_rsa1024 },
		{ "rsa2048", test_rsa2048 },
		{ "rsa3072", test_rsa3072 },
		{ "rsa4096", test_rsa4096 },
		{ "ed25519", test_ed25519 },
		{ "testdata RSA keys", test_testdata_rsa_keys },
		{ "mixed batch", test_mixed_batch },
		{ "sign_one", test_sign_one },
	};

	return bs_main("backend_sign", cases, sizeof(cases) / sizeof(cases[0]), NULL, 0);
}
