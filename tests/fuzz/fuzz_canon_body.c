/*
 * NAME
 *   fuzz_canon_body.c - libFuzzer target for the streaming body
 *                       canonicalizer sg_body_canon_* (canon.h)
 *
 * SUMMARY
 *   For each of the four body canonicalizations the input is canonicalized
 *   as one chunk, as two chunks cut at fuzz_split_point, and (inputs up to
 *   SHORT_INPUT bytes) one byte at a time; all three outputs must be
 *   identical. A run with a limit derived from the last byte must give the
 *   same bytes cut at the limit, with total = the unlimited length. The
 *   output must then have its canonicalization's shape:
 *     simple    non-empty, ends with CRLF, no trailing empty line
 *               (except the lone CRLF of an empty body);
 *     relaxed   no HTAB, no two SP in a row, no WSP before CRLF, ends with
 *               CRLF when not empty, no trailing empty line;
 *     DK simple no trailing empty line;
 *     DK nofws  no SP or HTAB, no CR or LF outside a CRLF, no trailing
 *               empty line.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes as a message body.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "types.h"

#include "fuzzutil.h"

#define SHORT_INPUT 512

static const enum sg_canon all_canons[] = {
	SG_CANON_SIMPLE, SG_CANON_RELAXED, SG_CANON_DK_SIMPLE, SG_CANON_DK_NOFWS,
};

/* Canonicalizes data in chunks of at most step bytes, the first ending at cut. */
static void run(enum sg_canon canon, uint64_t limit, const uint8_t *data, size_t size,
		size_t cut, size_t step, struct fuzz_bytes *out, uint64_t *total)
{
	struct sg_body_canon *c = malloc(sizeof(*c));
	size_t pos = 0;

	if (c == NULL)
		abort();
	sg_body_canon_init(c, canon, limit, fuzz_bytes_sink, out);
	if (cut > 0) {
		sg_body_canon_update(c, data, cut);
		pos = cut;
	}
	while (pos < size) {
		size_t n = size - pos < step ? size - pos : step;

		sg_body_canon_update(c, data + pos, n);
		pos += n;
	}
	sg_body_canon_final(c);
	FUZZ_CHECK(c->emitted == out->len, "emitted %llu, sink got %zu",
		   (unsigned long long)c->emitted, out->len);
	*total = c->total;
	free(c);
}

static bool ends_with(const struct fuzz_bytes *b, const char *s)
{
	size_t n = strlen(s);

	return b->len >= n && memcmp(b->data + b->len - n, s, n) == 0;
}

static void check_relaxed(const struct fuzz_bytes *o)
{
	for (size_t i = 0; i < o->len; i++) {
		uint8_t c = o->data[i];

		FUZZ_CHECK(c != '\t', "HTAB at %zu", i);
		if (c == ' ' && i + 1 < o->len) {
			FUZZ_CHECK(o->data[i + 1] != ' ', "two SP at %zu", i);
			FUZZ_CHECK(!(o->data[i + 1] == '\r' && i + 2 < o->len &&
				     o->data[i + 2] == '\n'), "SP before CRLF at %zu", i);
		}
	}
	FUZZ_CHECK(o->len == 0 || ends_with(o, "\r\n"), "non-empty output without final CRLF");
	FUZZ_CHECK(!(o->len == 2 && ends_with(o, "\r\n")), "lone empty line kept");
}

static void check_nofws(const struct fuzz_bytes *o)
{
	for (size_t i = 0; i < o->len; i++) {
		uint8_t c = o->data[i];

		FUZZ_CHECK(c != ' ' && c != '\t', "WSP at %zu", i);
		if (c == '\r')
			FUZZ_CHECK(i + 1 < o->len && o->data[i + 1] == '\n', "bare CR at %zu", i);
		if (c == '\n')
			FUZZ_CHECK(i > 0 && o->data[i - 1] == '\r', "bare LF at %zu", i);
	}
}

static void check_shape(enum sg_canon canon, const struct fuzz_bytes *o)
{
	FUZZ_CHECK(!ends_with(o, "\r\n\r\n"), "%s output ends with an empty line",
		   sg_canon_name(canon));
	switch (canon) {
	case SG_CANON_SIMPLE:
		FUZZ_CHECK(ends_with(o, "\r\n"), "simple output without final CRLF");
		break;
	case SG_CANON_RELAXED:
		check_relaxed(o);
		break;
	case SG_CANON_DK_SIMPLE:
		break;
	case SG_CANON_DK_NOFWS:
		check_nofws(o);
		break;
	}
}

static void check_canon(enum sg_canon canon, const uint8_t *data, size_t size)
{
	struct fuzz_bytes whole = { 0 }, split = { 0 }, bytewise = { 0 }, limited = { 0 };
	uint64_t total, total2, limit;
	size_t expect;

	run(canon, UINT64_MAX, data, size, 0, size ? size : 1, &whole, &total);
	FUZZ_CHECK(total == whole.len, "total %llu for %zu bytes out",
		   (unsigned long long)total, whole.len);
	run(canon, UINT64_MAX, data, size, fuzz_split_point(data, size), size ? size : 1,
	    &split, &total2);
	FUZZ_CHECK(fuzz_bytes_equal(&whole, &split), "%s: split input changes the output",
		   sg_canon_name(canon));
	if (size <= SHORT_INPUT) {
		run(canon, UINT64_MAX, data, size, 0, 1, &bytewise, &total2);
		FUZZ_CHECK(fuzz_bytes_equal(&whole, &bytewise),
			   "%s: byte-wise input changes the output", sg_canon_name(canon));
	}
	limit = size ? data[size - 1] : 0;
	run(canon, limit, data, size, 0, size ? size : 1, &limited, &total2);
	expect = whole.len < limit ? whole.len : (size_t)limit;
	FUZZ_CHECK(limited.len == expect && (expect == 0 ||
					     memcmp(limited.data, whole.data, expect) == 0),
		   "%s: limit %llu gives %zu bytes, not the first %zu", sg_canon_name(canon),
		   (unsigned long long)limit, limited.len, expect);
	FUZZ_CHECK(total2 == total, "%s: total %llu with a limit, %llu without",
		   sg_canon_name(canon), (unsigned long long)total2, (unsigned long long)total);
	check_shape(canon, &whole);
	fuzz_bytes_free(&whole);
	fuzz_bytes_free(&split);
	fuzz_bytes_free(&bytewise);
	fuzz_bytes_free(&limited);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < sizeof(all_canons) / sizeof(all_canons[0]); i++)
		check_canon(all_canons[i], data, size);
	return 0;
}
