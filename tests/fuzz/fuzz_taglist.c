/*
 * NAME
 *   fuzz_taglist.c - libFuzzer target for sg_taglist_parse (taglist.h)
 *
 * SUMMARY
 *   Parses the input as one tag=value list. On success it checks what
 *   taglist.h promises: at most SG_TAGLIST_MAX tags, each pointing into the
 *   input, names of ALPHA *(ALPHA/DIGIT/"_") and all different, values
 *   without leading or trailing FWS, and sg_taglist_get finding each tag by
 *   its name. On failure the error must carry a message and an offset
 *   inside the input.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes, in an exactly-sized buffer (no NUL after it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "taglist.h"

#include "fuzzutil.h"

static bool is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static bool inside(const char *base, size_t len, const char *p, size_t n)
{
	return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

static void check_tag(const char *s, size_t len, const struct sg_taglist *tl, size_t i)
{
	const struct sg_tag *t = &tl->tags[i];
	char name[128];

	FUZZ_CHECK(inside(s, len, t->name, t->name_len), "tag %zu name outside the input", i);
	FUZZ_CHECK(inside(s, len, t->value, t->value_len), "tag %zu value outside the input", i);
	FUZZ_CHECK(t->name == s + t->offset, "tag %zu offset %zu does not match its name", i,
		   t->offset);
	FUZZ_CHECK(valid_name(t->name, t->name_len), "tag %zu has an invalid name", i);
	if (t->value_len > 0) {
		FUZZ_CHECK(!is_fws((unsigned char)t->value[0]) &&
			   !is_fws((unsigned char)t->value[t->value_len - 1]),
			   "tag %zu value keeps surrounding FWS", i);
	}
	for (size_t j = 0; j < i; j++) {
		const struct sg_tag *u = &tl->tags[j];

		FUZZ_CHECK(u->name_len != t->name_len ||
			   memcmp(u->name, t->name, t->name_len) != 0,
			   "duplicate tag name accepted (tags %zu and %zu)", j, i);
	}
	if (t->name_len < sizeof(name)) {
		memcpy(name, t->name, t->name_len);
		name[t->name_len] = '\0';
		FUZZ_CHECK(sg_taglist_get(tl, name) == t, "sg_taglist_get misses tag %zu", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_copy(data, size);
	struct sg_taglist tl;
	struct sg_error err;
	enum sg_err rc;

	sg_error_clear(&err);
	rc = sg_taglist_parse(s, size, &tl, &err);
	if (rc == SG_OK) {
		FUZZ_CHECK(tl.count <= SG_TAGLIST_MAX, "%zu tags", tl.count);
		for (size_t i = 0; i < tl.count; i++)
			check_tag(s, size, &tl, i);
		FUZZ_CHECK(sg_taglist_get(&tl, "") == NULL, "empty name found");
	} else {
		FUZZ_CHECK(err.code == rc, "error code %d recorded as %d", rc, err.code);
		FUZZ_CHECK(err.msg[0] != '\0', "error %d without a message", rc);
		FUZZ_CHECK(err.offset <= size, "error offset %llu past the input (%zu)",
			   (unsigned long long)err.offset, size);
	}
	free(s);
	return 0;
}
