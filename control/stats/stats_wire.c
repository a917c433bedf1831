/*
 * NAME
 *   stats_wire.c - the STATS_PUSH message: sg_stats_encode_push (signetd's
 *                  side) and sg_stats_ingest (signet-controld's side)
 *
 * SUMMARY
 *   The payload layout is documented in stats.h (STATS_PUSH PAYLOAD). The
 *   encoder refuses what the decoder would refuse (mixed workers, too many
 *   entries, bad kinds or names). The decoder reads the whole push into a
 *   scratch array, checks every field, the entry count against the bytes
 *   left and the end of the message, and only then adds the entries.
 *
 * UNTRUSTED INPUT
 *   The pushed message: every field through the typed getters of proto.h,
 *   the entry count bounded (SG_STATS_PUSH_MAX) and checked against the
 *   message size before anything is allocated for it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_internal.h"

/* The smallest entry on the wire: kind, two empty strings, the counters. */
#define U64_FIELD 9			/* tag + 8 bytes */
#define STR_FIELD_MIN 5			/* tag + 4-byte length */
#define ENTRY_U64S (1 + 3 + SG_SKIP_REASONS + 2 + SG_STATS_BUCKETS)
#define ENTRY_MIN (ENTRY_U64S * U64_FIELD + 2 * STR_FIELD_MIN)

static const char *const counter_field[] = {
	"processed", "signed_ok", "failed", "skipped_no_key", "skipped_condition",
	"skipped_disabled", "bytes", "sign_ns",
};
#define COUNTER_FIELDS (sizeof(counter_field) / sizeof(counter_field[0]))

/* The delta's counters in wire order (counter_field, then the buckets). */
static size_t counter_slots(struct sg_stats_delta *d, uint64_t **slot)
{
	size_t n = 0;

	slot[n++] = &d->processed;
	slot[n++] = &d->signed_ok;
	slot[n++] = &d->failed;
	for (size_t i = 0; i < SG_SKIP_REASONS; i++)
		slot[n++] = &d->skipped[i];
	slot[n++] = &d->bytes;
	slot[n++] = &d->sign_ns;
	for (size_t i = 0; i < SG_STATS_BUCKETS; i++)
		slot[n++] = &d->latency[i];
	return n;
}

static bool delta_ok(const struct sg_stats_delta *d)
{
	char why[128];

	return (d->kind == SG_KIND_DKIM || d->kind == SG_KIND_DOMAINKEYS) &&
	       sg_stats_name_ok(d->domain, sizeof(d->domain), why, sizeof(why)) &&
	       sg_stats_name_ok(d->selector, sizeof(d->selector), why, sizeof(why));
}

static enum sg_err put_delta(struct sg_wire_out *w, const struct sg_stats_delta *d)
{
	struct sg_stats_delta copy = *d;
	uint64_t *slot[ENTRY_U64S];
	size_t n = counter_slots(&copy, slot);
	enum sg_err rc;

	if ((rc = sg_wire_put_u64(w, (uint64_t)d->kind)) != SG_OK ||
	    (rc = sg_wire_put_str(w, d->domain)) != SG_OK ||
	    (rc = sg_wire_put_str(w, d->selector)) != SG_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = sg_wire_put_u64(w, *slot[i])) != SG_OK)
			return rc;
	}
	return SG_OK;
}

enum sg_err sg_stats_encode_push(const struct sg_stats_delta *d, size_t n,
				 struct sg_wire_out *w)
{
	enum sg_err rc;

	sg_wire_begin(w, SG_MSG_STATS_PUSH);
	if (n > SG_STATS_PUSH_MAX)
		return SG_E_LIMIT;
	for (size_t i = 0; i < n; i++) {
		if (d[i].worker != d[0].worker || !delta_ok(&d[i]))
			return SG_E_ARG;
	}
	if ((rc = sg_wire_put_u64(w, n > 0 ? d[0].worker : 0)) != SG_OK ||
	    (rc = sg_wire_put_u64(w, SG_STATS_BUCKETS)) != SG_OK ||
	    (rc = sg_wire_put_u64(w, n)) != SG_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = put_delta(w, &d[i])) != SG_OK)
			return rc;
	}
	return sg_wire_finish(w);
}

/* ---- decoding ---- */

/* Where the reader is, for error messages. */
struct push_pos {
	size_t entry;			/* SIZE_MAX: the header */
	const char *field;
	size_t off;			/* offset of the field in the message */
};

/* A getter failed: why (from the reader) already names the byte. */
static enum sg_err push_error(struct sg_error *err, enum sg_err code, const struct push_pos *at,
			      const char *why)
{
	if (at->entry == SIZE_MAX)
		return sg_error_set(err, code, 0, at->off, "STATS_PUSH %s: %s", at->field, why);
	return sg_error_set(err, code, 0, at->off, "STATS_PUSH entry %zu, %s: %s", at->entry,
			    at->field, why);
}

/* A value the reader accepted is wrong here. */
static enum sg_err push_refuse(struct sg_error *err, enum sg_err code, const struct push_pos *at,
			       const char *what)
{
	char why[192];

	snprintf(why, sizeof(why), "byte %zu: %s", at->off, what);
	return push_error(err, code, at, why);
}

static bool get_u64(struct sg_wire_in *r, struct push_pos *at, const char *field, uint64_t *v)
{
	at->field = field;
	at->off = r->off;
	return sg_wire_get_u64(r, v);
}

static enum sg_err get_name(struct sg_wire_in *r, struct push_pos *at, const char *field,
			    char *out, struct sg_error *err)
{
	char why[128];

	at->field = field;
	at->off = r->off;
	if (!sg_wire_get_str(r, out, SG_STATS_NAME_MAX))
		return push_error(err, SG_E_SYNTAX, at, r->why);
	if (!sg_stats_name_ok(out, SG_STATS_NAME_MAX, why, sizeof(why)))
		return push_refuse(err, SG_E_SYNTAX, at, why);
	return SG_OK;
}

static enum sg_err read_entry(struct sg_wire_in *r, struct push_pos *at,
			      struct sg_stats_delta *d, struct sg_error *err)
{
	uint64_t *slot[ENTRY_U64S];
	size_t n = counter_slots(d, slot);
	uint64_t kind;
	enum sg_err rc;

	if (!get_u64(r, at, "kind", &kind))
		return push_error(err, SG_E_SYNTAX, at, r->why);
	if (kind > SG_KIND_DOMAINKEYS)
		return push_refuse(err, SG_E_SYNTAX, at, "unknown kind (0 = dkim, 1 = domainkeys)");
	d->kind = (enum sg_sigkind)kind;
	if ((rc = get_name(r, at, "domain", d->domain, err)) != SG_OK ||
	    (rc = get_name(r, at, "selector", d->selector, err)) != SG_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const char *name = i < COUNTER_FIELDS ? counter_field[i] : "latency bucket";

		if (!get_u64(r, at, name, slot[i]))
			return push_error(err, SG_E_SYNTAX, at, r->why);
	}
	return SG_OK;
}

/* worker, nbuckets, count; count checked against the bytes left. */
static enum sg_err read_header(struct sg_wire_in *r, struct push_pos *at, uint64_t *worker,
			       uint64_t *count, struct sg_error *err)
{
	uint64_t nbuckets;

	if (!get_u64(r, at, "worker", worker))
		return push_error(err, SG_E_SYNTAX, at, r->why);
	if (*worker > UINT32_MAX)
		return push_refuse(err, SG_E_SYNTAX, at, "worker id past 2^32-1");
	if (!get_u64(r, at, "nbuckets", &nbuckets))
		return push_error(err, SG_E_SYNTAX, at, r->why);
	if (nbuckets != SG_STATS_BUCKETS)
		return push_refuse(err, SG_E_SYNTAX, at, "histogram size differs from this build's");
	if (!get_u64(r, at, "count", count))
		return push_error(err, SG_E_SYNTAX, at, r->why);
	if (*count > SG_STATS_PUSH_MAX)
		return push_refuse(err, SG_E_LIMIT, at, "more entries than SG_STATS_PUSH_MAX (1024)");
	if (*count > (r->len - r->off) / ENTRY_MIN)
		return push_refuse(err, SG_E_SYNTAX, at, "more entries than the message can hold");
	return SG_OK;
}

static enum sg_err read_push(struct sg_wire_in *r, struct sg_stats_delta **out, size_t *n,
			     struct sg_error *err)
{
	struct push_pos at = { .entry = SIZE_MAX, .field = "header", .off = r->off };
	uint64_t worker, count;
	struct sg_stats_delta *d;
	enum sg_err rc;

	if ((rc = read_header(r, &at, &worker, &count, err)) != SG_OK)
		return rc;
	d = calloc(count ? count : 1, sizeof(*d));
	if (d == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, r->off, "STATS_PUSH: out of memory");
	for (size_t i = 0; i < count; i++) {
		d[i].worker = (uint32_t)worker;
		at.entry = i;
		if ((rc = read_entry(r, &at, &d[i], err)) != SG_OK) {
			free(d);
			return rc;
		}
	}
	if (!sg_wire_end(r)) {
		free(d);
		at.entry = SIZE_MAX;
		at.field = "end";
		at.off = r->off;
		return push_error(err, SG_E_SYNTAX, &at, r->why);
	}
	*out = d;
	*n = (size_t)count;
	return SG_OK;
}

enum sg_err sg_stats_ingest(struct sg_stats *s, struct sg_wire_in *r, struct sg_error *err)
{
	struct sg_stats_delta *d = NULL;
	size_t n = 0;
	enum sg_err rc;

	if (r->type != SG_MSG_STATS_PUSH)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0,
				    "message type %u is not STATS_PUSH (%u)", (unsigned)r->type,
				    (unsigned)SG_MSG_STATS_PUSH);
	if ((rc = read_push(r, &d, &n, err)) != SG_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = sg_stats_add(s, &d[i])) != SG_OK) {
			free(d);
			return sg_error_set(err, rc, 0, 0, "STATS_PUSH entry %zu: %s", i,
					    rc == SG_E_NOMEM ? "out of memory" : "refused");
		}
	}
	s->pushes++;
	free(d);
	return SG_OK;
}
