/*
 * NAME
 *   config_net.c - syntax of listener addresses and client network lists
 *                  in signet.conf (see config_values.h)
 *
 * SUMMARY
 *   An address is IPv4:PORT or [IPv6]:PORT with PORT 1..65535; host names
 *   are refused (a configuration should not depend on DNS to start). A
 *   network list holds IP or IP/PREFIX items separated by spaces, tabs or
 *   commas; the prefix is at most 32 (IPv4) or 128 (IPv6). Addresses are
 *   checked with inet_pton, so they mean what the sockets will make of
 *   them.
 *
 * UNTRUSTED INPUT
 *   Values from the configuration file; items are copied into bounded
 *   stack buffers, longer ones are refused.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "config_values.h"
#include "lex.h"

#define ITEM_MAX 64		/* longer than any IP/PREFIX text */

static bool parse_number(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 6)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!sg_lex_is_digit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* An IP address of n bytes at s; *family receives AF_INET or AF_INET6. */
static bool parse_ip(const char *s, size_t n, int *family)
{
	char text[ITEM_MAX];
	unsigned char addr[sizeof(struct in6_addr)];

	if (n == 0 || n >= sizeof(text))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	*family = memchr(s, ':', n) ? AF_INET6 : AF_INET;
	return inet_pton(*family, text, addr) == 1;
}

bool sg_conf_address_valid(const char *s)
{
	size_t n = strlen(s);
	const char *colon;
	unsigned long port;
	int family;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL || close[1] != ':')
			return false;
		if (!parse_ip(s + 1, (size_t)(close - s - 1), &family) || family != AF_INET6)
			return false;
		colon = close + 1;
	} else {
		colon = memchr(s, ':', n);
		if (colon == NULL || !parse_ip(s, (size_t)(colon - s), &family) ||
		    family != AF_INET)
			return false;
	}
	return parse_number(colon + 1, n - (size_t)(colon + 1 - s), 65535, &port) && port > 0;
}

bool sg_conf_address_is_loopback(const char *s)
{
	struct in6_addr a6;
	char text[ITEM_MAX];
	const char *close;

	if (!sg_conf_address_valid(s))
		return false;
	if (s[0] != '[')
		return strncmp(s, "127.", 4) == 0;
	close = strchr(s, ']');
	if ((size_t)(close - s - 1) >= sizeof(text))
		return false;
	memcpy(text, s + 1, (size_t)(close - s - 1));
	text[close - s - 1] = '\0';
	return inet_pton(AF_INET6, text, &a6) == 1 &&
	       memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
}

static bool network_valid(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	size_t ip_len = slash ? (size_t)(slash - s) : n;
	unsigned long prefix;
	int family;

	if (!parse_ip(s, ip_len, &family))
		return false;
	if (slash == NULL)
		return true;
	return parse_number(slash + 1, n - ip_len - 1, family == AF_INET ? 32 : 128, &prefix);
}

static bool is_list_separator(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

bool sg_conf_network_list_valid(const char *s, size_t *bad_off, size_t *bad_len)
{
	size_t i = 0, n = strlen(s);

	while (i < n) {
		size_t start;

		while (i < n && is_list_separator(s[i]))
			i++;
		start = i;
		while (i < n && !is_list_separator(s[i]))
			i++;
		if (i > start && !network_valid(s + start, i - start)) {
			*bad_off = start;
			*bad_len = i - start;
			return false;
		}
	}
	return true;
}
