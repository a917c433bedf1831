/*
 * NAME
 *   test_sigbuild.c - unit tests for dataplane/dkim/sigbuild.c
 *
 * SUMMARY
 *   Exact output for short fields, ';' omitted after the last tag, a tag
 *   name too long, pieces ending exactly at column 78 and one past, and
 *   unsplittable values longer than a line (they get a line of their own;
 *   the only lines allowed past 78 columns). Then invariants checked over
 *   sweeps of prefix and value lengths and a seeded random sweep of whole
 *   fields: no line longer than 78 columns (tab = 8) unless one
 *   unsplittable piece forces it; no trailing or doubled white space;
 *   unfolding gives back every "name=value;" exactly; h= folds only after
 *   ':'; z= never folds inside "=XX" or inside a header name; b= never
 *   folds right after "b=", and the text up to "b=" is the same before and
 *   after the value is written.
 */
#include "testutil.h"

#include "sigbuild.h"

#define WIDTH SG_FOLD_WIDTH

struct tagdef {
	const char *name;
	const char *value;
	enum sg_fold_split split;
};

/* Columns of the widest line; *forced counts lines over WIDTH that are one
 * unbreakable token (no SP, and no fold point the split rules allow). */
static size_t widest_line(const char *text, size_t len)
{
	size_t widest = 0, col = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') {
			widest = col > widest ? col : widest;
			col = 0;
			i++;
		} else if (text[i] == '\t') {
			col = (col / 8 + 1) * 8;
		} else {
			col++;
		}
	}
	return col > widest ? col : widest;
}

/* Basic shape: folds are exactly "\r\n\t", nothing else breaks a line, no
 * white space at a line end, none doubled, none after a fold. */
static void assert_shape(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r') {
			assert_true(i + 2 < len);
			assert_int_equal(text[i + 1], '\n');
			assert_int_equal(text[i + 2], '\t');
			assert_true(i > 0 && text[i - 1] != ' ' && text[i - 1] != '\t');
			assert_true(text[i + 3] != ' ' && text[i + 3] != '\t' && text[i + 3] != '\r');
		} else if (text[i] == '\n') {
			assert_true(i > 0 && text[i - 1] == '\r');
		} else if (text[i] == ' ') {
			assert_true(text[i + 1] != ' ');
		} else if (text[i] == '\t') {
			assert_true(i >= 2 && text[i - 1] == '\n');
		}
	}
}

/* Removes folds and single spaces (test values hold no spaces). */
static char *squeeze(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	size_t j = 0;

	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\r' && text[i] != '\n' && text[i] != '\t' && text[i] != ' ')
			out[j++] = text[i];
	}
	out[j] = '\0';
	return out;
}

/* Checks that each fold inside the value of tag name (first occurrence)
 * sits where the split rule allows. */
static void assert_folds_allowed(const char *text, const char *name, enum sg_fold_split split)
{
	char key[96];
	const char *v, *end;

	snprintf(key, sizeof(key), " %s=", name);
	v = strstr(text, key);
	if (v == NULL) {
		snprintf(key, sizeof(key), "\t%s=", name);
		v = strstr(text, key);
	}
	assert_non_null(v);
	v += strlen(key);
	end = strchr(v, ';');
	if (end == NULL)
		end = v + strlen(v);
	for (const char *p = v; p < end; p++) {
		if (*p != '\r')
			continue;
		if (p == v && split != SG_SPLIT_ANY)
			continue;	/* first piece longer than a line */
		assert_true(p > v);	/* base64 always keeps a few bytes after "name=" */
		switch (split) {
		case SG_SPLIT_NONE:
			fail_msg("fold inside an unsplittable %s= value", name);
			break;
		case SG_SPLIT_COLON:
			assert_int_equal(p[-1], ':');
			break;
		case SG_SPLIT_QP: {
			const char *q = p - 1;

			assert_true(p[-1] != '=');
			assert_true(p - 2 < v || p[-2] != '=');
			/* right after '|' or ':' is fine; otherwise inside a name
			 * unless a ':' comes after the last '|' */
			if (p[-1] == '|' || p[-1] == ':')
				break;
			while (q >= v && *q != '|' && *q != ':')
				q--;
			if (q < v || *q == '|')
				fail_msg("z= folds inside a header name: %.*s", (int)(p - v + 4), v);
			break;
		}
		case SG_SPLIT_ANY:
			break;
		}
	}
}

/* Builds a field from tags (the last tag before b= keeps its ';'), then
 * writes b= with b64. Returns the text; checks the b= prefix rule. */
static char *build(const char *field, const struct tagdef *tags, size_t n, const char *b64,
		   size_t *outlen)
{
	struct sg_buf out;
	struct sg_folder f;
	char *prefix, *text;
	size_t plen;

	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_folder_start(&f, &out, field), SG_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sg_folder_tag(&f, tags[i].name, tags[i].value,
					       strlen(tags[i].value), tags[i].split,
					       b64 == NULL && i + 1 == n), SG_OK);
	if (b64 != NULL) {
		assert_int_equal(sg_folder_b_tag(&f), SG_OK);
		plen = out.len;
		prefix = strndup(out.data, plen);
		assert_non_null(prefix);
		assert_memory_equal(prefix + plen - 2, "b=", 2);
		assert_int_equal(sg_folder_b_value(&f, b64, strlen(b64)), SG_OK);
		assert_memory_equal(out.data, prefix, plen);	/* same text up to b= */
		assert_true(out.len == plen + strlen(b64) || out.data[plen] != '\r');
		free(prefix);
	}
	text = strndup(sg_buf_cstr(&out), out.len);
	assert_non_null(text);
	*outlen = out.len;
	sg_buf_free(&out);
	return text;
}

/* The invariants every field must keep. unsplittable = the longest piece
 * no rule may split (a NONE "name=value;", an h= name), which may force a
 * line past WIDTH. */
static void assert_well_folded(const char *field, const struct tagdef *tags, size_t n,
			       const char *b64)
{
	size_t len, forced = 0;
	char *text = build(field, tags, n, b64, &len);
	struct sg_buf want;
	char *got, *exp;

	assert_shape(text, len);
	/* unfolding gives back the tags */
	sg_buf_init(&want, SIZE_MAX);
	assert_int_equal(sg_buf_printf(&want, "%s:", field), SG_OK);
	for (size_t i = 0; i < n; i++) {
		bool last = b64 == NULL && i + 1 == n;
		size_t piece = strlen(tags[i].name) + 1 + strlen(tags[i].value) + !last;

		assert_int_equal(sg_buf_printf(&want, "%s=%s%s", tags[i].name, tags[i].value,
					       last ? "" : ";"), SG_OK);
		if (tags[i].split == SG_SPLIT_NONE && 8 + piece > forced)
			forced = 8 + piece;
		if (tags[i].split == SG_SPLIT_COLON) {
			const char *s = tags[i].value;

			while (*s) {
				size_t k = strcspn(s, ":");

				if (8 + k + 2 > forced)
					forced = 8 + k + 2;
				s += k + (s[k] == ':');
			}
		}
	}
	if (b64 != NULL)
		assert_int_equal(sg_buf_printf(&want, "b=%s", b64), SG_OK);
	got = squeeze(text, len);
	exp = squeeze(want.data, want.len);
	assert_string_equal(got, exp);
	/* width */
	if (widest_line(text, len) > WIDTH && widest_line(text, len) > forced)
		fail_msg("line longer than %d columns (forced %zu):\n%s", WIDTH, forced, text);
	for (size_t i = 0; i < n; i++)
		assert_folds_allowed(text, tags[i].name, tags[i].split);
	free(got);
	free(exp);
	sg_buf_free(&want);
	free(text);
}

/* ---- exact output --------------------------------------------------- */

static void test_short_field_exact(void **state)
{
	static const struct tagdef tags[] = {
		{ "v", "1", SG_SPLIT_NONE },
		{ "a", "rsa-sha256", SG_SPLIT_NONE },
		{ "h", "From:To", SG_SPLIT_COLON },
	};
	size_t len;
	char *text;

	(void)state;
	text = build("DKIM-Signature", tags, 3, NULL, &len);
	assert_string_equal(text, "DKIM-Signature: v=1; a=rsa-sha256; h=From:To");
	free(text);
	text = build("DKIM-Signature", tags, 2, "QUJD", &len);
	assert_string_equal(text, "DKIM-Signature: v=1; a=rsa-sha256; b=QUJD");
	free(text);
	text = build("X", tags, 0, "", &len);
	assert_string_equal(text, "X: b=");
	free(text);
}

static void test_empty_values(void **state)
{
	static const struct tagdef tags[] = {
		{ "h", "", SG_SPLIT_COLON },
		{ "z", "", SG_SPLIT_QP },
		{ "bh", "", SG_SPLIT_ANY },
		{ "n", "", SG_SPLIT_NONE },
	};
	size_t len;
	char *text = build("S", tags, 4, NULL, &len);

	(void)state;
	assert_string_equal(text, "S: h=; z=; bh=; n=");
	free(text);
}

static void test_name_too_long(void **state)
{
	struct sg_buf out;
	struct sg_folder f;
	char name[100];

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_folder_start(&f, &out, "S"), SG_OK);
	assert_int_equal(sg_folder_tag(&f, name, "v", 1, SG_SPLIT_NONE, false), SG_E_ARG);
	name[79] = '\0';
	assert_int_equal(sg_folder_tag(&f, name, "v", 1, SG_SPLIT_ANY, false), SG_E_ARG);
	name[78] = '\0';		/* 78 + "=" + NUL fits the 80-byte head */
	assert_int_equal(sg_folder_tag(&f, name, "v", 1, SG_SPLIT_ANY, false), SG_OK);
	assert_int_equal(sg_folder_tag(&f, name, "v", 1, SG_SPLIT_NONE, true), SG_OK);
	sg_buf_free(&out);
}

static void test_buffer_limit(void **state)
{
	struct sg_buf out;
	struct sg_folder f;

	(void)state;
	/* the buffer's limit comes back as SG_E_LIMIT from every call */
	sg_buf_init(&out, 20);
	assert_int_equal(sg_folder_start(&f, &out, "DKIM-Signature"), SG_OK);
	assert_int_equal(sg_folder_tag(&f, "a", "rsa-sha256", 10, SG_SPLIT_NONE, false),
			 SG_E_LIMIT);
	sg_buf_free(&out);
	for (int k = 0; k < 3; k++) {
		sg_buf_init(&out, 30);
		assert_int_equal(sg_folder_start(&f, &out, "DKIM-Signature"), SG_OK);
		assert_int_equal(sg_folder_tag(&f, "bh", "QUJDRA==QUJDRA==", 16,
					       k == 0 ? SG_SPLIT_ANY : k == 1 ? SG_SPLIT_QP
									: SG_SPLIT_COLON, false),
				 SG_E_LIMIT);
		sg_buf_free(&out);
	}
	sg_buf_init(&out, 25);
	assert_int_equal(sg_folder_start(&f, &out, "DKIM-Signature"), SG_OK);
	assert_int_equal(sg_folder_b_tag(&f), SG_OK);
	assert_int_equal(sg_folder_b_value(&f, "QUJDRA==QUJDRA==", 16), SG_E_LIMIT);
	sg_buf_free(&out);
	sg_buf_init(&out, 5);
	assert_int_equal(sg_folder_start(&f, &out, "DKIM-Signature"), SG_E_LIMIT);
	sg_buf_free(&out);
}

/* A NONE piece " d=...;" ending at column 78 stays, one more byte moves it
 * to a continuation line. */
static void test_none_at_width(void **state)
{
	char value[100];
	struct tagdef two[2] = { { "d", value, SG_SPLIT_NONE }, { "e", "1", SG_SPLIT_NONE } };
	size_t len;
	char *text;

	(void)state;
	/* "DKIM-Signature:" (15) + " " + "d=" + value + ";" = 78: 59 bytes */
	memset(value, 'x', 59);
	value[59] = '\0';
	text = build("DKIM-Signature", two, 2, NULL, &len);
	assert_int_equal(widest_line(text, len), 78);
	assert_memory_equal(text + 78, "\r\n\te=1", 6);
	free(text);
	value[59] = 'x';
	value[60] = '\0';
	text = build("DKIM-Signature", two, 2, NULL, &len);
	assert_memory_equal(text, "DKIM-Signature:\r\n\td=", 20);	/* moved down whole */
	assert_int_equal(widest_line(text, len), 8 + 2 + 60 + 1 + 4);	/* + " e=1" */
	free(text);
	/* a fold would not help before column 8: "S: d=<73 bytes>;" stays */
	memset(value, 'x', 73);
	value[73] = '\0';
	text = build("S", two, 2, NULL, &len);
	assert_memory_equal(text, "S: d=", 5);
	assert_int_equal(widest_line(text, len), 79);
	free(text);
}

/* A value no rule may split, longer than a line, gets a line to itself and
 * the next tag starts a new line. */
static void test_unsplittable_long(void **state)
{
	char value[201];
	struct tagdef tags[3] = {
		{ "v", "1", SG_SPLIT_NONE }, { "d", value, SG_SPLIT_NONE },
		{ "s", "sel", SG_SPLIT_NONE },
	};
	size_t len;
	char *text;

	(void)state;
	memset(value, 'a', 200);
	value[200] = '\0';
	text = build("DKIM-Signature", tags, 3, "AAAA", &len);
	assert_memory_equal(text, "DKIM-Signature: v=1;\r\n\td=", 25);
	assert_non_null(strstr(text, ";\r\n\ts=sel; b=AAAA"));
	assert_well_folded("DKIM-Signature", tags, 3, "AAAA");
	free(text);
	/* a long h= name: the only line past the width is the one holding it */
	memset(value, 'H', 90);
	value[90] = '\0';
	tags[1] = (struct tagdef){ "h", value, SG_SPLIT_COLON };
	assert_well_folded("DKIM-Signature", tags, 3, "AAAA");
}

/* ---- the ';' after a split value ------------------------------------- */

/* For every start column and value length the ';' after bh=, h= and z=
 * stays within the width. */
static void test_tail_after_split_value(void **state)
{
	static const enum sg_fold_split splits[] = { SG_SPLIT_ANY, SG_SPLIT_COLON, SG_SPLIT_QP };
	char pad[100], value[300];

	(void)state;
	for (size_t s = 0; s < 3; s++) {
		for (size_t p = 1; p < 75; p++) {
			for (size_t m = 1; m < 160; m++) {
				struct tagdef tags[3] = {
					{ "p", pad, SG_SPLIT_NONE },
					{ "bh", value, splits[s] },
					{ "q", "x", SG_SPLIT_NONE },
				};

				memset(pad, 'p', p);
				pad[p] = '\0';
				for (size_t i = 0; i < m; i++)
					value[i] = splits[s] == SG_SPLIT_COLON && i % 7 == 6 ? ':'
						   : (char)('A' + i % 26);
				value[m] = '\0';
				if (splits[s] == SG_SPLIT_COLON && value[m - 1] == ':')
					continue;
				if (splits[s] == SG_SPLIT_QP && m >= 2)
					memcpy(value, "N:", 2);	/* z= shape: name:value */
				assert_well_folded("DKIM-Signature", tags, 3, NULL);
				assert_well_folded("DKIM-Signature", tags, 2, "QUJDRA==");
			}
		}
	}
}

/* ---- h=, z=, b= rules ------------------------------------------------ */

static void test_h_folds_after_colon(void **state)
{
	static const char *const names[] = {
		"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
		"Content-Transfer-Encoding", "Reply-To", "Cc", "List-Unsubscribe",
		"List-Unsubscribe-Post", "X-A", "In-Reply-To", "References",
	};
	char h[1024];

	(void)state;
	for (size_t start = 0; start < 15; start++) {
		h[0] = '\0';
		for (size_t i = 0; i < 40; i++) {
			if (i > 0)
				strcat(h, ":");
			strcat(h, names[(start + i) % 15]);
			{
				struct tagdef tags[3] = {
					{ "s", "selector", SG_SPLIT_NONE },
					{ "h", h, SG_SPLIT_COLON },
					{ "bh", "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=",
					  SG_SPLIT_ANY },
				};

				assert_well_folded("DKIM-Signature", tags, 3, "QUJD");
			}
		}
	}
}

/* z= with escapes at every position relative to the folds. */
static void test_z_never_splits_escape_or_name(void **state)
{
	char z[2048];

	(void)state;
	for (size_t shift = 0; shift < 40; shift++) {
		size_t j = 0;

		j += (size_t)sprintf(z + j, "From:Joe=20SixPack=20<joe@football.example.com>");
		for (size_t k = 0; k < 8; k++) {
			j += (size_t)sprintf(z + j, "|Content-Transfer-Encoding:%.*s=3D=3B=7C",
					     (int)(shift % 13), "abcdefghijklm");
			j += (size_t)sprintf(z + j, "|Subject:=20=C3=BC%.*sx=20",
					     (int)(shift % 28 * 3),
					     "=20=20=20=20=20=20=20=20=20=20=20=20=20=20"
					     "=20=20=20=20=20=20=20=20=20=20=20=20=20=20");
		}
		{
			char pad[64];
			struct tagdef tags[3] = {
				{ "p", pad, SG_SPLIT_NONE },
				{ "z", z, SG_SPLIT_QP },
				{ "bh", "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", SG_SPLIT_ANY },
			};

			memset(pad, 'p', shift % 60 + 1);
			pad[shift % 60 + 1] = '\0';
			assert_well_folded("DKIM-Signature", tags, 3, "QUJD");
		}
	}
}

/* "b=" keeps at least a few bytes of its value on its line. */
static void test_b_tag_position(void **state)
{
	char pad[100], b64[345];

	(void)state;
	memset(b64, 'B', 344);
	b64[344] = '\0';
	for (size_t p = 1; p < 80; p++) {
		struct tagdef tag = { "p", pad, SG_SPLIT_NONE };
		size_t len;
		char *text, *b;

		memset(pad, 'p', p);
		pad[p] = '\0';
		text = build("DKIM-Signature", &tag, 1, b64, &len);
		b = strstr(text, "b=");
		assert_non_null(b);
		assert_true(b[2] == 'B');
		assert_true(b[-1] == ' ' || b[-1] == '\t');
		assert_well_folded("DKIM-Signature", &tag, 1, b64);
		free(text);
	}
}

/* ---- seeded random fields -------------------------------------------- */

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffffff;
}

static void random_value(uint32_t *seed, enum sg_fold_split split, char *out, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i++) {
		uint32_t r = rnd(seed);

		out[i] = b64[r % 64];
		if (split == SG_SPLIT_COLON && i > 0 && i + 1 < len && out[i - 1] != ':' &&
		    r % 5 == 0)
			out[i] = ':';
	}
	out[len] = '\0';
	if (split == SG_SPLIT_QP) {
		/* sprinkle escapes and separators: rewrite some triples */
		for (size_t i = 0; i + 3 < len; i += 1 + rnd(seed) % 6) {
			uint32_t r = rnd(seed) % 4;

			if (r == 0)
				memcpy(out + i, "=3D", 3), i += 2;
			else if (r == 1 && i > 0)
				memcpy(out + i, "|N:", 3), i += 2;
		}
	}
}

static void test_random_fields(void **state)
{
	static const enum sg_fold_split kinds[] = {
		SG_SPLIT_NONE, SG_SPLIT_COLON, SG_SPLIT_ANY, SG_SPLIT_QP,
	};
	static const char *const names[] = { "v", "a", "h", "z", "bh", "xx", "longname" };
	static char values[8][400];
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		struct tagdef tags[8];
		size_t n = 1 + rnd(&seed) % 7;
		char b64[400];

		for (size_t i = 0; i < n; i++) {
			enum sg_fold_split k = kinds[rnd(&seed) % 4];
			size_t len = rnd(&seed) % (k == SG_SPLIT_NONE ? 60 : 300);

			random_value(&seed, k, values[i], len);
			if (k == SG_SPLIT_QP && len > 0 && values[i][0] != 'N') {
				memcpy(values[i], "N:", len >= 2 ? 2 : 1);
				if (len == 1)
					values[i][0] = 'N';
			}
			tags[i] = (struct tagdef){ names[rnd(&seed) % 7], values[i], k };
		}
		random_value(&seed, SG_SPLIT_ANY, b64, rnd(&seed) % 350);
		/* distinct tag names, so assert_folds_allowed finds each */
		for (size_t i = 0; i < n; i++) {
			static char uniq[8][16];

			snprintf(uniq[i], sizeof(uniq[i]), "%s%zu", tags[i].name, i);
			tags[i].name = uniq[i];
		}
		assert_well_folded(round % 2 ? "DKIM-Signature" : "DomainKey-Signature", tags, n,
				   round % 3 ? b64 : NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_field_exact),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_buffer_limit),
		cmocka_unit_test(test_none_at_width),
		cmocka_unit_test(test_unsplittable_long),
		cmocka_unit_test(test_tail_after_split_value),
		cmocka_unit_test(test_h_folds_after_colon),
		cmocka_unit_test(test_z_never_splits_escape_or_name),
		cmocka_unit_test(test_b_tag_position),
		cmocka_unit_test(test_random_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
