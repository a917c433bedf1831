/*
 * NAME
 *   auth.c - who is on the other end of a control connection
 *
 * SUMMARY
 *   sg_auth_peer takes the peer's credentials from the kernel
 *   (SO_PEERCRED: pid, uid, gid at connect time; nothing the client says)
 *   and decides once, at accept, whether it is an admin: root, the
 *   daemon's own user, a peer whose group is admin_group, or a user whose
 *   groups in the user database (getgrouplist: the passwd group and the
 *   groups listing the user) include admin_group. A missing admin_group
 *   makes only root and the daemon's user admins. sg_auth_decide is that
 *   rule on plain facts.
 *
 * DIAGNOSTICS
 *   err names the failing call when the credentials cannot be read; an
 *   unknown uid is not an error (the peer is named by its number).
 */

/* System library. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Control plane. */
#include "daemon_internal.h"

#define NSS_BUF 16384
#define MAX_GROUPS 65536

bool sg_auth_decide(const struct sg_auth_facts *f)
{
	if (f->uid == 0 || f->uid == f->daemon_uid)
		return true;
	if (!f->group_known)
		return false;
	if (f->gid == f->admin_gid)
		return true;
	for (size_t i = 0; i < f->ngroups; i++)
		if (f->groups[i] == f->admin_gid)
			return true;
	return false;
}

/* The groups of user (primary gid included); NULL with *n = 0 on failure. */
static gid_t *user_groups(const char *user, gid_t primary, size_t *n)
{
	int want = 64;
	gid_t *groups = NULL;

	*n = 0;
	while (want > 0 && want <= MAX_GROUPS) {
		int got = want;
		gid_t *g = realloc(groups, (size_t)want * sizeof(gid_t));

		if (g == NULL)
			break;
		groups = g;
		if (getgrouplist(user, primary, groups, &got) >= 0) {
			*n = (size_t)got;
			return groups;
		}
		want = got > want ? got : want * 2;	/* got says how many there are */
	}
	free(groups);
	return NULL;
}

/* A gid written in decimal digits (at most 10 of them), else false. */
static bool numeric_gid(const char *s, gid_t *gid)
{
	unsigned long long v = 0;
	size_t n = strspn(s, "0123456789");

	if (n == 0 || s[n] != '\0' || n > 10)
		return false;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	if (v >= (gid_t)-1)
		return false;
	*gid = (gid_t)v;
	return true;
}

bool sg_auth_group_gid(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char *buf;
	bool found;

	if (name == NULL || name[0] == '\0')
		return false;
	if (numeric_gid(name, gid))
		return true;
	buf = malloc(NSS_BUF);
	if (buf == NULL)
		return false;
	found = getgrnam_r(name, &gr, buf, NSS_BUF, &res) == 0 && res != NULL;
	if (found)
		*gid = gr.gr_gid;
	free(buf);
	return found;
}

enum sg_err sg_auth_peer(int fd, const char *admin_group, struct sg_peer *out,
			 struct sg_error *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct sg_auth_facts f = { 0 };
	struct passwd pw, *res = NULL;
	char *buf;
	gid_t *groups = NULL;

	memset(out, 0, sizeof(*out));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot read the peer's credentials: %s",
				    strerror(errno));
	out->pid = cred.pid;
	out->uid = cred.uid;
	out->gid = cred.gid;
	f.uid = cred.uid;
	f.gid = cred.gid;
	f.daemon_uid = geteuid();
	f.group_known = sg_auth_group_gid(admin_group, &f.admin_gid);
	snprintf(out->user, sizeof(out->user), "%u", (unsigned)cred.uid);
	buf = malloc(NSS_BUF);
	if (buf != NULL && getpwuid_r(cred.uid, &pw, buf, NSS_BUF, &res) == 0 && res != NULL) {
		snprintf(out->user, sizeof(out->user), "%s", pw.pw_name);
		if (f.group_known)
			groups = user_groups(pw.pw_name, pw.pw_gid, &f.ngroups);
	}
	f.groups = groups;
	out->admin = sg_auth_decide(&f);
	free(groups);
	free(buf);
	return SG_OK;
}
