/*
 * NAME
 *   cryptodev_port.h - the DPDK EAL and one queue pair of an RSA-capable
 *                      cryptodev, claimed by one backend instance
 *
 * SUMMARY
 *   The EAL is process-global and starts once per process: DPDK 22.11 has
 *   no way to start it again after rte_eal_cleanup. cdev_eal_running says
 *   whether it is up (the IOVA mode is decided only by a successful
 *   rte_eal_init). cdev_eal_start starts it when it is not, with the argv
 *   of cdev_opts_eal_argv for the current CPU; EAL messages go to stderr
 *   only (rte_openlog_stream), its usage text (printed on stdout for a bad
 *   argument) too: fd 1 points at stderr during rte_eal_init, since stdout
 *   may carry a signed message. The calling thread's CPU affinity, which
 *   rte_eal_init narrows to the main lcore, is restored afterwards. When
 *   another thread is starting the EAL at the same moment it waits for it
 *   (at most CDEV_EAL_WAIT_MS). signet never calls rte_eal_cleanup: the
 *   EAL lives until the process exits, and so do the devices.
 *
 *   cdev_port_open starts or joins the EAL, picks a device (opts->dev by
 *   name, else the first with asymmetric RSA SIGN over a quintuple (QT)
 *   private key) and claims one of its queue pairs for the caller; a queue
 *   pair is used by one instance only (DPDK queue pairs are not
 *   thread-safe). Instances of one process coordinate through a record in
 *   a DPDK memzone per device ("sg_cdev_<id>", zeroed by DPDK, guarded by a
 *   spinlock in it), not through globals of signet's: the first claim
 *   configures the device with all its queue pairs (up to 64) of
 *   opts->qp_size descriptors and starts it, later claims take a free queue
 *   pair of the same size, and cdev_port_close of the last one stops the
 *   device again (so the next first claim may choose another size). A
 *   device that was configured before signet saw it (an application that
 *   set it up itself) is used as it is and never stopped; its queue sizes
 *   are then unknown and opts->qp_size is taken as the capacity.
 *
 *   cdev_port_probe answers cheaply without starting the EAL: with the EAL
 *   up, whether a capable device exists; without it, whether the vdev's
 *   driver is installed in DPDK's driver directory (RTE_EAL_PMD_PATH).
 *   cdev_port_fits says whether the device signs a modulus of k bytes.
 */
#ifndef SIGNET_CRYPTO_CRYPTODEV_PORT_H
#define SIGNET_CRYPTO_CRYPTODEV_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cryptodev_opts.h"
#include "status.h"

#define CDEV_EAL_WAIT_MS 5000
#define CDEV_PORT_MAX_QP 64

struct cdev_shared;
struct rte_cryptodev_asymmetric_xform_capability;

struct cdev_port {
	uint8_t dev_id;
	uint16_t qp_id;
	uint16_t nb_qp;			/* queue pairs of the device */
	unsigned qp_size;		/* descriptors: the instance's capacity */
	int socket;
	unsigned generation;		/* claims of this device so far */
	bool foreign;			/* configured outside signet */
	bool eal_started;		/* this open started the EAL */
	char name[CDEV_NAME_MAX];
	struct cdev_shared *shared;
	const struct rte_cryptodev_asymmetric_xform_capability *rsa;
};

bool cdev_eal_running(void);
/* rte_eal_init with fd 1 pointed at stderr meanwhile (DPDK prints its
 * usage text on stdout, which may carry a signed message or --json) and
 * its log stream on stderr; returns what rte_eal_init returned. */
int cdev_eal_init_quietly(int argc, char **argv);
SG_MUST_CHECK enum sg_err cdev_eal_start(const struct cdev_opts *o, bool *started,
					 struct sg_error *err);

bool cdev_port_probe(const struct cdev_opts *o, char *why, size_t why_cap);
SG_MUST_CHECK enum sg_err cdev_port_open(const struct cdev_opts *o, struct cdev_port *p,
					 struct sg_error *err);
void cdev_port_close(struct cdev_port *p);
bool cdev_port_fits(const struct cdev_port *p, size_t k);

#endif
