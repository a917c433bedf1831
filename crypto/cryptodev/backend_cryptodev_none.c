/*
 * NAME
 *   backend_cryptodev_none.c - the "cryptodev" backend in a build without
 *                              DPDK: present, never available
 *
 * SUMMARY
 *   meson builds this file instead of backend_cryptodev.c when libdpdk is
 *   not found. The ops table exists so that backend.c can list the kind;
 *   its probe says "built without DPDK" and create refuses with the same
 *   reason. The other calls of backend_cryptodev.h do nothing.
 */

/* System library. */
#include <stdio.h>

/* Crypto layer. */
#include "backend_cryptodev.h"

#define WHY "built without DPDK (install libdpdk-dev and reconfigure)"

static bool none_probe(const char *arg, char *why, size_t why_cap)
{
	(void)arg;
	snprintf(why, why_cap, "%s", WHY);
	return false;
}

static enum sg_err none_create(const char *arg, struct sg_backend **out, struct sg_error *err)
{
	(void)arg;
	*out = NULL;
	return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0, "cryptodev: %s", WHY);
}

static size_t none_capacity(const struct sg_backend *b)
{
	(void)b;
	return 0;
}

enum sg_err sg_cryptodev_eal_start(const char *arg, struct sg_error *err)
{
	(void)arg;
	return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0, "cryptodev: %s", WHY);
}

bool sg_cryptodev_info(const struct sg_backend *b, struct sg_cryptodev_info *out)
{
	(void)b;
	(void)out;
	return false;
}

void sg_cryptodev_inject_faults(struct sg_backend *b, unsigned bad_answers,
				unsigned bad_requests)
{
	(void)b;
	(void)bad_answers;
	(void)bad_requests;
}

const struct sg_backend_ops sg_backend_cryptodev_ops = {
	.name = "cryptodev",
	.probe = none_probe,
	.create = none_create,
	.capacity = none_capacity,
};
