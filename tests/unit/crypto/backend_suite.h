/*
 * NAME
 *   backend_suite.h - the shared body of the signing-backend tests
 *
 * SUMMARY
 *   One test body runs against every backend: each kind sg_backend_all()
 *   lists, plus "auto", "provider:default" and "engine:pkcs11". bs_main()
 *   opens each spec once (engines not under AddressSanitizer: see
 *   BS_ENGINE_UNDER_ASAN); one that is not available here is reported as
 *   skipped (cmocka skip(), with the reason printed), and when none is
 *   available the binary exits 77 so the run never passes silently. Each
 *   test case runs once per spec, named "SPEC: case"; cases that need no
 *   backend (registry, wrapper checks on a fake backend) run once.
 *
 *   Keys: bs_key_get(type, bits, i) gives test key i of a size, generated
 *   once and cached as PEM (mode 0600) in a private directory
 *   ($SIGNET_TEST_KEYCACHE, else $TMPDIR-or-/tmp/signet-test-keys-UID);
 *   each key is held twice: as signet's sg_privkey and as an EVP_PKEY that
 *   OpenSSL read from the same file, for the reference signature.
 *   bs_ref_sign signs with OpenSSL directly (EVP_PKEY_sign with PKCS#1
 *   v1.5 padding and the hash's DigestInfo for RSA; EVP_DigestSign for
 *   Ed25519, which EVP_PKEY_sign does not offer).
 *
 *   Jobs: bs_job_fill picks a random digest (a per-run PRNG whose seed is
 *   printed; SIGNET_TEST_SEED repeats a run); bs_run submits jobs (cookie =
 *   the job), flushes, polls until all are back, and fails unless every
 *   cookie came back exactly once with a signature byte-identical to the
 *   reference. bs_open opens the spec of the test (skipping when it is not
 *   available) and bs_prepare prepares a key on it.
 */
#ifndef SIGNET_TEST_BACKEND_SUITE_H
#define SIGNET_TEST_BACKEND_SUITE_H

#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "backend.h"
#include "cryptodev_lsan.h"	/* ASan: the crypto_openssl PMD's known leak */
#include "key.h"

#define BS_MAX_SPECS 8
#define BS_KEYS_PER_SIZE 3
#define BS_SIZES 5			/* RSA 1024, 2048, 3072, 4096; Ed25519 */
#define BS_POLL_ROUNDS 200000		/* hang guard: x 50 us, not a timing check */

struct bs_spec {
	const char *spec;
	bool available;
	char why[256];
};

struct bs_key {
	struct sg_privkey *key;
	EVP_PKEY *ref;			/* the same key, read by OpenSSL */
	enum sg_keytype type;
	unsigned bits;
};

struct bs_job {
	struct bs_key *k;
	enum sg_alg alg;
	uint8_t digest[32];
	size_t digest_len;
	int returned;			/* completions seen for this cookie */
};

struct bs_case {
	const char *name;
	CMUnitTestFunction fn;
};

/* The pkcs11 engine (libp11) builds its RSA/EC/PKEY methods once per process
 * and never frees them, and LeakSanitizer cannot tell those leaks from ours:
 * under AddressSanitizer the engine is reported as skipped. */
#ifdef __SANITIZE_ADDRESS__
#define BS_ENGINE_UNDER_ASAN "not run under AddressSanitizer (the pkcs11 engine never " \
	"frees its methods)"
#else
#define BS_ENGINE_UNDER_ASAN ""
#endif

static const unsigned bs_rsa_bits[4] = { 1024, 2048, 3072, 4096 };
static struct bs_key bs_keys[BS_SIZES][BS_KEYS_PER_SIZE];
static uint64_t bs_rng_state;

static inline uint64_t bs_rand(void)
{
	bs_rng_state ^= bs_rng_state << 13;	/* xorshift64 */
	bs_rng_state ^= bs_rng_state >> 7;
	bs_rng_state ^= bs_rng_state << 17;
	return bs_rng_state;
}

static inline const char *bs_cache_dir(void)
{
	static char dir[4096];
	const char *env = getenv("SIGNET_TEST_KEYCACHE"), *tmp = getenv("TMPDIR");
	struct stat st;

	if (env != NULL && *env != '\0')
		snprintf(dir, sizeof(dir), "%s", env);
	else
		snprintf(dir, sizeof(dir), "%s/signet-test-keys-%u", tmp ? tmp : "/tmp",
			 (unsigned)getuid());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		fail_msg("cannot make key cache %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0)
		fail_msg("key cache %s must be a directory of ours with mode 0700", dir);
	return dir;
}

static inline EVP_PKEY *bs_openssl_read(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pk;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pk == NULL)
		fail_msg("OpenSSL cannot read %s", path);
	return pk;
}

/* Loads path both ways (allow_unsafe for the read-only testdata files). */
static inline void bs_key_load(const char *path, bool allow_unsafe, struct bs_key *out)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_privkey_load(path, allow_unsafe, &out->key, &err) != SG_OK)
		fail_msg("loading %s: %s", path, err.msg);
	out->ref = bs_openssl_read(path);
	out->type = sg_privkey_type(out->key);
	out->bits = sg_privkey_bits(out->key);
}

static inline void bs_key_free(struct bs_key *k)
{
	sg_privkey_free(k->key);
	EVP_PKEY_free(k->ref);
	memset(k, 0, sizeof(*k));
}

/* Test key i of a size (size 0..3: RSA bs_rsa_bits, 4: Ed25519). */
static inline struct bs_key *bs_key_get(size_t size, size_t i)
{
	struct bs_key *k = &bs_keys[size][i];
	enum sg_keytype type = size < 4 ? SG_KEY_RSA : SG_KEY_ED25519;
	unsigned bits = size < 4 ? bs_rsa_bits[size] : 0;
	struct sg_privkey *fresh = NULL;
	struct sg_error err;
	char path[4200];

	if (k->key != NULL)
		return k;
	snprintf(path, sizeof(path), "%s/%s%u-%zu.pem", bs_cache_dir(),
		 type == SG_KEY_RSA ? "rsa" : "ed25519", bits, i);
	if (access(path, F_OK) != 0) {
		if (sg_privkey_generate(type, bits, &fresh, &err) != SG_OK)
			fail_msg("generate: %s", err.msg);
		/* Another test binary may write the same name first: then use its key. */
		if (sg_privkey_write(fresh, path, &err) != SG_OK && access(path, F_OK) != 0)
			fail_msg("caching a key: %s", err.msg);
		sg_privkey_free(fresh);
	}
	bs_key_load(path, false, k);
	return k;
}

static inline void bs_keys_free(void)
{
	for (size_t s = 0; s < BS_SIZES; s++)
		for (size_t i = 0; i < BS_KEYS_PER_SIZE; i++)
			if (bs_keys[s][i].key != NULL)
				bs_key_free(&bs_keys[s][i]);
}

/* OpenSSL's own signature of digest with k's reference key. */
static inline size_t bs_ref_sign(const struct bs_key *k, enum sg_alg alg, const uint8_t *digest,
				 size_t dlen, uint8_t *sig)
{
	size_t n = SG_SIG_MAX;

	if (alg == SG_ALG_ED25519_SHA256) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		assert_non_null(md);
		assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, k->ref), 1);
		assert_int_equal(EVP_DigestSign(md, sig, &n, digest, dlen), 1);
		EVP_MD_CTX_free(md);
	} else {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->ref, NULL);

		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, alg == SG_ALG_RSA_SHA1 ?
							      EVP_sha1() : EVP_sha256()), 1);
		assert_int_equal(EVP_PKEY_sign(ctx, sig, &n, digest, dlen), 1);
		EVP_PKEY_CTX_free(ctx);
	}
	return n;
}

/* A job for k: RSA keys get sha1 or sha256 at random, with a random digest. */
static inline void bs_job_fill(struct bs_job *j, struct bs_key *k)
{
	j->k = k;
	if (k->type == SG_KEY_ED25519)
		j->alg = SG_ALG_ED25519_SHA256;
	else
		j->alg = bs_rand() & 1 ? SG_ALG_RSA_SHA1 : SG_ALG_RSA_SHA256;
	j->digest_len = j->alg == SG_ALG_RSA_SHA1 ? 20 : 32;
	for (size_t i = 0; i < j->digest_len; i++)
		j->digest[i] = (uint8_t)bs_rand();
	j->returned = 0;
}

/* Fails unless d is the first completion of its job, signed as OpenSSL signs. */
static inline void bs_check_done(const struct sg_backend *b, const struct sg_sign_done *d)
{
	struct bs_job *j = d->cookie;
	uint8_t ref[SG_SIG_MAX];
	size_t n;

	assert_non_null(j);
	if (++j->returned != 1)
		fail_msg("%s: a cookie came back %d times", b->spec, j->returned);
	if (d->status != SG_OK)
		fail_msg("%s: %s with a %u-bit key failed: %s", b->spec, sg_alg_name(j->alg),
			 j->k->bits, d->error);
	n = bs_ref_sign(j->k, j->alg, j->digest, j->digest_len, ref);
	if (d->sig_len != n || memcmp(d->sig, ref, n) != 0)
		fail_msg("%s: %s signature with a %u-bit key differs from OpenSSL's "
			 "(%zu vs %zu bytes)", b->spec, sg_alg_name(j->alg), j->k->bits,
			 d->sig_len, n);
}

/* Polls until want completions arrived (checking each); returns them. */
static inline size_t bs_collect(struct sg_backend *b, size_t want)
{
	const struct timespec pause = { 0, 50 * 1000 };
	struct sg_sign_done done[8];
	size_t got = 0;

	for (long round = 0; got < want; round++) {
		size_t n = sg_backend_poll(b, done, want - got < 8 ? want - got : 8);

		if (n == 0 && round > BS_POLL_ROUNDS)
			fail_msg("%s: %zu of %zu jobs never completed", b->spec, want - got, want);
		if (n == 0)
			nanosleep(&pause, NULL);
		for (size_t i = 0; i < n; i++)
			bs_check_done(b, &done[i]);
		got += n;
	}
	return got;
}

static inline void bs_submit(struct sg_backend *b, struct bs_job *j)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_backend_submit(b, j->k->key, j->alg, j->digest, j->digest_len, j, &err) != SG_OK)
		fail_msg("%s: submit: %s", b->spec, err.msg);
}

/* Submits every job, flushes, collects all; nothing may remain after. */
static inline void bs_run(struct sg_backend *b, struct bs_job *jobs, size_t n)
{
	struct sg_sign_done extra;

	for (size_t i = 0; i < n; i++)
		bs_submit(b, &jobs[i]);
	sg_backend_flush(b);
	bs_collect(b, n);
	assert_int_equal(sg_backend_poll(b, &extra, 1), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(jobs[i].returned, 1);
}

static inline void bs_prepare(struct sg_backend *b, struct bs_key *k)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_backend_prepare(b, k->key, &err) != SG_OK)
		fail_msg("%s: prepare a %u-bit key: %s", b->spec, k->bits, err.msg);
}

/* The test's backend, opened anew; skips the test when not available. */
static inline struct sg_backend *bs_open(void **state)
{
	const struct bs_spec *sp = *state;
	struct sg_backend *b = NULL;
	struct sg_error err;

	if (!sp->available)
		skip();
	sg_error_clear(&err);
	if (sg_backend_open(sp->spec, &b, &err) != SG_OK)
		fail_msg("%s: open: %s", sp->spec, err.msg);
	return b;
}

static inline void bs_add_spec(struct bs_spec *specs, size_t *n, const char *spec)
{
	struct sg_backend *b = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	specs[*n].spec = spec;
	if (BS_ENGINE_UNDER_ASAN[0] != '\0' && strncmp(spec, "engine:", 7) == 0) {
		specs[*n].available = false;
		snprintf(specs[*n].why, sizeof(specs[*n].why), "%s", BS_ENGINE_UNDER_ASAN);
		(*n)++;
		return;
	}
	specs[*n].available = sg_backend_open(spec, &b, &err) == SG_OK;
	snprintf(specs[*n].why, sizeof(specs[*n].why), "%s", err.msg);
	sg_backend_close(b);
	(*n)++;
}

static inline uint64_t bs_seed(void)
{
	const char *env = getenv("SIGNET_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) * 2654435761u;

	return seed ? seed : 1;
}

/* Runs every case against every spec, then the once cases (no spec) one
 * time each; 77 when no backend is available. */
static inline int bs_main(const char *group, const struct bs_case *cases, size_t ncases,
			  const struct bs_case *once, size_t nonce)
{
	static struct bs_spec specs[BS_MAX_SPECS];
	size_t nkinds, nspecs = 0, available = 0, t = 0;
	const struct sg_backend_ops *const *kinds = sg_backend_all(&nkinds);
	struct CMUnitTest *tests;
	int rc;

	for (size_t i = 0; i < nkinds && nspecs < BS_MAX_SPECS - 3; i++)
		bs_add_spec(specs, &nspecs, kinds[i]->name);
	bs_add_spec(specs, &nspecs, "auto");
	bs_add_spec(specs, &nspecs, "provider:default");
	bs_add_spec(specs, &nspecs, "engine:pkcs11");
	bs_rng_state = bs_seed();
	printf("# %s: seed %llu (SIGNET_TEST_SEED repeats it)\n", group,
	       (unsigned long long)bs_rng_state);
	for (size_t i = 0; i < nspecs; i++) {
		available += specs[i].available;
		if (!specs[i].available)
			printf("# %s: backend %s skipped: %s\n", group, specs[i].spec, specs[i].why);
	}
	if (available == 0) {
		printf("# %s: no backend is available here\n", group);
		return 77;
	}
	tests = calloc(nspecs * ncases + nonce, sizeof(*tests));
	assert_non_null(tests);
	for (size_t i = 0; i < nspecs; i++) {
		for (size_t c = 0; c < ncases; c++, t++) {
			char *name = NULL;

			assert_true(asprintf(&name, "%s: %s", specs[i].spec, cases[c].name) > 0);
			tests[t] = (struct CMUnitTest){ name, cases[c].fn, NULL, NULL, &specs[i] };
		}
	}
	for (size_t c = 0; c < nonce; c++, t++) {
		char *name = strdup(once[c].name);

		assert_non_null(name);
		tests[t] = (struct CMUnitTest){ name, once[c].fn, NULL, NULL, NULL };
	}
	rc = _cmocka_run_group_tests(group, tests, t, NULL, NULL);
	for (size_t i = 0; i < t; i++)
		free((char *)tests[i].name);
	free(tests);
	bs_keys_free();
	return rc;
}

#endif
