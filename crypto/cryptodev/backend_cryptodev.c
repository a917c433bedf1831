/*
 * NAME
 *   backend_cryptodev.c - the "cryptodev" signing backend: RSA signatures
 *                         on a DPDK cryptodev (see backend_cryptodev.h)
 *
 * SUMMARY
 *   Every job the instance holds is a crypto op from its own op pool of
 *   capacity (= queue-pair size) ops; the job record (cookie, key,
 *   digest, the message and signature buffers) lives in the op's private
 *   area. A job moves through three stages:
 *     pending   submitted, waiting in a ring until burst jobs are pending
 *               or flush is called; then rte_cryptodev_enqueue_burst
 *     inflight  taken by the device (counted; a partial enqueue leaves the
 *               rest pending, in order, for the next flush or poll)
 *     done      dequeued in bursts by poll, checked, waiting in a ring
 *               until poll hands it to the caller and frees the op
 *   An op the device refuses outright (after a partial enqueue, its status
 *   says an error, or the device took nothing while nothing was in flight)
 *   is completed at once by evp.
 *
 *   Device jobs: RSA keys prepared for this backend (the keymat in the
 *   key's prep slot) whose modulus size the device accepts. The message
 *   is the EMSA-PKCS1-v1_5 encoding, signed with padding type NONE (a raw
 *   CRT exponentiation, which every RSA PMD offers, QAT included), or with
 *   pad=device DigestInfo || digest with padding type PKCS1_5. Every
 *   device signature is checked with the public key before release; a
 *   device error or a failed check is signed again by evp
 *   (stats.fallbacks). Everything else (Ed25519, unprepared keys, sizes
 *   the device lacks, keys the device refused) is signed by evp during
 *   submit (stats.delegated).
 *
 *   destroy waits for the device to return what it holds (at most
 *   CDEV_DRAIN_ROUNDS polls), then frees sessions, pools and the queue
 *   pair; if the device never answers it leaks them rather than free
 *   memory the device may still write.
 *
 * UNTRUSTED INPUT
 *   The spec argument (cryptodev_opts.c checks it). Device answers are
 *   not trusted either: lengths are checked and signatures verified.
 */

/* System library. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* DPDK. */
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_mempool.h>

/* Crypto layer. */
#include "backend_cryptodev.h"
#include "cryptodev_fifo.h"
#include "cryptodev_keymat.h"
#include "cryptodev_opts.h"
#include "cryptodev_port.h"
#include "cryptodev_sessions.h"
#include "key_internal.h"

#define CDEV_BURST_MAX 64		/* ops per enqueue/dequeue call */
#define CDEV_DRAIN_ROUNDS 100000	/* x 10 us: a device that never answers */
#define CDEV_POOL_NAME_MAX 26		/* RTE_MEMPOOL_NAMESIZE */

struct cdev_job {
	void *cookie;
	const struct sg_privkey *key;
	struct cdev_sess_entry *entry;	/* NULL: signed by evp at submit */
	enum sg_alg alg;
	enum sg_err status;
	size_t digest_len, sig_len;
	uint8_t digest[32];
	char error[128];
	uint8_t msg[SG_SIG_MAX];
	uint8_t sig[SG_SIG_MAX];
};

struct cdev_backend {
	struct sg_backend base;		/* first: the sg_backend_* calls see this */
	struct cdev_opts opts;
	struct cdev_port port;
	struct cdev_sessions sessions;
	struct rte_mempool *ops;
	struct cdev_fifo pending, done;
	unsigned inflight;
	bool flushing;			/* flush asked: enqueue all pending */
	bool leaked;			/* the device kept ops: do not free */
	unsigned bad_answers;		/* test hook: answers left to corrupt */
	unsigned bad_requests;		/* test hook: requests left to spoil */
	struct sg_cryptodev_info info;	/* counters */
};

_Static_assert(sizeof(struct rte_crypto_asym_op) % 8 == 0, "job record alignment");

static struct cdev_backend *to_cdev(struct sg_backend *b)
{
	return (struct cdev_backend *)b;
}

static struct cdev_job *job_of(struct rte_crypto_op *op)
{
	return (struct cdev_job *)(void *)((uint8_t *)op->asym + sizeof(struct rte_crypto_asym_op));
}

static rte_iova_t iova_of(const struct rte_crypto_op *op, const void *p)
{
	return op->phys_addr + (rte_iova_t)((const uint8_t *)p - (const uint8_t *)op);
}

static size_t cdev_capacity(const struct sg_backend *b)
{
	return ((const struct cdev_backend *)b)->port.qp_size;
}

static bool cdev_probe(const char *arg, char *why, size_t why_cap)
{
	struct cdev_opts opts;
	struct sg_error err;

	if (cdev_opts_parse(arg, &opts, &err) != SG_OK) {
		snprintf(why, why_cap, "%s", err.msg);
		return false;
	}
	return cdev_port_probe(&opts, why, why_cap);
}

/* Signs job j with evp (the key's own EVP_PKEY) and records the outcome. */
static void sign_evp(struct cdev_job *j)
{
	struct sg_error err;

	sg_error_clear(&err);
	j->status = sg_privkey_sign(j->key, j->alg, j->digest, j->digest_len, j->sig,
				    sizeof(j->sig), &j->sig_len, &err);
	snprintf(j->error, sizeof(j->error), "%.127s", j->status == SG_OK ? "" : err.msg);
}

/* A device job that failed (error, refusal or a bad signature): evp. */
static void fall_back(struct cdev_backend *c, struct cdev_job *j)
{
	c->base.stats.fallbacks++;
	sign_evp(j);
}

static void release_entry(struct cdev_job *j)
{
	if (j->entry != NULL)
		j->entry->busy--;
	j->entry = NULL;
}

/* Copies the device's signature into place (k bytes, left-padded). */
static bool take_signature(struct rte_crypto_op *op, struct cdev_job *j)
{
	size_t k = j->entry->km->k, len = op->asym->rsa.sign.length;

	if (op->status != RTE_CRYPTO_OP_STATUS_SUCCESS || len == 0 || len > k)
		return false;
	if (len < k) {
		memmove(j->sig + (k - len), j->sig, len);
		memset(j->sig, 0, k - len);
	}
	j->sig_len = k;
	return true;
}

/* A job the device returned: check it, fall back if needed, mark done. */
static void finish_device_job(struct cdev_backend *c, struct rte_crypto_op *op)
{
	struct cdev_job *j = job_of(op);
	struct cdev_sess_entry *e = j->entry;
	bool ok = take_signature(op, j);

	if (!ok)
		c->info.device_errors++;
	if (ok && c->bad_answers > 0) {
		c->bad_answers--;
		j->sig[j->sig_len / 2] ^= 0x01;
	}
	if (ok)
		ok = cdev_keymat_verify(e->km, &e->verify[j->alg == SG_ALG_RSA_SHA1 ? 0 : 1],
					j->alg, j->digest, j->digest_len, j->sig, j->sig_len);
	if (ok) {
		j->status = SG_OK;
		j->error[0] = '\0';
	} else {
		fall_back(c, j);
	}
	release_entry(j);
	cdev_fifo_push(&c->done, op);
}

/* After a partial enqueue: did the device refuse the first op it left? */
static bool refused(const struct cdev_backend *c, const struct rte_crypto_op *op)
{
	return c->inflight == 0 || (op->status != RTE_CRYPTO_OP_STATUS_NOT_PROCESSED &&
				    op->status != RTE_CRYPTO_OP_STATUS_SUCCESS);
}

/* Moves pending ops to the device in bursts until it takes no more. */
static void enqueue_pending(struct cdev_backend *c)
{
	struct rte_crypto_op *burst[CDEV_BURST_MAX];

	while (c->pending.count > 0) {
		uint16_t want = (uint16_t)cdev_fifo_peek(&c->pending, burst, CDEV_BURST_MAX);
		uint16_t got = rte_cryptodev_enqueue_burst(c->port.dev_id, c->port.qp_id, burst,
							   want);

		cdev_fifo_drop(&c->pending, got);
		c->inflight += got;
		if (c->inflight > c->info.max_inflight)
			c->info.max_inflight = c->inflight;
		if (got > 0) {
			c->base.stats.batches++;
			c->info.enqueue_bursts++;
		}
		if (got == want)
			continue;
		c->info.partial_enqueues++;
		if (!refused(c, burst[got])) {
			/* Full: keep the rest, in order, for the next round. */
			burst[got]->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
			break;
		}
		cdev_fifo_drop(&c->pending, 1);
		c->info.device_errors++;
		fall_back(c, job_of(burst[got]));
		release_entry(job_of(burst[got]));
		cdev_fifo_push(&c->done, burst[got]);
	}
	if (c->pending.count == 0)
		c->flushing = false;
}

static void dequeue_all(struct cdev_backend *c)
{
	struct rte_crypto_op *burst[CDEV_BURST_MAX];

	while (c->inflight > 0) {
		uint16_t want = c->inflight < CDEV_BURST_MAX ? (uint16_t)c->inflight
							     : CDEV_BURST_MAX;
		uint16_t got = rte_cryptodev_dequeue_burst(c->port.dev_id, c->port.qp_id, burst,
							   want);

		if (got == 0)
			break;
		c->info.dequeue_bursts++;
		c->inflight = got > c->inflight ? 0 : c->inflight - got;
		for (uint16_t i = 0; i < got; i++)
			finish_device_job(c, burst[i]);
	}
}

/* Fills the op of a device job; false when the message cannot be built. */
static bool fill_op(struct cdev_backend *c, struct rte_crypto_op *op, struct cdev_job *j,
		    const struct cdev_keymat *km)
{
	struct rte_crypto_rsa_op_param *rsa = &op->asym->rsa;
	size_t len;

	if (c->opts.device_pads) {
		len = cdev_digest_info(j->alg, j->digest, j->digest_len, j->msg, sizeof(j->msg));
		rsa->padding.type = RTE_CRYPTO_RSA_PADDING_PKCS1_5;
		rsa->padding.hash = j->alg == SG_ALG_RSA_SHA1 ? RTE_CRYPTO_AUTH_SHA1
							      : RTE_CRYPTO_AUTH_SHA256;
	} else {
		len = cdev_emsa_encode(j->alg, j->digest, j->digest_len, km->k, j->msg,
				       sizeof(j->msg));
		rsa->padding.type = RTE_CRYPTO_RSA_PADDING_NONE;
	}
	if (len == 0)
		return false;
	if (c->bad_requests > 0) {
		c->bad_requests--;
		len--;			/* test hook: a message the device rejects */
	}
	rte_crypto_op_attach_asym_session(op, j->entry->sess);
	rsa->op_type = RTE_CRYPTO_ASYM_OP_SIGN;
	rsa->message.data = j->msg;
	rsa->message.iova = iova_of(op, j->msg);
	rsa->message.length = len;
	rsa->sign.data = j->sig;
	rsa->sign.iova = iova_of(op, j->sig);
	rsa->sign.length = 0;
	return true;
}

/* Picks the device session for the job; NULL entry: sign with evp. */
static enum sg_err route(struct cdev_backend *c, struct cdev_job *j, struct sg_error *err)
{
	struct cdev_keymat *km = NULL;
	struct cdev_sess_entry *e = NULL;
	enum sg_err rc;

	if (j->alg != SG_ALG_ED25519_SHA256)
		km = sg_privkey_prep(j->key, &sg_backend_cryptodev_ops);
	if (km == NULL || !cdev_port_fits(&c->port, km->k))
		return SG_OK;
	rc = cdev_sessions_get(&c->sessions, j->key, km, &e, err);
	if (rc != SG_OK || e->sess == NULL)
		return rc;
	j->entry = e;
	e->busy++;
	return SG_OK;
}

static enum sg_err cdev_submit(struct sg_backend *b, const struct sg_privkey *key,
			       enum sg_alg alg, const uint8_t *digest, size_t digest_len,
			       void *cookie, struct sg_error *err)
{
	struct cdev_backend *c = to_cdev(b);
	struct rte_crypto_op *op;
	struct cdev_job *j;
	enum sg_err rc;

	if (key == NULL || digest == NULL || digest_len > sizeof(j->digest))
		return sg_error_set(err, SG_E_ARG, 0, 0, "missing key or digest");
	if (c->pending.count + c->inflight + c->done.count >= c->port.qp_size)
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "cryptodev backend holds %u jobs: poll first", c->port.qp_size);
	op = rte_crypto_op_alloc(c->ops, RTE_CRYPTO_OP_TYPE_ASYMMETRIC);
	if (op == NULL)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "cryptodev backend: no free op");
	j = job_of(op);
	memset(j, 0, offsetof(struct cdev_job, msg));
	j->cookie = cookie;
	j->key = key;
	j->alg = alg;
	j->digest_len = digest_len;
	memcpy(j->digest, digest, digest_len);
	rc = route(c, j, err);
	if (rc != SG_OK) {
		rte_crypto_op_free(op);
		return rc;
	}
	if (j->entry != NULL && !fill_op(c, op, j, j->entry->km))
		release_entry(j);	/* not an RSA job after all: evp says why */
	if (j->entry == NULL) {
		b->stats.delegated++;
		sign_evp(j);
		cdev_fifo_push(&c->done, op);
		return SG_OK;
	}
	cdev_fifo_push(&c->pending, op);
	if (c->pending.count >= c->opts.burst)
		enqueue_pending(c);
	return SG_OK;
}

static void cdev_flush(struct sg_backend *b)
{
	struct cdev_backend *c = to_cdev(b);

	c->flushing = true;
	enqueue_pending(c);
}

static size_t cdev_poll(struct sg_backend *b, struct sg_sign_done *done, size_t max)
{
	struct cdev_backend *c = to_cdev(b);
	size_t n = 0;

	if (c->flushing || c->pending.count >= c->opts.burst)
		enqueue_pending(c);
	dequeue_all(c);
	if (c->flushing)
		enqueue_pending(c);	/* the dequeue made room */
	while (n < max && c->done.count > 0) {
		struct rte_crypto_op *op = cdev_fifo_pop(&c->done);
		struct cdev_job *j = job_of(op);
		struct sg_sign_done *d = &done[n++];

		d->cookie = j->cookie;
		d->status = j->status;
		snprintf(d->error, sizeof(d->error), "%s", j->error);
		d->sig_len = j->status == SG_OK ? j->sig_len : 0;
		memcpy(d->sig, j->sig, d->sig_len);
		rte_crypto_op_free(op);
	}
	return n;
}

static enum sg_err cdev_prepare(struct sg_backend *b, struct sg_privkey *key,
				struct sg_error *err)
{
	struct cdev_backend *c = to_cdev(b);
	struct cdev_sess_entry *e;
	struct cdev_keymat *km;
	enum sg_err rc;

	if (key == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key to prepare");
	if (sg_privkey_type(key) != SG_KEY_RSA)
		return SG_OK;		/* Ed25519: evp signs it */
	if (sg_privkey_prep(key, &sg_backend_cryptodev_ops) == NULL) {
		rc = cdev_keymat_new(key, &km, err);
		if (rc == SG_OK)
			rc = sg_privkey_set_prep(key, &sg_backend_cryptodev_ops, km,
						 cdev_keymat_release);
		if (rc != SG_OK)
			return rc;
	}
	km = sg_privkey_prep(key, &sg_backend_cryptodev_ops);
	if (km == NULL || !cdev_port_fits(&c->port, km->k))
		return SG_OK;		/* a size the device lacks: evp signs it */
	/* Make this instance's session now rather than on the first job. */
	return cdev_sessions_get(&c->sessions, key, km, &e, err);
}

/* Waits for the device to return every op it holds; false if it does not. */
static bool drain(struct cdev_backend *c)
{
	const struct timespec pause = { 0, 10 * 1000 };

	for (int i = 0; i < CDEV_DRAIN_ROUNDS && c->inflight > 0; i++) {
		dequeue_all(c);
		if (c->inflight > 0)
			nanosleep(&pause, NULL);
	}
	return c->inflight == 0;
}

static void cdev_destroy(struct sg_backend *b)
{
	struct cdev_backend *c = to_cdev(b);

	if (c == NULL)
		return;
	if (c->ops != NULL && !drain(c))
		c->leaked = true;
	if (!c->leaked) {
		while (c->pending.count > 0)
			rte_crypto_op_free(cdev_fifo_pop(&c->pending));
		while (c->done.count > 0)
			rte_crypto_op_free(cdev_fifo_pop(&c->done));
		if (c->sessions.entries != NULL)
			cdev_sessions_fini(&c->sessions);
		rte_mempool_free(c->ops);
		cdev_port_close(&c->port);
	}
	cdev_fifo_fini(&c->pending);
	cdev_fifo_fini(&c->done);
	free(c);
}

/* Op pool, session table and rings for the claimed queue pair. */
static enum sg_err setup_pools(struct cdev_backend *c, struct sg_error *err)
{
	char name[CDEV_POOL_NAME_MAX];
	enum sg_err rc;

	snprintf(name, sizeof(name), "sgc_s%u_%u_%x", c->port.dev_id, c->port.qp_id,
		 c->port.generation);
	rc = cdev_sessions_init(&c->sessions, c->port.dev_id, c->port.socket, name,
				c->opts.sessions > c->port.qp_size ? c->opts.sessions
								   : c->port.qp_size, err);
	if (rc != SG_OK)
		return rc;
	snprintf(name, sizeof(name), "sgc_o%u_%u_%x", c->port.dev_id, c->port.qp_id,
		 c->port.generation);
	c->ops = rte_crypto_op_pool_create(name, RTE_CRYPTO_OP_TYPE_ASYMMETRIC, c->port.qp_size,
					   0, sizeof(struct cdev_job), c->port.socket);
	if (c->ops == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0,
				    "cryptodev: cannot create op pool %s (%u ops): %s", name,
				    c->port.qp_size, rte_strerror(rte_errno));
	if (cdev_fifo_init(&c->pending, c->port.qp_size) != 0 ||
	    cdev_fifo_init(&c->done, c->port.qp_size) != 0)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "cryptodev: out of memory");
	return SG_OK;
}

static enum sg_err cdev_create(const char *arg, struct sg_backend **out, struct sg_error *err)
{
	struct cdev_backend *c;
	enum sg_err rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "cryptodev: out of memory");
	c->base.ops = &sg_backend_cryptodev_ops;
	rc = cdev_opts_parse(arg, &c->opts, err);
	if (rc == SG_OK)
		rc = cdev_port_open(&c->opts, &c->port, err);
	if (rc == SG_OK) {
		if (c->opts.burst > c->port.qp_size)
			c->opts.burst = c->port.qp_size;
		rc = setup_pools(c, err);
	}
	if (rc != SG_OK) {
		cdev_destroy(&c->base);
		return rc;
	}
	snprintf(c->base.spec, sizeof(c->base.spec), "cryptodev%s%.50s", arg && *arg ? ":" : "",
		 arg ? arg : "");
	*out = &c->base;
	return SG_OK;
}

enum sg_err sg_cryptodev_eal_start(const char *arg, struct sg_error *err)
{
	struct cdev_opts opts;
	bool started;
	enum sg_err rc = cdev_opts_parse(arg, &opts, err);

	return rc != SG_OK ? rc : cdev_eal_start(&opts, &started, err);
}

bool sg_cryptodev_info(const struct sg_backend *b, struct sg_cryptodev_info *out)
{
	const struct cdev_backend *c = (const struct cdev_backend *)b;

	if (b == NULL || out == NULL || b->ops != &sg_backend_cryptodev_ops)
		return false;
	*out = c->info;
	snprintf(out->device, sizeof(out->device), "%s", c->port.name);
	out->dev_id = c->port.dev_id;
	out->qp_id = c->port.qp_id;
	out->queue_pairs = c->port.nb_qp;
	out->qp_size = c->port.qp_size;
	out->burst = c->opts.burst;
	out->eal_started = c->port.eal_started;
	out->foreign = c->port.foreign;
	out->device_pads = c->opts.device_pads;
	out->pending = (unsigned)c->pending.count;
	out->inflight = c->inflight;
	out->done = (unsigned)c->done.count;
	out->sessions_live = (unsigned)c->sessions.used;
	out->sessions_created = c->sessions.created;
	out->sessions_refused = c->sessions.refused;
	out->sessions_evicted = c->sessions.evicted;
	return true;
}

void sg_cryptodev_inject_faults(struct sg_backend *b, unsigned bad_answers,
				unsigned bad_requests)
{
	if (b != NULL && b->ops == &sg_backend_cryptodev_ops) {
		to_cdev(b)->bad_answers = bad_answers;
		to_cdev(b)->bad_requests = bad_requests;
	}
}

const struct sg_backend_ops sg_backend_cryptodev_ops = {
	.name = "cryptodev",
	.probe = cdev_probe,
	.create = cdev_create,
	.destroy = cdev_destroy,
	.prepare = cdev_prepare,
	.submit = cdev_submit,
	.flush = cdev_flush,
	.poll = cdev_poll,
	.capacity = cdev_capacity,
};
