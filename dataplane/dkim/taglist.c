/*
 * NAME
 *   taglist.c - RFC 6376 3.2 tag=value list parser (see taglist.h)
 *
 * SUMMARY
 *   One left-to-right pass over
 *     tag-list = tag-spec *(";" tag-spec) [";"]
 *     tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   FWS here is any run of SP, HTAB, CR and LF (DNS TXT data has no
 *   folding rules; header fields arrive with CRLF+WSP folding intact).
 *   Values run to the next ';' and may contain '=', inner whitespace and
 *   8-bit bytes (RFC 8616); other control bytes are refused. An empty
 *   tag-spec (";;", or ";" at the start) is an error; only one trailing ';'
 *   is allowed. Duplicate names are an error (RFC 6376 3.2: "Tags with
 *   duplicate names MUST NOT occur"), compared case-sensitively.
 *
 * DIAGNOSTICS
 *   SG_E_SYNTAX or SG_E_LIMIT; err->offset is the offset in s of the
 *   offending byte, err->line is 0 (the caller knows the line).
 *
 * UNTRUSTED INPUT
 *   Signature header values and DNS key records. At most SG_TAGLIST_MAX
 *   tags; O(n + tags^2) work; no allocation.
 */
#include <stddef.h>
#include <string.h>

#include "lex.h"
#include "taglist.h"

struct cursor {
	const char *s;
	size_t len;
	size_t i;
};

static void skip_fws(struct cursor *c)
{
	while (c->i < c->len && sg_lex_is_fws((unsigned char)c->s[c->i]))
		c->i++;
}

static bool is_name_char(unsigned char ch)
{
	return sg_lex_is_alpha(ch) || sg_lex_is_digit(ch) || ch == '_';
}

static bool is_control(unsigned char ch)
{
	return (ch < 0x20 && !sg_lex_is_fws(ch)) || ch == 0x7f;
}

/* tag-name [FWS] "=" ; on success c->i is just past the '='. */
static enum sg_err parse_name(struct cursor *c, struct sg_tag *tag, struct sg_error *err)
{
	unsigned char ch = (unsigned char)c->s[c->i];
	size_t after_name;

	if (ch == ';')
		return sg_error_set(err, SG_E_SYNTAX, 0, c->i,
				    "tag list: empty tag (';' at offset %zu)", c->i);
	if (!sg_lex_is_alpha(ch))
		return sg_error_set(err, SG_E_SYNTAX, 0, c->i,
				    "tag list: tag name must start with a letter, "
				    "got byte 0x%02x at offset %zu", ch, c->i);
	tag->name = c->s + c->i;
	tag->offset = c->i;
	while (c->i < c->len && is_name_char((unsigned char)c->s[c->i]))
		c->i++;
	tag->name_len = c->i - tag->offset;
	after_name = c->i;
	skip_fws(c);
	if (c->i < c->len && c->s[c->i] == '=') {
		c->i++;
		return SG_OK;
	}
	if (c->i == c->len || c->s[c->i] == ';')
		return sg_error_set(err, SG_E_SYNTAX, 0, c->i,
				    "tag list: tag '%.*s' has no '=' (offset %zu)",
				    (int)tag->name_len, tag->name, c->i);
	if (c->i == after_name)
		return sg_error_set(err, SG_E_SYNTAX, 0, c->i,
				    "tag list: invalid byte 0x%02x in tag name '%.*s' at offset %zu",
				    (unsigned char)c->s[c->i], (int)tag->name_len, tag->name, c->i);
	return sg_error_set(err, SG_E_SYNTAX, 0, c->i,
			    "tag list: expected '=' after tag name '%.*s' at offset %zu",
			    (int)tag->name_len, tag->name, c->i);
}

/* [FWS] tag-value [FWS] up to ';' or the end; c->i is left on the ';'. */
static enum sg_err parse_value(struct cursor *c, struct sg_tag *tag, struct sg_error *err)
{
	size_t start;
	unsigned char ch;

	skip_fws(c);
	start = c->i;
	while (c->i < c->len && c->s[c->i] != ';') {
		ch = (unsigned char)c->s[c->i];
		if (is_control(ch))
			return sg_error_set(err, SG_E_SYNTAX, 0, c->i,
					    "tag list: control byte 0x%02x in the value of tag "
					    "'%.*s' at offset %zu", ch, (int)tag->name_len,
					    tag->name, c->i);
		c->i++;
	}
	tag->value = c->s + start;
	tag->value_len = c->i - start;
	while (tag->value_len > 0 && sg_lex_is_fws((unsigned char)tag->value[tag->value_len - 1]))
		tag->value_len--;
	return SG_OK;
}

static const struct sg_tag *find(const struct sg_taglist *tl, const char *name, size_t n)
{
	for (size_t k = 0; k < tl->count; k++) {
		if (tl->tags[k].name_len == n && memcmp(tl->tags[k].name, name, n) == 0)
			return &tl->tags[k];
	}
	return NULL;
}

static enum sg_err add_tag(struct sg_taglist *out, const struct sg_tag *tag,
			   struct sg_error *err)
{
	if (find(out, tag->name, tag->name_len) != NULL)
		return sg_error_set(err, SG_E_SYNTAX, 0, tag->offset,
				    "tag list: duplicate tag '%.*s' at offset %zu",
				    (int)tag->name_len, tag->name, tag->offset);
	if (out->count == SG_TAGLIST_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, tag->offset,
				    "tag list: more than %d tags (offset %zu)",
				    SG_TAGLIST_MAX, tag->offset);
	out->tags[out->count++] = *tag;
	return SG_OK;
}

enum sg_err sg_taglist_parse(const char *s, size_t len, struct sg_taglist *out,
			     struct sg_error *err)
{
	struct cursor c = { .s = s, .len = len, .i = 0 };
	struct sg_tag tag;
	enum sg_err rc;

	out->count = 0;
	skip_fws(&c);
	while (c.i < c.len) {
		rc = parse_name(&c, &tag, err);
		if (rc == SG_OK)
			rc = parse_value(&c, &tag, err);
		if (rc == SG_OK)
			rc = add_tag(out, &tag, err);
		if (rc != SG_OK) {
			out->count = 0;
			return rc;
		}
		if (c.i < c.len)
			c.i++;		/* the ';' */
		skip_fws(&c);
	}
	return SG_OK;
}

const struct sg_tag *sg_taglist_get(const struct sg_taglist *tl, const char *name)
{
	return find(tl, name, strlen(name));
}
