/*
 * NAME
 *   keystore.h - key files on disk: names, paths, safe loading, identity
 *                (private to control/keys/)
 *
 * SUMMARY
 *   ks_domain_normalize and ks_selector_check decide which names may be
 *   put into a key template (they become parts of a file path): a domain
 *   is lowercased and loses one trailing dot; both are dot-separated labels
 *   of ASCII letters, digits and '-' (1..63 bytes each, internationalized
 *   names in their xn-- form) that the engine's sg_domain_valid /
 *   sg_selector_valid accept, so no '/', no ".." and no empty label can
 *   reach the file system. Selector names compare case-insensitively
 *   (sg_config_key_path lowercases them in paths).
 *   ks_key_path expands a key template (sg_config_key_path) after checking
 *   both names.
 *   ks_load reads a private key with sg_privkey_load, which refuses files
 *   that group or others can access; it returns the file's identity
 *   (device, inode, size, mtime, ctime, mode) as it was while read, so the
 *   keycache can later tell "same file" (no reload) from "changed" (reload)
 *   with one stat (ks_stat). A file that changes during the read is read
 *   again (twice at most).
 *   ks_make_parent_dirs creates the missing folders of a key path (mode
 *   0700); ks_retire_file renames a key file to FILE.retired (FILE.retired.2,
 *   ... when taken), never replacing anything.
 *   struct ks_log is where key events and refusals are reported.
 *
 * UNTRUSTED INPUT
 *   Domain and selector names from the console and from signetd; key
 *   files (through sg_privkey_load).
 */
#ifndef SIGNET_CONTROL_KEYSTORE_H
#define SIGNET_CONTROL_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "key.h"
#include "status.h"

#define KS_DOMAIN_MAX 253	/* bytes of a domain name, no trailing dot */
#define KS_SELECTOR_MAX 128	/* bytes of a selector name */
#define KS_LABEL_MAX 63

/* One line of log text, without newline. */
struct ks_log {
	void (*fn)(void *env, const char *line);
	void *env;
};

void ks_logf(const struct ks_log *log, const char *fmt, ...) SG_PRINTF(2, 3);

struct ks_identity {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_sec, mtime_nsec;
	int64_t ctime_sec, ctime_nsec;	/* catches chmod, which leaves mtime alone */
	mode_t mode;
};

bool ks_identity_equal(const struct ks_identity *a, const struct ks_identity *b);

/* in -> out (lowercase, no trailing dot); false with a reason in why. */
bool ks_domain_normalize(const char *in, char *out, size_t cap, char *why, size_t why_cap);
bool ks_selector_check(const char *name, char *why, size_t why_cap);

SG_MUST_CHECK enum sg_err ks_key_path(const char *tmpl, const char *domain,
				      const char *selector, char *out, size_t cap,
				      struct sg_error *err);

enum ks_status {
	KS_OK,		/* loaded (ks_load) / exists (ks_stat) */
	KS_MISSING,	/* no such file (or a missing folder on the way) */
	KS_REFUSED,	/* exists but unusable: reason says why */
};

/* *key is NULL unless KS_OK; reason gets one line otherwise. */
enum ks_status ks_load(const char *path, struct sg_privkey **key, struct ks_identity *id,
		       char *reason, size_t reason_cap);
enum ks_status ks_stat(const char *path, struct ks_identity *id, char *reason,
		       size_t reason_cap);

SG_MUST_CHECK enum sg_err ks_make_parent_dirs(const char *path, struct sg_error *err);
/* renamed receives the new name. */
SG_MUST_CHECK enum sg_err ks_retire_file(const char *path, char *renamed, size_t cap,
					 struct sg_error *err);

#endif
