/*
 * NAME
 *   test_cryptodev_port.c - the DPDK EAL and queue-pair side of the
 *                           cryptodev backend
 *
 * SUMMARY
 *   In fresh child processes (the EAL starts once per process): the first
 *   instance starts the EAL (the `signet` tool case), a second one joins
 *   it on the next queue pair; sg_cryptodev_eal_start starts it ahead of
 *   any instance and is idempotent, instances then only join; a device an
 *   application configured and started itself (2 queue pairs) is used as
 *   it is, its two queue pairs are handed out and a third instance is
 *   refused with SG_E_LIMIT, and closing does not stop it; bad eal=
 *   arguments name the EAL words in the error; the probe answers without
 *   starting the EAL (driver directory, option errors).
 *   In the test process: every queue pair of crypto_openssl can be
 *   claimed once, the next claim is refused, all come back after close;
 *   the queue-pair size is chosen by the first instance of a device and
 *   chosen anew after the last one closed; dev= picks a device by name and
 *   an unknown name is refused with the list of devices.
 *   Exits 77 when the backend cannot run here.
 */
#include "testutil.h"

#include <sched.h>

#include "cryptodev_testutil.h"

#if __has_include(<rte_cryptodev.h>)
#include <rte_cryptodev.h>
#include <rte_eal.h>
#define HAVE_DPDK_HEADERS 1
#endif

#define MAX_INSTANCES 65

/* Child helper: one RSA-1024 signature through b equals evp's. */
static int child_sign_check(struct sg_backend *b)
{
	struct sg_privkey *key = NULL;
	uint8_t digest[32] = "child signing check, 32 bytes..", sig[SG_SIG_MAX], ref[SG_SIG_MAX];
	size_t sig_len = 0, ref_len = 0;
	struct sg_error err;

	if (sg_privkey_generate(SG_KEY_RSA, 1024, &key, &err) != SG_OK ||
	    sg_backend_prepare(b, key, &err) != SG_OK ||
	    sg_backend_sign_one(b, key, SG_ALG_RSA_SHA256, digest, 32, sig, sizeof(sig), &sig_len,
				&err) != SG_OK ||
	    sg_privkey_sign(key, SG_ALG_RSA_SHA256, digest, 32, ref, sizeof(ref), &ref_len,
			    &err) != SG_OK)
		return ct_child_fail("signing: %s", err.msg);
	sg_privkey_free(key);
	if (sig_len != ref_len || memcmp(sig, ref, ref_len) != 0)
		return ct_child_fail("the device signature differs from evp's");
	return 0;
}

static int child_open(const char *spec, struct sg_backend **b, struct sg_cryptodev_info *info)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_backend_open(spec, b, &err) != SG_OK)
		return ct_child_fail("open %s: %s", spec, err.msg);
	if (!sg_cryptodev_info(*b, info))
		return ct_child_fail("%s: no cryptodev info", spec);
	return 0;
}

static int child_first_instance_starts_eal(void)
{
	struct sg_cryptodev_info i1, i2;
	struct sg_backend *b1 = NULL, *b2 = NULL;

	if (child_open("cryptodev", &b1, &i1) || child_open("cryptodev", &b2, &i2))
		return 1;
	if (!i1.eal_started || i2.eal_started)
		return ct_child_fail("eal_started: first %d, second %d", i1.eal_started,
				     i2.eal_started);
	if (i1.dev_id != i2.dev_id || i1.qp_id == i2.qp_id || i1.foreign)
		return ct_child_fail("queue pairs %u/%u on devices %u/%u", i1.qp_id, i2.qp_id,
				     i1.dev_id, i2.dev_id);
	if (child_sign_check(b1) || child_sign_check(b2))
		return 1;
	sg_backend_close(b1);
	sg_backend_close(b2);
	return 0;
}

static int child_eal_started_ahead(void)
{
	struct sg_cryptodev_info info;
	struct sg_backend *b = NULL;
	struct sg_error err;

	if (sg_cryptodev_eal_start(NULL, &err) != SG_OK ||
	    sg_cryptodev_eal_start("vdev=crypto_nosuch", &err) != SG_OK)
		return ct_child_fail("sg_cryptodev_eal_start: %s", err.msg);
	if (child_open("cryptodev", &b, &info))
		return 1;
	if (info.eal_started || strcmp(info.device, "crypto_openssl") != 0)
		return ct_child_fail("joined: eal_started %d, device %s", info.eal_started,
				     info.device);
	if (child_sign_check(b))
		return 1;
	sg_backend_close(b);
	return 0;
}

#ifdef HAVE_DPDK_HEADERS
/* What a daemon would do: start the EAL, configure and start the device. */
static int app_sets_up_device(void)
{
	char cpu[16];
	char *argv[] = {
		"app", "--no-huge", "--no-shconf", "--no-pci", "--no-telemetry",
		"--vdev=crypto_openssl", "--log-level=error", "-l", cpu, NULL,
	};
	struct rte_cryptodev_config conf = { .socket_id = SOCKET_ID_ANY, .nb_queue_pairs = 2 };
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 64 };

	snprintf(cpu, sizeof(cpu), "%d", sched_getcpu());
	if (rte_eal_init(9, argv) < 0 || rte_cryptodev_configure(0, &conf) != 0 ||
	    rte_cryptodev_queue_pair_setup(0, 0, &qp, SOCKET_ID_ANY) != 0 ||
	    rte_cryptodev_queue_pair_setup(0, 1, &qp, SOCKET_ID_ANY) != 0 ||
	    rte_cryptodev_start(0) != 0)
		return ct_child_fail("the application could not set up crypto_openssl");
	return 0;
}

static int child_device_set_up_by_the_application(void)
{
	struct sg_cryptodev_info i1, i2;
	struct sg_backend *b1 = NULL, *b2 = NULL, *b3 = NULL;
	struct sg_error err;

	if (app_sets_up_device() || child_open("cryptodev:qp=64", &b1, &i1) ||
	    child_open("cryptodev:qp=64", &b2, &i2))
		return 1;
	if (!i1.foreign || i1.eal_started || i1.queue_pairs != 2 || i1.qp_size != 64 ||
	    i1.qp_id != 0 || i2.qp_id != 1)
		return ct_child_fail("foreign %d, eal_started %d, %u queue pairs of %u, qp %u/%u",
				     i1.foreign, i1.eal_started, i1.queue_pairs, i1.qp_size,
				     i1.qp_id, i2.qp_id);
	if (sg_backend_open("cryptodev:qp=64", &b3, &err) != SG_E_LIMIT ||
	    strstr(err.msg, "all 2 queue pairs") == NULL)
		return ct_child_fail("a third instance: \"%s\"", err.msg);
	if (child_sign_check(b1) || child_sign_check(b2))
		return 1;
	sg_backend_close(b1);
	sg_backend_close(b2);
	/* Still running: not stopped by signet, so it signs again at once. */
	if (child_open("cryptodev:qp=64", &b1, &i1) || child_sign_check(b1))
		return 1;
	sg_backend_close(b1);
	return 0;
}
#endif

/* The EAL's usage text must not reach stdout (the signed message). */
static int child_bad_eal_arguments(void)
{
	struct sg_backend *b = NULL;
	struct sg_error err;
	FILE *out = tmpfile();

	if (out == NULL || dup2(fileno(out), STDOUT_FILENO) < 0)
		return ct_child_fail("cannot capture stdout");
	sg_error_clear(&err);
	if (sg_backend_open("cryptodev:eal=--no-such-option", &b, &err) == SG_OK ||
	    strstr(err.msg, "cannot start the DPDK EAL with \"--no-such-option -l ") == NULL)
		return ct_child_fail("bad EAL arguments: \"%s\"", err.msg);
	fflush(stdout);
	if (ftell(out) != 0 || lseek(STDOUT_FILENO, 0, SEEK_END) != 0)
		return ct_child_fail("the EAL wrote %ld bytes on stdout",
				     (long)lseek(STDOUT_FILENO, 0, SEEK_END));
	/* DPDK lets a start that failed on its arguments be tried again. */
	return child_first_instance_starts_eal();
}

static int child_probe_without_eal(void)
{
	char why[256] = "";

	if (sg_backend_cryptodev_ops.probe("vdev=crypto_nosuch", why, sizeof(why)) ||
	    strstr(why, "no DPDK driver for vdev \"crypto_nosuch\"") == NULL)
		return ct_child_fail("probe of a missing driver: \"%s\"", why);
	if (sg_backend_cryptodev_ops.probe("qp=3", why, sizeof(why)) ||
	    strstr(why, "power of two") == NULL)
		return ct_child_fail("probe of a bad option: \"%s\"", why);
	if (!sg_backend_cryptodev_ops.probe(NULL, why, sizeof(why)) ||
	    !sg_backend_cryptodev_ops.probe("vdev=crypto_openssl_5", why, sizeof(why)) ||
	    !sg_backend_cryptodev_ops.probe("eal=-l 0", why, sizeof(why)))
		return ct_child_fail("probe: \"%s\"", why);
	/* None of that started the EAL: an instance still starts it now. */
	return child_first_instance_starts_eal();
}

static void test_first_instance_starts_eal(void **state)
{
	(void)state;
	ct_child_run("first instance", child_first_instance_starts_eal);
}

static void test_eal_started_ahead(void **state)
{
	(void)state;
	ct_child_run("EAL started ahead", child_eal_started_ahead);
}

static void test_device_set_up_by_the_application(void **state)
{
	(void)state;
#ifdef HAVE_DPDK_HEADERS
	ct_child_run("application's device", child_device_set_up_by_the_application);
#else
	skip();
#endif
}

static void test_bad_eal_arguments(void **state)
{
	(void)state;
	ct_child_run("bad EAL arguments", child_bad_eal_arguments);
}

static void test_probe_without_eal(void **state)
{
	(void)state;
	ct_child_run("probe", child_probe_without_eal);
}

static void test_every_queue_pair_once(void **state)
{
	struct sg_backend *b[MAX_INSTANCES] = { NULL };
	struct sg_cryptodev_info info;
	struct sg_error err;
	size_t n = 0;

	(void)state;
	sg_error_clear(&err);
	while (n < MAX_INSTANCES && sg_backend_open("cryptodev", &b[n], &err) == SG_OK)
		n++;
	assert_true(n > 1 && n < MAX_INSTANCES);
	info = ct_info(b[0]);
	assert_int_equal(n, info.queue_pairs);
	assert_int_equal(err.code, SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "queue pairs of device \"crypto_openssl\" are in use"));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ct_info(b[i]).qp_id, i);
		sg_backend_close(b[i]);
	}
	b[0] = ct_open("cryptodev");
	assert_int_equal(ct_info(b[0]).qp_id, 0);
	sg_backend_close(b[0]);
}

static void test_qp_size_chosen_by_the_first(void **state)
{
	struct sg_backend *a = ct_open("cryptodev:qp=16"), *b = ct_open("cryptodev:qp=64");

	(void)state;
	assert_int_equal(ct_info(a).qp_size, 16);
	assert_int_equal(ct_info(b).qp_size, 16);
	assert_int_equal(sg_backend_capacity(b), 16);
	sg_backend_close(a);
	sg_backend_close(b);
	b = ct_open("cryptodev:qp=64");
	assert_int_equal(ct_info(b).qp_size, 64);
	assert_int_equal(sg_backend_capacity(b), 64);
	sg_backend_close(b);
}

static void test_device_by_name(void **state)
{
	struct sg_backend *b = ct_open("cryptodev:dev=crypto_openssl");
	struct sg_error err;
	char why[256];

	(void)state;
	assert_string_equal(ct_info(b).device, "crypto_openssl");
	sg_backend_close(b);
	b = NULL;
	sg_error_clear(&err);
	assert_int_not_equal(sg_backend_open("cryptodev:dev=nosuch", &b, &err), SG_OK);
	assert_null(b);
	assert_non_null(strstr(err.msg, "no device named \"nosuch\" (devices: crypto_openssl)"));
	assert_false(sg_backend_cryptodev_ops.probe("dev=nosuch", why, sizeof(why)));
	assert_non_null(strstr(why, "no device named \"nosuch\""));
	assert_true(sg_backend_cryptodev_ops.probe(NULL, why, sizeof(why)));
}

int main(void)
{
	/* The child-process tests come first: they need a process without EAL. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_instance_starts_eal),
		cmocka_unit_test(test_eal_started_ahead),
		cmocka_unit_test(test_device_set_up_by_the_application),
		cmocka_unit_test(test_bad_eal_arguments),
		cmocka_unit_test(test_probe_without_eal),
		cmocka_unit_test(test_every_queue_pair_once),
		cmocka_unit_test(test_qp_size_chosen_by_the_first),
		cmocka_unit_test(test_device_by_name),
	};
	int rc = ct_skip_unless_available("cryptodev_port");

	if (rc != 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
