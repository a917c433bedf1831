/*
 * NAME
 *   canon_vectors.h - reader for the canonicalization.tsv vector files of
 *                     ../shared/testdata (dkimpy, go-msgauth)
 *
 * SUMMARY
 *   cv_load(path, &n) reads "kind<TAB>input<TAB>expected<TAB>note" rows
 *   (the first line is the column header) and returns a malloc'd array of
 *   n rows with input and expected unescaped: \r \n \t \\ \" \xHH; an
 *   empty cell is the empty string. An unknown escape or a row without
 *   three tabs fails the test. cv_free releases the array. Header-only,
 *   shared by test_canon_body.c and test_canon_header.c.
 */
#ifndef SIGNET_TEST_CANON_VECTORS_H
#define SIGNET_TEST_CANON_VECTORS_H

#include "testutil.h"

struct cv_row {
	char kind[32];
	char *input;		/* unescaped, NUL-terminated */
	size_t input_len;
	char *expected;
	size_t expected_len;
	char note[512];
	int line;		/* in the TSV file */
};

static inline int cv_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescapes cell[0..n) into a new buffer. */
static inline char *cv_unescape(const char *cell, size_t n, size_t *outlen, int line)
{
	char *out = malloc(n + 1);
	size_t j = 0;

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		if (cell[i] != '\\') {
			out[j++] = cell[i];
			continue;
		}
		if (++i == n)
			fail_msg("line %d: escape at end of cell", line);
		switch (cell[i]) {
		case 'r': out[j++] = '\r'; break;
		case 'n': out[j++] = '\n'; break;
		case 't': out[j++] = '\t'; break;
		case '\\': out[j++] = '\\'; break;
		case '"': out[j++] = '"'; break;
		case 'x':
			if (i + 2 >= n || cv_hex(cell[i + 1]) < 0 || cv_hex(cell[i + 2]) < 0)
				fail_msg("line %d: bad \\x escape", line);
			out[j++] = (char)(cv_hex(cell[i + 1]) * 16 + cv_hex(cell[i + 2]));
			i += 2;
			break;
		default:
			fail_msg("line %d: unknown escape \\%c", line, cell[i]);
		}
	}
	out[j] = '\0';
	*outlen = j;
	return out;
}

static inline struct cv_row *cv_load(const char *path, size_t *count)
{
	size_t len, n = 0, cap = 16;
	char *text = tu_read(path, &len);
	struct cv_row *rows = calloc(cap, sizeof(*rows));
	char *line = text, *next;
	int lineno = 0;

	assert_non_null(rows);
	for (; line != NULL && *line != '\0'; line = next) {
		char *tab1, *tab2, *tab3, *end;
		struct cv_row *r;

		next = strchr(line, '\n');
		end = next ? next : line + strlen(line);
		if (next)
			*next++ = '\0';
		if (++lineno == 1 || end == line)
			continue;	/* column header, blank line */
		tab1 = strchr(line, '\t');
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		tab3 = tab2 ? strchr(tab2 + 1, '\t') : NULL;
		if (tab3 == NULL)
			fail_msg("%s line %d: fewer than 4 columns", path, lineno);
		if (n == cap) {
			cap *= 2;
			rows = realloc(rows, cap * sizeof(*rows));
			assert_non_null(rows);
		}
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		snprintf(r->kind, sizeof(r->kind), "%.*s", (int)(tab1 - line), line);
		r->input = cv_unescape(tab1 + 1, (size_t)(tab2 - tab1 - 1), &r->input_len, lineno);
		r->expected = cv_unescape(tab2 + 1, (size_t)(tab3 - tab2 - 1), &r->expected_len,
					  lineno);
		snprintf(r->note, sizeof(r->note), "%s", tab3 + 1);
		r->line = lineno;
	}
	free(text);
	*count = n;
	return rows;
}

static inline void cv_free(struct cv_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].input);
		free(rows[i].expected);
	}
	free(rows);
}

#endif
