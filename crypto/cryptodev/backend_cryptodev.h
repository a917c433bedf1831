/*
 * NAME
 *   backend_cryptodev.h - the DPDK cryptodev signing backend's ops table
 *
 * SUMMARY
 *   sg_backend_cryptodev_ops is the struct sg_backend_ops of the DPDK
 *   cryptodev RSA backend (see backend.h). backend.c lists it in the
 *   registry; it must always be defined, also in builds without DPDK
 *   (where its probe says no and names the reason).
 */
#ifndef SIGNET_CRYPTO_BACKEND_CRYPTODEV_H
#define SIGNET_CRYPTO_BACKEND_CRYPTODEV_H

#include "backend.h"

extern const struct sg_backend_ops sg_backend_cryptodev_ops;

#endif
