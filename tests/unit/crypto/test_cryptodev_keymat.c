/*
 * NAME
 *   test_cryptodev_keymat.c - the cryptodev backend's per-key data and its
 *                             host-side RSA steps
 *
 * SUMMARY
 *   cdev_emsa_encode gives exactly what OpenSSL signed: the raw public
 *   operation on OpenSSL's signature (RSA_NO_PADDING) yields the encoded
 *   block, for RSA 1024..4096 and SHA-1 / SHA-256; its refusals (Ed25519,
 *   a digest of the wrong length, a small buffer, a modulus too short for
 *   eight bytes of padding). cdev_digest_info: the two DER prefixes.
 *   cdev_keymat_new: n and e as OpenSSL reports them, k, a usable public
 *   key; refused for Ed25519. References: the keymat is an orphan once
 *   only one reference is left. cdev_crt_get: p * q = n, q * qInv = 1 mod
 *   p, dP = d mod (p - 1); refused for Ed25519; wiped afterwards.
 *   cdev_keymat_verify: accepts OpenSSL's signature (twice on one cached
 *   context), refuses a flipped bit, a wrong length, the other hash.
 *   Plain OpenSSL: runs in builds without DPDK too.
 */
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "backend_suite.h"
#include "cryptodev_keymat.h"

static void random_digest(uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)bs_rand();
}

/* The raw public operation s^e mod n on OpenSSL's signature. */
static size_t public_raw(EVP_PKEY *ref, const uint8_t *sig, size_t sig_len, uint8_t *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(ref, NULL);
	size_t n = SG_SIG_MAX;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
	assert_int_equal(EVP_PKEY_verify_recover(ctx, out, &n, sig, sig_len), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

static void test_emsa_is_what_openssl_signs(void **state)
{
	(void)state;
	for (size_t size = 0; size < 4; size++) {
		struct bs_key *k = bs_key_get(size, 0);
		size_t kbytes = k->bits / 8;

		for (int alg = SG_ALG_RSA_SHA1; alg <= SG_ALG_RSA_SHA256; alg++) {
			uint8_t digest[32], sig[SG_SIG_MAX], em[SG_SIG_MAX], raw[SG_SIG_MAX];
			size_t dlen = alg == SG_ALG_RSA_SHA1 ? 20 : 32;
			size_t sig_len;

			random_digest(digest, dlen);
			sig_len = bs_ref_sign(k, (enum sg_alg)alg, digest, dlen, sig);
			assert_int_equal(public_raw(k->ref, sig, sig_len, raw), kbytes);
			assert_int_equal(cdev_emsa_encode((enum sg_alg)alg, digest, dlen, kbytes, em,
							  sizeof(em)), kbytes);
			assert_memory_equal(em, raw, kbytes);
		}
	}
}

static void test_emsa_refusals(void **state)
{
	uint8_t digest[32] = { 0 }, out[SG_SIG_MAX];

	(void)state;
	assert_int_equal(cdev_emsa_encode(SG_ALG_ED25519_SHA256, digest, 32, 128, out, 512), 0);
	assert_int_equal(cdev_emsa_encode(SG_ALG_RSA_SHA256, digest, 20, 128, out, 512), 0);
	assert_int_equal(cdev_emsa_encode(SG_ALG_RSA_SHA1, digest, 32, 128, out, 512), 0);
	assert_int_equal(cdev_emsa_encode(SG_ALG_RSA_SHA256, digest, 32, 128, out, 127), 0);
	/* SHA-256 DigestInfo is 51 bytes: 62 leaves 8 bytes of 0xff, 61 only 7. */
	assert_int_equal(cdev_emsa_encode(SG_ALG_RSA_SHA256, digest, 32, 62, out, 512), 62);
	assert_int_equal(out[9], 0xff);
	assert_int_equal(out[10], 0x00);
	assert_int_equal(cdev_emsa_encode(SG_ALG_RSA_SHA256, digest, 32, 61, out, 512), 0);
}

static void test_digest_info(void **state)
{
	static const uint8_t sha1_prefix[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e };
	static const uint8_t sha256_prefix[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86 };
	uint8_t digest[32], out[64];

	(void)state;
	random_digest(digest, sizeof(digest));
	assert_int_equal(cdev_digest_info(SG_ALG_RSA_SHA1, digest, 20, out, sizeof(out)), 35);
	assert_memory_equal(out, sha1_prefix, sizeof(sha1_prefix));
	assert_memory_equal(out + 15, digest, 20);
	assert_int_equal(cdev_digest_info(SG_ALG_RSA_SHA256, digest, 32, out, sizeof(out)), 51);
	assert_memory_equal(out, sha256_prefix, sizeof(sha256_prefix));
	assert_memory_equal(out + 19, digest, 32);
	assert_int_equal(cdev_digest_info(SG_ALG_RSA_SHA256, digest, 32, out, 50), 0);
	assert_int_equal(cdev_digest_info(SG_ALG_ED25519_SHA256, digest, 32, out, 64), 0);
}

static BIGNUM *bn_of(const struct cdev_num *num)
{
	BIGNUM *bn = BN_bin2bn(num->data, (int)num->len, NULL);

	assert_non_null(bn);
	return bn;
}

static void test_keymat_public_part(void **state)
{
	struct bs_key *k = bs_key_get(1, 0);
	struct cdev_keymat *m = NULL;
	BIGNUM *n = NULL, *mine;
	struct sg_error err;

	(void)state;
	assert_int_equal(cdev_keymat_new(k->key, &m, &err), SG_OK);
	assert_int_equal(m->k, 256);
	assert_int_equal(m->bits, 2048);
	assert_int_equal(EVP_PKEY_get_bn_param(k->ref, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	mine = bn_of(&m->n);
	assert_int_equal(BN_cmp(n, mine), 0);
	assert_int_equal(m->e.len, 3);
	assert_memory_equal(m->e.data, "\x01\x00\x01", 3);
	assert_int_equal(EVP_PKEY_get_bits(m->pub), 2048);
	assert_true(cdev_keymat_orphan(m));
	cdev_keymat_ref(m);
	assert_false(cdev_keymat_orphan(m));
	cdev_keymat_unref(m);
	assert_true(cdev_keymat_orphan(m));
	cdev_keymat_release(m);			/* the last reference: freed (ASan) */
	BN_free(n);
	BN_free(mine);
	assert_int_equal(cdev_keymat_new(bs_key_get(4, 0)->key, &m, &err), SG_E_KEY);
	assert_null(m);
}

static void test_crt_numbers(void **state)
{
	(void)state;
	for (size_t size = 0; size < 4; size++) {
		struct bs_key *k = bs_key_get(size, 1);
		BIGNUM *n = NULL, *d = NULL, *p, *q, *dp, *qinv, *t = BN_new(), *pm1 = BN_new();
		BN_CTX *bn = BN_CTX_new();
		struct cdev_crt crt;
		struct sg_error err;

		assert_int_equal(cdev_crt_get(k->key, &crt, &err), SG_OK);
		assert_int_equal(EVP_PKEY_get_bn_param(k->ref, OSSL_PKEY_PARAM_RSA_N, &n), 1);
		assert_int_equal(EVP_PKEY_get_bn_param(k->ref, OSSL_PKEY_PARAM_RSA_D, &d), 1);
		p = bn_of(&crt.p);
		q = bn_of(&crt.q);
		dp = bn_of(&crt.dp);
		qinv = bn_of(&crt.qinv);
		assert_int_equal(BN_mul(t, p, q, bn), 1);
		assert_int_equal(BN_cmp(t, n), 0);
		assert_int_equal(BN_mod_mul(t, q, qinv, p, bn), 1);
		assert_true(BN_is_one(t));
		assert_non_null(BN_copy(pm1, p));
		assert_int_equal(BN_sub_word(pm1, 1), 1);
		assert_int_equal(BN_mod(t, d, pm1, bn), 1);
		assert_int_equal(BN_cmp(t, dp), 0);
		assert_true(crt.dq.len > 0 && crt.dq.len <= k->bits / 8);
		cdev_crt_wipe(&crt);
		assert_null(crt.buf);
		assert_null(crt.p.data);
		BN_free(n);
		BN_clear_free(d);
		BN_free(p);
		BN_free(q);
		BN_free(dp);
		BN_free(qinv);
		BN_free(t);
		BN_free(pm1);
		BN_CTX_free(bn);
	}
}

static void test_crt_refused_for_ed25519(void **state)
{
	struct cdev_crt crt;
	struct sg_error err;

	(void)state;
	sg_error_clear(&err);
	assert_int_equal(cdev_crt_get(bs_key_get(4, 0)->key, &crt, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "no usable CRT number"));
	assert_null(crt.buf);
}

static void test_verify(void **state)
{
	struct bs_key *k = bs_key_get(0, 0);
	struct cdev_keymat *m = NULL;
	EVP_PKEY_CTX *ctx = NULL, *ctx1 = NULL;
	uint8_t digest[32], sig[SG_SIG_MAX];
	struct sg_error err;
	size_t len;

	(void)state;
	assert_int_equal(cdev_keymat_new(k->key, &m, &err), SG_OK);
	random_digest(digest, sizeof(digest));
	len = bs_ref_sign(k, SG_ALG_RSA_SHA256, digest, 32, sig);
	assert_true(cdev_keymat_verify(m, &ctx, SG_ALG_RSA_SHA256, digest, 32, sig, len));
	assert_non_null(ctx);
	assert_true(cdev_keymat_verify(m, &ctx, SG_ALG_RSA_SHA256, digest, 32, sig, len));
	assert_false(cdev_keymat_verify(m, &ctx, SG_ALG_RSA_SHA256, digest, 32, sig, len - 1));
	sig[len / 2] ^= 0x01;
	assert_false(cdev_keymat_verify(m, &ctx, SG_ALG_RSA_SHA256, digest, 32, sig, len));
	sig[len / 2] ^= 0x01;
	assert_true(cdev_keymat_verify(m, &ctx, SG_ALG_RSA_SHA256, digest, 32, sig, len));
	assert_false(cdev_keymat_verify(m, &ctx1, SG_ALG_RSA_SHA1, digest, 20, sig, len));
	assert_false(cdev_keymat_verify(m, &ctx1, SG_ALG_ED25519_SHA256, digest, 32, sig, len));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(ctx1);
	cdev_keymat_unref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emsa_is_what_openssl_signs),
		cmocka_unit_test(test_emsa_refusals),
		cmocka_unit_test(test_digest_info),
		cmocka_unit_test(test_keymat_public_part),
		cmocka_unit_test(test_crt_numbers),
		cmocka_unit_test(test_crt_refused_for_ed25519),
		cmocka_unit_test(test_verify),
	};
	int rc;

	bs_rng_state = bs_seed();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	bs_keys_free();
	return rc;
}
