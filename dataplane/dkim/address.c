/*
 * NAME
 *   address.c - first mailbox address of an address field (see address.h)
 */
#include <string.h>

#include "address.h"

/* Copies s[0..n) into out without comments, quotes kept, WSP/CR/LF removed
 * outside quotes. Returns false if it does not fit, or if a quoted string
 * or comment is left open (the text after it is not an address). */
static bool clean_copy(const char *s, size_t n, char *out, size_t cap)
{
	size_t j = 0;
	int depth = 0;
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (quoted) {
			if (c == '\\' && i + 1 < n) {
				if (j + 2 >= cap)
					return false;
				out[j++] = c;
				c = s[++i];
			} else if (c == '"') {
				quoted = false;
			}
		} else if (depth > 0) {
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		} else if (c == '(') {
			depth = 1;
			continue;
		} else if (c == '"') {
			quoted = true;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;
		}
		if (j + 1 >= cap)
			return false;
		out[j++] = c;
	}
	out[j] = '\0';
	return !quoted && depth == 0;
}

/* End of the first address item: the matching '>' of the first '<', or
 * the first ',' outside quotes, comments and angle brackets. */
static void first_item(const char *s, size_t n, size_t *start, size_t *end)
{
	int depth = 0;
	bool quoted = false;

	*start = 0;
	*end = n;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && (quoted || depth > 0)) {
			i++;
		} else if (quoted) {
			quoted = c != '"';
		} else if (depth > 0) {
			depth += c == '(' ? 1 : c == ')' ? -1 : 0;
		} else if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			depth = 1;
		} else if (c == '<') {
			const char *gt = memchr(s + i + 1, '>', n - i - 1);

			*start = i + 1;
			*end = gt ? (size_t)(gt - s) : n;
			return;
		} else if (c == ',') {
			*end = i;
			return;
		}
	}
}

bool sg_address_first(const char *value, size_t len, char *out, size_t cap)
{
	size_t start, end;
	const char *at;

	if (cap == 0)
		return false;
	first_item(value, len, &start, &end);
	if (!clean_copy(value + start, end - start, out, cap))
		return false;
	at = strrchr(out, '@');
	return at != NULL && at != out && at[1] != '\0';
}

void sg_dk_identity_note(struct sg_dk_identity *id, const struct sg_header_field *f)
{
	const char *value = f->raw + f->value_off;
	size_t len = f->len - f->value_off;

	if (sg_header_is(f, "Sender") && !sg_address_first(value, len, id->sender,
							   sizeof(id->sender)))
		id->sender[0] = '\0';
	else if (sg_header_is(f, "From") && !sg_address_first(value, len, id->from,
							       sizeof(id->from)))
		id->from[0] = '\0';
}

const char *sg_dk_identity_address(const struct sg_dk_identity *id, bool *from_sender)
{
	*from_sender = id->sender[0] != '\0';
	return *from_sender ? id->sender : id->from;
}
