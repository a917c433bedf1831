/*
 * NAME
 *   sigbuild.c - folded signature header writer (see sigbuild.h)
 *
 * SUMMARY
 *   Text goes straight into the output buffer: a tag kept whole is
 *   measured first (name, '=', value, ';') and written in three appends.
 */
#include <string.h>

#include "sigbuild.h"

static const char FOLD[] = "\r\n\t";
#define FOLD_COL 8		/* a tab counts as eight columns */

enum sg_err sg_folder_start(struct sg_folder *f, struct sg_buf *out, const char *field_name)
{
	enum sg_err rc;

	f->out = out;
	f->first = true;
	f->col = strlen(field_name) + 1;
	rc = sg_buf_puts(out, field_name);
	return rc == SG_OK ? sg_buf_putc(out, ':') : rc;
}

static enum sg_err fold(struct sg_folder *f)
{
	f->col = FOLD_COL;
	return sg_buf_puts(f->out, FOLD);
}

/* Makes room for an unbreakable piece of n columns: a fold when it would
 * pass the width, else the space before it when sep asks for one. */
static enum sg_err piece_start(struct sg_folder *f, size_t n, bool sep)
{
	size_t need = n + (sep ? 1 : 0);

	if (f->col + need > SG_FOLD_WIDTH && f->col > FOLD_COL)
		return fold(f);
	if (!sep)
		return SG_OK;
	f->col++;
	return sg_buf_putc(f->out, ' ');
}

/* Writes one unbreakable piece; sep asks for a space before it when it
 * stays on the current line. */
static enum sg_err piece(struct sg_folder *f, const char *s, size_t n, bool sep)
{
	enum sg_err rc = piece_start(f, n, sep);

	if (rc == SG_OK)
		rc = sg_buf_append(f->out, s, n);
	f->col += n;
	return rc;
}

/* z= copies are "name:value|name:value" and FWS may not go inside a
 * name (RFC 6376 3.5, sig-z-tag-copy): true when a cut at value + at,
 * at > 0, falls inside a name. Values escape '|', so a literal '|' is a
 * separator; names hold no ':', so a ':' after the last '|' means the cut
 * is in a value. */
static bool cut_in_z_name(const char *value, size_t at, size_t *name_start)
{
	size_t i = at;

	while (i > 0 && value[i - 1] != '|' && value[i - 1] != ':')
		i--;
	*name_start = i;
	return i == 0 || value[i - 1] == '|';
}

/* Length of the next piece of a splittable value starting at value + pos
 * (n bytes left). */
static size_t next_piece(const char *value, size_t pos, size_t n, enum sg_fold_split split,
			 size_t room)
{
	const char *s = value + pos;
	size_t len, name_start;

	switch (split) {
	case SG_SPLIT_COLON: {
		const char *c = memchr(s, ':', n);

		return c ? (size_t)(c - s) + 1 : n;
	}
	case SG_SPLIT_QP:
		len = room < n ? room : n;
		if (len == 0)
			len = 1;
		/* never end a piece inside "=XX" */
		for (size_t back = 1; back <= 2 && back <= len; back++) {
			if (s[len - back] == '=' && len < n) {
				len -= back;
				break;
			}
		}
		/* nor inside a header name: cut before it, or take it whole */
		if (len > 0 && len < n && cut_in_z_name(value, pos + len, &name_start)) {
			if (name_start > pos)
				return name_start - pos;
			len = 0;
			while (len < n && s[len] != ':')
				len++;
			return len < n ? len + 1 : n;
		}
		return len ? len : (n < 3 ? n : 3);
	case SG_SPLIT_ANY:
		len = room < n ? room : n;
		return len ? len : 1;
	case SG_SPLIT_NONE:
		break;
	}
	return n;
}

/* The next piece that fits in room columns; the value's last piece also
 * leaves room for tail (the ';' that follows the value). */
static size_t fitting_piece(const char *value, size_t pos, size_t n, enum sg_fold_split split,
			    size_t room, size_t tail)
{
	size_t len = next_piece(value, pos, n, split, room);

	if (len == n && len + tail > room && room > tail)
		len = next_piece(value, pos, n, split, room - tail);
	return len;
}

/* Appends a splittable value right after "name=" that is already out;
 * tail bytes will follow it on the same line. */
static enum sg_err split_value(struct sg_folder *f, const char *value, size_t n,
			       enum sg_fold_split split, size_t tail)
{
	size_t pos = 0;
	enum sg_err rc;

	while (pos < n) {
		size_t room = SG_FOLD_WIDTH > f->col ? SG_FOLD_WIDTH - f->col : 0;
		size_t len = fitting_piece(value, pos, n - pos, split, room, tail);

		if (len + (len == n - pos ? tail : 0) > room && f->col > FOLD_COL) {
			rc = fold(f);
			if (rc != SG_OK)
				return rc;
			len = fitting_piece(value, pos, n - pos, split, SG_FOLD_WIDTH - FOLD_COL,
					    tail);
		}
		rc = sg_buf_append(f->out, value + pos, len);
		if (rc != SG_OK)
			return rc;
		f->col += len;
		pos += len;
	}
	return SG_OK;
}

enum sg_err sg_folder_tag(struct sg_folder *f, const char *name, const char *value, size_t len,
			  enum sg_fold_split split, bool last)
{
	char head[80];
	size_t nlen = strlen(name);
	enum sg_err rc;
	bool sep = true;

	if (nlen + 2 > sizeof(head))
		return SG_E_ARG;
	memcpy(head, name, nlen);
	head[nlen] = '=';
	if (split == SG_SPLIT_NONE) {
		/* "name=value;" as one piece */
		rc = piece_start(f, nlen + 1 + len + (last ? 0 : 1), sep);
		if (rc == SG_OK)
			rc = sg_buf_append(f->out, head, nlen + 1);
		if (rc == SG_OK)
			rc = sg_buf_append(f->out, value, len);
		if (rc == SG_OK && !last)
			rc = sg_buf_putc(f->out, ';');
		f->col += nlen + 1 + len + (last ? 0 : 1);
		f->first = false;
		return rc;
	}
	/* keep "name=" together with at least a few bytes of the value */
	if (f->col + nlen + 1 + 1 + 8 > SG_FOLD_WIDTH && f->col > FOLD_COL)
		rc = fold(f), sep = false;
	else
		rc = SG_OK;
	if (rc == SG_OK)
		rc = piece(f, head, nlen + 1, sep);
	if (rc == SG_OK)
		rc = split_value(f, value, len, split, last ? 0 : 1);
	if (rc == SG_OK && !last)
		rc = sg_buf_putc(f->out, ';'), f->col++;
	f->first = false;
	return rc;
}

enum sg_err sg_folder_b_tag(struct sg_folder *f)
{
	enum sg_err rc = SG_OK;
	bool sep = true;

	if (f->col + 4 + 8 > SG_FOLD_WIDTH && f->col > FOLD_COL)
		rc = fold(f), sep = false;
	if (rc == SG_OK)
		rc = piece(f, "b=", 2, sep);
	return rc;
}

enum sg_err sg_folder_b_value(struct sg_folder *f, const char *b64, size_t len)
{
	return split_value(f, b64, len, SG_SPLIT_ANY, 0);
}
