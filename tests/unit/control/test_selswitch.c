/*
 * NAME
 *   test_selswitch.c - selector enable / disable through the console:
 *                      key checks, one enabled per type and domain, safe
 *                      deletion dates, rollback when the state cannot be
 *                      saved (control/keys/selswitch.c)
 */
#include "keys_testutil.h"

static const char *CONF =
	"dkim_sign \"main\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"example.com\" { selector = \"s1\" }\n"
	"}\n"
	"dkim_sign \"ed\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  digest = ed25519-sha256\n"
	"  dk_domain \"ed.example\" { }\n"
	"}\n"
	"dk_sign \"legacy\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"example.com\" { selector = \"s1\" }\n"
	"}\n";

static int setup(void **state)
{
	struct kt_store *f = kt_store_new(CONF);

	kt_key_file(kt_store_key_path(f, "example.com", "s1"), SG_KEY_RSA, 1024);
	kt_store_open(f);
	sg_keys_set_log(f->keys, NULL, NULL);	/* stderr */
	*state = f;
	return 0;
}

static const char *signer(struct kt_store *f, enum sg_sigkind kind, const char *domain)
{
	static struct sg_key_answer a;
	struct sg_error err;

	assert_int_equal(sg_keys_lookup(f->keys, kind, domain, &a, &err), SG_OK);
	return a.selector[0] ? a.selector : "(none)";
}

static const char *row_status(struct kt_store *f, const char *sel)
{
	long row = kt_find_row(&f->t, "selector", sel);

	return row < 0 ? "(absent)" : kt_cell(&f->t, (size_t)row, "status");
}

static void test_enable_switches_the_other_off(void **state)
{
	struct kt_store *f = *state;

	kt_store_run(f, "selector create n1 --domain example.com --bits 1024");
	assert_string_equal(signer(f, SG_KIND_DKIM, "example.com"), "s1");
	kt_store_run(f, "selector enable n1 example.com");
	assert_string_equal(f->t.message, "n1 now signs example.com; switched off: s1, keep its "
			    "DNS record until 2026-11-29T10:00:00Z");
	assert_string_equal(row_status(f, "n1"), "enabled");
	assert_string_equal(row_status(f, "s1"), "retiring");
	assert_string_equal(kt_cell(&f->t, (size_t)kt_find_row(&f->t, "selector", "s1"),
				    "delete_after"), "2026-11-29T10:00:00Z");
	assert_string_equal(signer(f, SG_KIND_DKIM, "example.com"), "n1");
	/* DomainKeys has its own s1, untouched; the answer lists DKIM only. */
	assert_string_equal(signer(f, SG_KIND_DOMAINKEYS, "example.com"), "s1");
	for (size_t r = 0; r < f->t.nrows; r++)
		assert_string_equal(kt_cell(&f->t, r, "type"), "dkim");
	/* Enabling again is harmless. */
	kt_store_run(f, "selector enable n1 example.com");
	assert_string_equal(f->t.message, "n1 now signs example.com");
}

static void test_enable_refuses_unusable_keys(void **state)
{
	struct kt_store *f = *state;

	kt_store_run(f, "selector create gone --domain example.com --bits 1024");
	assert_int_equal(unlink(kt_store_key_path(f, "example.com", "gone")), 0);
	assert_non_null(strstr(kt_store_refused(f, "selector enable gone example.com", SG_E_KEY),
			       "cannot enable gone for example.com: no key file"));
	kt_store_run(f, "selector create open --domain example.com --bits 1024");
	assert_int_equal(chmod(kt_store_key_path(f, "example.com", "open"), 0644), 0);
	assert_non_null(strstr(kt_store_refused(f, "selector enable open example.com", SG_E_KEY),
			       "chmod 600"));
	/* An Ed25519 key cannot sign the scope's rsa-sha256. */
	kt_store_run(f, "selector create ed1 --domain example.com --key-type ed25519");
	assert_non_null(strstr(kt_store_refused(f, "selector enable ed1 example.com", SG_E_KEY),
			       "Ed25519 key cannot sign rsa-sha256 (the digest of dkim_sign "
			       "\"main\")"));
	/* Nothing changed. */
	assert_string_equal(signer(f, SG_KIND_DKIM, "example.com"), "s1");
	/* In an ed25519-sha256 scope it can. */
	kt_store_run(f, "selector create ed2 --domain ed.example --key-type ed25519");
	kt_store_run(f, "selector enable ed2 ed.example");
	assert_string_equal(signer(f, SG_KIND_DKIM, "ed.example"), "ed2");
	assert_non_null(strstr(kt_store_refused(f, "selector enable ghost example.com", SG_E_ARG),
			       "no selector named \"ghost\""));
}

static void test_enable_for_another_domain(void **state)
{
	struct kt_store *f = *state;

	kt_store_run(f, "selector create n1 --domain example.com --bits 1024");
	assert_non_null(strstr(kt_store_refused(f, "selector enable n1 other.example", SG_E_KEY),
			       "no key file"));
	kt_key_file(kt_store_key_path(f, "other.example", "n1"), SG_KEY_RSA, 1024);
	kt_store_run(f, "selector enable n1 other.example");
	assert_string_equal(signer(f, SG_KIND_DKIM, "other.example"), "n1");
	kt_store_run(f, "selector list");
	assert_true(kt_find_row(&f->t, "domain", "other.example") >= 0);
}

static void test_disable(void **state)
{
	struct kt_store *f = *state;
	struct sg_key_answer a;
	struct sg_error err;

	kt_store_run(f, "selector disable s1 example.com");
	assert_string_equal(f->t.message, "s1 no longer signs example.com; keep its DNS record "
			    "until 2026-11-29T10:00:00Z");
	assert_string_equal(row_status(f, "s1"), "retiring");
	assert_int_equal(sg_keys_lookup(f->keys, SG_KIND_DKIM, "example.com", &a, &err), SG_OK);
	assert_null(a.key);
	assert_string_equal(a.reason, "no enabled dkim selector for example.com");
	assert_non_null(strstr(kt_store_refused(f, "selector disable s1 example.com", SG_E_STATE),
			       "not enabled for example.com"));
	/* s1 is a DomainKeys selector as well: the name switches both. */
	assert_string_equal(signer(f, SG_KIND_DOMAINKEYS, "example.com"), "(none)");
}

static void test_disable_name_of_two_types(void **state)
{
	struct kt_store *f = *state;

	kt_store_run(f, "selector create n1 --domain example.com --bits 1024");
	kt_store_run(f, "selector enable n1 example.com");	/* DKIM s1 off, DomainKeys s1 on */
	kt_store_run(f, "selector disable s1 example.com");	/* only the DomainKeys one was on */
	assert_string_equal(signer(f, SG_KIND_DOMAINKEYS, "example.com"), "(none)");
	assert_string_equal(signer(f, SG_KIND_DKIM, "example.com"), "n1");
	assert_non_null(strstr(kt_store_refused(f, "selector disable s1 example.com", SG_E_STATE),
			       "not enabled"));
}

static void test_failed_save_changes_nothing(void **state)
{
	struct kt_store *f = *state;
	char state_dir[4200];
	FILE *out;

	kt_store_run(f, "selector create n1 --domain example.com --bits 1024");
	/* The state folder is replaced by a file: saving fails. */
	snprintf(state_dir, sizeof(state_dir), "%s/state", f->dir);
	{
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
		assert_int_equal(system(cmd), 0);
	}
	out = fopen(state_dir, "w");
	assert_non_null(out);
	fclose(out);
	assert_non_null(strstr(kt_store_refused(f, "selector enable n1 example.com", SG_E_IO),
			       "cannot create folder"));
	assert_string_equal(signer(f, SG_KIND_DKIM, "example.com"), "s1");
	kt_store_run(f, "selector list");
	assert_string_equal(kt_cell(&f->t, (size_t)kt_find_row(&f->t, "selector", "n1"),
				    "status"), "new");
	/* A failed create leaves no key file behind. */
	assert_non_null(strstr(kt_store_refused(f, "selector create n2 --domain example.com --bits 1024",
				       SG_E_IO), "cannot create folder"));
	assert_int_not_equal(access(kt_store_key_path(f, "example.com", "n2"), F_OK), 0);
	kt_store_run(f, "selector list");
	assert_true(kt_find_row(&f->t, "selector", "n2") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enable_switches_the_other_off, setup,
						kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_enable_refuses_unusable_keys, setup,
						kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_enable_for_another_domain, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_disable, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_disable_name_of_two_types, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_failed_save_changes_nothing, setup,
						kt_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
