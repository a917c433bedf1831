/*
 * NAME
 *   backend_evp_load.h - ENGINE and provider loading for the evp backend
 *
 * SUMMARY
 *   Private to backend_evp.c (see backend_evp_load.c). Every function that
 *   can fail leaves a one-line reason in why (cap bytes) without the
 *   "engine:ID: " / "provider:NAME: " prefix, which the caller adds.
 *   struct evp_provider is all-zero when unused; evp_provider_stop accepts
 *   that and a half-started one.
 */
#ifndef SIGNET_CRYPTO_BACKEND_EVP_LOAD_H
#define SIGNET_CRYPTO_BACKEND_EVP_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/evp.h>

#include "status.h"

#define VARIANT_ARG_MAX 48		/* bytes of ID / NAME, with the NUL */

struct evp_provider {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *provider, *fallback;	/* NAME, and "default" beside it */
	char propq[VARIANT_ARG_MAX + 16];	/* "?provider=NAME" */
	bool own_ed25519;			/* NAME signs Ed25519 itself */
};

void evp_say(char *why, size_t cap, const char *fmt, ...) SG_PRINTF(3, 4);

ENGINE *evp_engine_start(const char *id, char *why, size_t cap);
void evp_engine_stop(ENGINE *eng);
EVP_PKEY *evp_engine_rsa_copy(ENGINE *eng, const OSSL_PARAM *params);

bool evp_provider_start(struct evp_provider *p, const char *name, char *why, size_t cap);
void evp_provider_stop(struct evp_provider *p);
EVP_PKEY *evp_provider_import(const struct evp_provider *p, const char *type,
			      const OSSL_PARAM *params);

#endif
