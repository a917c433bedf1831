/*
 * NAME
 *   sigheader.c - the text of new signature fields (see sigheader.h)
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
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

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return tag_str(f, name, num);
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
	struct sg_buf scratch;
	char canon[32];
	char bh[SG_HASH_MAX * 2];
	enum sg_err rc;

	snprintf(canon, sizeof(canon), "%s/%s", sg_canon_name(r->hcanon), sg_canon_name(r->bcanon));
	sg_buf_init(&scratch, TAG_TEXT_MAX);
	rc = sg_folder_start(f, out, "DKIM-Signature");
	if (rc == SG_OK)
		rc = tag_str(f, "v", "1");
	if (rc == SG_OK)
		rc = tag_str(f, "a", sg_alg_name(r->alg));
	if (rc == SG_OK)
		rc = tag_str(f, "c", canon);
	if (rc == SG_OK)
		rc = tag_str(f, "d", r->domain);
	if (rc == SG_OK)
		rc = tag_str(f, "s", r->selector);
	if (rc == SG_OK)
		rc = optional_tags(t, f, &scratch);
	if (rc == SG_OK)
		rc = join_names(t->names, t->nnames, &scratch);
	if (rc == SG_OK)
		rc = sg_folder_tag(f, "h", scratch.data, scratch.len, SG_SPLIT_COLON, false);
	sg_buf_reset(&scratch);
	if (rc == SG_OK && r->copy_headers) {
		rc = z_copies(t, &scratch);
		if (rc == SG_OK)
			rc = sg_folder_tag(f, "z", sg_buf_cstr(&scratch), scratch.len,
					   SG_SPLIT_QP, false);
	}
	if (rc == SG_OK) {
		size_t n = sg_base64_encode(t->bh, t->bh_len, bh);

		rc = sg_folder_tag(f, "bh", bh, n, SG_SPLIT_ANY, false);
	}
	if (rc == SG_OK)
		rc = sg_folder_b_tag(f);
	sg_buf_free(&scratch);
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
