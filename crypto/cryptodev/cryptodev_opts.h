/*
 * NAME
 *   cryptodev_opts.h - the argument of "cryptodev:ARG" and the EAL command
 *                      line signet builds from it
 *
 * SUMMARY
 *   ARG is a comma-separated list of NAME=VALUE options, all optional:
 *     dev=NAME       use the cryptodev of this name (default: the first one
 *                    with RSA signing over the CRT key)
 *     vdev=NAME      virtual device the EAL signet starts is given
 *                    (default crypto_openssl; ignored with eal=)
 *     qp=N           descriptors per queue pair, a power of two 2..16384
 *                    (default 128); the backend holds at most N jobs
 *     burst=N        submitted jobs are enqueued N at a time (1..qp,
 *                    default 32, or qp when smaller)
 *     sessions=N     device sessions one instance keeps, 2..65536 (default
 *                    256, and always more than qp)
 *     pad=host|device  who applies the PKCS#1 v1.5 padding: host (default;
 *                    the device sees a raw modular exponentiation, which
 *                    every RSA PMD offers) or device (PKCS1_5 padding
 *                    type; crypto_openssl has it, QAT does not)
 *     eal=ARGS       the rest of ARG, verbatim: EAL arguments separated by
 *                    spaces, used instead of the defaults when signet starts
 *                    the EAL (when the process has started it already, they
 *                    are ignored). Must come last: it may contain commas.
 *   cdev_opts_parse fills struct cdev_opts from ARG (NULL or "" gives the
 *   defaults); cdev_opts_eal_argv builds the EAL argv:
 *     signet --no-huge --no-shconf --no-pci --no-telemetry --vdev=VDEV
 *            -l CPU --log-level=error
 *   or, with eal=ARGS, "signet" and ARGS, plus "-l CPU" when ARGS name no
 *   lcores (-l, -c, --lcores) so the EAL does not start a worker thread on
 *   every core. CPU is the caller's (the current CPU).
 *   Pure C: no DPDK, so it is built and tested everywhere.
 *
 * UNTRUSTED INPUT
 *   ARG, from the command line or configuration: at most CDEV_ARG_MAX
 *   bytes, every value length- and range-checked; errors name the option
 *   and its byte offset.
 */
#ifndef SIGNET_CRYPTO_CRYPTODEV_OPTS_H
#define SIGNET_CRYPTO_CRYPTODEV_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#define CDEV_ARG_MAX 1024
#define CDEV_NAME_MAX 64		/* device and vdev names, with the NUL */
#define CDEV_EAL_WORDS_MAX 32		/* EAL arguments, program name included */
#define CDEV_QP_MIN 2
#define CDEV_QP_MAX 16384
#define CDEV_QP_DEFAULT 128
#define CDEV_BURST_DEFAULT 32
#define CDEV_SESSIONS_MIN 2
#define CDEV_SESSIONS_MAX 65536
#define CDEV_SESSIONS_DEFAULT 256
#define CDEV_VDEV_DEFAULT "crypto_openssl"

struct cdev_opts {
	char dev[CDEV_NAME_MAX];	/* "" = first capable device */
	char vdev[CDEV_NAME_MAX];
	char eal[CDEV_ARG_MAX];		/* "" = the default EAL arguments */
	unsigned qp_size;
	unsigned burst;
	unsigned sessions;
	bool device_pads;
};

struct cdev_eal_argv {
	int argc;
	char *argv[CDEV_EAL_WORDS_MAX + 1];	/* NULL-terminated */
	char store[CDEV_ARG_MAX + 256];		/* the words argv points into */
};

SG_MUST_CHECK enum sg_err cdev_opts_parse(const char *arg, struct cdev_opts *o,
					  struct sg_error *err);
SG_MUST_CHECK enum sg_err cdev_opts_eal_argv(const struct cdev_opts *o, int cpu,
					     struct cdev_eal_argv *out, struct sg_error *err);

#endif
