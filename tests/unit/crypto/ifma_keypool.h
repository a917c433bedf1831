/*
 * NAME
 *   ifma_keypool.h - generated RSA keys and reference signatures for the
 *                    ifma backend tests
 *
 * SUMMARY
 *   kp_generate(pool) fills a struct kp_pool with fresh RSA keys of the
 *   three class sizes (KP_2048 / KP_3072 / KP_4096 of each; generating
 *   4096-bit keys takes about a second each, so the counts are small and
 *   tests reuse keys in different lanes and orders); kp_free releases
 *   them. kp_digest fills a random digest for an algorithm; kp_reference
 *   signs with sg_privkey_sign (OpenSSL EVP), the bytes every backend must
 *   reproduce. Header-only, for the test files that include it.
 */
#ifndef SIGNET_TEST_IFMA_KEYPOOL_H
#define SIGNET_TEST_IFMA_KEYPOOL_H

#include <openssl/rand.h>

#include "key.h"

#define KP_2048 8
#define KP_3072 4
#define KP_4096 3

struct kp_pool {
	struct sg_privkey *k2048[KP_2048];
	struct sg_privkey *k3072[KP_3072];
	struct sg_privkey *k4096[KP_4096];
};

static inline struct sg_privkey *kp_new_rsa(unsigned bits)
{
	struct sg_privkey *k = NULL;
	struct sg_error err;

	if (sg_privkey_generate(SG_KEY_RSA, bits, &k, &err) != SG_OK)
		fail_msg("generate RSA-%u: %s", bits, err.msg);
	return k;
}

static inline void kp_generate(struct kp_pool *p)
{
	for (int i = 0; i < KP_2048; i++)
		p->k2048[i] = kp_new_rsa(2048);
	for (int i = 0; i < KP_3072; i++)
		p->k3072[i] = kp_new_rsa(3072);
	for (int i = 0; i < KP_4096; i++)
		p->k4096[i] = kp_new_rsa(4096);
}

static inline void kp_free(struct kp_pool *p)
{
	for (int i = 0; i < KP_2048; i++)
		sg_privkey_free(p->k2048[i]);
	for (int i = 0; i < KP_3072; i++)
		sg_privkey_free(p->k3072[i]);
	for (int i = 0; i < KP_4096; i++)
		sg_privkey_free(p->k4096[i]);
}

/* Key i (taken modulo the count) of a class size. */
static inline struct sg_privkey *kp_key(const struct kp_pool *p, unsigned bits, unsigned i)
{
	if (bits == 2048)
		return p->k2048[i % KP_2048];
	if (bits == 3072)
		return p->k3072[i % KP_3072];
	return p->k4096[i % KP_4096];
}

static inline size_t kp_digest(enum sg_alg alg, uint8_t *d)
{
	size_t n = alg == SG_ALG_RSA_SHA1 ? 20 : 32;

	assert_int_equal(RAND_bytes(d, (int)n), 1);
	return n;
}

static inline size_t kp_reference(const struct sg_privkey *k, enum sg_alg alg, const uint8_t *d,
				  size_t dlen, uint8_t *sig)
{
	struct sg_error err;
	size_t n = 0;

	if (sg_privkey_sign(k, alg, d, dlen, sig, SG_SIG_MAX, &n, &err) != SG_OK)
		fail_msg("reference signature: %s", err.msg);
	return n;
}

#endif
