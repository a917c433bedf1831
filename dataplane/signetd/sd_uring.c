/*
 * NAME
 *   sd_uring.c - io_uring_queue_init with an actionable error (sd_uring.h)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "sd_uring.h"

void sd_uring_enomem_hint(char *out, size_t cap)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) {
		snprintf(out, cap, "; the system is out of memory for io_uring");
		return;
	}
	snprintf(out, cap, "; the ring's memory counts against RLIMIT_MEMLOCK (now %llu KiB) "
		 "for a user without CAP_IPC_LOCK: raise it (LimitMEMLOCK= in the systemd unit, "
		 "ulimit -l in a shell; 8 MiB is plenty)",
		 (unsigned long long)(rl.rlim_cur / 1024));
}

enum sg_err sd_uring_init(struct io_uring *ring, unsigned entries,
			  struct io_uring_params *params, struct sg_error *err)
{
	struct io_uring_params none = { 0 };
	char hint[256] = "";
	int ret = io_uring_queue_init_params(entries, ring, params != NULL ? params : &none);

	if (ret >= 0)
		return SG_OK;
	if (ret == -ENOMEM)
		sd_uring_enomem_hint(hint, sizeof(hint));
	return sg_error_set(err, SG_E_IO, 0, 0, "io_uring_queue_init(%u): %s%s", entries,
			    strerror(-ret), hint);
}
