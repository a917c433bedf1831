/*
 * NAME
 *   test_key_prep.c - unit tests for crypto/key_prep.c
 *
 * SUMMARY
 *   Precomputation slots: install and find by tag, several tags on one
 *   key, a second install for a tag keeps the first data and releases the
 *   second, SG_E_LIMIT past SG_KEY_PREP_SLOTS tags, bad arguments (data is
 *   released in every failing case), release of every entry when the key
 *   is freed, and several threads racing to install one tag (exactly one
 *   datum survives, every other is released once).
 */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>

#include "key.h"

#define RACERS 8

struct datum {
	atomic_int *released;	/* counts releases of this datum */
	int id;
};

static void release_datum(void *p)
{
	struct datum *d = p;

	atomic_fetch_add(d->released, 1);
	free(d);
}

static struct datum *new_datum(atomic_int *counter, int id)
{
	struct datum *d = malloc(sizeof(*d));

	assert_non_null(d);
	d->released = counter;
	d->id = id;
	return d;
}

static struct sg_privkey *ed_key(void)
{
	struct sg_privkey *k = NULL;
	struct sg_error err;

	if (sg_privkey_generate(SG_KEY_ED25519, 0, &k, &err) != SG_OK)
		fail_msg("generate: %s", err.msg);
	return k;
}

static const char tag_a = 'a', tag_b = 'b';

static void test_empty_key_has_no_prep(void **state)
{
	struct sg_privkey *k = ed_key();

	(void)state;
	assert_null(sg_privkey_prep(k, &tag_a));
	assert_null(sg_privkey_prep(k, NULL));
	assert_null(sg_privkey_prep(NULL, &tag_a));
	sg_privkey_free(k);
}

static void test_install_find_and_release_on_free(void **state)
{
	atomic_int released = 0;
	struct sg_privkey *k = ed_key();
	struct datum *a = new_datum(&released, 1), *b = new_datum(&released, 2);

	(void)state;
	assert_int_equal(sg_privkey_set_prep(k, &tag_a, a, release_datum), SG_OK);
	assert_ptr_equal(sg_privkey_prep(k, &tag_a), a);
	assert_null(sg_privkey_prep(k, &tag_b));
	assert_int_equal(sg_privkey_set_prep(k, &tag_b, b, release_datum), SG_OK);
	assert_ptr_equal(sg_privkey_prep(k, &tag_a), a);
	assert_ptr_equal(sg_privkey_prep(k, &tag_b), b);
	assert_int_equal(atomic_load(&released), 0);
	sg_privkey_free(k);
	assert_int_equal(atomic_load(&released), 2);
}

static void test_second_install_keeps_first(void **state)
{
	atomic_int first = 0, second = 0;
	struct sg_privkey *k = ed_key();
	struct datum *a = new_datum(&first, 1), *a2 = new_datum(&second, 2);

	(void)state;
	assert_int_equal(sg_privkey_set_prep(k, &tag_a, a, release_datum), SG_OK);
	assert_int_equal(sg_privkey_set_prep(k, &tag_a, a2, release_datum), SG_OK);
	assert_int_equal(atomic_load(&second), 1);	/* the loser, released at once */
	assert_ptr_equal(sg_privkey_prep(k, &tag_a), a);
	sg_privkey_free(k);
	assert_int_equal(atomic_load(&first), 1);
	assert_int_equal(atomic_load(&second), 1);
}

static void test_limit_and_bad_arguments_release_data(void **state)
{
	static const char tags[SG_KEY_PREP_SLOTS + 1] = { 0 };
	atomic_int kept = 0, dropped = 0;
	struct sg_privkey *k = ed_key();

	(void)state;
	for (int i = 0; i < SG_KEY_PREP_SLOTS; i++)
		assert_int_equal(sg_privkey_set_prep(k, &tags[i], new_datum(&kept, i),
						     release_datum), SG_OK);
	assert_int_equal(sg_privkey_set_prep(k, &tags[SG_KEY_PREP_SLOTS],
					     new_datum(&dropped, 9), release_datum), SG_E_LIMIT);
	assert_int_equal(atomic_load(&dropped), 1);
	assert_null(sg_privkey_prep(k, &tags[SG_KEY_PREP_SLOTS]));
	for (int i = 0; i < SG_KEY_PREP_SLOTS; i++)
		assert_int_equal(((struct datum *)sg_privkey_prep(k, &tags[i]))->id, i);
	assert_int_equal(sg_privkey_set_prep(k, NULL, new_datum(&dropped, 9), release_datum),
			 SG_E_ARG);
	assert_int_equal(sg_privkey_set_prep(NULL, &tag_a, new_datum(&dropped, 9),
					     release_datum), SG_E_ARG);
	assert_int_equal(sg_privkey_set_prep(k, &tag_a, NULL, release_datum), SG_E_ARG);
	assert_int_equal(atomic_load(&dropped), 3);
	sg_privkey_free(k);
	assert_int_equal(atomic_load(&kept), SG_KEY_PREP_SLOTS);
}

static void test_null_release_is_allowed(void **state)
{
	static int not_owned = 5;
	struct sg_privkey *k = ed_key();

	(void)state;
	assert_int_equal(sg_privkey_set_prep(k, &tag_a, &not_owned, NULL), SG_OK);
	assert_ptr_equal(sg_privkey_prep(k, &tag_a), &not_owned);
	sg_privkey_free(k);
	assert_int_equal(not_owned, 5);
}

struct race {
	struct sg_privkey *key;
	atomic_int *released;
	pthread_barrier_t *start;
	int id;
	void *seen;		/* what sg_privkey_prep gave after installing */
};

static void *racer(void *p)
{
	struct race *r = p;
	struct datum *d = new_datum(r->released, r->id);

	pthread_barrier_wait(r->start);
	if (sg_privkey_set_prep(r->key, &tag_a, d, release_datum) != SG_OK)
		return p;
	r->seen = sg_privkey_prep(r->key, &tag_a);
	return NULL;
}

static void test_racing_installs_keep_exactly_one(void **state)
{
	atomic_int released = 0;
	struct race races[RACERS];
	pthread_t threads[RACERS];
	pthread_barrier_t start;
	struct sg_privkey *k = ed_key();
	void *winner;

	(void)state;
	assert_int_equal(pthread_barrier_init(&start, NULL, RACERS), 0);
	for (int i = 0; i < RACERS; i++) {
		races[i] = (struct race){ k, &released, &start, i, NULL };
		assert_int_equal(pthread_create(&threads[i], NULL, racer, &races[i]), 0);
	}
	for (int i = 0; i < RACERS; i++) {
		void *ret = &races[i];

		assert_int_equal(pthread_join(threads[i], &ret), 0);
		assert_null(ret);
	}
	winner = sg_privkey_prep(k, &tag_a);
	assert_non_null(winner);
	for (int i = 0; i < RACERS; i++)
		assert_ptr_equal(races[i].seen, winner);
	assert_int_equal(atomic_load(&released), RACERS - 1);
	sg_privkey_free(k);
	assert_int_equal(atomic_load(&released), RACERS);
	pthread_barrier_destroy(&start);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_key_has_no_prep),
		cmocka_unit_test(test_install_find_and_release_on_free),
		cmocka_unit_test(test_second_install_keeps_first),
		cmocka_unit_test(test_limit_and_bad_arguments_release_data),
		cmocka_unit_test(test_null_release_is_allowed),
		cmocka_unit_test(test_racing_installs_keep_exactly_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
