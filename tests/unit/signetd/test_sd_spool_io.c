/*
 * NAME
 *   test_sd_spool_io.c - unit tests for dataplane/signetd/sd_spool_io.c:
 *                        comparing an existing output, moving bad input
 *
 * SUMMARY
 *   sd_spool_output_holds: the same message signed (0), unsigned (0), LF
 *   form, another message (1), a folder of that name (1), a prefix larger
 *   than any signature block (1), a shorter file (1), a missing file (-1
 *   with a reason naming it). sd_spool_move_failed: reason file with a
 *   line end, input moved, no temp file left; an earlier reason replaced;
 *   a .failed descriptor that is no folder: false, the reason says why,
 *   the input stays.
 */
#include "spool_fixture.h"

#include "sd_spool_internal.h"

#define MSG "From: a@b\r\n\r\nbody\r\n"

static int holds(struct fx *fx, const char *name, const char *input, char *reason)
{
	struct sd_msg_form form;
	int rc;

	assert_int_equal(sd_msg_prepare((const uint8_t *)input, strlen(input), &form), SG_OK);
	rc = sd_spool_output_holds(fx->folders.dirs.out_fd, name, &form, reason, 256);
	sd_msg_form_free(&form);
	return rc;
}

static void test_output_holds(void **state)
{
	struct fx *fx = fx_new(state);
	char reason[256] = "", path[512], *big;

	(void)state;
	fx_open_worker(fx);
	fx_put(fx, "out/signed.eml", "DKIM-Signature: x\r\n" MSG);
	fx_put(fx, "out/plain.eml", MSG);
	fx_put(fx, "out/lf.eml", "DKIM-Signature: x\nFrom: a@b\n\nbody\n");
	fx_put(fx, "out/other.eml", "DKIM-Signature: x\r\nFrom: c@d\r\n\r\nbody\r\n");
	fx_put(fx, "out/short.eml", "body\r\n");
	fx_path(fx, "out/dir.eml", path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
	big = malloc(300 * 1024 + sizeof(MSG));
	assert_non_null(big);
	memset(big, 'x', 300 * 1024);
	memcpy(big, "DKIM-Signature: ", 16);
	big[300 * 1024 - 1] = '\n';
	memcpy(big + 300 * 1024, MSG, sizeof(MSG));
	fx_write(fx, "out/big.eml", big, 300 * 1024 + strlen(MSG));
	free(big);
	assert_int_equal(holds(fx, "signed.eml", MSG, reason), 0);
	assert_int_equal(holds(fx, "plain.eml", MSG, reason), 0);
	assert_int_equal(holds(fx, "lf.eml", "From: a@b\n\nbody\n", reason), 0);
	assert_int_equal(holds(fx, "other.eml", MSG, reason), 1);
	assert_int_equal(holds(fx, "short.eml", MSG, reason), 1);
	assert_int_equal(holds(fx, "dir.eml", MSG, reason), 1);
	assert_int_equal(holds(fx, "big.eml", MSG, reason), 1);
	assert_int_equal(holds(fx, "missing.eml", MSG, reason), -1);
	assert_string_equal(reason, "cannot read the existing output missing.eml: No such file "
			    "or directory");
	fx_free(fx);
}

static void test_move_failed(void **state)
{
	struct fx *fx = fx_new(state);
	char reason[256] = "not a message: test";
	size_t len;
	char *text;

	(void)state;
	fx_put(fx, "in/x.eml", "junk");
	fx_open_worker(fx);
	fx_put(fx, "in/.failed/x.eml.reason", "older reason, longer than the new one\n");
	assert_true(sd_spool_move_failed(&fx->folders.dirs, 0, "x.eml", reason,
					 sizeof(reason)));
	text = fx_read(fx, "in/.failed/x.eml.reason", &len);
	assert_string_equal(text, "not a message: test\n");
	free(text);
	assert_string_equal(fx_list(fx, "in/.failed"), "x.eml x.eml.reason");
	assert_string_equal(fx_list(fx, "in"), ".done .failed");
	fx_free(fx);
}

static void test_move_failed_fails(void **state)
{
	struct fx *fx = fx_new(state);
	char reason[256] = "bad";
	struct sd_spool_dirs dirs;
	char path[512];
	int file;

	(void)state;
	fx_put(fx, "in/x.eml", "junk");
	fx_open_worker(fx);
	dirs = fx->folders.dirs;
	fx_path(fx, "in/x.eml", path, sizeof(path));
	file = open(path, O_RDONLY);
	dirs.failed_fd = file;		/* not a folder */
	assert_false(sd_spool_move_failed(&dirs, 0, "x.eml", reason, sizeof(reason)));
	close(file);
	assert_string_equal(reason, "bad (and it could not be moved to .failed/: Not a "
			    "directory)");
	assert_string_equal(fx_list(fx, "in"), ".done .failed x.eml");
	assert_string_equal(fx_list(fx, "in/.failed"), "");
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_holds),
		cmocka_unit_test(test_move_failed),
		cmocka_unit_test(test_move_failed_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
