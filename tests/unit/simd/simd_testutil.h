/*
 * NAME
 *   simd_testutil.h - helpers of the dataplane/simd unit tests
 *
 * SUMMARY
 *   st_canon() canonicalizes a body with a kernel table (NULL = the engine's
 *   built-in scanners, the reference) in chunks chosen by a seed (0 = one
 *   chunk). st_guarded() places bytes so that they end at a page that
 *   cannot be read and begin right after another, so a scanner reading one
 *   byte outside [p, end) faults. st_expect_same_scans() compares a kernel's
 *   stops with the scalar twin's for every start and end in a buffer (or a
 *   stride of them), st_expect_same_output() the canonical bytes of all four
 *   canonicalizations under several chunkings with the reference's.
 *   st_edge_bodies() lists the edge-case bodies every kernel is tried on;
 *   st_random_body() makes text-like or byte-soup bodies from a seed.
 *   Header-only: every test file includes it once.
 */
#ifndef SIGNET_SIMD_TESTUTIL_H
#define SIGNET_SIMD_TESTUTIL_H

#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

#include "canon.h"
#include "simd.h"
#include "simd_internal.h"

static const enum sg_canon st_canons[] = {
	SG_CANON_SIMPLE, SG_CANON_RELAXED, SG_CANON_DK_SIMPLE, SG_CANON_DK_NOFWS,
};
#define ST_NCANONS (sizeof(st_canons) / sizeof(st_canons[0]))

struct st_out {
	uint8_t *data;
	size_t len, cap;
};

static void st_sink(void *arg, const void *data, size_t len)
{
	struct st_out *o = arg;

	assert_true(len > 0);
	if (o->len + len > o->cap) {
		o->cap = (o->len + len) * 2;
		o->data = realloc(o->data, o->cap);
		assert_non_null(o->data);
	}
	memcpy(o->data + o->len, data, len);
	o->len += len;
}

static inline uint64_t st_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Chunk lengths from seed: mostly small (1..70, to cut CRLFs and WSP runs
 * everywhere), sometimes up to 5000. */
static size_t st_chunk(uint64_t *s, size_t left)
{
	uint64_t r = st_next(s);
	size_t n = (r & 7) == 0 ? 1 + (size_t)(r >> 8) % 5000 : 1 + (size_t)(r >> 8) % 70;

	return n < left ? n : left;
}

static void st_canon(enum sg_canon canon, const struct sg_canon_kernels *k, const uint8_t *in,
		     size_t len, uint64_t seed, struct st_out *out)
{
	struct sg_body_canon *c = malloc(sizeof(*c));
	uint64_t s = seed;
	size_t off = 0;

	assert_non_null(c);
	memset(out, 0, sizeof(*out));
	sg_body_canon_init(c, canon, UINT64_MAX, st_sink, out);
	sg_body_canon_set_kernels(c, k);
	while (off < len) {
		size_t n = seed == 0 ? len : st_chunk(&s, len - off);

		sg_body_canon_update(c, in + off, n);
		off += n;
	}
	sg_body_canon_final(c);
	assert_int_equal(c->total, out->len);
	free(c);
}

struct st_guard {
	uint8_t *map;
	size_t maplen;
};

/* len bytes of data placed to end exactly at an unreadable page, the map
 * starting with another unreadable page. */
static const uint8_t *st_guarded(const void *data, size_t len, struct st_guard *g)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + page - 1) / page * page;
	uint8_t *p;

	g->maplen = body + 2 * page;
	g->map = mmap(NULL, g->maplen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->map != MAP_FAILED);
	assert_int_equal(mprotect(g->map + page, body, PROT_READ | PROT_WRITE), 0);
	p = g->map + page + body - len;
	if (len > 0)
		memcpy(p, data, len);
	return p;
}

static void st_unguard(struct st_guard *g)
{
	munmap(g->map, g->maplen);
}

static const char *const st_scan_names[3] = { "simple", "relaxed", "nofws" };

static sg_canon_scan_fn st_scan(const struct sg_canon_kernels *k, int which)
{
	return which == 0 ? k->simple : which == 1 ? k->relaxed : k->nofws;
}

/* Starts s every sstride bytes, ends e = s, s + estride, ... and len: the
 * kernel's stop equals the twin's. */
static void st_expect_same_scans(const struct sg_canon_kernels *k, const uint8_t *data,
				 size_t len, size_t sstride, size_t estride, const char *label)
{
	struct st_guard g;
	const uint8_t *b = st_guarded(data, len, &g);

	for (int which = 0; which < 3; which++) {
		sg_canon_scan_fn kernel = st_scan(k, which);
		sg_canon_scan_fn twin = st_scan(&sg_simd_kernels_scalar, which);

		for (size_t s = 0; s <= len; s += sstride) {
			for (size_t e = s;; e = e + estride > len ? len : e + estride) {
				const uint8_t *want = twin(b + s, b + e), *got = kernel(b + s, b + e);

				if (got != want)
					fail_msg("%s: %s scan of [%zu, %zu) of \"%s\": stop %td, twin %td",
						 label, st_scan_names[which], s, e,
						 tu_escaped((const char *)data, len), got - b,
						 want - b);
				if (e == len)
					break;
			}
		}
	}
	st_unguard(&g);
}

/* The canonical bytes with kernel k equal the built-in scanners', for each
 * canonicalization, whole and in chunks from nseeds seeds. */
static void st_expect_same_output(const struct sg_canon_kernels *k, const uint8_t *data,
				  size_t len, unsigned nseeds, const char *label)
{
	struct st_guard g;
	const uint8_t *b = st_guarded(data, len, &g);

	for (size_t ci = 0; ci < ST_NCANONS; ci++) {
		struct st_out want, got;

		st_canon(st_canons[ci], NULL, b, len, 0, &want);
		for (uint64_t seed = 0; seed <= nseeds; seed++) {
			size_t same = 0;

			st_canon(st_canons[ci], k, b, len, seed * 0x9e3779b97f4a7c15ULL, &got);
			while (same < got.len && same < want.len && got.data[same] == want.data[same])
				same++;
			if (got.len != want.len || same != want.len)
				fail_msg("%s: %s, chunk seed %u, input of %zu bytes: "
					 "%zu bytes out, reference %zu (first %zu agree)",
					 label, sg_canon_name(st_canons[ci]), (unsigned)seed, len,
					 got.len, want.len, same);
			free(got.data);
		}
		free(want.data);
	}
	st_unguard(&g);
}

/* Bodies that probe the rules: boundaries of 32/64-byte steps, CRLF cut
 * by chunks, trailing empty lines, lone CR/LF, NUL, 8-bit bytes. */
struct st_body {
	const char *name;
	char text[400];
	size_t len;
};

static size_t st_fill(char *dst, size_t at, char c, size_t n)
{
	memset(dst + at, c, n);
	return at + n;
}

static size_t st_put(char *dst, size_t at, const char *s)
{
	size_t n = strlen(s);

	memcpy(dst + at, s, n);
	return at + n;
}

/* A WSP run of n (SP, HTAB or mixed) after k letters, then "y\r\n". */
static void st_wsp_body(struct st_body *b, size_t k, size_t n, int kind)
{
	size_t at = st_fill(b->text, 0, 'x', k);

	for (size_t i = 0; i < n; i++)
		b->text[at++] = kind == 0 ? ' ' : kind == 1 ? '\t' : (i & 1 ? '\t' : ' ');
	at = st_put(b->text, at, "y\r\n");
	b->len = at;
	b->name = "wsp run";
}

/* k letters, then a line end shape, then more text: CRLF, CRLF CRLF, CR
 * alone, LF alone, SP CRLF, CRLF SP... placed at every offset k. */
struct st_shape {
	const char *bytes;
	size_t len;
};
#define ST_SHAPE(s) { s, sizeof(s) - 1 }

static const struct st_shape st_line_shapes[] = {
	ST_SHAPE("\r\n"), ST_SHAPE("\r\n\r\n"), ST_SHAPE("\r\n\r\n\r\n"), ST_SHAPE("\r"),
	ST_SHAPE("\n"), ST_SHAPE("\n\r"), ST_SHAPE(" \r\n"), ST_SHAPE("\t\r\n"),
	ST_SHAPE("\r\n "), ST_SHAPE("\r\n\t"), ST_SHAPE("\r\n \r\n"), ST_SHAPE("\r \n"),
	ST_SHAPE("\r\r\n"), ST_SHAPE("\r\n\n"), ST_SHAPE("  \r\n\r\n"), ST_SHAPE(" \r"),
	ST_SHAPE("\0"), ST_SHAPE("\x80\xff"), ST_SHAPE("\r\n\x85"), ST_SHAPE(" \0 "),
	ST_SHAPE("\r\n.\r\n"), ST_SHAPE("\r\n \t x"), ST_SHAPE("\r\n\r"),
};
#define ST_NSHAPES (sizeof(st_line_shapes) / sizeof(st_line_shapes[0]))

/* k letters, one line-end shape, then (tail) a line of text. */
static void st_shape_body(struct st_body *b, size_t k, size_t shape, bool tail)
{
	const struct st_shape *s = &st_line_shapes[shape];
	size_t at = st_fill(b->text, 0, 'a', k);

	memcpy(b->text + at, s->bytes, s->len);
	at += s->len;
	if (tail)
		at = st_put(b->text, at, "more text\r\n");
	b->len = at;
	b->name = "line shape";
}

enum st_kind { ST_TEXT, ST_SOUP, ST_LONG_LINES };

/* A body of len bytes from seed: ST_TEXT is text-like (words, single and
 * double spaces, tabs, CRLF, empty lines, some bare CR/LF), ST_SOUP bytes
 * drawn mostly from SP HTAB CR LF NUL 'a' 0xff, ST_LONG_LINES lines of
 * 0..150 letters and CRLF with a rare SP, HTAB or bare CR (long runs for
 * every scanner, so line ends fall on every lane of a step). */
static void st_random_body(uint8_t *dst, size_t len, uint64_t seed, enum st_kind kind)
{
	static const char text[] = "abcdefghij     \t\r\n\r\n\r\n\r\n..,,";
	static const uint8_t soup_bytes[] = { ' ', '\t', '\r', '\n', '\r', '\n', 0, 'a', 0xff };
	static const char rare[] = " \t\r\n";
	uint64_t s = seed | 1;
	size_t line_left = 0;

	for (size_t i = 0; i < len; i++) {
		uint64_t r = st_next(&s);

		if (kind == ST_SOUP) {
			dst[i] = soup_bytes[r % sizeof(soup_bytes)];
		} else if (kind == ST_LONG_LINES) {
			if (line_left-- == 0) {
				line_left = (size_t)(r >> 16) % 151;
				dst[i] = '\r';
				if (i + 1 < len)
					dst[++i] = '\n';
			} else {
				dst[i] = r % 97 == 0 ? (uint8_t)rare[(r >> 8) % 4] :
					 (uint8_t)('a' + (r >> 8) % 26);
			}
		} else if (text[r % (sizeof(text) - 1)] == '\r' && i + 1 < len && (r >> 40) % 8) {
			dst[i++] = '\r';	/* most CRs start a CRLF */
			dst[i] = '\n';
		} else if (i >= 2 && dst[i - 2] == '\r' && dst[i - 1] == '\n' && (r & 3) != 0) {
			dst[i] = 'a' + (uint8_t)(r >> 8) % 26;	/* most lines have text */
		} else {
			dst[i] = (uint8_t)text[r % (sizeof(text) - 1)];
		}
	}
}

#endif
