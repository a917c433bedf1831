/*
 * NAME
 *   verifier.c - verification sessions: find, check and report signatures
 *                (see verifier.h)
 *
 * SUMMARY
 *   At the end of the header section every DKIM-Signature and
 *   DomainKey-Signature field is parsed (top-down, up to max_signatures)
 *   and given a body-hash lane; checks that need no body (syntax, expiry,
 *   algorithm policy) settle a result at once. At finish the remaining
 *   signatures get their key (verify_key.c) and are checked: DKIM in
 *   verify_dkim(), DomainKeys in verify_dk.c.
 *
 * UNTRUSTED INPUT
 *   The message and DNS answers; at most SG_VERIFY_MAX_RESULTS signature
 *   fields are looked at, at most max_signatures are checked.
 */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "bodyhash.h"
#include "headerhash.h"
#include "headerlist.h"
#include "verifier.h"
#include "verify_internal.h"

void sg_verify_policy_default(struct sg_verify_policy *p, int64_t now)
{
	p->max_signatures = 5;
	p->min_rsa_bits = 1024;
	p->allow_sha1 = true;
	p->verify_domainkeys = true;
	p->now = now;
}

const char *sg_result_name(enum sg_result r)
{
	switch (r) {
	case SG_RES_NONE: return "none";
	case SG_RES_PASS: return "pass";
	case SG_RES_FAIL: return "fail";
	case SG_RES_NEUTRAL: return "neutral";
	case SG_RES_POLICY: return "policy";
	case SG_RES_PERMERROR: return "permerror";
	case SG_RES_TEMPERROR: return "temperror";
	}
	return "none";
}

static void on_end_of_headers(void *arg);
static void on_body(void *arg, const void *data, size_t len);

struct sg_verifier *sg_verifier_new(const struct sg_hash_ops *hash,
				    const struct sg_pubkey_ops *pubkey,
				    const struct sg_key_lookup *lookup,
				    const struct sg_verify_policy *policy,
				    const struct sg_limits *lim, bool fix_bare_lf)
{
	struct sg_verifier *v = calloc(1, sizeof(*v));
	struct sg_msg_events ev = { on_end_of_headers, on_body, NULL };

	if (v == NULL)
		return NULL;
	ev.arg = v;
	v->hash = hash;
	v->pubkey = *pubkey;
	v->lookup = *lookup;
	if (policy)
		v->policy = *policy;
	else
		sg_verify_policy_default(&v->policy, 0);
	sg_bodyhash_init(&v->bodyhash, hash);
	v->parser = sg_msg_parser_new(lim, fix_bare_lf, &ev);
	if (v->parser == NULL) {
		free(v);
		return NULL;
	}
	return v;
}

void sg_verifier_free(struct sg_verifier *v)
{
	if (v == NULL)
		return;
	sg_bodyhash_cleanup(&v->bodyhash);
	sg_msg_parser_free(v->parser);
	free(v->sigs);
	free(v->results);
	free(v);
}

void sg_vsig_settle(struct sg_vsig *vs, enum sg_result r, const char *reason)
{
	vs->res->result = r;
	vs->settled = true;
	strncpy(vs->res->reason, reason, sizeof(vs->res->reason) - 1);
	vs->res->reason[sizeof(vs->res->reason) - 1] = '\0';
}

/* Copies what the result line reports from a parsed signature. */
static void describe(struct sg_vsig *vs)
{
	struct sg_sig_result *r = vs->res;
	const struct sg_sig *s = &vs->sig;
	char b64[sizeof(r->b_prefix) + 4];
	size_t n = s->b_len < 6 ? s->b_len : 6;

	r->parsed = true;
	r->alg = s->alg;
	memcpy(r->domain, s->domain, sizeof(r->domain));
	memcpy(r->selector, s->selector, sizeof(r->selector));
	if (s->has_identity)
		memcpy(r->identity, s->identity, sizeof(r->identity));
	sg_base64_encode(s->b, n, b64);		/* up to 8 characters and a NUL */
	memcpy(r->b_prefix, b64, strlen(b64) + 1);
}

/* Checks that need nothing but the signature and the clock. */
static void precheck(struct sg_verifier *v, struct sg_vsig *vs)
{
	const struct sg_sig *s = &vs->sig;

	if (vs->res->kind == SG_KIND_DOMAINKEYS && !v->policy.verify_domainkeys)
		sg_vsig_settle(vs, SG_RES_NEUTRAL, "DomainKeys verification is turned off");
	else if (s->has_x && (int64_t)s->x < v->policy.now)
		sg_vsig_settle(vs, SG_RES_PERMERROR, "signature expired: x= is in the past");
	else if (s->alg == SG_ALG_RSA_SHA1 && !v->policy.allow_sha1)
		sg_vsig_settle(vs, SG_RES_POLICY, "rsa-sha1 is not accepted, RFC 8301");
}

/* Registers the signature field at index idx. */
static enum sg_err add_signature(struct sg_verifier *v, const struct sg_header_field *fields,
				 size_t idx, enum sg_sigkind kind)
{
	struct sg_vsig *vs = &v->sigs[v->nsigs];
	struct sg_error perr = { 0 };

	memset(vs, 0, sizeof(*vs));
	vs->res = &v->results[v->nsigs++];
	vs->field = idx;
	vs->lane = -1;
	vs->res->kind = kind;
	if (v->checked == v->policy.max_signatures) {
		sg_vsig_settle(vs, SG_RES_NEUTRAL, "not checked: signature limit reached");
		return SG_OK;
	}
	v->checked++;
	if (sg_sig_parse(&fields[idx], kind, &vs->sig, &perr) != SG_OK) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, perr.msg);
		return SG_OK;
	}
	describe(vs);
	precheck(v, vs);
	if (vs->settled)
		return SG_OK;
	if (kind == SG_KIND_DOMAINKEYS)
		return sg_verify_dk_start(v, vs);
	vs->lane = sg_bodyhash_lane(&v->bodyhash, vs->sig.bcanon, sg_alg_hash(vs->sig.alg),
				    vs->sig.has_l ? vs->sig.l : SG_BODYHASH_NO_LIMIT, false);
	return vs->lane < 0 ? SG_E_NOMEM : SG_OK;
}

static void on_end_of_headers(void *arg)
{
	struct sg_verifier *v = arg;
	size_t n;
	const struct sg_header_field *fields = sg_msg_headers(v->parser, &n);
	enum sg_err rc = SG_OK;

	v->sigs = calloc(SG_VERIFY_MAX_RESULTS, sizeof(*v->sigs));
	v->results = calloc(SG_VERIFY_MAX_RESULTS, sizeof(*v->results));
	if (v->sigs == NULL || v->results == NULL)
		rc = SG_E_NOMEM;
	for (size_t i = 0; i < n && rc == SG_OK && v->nsigs < SG_VERIFY_MAX_RESULTS; i++) {
		if (sg_header_is(&fields[i], "DKIM-Signature"))
			rc = add_signature(v, fields, i, SG_KIND_DKIM);
		else if (sg_header_is(&fields[i], "DomainKey-Signature"))
			rc = add_signature(v, fields, i, SG_KIND_DOMAINKEYS);
	}
	if (rc != SG_OK)
		sg_error_set(&v->deferred, rc, 0, 0, "cannot start verifying: %s",
			     sg_err_name(rc));
}

static void on_body(void *arg, const void *data, size_t len)
{
	struct sg_verifier *v = arg;

	sg_bodyhash_update(&v->bodyhash, data, len);
}

enum sg_err sg_verifier_feed(struct sg_verifier *v, const void *data, size_t len,
			     struct sg_error *err)
{
	enum sg_err rc;

	if (v->finished)
		return sg_error_set(err, SG_E_STATE, 0, 0, "message already finished");
	rc = sg_msg_parser_feed(v->parser, data, len, err);
	if (rc == SG_OK && v->deferred.code != SG_OK) {
		rc = v->deferred.code;
		if (err)
			*err = v->deferred;
	}
	return rc;
}

/* The signature field as hashed: the raw field with the b= value cut out. */
static char *field_without_b(const struct sg_header_field *f, const struct sg_sig *s,
			     size_t *len)
{
	size_t tail = f->len - s->b_value_off - s->b_value_len;
	char *text = malloc(f->len + 1);

	if (text == NULL)
		return NULL;
	memcpy(text, f->raw, s->b_value_off);
	memcpy(text + s->b_value_off, f->raw + s->b_value_off + s->b_value_len, tail);
	*len = s->b_value_off + tail;
	return text;
}

static enum sg_err dkim_header_digest(struct sg_verifier *v, struct sg_vsig *vs,
				      uint8_t *digest, size_t *dlen)
{
	size_t n, text_len;
	const struct sg_header_field *fields = sg_msg_headers(v->parser, &n);
	const struct sg_header_field *self = &fields[vs->field];
	unsigned char *used = calloc(n ? n : 1, 1);
	long picked[SG_SIG_MAX_HEADERS];
	char *text = field_without_b(self, &vs->sig, &text_len);
	enum sg_err rc = SG_E_NOMEM;

	if (used != NULL && text != NULL) {
		sg_select_headers(vs->sig.headers, vs->sig.header_count, fields, n, self, used,
				  picked);
		rc = sg_headerhash(v->hash, sg_alg_hash(vs->sig.alg), vs->sig.hcanon, fields,
				   picked, vs->sig.header_count, text, text_len, digest, dlen);
	}
	free(used);
	free(text);
	return rc;
}

static void verify_dkim(struct sg_verifier *v, struct sg_vsig *vs)
{
	const struct sg_sig *s = &vs->sig;
	struct sg_keyrecord *key = sg_verify_fetch_key(v, vs);
	uint8_t digest[SG_HASH_MAX];
	size_t dlen, bh_len;
	const uint8_t *bh;

	if (key == NULL)
		return;
	if (s->has_l && sg_bodyhash_length(&v->bodyhash, vs->lane) < s->l) {
		sg_vsig_settle(vs, SG_RES_FAIL, "l= is longer than the body");
	} else if (bh = sg_bodyhash_digest(&v->bodyhash, vs->lane, &bh_len),
		   bh_len != s->bh_len || memcmp(bh, s->bh, bh_len) != 0) {
		sg_vsig_settle(vs, SG_RES_FAIL, "body hash did not verify");
	} else if (dkim_header_digest(v, vs, digest, &dlen) != SG_OK) {
		sg_vsig_settle(vs, SG_RES_TEMPERROR, "out of memory");
	} else {
		sg_verify_signature(v, vs, key, digest, dlen);
	}
	free(key);
}

enum sg_err sg_verifier_finish(struct sg_verifier *v, struct sg_error *err)
{
	enum sg_err rc;

	if (v->finished)
		return sg_error_set(err, SG_E_STATE, 0, 0, "message already finished");
	rc = sg_msg_parser_finish(v->parser, err);
	if (rc == SG_OK && v->deferred.code != SG_OK) {
		rc = v->deferred.code;
		if (err)
			*err = v->deferred;
	}
	v->finished = true;
	if (rc != SG_OK)
		return rc;
	sg_bodyhash_final(&v->bodyhash);
	for (size_t i = 0; i < v->nsigs; i++) {
		struct sg_vsig *vs = &v->sigs[i];

		if (vs->settled)
			continue;
		if (vs->res->kind == SG_KIND_DKIM)
			verify_dkim(v, vs);
		else
			sg_verify_dk_finish(v, vs);
	}
	return SG_OK;
}

size_t sg_verifier_count(const struct sg_verifier *v)
{
	return v->finished ? v->nsigs : 0;
}

const struct sg_sig_result *sg_verifier_result(const struct sg_verifier *v, size_t i)
{
	if (!v->finished || i >= v->nsigs)
		return NULL;
	return &v->results[i];
}

const struct sg_sig_result *sg_verifier_results(const struct sg_verifier *v, size_t *count)
{
	*count = sg_verifier_count(v);
	return *count ? v->results : NULL;
}
