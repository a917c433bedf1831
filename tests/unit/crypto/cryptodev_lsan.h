/*
 * NAME
 *   cryptodev_lsan.h - LeakSanitizer settings for test programs that run
 *                      the cryptodev backend on crypto_openssl
 *
 * SUMMARY
 *   DPDK 22.11's crypto_openssl PMD never frees the EVP_PKEY and BIGNUMs
 *   it builds for each RSA session (its session clear frees only the
 *   EVP_PKEY_CTX), so every program that signs on that vdev leaks a few
 *   hundred bytes per session. In sanitizer builds this header names that
 *   leak, and only it: stacks passing through the PMD's library. The
 *   stacks must be whole for that (libcrypto has no frame pointers, so
 *   the fast unwinder stops inside it): malloc stacks use the slow
 *   unwinder, which makes these test programs about twice as slow under
 *   ASan. It defines the sanitizer hooks, so a program includes it once
 *   and defines no hooks of its own. Nothing in other builds.
 */
#ifndef SIGNET_TEST_CRYPTODEV_LSAN_H
#define SIGNET_TEST_CRYPTODEV_LSAN_H

#if defined(__SANITIZE_ADDRESS__)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:librte_crypto_openssl.so\n";
}
#endif

#endif
