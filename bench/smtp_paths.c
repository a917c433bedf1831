/*
 * NAME
 *   smtp_paths.c - the SMTP envelope of a message from its From, To and Cc
 *                  header fields (for smtp-load)
 *
 * SUMMARY
 *   smtp_envelope_of (smtp_bench.h) walks the header section (up to the
 *   first empty line, or the whole message when there is none), unfolds
 *   each From, To and Cc field into a bounded buffer, splits its value at
 *   commas outside quoted strings, comments and angle brackets, and takes
 *   from each entry the address in angle brackets or, without brackets,
 *   the entry with its comments and white space removed. Every address is
 *   checked by sg_smtp_path_parse (smtp_envelope.h). The first From
 *   field's first address is the reverse path; every To and Cc address is
 *   a recipient, in order.
 *
 * UNTRUSTED INPUT
 *   Message bytes (corpus files): field values at most SMTP_FIELD_MAX
 *   octets unfolded, addresses at most SG_SMTP_PATH_MAX, recipients at
 *   most the envelope's max_rcpt; errors name the field and the entry.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp_bench.h"

enum field_kind { FIELD_OTHER, FIELD_FROM, FIELD_RCPT };

struct field {
	enum field_kind kind;
	char name[8];
	char value[SMTP_FIELD_MAX + 1];
	size_t len;
};

/* Checks one address with the RFC 5321 path parser; writes it to out. */
static bool check_address(const char *addr, size_t n, char *out, char *why, size_t cap)
{
	char path[SG_SMTP_PATH_MAX + 1];
	struct sg_error err = { 0 };
	const char *end = NULL;

	if (n + 2 > SG_SMTP_PATH_MAX) {
		snprintf(why, cap, "address \"%.40s...\" longer than %d octets", addr,
			 SG_SMTP_PATH_MAX - 2);
		return false;
	}
	snprintf(path, sizeof(path), "<%.*s>", (int)n, addr);
	if (sg_smtp_path_parse(path, false, false, out, SG_SMTP_PATH_MAX, &end, &err) != SG_OK) {
		snprintf(why, cap, "address \"%s\": %s", path, err.msg);
		return false;
	}
	if (*end != '\0') {
		snprintf(why, cap, "address \"%s\": text after the address", path);
		return false;
	}
	return true;
}

/* The address of one list entry: inside <...>, else the entry without
 * comments and white space. */
static bool entry_address(const char *s, size_t n, char *out, char *why, size_t cap)
{
	char bare[SMTP_FIELD_MAX + 1];
	size_t bn = 0, i;
	int depth = 0;
	bool quoted = false;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (quoted) {
			if (ch == '\\' && i + 1 < n)
				bare[bn++] = s[i++];
			else if (ch == '"')
				quoted = false;
			bare[bn++] = s[i];
		} else if (depth > 0 || ch == '(') {
			depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
		} else if (ch == '<') {
			const char *close = memchr(s + i, '>', n - i);

			if (close == NULL) {
				snprintf(why, cap, "'<' without '>' in \"%.*s\"", (int)n, s);
				return false;
			}
			return check_address(s + i + 1, (size_t)(close - s - i - 1), out, why, cap);
		} else if (ch != ' ' && ch != '\t') {
			quoted = ch == '"';
			bare[bn++] = ch;
		}
	}
	return check_address(bare, bn, out, why, cap);
}

/* Splits the field's value into entries; adds each address to env. */
static bool field_addresses(const struct field *f, struct sg_smtp_envelope *env, char *why,
			    size_t cap)
{
	const char *v = f->value;
	size_t start = 0, i;
	int depth = 0, angle = 0;
	bool quoted = false;

	for (i = 0; i <= f->len; i++) {
		char ch = i < f->len ? v[i] : ',';
		char addr[SG_SMTP_PATH_MAX];

		if (i < f->len && quoted) {
			i += ch == '\\' && i + 1 < f->len;
			quoted = ch != '"';
			continue;
		}
		quoted = ch == '"';
		depth += ch == '(' ? 1 : ch == ')' && depth > 0 ? -1 : 0;
		angle += ch == '<' ? 1 : ch == '>' && angle > 0 ? -1 : 0;
		if (i < f->len && (ch != ',' || depth > 0 || angle > 0))
			continue;	/* the last entry ends at the end, whatever is open */
		if (strspn(v + start, " \t") < i - start) {
			enum sg_err rc;

			if (!entry_address(v + start, i - start, addr, why, cap))
				return false;
			if (f->kind == FIELD_FROM) {
				if (env->mail_from[0] == '\0')
					snprintf(env->mail_from, sizeof(env->mail_from), "%s", addr);
				return true;
			}
			rc = sg_smtp_envelope_add_rcpt(env, addr);
			if (rc != SG_OK) {
				snprintf(why, cap, "%s: recipient %s: %s", f->name, addr,
					 rc == SG_E_LIMIT ? "too many recipients" : "out of memory");
				return false;
			}
		}
		start = i + 1;
	}
	return true;
}

static enum field_kind kind_of(const char *line, size_t name_len)
{
	if (name_len == 4 && strncasecmp(line, "From", 4) == 0)
		return FIELD_FROM;
	if ((name_len == 2 && (strncasecmp(line, "To", 2) == 0 ||
			       strncasecmp(line, "Cc", 2) == 0)))
		return FIELD_RCPT;
	return FIELD_OTHER;
}

/* Length of the line at p (without its CRLF or LF) and where the next
 * line starts. */
static size_t line_at(const char *p, const char *end, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	size_t n = lf ? (size_t)(lf - p) : (size_t)(end - p);

	*next = lf ? lf + 1 : end;
	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

/* Reads the field starting at *p (unfolded) into f; moves *p past it. */
static bool read_field(const char **p, const char *end, struct field *f, char *why,
		       size_t cap)
{
	const char *next, *colon;
	size_t n = line_at(*p, end, &next);

	colon = memchr(*p, ':', n);
	f->kind = colon ? kind_of(*p, (size_t)(colon - *p)) : FIELD_OTHER;
	f->len = 0;
	snprintf(f->name, sizeof(f->name), "%.*s", colon ? (int)(colon - *p) : 0, *p);
	if (colon != NULL) {
		n -= (size_t)(colon + 1 - *p);
		*p = colon + 1;
	}
	for (;;) {
		if (f->kind != FIELD_OTHER) {
			if (f->len + n > SMTP_FIELD_MAX) {
				snprintf(why, cap, "%s field longer than %d octets", f->name,
					 SMTP_FIELD_MAX);
				return false;
			}
			memcpy(f->value + f->len, *p, n);
			f->len += n;
		}
		*p = next;
		if (*p >= end || (**p != ' ' && **p != '\t'))
			break;
		n = line_at(*p, end, &next);
	}
	f->value[f->len] = '\0';
	return true;
}

bool smtp_envelope_of(const char *msg, size_t len, struct sg_smtp_envelope *env, char *why,
		      size_t cap)
{
	const char *p = msg, *end = msg + len, *next;
	struct field f;

	env->mail_from[0] = '\0';
	while (p < end && line_at(p, end, &next) > 0) {
		if (!read_field(&p, end, &f, why, cap))
			return false;
		if (f.kind == FIELD_FROM && env->mail_from[0] != '\0')
			continue;
		if (f.kind != FIELD_OTHER && !field_addresses(&f, env, why, cap))
			return false;
	}
	if (env->mail_from[0] == '\0') {
		snprintf(why, cap, "no address in a From field");
		return false;
	}
	if (env->n_rcpt == 0) {
		snprintf(why, cap, "no address in a To or Cc field");
		return false;
	}
	return true;
}
