/*
 * NAME
 *   backend.h - signing backends: one batch interface for every way of
 *               turning a digest into a signature
 *
 * SUMMARY
 *   A backend is a small table of functions (struct sg_backend_ops) with a
 *   name and a probe. Each worker opens its own instance (struct
 *   sg_backend); instances are not shared between threads. The engine and
 *   the tools reach signing only through the sg_backend_* calls below:
 *
 *     sg_backend_open("auto" | "evp" | "ifma" | "cryptodev" | "engine:ID" |
 *                     "provider:NAME", &b, &err)
 *     sg_backend_prepare(b, key)        once per key: the backend's
 *                                       precomputation is cached in the key
 *                                       (sg_privkey_prep) and shared by all
 *                                       instances of that backend
 *     sg_backend_submit(b, key, alg, digest, len, cookie)
 *     sg_backend_flush(b)               start a partial batch now
 *     n = sg_backend_poll(b, done, max) collect completions (any order)
 *     sg_backend_close(b)
 *
 *   Synchronous backends (evp) complete during submit; batched (ifma) and
 *   offload (cryptodev) backends complete after a batch fills, after flush,
 *   or when the device answers. Every submitted job completes exactly once,
 *   with SG_OK and the signature bytes or with an error; the cookie is the
 *   caller's. submit fails with SG_E_LIMIT when the backend holds
 *   sg_backend_capacity() jobs: poll first.
 *
 *   Signatures are what OpenSSL makes for the same key and digest: RSA
 *   PKCS#1 v1.5 over the DigestInfo of the algorithm's hash (deterministic,
 *   so byte-identical across backends), Ed25519 over the digest bytes.
 *   RSA signatures not made by OpenSSL's default provider (ifma,
 *   cryptodev, and evp's engine:ID and provider:NAME variants) are checked
 *   with the public key before release (sg_rsa_sig_verifies); a failed
 *   check is signed again by OpenSSL and counted in stats.fallbacks.
 *
 *   "auto" is ifma where the CPU offers it (avx512f, avx512ifma, avx512vl and
 *   OS-enabled zmm state), else evp. Backends sign what they cannot
 *   accelerate (Ed25519, RSA sizes they lack) through evp themselves.
 *
 * UNTRUSTED INPUT
 *   None: keys and digests come from the caller.
 */
#ifndef SIGNET_CRYPTO_BACKEND_H
#define SIGNET_CRYPTO_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "key.h"
#include "status.h"
#include "types.h"

struct sg_backend;

struct sg_sign_done {
	void *cookie;
	enum sg_err status;
	char error[128];		/* reason when status != SG_OK */
	size_t sig_len;
	uint8_t sig[SG_SIG_MAX];
};

struct sg_backend_stats {
	uint64_t submitted;
	uint64_t completed;
	uint64_t failed;		/* completed with an error */
	uint64_t batches;		/* batches started (batched/offload backends) */
	uint64_t padded_lanes;		/* empty lanes in partial batches */
	uint64_t delegated;		/* jobs handed to evp (unsupported alg/size) */
	uint64_t fallbacks;		/* signatures that failed the public-key check */
};

struct sg_backend_ops {
	const char *name;		/* "evp", "ifma", "cryptodev", "engine", ... */
	/* Can this backend run here with this argument (the text after "name:")?
	 * why receives the reason when not. */
	bool (*probe)(const char *arg, char *why, size_t why_cap);
	enum sg_err (*create)(const char *arg, struct sg_backend **out, struct sg_error *err);
	void (*destroy)(struct sg_backend *b);
	enum sg_err (*prepare)(struct sg_backend *b, struct sg_privkey *key,
			       struct sg_error *err);
	enum sg_err (*submit)(struct sg_backend *b, const struct sg_privkey *key, enum sg_alg alg,
			      const uint8_t *digest, size_t digest_len, void *cookie,
			      struct sg_error *err);
	void (*flush)(struct sg_backend *b);
	size_t (*poll)(struct sg_backend *b, struct sg_sign_done *done, size_t max);
	size_t (*capacity)(const struct sg_backend *b);	/* jobs held at most */
};

/* Every backend instance starts with this header. */
struct sg_backend {
	const struct sg_backend_ops *ops;
	struct sg_backend_stats stats;
	char spec[64];			/* what was asked for, e.g. "auto" */
};

/* The ops table of a backend kind, or NULL when unknown / not built in. */
const struct sg_backend_ops *sg_backend_find(const char *name);
/* All built-in kinds, for listing and for the shared test suite. */
const struct sg_backend_ops *const *sg_backend_all(size_t *count);

SG_MUST_CHECK enum sg_err sg_backend_open(const char *spec, struct sg_backend **out,
					  struct sg_error *err);
void sg_backend_close(struct sg_backend *b);
const char *sg_backend_name(const struct sg_backend *b);	/* the kind chosen */

SG_MUST_CHECK enum sg_err sg_backend_prepare(struct sg_backend *b, struct sg_privkey *key,
					     struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_backend_submit(struct sg_backend *b, const struct sg_privkey *key,
					    enum sg_alg alg, const uint8_t *digest,
					    size_t digest_len, void *cookie,
					    struct sg_error *err);
void sg_backend_flush(struct sg_backend *b);
size_t sg_backend_poll(struct sg_backend *b, struct sg_sign_done *done, size_t max);
size_t sg_backend_capacity(const struct sg_backend *b);
void sg_backend_get_stats(const struct sg_backend *b, struct sg_backend_stats *out);

/* Convenience for one-off callers: submit, flush and poll until this job
 * completes (other completions collected meanwhile are an error). */
SG_MUST_CHECK enum sg_err sg_backend_sign_one(struct sg_backend *b, const struct sg_privkey *key,
					      enum sg_alg alg, const uint8_t *digest,
					      size_t digest_len, uint8_t *sig, size_t cap,
					      size_t *sig_len, struct sg_error *err);

#endif
