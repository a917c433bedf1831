/*
 * NAME
 *   fuzz_canon_header.c - libFuzzer target for sg_header_canon (canon.h)
 *
 * SUMMARY
 *   Canonicalizes the input as one raw header field with all four
 *   canonicalizations, with and without the trailing CRLF, and checks:
 *     every canon  the crlf=true output is the crlf=false output + CRLF;
 *     simple,      the output is the input unchanged;
 *     DK simple
 *     DK nofws     no SP, HTAB, CR or LF; canonicalizing it again changes
 *                  nothing;
 *     relaxed      equal to a byte-at-a-time reference of RFC 6376
 *                  3.4.2 written here (the library copies runs), also
 *                  into a buffer limited to the output's exact length;
 *                  for a field the message reader could have produced (a
 *                  name without WSP, a colon, CR only in CRLF + WSP
 *                  folding, no bare LF): no CR, LF or HTAB, no two SP in a
 *                  row, no SP at the end or next to the colon, a lowercase
 *                  name; canonicalizing it again changes nothing.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes as a header field (any bytes; exactly-sized buffer).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "canon.h"
#include "status.h"
#include "types.h"

#include "fuzzutil.h"

static const enum sg_canon all_canons[] = {
	SG_CANON_SIMPLE, SG_CANON_RELAXED, SG_CANON_DK_SIMPLE, SG_CANON_DK_NOFWS,
};

/* A field as sg_msg_parser stores it: "name:" then folded value. */
static bool reader_shaped(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);

	if (colon == NULL || colon == s)
		return false;
	for (const char *p = s; p < colon; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return false;
		if (s[i] == '\r' && !(i + 2 < n && s[i + 1] == '\n' &&
				      (s[i + 2] == ' ' || s[i + 2] == '\t')))
			return false;
	}
	return true;
}

static void check_relaxed(const struct sg_buf *o)
{
	const char *colon;

	FUZZ_CHECK(o->len > 0, "relaxed output is empty");
	colon = memchr(o->data, ':', o->len);
	FUZZ_CHECK(colon != NULL, "relaxed output lost the colon");
	for (const char *p = o->data; p < colon; p++)
		FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'), "uppercase name byte at %zu",
			   (size_t)(p - o->data));
	FUZZ_CHECK(colon == o->data || colon[-1] != ' ', "SP before the colon");
	FUZZ_CHECK(colon + 1 == o->data + o->len || colon[1] != ' ', "SP after the colon");
	FUZZ_CHECK(o->data[o->len - 1] != ' ', "SP at the end");
	for (size_t i = 0; i < o->len; i++) {
		char c = o->data[i];

		FUZZ_CHECK(c != '\r' && c != '\n' && c != '\t', "CR, LF or HTAB at %zu", i);
		FUZZ_CHECK(!(c == ' ' && i + 1 < o->len && o->data[i + 1] == ' '),
			   "two SP at %zu", i);
	}
}

static void check_nofws(const struct sg_buf *o)
{
	for (size_t i = 0; i < o->len; i++) {
		char c = o->data[i];

		FUZZ_CHECK(c != ' ' && c != '\t' && c != '\r' && c != '\n',
			   "FWS byte at %zu", i);
	}
}

/* The reference: one byte at a time, the rules of canon.h for relaxed. */
static size_t relaxed_reference(const char *src, size_t len, char *dst)
{
	size_t w = 0;
	bool in_name = true, wsp = false, at_edge = true;

	for (size_t r = 0; r < len; r++) {
		char ch = src[r];

		if (ch == '\r' && r + 2 < len && src[r + 1] == '\n' &&
		    (src[r + 2] == ' ' || src[r + 2] == '\t')) {
			r++;
			continue;
		}
		if (ch == ' ' || ch == '\t') {
			wsp = true;
			continue;
		}
		if (in_name && ch == ':') {
			dst[w++] = ':';
			in_name = wsp = false;
			at_edge = true;
			continue;
		}
		if (wsp && !at_edge)
			dst[w++] = ' ';
		wsp = at_edge = false;
		dst[w++] = in_name && ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	return w;
}

static void check_relaxed_reference(const char *raw, size_t size, const struct sg_buf *o)
{
	char *want = malloc(size + 1);
	size_t n;
	struct sg_buf tight;

	FUZZ_CHECK(want != NULL, "out of memory");
	n = relaxed_reference(raw, size, want);
	FUZZ_CHECK(n == o->len && memcmp(want, sg_buf_cstr(o), n) == 0,
		   "relaxed differs from the reference (%zu bytes, reference %zu)", o->len, n);
	sg_buf_init(&tight, n);
	FUZZ_CHECK(sg_header_canon(SG_CANON_RELAXED, raw, size, false, &tight) == SG_OK &&
		   tight.len == n && memcmp(sg_buf_cstr(&tight), want, n) == 0,
		   "relaxed into a buffer limited to its output's length differs");
	sg_buf_free(&tight);
	free(want);
}

/* Canonicalizing canonical output again must not change it. */
static void check_idempotent(enum sg_canon canon, const struct sg_buf *o)
{
	char *again_in = fuzz_copy(sg_buf_cstr(o), o->len);
	struct sg_buf again;

	sg_buf_init(&again, SIZE_MAX);
	FUZZ_CHECK(sg_header_canon(canon, again_in, o->len, false, &again) == SG_OK,
		   "%s refuses its own output", sg_canon_name(canon));
	FUZZ_CHECK(again.len == o->len && memcmp(sg_buf_cstr(&again), sg_buf_cstr(o), o->len) == 0,
		   "%s is not idempotent", sg_canon_name(canon));
	sg_buf_free(&again);
	free(again_in);
}

static void check_canon(enum sg_canon canon, const char *raw, size_t size)
{
	struct sg_buf bare, with_crlf;
	enum sg_err rc, rc2;

	sg_buf_init(&bare, SIZE_MAX);
	sg_buf_init(&with_crlf, SIZE_MAX);
	rc = sg_header_canon(canon, raw, size, false, &bare);
	rc2 = sg_header_canon(canon, raw, size, true, &with_crlf);
	FUZZ_CHECK(rc == rc2, "%s: %d without CRLF, %d with", sg_canon_name(canon), rc, rc2);
	if (rc != SG_OK)
		goto out;
	FUZZ_CHECK(with_crlf.len == bare.len + 2 &&
		   memcmp(sg_buf_cstr(&with_crlf), sg_buf_cstr(&bare), bare.len) == 0 &&
		   memcmp(sg_buf_cstr(&with_crlf) + bare.len, "\r\n", 2) == 0,
		   "%s: crlf=true is not the output + CRLF", sg_canon_name(canon));
	switch (canon) {
	case SG_CANON_SIMPLE:
	case SG_CANON_DK_SIMPLE:
		FUZZ_CHECK(bare.len == size && memcmp(sg_buf_cstr(&bare), raw, size) == 0,
			   "%s changed the field", sg_canon_name(canon));
		break;
	case SG_CANON_RELAXED:
		check_relaxed_reference(raw, size, &bare);
		if (reader_shaped(raw, size)) {
			check_relaxed(&bare);
			check_idempotent(canon, &bare);
		}
		break;
	case SG_CANON_DK_NOFWS:
		check_nofws(&bare);
		check_idempotent(canon, &bare);
		break;
	}
out:
	sg_buf_free(&bare);
	sg_buf_free(&with_crlf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw = fuzz_copy(data, size);

	for (size_t i = 0; i < sizeof(all_canons) / sizeof(all_canons[0]); i++)
		check_canon(all_canons[i], raw, size);
	free(raw);
	return 0;
}
