/*
 * NAME
 *   test_cli_common.c - unit tests for tools/cli_common.c
 *
 * SUMMARY
 *   cli_parse_u64: NULL, empty, signs, spaces, junk, hex, leading zeros,
 *   the maximum exactly and one past, 2^64 - 1 and 2^64. cli_line_ends:
 *   both directions over LF, CRLF, lone CR, CR CR LF, a missing final line
 *   end, empty input, the output limit. cli_read_input: a file, an empty
 *   file, standard input ("-", left open), the size limit exactly at and
 *   one past (whatever the buffer's own limit), a missing file and a
 *   directory (message on stderr). cli_write_output: a new file, replacing
 *   a file, no temporary left behind, standard output for NULL and "-",
 *   a missing directory, a too-long path, and a write that fails half way
 *   (file size limit): false, the old file intact, no temporary file and
 *   no descriptor left open. cli_fail / cli_usage: exit status and the
 *   exact stderr lines.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_common.h"

static char tmpdir[256];

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/signet-cli-XXXXXX", base ? base : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[512];

	(void)state;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		if (unlink(path) != 0)
			rmdir(path);
	}
	if (d != NULL)
		closedir(d);
	return rmdir(tmpdir);
}

static const char *tmp_path(const char *name)
{
	static char path[2][512];
	static int slot;
	char *out = path[slot++ & 1];

	snprintf(out, sizeof(path[0]), "%s/%s", tmpdir, name);
	return out;
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static size_t entries_in_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	size_t n = 0;
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Runs with fd (1 or 2) redirected to a file; returns what was written. */
struct capture {
	int fd, saved;
	char path[512];
};

static void capture_start(struct capture *c, int fd)
{
	int f;

	c->fd = fd;
	snprintf(c->path, sizeof(c->path), "%s/capture-%d", tmpdir, fd);
	f = open(c->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(f >= 0);
	fflush(fd == 1 ? stdout : stderr);
	c->saved = dup(fd);
	assert_int_equal(dup2(f, fd), fd);
	close(f);
}

static char *capture_end(struct capture *c)
{
	char *text;

	fflush(c->fd == 1 ? stdout : stderr);
	assert_int_equal(dup2(c->saved, c->fd), c->fd);
	close(c->saved);
	text = tu_read(c->path, NULL);
	unlink(c->path);
	return text;
}

/* ---- cli_parse_u64 --------------------------------------------------- */

static void test_parse_u64(void **state)
{
	static const struct {
		const char *s;
		uint64_t max;
		bool ok;
		uint64_t want;
	} cases[] = {
		{ "0", 10, true, 0 }, { "1", 10, true, 1 }, { "10", 10, true, 10 },
		{ "11", 10, false, 0 }, { "007", 10, true, 7 },
		{ "00000000000000000000000000000000000001", 10, true, 1 },
		{ "18446744073709551615", UINT64_MAX, true, UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX, false, 0 },
		{ "99999999999999999999999", UINT64_MAX, false, 0 },
		{ "9223372036854775807", INT64_MAX, true, INT64_MAX },
		{ "9223372036854775808", INT64_MAX, false, 0 },
		{ "", 10, false, 0 }, { "-1", 10, false, 0 }, { "-0", 10, false, 0 },
		{ "+1", 10, false, 0 }, { " 1", 10, false, 0 }, { "1 ", 10, false, 0 },
		{ "1x", 10, false, 0 }, { "0x10", 100, false, 0 }, { "1.5", 10, false, 0 },
		{ "1e3", 10000, false, 0 }, { "\t1", 10, false, 0 }, { "one", 10, false, 0 },
	};
	uint64_t v;

	(void)state;
	assert_false(cli_parse_u64(NULL, 10, &v));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		if (cli_parse_u64(cases[i].s, cases[i].max, &v) != cases[i].ok)
			fail_msg("\"%s\" (max %llu): wrong answer", cases[i].s,
				 (unsigned long long)cases[i].max);
		assert_true(v == (cases[i].ok ? cases[i].want : 12345));	/* untouched */
	}
}

/* ---- cli_line_ends --------------------------------------------------- */

static void expect_line_ends(const char *in, size_t n, bool lf_only, const char *want,
			     size_t want_len)
{
	struct sg_buf b;

	sg_buf_init(&b, SIZE_MAX);
	assert_true(cli_line_ends(in, n, lf_only, &b));
	assert_int_equal(b.len, want_len);
	if (want_len > 0)
		assert_memory_equal(b.data, want, want_len);
	sg_buf_free(&b);
}

#define S(lit) lit, sizeof(lit) - 1

static void test_line_ends(void **state)
{
	(void)state;
	expect_line_ends(S(""), false, S(""));
	expect_line_ends(S(""), true, S(""));
	expect_line_ends(S("a\nb\n"), false, S("a\r\nb\r\n"));
	expect_line_ends(S("a\r\nb\r\n"), false, S("a\r\nb\r\n"));
	expect_line_ends(S("a\r\nb\n\nc"), false, S("a\r\nb\r\n\r\nc"));
	expect_line_ends(S("a\r\nb\n\nc"), true, S("a\nb\n\nc"));
	expect_line_ends(S("\n"), false, S("\r\n"));
	expect_line_ends(S("\r\n"), true, S("\n"));
	expect_line_ends(S("lone\rcr\r"), false, S("lone\rcr\r"));
	expect_line_ends(S("a\r\r\nb"), true, S("a\r\nb"));	/* CR CR LF: one CR stays */
	expect_line_ends(S("a\r\r\nb"), false, S("a\r\r\nb"));
	expect_line_ends(S("no final line end"), false, S("no final line end"));
	expect_line_ends(S("x\0y\n"), false, S("x\0y\r\n"));	/* NUL is a byte */
}

static void test_line_ends_limit(void **state)
{
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, 6);
	assert_true(cli_line_ends(S("a\nb\n"), false, &b));		/* exactly 6 */
	sg_buf_free(&b);
	sg_buf_init(&b, 5);
	assert_false(cli_line_ends(S("a\nb\n"), false, &b));
	sg_buf_free(&b);
	sg_buf_init(&b, 3);
	assert_false(cli_line_ends(S("abcd"), true, &b));		/* the tail too */
	sg_buf_free(&b);
}

/* ---- cli_read_input -------------------------------------------------- */

static void test_read_input(void **state)
{
	struct sg_buf b;
	struct capture err;
	char big[200000];
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	write_file(tmp_path("big"), big, sizeof(big));
	write_file(tmp_path("empty"), "", 0);
	sg_buf_init(&b, SIZE_MAX);
	assert_true(cli_read_input(tmp_path("big"), sizeof(big), &b));	/* exactly */
	assert_int_equal(b.len, sizeof(big));
	assert_memory_equal(b.data, big, sizeof(big));
	sg_buf_free(&b);
	sg_buf_init(&b, SIZE_MAX);
	capture_start(&err, 2);
	assert_false(cli_read_input(tmp_path("big"), sizeof(big) - 1, &b));	/* one past */
	text = capture_end(&err);
	assert_non_null(strstr(text, "signet: "));
	assert_non_null(strstr(text, "is larger than 199999 bytes"));
	free(text);
	sg_buf_free(&b);
	/* the buffer's own limit also holds */
	sg_buf_init(&b, 1000);
	capture_start(&err, 2);
	assert_false(cli_read_input(tmp_path("big"), SIZE_MAX, &b));
	free(capture_end(&err));
	sg_buf_free(&b);
	sg_buf_init(&b, SIZE_MAX);
	assert_true(cli_read_input(tmp_path("empty"), 0, &b));
	assert_int_equal(b.len, 0);
	sg_buf_free(&b);
}

static void test_read_input_errors(void **state)
{
	struct sg_buf b;
	struct capture err;
	char *text;
	size_t fds = open_fds();

	(void)state;
	sg_buf_init(&b, SIZE_MAX);
	capture_start(&err, 2);
	assert_false(cli_read_input(tmp_path("missing"), 100, &b));
	text = capture_end(&err);
	assert_non_null(strstr(text, "signet: cannot open "));
	assert_non_null(strstr(text, "missing: No such file or directory\n"));
	free(text);
	capture_start(&err, 2);
	assert_false(cli_read_input(tmpdir, 100, &b));		/* a directory */
	text = capture_end(&err);
	assert_non_null(strstr(text, "signet: cannot read "));
	assert_non_null(strstr(text, "Is a directory"));
	free(text);
	assert_int_equal(open_fds(), fds);
	sg_buf_free(&b);
}

static void test_read_stdin(void **state)
{
	int saved = dup(0), fd;
	struct sg_buf b;

	(void)state;
	write_file(tmp_path("in"), "from stdin\n", 11);
	fd = open(tmp_path("in"), O_RDONLY);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	sg_buf_init(&b, SIZE_MAX);
	assert_true(cli_read_input("-", 100, &b));
	assert_string_equal(sg_buf_cstr(&b), "from stdin\n");
	assert_true(fcntl(0, F_GETFD) != -1);		/* stdin stays open */
	sg_buf_free(&b);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
}

/* ---- cli_write_output ------------------------------------------------ */

static void test_write_output(void **state)
{
	const char *out = tmp_path("out.eml");
	struct stat st;
	char *text;
	size_t before;

	(void)state;
	unlink(out);
	before = entries_in_tmpdir();
	assert_true(cli_write_output(out, "first\r\n", 7));
	text = tu_read(out, NULL);
	assert_string_equal(text, "first\r\n");
	free(text);
	assert_int_equal(entries_in_tmpdir(), before + 1);	/* no temporary left */
	assert_int_equal(stat(out, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* replacing an existing file, and writing nothing */
	assert_true(cli_write_output(out, "second", 6));
	text = tu_read(out, NULL);
	assert_string_equal(text, "second");
	free(text);
	assert_true(cli_write_output(out, "", 0));
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(entries_in_tmpdir(), before + 1);
	unlink(out);
}

static void test_write_stdout(void **state)
{
	struct capture cap;
	char *text;

	(void)state;
	capture_start(&cap, 1);
	assert_true(cli_write_output(NULL, "to stdout;", 10));
	assert_true(cli_write_output("-", "dash", 4));
	text = capture_end(&cap);
	assert_string_equal(text, "to stdout;dash");
	free(text);
}

static void test_write_errors(void **state)
{
	struct capture err;
	char *text, longpath[5000];
	size_t fds = open_fds();

	(void)state;
	capture_start(&err, 2);
	assert_false(cli_write_output(tmp_path("no-such-dir/out"), "x", 1));
	text = capture_end(&err);
	assert_non_null(strstr(text, "signet: cannot create "));
	free(text);
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	capture_start(&err, 2);
	assert_false(cli_write_output(longpath, "x", 1));
	text = capture_end(&err);
	assert_non_null(strstr(text, "signet: output path too long"));
	free(text);
	assert_int_equal(open_fds(), fds);
}

/* A write that fails half way (RLIMIT_FSIZE, SIGXFSZ ignored: EFBIG):
 * false, the old file untouched, no temporary, no descriptor left. */
static void test_write_fails_half_way(void **state)
{
	const char *out = tmp_path("keep.eml");
	struct rlimit old, small = { 100, 100 };
	struct capture err;
	char data[1000], *text;
	size_t fds, before;

	(void)state;
	memset(data, 'd', sizeof(data));
	write_file(out, "old content", 11);
	before = entries_in_tmpdir();
	fds = open_fds();
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	capture_start(&err, 2);
	assert_false(cli_write_output(out, data, sizeof(data)));
	text = capture_end(&err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_non_null(strstr(text, "signet: cannot write "));
	free(text);
	text = tu_read(out, NULL);
	assert_string_equal(text, "old content");
	free(text);
	assert_int_equal(entries_in_tmpdir(), before);
	assert_int_equal(open_fds(), fds);
}

/* ---- messages -------------------------------------------------------- */

static int no_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void test_fail_and_usage(void **state)
{
	const struct cli_command cmd = { "demo", no_run, "a demo", "signet demo [-x] FILE" };
	struct capture err;
	char *text;

	(void)state;
	capture_start(&err, 2);
	assert_int_equal(cli_fail("bad %s %d", "thing", 42), CLI_EXIT_USAGE);
	text = capture_end(&err);
	assert_string_equal(text, "signet: bad thing 42\n");
	free(text);
	capture_start(&err, 2);
	assert_int_equal(cli_usage(&cmd, "unknown option -%c", 'q'), CLI_EXIT_USAGE);
	text = capture_end(&err);
	assert_string_equal(text, "signet demo: unknown option -q\nusage: signet demo [-x] FILE\n");
	free(text);
	capture_start(&err, 2);
	assert_int_equal(cli_usage(&cmd, NULL), CLI_EXIT_USAGE);
	text = capture_end(&err);
	assert_string_equal(text, "usage: signet demo [-x] FILE\n");
	free(text);
	assert_int_equal(CLI_EXIT_OK, 0);
	assert_int_equal(CLI_EXIT_FAIL, 1);
	assert_int_equal(CLI_EXIT_USAGE, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_line_ends_limit),
		cmocka_unit_test(test_read_input),
		cmocka_unit_test(test_read_input_errors),
		cmocka_unit_test(test_read_stdin),
		cmocka_unit_test(test_write_output),
		cmocka_unit_test(test_write_stdout),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_write_fails_half_way),
		cmocka_unit_test(test_fail_and_usage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
