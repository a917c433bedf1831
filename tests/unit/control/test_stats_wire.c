/*
 * NAME
 *   test_stats_wire.c - unit tests for control/stats/stats_wire.c (the
 *                       STATS_PUSH payload)
 *
 * SUMMARY
 *   Round trips: every counter of two entries arrives where it belongs;
 *   an empty push; the largest push (1024 entries with 255-byte names)
 *   fits a message. The encoder refuses mixed workers, too many entries,
 *   bad kinds and names. Malformed pushes are refused whole, with the
 *   entry, the field and the byte in the message, and change nothing:
 *   every truncation of a valid push, a wrong message type, wrong tags,
 *   an unknown kind, a worker id past 32 bits, another histogram size, too
 *   many entries (over the limit, over what the bytes can hold), bad and
 *   over-long names, a trailing field.
 */
#include "testutil.h"

#include "stats.h"
#include "stats_internal.h"
#include "stats_helpers.h"

static struct sg_stats *fresh(void)
{
	struct sg_stats *s;

	assert_int_equal(sg_stats_new(&s), SG_OK);
	return s;
}

static enum sg_err ingest_bytes(struct sg_stats *s, const void *msg, size_t len,
				struct sg_error *err)
{
	struct sg_wire_in r;
	enum sg_err rc;

	sg_error_clear(err);
	rc = sg_wire_open(&r, msg, len, err);
	if (rc != SG_OK)
		fail_msg("sg_wire_open: %s", err->msg);
	return sg_stats_ingest(s, &r, err);
}

static void encode(const struct sg_stats_delta *d, size_t n, struct sg_wire_out *w)
{
	assert_int_equal(sg_stats_encode_push(d, n, w), SG_OK);
}

static struct sg_stats_delta numbered(uint32_t worker, enum sg_sigkind kind, const char *domain,
				      uint64_t base)
{
	struct sg_stats_delta d = th_delta(worker, kind, domain, "sel");

	d.processed = base + 1;
	d.signed_ok = base + 2;
	d.failed = base + 3;
	for (size_t i = 0; i < SG_SKIP_REASONS; i++)
		d.skipped[i] = base + 4 + i;
	d.bytes = base + 10;
	d.sign_ns = UINT64_MAX - base;
	for (size_t i = 0; i < SG_STATS_BUCKETS; i++)
		d.latency[i] = base + 20 + i;
	return d;
}

static void assert_row_is(const struct sg_stats *s, const struct sg_stats_delta *d)
{
	for (size_t i = 0; i < s->nrows; i++) {
		const struct sg_stats_row *r = &s->rows[i];
		const struct sg_counters *c = &r->c;

		if (r->kind != d->kind || strcmp(r->domain, d->domain) != 0)
			continue;
		assert_string_equal(r->selector, d->selector);
		assert_true(c->processed == d->processed && c->signed_ok == d->signed_ok &&
			    c->failed == d->failed && c->bytes == d->bytes &&
			    c->sign_ns == d->sign_ns);
		assert_memory_equal(c->skipped, d->skipped, sizeof(c->skipped));
		assert_memory_equal(c->latency, d->latency, sizeof(c->latency));
		return;
	}
	fail_msg("no row for %s", d->domain);
}

static void test_round_trip(void **state)
{
	struct sg_stats_delta d[2] = {
		numbered(5, SG_KIND_DKIM, "example.com", 100),
		numbered(5, SG_KIND_DOMAINKEYS, "example.org", 1000),
	};
	struct sg_stats *s = fresh();
	struct sg_wire_out w;
	struct sg_error err;

	(void)state;
	encode(d, 2, &w);
	assert_int_equal(ingest_bytes(s, w.buf.data, w.buf.len, &err), SG_OK);
	assert_int_equal(s->nrows, 2);
	assert_row_is(s, &d[0]);
	assert_row_is(s, &d[1]);
	assert_int_equal(s->nworkers, 1);
	assert_int_equal(s->workers[0].id, 5);
	assert_int_equal(s->pushes, 1);
	sg_wire_out_free(&w);
	encode(d, 0, &w);		/* an empty push is fine */
	assert_int_equal(ingest_bytes(s, w.buf.data, w.buf.len, &err), SG_OK);
	assert_int_equal(s->pushes, 2);
	assert_int_equal(s->nrows, 2);
	sg_wire_out_free(&w);
	sg_stats_free(s);
}

static void test_largest_push(void **state)
{
	struct sg_stats_delta *d = calloc(SG_STATS_PUSH_MAX, sizeof(*d));
	struct sg_stats *s = fresh();
	struct sg_wire_out w;
	struct sg_error err;

	(void)state;
	assert_non_null(d);
	for (size_t i = 0; i < SG_STATS_PUSH_MAX; i++) {
		d[i] = numbered(1, SG_KIND_DKIM, "", i);
		memset(d[i].domain, 'd', 255);
		snprintf(d[i].domain, 8, "%06zu", i);
		d[i].domain[6] = 'x';
		memset(d[i].selector, 's', 255);
	}
	encode(d, SG_STATS_PUSH_MAX, &w);
	assert_true(w.buf.len <= SG_WIRE_MAX);
	assert_int_equal(ingest_bytes(s, w.buf.data, w.buf.len, &err), SG_OK);
	assert_int_equal(s->nrows, SG_STATS_PUSH_MAX);
	sg_wire_out_free(&w);
	sg_stats_free(s);
	free(d);
}

static void test_encoder_refuses(void **state)
{
	struct sg_stats_delta d[2] = {
		th_signed(1, SG_KIND_DKIM, "a.example", "s", 1, 1),
		th_signed(2, SG_KIND_DKIM, "b.example", "s", 1, 1),
	};
	struct sg_wire_out w;

	(void)state;
	assert_int_equal(sg_stats_encode_push(d, 2, &w), SG_E_ARG);	/* two workers */
	sg_wire_out_free(&w);
	assert_int_equal(sg_stats_encode_push(d, SG_STATS_PUSH_MAX + 1, &w), SG_E_LIMIT);
	sg_wire_out_free(&w);
	d[1].worker = 1;
	d[1].kind = (enum sg_sigkind)3;
	assert_int_equal(sg_stats_encode_push(d, 2, &w), SG_E_ARG);
	sg_wire_out_free(&w);
	d[1].kind = SG_KIND_DKIM;
	strcpy(d[1].selector, "s 1");
	assert_int_equal(sg_stats_encode_push(d, 2, &w), SG_E_ARG);
	sg_wire_out_free(&w);
}

static void test_every_truncation(void **state)
{
	struct sg_stats_delta d[2] = {
		numbered(5, SG_KIND_DKIM, "example.com", 100),
		numbered(5, SG_KIND_DOMAINKEYS, "example.org", 1000),
	};
	struct sg_stats *s = fresh();
	struct sg_wire_out w;
	struct sg_error err;
	uint8_t *cut;

	(void)state;
	encode(d, 2, &w);
	cut = malloc(w.buf.len);
	assert_non_null(cut);
	for (size_t len = SG_WIRE_HEADER; len < w.buf.len; len++) {
		memcpy(cut, w.buf.data, len);
		cut[0] = (uint8_t)(len >> 24);
		cut[1] = (uint8_t)(len >> 16);
		cut[2] = (uint8_t)(len >> 8);
		cut[3] = (uint8_t)len;
		if (ingest_bytes(s, cut, len, &err) != SG_E_SYNTAX)
			fail_msg("a push cut to %zu of %zu bytes was not refused", len, w.buf.len);
		assert_true(strncmp(err.msg, "STATS_PUSH ", 11) == 0);
		assert_true(err.offset <= len);
	}
	assert_int_equal(s->nrows, 0);
	assert_int_equal(s->nworkers, 0);
	assert_int_equal(s->pushes, 0);
	free(cut);
	sg_wire_out_free(&w);
	sg_stats_free(s);
}

/* Builds a push field by field: header values, then one entry whose kind
 * and domain are given, then extra trailing fields. */
struct hand {
	uint64_t worker, nbuckets, count, kind;
	const char *domain;
	bool kind_as_string, trailing;
};

static void hand_push(const struct hand *h, struct sg_wire_out *w)
{
	sg_wire_begin(w, SG_MSG_STATS_PUSH);
	assert_int_equal(sg_wire_put_u64(w, h->worker), SG_OK);
	assert_int_equal(sg_wire_put_u64(w, h->nbuckets), SG_OK);
	assert_int_equal(sg_wire_put_u64(w, h->count), SG_OK);
	if (h->kind_as_string)
		assert_int_equal(sg_wire_put_str(w, "dkim"), SG_OK);
	else
		assert_int_equal(sg_wire_put_u64(w, h->kind), SG_OK);
	assert_int_equal(sg_wire_put_str(w, h->domain), SG_OK);
	assert_int_equal(sg_wire_put_str(w, "sel"), SG_OK);
	for (size_t i = 0; i < 8 + SG_STATS_BUCKETS; i++)
		assert_int_equal(sg_wire_put_u64(w, 1), SG_OK);
	if (h->trailing)
		assert_int_equal(sg_wire_put_u64(w, 0), SG_OK);
	assert_int_equal(sg_wire_finish(w), SG_OK);
}

static void refused(struct hand h, enum sg_err code, const char *want)
{
	struct sg_stats *s = fresh();
	struct sg_wire_out w;
	struct sg_error err;

	hand_push(&h, &w);
	assert_int_equal(ingest_bytes(s, w.buf.data, w.buf.len, &err), code);
	if (strstr(err.msg, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
	assert_int_equal(s->nrows, 0);
	assert_int_equal(s->pushes, 0);
	sg_wire_out_free(&w);
	sg_stats_free(s);
}

static void test_malformed(void **state)
{
	const struct hand good = { .worker = 1, .nbuckets = SG_STATS_BUCKETS, .count = 1,
				   .kind = 0, .domain = "example.com" };
	struct hand h;
	char long_name[300];

	(void)state;
	refused((h = good, h.kind_as_string = true, h), SG_E_SYNTAX, "entry 0, kind: byte 35");
	refused((h = good, h.kind = 2, h), SG_E_SYNTAX, "entry 0, kind: byte 35: unknown kind");
	refused((h = good, h.worker = UINT64_C(1) << 32, h), SG_E_SYNTAX,
		"worker: byte 8: worker id past 2^32-1");
	refused((h = good, h.nbuckets = SG_STATS_BUCKETS - 1, h), SG_E_SYNTAX, "histogram size");
	refused((h = good, h.count = SG_STATS_PUSH_MAX + 1, h), SG_E_LIMIT, "SG_STATS_PUSH_MAX");
	refused((h = good, h.count = 2, h), SG_E_SYNTAX, "more entries than the message can hold");
	refused((h = good, h.count = UINT64_MAX, h), SG_E_LIMIT, "count");
	refused((h = good, h.domain = "exa mple.com", h), SG_E_SYNTAX,
		"entry 0, domain: byte 44: byte 0x20 at offset 3");
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	refused((h = good, h.domain = long_name, h), SG_E_SYNTAX, "entry 0, domain");
	refused((h = good, h.trailing = true, h), SG_E_SYNTAX, "STATS_PUSH end");
	h = good;
	{
		struct sg_stats *s = fresh();
		struct sg_wire_out w;
		struct sg_error err;

		hand_push(&h, &w);		/* the hand-built push itself is fine */
		assert_int_equal(ingest_bytes(s, w.buf.data, w.buf.len, &err), SG_OK);
		assert_int_equal(s->nrows, 1);
		sg_wire_out_free(&w);
		sg_stats_free(s);
	}
}

static void test_wrong_type(void **state)
{
	struct sg_stats *s = fresh();
	struct sg_wire_out w;
	struct sg_error err;

	(void)state;
	sg_wire_begin(&w, SG_MSG_HELLO);
	assert_int_equal(sg_wire_put_u64(&w, 1), SG_OK);
	assert_int_equal(sg_wire_finish(&w), SG_OK);
	assert_int_equal(ingest_bytes(s, w.buf.data, w.buf.len, &err), SG_E_SYNTAX);
	assert_non_null(strstr(err.msg, "is not STATS_PUSH"));
	sg_wire_out_free(&w);
	sg_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_largest_push),
		cmocka_unit_test(test_encoder_refuses),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_wrong_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
