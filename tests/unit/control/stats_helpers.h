/*
 * NAME
 *   stats_helpers.h - delta builders shared by the control/stats unit tests
 *
 * SUMMARY
 *   th_delta(worker, kind, domain, selector) gives a delta with every
 *   counter 0; th_signed(...) one where n messages were processed and
 *   signed, each taking us microseconds (bytes 1000 per message, latency
 *   in the bucket of us). Header-only.
 */
#ifndef SIGNET_TEST_STATS_HELPERS_H
#define SIGNET_TEST_STATS_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"

static inline struct sg_stats_delta th_delta(uint32_t worker, enum sg_sigkind kind,
					     const char *domain, const char *selector)
{
	struct sg_stats_delta d;

	memset(&d, 0, sizeof(d));
	d.worker = worker;
	d.kind = kind;
	snprintf(d.domain, sizeof(d.domain), "%s", domain);
	snprintf(d.selector, sizeof(d.selector), "%s", selector);
	return d;
}

static inline struct sg_stats_delta th_signed(uint32_t worker, enum sg_sigkind kind,
					      const char *domain, const char *selector,
					      uint64_t n, uint64_t us)
{
	struct sg_stats_delta d = th_delta(worker, kind, domain, selector);

	d.processed = n;
	d.signed_ok = n;
	d.bytes = 1000 * n;
	d.sign_ns = n * us * 1000;
	d.latency[sg_stats_bucket_of(us * 1000)] = n;
	return d;
}

#endif
