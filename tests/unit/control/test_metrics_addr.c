/*
 * NAME
 *   test_metrics_addr.c - unit tests for control/stats/metrics_addr.c
 *
 * SUMMARY
 *   Loopback addresses accepted (127.0.0.1, 127.1.2.3, [::1] in two
 *   spellings, ports 0 and 65535) with the right family and port;
 *   refused: any, public and IPv4-mapped addresses, names, missing or bad
 *   ports, unbalanced brackets, empty and over-long text, each with an
 *   error naming the address and the problem.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "metrics_addr.h"

static void accept_addr(const char *text, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_metrics_parse_listen(text, &ss, &len, &err) != SG_OK)
		fail_msg("%s refused: %s", text, err.msg);
	assert_int_equal(ss.ss_family, family);
	if (family == AF_INET) {
		assert_int_equal(len, sizeof(struct sockaddr_in));
		assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), port);
	} else {
		assert_int_equal(len, sizeof(struct sockaddr_in6));
		assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), port);
	}
}

static void refuse_addr(const char *text, enum sg_err code, const char *why)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	struct sg_error err;

	sg_error_clear(&err);
	assert_int_equal(sg_metrics_parse_listen(text, &ss, &len, &err), code);
	if (strstr(err.msg, why) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", text, err.msg, why);
}

static void test_loopback_accepted(void **state)
{
	(void)state;
	accept_addr("127.0.0.1:9187", AF_INET, 9187);
	accept_addr("127.1.2.3:0", AF_INET, 0);
	accept_addr("127.0.0.1:65535", AF_INET, 65535);
	accept_addr("[::1]:9187", AF_INET6, 9187);
	accept_addr("[0:0:0:0:0:0:0:1]:80", AF_INET6, 80);
}

static void test_refused(void **state)
{
	char big[200];

	(void)state;
	refuse_addr("0.0.0.0:9187", SG_E_SYNTAX, "\"0.0.0.0:9187\": not a loopback address");
	refuse_addr("192.0.2.1:9187", SG_E_SYNTAX, "not a loopback address");
	refuse_addr("[::]:9187", SG_E_SYNTAX, "not a loopback address");
	refuse_addr("[::ffff:127.0.0.1]:9187", SG_E_SYNTAX, "not a loopback address");
	refuse_addr("localhost:9187", SG_E_SYNTAX, "not a numeric IPv4 address");
	refuse_addr("127.1:9187", SG_E_SYNTAX, "not a numeric IPv4 address");
	refuse_addr("[localhost]:9187", SG_E_SYNTAX, "not a numeric IPv6 address");
	refuse_addr("127.0.0.1", SG_E_SYNTAX, "no \":PORT\"");
	refuse_addr("127.0.0.1:", SG_E_SYNTAX, "the port is not a number");
	refuse_addr("127.0.0.1:65536", SG_E_SYNTAX, "the port is not a number");
	refuse_addr("127.0.0.1:+80", SG_E_SYNTAX, "the port is not a number");
	refuse_addr("127.0.0.1:123456", SG_E_SYNTAX, "the port is not a number");
	refuse_addr("[::1]9187", SG_E_SYNTAX, "expected ':' after ']'");
	refuse_addr("[::1:9187", SG_E_SYNTAX, "'[' without ']'");
	refuse_addr("", SG_E_SYNTAX, "empty");
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	refuse_addr(big, SG_E_LIMIT, "longer than 127");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_accepted),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
