/*
 * NAME
 *   lookup_why.h - fill the "why" buffer of a struct sg_key_lookup answer
 *
 * SUMMARY
 *   sg_lookup_why(why, why_cap, fmt, ...) formats a short reason into why,
 *   truncating to why_cap - 1 bytes; it does nothing when why is NULL or
 *   why_cap is 0 (the caller may not want a reason). Header-only, shared
 *   by keytable.c and resolver.c.
 */
#ifndef SIGNET_DNS_LOOKUP_WHY_H
#define SIGNET_DNS_LOOKUP_WHY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "status.h"

static inline void sg_lookup_why(char *why, size_t why_cap, const char *fmt, ...) SG_PRINTF(3, 4);

static inline void sg_lookup_why(char *why, size_t why_cap, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_cap, fmt, ap);
	va_end(ap);
}

#endif
