/*
 * NAME
 *   signer_testutil.h - a signing pipeline under test: configuration, key
 *                       view, stats, signer with a fixed clock, keys with
 *                       their DNS records, and a verifier
 *
 * SUMMARY
 *   st_open(conf_text, backend) builds everything (a fixed wall clock at
 *   ST_TIME and a monotonic clock the test moves with st->mono_ns);
 *   st_key(st, kind, domain, selector, generation, bits) makes a key,
 *   installs it as controld's answer and publishes its record in the key
 *   table; st_submit / st_poll_all drive the signer; st_verify checks
 *   every signature of headers + message with the engine's verifier and
 *   returns how many passed. Header-only, after testutil.h and
 *   core_testutil.h.
 */
#ifndef SIGNET_SIGNER_TESTUTIL_H
#define SIGNET_SIGNER_TESTUTIL_H

#include "dnsrecord.h"
#include "dp_signer.h"
#include "dp_stats.h"
#include "hash_evp.h"
#include "keytable.h"
#include "pubkey_evp.h"
#include "verifier.h"

#define ST_TIME 1700000000
#define ST_MAX_KEYS 8
#define ST_MAX_DONE 96

struct st {
	struct sg_config *conf;
	struct dp_keys *keys;
	struct dp_worker_stats *stats;
	struct dp_signer *signer;
	struct sg_keytable *table;
	struct sg_privkey *key[ST_MAX_KEYS];
	struct sg_buf pem[ST_MAX_KEYS];
	size_t nkeys;
	uint64_t mono_ns;
	uint64_t now_ms;
	struct dp_done done[ST_MAX_DONE];
	size_t ndone;
};

static inline uint64_t st_mono(void *env)
{
	return ((struct st *)env)->mono_ns;
}

static inline int64_t st_wall(void *env)
{
	(void)env;
	return ST_TIME;
}

static inline struct st *st_open(const char *conf, const char *backend)
{
	struct st *st = calloc(1, sizeof(*st));
	struct sg_error err = { 0 };
	struct dp_clock clock = { st_mono, st_wall, st };

	assert_non_null(st);
	st->mono_ns = 1000000000;
	st->conf = ct_config(conf);
	assert_int_equal(dp_keys_new(st->conf, backend, &st->keys, NULL), SG_OK);
	assert_int_equal(dp_stats_new(3, 0, &st->stats, NULL), SG_OK);
	if (dp_signer_new(st->conf, st->keys, backend, 0, st->stats, &st->signer, &err) != SG_OK)
		fail_msg("signer: %s", err.msg);
	dp_signer_set_clock(st->signer, &clock);
	assert_int_equal(sg_keytable_parse("", 0, &st->table, NULL), SG_OK);
	return st;
}

static inline void st_release_done(struct st *st)
{
	for (size_t i = 0; i < st->ndone; i++)
		dp_signer_release(st->signer, &st->done[i]);
	st->ndone = 0;
}

static inline void st_close(struct st *st)
{
	st_release_done(st);
	dp_signer_free(st->signer);
	dp_keys_free(st->keys);
	dp_stats_free(st->stats);
	for (size_t i = 0; i < st->nkeys; i++) {
		sg_privkey_free(st->key[i]);
		sg_buf_free(&st->pem[i]);
	}
	sg_keytable_free(st->table);
	sg_config_free(st->conf);
	free(st);
}

/* Makes a key, publishes its record, installs it; returns its index. */
static inline size_t st_key(struct st *st, enum sg_sigkind kind, const char *domain,
			    const char *selector, uint64_t generation, unsigned bits)
{
	size_t i = st->nkeys++;
	struct sg_buf rec, name;

	assert_true(i < ST_MAX_KEYS);
	st->pem[i] = ct_keypem_bits(SG_KEY_RSA, bits, &st->key[i]);
	sg_buf_init(&rec, SIZE_MAX);
	sg_buf_init(&name, SIZE_MAX);
	assert_int_equal(sg_dns_record(st->key[i], false, kind == SG_KIND_DOMAINKEYS, &rec,
				       NULL), SG_OK);
	assert_int_equal(sg_dns_record_name(selector, domain, &name), SG_OK);
	assert_int_equal(sg_keytable_set(st->table, sg_buf_cstr(&name), sg_buf_cstr(&rec)),
			 SG_OK);
	sg_buf_free(&rec);
	sg_buf_free(&name);
	ct_install(st->keys, kind, domain, selector, generation, &st->pem[i], st->now_ms);
	return i;
}

static inline void st_submit(struct st *st, const char *msg, bool can_relay,
			     const char *auth_user, uint64_t cookie)
{
	struct dp_client_facts facts = { can_relay, auth_user };
	struct sg_error err = { 0 };

	if (dp_signer_submit(st->signer, (const uint8_t *)msg, strlen(msg), &facts, cookie,
			     &err) != SG_OK)
		fail_msg("submit: %s", err.msg);
}

/* Polls (flushing) until nothing is pending; returns the completions. */
static inline size_t st_poll_all(struct st *st)
{
	for (int round = 0; round < 100000 && dp_signer_pending(st->signer) > 0; round++) {
		dp_signer_flush(st->signer);
		st->ndone += dp_signer_poll(st->signer, st->done + st->ndone,
					    ST_MAX_DONE - st->ndone);
		assert_true(st->ndone < ST_MAX_DONE);
	}
	assert_int_equal(dp_signer_pending(st->signer), 0);
	return st->ndone;
}

static inline const struct dp_done *st_find(const struct st *st, uint64_t cookie)
{
	for (size_t i = 0; i < st->ndone; i++) {
		if (st->done[i].cookie == cookie)
			return &st->done[i];
	}
	fail_msg("no completion for cookie %llu", (unsigned long long)cookie);
	return NULL;
}

/* Signatures of headers + msg that pass; *total how many there are. */
static inline size_t st_verify(struct st *st, const struct sg_buf *headers, const char *msg,
			       size_t *total)
{
	struct sg_key_lookup lookup = sg_keytable_lookup(st->table);
	struct sg_verify_policy policy;
	struct sg_limits lim;
	struct sg_verifier *v;
	size_t pass = 0;

	sg_verify_policy_default(&policy, ST_TIME + 10);
	sg_limits_default(&lim);
	v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), &lookup, &policy, &lim, false);
	assert_non_null(v);
	assert_int_equal(sg_verifier_feed(v, headers->data, headers->len, NULL), SG_OK);
	assert_int_equal(sg_verifier_feed(v, msg, strlen(msg), NULL), SG_OK);
	assert_int_equal(sg_verifier_finish(v, NULL), SG_OK);
	*total = sg_verifier_count(v);
	for (size_t i = 0; i < *total; i++) {
		const struct sg_sig_result *r = sg_verifier_result(v, i);

		if (r->result == SG_RES_PASS)
			pass++;
		else
			print_message("signature %zu: %s (%s)\n", i, sg_result_name(r->result),
				      r->reason);
	}
	sg_verifier_free(v);
	return pass;
}

#endif
