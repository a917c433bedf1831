/*
 * NAME
 *   test_secmem.c - unit tests for crypto/secmem.c
 *
 * SUMMARY
 *   Without permission to lock memory (a child process as an ordinary user
 *   with RLIMIT_MEMLOCK 0) sg_secmem_init reports false, yet the heap,
 *   secbufs, slab objects and key loading still work. With permission:
 *   init succeeds and is idempotent; RSA private numbers and Ed25519
 *   seeds then live in the secure heap (CRYPTO_secure_used grows on load,
 *   shrinks on free); a secbuf is page-aligned, writable, marked "dd"
 *   (MADV_DONTDUMP) and "lo" (locked) in /proc/self/smaps, and unmapped on
 *   free.
 *   The object slab: sg_secobj_alloc gives zeroed, 64-byte aligned,
 *   disjoint objects; 1,000 objects of ifma's 2,800 bytes fill 11 chunks
 *   (sg_secobj_count) and add about a dozen mappings (not 1,000), marked
 *   "dd" and "lo", all gone once the objects are freed; a freed object is
 *   wiped (the next allocation gets the same slot back and finds zeros);
 *   objects of different sizes do not share a chunk; large objects get
 *   their own pages; four threads allocating and freeing at once never
 *   get overlapping objects.
 */
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "keyfiles.h"
#include "proc_maps.h"
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
	buf = sg_secobj_alloc(2800);	/* the slab works unlocked too */
	if (buf == NULL)
		return 5;
	memset(buf, 0x5a, 2800);
	sg_secobj_free(buf, 2800);
	if (sg_secobj_count(NULL) != 0)
		return 6;
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

/* The VmFlags line of the smaps entry that holds p, or "" if none. */
static void vmflags_of(const void *p, char *out, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	uintptr_t at = (uintptr_t)p;
	char line[256];
	bool in = false;

	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t range = strspn(line, "0123456789abcdef-");
		unsigned long lo, hi;

		if (range > 0 && line[range] == ' ')	/* "start-end perms ..." header */
			in = sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= at && at < hi;
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, cap, "%s", line + 8);
			break;
		}
	}
	fclose(f);
}

static bool is_mapped(const void *p)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char vec;
	void *base = (void *)((uintptr_t)p & ~(uintptr_t)(page - 1));

	if (mincore(base, (size_t)page, &vec) == 0)
		return true;
	assert_int_equal(errno, ENOMEM);
	return false;
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

#define PREP_BYTES 2800		/* sizeof(struct ifma_key_prep) */
#define MANY 1000

static void assert_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			fail_msg("byte %zu of %zu is %#x", i, n, p[i]);
}

static void test_secobj_basics(void **state)
{
	uint8_t *a, *b, *c;

	(void)state;
	assert_null(sg_secobj_alloc(0));
	sg_secobj_free(NULL, 100);
	a = sg_secobj_alloc(PREP_BYTES);
	b = sg_secobj_alloc(PREP_BYTES);
	c = sg_secobj_alloc(100);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((uintptr_t)a % SG_SECOBJ_ALIGN, 0);
	assert_int_equal((uintptr_t)b % SG_SECOBJ_ALIGN, 0);
	assert_int_equal((uintptr_t)c % SG_SECOBJ_ALIGN, 0);
	assert_zero(a, PREP_BYTES);
	assert_zero(b, PREP_BYTES);
	assert_zero(c, 100);
	/* Disjoint: filling one leaves the others as they were. */
	memset(a, 0x11, PREP_BYTES);
	memset(c, 0x33, 100);
	assert_zero(b, PREP_BYTES);
	memset(b, 0x22, PREP_BYTES);
	for (size_t i = 0; i < PREP_BYTES; i++)
		assert_int_equal(a[i], 0x11);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(c[i], 0x33);
	/* Another size is not carved from the 2,800-byte chunk. */
	assert_true((uintptr_t)c / (256 * 1024) != (uintptr_t)a / (256 * 1024));
	sg_secobj_free(a, PREP_BYTES);
	sg_secobj_free(b, PREP_BYTES);
	sg_secobj_free(c, 100);
}

static void test_secobj_packs(void **state)
{
	static uint8_t *obj[MANY];
	size_t before = pm_count_mappings(), grown, chunks0, chunks;
	size_t live = sg_secobj_count(&chunks0);
	char flags[256];

	(void)state;
	for (size_t i = 0; i < MANY; i++) {
		obj[i] = sg_secobj_alloc(PREP_BYTES);
		assert_non_null(obj[i]);
		memset(obj[i], (int)(i % 251) + 1, PREP_BYTES);
	}
	assert_int_equal(sg_secobj_count(&chunks), live + MANY);
	assert_int_equal(chunks - chunks0, (MANY + 91) / 92);	/* 92 slots of 2,816 bytes */
	grown = pm_count_mappings() - before;
	/* 92 objects to a 256 KiB chunk: 11 chunks (a page each: 1,000). */
	if (grown > MANY / 50)
		fail_msg("%d objects added %zu mappings", MANY, grown);
	for (size_t i = 0; i < MANY; i++)
		for (size_t j = 0; j < PREP_BYTES; j += 97)
			assert_int_equal(obj[i][j], (int)(i % 251) + 1);
	vmflags_of(obj[MANY - 1], flags, sizeof(flags));
	assert_non_null(strstr(flags, " dd"));
#ifndef __SANITIZE_ADDRESS__	/* AddressSanitizer turns mlock() into a no-op */
	if (may_lock(4 * 1024 * 1024))
		assert_non_null(strstr(flags, " lo"));
#endif
	for (size_t i = 0; i < MANY; i++)
		sg_secobj_free(obj[i], PREP_BYTES);
	assert_int_equal(sg_secobj_count(&chunks), live);
	assert_int_equal(chunks, chunks0);
	assert_int_equal(pm_count_mappings(), before);
	assert_false(is_mapped(obj[0]));
	assert_false(is_mapped(obj[MANY - 1]));
}

/* A freed object is wiped: the lowest free slot is handed out next, so
 * the next allocation of the size gets the same memory back. */
static void test_secobj_wipes_on_free(void **state)
{
	uint8_t *keep = sg_secobj_alloc(PREP_BYTES);	/* keeps the chunk mapped */
	uint8_t *a = sg_secobj_alloc(PREP_BYTES), *b;
	uintptr_t where = (uintptr_t)a;

	(void)state;
	assert_non_null(keep);
	assert_non_null(a);
	memset(a, 0xa5, PREP_BYTES);
	sg_secobj_free(a, PREP_BYTES);
	b = sg_secobj_alloc(PREP_BYTES);
	assert_int_equal((uintptr_t)b, where);
	assert_zero(b, PREP_BYTES);
	sg_secobj_free(b, PREP_BYTES);
	sg_secobj_free(keep, PREP_BYTES);
}

static void test_secobj_large(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t n = 20000;
	uint8_t *p = sg_secobj_alloc(n);

	(void)state;
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (uintptr_t)page, 0);
	assert_zero(p, n);
	memset(p, 0x5a, n);
	sg_secobj_free(p, n);
	assert_false(is_mapped(p));
}

#define THREADS 4
#define ROUNDS 3000
#define HELD 40

/* Allocates and frees objects of ifma's size, each filled with the
 * thread's mark, checking the marks before every free. */
static void *churn(void *arg)
{
	uint8_t mark = (uint8_t)(uintptr_t)arg;
	uint8_t *held[HELD] = { 0 };
	uintptr_t bad = 0;

	for (unsigned r = 0; r < ROUNDS; r++) {
		unsigned i = (r * 7 + mark) % HELD;

		if (held[i] != NULL) {
			for (size_t j = 0; j < PREP_BYTES; j++)
				bad |= held[i][j] != mark;
			sg_secobj_free(held[i], PREP_BYTES);
		}
		held[i] = sg_secobj_alloc(PREP_BYTES);
		if (held[i] == NULL)
			return (void *)1;
		memset(held[i], mark, PREP_BYTES);
	}
	for (unsigned i = 0; i < HELD; i++)
		sg_secobj_free(held[i], PREP_BYTES);
	return (void *)bad;
}

static void *idle(void *arg)
{
	return arg;
}

static void test_secobj_threads(void **state)
{
	pthread_t t[THREADS];
	size_t before;

	(void)state;
	/* glibc keeps the stacks of joined threads for reuse: map them first. */
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, idle, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	before = pm_count_mappings();
	for (uintptr_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
	for (int i = 0; i < THREADS; i++) {
		void *bad = (void *)1;

		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
	assert_int_equal(pm_count_mappings(), before);
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
		cmocka_unit_test(test_secobj_basics),
		cmocka_unit_test(test_secobj_packs),
		cmocka_unit_test(test_secobj_wipes_on_free),
		cmocka_unit_test(test_secobj_large),
		cmocka_unit_test(test_secobj_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
