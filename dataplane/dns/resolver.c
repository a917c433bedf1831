/*
 * NAME
 *   resolver.c - key lookups through DNS with libresolv (see resolver.h)
 *
 * SUMMARY
 *   Each resolver owns a struct __res_state set up by res_ninit (so the
 *   system's /etc/resolv.conf is read once) and, when a server override is
 *   given, pointed at that one address. A lookup builds a TXT query with
 *   res_nmkquery, sends it with res_nsend (UDP, then TCP when the answer is
 *   truncated) and walks the answer with ns_initparse / ns_parserr,
 *   skipping records that are not TXT (the CNAMEs of a recursive answer);
 *   the first TXT record's character-strings are joined.
 *
 *   Timing: libresolv counts in whole seconds, so timeout_ms is rounded up
 *   to seconds (res_state.retrans). One attempt is one res_nsend call with
 *   res_state.retry = 1: it asks each configured server once, waiting
 *   retrans seconds for the first (glibc waits longer for later servers).
 *   The lookup makes up to `attempts` attempts.
 *
 *   SERVFAIL and REFUSED: glibc's res_nsend normally swallows these answers
 *   (it moves on and finally fails with ETIMEDOUT, exactly as for a server
 *   that never answers). A non-zero res_state.pfcode makes it hand them back
 *   instead ("don't retry if called from dig" in res_send.c), which lets
 *   this file tell "SERVFAIL" from "timed out". The price: a SERVFAIL or
 *   REFUSED answer ends that attempt without asking the next server; the
 *   next attempt starts again from the first.
 *
 *   Result mapping: NXDOMAIN, NOERROR without a TXT record -> NOTFOUND;
 *   SERVFAIL, REFUSED, other rcodes, timeouts, network errors -> TEMPFAIL;
 *   a malformed answer, a TXT record longer than cap - 1 bytes or holding
 *   a NUL byte, or a name that cannot be put in a query -> INVALID.
 *
 * UNTRUSTED INPUT
 *   DNS answers, at most RSV_ANSWER_MAX bytes, parsed by ns_initparse and
 *   ns_parserr (which check every length against the message); the TXT
 *   rdata is re-checked string by string against its rdlength and cap.
 *   The server override string from configuration.
 *
 * PORTABILITY
 *   IPv6 server overrides use glibc's res_state._u._ext.nsaddrs; the
 *   project builds on glibc only.
 */
/* System library. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* This layer. */
#include "lookup_why.h"
#include "resolver.h"

#define RSV_ANSWER_MAX		65536	/* a DNS message over TCP is at most 65535 */
#define RSV_QUERY_MAX		512	/* header + 255-byte name + type/class */
#define RSV_DEFAULT_TIMEOUT_MS	5000
#define RSV_DEFAULT_ATTEMPTS	2
#define RSV_MAX_TIMEOUT_MS	30000	/* RES_MAXRETRANS seconds */
#define RSV_MAX_ATTEMPTS	5	/* RES_MAXRETRY */
#define RSV_DNS_PORT		53

struct sg_resolver {
	struct __res_state state;
	unsigned attempts;
	unsigned char query[RSV_QUERY_MAX];
	unsigned char answer[RSV_ANSWER_MAX];
};

/* A parsed server override. */
struct server_addr {
	int family;		/* AF_INET or AF_INET6 */
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

static const char *rcode_name(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	};

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return "unexpected rcode";
}

static enum sg_err parse_port(const char *server, const char *text, uint16_t *port,
			      struct sg_error *err)
{
	unsigned long value = 0;
	size_t n = strlen(text);

	if (n == 0 || n > 5 || strspn(text, "0123456789") != n)
		return sg_error_set(err, SG_E_ARG, 0, (uint64_t)(text - server),
				    "server \"%s\": port \"%s\" is not a number from 1 to 65535",
				    server, text);
	for (size_t i = 0; i < n; i++)
		value = value * 10 + (unsigned long)(text[i] - '0');
	if (value == 0 || value > 65535)
		return sg_error_set(err, SG_E_ARG, 0, (uint64_t)(text - server),
				    "server \"%s\": port %lu is not from 1 to 65535", server, value);
	*port = (uint16_t)value;
	return SG_OK;
}

/* Splits "IP:PORT", "[IPv6]:PORT", "[IPv6]", "IPv6" or "IP" into the host
 * text, its family and the port text (NULL when absent). */
static enum sg_err split_server(const char *server, char *host, size_t host_cap, int *family,
				const char **port_text, struct sg_error *err)
{
	const char *start = server, *end, *colon = strchr(server, ':');

	*port_text = NULL;
	if (server[0] == '[') {
		start = server + 1;
		end = strchr(start, ']');
		if (end == NULL)
			return sg_error_set(err, SG_E_ARG, 0, 0,
					    "server \"%s\": '[' without a closing ']'", server);
		if (end[1] == ':')
			*port_text = end + 2;
		else if (end[1] != '\0')
			return sg_error_set(err, SG_E_ARG, 0, (uint64_t)(end + 1 - server),
					    "server \"%s\": only \":PORT\" may follow ']'", server);
		*family = AF_INET6;
	} else if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		end = server + strlen(server);
		*family = AF_INET6;
	} else {
		end = colon ? colon : server + strlen(server);
		*port_text = colon ? colon + 1 : NULL;
		*family = AF_INET;
	}
	if (end == start || (size_t)(end - start) >= host_cap)
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "server \"%s\": expected IP, IP:PORT or [IPv6]:PORT", server);
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	return SG_OK;
}

static enum sg_err parse_server(const char *server, struct server_addr *out,
				struct sg_error *err)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_text;
	uint16_t port = RSV_DNS_PORT;
	enum sg_err rc;
	int ok;

	memset(out, 0, sizeof(*out));
	rc = split_server(server, host, sizeof(host), &out->family, &port_text, err);
	if (rc == SG_OK && port_text != NULL)
		rc = parse_port(server, port_text, &port, err);
	if (rc != SG_OK)
		return rc;
	if (out->family == AF_INET) {
		out->v4.sin_family = AF_INET;
		out->v4.sin_port = htons(port);
		ok = inet_pton(AF_INET, host, &out->v4.sin_addr);
	} else {
		out->v6.sin6_family = AF_INET6;
		out->v6.sin6_port = htons(port);
		ok = inet_pton(AF_INET6, host, &out->v6.sin6_addr);
	}
	if (ok != 1)
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "server \"%s\": \"%s\" is not a numeric %s address", server,
				    host, out->family == AF_INET ? "IPv4" : "IPv6");
	return SG_OK;
}

/* Replaces the resolv.conf name servers of rs with a alone. */
static enum sg_err use_server(struct __res_state *rs, const struct server_addr *a)
{
	struct sockaddr_in6 *copy;

	res_nclose(rs);		/* frees glibc's copies of the IPv6 servers */
	memset(rs->nsaddr_list, 0, sizeof(rs->nsaddr_list));
	if (a->family == AF_INET) {
		rs->nsaddr_list[0] = a->v4;
	} else {
		/* glibc reads an entry whose sin_family is 0 from _ext.nsaddrs,
		 * a malloc'd copy that res_nclose frees. */
		copy = malloc(sizeof(*copy));
		if (copy == NULL)
			return SG_E_NOMEM;
		*copy = a->v6;
		rs->_u._ext.nsaddrs[0] = copy;
	}
	rs->nscount = 1;
	return SG_OK;
}

static enum sg_err check_config(const struct sg_resolver_config *cfg, unsigned *timeout_ms,
				unsigned *attempts, struct sg_error *err)
{
	*timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : RSV_DEFAULT_TIMEOUT_MS;
	*attempts = cfg->attempts ? cfg->attempts : RSV_DEFAULT_ATTEMPTS;
	if (*timeout_ms > RSV_MAX_TIMEOUT_MS)
		return sg_error_set(err, SG_E_ARG, 0, 0, "resolver timeout %u ms is over %u ms",
				    *timeout_ms, RSV_MAX_TIMEOUT_MS);
	if (*attempts > RSV_MAX_ATTEMPTS)
		return sg_error_set(err, SG_E_ARG, 0, 0, "resolver attempts %u is over %u",
				    *attempts, RSV_MAX_ATTEMPTS);
	return SG_OK;
}

enum sg_err sg_resolver_new(const struct sg_resolver_config *cfg, struct sg_resolver **out,
			    struct sg_error *err)
{
	static const struct sg_resolver_config defaults;
	struct server_addr addr;
	struct sg_resolver *r;
	unsigned timeout_ms, attempts;
	enum sg_err rc;

	if (out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "sg_resolver_new: NULL argument");
	*out = NULL;
	if (cfg == NULL)
		cfg = &defaults;
	rc = check_config(cfg, &timeout_ms, &attempts, err);
	if (rc == SG_OK && cfg->server != NULL)
		rc = parse_server(cfg->server, &addr, err);
	if (rc != SG_OK)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	if (res_ninit(&r->state) != 0) {
		free(r);
		return sg_error_set(err, SG_E_IO, 0, 0,
				    "cannot initialise the resolver (res_ninit failed)");
	}
	r->state.retrans = (int)((timeout_ms + 999) / 1000);
	r->state.retry = 1;	/* attempts are counted here, see SUMMARY */
	r->state.pfcode = RES_PRF_REPLY;	/* hand back SERVFAIL, see SUMMARY */
	r->attempts = attempts;
	if (cfg->server != NULL && use_server(&r->state, &addr) != SG_OK) {
		sg_resolver_free(r);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	*out = r;
	return SG_OK;
}

void sg_resolver_free(struct sg_resolver *r)
{
	if (r == NULL)
		return;
	res_nclose(&r->state);
	free(r);
}

static const char *tries(unsigned n)
{
	return n == 1 ? "try" : "tries";
}

/* Sends the query in r->query up to r->attempts times. Returns the length
 * of the answer in r->answer, or -1 (temporary failure, reason in why). */
static int send_query(struct sg_resolver *r, int query_len, char *why, size_t why_cap)
{
	int last_rcode = -1, last_errno = 0;
	char errbuf[128];

	for (unsigned attempt = 0; attempt < r->attempts; attempt++) {
		int n;

		errno = 0;
		n = res_nsend(&r->state, r->query, query_len, r->answer, RSV_ANSWER_MAX);
		if (n < 0) {
			last_errno = errno;
			last_rcode = -1;
			continue;
		}
		if (n > RSV_ANSWER_MAX)
			n = RSV_ANSWER_MAX;	/* cut: ns_initparse will refuse it */
		if (n >= HFIXEDSZ) {
			int rcode = r->answer[3] & 0x0f;

			if (rcode == ns_r_servfail || rcode == ns_r_refused) {
				last_rcode = rcode;
				continue;
			}
		}
		return n;
	}
	if (last_rcode >= 0)
		sg_lookup_why(why, why_cap, "%s (%u %s)", rcode_name(last_rcode), r->attempts,
			      tries(r->attempts));
	else if (last_errno == ETIMEDOUT || last_errno == 0)
		sg_lookup_why(why, why_cap, "timed out after %u %s", r->attempts,
			      tries(r->attempts));
	else if (last_errno == ECONNREFUSED)
		sg_lookup_why(why, why_cap, "no server reachable: connection refused (%u %s)",
			      r->attempts, tries(r->attempts));
	else
		sg_lookup_why(why, why_cap, "%s (%u %s)",
			      strerror_r(last_errno, errbuf, sizeof(errbuf)), r->attempts,
			      tries(r->attempts));
	return -1;
}

/* Joins the character-strings of one TXT rdata into txt (cap bytes). */
static enum sg_lookup_status join_txt(const unsigned char *rdata, size_t rdlen, char *txt,
				      size_t cap, char *why, size_t why_cap)
{
	size_t pos = 0, out = 0;

	if (rdlen == 0) {
		sg_lookup_why(why, why_cap, "malformed answer: empty TXT record data");
		return SG_LOOKUP_INVALID;
	}
	while (pos < rdlen) {
		size_t n = rdata[pos++];

		if (n > rdlen - pos) {
			sg_lookup_why(why, why_cap, "malformed answer: TXT string overruns its record");
			return SG_LOOKUP_INVALID;
		}
		if (n > cap - 1 - out) {
			sg_lookup_why(why, why_cap, "TXT record longer than %zu bytes", cap - 1);
			return SG_LOOKUP_INVALID;
		}
		if (memchr(rdata + pos, '\0', n) != NULL) {
			sg_lookup_why(why, why_cap, "TXT record holds a NUL byte");
			return SG_LOOKUP_INVALID;
		}
		memcpy(txt + out, rdata + pos, n);
		out += n;
		pos += n;
	}
	txt[out] = '\0';
	return SG_LOOKUP_OK;
}

static enum sg_lookup_status read_answer(const unsigned char *msg, int len, char *txt,
					 size_t cap, char *why, size_t why_cap)
{
	ns_msg handle;
	ns_rr rr;
	int rcode, count;

	if (ns_initparse(msg, len, &handle) < 0) {
		sg_lookup_why(why, why_cap, "malformed answer (%d bytes)", len);
		return SG_LOOKUP_INVALID;
	}
	rcode = (int)ns_msg_getflag(handle, ns_f_rcode);
	if (rcode == ns_r_nxdomain) {
		sg_lookup_why(why, why_cap, "NXDOMAIN");
		return SG_LOOKUP_NOTFOUND;
	}
	if (rcode != ns_r_noerror) {
		sg_lookup_why(why, why_cap, "%s (rcode %d)", rcode_name(rcode), rcode);
		return SG_LOOKUP_TEMPFAIL;
	}
	count = ns_msg_count(handle, ns_s_an);
	for (int i = 0; i < count; i++) {
		if (ns_parserr(&handle, ns_s_an, i, &rr) < 0) {
			sg_lookup_why(why, why_cap, "malformed answer record %d", i + 1);
			return SG_LOOKUP_INVALID;
		}
		if (ns_rr_type(rr) == ns_t_txt && ns_rr_class(rr) == ns_c_in)
			return join_txt(ns_rr_rdata(rr), ns_rr_rdlen(rr), txt, cap, why, why_cap);
	}
	sg_lookup_why(why, why_cap, "no TXT record (NOERROR)");
	return SG_LOOKUP_NOTFOUND;
}

static enum sg_lookup_status resolver_answer(void *env, const char *name, char *txt, size_t cap,
					     char *why, size_t why_cap)
{
	struct sg_resolver *r = env;
	int query_len, answer_len;

	if (r == NULL || name == NULL || txt == NULL || cap == 0) {
		sg_lookup_why(why, why_cap, "DNS lookup without a resolver, name or buffer");
		return SG_LOOKUP_INVALID;
	}
	txt[0] = '\0';
	query_len = res_nmkquery(&r->state, ns_o_query, name, ns_c_in, ns_t_txt, NULL, 0, NULL,
				 r->query, sizeof(r->query));
	if (query_len < 0) {
		sg_lookup_why(why, why_cap, "\"%.64s\" is not a name that can be queried", name);
		return SG_LOOKUP_INVALID;
	}
	answer_len = send_query(r, query_len, why, why_cap);
	if (answer_len < 0)
		return SG_LOOKUP_TEMPFAIL;
	return read_answer(r->answer, answer_len, txt, cap, why, why_cap);
}

struct sg_key_lookup sg_resolver_lookup(struct sg_resolver *r)
{
	struct sg_key_lookup lookup = { resolver_answer, r };

	return lookup;
}
