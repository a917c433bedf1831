/*
 * NAME
 *   test_history.c - unit tests for control/ctl/history.c (where the REPL
 *                    keeps its history and making that file private)
 *
 * SUMMARY
 *   The path: HOME/.signetctl_history; none for an unset, empty or
 *   relative HOME or a path that does not fit (and exactly fitting
 *   accepted). Preparing: a missing file created empty with mode 0600, an
 *   existing one readable by others made 0600 with its content kept, a
 *   private one left alone. Refused with their reasons: a symbolic link
 *   (even to a file of ours), a folder, a FIFO (not opened for long), a
 *   folder that does not exist. Another user's file is refused too (only
 *   checked when running as root, by chown).
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

static char dir[] = "/tmp/signetctl-hist-XXXXXX";

static const char *in_dir(const char *name)
{
	static char path[16][256];
	static int slot;
	char *out = path[slot++ & 15];

	snprintf(out, sizeof(path[0]), "%s/%s", dir, name);
	return out;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/signetctl-hist-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_path(void **state)
{
	char out[64];

	(void)state;
	assert_true(ctl_history_path("/home/pm", out, sizeof(out)));
	assert_string_equal(out, "/home/pm/.signetctl_history");
	assert_false(ctl_history_path(NULL, out, sizeof(out)));
	assert_false(ctl_history_path("", out, sizeof(out)));
	assert_false(ctl_history_path("home/pm", out, sizeof(out)));
	/* "/h" + "/.signetctl_history" = 21 bytes and its NUL */
	assert_true(ctl_history_path("/h", out, 22));
	assert_false(ctl_history_path("/h", out, 21));
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_prepare_files(void **state)
{
	const char *fresh = in_dir("fresh"), *open_one = in_dir("open"), *priv = in_dir("priv");
	char why[512];
	char *text;

	(void)state;
	assert_true(ctl_history_prepare(fresh, why, sizeof(why)));
	assert_true(S_ISREG(mode_of(fresh)));
	assert_int_equal(mode_of(fresh) & 07777, 0600);

	write_file(open_one, "selector list\n", 0644);
	assert_true(ctl_history_prepare(open_one, why, sizeof(why)));
	assert_int_equal(mode_of(open_one) & 07777, 0600);
	text = tu_read(open_one, NULL);
	assert_string_equal(text, "selector list\n");
	free(text);

	write_file(priv, "", 0400);
	assert_true(ctl_history_prepare(priv, why, sizeof(why)));
	assert_int_equal(mode_of(priv) & 07777, 0400);
}

static void expect_refused(const char *path, const char *reason)
{
	char why[512] = "", want[512];

	if (ctl_history_prepare(path, why, sizeof(why)))
		fail_msg("%s was accepted", path);
	snprintf(want, sizeof(want), "%s: %s", path, reason);
	assert_string_equal(why, want);
}

static void test_prepare_refuses(void **state)
{
	const char *target = in_dir("target"), *link = in_dir("link");
	const char *sub = in_dir("sub"), *fifo = in_dir("fifo");

	(void)state;
	write_file(target, "x\n", 0600);
	assert_int_equal(symlink(target, link), 0);
	expect_refused(link, "is a symbolic link");
	assert_int_equal(symlink(in_dir("nowhere"), in_dir("dangling")), 0);
	expect_refused(in_dir("dangling"), "is a symbolic link");
	assert_int_equal(access(in_dir("nowhere"), F_OK), -1);	/* not created */

	assert_int_equal(mkdir(sub, 0700), 0);
	expect_refused(sub, "Is a directory");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	expect_refused(fifo, "not a regular file");
	expect_refused(in_dir("no/such"), "No such file or directory");
}

static void test_prepare_other_owner(void **state)
{
	const char *theirs = in_dir("theirs");
	char reason[64];

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file(theirs, "", 0644);
	assert_int_equal(chown(theirs, 65534, 65534), 0);
	snprintf(reason, sizeof(reason), "belongs to uid %u, not to us", 65534);
	expect_refused(theirs, reason);
	assert_int_equal(mode_of(theirs) & 07777, 0644);	/* left alone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test_setup_teardown(test_prepare_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_other_owner, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
