/*
 * NAME
 *   sd_auth.h - the relay's SMTP AUTH PLAIN credentials (esmtp_listener
 *               auth_file)
 *
 * SUMMARY
 *   sd_auth_load reads the file once at start: one "user:hash" line per
 *   user, hash in crypt(3) form (e.g. "$6$salt$..." from `openssl passwd
 *   -6`); blank lines and lines starting with '#' are skipped. The file
 *   must be a regular file not readable by others (mode o-r), at most
 *   SD_AUTH_FILE_MAX octets and SD_AUTH_USERS_MAX users; a malformed line
 *   is refused with its number. sd_auth_check (an sg_smtp_auth_fn for the
 *   server machine; ctx is the struct sd_auth) hashes the password with
 *   the user's salt (crypt_rn) and compares in constant time; an unknown
 *   user costs one hash too, so the answer time does not tell whether a
 *   user exists. An authzid other than "" or the user itself is refused.
 *   The table is read-only after loading: every worker may share it.
 *
 * UNTRUSTED INPUT
 *   The credentials a client sends (bounded by the server machine) and the
 *   file (bounded as above).
 */
#ifndef SIGNET_SIGNETD_SD_AUTH_H
#define SIGNET_SIGNETD_SD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include "status.h"

#define SD_AUTH_FILE_MAX (1u << 20)
#define SD_AUTH_USERS_MAX 10000u
#define SD_AUTH_FIELD_MAX 255

struct sd_auth;

SG_MUST_CHECK enum sg_err sd_auth_load(const char *path, struct sd_auth **out,
				       struct sg_error *err);
/* Same as sd_auth_load on text already read (no file checks). */
SG_MUST_CHECK enum sg_err sd_auth_parse(const char *text, size_t len, struct sd_auth **out,
					struct sg_error *err);
bool sd_auth_check(void *ctx, const char *authzid, const char *authcid, const char *password);
size_t sd_auth_users(const struct sd_auth *a);
void sd_auth_free(struct sd_auth *a);

#endif
