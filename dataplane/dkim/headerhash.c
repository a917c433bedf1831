/*
 * NAME
 *   headerhash.c - the DKIM header hash (see headerhash.h)
 *
 * SUMMARY
 *   Each selected field is canonicalized into one text buffer and hashed;
 *   the buffer is reused from field to field (and, with
 *   sg_headerhash_into, from message to message).
 */
#include "buf.h"
#include "canon.h"
#include "headerhash.h"

#define CANON_FIELD_MAX (1024 * 1024)

enum sg_err sg_headerhash_into(const struct sg_hash_ops *ops, enum sg_hash_alg alg,
			       enum sg_canon canon, const struct sg_header_field *fields,
			       const long *picked, size_t npicked, const char *sig_field,
			       size_t sig_len, struct sg_buf *text, uint8_t out[SG_HASH_MAX],
			       size_t *out_len)
{
	enum sg_err rc = SG_OK;
	void *h = ops->create(ops->env, alg);

	if (h == NULL)
		return SG_E_NOMEM;
	for (size_t i = 0; i < npicked && rc == SG_OK; i++) {
		if (picked[i] < 0)
			continue;
		sg_buf_reset(text);
		rc = sg_header_canon(canon, fields[picked[i]].raw, fields[picked[i]].len, true,
				     text);
		if (rc == SG_OK)
			ops->update(h, text->data, text->len);
	}
	if (rc == SG_OK) {
		sg_buf_reset(text);
		rc = sg_header_canon(canon, sig_field, sig_len, false, text);
	}
	if (rc == SG_OK) {
		ops->update(h, text->data, text->len);
		*out_len = ops->final(h, out);
	}
	ops->destroy(h);
	return rc;
}

enum sg_err sg_headerhash(const struct sg_hash_ops *ops, enum sg_hash_alg alg,
			  enum sg_canon canon, const struct sg_header_field *fields,
			  const long *picked, size_t npicked, const char *sig_field,
			  size_t sig_len, uint8_t out[SG_HASH_MAX], size_t *out_len)
{
	struct sg_buf text;
	enum sg_err rc;

	sg_buf_init(&text, CANON_FIELD_MAX);
	rc = sg_headerhash_into(ops, alg, canon, fields, picked, npicked, sig_field, sig_len,
				&text, out, out_len);
	sg_buf_free(&text);
	return rc;
}
