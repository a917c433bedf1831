/*
 * NAME
 *   backend_ifma.h - the ifma signing backend's ops table
 *
 * SUMMARY
 *   sg_backend_ifma_ops is the struct sg_backend_ops of the 8-lane AVX-512
 *   IFMA RSA backend (see backend.h). backend.c lists it in the registry
 *   and picks it for "auto" when its probe says yes; it must always be
 *   defined (its probe says no where the CPU lacks the instructions).
 *
 *   sg_backend_ifma_test_corrupt is for tests only: from the call on, the
 *   instance flips one bit of the signature computed in each lane set in
 *   lane_mask (bit l = lane l of a batch) before the public-key check, so
 *   the evp fallback path runs; 0 turns it off. It does nothing to an
 *   instance of another backend.
 */
#ifndef SIGNET_CRYPTO_BACKEND_IFMA_H
#define SIGNET_CRYPTO_BACKEND_IFMA_H

#include "backend.h"

extern const struct sg_backend_ops sg_backend_ifma_ops;

void sg_backend_ifma_test_corrupt(struct sg_backend *b, unsigned lane_mask);

#endif
