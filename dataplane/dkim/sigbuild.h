/*
 * NAME
 *   sigbuild.h - write signature header fields folded at 78 columns
 *
 * SUMMARY
 *   struct sg_folder appends "Name: tag=value; tag=value;..." to a buffer,
 *   starting a continuation line ("\r\n\t") whenever the next piece would
 *   pass SG_FOLD_WIDTH columns. Values are split only where the grammar
 *   allows folding white space: between the names of h= (after ':'),
 *   anywhere in base64 (b=, bh=) and in quoted-printable z= copies (never
 *   inside an =XX escape or a header name). Other values are kept whole,
 *   even when longer than a line. The ';' after a value stays within the
 *   width too.
 *   The b= value is written separately (sg_folder_b_value) so the text up to
 *   "b=" is identical before and after signing: that text is what gets
 *   hashed (RFC 6376 3.7).
 */
#ifndef SIGNET_DKIM_SIGBUILD_H
#define SIGNET_DKIM_SIGBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"

#define SG_FOLD_WIDTH 78

enum sg_fold_split {
	SG_SPLIT_NONE,		/* keep the value whole */
	SG_SPLIT_COLON,		/* fold after ':' (h=) */
	SG_SPLIT_ANY,		/* fold anywhere (base64) */
	SG_SPLIT_QP,		/* fold anywhere but inside =XX (z=) */
};

struct sg_folder {
	struct sg_buf *out;
	size_t col;		/* columns used on the current line */
	bool first;		/* no tag written yet */
};

SG_MUST_CHECK enum sg_err sg_folder_start(struct sg_folder *f, struct sg_buf *out,
					  const char *field_name);
/* Appends "name=value;" ("name=value" when last). */
SG_MUST_CHECK enum sg_err sg_folder_tag(struct sg_folder *f, const char *name, const char *value,
					size_t len, enum sg_fold_split split, bool last);
/* Appends " b=" (or a fold and "b="), leaving the value to sg_folder_b_value. */
SG_MUST_CHECK enum sg_err sg_folder_b_tag(struct sg_folder *f);
SG_MUST_CHECK enum sg_err sg_folder_b_value(struct sg_folder *f, const char *b64, size_t len);

#endif
