/*
 * NAME
 *   test_sd_net.c - unit tests for dataplane/signetd/sd_net.c
 *
 * SUMMARY
 *   Addresses: IPv4 and IPv6 with ports, port 0 / 65536 / letters, host
 *   names, missing brackets, empty parts. Network lists: the default
 *   relay_hosts, hosts and prefixes at every boundary (/0, /7 with a
 *   partial byte, /32, /128), host bits in the network ignored, commas and
 *   tabs, IPv4-mapped IPv6 clients, the other family never matching, bad
 *   items named with their offset, the item-length and list-size limits,
 *   the empty list (matches nothing).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "testutil.h"

#include "sd_net.h"

static struct sockaddr_storage addr_of(const char *ip)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		a6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &a6->sin6_addr), 1);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

		a4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &a4->sin_addr), 1);
	}
	return ss;
}

static bool in_list(const char *list, const char *ip)
{
	struct sd_netlist l;
	struct sockaddr_storage ss = addr_of(ip);
	struct sg_error err;
	bool hit;

	assert_int_equal(sd_netlist_parse(list, &l, &err), SG_OK);
	hit = sd_netlist_match(&l, (struct sockaddr *)&ss);
	sd_netlist_free(&l);
	return hit;
}

static void test_addresses(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct sg_error err;
	char text[64];

	(void)state;
	assert_int_equal(sd_addr_parse("127.0.0.1:2525", &ss, &len, &err), SG_OK);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_string_equal(sd_addr_text((struct sockaddr *)&ss, text, sizeof(text)),
			    "127.0.0.1:2525");
	assert_int_equal(sd_addr_parse("[::1]:65535", &ss, &len, &err), SG_OK);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_string_equal(sd_addr_text((struct sockaddr *)&ss, text, sizeof(text)),
			    "[::1]:65535");
	assert_int_equal(sd_addr_parse("0.0.0.0:1", &ss, &len, &err), SG_OK);
	assert_int_equal(sd_addr_parse("127.0.0.1:0", &ss, &len, &err), SG_E_SYNTAX);
	assert_non_null(strstr(err.msg, "127.0.0.1:0"));
	assert_int_equal(sd_addr_parse("127.0.0.1:65536", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("127.0.0.1:25a", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("127.0.0.1:", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("127.0.0.1", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse(":25", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("localhost:25", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("::1:25", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("[::1:25", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("[]:25", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("[127.0.0.1]:25", &ss, &len, &err), SG_E_SYNTAX);
	assert_int_equal(sd_addr_parse("", &ss, &len, &err), SG_E_SYNTAX);
}

static void test_default_list(void **state)
{
	const char *def = "127.0.0.0/8 ::1/128";

	(void)state;
	assert_true(in_list(def, "127.0.0.1"));
	assert_true(in_list(def, "127.255.255.255"));
	assert_false(in_list(def, "128.0.0.1"));
	assert_false(in_list(def, "126.255.255.255"));
	assert_true(in_list(def, "::1"));
	assert_false(in_list(def, "::2"));
	assert_true(in_list(def, "::ffff:127.0.0.9"));	/* mapped: IPv4 rules */
	assert_false(in_list(def, "::ffff:10.0.0.1"));
	assert_false(in_list("::1", "127.0.0.1"));
	assert_false(in_list("::1/128", "::ffff:127.0.0.1"));
}

static void test_prefixes(void **state)
{
	(void)state;
	assert_true(in_list("0.0.0.0/0", "203.0.113.7"));
	assert_false(in_list("0.0.0.0/0", "2001:db8::1"));
	assert_true(in_list("::/0", "2001:db8::1"));
	assert_true(in_list("10.1.2.3", "10.1.2.3"));
	assert_false(in_list("10.1.2.3", "10.1.2.4"));
	assert_true(in_list("10.1.2.3/32", "10.1.2.3"));
	/* /7: 2.0.0.0 - 3.255.255.255 (the network's host bits are ignored) */
	assert_true(in_list("3.9.9.9/7", "2.0.0.0"));
	assert_true(in_list("3.9.9.9/7", "3.255.255.255"));
	assert_false(in_list("3.9.9.9/7", "4.0.0.0"));
	assert_false(in_list("3.9.9.9/7", "1.255.255.255"));
	assert_true(in_list("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(in_list("2001:db8::/33", "2001:db8:8000::1"));
	assert_true(in_list("2001:db8::1/128", "2001:db8::1"));
	assert_false(in_list("2001:db8::1/128", "2001:db8::"));
	assert_true(in_list("192.0.2.0/24,\t198.51.100.0/24  ", "198.51.100.200"));
	assert_false(in_list("", "127.0.0.1"));
	assert_false(in_list(" , ", "127.0.0.1"));
}

static void test_bad_lists(void **state)
{
	struct sd_netlist l;
	struct sg_error err;
	char big[SD_NET_LIST_MAX * 12 + 16];
	size_t off = 0;

	(void)state;
	assert_int_equal(sd_netlist_parse("127.0.0.0/8 bogus", &l, &err), SG_E_SYNTAX);
	assert_int_equal(err.offset, 12);
	assert_non_null(strstr(err.msg, "\"bogus\" at offset 12"));
	assert_null(l.nets);
	assert_int_equal(sd_netlist_parse("10.0.0.0/33", &l, &err), SG_E_SYNTAX);
	assert_int_equal(sd_netlist_parse("::/129", &l, &err), SG_E_SYNTAX);
	assert_int_equal(sd_netlist_parse("10.0.0.0/", &l, &err), SG_E_SYNTAX);
	assert_int_equal(sd_netlist_parse("10.0.0.0/8x", &l, &err), SG_E_SYNTAX);
	assert_int_equal(sd_netlist_parse("10.0.0.0/-1", &l, &err), SG_E_SYNTAX);
	assert_int_equal(sd_netlist_parse("10.0.0.256", &l, &err), SG_E_SYNTAX);
	assert_int_equal(sd_netlist_parse("1111:2222:3333:4444:5555:6666:7777:8888:9999:"
					  "aaaa:bbbb:cccc:dddd", &l, &err), SG_E_SYNTAX);
	for (unsigned i = 0; i < SD_NET_LIST_MAX; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "10.%u.0.0 ", i % 250);
	assert_int_equal(sd_netlist_parse(big, &l, &err), SG_OK);
	assert_int_equal(l.n, SD_NET_LIST_MAX);
	sd_netlist_free(&l);
	snprintf(big + off, sizeof(big) - off, "10.0.0.1");
	assert_int_equal(sd_netlist_parse(big, &l, &err), SG_E_LIMIT);
	assert_null(l.nets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_default_list),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_bad_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
