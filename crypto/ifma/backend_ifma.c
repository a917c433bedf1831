/*
 * NAME
 *   backend_ifma.c - the "ifma" signing backend: batches of eight RSA
 *                    signatures on AVX-512 IFMA (see backend.h)
 *
 * SUMMARY
 *   Jobs for prepared RSA-2048/3072/4096 keys wait in the batch of their
 *   size class (one per class, eight lanes); a full batch runs at once,
 *   flush runs the partial ones with the empty lanes padded by a copy of
 *   lane 0 (results discarded, counted in stats.padded_lanes). Every
 *   signature is checked with the public key before it is released:
 *   RSA-2048 batches on IFMA modulo n (ifma_rsa_check_batch, a few
 *   percent of the batch), RSA-3072/4096 with EVP_PKEY_verify (there it
 *   costs ~5%); one that fails is signed again by evp and counted in
 *   stats.fallbacks. Jobs the backend cannot run (Ed25519, other RSA
 *   sizes, keys with no precomputation) are signed by evp during submit
 *   and counted in stats.delegated. Completions wait in a ring until
 *   polled; the instance holds at most IFMA_HELD_MAX jobs (batched plus
 *   completed), beyond which submit fails with SG_E_LIMIT.
 *
 *   prepare caches struct ifma_key_prep (ifma_key.h) in the key's slot
 *   for this ops table; a second prepare finds it and does nothing.
 *
 * DIAGNOSTICS
 *   sg_backend_submit checks the job and the capacity before submit runs;
 *   submit itself refuses only what would overrun its arrays (SG_E_ARG,
 *   SG_E_LIMIT). Completions carry SG_OK or the evp error of a delegated
 *   or fallback signature. Jobs still batched when the instance is
 *   closed are dropped (flush and poll first).
 *
 * UNTRUSTED INPUT
 *   None: keys and digests come from the caller.
 */
/* System library. */
#include <stdlib.h>
#include <string.h>

/* OpenSSL. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

/* Crypto layer. */
#include "backend_ifma.h"
#include "ifma_arith.h"
#include "ifma_key.h"
#include "ifma_rsa.h"
#include "done_ring.h"
#include "key_internal.h"

#define IFMA_CLASSES 3			/* RSA-2048, -3072, -4096 */
#define IFMA_HELD_MAX SG_DONE_RING_MAX	/* batched + completed jobs per instance */

struct ifma_job {
	void *cookie;
	const struct sg_privkey *key;
	const struct ifma_key_prep *prep;
	enum sg_alg alg;
	size_t digest_len;
	uint8_t digest[SG_HASH_MAX];
	uint8_t em[SG_SIG_MAX];		/* PKCS#1 v1.5 encoded message */
};

struct ifma_class {
	unsigned bits;
	unsigned count;			/* jobs waiting, < IFMA_LANES */
	struct ifma_job job[IFMA_LANES];
};

struct ifma_backend {
	struct sg_backend base;		/* first: the framework's header */
	struct ifma_class cls[IFMA_CLASSES];
	struct sg_done_ring done;			/* completions to poll */
	size_t batched;			/* jobs waiting in cls[] */
	struct ifma_rsa_work *work;	/* locked memory, zeroed after each batch */
	uint8_t sig[IFMA_LANES][SG_SIG_MAX];
	unsigned corrupt_lanes;		/* test hook, see backend_ifma.h */
};

static struct ifma_backend *to_ifma(struct sg_backend *b)
{
	return (struct ifma_backend *)b;
}

static bool ifma_probe(const char *arg, char *why, size_t why_cap)
{
	static const char *const features[] = { "avx512f", "avx512ifma", "avx512vl" };
	const char *missing = NULL;

	if (arg != NULL && arg[0] != '\0') {
		snprintf(why, why_cap, "ifma takes no argument (got \"%s\")", arg);
		return false;
	}
	if (ifma_cpu_supported())
		return true;
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512f"))
		missing = features[0];
	else if (!__builtin_cpu_supports("avx512ifma"))
		missing = features[1];
	else if (!__builtin_cpu_supports("avx512vl"))
		missing = features[2];
	if (missing != NULL)
		snprintf(why, why_cap, "CPU lacks %s (or the OS does not enable AVX-512 state)",
			 missing);
	else
		snprintf(why, why_cap, "the OS does not enable the AVX-512 register state");
	return false;
}

static enum sg_err ifma_create(const char *arg, struct sg_backend **out, struct sg_error *err)
{
	static const unsigned class_bits[IFMA_CLASSES] = { 2048, 3072, 4096 };
	struct ifma_backend *ib;
	char why[128];

	*out = NULL;
	if (!ifma_probe(arg, why, sizeof(why)))
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0, "ifma backend: %s", why);
	ib = calloc(1, sizeof(*ib));
	if (ib == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "ifma backend: out of memory");
	ib->work = ifma_rsa_work_new();
	if (ib->work == NULL) {
		free(ib);
		return sg_error_set(err, SG_E_NOMEM, 0, 0,
				    "ifma backend: cannot map its working memory");
	}
	ib->base.ops = &sg_backend_ifma_ops;
	for (int i = 0; i < IFMA_CLASSES; i++)
		ib->cls[i].bits = class_bits[i];
	*out = &ib->base;
	return SG_OK;
}

static void ifma_destroy(struct sg_backend *b)
{
	struct ifma_backend *ib = to_ifma(b);

	if (ib == NULL)
		return;
	ifma_rsa_work_free(ib->work);
	free(ib);
}

static enum sg_err ifma_prepare(struct sg_backend *b, struct sg_privkey *key,
				struct sg_error *err)
{
	struct ifma_key_prep *prep = NULL;
	struct sg_error why;
	enum sg_err rc;

	(void)b;
	if (key == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key to prepare");
	if (sg_privkey_prep(key, &sg_backend_ifma_ops) != NULL)
		return SG_OK;
	rc = ifma_key_prep_new(key, &prep, &why);
	if (rc == SG_E_UNSUPPORTED)
		return SG_OK;		/* signed through evp, nothing to cache */
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "ifma: %s", why.msg);
	/* The key takes prep in every case (released on error, or when
	 * another thread prepared the key first). */
	rc = sg_privkey_set_prep(key, &sg_backend_ifma_ops, prep, ifma_key_prep_free);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0,
				    "ifma: cannot keep the precomputation with the key (%s)",
				    sg_err_name(rc));
	return SG_OK;
}

/* Signs through evp into d; the completion carries evp's error if any. */
static void sign_evp(struct sg_sign_done *d, const struct sg_privkey *key, enum sg_alg alg,
		     const uint8_t *digest, size_t digest_len)
{
	struct sg_error err;
	size_t n;

	sg_error_clear(&err);
	d->status = sg_privkey_sign(key, alg, digest, digest_len, d->sig, sizeof(d->sig),
				    &d->sig_len, &err);
	if (d->status != SG_OK) {
		n = strnlen(err.msg, sizeof(d->error) - 1);
		memcpy(d->error, err.msg, n);
		d->error[n] = '\0';
		d->sig_len = 0;
	}
}

/* Releases a lane's signature when it passed the check, else evp's. */
static void release_lane(struct ifma_backend *ib, const struct ifma_job *j, const uint8_t *sig,
			 size_t k, bool checked_ok)
{
	struct sg_sign_done *d = sg_done_ring_push(&ib->done, j->cookie);

	if (checked_ok) {
		memcpy(d->sig, sig, k);
		d->sig_len = k;
		return;
	}
	ib->base.stats.fallbacks++;
	sign_evp(d, j->key, j->alg, j->digest, j->digest_len);
}

/*
 * The public-key check of a batch's real lanes: on IFMA modulo n when
 * every key has the public form (RSA-2048), else EVP_PKEY_verify.
 */
static void check_batch(struct ifma_backend *ib, const struct ifma_class *c,
			const struct ifma_key_prep *const keys[IFMA_LANES],
			const uint8_t *const em[IFMA_LANES], bool ok[IFMA_LANES])
{
	const uint8_t *sig[IFMA_LANES];
	const struct ifma_job *j;
	bool all_pub = true;

	for (unsigned l = 0; l < IFMA_LANES; l++) {
		sig[l] = ib->sig[l];
		all_pub = all_pub && keys[l]->has_pub;
	}
	if (all_pub) {
		ifma_rsa_check_batch(ib->work, keys, em, sig, ok);
		return;
	}
	for (unsigned l = 0; l < c->count; l++) {
		j = &c->job[l];
		ok[l] = sg_rsa_sig_verifies(j->key, j->alg, j->digest, j->digest_len, sig[l], c->bits / 8);
	}
}

/* Runs one class's batch (count >= 1), padding empty lanes with lane 0. */
static void run_batch(struct ifma_backend *ib, struct ifma_class *c)
{
	const struct ifma_key_prep *keys[IFMA_LANES];
	const uint8_t *em[IFMA_LANES];
	uint8_t *sig[IFMA_LANES];
	bool ok[IFMA_LANES];
	size_t k = c->bits / 8;

	for (unsigned l = 0; l < IFMA_LANES; l++) {
		const struct ifma_job *j = &c->job[l < c->count ? l : 0];

		keys[l] = j->prep;
		em[l] = j->em;
		sig[l] = ib->sig[l];
	}
	ifma_rsa_sign_batch(ib->work, &ifma_rsa_arith_native, keys, em, sig);
	ib->base.stats.batches++;
	ib->base.stats.padded_lanes += IFMA_LANES - c->count;
	for (unsigned l = 0; l < c->count; l++)
		if (ib->corrupt_lanes & (1u << l))
			ib->sig[l][k / 2] ^= 0x01;
	check_batch(ib, c, keys, em, ok);
	for (unsigned l = 0; l < c->count; l++)
		release_lane(ib, &c->job[l], ib->sig[l], k, ok[l]);
	ib->batched -= c->count;
	c->count = 0;
}

static struct ifma_class *class_of(struct ifma_backend *ib, unsigned bits)
{
	for (int i = 0; i < IFMA_CLASSES; i++)
		if (ib->cls[i].bits == bits)
			return &ib->cls[i];
	return NULL;
}

static enum sg_err ifma_submit(struct sg_backend *b, const struct sg_privkey *key,
			       enum sg_alg alg, const uint8_t *digest, size_t digest_len,
			       void *cookie, struct sg_error *err)
{
	struct ifma_backend *ib = to_ifma(b);
	const struct ifma_key_prep *prep;
	struct ifma_class *c = NULL;
	struct ifma_job *j;

	/* sg_backend_submit checked the job and the capacity; these two
	 * checks only keep a direct caller from overrunning the arrays. */
	if (key == NULL || digest == NULL || digest_len > SG_HASH_MAX)
		return sg_error_set(err, SG_E_ARG, 0, 0, "missing key or digest");
	if (ib->batched + ib->done.count >= IFMA_HELD_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "ifma backend holds %d jobs: poll first", IFMA_HELD_MAX);
	prep = alg == SG_ALG_ED25519_SHA256 ? NULL : sg_privkey_prep(key, &sg_backend_ifma_ops);
	if (prep != NULL)
		c = class_of(ib, prep->bits);
	if (c != NULL && !ifma_emsa_pkcs1(alg, digest, digest_len, c->job[c->count].em,
					  c->bits / 8))
		c = NULL;	/* not an RSA algorithm: evp reports the error */
	if (c == NULL) {
		struct sg_sign_done *d = sg_done_ring_push(&ib->done, cookie);

		b->stats.delegated++;
		sign_evp(d, key, alg, digest, digest_len);
		return SG_OK;
	}
	j = &c->job[c->count];
	j->cookie = cookie;
	j->key = key;
	j->prep = prep;
	j->alg = alg;
	j->digest_len = digest_len;
	memcpy(j->digest, digest, digest_len);
	c->count++;
	ib->batched++;
	if (c->count == IFMA_LANES)
		run_batch(ib, c);
	return SG_OK;
}

static void ifma_flush(struct sg_backend *b)
{
	struct ifma_backend *ib = to_ifma(b);

	for (int i = 0; i < IFMA_CLASSES; i++)
		if (ib->cls[i].count > 0)
			run_batch(ib, &ib->cls[i]);
}

static size_t ifma_poll(struct sg_backend *b, struct sg_sign_done *done, size_t max)
{
	return sg_done_ring_drain(&to_ifma(b)->done, done, max);
}

static size_t ifma_capacity(const struct sg_backend *b)
{
	(void)b;
	return IFMA_HELD_MAX;
}

void sg_backend_ifma_test_corrupt(struct sg_backend *b, unsigned lane_mask)
{
	if (b != NULL && b->ops == &sg_backend_ifma_ops)
		to_ifma(b)->corrupt_lanes = lane_mask;
}

const struct sg_backend_ops sg_backend_ifma_ops = {
	.name = "ifma",
	.probe = ifma_probe,
	.create = ifma_create,
	.destroy = ifma_destroy,
	.prepare = ifma_prepare,
	.submit = ifma_submit,
	.flush = ifma_flush,
	.poll = ifma_poll,
	.capacity = ifma_capacity,
};
