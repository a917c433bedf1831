/*
 * NAME
 *   test_dp_keys.c - the workers' side of the key view: lookups, wants,
 *                    references, versions, wire helpers, and lock-free
 *                    readers racing a writer thread that swaps keys
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "testutil.h"
#include "core_testutil.h"
#include "dp_keys.h"

#define CONF "dkim_sign \"s\" { dk_domain \"example.com\" { selector = \"sel\" } }\n"

static int setup(void **state)
{
	*state = ct_keys_open(CONF, "evp");
	return 0;
}

static int teardown(void **state)
{
	ct_keys_close(*state);
	return 0;
}

static void test_miss_records_one_want(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *e = (const void *)1;
	struct dp_key_want w[4];

	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "Example.COM.", &e),
			 DP_KEY_PENDING);
	assert_null(e);
	assert_int_equal(dp_keys_take_wants(f->keys, 0, w, 4), 1);
	assert_int_equal(w[0].kind, SG_KIND_DKIM);
	assert_string_equal(w[0].domain, "example.com");
	assert_false(w[0].refresh);
	/* Asked: a second lookup does not want it again. */
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "example.com", &e),
			 DP_KEY_PENDING);
	assert_int_equal(dp_keys_take_wants(f->keys, 0, w, 4), 0);
}

static void test_found_after_install(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *e;
	uint64_t v = dp_keys_version(f->keys);

	ct_install(f->keys, SG_KIND_DKIM, "example.com", "sel", 3, &f->pem, 0);
	assert_true(dp_keys_version(f->keys) != v);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "EXAMPLE.com", &e),
			 DP_KEY_FOUND);
	assert_non_null(e->key);
	assert_string_equal(e->selector, "sel");
	assert_string_equal(e->domain, "example.com");
	assert_int_equal(e->generation, 3);
	assert_int_equal(e->kind, SG_KIND_DKIM);
	dp_keys_release(e);
	/* Kinds are apart. */
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DOMAINKEYS, "example.com", &e),
			 DP_KEY_PENDING);
}

static void test_negative_answer(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *e;

	ct_install_none(f->keys, SG_KIND_DKIM, "nokey.example", "no enabled selector", 0);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "nokey.example", &e),
			 DP_KEY_NONE);
	assert_null(e->key);
	assert_false(e->temporary);
	assert_string_equal(e->reason, "no enabled selector");
	dp_keys_release(e);
}

static void test_invalid_domains(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *e;
	char longname[400];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "bad..example", &e),
			 DP_KEY_INVALID);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "a/b.example", &e),
			 DP_KEY_INVALID);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, longname, &e), DP_KEY_INVALID);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "", &e), DP_KEY_INVALID);
	assert_int_equal(dp_keys_lookup(f->reader, (enum sg_sigkind)5, "example.com", &e),
			 DP_KEY_INVALID);
}

static void test_ring_full_is_retry(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *e;
	struct dp_key_want w[DP_KEYS_WANT_RING + 8];
	char name[64];

	for (int i = 0; i < DP_KEYS_WANT_RING; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, name, &e),
				 DP_KEY_PENDING);
	}
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "late.example", &e),
			 DP_KEY_RETRY);
	assert_int_equal(dp_keys_take_wants(f->keys, 0, w, DP_KEYS_WANT_RING + 8),
			 DP_KEYS_WANT_RING);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "late.example", &e),
			 DP_KEY_PENDING);
}

static void test_want_fd_wakes(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *e;
	struct dp_key_want w[2];
	uint64_t counter = 0;

	assert_true(dp_keys_want_fd(f->keys) >= 0);
	assert_true(read(dp_keys_want_fd(f->keys), &counter, sizeof(counter)) < 0);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "wake.example", &e),
			 DP_KEY_PENDING);
	/* take_wants drains the eventfd. */
	assert_int_equal(dp_keys_take_wants(f->keys, 0, w, 2), 1);
	assert_true(read(dp_keys_want_fd(f->keys), &counter, sizeof(counter)) < 0);
}

static void test_entry_outlives_replacement(void **state)
{
	struct ct_keys *f = *state;
	const struct dp_key_entry *old, *cur;
	struct sg_privkey *k2;
	struct sg_buf pem2 = ct_keypem(SG_KEY_RSA, &k2);

	ct_install(f->keys, SG_KIND_DKIM, "example.com", "sel", 1, &f->pem, 0);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "example.com", &old),
			 DP_KEY_FOUND);
	ct_install(f->keys, SG_KIND_DKIM, "example.com", "sel2", 2, &pem2, 0);
	dp_keys_reclaim(f->keys);
	assert_int_equal(dp_keys_lookup(f->reader, SG_KIND_DKIM, "example.com", &cur),
			 DP_KEY_FOUND);
	assert_int_equal(cur->generation, 2);
	assert_string_equal(cur->selector, "sel2");
	/* The old entry is intact while held (ASan would catch a free). */
	assert_int_equal(old->generation, 1);
	assert_string_equal(old->selector, "sel");
	assert_int_equal(sg_privkey_bits(old->key), 1024);
	dp_keys_release(old);
	dp_keys_release(cur);
	sg_privkey_free(k2);
	sg_buf_free(&pem2);
}

static void test_wire_helpers(void **state)
{
	struct ct_keys *f = *state;
	struct dp_key_want want = { .kind = SG_KIND_DOMAINKEYS, .domain = "example.com" };
	struct sg_wire_out w, m;
	struct sg_wire_in r;
	struct dp_key_answer a;
	struct dp_key_answer_buf buf;
	uint64_t kind;
	char domain[64];

	assert_int_equal(dp_keys_request_encode(&want, &w), SG_OK);
	assert_int_equal(sg_wire_open(&r, w.buf.data, w.buf.len, NULL), SG_OK);
	assert_int_equal(r.type, SG_MSG_KEY_REQUEST);
	assert_true(sg_wire_get_u64(&r, &kind) && sg_wire_get_str(&r, domain, sizeof(domain)));
	assert_true(sg_wire_end(&r));
	assert_int_equal(kind, 1);
	assert_string_equal(domain, "example.com");
	sg_wire_out_free(&w);

	sg_wire_begin(&m, SG_MSG_KEY_MATERIAL);
	assert_int_equal(sg_wire_put_u64(&m, 9), SG_OK);
	assert_int_equal(sg_wire_put_u64(&m, 0), SG_OK);
	assert_int_equal(sg_wire_put_str(&m, "example.com"), SG_OK);
	assert_int_equal(sg_wire_put_str(&m, "sel"), SG_OK);
	assert_int_equal(sg_wire_put_bytes(&m, f->pem.data, f->pem.len), SG_OK);
	assert_int_equal(sg_wire_put_str(&m, ""), SG_OK);
	assert_int_equal(sg_wire_finish(&m), SG_OK);
	assert_int_equal(sg_wire_open(&r, m.buf.data, m.buf.len, NULL), SG_OK);
	assert_int_equal(dp_keys_answer_decode(&r, &a, &buf, NULL), SG_OK);
	assert_int_equal(a.generation, 9);
	assert_string_equal(a.domain, "example.com");
	assert_string_equal(a.selector, "sel");
	assert_int_equal(a.pem_len, f->pem.len);
	assert_int_equal(dp_keys_install(f->keys, &a, 0, NULL), SG_OK);
	/* A truncated message is refused. */
	assert_int_equal(sg_wire_open(&r, m.buf.data, m.buf.len, NULL), SG_OK);
	r.len -= 3;
	assert_int_equal(dp_keys_answer_decode(&r, &a, &buf, NULL), SG_E_SYNTAX);
	sg_wire_out_free(&m);
}

/* Reader threads look up and hold entries while the writer swaps. */
struct race {
	struct dp_keys *keys;
	atomic_bool stop;
	atomic_ulong found;
	struct sg_buf *pems;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct dp_keys_reader *rd;
	const struct dp_key_entry *e;
	unsigned long found = 0;

	if (dp_keys_reader_new(r->keys, &rd, NULL) != SG_OK)
		return NULL;
	while (!atomic_load(&r->stop)) {
		for (int d = 0; d < 4; d++) {
			char name[32];

			snprintf(name, sizeof(name), "race%d.example", d);
			if (dp_keys_lookup(rd, SG_KIND_DKIM, name, &e) != DP_KEY_FOUND)
				continue;
			/* Touch the entry: a freed one is a use-after-free. */
			if (e->generation == 0 || sg_privkey_bits(e->key) != 1024 ||
			    strcmp(e->domain, name) != 0)
				abort();
			found++;
			dp_keys_release(e);
		}
	}
	atomic_fetch_add(&r->found, found);
	dp_keys_reader_free(rd);
	return NULL;
}

static void test_readers_race_writer(void **state)
{
	struct ct_keys *f = *state;
	struct sg_privkey *k2;
	struct sg_buf pems[2] = { f->pem, ct_keypem(SG_KEY_RSA, &k2) };
	struct race r = { .keys = f->keys, .pems = pems };
	pthread_t th[3];
	struct dp_key_want w[64];
	char name[32];

	atomic_init(&r.stop, false);
	atomic_init(&r.found, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_reader, &r), 0);
	for (uint64_t gen = 1; gen <= 400; gen++) {
		snprintf(name, sizeof(name), "race%d.example", (int)(gen % 4));
		ct_install(f->keys, SG_KIND_DKIM, name, "sel", gen, &pems[gen % 2], gen);
		/* New domains grow the table under the readers. */
		snprintf(name, sizeof(name), "grow%d.example", (int)gen);
		ct_install(f->keys, SG_KIND_DKIM, name, "sel", gen, &pems[0], gen);
		(void)dp_keys_take_wants(f->keys, gen, w, 64);
	}
	usleep(20000);
	atomic_store(&r.stop, true);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_true(atomic_load(&r.found) > 0);
	sg_privkey_free(k2);
	sg_buf_free(&pems[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_miss_records_one_want, setup, teardown),
		cmocka_unit_test_setup_teardown(test_found_after_install, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_full_is_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_want_fd_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_outlives_replacement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire_helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readers_race_writer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
