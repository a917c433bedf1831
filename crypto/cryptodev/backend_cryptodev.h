/*
 * NAME
 *   backend_cryptodev.h - the DPDK cryptodev signing backend's ops table,
 *                         its state report and its test hook
 *
 * SUMMARY
 *   sg_backend_cryptodev_ops is the struct sg_backend_ops of the DPDK
 *   cryptodev RSA backend (see backend.h and docs/cryptodev.md). backend.c
 *   lists it in the registry; it is always defined, also in builds without
 *   DPDK (where its probe says "built without DPDK").
 *
 *   Spec: "cryptodev" or "cryptodev:OPT,OPT,...", options in
 *   cryptodev_opts.h (dev=, vdev=, qp=, burst=, sessions=, pad=, eal=).
 *
 *   The DPDK EAL is process-global: the first instance opened in a
 *   process that has not started it starts it (the `signet` tool case),
 *   with --no-huge --no-shconf --no-pci --no-telemetry
 *   --vdev=crypto_openssl -l <current CPU> --log-level=error unless eal=
 *   says otherwise; in a process that started it already (a daemon that
 *   called rte_eal_init, or sg_cryptodev_eal_start, before its threads)
 *   instances only look for a device. It is never stopped: DPDK 22.11
 *   cannot start it again after rte_eal_cleanup, so it lives until exit.
 *   Each instance claims a queue pair of its own (see cryptodev_port.h).
 *
 *   sg_cryptodev_eal_start starts the EAL as the first instance would, for
 *   a program that wants it up before it starts threads (arg as after
 *   "cryptodev:"); SG_OK when it was running already.
 *   sg_cryptodev_info reports where an instance runs and its counters;
 *   false when b is not a cryptodev instance.
 *   sg_cryptodev_inject_faults is a test hook: the next bad_answers
 *   signatures the device returns are corrupted (one bit flipped) before
 *   the public-key check, which must catch them; the next bad_requests
 *   jobs are sent with a message one byte short, which the device should
 *   fail or refuse. Either way evp signs them again (stats.fallbacks).
 */
#ifndef SIGNET_CRYPTO_BACKEND_CRYPTODEV_H
#define SIGNET_CRYPTO_BACKEND_CRYPTODEV_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

extern const struct sg_backend_ops sg_backend_cryptodev_ops;

struct sg_cryptodev_info {
	char device[64];		/* cryptodev name, e.g. "crypto_openssl" */
	unsigned dev_id, qp_id;
	unsigned queue_pairs;		/* of the device */
	unsigned qp_size;		/* descriptors = sg_backend_capacity */
	unsigned burst;
	bool eal_started;		/* this instance started the EAL */
	bool foreign;			/* device configured outside signet */
	bool device_pads;		/* pad=device */
	unsigned pending;		/* submitted, not yet taken by the device */
	unsigned inflight;		/* taken by the device, not yet returned */
	unsigned done;			/* completed, waiting for poll */
	unsigned max_inflight;
	uint64_t enqueue_bursts;	/* enqueue calls that took at least one */
	uint64_t partial_enqueues;	/* enqueue calls that took fewer than offered */
	uint64_t dequeue_bursts;
	uint64_t device_errors;		/* ops the device failed or refused */
	unsigned sessions_live;		/* device sessions the instance holds */
	uint64_t sessions_created, sessions_refused, sessions_evicted;
};

SG_MUST_CHECK enum sg_err sg_cryptodev_eal_start(const char *arg, struct sg_error *err);
bool sg_cryptodev_info(const struct sg_backend *b, struct sg_cryptodev_info *out);
void sg_cryptodev_inject_faults(struct sg_backend *b, unsigned bad_answers,
				unsigned bad_requests);

#endif
