/*
 * NAME
 *   test_keys_cmd.c - the read-only console commands and the flushes:
 *                     keycache list / flush, dkim_sign:NAME flush keycache,
 *                     selector list / show, dispatch errors
 *                     (control/keys/keys_cmd.c)
 */
#include "keys_testutil.h"

static const char *CONF =
	"dkim_sign \"main\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"example.com\" { selector = \"s1\" }\n"
	"  dk_domain \"example.org\" { selector = \"s1\" }\n"
	"}\n"
	"dkim_sign \"any\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  selector = \"w1\"\n"
	"}\n"
	"dk_sign \"legacy\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"example.com\" { selector = \"dk1\" }\n"
	"}\n";

static int setup(void **state)
{
	struct kt_store *f = kt_store_new(CONF);

	kt_key_file(kt_store_key_path(f, "example.com", "s1"), SG_KEY_ED25519, 0);
	kt_key_file(kt_store_key_path(f, "example.com", "dk1"), SG_KEY_RSA, 1024);
	kt_store_open(f);
	*state = f;
	return 0;
}

static void look(struct kt_store *f, enum sg_sigkind kind, const char *domain)
{
	struct sg_key_answer a;
	struct sg_error err;

	assert_int_equal(sg_keys_lookup(f->keys, kind, domain, &a, &err), SG_OK);
}

static void test_keycache_list(void **state)
{
	struct kt_store *f = *state;
	long r;

	look(f, SG_KIND_DKIM, "example.com");
	look(f, SG_KIND_DKIM, "example.org");		/* s1, no file */
	look(f, SG_KIND_DKIM, "random.example");	/* w1 through the wildcard */
	look(f, SG_KIND_DOMAINKEYS, "example.com");
	f->clock.t += 42;
	look(f, SG_KIND_DKIM, "example.com");
	kt_store_run(f, "keycache list");
	assert_string_equal(f->t.title, "keycache");
	assert_int_equal(f->t.nrows, 4);
	r = kt_find_row(&f->t, "domain", "example.com");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "scope"), "dkim_sign:main");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "selector"), "s1");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "state"), "loaded");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "key"), "ed25519");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "age_s"), "42");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "hits"), "2");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "detail"), kt_store_key_path(f, "example.com", "s1"));
	r = kt_find_row(&f->t, "domain", "example.org");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "state"), "missing");
	assert_non_null(strstr(kt_cell(&f->t, (size_t)r, "detail"), "no key file"));
	r = kt_find_row(&f->t, "domain", "random.example");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "scope"), "dkim_sign:any");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "selector"), "w1");
	r = kt_find_row(&f->t, "scope", "dk_sign:legacy");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "key"), "rsa-1024");
	assert_string_equal(f->t.message, "2 keys loaded, 2 remembered as missing or refused");
	assert_int_equal(f->t.col_kind[kt_col(&f->t, "generation")], SG_COL_INT);
}

static void test_keycache_flush(void **state)
{
	struct kt_store *f = *state;

	look(f, SG_KIND_DKIM, "example.com");
	look(f, SG_KIND_DKIM, "example.org");
	look(f, SG_KIND_DOMAINKEYS, "example.com");
	kt_store_run(f, "keycache flush Example.COM");
	assert_string_equal(f->t.message, "2 cached entries dropped for example.com");
	assert_string_equal(kt_cell(&f->t, (size_t)kt_find_row(&f->t, "scope", "dk_sign:legacy"),
				    "flushed"), "1");
	kt_store_run(f, "keycache list");
	assert_int_equal(f->t.nrows, 1);
	kt_store_run(f, "keycache flush");
	assert_string_equal(f->t.message, "1 cached entries dropped");
	kt_store_run(f, "keycache list");
	assert_int_equal(f->t.nrows, 0);
}

static void test_scope_flush(void **state)
{
	struct kt_store *f = *state;
	struct sg_error err;

	look(f, SG_KIND_DKIM, "example.com");
	look(f, SG_KIND_DOMAINKEYS, "example.com");
	kt_store_run(f, "dk_sign:legacy flush keycache");
	assert_string_equal(f->t.message, "dk_sign:legacy: 1 cached entries dropped");
	kt_store_run(f, "keycache list");
	assert_int_equal(f->t.nrows, 1);
	assert_string_equal(kt_cell(&f->t, 0, "scope"), "dkim_sign:main");
	kt_store_run(f, "dkim_sign:main flush keycache");
	assert_string_equal(kt_cell(&f->t, 0, "flushed"), "1");
	sg_table_free(&f->t);
	assert_int_equal(kt_command(f->keys, "dkim_sign:legacy flush keycache", &f->t, &err),
			 SG_E_ARG);
	assert_string_equal(err.msg, "no dkim_sign scope named \"legacy\" in the configuration");
}

static void test_selector_list(void **state)
{
	struct kt_store *f = *state;
	long r;

	kt_store_run(f, "selector create n1 --domain example.net --key-type ed25519");
	kt_store_run(f, "selector list");
	assert_string_equal(f->t.title, "selectors");
	/* s1 twice (two domains), w1 (any domain), dk1, n1. */
	assert_int_equal(f->t.nrows, 5);
	r = kt_find_row(&f->t, "domain", "*");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "selector"), "w1");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "status"), "enabled");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "source"), "config");
	r = kt_find_row(&f->t, "selector", "dk1");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "type"), "domainkeys");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "canon"), "nofws");
	r = kt_find_row(&f->t, "selector", "n1");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "status"), "new");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "source"), "state");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "key"), "ed25519");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "delete_after"), "-");
	assert_string_equal(f->t.message, "4 selectors");
}

static void test_selector_show(void **state)
{
	struct kt_store *f = *state;
	struct sg_error err;
	long r;

	kt_store_run(f, "selector show s1");
	assert_int_equal(f->t.nrows, 2);
	r = kt_find_row(&f->t, "domain", "example.com");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "dns_name"), "s1._domainkey.example.com");
	assert_string_equal(kt_cell(&f->t, (size_t)r, "key_file"),
			    kt_store_key_path(f, "example.com", "s1"));
	assert_string_equal(kt_cell(&f->t, (size_t)r, "key"), "ed25519");
	r = kt_find_row(&f->t, "domain", "example.org");
	assert_non_null(strstr(kt_cell(&f->t, (size_t)r, "key"), "no key file"));
	assert_non_null(strstr(f->t.message, "dkim selector from signet.conf, canon "
			       "relaxed/relaxed"));
	kt_store_run(f, "selector show w1");
	assert_string_equal(kt_cell(&f->t, 0, "dns_name"), "w1._domainkey.(any domain)");
	assert_string_equal(kt_cell(&f->t, 0, "key_file"), "-");
	kt_store_run(f, "selector create n1 --domain example.net --key-type ed25519");
	kt_store_run(f, "selector show N1");
	assert_non_null(strstr(f->t.message, "from the state directory"));
	assert_non_null(strstr(f->t.message, "created 2026-11-22T10:00:00Z"));
	sg_table_free(&f->t);
	assert_int_equal(kt_command(f->keys, "selector show nope", &f->t, &err), SG_E_ARG);
	assert_string_equal(err.msg, "no selector named \"nope\" (see: selector list)");
}

static void test_dispatch_errors(void **state)
{
	struct kt_store *f = *state;
	struct sg_cmd_params p;
	struct sg_error err;

	memset(&p, 0, sizeof(p));
	assert_int_equal(sg_keys_command(f->keys, &p, &f->t, &err), SG_E_ARG);
	assert_int_equal(sg_keys_command(NULL, &p, &f->t, &err), SG_E_ARG);
	assert_int_equal(kt_raw(f->keys, SG_CMD_SHUTDOWN, NULL, NULL, &f->t, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "is not about keys"));
	assert_int_equal(kt_raw(f->keys, SG_CMD_KEYCACHE_FLUSH, NULL, "a..b", &f->t, &err),
			 SG_E_ARG);
	assert_non_null(strstr(err.msg, "empty label"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keycache_list, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_keycache_flush, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_scope_flush, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_selector_list, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_selector_show, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_errors, setup, kt_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
