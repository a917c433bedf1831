/*
 * NAME
 *   test_ifma_rsa.c - unit tests for crypto/ifma/ifma_rsa.c
 *
 * SUMMARY
 *   Encoding (every CPU): ifma_emsa_pkcs1 equals the EM that OpenSSL's
 *   signature opens to under the public key (RSA_NO_PADDING), for SHA-1
 *   and SHA-256 and the three class sizes; refusals (Ed25519, wrong digest
 *   length, modulus one byte too short, NULL) and the shortest k allowed.
 *   Batches (CPUs with AVX-512 IFMA, else skipped): eight lanes of
 *   distinct keys, random digests and mixed algorithms give byte for byte
 *   what OpenSSL gives, for every class and several lane orders; a batch
 *   of one key in all lanes; digests of all zeros and all ones. The
 *   workspace is reused across batches and classes. The RSA-2048 public
 *   check accepts real signatures under e = 65537, 3 and 2^32 + 1 in one
 *   batch and refuses a flipped signature bit, a changed message and a
 *   signature of the right residue that is not below n.
 */
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "ifma_keypool.h"
#include "ifma_rsa.h"
#include "key_internal.h"

static const unsigned class_bits[] = { 2048, 3072, 4096 };

struct fixture {
	struct kp_pool pool;
	struct ifma_rsa_work *work;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	kp_generate(&f->pool);
	f->work = ifma_rsa_work_new();
	assert_non_null(f->work);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kp_free(&f->pool);
	ifma_rsa_work_free(f->work);
	free(f);
	return 0;
}

/* What a signature opens to with the public key and no padding check. */
static size_t open_signature(const struct sg_privkey *k, const uint8_t *sig, size_t len,
			     uint8_t *em)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
	size_t n = SG_SIG_MAX;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING), 1);
	assert_int_equal(EVP_PKEY_verify_recover(ctx, em, &n, sig, len), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

static void test_emsa_matches_openssl(void **state)
{
	struct fixture *f = *state;
	const enum sg_alg algs[] = { SG_ALG_RSA_SHA1, SG_ALG_RSA_SHA256 };

	for (size_t c = 0; c < 3; c++) {
		for (size_t a = 0; a < 2; a++) {
			struct sg_privkey *k = kp_key(&f->pool, class_bits[c], 0);
			uint8_t d[32], sig[SG_SIG_MAX], want[SG_SIG_MAX], em[SG_SIG_MAX];
			size_t dlen = kp_digest(algs[a], d), k_bytes = class_bits[c] / 8;
			size_t slen = kp_reference(k, algs[a], d, dlen, sig);

			assert_int_equal(slen, k_bytes);
			assert_int_equal(open_signature(k, sig, slen, want), k_bytes);
			assert_true(ifma_emsa_pkcs1(algs[a], d, dlen, em, k_bytes));
			assert_memory_equal(em, want, k_bytes);
		}
	}
}

static void test_emsa_refuses(void **state)
{
	uint8_t d[32] = { 0 }, em[SG_SIG_MAX];

	(void)state;
	assert_false(ifma_emsa_pkcs1(SG_ALG_ED25519_SHA256, d, 32, em, 256));
	assert_false(ifma_emsa_pkcs1(SG_ALG_RSA_SHA256, d, 20, em, 256));
	assert_false(ifma_emsa_pkcs1(SG_ALG_RSA_SHA1, d, 32, em, 256));
	assert_false(ifma_emsa_pkcs1((enum sg_alg)77, d, 32, em, 256));
	assert_false(ifma_emsa_pkcs1(SG_ALG_RSA_SHA256, NULL, 32, em, 256));
	assert_false(ifma_emsa_pkcs1(SG_ALG_RSA_SHA256, d, 32, NULL, 256));
	/* SHA-256: T is 19 + 32 = 51 bytes, so k >= 62 (eight FF bytes). */
	assert_false(ifma_emsa_pkcs1(SG_ALG_RSA_SHA256, d, 32, em, 61));
	memset(em, 0x5a, sizeof(em));
	assert_true(ifma_emsa_pkcs1(SG_ALG_RSA_SHA256, d, 32, em, 62));
	assert_int_equal(em[0], 0x00);
	assert_int_equal(em[1], 0x01);
	for (int i = 2; i < 10; i++)
		assert_int_equal(em[i], 0xff);
	assert_int_equal(em[10], 0x00);
	assert_int_equal(em[11], 0x30);
	assert_int_equal(em[62], 0x5a);		/* nothing written past k */
	/* SHA-1: T is 15 + 20 = 35 bytes, k >= 46. */
	assert_false(ifma_emsa_pkcs1(SG_ALG_RSA_SHA1, d, 20, em, 45));
	assert_true(ifma_emsa_pkcs1(SG_ALG_RSA_SHA1, d, 20, em, 46));
}

#define SKIP_WITHOUT_IFMA()                                                                  \
	do {                                                                                 \
		if (!ifma_cpu_supported())                                                   \
			skip();                                                              \
	} while (0)

/* Signs one batch: lane l gets key keys[l] and digest d[l]; compares. */
static void batch_and_compare(struct ifma_rsa_work *w, struct sg_privkey *const keys[IFMA_LANES],
			      const enum sg_alg alg[IFMA_LANES],
			      uint8_t d[IFMA_LANES][32], const size_t dlen[IFMA_LANES])
{
	struct ifma_key_prep *prep[IFMA_LANES];
	const struct ifma_key_prep *cprep[IFMA_LANES];
	uint8_t em[IFMA_LANES][SG_SIG_MAX], sig[IFMA_LANES][SG_SIG_MAX], want[SG_SIG_MAX];
	const uint8_t *em_p[IFMA_LANES];
	uint8_t *sig_p[IFMA_LANES];
	size_t k = sg_privkey_bits(keys[0]) / 8;
	struct sg_error err;

	for (unsigned l = 0; l < IFMA_LANES; l++) {
		if (ifma_key_prep_new(keys[l], &prep[l], &err) != SG_OK)
			fail_msg("prep: %s", err.msg);
		cprep[l] = prep[l];
		assert_true(ifma_emsa_pkcs1(alg[l], d[l], dlen[l], em[l], k));
		em_p[l] = em[l];
		sig_p[l] = sig[l];
	}
	ifma_rsa_sign_batch(w, &ifma_rsa_arith_native, cprep, em_p, sig_p);
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		assert_int_equal(kp_reference(keys[l], alg[l], d[l], dlen[l], want), k);
		if (memcmp(sig[l], want, k) != 0)
			fail_msg("RSA-%zu lane %u differs from OpenSSL", k * 8, l);
		ifma_key_prep_free(prep[l]);
	}
}

static void test_batch_matches_openssl(void **state)
{
	struct fixture *f = *state;
	struct sg_privkey *keys[IFMA_LANES];
	enum sg_alg alg[IFMA_LANES];
	uint8_t d[IFMA_LANES][32];
	size_t dlen[IFMA_LANES];

	SKIP_WITHOUT_IFMA();
	for (size_t c = 0; c < 3; c++) {
		for (unsigned round = 0; round < 4; round++) {
			for (unsigned l = 0; l < IFMA_LANES; l++) {
				keys[l] = kp_key(&f->pool, class_bits[c], l * (round + 1) + round);
				alg[l] = (l + round) % 2 ? SG_ALG_RSA_SHA1 : SG_ALG_RSA_SHA256;
				dlen[l] = kp_digest(alg[l], d[l]);
			}
			batch_and_compare(f->work, keys, alg, d, dlen);
		}
	}
}

static void test_batch_one_key_everywhere(void **state)
{
	struct fixture *f = *state;
	struct sg_privkey *keys[IFMA_LANES];
	enum sg_alg alg[IFMA_LANES];
	uint8_t d[IFMA_LANES][32];
	size_t dlen[IFMA_LANES];

	SKIP_WITHOUT_IFMA();
	for (size_t c = 0; c < 3; c++) {
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			keys[l] = kp_key(&f->pool, class_bits[c], 1);
			alg[l] = SG_ALG_RSA_SHA256;
			dlen[l] = 32;
			/* all zeros, all ones, then the same random digest twice */
			memset(d[l], l == 0 ? 0x00 : 0xff, 32);
		}
		kp_digest(SG_ALG_RSA_SHA256, d[2]);
		memcpy(d[3], d[2], 32);
		batch_and_compare(f->work, keys, alg, d, dlen);
	}
}

static struct sg_privkey *rsa2048_with_e(const char *e_dec)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *e = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	struct sg_privkey *k = NULL;
	struct sg_error err;
	char *pem;
	long len;

	assert_true(BN_dec2bn(&e, e_dec) > 0);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &pkey), 1);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &pem);
	if (sg_privkey_load_mem(pem, (size_t)len, &k, &err) != SG_OK)
		fail_msg("load: %s", err.msg);
	BIO_free(bio);
	BN_free(e);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* Raw RSA public operation with OpenSSL: out = s^e mod n, k bytes. */
static BIGNUM *key_param(const struct sg_privkey *k, const char *name)
{
	BIGNUM *bn = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(k->pkey, name, &bn), 1);
	return bn;
}

/*
 * The check accepts real signatures (keys with e = 65537, 3 and 2^32 + 1
 * side by side, so lanes multiply at different bits) and refuses a
 * flipped bit, a wrong message, and s + n (same residue, but >= n).
 */
static void test_check_batch(void **state)
{
	struct fixture *f = *state;
	struct sg_privkey *odd_e[2] = { rsa2048_with_e("3"), rsa2048_with_e("4294967297") };
	struct sg_privkey *keys[IFMA_LANES];
	struct ifma_key_prep *prep[IFMA_LANES];
	const struct ifma_key_prep *cprep[IFMA_LANES];
	uint8_t em[IFMA_LANES][SG_SIG_MAX], sig[IFMA_LANES][SG_SIG_MAX], d[32];
	const uint8_t *em_p[IFMA_LANES], *sig_p[IFMA_LANES];
	BN_CTX *bn = BN_CTX_new();
	struct sg_error err;
	bool ok[IFMA_LANES];

	SKIP_WITHOUT_IFMA();
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		keys[l] = l == 3 ? odd_e[0] : l == 6 ? odd_e[1] : kp_key(&f->pool, 2048, l);
		if (ifma_key_prep_new(keys[l], &prep[l], &err) != SG_OK)
			fail_msg("prep: %s", err.msg);
		assert_true(prep[l]->has_pub);
		cprep[l] = prep[l];
		kp_digest(SG_ALG_RSA_SHA256, d);
		assert_true(ifma_emsa_pkcs1(SG_ALG_RSA_SHA256, d, 32, em[l], 256));
		assert_int_equal(kp_reference(keys[l], SG_ALG_RSA_SHA256, d, 32, sig[l]), 256);
		em_p[l] = em[l];
		sig_p[l] = sig[l];
	}
	assert_int_equal(prep[3]->pub.e, 3);
	assert_int_equal(prep[6]->pub.e, 4294967297ull);
	ifma_rsa_check_batch(f->work, cprep, em_p, sig_p, ok);
	for (unsigned l = 0; l < IFMA_LANES; l++)
		assert_true(ok[l]);
	/* Lane 1: one bit of the signature; lane 2: one bit of the message. */
	sig[1][100] ^= 0x10;
	em[2][255] ^= 0x01;
	/* Lane 5: s < 2^2048 - n, paired with its residue, then as s + n. */
	{
		BIGNUM *n = key_param(keys[5], "n"), *e = key_param(keys[5], "e");
		BIGNUM *gap = BN_new(), *x = BN_new(), *r = BN_new();

		assert_int_equal(BN_set_bit(gap, 2048), 1);
		assert_int_equal(BN_sub(gap, gap, n), 1);
		assert_int_equal(BN_rand_range(x, gap), 1);
		assert_int_equal(BN_mod_exp(r, x, e, n, bn), 1);
		assert_int_equal(BN_bn2binpad(r, em[5], 256), 256);
		assert_int_equal(BN_bn2binpad(x, sig[5], 256), 256);
		ifma_rsa_check_batch(f->work, cprep, em_p, sig_p, ok);
		assert_true(ok[5]);
		assert_int_equal(BN_add(x, x, n), 1);
		assert_int_equal(BN_bn2binpad(x, sig[5], 256), 256);
		BN_free(n), BN_free(e), BN_free(gap), BN_free(x), BN_free(r);
	}
	ifma_rsa_check_batch(f->work, cprep, em_p, sig_p, ok);
	for (unsigned l = 0; l < IFMA_LANES; l++)
		assert_int_equal(ok[l], l != 1 && l != 2 && l != 5);
	for (unsigned l = 0; l < IFMA_LANES; l++)
		ifma_key_prep_free(prep[l]);
	sg_privkey_free(odd_e[0]);
	sg_privkey_free(odd_e[1]);
	BN_CTX_free(bn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emsa_matches_openssl),
		cmocka_unit_test(test_emsa_refuses),
		cmocka_unit_test(test_batch_matches_openssl),
		cmocka_unit_test(test_batch_one_key_everywhere),
		cmocka_unit_test(test_check_batch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
