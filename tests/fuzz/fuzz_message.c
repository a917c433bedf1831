/*
 * NAME
 *   fuzz_message.c - libFuzzer target for the streaming message reader
 *                    sg_msg_parser_* (message.h)
 *
 * SUMMARY
 *   Feeds the input as a whole message, as two chunks cut at
 *   fuzz_split_point and (inputs up to SHORT_INPUT bytes) one byte at a
 *   time, with and without fix_bare_lf, under the default limits and under
 *   small ones. Every way of splitting must give the same outcome: an error
 *   for each, or the same header fields and body bytes. Each run
 *   checks the events and fields against message.h: end_of_headers fires
 *   exactly once on success and before any body byte; every field lies in
 *   the limits, has its name before a colon at value_off - 1 and matches
 *   sg_header_is for its own name; sg_msg_parser_bytes counts the input
 *   plus one CR per bare LF fixed; with fix_bare_lf no bare LF reaches a
 *   field or the body; after an error the parser refuses more input.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes as a message.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "status.h"

#include "fuzzutil.h"

#define SHORT_INPUT 1024

struct outcome {
	enum sg_err rc;
	unsigned eoh_calls;
	size_t nfields;			/* sg_msg_headers count at end_of_headers */
	struct fuzz_bytes fields;	/* every field's raw bytes + its numbers */
	struct fuzz_bytes body;
};

struct run {
	const struct sg_limits *lim;
	bool fix_bare_lf;
	struct sg_msg_parser *p;
	struct outcome *out;
};

static bool has_bare_lf(const uint8_t *s, size_t n, bool at_start_is_bare)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 ? at_start_is_bare : s[i - 1] != '\r'))
			return true;
	}
	return false;
}

static void check_field(const struct run *r, const struct sg_header_field *f, size_t i)
{
	char name[128];

	FUZZ_CHECK(f->len <= r->lim->max_field_bytes, "field %zu has %zu bytes", i, f->len);
	FUZZ_CHECK(f->value_off >= 1 && f->value_off <= f->len && f->name_len < f->value_off,
		   "field %zu: name_len %zu, value_off %zu, len %zu", i, f->name_len,
		   f->value_off, f->len);
	FUZZ_CHECK(f->raw[f->value_off - 1] == ':', "field %zu: no colon before value_off", i);
	FUZZ_CHECK(f->line >= 1, "field %zu on line 0", i);
	if (r->fix_bare_lf)
		FUZZ_CHECK(!has_bare_lf((const uint8_t *)f->raw, f->len, true),
			   "field %zu keeps a bare LF", i);
	if (f->name_len < sizeof(name) && memchr(f->raw, '\0', f->name_len) == NULL) {
		memcpy(name, f->raw, f->name_len);
		name[f->name_len] = '\0';
		FUZZ_CHECK(sg_header_is(f, name), "field %zu is not its own name", i);
	}
}

/* Records the fields as bytes so that two runs can be compared. */
static void record_fields(struct run *r)
{
	size_t count = 0;
	const struct sg_header_field *fields = sg_msg_headers(r->p, &count);

	FUZZ_CHECK(count <= r->lim->max_headers, "%zu fields", count);
	r->out->nfields = count;
	for (size_t i = 0; i < count; i++) {
		const struct sg_header_field *f = &fields[i];
		size_t nums[4] = { f->len, f->name_len, f->value_off, f->line };

		check_field(r, f, i);
		fuzz_bytes_append(&r->out->fields, nums, sizeof(nums));
		fuzz_bytes_append(&r->out->fields, f->raw, f->len);
	}
}

static void on_end_of_headers(void *arg)
{
	struct run *r = arg;

	r->out->eoh_calls++;
	FUZZ_CHECK(r->out->eoh_calls == 1, "end_of_headers fired %u times", r->out->eoh_calls);
	record_fields(r);
}

static void on_body(void *arg, const void *data, size_t len)
{
	struct run *r = arg;

	FUZZ_CHECK(r->out->eoh_calls == 1, "body bytes before end_of_headers");
	fuzz_bytes_append(&r->out->body, data, len);
}

static size_t bare_lf_count(const uint8_t *data, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n' && (i == 0 || data[i - 1] != '\r');
	return n;
}

static void check_success(struct run *r, const uint8_t *data, size_t size)
{
	uint64_t expect = size + (r->fix_bare_lf ? bare_lf_count(data, size) : 0);
	size_t count = 0;

	FUZZ_CHECK(r->out->eoh_calls == 1, "end_of_headers fired %u times", r->out->eoh_calls);
	FUZZ_CHECK(sg_msg_parser_bytes(r->p) == expect, "bytes %llu, expected %llu",
		   (unsigned long long)sg_msg_parser_bytes(r->p), (unsigned long long)expect);
	FUZZ_CHECK(size <= r->lim->max_message_bytes, "message over max_message_bytes");
	(void)sg_msg_headers(r->p, &count);
	FUZZ_CHECK(count == r->out->nfields, "%zu fields at end_of_headers, %zu at the end",
		   r->out->nfields, count);
	if (r->fix_bare_lf)
		FUZZ_CHECK(!has_bare_lf(r->out->body.data, r->out->body.len, true),
			   "body keeps a bare LF");
}

/* Feeds data in chunks of at most step bytes, the first ending at cut. */
static void run_once(struct run *r, const uint8_t *data, size_t size, size_t cut, size_t step)
{
	struct sg_msg_events ev = { on_end_of_headers, on_body, r };
	struct sg_error err;
	enum sg_err rc = SG_OK;
	size_t pos = 0;

	r->p = sg_msg_parser_new(r->lim, r->fix_bare_lf, &ev);
	FUZZ_CHECK(r->p != NULL, "sg_msg_parser_new failed");
	sg_error_clear(&err);
	if (cut > 0) {
		rc = sg_msg_parser_feed(r->p, data, cut, &err);
		pos = cut;
	}
	while (rc == SG_OK && pos < size) {
		size_t n = size - pos < step ? size - pos : step;

		rc = sg_msg_parser_feed(r->p, data + pos, n, &err);
		pos += n;
	}
	if (rc == SG_OK)
		rc = sg_msg_parser_finish(r->p, &err);
	r->out->rc = rc;
	if (rc == SG_OK) {
		check_success(r, data, size);
	} else {
		FUZZ_CHECK(err.msg[0] != '\0', "error %d without a message", rc);
		FUZZ_CHECK(sg_msg_parser_feed(r->p, "x", 1, NULL) != SG_OK,
			   "input accepted after an error");
	}
	sg_msg_parser_free(r->p);
	r->p = NULL;
}

static void compare(const struct outcome *a, const struct outcome *b, const char *how)
{
	/* Which error comes first may depend on the chunks (a whole chunk can
	 * be refused for its size before its lines are read), not whether. */
	FUZZ_CHECK((a->rc == SG_OK) == (b->rc == SG_OK), "%s: result %d, whole input %d",
		   how, b->rc, a->rc);
	if (a->rc != SG_OK)
		return;
	FUZZ_CHECK(fuzz_bytes_equal(&a->fields, &b->fields), "%s: different header fields", how);
	FUZZ_CHECK(fuzz_bytes_equal(&a->body, &b->body), "%s: different body bytes", how);
}

static void free_outcome(struct outcome *o)
{
	fuzz_bytes_free(&o->fields);
	fuzz_bytes_free(&o->body);
}

static void check_splits(const struct sg_limits *lim, bool fix, const uint8_t *data,
			 size_t size)
{
	struct outcome whole = { 0 }, split = { 0 }, bytewise = { 0 };
	struct run r = { lim, fix, NULL, &whole };
	size_t all = size ? size : 1;

	run_once(&r, data, size, 0, all);
	r.out = &split;
	run_once(&r, data, size, fuzz_split_point(data, size), all);
	compare(&whole, &split, "split input");
	if (size <= SHORT_INPUT) {
		r.out = &bytewise;
		run_once(&r, data, size, 0, 1);
		compare(&whole, &bytewise, "byte-wise input");
	}
	free_outcome(&whole);
	free_outcome(&split);
	free_outcome(&bytewise);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_limits lim, small = {
		.max_headers = 4,
		.max_field_bytes = 80,
		.max_header_bytes = 256,
		.max_message_bytes = 512,
	};

	sg_limits_default(&lim);
	check_splits(&lim, false, data, size);
	check_splits(&lim, true, data, size);
	check_splits(&small, false, data, size);
	check_splits(&small, true, data, size);
	return 0;
}
