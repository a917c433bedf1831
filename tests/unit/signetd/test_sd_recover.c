/*
 * NAME
 *   test_sd_recover.c - unit tests for dataplane/signetd/sd_recover.c
 *
 * SUMMARY
 *   Opening a spool: OUT_DIR created when missing, .done/ and .failed/
 *   created (no .done/ with retire_delete), temp files of an interrupted
 *   run removed from OUT_DIR and .failed/ and counted, other files kept;
 *   a second open of the same IN_DIR or OUT_DIR refused while the first
 *   holds its lock, allowed after close; a missing IN_DIR, an OUT_DIR
 *   whose parent is missing, the same folder under another name, a file
 *   where .failed/ should be: clear
 *   errors; sd_recover_remove_tmp on a descriptor that is no folder;
 *   an output folder on tmpfs (/dev/shm; skipped where that is not
 *   tmpfs) counts as in memory, the input folder as /tmp's file system
 *   says.
 */
#include <linux/magic.h>
#include <sys/vfs.h>

#include "spool_fixture.h"

static void test_open_creates_and_cleans(void **state)
{
	struct fx *fx = fx_new(state);
	struct sd_spool_folders f;
	struct sg_error err;
	char out2[160];

	(void)state;
	fx_put(fx, "out/.signetd-tmp.0.a.eml", "half");
	fx_put(fx, "out/keep.eml", "done earlier");
	fx_put(fx, "out/.other-hidden", "not ours");
	assert_int_equal(mkdir(strcat(strcpy(out2, fx->in), "/.failed"), 0755), 0);
	fx_put(fx, "in/.failed/.signetd-tmp.1.b.eml.reason", "half reason");
	fx_put(fx, "in/.failed/b.eml.reason", "whole reason\n");
	snprintf(out2, sizeof(out2), "%s/new-out", fx->root);
	sg_error_clear(&err);
	assert_int_equal(sd_recover_open(fx->in, out2, false, &f, &err), SG_OK);
	assert_int_equal(f.removed, 1);		/* new-out is new: the .failed/ one */
	assert_string_equal(fx_list(fx, "in/.failed"), "b.eml.reason");
	sd_recover_close(&f);
	assert_int_equal(sd_recover_open(fx->in, fx->out, false, &f, &err), SG_OK);
	assert_int_equal(f.removed, 1);
	assert_string_equal(fx_list(fx, "out"), ".other-hidden keep.eml");
	assert_string_equal(fx_list(fx, "in/.failed"), "b.eml.reason");
	assert_string_equal(fx_list(fx, "in"), ".done .failed");
	assert_true(f.dirs.done_fd >= 0 && f.dirs.failed_fd >= 0);
	sd_recover_close(&f);
	assert_int_equal(f.dirs.in_fd, -1);
	fx_free(fx);
}

static void test_retire_delete_has_no_done(void **state)
{
	struct fx *fx = fx_new(state);
	struct sd_spool_folders f;
	struct sg_error err;

	(void)state;
	assert_int_equal(sd_recover_open(fx->in, fx->out, true, &f, &err), SG_OK);
	assert_int_equal(f.dirs.done_fd, -1);
	assert_true(f.dirs.retire_delete);
	assert_string_equal(fx_list(fx, "in"), ".failed");
	sd_recover_close(&f);
	fx_free(fx);
}

static void test_locks(void **state)
{
	struct fx *fx = fx_new(state);
	struct sd_spool_folders a, b;
	struct sg_error err;
	char other[160];

	(void)state;
	snprintf(other, sizeof(other), "%s/other", fx->root);
	assert_int_equal(mkdir(other, 0755), 0);
	assert_int_equal(sd_recover_open(fx->in, fx->out, false, &a, &err), SG_OK);
	assert_int_equal(sd_recover_open(fx->in, other, false, &b, &err), SG_E_STATE);
	assert_non_null(strstr(err.msg, "another signetd is working on this folder"));
	assert_int_equal(sd_recover_open(other, fx->out, false, &b, &err), SG_E_STATE);
	assert_non_null(strstr(err.msg, fx->out));
	assert_int_equal(b.dirs.in_fd, -1);	/* closed again on failure */
	sd_recover_close(&a);
	assert_int_equal(sd_recover_open(fx->in, other, false, &b, &err), SG_OK);
	sd_recover_close(&b);
	fx_free(fx);
}

static void test_errors(void **state)
{
	struct fx *fx = fx_new(state);
	struct sd_spool_folders f;
	struct sg_error err;
	char path[160];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", fx->root);
	assert_int_equal(sd_recover_open(path, fx->out, false, &f, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "spool folder"));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	snprintf(path, sizeof(path), "%s/no/such/out", fx->root);
	assert_int_equal(sd_recover_open(fx->in, path, false, &f, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "cannot create the output folder"));
	fx_put(fx, "in/.failed", "a file, not a folder");
	assert_int_equal(sd_recover_open(fx->in, fx->out, false, &f, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "/.failed: Not a directory"));
	snprintf(path, sizeof(path), "%s/in/../in/.", fx->root);
	assert_int_equal(sd_recover_open(fx->in, path, false, &f, &err), SG_E_ARG);
	assert_non_null(strstr(err.msg, "are the same folder"));
	assert_int_equal(sd_recover_remove_tmp(-1), -1);
	fx_free(fx);
}

static bool on_tmpfs(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

static void test_memory_folders(void **state)
{
	struct fx *fx;
	struct sd_spool_folders f;
	struct sg_error err;
	char shm[] = "/dev/shm/sd-recover-XXXXXX", cmd[64];

	if (!on_tmpfs("/dev/shm"))
		skip();
	fx = fx_new(state);
	assert_non_null(mkdtemp(shm));
	sg_error_clear(&err);
	assert_int_equal(sd_recover_open(fx->in, shm, false, &f, &err), SG_OK);
	assert_true(f.dirs.out_memory);
	assert_int_equal(f.dirs.in_memory, on_tmpfs(fx->in));
	sd_recover_close(&f);
	assert_int_equal(sd_recover_open(shm, fx->out, false, &f, &err), SG_OK);
	assert_true(f.dirs.in_memory);
	assert_int_equal(f.dirs.out_memory, on_tmpfs(fx->out));
	sd_recover_close(&f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", shm);
	assert_int_equal(system(cmd), 0);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_creates_and_cleans),
		cmocka_unit_test(test_retire_delete_has_no_done),
		cmocka_unit_test(test_locks),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_memory_folders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
