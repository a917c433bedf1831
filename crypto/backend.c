/*
 * NAME
 *   backend.c - the signing-backend registry and the sg_backend_* calls
 *
 * SUMMARY
 *   The registry knows three kinds that open without an argument (evp,
 *   ifma, cryptodev; sg_backend_all lists them) and two evp variants that
 *   need one ("engine:ID", "provider:NAME"). sg_backend_open parses the
 *   spec, asks the kind's probe, and creates an instance; "auto" (or a NULL
 *   spec) is ifma when its probe says yes, else evp, and sg_backend_name
 *   then tells which one was chosen.
 *
 *   The wrappers do what every backend would otherwise repeat, so that all
 *   count and refuse alike:
 *     - submit checks the arguments (key, algorithm fits the key, digest
 *       length of the algorithm's hash) and the capacity (jobs submitted
 *       and not yet returned by poll, against sg_backend_capacity), then
 *       counts the job in stats.submitted when the backend accepted it;
 *     - poll counts stats.completed and stats.failed.
 *   The backend-specific counters (batches, padded_lanes, delegated,
 *   fallbacks) are kept by the backends themselves.
 *
 *   sg_backend_sign_one is for callers with a single job: it needs a
 *   backend with nothing in flight, submits, flushes and polls until the
 *   job is back (at most SIGN_ONE_WAIT_MS; a backend that has not answered
 *   by then must be closed).
 *
 * UNTRUSTED INPUT
 *   The spec string (from the command line or configuration): length-
 *   limited and matched against the registry.
 */

/* System library. */
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Crypto layer. */
#include "backend.h"
#include "backend_evp.h"
#include "backend_cryptodev.h"
#include "backend_ifma.h"

#define SIGN_ONE_WAIT_MS 10000
#define SG_ERROR_WHY_MAX 256
#define KNOWN_SPECS "auto, evp, ifma, cryptodev[:OPTIONS], engine:ID, provider:NAME"

static const struct sg_backend_ops *const kinds[] = {
	&sg_backend_evp_ops,
	&sg_backend_ifma_ops,
	&sg_backend_cryptodev_ops,
};

/* Kinds that take an argument after "name:" (not in sg_backend_all). */
static const struct sg_backend_ops *const variants[] = {
	&sg_backend_engine_ops,
	&sg_backend_provider_ops,
};

static const struct sg_backend_ops *find_n(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strlen(kinds[i]->name) == len && memcmp(kinds[i]->name, name, len) == 0)
			return kinds[i];
	}
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		if (strlen(variants[i]->name) == len && memcmp(variants[i]->name, name, len) == 0)
			return variants[i];
	}
	return NULL;
}

const struct sg_backend_ops *sg_backend_find(const char *name)
{
	return name == NULL ? NULL : find_n(name, strlen(name));
}

const struct sg_backend_ops *const *sg_backend_all(size_t *count)
{
	if (count != NULL)
		*count = sizeof(kinds) / sizeof(kinds[0]);
	return kinds;
}

/* Probes ops with arg and creates an instance; spec names it in errors. */
static enum sg_err open_kind(const struct sg_backend_ops *ops, const char *arg,
			     const char *spec, struct sg_backend **out, struct sg_error *err)
{
	char why[SG_ERROR_WHY_MAX] = "";
	enum sg_err rc;

	if (!ops->probe(arg, why, sizeof(why)))
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0, "%s: not available here: %s",
				    spec, why[0] ? why : "its probe gave no reason");
	rc = ops->create(arg, out, err);
	if (rc != SG_OK)
		return rc;
	(*out)->ops = ops;
	(*out)->stats.submitted = 0;
	(*out)->stats.completed = 0;
	(*out)->stats.failed = 0;
	snprintf((*out)->spec, sizeof((*out)->spec), "%s", spec);
	return SG_OK;
}

/* "auto": ifma where its probe says yes (and it starts), else evp. */
static enum sg_err open_auto(struct sg_backend **out, struct sg_error *err)
{
	char why[SG_ERROR_WHY_MAX];

	if (sg_backend_ifma_ops.probe(NULL, why, sizeof(why)) &&
	    open_kind(&sg_backend_ifma_ops, NULL, "auto", out, NULL) == SG_OK)
		return SG_OK;
	return open_kind(&sg_backend_evp_ops, NULL, "auto", out, err);
}

enum sg_err sg_backend_open(const char *spec, struct sg_backend **out, struct sg_error *err)
{
	const struct sg_backend_ops *ops;
	const char *colon, *arg = NULL;
	size_t name_len;

	if (out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no place for the backend");
	*out = NULL;
	if (spec == NULL || strcmp(spec, "auto") == 0)
		return open_auto(out, err);
	if (strlen(spec) >= sizeof((*out)->spec))
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "backend name is %zu bytes long; the limit is %zu",
				    strlen(spec), sizeof((*out)->spec) - 1);
	colon = strchr(spec, ':');
	name_len = colon ? (size_t)(colon - spec) : strlen(spec);
	if (colon != NULL)
		arg = colon + 1;
	ops = find_n(spec, name_len);
	if (ops == NULL)
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "unknown backend \"%s\" (known: " KNOWN_SPECS ")", spec);
	return open_kind(ops, arg, spec, out, err);
}

void sg_backend_close(struct sg_backend *b)
{
	if (b != NULL && b->ops->destroy != NULL)
		b->ops->destroy(b);
}

const char *sg_backend_name(const struct sg_backend *b)
{
	return b == NULL ? "none" : b->ops->name;
}

enum sg_err sg_backend_prepare(struct sg_backend *b, struct sg_privkey *key,
			       struct sg_error *err)
{
	if (b == NULL || key == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no backend or no key to prepare");
	if (b->ops->prepare == NULL)
		return SG_OK;
	return b->ops->prepare(b, key, err);
}

static enum sg_err check_job(const struct sg_privkey *key, enum sg_alg alg,
			     const uint8_t *digest, size_t digest_len, struct sg_error *err)
{
	if (key == NULL || digest == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "missing key or digest");
	if (alg != SG_ALG_RSA_SHA1 && alg != SG_ALG_RSA_SHA256 && alg != SG_ALG_ED25519_SHA256)
		return sg_error_set(err, SG_E_ARG, 0, 0, "unknown algorithm %d", (int)alg);
	if (!sg_privkey_supports(key, alg))
		return sg_error_set(err, SG_E_ARG, 0, 0, "algorithm %s does not fit %s key",
				    sg_alg_name(alg),
				    sg_privkey_type(key) == SG_KEY_RSA ? "an RSA" : "an Ed25519");
	if (digest_len != sg_hash_len(sg_alg_hash(alg)))
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "%s needs a %zu-byte digest, got %zu bytes", sg_alg_name(alg),
				    sg_hash_len(sg_alg_hash(alg)), digest_len);
	return SG_OK;
}

enum sg_err sg_backend_submit(struct sg_backend *b, const struct sg_privkey *key,
			      enum sg_alg alg, const uint8_t *digest, size_t digest_len,
			      void *cookie, struct sg_error *err)
{
	uint64_t in_flight;
	size_t cap;
	enum sg_err rc;

	if (b == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no backend");
	rc = check_job(key, alg, digest, digest_len, err);
	if (rc != SG_OK)
		return rc;
	in_flight = b->stats.submitted - b->stats.completed;
	cap = sg_backend_capacity(b);
	if (in_flight >= cap)
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "backend %s holds %zu jobs, its capacity: poll before "
				    "submitting more", b->spec, cap);
	rc = b->ops->submit(b, key, alg, digest, digest_len, cookie, err);
	if (rc == SG_OK)
		b->stats.submitted++;
	return rc;
}

void sg_backend_flush(struct sg_backend *b)
{
	if (b != NULL && b->ops->flush != NULL)
		b->ops->flush(b);
}

size_t sg_backend_poll(struct sg_backend *b, struct sg_sign_done *done, size_t max)
{
	size_t n;

	if (b == NULL || done == NULL || max == 0)
		return 0;
	n = b->ops->poll(b, done, max);
	for (size_t i = 0; i < n; i++) {
		b->stats.completed++;
		if (done[i].status != SG_OK)
			b->stats.failed++;
	}
	return n;
}

size_t sg_backend_capacity(const struct sg_backend *b)
{
	return b == NULL ? 0 : b->ops->capacity(b);
}

void sg_backend_get_stats(const struct sg_backend *b, struct sg_backend_stats *out)
{
	if (out == NULL)
		return;
	if (b == NULL)
		memset(out, 0, sizeof(*out));
	else
		*out = b->stats;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Polls until one completion arrives or SIGN_ONE_WAIT_MS pass. */
static bool wait_one(struct sg_backend *b, struct sg_sign_done *done)
{
	const struct timespec pause = { 0, 50 * 1000 };		/* 50 us */
	uint64_t start = now_ms();

	while (sg_backend_poll(b, done, 1) == 0) {
		if (now_ms() - start > SIGN_ONE_WAIT_MS)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

enum sg_err sg_backend_sign_one(struct sg_backend *b, const struct sg_privkey *key,
				enum sg_alg alg, const uint8_t *digest, size_t digest_len,
				uint8_t *sig, size_t cap, size_t *sig_len, struct sg_error *err)
{
	struct sg_sign_done done;
	enum sg_err rc;

	if (b == NULL || sig == NULL || sig_len == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no backend or no signature buffer");
	*sig_len = 0;
	if (b->stats.submitted != b->stats.completed)
		return sg_error_set(err, SG_E_STATE, 0, 0,
				    "sign_one needs a backend with no job in flight (%s has %llu)",
				    b->spec,
				    (unsigned long long)(b->stats.submitted - b->stats.completed));
	/* The instance itself is the cookie: unique, and nothing else is in flight. */
	rc = sg_backend_submit(b, key, alg, digest, digest_len, b, err);
	if (rc != SG_OK)
		return rc;
	sg_backend_flush(b);
	if (!wait_one(b, &done))
		return sg_error_set(err, SG_E_CRYPTO, 0, 0,
				    "backend %s did not complete the signature within %d ms",
				    b->spec, SIGN_ONE_WAIT_MS);
	if (done.cookie != b)
		return sg_error_set(err, SG_E_STATE, 0, 0,
				    "backend %s returned a job that was never submitted", b->spec);
	if (done.status != SG_OK)
		return sg_error_set(err, done.status, 0, 0, "%s", done.error);
	if (done.sig_len > cap)
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "signature needs %zu bytes, buffer has %zu", done.sig_len, cap);
	memcpy(sig, done.sig, done.sig_len);
	*sig_len = done.sig_len;
	return SG_OK;
}
