/*
 * NAME
 *   test_hash_evp.c - unit tests for crypto/hash_evp.c
 *
 * SUMMARY
 *   FIPS 180 example digests ("abc", the empty string, the 448-bit
 *   two-block message, one million 'a') for SHA-1 and SHA-256; any split
 *   of the input into update() calls gives the same digest; zero-length
 *   updates; an unknown algorithm gives NULL; final() twice gives 0 the
 *   second time; destroy() without final() and on NULL; independent
 *   contexts interleaved; the same with sg_hash_evp_fetched_new()'s
 *   tables (two at once, freed in either order, free of NULL and of the
 *   static table ignored). A pooled table: a destroyed context comes
 *   back from the next create() of its digest started afresh (after
 *   final, after an unfinished update, after a failed final), SHA-1 and
 *   SHA-256 kept apart, at most 16 kept (the rest freed; the ASan build
 *   checks the table frees what it keeps).
 */
#include "testutil.h"

#include "hash_evp.h"

struct hash_vector {
	enum sg_hash_alg alg;
	const char *input;
	size_t repeat;		/* input repeated this many times */
	const char *hex;
};

static const struct hash_vector vectors[] = {
	{ SG_HASH_SHA1, "abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ SG_HASH_SHA1, "", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
	{ SG_HASH_SHA1, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	{ SG_HASH_SHA1, "a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
	{ SG_HASH_SHA256, "abc", 1,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ SG_HASH_SHA256, "", 1,
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ SG_HASH_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ SG_HASH_SHA256, "a", 1000000,
	  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

static void to_hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_vectors(const struct sg_hash_ops *ops)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct hash_vector *v = &vectors[i];
		void *ctx = ops->create(ops->env, v->alg);
		uint8_t out[SG_HASH_MAX];
		char hex[2 * SG_HASH_MAX + 1];
		size_t n;

		assert_non_null(ctx);
		for (size_t r = 0; r < v->repeat; r++)
			ops->update(ctx, v->input, strlen(v->input));
		n = ops->final(ctx, out);
		assert_int_equal(n, sg_hash_len(v->alg));
		to_hex(out, n, hex);
		assert_string_equal(hex, v->hex);
		ops->destroy(ctx);
	}
}

static void test_fips_vectors(void **state)
{
	(void)state;
	check_vectors(sg_hash_evp());
}

/* A fetched table gives the same digests, has an env of its own (two
 * tables are independent), refuses an unknown algorithm; freeing NULL or
 * sg_hash_evp()'s table is a no-op. */
static void test_fetched(void **state)
{
	const struct sg_hash_ops *a = sg_hash_evp_fetched_new(), *b = sg_hash_evp_fetched_new();
	uint8_t out[SG_HASH_MAX];
	void *ctx;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(a->env);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(a->env, b->env);
	check_vectors(a);
	assert_null(a->create(a->env, (enum sg_hash_alg)5));
	ctx = b->create(b->env, SG_HASH_SHA256);
	b->update(ctx, "abc", 3);
	sg_hash_evp_fetched_free(a);		/* b's context is not a's */
	assert_int_equal(b->final(ctx, out), 32);
	assert_int_equal(out[0], 0xba);
	b->destroy(ctx);
	sg_hash_evp_fetched_free(b);
	sg_hash_evp_fetched_free(NULL);
	sg_hash_evp_fetched_free(sg_hash_evp());
	check_vectors(sg_hash_evp());		/* still there */
}

/* Destroyed contexts are reused, started again: nothing of what they
 * hashed shows in the next digest. */
static void test_pooled(void **state)
{
	const struct sg_hash_ops *p = sg_hash_evp_pooled_new();
	void *ctx[20], *again;
	uint8_t out[SG_HASH_MAX];
	char hex[2 * SG_HASH_MAX + 1];

	(void)state;
	assert_non_null(p);
	check_vectors(p);
	ctx[0] = p->create(p->env, SG_HASH_SHA256);
	p->update(ctx[0], "left over", 9);		/* never finished */
	p->destroy(ctx[0]);
	again = p->create(p->env, SG_HASH_SHA256);
	assert_ptr_equal(again, ctx[0]);
	p->update(again, "abc", 3);
	assert_int_equal(p->final(again, out), 32);
	to_hex(out, 32, hex);
	assert_string_equal(hex, vectors[4].hex);
	assert_int_equal(p->final(again, out), 0);	/* once only, reused or not */
	p->destroy(again);
	/* a SHA-1 create does not take the SHA-256 context */
	ctx[1] = p->create(p->env, SG_HASH_SHA1);
	assert_ptr_not_equal(ctx[1], again);
	p->update(ctx[1], "abc", 3);
	assert_int_equal(p->final(ctx[1], out), 20);
	to_hex(out, 20, hex);
	assert_string_equal(hex, vectors[0].hex);
	p->destroy(ctx[1]);
	/* twenty at once: sixteen kept, four freed */
	for (size_t i = 0; i < 20; i++)
		ctx[i] = p->create(p->env, SG_HASH_SHA256);
	for (size_t i = 0; i < 20; i++)
		p->destroy(ctx[i]);
	check_vectors(p);
	sg_hash_evp_fetched_free(p);		/* with contexts kept */
}

static size_t digest_split(enum sg_hash_alg alg, const uint8_t *data, size_t len, size_t cut1,
			   size_t cut2, uint8_t out[SG_HASH_MAX])
{
	const struct sg_hash_ops *ops = sg_hash_evp();
	void *ctx = ops->create(ops->env, alg);
	size_t n;

	assert_non_null(ctx);
	ops->update(ctx, data, cut1);
	ops->update(ctx, data + cut1, 0);
	ops->update(ctx, data + cut1, cut2 - cut1);
	ops->update(ctx, data + cut2, len - cut2);
	n = ops->final(ctx, out);
	ops->destroy(ctx);
	return n;
}

/* Split points around the 64-byte block size give the one-shot digest. */
static void test_any_split(void **state)
{
	uint8_t data[200], whole[SG_HASH_MAX], part[SG_HASH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (int a = SG_HASH_SHA1; a <= SG_HASH_SHA256; a++) {
		size_t n = digest_split((enum sg_hash_alg)a, data, sizeof(data), 0, 0, whole);

		for (size_t c1 = 0; c1 <= sizeof(data); c1 += 3) {
			for (size_t c2 = c1; c2 <= sizeof(data); c2 += 61) {
				assert_int_equal(digest_split((enum sg_hash_alg)a, data,
							      sizeof(data), c1, c2, part), n);
				assert_memory_equal(whole, part, n);
			}
		}
	}
}

static void test_misuse(void **state)
{
	const struct sg_hash_ops *ops = sg_hash_evp();
	uint8_t out[SG_HASH_MAX];
	void *a, *b;

	(void)state;
	assert_ptr_equal(ops, sg_hash_evp());
	assert_null(ops->create(ops->env, (enum sg_hash_alg)5));
	ops->destroy(NULL);

	a = ops->create(ops->env, SG_HASH_SHA256);
	assert_non_null(a);
	ops->update(a, "x", 1);
	ops->destroy(a);		/* without final */

	a = ops->create(ops->env, SG_HASH_SHA1);
	b = ops->create(ops->env, SG_HASH_SHA256);
	ops->update(a, "ab", 2);	/* interleaved contexts stay apart */
	ops->update(b, "ab", 2);
	ops->update(a, "c", 1);
	ops->update(b, "c", 1);
	assert_int_equal(ops->final(a, out), 20);
	assert_int_equal(out[0], 0xa9);
	assert_int_equal(ops->final(b, out), 32);
	assert_int_equal(out[0], 0xba);
	assert_int_equal(ops->final(a, out), 0);	/* second final */
	ops->update(a, "more", 4);			/* ignored after final */
	assert_int_equal(ops->final(a, out), 0);
	ops->destroy(a);
	ops->destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_fetched),
		cmocka_unit_test(test_pooled),
		cmocka_unit_test(test_any_split),
		cmocka_unit_test(test_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
