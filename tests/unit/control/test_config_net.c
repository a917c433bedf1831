/*
 * NAME
 *   test_config_net.c - unit tests for control/config/config_net.c
 *
 * SUMMARY
 *   Listener addresses: IPv4 and bracketed IPv6 with ports 1 and 65535,
 *   refusals of host names, missing or extra brackets, ports 0, 65536,
 *   signs and over-long digit runs, and IPs inet_pton refuses. Network
 *   lists: separators (space, tab, comma, repeated), prefixes at the
 *   family's maximum and one over, and the offset and length of the first
 *   bad item.
 */
#include "testutil.h"

#include "config_values.h"

static void test_addresses(void **state)
{
	static const char *const good[] = {
		"127.0.0.1:1", "0.0.0.0:65535", "255.255.255.255:25", "[::1]:53", "[::]:80",
		"[2001:db8::1]:10025", "[::ffff:192.0.2.1]:25", "127.0.0.1:000001",
	};
	static const char *const bad[] = {
		"", ":25", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1:+1", "127.0.0.1:1234567", "127.0.0.1:25 ",
		" 127.0.0.1:25", "localhost:25", "127.1:25", "256.0.0.1:25", "::1:25",
		"[::1]", "[::1]:", "[::1]25", "[::1:25", "::1]:25", "[127.0.0.1]:25",
		"[[::1]]:25", "[::1]:2x", "[fe80::1%eth0]:25",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!sg_conf_address_valid(good[i]))
			fail_msg("refused %s", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sg_conf_address_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void test_loopback_addresses(void **state)
{
	static const char *const loop[] = {
		"127.0.0.1:9187", "127.255.255.254:1", "[::1]:9187", "[0:0:0:0:0:0:0:1]:80",
	};
	static const char *const other[] = {
		"0.0.0.0:9187", "10.0.0.1:80", "128.0.0.1:80", "[::]:80", "[::2]:80",
		"[::ffff:127.0.0.1]:80", "127.0.0.1", "1270.0.0.1:80", "",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
		if (!sg_conf_address_is_loopback(loop[i]))
			fail_msg("not loopback: %s", loop[i]);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (sg_conf_address_is_loopback(other[i]))
			fail_msg("loopback: \"%s\"", other[i]);
	}
}

static void expect_list(const char *s, bool ok, size_t off, size_t len)
{
	size_t bad_off = 999, bad_len = 999;

	if (sg_conf_network_list_valid(s, &bad_off, &bad_len) != ok)
		fail_msg("\"%s\": expected %s", s, ok ? "valid" : "invalid");
	if (!ok && (bad_off != off || bad_len != len))
		fail_msg("\"%s\": bad item at %zu+%zu, expected %zu+%zu", s, bad_off, bad_len,
			 off, len);
}

static void test_network_lists(void **state)
{
	(void)state;
	expect_list("", true, 0, 0);
	expect_list(" ,\t, ", true, 0, 0);
	expect_list("127.0.0.0/8 ::1/128", true, 0, 0);
	expect_list("10.0.0.1,10.0.0.0/0,\t::/0 , 2001:db8::/32", true, 0, 0);
	expect_list("0.0.0.0/32 ::/128", true, 0, 0);
	expect_list("0.0.0.0/33", false, 0, 10);
	expect_list("::1/128 ::/129", false, 8, 6);
	expect_list("10.0.0.0/8,10.0.0.0/", false, 11, 9);
	expect_list("10.0.0.0/8,/8", false, 11, 2);
	expect_list("10.0.0.0/08", true, 0, 0);
	expect_list("10.0.0.0/0000008", false, 0, 16);
	expect_list("10.0.0.0/8;10.1.0.0/16", false, 0, 22);
	expect_list("example.com", false, 0, 11);
	expect_list("10.0.0.0/8 10.0.0.0.1", false, 11, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_loopback_addresses),
		cmocka_unit_test(test_network_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
