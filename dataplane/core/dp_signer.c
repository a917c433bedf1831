/*
 * NAME
 *   dp_signer.c - one worker's signing pipeline: message queues, parking
 *                 until a key answer, batching towards the crypto backend,
 *                 completions (see dp_signer.h)
 *
 * SUMMARY
 *   submit: plan the message (dp_signer_msg.c), look up its keys, and
 *   either park it or hash it and hand its digests to the backend. poll:
 *   resume parked messages when the key view changed (dp_keys_version),
 *   fail those parked too long, collect backend completions, retry
 *   messages the backend had no room for, flush a batch whose timeout
 *   passed, and hand out finished messages. Nothing here blocks.
 *   Engine signers are pooled: a finished message's signer is reset and
 *   kept (up to SIGNER_POOL_MAX) for the next message.
 *
 * UNTRUSTED INPUT
 *   Messages, through dp_signer_msg.c.
 */

/* System library. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Crypto and dataplane. */
#include "backend.h"
#include "dp_signer_internal.h"
#include "hash_evp.h"
#include "simd.h"

#define COLLECT_BATCH 16
#define DEFAULT_BATCH 8
#define MAX_BATCH 1024
#define FLIGHT_POLL_NS 10000		/* poll interval while digests are out */

void msgs_append(struct msg_list *l, struct sign_msg *m)
{
	m->on = l;
	m->next = NULL;
	m->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = m;
	else
		l->head = m;
	l->tail = m;
	l->n++;
}

void msgs_remove(struct sign_msg *m)
{
	struct msg_list *l = m->on;

	if (l == NULL)
		return;
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		l->head = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	else
		l->tail = m->prev;
	l->n--;
	m->on = NULL;
	m->prev = m->next = NULL;
}

static uint64_t mono_ns(void *env)
{
	struct timespec ts;

	(void)env;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t wall_s(void *env)
{
	(void)env;
	return (int64_t)time(NULL);
}

uint64_t signer_now(const struct dp_signer *s)
{
	return s->clock.mono_ns(s->clock.env);
}

void dp_signer_set_clock(struct dp_signer *s, const struct dp_clock *c)
{
	s->clock = *c;
}

void dp_signer_set_park_ms(struct dp_signer *s, uint64_t ms)
{
	if (ms > 0)
		s->park_ns = ms * 1000000;
}

enum sg_err dp_signer_new(const struct sg_config *conf, struct dp_keys *keys,
			  const char *backend_spec, unsigned batch_size,
			  struct dp_worker_stats *stats, struct dp_signer **out,
			  struct sg_error *err)
{
	struct dp_signer *s;
	enum sg_err rc;

	if (conf == NULL || keys == NULL || out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no configuration, key view or place");
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	s->conf = conf;
	s->keys = keys;
	s->stats = stats;
	s->clock = (struct dp_clock){ mono_ns, wall_s, NULL };
	sg_limits_default(&s->limits);
	s->canon_kernels = sg_simd_best();	/* the CPU's best; output is identical */
	if (batch_size == 0)
		batch_size = conf->dataplane.batch_size ? conf->dataplane.batch_size : DEFAULT_BATCH;
	s->batch_size = batch_size < MAX_BATCH ? batch_size : MAX_BATCH;
	s->batch_timeout_ns = (uint64_t)conf->dataplane.batch_timeout_us * 1000;
	s->park_ns = (uint64_t)DP_SIGNER_PARK_MS * 1000000;
	s->keys_version = dp_keys_version(keys);
	s->hash = sg_hash_evp_pooled_new();	/* the worker's thread only */
	rc = s->hash != NULL ? sg_backend_open(backend_spec, &s->backend, err) :
	     sg_error_set(err, SG_E_NOMEM, 0, 0, "cannot fetch the SHA-1 and SHA-256 digests");
	if (rc == SG_OK)
		rc = dp_keys_reader_new(keys, &s->reader, err);
	if (rc != SG_OK) {
		dp_signer_free(s);
		return rc;
	}
	*out = s;
	return SG_OK;
}

static void free_list(struct dp_signer *s, struct msg_list *l)
{
	while (l->head != NULL) {
		struct sign_msg *m = l->head;

		msgs_remove(m);
		msg_free(s, m);
	}
}

struct sg_signer *signer_take(struct dp_signer *s)
{
	struct sg_signer *g;

	if (s->npool > 0)
		return s->pool[--s->npool];
	/* no bare-LF repair: both front-ends hand CRLF-only messages (dp_signer.h),
	 * so it would only scan every body a second time */
	g = sg_signer_new(s->hash, &s->limits, false);
	if (g != NULL)
		sg_signer_set_canon_kernels(g, s->canon_kernels);
	return g;
}

void signer_give(struct dp_signer *s, struct sg_signer *g)
{
	if (g == NULL)
		return;
	if (s->npool == SIGNER_POOL_MAX) {
		sg_signer_free(g);
		return;
	}
	sg_signer_reset(g);
	s->pool[s->npool++] = g;
}

void dp_signer_free(struct dp_signer *s)
{
	if (s == NULL)
		return;
	sg_backend_close(s->backend);	/* before the keys: it may hold copies */
	free_list(s, &s->parked);
	free_list(s, &s->blocked);
	free_list(s, &s->flight);
	free_list(s, &s->done);
	while (s->npool > 0)
		sg_signer_free(s->pool[--s->npool]);
	dp_keys_reader_free(s->reader);
	sg_hash_evp_fetched_free(s->hash);	/* after the messages' hash contexts */
	free(s);
}

void signer_job_added(struct dp_signer *s)
{
	if (s->unflushed++ == 0)
		s->batch_t0_ns = signer_now(s);
	if (s->unflushed >= s->batch_size)
		dp_signer_flush(s);
}

void dp_signer_flush(struct dp_signer *s)
{
	sg_backend_flush(s->backend);
	s->unflushed = 0;
}

/* Hands a hashed message (on no list) to the backend, or to the right list. */
static void dispatch(struct dp_signer *s, struct sign_msg *m)
{
	if (!msg_submit(s, m))
		msgs_append(&s->blocked, m);
	else if (m->jobs_out > 0)
		msgs_append(&s->flight, m);
	else
		msg_finish(s, m);
}

static void advance(struct dp_signer *s, struct sign_msg *m)
{
	msg_hash(s, m);
	dispatch(s, m);
}

/* Resumes the parked messages whose keys are known now; fails the ones
 * that waited too long. */
static void check_parked(struct dp_signer *s, uint64_t now)
{
	uint64_t version = dp_keys_version(s->keys);
	struct sign_msg *m, *next;
	bool changed = version != s->keys_version || s->retry_wants;

	s->keys_version = version;
	s->retry_wants = false;
	for (m = s->parked.head; m != NULL; m = next) {
		next = m->next;
		if (changed && msg_resolve(s, m)) {
			msgs_remove(m);
			advance(s, m);
		} else if (now >= m->park_deadline_ns) {
			msgs_remove(m);
			msg_expire(s, m);
			advance(s, m);
		}
	}
}

enum sg_err dp_signer_submit(struct dp_signer *s, const uint8_t *msg, size_t len,
			     const struct dp_client_facts *facts, uint64_t cookie,
			     struct sg_error *err)
{
	struct sign_msg *m;
	uint64_t now = signer_now(s);

	if (msg == NULL && len > 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no message");
	if (dp_signer_pending(s) >= DP_SIGNER_MAX_PENDING)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "%d messages pending: poll first",
				    DP_SIGNER_MAX_PENDING);
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	m->cookie = cookie;
	m->data = msg;
	m->len = len;
	m->can_relay = facts != NULL && facts->can_relay;
	m->auth_user = facts != NULL && facts->auth_user != NULL;
	m->t0_ns = now;
	sg_buf_init(&m->headers, SIZE_MAX);
	check_parked(s, now);
	msg_plan(s, m);
	if (msg_resolve(s, m)) {
		advance(s, m);
	} else {
		m->park_deadline_ns = now + s->park_ns;
		msgs_append(&s->parked, m);
	}
	return SG_OK;
}

static void collect(struct dp_signer *s)
{
	struct sg_sign_done done[COLLECT_BATCH];
	size_t n;

	do {
		n = sg_backend_poll(s->backend, done, COLLECT_BATCH);
		for (size_t i = 0; i < n; i++) {
			struct kind_plan *p = done[i].cookie;
			struct sign_msg *m = p->msg;

			msg_signed(s, p, &done[i]);
			if (m->jobs_out == 0 && m->on == &s->flight) {
				msgs_remove(m);
				msg_finish(s, m);
			}
		}
	} while (n == COLLECT_BATCH);
}

/* Retries the messages the backend had no room for, oldest first. */
static void retry_blocked(struct dp_signer *s)
{
	for (size_t n = s->blocked.n; n > 0 && s->blocked.head != NULL; n--) {
		struct sign_msg *m = s->blocked.head;

		msgs_remove(m);
		dispatch(s, m);
		if (m->on == &s->blocked)
			break;
	}
}

static void hand_out(struct dp_signer *s, struct sign_msg *m, struct dp_done *d,
		     uint64_t now)
{
	memset(d, 0, sizeof(*d));
	d->cookie = m->cookie;
	d->outcome = m->outcome;
	d->skip = m->outcome == DP_SKIPPED ? m->skip : DP_SKIP_NONE;
	memcpy(d->reason, m->reason, sizeof(d->reason));
	d->permanent = m->outcome == DP_FAILED && m->permanent;
	d->headers = m->headers;
	sg_buf_init(&m->headers, SIZE_MAX);
	d->signatures = m->nsig;
	d->sign_ns = now - m->t0_ns;
	msg_free(s, m);
}

size_t dp_signer_poll(struct dp_signer *s, struct dp_done *done, size_t max)
{
	uint64_t now = signer_now(s);
	size_t n = 0;

	check_parked(s, now);
	collect(s);
	retry_blocked(s);
	if (s->unflushed > 0 && now - s->batch_t0_ns >= s->batch_timeout_ns)
		dp_signer_flush(s);
	collect(s);
	while (n < max && s->done.head != NULL) {
		struct sign_msg *m = s->done.head;

		msgs_remove(m);
		hand_out(s, m, &done[n++], now);
	}
	return n;
}

void dp_signer_release(struct dp_signer *s, struct dp_done *done)
{
	(void)s;
	sg_buf_free(&done->headers);
}

size_t dp_signer_pending(const struct dp_signer *s)
{
	return s->parked.n + s->blocked.n + s->flight.n + s->done.n;
}

uint64_t dp_signer_next_deadline_us(const struct dp_signer *s)
{
	uint64_t now = signer_now(s), at = UINT64_MAX;

	if (s->done.n > 0 || s->blocked.n > 0 || s->retry_wants)
		return now / 1000;
	if (s->unflushed > 0)
		at = s->batch_t0_ns + s->batch_timeout_ns;
	if (s->flight.n > 0 && now + FLIGHT_POLL_NS < at)
		at = now + FLIGHT_POLL_NS;
	if (s->parked.head != NULL && s->parked.head->park_deadline_ns < at)
		at = s->parked.head->park_deadline_ns;
	return at == UINT64_MAX ? UINT64_MAX : at / 1000;
}
