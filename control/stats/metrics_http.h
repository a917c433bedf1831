/*
 * NAME
 *   metrics_http.h - the request side of the metrics server (private to
 *                    control/stats/; metrics_request.c)
 *
 * SUMMARY
 *   sg_metrics_head_end finds the end of a request head (the blank line,
 *   CRLF or bare LF); sg_metrics_route decides the status of a complete
 *   head; sg_metrics_answer writes the whole HTTP/1.0 response for a
 *   status (the exposition for 200). The socket side is metrics_http.c.
 *
 * UNTRUSTED INPUT
 *   The request head: at most SG_METRICS_HEAD_MAX bytes, any content.
 */
#ifndef SIGNET_CONTROL_METRICS_HTTP_H
#define SIGNET_CONTROL_METRICS_HTTP_H

#include <stddef.h>
#include "buf.h"
#include "stats.h"

#define SG_METRICS_BODY_MAX ((size_t)256 * 1024 * 1024)	/* exposition size cap */

/* Offset just past the blank line ending the head in buf[0..len), or 0. */
size_t sg_metrics_head_end(const char *buf, size_t len);
/* 200 (GET /metrics, any query), 404 (other path), 405 (other method),
 * 505 (HTTP major version other than 1), 400 (anything malformed). */
int sg_metrics_route(const char *head, size_t len);
/* Replaces out's content with the response to status (431 and 503 too);
 * a 200 whose exposition cannot be built becomes a 500. */
void sg_metrics_answer(struct sg_stats *s, int status, struct sg_buf *out);

#endif
