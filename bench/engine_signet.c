/*
 * NAME
 *   engine_signet.c - signet's engine signing whole messages through one
 *                     backend, as many in flight as the backend holds
 *
 * SUMMARY
 *   A pipeline owns a backend instance (sg_backend_open(spec)), the key
 *   prepared on it, and up to MAX_SLOTS in-flight messages (at most the
 *   backend's capacity, so submit never meets SG_E_LIMIT). One step fills
 *   every free slot - the slot's signer (made once, given the run's SIMD
 *   body scan kernels, and reset after each message, as a signetd worker
 *   does), add the request, feed the whole message, finish, submit its
 *   digest with the slot as cookie - then polls; only
 *   when nothing has completed does it flush, so a batching backend (ifma)
 *   starts full batches and pads lanes only at the end of a run. A
 *   completion sets the signature and builds the DKIM-Signature field
 *   (sg_signer_headers): a message counts when its header is ready.
 *   Messages are taken from the corpus in turn, round and round.
 *
 *   Without a corpus the pipeline measures the backend alone: every slot
 *   submits the same SHA-256 digest (raw signs/s, no hashing).
 *
 *   engine_pipeline_check signs messages 0..n-1 and verifies every header
 *   with engine_verify_message before any timing is trusted.
 *
 * UNTRUSTED INPUT
 *   Corpus messages, parsed by the signer (limits of sg_limits_default).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "hash_evp.h"
#include "signer.h"

#define MAX_SLOTS 64
#define POLL_MAX 64
#define DRAIN_POLLS 20000000ul		/* a backend that never completes */

struct slot {
	struct sg_signer *signer;	/* NULL in raw mode */
	size_t msg;			/* corpus index */
	bool busy;
};

struct engine_pipeline {
	struct sg_backend *backend;
	const struct engine_setup *setup;
	const struct engine_corpus *corpus;	/* NULL: raw mode */
	struct sg_limits limits;
	struct slot slots[MAX_SLOTS];
	size_t nslots, busy, next_msg;
	struct sg_buf header;		/* the last DKIM-Signature built */
	bool verify;			/* check mode: verify every header */
	size_t verified;
};

static const uint8_t raw_digest[32] = "signet-bench engine raw digest.";

struct engine_pipeline *engine_pipeline_new(const char *spec, const struct engine_setup *setup,
					    const struct engine_corpus *corpus, char *why)
{
	struct engine_pipeline *p = calloc(1, sizeof(*p));
	struct sg_error err = { 0 };
	size_t cap;

	if (p == NULL) {
		snprintf(why, ENGINE_WHY_MAX, "out of memory");
		return NULL;
	}
	p->setup = setup;
	p->corpus = corpus;
	sg_limits_default(&p->limits);
	sg_buf_init(&p->header, SIZE_MAX);
	if (sg_backend_open(spec, &p->backend, &err) != SG_OK ||
	    sg_backend_prepare(p->backend, setup->key, &err) != SG_OK) {
		snprintf(why, ENGINE_WHY_MAX, "backend %s: %s", spec, err.msg);
		engine_pipeline_free(p);
		return NULL;
	}
	cap = sg_backend_capacity(p->backend);
	p->nslots = cap < MAX_SLOTS ? cap : MAX_SLOTS;
	if (p->nslots == 0)
		p->nslots = 1;
	return p;
}

void engine_pipeline_free(struct engine_pipeline *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < MAX_SLOTS; i++)
		sg_signer_free(p->slots[i].signer);
	sg_backend_close(p->backend);
	sg_buf_free(&p->header);
	free(p);
}

const char *engine_pipeline_backend(const struct engine_pipeline *p)
{
	return sg_backend_name(p->backend);
}

void engine_pipeline_stats(const struct engine_pipeline *p, struct sg_backend_stats *out)
{
	sg_backend_get_stats(p->backend, out);
}

/* Canonicalizes and hashes the next corpus message into slot s; *digest is
 * the hash to sign. */
static bool hash_message(struct engine_pipeline *p, struct slot *s, const uint8_t **digest,
			 size_t *dlen, char *why)
{
	struct sg_sign_request req = {
		.kind = SG_KIND_DKIM, .alg = SG_ALG_RSA_SHA256, .hcanon = SG_CANON_RELAXED,
		.bcanon = SG_CANON_RELAXED, .domain = ENGINE_DOMAIN, .selector = ENGINE_SELECTOR,
		.headerlist = "From:To?:Subject?:Date?:Message-ID?:MIME-Version?:Content-Type?:"
			      "Reply-To?:List-Unsubscribe?:List-Unsubscribe-Post?",
		.timestamp = p->setup->timestamp,
	};
	const struct engine_corpus *c = p->corpus;
	struct sg_error err = { 0 };
	enum sg_alg alg;

	s->msg = p->next_msg;
	p->next_msg = (p->next_msg + 1) % c->count;
	if (s->signer == NULL) {
		s->signer = sg_signer_new(sg_hash_evp(), &p->limits, false);
		if (s->signer == NULL) {
			snprintf(why, ENGINE_WHY_MAX, "out of memory");
			return false;
		}
		if (p->setup->kernels != NULL)
			sg_signer_set_canon_kernels(s->signer, p->setup->kernels);
	}
	if (sg_signer_add(s->signer, &req, &err) != SG_OK ||
	    sg_signer_feed(s->signer, c->msgs[s->msg], c->lens[s->msg], &err) != SG_OK ||
	    sg_signer_finish(s->signer, &err) != SG_OK) {
		snprintf(why, ENGINE_WHY_MAX, "%s message %zu: %s", c->label, s->msg, err.msg);
		return false;
	}
	*digest = sg_signer_digest(s->signer, 0, dlen, &alg);
	if (*digest == NULL)
		snprintf(why, ENGINE_WHY_MAX, "%s message %zu: no digest", c->label, s->msg);
	return *digest != NULL;
}

/* Starts work in every free slot. */
static bool fill(struct engine_pipeline *p, char *why)
{
	struct sg_error err = { 0 };

	for (size_t i = 0; i < p->nslots && p->busy < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		const uint8_t *digest = raw_digest;
		size_t dlen = sizeof(raw_digest);

		if (s->busy)
			continue;
		if (p->corpus != NULL && !hash_message(p, s, &digest, &dlen, why))
			return false;
		if (sg_backend_submit(p->backend, p->setup->key, SG_ALG_RSA_SHA256, digest, dlen,
				      s, &err) != SG_OK) {
			snprintf(why, ENGINE_WHY_MAX, "submit: %s", err.msg);
			return false;
		}
		s->busy = true;
		p->busy++;
	}
	return true;
}

/* A signature came back for slot s: the header is built, the slot freed. */
static bool complete(struct engine_pipeline *p, const struct sg_sign_done *d,
		     struct engine_count *done, char *why)
{
	struct slot *s = d->cookie;
	struct sg_error err = { 0 };
	const struct engine_corpus *c = p->corpus;
	bool ok = true;

	if (d->status != SG_OK) {
		snprintf(why, ENGINE_WHY_MAX, "backend %s: %s", p->backend->spec, d->error);
		return false;
	}
	s->busy = false;
	p->busy--;
	done->msgs++;
	if (c == NULL)
		return true;
	sg_buf_reset(&p->header);
	if (sg_signer_set_signature(s->signer, 0, d->sig, d->sig_len, &err) != SG_OK ||
	    sg_signer_headers(s->signer, &p->header) != SG_OK) {
		snprintf(why, ENGINE_WHY_MAX, "%s message %zu: no header: %s", c->label, s->msg,
			 err.msg);
		ok = false;
	}
	if (ok && p->verify) {
		ok = engine_verify_message(p->setup, p->header.data, p->header.len, c->msgs[s->msg],
					   c->lens[s->msg], why);
		p->verified += ok;
	}
	done->bytes += c->lens[s->msg];
	sg_signer_reset(s->signer);
	return ok;
}

/* Collects completions; flushes first when wanted. Returns how many came
 * back, or -1 on failure. */
static long collect(struct engine_pipeline *p, bool flush, struct engine_count *done, char *why)
{
	struct sg_sign_done out[POLL_MAX];
	size_t n;

	if (flush)
		sg_backend_flush(p->backend);
	n = sg_backend_poll(p->backend, out, POLL_MAX);
	for (size_t i = 0; i < n; i++)
		if (!complete(p, &out[i], done, why))
			return -1;
	return (long)n;
}

static bool pipeline_step(void *ctx, struct engine_count *done, char *why)
{
	struct engine_pipeline *p = ctx;
	long n;

	if (!fill(p, why))
		return false;
	n = collect(p, false, done, why);
	if (n == 0)
		n = collect(p, true, done, why);
	return n >= 0;
}

static bool pipeline_drain(void *ctx, struct engine_count *done, char *why)
{
	struct engine_pipeline *p = ctx;

	for (unsigned long polls = 0; p->busy > 0; polls++) {
		if (polls == DRAIN_POLLS) {
			snprintf(why, ENGINE_WHY_MAX, "backend %s kept %zu signatures",
				 p->backend->spec, p->busy);
			return false;
		}
		if (collect(p, true, done, why) < 0)
			return false;
	}
	return true;
}

struct engine_signer engine_pipeline_signer(struct engine_pipeline *p)
{
	return (struct engine_signer){ p, pipeline_step, pipeline_drain };
}

bool engine_pipeline_check(struct engine_pipeline *p, size_t n, char *why)
{
	struct engine_count done = { 0 };
	size_t saved = p->nslots, started = 0;
	bool ok = true;

	p->verify = true;
	p->verified = 0;
	p->next_msg = 0;
	while (ok && started < n) {
		/* drained, so one step starts exactly nslots messages */
		p->nslots = n - started < saved ? n - started : saved;
		ok = pipeline_step(p, &done, why) && pipeline_drain(p, &done, why);
		started += p->nslots;
	}
	if (ok && p->verified != n) {
		snprintf(why, ENGINE_WHY_MAX, "%zu of %zu signatures checked", p->verified, n);
		ok = false;
	}
	p->verify = false;
	p->nslots = saved;
	p->next_msg = 0;
	return ok;
}
