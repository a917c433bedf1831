/*
 * NAME
 *   backend_ifma.h - the ifma signing backend's ops table
 *
 * SUMMARY
 *   sg_backend_ifma_ops is the struct sg_backend_ops of the 8-lane AVX-512
 *   IFMA RSA backend (see backend.h). backend.c lists it in the registry
 *   and picks it for "auto" when its probe says yes; it must always be
 *   defined (its probe says no where the CPU lacks the instructions).
 */
#ifndef SIGNET_CRYPTO_BACKEND_IFMA_H
#define SIGNET_CRYPTO_BACKEND_IFMA_H

#include "backend.h"

extern const struct sg_backend_ops sg_backend_ifma_ops;

#endif
