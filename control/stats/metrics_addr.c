/*
 * NAME
 *   metrics_addr.c - parse and check the metrics listen address
 *                    (metrics_addr.h)
 *
 * SUMMARY
 *   HOST:PORT with HOST a dotted IPv4 address in 127.0.0.0/8, or [HOST]
 *   with HOST exactly the IPv6 loopback (::1 in any spelling inet_pton
 *   takes); PORT decimal, 0..65535 (0: the kernel picks one).
 *
 * UNTRUSTED INPUT
 *   The text (from the config file): length-checked, parsed without
 *   copying past SG_METRICS_LISTEN_MAX.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "metrics_addr.h"

static enum sg_err bad(struct sg_error *err, const char *text, size_t off, const char *what)
{
	return sg_error_set(err, SG_E_SYNTAX, 0, off, "metrics listen address \"%s\": %s", text,
			    what);
}

/* Decimal port in text[off..len), into *port. */
static bool parse_port(const char *p, size_t n, uint16_t *port)
{
	uint32_t v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* Splits text into host and the port after the last ':' (brackets kept
 * out of host for IPv6). */
static enum sg_err split(const char *text, char *host, size_t *port_off, bool *v6,
			 struct sg_error *err)
{
	size_t len = strlen(text);
	const char *colon;
	size_t hlen;

	*v6 = text[0] == '[';
	if (*v6) {
		const char *close = strchr(text, ']');

		if (close == NULL)
			return bad(err, text, 0, "'[' without ']'");
		if (close[1] != ':')
			return bad(err, text, (size_t)(close - text) + 1, "expected ':' after ']'");
		hlen = (size_t)(close - text) - 1;
		memcpy(host, text + 1, hlen);
		*port_off = (size_t)(close - text) + 2;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL)
			return bad(err, text, len, "no \":PORT\"");
		hlen = (size_t)(colon - text);
		memcpy(host, text, hlen);
		*port_off = hlen + 1;
	}
	host[hlen] = '\0';
	return SG_OK;
}

static enum sg_err fill_v4(const char *text, const char *host, uint16_t port,
			   struct sockaddr_storage *ss, socklen_t *len, struct sg_error *err)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return bad(err, text, 0, "not a numeric IPv4 address (or [IPv6])");
	if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
		return bad(err, text, 0, "not a loopback address (127.0.0.0/8 or [::1])");
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	*len = sizeof(*sin);
	return SG_OK;
}

static enum sg_err fill_v6(const char *text, const char *host, uint16_t port,
			   struct sockaddr_storage *ss, socklen_t *len, struct sg_error *err)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
		return bad(err, text, 1, "not a numeric IPv6 address");
	if (memcmp(&sin6->sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback)) != 0)
		return bad(err, text, 1, "not a loopback address (127.0.0.0/8 or [::1])");
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	*len = sizeof(*sin6);
	return SG_OK;
}

enum sg_err sg_metrics_parse_listen(const char *text, struct sockaddr_storage *ss,
				    socklen_t *len, struct sg_error *err)
{
	char host[SG_METRICS_LISTEN_MAX + 1];
	size_t port_off = 0, tlen = strnlen(text, SG_METRICS_LISTEN_MAX + 1);
	uint16_t port;
	bool v6;
	enum sg_err rc;

	memset(ss, 0, sizeof(*ss));
	if (tlen == 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0, "metrics listen address is empty");
	if (tlen > SG_METRICS_LISTEN_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, SG_METRICS_LISTEN_MAX,
				    "metrics listen address longer than %d characters",
				    SG_METRICS_LISTEN_MAX);
	if ((rc = split(text, host, &port_off, &v6, err)) != SG_OK)
		return rc;
	if (!parse_port(text + port_off, tlen - port_off, &port))
		return bad(err, text, port_off, "the port is not a number from 0 to 65535");
	if (v6)
		return fill_v6(text, host, port, ss, len, err);
	return fill_v4(text, host, port, ss, len, err);
}
