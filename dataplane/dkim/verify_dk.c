/*
 * NAME
 *   verify_dk.c - DomainKeys (RFC 4870) verification of one signature
 *
 * SUMMARY
 *   A DomainKey-Signature covers the fields below it: all of them, or
 *   with h= those named, replayed as Mail::DKIM does (a name listed once
 *   brings all its remaining fields, in message order; a name listed again
 *   takes its fields bottom-up). The canonical fields, then the empty line
 *   and the body through the same canonicalization, go into one SHA-1
 *   hash (a private body-hash lane). The signing identity is the address
 *   of the covered Sender field, else of the covered From field; its domain
 *   must be d= or below it, and its local part must match the key's g=.
 *
 * UNTRUSTED INPUT
 *   The message fields and the key record.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "canon.h"
#include "domain.h"
#include "verify_internal.h"

#define CANON_FIELD_MAX (1024 * 1024)

static bool name_is(const struct sg_name_ref *n, const struct sg_header_field *f)
{
	return f->name_len == n->len && strncasecmp(f->raw, n->s, n->len) == 0;
}

/* Fills order[] with the covered field indexes in hash order. */
static size_t dk_select(const struct sg_sig *s, const struct sg_header_field *fields,
			size_t first, size_t n, size_t *order, unsigned char *taken)
{
	size_t count = 0, total;

	if (!s->has_h) {
		for (size_t i = first; i < n; i++)
			order[count++] = i;
		return count;
	}
	/* walk h= from the end; later names take single fields bottom-up */
	for (size_t k = s->header_count; k-- > 0;) {
		const struct sg_name_ref *nm = &s->headers[k];
		bool again = false;

		for (size_t j = 0; j < k && !again; j++)
			again = s->headers[j].len == nm->len &&
				strncasecmp(s->headers[j].s, nm->s, nm->len) == 0;
		for (size_t i = n; i-- > first;) {
			if (taken[i] || !name_is(nm, &fields[i]))
				continue;
			taken[i] = (unsigned char)(k + 1);
			if (again)
				break;
		}
	}
	/* taken[i] = 1 + the h= position that claimed field i: order by that
	 * position, fields of one position in message order */
	total = 0;
	for (size_t k = 1; k <= s->header_count; k++) {
		for (size_t i = first; i < n; i++) {
			if (taken[i] == k)
				order[total++] = i;
		}
	}
	return total;
}

enum sg_err sg_verify_dk_start(struct sg_verifier *v, struct sg_vsig *vs)
{
	size_t n, count;
	const struct sg_header_field *fields = sg_msg_headers(v->parser, &n);
	size_t *order = calloc(n + 1, sizeof(*order));
	unsigned char *taken = calloc(n + 1, 1);
	struct sg_buf text;
	struct sg_dk_identity id = { "", "" };
	enum sg_err rc = SG_OK;

	vs->lane = sg_bodyhash_lane(&v->bodyhash, vs->sig.hcanon, SG_HASH_SHA1,
				    SG_BODYHASH_NO_LIMIT, true);
	if (order == NULL || taken == NULL || vs->lane < 0) {
		free(order);
		free(taken);
		return SG_E_NOMEM;
	}
	count = dk_select(&vs->sig, fields, vs->field + 1, n, order, taken);
	sg_buf_init(&text, CANON_FIELD_MAX);
	for (size_t i = 0; i < count && rc == SG_OK; i++) {
		const struct sg_header_field *f = &fields[order[i]];

		sg_dk_identity_note(&id, f);
		sg_buf_reset(&text);
		rc = sg_header_canon(vs->sig.hcanon, f->raw, f->len, true, &text);
		if (rc == SG_OK)
			sg_bodyhash_prefix(&v->bodyhash, vs->lane, text.data, text.len);
	}
	sg_bodyhash_lane_canon(&v->bodyhash, vs->lane, "\r\n", 2);
	memcpy(vs->res->dk_sender, sg_dk_identity_address(&id, &vs->res->dk_sender_is_sender),
	       sizeof(vs->res->dk_sender));
	sg_buf_free(&text);
	free(order);
	free(taken);
	return rc;
}

/* RFC 4870 3.3: the sender's domain must be d= or a subdomain of it, and
 * the key's g= must match its local part. */
static bool identity_allowed(struct sg_vsig *vs, const struct sg_keyrecord *key)
{
	const char *addr = vs->res->dk_sender;
	const char *at = strrchr(addr, '@');

	if (at == NULL) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, "no signed Sender or From address");
		return false;
	}
	if (!sg_domain_within(at + 1, strlen(at + 1), vs->sig.domain, strlen(vs->sig.domain))) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, "sender domain does not match d=");
		return false;
	}
	if (key->has_granularity &&
	    !sg_keyrecord_granularity_match(key->granularity, addr, (size_t)(at - addr))) {
		sg_vsig_settle(vs, SG_RES_PERMERROR, "key g= does not match the sender");
		return false;
	}
	return true;
}

void sg_verify_dk_finish(struct sg_verifier *v, struct sg_vsig *vs)
{
	struct sg_keyrecord *key = sg_verify_fetch_key(v, vs);
	const uint8_t *digest;
	size_t dlen;

	if (key == NULL)
		return;
	if (identity_allowed(vs, key)) {
		digest = sg_bodyhash_digest(&v->bodyhash, vs->lane, &dlen);
		sg_verify_signature(v, vs, key, digest, dlen);
	}
	free(key);
}
