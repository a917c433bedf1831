/*
 * NAME
 *   test_key_sign.c - unit tests for crypto/key_sign.c
 *
 * SUMMARY
 *   Known answers: the RFC 6376 A.2 (rsa-sha256) and RFC 8463 A.3
 *   (ed25519-sha256) signatures reproduced byte for byte from the example
 *   keys; the RFC 8032 TEST 1 public key. RSA padding checked by opening
 *   the signature with the public key: EMSA-PKCS1-v1_5 with the SHA-1 or
 *   SHA-256 DigestInfo. Determinism, signature lengths, algorithm/key and
 *   digest-length mismatches, short buffers, NULL arguments, and several
 *   threads signing with one key.
 */
#include "testutil.h"

#include <pthread.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keyfiles.h"
#include "rfc_vectors.h"
#include "key.h"
#include "key_internal.h"

static void digest_of(const char *md, const char *text, uint8_t *out, size_t *len)
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(text, strlen(text), out, &n, EVP_get_digestbyname(md), NULL),
			 1);
	*len = n;
}

/* Signs SHA-256 of text and returns the base64 signature (malloc'd). */
static char *sign_text_b64(const struct sg_privkey *k, enum sg_alg alg, const char *text)
{
	uint8_t digest[32], sig[SG_SIG_MAX];
	size_t dlen, slen = 0;
	struct sg_error err;

	digest_of("SHA256", text, digest, &dlen);
	if (sg_privkey_sign(k, alg, digest, dlen, sig, sizeof(sig), &slen, &err) != SG_OK)
		fail_msg("sign: %s", err.msg);
	return kf_b64(sig, slen);
}

static void test_rfc6376_rsa_known_answer(void **state)
{
	struct sg_privkey *k = kf_load_testdata(RFC6376_A2_KEY);
	char *b = sign_text_b64(k, SG_ALG_RSA_SHA256, RFC6376_A2_HEADERS);

	(void)state;
	assert_string_equal(b, RFC6376_A2_B);
	free(b);
	sg_privkey_free(k);
}

static void test_rfc8463_ed25519_known_answer(void **state)
{
	struct sg_privkey *k = kf_load_testdata(RFC8463_A3_KEY);
	char *b = sign_text_b64(k, SG_ALG_ED25519_SHA256, RFC8463_A3_HEADERS);
	uint8_t pub[SG_PUBKEY_MAX];
	struct sg_error err;
	size_t n = 0;
	char *pub64;

	(void)state;
	assert_string_equal(b, RFC8463_A3_B);
	assert_int_equal(sg_privkey_public(k, pub, sizeof(pub), &n, &err), SG_OK);
	assert_int_equal(n, 32);
	pub64 = kf_b64(pub, n);
	assert_string_equal(pub64, RFC8463_ED25519_PUB);
	free(pub64);
	free(b);
	sg_privkey_free(k);
}

/* Opens an RSA signature with the public key: the PKCS#1 v1.5 payload. */
static size_t rsa_open(const struct sg_privkey *k, const uint8_t *sig, size_t slen,
		       uint8_t *out, size_t cap)
{
	uint8_t pub[SG_PUBKEY_MAX];
	const unsigned char *p = pub;
	struct sg_error err;
	size_t plen = 0, n = cap;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey;

	assert_int_equal(sg_privkey_public(k, pub, sizeof(pub), &plen, &err), SG_OK);
	pkey = d2i_PUBKEY(NULL, &p, (long)plen);
	assert_non_null(pkey);
	ctx = EVP_PKEY_CTX_new(pkey, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_verify_recover(ctx, out, &n, sig, slen), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return n;
}

static void check_digest_info(enum sg_alg alg, const char *md, const uint8_t *prefix,
			      size_t prefix_len)
{
	struct sg_privkey *k = kf_load_testdata("dkimpy/data/2048_testkey.key");
	uint8_t digest[32], sig[SG_SIG_MAX], opened[SG_SIG_MAX];
	size_t dlen, slen = 0, n;
	struct sg_error err;

	digest_of(md, "signet", digest, &dlen);
	assert_int_equal(sg_privkey_sign(k, alg, digest, dlen, sig, sizeof(sig), &slen, &err),
			 SG_OK);
	assert_int_equal(slen, 256);
	n = rsa_open(k, sig, slen, opened, sizeof(opened));
	assert_int_equal(n, prefix_len + dlen);
	assert_memory_equal(opened, prefix, prefix_len);
	assert_memory_equal(opened + prefix_len, digest, dlen);
	sg_privkey_free(k);
}

static void test_rsa_digest_info(void **state)
{
	/* RFC 8017 9.2 note 1: DER of DigestInfo up to the hash value. */
	static const uint8_t sha1_prefix[] = {
		0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
		0x04, 0x14,
	};
	static const uint8_t sha256_prefix[] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
		0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};

	(void)state;
	check_digest_info(SG_ALG_RSA_SHA1, "SHA1", sha1_prefix, sizeof(sha1_prefix));
	check_digest_info(SG_ALG_RSA_SHA256, "SHA256", sha256_prefix, sizeof(sha256_prefix));
}

static void test_deterministic(void **state)
{
	static const char *keys[] = { "dkimpy/data/1024_testkey.key", RFC8463_A3_KEY };
	static const enum sg_alg algs[] = { SG_ALG_RSA_SHA256, SG_ALG_ED25519_SHA256 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct sg_privkey *k = kf_load_testdata(keys[i]);
		char *a = sign_text_b64(k, algs[i], "same digest");
		char *b = sign_text_b64(k, algs[i], "same digest");
		char *c = sign_text_b64(k, algs[i], "other digest");

		assert_string_equal(a, b);
		assert_string_not_equal(a, c);
		free(a);
		free(b);
		free(c);
		sg_privkey_free(k);
	}
}

/* The release check of other backends' RSA signatures: a good signature
 * passes for its digest and algorithm only; a flipped bit, another digest,
 * the other hash or a short signature fail. */
static void test_rsa_sig_verifies(void **state)
{
	struct sg_privkey *k = kf_load_testdata("dkimpy/data/1024_testkey.key");
	uint8_t digest[32], other[32], sig[SG_SIG_MAX];
	size_t len = 0;
	struct sg_error err;

	(void)state;
	memset(digest, 0x5a, sizeof(digest));
	memset(other, 0xa5, sizeof(other));
	sg_error_clear(&err);
	assert_int_equal(sg_privkey_sign(k, SG_ALG_RSA_SHA256, digest, 32, sig, sizeof(sig),
					 &len, &err), SG_OK);
	assert_true(sg_rsa_sig_verifies(k, SG_ALG_RSA_SHA256, digest, 32, sig, len));
	assert_false(sg_rsa_sig_verifies(k, SG_ALG_RSA_SHA256, other, 32, sig, len));
	assert_false(sg_rsa_sig_verifies(k, SG_ALG_RSA_SHA1, digest, 20, sig, len));
	assert_false(sg_rsa_sig_verifies(k, SG_ALG_RSA_SHA256, digest, 32, sig, len - 1));
	sig[len / 2] ^= 1;
	assert_false(sg_rsa_sig_verifies(k, SG_ALG_RSA_SHA256, digest, 32, sig, len));
	sg_privkey_free(k);
}

static void test_supports_and_mismatch(void **state)
{
	struct sg_privkey *rsa = kf_load_testdata("mail-dkim/test.key");
	struct sg_privkey *ed = kf_load_testdata("mail-dkim/test.ed.key");
	uint8_t digest[32] = { 1 }, sig[SG_SIG_MAX];
	struct sg_error err;
	size_t slen = 99;

	(void)state;
	assert_true(sg_privkey_supports(rsa, SG_ALG_RSA_SHA1));
	assert_true(sg_privkey_supports(rsa, SG_ALG_RSA_SHA256));
	assert_false(sg_privkey_supports(rsa, SG_ALG_ED25519_SHA256));
	assert_false(sg_privkey_supports(ed, SG_ALG_RSA_SHA1));
	assert_false(sg_privkey_supports(ed, SG_ALG_RSA_SHA256));
	assert_true(sg_privkey_supports(ed, SG_ALG_ED25519_SHA256));

	assert_int_equal(sg_privkey_sign(rsa, SG_ALG_ED25519_SHA256, digest, 32, sig,
					 sizeof(sig), &slen, &err), SG_E_ARG);
	assert_int_equal(slen, 0);
	assert_non_null(strstr(err.msg, "ed25519-sha256 does not fit an RSA key"));
	assert_int_equal(sg_privkey_sign(ed, SG_ALG_RSA_SHA256, digest, 32, sig, sizeof(sig),
					 &slen, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "rsa-sha256 does not fit an Ed25519 key"));
	assert_int_equal(sg_privkey_sign(rsa, (enum sg_alg)7, digest, 32, sig, sizeof(sig),
					 &slen, &err), SG_E_ARG);

	/* Digest length must be the algorithm's. */
	assert_int_equal(sg_privkey_sign(rsa, SG_ALG_RSA_SHA1, digest, 32, sig, sizeof(sig),
					 &slen, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "20-byte digest, got 32"));
	assert_int_equal(sg_privkey_sign(rsa, SG_ALG_RSA_SHA256, digest, 20, sig, sizeof(sig),
					 &slen, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_sign(ed, SG_ALG_ED25519_SHA256, digest, 31, sig,
					 sizeof(sig), &slen, &err), SG_E_ARG);
	sg_privkey_free(rsa);
	sg_privkey_free(ed);
}

static void test_buffers_and_arguments(void **state)
{
	struct sg_privkey *rsa = kf_load_testdata("mail-dkim/test.key");
	struct sg_privkey *ed = kf_load_testdata("mail-dkim/test.ed.key");
	uint8_t digest[32] = { 1 }, buf[SG_SIG_MAX];
	struct sg_error err;
	size_t n = 0;

	(void)state;
	assert_int_equal(sg_privkey_type(rsa), SG_KEY_RSA);
	assert_int_equal(sg_privkey_bits(rsa), 1024);
	assert_int_equal(sg_privkey_type(ed), SG_KEY_ED25519);

	/* RSA-1024: 128-byte signature, 162-byte SubjectPublicKeyInfo. */
	assert_int_equal(sg_privkey_sign(rsa, SG_ALG_RSA_SHA256, digest, 32, buf, 127, &n, &err),
			 SG_E_ARG);
	assert_int_equal(sg_privkey_sign(rsa, SG_ALG_RSA_SHA256, digest, 32, buf, 128, &n, &err),
			 SG_OK);
	assert_int_equal(n, 128);
	assert_int_equal(sg_privkey_public(rsa, buf, 161, &n, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_public(rsa, buf, 162, &n, &err), SG_OK);
	assert_int_equal(n, 162);

	assert_int_equal(sg_privkey_sign(ed, SG_ALG_ED25519_SHA256, digest, 32, buf, 63, &n,
					 &err), SG_E_ARG);
	assert_int_equal(sg_privkey_sign(ed, SG_ALG_ED25519_SHA256, digest, 32, buf, 64, &n,
					 &err), SG_OK);
	assert_int_equal(n, 64);
	assert_int_equal(sg_privkey_public(ed, buf, 31, &n, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_public(ed, buf, 32, &n, &err), SG_OK);

	assert_int_equal(sg_privkey_sign(NULL, SG_ALG_RSA_SHA256, digest, 32, buf, 512, &n,
					 &err), SG_E_ARG);
	assert_int_equal(sg_privkey_sign(rsa, SG_ALG_RSA_SHA256, NULL, 32, buf, 512, &n, &err),
			 SG_E_ARG);
	assert_int_equal(sg_privkey_sign(rsa, SG_ALG_RSA_SHA256, digest, 32, NULL, 512, &n,
					 &err), SG_E_ARG);
	assert_int_equal(sg_privkey_public(NULL, buf, 512, &n, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_public(rsa, buf, 512, NULL, NULL), SG_E_ARG);
	sg_privkey_free(rsa);
	sg_privkey_free(ed);
}

struct sign_job {
	const struct sg_privkey *key;
	uint8_t digest[32];
	uint8_t first[SG_SIG_MAX];	/* the first signature */
	size_t first_len;
	bool all_ok;			/* every call succeeded with the same bytes */
};

/* Runs in a thread: no cmocka assertions here, only results in job. */
static void *sign_many(void *arg)
{
	struct sign_job *job = arg;
	uint8_t sig[SG_SIG_MAX];
	size_t n = 0;

	job->all_ok = sg_privkey_sign(job->key, SG_ALG_RSA_SHA256, job->digest, 32, job->first,
				      sizeof(job->first), &job->first_len, NULL) == SG_OK;
	for (int i = 0; i < 50 && job->all_ok; i++) {
		job->all_ok = sg_privkey_sign(job->key, SG_ALG_RSA_SHA256, job->digest, 32, sig,
					      sizeof(sig), &n, NULL) == SG_OK &&
			      n == job->first_len && memcmp(sig, job->first, n) == 0;
	}
	return NULL;
}

/* One key, four threads: every signature is the RFC one. */
static void test_threads_share_a_key(void **state)
{
	struct sg_privkey *k = kf_load_testdata(RFC6376_A2_KEY);
	struct sign_job jobs[4];
	pthread_t tid[4];
	size_t dlen;

	(void)state;
	for (int i = 0; i < 4; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].key = k;
		digest_of("SHA256", RFC6376_A2_HEADERS, jobs[i].digest, &dlen);
		assert_int_equal(pthread_create(&tid[i], NULL, sign_many, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		char *b64;

		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_true(jobs[i].all_ok);
		b64 = kf_b64(jobs[i].first, jobs[i].first_len);
		assert_string_equal(b64, RFC6376_A2_B);
		free(b64);
	}
	sg_privkey_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6376_rsa_known_answer),
		cmocka_unit_test(test_rfc8463_ed25519_known_answer),
		cmocka_unit_test(test_rsa_digest_info),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_rsa_sig_verifies),
		cmocka_unit_test(test_supports_and_mismatch),
		cmocka_unit_test(test_buffers_and_arguments),
		cmocka_unit_test(test_threads_share_a_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
