/*
 * NAME
 *   sd_message.h - what the spool does with the bytes of an input file:
 *                  is it a message, which line ends, what is signed and
 *                  what is written, and does an existing output hold it
 *
 * SUMMARY
 *   sd_msg_check refuses what is not a message (empty; a NUL in the header
 *   section; a header line that is neither "NAME:" nor a continuation; a
 *   header section longer than SD_HEADER_MAX) with a one-line reason that
 *   names the line and byte. Size limits are the caller's (it knows the
 *   file size before reading).
 *   Line ends: a file with only CRLF is signed and written as it is; one
 *   with only bare LF is signed in CRLF form and written back with LF
 *   (the signature fields too); a mix is signed and written in CRLF form.
 *   sd_msg_prepare fills struct sd_msg_form accordingly: sign/sign_len is
 *   what dp_signer gets, body/body_len what follows the signature fields in
 *   the output, lf tells whether those fields are written with LF.
 *   sd_msg_output_matches says whether an existing output file's bytes are
 *   this input already processed: they end with exactly body, and what
 *   comes before is empty or starts with a DKIM-Signature: or
 *   DomainKey-Signature: field and ends with a line end.
 *
 * UNTRUSTED INPUT
 *   The file's bytes (any size the caller accepted; scanned once).
 */
#ifndef SIGNET_SIGNETD_SD_MESSAGE_H
#define SIGNET_SIGNETD_SD_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"

#define SD_HEADER_MAX (1024 * 1024)	/* bytes before the empty line */

enum sd_eol { SD_EOL_CRLF, SD_EOL_LF, SD_EOL_MIXED };

struct sd_msg_form {
	enum sd_eol eol;
	const uint8_t *sign;		/* raw, or crlf.data */
	size_t sign_len;
	const uint8_t *body;		/* raw, or crlf.data */
	size_t body_len;
	bool lf;			/* write the signature fields with LF ends */
	struct sg_buf crlf;		/* the CRLF copy when one was needed */
};

enum sd_eol sd_msg_eol(const uint8_t *p, size_t n);
SG_MUST_CHECK enum sg_err sd_msg_check(const uint8_t *p, size_t n, struct sg_error *err);
/* raw must outlive form; free form with sd_msg_form_free. */
SG_MUST_CHECK enum sg_err sd_msg_prepare(const uint8_t *raw, size_t n, struct sd_msg_form *form);
void sd_msg_form_free(struct sd_msg_form *form);
/* The signature fields as written: CRLF ends turned into LF when lf. */
SG_MUST_CHECK enum sg_err sd_msg_fields(const struct sg_buf *headers, bool lf,
					struct sg_buf *out);
bool sd_msg_output_matches(const uint8_t *out, size_t out_len, const uint8_t *body,
			   size_t body_len);

#endif
