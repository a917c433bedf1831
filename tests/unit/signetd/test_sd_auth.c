/*
 * NAME
 *   test_sd_auth.c - unit tests for dataplane/signetd/sd_auth.c
 *
 * SUMMARY
 *   Credentials from text: comments, blank lines and CRLF skipped, the
 *   right password accepted, a wrong one, an unknown user, an empty
 *   password and another authzid refused, the authzid equal to the user
 *   accepted; malformed lines refused with their number (no colon, empty
 *   user, empty hash, not a crypt hash, a space); the file: mode 0600
 *   loads, world-readable, a folder, a symbolic link and a missing file
 *   are refused naming the file.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "sd_auth.h"

/* openssl passwd -6 -salt abc secret */
#define SECRET_HASH "$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt" \
	"2qvUHYRLr/TsVArtr91iR1"

static void test_check(void **state)
{
	const char text[] = "# relay users\r\n\nalice:" SECRET_HASH "\r\nbob:" SECRET_HASH "\n";
	struct sd_auth *a;
	struct sg_error err;

	(void)state;
	assert_int_equal(sd_auth_parse(text, strlen(text), &a, &err), SG_OK);
	assert_int_equal(sd_auth_users(a), 2);
	assert_true(sd_auth_check(a, "", "alice", "secret"));
	assert_true(sd_auth_check(a, "bob", "bob", "secret"));
	assert_false(sd_auth_check(a, "", "alice", "Secret"));
	assert_false(sd_auth_check(a, "", "alice", ""));
	assert_false(sd_auth_check(a, "", "carol", "secret"));
	assert_false(sd_auth_check(a, "bob", "alice", "secret"));
	assert_false(sd_auth_check(a, "", "Alice", "secret"));
	sd_auth_free(a);
	assert_int_equal(sd_auth_parse("", 0, &a, &err), SG_OK);
	assert_false(sd_auth_check(a, "", "alice", "secret"));
	sd_auth_free(a);
}

static void test_bad_lines(void **state)
{
	static const char *const bad[] = {
		"alice\n", ":" SECRET_HASH "\n", "alice:\n", "alice:plain\n",
		"al ice:" SECRET_HASH "\n", "alice:" SECRET_HASH " x\n",
	};
	char text[512];
	struct sd_auth *a;
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "# first\nok:" SECRET_HASH "\n%s", bad[i]);
		assert_int_equal(sd_auth_parse(text, strlen(text), &a, &err), SG_E_SYNTAX);
		assert_null(a);
		assert_int_equal(err.line, 3);
		assert_non_null(strstr(err.msg, "auth_file line 3"));
	}
}

static void test_file(void **state)
{
	char dir[] = "/tmp/test_sd_auth.XXXXXX", path[128], link_path[160];
	struct sd_auth *a;
	struct sg_error err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/users", dir);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("alice:" SECRET_HASH "\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(sd_auth_load(path, &a, &err), SG_OK);
	assert_true(sd_auth_check(a, "", "alice", "secret"));
	sd_auth_free(a);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(sd_auth_load(path, &a, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "not readable by others"));
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(sd_auth_load(link_path, &a, &err), SG_E_IO);
	assert_int_equal(sd_auth_load(dir, &a, &err), SG_E_IO);
	unlink(link_path);
	unlink(path);
	assert_int_equal(sd_auth_load(path, &a, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "No such file"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
