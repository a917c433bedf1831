/*
 * NAME
 *   test_bodyhash.c - unit tests for dataplane/dkim/bodyhash.c
 *
 * SUMMARY
 *   Lane sharing (same canonicalization, hash and limit share; private
 *   lanes never do), the lane cap and a failing hash create(), no new lane
 *   after final, final idempotent. Digests against known values (the RFC
 *   6376 example body, empty bodies in every canonicalization and hash),
 *   l= limits with the uncapped length, private lanes (prefix, then the
 *   blank line through the canonicalizer, then the body), digests equal
 *   to canonicalize-then-hash done separately for every lane kind however
 *   the body is split, and, with a counting hash, one context per lane,
 *   exactly the canonical bytes hashed per lane and every context
 *   destroyed by cleanup.
 */
#include "testutil.h"

#include "base64.h"
#include "bodyhash.h"
#include "engine_helpers.h"

static const char rfc_body[] = "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";

static void append_sink(void *arg, const void *data, size_t len)
{
	assert_int_equal(sg_buf_append(arg, data, len), SG_OK);
}

/* Canonicalize-then-hash done apart from bodyhash.c. */
static size_t reference_digest(enum sg_canon canon, enum sg_hash_alg alg, uint64_t limit,
			       const char *prefix, size_t plen, const char *body, size_t len,
			       uint8_t out[SG_HASH_MAX])
{
	const struct sg_hash_ops *ops = sg_hash_evp();
	struct sg_body_canon c;
	struct sg_buf text;
	void *h = ops->create(ops->env, alg);
	size_t n;

	sg_buf_init(&text, SIZE_MAX);
	sg_body_canon_init(&c, canon, limit, append_sink, &text);
	sg_body_canon_update(&c, body, len);
	sg_body_canon_final(&c);
	ops->update(h, prefix, plen);
	ops->update(h, text.data, text.len);
	n = ops->final(h, out);
	ops->destroy(h);
	sg_buf_free(&text);
	return n;
}

static void assert_digest_b64(const struct sg_bodyhash *bh, int lane, const char *want)
{
	size_t len = 0;
	const uint8_t *d = sg_bodyhash_digest(bh, lane, &len);
	char b64[64];

	assert_true(len > 0);
	sg_base64_encode(d, len, b64);
	assert_string_equal(b64, want);
}

static void test_lane_sharing(void **state)
{
	struct sg_bodyhash bh;
	int a, b;

	(void)state;
	sg_bodyhash_init(&bh, sg_hash_evp());
	a = sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256, SG_BODYHASH_NO_LIMIT, false);
	assert_int_equal(a, 0);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256,
					  SG_BODYHASH_NO_LIMIT, false), a);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256,
					  SG_BODYHASH_NO_LIMIT, false), 1);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA1,
					  SG_BODYHASH_NO_LIMIT, false), 2);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256, 100, false), 3);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256, 100, false), 3);
	/* private lanes: never shared, never handed out for a shared request */
	b = sg_bodyhash_lane(&bh, SG_CANON_DK_NOFWS, SG_HASH_SHA1, SG_BODYHASH_NO_LIMIT, true);
	assert_int_equal(b, 4);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_DK_NOFWS, SG_HASH_SHA1,
					  SG_BODYHASH_NO_LIMIT, true), 5);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_DK_NOFWS, SG_HASH_SHA1,
					  SG_BODYHASH_NO_LIMIT, false), 6);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256,
					  SG_BODYHASH_NO_LIMIT, true), 7);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256,
					  SG_BODYHASH_NO_LIMIT, false), a);
	assert_int_equal(bh.count, 8);
	sg_bodyhash_cleanup(&bh);
	assert_int_equal(bh.count, 0);
	sg_bodyhash_cleanup(&bh);	/* twice is harmless */
}

static void test_lane_cap(void **state)
{
	struct sg_bodyhash bh;
	struct eh_hash_count cnt;

	(void)state;
	eh_counting_hash(&cnt);
	sg_bodyhash_init(&bh, &cnt.ops);
	for (int i = 0; i < SG_BODYHASH_MAX_LANES; i++)
		assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256,
						  (uint64_t)i, false), i);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256, 99, false), -1);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256, 99, true), -1);
	/* an existing triple is still found */
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256, 7, false), 7);
	assert_int_equal(cnt.creates[SG_HASH_SHA256], SG_BODYHASH_MAX_LANES);
	sg_bodyhash_cleanup(&bh);
	assert_int_equal(cnt.live, 0);
}

static void *null_create(void *env, enum sg_hash_alg alg)
{
	(void)env;
	(void)alg;
	return NULL;
}

static void test_create_failure(void **state)
{
	struct sg_hash_ops ops = *sg_hash_evp();
	struct sg_bodyhash bh;

	(void)state;
	ops.create = null_create;
	sg_bodyhash_init(&bh, &ops);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA1,
					  SG_BODYHASH_NO_LIMIT, false), -1);
	assert_int_equal(bh.count, 0);
	sg_bodyhash_final(&bh);		/* nothing to finish */
	sg_bodyhash_cleanup(&bh);
}

static void test_no_lane_after_final(void **state)
{
	struct sg_bodyhash bh;
	struct eh_hash_count cnt;
	int a;

	(void)state;
	eh_counting_hash(&cnt);
	sg_bodyhash_init(&bh, &cnt.ops);
	a = sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256, SG_BODYHASH_NO_LIMIT, false);
	sg_bodyhash_update(&bh, rfc_body, sizeof(rfc_body) - 1);
	sg_bodyhash_final(&bh);
	assert_digest_b64(&bh, a, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256,
					  SG_BODYHASH_NO_LIMIT, false), -1);
	assert_int_equal(sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA1, 5, true), -1);
	sg_bodyhash_final(&bh);		/* idempotent: the digest stays */
	assert_digest_b64(&bh, a, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	assert_int_equal(cnt.creates[SG_HASH_SHA256], 1);
	sg_bodyhash_cleanup(&bh);
	assert_int_equal(cnt.live, 0);
}

static void test_known_digests(void **state)
{
	struct sg_bodyhash bh;
	int lanes[6];

	(void)state;
	/* RFC 6376 A.2 / RFC 8463 A.3 body: same bh= in simple and relaxed */
	sg_bodyhash_init(&bh, sg_hash_evp());
	lanes[0] = sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256, SG_BODYHASH_NO_LIMIT,
				    false);
	lanes[1] = sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256, SG_BODYHASH_NO_LIMIT,
				    false);
	lanes[2] = sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256, 5, false);
	sg_bodyhash_update(&bh, rfc_body, sizeof(rfc_body) - 1);
	sg_bodyhash_final(&bh);
	assert_digest_b64(&bh, lanes[0], "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	assert_digest_b64(&bh, lanes[1], "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	/* l=5: the hash of "Hi.\r\n"; the length is the whole canonical body */
	assert_digest_b64(&bh, lanes[2], "UrA8rmgY3eNBotmDWtzAmHyn5RyZv8Gea45sNGsP0zw=");
	assert_int_equal(sg_bodyhash_length(&bh, lanes[2]), sizeof(rfc_body) - 1);
	assert_int_equal(sg_bodyhash_length(&bh, lanes[0]), sizeof(rfc_body) - 1);
	sg_bodyhash_cleanup(&bh);
	/* empty body: simple hashes CRLF, relaxed nothing (RFC 6376 3.4.3/3.4.4) */
	sg_bodyhash_init(&bh, sg_hash_evp());
	lanes[0] = sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256, SG_BODYHASH_NO_LIMIT,
				    false);
	lanes[1] = sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256, SG_BODYHASH_NO_LIMIT,
				    false);
	lanes[2] = sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA1, SG_BODYHASH_NO_LIMIT,
				    false);
	lanes[3] = sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA1, SG_BODYHASH_NO_LIMIT,
				    false);
	lanes[4] = sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256, 0, false);
	lanes[5] = sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA256, 1, false);
	sg_bodyhash_final(&bh);
	assert_digest_b64(&bh, lanes[0], "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	assert_digest_b64(&bh, lanes[1], "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	assert_digest_b64(&bh, lanes[2], "uoq1oCgLlTqpdDX/iUbLy7J1Wic=");
	assert_digest_b64(&bh, lanes[3], "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
	assert_digest_b64(&bh, lanes[4], "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	assert_int_equal(sg_bodyhash_length(&bh, lanes[0]), 2);
	assert_int_equal(sg_bodyhash_length(&bh, lanes[1]), 0);
	assert_int_equal(sg_bodyhash_length(&bh, lanes[4]), 2);
	assert_int_equal(sg_bodyhash_length(&bh, lanes[5]), 2);
	sg_bodyhash_cleanup(&bh);
}

/* A private lane: prefix straight into the hash, the blank line through its
 * canonicalizer, then the body like every other lane. */
static void test_private_lane(void **state)
{
	static const char body[] = "a  b \r\n\r\n";
	struct sg_bodyhash bh;
	uint8_t want[SG_HASH_MAX];
	size_t wlen, len;
	const uint8_t *got;
	int shared, priv;

	(void)state;
	sg_bodyhash_init(&bh, sg_hash_evp());
	shared = sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA1, SG_BODYHASH_NO_LIMIT,
				  false);
	priv = sg_bodyhash_lane(&bh, SG_CANON_DK_SIMPLE, SG_HASH_SHA1, SG_BODYHASH_NO_LIMIT, true);
	sg_bodyhash_prefix(&bh, priv, "From: x\r\n", 9);
	sg_bodyhash_lane_canon(&bh, priv, "\r\n", 2);
	sg_bodyhash_update(&bh, body, sizeof(body) - 1);
	sg_bodyhash_final(&bh);
	wlen = reference_digest(SG_CANON_DK_SIMPLE, SG_HASH_SHA1, SG_BODYHASH_NO_LIMIT,
				"From: x\r\n", 9, "\r\na  b \r\n\r\n", 11, want);
	got = sg_bodyhash_digest(&bh, priv, &len);
	assert_int_equal(len, wlen);
	assert_memory_equal(got, want, len);
	/* the shared lane saw neither the prefix nor the blank line */
	wlen = reference_digest(SG_CANON_SIMPLE, SG_HASH_SHA1, SG_BODYHASH_NO_LIMIT, "", 0, body,
				sizeof(body) - 1, want);
	got = sg_bodyhash_digest(&bh, shared, &len);
	assert_int_equal(len, wlen);
	assert_memory_equal(got, want, len);
	sg_bodyhash_cleanup(&bh);
}

/* Every (canonicalization, hash, limit): 4 x 2 x 5 = 40 lane kinds. */
static const enum sg_canon all_canons[] = {
	SG_CANON_SIMPLE, SG_CANON_RELAXED, SG_CANON_DK_SIMPLE, SG_CANON_DK_NOFWS,
};
static const uint64_t all_limits[] = { SG_BODYHASH_NO_LIMIT, 0, 1, 3, 7 };
#define KINDS 40

static void kind_of(size_t k, enum sg_canon *c, enum sg_hash_alg *h, uint64_t *l)
{
	*c = all_canons[k / 10];
	*h = (enum sg_hash_alg)(k / 5 % 2);
	*l = all_limits[k % 5];
}

/* One session with the lane kinds first, first + 3, ... (at most 16
 * lanes fit), body fed chunk bytes at a time, checked against the
 * reference. */
static void check_session(const char *body, size_t len, size_t chunk, size_t first)
{
	struct sg_bodyhash bh;
	int lane[KINDS];

	sg_bodyhash_init(&bh, sg_hash_evp());
	for (size_t k = first; k < KINDS; k += 3) {
		enum sg_canon c;
		enum sg_hash_alg h;
		uint64_t l;

		kind_of(k, &c, &h, &l);
		lane[k] = sg_bodyhash_lane(&bh, c, h, l, false);
		assert_true(lane[k] >= 0);
	}
	for (size_t off = 0; off < len; off += chunk)
		sg_bodyhash_update(&bh, body + off, len - off < chunk ? len - off : chunk);
	sg_bodyhash_final(&bh);
	for (size_t k = first; k < KINDS; k += 3) {
		uint8_t want[SG_HASH_MAX];
		size_t wlen, glen;
		const uint8_t *got = sg_bodyhash_digest(&bh, lane[k], &glen);
		enum sg_canon c;
		enum sg_hash_alg h;
		uint64_t l;

		kind_of(k, &c, &h, &l);
		wlen = reference_digest(c, h, l, "", 0, body, len, want);
		assert_int_equal(glen, wlen);
		assert_memory_equal(got, want, glen);
	}
	sg_bodyhash_cleanup(&bh);
}

/* Every lane kind against the reference, body fed whole, byte by byte and
 * in uneven pieces. */
static void test_against_reference(void **state)
{
	static const char *const bodies[] = {
		"", "\r\n", "\r\n\r\n", "x", "x\r\n", " \t \r\n\t x  y \t\r\n\r\n \r\n",
		"Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n",
		"no final crlf\r\n\r\nlast", "\r\r\n\n\rlone\rcr\r", "\xc3\xa9t\xc3\xa9 \r\n",
	};

	(void)state;
	for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		size_t len = strlen(bodies[b]);

		for (size_t step = 0; step <= 3; step++) {
			for (size_t first = 0; first < 3; first++)
				check_session(bodies[b], len, step == 0 ? (len ? len : 1) : step,
					      first);
		}
	}
}

/* One context per lane, each hashing exactly the canonical bytes (up to
 * its limit), all destroyed by cleanup, also without final. */
static void test_counting(void **state)
{
	struct eh_hash_count cnt;
	struct sg_bodyhash bh;
	int a, b;

	(void)state;
	eh_counting_hash(&cnt);
	sg_bodyhash_init(&bh, &cnt.ops);
	a = sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256, SG_BODYHASH_NO_LIMIT, false);
	(void)sg_bodyhash_lane(&bh, SG_CANON_RELAXED, SG_HASH_SHA256, SG_BODYHASH_NO_LIMIT, false);
	assert_int_equal(cnt.creates[SG_HASH_SHA256], 1);
	for (size_t i = 0; i < 1000; i++)
		sg_bodyhash_update(&bh, rfc_body, sizeof(rfc_body) - 1);
	sg_bodyhash_final(&bh);
	assert_int_equal(cnt.bytes, sg_bodyhash_length(&bh, a));
	assert_int_equal(cnt.bytes, 1000 * (sizeof(rfc_body) - 1));
	assert_int_equal(cnt.live, 1);
	sg_bodyhash_cleanup(&bh);
	assert_int_equal(cnt.live, 0);
	/* with a limit only the first l bytes reach the hash */
	eh_counting_hash(&cnt);
	sg_bodyhash_init(&bh, &cnt.ops);
	b = sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA1, 17, false);
	sg_bodyhash_update(&bh, rfc_body, sizeof(rfc_body) - 1);
	sg_bodyhash_final(&bh);
	assert_int_equal(cnt.bytes, 17);
	assert_int_equal(sg_bodyhash_length(&bh, b), sizeof(rfc_body) - 1);
	sg_bodyhash_cleanup(&bh);
	/* cleanup without final */
	eh_counting_hash(&cnt);
	sg_bodyhash_init(&bh, &cnt.ops);
	(void)sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA1, 17, false);
	(void)sg_bodyhash_lane(&bh, SG_CANON_SIMPLE, SG_HASH_SHA1, 17, true);
	sg_bodyhash_update(&bh, "x", 1);
	assert_int_equal(cnt.live, 2);
	sg_bodyhash_cleanup(&bh);
	assert_int_equal(cnt.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lane_sharing),
		cmocka_unit_test(test_lane_cap),
		cmocka_unit_test(test_create_failure),
		cmocka_unit_test(test_no_lane_after_final),
		cmocka_unit_test(test_known_digests),
		cmocka_unit_test(test_private_lane),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_counting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
