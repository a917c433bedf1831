/*
 * NAME
 *   status.c - error records (see status.h)
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

enum sg_err sg_error_set(struct sg_error *e, enum sg_err code, uint32_t line, uint64_t offset,
			 const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	e->line = line;
	e->offset = offset;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void sg_error_clear(struct sg_error *e)
{
	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
}

const char *sg_err_name(enum sg_err code)
{
	switch (code) {
	case SG_OK: return "ok";
	case SG_E_NOMEM: return "out of memory";
	case SG_E_LIMIT: return "limit exceeded";
	case SG_E_SYNTAX: return "syntax";
	case SG_E_ARG: return "invalid argument";
	case SG_E_STATE: return "invalid state";
	case SG_E_IO: return "i/o";
	case SG_E_KEY: return "key";
	case SG_E_CRYPTO: return "crypto";
	case SG_E_UNSUPPORTED: return "unsupported";
	}
	return "unknown";
}
