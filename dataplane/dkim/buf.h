/*
 * NAME
 *   buf.h - bounded growable byte buffer
 *
 * SUMMARY
 *   struct sg_buf is a heap byte string with a hard size limit. Appends
 *   that would pass the limit fail with SG_E_LIMIT and leave the buffer
 *   unchanged; allocation failure gives SG_E_NOMEM. The data is always
 *   followed by a NUL byte (not counted in len) once anything was appended,
 *   so it can be used as a C string when it holds no NULs.
 */
#ifndef SIGNET_DKIM_BUF_H
#define SIGNET_DKIM_BUF_H

#include <stddef.h>
#include "status.h"

struct sg_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t limit;		/* maximum len; SIZE_MAX for none */
};

void sg_buf_init(struct sg_buf *b, size_t limit);
SG_MUST_CHECK enum sg_err sg_buf_append(struct sg_buf *b, const void *p, size_t n);
SG_MUST_CHECK enum sg_err sg_buf_putc(struct sg_buf *b, char c);
SG_MUST_CHECK enum sg_err sg_buf_puts(struct sg_buf *b, const char *s);
SG_MUST_CHECK enum sg_err sg_buf_printf(struct sg_buf *b, const char *fmt, ...) SG_PRINTF(2, 3);
/* Returns a NUL-terminated view ("" for an empty buffer). */
const char *sg_buf_cstr(const struct sg_buf *b);
void sg_buf_reset(struct sg_buf *b);		/* len = 0, keeps memory */
void sg_buf_free(struct sg_buf *b);		/* zeroes and frees */

#endif
