/*
 * NAME
 *   backend_evp.h - the OpenSSL EVP signing backend and its two variants
 *
 * SUMMARY
 *   sg_backend_evp_ops ("evp"): signs with the key's own EVP_PKEY through
 *   sg_privkey_sign, synchronously (every job completes inside submit).
 *   sg_backend_engine_ops ("engine:ID"): RSA through the RSA method of the
 *   OpenSSL ENGINE named ID (e.g. Intel's qatengine, pkcs11).
 *   sg_backend_provider_ops ("provider:NAME"): RSA (and Ed25519 when NAME
 *   offers it) through the OpenSSL provider NAME, loaded into a library
 *   context of the instance's own.
 *   What a variant cannot sign itself is signed like "evp" and counted in
 *   stats.delegated. See backend_evp.c and docs/backends.md.
 */
#ifndef SIGNET_CRYPTO_BACKEND_EVP_H
#define SIGNET_CRYPTO_BACKEND_EVP_H

#include "backend.h"

extern const struct sg_backend_ops sg_backend_evp_ops;
extern const struct sg_backend_ops sg_backend_engine_ops;
extern const struct sg_backend_ops sg_backend_provider_ops;

#endif
