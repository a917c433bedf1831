/*
 * NAME
 *   backend_evp.c - the OpenSSL EVP signing backend: "evp", "engine:ID",
 *                   "provider:NAME"
 *
 * SUMMARY
 *   Synchronous: submit signs at once and queues the completion in a ring
 *   of EVP_CAPACITY entries; poll hands the queued completions back in
 *   submission order; flush has nothing to do. Signing is sg_evp_sign
 *   (key_sign.c), the code behind sg_privkey_sign, so every variant pads
 *   and encodes exactly like the reference.
 *
 *   evp            the key's own EVP_PKEY in the default library context.
 *   engine:ID      ENGINE_by_id(ID) + ENGINE_init; RSA keys are copied into
 *                  an RSA object made with the engine's RSA method, so the
 *                  private-key operation runs in the engine (no process-
 *                  wide ENGINE_set_default). Ed25519 is delegated to evp.
 *   provider:NAME  OSSL_PROVIDER_load(NAME) in a library context of the
 *                  instance's own (plus "default" for digests when NAME is
 *                  another provider); keys are re-imported there and
 *                  fetched with "?provider=NAME". NAME must offer RSA
 *                  signatures; Ed25519 is delegated when it has none.
 *
 *   Loading the engine or provider, and copying keys into them, is in
 *   backend_evp_load.c.
 *
 *   The engine and provider copies of a key belong to the instance (they
 *   hang on its ENGINE or library context) in a small cache. The cache
 *   recognises a key by its pointer and by a token installed in the key's
 *   prep slot: the cache holds a reference on the token, so a token
 *   address is never reused while an entry names it, and a new key at a
 *   freed key's address can never match a stale entry. Entries whose key
 *   was freed are dropped when the cache grows and at close.
 *
 * UNTRUSTED INPUT
 *   ID and NAME (from the backend spec): passed to OpenSSL as names.
 */

/* System library. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenSSL. */
#include <openssl/err.h>

/* Crypto layer. */
#include "backend_evp.h"
#include "backend_evp_load.h"
#include "done_ring.h"
#include "key_internal.h"

#define EVP_CAPACITY SG_DONE_RING_MAX

enum evp_variant { VARIANT_PLAIN, VARIANT_ENGINE, VARIANT_PROVIDER };

/* Lives in the key's prep slot (one reference) and in cache entries. */
struct key_token {
	atomic_uint refs;
	atomic_bool key_alive;
};

struct cached_key {
	const struct sg_privkey *key;	/* compared, never dereferenced */
	struct key_token *token;
	EVP_PKEY *pkey;			/* the instance's copy */
};

struct evp_backend {
	struct sg_backend base;		/* first: the generic header */
	enum evp_variant variant;
	char arg[VARIANT_ARG_MAX];
	ENGINE *engine;			/* engine: functional reference */
	struct evp_provider prov;	/* provider: own library context */
	struct cached_key *cache;
	size_t cached, cache_cap;
	struct sg_done_ring done;	/* completions to poll */
};

/* The prep-slot tag of the token (its address is what counts). */
static const char token_tag = 't';

static void token_unref(struct key_token *t)
{
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
		free(t);
}

/* Release callback of the prep slot: the key is going away. */
static void token_release_by_key(void *data)
{
	struct key_token *t = data;

	atomic_store_explicit(&t->key_alive, false, memory_order_release);
	token_unref(t);
}

static struct evp_backend *evp_of(struct sg_backend *b)
{
	return (struct evp_backend *)b;
}

static const char *variant_prefix(enum evp_variant v)
{
	return v == VARIANT_ENGINE ? "engine" : v == VARIANT_PROVIDER ? "provider" : "evp";
}

/* Does this instance sign key itself (true) or delegate it to evp? */
static bool signs_itself(const struct evp_backend *eb, const struct sg_privkey *key)
{
	if (eb->variant == VARIANT_PLAIN)
		return false;
	if (key->type == SG_KEY_RSA)
		return true;
	return eb->variant == VARIANT_PROVIDER && eb->prov.own_ed25519;
}

/* The instance's copy of key: engine-bound or provider-imported. */
static enum sg_err make_copy(struct evp_backend *eb, const struct sg_privkey *key,
			     EVP_PKEY **out, struct sg_error *err)
{
	OSSL_PARAM *params = NULL;

	if (EVP_PKEY_todata(key->pkey, EVP_PKEY_KEYPAIR, &params) != 1)
		return sg_ossl_fail(err, SG_E_CRYPTO, "cannot export the key");
	if (eb->variant == VARIANT_ENGINE)
		*out = evp_engine_rsa_copy(eb->engine, params);
	else
		*out = evp_provider_import(&eb->prov, key->type == SG_KEY_RSA ? "RSA" : "ED25519",
					   params);
	OSSL_PARAM_free(params);	/* wipes the secure-heap part */
	if (*out == NULL) {
		char what[VARIANT_ARG_MAX + 64];

		snprintf(what, sizeof(what), "%s: cannot take the key", eb->base.spec);
		return sg_ossl_fail(err, SG_E_CRYPTO, what);
	}
	return SG_OK;
}

static EVP_PKEY *cache_find(const struct evp_backend *eb, const struct sg_privkey *key,
			    const struct key_token *token)
{
	for (size_t i = 0; i < eb->cached; i++) {
		if (eb->cache[i].key == key && eb->cache[i].token == token)
			return eb->cache[i].pkey;
	}
	return NULL;
}

/* Drops entries whose key was freed. */
static void cache_prune(struct evp_backend *eb)
{
	size_t kept = 0;

	for (size_t i = 0; i < eb->cached; i++) {
		struct cached_key *c = &eb->cache[i];

		if (atomic_load_explicit(&c->token->key_alive, memory_order_acquire)) {
			eb->cache[kept++] = *c;
			continue;
		}
		EVP_PKEY_free(c->pkey);
		token_unref(c->token);
	}
	eb->cached = kept;
}

static enum sg_err cache_add(struct evp_backend *eb, const struct sg_privkey *key,
			     struct key_token *token, EVP_PKEY *pkey, struct sg_error *err)
{
	if (eb->cached == eb->cache_cap)
		cache_prune(eb);
	if (eb->cached == eb->cache_cap) {
		size_t cap = eb->cache_cap ? 2 * eb->cache_cap : 8;
		struct cached_key *grown = realloc(eb->cache, cap * sizeof(*grown));

		if (grown == NULL) {
			EVP_PKEY_free(pkey);
			return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
		}
		eb->cache = grown;
		eb->cache_cap = cap;
	}
	atomic_fetch_add_explicit(&token->refs, 1, memory_order_relaxed);
	eb->cache[eb->cached++] = (struct cached_key){ key, token, pkey };
	return SG_OK;
}

/* The copy of key for this instance, made now when another instance
 * prepared the key; SG_E_STATE when nobody prepared it. */
static enum sg_err copy_of(struct evp_backend *eb, const struct sg_privkey *key,
			   EVP_PKEY **out, struct sg_error *err)
{
	struct key_token *token = sg_privkey_prep(key, &token_tag);
	enum sg_err rc;

	if (token == NULL)
		return sg_error_set(err, SG_E_STATE, 0, 0,
				    "%s: key was not prepared (call sg_backend_prepare first)",
				    eb->base.spec);
	*out = cache_find(eb, key, token);
	if (*out != NULL)
		return SG_OK;
	rc = make_copy(eb, key, out, err);
	if (rc == SG_OK)
		rc = cache_add(eb, key, token, *out, err);
	return rc;
}

static enum sg_err evp_prepare(struct sg_backend *b, struct sg_privkey *key,
			       struct sg_error *err)
{
	struct evp_backend *eb = evp_of(b);
	struct key_token *token;
	EVP_PKEY *copy;

	if (!signs_itself(eb, key))
		return SG_OK;
	if (sg_privkey_prep(key, &token_tag) == NULL) {
		token = malloc(sizeof(*token));
		if (token == NULL)
			return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
		atomic_init(&token->refs, 1);
		atomic_init(&token->key_alive, true);
		if (sg_privkey_set_prep(key, &token_tag, token, token_release_by_key) != SG_OK)
			return sg_error_set(err, SG_E_LIMIT, 0, 0,
					    "%s: the key has no free precomputation slot",
					    b->spec);
	}
	return copy_of(eb, key, &copy, err);
}

static enum sg_err evp_submit(struct sg_backend *b, const struct sg_privkey *key,
			      enum sg_alg alg, const uint8_t *digest, size_t digest_len,
			      void *cookie, struct sg_error *err)
{
	struct evp_backend *eb = evp_of(b);
	struct sg_sign_done *d;
	struct sg_error sign_err;
	EVP_PKEY *pkey = NULL;
	enum sg_err rc;

	if (sg_done_ring_full(&eb->done))
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "%s: %d completions wait for poll",
				    b->spec, EVP_CAPACITY);
	if (signs_itself(eb, key)) {
		rc = copy_of(eb, key, &pkey, err);
		if (rc != SG_OK)
			return rc;
	} else if (eb->variant != VARIANT_PLAIN) {
		b->stats.delegated++;
	}
	d = sg_done_ring_push(&eb->done, cookie);
	sg_error_clear(&sign_err);
	d->status = sg_evp_sign(pkey ? pkey : key->pkey, pkey ? eb->prov.libctx : NULL,
				pkey && eb->prov.libctx ? eb->prov.propq : NULL, alg, digest, digest_len,
				d->sig, sizeof(d->sig), &d->sig_len, &sign_err);
	/* An engine's or provider's RSA signature is checked before release,
	 * like ifma's; a bad one is made again by OpenSSL and counted. */
	if (pkey != NULL && key->type == SG_KEY_RSA && d->status == SG_OK &&
	    !sg_rsa_sig_verifies(key, alg, digest, digest_len, d->sig, d->sig_len)) {
		b->stats.fallbacks++;
		sg_error_clear(&sign_err);
		d->status = sg_evp_sign(key->pkey, NULL, NULL, alg, digest, digest_len, d->sig,
					sizeof(d->sig), &d->sig_len, &sign_err);
	}
	evp_say(d->error, sizeof(d->error), "%s", d->status == SG_OK ? "" : sign_err.msg);
	return SG_OK;
}

static void evp_flush(struct sg_backend *b)
{
	(void)b;		/* every job completed in submit */
}

static size_t evp_poll(struct sg_backend *b, struct sg_sign_done *done, size_t max)
{
	return sg_done_ring_drain(&evp_of(b)->done, done, max);
}

static size_t evp_capacity(const struct sg_backend *b)
{
	(void)b;
	return EVP_CAPACITY;
}

static void evp_destroy(struct sg_backend *b)
{
	struct evp_backend *eb = evp_of(b);

	for (size_t i = 0; i < eb->cached; i++) {
		EVP_PKEY_free(eb->cache[i].pkey);
		token_unref(eb->cache[i].token);
	}
	free(eb->cache);
	if (eb->engine != NULL)
		evp_engine_stop(eb->engine);
	evp_provider_stop(&eb->prov);
	free(eb);
}

/* Checks the argument of a variant: none for evp, a name for the others. */
static bool arg_ok(enum evp_variant v, const char *arg, char *why, size_t cap)
{
	if (v == VARIANT_PLAIN && arg != NULL) {
		evp_say(why, cap, "evp takes no argument (engine:ID and provider:NAME do)");
		return false;
	}
	if (v != VARIANT_PLAIN && (arg == NULL || *arg == '\0')) {
		evp_say(why, cap, "%s needs a name: %s:%s", variant_prefix(v), variant_prefix(v),
			 v == VARIANT_ENGINE ? "ID" : "NAME");
		return false;
	}
	if (arg != NULL && strlen(arg) >= VARIANT_ARG_MAX) {
		evp_say(why, cap, "%s name is longer than %d bytes", variant_prefix(v),
			 VARIANT_ARG_MAX - 1);
		return false;
	}
	return true;
}

/* A new instance, or NULL with the reason in why and the error code in rc. */
static struct evp_backend *start_variant(enum evp_variant v, const char *arg, char *why,
					 size_t cap, enum sg_err *rc)
{
	struct evp_backend *eb;
	bool ok = true;

	*rc = SG_E_ARG;
	if (!arg_ok(v, arg, why, cap))
		return NULL;
	*rc = SG_E_NOMEM;
	eb = calloc(1, sizeof(*eb));
	if (eb == NULL) {
		evp_say(why, cap, "out of memory");
		return NULL;
	}
	eb->variant = v;
	snprintf(eb->arg, sizeof(eb->arg), "%s", arg ? arg : "");
	if (v == VARIANT_ENGINE) {
		eb->engine = evp_engine_start(arg, why, cap);
		ok = eb->engine != NULL;
	} else if (v == VARIANT_PROVIDER) {
		ok = evp_provider_start(&eb->prov, arg, why, cap);
	}
	if (!ok) {
		*rc = SG_E_UNSUPPORTED;
		evp_destroy(&eb->base);
		return NULL;
	}
	*rc = SG_OK;
	return eb;
}

static enum sg_err create_variant(enum evp_variant v, const char *arg,
				  struct sg_backend **out, struct sg_error *err)
{
	char why[256] = "";
	enum sg_err rc;
	struct evp_backend *eb = start_variant(v, arg, why, sizeof(why), &rc);

	if (eb == NULL)
		return sg_error_set(err, rc, 0, 0, "%s%s%s: %s", variant_prefix(v),
				    arg ? ":" : "", arg ? arg : "", why);
	*out = &eb->base;
	return SG_OK;
}

static enum sg_err plain_create(const char *arg, struct sg_backend **out, struct sg_error *err)
{
	return create_variant(VARIANT_PLAIN, arg, out, err);
}

static enum sg_err engine_create(const char *arg, struct sg_backend **out,
				 struct sg_error *err)
{
	return create_variant(VARIANT_ENGINE, arg, out, err);
}

static enum sg_err provider_create(const char *arg, struct sg_backend **out,
				   struct sg_error *err)
{
	return create_variant(VARIANT_PROVIDER, arg, out, err);
}

static bool plain_probe(const char *arg, char *why, size_t cap)
{
	return arg_ok(VARIANT_PLAIN, arg, why, cap);
}

/* The variants probe by starting an instance (and closing it again). */
static bool variant_probe(enum evp_variant v, const char *arg, char *why, size_t cap)
{
	enum sg_err rc;
	struct evp_backend *eb = start_variant(v, arg, why, cap, &rc);

	if (eb == NULL)
		return false;
	evp_destroy(&eb->base);
	return true;
}

static bool engine_probe(const char *arg, char *why, size_t cap)
{
	return variant_probe(VARIANT_ENGINE, arg, why, cap);
}

static bool provider_probe(const char *arg, char *why, size_t cap)
{
	return variant_probe(VARIANT_PROVIDER, arg, why, cap);
}

#define EVP_OPS(NAME, PROBE, CREATE) {						\
	.name = NAME, .probe = PROBE, .create = CREATE, .destroy = evp_destroy,	\
	.prepare = evp_prepare, .submit = evp_submit, .flush = evp_flush,	\
	.poll = evp_poll, .capacity = evp_capacity,				\
}

const struct sg_backend_ops sg_backend_evp_ops = EVP_OPS("evp", plain_probe, plain_create);
const struct sg_backend_ops sg_backend_engine_ops =
	EVP_OPS("engine", engine_probe, engine_create);
const struct sg_backend_ops sg_backend_provider_ops =
	EVP_OPS("provider", provider_probe, provider_create);
