/*
 * NAME
 *   sd_uring.h - a worker's io_uring, with an error an operator can act on
 *
 * SUMMARY
 *   sd_uring_init(ring, entries, params, err) is
 *   io_uring_queue_init_params (params NULL: none, as io_uring_queue_init).
 *   On failure err gives the ring size and the
 *   kernel's reason; for ENOMEM it adds what usually causes it for a user
 *   without CAP_IPC_LOCK: the ring's memory is charged to RLIMIT_MEMLOCK,
 *   whose current soft limit it names, with how to raise it
 *   (LimitMEMLOCK= in the unit, ulimit -l). sd_uring_enomem_hint writes
 *   just that hint (for tests and other callers).
 */
#ifndef SIGNET_SIGNETD_SD_URING_H
#define SIGNET_SIGNETD_SD_URING_H

#include <liburing.h>
#include <stddef.h>
#include "status.h"

SG_MUST_CHECK enum sg_err sd_uring_init(struct io_uring *ring, unsigned entries,
					struct io_uring_params *params,
					struct sg_error *err);
/* "; the ring's memory counts against RLIMIT_MEMLOCK (now N KiB)..." */
void sd_uring_enomem_hint(char *out, size_t cap);

#endif
