/*
 * NAME
 *   history.c - where the REPL keeps its history, and making that file
 *               safe before the line editor writes it (see ctl.h)
 *
 * SUMMARY
 *   ctl_history_path gives HOME/.signetctl_history (none when HOME is
 *   unset, empty, not absolute, or the path does not fit).
 *   ctl_history_prepare makes sure the file is a regular file of the
 *   caller's, mode 0600, creating it empty if missing, so typed commands
 *   never sit in a file others can read; it refuses a symbolic link, a
 *   folder or another user's file, and the REPL then keeps no history.
 *
 * UNTRUSTED INPUT
 *   The environment (HOME) and what lies at the path.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Control plane. */
#include "ctl.h"

bool ctl_history_path(const char *home, char *out, size_t cap)
{
	int n;

	if (home == NULL || home[0] != '/')
		return false;
	n = snprintf(out, cap, "%s/%s", home, CTL_HISTORY_FILE);
	return n > 0 && (size_t)n < cap;
}

bool ctl_history_prepare(const char *path, char *why, size_t cap)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);

	if (fd < 0) {
		snprintf(why, cap, "%s: %s", path,
			 errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, cap, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(why, cap, "%s: not a regular file", path);
	} else if (st.st_uid != geteuid()) {
		snprintf(why, cap, "%s: belongs to uid %lu, not to us", path,
			 (unsigned long)st.st_uid);
	} else if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
		snprintf(why, cap, "%s: cannot make it private: %s", path, strerror(errno));
	} else {
		close(fd);
		return true;
	}
	close(fd);
	return false;
}
