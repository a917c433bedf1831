/*
 * NAME
 *   core_testutil.h - helpers for the dataplane/core unit tests
 *
 * SUMMARY
 *   ct_config(text) parses a signet.conf text (fails the test on error);
 *   ct_keypem(type, &key) generates a key (RSA-1024 unless ct_keypem_bits)
 *   and returns its PKCS#8 PEM (the key stays in *key for its public half); ct_install answers a want as
 *   signet-controld would (KEY_MATERIAL fields); ct_install_none gives a
 *   negative answer; ct_keys_open / ct_keys_close a key view with one
 *   reader and a key. Header-only, included once per test after testutil.h.
 */
#ifndef SIGNET_CORE_TESTUTIL_H
#define SIGNET_CORE_TESTUTIL_H

#include <string.h>
#include "config.h"
#include "dp_keys.h"
#include "key.h"

static inline struct sg_config *ct_config(const char *text)
{
	struct sg_config *c = NULL;
	struct sg_error err = { 0 };

	if (sg_config_parse(text, strlen(text), "test.conf", "/tmp", &c, &err) != SG_OK)
		fail_msg("config: %s", err.msg);
	return c;
}

static inline struct sg_buf ct_keypem_bits(enum sg_keytype type, unsigned bits,
					   struct sg_privkey **key)
{
	struct sg_error err = { 0 };
	struct sg_buf pem;

	sg_buf_init(&pem, SIZE_MAX);
	if (sg_privkey_generate(type, bits, key, &err) != SG_OK ||
	    sg_privkey_export_pem(*key, &pem, &err) != SG_OK)
		fail_msg("key: %s", err.msg);
	return pem;
}

static inline struct sg_buf ct_keypem(enum sg_keytype type, struct sg_privkey **key)
{
	return ct_keypem_bits(type, 1024, key);
}

static inline void ct_install(struct dp_keys *k, enum sg_sigkind kind, const char *domain,
			      const char *selector, uint64_t generation,
			      const struct sg_buf *pem, uint64_t now_ms)
{
	struct dp_key_answer a = { .generation = generation, .kind = kind, .domain = domain,
				   .selector = selector, .pem = (const uint8_t *)pem->data,
				   .pem_len = pem->len, .reason = "" };
	struct sg_error err = { 0 };

	if (dp_keys_install(k, &a, now_ms, &err) != SG_OK)
		fail_msg("install %s: %s", domain, err.msg);
}

static inline void ct_install_none(struct dp_keys *k, enum sg_sigkind kind,
				   const char *domain, const char *reason, uint64_t now_ms)
{
	struct dp_key_answer a = { .generation = 7, .kind = kind, .domain = domain,
				   .selector = "", .reason = reason };

	assert_int_equal(dp_keys_install(k, &a, now_ms, NULL), SG_OK);
}

/* A key view with one reader and an RSA key's PEM, for the dp_keys tests. */
struct ct_keys {
	struct sg_config *conf;
	struct dp_keys *keys;
	struct dp_keys_reader *reader;
	struct sg_privkey *key;
	struct sg_buf pem;
};

static inline struct ct_keys *ct_keys_open(const char *conf, const char *backend)
{
	struct ct_keys *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->conf = ct_config(conf);
	assert_int_equal(dp_keys_new(f->conf, backend, &f->keys, NULL), SG_OK);
	assert_int_equal(dp_keys_reader_new(f->keys, &f->reader, NULL), SG_OK);
	f->pem = ct_keypem(SG_KEY_RSA, &f->key);
	return f;
}

static inline void ct_keys_close(struct ct_keys *f)
{
	dp_keys_reader_free(f->reader);
	dp_keys_free(f->keys);
	sg_privkey_free(f->key);
	sg_buf_free(&f->pem);
	sg_config_free(f->conf);
	free(f);
}

#endif
