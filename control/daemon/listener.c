/*
 * NAME
 *   listener.c - the control socket file of signet-controld
 *
 * SUMMARY
 *   listener_open makes the Unix stream socket at path: its folder is
 *   created (mode 0755, one level) when missing; something already at the
 *   path is probed: a socket another process accepts on is refused (a
 *   second daemon), a socket nobody listens on is removed (left behind by
 *   a crash), anything else is refused. The socket is bound under umask
 *   0177 (never accessible to others, not even for a moment) at a
 *   temporary name beside path (PATH.new-PID), made to listen, given
 *   admin_group when that group exists and mode 0660, and only then
 *   renamed to path: a client that sees the file can connect at once
 *   (no window between bind and listen that answers ECONNREFUSED), with
 *   the final permissions. When PATH.new-PID would not fit in sun_path
 *   the socket is bound at path directly. listener_close
 *   removes the file only when it is still the one bound here (same device
 *   and inode), so a daemon never deletes its successor's socket.
 *
 * DIAGNOSTICS
 *   err names the path and the failing step; note says what was done
 *   that an operator may want to know (stale socket removed, group
 *   missing).
 */

/* System library. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Control plane. */
#include "daemon_internal.h"

#define BACKLOG 64

static enum sg_err make_parent(const char *path, struct sg_error *err)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (slash == NULL || slash == path)
		return SG_OK;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? SG_OK :
			sg_error_set(err, SG_E_IO, 0, 0, "%s is not a directory", dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot create the socket folder %s: %s",
				    dir, strerror(errno));
	return SG_OK;
}

/* Something is at path: refuse it, or remove it when it is a dead socket. */
static enum sg_err clear_path(const struct sockaddr_un *sa, char *note, size_t cap,
			      struct sg_error *err)
{
	const char *path = sa->sun_path;
	struct stat st;
	int probe, rc, e;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? SG_OK :
			sg_error_set(err, SG_E_IO, 0, 0, "cannot check %s: %s", path,
				     strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return sg_error_set(err, SG_E_IO, 0, 0,
				    "%s exists and is not a socket; refusing to replace it", path);
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot make a socket: %s",
				    strerror(errno));
	rc = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(probe);
	if (rc == 0 || e == EAGAIN)
		return sg_error_set(err, SG_E_IO, 0, 0,
				    "another process is listening on %s (a signet-controld already "
				    "running?)", path);
	if (e != ECONNREFUSED)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot check the socket %s: %s", path,
				    strerror(e));
	if (unlink(path) != 0 && errno != ENOENT)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot remove the stale socket %s: %s",
				    path, strerror(errno));
	snprintf(note, cap, "removed the stale socket %s", path);
	return SG_OK;
}

/* Group admin_group (when it exists) and mode 0660 for the socket file at
 * at, which will be path once published (messages name path). */
static enum sg_err set_access(const char *at, const char *path, const char *admin_group,
			      char *note, size_t cap, struct sg_error *err)
{
	gid_t gid;
	bool known = sg_auth_group_gid(admin_group, &gid);

	if (known && chown(at, (uid_t)-1, gid) != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot give %s to group %s: %s", path,
				    admin_group, strerror(errno));
	if (!known && note[0] == '\0')
		snprintf(note, cap, "%s%s%s: only root and this daemon's user may change state "
			 "through %s (others in the daemon's group may read)",
			 admin_group[0] ? "group \"" : "no admin_group is configured",
			 admin_group, admin_group[0] ? "\" does not exist" : "", path);
	if (chmod(at, 0660) != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot chmod %s: %s", path,
				    strerror(errno));
	return SG_OK;
}

/* Binds and listens at sa (the temporary name, or path itself). */
static enum sg_err bind_socket(struct listener *l, const struct sockaddr_un *sa,
			       struct sg_error *err)
{
	mode_t old;
	int rc;

	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot make a socket: %s",
				    strerror(errno));
	old = umask(0177);
	rc = bind(l->fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot bind %s: %s", sa->sun_path,
				    strerror(errno));
	if (listen(l->fd, BACKLOG) != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot listen on %s: %s", sa->sun_path,
				    strerror(errno));
	return SG_OK;
}

/* Puts the listening socket at tmp in place at path; remembers its inode. */
static enum sg_err publish(struct listener *l, const char *tmp, struct sg_error *err)
{
	struct stat st;

	if (strcmp(tmp, l->path) != 0 && rename(tmp, l->path) != 0) {
		int e = errno;

		(void)unlink(tmp);
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot rename %s to %s: %s", tmp,
				    l->path, strerror(e));
	}
	l->made = true;
	if (lstat(l->path, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	return SG_OK;
}

enum sg_err listener_open(struct listener *l, const char *path, const char *admin_group,
			  char *note, size_t note_cap, struct sg_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX }, tmp = { .sun_family = AF_UNIX };
	enum sg_err rc;
	int n;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	note[0] = '\0';
	if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path))
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "socket path \"%s\" is empty or longer than %zu bytes", path,
				    sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	snprintf(l->path, sizeof(l->path), "%s", path);
	rc = make_parent(path, err);
	if (rc == SG_OK)
		rc = clear_path(&sa, note, note_cap, err);
	n = snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.new-%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp.sun_path))
		tmp = sa;
	if (rc == SG_OK)
		rc = bind_socket(l, &tmp, err);
	if (rc == SG_OK)
		rc = set_access(tmp.sun_path, path, admin_group, note, note_cap, err);
	if (rc == SG_OK)
		rc = publish(l, tmp.sun_path, err);
	else if (l->fd >= 0)
		(void)unlink(tmp.sun_path);
	if (rc != SG_OK)
		listener_close(l);
	return rc;
}

void listener_close(struct listener *l)
{
	struct stat st;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->made && lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		(void)unlink(l->path);
	l->made = false;
}
