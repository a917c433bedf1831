/*
 * NAME
 *   dp_signer_msg.c - one message through the signing pipeline: From
 *                     domain, scopes and sign_condition, keys, hashing,
 *                     digests to the backend, the signature fields, stats
 *
 * SUMMARY
 *   See dp_signer.h for the rules and dp_signer_internal.h for the states.
 *   The message's engine signer reads the header section once: its fields
 *   give From here, then the signatures are added and the body is fed
 *   (canonicalization and hashing of every requested signature in one
 *   pass).
 *
 * UNTRUSTED INPUT
 *   The message: header limits of struct sg_limits (defaults), exactly one
 *   From field with a valid domain; everything else is the engine's.
 */

/* System library. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Engine, crypto and dataplane. */
#include "address.h"
#include "backend.h"
#include "dp_scope.h"
#include "dp_signer_internal.h"
#include "key.h"

#define ADDRESS_MAX 512

static void textf(char *out, size_t cap, const char *fmt, ...) SG_PRINTF(3, 4);

static void textf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

/* The domain of the only From field's first mailbox, into m->from_domain. */
static bool find_from(const struct sg_header_field *f, size_t n, struct sign_msg *m)
{
	char addr[ADDRESS_MAX];
	const struct sg_header_field *from = NULL;
	size_t count = 0;
	const char *at;

	for (size_t i = 0; i < n; i++) {
		if (sg_header_is(&f[i], "From")) {
			from = from ? from : &f[i];
			count++;
		}
	}
	if (count != 1) {
		textf(m->reason, sizeof(m->reason), count ? "%zu From header fields" :
			"no From header field", count);
		return false;
	}
	if (!sg_address_first(from->raw + from->value_off, from->len - from->value_off, addr,
			      sizeof(addr)) || (at = strrchr(addr, '@')) == NULL) {
		textf(m->reason, sizeof(m->reason), "no address in the From field (line %u)",
		      (unsigned)from->line);
		return false;
	}
	if (!dp_domain_normalize(at + 1, m->from_domain, sizeof(m->from_domain))) {
		textf(m->reason, sizeof(m->reason), "the From domain \"%.64s\" is not a domain name",
		      at + 1);
		return false;
	}
	return true;
}

/* Reads the header section into the message's signer; false (reason set)
 * when it has no usable From. */
static bool read_from(struct dp_signer *s, struct sign_msg *m)
{
	const struct sg_header_field *f;
	struct sg_error err;
	size_t n;

	sg_error_clear(&err);
	m->signer = signer_take(s);
	if (m->signer == NULL) {
		textf(m->reason, sizeof(m->reason), "out of memory");
		return false;
	}
	if (sg_signer_read_headers(m->signer, m->data, m->len, true, &m->body_off,
				   &err) != SG_OK) {
		textf(m->reason, sizeof(m->reason), "cannot read the header: %s", err.msg);
		return false;
	}
	f = sg_signer_fields(m->signer, &n);
	return find_from(f, n, m);
}

static bool condition_met(const struct sign_msg *m, const struct sg_sign_options *o)
{
	return o->sign_condition == SG_COND_AUTH_USER ? m->auth_user : m->can_relay;
}

void msg_plan(struct dp_signer *s, struct sign_msg *m)
{
	bool have_from = read_from(s, m);

	for (int i = 0; i < KINDS; i++) {
		struct kind_plan *p = &m->k[i];
		const struct sg_sign_scope *scope;
		const char *d = NULL;

		p->msg = m;
		p->kind = (enum sg_sigkind)i;
		scope = dp_scope_for(s->conf, p->kind, have_from ? m->from_domain : NULL);
		if (scope == NULL)
			continue;	/* PLAN_OFF */
		p->state = PLAN_SKIPPED;
		p->skip = DP_SKIP_NO_DOMAIN;
		if (!have_from)
			continue;
		p->opt = sg_config_domain_options(scope, m->from_domain, &d);
		if (!dp_domain_normalize(d, p->d, sizeof(p->d))) {
			textf(p->why, sizeof(p->why), "bad base_domain for %s", m->from_domain);
		} else if (!condition_met(m, p->opt)) {
			p->skip = DP_SKIP_CONDITION;
			textf(p->why, sizeof(p->why), "sign_condition %s not met",
			      p->opt->sign_condition == SG_COND_AUTH_USER ? "auth_user" :
									    "can_relay");
		} else {
			p->state = PLAN_WAIT;
			p->skip = DP_SKIP_NONE;
		}
	}
	if (!have_from) {
		for (int i = 0; i < KINDS; i++)
			snprintf(m->k[i].why, sizeof(m->k[i].why), "%s", m->reason);
	}
}

/* True when another parked message already waits for the same key. */
static bool asked_already(const struct dp_signer *s, const struct kind_plan *p)
{
	for (const struct sign_msg *o = s->parked.head; o != NULL; o = o->next) {
		const struct kind_plan *q = &o->k[p->kind];

		if (q != p && q->state == PLAN_WAIT && strcmp(q->d, p->d) == 0)
			return true;
	}
	return false;
}

static void take_entry(struct kind_plan *p, const struct dp_key_entry *e)
{
	size_t n = strnlen(e->selector, sizeof(p->selector) - 1);

	memcpy(p->selector, e->selector, n);	/* no printf on the hot path */
	p->selector[n] = '\0';
	if (e->key != NULL) {
		p->entry = e;
		p->state = PLAN_READY;
		return;
	}
	p->state = e->temporary ? PLAN_FAILED : PLAN_SKIPPED;
	p->skip = e->temporary ? DP_SKIP_NONE : DP_SKIP_NO_KEY;
	textf(p->why, sizeof(p->why), "no %s key for %s: %s",
	      p->kind == SG_KIND_DKIM ? "DKIM" : "DomainKeys", p->d, e->reason);
	dp_keys_release(e);
}

bool msg_resolve(struct dp_signer *s, struct sign_msg *m)
{
	bool waiting = false;

	for (int i = 0; i < KINDS; i++) {
		struct kind_plan *p = &m->k[i];
		const struct dp_key_entry *e;

		if (p->state != PLAN_WAIT)
			continue;
		if (m->on != &s->parked && !s->retry_wants &&
		    s->keys_version == dp_keys_version(s->keys) && asked_already(s, p)) {
			waiting = true;
			continue;
		}
		switch (dp_keys_lookup(s->reader, p->kind, p->d, &e)) {
		case DP_KEY_FOUND:
		case DP_KEY_NONE:
			take_entry(p, e);
			break;
		case DP_KEY_RETRY:
			s->retry_wants = true;
			waiting = true;
			break;
		case DP_KEY_PENDING:
			waiting = true;
			break;
		case DP_KEY_INVALID:
			p->state = PLAN_SKIPPED;
			p->skip = DP_SKIP_NO_DOMAIN;
			textf(p->why, sizeof(p->why), "\"%s\" is not a domain name", p->d);
			break;
		}
	}
	return !waiting;
}

void msg_expire(struct dp_signer *s, struct sign_msg *m)
{
	for (int i = 0; i < KINDS; i++) {
		struct kind_plan *p = &m->k[i];

		if (p->state != PLAN_WAIT)
			continue;
		p->state = PLAN_FAILED;
		textf(p->why, sizeof(p->why), "no answer from signet-controld for the %s key of %s "
		      "within %llu ms", p->kind == SG_KIND_DKIM ? "DKIM" : "DomainKeys", p->d,
		      (unsigned long long)(s->park_ns / 1000000));
	}
}

/* i= from the identity option: "%{d}" stands for d=. */
static const char *identity_for(const struct kind_plan *p, char *out, size_t cap)
{
	const char *id = p->opt->identity, *mark = strstr(id, "%{d}");

	if (id[0] == '\0')
		return NULL;
	if (mark == NULL)
		return id;
	textf(out, cap, "%.*s%s%s", (int)(mark - id), id, p->d, mark + 4);
	return out;
}

static bool add_request(struct sign_msg *m, struct kind_plan *p, int64_t now, size_t index)
{
	char identity[2 * DP_KEYS_NAME_MAX + 2];
	struct sg_sign_request r = { .kind = p->kind, .domain = p->d,
				     .selector = p->entry->selector,
				     .headerlist = p->opt->headerlist, .timestamp = -1 };
	struct sg_error err;

	if (p->kind == SG_KIND_DKIM) {
		r.alg = p->opt->digest;
		r.hcanon = p->opt->header_canon;
		r.bcanon = p->opt->body_canon;
		r.identity = identity_for(p, identity, sizeof(identity));
		r.timestamp = now;
		r.lifetime = p->opt->lifetime * 3600;
		r.copy_headers = p->opt->copy_headers;
		r.body_limit = p->opt->body_length_limit;
	} else {
		r.alg = SG_ALG_RSA_SHA1;
		r.hcanon = r.bcanon = p->opt->header_canon;
	}
	if (!sg_privkey_supports(p->entry->key, r.alg)) {
		textf(p->why, sizeof(p->why), "the key of %s (selector %s) cannot sign %s", p->d,
		      p->entry->selector, sg_alg_name(r.alg));
		return false;
	}
	sg_error_clear(&err);
	if (sg_signer_add(m->signer, &r, &err) != SG_OK) {
		textf(p->why, sizeof(p->why), "cannot sign for %s: %s", p->d, err.msg);
		return false;
	}
	p->sig_index = index;
	return true;
}

static void fail_ready(struct sign_msg *m, const char *why, bool permanent)
{
	for (int i = 0; i < KINDS; i++) {
		if (m->k[i].state == PLAN_READY) {
			m->k[i].state = PLAN_FAILED;
			m->k[i].permanent = permanent;
			textf(m->k[i].why, sizeof(m->k[i].why), "%s", why);
		}
	}
}

/* Runs the engine over the message; false when nothing is left to sign. */
static bool hash_message(struct dp_signer *s, struct sign_msg *m)
{
	char why[sizeof(m->reason)];
	struct sg_error err;
	size_t n = 0;

	for (int i = 0; i < KINDS; i++) {
		struct kind_plan *p = &m->k[i];

		if (p->state != PLAN_READY)
			continue;
		if (!add_request(m, p, s->clock.wall_s(s->clock.env), n))
			p->state = PLAN_FAILED;
		else
			n++;
	}
	sg_error_clear(&err);
	if (n > 0 && (sg_signer_feed(m->signer, m->data + m->body_off, m->len - m->body_off,
				     &err) != SG_OK ||
		      sg_signer_finish(m->signer, &err) != SG_OK)) {
		/* The message's own bytes are refused (a limit, its syntax):
		 * the same message fails the same way every time. */
		textf(why, sizeof(why), "cannot hash the message: %s", err.msg);
		fail_ready(m, why, err.code == SG_E_LIMIT || err.code == SG_E_SYNTAX);
	}
	return n > 0 && err.code == SG_OK;
}

void msg_hash(struct dp_signer *s, struct sign_msg *m)
{
	bool ready = false, failed = false;

	for (int i = 0; i < KINDS; i++) {
		ready |= m->k[i].state == PLAN_READY;
		failed |= m->k[i].state == PLAN_FAILED;
	}
	if (failed || !ready || !hash_message(s, m))
		fail_ready(m, "another signature of the message failed", false);
}

bool msg_submit(struct dp_signer *s, struct sign_msg *m)
{
	struct sg_error err;

	for (int i = 0; i < KINDS; i++) {
		struct kind_plan *p = &m->k[i];
		const uint8_t *digest;
		enum sg_alg alg;
		size_t len;
		enum sg_err rc;

		if (p->state != PLAN_READY)
			continue;
		sg_error_clear(&err);
		digest = sg_signer_digest(m->signer, p->sig_index, &len, &alg);
		rc = sg_backend_prepare(s->backend, p->entry->key, &err);
		if (rc == SG_OK)
			rc = sg_backend_submit(s->backend, p->entry->key, alg, digest, len, p, &err);
		if (rc == SG_E_LIMIT)
			return false;
		if (rc != SG_OK) {
			p->state = PLAN_FAILED;
			textf(p->why, sizeof(p->why), "cannot sign for %s: %s", p->d, err.msg);
			continue;
		}
		p->state = PLAN_SIGNING;
		if (m->jobs_out++ == 0 && m->sign_t0_ns == 0)
			m->sign_t0_ns = signer_now(s);
		signer_job_added(s);
	}
	return true;
}

void msg_signed(struct dp_signer *s, struct kind_plan *p, const struct sg_sign_done *d)
{
	struct sg_error err;

	(void)s;
	p->msg->jobs_out--;
	sg_error_clear(&err);
	if (d->status != SG_OK) {
		p->state = PLAN_FAILED;
		textf(p->why, sizeof(p->why), "signing for %s failed: %s", p->d, d->error);
	} else if (sg_signer_set_signature(p->msg->signer, p->sig_index, d->sig, d->sig_len,
					   &err) != SG_OK) {
		p->state = PLAN_FAILED;
		textf(p->why, sizeof(p->why), "signing for %s failed: %s", p->d, err.msg);
	} else {
		p->state = PLAN_SIGNED;
	}
}

static enum sg_skip_reason stats_skip(enum dp_skip skip)
{
	switch (skip) {
	case DP_SKIP_CONDITION:
		return SG_SKIP_CONDITION;
	case DP_SKIP_DISABLED:
		return SG_SKIP_DISABLED;
	default:
		return SG_SKIP_NO_KEY;	/* no key, no usable domain */
	}
}

static void count(struct dp_signer *s, const struct sign_msg *m, const struct kind_plan *p,
		  uint64_t now)
{
	struct dp_stats_event ev = {
		.kind = p->kind, .domain = p->d, .selector = p->selector, .bytes = m->len,
		.outcome = p->state == PLAN_SIGNED ? DP_STATS_SIGNED :
			   p->state == PLAN_FAILED ? DP_STATS_FAILED : DP_STATS_SKIPPED,
		.skip = stats_skip(p->skip),
		.sign_ns = m->sign_t0_ns ? now - m->sign_t0_ns : 0,
	};

	if (s->stats != NULL)
		dp_stats_record(s->stats, &ev);
}

/* The message's outcome from its plans (see dp_signer.h). */
static void decide(struct sign_msg *m)
{
	const struct kind_plan *failed = NULL, *skipped = NULL;
	size_t signed_n = 0;

	for (int i = 0; i < KINDS; i++) {
		const struct kind_plan *p = &m->k[i];

		if (p->state == PLAN_FAILED && failed == NULL)
			failed = p;
		if (p->state == PLAN_SKIPPED && skipped == NULL)
			skipped = p;
		signed_n += p->state == PLAN_SIGNED;
	}
	if (failed != NULL) {
		m->outcome = DP_FAILED;
		m->permanent = failed->permanent;
		textf(m->reason, sizeof(m->reason), "%s", failed->why);
	} else if (signed_n > 0 && sg_signer_headers(m->signer, &m->headers) == SG_OK) {
		m->outcome = DP_SIGNED;
		m->nsig = (uint32_t)signed_n;
	} else if (signed_n > 0) {
		m->outcome = DP_FAILED;
		textf(m->reason, sizeof(m->reason), "out of memory for the signature fields");
	} else if (skipped != NULL) {
		m->outcome = DP_SKIPPED;
		m->skip = skipped->skip;
		textf(m->reason, sizeof(m->reason), "%s", skipped->why);
	} else {
		m->outcome = DP_SKIPPED;
		m->skip = m->from_domain[0] ? DP_SKIP_NO_KEY : DP_SKIP_NO_DOMAIN;
		if (m->from_domain[0])
			textf(m->reason, sizeof(m->reason), "no dkim_sign or dk_sign block in the "
			      "configuration");
	}
	if (m->outcome != DP_SIGNED)
		sg_buf_reset(&m->headers);
}

void msg_finish(struct dp_signer *s, struct sign_msg *m)
{
	uint64_t now = signer_now(s);

	decide(m);
	for (int i = 0; i < KINDS; i++) {
		struct kind_plan *p = &m->k[i];

		if (p->state != PLAN_OFF)
			count(s, m, p, now);
		dp_keys_release(p->entry);
		p->entry = NULL;
	}
	signer_give(s, m->signer);
	m->signer = NULL;
	msgs_append(&s->done, m);
}

void msg_free(struct dp_signer *s, struct sign_msg *m)
{
	for (int i = 0; i < KINDS; i++)
		dp_keys_release(m->k[i].entry);
	signer_give(s, m->signer);
	sg_buf_free(&m->headers);
	free(m);
}
