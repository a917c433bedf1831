/*
 * NAME
 *   fuzz_wire.c - libFuzzer target for the control socket decoder
 *                 (sg_wire_frame_len, sg_wire_open, the getters,
 *                 sg_table_decode; control/proto/wire.c and table.c)
 *
 * SUMMARY
 *   The input is taken as one message. sg_wire_frame_len must agree with
 *   sg_wire_open about the length. When the header is good, the fields are
 *   read in an order chosen by the input's last byte (a string-heavy walk,
 *   a mixed walk, or a RESULT table), checking what proto.h promises: the
 *   reader never moves past the message, a getter that fails poisons every
 *   later getter, strings come out NUL-terminated, within the limit and
 *   valid UTF-8, bytes point inside the message, sg_wire_end is true only
 *   when everything was consumed. A decoded table re-encodes to exactly
 *   the bytes it was read from (the encoding is canonical) and renders as
 *   text and JSON (failing only on the output limit: padding can grow a
 *   table past it).
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes, in an exactly-sized buffer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#include "fuzzutil.h"

static void check_reader(const struct sg_wire_in *r)
{
	FUZZ_CHECK(r->off <= r->len, "offset %zu past the message (%zu)", r->off, r->len);
	FUZZ_CHECK(!r->failed || r->why[0] != '\0', "failed without a reason");
}

/* Reads fields by the walk's pattern until one fails. */
static void walk(struct sg_wire_in *r, const uint8_t *msg, const char *pattern)
{
	char s[300];
	const uint8_t *p;
	size_t n;
	uint64_t v;

	for (const char *k = pattern; *k; k++) {
		size_t before = r->off;
		bool ok;

		if (*k == 'u') {
			ok = sg_wire_get_u64(r, &v);
		} else if (*k == 's') {
			ok = sg_wire_get_str(r, s, sizeof(s));
			if (ok) {
				n = strlen(s);
				FUZZ_CHECK(n < sizeof(s), "string over its limit");
				FUZZ_CHECK(sg_wire_text_ok(s, n, NULL), "string not UTF-8");
				FUZZ_CHECK(r->off == before + 5 + n,
					   "string with an inner NUL accepted");
			}
		} else {
			ok = sg_wire_get_bytes(r, &p, &n, 4096);
			if (ok)
				FUZZ_CHECK(p >= msg && p + n == msg + r->off && n <= 4096,
					   "bytes outside the message");
		}
		check_reader(r);
		if (!ok) {
			FUZZ_CHECK(r->failed, "getter failed without poisoning");
			FUZZ_CHECK(!sg_wire_get_u64(r, &v) && !sg_wire_end(r),
				   "poisoned reader still reads");
			return;
		}
		FUZZ_CHECK(r->off > before, "getter succeeded without moving");
	}
	FUZZ_CHECK(sg_wire_end(r) == (r->off == r->len), "sg_wire_end disagrees");
}

static void check_table(struct sg_wire_in *r, const uint8_t *msg, size_t len)
{
	size_t start = r->off;
	struct sg_table t;
	struct sg_wire_out w;
	struct sg_buf text;
	enum sg_err rc;

	if (sg_table_decode(r, &t) == SG_OK && sg_wire_end(r)) {
		FUZZ_CHECK(t.ncols <= SG_TABLE_MAX_COLS, "%zu columns", t.ncols);
		sg_wire_begin(&w, SG_MSG_RESULT);
		FUZZ_CHECK(sg_table_encode(&t, &w) == SG_OK, "decoded table does not encode");
		FUZZ_CHECK(w.buf.len - SG_WIRE_HEADER == len - start &&
			   memcmp(w.buf.data + SG_WIRE_HEADER, msg + start, len - start) == 0,
			   "table re-encodes differently");
		sg_wire_out_free(&w);
		sg_buf_init(&text, 8 * SG_WIRE_MAX);
		/* padding may pass the output limit, nothing else may fail */
		rc = sg_table_render_text(&t, &text);
		FUZZ_CHECK(rc == SG_OK || rc == SG_E_LIMIT, "text rendering failed: %d", rc);
		sg_buf_reset(&text);
		rc = sg_table_render_json(&t, &text);
		FUZZ_CHECK(rc == SG_OK || rc == SG_E_LIMIT, "JSON rendering failed: %d", rc);
		sg_buf_free(&text);
	} else {
		FUZZ_CHECK(r->failed, "refused table without a reason");
	}
	check_reader(r);
	sg_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const walks[] = { "ssssssss", "usbsuusbbs" };
	uint8_t *msg = (uint8_t *)fuzz_copy(data, size);
	struct sg_wire_in r;
	struct sg_error err;
	size_t total;
	enum sg_err rc;

	sg_error_clear(&err);
	rc = sg_wire_frame_len(msg, size, &total, &err);
	if (sg_wire_open(&r, msg, size, &err) == SG_OK) {
		FUZZ_CHECK(rc == SG_OK && total == size, "frame length %zu, open accepted %zu",
			   total, size);
		FUZZ_CHECK(r.off == SG_WIRE_HEADER && !r.failed, "fresh reader not at the start");
		switch (size > 0 ? msg[size - 1] % 3 : 0) {
		case 0:
			check_table(&r, msg, size);
			break;
		default:
			walk(&r, msg, walks[msg[size - 1] % 3 - 1]);
		}
	} else {
		FUZZ_CHECK(err.msg[0] != '\0', "refused header without a message");
		FUZZ_CHECK(r.failed, "refused message leaves a usable reader");
	}
	free(msg);
	return 0;
}
