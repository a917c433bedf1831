/*
 * NAME
 *   metrics_addr.h - the metrics listener's address (private to
 *                    control/stats/)
 *
 * SUMMARY
 *   sg_metrics_parse_listen turns "127.0.0.1:9187" or "[::1]:9187" into a
 *   socket address. Only numeric loopback addresses are accepted
 *   (127.0.0.0/8 and ::1): the metrics are for a local scraper or an SSH
 *   tunnel, never an open port. Errors name the offending text and its
 *   byte offset.
 *
 * UNTRUSTED INPUT
 *   The text comes from the config file (control { metrics_listen }).
 */
#ifndef SIGNET_CONTROL_METRICS_ADDR_H
#define SIGNET_CONTROL_METRICS_ADDR_H

#include <sys/socket.h>
#include "status.h"

#define SG_METRICS_LISTEN_MAX 127	/* characters in the text */

SG_MUST_CHECK enum sg_err sg_metrics_parse_listen(const char *text, struct sockaddr_storage *ss,
						  socklen_t *len, struct sg_error *err);

#endif
