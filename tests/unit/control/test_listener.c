/*
 * NAME
 *   test_listener.c - unit tests for control/daemon/listener.c
 *
 * SUMMARY
 *   The socket file: a Unix socket with mode 0660 that accepts
 *   connections, its group admin_group when that group exists (else a
 *   note says only root may use it), its missing folder created. What is
 *   already at the path: a live socket refused (another daemon), a stale
 *   socket removed with a note, a regular file and a folder refused, all
 *   left as they were. Paths empty, too long for sun_path, or under a
 *   file. listener_close removes the file it made, but not a file that
 *   replaced it, and is harmless twice. The socket is published under its
 *   name only once it listens (no temporary name is left in the folder);
 *   a path too long for the temporary name is bound directly.
 */
#include <dirent.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "daemon_testutil.h"

static void open_ok(struct listener *l, const char *path, const char *group, char *note,
		    size_t cap)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (listener_open(l, path, group, note, cap, &err) != SG_OK)
		fail_msg("listener_open %s: %s", path, err.msg);
}

static void open_fails(const char *path, enum sg_err code, const char *needle)
{
	struct listener l;
	struct sg_error err;
	char note[256];

	sg_error_clear(&err);
	assert_int_equal(listener_open(&l, path, "", note, sizeof(note), &err), code);
	if (strstr(err.msg, needle) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err.msg, needle);
	assert_int_equal(l.fd, -1);
}

static bool can_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static void test_mode_group_and_close(void **state)
{
	struct group *gr = getgrnam("nogroup");
	char *dir = kt_tmpdir(), path[4200], note[256];
	struct listener l;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/run/ctl.sock", dir);	/* run/ is made */
	open_ok(&l, path, "no-such-group-here", note, sizeof(note));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, getegid());
	assert_non_null(strstr(note, "group \"no-such-group-here\" does not exist"));
	assert_true(can_connect(path));
	listener_close(&l);
	assert_int_equal(lstat(path, &st), -1);		/* removed */
	listener_close(&l);				/* twice is harmless */

	if (gr != NULL && geteuid() == 0) {
		open_ok(&l, path, "nogroup", note, sizeof(note));
		assert_int_equal(lstat(path, &st), 0);
		assert_int_equal(st.st_gid, gr->gr_gid);
		assert_int_equal(st.st_mode & 07777, 0660);
		assert_string_equal(note, "");
		listener_close(&l);
	}
	kt_rmtree(dir);
}

static void test_live_and_stale(void **state)
{
	char *dir = kt_tmpdir(), path[4200], note[256];
	struct listener first, second;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	open_ok(&first, path, "", note, sizeof(note));
	open_fails(path, SG_E_IO, "another process is listening on");
	assert_true(can_connect(path));			/* the first is untouched */

	/* a crash: the descriptor goes, the file stays */
	close(first.fd);
	first.fd = -1;
	first.made = false;
	assert_int_equal(lstat(path, &st), 0);
	open_ok(&second, path, "", note, sizeof(note));
	assert_non_null(strstr(note, "removed the stale socket"));
	assert_true(can_connect(path));
	listener_close(&second);
	kt_rmtree(dir);
}

static void test_not_a_socket(void **state)
{
	char *dir = kt_tmpdir(), path[4200];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/file", dir);
	dt_write(path, "keep me");
	open_fails(path, SG_E_IO, "exists and is not a socket; refusing to replace it");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	open_fails(dir, SG_E_IO, "is not a socket");
	snprintf(path, sizeof(path), "%s/file/sock", dir);
	open_fails(path, SG_E_IO, "is not a directory");
	kt_rmtree(dir);
}

static void test_bad_paths(void **state)
{
	char longp[200];

	(void)state;
	open_fails("", SG_E_ARG, "empty or longer than 107 bytes");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	open_fails(longp, SG_E_ARG, "empty or longer than 107 bytes");
}

/* How many names dir holds besides "." and "..". */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_published_listening(void **state)
{
	char *dir = kt_tmpdir(), path[4200], note[256];
	struct listener l;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	open_ok(&l, path, "", note, sizeof(note));
	assert_int_equal(count_entries(dir), 1);	/* ctl.sock, no PATH.new-PID */
	assert_true(can_connect(path));
	listener_close(&l);
	assert_int_equal(count_entries(dir), 0);
	/* 107 bytes: no room for ".new-PID"; bound at the path itself. */
	len = strlen(dir) + 1;
	assert_true(len < 100);
	memset(path + len, 's', 107 - len);
	path[len - 1] = '/';
	path[107] = '\0';
	memcpy(path, dir, len - 1);
	open_ok(&l, path, "", note, sizeof(note));
	assert_true(can_connect(path));
	assert_int_equal(count_entries(dir), 1);
	listener_close(&l);
	assert_int_equal(count_entries(dir), 0);
	kt_rmtree(dir);
}

static void test_close_spares_a_replacement(void **state)
{
	char *dir = kt_tmpdir(), path[4200], note[256];
	struct listener l;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	open_ok(&l, path, "", note, sizeof(note));
	assert_int_equal(unlink(path), 0);
	dt_write(path, "someone else's");		/* a new file at the path */
	listener_close(&l);
	assert_int_equal(lstat(path, &st), 0);		/* not ours: kept */
	assert_true(S_ISREG(st.st_mode));
	kt_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_group_and_close),
		cmocka_unit_test(test_live_and_stale),
		cmocka_unit_test(test_not_a_socket),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_close_spares_a_replacement),
		cmocka_unit_test(test_published_listening),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
