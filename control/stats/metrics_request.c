/*
 * NAME
 *   metrics_request.c - parse a scrape request, build the response
 *                       (metrics_http.h)
 *
 * SUMMARY
 *   Only the request line matters: METHOD SP TARGET SP HTTP/1.x, single
 *   spaces, no control bytes. GET of /metrics (query ignored) gets the
 *   exposition, text/plain; version=0.0.4; other paths 404, other methods
 *   405 with "Allow: GET". Header fields are skipped. Every response is
 *   HTTP/1.0 with Content-Length and "Connection: close".
 *
 * UNTRUSTED INPUT
 *   The request head (bounded by the caller to SG_METRICS_HEAD_MAX bytes).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "metrics_http.h"

size_t sg_metrics_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* RFC 9110 tchar */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool all_tchars(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_tchar(p[i]))
			return false;
	}
	return n > 0;
}

/* 0 for HTTP/1.x, 505 for another well-formed version, 400 otherwise. */
static int check_version(const char *v, size_t n)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
	    v[7] < '0' || v[7] > '9')
		return 400;
	return v[5] == '1' ? 0 : 505;
}

int sg_metrics_route(const char *head, size_t len)
{
	const char *nl = memchr(head, '\n', len);
	size_t line, sp1, sp2, plen;
	const char *target;
	int rc;

	if (nl == NULL)
		return 400;
	line = (size_t)(nl - head);
	if (line > 0 && head[line - 1] == '\r')
		line--;
	for (size_t i = 0; i < line; i++) {
		if ((unsigned char)head[i] < 0x20 || head[i] == 0x7f)
			return 400;
	}
	for (sp1 = 0; sp1 < line && head[sp1] != ' '; sp1++)
		;
	for (sp2 = sp1 + 1; sp2 < line && head[sp2] != ' '; sp2++)
		;
	if (sp2 >= line || memchr(head + sp2 + 1, ' ', line - sp2 - 1) != NULL ||
	    !all_tchars(head, sp1) || sp2 == sp1 + 1)
		return 400;
	if ((rc = check_version(head + sp2 + 1, line - sp2 - 1)) != 0)
		return rc;
	if (sp1 != 3 || memcmp(head, "GET", 3) != 0)
		return 405;
	target = head + sp1 + 1;
	if (target[0] != '/')
		return 400;
	for (plen = 0; sp1 + 1 + plen < sp2 && target[plen] != '?'; plen++)
		;
	return plen == 8 && memcmp(target, "/metrics", 8) == 0 ? 200 : 404;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

static void error_answer(int status, struct sg_buf *out)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));

	sg_buf_reset(out);
	if (sg_buf_printf(out,
			  "HTTP/1.0 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			  "Content-Length: %d\r\nConnection: close\r\n%s\r\n%s",
			  status, reason(status), n, status == 405 ? "Allow: GET\r\n" : "",
			  body) != SG_OK)
		sg_buf_reset(out);	/* cannot happen below the buffer's limit */
}

void sg_metrics_answer(struct sg_stats *s, int status, struct sg_buf *out)
{
	struct sg_buf body;
	enum sg_err rc;

	if (status != 200) {
		error_answer(status, out);
		return;
	}
	sg_buf_init(&body, SG_METRICS_BODY_MAX);
	rc = sg_stats_prometheus(s, &body);
	sg_buf_reset(out);
	if (rc == SG_OK)
		rc = sg_buf_printf(out,
				   "HTTP/1.0 200 OK\r\n"
				   "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
				   "Content-Length: %zu\r\nConnection: close\r\n\r\n", body.len);
	if (rc == SG_OK)
		rc = sg_buf_append(out, body.data, body.len);
	sg_buf_free(&body);
	if (rc != SG_OK)
		error_answer(500, out);
}
