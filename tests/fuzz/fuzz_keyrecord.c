/*
 * NAME
 *   fuzz_keyrecord.c - libFuzzer target for sg_keyrecord_parse and
 *                      sg_keyrecord_granularity_match (keyrecord.h)
 *
 * SUMMARY
 *   Parses the input as a TXT value twice, as a DKIM key record and as a
 *   DomainKeys key record. On success it checks the record: a known key
 *   type, at most SG_KEYRECORD_MAX_KEY key bytes, a revoked key has no
 *   bytes, a granularity is a non-empty string that fits its array. On
 *   failure the error must carry a message. Then it runs the DomainKeys g=
 *   matcher with the input cut in two at fuzz_split_point: the first part
 *   as the pattern, the rest as the local-part (many '*' must not make it
 *   slow), and with the parsed record's own g= against the input.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes, in an exactly-sized buffer (no NUL after it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyrecord.h"
#include "status.h"
#include "types.h"

#include "fuzzutil.h"

static void check_record(const struct sg_keyrecord *r)
{
	FUZZ_CHECK(r->key_type == SG_KEY_RSA || r->key_type == SG_KEY_ED25519,
		   "key type %d", (int)r->key_type);
	FUZZ_CHECK(r->key_len <= SG_KEYRECORD_MAX_KEY, "key_len %zu", r->key_len);
	FUZZ_CHECK(!r->revoked || r->key_len == 0, "revoked key with %zu bytes", r->key_len);
	if (r->has_granularity) {
		size_t n = strnlen(r->granularity, sizeof(r->granularity));

		FUZZ_CHECK(n > 0 && n <= SG_KEYRECORD_MAX_G, "granularity of %zu bytes", n);
	}
}

static void parse_as(const char *txt, size_t len, enum sg_sigkind kind)
{
	struct sg_keyrecord *rec = malloc(sizeof(*rec));
	struct sg_error err;
	enum sg_err rc;

	if (rec == NULL)
		abort();
	sg_error_clear(&err);
	rc = sg_keyrecord_parse(txt, len, kind, rec, &err);
	if (rc == SG_OK) {
		check_record(rec);
		if (rec->has_granularity)
			(void)sg_keyrecord_granularity_match(rec->granularity, txt,
							     len < 64 ? len : 64);
	} else {
		FUZZ_CHECK(err.msg[0] != '\0', "error %d without a message", rc);
	}
	free(rec);
}

static void match_granularity(const uint8_t *data, size_t size)
{
	size_t cut = fuzz_split_point(data, size);
	char *pattern = malloc(cut + 1);
	char *local = fuzz_copy(data + cut, size - cut);

	if (pattern == NULL)
		abort();
	memcpy(pattern, data, cut);
	pattern[cut] = '\0';
	(void)sg_keyrecord_granularity_match(pattern, local, size - cut);
	free(pattern);
	free(local);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *txt = fuzz_copy(data, size);

	parse_as(txt, size, SG_KIND_DKIM);
	parse_as(txt, size, SG_KIND_DOMAINKEYS);
	free(txt);
	match_granularity(data, size);
	return 0;
}
