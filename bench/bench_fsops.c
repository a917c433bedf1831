/*
 * NAME
 *   bench_fsops.c - "signet-bench fsops": what a spool's file handling costs
 *                   the kernel alone, with no signetd in the way
 *
 * SUMMARY
 *   signet-bench fsops --dir DIR [--json] [--count N] [--bytes B]
 *                      [--group G] [--rounds R]
 *
 *   In a fresh folder under DIR (removed again afterwards) it writes N
 *   input files of B bytes (default 4000 x 8146, the 8K corpus's mean),
 *   syncs the file system, and then does for every input, one after the
 *   other, with plain blocking system calls on one thread, the least a
 *   crash-safe spool must do (the same steps as signetd's spool, see
 *   dataplane/signetd/sd_spool.h):
 *     read     openat IN/NAME, fstat, read it whole, close;
 *     probe    statx OUT/NAME (must be absent);
 *     write    openat OUT/.tmp (O_CREAT | O_TRUNC), one pwritev2 of a
 *              400-byte signature header and the message with RWF_DSYNC
 *              (durable when it returns), close;
 *     rename   renameat2 to OUT/NAME with RENAME_NOREPLACE;
 *     dirsync  fsync OUT every G renames (default 8: one signing batch;
 *              the last partial group too);
 *     retire   renameat IN/NAME to IN/.done/NAME.
 *   Nothing is hashed or signed, nothing is parsed. The CPU time of the
 *   thread over the loop, per message, is the floor the kernel and the
 *   file system set for any spool on that folder: signetd's "unsigned"
 *   run (bench_signetd.py) can only add to it. Each step's wall time is
 *   summed separately (monotonic clock around each step). Afterwards the
 *   folder is checked: N outputs of B + 400 bytes, no input left, N in
 *   .done/ (else exit 1). R rounds (default 3), each on new files; the
 *   round with the least CPU per message is kept.
 *
 *   Output: with --json one object:
 *     {"bench":"fsops","folder":"/tmp","messages":4000,"bytes":8146,
 *      "group":8,"cpu_us_per_msg":14.6,"wall_us_per_msg":15.1,
 *      "cpu_share":0.97,"steps_us":{"read":3.1,"probe":0.6,"write":6.0,
 *      "rename":2.0,"dirsync":0.1,"retire":2.4},"rounds":3}
 *   otherwise a short table. No figure is judged.
 *
 * UNTRUSTED INPUT
 *   Command-line arguments only (DIR must be an existing folder).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"
#include "smtp_bench.h"

#define SIG_HEADER_BYTES 400
#define NAME_CAP 64

enum fs_step { S_READ, S_PROBE, S_WRITE, S_RENAME, S_DIRSYNC, S_RETIRE, NSTEPS };
static const char *const step_names[NSTEPS] = {
	"read", "probe", "write", "rename", "dirsync", "retire",
};

struct fsops_opts {
	const char *dir;
	bool json;
	unsigned count, bytes, group, rounds;
};

/* One round's folders (descriptors) and results. */
struct fsops_site {
	char root[4096];
	int in_fd, out_fd, done_fd;
};

struct fsops_result {
	double cpu_s, wall_s, step_s[NSTEPS];
};

static int fail(const char *what, const char *name)
{
	fprintf(stderr, "signet-bench fsops: %s %s: %s\n", what, name, strerror(errno));
	return -1;
}

static void message_name(unsigned i, char *out)
{
	snprintf(out, NAME_CAP, "m%07u.eml", i);
}

static int open_site(const struct fsops_opts *o, struct fsops_site *s)
{
	snprintf(s->root, sizeof(s->root), "%s/signet-fsops-XXXXXX", o->dir);
	if (mkdtemp(s->root) == NULL)
		return fail("cannot make a folder in", o->dir);
	s->in_fd = s->out_fd = s->done_fd = -1;
	int root = open(s->root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (root < 0)
		return fail("cannot open", s->root);
	if (mkdirat(root, "in", 0700) != 0 || mkdirat(root, "out", 0700) != 0 ||
	    mkdirat(root, "in/.done", 0700) != 0) {
		close(root);
		return fail("cannot make the spool folders in", s->root);
	}
	s->in_fd = openat(root, "in", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	s->out_fd = openat(root, "out", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	s->done_fd = openat(root, "in/.done", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	close(root);
	if (s->in_fd < 0 || s->out_fd < 0 || s->done_fd < 0)
		return fail("cannot open the spool folders in", s->root);
	return 0;
}

/* Message-like bytes: a From line, then 76-column lines. */
static void fill_message(char *buf, unsigned bytes)
{
	static const char head[] = "From: Bench <bench@news.example.com>\r\n\r\n";
	unsigned at = 0;

	for (; at < bytes && at < sizeof(head) - 1; at++)
		buf[at] = head[at];
	for (unsigned col = 0; at < bytes; at++, col++) {
		buf[at] = col == 76 ? '\r' : col == 77 ? '\n' : (char)('a' + col % 26);
		if (col == 77)
			col = (unsigned)-1;
	}
}

static int write_inputs(const struct fsops_opts *o, struct fsops_site *s, const char *msg)
{
	char name[NAME_CAP];

	for (unsigned i = 0; i < o->count; i++) {
		message_name(i, name);
		int fd = openat(s->in_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd < 0)
			return fail("cannot create input", name);
		if (write(fd, msg, o->bytes) != (ssize_t)o->bytes) {
			close(fd);
			return fail("cannot write input", name);
		}
		close(fd);
	}
	return syncfs(s->in_fd) == 0 ? 0 : fail("cannot sync", s->root);
}

static void step_end(struct fsops_result *r, enum fs_step step, double *t)
{
	double now = bench_now();

	r->step_s[step] += now - *t;
	*t = now;
}

/* The steps for message i (see the contract); buf holds the signature
 * header and room for the message. */
static int one_message(const struct fsops_opts *o, struct fsops_site *s, unsigned i,
		       char *buf, struct fsops_result *r)
{
	char name[NAME_CAP], tmp[NAME_CAP + 8];
	struct stat st;
	struct statx stx;
	double t = bench_now();
	int fd;

	message_name(i, name);
	fd = openat(s->in_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size != (off_t)o->bytes ||
	    read(fd, buf + SIG_HEADER_BYTES, o->bytes) != (ssize_t)o->bytes)
		return fail("cannot read input", name);
	close(fd);
	step_end(r, S_READ, &t);
	if (statx(s->out_fd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) == 0)
		errno = EEXIST;
	if (errno != ENOENT)
		return fail("cannot probe the output name", name);
	step_end(r, S_PROBE, &t);
	snprintf(tmp, sizeof(tmp), ".tmp.%s", name);
	fd = openat(s->out_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail("cannot create", tmp);
	struct iovec iov = { buf, SIG_HEADER_BYTES + (size_t)o->bytes };

	if (pwritev2(fd, &iov, 1, 0, RWF_DSYNC) != (ssize_t)iov.iov_len) {
		close(fd);
		return fail("cannot write", tmp);
	}
	if (close(fd) != 0)
		return fail("cannot close", tmp);
	step_end(r, S_WRITE, &t);
	if (renameat2(s->out_fd, tmp, s->out_fd, name, RENAME_NOREPLACE) != 0)
		return fail("cannot rename into place:", name);
	step_end(r, S_RENAME, &t);
	if (((i + 1) % o->group == 0 || i + 1 == o->count) && fsync(s->out_fd) != 0)
		return fail("cannot fsync the output folder of", s->root);
	step_end(r, S_DIRSYNC, &t);
	if (renameat(s->in_fd, name, s->done_fd, name) != 0)
		return fail("cannot retire", name);
	step_end(r, S_RETIRE, &t);
	return 0;
}

/* Counts the entries of a folder that are regular files of want bytes
 * (want 0: any size); -1 on error. */
static long count_files(int dir_fd, off_t want)
{
	int fd = openat(dir_fd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	struct stat st;
	long n = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, ".done") == 0)
			continue;
		if (fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && (want == 0 || st.st_size == want))
			n++;
		else
			n = -1000000;	/* wrong size or type: the check fails */
	}
	closedir(d);
	return n;
}

static int check_site(const struct fsops_opts *o, struct fsops_site *s)
{
	long outs = count_files(s->out_fd, (off_t)o->bytes + SIG_HEADER_BYTES);
	long ins = count_files(s->in_fd, 0), done = count_files(s->done_fd, (off_t)o->bytes);

	if (outs == (long)o->count && ins == 0 && done == (long)o->count)
		return 0;
	fprintf(stderr, "signet-bench fsops: %s: %ld complete outputs, %ld inputs left, %ld "
		"retired; want %u, 0, %u\n", s->root, outs, ins, done, o->count, o->count);
	return -1;
}

/* Removes the files of an open folder, then closes it. */
static void empty_and_close(int dir_fd)
{
	int fd = dir_fd < 0 ? -1 : openat(dir_fd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (d == NULL && fd >= 0)
		close(fd);
	while (d != NULL && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, ".done") != 0)
			(void)unlinkat(dir_fd, e->d_name, 0);
	if (d != NULL)
		closedir(d);
	if (dir_fd >= 0)
		close(dir_fd);
}

static void close_site(struct fsops_site *s)
{
	char path[4200];

	empty_and_close(s->done_fd);
	empty_and_close(s->in_fd);
	empty_and_close(s->out_fd);
	snprintf(path, sizeof(path), "%s/in/.done", s->root);
	(void)rmdir(path);
	snprintf(path, sizeof(path), "%s/in", s->root);
	(void)rmdir(path);
	snprintf(path, sizeof(path), "%s/out", s->root);
	(void)rmdir(path);
	(void)rmdir(s->root);
}

static int one_round(const struct fsops_opts *o, char *buf, struct fsops_result *r)
{
	struct fsops_site s;
	double wall0, cpu0;
	int rc = open_site(o, &s);

	*r = (struct fsops_result){ 0 };
	if (rc == 0)
		rc = write_inputs(o, &s, buf + SIG_HEADER_BYTES);
	wall0 = bench_now();
	cpu0 = bench_cpu_now();
	for (unsigned i = 0; rc == 0 && i < o->count; i++)
		rc = one_message(o, &s, i, buf, r);
	r->cpu_s = bench_cpu_now() - cpu0;
	r->wall_s = bench_now() - wall0;
	if (rc == 0)
		rc = check_site(o, &s);
	close_site(&s);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: signet-bench %s\n", bench_fsops.usage);
	return 2;
}

/* A whole number in [lo, hi], or false (smtp_net.c's tested parser). */
static bool parse_count(const char *text, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v;

	if (text == NULL || !smtp_parse_count(text, lo, hi, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static int parse_opts(int argc, char **argv, struct fsops_opts *o)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "group", required_argument, NULL, 'g' },
		{ "rounds", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct stat st;
	int c;
	bool ok;

	*o = (struct fsops_opts){ NULL, false, 4000, 8146, 8, 3 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; ok = true; break;
		case 'j': o->json = true; ok = true; break;
		case 'n': ok = parse_count(optarg, 1, 1000000, &o->count); break;
		case 'b': ok = parse_count(optarg, 64, 64u << 20, &o->bytes); break;
		case 'g': ok = parse_count(optarg, 1, 1000000, &o->group); break;
		case 'r': ok = parse_count(optarg, 1, 100, &o->rounds); break;
		default: ok = false; break;
		}
		if (!ok)
			return usage();
	}
	if (optind != argc || o->dir == NULL)
		return usage();
	if (stat(o->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "signet-bench fsops: --dir %s: not a folder\n", o->dir);
		return 2;
	}
	return 0;
}

static void report(const struct fsops_opts *o, const struct fsops_result *r)
{
	double per = 1e6 / o->count;

	if (!o->json) {
		printf("%u messages of %u bytes in %s: %.1f us of CPU, %.1f us wall per message\n",
		       o->count, o->bytes, o->dir, r->cpu_s * per, r->wall_s * per);
		for (int i = 0; i < NSTEPS; i++)
			printf("  %-8s %8.2f us\n", step_names[i], r->step_s[i] * per);
		return;
	}
	printf("{\"bench\":\"fsops\",\"folder\":\"");
	for (const char *p = o->dir; *p != '\0'; p++) {	/* a path is not JSON: escape */
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar((unsigned char)*p < 0x20 ? '?' : *p);
	}
	printf("\",\"messages\":%u,\"bytes\":%u,\"group\":%u,\"cpu_us_per_msg\":%.3f,"
	       "\"wall_us_per_msg\":%.3f,\"cpu_share\":%.3f,\"steps_us\":{",
	       o->count, o->bytes, o->group, r->cpu_s * per, r->wall_s * per,
	       r->wall_s > 0 ? r->cpu_s / r->wall_s : 0.0);
	for (int i = 0; i < NSTEPS; i++)
		printf("%s\"%s\":%.3f", i ? "," : "", step_names[i], r->step_s[i] * per);
	printf("},\"rounds\":%u}\n", o->rounds);
}

static int run_fsops(int argc, char **argv)
{
	struct fsops_opts o;
	struct fsops_result best = { 0 }, r;
	int rc = parse_opts(argc, argv, &o);
	char *buf;

	if (rc != 0)
		return rc;
	buf = malloc(SIG_HEADER_BYTES + (size_t)o.bytes);
	if (buf == NULL) {
		fprintf(stderr, "signet-bench fsops: out of memory\n");
		return 1;
	}
	memset(buf, 'x', SIG_HEADER_BYTES);
	memcpy(buf, "DKIM-Signature: ", 16);
	buf[SIG_HEADER_BYTES - 2] = '\r';
	buf[SIG_HEADER_BYTES - 1] = '\n';
	fill_message(buf + SIG_HEADER_BYTES, o.bytes);
	for (unsigned i = 0; i < o.rounds && rc == 0; i++) {
		rc = one_round(&o, buf, &r);
		if (rc == 0 && (i == 0 || r.cpu_s < best.cpu_s))
			best = r;
	}
	free(buf);
	if (rc != 0)
		return 1;
	report(&o, &best);
	return 0;
}

const struct bench_command bench_fsops = {
	"fsops", "fsops --dir DIR [--json] [--count N] [--bytes B] [--group G] [--rounds R]",
	run_fsops,
};
