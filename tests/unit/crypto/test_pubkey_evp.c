/*
 * NAME
 *   test_pubkey_evp.c - unit tests for crypto/pubkey_evp.c
 *
 * SUMMARY
 *   The RFC 6376 A.2 and RFC 8463 A.3 signatures verify with the published
 *   p= values; a key published as bare PKCS#1 RSAPublicKey (dkimpy) and as
 *   SubjectPublicKeyInfo both verify, with key_bits; sign/verify round
 *   trips for every algorithm; every kind of wrong signature gives
 *   BAD_SIGNATURE; wrong-type, wrong-length, truncated, padded and random
 *   key bytes give BAD_KEY; a sweep of every truncation and single-byte
 *   change of a real key never crashes and never verifies; a 512-bit key
 *   still verifies and reports its size (refusing it is policy).
 */
#include "testutil.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "keyfiles.h"
#include "rfc_vectors.h"
#include "key.h"
#include "pubkey_evp.h"

struct vec {
	uint8_t key[SG_PUBKEY_MAX];
	size_t key_len;
	uint8_t digest[32];
	size_t digest_len;
	uint8_t sig[SG_SIG_MAX];
	size_t sig_len;
};

static enum sg_verify_status check(enum sg_alg alg, const struct vec *v, unsigned *bits)
{
	*bits = 12345;
	return sg_pubkey_evp()->verify(sg_pubkey_evp()->env, alg, v->key, v->key_len, v->digest,
				       v->digest_len, v->sig, v->sig_len, bits);
}

static void sha(const char *md, const char *text, struct vec *v)
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(text, strlen(text), v->digest, &n, EVP_get_digestbyname(md),
				    NULL), 1);
	v->digest_len = n;
}

static void published_key(const char *file, const char *name, struct vec *v)
{
	char *p = kf_record_p(file, name);

	v->key_len = kf_unb64(p, v->key, sizeof(v->key));
	free(p);
}

static void test_rfc_vectors_verify(void **state)
{
	struct vec v;
	unsigned bits;

	(void)state;
	published_key(RFC6376_C_RECORD, &v);
	sha("SHA256", RFC6376_A2_HEADERS, &v);
	v.sig_len = kf_unb64(RFC6376_A2_B, v.sig, sizeof(v.sig));
	assert_int_equal(check(SG_ALG_RSA_SHA256, &v, &bits), SG_VERIFY_OK);
	assert_int_equal(bits, 1024);
	/* The same signature is not an rsa-sha1 signature. */
	v.digest_len = 20;
	assert_int_equal(check(SG_ALG_RSA_SHA1, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
	assert_int_equal(bits, 1024);

	v.key_len = kf_unb64(RFC8463_ED25519_PUB, v.key, sizeof(v.key));
	sha("SHA256", RFC8463_A3_HEADERS, &v);
	v.sig_len = kf_unb64(RFC8463_A3_B, v.sig, sizeof(v.sig));
	assert_int_equal(check(SG_ALG_ED25519_SHA256, &v, &bits), SG_VERIFY_OK);
	assert_int_equal(bits, 256);
	/* Ed25519 signs the digest itself: a digest of other text fails. */
	sha("SHA256", RFC6376_A2_HEADERS, &v);
	assert_int_equal(check(SG_ALG_ED25519_SHA256, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
}

/* Signs v->digest with the testdata key rel. */
static void sign_vec(const char *rel, enum sg_alg alg, struct vec *v)
{
	struct sg_privkey *k = kf_load_testdata(rel);
	struct sg_error err;

	if (sg_privkey_sign(k, alg, v->digest, v->digest_len, v->sig, sizeof(v->sig), &v->sig_len,
			    &err) != SG_OK)
		fail_msg("%s: %s", rel, err.msg);
	sg_privkey_free(k);
}

static void test_bare_pkcs1_and_spki_keys(void **state)
{
	struct vec v;
	unsigned bits;

	(void)state;
	sha("SHA256", "message", &v);
	sign_vec("dkimpy/data/2048_testkey.key", SG_ALG_RSA_SHA256, &v);
	published_key("dkimpy/data/2048_testkey_wo_markers.pub.rsa.txt", NULL, &v);
	assert_int_equal(v.key_len, 270);	/* RSAPublicKey, no AlgorithmIdentifier */
	assert_int_equal(check(SG_ALG_RSA_SHA256, &v, &bits), SG_VERIFY_OK);
	assert_int_equal(bits, 2048);
	published_key("dkimpy/data/2048_testkey_wo_markers.pub.txt", NULL, &v);
	assert_int_equal(v.key_len, 294);	/* SubjectPublicKeyInfo */
	assert_int_equal(check(SG_ALG_RSA_SHA256, &v, &bits), SG_VERIFY_OK);
	/* Another key's record: parses, does not verify. */
	published_key("dkimpy/data/2048_testkey_PKCS8.key.pub.txt", NULL, &v);
	assert_int_equal(check(SG_ALG_RSA_SHA256, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
	assert_int_equal(bits, 2048);
}

static void round_trip(const char *rel, enum sg_alg alg, const char *md)
{
	struct sg_privkey *k = kf_load_testdata(rel);
	struct sg_error err;
	struct vec v;
	unsigned bits;

	sha(md, "round trip", &v);
	assert_int_equal(sg_privkey_sign(k, alg, v.digest, v.digest_len, v.sig, sizeof(v.sig),
					 &v.sig_len, &err), SG_OK);
	assert_int_equal(sg_privkey_public(k, v.key, sizeof(v.key), &v.key_len, &err), SG_OK);
	assert_int_equal(check(alg, &v, &bits), SG_VERIFY_OK);
	assert_int_equal(bits, sg_privkey_bits(k));

	v.sig[v.sig_len / 2] ^= 0x01;		/* one flipped bit */
	assert_int_equal(check(alg, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
	v.sig[v.sig_len / 2] ^= 0x01;
	v.digest[0] ^= 0x80;			/* other digest */
	assert_int_equal(check(alg, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
	v.digest[0] ^= 0x80;
	v.digest_len--;				/* wrong digest length */
	assert_int_equal(check(alg, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
	v.digest_len++;
	v.sig_len--;				/* truncated signature */
	assert_int_equal(check(alg, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
	v.sig_len++;
	v.sig[v.sig_len++] = 0;			/* one byte appended */
	assert_int_equal(check(alg, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
	v.sig_len--;
	assert_int_equal(check(alg, &v, &bits), SG_VERIFY_OK);	/* restored */
	v.sig_len = 0;				/* empty signature */
	assert_int_equal(check(alg, &v, &bits), SG_VERIFY_BAD_SIGNATURE);
	sg_privkey_free(k);
}

static void test_round_trips(void **state)
{
	(void)state;
	round_trip("dkimpy/data/1024_testkey.key", SG_ALG_RSA_SHA1, "SHA1");
	round_trip("dkimpy/data/1024_testkey.key", SG_ALG_RSA_SHA256, "SHA256");
	round_trip("dkimpy/data/2048_testkey_PKCS8.key", SG_ALG_RSA_SHA256, "SHA256");
	round_trip("dkimpy/data/ed25519test.key", SG_ALG_ED25519_SHA256, "SHA256");
	round_trip("mail-dkim/test.ed.key", SG_ALG_ED25519_SHA256, "SHA256");
}

/* A verifiable rsa-sha256 vector from the RFC 6376 example. */
static void rfc6376_vec(struct vec *v)
{
	published_key(RFC6376_C_RECORD, v);
	sha("SHA256", RFC6376_A2_HEADERS, v);
	v->sig_len = kf_unb64(RFC6376_A2_B, v->sig, sizeof(v->sig));
}

static void expect_bad_key(enum sg_alg alg, const struct vec *v)
{
	unsigned bits;

	assert_int_equal(check(alg, v, &bits), SG_VERIFY_BAD_KEY);
	assert_int_equal(bits, 0);
}

static void test_bad_keys(void **state)
{
	struct vec v, ed;
	unsigned bits;

	(void)state;
	rfc6376_vec(&v);
	ed = v;
	ed.key_len = kf_unb64(RFC8463_ED25519_PUB, ed.key, sizeof(ed.key));

	expect_bad_key(SG_ALG_RSA_SHA256, &ed);		/* Ed25519 key, RSA algorithm */
	expect_bad_key(SG_ALG_RSA_SHA1, &ed);
	expect_bad_key(SG_ALG_ED25519_SHA256, &v);	/* RSA key, Ed25519 algorithm */
	ed.key_len = 31;
	expect_bad_key(SG_ALG_ED25519_SHA256, &ed);
	ed.key_len = 33;
	expect_bad_key(SG_ALG_ED25519_SHA256, &ed);
	/* Ed25519 as SubjectPublicKeyInfo (mail-dkim's "invalid" record). */
	ed.key_len = kf_unb64("MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE=",
			      ed.key, sizeof(ed.key));
	expect_bad_key(SG_ALG_ED25519_SHA256, &ed);
	expect_bad_key(SG_ALG_RSA_SHA256, &ed);		/* an SPKI, but not RSA */

	v.key_len--;					/* truncated DER */
	expect_bad_key(SG_ALG_RSA_SHA256, &v);
	v.key[v.key_len++] = 0x02;
	v.key[v.key_len++] = 0x00;			/* one byte of trailing junk */
	expect_bad_key(SG_ALG_RSA_SHA256, &v);
	v.key_len = 0;
	expect_bad_key(SG_ALG_RSA_SHA256, &v);
	memcpy(v.key, "garbage key bytes", 17);
	v.key_len = 17;
	expect_bad_key(SG_ALG_RSA_SHA256, &v);
	v.key_len = SG_PUBKEY_MAX;
	memset(v.key, 0x30, v.key_len);
	expect_bad_key(SG_ALG_RSA_SHA256, &v);
	expect_bad_key((enum sg_alg)42, &v);
	assert_int_equal(sg_pubkey_evp()->verify(NULL, SG_ALG_RSA_SHA256, NULL, 0, v.digest, 32,
						 v.sig, 128, &bits), SG_VERIFY_BAD_KEY);
	/* key_bits may be NULL. */
	rfc6376_vec(&v);
	assert_int_equal(sg_pubkey_evp()->verify(NULL, SG_ALG_RSA_SHA256, v.key, v.key_len,
						 v.digest, 32, v.sig, v.sig_len, NULL),
			 SG_VERIFY_OK);
}

/* True when OpenSSL reads both DER blobs as the same RSA public key. */
static bool same_rsa_key(const struct vec *a, const struct vec *b)
{
	const unsigned char *pa = a->key, *pb = b->key;
	EVP_PKEY *ka = d2i_PUBKEY(NULL, &pa, (long)a->key_len);
	EVP_PKEY *kb = d2i_PUBKEY(NULL, &pb, (long)b->key_len);
	bool same = ka != NULL && kb != NULL && EVP_PKEY_eq(ka, kb) == 1;

	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	return same;
}

/*
 * Every truncation and every single-byte change of a real key: no crash,
 * and no success unless the change left the key itself alone: OpenSSL
 * ignores the rsaEncryption parameters, so changing the tag of their NULL
 * (byte 16) gives another zero-length value and the same n and e.
 */
#define PARAMS_TAG_OFFSET 16
static void test_key_mutation_sweep(void **state)
{
	static const uint8_t deltas[] = { 0x01, 0x80, 0xff };
	unsigned bits;
	struct vec v;

	(void)state;
	rfc6376_vec(&v);
	for (size_t len = 0; len < v.key_len; len++) {
		struct vec t = v;

		t.key_len = len;
		assert_int_not_equal(check(SG_ALG_RSA_SHA256, &t, &bits), SG_VERIFY_OK);
	}
	for (size_t i = 0; i < v.key_len; i++) {
		for (size_t d = 0; d < sizeof(deltas); d++) {
			struct vec t = v;

			t.key[i] ^= deltas[d];
			if (check(SG_ALG_RSA_SHA256, &t, &bits) != SG_VERIFY_OK)
				continue;
			if (i != PARAMS_TAG_OFFSET || !same_rsa_key(&v, &t))
				fail_msg("key byte %zu ^ 0x%02x still verifies", i, deltas[d]);
		}
	}
}

static void test_random_key_bytes(void **state)
{
	uint32_t x = 2463534242u;	/* xorshift32: the same bytes every run */
	struct vec v;
	unsigned bits;

	(void)state;
	rfc6376_vec(&v);
	for (int round = 0; round < 2000; round++) {
		v.key_len = (size_t)(round % 300);
		for (size_t i = 0; i < v.key_len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			v.key[i] = (uint8_t)x;
		}
		if (round % 2)
			v.key[0] = 0x30;	/* look like a DER SEQUENCE */
		assert_int_not_equal(check(SG_ALG_RSA_SHA256, &v, &bits), SG_VERIFY_OK);
		assert_int_not_equal(check(SG_ALG_ED25519_SHA256, &v, &bits), SG_VERIFY_OK);
	}
}

/* The 512-bit OpenDKIM key is refused for signing but verifies. */
static void test_small_key_reports_bits(void **state)
{
	char *pem = tu_read(tu_testdata("opendkim-libopendkim/opendkim-small-key.pem"), NULL);
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	EVP_PKEY_CTX *ctx;
	unsigned char *der = NULL;
	struct vec v;
	unsigned bits;
	int n;

	(void)state;
	assert_non_null(pkey);
	sha("SHA256", "small", &v);
	ctx = EVP_PKEY_CTX_new(pkey, NULL);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()), 1);
	v.sig_len = sizeof(v.sig);
	assert_int_equal(EVP_PKEY_sign(ctx, v.sig, &v.sig_len, v.digest, 32), 1);
	n = i2d_PUBKEY(pkey, &der);
	assert_true(n > 0);
	memcpy(v.key, der, (size_t)n);
	v.key_len = (size_t)n;
	assert_int_equal(check(SG_ALG_RSA_SHA256, &v, &bits), SG_VERIFY_OK);
	assert_int_equal(bits, 512);
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	free(pem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_vectors_verify),
		cmocka_unit_test(test_bare_pkcs1_and_spki_keys),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_key_mutation_sweep),
		cmocka_unit_test(test_random_key_bytes),
		cmocka_unit_test(test_small_key_reports_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
