/*
 * NAME
 *   test_keycache.c - keycache TTLs, revalidation, negative entries and LRU
 *                     eviction with an injected clock (control/keys/keycache.c)
 */
#include "keycache.h"
#include "keys_testutil.h"

struct fixture {
	char *dir;
	struct kt_clock clock;
	uint64_t generation;
	struct kt_log log;
	struct ks_log sink;
	struct kc_env env;
	struct keycache *cache;
};

static const struct kc_ttl TTL = { .pos = 300, .neg = 3600 };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = kt_tmpdir();
	f->clock.t = 1000000;
	f->generation = 100;
	f->sink = (struct ks_log){ kt_log_fn, &f->log };
	f->env = (struct kc_env){ kt_clock(&f->clock), &f->generation, &f->sink };
	assert_int_equal(keycache_new(4, &f->env, &f->cache), SG_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	keycache_free(f->cache);
	kt_rmtree(f->dir);
	free(f);
	return 0;
}

static const char *path_of(struct fixture *f, const char *name)
{
	static char buf[4][4096];
	static int slot;
	char *p = buf[slot++ & 3];

	snprintf(p, 4096, "%s/%s", f->dir, name);
	return p;
}

static struct kc_view get(struct fixture *f, const char *domain, const char *sel,
			  const char *file, struct kc_ttl ttl)
{
	struct kc_view v;

	assert_int_equal(keycache_get(f->cache, domain, sel, path_of(f, file), ttl, &v), SG_OK);
	return v;
}

/* The public key bytes, to tell two key materials apart. */
static size_t public_of(const struct sg_privkey *k, uint8_t *out)
{
	size_t n = 0;

	assert_int_equal(sg_privkey_public(k, out, SG_PUBKEY_MAX, &n, NULL), SG_OK);
	return n;
}

static void test_miss_then_hit(void **state)
{
	struct fixture *f = *state;
	const struct kc_stats *st = keycache_stats(f->cache);
	struct kc_view v;
	uint64_t gen;

	kt_key_file(path_of(f, "a.key"), SG_KEY_ED25519, 0);
	v = get(f, "example.com", "s1", "a.key", TTL);
	assert_non_null(v.key);
	assert_int_equal(v.generation, 101);
	assert_int_equal(st->misses, 1);
	assert_int_equal(st->loads, 1);
	gen = v.generation;
	f->clock.t += 299;
	v = get(f, "example.com", "s1", "a.key", TTL);
	assert_non_null(v.key);
	assert_int_equal(v.generation, gen);
	assert_int_equal(st->hits, 1);
	assert_int_equal(st->loads, 1);
	assert_int_equal(st->revalidations, 0);
	assert_int_equal(v.hits, 2);
	assert_int_equal(st->lookups, 2);
}

static void test_positive_ttl_unchanged_file(void **state)
{
	struct fixture *f = *state;
	const struct kc_stats *st = keycache_stats(f->cache);
	struct kc_view v;

	kt_key_file(path_of(f, "a.key"), SG_KEY_ED25519, 0);
	v = get(f, "example.com", "s1", "a.key", TTL);
	const uint64_t gen = v.generation;

	f->clock.t += 300;
	v = get(f, "example.com", "s1", "a.key", TTL);
	assert_int_equal(st->revalidations, 1);
	assert_int_equal(st->loads, 1);		/* no reload */
	assert_int_equal(v.generation, gen);
	assert_int_equal(v.checked_at, f->clock.t);
	/* The next revalidation is pos_ttl after this check, not the load. */
	f->clock.t += 299;
	(void)get(f, "example.com", "s1", "a.key", TTL);
	assert_int_equal(st->revalidations, 1);
	f->clock.t += 1;
	(void)get(f, "example.com", "s1", "a.key", TTL);
	assert_int_equal(st->revalidations, 2);
	assert_int_equal(st->loads, 1);
}

static void test_positive_ttl_changed_file(void **state)
{
	struct fixture *f = *state;
	const struct kc_stats *st = keycache_stats(f->cache);
	uint8_t pub1[SG_PUBKEY_MAX], pub2[SG_PUBKEY_MAX], pub3[SG_PUBKEY_MAX];
	size_t n1, n2, n3;
	struct kc_view v;
	uint64_t gen;

	kt_key_file(path_of(f, "a.key"), SG_KEY_ED25519, 0);
	v = get(f, "example.com", "s1", "a.key", TTL);
	gen = v.generation;
	n1 = public_of(v.key, pub1);
	/* Replace the key; before the TTL the cached key is still served. */
	assert_int_equal(unlink(path_of(f, "a.key")), 0);
	kt_key_file(path_of(f, "a.key"), SG_KEY_ED25519, 0);
	f->clock.t += 100;
	v = get(f, "example.com", "s1", "a.key", TTL);
	n2 = public_of(v.key, pub2);
	assert_true(n1 == n2 && memcmp(pub1, pub2, n1) == 0);
	assert_int_equal(v.generation, gen);
	/* After it: reloaded, new generation, new material, logged. */
	f->clock.t += 200;
	v = get(f, "example.com", "s1", "a.key", TTL);
	n3 = public_of(v.key, pub3);
	assert_false(n1 == n3 && memcmp(pub1, pub3, n1) == 0);
	assert_true(v.generation > gen);
	assert_int_equal(st->reloads, 1);
	assert_int_equal(st->loads, 2);
	assert_true(kt_log_has(&f->log, "reloaded"));
}

static void test_file_removed_and_unsafe(void **state)
{
	struct fixture *f = *state;
	const struct kc_stats *st = keycache_stats(f->cache);
	struct kc_view v;
	uint64_t loads;

	kt_key_file(path_of(f, "a.key"), SG_KEY_ED25519, 0);
	(void)get(f, "example.com", "s1", "a.key", TTL);
	/* Made group-readable: refused at the next check, with the reason. */
	assert_int_equal(chmod(path_of(f, "a.key"), 0640), 0);
	f->clock.t += 300;
	v = get(f, "example.com", "s1", "a.key", TTL);
	assert_null(v.key);
	assert_false(v.missing);
	assert_non_null(strstr(v.reason, "chmod 600"));
	assert_int_equal(st->failures, 1);
	assert_true(kt_log_has(&f->log, "refused"));
	assert_true(kt_log_has(&f->log, "chmod 600"));
	/* An unchanged refused file is not parsed again. */
	loads = st->loads;
	f->clock.t += 300;
	v = get(f, "example.com", "s1", "a.key", TTL);
	assert_null(v.key);
	assert_int_equal(st->loads, loads);
	/* Fixed: loaded at the next check (pos TTL, not neg TTL). */
	assert_int_equal(chmod(path_of(f, "a.key"), 0600), 0);
	f->clock.t += 300;
	v = get(f, "example.com", "s1", "a.key", TTL);
	assert_non_null(v.key);
	/* Removed: missing at the next check, logged. */
	assert_int_equal(unlink(path_of(f, "a.key")), 0);
	f->clock.t += 300;
	v = get(f, "example.com", "s1", "a.key", TTL);
	assert_null(v.key);
	assert_true(v.missing);
	assert_true(kt_log_has(&f->log, "is gone"));
}

static void test_negative_ttl(void **state)
{
	struct fixture *f = *state;
	const struct kc_stats *st = keycache_stats(f->cache);
	struct kc_view v;
	uint64_t gen;

	v = get(f, "example.org", "s1", "none.key", TTL);
	assert_null(v.key);
	assert_true(v.missing);
	assert_non_null(strstr(v.reason, "no key file"));
	gen = v.generation;
	/* The key appears, but the miss is remembered for neg_ttl. */
	kt_key_file(path_of(f, "none.key"), SG_KEY_ED25519, 0);
	f->clock.t += 3599;
	v = get(f, "example.org", "s1", "none.key", TTL);
	assert_null(v.key);
	assert_int_equal(st->neg_hits, 1);
	assert_int_equal(st->loads, 1);
	f->clock.t += 1;
	v = get(f, "example.org", "s1", "none.key", TTL);
	assert_non_null(v.key);
	assert_true(v.generation > gen);
	assert_int_equal(st->loads, 2);
	/* Missing entries never log (most domains have no key). */
	assert_int_equal(f->log.n, 0);
}

static void test_ttl_zero_and_clock_backwards(void **state)
{
	struct fixture *f = *state;
	const struct kc_stats *st = keycache_stats(f->cache);
	const struct kc_ttl zero = { 0, 0 };

	kt_key_file(path_of(f, "a.key"), SG_KEY_ED25519, 0);
	(void)get(f, "example.com", "s1", "a.key", zero);
	(void)get(f, "example.com", "s1", "a.key", zero);
	(void)get(f, "example.com", "s1", "a.key", zero);
	assert_int_equal(st->revalidations, 2);
	f->clock.t -= 10000;		/* the clock was set back */
	(void)get(f, "example.com", "s1", "a.key", TTL);
	assert_int_equal(st->revalidations, 3);
	assert_int_equal(st->loads, 1);
}

static void order_cb(const struct kc_view *v, void *arg)
{
	char *out = arg;

	strcat(out, v->domain);
	strcat(out, " ");
}

static void test_lru_eviction(void **state)
{
	struct fixture *f = *state;
	const struct kc_stats *st = keycache_stats(f->cache);
	char order[256] = "";
	size_t neg;

	assert_int_equal(keycache_resize(f->cache, 3), SG_OK);
	kt_key_file(path_of(f, "k.key"), SG_KEY_ED25519, 0);
	(void)get(f, "a.example", "s", "k.key", TTL);
	(void)get(f, "b.example", "s", "k.key", TTL);
	(void)get(f, "c.example", "s", "k.key", TTL);
	(void)get(f, "a.example", "s", "k.key", TTL);	/* a is now the newest */
	(void)get(f, "d.example", "s", "none.key", TTL);	/* evicts b, the oldest */
	assert_int_equal(st->evictions, 1);
	assert_int_equal(keycache_count(f->cache, &neg), 3);
	assert_int_equal(neg, 1);
	keycache_each(f->cache, order_cb, order);
	assert_string_equal(order, "d.example a.example c.example ");
	(void)get(f, "b.example", "s", "k.key", TTL);	/* a miss again; evicts c */
	assert_int_equal(st->misses, 5);
	order[0] = '\0';
	keycache_each(f->cache, order_cb, order);
	assert_string_equal(order, "b.example d.example a.example ");
	/* Shrinking keeps the most recent. */
	assert_int_equal(keycache_resize(f->cache, 1), SG_OK);
	assert_int_equal(keycache_capacity(f->cache), 1);
	order[0] = '\0';
	keycache_each(f->cache, order_cb, order);
	assert_string_equal(order, "b.example ");
	assert_int_equal(st->evictions, 4);
	/* Capacity 0 means 1; growing re-hashes. */
	assert_int_equal(keycache_resize(f->cache, 0), SG_OK);
	assert_int_equal(keycache_capacity(f->cache), 1);
	assert_int_equal(keycache_resize(f->cache, 5000), SG_OK);
	(void)get(f, "b.example", "s", "k.key", TTL);
	assert_int_equal(st->hits, 2);
}

static void test_many_entries(void **state)
{
	struct fixture *f = *state;
	char domain[64];
	struct kc_view v;

	assert_int_equal(keycache_resize(f->cache, 100), SG_OK);
	for (int i = 0; i < 250; i++) {
		snprintf(domain, sizeof(domain), "d%d.example", i);
		v = get(f, domain, "s", "none.key", TTL);
		assert_null(v.key);
	}
	assert_int_equal(keycache_count(f->cache, NULL), 100);
	assert_int_equal(keycache_stats(f->cache)->evictions, 150);
	/* The newest 100 are there, the older ones are not. */
	assert_int_equal(keycache_forget(f->cache, "d249.example", "s"), true);
	assert_int_equal(keycache_forget(f->cache, "d150.example", "s"), true);
	assert_int_equal(keycache_forget(f->cache, "d149.example", "s"), false);
}

static void test_flush_forget_and_path_change(void **state)
{
	struct fixture *f = *state;
	const struct kc_stats *st = keycache_stats(f->cache);
	struct kc_view v;

	kt_key_file(path_of(f, "a.key"), SG_KEY_ED25519, 0);
	(void)get(f, "a.example", "s1", "a.key", TTL);
	(void)get(f, "a.example", "s2", "a.key", TTL);
	(void)get(f, "b.example", "s1", "a.key", TTL);
	assert_int_equal(keycache_flush(f->cache, "a.example"), 2);
	assert_int_equal(keycache_count(f->cache, NULL), 1);
	assert_false(keycache_forget(f->cache, "a.example", "s1"));
	assert_true(keycache_forget(f->cache, "b.example", "s1"));
	assert_int_equal(keycache_count(f->cache, NULL), 0);
	/* The template changed: same (domain, selector), other file. */
	(void)get(f, "a.example", "s1", "a.key", TTL);
	v = get(f, "a.example", "s1", "none.key", TTL);
	assert_null(v.key);
	assert_true(v.missing);
	assert_non_null(strstr(v.path, "none.key"));
	assert_int_equal(st->misses, 5);
	assert_int_equal(keycache_flush(f->cache, NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_miss_then_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positive_ttl_unchanged_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positive_ttl_changed_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_removed_and_unsafe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_zero_and_clock_backwards, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lru_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_forget_and_path_change, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
