/*
 * NAME
 *   sd_recover.c - spool folders, locks and temp-file cleanup (see
 *                  sd_recover.h)
 *
 * UNTRUSTED INPUT
 *   Names found in OUT_DIR and IN_DIR/.failed/ (only compared with the
 *   temp prefix; unlinkat never follows them).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "sd_recover.h"

static void init(struct sd_spool_folders *f)
{
	memset(f, 0, sizeof(*f));
	f->dirs.in_fd = f->dirs.out_fd = f->dirs.done_fd = f->dirs.failed_fd = -1;
	f->in_lock = f->out_lock = -1;
}

static enum sg_err lock(int dir_fd, const char *what, int *out, struct sg_error *err)
{
	int fd = openat(dir_fd, SD_LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "%s/" SD_LOCK_FILE ": %s", what,
				    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(fd);
		return sg_error_set(err, SG_E_STATE, 0, 0, "%s: %s", what,
				    e == EWOULDBLOCK ? "another signetd is working on this folder"
						     : strerror(e));
	}
	*out = fd;
	return SG_OK;
}

static enum sg_err subdir(int parent, const char *parent_name, const char *name, int *out,
			  struct sg_error *err)
{
	if (mkdirat(parent, name, 0755) != 0 && errno != EEXIST)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot create %s/%s: %s", parent_name,
				    name, strerror(errno));
	*out = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*out < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "%s/%s: %s", parent_name, name,
				    strerror(errno));
	return SG_OK;
}

long sd_recover_remove_tmp(int dir_fd)
{
	int fd = dup(dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	long n = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (sd_name_is_tmp(e->d_name) && unlinkat(dir_fd, e->d_name, 0) == 0)
			n++;
	closedir(d);
	if (n > 0)
		fsync(dir_fd);
	return n;
}

/* The folder's file system keeps its files in memory only. */
static bool memory_fs(int dir_fd)
{
	struct statfs fs;

	return fstatfs(dir_fd, &fs) == 0 &&
	       (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC);
}

static enum sg_err open_dirs(const char *in, const char *out, struct sd_spool_folders *f,
			     struct sg_error *err)
{
	struct stat a, b;

	f->dirs.in_fd = open(in, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirs.in_fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "spool folder %s: %s", in,
				    strerror(errno));
	if (mkdir(out, 0755) != 0 && errno != EEXIST)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot create the output folder %s: %s",
				    out, strerror(errno));
	f->dirs.out_fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirs.out_fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "output folder %s: %s", out,
				    strerror(errno));
	if (fstat(f->dirs.in_fd, &a) == 0 && fstat(f->dirs.out_fd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s and %s are the same folder: the "
				    "output must go elsewhere", in, out);
	f->dirs.in_memory = memory_fs(f->dirs.in_fd);
	f->dirs.out_memory = memory_fs(f->dirs.out_fd);
	return SG_OK;
}

enum sg_err sd_recover_open(const char *in, const char *out, bool retire_delete,
			    struct sd_spool_folders *f, struct sg_error *err)
{
	enum sg_err rc;
	long a, b;

	init(f);
	f->dirs.retire_delete = retire_delete;
	rc = open_dirs(in, out, f, err);
	if (rc == SG_OK)
		rc = lock(f->dirs.in_fd, in, &f->in_lock, err);
	if (rc == SG_OK)
		rc = lock(f->dirs.out_fd, out, &f->out_lock, err);
	if (rc == SG_OK)
		rc = subdir(f->dirs.in_fd, in, SD_FAILED_DIR, &f->dirs.failed_fd, err);
	if (rc == SG_OK && !retire_delete)
		rc = subdir(f->dirs.in_fd, in, SD_DONE_DIR, &f->dirs.done_fd, err);
	if (rc == SG_OK) {
		a = sd_recover_remove_tmp(f->dirs.out_fd);
		b = sd_recover_remove_tmp(f->dirs.failed_fd);
		if (a < 0 || b < 0)
			rc = sg_error_set(err, SG_E_IO, 0, 0, "cannot read %s: %s",
					  a < 0 ? out : SD_FAILED_DIR, strerror(errno));
		else
			f->removed = (size_t)(a + b);
	}
	if (rc != SG_OK)
		sd_recover_close(f);
	return rc;
}

void sd_recover_close(struct sd_spool_folders *f)
{
	int *fds[] = { &f->dirs.in_fd, &f->dirs.out_fd, &f->dirs.done_fd, &f->dirs.failed_fd,
		       &f->in_lock, &f->out_lock };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
