/*
 * NAME
 *   sd_eal.h - the DPDK EAL command line signetd starts with
 *
 * SUMMARY
 *   sd_eal_argv_build turns dataplane.eal_args (split at spaces and tabs)
 *   and the worker count into the argv given to rte_eal_init:
 *     PROG  EAL_ARGS...  [--lcores 0@(CPUS),1@C1,...,N@CN]
 *           [--no-telemetry] [--log-level=lib.eal:warning]
 *   Lcore 0 is the main lcore: it runs the control thread and floats over
 *   every CPU the process may use (cpus[]); worker lcore i (1..N) is pinned
 *   to cpus[(i-1) % ncpus], so workers = 0 gives one worker per allowed
 *   CPU. When eal_args already choose lcores (-l, -c, --lcores) they are
 *   kept as they are and every lcore but the main one becomes a worker
 *   (user_lcores is set). --no-telemetry is added unless the arguments
 *   mention telemetry, the log level unless they set one.
 *   At most SD_EAL_ARGC_MAX arguments and SD_EAL_WORKERS_MAX workers
 *   (DPDK's RTE_MAX_LCORE of 128 less the main lcore); errors say which
 *   limit was passed.
 *
 * UNTRUSTED INPUT
 *   None beyond the configuration (already checked by the config parser).
 */
#ifndef SIGNET_SIGNETD_SD_EAL_H
#define SIGNET_SIGNETD_SD_EAL_H

#include <stdbool.h>
#include <stddef.h>
#include "status.h"

#define SD_EAL_ARGC_MAX 64
#define SD_EAL_WORKERS_MAX 127
#define SD_EAL_TEXT_MAX 4096

struct sd_eal_argv {
	int argc;
	char *argv[SD_EAL_ARGC_MAX + 1];	/* NULL-terminated, into text */
	char text[SD_EAL_TEXT_MAX];
	size_t used;
	unsigned workers;			/* 0 when user_lcores */
	bool user_lcores;
};

SG_MUST_CHECK enum sg_err sd_eal_argv_build(const char *prog, const char *eal_args,
					    unsigned workers, const int *cpus, size_t ncpus,
					    struct sd_eal_argv *out, struct sg_error *err);
/* The CPUs this process may run on (sched_getaffinity), ascending; at
 * most cap; 0 on failure. */
size_t sd_eal_allowed_cpus(int *cpus, size_t cap);

#endif
