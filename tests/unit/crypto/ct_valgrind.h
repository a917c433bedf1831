/*
 * NAME
 *   ct_valgrind.h - the harness of the valgrind constant-time tests
 *                   (test_ifma_ct.c, test_ifma_rsa_ct.c)
 *
 * SUMMARY
 *   ct_secret / ct_reveal mark memory undefined / defined for memcheck;
 *   CT_ERRORS_ADDED(stmt) is how many errors memcheck counted while stmt
 *   ran; ct_expect_clean fails the test when that is not 0; ct_rand64 is
 *   a xorshift generator over the caller's state (test data, not keys).
 *   ct_main(argc, argv, name, clean, nclean, leaky, nleaky) is the whole
 *   main(): run normally, it re-executes the program under
 *   `valgrind --error-exitcode=1 PROG --clean` and then under
 *   `valgrind PROG --leaky` (whose tests judge memcheck's counts
 *   themselves) and returns 0 when both exit 0, 1 otherwise, and 77
 *   (skipped) when valgrind is missing or the binary has AddressSanitizer
 *   (valgrind cannot run it). Under valgrind it runs the group named by
 *   the argument. Header-only, after testutil.h, in one test file each.
 */
#ifndef SIGNET_TESTS_CT_VALGRIND_H
#define SIGNET_TESTS_CT_VALGRIND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

#if defined(__SANITIZE_ADDRESS__)
#define CT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CT_UNDER_ASAN 1
#endif
#endif

#define CT_ERRORS_ADDED(stmt) __extension__ ({ \
	unsigned long before_ = VALGRIND_COUNT_ERRORS; \
	stmt; \
	VALGRIND_COUNT_ERRORS - before_; \
})

static inline uint64_t ct_rand64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static inline void ct_secret(void *p, size_t n)
{
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}

/* Results computed from secrets are secret too: declare them defined
 * before anyone looks at them. */
static inline void ct_reveal(void *p, size_t n)
{
	VALGRIND_MAKE_MEM_DEFINED(p, n);
}

static inline void ct_expect_clean(const char *what, unsigned long errors)
{
	if (errors != 0)
		fail_msg("%s: memcheck saw %lu secret-dependent branch(es) or address(es)"
			 " (see the valgrind report above)", what, errors);
}

/* Runs this program under valgrind with mode; its exit status or -1. */
static inline int ct_run_under_valgrind(const char *self, const char *mode,
					int error_exitcode)
{
	char exitcode[32];
	int status;
	pid_t pid;

	snprintf(exitcode, sizeof(exitcode), "--error-exitcode=%d", error_exitcode);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execlp("valgrind", "valgrind", "-q", "--tool=memcheck", exitcode, self, mode,
		       (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static inline int ct_main(int argc, char **argv, const char *name,
			  const struct CMUnitTest *clean, size_t nclean,
			  const struct CMUnitTest *leaky, size_t nleaky)
{
	char self[4096], group[64];
	ssize_t n;
	int rc_clean, rc_leaky;

	if (argc > 1 && RUNNING_ON_VALGRIND) {
		bool is_clean = strcmp(argv[1], "--clean") == 0;

		if (!is_clean && strcmp(argv[1], "--leaky") != 0)
			return 2;
		snprintf(group, sizeof(group), "%s_%s", name, is_clean ? "clean" : "leaky");
		return _cmocka_run_group_tests(group, is_clean ? clean : leaky,
					       is_clean ? nclean : nleaky, NULL, NULL);
	}
#ifdef CT_UNDER_ASAN
	printf("built with AddressSanitizer, which valgrind cannot run: skipped\n");
	return 77;
#endif
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		printf("cannot find this program's path: skipped\n");
		return 77;
	}
	self[n] = '\0';
	rc_clean = ct_run_under_valgrind(self, "--clean", 1);
	if (rc_clean == 127 || rc_clean < 0) {
		printf("valgrind not found or did not run (status %d): skipped\n", rc_clean);
		return 77;
	}
	/* Expected errors in the leaky run: its own verdict is the exit status. */
	rc_leaky = ct_run_under_valgrind(self, "--leaky", 0);
	printf("valgrind runs: clean exit %d (want 0), leaky exit %d (want 0)\n", rc_clean,
	       rc_leaky);
	return rc_clean == 0 && rc_leaky == 0 ? 0 : 1;
}

#endif
