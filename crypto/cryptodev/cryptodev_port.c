/*
 * NAME
 *   cryptodev_port.c - start or join the DPDK EAL, pick an RSA-capable
 *                      cryptodev, claim one queue pair (see cryptodev_port.h)
 *
 * SUMMARY
 *   The per-device record lives in a DPDK memzone, so several instances
 *   (threads) of one process share it without a global of signet's. The
 *   memzone memory comes zeroed from DPDK's heap (freed heap memory is
 *   cleared, fresh memory is mapped zero), so the spinlock in it is
 *   unlocked and the counters are zero before anyone writes them: a thread
 *   that finds the record reserved by another never sees it half-built.
 */

/* System library. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* DPDK. */
#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>

/* Crypto layer. */
#include "cryptodev_port.h"

struct cdev_shared {
	rte_spinlock_t lock;
	bool ours;			/* signet configured the device */
	bool foreign;			/* configured by someone else: hands off */
	uint16_t nb_qp;
	unsigned qp_size;
	unsigned generation;
	uint64_t users;			/* bit q: queue pair q is claimed */
};

bool cdev_eal_running(void)
{
	return rte_eal_iova_mode() != RTE_IOVA_DC;
}

/* Another thread called rte_eal_init first: wait until it is done. */
static enum sg_err wait_for_eal(struct sg_error *err)
{
	const struct timespec one_ms = { 0, 1000 * 1000 };

	for (int i = 0; i < CDEV_EAL_WAIT_MS; i++) {
		if (cdev_eal_running())
			return SG_OK;
		nanosleep(&one_ms, NULL);
	}
	return sg_error_set(err, SG_E_STATE, 0, 0,
			    "cryptodev: the DPDK EAL was initialised before in this process "
			    "and is not running (a failed EAL start cannot be retried)");
}

static void join_words(const struct cdev_eal_argv *av, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 1; i < av->argc && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i > 1 ? " " : "",
					 av->argv[i]);
}

/*
 * rte_eal_init prints its usage text on stdout when an argument is wrong;
 * stdout may be the signed message, so fd 1 points at stderr meanwhile.
 * Returns the saved fd 1 (or -1).
 */
static int stdout_to_stderr(void)
{
	int saved;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved >= 0 && dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		close(saved);
		saved = -1;
	}
	return saved;
}

static void stdout_restore(int saved)
{
	if (saved < 0)
		return;
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

int cdev_eal_init_quietly(int argc, char **argv)
{
	int ret, stdout_fd;

	rte_openlog_stream(stderr);
	stdout_fd = stdout_to_stderr();
	ret = rte_eal_init(argc, argv);
	stdout_restore(stdout_fd);
	return ret;
}

enum sg_err cdev_eal_start(const struct cdev_opts *o, bool *started, struct sg_error *err)
{
	struct cdev_eal_argv av;
	char words[256];
	cpu_set_t saved;
	bool have_saved;
	enum sg_err rc;
	int ret;

	*started = false;
	if (cdev_eal_running())
		return SG_OK;
	rc = cdev_opts_eal_argv(o, sched_getcpu(), &av, err);
	if (rc != SG_OK)
		return rc;
	join_words(&av, words, sizeof(words));
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
	ret = cdev_eal_init_quietly(av.argc, av.argv);
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	if (ret < 0 && rte_errno == EALREADY)
		return wait_for_eal(err);
	if (ret < 0)
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "cryptodev: cannot start the DPDK EAL with \"%s\": %s", words,
				    rte_strerror(rte_errno));
	*started = true;
	return SG_OK;
}

/* Whether dev signs RSA with a quintuple key; its RSA capability in *cap. */
static bool capable(uint8_t dev, const struct rte_cryptodev_asymmetric_xform_capability **cap)
{
	const uint64_t need = RTE_CRYPTODEV_FF_ASYMMETRIC_CRYPTO |
			      RTE_CRYPTODEV_FF_RSA_PRIV_OP_KEY_QT;
	struct rte_cryptodev_asym_capability_idx idx = { .type = RTE_CRYPTO_ASYM_XFORM_RSA };
	struct rte_cryptodev_info info;

	if (!rte_cryptodev_is_valid_dev(dev))
		return false;
	rte_cryptodev_info_get(dev, &info);
	if ((info.feature_flags & need) != need)
		return false;
	*cap = rte_cryptodev_asym_capability_get(dev, &idx);
	return *cap != NULL &&
	       rte_cryptodev_asym_xform_capability_check_optype(*cap, RTE_CRYPTO_ASYM_OP_SIGN) == 1;
}

static void list_devices(char *out, size_t cap)
{
	size_t used = 0;

	snprintf(out, cap, "none");
	for (unsigned id = 0; id < RTE_CRYPTO_MAX_DEVS && used < cap; id++) {
		if (rte_cryptodev_is_valid_dev((uint8_t)id))
			used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "",
						 rte_cryptodev_name_get((uint8_t)id));
	}
}

/* The candidate devices: opts->dev alone, or every capable one. */
static enum sg_err candidates(const struct cdev_opts *o, uint8_t *ids, size_t *n,
			      struct sg_error *err)
{
	const struct rte_cryptodev_asymmetric_xform_capability *cap;
	char names[160];
	int id;

	*n = 0;
	list_devices(names, sizeof(names));
	if (o->dev[0] != '\0') {
		id = rte_cryptodev_get_dev_id(o->dev);
		if (id < 0)
			return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
					    "cryptodev: no device named \"%s\" (devices: %s)",
					    o->dev, names);
		if (!capable((uint8_t)id, &cap))
			return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
					    "cryptodev: device \"%s\" cannot sign RSA with a CRT "
					    "(quintuple) private key", o->dev);
		ids[(*n)++] = (uint8_t)id;
		return SG_OK;
	}
	for (unsigned i = 0; i < RTE_CRYPTO_MAX_DEVS; i++) {
		if (capable((uint8_t)i, &cap))
			ids[(*n)++] = (uint8_t)i;
	}
	if (*n == 0)
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "cryptodev: no device signs RSA with a CRT (quintuple) private "
				    "key (devices: %s)", names);
	return SG_OK;
}

static struct cdev_shared *shared_record(uint8_t dev)
{
	const struct rte_memzone *mz;
	char name[RTE_MEMZONE_NAMESIZE];

	snprintf(name, sizeof(name), "sg_cdev_%u", dev);
	mz = rte_memzone_lookup(name);
	if (mz == NULL)
		mz = rte_memzone_reserve(name, sizeof(struct cdev_shared), SOCKET_ID_ANY, 0);
	if (mz == NULL && rte_errno == EEXIST)
		mz = rte_memzone_lookup(name);
	return mz == NULL ? NULL : mz->addr;
}

/* Configures every queue pair of dev with qp_size descriptors and starts it. */
static enum sg_err configure(uint8_t dev, unsigned qp_size, uint16_t *nb_qp,
			     struct sg_error *err)
{
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = qp_size, .mp_session = NULL };
	struct rte_cryptodev_config conf = { .socket_id = rte_cryptodev_socket_id(dev) };
	struct rte_cryptodev_info info;
	const char *step = "configure";
	int ret;

	rte_cryptodev_info_get(dev, &info);
	conf.nb_queue_pairs = info.max_nb_queue_pairs < CDEV_PORT_MAX_QP ?
			      info.max_nb_queue_pairs : CDEV_PORT_MAX_QP;
	if (conf.socket_id < 0)
		conf.socket_id = SOCKET_ID_ANY;
	ret = conf.nb_queue_pairs == 0 ? -ENODEV : rte_cryptodev_configure(dev, &conf);
	for (uint16_t q = 0; ret == 0 && q < conf.nb_queue_pairs; q++) {
		step = "set up a queue pair of";
		ret = rte_cryptodev_queue_pair_setup(dev, q, &qp, conf.socket_id);
	}
	if (ret == 0) {
		step = "start";
		ret = rte_cryptodev_start(dev);
	}
	if (ret != 0)
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "cryptodev: cannot %s device \"%s\" (%u queue pairs of %u "
				    "descriptors): %s", step, rte_cryptodev_name_get(dev),
				    conf.nb_queue_pairs, qp_size, rte_strerror(ret < 0 ? -ret : ret));
	*nb_qp = conf.nb_queue_pairs;
	return SG_OK;
}

/* The first claim of a device with no users: configure it, or adopt it. */
static enum sg_err first_claim(uint8_t dev, const struct cdev_opts *o, struct cdev_shared *s,
			       struct sg_error *err)
{
	uint16_t count = rte_cryptodev_queue_pair_count(dev);
	enum sg_err rc;

	s->foreign = !s->ours && count > 0;
	if (s->foreign) {
		s->nb_qp = count < CDEV_PORT_MAX_QP ? count : CDEV_PORT_MAX_QP;
		s->qp_size = o->qp_size;
		return SG_OK;
	}
	rc = configure(dev, o->qp_size, &s->nb_qp, err);
	if (rc == SG_OK) {
		s->ours = true;
		s->qp_size = o->qp_size;
	}
	return rc;
}

static enum sg_err claim(uint8_t dev, const struct cdev_opts *o, struct cdev_port *p,
			 struct sg_error *err)
{
	struct cdev_shared *s = shared_record(dev);
	enum sg_err rc = SG_OK;
	uint16_t q = 0;

	if (s == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0,
				    "cryptodev: no DPDK memory for the record of device %u: %s",
				    dev, rte_strerror(rte_errno));
	rte_spinlock_lock(&s->lock);
	if (s->users == 0)
		rc = first_claim(dev, o, s, err);
	while (rc == SG_OK && q < s->nb_qp && (s->users & (1ull << q)) != 0)
		q++;
	if (rc == SG_OK && q == s->nb_qp)
		rc = sg_error_set(err, SG_E_LIMIT, 0, 0,
				  "cryptodev: all %u queue pairs of device \"%s\" are in use (one "
				  "per backend instance)", s->nb_qp, rte_cryptodev_name_get(dev));
	if (rc == SG_OK) {
		s->users |= 1ull << q;
		p->dev_id = dev;
		p->qp_id = q;
		p->nb_qp = s->nb_qp;
		p->qp_size = s->qp_size;
		p->foreign = s->foreign;
		p->generation = ++s->generation;
		p->shared = s;
	}
	rte_spinlock_unlock(&s->lock);
	return rc;
}

enum sg_err cdev_port_open(const struct cdev_opts *o, struct cdev_port *p, struct sg_error *err)
{
	uint8_t ids[RTE_CRYPTO_MAX_DEVS];
	size_t n = 0;
	enum sg_err rc;

	memset(p, 0, sizeof(*p));
	rc = cdev_eal_start(o, &p->eal_started, err);
	if (rc == SG_OK)
		rc = candidates(o, ids, &n, err);
	for (size_t i = 0; rc == SG_OK && i < n; i++) {
		rc = claim(ids[i], o, p, err);
		if (rc == SG_E_LIMIT && i + 1 < n)
			rc = SG_OK;		/* full: try the next device */
		else if (rc == SG_OK)
			break;
	}
	if (rc != SG_OK)
		return rc;
	snprintf(p->name, sizeof(p->name), "%s", rte_cryptodev_name_get(p->dev_id));
	p->socket = rte_cryptodev_socket_id(p->dev_id);
	if (p->socket < 0)
		p->socket = SOCKET_ID_ANY;
	if (!capable(p->dev_id, &p->rsa)) {
		cdev_port_close(p);
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "cryptodev: device \"%s\" lost its RSA capability", p->name);
	}
	return SG_OK;
}

void cdev_port_close(struct cdev_port *p)
{
	struct cdev_shared *s = p->shared;

	if (s == NULL)
		return;
	rte_spinlock_lock(&s->lock);
	s->users &= ~(1ull << p->qp_id);
	if (s->users == 0 && !s->foreign)
		rte_cryptodev_stop(p->dev_id);
	rte_spinlock_unlock(&s->lock);
	p->shared = NULL;
}

bool cdev_port_fits(const struct cdev_port *p, size_t k)
{
	return k <= UINT16_MAX && rte_cryptodev_asym_xform_capability_check_modlen(
					  p->rsa, (uint16_t)k) == 0;
}

/* Whether DPDK's driver directory has the driver of vdev (librte_DRIVER.so*). */
static bool driver_installed(const char *vdev, char *why, size_t why_cap)
{
	const char *dir = RTE_EAL_PMD_PATH;
	struct dirent *e;
	bool found = false;
	DIR *d;

	if (dir[0] == '\0')
		return true;		/* a static DPDK: drivers are linked in */
	d = opendir(dir);
	if (d == NULL) {
		snprintf(why, why_cap, "DPDK driver directory %s: %s", dir, strerror(errno));
		return false;
	}
	while (!found && (e = readdir(d)) != NULL) {
		const char *drv = e->d_name + 7;
		size_t len;

		if (strncmp(e->d_name, "librte_", 7) != 0)
			continue;
		len = strcspn(drv, ".");
		found = len > 0 && strncmp(drv + len, ".so", 3) == 0 &&
			strncmp(vdev, drv, len) == 0;
	}
	closedir(d);
	if (!found)
		snprintf(why, why_cap, "no DPDK driver for vdev \"%s\" in %s (Debian: install "
			 "librte-crypto-openssl23)", vdev, dir);
	return found;
}

bool cdev_port_probe(const struct cdev_opts *o, char *why, size_t why_cap)
{
	uint8_t ids[RTE_CRYPTO_MAX_DEVS];
	struct sg_error err;
	size_t n;

	if (!cdev_eal_running())
		return o->eal[0] != '\0' || driver_installed(o->vdev, why, why_cap);
	if (candidates(o, ids, &n, &err) == SG_OK)
		return true;
	snprintf(why, why_cap, "%s", err.msg);
	return false;
}
