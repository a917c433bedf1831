/*
 * NAME
 *   test_sd_spool_out.c - unit tests for dataplane/signetd/sd_spool_out.c:
 *                         the output side of a spool job
 *
 * SUMMARY
 *   - an output of the same name appears between the probe and the rename
 *     (played by the fake signer at completion): RENAME_NOREPLACE keeps
 *     it; an unrelated file makes the job write NAME~1, a copy of this
 *     very message makes it retire the input as recovered, without a
 *     duplicate; no temp file stays;
 *   - writing fails (RLIMIT_FSIZE below the output size, SIGXFSZ
 *     ignored): the job fails with the reason, the input stays in IN_DIR,
 *     no output and no temp file remain;
 *   - the output folder cannot be written (its descriptor is a read-only
 *     file's): the temp file cannot be created, the input stays;
 *   - folders in memory (plain calls): six messages signed without a
 *     single io_uring kernel worker thread (iou-wrk-*) in the process;
 *     on a disk the temp file's create starts one (this test runs first,
 *     before any other test's ring has started threads).
 *   Each case but the last also runs with its folders in memory.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

#include "spool_fixture.h"

#define MSG "From: a@example.com\r\nSubject: race\r\n\r\nbody\r\n"

static void put_unrelated(struct fx *fx)
{
	fx_put(fx, "out/a.eml", "someone else's a.eml\n");
	fx->on_sign = NULL;
}

static void put_same(struct fx *fx)
{
	char out[256];

	snprintf(out, sizeof(out), FX_FIELD "%zu\r\n%s", strlen(MSG), MSG);
	fx_put(fx, "out/a.eml", out);
	fx->on_sign = NULL;
}

static void test_race_with_unrelated_file(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx_put(fx, "in/a.eml", MSG);
	fx->on_sign = put_unrelated;
	fx_run(fx, "a.eml");
	if (fx_result(fx, "a.eml") != SD_JOB_SIGNED)
		fail_msg("result %d: %s", fx_result(fx, "a.eml"), fx_job(fx, "a.eml")->reason);
	assert_string_equal(fx_job(fx, "a.eml")->output, "a~1.eml");
	assert_int_equal(fx->submitted, 1);			/* signed once */
	assert_string_equal(fx_list(fx, "out"), "a.eml a~1.eml");
	{
		size_t len;
		char *kept = fx_read(fx, "out/a.eml", &len);

		assert_string_equal(kept, "someone else's a.eml\n");
		free(kept);
	}
	fx_free(fx);
}

static void test_race_with_same_message(void **state)
{
	struct fx *fx = fx_new(state);

	(void)state;
	fx_put(fx, "in/a.eml", MSG);
	fx->on_sign = put_same;
	fx_run(fx, "a.eml");
	assert_int_equal(fx_result(fx, "a.eml"), SD_JOB_RECOVERED);
	assert_string_equal(fx_list(fx, "out"), "a.eml");	/* no duplicate */
	assert_string_equal(fx_list(fx, "in/.done"), "a.eml");
	fx_free(fx);
}

static void test_write_fails(void **state)
{
	struct fx *fx = fx_new(state);
	struct rlimit old, small = { 16, 16 };
	const struct sd_job *job;

	(void)state;
	fx_put(fx, "in/a.eml", MSG);
	fx_open_worker(fx);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	fx_run(fx, "a.eml");
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	job = fx_job(fx, "a.eml");
	assert_int_equal(job->result, SD_JOB_FAILED);
	if (strstr(job->reason, "cannot write a.eml") == NULL)
		fail_msg("reason: %s", job->reason);
	assert_string_equal(fx_list(fx, "out"), "");
	assert_string_equal(fx_list(fx, "in"), ".done .failed a.eml");
	fx_free(fx);
}

static void test_output_folder_unusable(void **state)
{
	struct fx *fx = fx_new(state);
	const struct sd_job *job;
	char path[512];
	int file;

	(void)state;
	fx_put(fx, "in/a.eml", MSG);
	fx_put(fx, "plain", "x");
	fx_open_worker(fx);
	fx_path(fx, "plain", path, sizeof(path));
	file = open(path, O_RDONLY);
	assert_true(file >= 0);
	assert_true(dup2(file, fx->folders.dirs.out_fd) >= 0);	/* not a folder now */
	close(file);
	fx_run(fx, "a.eml");
	job = fx_job(fx, "a.eml");
	assert_non_null(job);
	assert_int_equal(job->result, SD_JOB_FAILED);
	if (strstr(job->reason, "output folder") == NULL)
		fail_msg("reason: %s", job->reason);
	assert_string_equal(fx_list(fx, "in"), ".done .failed a.eml");
	fx_free(fx);
}

/* io_uring's kernel worker threads in this process (iou-wrk-*). */
static int kernel_workers(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[300], comm[32];
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL && strncmp(comm, "iou-wrk", 7) == 0)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void test_memory_folders_need_no_kernel_workers(void **state)
{
	struct fx *fx = fx_new(state);

	assert_int_equal(kernel_workers(), 0);
	fx_run_six(fx, 0);
	assert_int_equal(kernel_workers(), 0);
	fx_free(fx);
	fx = fx_new(NULL);
	fx_run_six(fx, 0);
	assert_true(kernel_workers() > 0);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_IN_MEMORY_TEST(test_memory_folders_need_no_kernel_workers),
		cmocka_unit_test(test_race_with_unrelated_file),
		FX_IN_MEMORY_TEST(test_race_with_unrelated_file),
		cmocka_unit_test(test_race_with_same_message),
		FX_IN_MEMORY_TEST(test_race_with_same_message),
		cmocka_unit_test(test_write_fails),
		FX_IN_MEMORY_TEST(test_write_fails),
		cmocka_unit_test(test_output_folder_unusable),
		FX_IN_MEMORY_TEST(test_output_folder_unusable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
