/*
 * NAME
 *   engine_helpers.h - sign and verify whole messages in the engine tests
 *
 * SUMMARY
 *   Shared by the signer, verifier, verify_key, verify_dk and headerhash
 *   tests (header-only, included once per test after testutil.h).
 *     eh_key_testdata / eh_key_generate   a private key and its DKIM and
 *                                         DomainKeys TXT values
 *     eh_rfc_keys_new / eh_rfc_keys_teardown   the fixture of the signer
 *                  and verifier tests: the RFC 6376 RSA key and the RFC
 *                  8463 Ed25519 key with a key table publishing them
 *     EH_FOOTBALL_MSG   the RFC 6376 A.1 message (with extra white space)
 *                  that the signer tests sign
 *     eh_sign      runs a signing session over a message fed in chunks of
 *                  a given size, signs every digest with the matching key
 *                  and returns the signature header fields (output order)
 *     eh_verify    runs a verification session with a key table given as
 *                  "NAME VALUE\n" text (or any struct sg_key_lookup) and
 *                  copies the results out
 *     eh_counting_hash   a struct sg_hash_ops around OpenSSL's that counts
 *                  the contexts it creates and the bytes it hashes, so a
 *                  test can see how many body lanes a session made
 *     eh_cat, eh_edit   malloc'd concatenation / copy with one edit
 *     eh_tag_value, eh_has_tag   a tag of the first signature field
 *   Every failure of the engine inside a helper fails the test with the
 *   engine's message.
 */
#ifndef SIGNET_TEST_ENGINE_HELPERS_H
#define SIGNET_TEST_ENGINE_HELPERS_H

#include "buf.h"
#include "dnsrecord.h"
#include "hash_evp.h"
#include "key.h"
#include "keytable.h"
#include "pubkey_evp.h"
#include "signer.h"
#include "verifier.h"

struct eh_key {
	struct sg_privkey *key;
	char record[2048];	/* "v=DKIM1; k=...; p=..." */
	char dk_record[2048];	/* "k=rsa; p=..." (RSA only) */
};

static inline void eh_key_records(struct eh_key *k)
{
	struct sg_buf b;
	struct sg_error err;

	sg_buf_init(&b, sizeof(k->record) - 1);
	if (sg_dns_record(k->key, false, false, &b, &err) != SG_OK)
		fail_msg("dns record: %s", err.msg);
	memcpy(k->record, sg_buf_cstr(&b), b.len + 1);
	sg_buf_reset(&b);
	k->dk_record[0] = '\0';
	if (sg_privkey_type(k->key) == SG_KEY_RSA) {
		if (sg_dns_record(k->key, false, true, &b, &err) != SG_OK)
			fail_msg("dns record: %s", err.msg);
		memcpy(k->dk_record, sg_buf_cstr(&b), b.len + 1);
	}
	sg_buf_free(&b);
}

static inline void eh_key_testdata(struct eh_key *k, const char *rel)
{
	struct sg_error err;

	sg_error_clear(&err);
	k->key = NULL;
	if (sg_privkey_load(tu_testdata(rel), true, &k->key, &err) != SG_OK)
		fail_msg("loading %s: %s", rel, err.msg);
	eh_key_records(k);
}

static inline void eh_key_generate(struct eh_key *k, enum sg_keytype type, unsigned bits)
{
	struct sg_error err;

	k->key = NULL;
	if (sg_privkey_generate(type, bits, &k->key, &err) != SG_OK)
		fail_msg("generating a key: %s", err.msg);
	eh_key_records(k);
}

static inline void eh_key_free(struct eh_key *k)
{
	sg_privkey_free(k->key);
	k->key = NULL;
}

static inline char *eh_cat(const char *a, size_t alen, const char *b, size_t blen,
			   size_t *outlen)
{
	char *out = malloc(alen + blen + 1);

	assert_non_null(out);
	memcpy(out, a, alen);
	memcpy(out + alen, b, blen);
	out[alen + blen] = '\0';
	*outlen = alen + blen;
	return out;
}

/* A DKIM request with the usual test values; callers adjust fields. */
static inline struct sg_sign_request eh_request(enum sg_alg alg, const char *domain,
						const char *selector)
{
	return (struct sg_sign_request){
		.kind = SG_KIND_DKIM, .alg = alg, .hcanon = SG_CANON_RELAXED,
		.bcanon = SG_CANON_RELAXED, .domain = domain, .selector = selector,
		.timestamp = 1700000000,
	};
}

/* Signs msg with reqs[i] and keys[i]; feeds chunk bytes at a time (0 = all
 * at once). Returns the malloc'd signature fields in output order. */
static inline char *eh_sign_with(const struct sg_hash_ops *ops, bool fix_lf,
				 const struct sg_sign_request *reqs,
				 struct sg_privkey *const *keys, size_t n, const char *msg,
				 size_t len, size_t chunk, size_t *outlen)
{
	struct sg_signer *s = sg_signer_new(ops, NULL, fix_lf);
	struct sg_error err;
	struct sg_buf out;
	char *copy;

	assert_non_null(s);
	sg_error_clear(&err);
	for (size_t i = 0; i < n; i++) {
		if (sg_signer_add(s, &reqs[i], &err) != SG_OK)
			fail_msg("sg_signer_add %zu: %s", i, err.msg);
	}
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len || off == 0; off += chunk) {
		size_t k = len - off < chunk ? len - off : chunk;

		if (sg_signer_feed(s, msg + off, k, &err) != SG_OK)
			fail_msg("sg_signer_feed: %s", err.msg);
		if (len == 0)
			break;
	}
	if (sg_signer_finish(s, &err) != SG_OK)
		fail_msg("sg_signer_finish: %s", err.msg);
	assert_int_equal(sg_signer_count(s), n);
	for (size_t i = 0; i < n; i++) {
		uint8_t sig[SG_SIG_MAX];
		size_t dlen = 0, siglen = 0;
		enum sg_alg alg;
		const uint8_t *digest = sg_signer_digest(s, i, &dlen, &alg);

		assert_non_null(digest);
		assert_int_equal(alg, reqs[i].alg);
		assert_int_equal(dlen, sg_hash_len(sg_alg_hash(alg)));
		if (sg_privkey_sign(keys[i], alg, digest, dlen, sig, sizeof(sig), &siglen,
				    &err) != SG_OK)
			fail_msg("sg_privkey_sign: %s", err.msg);
		if (sg_signer_set_signature(s, i, sig, siglen, &err) != SG_OK)
			fail_msg("sg_signer_set_signature: %s", err.msg);
	}
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_signer_headers(s, &out), SG_OK);
	copy = strndup(sg_buf_cstr(&out), out.len);
	assert_non_null(copy);
	*outlen = out.len;
	sg_buf_free(&out);
	sg_signer_free(s);
	return copy;
}

static inline char *eh_sign(const struct sg_sign_request *reqs, struct sg_privkey *const *keys,
			    size_t n, const char *msg, size_t len, size_t *outlen)
{
	return eh_sign_with(sg_hash_evp(), false, reqs, keys, n, msg, len, 0, outlen);
}

/* Signs and returns the whole signed message (signatures on top). */
static inline char *eh_sign_message(const struct sg_sign_request *reqs,
				    struct sg_privkey *const *keys, size_t n, const char *msg,
				    size_t len, size_t *outlen)
{
	size_t hlen;
	char *hdrs = eh_sign(reqs, keys, n, msg, len, &hlen);
	char *out = eh_cat(hdrs, hlen, msg, len, outlen);

	free(hdrs);
	return out;
}

#define EH_MAX_RESULTS 32

struct eh_results {
	size_t count;
	struct sg_sig_result r[EH_MAX_RESULTS];
};

/* Verifies msg with keys from lookup (bare LF fixed when fix); chunk as
 * in eh_sign_with. */
static inline void eh_verify_session(const struct sg_key_lookup *lookup,
				     const struct sg_verify_policy *policy, bool fix,
				     const char *msg, size_t len, size_t chunk,
				     struct eh_results *out)
{
	struct sg_verify_policy def;
	struct sg_verifier *v;
	struct sg_error err;

	sg_verify_policy_default(&def, 1700000000);
	v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), lookup, policy ? policy : &def, NULL,
			    fix);
	assert_non_null(v);
	sg_error_clear(&err);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk) {
		size_t k = len - off < chunk ? len - off : chunk;

		if (sg_verifier_feed(v, msg + off, k, &err) != SG_OK)
			fail_msg("sg_verifier_feed: %s", err.msg);
	}
	if (sg_verifier_finish(v, &err) != SG_OK)
		fail_msg("sg_verifier_finish: %s", err.msg);
	out->count = sg_verifier_count(v);
	assert_true(out->count <= EH_MAX_RESULTS);
	for (size_t i = 0; i < out->count; i++)
		out->r[i] = *sg_verifier_result(v, i);
	sg_verifier_free(v);
}

static inline void eh_verify_lookup(const struct sg_key_lookup *lookup,
				    const struct sg_verify_policy *policy, const char *msg,
				    size_t len, size_t chunk, struct eh_results *out)
{
	eh_verify_session(lookup, policy, false, msg, len, chunk, out);
}

/* Verifies msg with keys from table ("NAME VALUE" lines). */
static inline void eh_verify(const char *table, const struct sg_verify_policy *policy,
			     const char *msg, size_t len, struct eh_results *out)
{
	struct sg_keytable *t = NULL;
	struct sg_key_lookup lookup;
	struct sg_error err;

	if (sg_keytable_parse(table, strlen(table), &t, &err) != SG_OK)
		fail_msg("key table: %s", err.msg);
	lookup = sg_keytable_lookup(t);
	eh_verify_lookup(&lookup, policy, msg, len, 0, out);
	sg_keytable_free(t);
}

/* The fake DNS of the Mail::DKIM corpus: mail-dkim/keys.txt, plus the
 * names its dns-errors.txt fails (NXDOMAIN, time-out, SERVFAIL). */
struct eh_maildkim_dns {
	struct sg_keytable *table;
	struct sg_key_lookup inner;
};

static inline enum sg_lookup_status eh_maildkim_lookup(void *env, const char *name, char *txt,
						       size_t cap, char *why, size_t why_cap)
{
	struct eh_maildkim_dns *d = env;

	if (strcmp(name, "nonexistent._domainkey.messiah.edu") == 0) {
		snprintf(why, why_cap, "NXDOMAIN");
		return SG_LOOKUP_NOTFOUND;
	}
	if (strcmp(name, "test3._domainkey.blackhole.messiah.edu") == 0) {
		snprintf(why, why_cap, "DNS query timed out");
		return SG_LOOKUP_TEMPFAIL;
	}
	if (strcmp(name, "test3._domainkey.blackhole2.messiah.edu") == 0) {
		snprintf(why, why_cap, "DNS SERVFAIL");
		return SG_LOOKUP_TEMPFAIL;
	}
	return d->inner.lookup(d->inner.env, name, txt, cap, why, why_cap);
}

static inline struct sg_key_lookup eh_maildkim_dns_open(struct eh_maildkim_dns *d)
{
	struct sg_error err;

	if (sg_keytable_load(tu_testdata("mail-dkim/keys.txt"), &d->table, &err) != SG_OK)
		fail_msg("mail-dkim/keys.txt: %s", err.msg);
	d->inner = sg_keytable_lookup(d->table);
	return (struct sg_key_lookup){ eh_maildkim_lookup, d };
}

static inline void eh_maildkim_dns_close(struct eh_maildkim_dns *d)
{
	sg_keytable_free(d->table);
}

/* Verifies a corpus file with lookup and policy; bare LF line ends are
 * fixed as the signet CLI does (a file with CRLF line ends is unchanged). */
static inline void eh_verify_file(const char *rel, const struct sg_key_lookup *lookup,
				  const struct sg_verify_policy *policy, struct eh_results *out)
{
	size_t len;
	char *msg = tu_read(tu_testdata(rel), &len);

	eh_verify_session(lookup, policy, true, msg, len, 0, out);
	free(msg);
}

/* A copy of text (len bytes) with the first occurrence of from replaced
 * by to; fails the test when from is absent. NUL-terminated. */
static inline char *eh_edit(const char *text, size_t len, const char *from, const char *to,
			    size_t *outlen)
{
	const char *at = memmem(text, len, from, strlen(from));
	size_t head, flen = strlen(from), tlen = strlen(to);
	char *out;

	if (at == NULL)
		fail_msg("\"%s\" is not in the message", from);
	head = (size_t)(at - text);
	out = malloc(len - flen + tlen + 1);
	assert_non_null(out);
	memcpy(out, text, head);
	memcpy(out + head, to, tlen);
	memcpy(out + head + tlen, at + flen, len - head - flen);
	*outlen = len - flen + tlen;
	out[*outlen] = '\0';
	return out;
}

/* The value of tag name in the first signature field of text, with folds
 * and white space removed. */
static inline void eh_tag_value(const char *text, const char *name, char *out, size_t cap)
{
	char key[16];
	const char *p = text, *v = NULL;
	size_t j = 0;

	snprintf(key, sizeof(key), "%s=", name);
	while ((p = strstr(p, key)) != NULL) {
		if (p > text && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == ';')) {
			v = p + strlen(key);
			break;
		}
		p++;
	}
	if (v == NULL)
		fail_msg("no %s= in %s", name, text);
	for (; *v && *v != ';' && !(v[0] == '\r' && v[1] == '\n' && v[2] != '\t'); v++) {
		if (*v != ' ' && *v != '\t' && *v != '\r' && *v != '\n' && j + 1 < cap)
			out[j++] = *v;
	}
	out[j] = '\0';
}

/* True when the first signature field of text has tag name. */
static inline bool eh_has_tag(const char *text, const char *name)
{
	char key[2][16];
	const char *end = strstr(text, "\r\n");

	snprintf(key[0], sizeof(key[0]), " %s=", name);
	snprintf(key[1], sizeof(key[1]), "\t%s=", name);
	while (end != NULL && end[2] == '\t')
		end = strstr(end + 2, "\r\n");
	for (int k = 0; k < 2; k++) {
		const char *at = strstr(text, key[k]);

		if (at != NULL && (end == NULL || at < end))
			return true;
	}
	return false;
}

/* Fails unless result i is want (prints the reason). */
#define eh_assert_result(res, i, want)                                                   \
	do {                                                                             \
		if ((res)->count <= (i))                                                 \
			fail_msg("only %zu results", (res)->count);                      \
		if ((res)->r[(i)].result != (want))                                      \
			fail_msg("result %zu: %s (%s), want %s", (size_t)(i),            \
				 sg_result_name((res)->r[(i)].result), (res)->r[(i)].reason, \
				 sg_result_name(want));                                  \
	} while (0)

/* A table line "SEL._domainkey.DOMAIN VALUE\n" appended to buf. */
static inline void eh_table_add(struct sg_buf *t, const char *selector, const char *domain,
				const char *value)
{
	assert_int_equal(sg_buf_printf(t, "%s._domainkey.%s %s\n", selector, domain, value),
			 SG_OK);
}

/* The fixture of the signer and verifier tests: the RFC 6376 Appendix C
 * RSA key and the RFC 8463 A.1 Ed25519 key, and a key table ("NAME VALUE"
 * lines) that publishes them under domain as selector "rsa" (the RSA key's
 * DKIM record), "ed" (the Ed25519 key) and "dk" (the RSA key's DomainKeys
 * record). */
struct eh_rfc_keys {
	struct eh_key rsa, ed;
	char table[4096];
};

static inline struct eh_rfc_keys *eh_rfc_keys_new(const char *domain)
{
	struct eh_rfc_keys *k = calloc(1, sizeof(*k));
	struct sg_buf t;

	assert_non_null(k);
	eh_key_testdata(&k->rsa, "rfc-examples/rfc6376-C-private.pem");
	eh_key_testdata(&k->ed, "rfc-examples/rfc8463-A.1-ed25519-seed.b64");
	sg_buf_init(&t, sizeof(k->table) - 1);
	eh_table_add(&t, "rsa", domain, k->rsa.record);
	eh_table_add(&t, "ed", domain, k->ed.record);
	eh_table_add(&t, "dk", domain, k->rsa.dk_record);
	memcpy(k->table, t.data, t.len + 1);
	sg_buf_free(&t);
	return k;
}

/* A cmocka group teardown for a fixture made by eh_rfc_keys_new. */
static inline int eh_rfc_keys_teardown(void **state)
{
	struct eh_rfc_keys *k = *state;

	eh_key_free(&k->rsa);
	eh_key_free(&k->ed);
	free(k);
	return 0;
}

/* The RFC 6376 A.1 message with white space added (inside Subject, after
 * "Hi.", an empty line at the end), so simple and relaxed differ. */
#define EH_FOOTBALL_MSG                                                         \
	"From: Joe SixPack <joe@football.example.com>\r\n"                      \
	"To: Suzie Q <suzie@shopping.example.net>\r\n"                          \
	"Subject:   Is dinner  ready?\r\n"                                      \
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"                       \
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"      \
	"\r\n"                                                                  \
	"Hi.  \r\n"                                                             \
	"\r\n"                                                                  \
	"We lost the game. Are you hungry yet?\r\n"                             \
	"\r\n"                                                                  \
	"Joe.\r\n\r\n"

/* Counting hash: OpenSSL's hash ops plus counters. */
#define EH_COUNT_CTX_MAX 64

struct eh_hash_count {
	size_t creates[2];	/* per enum sg_hash_alg */
	size_t total_creates;
	size_t live;		/* contexts not yet destroyed */
	uint64_t bytes;		/* bytes passed to update() */
	uint64_t ctx_bytes[EH_COUNT_CTX_MAX];	/* per context, in creation order */
	enum sg_hash_alg ctx_alg[EH_COUNT_CTX_MAX];
	struct sg_hash_ops ops;
};

struct eh_counted_ctx {
	struct eh_hash_count *counter;
	size_t id;
	void *inner;
};

static inline void *eh_count_create(void *env, enum sg_hash_alg alg)
{
	struct eh_hash_count *c = env;
	struct eh_counted_ctx *ctx = malloc(sizeof(*ctx));

	assert_non_null(ctx);
	ctx->counter = c;
	ctx->id = c->total_creates++;
	ctx->inner = sg_hash_evp()->create(sg_hash_evp()->env, alg);
	assert_non_null(ctx->inner);
	if (ctx->id < EH_COUNT_CTX_MAX)
		c->ctx_alg[ctx->id] = alg;
	c->creates[alg]++;
	c->live++;
	return ctx;
}

static inline void eh_count_update(void *p, const void *data, size_t len)
{
	struct eh_counted_ctx *ctx = p;

	ctx->counter->bytes += len;
	if (ctx->id < EH_COUNT_CTX_MAX)
		ctx->counter->ctx_bytes[ctx->id] += len;
	sg_hash_evp()->update(ctx->inner, data, len);
}

static inline size_t eh_count_final(void *p, uint8_t out[SG_HASH_MAX])
{
	struct eh_counted_ctx *ctx = p;

	return sg_hash_evp()->final(ctx->inner, out);
}

static inline void eh_count_destroy(void *p)
{
	struct eh_counted_ctx *ctx = p;

	ctx->counter->live--;
	sg_hash_evp()->destroy(ctx->inner);
	free(ctx);
}

static inline void eh_counting_hash(struct eh_hash_count *c)
{
	memset(c, 0, sizeof(*c));
	c->ops = (struct sg_hash_ops){ eh_count_create, eh_count_update, eh_count_final,
				       eh_count_destroy, c };
}

#endif
