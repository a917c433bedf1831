/*
 * NAME
 *   test_auth.c - unit tests for control/daemon/auth.c
 *
 * SUMMARY
 *   sg_auth_decide on every rule: root, the daemon's own user, no
 *   admin_group, the peer's group, a group from the user database, none.
 *   sg_auth_peer on real connections: this process (root) over a
 *   socketpair, and a child that drops to nobody:nogroup before it
 *   connects, checked against a missing group, an unrelated group and
 *   nogroup (its own group: admin). The kernel's credentials are what
 *   counts: pid, uid, gid and the user name.
 */
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "daemon_testutil.h"

static void test_decide(void **state)
{
	gid_t groups[] = { 100, 200, 300 };
	struct sg_auth_facts f = {
		.uid = 1000, .gid = 1000, .daemon_uid = 0, .group_known = true,
		.admin_gid = 500, .groups = groups, .ngroups = 3,
	};

	(void)state;
	assert_false(sg_auth_decide(&f));		/* in none of them */
	groups[2] = 500;
	assert_true(sg_auth_decide(&f));		/* the user database says so */
	f.ngroups = 2;
	assert_false(sg_auth_decide(&f));		/* only the first two count */
	f.gid = 500;
	assert_true(sg_auth_decide(&f));		/* the peer's own group */
	f.group_known = false;
	assert_false(sg_auth_decide(&f));		/* no such group: nobody by group */
	f.uid = 0;
	assert_true(sg_auth_decide(&f));		/* root */
	f.uid = 4242;
	f.daemon_uid = 4242;
	assert_true(sg_auth_decide(&f));		/* the daemon's own user */
}

/* admin_group as a number is a gid as it is; as a name it is looked up. */
static void test_group_gid(void **state)
{
	gid_t gid = 12345;

	(void)state;
	assert_true(sg_auth_group_gid("100", &gid));
	assert_int_equal(gid, 100);
	assert_true(sg_auth_group_gid("0", &gid));
	assert_int_equal(gid, 0);
	assert_true(sg_auth_group_gid("4000000000", &gid));	/* no such group: still a gid */
	assert_int_equal(gid, 4000000000u);
	assert_true(sg_auth_group_gid("root", &gid));		/* name lookup */
	assert_int_equal(gid, 0);
	gid = 7;
	assert_false(sg_auth_group_gid("", &gid));
	assert_false(sg_auth_group_gid(NULL, &gid));
	assert_false(sg_auth_group_gid("no-such-group-signet", &gid));
	assert_false(sg_auth_group_gid("4294967295", &gid));	/* (gid_t)-1 means "none" */
	assert_false(sg_auth_group_gid("99999999999", &gid));	/* too long */
	assert_false(sg_auth_group_gid("12a", &gid));		/* a name, and none exists */
	assert_int_equal(gid, 7);
}

static void test_peer_self(void **state)
{
	struct sg_peer peer;
	struct sg_error err;
	int sv[2];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	sg_error_clear(&err);
	assert_int_equal(sg_auth_peer(sv[0], "no-such-group-here", &peer, &err), SG_OK);
	assert_int_equal(peer.pid, getpid());
	assert_int_equal(peer.uid, 0);
	assert_string_equal(peer.user, "root");
	assert_true(peer.admin);
	close(sv[0]);
	close(sv[1]);

	/* no socket */
	assert_int_equal(sg_auth_peer(-1, "", &peer, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "cannot read the peer's credentials"));
}

/* A child that becomes nobody:nogroup, connects to path and waits. */
static pid_t connect_as_nobody(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pid_t pid = fork();
	int fd;

	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
		_exit(2);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		_exit(3);
	(void)read(fd, &sa, 1);		/* until the parent closes */
	_exit(0);
}

static void test_peer_nobody(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sg_peer peer;
	struct sg_error err;
	char *dir;
	int lfd, fd, status;
	pid_t child;

	(void)state;
	if (geteuid() != 0 || getgrnam("nogroup") == NULL)
		skip();
	dir = kt_tmpdir();
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(chmod(sa.sun_path, 0666), 0);
	assert_int_equal(listen(lfd, 4), 0);
	child = connect_as_nobody(sa.sun_path);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);

	sg_error_clear(&err);
	assert_int_equal(sg_auth_peer(fd, "no-such-group-here", &peer, &err), SG_OK);
	assert_int_equal(peer.pid, child);
	assert_int_equal(peer.uid, 65534);
	assert_int_equal(peer.gid, 65534);
	assert_string_equal(peer.user, "nobody");
	assert_false(peer.admin);
	assert_int_equal(sg_auth_peer(fd, "root", &peer, &err), SG_OK);
	assert_false(peer.admin);			/* nobody is not in group root */
	assert_int_equal(sg_auth_peer(fd, "", &peer, &err), SG_OK);
	assert_false(peer.admin);
	assert_int_equal(sg_auth_peer(fd, "nogroup", &peer, &err), SG_OK);
	assert_true(peer.admin);			/* its own group */

	close(fd);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(lfd);
	kt_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_group_gid),
		cmocka_unit_test(test_peer_self),
		cmocka_unit_test(test_peer_nobody),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
