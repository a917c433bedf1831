/*
 * NAME
 *   test_keystore.c - names, key paths, safe loading, file identity,
 *                     folders and retired files (control/keys/keystore.c)
 */
#include "keys_testutil.h"
#include "keystore.h"

static void test_domain_normalize(void **state)
{
	char out[KS_DOMAIN_MAX + 1], why[200];
	char long_label[80], long_name[300];

	(void)state;
	assert_true(ks_domain_normalize("Example.COM.", out, sizeof(out), why, sizeof(why)));
	assert_string_equal(out, "example.com");
	assert_true(ks_domain_normalize("xn--bcher-kva.example", out, sizeof(out), why,
					sizeof(why)));
	assert_string_equal(out, "xn--bcher-kva.example");

	memset(long_label, 'a', 64);
	snprintf(long_label + 64, sizeof(long_label) - 64, ".com");
	memset(long_name, 0, sizeof(long_name));
	for (size_t i = 0; i < 254; i++)
		long_name[i] = i % 2 ? '.' : 'a';
	long_name[253] = 'a';
	const struct {
		const char *in, *why;
	} bad[] = {
		{ "", "empty domain" },
		{ ".", "empty label at byte 1" },
		{ "a..b", "empty label at byte 3" },
		{ ".example.com", "empty label at byte 1" },
		{ "exa mple.com", "forbidden byte 0x20 at byte 4" },
		{ "a/b.com", "forbidden byte 0x2f at byte 2" },
		{ "../etc", "empty label at byte 1" },
		{ "a_b.com", "forbidden byte 0x5f at byte 2" },
		{ "b\xc3\xbc" "cher.de", "forbidden byte 0xc3 at byte 2" },
		{ long_label, "label longer than 63" },
		{ long_name, "254 bytes long; the limit is 253" },
		{ "localhost", "not a domain name" },
		{ "-a.example.com", "not a domain name" },
		{ "a-.example.com", "not a domain name" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (ks_domain_normalize(bad[i].in, out, sizeof(out), why, sizeof(why)))
			fail_msg("\"%s\" accepted", bad[i].in);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", bad[i].in, why, bad[i].why);
	}
	/* Too small an output buffer is an error, not a cut name. */
	assert_false(ks_domain_normalize("example.com", out, 5, why, sizeof(why)));
}

static void test_selector_check(void **state)
{
	char why[200];

	(void)state;
	assert_true(ks_selector_check("s2048", why, sizeof(why)));
	assert_true(ks_selector_check("dk1.2024", why, sizeof(why)));
	assert_true(ks_selector_check("S20261122-2", why, sizeof(why)));
	assert_false(ks_selector_check("", why, sizeof(why)));
	assert_string_equal(why, "empty selector");
	assert_false(ks_selector_check("a/b", why, sizeof(why)));
	assert_non_null(strstr(why, "0x2f at byte 2"));
	assert_false(ks_selector_check("..", why, sizeof(why)));
	assert_false(ks_selector_check("s1.", why, sizeof(why)));
	assert_non_null(strstr(why, "ends with an empty label"));
	assert_false(ks_selector_check("s-", why, sizeof(why)));
	assert_non_null(strstr(why, "not a selector name"));
}

static void test_key_path(void **state)
{
	char out[SG_CONF_PATH_MAX], small[16];
	struct sg_error err;

	(void)state;
	assert_int_equal(ks_key_path("/k/%{d}/%{s}.key", "example.com", "S1", out, sizeof(out),
				     &err), SG_OK);
	assert_string_equal(out, "/k/example.com/s1.key");
	assert_int_equal(ks_key_path("/k/%{d}/%{s}.key", "../x", "s1", out, sizeof(out), &err),
			 SG_E_ARG);
	assert_non_null(strstr(err.msg, "empty label"));
	assert_int_equal(ks_key_path("/k/%{d}/%{s}.key", "example.com", "a/b", out, sizeof(out),
				     &err), SG_E_ARG);
	assert_int_equal(ks_key_path("", "example.com", "s1", out, sizeof(out), &err),
			 SG_E_STATE);
	assert_non_null(strstr(err.msg, "no key template"));
	assert_int_equal(ks_key_path("/k/%{d}/%{s}.key", "example.com", "s1", small,
				     sizeof(small), &err), SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "longer than 15 bytes"));
	assert_int_equal(ks_key_path("/k/%{x}.key", "example.com", "s1", out, sizeof(out),
				     &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "cannot be expanded"));
}

static void test_load_modes(void **state)
{
	char *dir = kt_tmpdir(), path[4096], why[300];
	struct sg_privkey *key = NULL;
	struct ks_identity id, id2;

	(void)state;
	snprintf(path, sizeof(path), "%s/k/example.com/s1.key", dir);
	kt_key_file(path, SG_KEY_ED25519, 0);
	assert_int_equal(ks_load(path, &key, &id, why, sizeof(why)), KS_OK);
	assert_non_null(key);
	assert_int_equal(sg_privkey_type(key), SG_KEY_ED25519);
	sg_privkey_free(key);
	assert_int_equal(ks_stat(path, &id2, why, sizeof(why)), KS_OK);
	assert_true(ks_identity_equal(&id, &id2));

	/* Group- or world-accessible: refused, with the fix. */
	static const mode_t unsafe[] = { 0640, 0604, 0660, 0644, 0610 };
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
		assert_int_equal(chmod(path, unsafe[i]), 0);
		assert_int_equal(ks_load(path, &key, &id, why, sizeof(why)), KS_REFUSED);
		assert_null(key);
		assert_non_null(strstr(why, "chmod 600"));
	}
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(ks_load(path, &key, &id, why, sizeof(why)), KS_OK);
	sg_privkey_free(key);
	kt_rmtree(dir);
}

static void test_load_missing_and_bad(void **state)
{
	char *dir = kt_tmpdir(), path[4096], why[300];
	struct sg_privkey *key = NULL;
	struct ks_identity id;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.key", dir);
	assert_int_equal(ks_load(path, &key, &id, why, sizeof(why)), KS_MISSING);
	assert_non_null(strstr(why, "no key file"));
	snprintf(path, sizeof(path), "%s/nodir/none.key", dir);
	assert_int_equal(ks_load(path, &key, &id, why, sizeof(why)), KS_MISSING);
	/* A file where a folder should be: ENOTDIR is "missing" too. */
	snprintf(path, sizeof(path), "%s/plain", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a key\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ks_load(path, &key, &id, why, sizeof(why)), KS_REFUSED);
	assert_null(key);
	assert_non_null(strstr(why, path));
	snprintf(path, sizeof(path), "%s/plain/x.key", dir);
	assert_int_equal(ks_load(path, &key, &id, why, sizeof(why)), KS_MISSING);
	/* A folder is not a key. */
	assert_int_equal(ks_load(dir, &key, &id, why, sizeof(why)), KS_REFUSED);
	assert_non_null(strstr(why, "not a regular file"));
	kt_rmtree(dir);
}

static void test_identity_changes(void **state)
{
	char *dir = kt_tmpdir(), path[4096], why[300];
	struct ks_identity a, b;

	(void)state;
	snprintf(path, sizeof(path), "%s/s.key", dir);
	kt_key_file(path, SG_KEY_ED25519, 0);
	assert_int_equal(ks_stat(path, &a, why, sizeof(why)), KS_OK);
	assert_int_equal(ks_stat(path, &b, why, sizeof(why)), KS_OK);
	assert_true(ks_identity_equal(&a, &b));
	/* chmod changes ctime and mode, not mtime. */
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(ks_stat(path, &b, why, sizeof(why)), KS_OK);
	assert_false(ks_identity_equal(&a, &b));
	/* A replaced file is another inode. */
	assert_int_equal(ks_stat(path, &a, why, sizeof(why)), KS_OK);
	assert_int_equal(unlink(path), 0);
	kt_key_file(path, SG_KEY_ED25519, 0);
	assert_int_equal(ks_stat(path, &b, why, sizeof(why)), KS_OK);
	assert_false(ks_identity_equal(&a, &b));
	kt_rmtree(dir);
}

static void test_parent_dirs(void **state)
{
	char *dir = kt_tmpdir(), path[4096], sub[4096];
	struct sg_error err;
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c/s1.key", dir);
	assert_int_equal(ks_make_parent_dirs(path, &err), SG_OK);
	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Again: nothing to do. */
	assert_int_equal(ks_make_parent_dirs(path, &err), SG_OK);
	assert_int_equal(ks_make_parent_dirs("relative.key", &err), SG_OK);
	/* A file in the way. */
	snprintf(sub, sizeof(sub), "%s/file", dir);
	f = fopen(sub, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/file/x/s1.key", dir);
	assert_int_equal(ks_make_parent_dirs(path, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "a file of that name exists"));
	kt_rmtree(dir);
}

static void test_retire_file(void **state)
{
	char *dir = kt_tmpdir(), path[4096], renamed[4200], expect[4200];
	struct sg_error err;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/s1.key", dir);
	kt_key_file(path, SG_KEY_ED25519, 0);
	assert_int_equal(ks_retire_file(path, renamed, sizeof(renamed), &err), SG_OK);
	snprintf(expect, sizeof(expect), "%s.retired", path);
	assert_string_equal(renamed, expect);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(stat(expect, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The same name again: never replaces the first retired key. */
	kt_key_file(path, SG_KEY_ED25519, 0);
	assert_int_equal(ks_retire_file(path, renamed, sizeof(renamed), &err), SG_OK);
	snprintf(expect, sizeof(expect), "%s.retired.2", path);
	assert_string_equal(renamed, expect);
	/* Nothing to rename. */
	assert_int_equal(ks_retire_file(path, renamed, sizeof(renamed), &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "cannot rename"));
	kt_rmtree(dir);
}

static void test_log(void **state)
{
	struct kt_log log = { .n = 0 };
	struct ks_log sink = { kt_log_fn, &log };

	(void)state;
	ks_logf(NULL, "nowhere %d", 1);
	ks_logf(&(struct ks_log){ NULL, NULL }, "nowhere %d", 2);
	ks_logf(&sink, "key %s refused", "x");
	assert_int_equal(log.n, 1);
	assert_string_equal(log.lines[0], "key x refused");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_normalize),
		cmocka_unit_test(test_selector_check),
		cmocka_unit_test(test_key_path),
		cmocka_unit_test(test_load_modes),
		cmocka_unit_test(test_load_missing_and_bad),
		cmocka_unit_test(test_identity_changes),
		cmocka_unit_test(test_parent_dirs),
		cmocka_unit_test(test_retire_file),
		cmocka_unit_test(test_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
