/*
 * NAME
 *   test_signetctl.c - unit tests for control/ctl/signetctl.c: the built
 *                      program ($SIGNETCTL, set by meson) run as a user
 *                      would, its exit status, stdout and stderr checked
 *
 * SUMMARY
 *   --help, --version, --print-reference and --print-man (the same bytes
 *   as ctl_print_reference), each 0; output to a full disk (/dev/full) is
 *   status 1 with one line on stderr (a usage error stays 2). Usage errors are 2 with one line on stderr and nothing on
 *   stdout: unknown option, bad --timeout, empty socket path, a config
 *   that does not load. Against the fake daemon: one command (0), a
 *   refusal (1), a failed dns test (1), a typing error (2, no daemon
 *   needed), no daemon (2); $SIGNET_SOCKET used when there is no -s;
 *   commands from standard input (the worst status; an empty input needs
 *   no daemon).
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_testutil.h"
#include "fake_daemon.h"

struct ran {
	int status;
	char *out, *err;
};

static const char *program(void)
{
	const char *path = getenv("SIGNETCTL");

	if (path == NULL || access(path, X_OK) != 0)
		fail_msg("SIGNETCTL must name the signetctl binary (run through meson test)");
	return path;
}

static void child(const char *in, const char *out, const char *err, const char *socket_env,
		  char **argv)
{
	int fd_in = open(in, O_RDONLY), fd_out = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int fd_err = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd_in < 0 || fd_out < 0 || fd_err < 0 || dup2(fd_in, 0) < 0 || dup2(fd_out, 1) < 0 ||
	    dup2(fd_err, 2) < 0)
		_exit(99);
	if (socket_env != NULL)
		setenv("SIGNET_SOCKET", socket_env, 1);
	else
		unsetenv("SIGNET_SOCKET");
	execv(argv[0], argv);
	_exit(98);
}

/* Runs signetctl with args (NULL-terminated), input as standard input
 * ("" for empty), stdout to out_path (NULL: a file read back). */
static struct ran run_full(const char *input, const char *out_path, const char *socket_env,
			   const char *const *args)
{
	char dir[] = "/tmp/signetctl-main-XXXXXX", in[64], out[64], err[64];
	char *argv[24] = { (char *)program() };
	struct ran r = { 0 };
	FILE *f;
	pid_t pid;

	assert_non_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	f = fopen(in, "w");
	assert_non_null(f);
	fputs(input, f);
	fclose(f);
	for (size_t i = 0; args[i] != NULL && i < 22; i++)
		argv[i + 1] = (char *)args[i];
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(in, out_path != NULL ? out_path : out, err, socket_env, argv);
	assert_int_equal(waitpid(pid, &r.status, 0), pid);
	assert_true(WIFEXITED(r.status));
	r.status = WEXITSTATUS(r.status);
	r.out = out_path != NULL ? strdup("") : tu_read(out, NULL);
	r.err = tu_read(err, NULL);
	unlink(in);
	unlink(out);
	unlink(err);
	rmdir(dir);
	return r;
}

#define RUN(input, ...) run_full((input), NULL, NULL, (const char *const[]){ __VA_ARGS__, NULL })

static void ran_free(struct ran *r)
{
	free(r->out);
	free(r->err);
}

static void expect(struct ran r, int status, const char *out_prefix, const char *err)
{
	if (r.status != status)
		fail_msg("status %d, expected %d; stderr: %s", r.status, status, r.err);
	ctl_tu_starts_with(r.out, out_prefix);
	if (err != NULL)
		assert_string_equal(r.err, err);
	ran_free(&r);
}

static void test_information(void **state)
{
	char version[64], *md = ctl_tu_reference(CTL_DOC_MARKDOWN), *man = ctl_tu_reference(CTL_DOC_MAN);
	struct ran r;

	(void)state;
	expect(RUN("", "--help"), 0, "usage: " SG_CTL_SYNOPSIS "\n", "");
	snprintf(version, sizeof(version), "signetctl %s (control protocol %d)\n",
		 SG_CTL_VERSION, SG_PROTO_VERSION);
	r = RUN("", "-V");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, version);
	ran_free(&r);
	r = RUN("", "--print-reference");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, md);
	ran_free(&r);
	r = RUN("", "--print-man");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, man);
	ran_free(&r);
	free(md);
	free(man);
}

#define FULL "signetctl: cannot write to standard output\n"

/* Output that cannot be written is a failure, not a success. */
static void test_full_disk(void **state)
{
	(void)state;
	expect(run_full("", "/dev/full", NULL, (const char *const[]){ "--help", NULL }), 1, "",
	       FULL);
	expect(run_full("", "/dev/full", NULL,
			(const char *const[]){ "--print-reference", NULL }), 1, "", FULL);
	expect(run_full("", "/dev/full", "/nonexistent/s",
			(const char *const[]){ "help", NULL }), 1, "", FULL);
	/* a usage error keeps its status */
	expect(run_full("", "/dev/full", "/nonexistent/s",
			(const char *const[]){ "help", "nosuch", NULL }), 2, "", NULL);
}

static void test_usage_errors(void **state)
{
	(void)state;
	expect(RUN("", "--bogus"), 2, "",
	       "signetctl: unknown option --bogus (see signetctl --help)\n");
	expect(RUN("", "--timeout", "0", "version"), 2, "",
	       "signetctl: bad --timeout \"0\": whole seconds from 1 to 3600\n");
	expect(RUN("", "--json", "-s"), 2, "", "signetctl: option -s needs a value\n");
	expect(RUN("", "-s", "", "version"), 2, "", "signetctl: socket path \"\" is empty\n");
	expect(RUN("", "-c", "/nonexistent/signet.conf", "version"), 2, "", NULL);
	expect(RUN("", "-s", "/nonexistent/s", "selector", "create", "s1"), 2, "", NULL);
	expect(RUN("", "-s", "/nonexistent/s", "version"), 2, "",
	       "signetctl: cannot connect to /nonexistent/s: No such file or directory (is "
	       "signet-controld running?)\n");
}

static void test_against_daemon(void **state)
{
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_OK);
	expect(RUN("", "-s", f.path, "--json", "keycache", "list"), 0,
	       "{\"title\":\"echo\",\"message\":\"2 words\"", "");
	expect(RUN("", "-s", f.path, "selector", "show", "s1"), 1, "",
	       "signetctl: no selector \"s1\"\n");
	expect(RUN("", "-s", f.path, "dns", "test", "bad"), 1, "dns test\n", "");
	expect(RUN("", "-s", f.path, "dns", "test", "good"), 0, "dns test\n", "");
	expect(RUN("", "-s", f.path, "selector", "enable", "s1"), 2, "", NULL);
	expect(run_full("", NULL, f.path, (const char *const[]){ "version", NULL }), 0, "echo\n",
	       "");
	fake_stop(&f);
}

static void test_standard_input(void **state)
{
	struct fake f;

	(void)state;
	fake_start(&f, FAKE_OK);
	expect(RUN("version\n# comment\nselector show x\nworkers\n", "-s", f.path), 1, "echo\n",
	       "signetctl: line 3: no selector \"x\"\n");
	expect(RUN("version\nselector bogus\nselector show x\n", "-s", f.path), 2, "echo\n",
	       NULL);
	expect(RUN("\n# nothing to do\n", "-s", "/nonexistent/s"), 0, "", "");
	expect(RUN("", "-s", "/nonexistent/s"), 0, "", "");
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_information),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_against_daemon),
		cmocka_unit_test(test_standard_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
