/*
 * NAME
 *   sd_spool_io.c - the rare paths of the spool worker, with plain system
 *                   calls (see sd_spool_internal.h)
 *
 * UNTRUSTED INPUT
 *   An existing output file (only compared, at most the input's size plus
 *   SD_FIELDS_MAX bytes read).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_spool_internal.h"

#define SD_FIELDS_MAX (256 * 1024)	/* signature fields before the message */

static bool read_all(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, p + got, n - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

int sd_spool_output_holds(int out_fd, const char *name, const struct sd_msg_form *form,
			  char *reason, size_t cap)
{
	int fd = openat(out_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	uint8_t *buf;
	int rc = 1;

	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(reason, cap, "cannot read the existing output %s: %s", name,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < form->body_len ||
	    (uint64_t)st.st_size - form->body_len > SD_FIELDS_MAX) {
		close(fd);
		return 1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL || !read_all(fd, buf, (size_t)st.st_size)) {
		snprintf(reason, cap, "cannot read the existing output %s: %s", name,
			 buf ? strerror(errno) : "out of memory");
		rc = -1;
	} else if (sd_msg_output_matches(buf, (size_t)st.st_size, form->body, form->body_len)) {
		rc = 0;
	}
	free(buf);
	close(fd);
	return rc;
}

static bool write_reason(const struct sd_spool_dirs *d, unsigned worker, const char *name,
			 const char *reason)
{
	char final[SD_NAME_BUF], tmp[SD_NAME_BUF];
	size_t len = strlen(reason);
	bool ok;
	int fd;

	if (!sd_name_reason(name, final, sizeof(final)) ||
	    !sd_name_tmp(final, worker, tmp, sizeof(tmp)))
		return false;
	fd = openat(d->failed_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	ok = write(fd, reason, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	ok = ok && renameat(d->failed_fd, tmp, d->failed_fd, final) == 0;
	if (!ok)
		unlinkat(d->failed_fd, tmp, 0);
	return ok;
}

bool sd_spool_move_failed(const struct sd_spool_dirs *d, unsigned worker, const char *name,
			  char *reason, size_t cap)
{
	size_t n = strlen(reason);

	if (write_reason(d, worker, name, reason) &&
	    renameat(d->in_fd, name, d->failed_fd, name) == 0 && fsync(d->failed_fd) == 0)
		return true;
	snprintf(reason + n, cap - n, " (and it could not be moved to " SD_FAILED_DIR "/: %s)",
		 strerror(errno));
	return false;
}
