/*
 * NAME
 *   hash_evp.c - struct sg_hash_ops on OpenSSL EVP_MD_CTX (SHA-1, SHA-256)
 *
 * SUMMARY
 *   sg_hash_evp() returns one immutable table; env is unused.
 *   sg_hash_evp_fetched_new() returns a table of its own whose env holds
 *   the two digests fetched once (each context takes its own reference
 *   at init, so the table may go before its contexts in OpenSSL's eyes,
 *   but the interface asks for the other order). Each create() makes an
 *   independent context, so contexts may be used from different threads
 *   at once. update() cannot report an error through
 *   the interface: a failure is remembered and final() then returns 0
 *   instead of a digest length (never a wrong digest). final() may be
 *   called once; destroy() frees the context after or instead of final().
 *   sg_hash_evp_pooled_new() is a fetched table for one thread: destroy()
 *   starts the context again (its state back to the digest's initial
 *   value, so nothing of what it hashed stays) and keeps it, up to
 *   POOL_MAX per digest, for the next create() of that digest.
 */

/* System library. */
#include <stdbool.h>
#include <stdlib.h>

/* OpenSSL. */
#include <openssl/evp.h>

/* Crypto layer. */
#include "hash_evp.h"

#define POOL_MAX 16		/* kept contexts per digest (pooled tables) */

struct evp_fetched;

struct evp_hash {
	EVP_MD_CTX *md;
	bool failed;		/* an update failed, or final already ran */
	enum sg_hash_alg alg;
	struct evp_fetched *home;	/* pooled table it goes back to, or NULL */
};

/* env of a sg_hash_evp_fetched_new() or sg_hash_evp_pooled_new() table. */
struct evp_fetched {
	struct sg_hash_ops ops;
	EVP_MD *sha1, *sha256;
	bool pooled;
	struct evp_hash *pool[2][POOL_MAX];	/* started contexts, by alg */
	size_t npool[2];
};

static void *evp_create(void *env, enum sg_hash_alg alg)
{
	struct evp_fetched *f = env;
	const EVP_MD *type;
	struct evp_hash *h;

	if (alg == SG_HASH_SHA1)
		type = f != NULL ? f->sha1 : EVP_sha1();
	else if (alg == SG_HASH_SHA256)
		type = f != NULL ? f->sha256 : EVP_sha256();
	else
		return NULL;
	if (f != NULL && f->npool[alg] > 0)
		return f->pool[alg][--f->npool[alg]];
	h = malloc(sizeof(*h));
	if (h == NULL)
		return NULL;
	h->failed = false;
	h->alg = alg;
	h->home = f != NULL && f->pooled ? f : NULL;
	h->md = EVP_MD_CTX_new();
	if (h->md == NULL || EVP_DigestInit_ex2(h->md, type, NULL) != 1) {
		EVP_MD_CTX_free(h->md);
		free(h);
		return NULL;
	}
	return h;
}

static void evp_update(void *ctx, const void *data, size_t len)
{
	struct evp_hash *h = ctx;

	if (h->failed || len == 0)
		return;
	if (EVP_DigestUpdate(h->md, data, len) != 1)
		h->failed = true;
}

static size_t evp_final(void *ctx, uint8_t out[SG_HASH_MAX])
{
	struct evp_hash *h = ctx;
	unsigned int n = 0;

	if (h->failed)
		return 0;
	h->failed = true;	/* a second final() must not reuse the context */
	if (EVP_MD_CTX_get_size(h->md) > SG_HASH_MAX ||
	    EVP_DigestFinal_ex(h->md, out, &n) != 1)
		return 0;
	return n;
}

static void evp_destroy(void *ctx)
{
	struct evp_hash *h = ctx;
	struct evp_fetched *f;

	if (h == NULL)
		return;
	f = h->home;
	/* pooled: start it again now, so its state holds nothing hashed */
	if (f != NULL && f->npool[h->alg] < POOL_MAX &&
	    EVP_DigestInit_ex2(h->md, h->alg == SG_HASH_SHA1 ? f->sha1 : f->sha256, NULL) == 1) {
		h->failed = false;
		f->pool[h->alg][f->npool[h->alg]++] = h;
		return;
	}
	EVP_MD_CTX_free(h->md);
	free(h);
}

static const struct sg_hash_ops evp_hash_ops = {
	.create = evp_create,
	.update = evp_update,
	.final = evp_final,
	.destroy = evp_destroy,
	.env = NULL,
};

const struct sg_hash_ops *sg_hash_evp(void)
{
	return &evp_hash_ops;
}

static const struct sg_hash_ops *fetched_new(bool pooled)
{
	struct evp_fetched *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->pooled = pooled;
	f->ops = evp_hash_ops;
	f->ops.env = f;
	f->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	f->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (f->sha1 == NULL || f->sha256 == NULL) {
		sg_hash_evp_fetched_free(&f->ops);
		return NULL;
	}
	return &f->ops;
}

const struct sg_hash_ops *sg_hash_evp_fetched_new(void)
{
	return fetched_new(false);
}

const struct sg_hash_ops *sg_hash_evp_pooled_new(void)
{
	return fetched_new(true);
}

void sg_hash_evp_fetched_free(const struct sg_hash_ops *ops)
{
	struct evp_fetched *f;

	if (ops == NULL || ops->env == NULL)
		return;		/* NULL, or sg_hash_evp()'s own table */
	f = ops->env;
	for (int alg = 0; alg < 2; alg++) {
		while (f->npool[alg] > 0) {
			struct evp_hash *h = f->pool[alg][--f->npool[alg]];

			EVP_MD_CTX_free(h->md);
			free(h);
		}
	}
	EVP_MD_free(f->sha1);
	EVP_MD_free(f->sha256);
	free(f);
}
