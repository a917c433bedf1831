/*
 * NAME
 *   keystore.c - key files on disk: names, paths, safe loading, identity
 *                (see keystore.h)
 *
 * SUMMARY
 *   Names are checked byte by byte before they become part of a path.
 *   Loading is stat, sg_privkey_load (type, size and mode checks, locked
 *   memory), stat again: when the two stats differ the file was replaced
 *   or rewritten during the read and it is read again, so the identity
 *   kept with a key always describes the bytes that were parsed.
 *
 * UNTRUSTED INPUT
 *   Domain and selector names (any bytes, any length: checked before
 *   use); key files (parsed by the crypto layer).
 *
 * DIAGNOSTICS
 *   Reasons name the offending byte and its position, or the file and
 *   the system error; refusals of unsafe key files carry the fix
 *   ("chmod 600 FILE") from sg_privkey_load.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Engine. */
#include "domain.h"

/* Control plane. */
#include "config.h"
#include "keystore.h"

#define KS_LOAD_TRIES 3
#define KS_RETIRED_MAX 100	/* FILE.retired .. FILE.retired.100 */

void ks_logf(const struct ks_log *log, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (log == NULL || log->fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log->fn(log->env, line);
}

bool ks_identity_equal(const struct ks_identity *a, const struct ks_identity *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec &&
	       a->mode == b->mode;
}

static void identity_of(const struct stat *st, struct ks_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	id->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
	id->ctime_sec = (int64_t)st->st_ctim.tv_sec;
	id->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
	id->mode = st->st_mode;
}

static bool label_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* Dot-separated labels of label bytes; what names the thing for messages. */
static bool check_labels(const char *s, size_t len, size_t max, const char *what, char *why,
			 size_t why_cap)
{
	size_t label = 0;

	if (len == 0) {
		snprintf(why, why_cap, "empty %s", what);
		return false;
	}
	if (len > max) {
		snprintf(why, why_cap, "%s is %zu bytes long; the limit is %zu", what, len, max);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0) {
				snprintf(why, why_cap, "%s has an empty label at byte %zu", what,
					 i + 1);
				return false;
			}
			label = 0;
			continue;
		}
		if (!label_byte(c)) {
			snprintf(why, why_cap, "%s has a forbidden byte 0x%02x at byte %zu (allowed: "
				 "letters, digits, '-', '.'; IDNs in xn-- form)", what, c, i + 1);
			return false;
		}
		if (++label > KS_LABEL_MAX) {
			snprintf(why, why_cap, "%s has a label longer than %d bytes", what,
				 KS_LABEL_MAX);
			return false;
		}
	}
	if (label == 0) {
		snprintf(why, why_cap, "%s ends with an empty label", what);
		return false;
	}
	return true;
}

bool ks_domain_normalize(const char *in, char *out, size_t cap, char *why, size_t why_cap)
{
	size_t len = strnlen(in, KS_DOMAIN_MAX + 2);

	if (len > 1 && in[len - 1] == '.')
		len--;
	if (!check_labels(in, len, KS_DOMAIN_MAX, "domain", why, why_cap))
		return false;
	if (!sg_domain_valid(in, len)) {
		snprintf(why, why_cap, "\"%.*s\" is not a domain name (two labels or more, no "
			 "'-' at either end of a label)", (int)len, in);
		return false;
	}
	if (len + 1 > cap) {
		snprintf(why, why_cap, "domain does not fit (%zu bytes)", len);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[len] = '\0';
	return true;
}

bool ks_selector_check(const char *name, char *why, size_t why_cap)
{
	size_t len = strnlen(name, KS_SELECTOR_MAX + 1);

	if (!check_labels(name, len, KS_SELECTOR_MAX, "selector", why, why_cap))
		return false;
	if (!sg_selector_valid(name, len)) {
		snprintf(why, why_cap, "\"%s\" is not a selector name (no '-' at either end of "
			 "a label)", name);
		return false;
	}
	return true;
}

enum sg_err ks_key_path(const char *tmpl, const char *domain, const char *selector, char *out,
			size_t cap, struct sg_error *err)
{
	char why[160];
	enum sg_err rc;

	if (!check_labels(domain, strnlen(domain, KS_DOMAIN_MAX + 1), KS_DOMAIN_MAX, "domain",
			  why, sizeof(why)) ||
	    !ks_selector_check(selector, why, sizeof(why)))
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s", why);
	if (tmpl == NULL || *tmpl == '\0')
		return sg_error_set(err, SG_E_STATE, 0, 0, "no key template (set key = ... in "
				    "the signing scope)");
	rc = sg_config_key_path(tmpl, domain, selector, out, cap);
	if (rc == SG_E_LIMIT)
		return sg_error_set(err, rc, 0, 0, "key template \"%s\" gives a path longer than "
				    "%zu bytes for %s/%s", tmpl, cap - 1, domain, selector);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "key template \"%s\" cannot be expanded for "
				    "domain %s, selector %s", tmpl, domain, selector);
	return SG_OK;
}

enum ks_status ks_stat(const char *path, struct ks_identity *id, char *reason,
		       size_t reason_cap)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			snprintf(reason, reason_cap, "no key file %s", path);
			return KS_MISSING;
		}
		snprintf(reason, reason_cap, "cannot stat key file %s: %s", path, strerror(errno));
		return KS_REFUSED;
	}
	identity_of(&st, id);
	return KS_OK;
}

enum ks_status ks_load(const char *path, struct sg_privkey **key, struct ks_identity *id,
		       char *reason, size_t reason_cap)
{
	struct ks_identity before, after;
	struct sg_error err;
	enum ks_status st;

	*key = NULL;
	for (int tries = 0; tries < KS_LOAD_TRIES; tries++) {
		st = ks_stat(path, &before, reason, reason_cap);
		if (st != KS_OK)
			return st;
		sg_error_clear(&err);
		if (sg_privkey_load(path, false, key, &err) != SG_OK) {
			/* Gone between stat and open: that is "missing". */
			if (ks_stat(path, &after, reason, reason_cap) == KS_MISSING)
				return KS_MISSING;
			snprintf(reason, reason_cap, "%s", err.msg);
			return KS_REFUSED;
		}
		st = ks_stat(path, &after, reason, reason_cap);
		if (st == KS_OK && ks_identity_equal(&before, &after)) {
			*id = after;
			return KS_OK;
		}
		sg_privkey_free(*key);
		*key = NULL;
	}
	snprintf(reason, reason_cap, "key file %s keeps changing while being read", path);
	return KS_REFUSED;
}

/* Creates one folder unless it exists. */
static enum sg_err make_dir(const char *dir, struct sg_error *err)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0 || (errno == EEXIST && stat(dir, &st) == 0 &&
				      S_ISDIR(st.st_mode)))
		return SG_OK;
	return sg_error_set(err, SG_E_IO, 0, 0, "cannot create folder %s: %s", dir,
			    errno == EEXIST ? "a file of that name exists" : strerror(errno));
}

enum sg_err ks_make_parent_dirs(const char *path, struct sg_error *err)
{
	char dir[SG_CONF_PATH_MAX];
	size_t len = strnlen(path, sizeof(dir));
	enum sg_err rc;

	if (len == sizeof(dir))
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "key path is too long");
	memcpy(dir, path, len + 1);
	while (len > 0 && dir[len - 1] != '/')
		len--;
	if (len <= 1)
		return SG_OK;		/* relative file name or a file in "/" */
	dir[len - 1] = '\0';
	for (size_t i = 1; i < len; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		dir[i] = '\0';
		rc = make_dir(dir, err);
		if (rc != SG_OK)
			return rc;
		if (i + 1 < len)
			dir[i] = '/';
	}
	return SG_OK;
}

/* Renames without replacing; errno EEXIST when target exists. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to) != 0)
		return -1;
	return unlink(from);
}

enum sg_err ks_retire_file(const char *path, char *renamed, size_t cap, struct sg_error *err)
{
	for (int n = 1; n <= KS_RETIRED_MAX; n++) {
		int len = n == 1 ? snprintf(renamed, cap, "%s.retired", path) :
				   snprintf(renamed, cap, "%s.retired.%d", path, n);

		if (len < 0 || (size_t)len >= cap)
			return sg_error_set(err, SG_E_LIMIT, 0, 0, "%s.retired: path too long",
					    path);
		if (rename_noreplace(path, renamed) == 0)
			return SG_OK;
		if (errno != EEXIST)
			return sg_error_set(err, SG_E_IO, 0, 0, "cannot rename %s to %s: %s",
					    path, renamed, strerror(errno));
	}
	return sg_error_set(err, SG_E_LIMIT, 0, 0, "%s.retired .. .retired.%d all exist; "
			    "clean up old retired keys", path, KS_RETIRED_MAX);
}
