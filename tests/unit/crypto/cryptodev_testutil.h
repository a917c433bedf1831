/*
 * NAME
 *   cryptodev_testutil.h - helpers shared by the cryptodev backend tests
 *
 * SUMMARY
 *   ct_skip_unless_available() returns 77 (meson's "skipped") when the
 *   cryptodev backend cannot run here: DPDK not built in (the probe says
 *   why), or the crypto_openssl vdev does not start. The start is tried in
 *   a child process, so the test process itself has not started the DPDK
 *   EAL yet (tests that need a fresh process fork before it does).
 *   ct_open(spec) opens a backend and fails the test with the reason when
 *   it cannot; ct_info(b) returns its sg_cryptodev_info. ct_child_run(fn)
 *   runs fn in a child process and fails the test unless it returns 0;
 *   children report what went wrong on stderr. ct_child_fail prints a
 *   reason and returns 1, for child code that cannot use cmocka asserts.
 *   It brings cryptodev_lsan.h (the PMD's known leak, in ASan builds).
 *   Header-only; include after testutil.h and backend_suite.h.
 */
#ifndef SIGNET_TEST_CRYPTODEV_TESTUTIL_H
#define SIGNET_TEST_CRYPTODEV_TESTUTIL_H

#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "backend_cryptodev.h"
#include "cryptodev_lsan.h"

static inline int ct_skip_unless_available(const char *test)
{
	char why[256] = "";
	int status = 0;
	pid_t pid;

	if (!sg_backend_cryptodev_ops.probe(NULL, why, sizeof(why))) {
		printf("# %s: cryptodev backend not available: %s\n", test, why);
		return 77;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct sg_backend *b = NULL;
		struct sg_error err;

		sg_error_clear(&err);
		if (sg_backend_open("cryptodev", &b, &err) != SG_OK) {
			printf("# %s: cryptodev backend does not start: %s\n", test, err.msg);
			fflush(stdout);
			_exit(1);
		}
		sg_backend_close(b);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 77;
	return 0;
}

static inline struct sg_backend *ct_open(const char *spec)
{
	struct sg_backend *b = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_backend_open(spec, &b, &err) != SG_OK)
		fail_msg("open %s: %s", spec, err.msg);
	return b;
}

static inline struct sg_cryptodev_info ct_info(const struct sg_backend *b)
{
	struct sg_cryptodev_info info;

	assert_true(sg_cryptodev_info(b, &info));
	return info;
}

static inline int ct_child_fail(const char *fmt, ...) SG_PRINTF(1, 2);
static inline int ct_child_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "child: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	return 1;
}

static inline void ct_child_run(const char *what, int (*fn)(void))
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc = fn();

		fflush(NULL);
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s: the child process failed (status 0x%x; its reason is above)", what,
			 status);
}

#endif
