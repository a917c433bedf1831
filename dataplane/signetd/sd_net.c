/*
 * NAME
 *   sd_net.c - listener/next-hop addresses and relay_hosts matching (see
 *              sd_net.h)
 *
 * SUMMARY
 *   Items are copied into bounded stack buffers and read with inet_pton,
 *   so an address means what the sockets make of it. Networks are stored
 *   with their host bits cleared; a match compares the first prefix bits.
 *
 * UNTRUSTED INPUT
 *   Configuration text (bounded items and lists).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd_net.h"

/* A decimal number of 1..digits digits, at most max. */
static bool parse_decimal(const char *s, size_t digits, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > digits)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_port(const char *s, unsigned *port)
{
	unsigned long v;

	if (!parse_decimal(s, 5, 65535, &v) || v == 0)
		return false;
	*port = (unsigned)v;
	return true;
}

enum sg_err sd_addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len,
			  struct sg_error *err)
{
	char host[SD_NET_ITEM_MAX + 1];
	const char *colon = strrchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : 0;
	unsigned port = 0;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || n == 0 || n > SD_NET_ITEM_MAX || !parse_port(colon + 1, &port))
		goto bad;
	if (text[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (n < 3 || text[n - 1] != ']')
			goto bad;
		memcpy(host, text + 1, n - 2);
		host[n - 2] = '\0';
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			goto bad;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		memcpy(host, text, n);
		host[n] = '\0';
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			goto bad;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
	}
	return SG_OK;
bad:
	return sg_error_set(err, SG_E_SYNTAX, 0, 0,
			    "address \"%.80s\": expected IPv4:PORT or [IPv6]:PORT (port 1..65535)",
			    text);
}

static void clear_host_bits(uint8_t *addr, unsigned bytes, unsigned prefix)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = prefix > i * 8 ? prefix - i * 8 : 0;

		if (keep < 8)
			addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

/* One item "IP" or "IP/PREFIX" of n octets. */
static bool parse_net(const char *s, size_t n, struct sd_net *net)
{
	char text[SD_NET_ITEM_MAX + 1];
	char *slash;
	unsigned max;

	if (n == 0 || n > SD_NET_ITEM_MAX)
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	slash = strchr(text, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(net, 0, sizeof(*net));
	net->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(net->family, text, net->addr) != 1)
		return false;
	max = net->family == AF_INET ? 32 : 128;
	net->prefix = max;
	if (slash != NULL) {
		unsigned long v;

		if (!parse_decimal(slash + 1, 3, max, &v))
			return false;
		net->prefix = (unsigned)v;
	}
	clear_host_bits(net->addr, max / 8, net->prefix);
	return true;
}

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

enum sg_err sd_netlist_parse(const char *text, struct sd_netlist *out, struct sg_error *err)
{
	size_t i = 0, len = strlen(text);

	out->nets = NULL;
	out->n = 0;
	while (i < len) {
		size_t start, n;
		struct sd_net net;
		struct sd_net *grown;

		while (i < len && is_separator(text[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !is_separator(text[i]))
			i++;
		n = i - start;
		if (!parse_net(text + start, n, &net)) {
			sd_netlist_free(out);
			return sg_error_set(err, SG_E_SYNTAX, 0, start,
					    "relay_hosts: \"%.*s\" at offset %zu is not IP or "
					    "IP/PREFIX", (int)(n > 64 ? 64 : n), text + start, start);
		}
		if (out->n == SD_NET_LIST_MAX) {
			sd_netlist_free(out);
			return sg_error_set(err, SG_E_LIMIT, 0, start,
					    "relay_hosts: more than %d networks", SD_NET_LIST_MAX);
		}
		grown = realloc(out->nets, (out->n + 1) * sizeof(*grown));
		if (grown == NULL) {
			sd_netlist_free(out);
			return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
		}
		out->nets = grown;
		out->nets[out->n++] = net;
	}
	return SG_OK;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *net, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (memcmp(a, net, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ net[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

bool sd_netlist_match(const struct sd_netlist *l, const struct sockaddr *sa)
{
	uint8_t addr[16];
	int family;

	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			memcpy(addr, a6->s6_addr + 12, 4);
			family = AF_INET;
		} else {
			memcpy(addr, a6->s6_addr, 16);
			family = AF_INET6;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->nets[i].family == family &&
		    prefix_equal(addr, l->nets[i].addr, l->nets[i].prefix))
			return true;
	return false;
}

void sd_netlist_free(struct sd_netlist *l)
{
	free(l->nets);
	l->nets = NULL;
	l->n = 0;
}

const char *sd_addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s:%u", ip, (unsigned)ntohs(a4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, cap, "[%s]:%u", ip, (unsigned)ntohs(a6->sin6_port));
	} else {
		snprintf(buf, cap, "(address family %d)", (int)sa->sa_family);
	}
	return buf;
}
