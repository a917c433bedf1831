/*
 * NAME
 *   engine_raw.c - OpenSSL alone signing one SHA-256 digest with the run's
 *                  key: the RSA-2048 bound of one core without signet
 *
 * SUMMARY
 *   The key is read from its PEM text once (PEM_read_bio_PrivateKey), one
 *   EVP_PKEY_CTX is prepared for PKCS#1 v1.5 with SHA-256, and a step is
 *   one EVP_PKEY_sign. Nothing is in flight between steps.
 *
 * UNTRUSTED INPUT
 *   None: the key is the run's own.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "engine.h"

struct engine_raw {
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *ctx;
};

static const uint8_t raw_digest[32] = "signet-bench engine raw openssl";

struct engine_raw *engine_raw_new(const struct engine_setup *setup, char *why)
{
	struct engine_raw *r = calloc(1, sizeof(*r));
	BIO *mem = BIO_new_mem_buf(setup->key_pem, (int)setup->key_pem_len);
	bool ok = r != NULL && mem != NULL;

	if (ok)
		r->pkey = PEM_read_bio_PrivateKey(mem, NULL, NULL, NULL);
	if (ok && r->pkey != NULL)
		r->ctx = EVP_PKEY_CTX_new(r->pkey, NULL);
	ok = ok && r->ctx != NULL && EVP_PKEY_sign_init(r->ctx) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(r->ctx, RSA_PKCS1_PADDING) == 1 &&
	     EVP_PKEY_CTX_set_signature_md(r->ctx, EVP_sha256()) == 1;
	BIO_free(mem);
	if (!ok) {
		snprintf(why, ENGINE_WHY_MAX, "OpenSSL cannot sign with the key");
		engine_raw_free(r);
		return NULL;
	}
	return r;
}

void engine_raw_free(struct engine_raw *r)
{
	if (r == NULL)
		return;
	EVP_PKEY_CTX_free(r->ctx);
	EVP_PKEY_free(r->pkey);
	free(r);
}

static bool raw_step(void *ctx, struct engine_count *done, char *why)
{
	struct engine_raw *r = ctx;
	unsigned char sig[SG_SIG_MAX];
	size_t len = sizeof(sig);

	if (EVP_PKEY_sign(r->ctx, sig, &len, raw_digest, sizeof(raw_digest)) != 1) {
		snprintf(why, ENGINE_WHY_MAX, "EVP_PKEY_sign failed");
		return false;
	}
	done->msgs++;
	return true;
}

static bool raw_drain(void *ctx, struct engine_count *done, char *why)
{
	return true;
}

struct engine_signer engine_raw_signer(struct engine_raw *r)
{
	return (struct engine_signer){ r, raw_step, raw_drain };
}
