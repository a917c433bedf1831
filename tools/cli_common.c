/*
 * NAME
 *   cli_common.c - shared pieces of the signet command-line tool
 *                  (see cli_common.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("signet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_USAGE;
}

int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "signet %s: ", cmd->name);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: %s\n", cmd->usage);
	return CLI_EXIT_USAGE;
}

bool cli_read_input(const char *path, size_t limit, struct sg_buf *out)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	const char *name = is_stdin ? "standard input" : path;
	char chunk[65536];
	ssize_t n;
	size_t total = 0;
	bool ok = true;

	if (fd < 0) {
		cli_fail("cannot open %s: %s", path, strerror(errno));
		return false;
	}
	while (ok && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		enum sg_err rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			cli_fail("cannot read %s: %s", name, strerror(errno));
			ok = false;
			continue;
		}
		if ((size_t)n > limit - total)
			rc = SG_E_LIMIT;	/* the caller's limit, whatever out's is */
		else
			rc = sg_buf_append(out, chunk, (size_t)n);
		if (rc == SG_E_LIMIT)
			cli_fail("%s is larger than %zu bytes", name,
				 limit < out->limit ? limit : out->limit);
		else if (rc != SG_OK)
			cli_fail("cannot read %s: out of memory", name);
		ok = rc == SG_OK;
		total += (size_t)n;
	}
	if (!is_stdin)
		close(fd);
	return ok;
}

static bool write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool cli_write_output(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (!write_all(STDOUT_FILENO, data, len)) {
			cli_fail("cannot write to standard output: %s", strerror(errno));
			return false;
		}
		return true;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		cli_fail("output path too long: %s", path);
		return false;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_fail("cannot create %s: %s", tmp, strerror(errno));
		return false;
	}
	if (!write_all(fd, data, len) || fsync(fd) != 0) {
		cli_fail("cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return false;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		cli_fail("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

bool cli_line_ends(const char *text, size_t len, bool lf_only, struct sg_buf *out)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		size_t end;

		if (text[i] != '\n')
			continue;
		end = i > start && text[i - 1] == '\r' ? i - 1 : i;
		if (sg_buf_append(out, text + start, end - start) != SG_OK ||
		    sg_buf_puts(out, lf_only ? "\n" : "\r\n") != SG_OK)
			return false;
		start = i + 1;
	}
	return sg_buf_append(out, text + start, len - start) == SG_OK;
}
