/*
 * NAME
 *   pubkey_evp.h - struct sg_pubkey_ops backed by OpenSSL EVP
 *
 * SUMMARY
 *   Reads the p= bytes of a key record (RSA: DER SubjectPublicKeyInfo or a
 *   bare PKCS#1 RSAPublicKey; Ed25519: 32 raw bytes) and verifies an RSA
 *   PKCS#1 v1.5 signature over a SHA-1/SHA-256 digest, or an Ed25519
 *   signature whose message is the SHA-256 digest (RFC 8463 3). A key whose
 *   type does not match the algorithm, or that does not parse, gives
 *   SG_VERIFY_BAD_KEY.
 *
 * UNTRUSTED INPUT
 *   Key bytes and signature bytes from DNS and the message.
 */
#ifndef SIGNET_CRYPTO_PUBKEY_EVP_H
#define SIGNET_CRYPTO_PUBKEY_EVP_H

#include "verifier.h"

const struct sg_pubkey_ops *sg_pubkey_evp(void);

#endif
