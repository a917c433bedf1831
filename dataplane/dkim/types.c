/*
 * NAME
 *   types.c - names of algorithms and canonicalizations (see types.h)
 */
#include <string.h>
#include <strings.h>

#include "types.h"

size_t sg_hash_len(enum sg_hash_alg h)
{
	return h == SG_HASH_SHA1 ? 20 : 32;
}

enum sg_hash_alg sg_alg_hash(enum sg_alg a)
{
	return a == SG_ALG_RSA_SHA1 ? SG_HASH_SHA1 : SG_HASH_SHA256;
}

enum sg_keytype sg_alg_keytype(enum sg_alg a)
{
	return a == SG_ALG_ED25519_SHA256 ? SG_KEY_ED25519 : SG_KEY_RSA;
}

static const char *const alg_names[] = {
	[SG_ALG_RSA_SHA1] = "rsa-sha1",
	[SG_ALG_RSA_SHA256] = "rsa-sha256",
	[SG_ALG_ED25519_SHA256] = "ed25519-sha256",
};

static const char *const canon_names[] = {
	[SG_CANON_SIMPLE] = "simple",
	[SG_CANON_RELAXED] = "relaxed",
	[SG_CANON_DK_SIMPLE] = "simple",
	[SG_CANON_DK_NOFWS] = "nofws",
};

const char *sg_alg_name(enum sg_alg a)
{
	return alg_names[a];
}

const char *sg_canon_name(enum sg_canon c)
{
	return canon_names[c];
}

static bool word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

bool sg_alg_parse(const char *s, size_t n, enum sg_alg *out)
{
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (word_is(s, n, alg_names[i])) {
			*out = (enum sg_alg)i;
			return true;
		}
	}
	return false;
}

bool sg_canon_parse(const char *s, size_t n, bool domainkeys, enum sg_canon *out)
{
	if (domainkeys) {
		if (word_is(s, n, "simple"))
			*out = SG_CANON_DK_SIMPLE;
		else if (word_is(s, n, "nofws"))
			*out = SG_CANON_DK_NOFWS;
		else
			return false;
		return true;
	}
	if (word_is(s, n, "simple"))
		*out = SG_CANON_SIMPLE;
	else if (word_is(s, n, "relaxed"))
		*out = SG_CANON_RELAXED;
	else
		return false;
	return true;
}
