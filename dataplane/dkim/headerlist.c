/*
 * NAME
 *   headerlist.c - signer header lists (Momentum syntax) and RFC 6376
 *                  5.4.2 header selection (see headerlist.h)
 *
 * SUMMARY
 *   sg_headerlist_parse reads "From:Subject:Date:To:MIME-Version?" into
 *   entries. An entry is a field name, optionally followed by one suffix
 *   ('?', '*' or '+'), with optional whitespace (SP, HTAB, CR, LF) around
 *   it. A field name is RFC 5322 ftext (printable ASCII except ':'), at
 *   most SG_FIELD_NAME_MAX bytes; the suffix characters are refused inside
 *   a name (they are ftext, but "A?b" or "From??" is far likelier a typo
 *   than a real field). The list must sign From unconditionally (From or
 *   From*): RFC 6376 5.4 requires From in every h=.
 *
 *   sg_headerlist_expand and sg_select_headers compare names ASCII
 *   case-insensitively; selection works bottom-up and never picks a field
 *   twice, nor the 'skip' field (identified by its raw pointer, so a copy
 *   of the struct also matches).
 *
 * DIAGNOSTICS
 *   Parse errors are SG_E_SYNTAX or SG_E_LIMIT with the entry number and
 *   the byte offset in the text.
 *
 * UNTRUSTED INPUT
 *   The configuration text (at most HEADERLIST_TEXT_MAX bytes) and the
 *   message's header fields. Work: O(entries * fields).
 */
#include <stdint.h>
#include <string.h>

#include "headerlist.h"
#include "lex.h"

#define HEADERLIST_TEXT_MAX 8192

static bool name_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		if (sg_lex_lower((unsigned char)a[i]) != sg_lex_lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

static bool field_named(const struct sg_header_field *f, const char *name, size_t len)
{
	return name_equal(f->raw, f->name_len, name, len);
}

static bool is_suffix(char ch)
{
	return ch == '?' || ch == '*' || ch == '+';
}

static enum sg_hl_mode suffix_mode(char ch)
{
	switch (ch) {
	case '?': return SG_HL_ONE_OPTIONAL;
	case '*': return SG_HL_ALL;
	case '+': return SG_HL_ALL_OPTIONAL;
	default: return SG_HL_ONE;
	}
}

/* Checks the bytes of a name at text[off, off + len). */
static enum sg_err check_name(const char *text, size_t off, size_t len, size_t entry,
			      struct sg_error *err)
{
	if (len == 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, off,
				    "headerlist entry %zu has a suffix but no field name", entry);
	if (len > SG_FIELD_NAME_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, off,
				    "headerlist entry %zu: field name longer than %d bytes",
				    entry, SG_FIELD_NAME_MAX);
	for (size_t i = off; i < off + len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (is_suffix((char)ch))
			return sg_error_set(err, SG_E_SYNTAX, 0, i,
					    "headerlist entry %zu: '%c' at offset %zu may only "
					    "end an entry, as its one suffix", entry, ch, i);
		if (ch < 33 || ch > 126)
			return sg_error_set(err, SG_E_SYNTAX, 0, i,
					    "headerlist entry %zu: byte 0x%02x at offset %zu is "
					    "not allowed in a field name", entry, ch, i);
	}
	return SG_OK;
}

/* Parses the entry text[begin, end) into out->entries[out->count]. */
static enum sg_err parse_entry(const char *text, size_t begin, size_t end,
			       struct sg_headerlist *out, struct sg_error *err)
{
	size_t entry = out->count + 1;
	struct sg_hl_entry *e;
	enum sg_hl_mode mode = SG_HL_ONE;
	enum sg_err rc;

	while (begin < end && sg_lex_is_fws((unsigned char)text[begin]))
		begin++;
	while (end > begin && sg_lex_is_fws((unsigned char)text[end - 1]))
		end--;
	if (begin == end)
		return sg_error_set(err, SG_E_SYNTAX, 0, begin,
				    "headerlist entry %zu at offset %zu is empty", entry, begin);
	if (out->count == SG_HEADERLIST_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, begin,
				    "headerlist has more than %d entries", SG_HEADERLIST_MAX);
	if (is_suffix(text[end - 1])) {
		mode = suffix_mode(text[end - 1]);
		end--;
	}
	rc = check_name(text, begin, end - begin, entry, err);
	if (rc != SG_OK)
		return rc;
	e = &out->entries[out->count++];
	memcpy(e->name, text + begin, end - begin);
	e->name[end - begin] = '\0';
	e->mode = mode;
	return SG_OK;
}

static enum sg_err check_from(const struct sg_headerlist *hl, struct sg_error *err)
{
	bool optional_from = false;

	for (size_t i = 0; i < hl->count; i++) {
		const struct sg_hl_entry *e = &hl->entries[i];

		if (!name_equal(e->name, strlen(e->name), "From", 4))
			continue;
		if (e->mode == SG_HL_ONE || e->mode == SG_HL_ALL)
			return SG_OK;
		optional_from = true;
	}
	if (optional_from)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0,
				    "headerlist: From must be signed in every message; write "
				    "\"From\" or \"From*\", not \"From?\" or \"From+\"");
	return sg_error_set(err, SG_E_SYNTAX, 0, 0,
			    "headerlist has no From entry (RFC 6376 5.4: From must be signed)");
}

enum sg_err sg_headerlist_parse(const char *text, struct sg_headerlist *out,
				struct sg_error *err)
{
	size_t len, begin = 0;
	enum sg_err rc;

	out->count = 0;
	if (text == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "headerlist: no text");
	len = strnlen(text, HEADERLIST_TEXT_MAX + 1);
	if (len > HEADERLIST_TEXT_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, HEADERLIST_TEXT_MAX,
				    "headerlist longer than %d bytes", HEADERLIST_TEXT_MAX);
	for (;;) {
		const char *colon = memchr(text + begin, ':', len - begin);
		size_t end = colon ? (size_t)(colon - text) : len;

		rc = parse_entry(text, begin, end, out, err);
		if (rc != SG_OK) {
			out->count = 0;
			return rc;
		}
		if (colon == NULL)
			break;
		begin = end + 1;
	}
	rc = check_from(out, err);
	if (rc != SG_OK)
		out->count = 0;
	return rc;
}

static size_t count_fields(const struct sg_header_field *fields, size_t nfields,
			   const char *name, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < nfields; i++) {
		if (field_named(&fields[i], name, len))
			n++;
	}
	return n;
}

/* How many h= names an entry contributes when the message has 'present'
 * fields of that name. */
static size_t copies_to_sign(enum sg_hl_mode mode, size_t present)
{
	switch (mode) {
	case SG_HL_ONE: return 1;
	case SG_HL_ONE_OPTIONAL: return present > 0 ? 1 : 0;
	case SG_HL_ALL: return present > 0 ? present : 1;
	case SG_HL_ALL_OPTIONAL: return present;
	}
	return 0;
}

enum sg_err sg_headerlist_expand(const struct sg_headerlist *hl,
				 const struct sg_header_field *fields, size_t nfields,
				 struct sg_name_ref *names, size_t cap, size_t *count)
{
	size_t n = 0;

	*count = 0;
	for (size_t i = 0; i < hl->count; i++) {
		const struct sg_hl_entry *e = &hl->entries[i];
		size_t len = strlen(e->name);
		size_t k = copies_to_sign(e->mode, count_fields(fields, nfields, e->name, len));

		if (k > cap - n)
			return SG_E_LIMIT;
		for (size_t j = 0; j < k; j++) {
			names[n].s = e->name;
			names[n].len = len;
			n++;
		}
	}
	*count = n;
	return SG_OK;
}

bool sg_headerlist_mentions(const struct sg_headerlist *hl, const struct sg_header_field *f)
{
	for (size_t i = 0; i < hl->count; i++) {
		if (sg_header_is(f, hl->entries[i].name))
			return true;
	}
	return false;
}

void sg_select_headers(const struct sg_name_ref *names, size_t nnames,
		       const struct sg_header_field *fields, size_t nfields,
		       const struct sg_header_field *skip, unsigned char *used, long *picked)
{
	if (nfields > 0)
		memset(used, 0, nfields);
	for (size_t i = 0; i < nnames; i++) {
		picked[i] = -1;
		for (size_t j = nfields; j-- > 0;) {
			if (used[j] || (skip != NULL && fields[j].raw == skip->raw))
				continue;
			if (field_named(&fields[j], names[i].s, names[i].len)) {
				used[j] = 1;
				picked[i] = (long)j;
				break;
			}
		}
	}
}
