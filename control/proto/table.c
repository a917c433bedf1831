/*
 * NAME
 *   table.c - command answers: titled tables, their wire form, aligned
 *             text and JSON (see proto.h)
 *
 * SUMMARY
 *   A table is a title, a one-line message, up to SG_TABLE_MAX_COLS typed
 *   columns and rows of UTF-8 cells. Cells are checked when added and when
 *   decoded (text rules of 's' fields; INT cells decimal numbers or empty),
 *   so both renderers may assume valid input. Text output aligns columns
 *   by code points and shows control characters as '?' so that a cell
 *   cannot move the terminal's cursor; JSON escapes what RFC 8259 demands
 *   plus DEL.
 *
 * UNTRUSTED INPUT
 *   sg_table_decode reads a RESULT from the socket: counts are checked
 *   against the bytes left before anything is allocated.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Control plane. */
#include "proto.h"

#define MIN_CELL_WIRE 5		/* tag + 4-byte length of an empty string */
#define MIN_COL_WIRE (MIN_CELL_WIRE + 9)

void sg_table_init(struct sg_table *t, const char *title)
{
	memset(t, 0, sizeof(*t));
	if (title)
		snprintf(t->title, sizeof(t->title), "%s", title);
}

enum sg_err sg_table_column(struct sg_table *t, const char *name, enum sg_col_kind kind)
{
	size_t n = strlen(name);

	if (t->nrows > 0)
		return SG_E_STATE;
	if (t->ncols >= SG_TABLE_MAX_COLS || n >= sizeof(t->col_name[0]))
		return SG_E_LIMIT;
	if ((kind != SG_COL_TEXT && kind != SG_COL_INT) || n == 0 ||
	    !sg_wire_text_ok(name, n, NULL))
		return SG_E_ARG;
	memcpy(t->col_name[t->ncols], name, n + 1);
	t->col_kind[t->ncols] = kind;
	t->ncols++;
	return SG_OK;
}

/* -?DIGITS(.DIGITS)? without leading zeros, or "". */
static bool number_ok(const char *s)
{
	const char *p = s;

	if (*p == '\0')
		return true;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static bool cell_ok(const struct sg_table *t, size_t col, const char *s)
{
	size_t n = strlen(s);

	if (n > SG_WIRE_STRING_MAX || !sg_wire_text_ok(s, n, NULL))
		return false;
	return t->col_kind[col] != SG_COL_INT || number_ok(s);
}

static enum sg_err grow_cells(struct sg_table *t, size_t need)
{
	size_t cap = t->cells_cap ? t->cells_cap : 16;
	char **cells;

	if (need <= t->cells_cap)
		return SG_OK;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / sizeof(char *))
			return SG_E_NOMEM;
		cap *= 2;
	}
	cells = realloc(t->cells, cap * sizeof(char *));
	if (cells == NULL)
		return SG_E_NOMEM;
	t->cells = cells;
	t->cells_cap = cap;
	return SG_OK;
}

enum sg_err sg_table_row(struct sg_table *t, const char *const *cells)
{
	size_t base = t->nrows * t->ncols;
	enum sg_err rc;

	if (t->ncols == 0)
		return SG_E_STATE;
	for (size_t c = 0; c < t->ncols; c++)
		if (cells[c] == NULL || !cell_ok(t, c, cells[c]))
			return SG_E_ARG;
	rc = grow_cells(t, base + t->ncols);
	if (rc != SG_OK)
		return rc;
	for (size_t c = 0; c < t->ncols; c++) {
		t->cells[base + c] = strdup(cells[c]);
		if (t->cells[base + c] == NULL) {
			while (c-- > 0)
				free(t->cells[base + c]);
			return SG_E_NOMEM;
		}
	}
	t->nrows++;
	return SG_OK;
}

void sg_table_free(struct sg_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->cells_cap = 0;
	t->nrows = 0;
}

/* ---- wire form ---- */

enum sg_err sg_table_encode(const struct sg_table *t, struct sg_wire_out *w)
{
	enum sg_err rc;

	rc = sg_wire_put_str(w, t->title);
	if (rc == SG_OK)
		rc = sg_wire_put_str(w, t->message);
	if (rc == SG_OK)
		rc = sg_wire_put_u64(w, t->ncols);
	for (size_t c = 0; rc == SG_OK && c < t->ncols; c++) {
		rc = sg_wire_put_str(w, t->col_name[c]);
		if (rc == SG_OK)
			rc = sg_wire_put_u64(w, t->col_kind[c]);
	}
	if (rc == SG_OK)
		rc = sg_wire_put_u64(w, t->nrows);
	for (size_t i = 0; rc == SG_OK && i < t->nrows * t->ncols; i++)
		rc = sg_wire_put_str(w, t->cells[i]);
	return rc;
}

static enum sg_err bad(struct sg_wire_in *r, const char *why)
{
	if (!r->failed) {
		snprintf(r->why, sizeof(r->why), "byte %zu: %s", r->off, why);
		r->failed = true;
	}
	return SG_E_SYNTAX;
}

static enum sg_err decode_columns(struct sg_wire_in *r, struct sg_table *t)
{
	uint64_t ncols, kind;
	char name[sizeof(t->col_name[0])];

	if (!sg_wire_get_u64(r, &ncols))
		return SG_E_SYNTAX;
	if (ncols > SG_TABLE_MAX_COLS)
		return bad(r, "too many columns");
	for (uint64_t c = 0; c < ncols; c++) {
		if (!sg_wire_get_str(r, name, sizeof(name)) || !sg_wire_get_u64(r, &kind))
			return SG_E_SYNTAX;
		if (kind > SG_COL_INT)
			return bad(r, "unknown column kind");
		if (sg_table_column(t, name, (enum sg_col_kind)kind) != SG_OK)
			return bad(r, "empty column name");
	}
	return SG_OK;
}

static enum sg_err decode_rows(struct sg_wire_in *r, struct sg_table *t)
{
	const char *row[SG_TABLE_MAX_COLS];
	char *text = NULL;
	uint64_t nrows;
	enum sg_err rc = SG_OK;

	if (!sg_wire_get_u64(r, &nrows))
		return SG_E_SYNTAX;
	if (nrows > 0 && t->ncols == 0)
		return bad(r, "rows in a table without columns");
	/* Each cell takes at least MIN_CELL_WIRE bytes: bound before allocating. */
	if (nrows > (r->len - r->off) / MIN_CELL_WIRE / (t->ncols ? t->ncols : 1))
		return bad(r, "more rows announced than the message holds");
	if (nrows > 0) {
		text = malloc(((size_t)SG_WIRE_STRING_MAX + 1) * t->ncols);
		if (text == NULL)
			return SG_E_NOMEM;
	}
	for (uint64_t i = 0; rc == SG_OK && i < nrows; i++) {
		for (size_t c = 0; c < t->ncols; c++) {
			char *cell = text + c * ((size_t)SG_WIRE_STRING_MAX + 1);

			if (!sg_wire_get_str(r, cell, (size_t)SG_WIRE_STRING_MAX + 1)) {
				rc = SG_E_SYNTAX;
				break;
			}
			row[c] = cell;
		}
		if (rc == SG_OK) {
			rc = sg_table_row(t, row);
			if (rc == SG_E_ARG)
				rc = bad(r, "a number column holds something else");
		}
	}
	free(text);
	return rc;
}

enum sg_err sg_table_decode(struct sg_wire_in *r, struct sg_table *t)
{
	enum sg_err rc;

	sg_table_init(t, NULL);
	if (!sg_wire_get_str(r, t->title, sizeof(t->title)) ||
	    !sg_wire_get_str(r, t->message, sizeof(t->message)))
		return SG_E_SYNTAX;
	rc = decode_columns(r, t);
	if (rc == SG_OK)
		rc = decode_rows(r, t);
	return rc;
}

/* ---- text ---- */

/* Display width in code points (the text is valid UTF-8). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Appends s with C0 controls, DEL and C1 controls (U+0080..U+009F) as '?'. */
static enum sg_err put_visible(struct sg_buf *out, const char *s)
{
	enum sg_err rc = SG_OK;

	for (const unsigned char *p = (const unsigned char *)s; *p && rc == SG_OK; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			rc = sg_buf_putc(out, '?');
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			rc = sg_buf_putc(out, '?');
			p++;
		} else {
			rc = sg_buf_putc(out, (char)*p);
		}
	}
	return rc;
}

static enum sg_err put_spaces(struct sg_buf *out, size_t n)
{
	static const char blanks[] = "                                ";
	enum sg_err rc = SG_OK;

	while (n > 0 && rc == SG_OK) {
		size_t k = n < sizeof(blanks) - 1 ? n : sizeof(blanks) - 1;

		rc = sg_buf_append(out, blanks, k);
		n -= k;
	}
	return rc;
}

/* One line of cells (cells[c] for each column), padded to widths. */
static enum sg_err put_line(const struct sg_table *t, const char *const *cells,
			    const size_t *widths, struct sg_buf *out)
{
	size_t start = out->len;
	enum sg_err rc = SG_OK;

	for (size_t c = 0; c < t->ncols && rc == SG_OK; c++) {
		size_t pad = widths[c] - width(cells[c]);
		bool last = c + 1 == t->ncols;

		if (c > 0)
			rc = put_spaces(out, 2);
		if (rc == SG_OK && t->col_kind[c] == SG_COL_INT)
			rc = put_spaces(out, pad);
		if (rc == SG_OK)
			rc = put_visible(out, cells[c]);
		if (rc == SG_OK && t->col_kind[c] == SG_COL_TEXT && !last)
			rc = put_spaces(out, pad);
	}
	if (rc != SG_OK)
		return rc;
	while (out->len > start && out->data[out->len - 1] == ' ')
		out->len--;	/* an empty last cell leaves the separator */
	return sg_buf_putc(out, '\n');
}

enum sg_err sg_table_render_text(const struct sg_table *t, struct sg_buf *out)
{
	size_t widths[SG_TABLE_MAX_COLS];
	const char *names[SG_TABLE_MAX_COLS];
	enum sg_err rc = SG_OK;

	for (size_t c = 0; c < t->ncols; c++) {
		names[c] = t->col_name[c];
		widths[c] = width(names[c]);
		for (size_t i = 0; i < t->nrows; i++) {
			size_t w = width(t->cells[i * t->ncols + c]);

			widths[c] = w > widths[c] ? w : widths[c];
		}
	}
	if (t->title[0]) {
		rc = put_visible(out, t->title);
		if (rc == SG_OK)
			rc = sg_buf_putc(out, '\n');
	}
	if (rc == SG_OK && t->ncols > 0)
		rc = put_line(t, names, widths, out);
	for (size_t i = 0; rc == SG_OK && i < t->nrows; i++)
		rc = put_line(t, (const char *const *)&t->cells[i * t->ncols], widths, out);
	if (rc == SG_OK && t->message[0]) {
		rc = put_visible(out, t->message);
		if (rc == SG_OK)
			rc = sg_buf_putc(out, '\n');
	}
	return rc;
}

/* ---- JSON ---- */

static enum sg_err put_json_string(struct sg_buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	enum sg_err rc = sg_buf_putc(out, '"');

	for (const unsigned char *p = (const unsigned char *)s; *p && rc == SG_OK; p++) {
		switch (*p) {
		case '"': rc = sg_buf_puts(out, "\\\""); break;
		case '\\': rc = sg_buf_puts(out, "\\\\"); break;
		case '\b': rc = sg_buf_puts(out, "\\b"); break;
		case '\f': rc = sg_buf_puts(out, "\\f"); break;
		case '\n': rc = sg_buf_puts(out, "\\n"); break;
		case '\r': rc = sg_buf_puts(out, "\\r"); break;
		case '\t': rc = sg_buf_puts(out, "\\t"); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				char u[7] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15], 0 };

				rc = sg_buf_puts(out, u);
			} else {
				rc = sg_buf_putc(out, (char)*p);
			}
		}
	}
	return rc == SG_OK ? sg_buf_putc(out, '"') : rc;
}

static enum sg_err put_json_row(const struct sg_table *t, size_t i, struct sg_buf *out)
{
	enum sg_err rc = sg_buf_putc(out, '{');

	for (size_t c = 0; c < t->ncols && rc == SG_OK; c++) {
		const char *cell = t->cells[i * t->ncols + c];

		if (c > 0)
			rc = sg_buf_putc(out, ',');
		if (rc == SG_OK)
			rc = put_json_string(out, t->col_name[c]);
		if (rc == SG_OK)
			rc = sg_buf_putc(out, ':');
		if (rc != SG_OK)
			break;
		if (t->col_kind[c] == SG_COL_INT)
			rc = sg_buf_puts(out, cell[0] ? cell : "null");
		else
			rc = put_json_string(out, cell);
	}
	return rc == SG_OK ? sg_buf_putc(out, '}') : rc;
}

enum sg_err sg_table_render_json(const struct sg_table *t, struct sg_buf *out)
{
	enum sg_err rc = sg_buf_puts(out, "{\"title\":");

	if (rc == SG_OK)
		rc = put_json_string(out, t->title);
	if (rc == SG_OK)
		rc = sg_buf_puts(out, ",\"message\":");
	if (rc == SG_OK)
		rc = put_json_string(out, t->message);
	if (rc == SG_OK)
		rc = sg_buf_puts(out, ",\"rows\":[");
	for (size_t i = 0; i < t->nrows && rc == SG_OK; i++) {
		if (i > 0)
			rc = sg_buf_putc(out, ',');
		if (rc == SG_OK)
			rc = put_json_row(t, i, out);
	}
	return rc == SG_OK ? sg_buf_puts(out, "]}\n") : rc;
}
