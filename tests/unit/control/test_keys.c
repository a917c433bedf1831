/*
 * NAME
 *   test_keys.c - struct sg_keys: lookups for signetd through selectors
 *                 and the keycache, config reload, restart with the state
 *                 directory, summary counters (control/keys/keys.c)
 */
#include "keys_testutil.h"

static const char *CONF =
	"dkim_sign \"main\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  pos_keycache_ttl = 300\n"
	"  neg_keycache_ttl = 3600\n"
	"  dk_domain \"example.com\" { selector = \"s1\" }\n"
	"}\n";

struct fixture {
	char *dir;
	struct kt_clock clock;
	struct kt_log log;
	struct sg_config *conf;
	struct sg_keys *keys;
};

static const char *key_path(struct fixture *f, const char *domain, const char *sel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/keys/%s/%s.key", f->dir, domain, sel);
	return buf;
}

static void start(struct fixture *f, const char *conf)
{
	struct sg_error err;

	f->conf = kt_config(f->dir, conf);
	if (sg_keys_new(f->conf, kt_clock(&f->clock), &f->keys, &err) != SG_OK)
		fail_msg("sg_keys_new: %s", err.msg);
	sg_keys_set_log(f->keys, kt_log_fn, &f->log);
}

static void stop(struct fixture *f)
{
	sg_keys_free(f->keys);
	sg_config_free(f->conf);
	f->keys = NULL;
	f->conf = NULL;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = kt_tmpdir();
	f->clock.t = 1795305600;	/* 2026-11-22T00:00:00Z */
	start(f, CONF);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	stop(f);
	kt_rmtree(f->dir);
	free(f);
	return 0;
}

static struct sg_key_answer lookup(struct fixture *f, enum sg_sigkind kind, const char *domain)
{
	struct sg_key_answer a;
	struct sg_error err;

	assert_int_equal(sg_keys_lookup(f->keys, kind, domain, &a, &err), SG_OK);
	return a;
}

static void test_lookup_through_selector_and_cache(void **state)
{
	struct fixture *f = *state;
	struct sg_key_answer a;
	uint64_t gen;

	a = lookup(f, SG_KIND_DKIM, "example.com");
	assert_null(a.key);
	assert_string_equal(a.selector, "s1");
	assert_non_null(strstr(a.reason, "no key file"));
	assert_non_null(strstr(a.reason, "keys/example.com/s1.key"));
	/* The key appears; the miss is remembered for neg_keycache_ttl. */
	kt_key_file(key_path(f, "example.com", "s1"), SG_KEY_ED25519, 0);
	f->clock.t += 3599;
	assert_null(lookup(f, SG_KIND_DKIM, "example.com").key);
	f->clock.t += 1;
	a = lookup(f, SG_KIND_DKIM, "example.com");
	assert_non_null(a.key);
	assert_string_equal(a.reason, "");
	/* Generations start from the clock, so a restart does not reuse them. */
	assert_true(a.generation > ((uint64_t)1795305600 << 20));
	gen = a.generation;
	/* Same entry whatever the spelling of the domain. */
	a = lookup(f, SG_KIND_DKIM, "EXAMPLE.com.");
	assert_non_null(a.key);
	assert_int_equal(a.generation, gen);
}

static void test_negative_answers(void **state)
{
	struct fixture *f = *state;
	struct sg_key_answer a;
	struct sg_error err;

	a = lookup(f, SG_KIND_DKIM, "evil.com/../../etc/passwd");
	assert_null(a.key);
	assert_non_null(strstr(a.reason, "forbidden byte 0x2f at byte 9"));
	a = lookup(f, SG_KIND_DKIM, "unsigned.example");
	assert_null(a.key);
	assert_string_equal(a.selector, "");
	assert_string_equal(a.reason, "no enabled dkim selector for unsigned.example");
	a = lookup(f, SG_KIND_DOMAINKEYS, "example.com");
	assert_string_equal(a.reason, "no enabled domainkeys selector for example.com");
	assert_int_equal(sg_keys_lookup(f->keys, SG_KIND_DKIM, NULL, &a, &err), SG_E_ARG);
}

static void test_unsafe_key_logged(void **state)
{
	struct fixture *f = *state;
	struct sg_key_answer a;

	sg_privkey_free(kt_key(key_path(f, "example.com", "s1"), SG_KEY_ED25519, 0, 0644));
	a = lookup(f, SG_KIND_DKIM, "example.com");
	assert_null(a.key);
	assert_non_null(strstr(a.reason, "chmod 600"));
	assert_true(kt_log_has(&f->log, "selector s1 refused"));
	assert_true(kt_log_has(&f->log, "accessible by group or others"));
}

static void test_summary(void **state)
{
	struct fixture *f = *state;
	struct sg_table t;
	long row;

	kt_key_file(key_path(f, "example.com", "s1"), SG_KEY_ED25519, 0);
	(void)lookup(f, SG_KIND_DKIM, "example.com");
	(void)lookup(f, SG_KIND_DKIM, "example.com");
	sg_table_init(&t, "summary");
	assert_int_equal(sg_keys_summary(f->keys, &t), SG_OK);
	assert_int_equal(t.ncols, 2);
	assert_string_equal(t.col_name[0], "counter");
	assert_int_equal(t.col_kind[1], SG_COL_INT);
	row = kt_find_row(&t, "counter", "keycache_keys");
	assert_true(row >= 0);
	assert_string_equal(kt_cell(&t, (size_t)row, "value"), "1");
	row = kt_find_row(&t, "counter", "keycache_hits");
	assert_string_equal(kt_cell(&t, (size_t)row, "value"), "1");
	row = kt_find_row(&t, "counter", "keycache_misses");
	assert_string_equal(kt_cell(&t, (size_t)row, "value"), "1");
	row = kt_find_row(&t, "counter", "selector_domains_enabled");
	assert_string_equal(kt_cell(&t, (size_t)row, "value"), "1");
	/* Appends to a table that already has two columns. */
	{
		size_t before = t.nrows;

		assert_int_equal(sg_keys_summary(f->keys, &t), SG_OK);
		assert_int_equal(t.nrows, 2 * before);
	}
	sg_table_free(&t);
	sg_table_init(&t, "three");
	assert_int_equal(sg_table_column(&t, "a", SG_COL_TEXT), SG_OK);
	assert_int_equal(sg_table_column(&t, "b", SG_COL_TEXT), SG_OK);
	assert_int_equal(sg_table_column(&t, "c", SG_COL_TEXT), SG_OK);
	assert_int_equal(sg_keys_summary(f->keys, &t), SG_E_ARG);
	sg_table_free(&t);
}

static void test_reconfigure_keeps_cache(void **state)
{
	struct fixture *f = *state;
	struct sg_config *conf;
	struct sg_key_answer a;
	struct sg_error err;
	uint64_t gen;

	kt_key_file(key_path(f, "example.com", "s1"), SG_KEY_ED25519, 0);
	gen = lookup(f, SG_KIND_DKIM, "example.com").generation;
	/* Same scope, other TTL: the cached key stays (no reload). */
	conf = kt_config(f->dir, "dkim_sign \"main\" {\n  key = \"keys/%{d}/%{s}.key\"\n"
			 "  pos_keycache_ttl = 10\n  keycache_size = 5\n"
			 "  dk_domain \"example.com\" { selector = \"s1\" }\n}\n");
	assert_int_equal(sg_keys_reconfigure(f->keys, conf, &err), SG_OK);
	sg_config_free(f->conf);
	f->conf = conf;
	a = lookup(f, SG_KIND_DKIM, "example.com");
	assert_int_equal(a.generation, gen);
	/* The new TTL applies at once. */
	f->clock.t += 10;
	a = lookup(f, SG_KIND_DKIM, "example.com");
	assert_int_equal(a.generation, gen);
	/* Another template: another file, so another load. */
	conf = kt_config(f->dir, "dkim_sign \"main\" {\n  key = \"other/%{d}.%{s}.pem\"\n"
			 "  dk_domain \"example.com\" { selector = \"s1\" }\n}\n");
	assert_int_equal(sg_keys_reconfigure(f->keys, conf, &err), SG_OK);
	sg_config_free(f->conf);
	f->conf = conf;
	a = lookup(f, SG_KIND_DKIM, "example.com");
	assert_null(a.key);
	assert_non_null(strstr(a.reason, "other/example.com.s1.pem"));
	/* The scope is gone: so is the selector. */
	conf = kt_config(f->dir, "");
	assert_int_equal(sg_keys_reconfigure(f->keys, conf, &err), SG_OK);
	sg_config_free(f->conf);
	f->conf = conf;
	a = lookup(f, SG_KIND_DKIM, "example.com");
	assert_string_equal(a.reason, "no enabled dkim selector for example.com");
}

static void test_reconfigure_failure_keeps_running(void **state)
{
	struct fixture *f = *state;
	struct sg_sign_domain dom = { .domain = "localhost" };
	struct sg_config *bad;
	struct sg_error err;
	uint64_t gen;

	kt_key_file(key_path(f, "example.com", "s1"), SG_KEY_ED25519, 0);
	gen = lookup(f, SG_KIND_DKIM, "example.com").generation;
	/* A config the parser would not give us: a domain that is no domain. */
	bad = kt_config(f->dir, CONF);
	snprintf(dom.opt.selector, sizeof(dom.opt.selector), "s9");
	free(bad->scopes[0].domains);
	bad->scopes[0].domains = malloc(sizeof(dom));
	assert_non_null(bad->scopes[0].domains);
	bad->scopes[0].domains[0] = dom;
	bad->scopes[0].ndomains = 1;
	assert_int_equal(sg_keys_reconfigure(f->keys, bad, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "localhost"));
	sg_config_free(bad);
	/* Still the old configuration, cache included. */
	assert_int_equal(lookup(f, SG_KIND_DKIM, "example.com").generation, gen);
}

static void test_restart_keeps_runtime_selectors(void **state)
{
	struct fixture *f = *state;
	struct sg_table t;
	struct sg_error err;
	struct sg_key_answer a;
	long row;

	kt_key_file(key_path(f, "example.com", "s1"), SG_KEY_ED25519, 0);
	kt_run(f->keys, "selector create n1 --domain example.com --bits 1024", &t);
	sg_table_free(&t);
	kt_run(f->keys, "selector enable n1 example.com", &t);
	sg_table_free(&t);
	assert_string_equal(lookup(f, SG_KIND_DKIM, "example.com").selector, "n1");
	/* Restart: a new struct sg_keys over the same config and state_dir. */
	stop(f);
	start(f, CONF);
	a = lookup(f, SG_KIND_DKIM, "example.com");
	assert_string_equal(a.selector, "n1");
	assert_non_null(a.key);
	assert_int_equal(kt_command(f->keys, "selector list", &t, &err), SG_OK);
	row = kt_find_row(&t, "selector", "s1");
	assert_true(row >= 0);
	assert_string_equal(kt_cell(&t, (size_t)row, "status"), "retiring");
	row = kt_find_row(&t, "selector", "n1");
	assert_string_equal(kt_cell(&t, (size_t)row, "status"), "enabled");
	assert_string_equal(kt_cell(&t, (size_t)row, "source"), "state");
	assert_string_equal(kt_cell(&t, (size_t)row, "key"), "rsa-1024");
	sg_table_free(&t);
	/* A config reload keeps them too. */
	{
		struct sg_config *conf = kt_config(f->dir, CONF);

		assert_int_equal(sg_keys_reconfigure(f->keys, conf, &err), SG_OK);
		sg_config_free(f->conf);
		f->conf = conf;
	}
	assert_string_equal(lookup(f, SG_KIND_DKIM, "example.com").selector, "n1");
}

static void test_corrupt_state_refused(void **state)
{
	struct fixture *f = *state;
	struct sg_keys *k = NULL;
	struct sg_error err;
	char path[4200];
	FILE *out;

	snprintf(path, sizeof(path), "%s/state", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/state/selectors.state", f->dir);
	out = fopen(path, "w");
	assert_non_null(out);
	fputs("signet-selectors 1\nselector n1 dkim state - rsa 0 0\nbroken\n", out);
	fclose(out);
	assert_int_equal(sg_keys_new(f->conf, kt_clock(&f->clock), &k, &err), SG_E_SYNTAX);
	assert_null(k);
	assert_non_null(strstr(err.msg, "selectors.state:3: unknown record type \"broken\""));
}

static void test_new_arguments(void **state)
{
	struct fixture *f = *state;
	struct sg_keys *k = NULL;
	struct sg_error err;

	assert_int_equal(sg_keys_new(NULL, kt_clock(&f->clock), &k, &err), SG_E_ARG);
	assert_int_equal(sg_keys_new(f->conf, (struct sg_clock){ NULL, NULL }, &k, &err),
			 SG_E_ARG);
	sg_keys_free(NULL);
	/* The system clock is roughly now. */
	assert_true(sg_clock_system().now(NULL) > 1700000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup_through_selector_and_cache, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_negative_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_key_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_keeps_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_failure_keeps_running, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_runtime_selectors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_state_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
