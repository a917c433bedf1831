/*
 * NAME
 *   test_secmem.c - unit tests for crypto/secmem.c
 *
 * SUMMARY
 *   Without permission to lock memory (a child process as an ordinary user
 *   with RLIMIT_MEMLOCK 0) sg_secmem_init reports false, yet the heap,
 *   secbufs and key loading still work. With permission: init succeeds and
 *   is idempotent; RSA private numbers and Ed25519 seeds then live in the
 *   secure heap (CRYPTO_secure_used grows on load, shrinks on free); a
 *   secbuf is page-aligned, writable, marked "dd" (MADV_DONTDUMP) and "lo"
 *   (locked) in /proc/self/smaps, and unmapped on free.
 */
#include "testutil.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "keyfiles.h"
#include "key.h"
#include "secmem.h"

#define SEED_TEXT "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n"
#define NOBODY 65534

/* In the child: 0 = as expected, 77 = cannot set up, other = which check. */
static int child_without_mlock(void)
{
	struct rlimit zero = { 0, 0 };
	struct sg_privkey *k = NULL;
	char *buf;

	if (CRYPTO_secure_malloc_initialized())
		return 77;
	if (geteuid() == 0 && (setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
		return 77;
	if (setrlimit(RLIMIT_MEMLOCK, &zero) != 0)
		return 77;
	if (sg_secmem_init(64 * 1024))
		return 1;		/* must report the missing lock */
	if (!CRYPTO_secure_malloc_initialized())
		return 2;		/* but the heap is there */
	buf = sg_secbuf_alloc(100);
	if (buf == NULL)
		return 3;
	memcpy(buf, SEED_TEXT, strlen(SEED_TEXT));
	if (sg_privkey_load_mem(buf, strlen(SEED_TEXT), &k, NULL) != SG_OK)
		return 4;
	sg_privkey_free(k);
	sg_secbuf_free(buf, 100);
	return 0;
}

static void test_init_without_mlock_permission(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_without_mlock());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static bool may_lock(size_t bytes)
{
	struct rlimit rl;

	return geteuid() == 0 ||
	       (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
		(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= 2 * bytes));
}

static void test_init_idempotent(void **state)
{
	(void)state;
	assert_int_equal(sg_secmem_init(0), may_lock(SG_SECMEM_DEFAULT_BYTES));
	assert_true(CRYPTO_secure_malloc_initialized());
	assert_true(sg_secmem_init(0));
	assert_true(sg_secmem_init(12345));
}

static void test_keys_live_in_secure_heap(void **state)
{
	static const char *const keys[] = {
		"dkimpy/data/2048_testkey.key",		/* PKCS#1 */
		"dkimpy/data/2048_testkey_PKCS8.key",	/* PKCS#8 */
		"mail-dkim/test.ed.key",		/* PKCS#8 Ed25519 */
		"dkimpy/data/ed25519test.key",		/* base64 seed */
	};
	static const size_t at_least[] = { 5 * 128, 5 * 128, 32, 32 };

	(void)state;
	assert_true(CRYPTO_secure_malloc_initialized());
	/* The first signature (the load self-test) makes OpenSSL set up its
	 * private random generator in the secure heap, once: warm up. */
	sg_privkey_free(kf_load_testdata(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t before = CRYPTO_secure_used();
		struct sg_privkey *k = kf_load_testdata(keys[i]);

		if (CRYPTO_secure_used() < before + at_least[i])
			fail_msg("%s: secure heap grew by %zu bytes", keys[i],
				 CRYPTO_secure_used() - before);
		sg_privkey_free(k);
		assert_int_equal(CRYPTO_secure_used(), before);
	}
}

/* The VmFlags line of the smaps entry that starts at p, or "" if none. */
static void vmflags_of(const void *p, char *out, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256], want[64];
	bool in = false;

	assert_non_null(f);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)p);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t range = strspn(line, "0123456789abcdef-");

		if (range > 0 && line[range] == ' ')	/* "start-end perms ..." header */
			in = strncmp(line, want, strlen(want)) == 0;
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, cap, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}

/* The daemons' heap: half of the soft RLIMIT_MEMLOCK, a power of two,
 * within [1 MiB, 64 MiB]. Only the soft limit is changed (always allowed
 * below the hard one) and it is put back. */
static void daemon_bytes_at(rlim_t soft, size_t want)
{
	struct rlimit old, rl;

	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
	if (old.rlim_max != RLIM_INFINITY && soft != RLIM_INFINITY && soft > old.rlim_max)
		return;		/* cannot raise past the hard limit here */
	if (soft == RLIM_INFINITY && old.rlim_max != RLIM_INFINITY)
		return;
	rl = old;
	rl.rlim_cur = soft;
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	assert_int_equal(sg_secmem_daemon_bytes(), want);
	assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &old), 0);
}

static void test_daemon_bytes(void **state)
{
	(void)state;
	daemon_bytes_at(0, SG_SECMEM_DEFAULT_BYTES);
	daemon_bytes_at(64 * 1024, SG_SECMEM_DEFAULT_BYTES);
	daemon_bytes_at(8 * 1024 * 1024, 4 * 1024 * 1024);
	daemon_bytes_at(8 * 1024 * 1024 - 1, 2 * 1024 * 1024);
	daemon_bytes_at(12 * 1024 * 1024, 4 * 1024 * 1024);
	daemon_bytes_at(128 * 1024 * 1024, SG_SECMEM_DAEMON_MAX_BYTES);
	daemon_bytes_at(1024ULL * 1024 * 1024, SG_SECMEM_DAEMON_MAX_BYTES);
	daemon_bytes_at(RLIM_INFINITY, SG_SECMEM_DAEMON_MAX_BYTES);
}

static void test_secbuf(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	char flags[256];
	uint8_t *p;

	(void)state;
	assert_null(sg_secbuf_alloc(0));
	sg_secbuf_free(NULL, 100);

	p = sg_secbuf_alloc(5000);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (uintptr_t)page, 0);
	for (size_t i = 0; i < 5000; i++)
		assert_int_equal(p[i], 0);	/* fresh anonymous pages */
	memset(p, 0xa5, 5000);
	vmflags_of(p, flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
#ifndef __SANITIZE_ADDRESS__	/* AddressSanitizer turns mlock() into a no-op */
	if (may_lock(5000))
		assert_non_null(strstr(flags, " lo"));
#endif
	sg_secbuf_free(p, 5000);
	vmflags_of(p, flags, sizeof(flags));
	assert_string_equal(flags, "");		/* unmapped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: it needs a process whose secure heap is not set up yet. */
		cmocka_unit_test(test_init_without_mlock_permission),
		cmocka_unit_test(test_init_idempotent),
		cmocka_unit_test(test_keys_live_in_secure_heap),
		cmocka_unit_test(test_daemon_bytes),
		cmocka_unit_test(test_secbuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
