/*
 * NAME
 *   buf.c - bounded growable byte buffer (see buf.h)
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void sg_buf_init(struct sg_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
}

/* Makes room for n more bytes plus the trailing NUL. */
static enum sg_err reserve(struct sg_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->limit || b->len > b->limit - n)
		return SG_E_LIMIT;
	need = b->len + n + 1;
	if (need <= b->cap)
		return SG_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return SG_E_NOMEM;
	b->data = p;
	b->cap = cap;
	return SG_OK;
}

enum sg_err sg_buf_append(struct sg_buf *b, const void *p, size_t n)
{
	enum sg_err rc = reserve(b, n);

	if (rc != SG_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SG_OK;
}

enum sg_err sg_buf_putc(struct sg_buf *b, char c)
{
	return sg_buf_append(b, &c, 1);
}

enum sg_err sg_buf_puts(struct sg_buf *b, const char *s)
{
	return sg_buf_append(b, s, strlen(s));
}

enum sg_err sg_buf_printf(struct sg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum sg_err rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SG_E_ARG;
	rc = reserve(b, (size_t)n);
	if (rc != SG_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return SG_OK;
}

const char *sg_buf_cstr(const struct sg_buf *b)
{
	return b->data ? b->data : "";
}

void sg_buf_reset(struct sg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void sg_buf_free(struct sg_buf *b)
{
	if (b->data) {
		memset(b->data, 0, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
