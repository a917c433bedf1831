/*
 * NAME
 *   sigheader.c - the text of new signature fields (see sigheader.h)
 *
 * SUMMARY
 *   Tags go to the folder one by one; joined h= names and z= copies are
 *   built in the caller's scratch buffer when it gives one (a signer
 *   keeps one for every message), else in one of our own.
 *   sg_sign_request_check and sg_dk_sender_check refuse what a verifier
 *   would not accept.
 */
#include <stdint.h>
#include <string.h>

#include "address.h"
#include "base64.h"
#include "domain.h"
#include "qp.h"
#include "sigheader.h"

#define TAG_TEXT_MAX (256 * 1024)

static enum sg_err tag_str(struct sg_folder *f, const char *name, const char *value)
{
	return sg_folder_tag(f, name, value, strlen(value), SG_SPLIT_NONE, false);
}

static enum sg_err tag_u64(struct sg_folder *f, const char *name, uint64_t v)
{
	char num[24];
	size_t at = sizeof(num);

	do {
		num[--at] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return sg_folder_tag(f, name, num + at, sizeof(num) - at, SG_SPLIT_NONE, false);
}

/* "hcanon/bcanon" */
static enum sg_err tag_canon(struct sg_folder *f, const struct sg_sign_request *r)
{
	const char *h = sg_canon_name(r->hcanon), *b = sg_canon_name(r->bcanon);
	size_t hn = strlen(h), bn = strlen(b);
	char canon[64];

	if (hn + 1 + bn > sizeof(canon))
		return SG_E_ARG;
	memcpy(canon, h, hn);
	canon[hn] = '/';
	memcpy(canon + hn + 1, b, bn);
	return sg_folder_tag(f, "c", canon, hn + 1 + bn, SG_SPLIT_NONE, false);
}

/* "From:Subject:Date" from the h= names. */
static enum sg_err join_names(const struct sg_name_ref *names, size_t n, struct sg_buf *out)
{
	enum sg_err rc = SG_OK;

	for (size_t i = 0; i < n && rc == SG_OK; i++) {
		if (i > 0)
			rc = sg_buf_putc(out, ':');
		if (rc == SG_OK)
			rc = sg_buf_append(out, names[i].s, names[i].len);
	}
	return rc;
}

static enum sg_err z_copies(const struct sg_dkim_tags *t, struct sg_buf *out)
{
	enum sg_err rc = SG_OK;
	bool first = true;

	for (size_t i = 0; i < t->nnames && rc == SG_OK; i++) {
		const struct sg_header_field *f;

		if (t->picked[i] < 0)
			continue;
		f = &t->fields[t->picked[i]];
		if (!first)
			rc = sg_buf_putc(out, '|');
		first = false;
		if (rc == SG_OK)
			rc = sg_qp_encode(f->raw, f->name_len, true, out);
		if (rc == SG_OK)
			rc = sg_buf_putc(out, ':');
		if (rc == SG_OK)
			rc = sg_qp_encode(f->raw + f->value_off, f->len - f->value_off, true, out);
	}
	return rc;
}

static enum sg_err optional_tags(const struct sg_dkim_tags *t, struct sg_folder *f,
				 struct sg_buf *scratch)
{
	const struct sg_sign_request *r = t->req;
	enum sg_err rc = SG_OK;

	if (r->identity) {
		rc = sg_qp_encode(r->identity, strlen(r->identity), false, scratch);
		if (rc == SG_OK)
			rc = tag_str(f, "i", sg_buf_cstr(scratch));
		sg_buf_reset(scratch);
	}
	if (rc == SG_OK && r->query_method)
		rc = tag_str(f, "q", "dns/txt");
	if (rc == SG_OK && r->timestamp >= 0)
		rc = tag_u64(f, "t", (uint64_t)r->timestamp);
	if (rc == SG_OK && r->lifetime > 0)
		rc = tag_u64(f, "x", (uint64_t)r->timestamp + r->lifetime);
	if (rc == SG_OK && (r->body_length || r->body_limit))
		rc = tag_u64(f, "l", t->body_length);
	return rc;
}

enum sg_err sg_sigheader_dkim(const struct sg_dkim_tags *t, struct sg_folder *f,
			      struct sg_buf *out)
{
	const struct sg_sign_request *r = t->req;
	struct sg_buf own, *scratch = t->scratch ? t->scratch : &own;
	char bh[SG_HASH_MAX * 2];
	enum sg_err rc;

	sg_buf_init(&own, TAG_TEXT_MAX);
	sg_buf_reset(scratch);
	rc = sg_folder_start(f, out, "DKIM-Signature");
	if (rc == SG_OK)
		rc = tag_str(f, "v", "1");
	if (rc == SG_OK)
		rc = tag_str(f, "a", sg_alg_name(r->alg));
	if (rc == SG_OK)
		rc = tag_canon(f, r);
	if (rc == SG_OK)
		rc = tag_str(f, "d", r->domain);
	if (rc == SG_OK)
		rc = tag_str(f, "s", r->selector);
	if (rc == SG_OK)
		rc = optional_tags(t, f, scratch);
	if (rc == SG_OK)
		rc = join_names(t->names, t->nnames, scratch);
	if (rc == SG_OK)
		rc = sg_folder_tag(f, "h", sg_buf_cstr(scratch), scratch->len, SG_SPLIT_COLON,
				   false);
	sg_buf_reset(scratch);
	if (rc == SG_OK && r->copy_headers) {
		rc = z_copies(t, scratch);
		if (rc == SG_OK)
			rc = sg_folder_tag(f, "z", sg_buf_cstr(scratch), scratch->len,
					   SG_SPLIT_QP, false);
	}
	if (rc == SG_OK) {
		size_t n = sg_base64_encode(t->bh, t->bh_len, bh);

		rc = sg_folder_tag(f, "bh", bh, n, SG_SPLIT_ANY, false);
	}
	if (rc == SG_OK)
		rc = sg_folder_b_tag(f);
	sg_buf_reset(scratch);
	sg_buf_free(&own);
	return rc;
}

enum sg_err sg_sigheader_dk(const struct sg_sign_request *req, const struct sg_name_ref *names,
			    size_t nnames, struct sg_folder *f, struct sg_buf *out)
{
	struct sg_buf scratch;
	enum sg_err rc;

	sg_buf_init(&scratch, TAG_TEXT_MAX);
	rc = sg_folder_start(f, out, "DomainKey-Signature");
	if (rc == SG_OK)
		rc = tag_str(f, "a", "rsa-sha1");
	if (rc == SG_OK)
		rc = tag_str(f, "c", sg_canon_name(req->hcanon));
	if (rc == SG_OK)
		rc = tag_str(f, "d", req->domain);
	if (rc == SG_OK)
		rc = tag_str(f, "s", req->selector);
	if (rc == SG_OK)
		rc = tag_str(f, "q", "dns");
	if (rc == SG_OK && names != NULL) {
		rc = join_names(names, nnames, &scratch);
		if (rc == SG_OK)
			rc = sg_folder_tag(f, "h", sg_buf_cstr(&scratch), scratch.len,
					   SG_SPLIT_COLON, false);
	}
	if (rc == SG_OK)
		rc = sg_folder_b_tag(f);
	sg_buf_free(&scratch);
	return rc;
}

static enum sg_err check_identity(const char *identity, const char *domain, struct sg_error *err)
{
	const char *at = strrchr(identity, '@');

	if (at == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "identity \"%s\" has no '@'", identity);
	if (!sg_domain_within(at + 1, strlen(at + 1), domain, strlen(domain)))
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "identity \"%s\" is not within the signing domain %s",
				    identity, domain);
	return SG_OK;
}

enum sg_err sg_sign_request_check(const struct sg_sign_request *r, struct sg_error *err)
{
	if (r->domain == NULL || !sg_domain_valid(r->domain, strlen(r->domain)))
		return sg_error_set(err, SG_E_ARG, 0, 0, "invalid signing domain \"%s\"",
				    r->domain ? r->domain : "");
	if (r->selector == NULL || !sg_selector_valid(r->selector, strlen(r->selector)))
		return sg_error_set(err, SG_E_ARG, 0, 0, "invalid selector \"%s\"",
				    r->selector ? r->selector : "");
	if (r->kind == SG_KIND_DOMAINKEYS) {
		if (r->alg != SG_ALG_RSA_SHA1)
			return sg_error_set(err, SG_E_ARG, 0, 0, "DomainKeys signs with rsa-sha1 only");
		if (r->hcanon != SG_CANON_DK_SIMPLE && r->hcanon != SG_CANON_DK_NOFWS)
			return sg_error_set(err, SG_E_ARG, 0, 0,
					    "DomainKeys canonicalization must be simple or nofws");
		return SG_OK;
	}
	if ((r->hcanon != SG_CANON_SIMPLE && r->hcanon != SG_CANON_RELAXED) ||
	    (r->bcanon != SG_CANON_SIMPLE && r->bcanon != SG_CANON_RELAXED))
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "DKIM canonicalization must be simple or relaxed");
	if (r->lifetime > 0 && r->timestamp < 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "a lifetime (x=) needs a timestamp (t=)");
	if (r->identity != NULL)
		return check_identity(r->identity, r->domain, err);
	return SG_OK;
}

enum sg_err sg_dk_sender_check(const struct sg_headerlist *hl,
			       const struct sg_header_field *fields, size_t nfields,
			       const char *domain, struct sg_error *err)
{
	struct sg_dk_identity id = { "", "" };
	const char *addr, *at;
	bool from_sender;

	for (size_t i = 0; i < nfields; i++) {
		if (hl == NULL || sg_headerlist_mentions(hl, &fields[i]))
			sg_dk_identity_note(&id, &fields[i]);
	}
	addr = sg_dk_identity_address(&id, &from_sender);
	at = strrchr(addr, '@');
	if (at == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "DomainKeys: no signed Sender or From address to sign for");
	if (!sg_domain_within(at + 1, strlen(at + 1), domain, strlen(domain)))
		return sg_error_set(err, SG_E_ARG, 0, 0,
				    "DomainKeys: the %s address %s is not within d=%s, so "
				    "verifiers would reject the signature (RFC 4870 3.3)",
				    from_sender ? "Sender" : "From", addr, domain);
	return SG_OK;
}
