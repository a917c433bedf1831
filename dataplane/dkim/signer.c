/*
 * NAME
 *   signer.c - DKIM and DomainKeys signing sessions (see signer.h)
 *
 * SUMMARY
 *   The message reader stores the header fields and streams the body into
 *   the shared body-hash lanes. At the end of the header section every
 *   DomainKeys signature gets a private lane whose hash first takes the
 *   canonical headers. At finish the DKIM header hash is computed from the
 *   selected fields and the signature field itself, written up to "b=" by
 *   sigbuild; the caller's signature bytes are then appended as b=.
 *   sg_signer_read_headers lets the caller look at the fields (and then
 *   add signatures) before the body: the lanes start when the body does.
 *   sg_signer_reset wipes everything of the message (header bytes,
 *   signature fields, digests, hash lanes) and keeps the memory: the
 *   reader's buffers, each slot's field buffer and its parsed headerlist
 *   (parsed again only when the next request's list differs), and the
 *   scratch space of the header hash.
 *
 * UNTRUSTED INPUT
 *   The message (through message.c). Requests are checked in sg_signer_add
 *   (sg_sign_request_check, sigheader.c).
 */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "base64.h"
#include "bodyhash.h"
#include "canon.h"
#include "headerlist.h"
#include "headerhash.h"
#include "sigbuild.h"
#include "sigheader.h"
#include "signer.h"

#define HEADER_TEXT_MAX (256 * 1024)
#define KEEP_BYTES (64 * 1024)	/* a reset keeps buffers up to this size */

struct sign_slot {
	struct sg_sign_request req;	/* strings point into the arrays below */
	char domain[SG_NAME_MAX + 1];
	char selector[SG_NAME_MAX + 1];
	char identity[SG_NAME_MAX + 1];
	struct sg_headerlist hl;
	bool has_hl;
	struct sg_buf hl_text;		/* the list hl was parsed from */
	bool hl_parsed;			/* hl is hl_text parsed; kept by reset */
	int lane;
	struct sg_buf header;		/* the field, up to "b=" until signed */
	struct sg_folder folder;
	uint8_t digest[SG_HASH_MAX];
	size_t digest_len;
	bool ready;			/* digest computed */
	bool is_signed;
};

/* SIGNER_HEADERS: the header section was read (sg_signer_read_headers);
 * signatures may still be added, the lanes start with the body. */
enum signer_state {
	SIGNER_ADDING, SIGNER_HEADERS, SIGNER_FEEDING, SIGNER_FINISHED, SIGNER_FAILED
};

struct sg_signer {
	const struct sg_hash_ops *hash;
	const struct sg_canon_kernels *kernels;
	struct sg_msg_parser *parser;
	struct sg_bodyhash bodyhash;
	size_t count;
	size_t slots_ready;		/* slots whose buffers exist */
	enum signer_state state;
	bool input_ended;		/* the reader has had the end of the message */
	struct sg_error deferred;	/* error raised inside a parser callback */
	struct sg_buf scratch;		/* canonical header text for hashing */
	unsigned char *work;		/* per-field scratch (finish) */
	size_t work_cap;
	/* Last and large (about 60 KiB): a slot is set up when sg_signer_add
	 * first takes it, so sg_signer_new zeroes only what comes before. */
	struct sign_slot slots[SG_SIGNER_MAX_SIGS];
};

static void on_end_of_headers(void *arg);
static void on_body(void *arg, const void *data, size_t len);

struct sg_signer *sg_signer_new(const struct sg_hash_ops *hash, const struct sg_limits *lim,
				bool fix_bare_lf)
{
	struct sg_signer *s = malloc(sizeof(*s));
	struct sg_msg_events ev = { on_end_of_headers, on_body, NULL };

	if (s == NULL)
		return NULL;
	/* Not calloc: zeroing the unused slots cost a page-fault storm per
	 * message in signetd's profile. */
	memset(s, 0, offsetof(struct sg_signer, slots));
	ev.arg = s;
	s->hash = hash;
	sg_buf_init(&s->scratch, HEADER_TEXT_MAX * 4);
	sg_bodyhash_init(&s->bodyhash, hash);
	s->parser = sg_msg_parser_new(lim, fix_bare_lf, &ev);
	if (s->parser == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void sg_signer_free(struct sg_signer *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->slots_ready; i++) {
		sg_buf_free(&s->slots[i].header);
		sg_buf_free(&s->slots[i].hl_text);
	}
	sg_buf_free(&s->scratch);
	free(s->work);
	sg_bodyhash_cleanup(&s->bodyhash);
	sg_msg_parser_free(s->parser);
	free(s);
}

/* Zeroes what a buffer holds and empties it; its memory stays unless it
 * grew past KEEP_BYTES (then it is freed, zeroed). */
static void wipe(struct sg_buf *b)
{
	if (b->cap > KEEP_BYTES) {
		sg_buf_free(b);
		return;
	}
	if (b->data != NULL)
		memset(b->data, 0, b->len);
	sg_buf_reset(b);
}

void sg_signer_reset(struct sg_signer *s)
{
	for (size_t i = 0; i < s->count; i++) {
		struct sign_slot *slot = &s->slots[i];

		wipe(&slot->header);
		memset(&slot->req, 0, sizeof(slot->req));
		slot->domain[0] = slot->selector[0] = slot->identity[0] = '\0';
		memset(slot->digest, 0, sizeof(slot->digest));
		slot->ready = slot->is_signed = false;
	}
	wipe(&s->scratch);
	if (s->work_cap > KEEP_BYTES) {
		free(s->work);
		s->work = NULL;
		s->work_cap = 0;
	}
	if (s->work != NULL)
		memset(s->work, 0, s->work_cap);
	sg_bodyhash_cleanup(&s->bodyhash);
	sg_bodyhash_init(&s->bodyhash, s->hash);
	sg_bodyhash_set_kernels(&s->bodyhash, s->kernels);
	sg_msg_parser_reset(s->parser);
	s->count = 0;
	s->state = SIGNER_ADDING;
	s->input_ended = false;
	sg_error_clear(&s->deferred);
}

void sg_signer_set_canon_kernels(struct sg_signer *s, const struct sg_canon_kernels *k)
{
	s->kernels = k;
	sg_bodyhash_set_kernels(&s->bodyhash, k);
}

/* n zeroed bytes of scratch, kept for the next call; NULL when out of
 * memory. */
static void *work_area(struct sg_signer *s, size_t n)
{
	if (n > s->work_cap) {
		unsigned char *w = calloc(n, 1);

		if (w == NULL)
			return NULL;
		free(s->work);
		s->work = w;
		s->work_cap = n;
	}
	memset(s->work, 0, n);
	return s->work;
}

static enum sg_err copy_name(char *dst, const char *src, const char *what, struct sg_error *err)
{
	size_t n = strlen(src);

	if (n > SG_NAME_MAX)
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s is longer than %d bytes", what,
				    SG_NAME_MAX);
	memcpy(dst, src, n + 1);
	return SG_OK;
}

/* Readies the next slot for a request: its buffers are made the first
 * time and kept (empty) after that. */
static void slot_start(struct sg_signer *s, struct sign_slot *slot)
{
	if (slot == &s->slots[s->slots_ready]) {
		sg_buf_init(&slot->header, HEADER_TEXT_MAX);
		sg_buf_init(&slot->hl_text, SIZE_MAX);
		slot->hl_parsed = false;
		s->slots_ready++;
	}
	sg_buf_reset(&slot->header);
	slot->has_hl = false;
	slot->lane = -1;
	memset(&slot->folder, 0, sizeof(slot->folder));
	memset(slot->digest, 0, sizeof(slot->digest));
	slot->digest_len = 0;
	slot->ready = slot->is_signed = false;
}

/* Parses the headerlist into the slot, unless the slot holds that list
 * parsed already (from an earlier message). */
static enum sg_err slot_headerlist(struct sign_slot *slot, const char *text,
				   struct sg_error *err)
{
	enum sg_err rc;

	if (slot->hl_parsed && strcmp(sg_buf_cstr(&slot->hl_text), text) == 0)
		return SG_OK;
	slot->hl_parsed = false;
	rc = sg_headerlist_parse(text, &slot->hl, err);
	if (rc != SG_OK)
		return rc;
	sg_buf_reset(&slot->hl_text);
	if (sg_buf_puts(&slot->hl_text, text) != SG_OK)
		return SG_OK;	/* parsed; only the next message parses again */
	slot->hl_parsed = true;
	return SG_OK;
}

enum sg_err sg_signer_add(struct sg_signer *s, const struct sg_sign_request *req,
			  struct sg_error *err)
{
	struct sign_slot *slot;
	enum sg_err rc;

	if (s->state != SIGNER_ADDING && s->state != SIGNER_HEADERS)
		return sg_error_set(err, SG_E_STATE, 0, 0,
				    "signatures must be added before the message body");
	if (s->count == SG_SIGNER_MAX_SIGS)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "at most %d signatures per message",
				    SG_SIGNER_MAX_SIGS);
	rc = sg_sign_request_check(req, err);
	if (rc != SG_OK)
		return rc;
	slot = &s->slots[s->count];
	slot_start(s, slot);
	slot->req = *req;
	rc = copy_name(slot->domain, req->domain, "domain", err);
	if (rc == SG_OK)
		rc = copy_name(slot->selector, req->selector, "selector", err);
	if (rc == SG_OK && req->identity)
		rc = copy_name(slot->identity, req->identity, "identity", err);
	if (rc != SG_OK)
		return rc;
	slot->req.domain = slot->domain;
	slot->req.selector = slot->selector;
	slot->req.identity = req->identity ? slot->identity : NULL;
	slot->req.headerlist = NULL;
	if (req->kind == SG_KIND_DKIM || req->headerlist != NULL) {
		rc = slot_headerlist(slot, req->headerlist ? req->headerlist :
				     SG_HEADERLIST_DEFAULT, err);
		if (rc != SG_OK)
			return rc;
		slot->has_hl = true;
	}
	if (req->kind == SG_KIND_DOMAINKEYS)
		slot->req.bcanon = req->hcanon;
	s->count++;
	return SG_OK;
}

/* The fields a DomainKeys signature covers, in message order: all of them,
 * or those whose names the headerlist mentions. */
static bool dk_covers(const struct sign_slot *slot, const struct sg_header_field *f)
{
	return !slot->has_hl || sg_headerlist_mentions(&slot->hl, f);
}

static enum sg_err dk_start(struct sg_signer *s, struct sign_slot *slot)
{
	size_t n;
	const struct sg_header_field *f = sg_msg_headers(s->parser, &n);
	struct sg_buf *canon = &s->scratch;
	enum sg_err rc = SG_OK;

	slot->lane = sg_bodyhash_lane(&s->bodyhash, slot->req.hcanon, SG_HASH_SHA1,
				      SG_BODYHASH_NO_LIMIT, true);
	if (slot->lane < 0)
		return SG_E_NOMEM;
	for (size_t i = 0; i < n && rc == SG_OK; i++) {
		if (!dk_covers(slot, &f[i]))
			continue;
		wipe(canon);
		rc = sg_header_canon(slot->req.hcanon, f[i].raw, f[i].len, true, canon);
		if (rc == SG_OK)
			sg_bodyhash_prefix(&s->bodyhash, slot->lane, canon->data, canon->len);
	}
	wipe(canon);
	/* the empty line goes through the body canonicalization (RFC 4870) */
	sg_bodyhash_lane_canon(&s->bodyhash, slot->lane, "\r\n", 2);
	return rc;
}

/* One body-hash lane per signature (DomainKeys: a private one that takes
 * the canonical headers first). */
static void start_lanes(struct sg_signer *s)
{
	enum sg_err rc = SG_OK;

	for (size_t i = 0; i < s->count && rc == SG_OK; i++) {
		struct sign_slot *slot = &s->slots[i];

		if (slot->req.kind == SG_KIND_DOMAINKEYS) {
			rc = dk_start(s, slot);
		} else {
			slot->lane = sg_bodyhash_lane(&s->bodyhash, slot->req.bcanon,
						      sg_alg_hash(slot->req.alg),
						      slot->req.body_limit ? slot->req.body_limit :
						      SG_BODYHASH_NO_LIMIT, false);
			if (slot->lane < 0)
				rc = SG_E_NOMEM;
		}
	}
	if (rc != SG_OK && s->deferred.code == SG_OK)
		sg_error_set(&s->deferred, rc, 0, 0, "cannot start hashing: %s", sg_err_name(rc));
}

static void on_end_of_headers(void *arg)
{
	struct sg_signer *s = arg;

	/* After sg_signer_read_headers, signatures may still come: the
	 * lanes start when the caller goes on to the body. */
	if (s->state == SIGNER_FEEDING)
		start_lanes(s);
}

static void on_body(void *arg, const void *data, size_t len)
{
	struct sg_signer *s = arg;

	sg_bodyhash_update(&s->bodyhash, data, len);
}

static enum sg_err take_deferred(struct sg_signer *s, struct sg_error *err)
{
	if (s->deferred.code == SG_OK)
		return SG_OK;
	s->state = SIGNER_FAILED;
	if (err)
		*err = s->deferred;
	return s->deferred.code;
}

enum sg_err sg_signer_read_headers(struct sg_signer *s, const void *data, size_t len,
				   bool whole, size_t *used, struct sg_error *err)
{
	enum sg_err rc;

	*used = 0;
	if (s->state != SIGNER_ADDING && s->state != SIGNER_HEADERS)
		return sg_error_set(err, SG_E_STATE, 0, 0, "the message body was already fed");
	s->state = SIGNER_HEADERS;
	rc = sg_msg_parser_feed_headers(s->parser, data, len, used, err);
	if (rc == SG_OK && whole && !sg_msg_parser_in_body(s->parser)) {
		rc = sg_msg_parser_finish(s->parser, err);
		s->input_ended = rc == SG_OK;
	}
	if (rc != SG_OK)
		s->state = SIGNER_FAILED;
	return rc;
}

const struct sg_header_field *sg_signer_fields(const struct sg_signer *s, size_t *count)
{
	return sg_msg_headers(s->parser, count);
}

/* From adding (or reading the headers) to feeding; false when there is
 * nothing to sign or the message is over. */
static enum sg_err begin_feeding(struct sg_signer *s, struct sg_error *err)
{
	bool before = s->state == SIGNER_ADDING || s->state == SIGNER_HEADERS;

	if (before && s->count == 0)
		return sg_error_set(err, SG_E_STATE, 0, 0, "no signature requested");
	if (!before && s->state != SIGNER_FEEDING)
		return sg_error_set(err, SG_E_STATE, 0, 0, "message already finished");
	if (s->state == SIGNER_HEADERS && sg_msg_parser_in_body(s->parser))
		start_lanes(s);
	s->state = SIGNER_FEEDING;
	return SG_OK;
}

enum sg_err sg_signer_feed(struct sg_signer *s, const void *data, size_t len,
			   struct sg_error *err)
{
	enum sg_err rc = begin_feeding(s, err);

	if (rc != SG_OK)
		return rc;
	if (len > 0 || !s->input_ended)
		rc = sg_msg_parser_feed(s->parser, data, len, err);
	if (rc != SG_OK) {
		s->state = SIGNER_FAILED;
		return rc;
	}
	return take_deferred(s, err);
}

/* The DKIM field up to "b=" and the digest its private key must sign. */
static enum sg_err finish_dkim(struct sg_signer *s, struct sign_slot *slot,
			       struct sg_error *err)
{
	size_t nfields, nnames = 0, bh_len;
	const struct sg_header_field *fields = sg_msg_headers(s->parser, &nfields);
	struct sg_name_ref names[SG_SIG_MAX_HEADERS];
	long picked[SG_SIG_MAX_HEADERS];
	unsigned char *used = work_area(s, nfields ? nfields : 1);
	struct sg_dkim_tags tags = { .req = &slot->req };
	enum sg_err rc;

	if (used == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	rc = sg_headerlist_expand(&slot->hl, fields, nfields, names, SG_SIG_MAX_HEADERS, &nnames);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "more than %d header fields to sign",
				    SG_SIG_MAX_HEADERS);
	sg_select_headers(names, nnames, fields, nfields, NULL, used, picked);
	tags.bh = sg_bodyhash_digest(&s->bodyhash, slot->lane, &bh_len);
	tags.bh_len = bh_len;
	tags.body_length = sg_bodyhash_length(&s->bodyhash, slot->lane);
	if (slot->req.body_limit && tags.body_length > slot->req.body_limit)
		tags.body_length = slot->req.body_limit;	/* what was hashed */
	tags.names = names;
	tags.nnames = nnames;
	tags.fields = fields;
	tags.picked = picked;
	tags.scratch = &s->scratch;
	rc = sg_sigheader_dkim(&tags, &slot->folder, &slot->header);
	if (rc == SG_OK)
		rc = sg_headerhash_into(s->hash, sg_alg_hash(slot->req.alg), slot->req.hcanon,
					fields, picked, nnames, slot->header.data,
					slot->header.len, &s->scratch, slot->digest,
					&slot->digest_len);
	wipe(&s->scratch);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "cannot build the DKIM-Signature: %s",
				    sg_err_name(rc));
	return SG_OK;
}

/* The DomainKey-Signature up to "b="; its digest is the private lane's. */
static enum sg_err finish_dk(struct sg_signer *s, struct sign_slot *slot, struct sg_error *err)
{
	size_t nfields, nnames = 0, len;
	const struct sg_header_field *fields = sg_msg_headers(s->parser, &nfields);
	struct sg_name_ref *names = NULL;
	const uint8_t *digest;
	enum sg_err rc = sg_dk_sender_check(slot->has_hl ? &slot->hl : NULL, fields, nfields,
					    slot->domain, err);

	if (rc != SG_OK)
		return rc;
	if (slot->has_hl || slot->req.list_headers) {
		names = work_area(s, (nfields ? nfields : 1) * sizeof(*names));
		if (names == NULL)
			return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
		for (size_t i = 0; i < nfields; i++) {
			if (dk_covers(slot, &fields[i]))
				names[nnames++] = (struct sg_name_ref){ fields[i].raw,
									fields[i].name_len };
		}
	}
	rc = sg_sigheader_dk(&slot->req, names, nnames, &slot->folder, &slot->header);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "cannot build the DomainKey-Signature: %s",
				    sg_err_name(rc));
	digest = sg_bodyhash_digest(&s->bodyhash, slot->lane, &len);
	memcpy(slot->digest, digest, len);
	slot->digest_len = len;
	return SG_OK;
}

/* RFC 6376 5.4 and RFC 5322 3.6: a message without From cannot be signed. */
static enum sg_err require_from(const struct sg_signer *s, struct sg_error *err)
{
	size_t n;
	const struct sg_header_field *f = sg_msg_headers(s->parser, &n);

	for (size_t i = 0; i < n; i++) {
		if (sg_header_is(&f[i], "From"))
			return SG_OK;
	}
	return sg_error_set(err, SG_E_SYNTAX, 0, 0,
			    "message has no From header field; refusing to sign it");
}

enum sg_err sg_signer_finish(struct sg_signer *s, struct sg_error *err)
{
	enum sg_err rc;

	if (s->state == SIGNER_ADDING)
		return sg_error_set(err, SG_E_STATE, 0, 0, "no message was fed");
	rc = begin_feeding(s, err);
	if (rc != SG_OK)
		return rc;
	if (!s->input_ended)
		rc = sg_msg_parser_finish(s->parser, err);
	s->input_ended = true;
	if (rc == SG_OK)
		rc = take_deferred(s, err);
	if (rc != SG_OK) {
		s->state = SIGNER_FAILED;
		return rc;
	}
	rc = require_from(s, err);
	if (rc != SG_OK) {
		s->state = SIGNER_FAILED;
		return rc;
	}
	sg_bodyhash_final(&s->bodyhash);
	for (size_t i = 0; i < s->count && rc == SG_OK; i++) {
		struct sign_slot *slot = &s->slots[i];

		rc = slot->req.kind == SG_KIND_DKIM ? finish_dkim(s, slot, err)
						    : finish_dk(s, slot, err);
		slot->ready = rc == SG_OK;
	}
	s->state = rc == SG_OK ? SIGNER_FINISHED : SIGNER_FAILED;
	return rc;
}

size_t sg_signer_count(const struct sg_signer *s)
{
	return s->count;
}

const uint8_t *sg_signer_digest(const struct sg_signer *s, size_t i, size_t *len,
				enum sg_alg *alg)
{
	if (i >= s->count || !s->slots[i].ready)
		return NULL;
	*len = s->slots[i].digest_len;
	if (alg)
		*alg = s->slots[i].req.alg;
	return s->slots[i].digest;
}

enum sg_err sg_signer_set_signature(struct sg_signer *s, size_t i, const uint8_t *sig,
				    size_t siglen, struct sg_error *err)
{
	struct sign_slot *slot;
	char b64[(SG_SIG_MAX_B + 2) / 3 * 4 + 1];
	size_t n;
	enum sg_err rc;

	if (i >= s->count || !s->slots[i].ready)
		return sg_error_set(err, SG_E_STATE, 0, 0, "signature %zu is not ready", i);
	slot = &s->slots[i];
	if (slot->is_signed)
		return sg_error_set(err, SG_E_STATE, 0, 0, "signature %zu is already set", i);
	if (siglen == 0 || siglen > SG_SIG_MAX_B)
		return sg_error_set(err, SG_E_ARG, 0, 0, "signature of %zu bytes", siglen);
	n = sg_base64_encode(sig, siglen, b64);
	rc = sg_folder_b_value(&slot->folder, b64, n);
	if (rc == SG_OK)
		rc = sg_buf_append(&slot->header, "\r\n", 2);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "cannot add b=: %s", sg_err_name(rc));
	slot->is_signed = true;
	return SG_OK;
}

const char *sg_signer_header(const struct sg_signer *s, size_t i, size_t *len)
{
	if (i >= s->count || !s->slots[i].is_signed)
		return NULL;
	*len = s->slots[i].header.len;
	return s->slots[i].header.data;
}

enum sg_err sg_signer_headers(const struct sg_signer *s, struct sg_buf *out)
{
	enum sg_err rc = SG_OK;

	/* DKIM first: the DomainKeys signature must sit right above the
	 * original headers it covers. */
	for (int pass = 0; pass < 2; pass++) {
		enum sg_sigkind kind = pass == 0 ? SG_KIND_DKIM : SG_KIND_DOMAINKEYS;

		for (size_t i = 0; i < s->count && rc == SG_OK; i++) {
			const struct sign_slot *slot = &s->slots[i];

			if (slot->req.kind != kind)
				continue;
			if (!slot->is_signed)
				return SG_E_STATE;
			rc = sg_buf_append(out, slot->header.data, slot->header.len);
		}
	}
	return rc;
}
