/*
 * NAME
 *   test_lifecycle.c - selector create, rotate, retire and dns record
 *                      through the console commands, with an injected clock
 *                      (control/keys/lifecycle.c)
 */
#include <time.h>

#include "dnsrecord.h"
#include "keys_testutil.h"

static const char *CONF =
	"dkim_sign \"main\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"example.com\" { selector = \"s1\" }\n"
	"}\n"
	"dkim_sign \"long\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  lifetime = 240\n"
	"  dk_domain \"slow.example\" { selector = \"slow1\" }\n"
	"}\n"
	"dkim_sign \"flat\" {\n"
	"  key = \"flat/%{d}.key\"\n"
	"  dk_domain \"flat.example\" { lifetime = 1 }\n"
	"}\n"
	"dk_sign \"legacy\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  canon = nofws\n"
	"  dk_domain \"dk.example\" { selector = \"dk1\" }\n"
	"}\n";

#define DAY (24 * 3600)

static int setup(void **state)
{
	struct kt_store *f = kt_store_new(CONF);

	kt_key_file(kt_store_key_path(f, "example.com", "s1"), SG_KEY_RSA, 1024);
	kt_key_file(kt_store_key_path(f, "slow.example", "slow1"), SG_KEY_RSA, 1024);
	kt_store_open(f);
	sg_keys_set_log(f->keys, kt_log_fn, &f->log);
	*state = f;
	return 0;
}

/* The value of field in a (domain, field, value) answer. */
static const char *field(struct kt_store *f, const char *name)
{
	long row = kt_find_row(&f->t, "field", name);

	if (row < 0)
		fail_msg("no field %s in %s", name, f->t.title);
	return kt_cell(&f->t, (size_t)row, "value");
}

static size_t count_field(struct kt_store *f, const char *name)
{
	size_t n = 0;

	for (size_t r = 0; r < f->t.nrows; r++)
		n += strcmp(kt_cell(&f->t, r, "field"), name) == 0;
	return n;
}

/* The status of selector for domain in `selector list`. */
static const char *status_of(struct kt_store *f, const char *sel, const char *domain)
{
	static char out[32];

	kt_store_run(f, "selector list");
	for (size_t r = 0; r < f->t.nrows; r++) {
		if (strcmp(kt_cell(&f->t, r, "selector"), sel) == 0 &&
		    strcmp(kt_cell(&f->t, r, "domain"), domain) == 0) {
			snprintf(out, sizeof(out), "%s", kt_cell(&f->t, r, "status"));
			return out;
		}
	}
	return "(absent)";
}

static void test_create_ed25519(void **state)
{
	struct kt_store *f = *state;
	struct sg_privkey *key = NULL;
	struct sg_buf txt;
	struct sg_error err;
	struct stat st;
	char state_file[4200];

	kt_store_run(f, "selector create n1 --domain Example.COM --key-type ed25519");
	assert_string_equal(field(f, "key_file"), kt_store_key_path(f, "example.com", "n1"));
	assert_int_equal(stat(kt_store_key_path(f, "example.com", "n1"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(field(f, "key"), "ed25519");
	assert_string_equal(field(f, "dns_name"), "n1._domainkey.example.com");
	/* The record is the one of the key written. */
	assert_int_equal(sg_privkey_load(kt_store_key_path(f, "example.com", "n1"), false, &key, &err),
			 SG_OK);
	sg_buf_init(&txt, 4096);
	assert_int_equal(sg_dns_record(key, false, false, &txt, &err), SG_OK);
	assert_string_equal(field(f, "txt"), sg_buf_cstr(&txt));
	assert_int_equal(strncmp(sg_buf_cstr(&txt), "v=DKIM1; k=ed25519; p=", 22), 0);
	sg_buf_free(&txt);
	sg_privkey_free(key);
	assert_int_equal(count_field(f, "zone"), 1);
	assert_non_null(strstr(field(f, "zone"), "n1._domainkey.example.com. IN TXT"));
	assert_non_null(strstr(f->t.message, "dns test n1 example.com"));
	assert_string_equal(status_of(f, "n1", "example.com"), "new");
	/* Persisted. */
	snprintf(state_file, sizeof(state_file), "%s/state/selectors.state", f->dir);
	{
		char *text = tu_read(state_file, NULL);

		assert_non_null(strstr(text, "selector n1 dkim state relaxed/relaxed ed25519 256 "
				       "1795341600\ndomain n1 dkim example.com off 0 0\n"));
		free(text);
	}
	assert_true(kt_log_has(&f->log, "selector n1 created for example.com"));
	/* Not signing yet: s1 still does. */
	{
		struct sg_key_answer a;

		assert_int_equal(sg_keys_lookup(f->keys, SG_KIND_DKIM, "example.com", &a, &err),
				 SG_OK);
		assert_string_equal(a.selector, "s1");
	}
}

static void test_create_rsa_2048_zone_split(void **state)
{
	struct kt_store *f = *state;
	const char *zone2;

	kt_store_run(f, "selector create big --domain new.example");
	assert_string_equal(field(f, "key"), "rsa-2048");
	assert_true(strlen(field(f, "txt")) > 255);
	/* Two character-strings: two zone rows, each string at most 255. */
	assert_int_equal(count_field(f, "zone"), 2);
	zone2 = kt_cell(&f->t, (size_t)kt_find_row(&f->t, "field", "zone") + 1, "value");
	assert_non_null(strchr(zone2, '"'));
	assert_true(strlen(zone2) < 255 + 16);
	/* No control byte (the text output would show '?'): the second row
	 * is the quoted string and the closing parenthesis. */
	assert_int_equal(zone2[0], '"');
	for (const char *c = zone2; *c; c++)
		assert_true((unsigned char)*c >= ' ');
	/* A DomainKeys selector: no v=DKIM1. */
	kt_store_run(f, "selector create dknew --domain dk.example --type domainkeys --bits 1024");
	assert_int_equal(strncmp(field(f, "txt"), "k=rsa; p=", 9), 0);
	assert_string_equal(status_of(f, "dknew", "dk.example"), "new");
}

static void test_create_refusals(void **state)
{
	struct kt_store *f = *state;

	assert_non_null(strstr(kt_store_refused(f, "selector create s1 --domain example.com", SG_E_ARG),
			       "a selector named \"s1\" exists"));
	assert_non_null(strstr(kt_store_refused(f, "selector create S1 --domain x.example", SG_E_ARG),
			       "exists"));
	/* A key file already there is never replaced. */
	kt_key_file(kt_store_key_path(f, "example.com", "taken"), SG_KEY_ED25519, 0);
	assert_non_null(strstr(kt_store_refused(f, "selector create taken --domain example.com",
				       SG_E_STATE), "refusing to replace a key"));
	assert_non_null(strstr(kt_store_refused(f, "selector create e1 --domain example.com "
				       "--type domainkeys --key-type ed25519", SG_E_ARG),
			       "DomainKeys keys are RSA only"));
	/* The flat template has no %{s}: rotation would clobber the key. */
	assert_non_null(strstr(kt_store_refused(f, "selector create f1 --domain flat.example "
				       "--key-type ed25519", SG_E_STATE), "has no %{s}"));
	assert_string_equal(status_of(f, "f1", "flat.example"), "(absent)");
	assert_string_equal(status_of(f, "e1", "example.com"), "(absent)");
}

static void test_create_without_scope(void **state)
{
	struct kt_store *f = *state;
	struct sg_config *conf = kt_config(f->dir, "");
	struct sg_error err;

	assert_int_equal(sg_keys_reconfigure(f->keys, conf, &err), SG_OK);
	sg_config_free(f->conf);
	f->conf = conf;
	assert_non_null(strstr(kt_store_refused(f, "selector create n1 --domain example.com", SG_E_STATE),
			       "no dkim_sign scope"));
}

static void expected_name(const struct kt_store *f, char *out, size_t cap, int suffix)
{
	time_t t = (time_t)f->clock.t;
	struct tm tm;
	char date[16];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	if (suffix > 1)
		snprintf(out, cap, "s%s-%d", date, suffix);
	else
		snprintf(out, cap, "s%s", date);
}

static void test_rotate(void **state)
{
	struct kt_store *f = *state;
	char first[32], second[32];
	struct sg_key_answer a;
	struct sg_error err;

	expected_name(f, first, sizeof(first), 1);
	assert_string_equal(first, "s20261122");
	kt_store_run(f, "selector rotate example.com");
	assert_string_equal(field(f, "selector"), "s20261122");
	assert_string_equal(field(f, "retiring"), "s1");
	/* No lifetime: 7 days of delivery window. */
	assert_string_equal(field(f, "delete_after"), "2026-11-29T10:00:00Z");
	assert_string_equal(field(f, "key"), "rsa-1024");	/* like the old key */
	assert_non_null(strstr(f->t.message, "publish its TXT record now"));
	assert_string_equal(status_of(f, "s20261122", "example.com"), "enabled");
	assert_string_equal(status_of(f, "s1", "example.com"), "retiring");
	assert_int_equal(sg_keys_lookup(f->keys, SG_KIND_DKIM, "example.com", &a, &err), SG_OK);
	assert_string_equal(a.selector, "s20261122");
	assert_non_null(a.key);
	/* Again the same day: a unique name. */
	f->clock.t += 3600;
	expected_name(f, second, sizeof(second), 2);
	kt_store_run(f, "selector rotate example.com");
	assert_string_equal(field(f, "selector"), second);
	assert_string_equal(field(f, "retiring"), "s20261122");
	assert_string_equal(status_of(f, "s20261122", "example.com"), "retiring");
	/* Lifetime 240 h in the scope: 10 + 7 days. */
	kt_store_run(f, "selector rotate slow.example");
	assert_string_equal(field(f, "delete_after"), "2026-12-09T11:00:00Z");
	/* Only enabled selectors rotate. */
	assert_non_null(strstr(kt_store_refused(f, "selector rotate nothing.example", SG_E_STATE),
			       "nothing to rotate"));
}

/* --type picks one kind; the other kind's selector is not touched. */
static void test_rotate_one_type(void **state)
{
	struct kt_store *f = *state;
	const char *why;

	why = kt_store_refused(f, "selector rotate example.com --type domainkeys", SG_E_STATE);
	assert_non_null(strstr(why, "no DomainKeys selector is enabled for example.com"));
	assert_non_null(strstr(why, "--domain example.com --type domainkeys)"));
	why = kt_store_refused(f, "selector rotate dk.example --type dkim", SG_E_STATE);
	assert_non_null(strstr(why, "no DKIM selector is enabled for dk.example"));
	assert_string_equal(status_of(f, "s1", "example.com"), "enabled");
	kt_store_run(f, "selector rotate dk.example --type domainkeys");
	assert_string_equal(field(f, "retiring"), "dk1");
	assert_string_equal(field(f, "key"), "rsa-2048");
	assert_string_equal(status_of(f, "dk1", "dk.example"), "retiring");
	kt_store_run(f, "selector rotate example.com --type dkim");
	assert_string_equal(field(f, "retiring"), "s1");
}

static void test_rotate_uses_prepared_selector(void **state)
{
	struct kt_store *f = *state;
	struct stat st;
	char dir[4200];
	int files = 0;

	kt_store_run(f, "selector create next1 --domain example.com --bits 1024");
	f->clock.t += DAY;
	kt_store_run(f, "selector rotate example.com");
	assert_string_equal(field(f, "selector"), "next1");
	assert_string_equal(status_of(f, "next1", "example.com"), "enabled");
	/* No new key was made. */
	snprintf(dir, sizeof(dir), "%s/keys/example.com", f->dir);
	{
		char cmd[4300], line[512];
		FILE *ls;

		snprintf(cmd, sizeof(cmd), "ls '%s'", dir);
		ls = popen(cmd, "r");
		assert_non_null(ls);
		while (fgets(line, sizeof(line), ls))
			files++;
		pclose(ls);
	}
	assert_int_equal(files, 2);	/* s1.key and next1.key */
	assert_int_equal(stat(kt_store_key_path(f, "example.com", "next1"), &st), 0);
}

static void test_retire_rules(void **state)
{
	struct kt_store *f = *state;
	char retired[4200];
	struct stat st;

	assert_non_null(strstr(kt_store_refused(f, "selector retire s1", SG_E_STATE),
			       "is set in signet.conf"));
	assert_non_null(strstr(kt_store_refused(f, "selector retire ghost", SG_E_ARG),
			       "no selector named \"ghost\""));
	kt_store_run(f, "selector create a1 --domain example.com --bits 1024");
	kt_store_run(f, "selector enable a1 example.com");
	assert_non_null(strstr(kt_store_refused(f, "selector retire a1", SG_E_STATE), "disable it"));
	kt_store_run(f, "selector create a2 --domain example.com --bits 1024");
	kt_store_run(f, "selector enable a2 example.com");		/* a1 retiring now */
	assert_non_null(strstr(kt_store_refused(f, "selector retire a1", SG_E_STATE),
			       "retire it after 2026-11-29T10:00:00Z"));
	f->clock.t += 7 * DAY - 1;
	kt_store_refused(f, "selector retire a1", SG_E_STATE);
	f->clock.t += 1;
	assert_string_equal(status_of(f, "a1", "example.com"), "disabled");
	kt_store_run(f, "selector retire a1");
	assert_string_equal(kt_cell(&f->t, 0, "key_file"), kt_store_key_path(f, "example.com", "a1"));
	snprintf(retired, sizeof(retired), "%s.retired", kt_store_key_path(f, "example.com", "a1"));
	assert_string_equal(kt_cell(&f->t, 0, "retired_as"), retired);
	assert_int_equal(stat(retired, &st), 0);
	assert_int_not_equal(stat(kt_store_key_path(f, "example.com", "a1"), &st), 0);
	assert_non_null(strstr(f->t.message, "a1._domainkey.DOMAIN"));
	assert_string_equal(status_of(f, "a1", "example.com"), "(absent)");
	/* Never enabled: may go at once. */
	kt_store_run(f, "selector create a3 --domain example.com --bits 1024");
	kt_store_run(f, "selector retire a3");
	assert_string_equal(status_of(f, "a3", "example.com"), "(absent)");
	/* Its name is free again, and a new key of that name is a new file. */
	kt_store_run(f, "selector create a3 --domain example.com --bits 1024");
}

static void test_dns_record(void **state)
{
	struct kt_store *f = *state;

	kt_store_run(f, "dns record s1");
	assert_string_equal(kt_cell(&f->t, 0, "domain"), "example.com");
	assert_string_equal(field(f, "dns_name"), "s1._domainkey.example.com");
	assert_int_equal(strncmp(field(f, "txt"), "v=DKIM1; k=rsa; p=", 18), 0);
	/* Any domain with a key file at the template path. */
	assert_non_null(strstr(kt_store_refused(f, "dns record s1 other.example", SG_E_KEY),
			       "no key file"));
	kt_key_file(kt_store_key_path(f, "other.example", "s1"), SG_KEY_ED25519, 0);
	kt_store_run(f, "dns record s1 other.example");
	assert_string_equal(field(f, "dns_name"), "s1._domainkey.other.example");
	(void)kt_store_refused(f, "dns record ghost", SG_E_ARG);
	assert_non_null(strstr(kt_store_refused(f, "dns record dk1", SG_E_KEY), "no key file"));
	/* Parameters are checked again whatever the client matched. */
	{
		struct sg_error err;

		sg_table_free(&f->t);
		assert_int_equal(kt_raw(f->keys, SG_CMD_DNS_RECORD, "s1", "bad..domain", &f->t,
					&err), SG_E_ARG);
		assert_non_null(strstr(err.msg, "empty label"));
		assert_int_equal(kt_raw(f->keys, SG_CMD_SELECTOR_CREATE, "../x", "example.com",
					&f->t, &err), SG_E_ARG);
		assert_non_null(strstr(err.msg, "selector has an empty label"));
		assert_int_equal(kt_raw(f->keys, SG_CMD_SELECTOR_ROTATE, NULL, "a/b.example",
					&f->t, &err), SG_E_ARG);
		assert_int_equal(kt_raw(f->keys, SG_CMD_VERSION, NULL, NULL, &f->t, &err),
				 SG_E_ARG);
		assert_non_null(strstr(err.msg, "not about keys"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_ed25519, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_create_rsa_2048_zone_split, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_create_refusals, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_create_without_scope, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_rotate, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_rotate_one_type, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_rotate_uses_prepared_selector, setup,
						kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_retire_rules, setup, kt_store_teardown),
		cmocka_unit_test_setup_teardown(test_dns_record, setup, kt_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
