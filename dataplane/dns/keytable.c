/*
 * NAME
 *   keytable.c - key lookups answered from a "NAME TXT-VALUE" table
 *                (see keytable.h)
 *
 * SUMMARY
 *   Records live in an open-addressing hash table (linear probing, kept at
 *   most half full, FNV-1a over the lower-cased name), so a table of 100k
 *   records loads in one pass and answers in constant time. Each record is
 *   one allocation: the lower-cased name, its NUL, the value, its NUL.
 *   Names are stored and compared without one trailing dot. A loaded
 *   table is only read by lookups, so many threads may look up at once;
 *   sg_keytable_set must not run concurrently with anything else.
 *
 * DIAGNOSTICS
 *   Parse errors read "PATH:LINE: reason" (sg_keytable_load) or
 *   "line LINE: reason" (sg_keytable_parse), with err->line set and
 *   err->offset the byte offset of the offending byte in the input.
 *
 * UNTRUSTED INPUT
 *   The table file: at most KT_FILE_MAX bytes, lines of at most KT_LINE_MAX
 *   bytes, names of at most KT_NAME_MAX printable bytes without empty
 *   labels, values without control characters other than HTAB. Queried
 *   names come from signatures (sender-chosen): they are only hashed and
 *   compared, never copied.
 */
/* System library. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Engine. */
#include "buf.h"

/* This layer. */
#include "keytable.h"
#include "lookup_why.h"

#define KT_FILE_MAX	(16u << 20)	/* bytes in a table file */
#define KT_LINE_MAX	(64u << 10)	/* bytes in one line, without its end */
#define KT_NAME_MAX	253		/* bytes in a name, without the trailing dot */
#define KT_MIN_SLOTS	64

struct kt_record {
	char *name;		/* NULL: empty slot; the value follows the name's NUL */
	const char *value;
	size_t name_len;
	size_t value_len;
	uint64_t hash;
};

struct sg_keytable {
	struct kt_record *slots;
	size_t nslots;		/* a power of two */
	size_t count;
};

/* Where a parse error happened, for its message. */
struct kt_source {
	const char *path;	/* NULL for sg_keytable_parse */
	uint32_t line;
	uint64_t line_offset;	/* offset of the line's first byte */
	struct sg_error *err;
};

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= ascii_lower((unsigned char)s[i]);
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool name_matches(const struct kt_record *rec, const char *s, size_t n, uint64_t hash)
{
	if (rec->hash != hash || rec->name_len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)rec->name[i] != ascii_lower((unsigned char)s[i]))
			return false;
	return true;
}

/* The slot holding name s, or the empty slot where it belongs. */
static struct kt_record *find_slot(const struct sg_keytable *t, const char *s, size_t n,
				   uint64_t hash)
{
	size_t mask = t->nslots - 1;

	for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
		struct kt_record *rec = &t->slots[i];

		if (rec->name == NULL || name_matches(rec, s, n, hash))
			return rec;
	}
}

static enum sg_err grow(struct sg_keytable *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : KT_MIN_SLOTS;
	struct sg_keytable bigger = { NULL, nslots, 0 };

	if (nslots < t->nslots || nslots > SIZE_MAX / sizeof(struct kt_record))
		return SG_E_NOMEM;
	bigger.slots = calloc(nslots, sizeof(struct kt_record));
	if (bigger.slots == NULL)
		return SG_E_NOMEM;
	for (size_t i = 0; i < t->nslots; i++) {
		const struct kt_record *rec = &t->slots[i];

		if (rec->name != NULL)
			*find_slot(&bigger, rec->name, rec->name_len, rec->hash) = *rec;
	}
	free(t->slots);
	t->slots = bigger.slots;
	t->nslots = nslots;
	return SG_OK;
}

/* Stores name -> value; an existing name keeps its value unless replace. */
static enum sg_err put(struct sg_keytable *t, const char *name, size_t name_len,
		       const char *value, size_t value_len, bool replace)
{
	uint64_t hash = name_hash(name, name_len);
	struct kt_record *rec;
	char *mem;

	if ((t->count + 1) * 2 > t->nslots && grow(t) != SG_OK)
		return SG_E_NOMEM;
	rec = find_slot(t, name, name_len, hash);
	if (rec->name != NULL && !replace)
		return SG_OK;
	mem = malloc(name_len + value_len + 2);
	if (mem == NULL)
		return SG_E_NOMEM;
	for (size_t i = 0; i < name_len; i++)
		mem[i] = (char)ascii_lower((unsigned char)name[i]);
	mem[name_len] = '\0';
	memcpy(mem + name_len + 1, value, value_len);
	mem[name_len + 1 + value_len] = '\0';
	if (rec->name != NULL)
		free(rec->name);
	else
		t->count++;
	*rec = (struct kt_record){ mem, mem + name_len + 1, name_len, value_len, hash };
	return SG_OK;
}

/* NULL when name s is acceptable; else the reason, *at the offending byte. */
static const char *name_problem(const char *s, size_t n, size_t *at)
{
	*at = 0;
	if (n == 0)
		return "empty name";
	if (n > KT_NAME_MAX)
		return "name longer than 253 bytes";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		*at = i;
		if (c <= ' ' || c == 0x7f)
			return "control character or space in name";
		if (c == '.' && (i == 0 || s[i - 1] == '.'))
			return "empty label in name";
	}
	if (s[n - 1] == '.')
		return "empty label in name";
	return NULL;
}

static const char *value_problem(const char *s, size_t n, size_t *at)
{
	*at = 0;
	if (n > KT_LINE_MAX)
		return "value longer than 65536 bytes";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		*at = i;
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return "control character in value";
	}
	return NULL;
}

static enum sg_err source_error(const struct kt_source *src, enum sg_err code, size_t column,
				const char *fmt, ...) SG_PRINTF(4, 5);

static enum sg_err source_error(const struct kt_source *src, enum sg_err code, size_t column,
				const char *fmt, ...)
{
	char detail[192];
	uint64_t offset = src->line_offset + column;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (src->path != NULL)
		return sg_error_set(src->err, code, src->line, offset, "%s:%u: %s", src->path,
				    src->line, detail);
	return sg_error_set(src->err, code, src->line, offset, "line %u: %s", src->line, detail);
}

/* One line without its line end: blank, comment or record. */
static enum sg_err parse_line(struct sg_keytable *t, const char *line, size_t n,
			      const struct kt_source *src)
{
	size_t name_end = 0, value_start, at;
	const char *problem;

	while (name_end < n && !is_blank(line[name_end]))
		name_end++;
	if (name_end == 0) {
		for (size_t i = 0; i < n; i++)
			if (!is_blank(line[i]))
				return source_error(src, SG_E_SYNTAX, i,
						    "line starts with white space");
		return SG_OK;
	}
	if (line[0] == '#')
		return SG_OK;
	value_start = name_end;
	while (value_start < n && is_blank(line[value_start]))
		value_start++;
	if (value_start == n)
		return source_error(src, SG_E_SYNTAX, name_end, "name without a value");
	if (line[name_end - 1] == '.')
		name_end--;
	problem = name_problem(line, name_end, &at);
	if (problem != NULL)
		return source_error(src, SG_E_SYNTAX, at, "%s (column %zu)", problem, at + 1);
	problem = value_problem(line + value_start, n - value_start, &at);
	if (problem != NULL)
		return source_error(src, SG_E_SYNTAX, value_start + at,
				    "%s (byte 0x%02x, column %zu)", problem,
				    (unsigned char)line[value_start + at], value_start + at + 1);
	if (put(t, line, name_end, line + value_start, n - value_start, false) != SG_OK)
		return source_error(src, SG_E_NOMEM, 0, "out of memory");
	return SG_OK;
}

static enum sg_err parse_into(struct sg_keytable *t, const char *text, size_t len,
			      struct kt_source *src)
{
	size_t pos = 0;

	if (len > KT_FILE_MAX)
		return source_error(src, SG_E_LIMIT, 0, "table larger than %u bytes",
				    KT_FILE_MAX);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - pos;
		enum sg_err rc;

		src->line++;
		src->line_offset = pos;
		if (n > 0 && text[end - 1] == '\r')
			n--;
		if (n > KT_LINE_MAX)
			return source_error(src, SG_E_LIMIT, KT_LINE_MAX,
					    "line longer than %u bytes", KT_LINE_MAX);
		rc = parse_line(t, text + pos, n, src);
		if (rc != SG_OK)
			return rc;
		pos = end + 1;
	}
	return SG_OK;
}

static enum sg_err parse_table(const char *text, size_t len, const char *path,
			       struct sg_keytable **out, struct sg_error *err)
{
	struct kt_source src = { path, 0, 0, err };
	struct sg_keytable *t;
	enum sg_err rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL || grow(t) != SG_OK) {
		sg_keytable_free(t);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	rc = parse_into(t, text, len, &src);
	if (rc != SG_OK) {
		sg_keytable_free(t);
		return rc;
	}
	*out = t;
	return SG_OK;
}

enum sg_err sg_keytable_parse(const char *text, size_t len, struct sg_keytable **out,
			      struct sg_error *err)
{
	if (out == NULL || (text == NULL && len > 0))
		return sg_error_set(err, SG_E_ARG, 0, 0, "sg_keytable_parse: NULL argument");
	return parse_table(text ? text : "", len, NULL, out, err);
}

/* Reads the whole file into b (at most KT_FILE_MAX bytes). */
static enum sg_err read_file(const char *path, struct sg_buf *b, struct sg_error *err)
{
	char chunk[16384];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return sg_error_set(err, SG_E_IO, 0, 0, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		enum sg_err rc = sg_buf_append(b, chunk, n);

		if (rc != SG_OK) {
			fclose(f);
			if (rc == SG_E_LIMIT)
				return sg_error_set(err, rc, 0, b->len, "%s: larger than %u bytes",
						    path, KT_FILE_MAX);
			return sg_error_set(err, rc, 0, 0, "%s: out of memory", path);
		}
	}
	if (ferror(f)) {
		int saved = errno;

		fclose(f);
		return sg_error_set(err, SG_E_IO, 0, b->len, "%s: %s", path, strerror(saved));
	}
	fclose(f);
	return SG_OK;
}

enum sg_err sg_keytable_load(const char *path, struct sg_keytable **out, struct sg_error *err)
{
	struct sg_buf b;
	enum sg_err rc;

	if (path == NULL || out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "sg_keytable_load: NULL argument");
	*out = NULL;
	sg_buf_init(&b, KT_FILE_MAX);
	rc = read_file(path, &b, err);
	if (rc == SG_OK)
		rc = parse_table(sg_buf_cstr(&b), b.len, path, out, err);
	sg_buf_free(&b);
	return rc;
}

enum sg_err sg_keytable_set(struct sg_keytable *t, const char *name, const char *value)
{
	size_t name_len, value_len, at;

	if (t == NULL || name == NULL || value == NULL)
		return SG_E_ARG;
	name_len = strlen(name);
	value_len = strlen(value);
	if (name_len > 0 && name[name_len - 1] == '.')
		name_len--;
	if (name_problem(name, name_len, &at) != NULL)
		return SG_E_ARG;
	if (value_len > KT_LINE_MAX)
		return SG_E_LIMIT;
	if (value_problem(value, value_len, &at) != NULL)
		return SG_E_ARG;
	return put(t, name, name_len, value, value_len, true);
}

void sg_keytable_free(struct sg_keytable *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nslots; i++)
		free(t->slots[i].name);
	free(t->slots);
	free(t);
}

static enum sg_lookup_status keytable_answer(void *env, const char *name, char *txt, size_t cap,
					     char *why, size_t why_cap)
{
	const struct sg_keytable *t = env;
	const struct kt_record *rec;
	size_t n;

	if (t == NULL || name == NULL || txt == NULL) {
		sg_lookup_why(why, why_cap, "key table lookup without a table, name or buffer");
		return SG_LOOKUP_INVALID;
	}
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	rec = find_slot(t, name, n, name_hash(name, n));
	if (rec->name == NULL) {
		sg_lookup_why(why, why_cap, "no record in the key table");
		return SG_LOOKUP_NOTFOUND;
	}
	if (cap == 0 || rec->value_len > cap - 1) {
		sg_lookup_why(why, why_cap, "record of %zu bytes is longer than %zu", rec->value_len,
			      cap ? cap - 1 : 0);
		return SG_LOOKUP_INVALID;
	}
	memcpy(txt, rec->value, rec->value_len + 1);
	return SG_LOOKUP_OK;
}

struct sg_key_lookup sg_keytable_lookup(struct sg_keytable *t)
{
	struct sg_key_lookup lookup = { keytable_answer, t };

	return lookup;
}
