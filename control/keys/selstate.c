/*
 * NAME
 *   selstate.c - the selector state file: parse, format, atomic save
 *                (format in selectors.h)
 *
 * SUMMARY
 *   selstate_parse reads the records into a selset that already holds the
 *   config selectors: state selectors are added, config records are
 *   applied to the config selector of that name and type as overrides
 *   (or dropped when signet.conf no longer has it). A state record whose
 *   name and type signet.conf now defines as well is merged into the
 *   config selector the same way (the config wins; its domains' flags
 *   and the key details are kept). selstate_save writes a temp file in
 *   the state folder, fsyncs it, renames it over the old file and fsyncs
 *   the folder, so a crash leaves the old or the new state, never a mix.
 *
 * UNTRUSTED INPUT
 *   The state file: size and line limits, every field checked (names with
 *   the keystore rules, numbers decimal without sign and bounded).
 *
 * DIAGNOSTICS
 *   "FILE:LINE: what is wrong (field N ...)"; I/O errors name the file and
 *   the system error.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Control plane. */
#include "selectors.h"

#define SELSTATE_MAGIC "signet-selectors"
#define SELSTATE_VERSION 1
#define FIELDS_MAX 9
#define BITS_MAX 16384
#define TIME_MAX 253402300799ll		/* 9999-12-31T23:59:59Z */

struct parse {
	struct selset *set;
	const char *name;
	uint32_t line;
	bool seen_version;
	struct selector *current;	/* selector of the following domain lines */
	bool skipping;			/* dropped config record: skip its domains */
	struct sg_error *err;
};

static enum sg_err fail(struct parse *p, enum sg_err code, const char *what, const char *tok)
{
	return sg_error_set(p->err, code, p->line, 0, "%s:%u: %s%s%s%s", p->name, p->line, what,
			    tok ? " \"" : "", tok ? tok : "", tok ? "\"" : "");
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 19)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_kind(const char *s, enum sg_sigkind *kind)
{
	if (strcmp(s, "dkim") == 0)
		*kind = SG_KIND_DKIM;
	else if (strcmp(s, "domainkeys") == 0)
		*kind = SG_KIND_DOMAINKEYS;
	else
		return false;
	return true;
}

static bool canon_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct selector *)0)->canon))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '/' || s[i] == '-'))
			return false;
	}
	return true;
}

/* selector NAME KIND ORIGIN CANON KEYTYPE BITS CREATED */
static enum sg_err selector_line(struct parse *p, char **f)
{
	enum sg_sigkind kind;
	struct selector *sel;
	uint64_t bits, created;
	bool state;
	char why[160];
	enum sg_err rc;

	if (!ks_selector_check(f[1], why, sizeof(why)))
		return fail(p, SG_E_SYNTAX, why, NULL);
	if (!parse_kind(f[2], &kind))
		return fail(p, SG_E_SYNTAX, "field 3: expected dkim or domainkeys, got", f[2]);
	if (strcmp(f[3], "state") != 0 && strcmp(f[3], "config") != 0)
		return fail(p, SG_E_SYNTAX, "field 4: expected state or config, got", f[3]);
	if (!canon_ok(f[4]))
		return fail(p, SG_E_SYNTAX, "field 5: bad canonicalization", f[4]);
	if (strcmp(f[5], "rsa") != 0 && strcmp(f[5], "ed25519") != 0 && strcmp(f[5], "-") != 0)
		return fail(p, SG_E_SYNTAX, "field 6: expected rsa, ed25519 or -, got", f[5]);
	if (!parse_u64(f[6], BITS_MAX, &bits))
		return fail(p, SG_E_SYNTAX, "field 7: bad key size", f[6]);
	if (!parse_u64(f[7], TIME_MAX, &created))
		return fail(p, SG_E_SYNTAX, "field 8: bad creation time", f[7]);
	state = strcmp(f[3], "state") == 0;
	sel = sel_find(p->set, f[1], kind);
	p->skipping = false;
	if (sel != NULL && sel->origin == SEL_STATE)
		return fail(p, SG_E_SYNTAX, "selector listed twice:", f[1]);
	if (sel == NULL && !state) {
		p->skipping = true;	/* signet.conf dropped it */
		p->current = NULL;
		return SG_OK;
	}
	if (sel == NULL) {
		rc = sel_add(p->set, f[1], kind, SEL_STATE, &sel);
		if (rc != SG_OK)
			return fail(p, rc, "too many selectors", NULL);
		snprintf(sel->canon, sizeof(sel->canon), "%s", f[4]);
	}
	if (state) {
		sel->key_type = strcmp(f[5], "ed25519") == 0 ? SG_KEY_ED25519 : SG_KEY_RSA;
		sel->bits = (unsigned)bits;
		sel->created = (int64_t)created;
	}
	p->current = sel;
	return SG_OK;
}

/* domain NAME KIND DOMAIN on|off EVER DELETE_AFTER */
static enum sg_err domain_line(struct parse *p, char **f)
{
	char domain[KS_DOMAIN_MAX + 1], why[160];
	struct sel_domain *d;
	uint64_t ever, after;
	enum sg_sigkind kind;
	enum sg_err rc;

	if (!parse_kind(f[2], &kind))
		return fail(p, SG_E_SYNTAX, "field 3: expected dkim or domainkeys, got", f[2]);
	if (p->skipping)
		return SG_OK;
	if (p->current == NULL || strcmp(p->current->name, f[1]) != 0 ||
	    p->current->kind != kind)
		return fail(p, SG_E_SYNTAX, "domain line does not follow the line of its "
			    "selector", f[1]);
	if (!ks_domain_normalize(f[3], domain, sizeof(domain), why, sizeof(why)))
		return fail(p, SG_E_SYNTAX, why, NULL);
	if (strcmp(domain, f[3]) != 0)
		return fail(p, SG_E_SYNTAX, "field 4: domain not in lowercase canonical form",
			    f[3]);
	if (strcmp(f[4], "on") != 0 && strcmp(f[4], "off") != 0)
		return fail(p, SG_E_SYNTAX, "field 5: expected on or off, got", f[4]);
	if (!parse_u64(f[5], 1, &ever))
		return fail(p, SG_E_SYNTAX, "field 6: expected 0 or 1, got", f[5]);
	if (!parse_u64(f[6], TIME_MAX, &after))
		return fail(p, SG_E_SYNTAX, "field 7: bad deletion time", f[6]);
	if (p->current->origin == SEL_STATE && sel_domain_find(p->current, domain) != NULL)
		return fail(p, SG_E_SYNTAX, "domain listed twice:", domain);
	rc = sel_domain_add(p->current, domain, &d);
	if (rc != SG_OK)
		return fail(p, rc, "too many domains for one selector", NULL);
	d->enabled = strcmp(f[4], "on") == 0;
	d->ever_enabled = ever == 1 || d->enabled;
	d->delete_after = (int64_t)after;
	return SG_OK;
}

/* Splits line at single spaces into f; returns the count (FIELDS_MAX + 1
 * when there are too many). */
static size_t split(char *line, char **f)
{
	size_t n = 0;

	for (char *tok = line;; tok++) {
		if (n == FIELDS_MAX)
			return FIELDS_MAX + 1;
		f[n++] = tok;
		tok = strchr(tok, ' ');
		if (tok == NULL)
			return n;
		*tok = '\0';
	}
}

static enum sg_err one_line(struct parse *p, char *line)
{
	char *f[FIELDS_MAX];
	size_t n;

	if (line[0] == '#' || line[0] == '\0')
		return SG_OK;
	n = split(line, f);
	if (!p->seen_version) {
		if (n != 2 || strcmp(f[0], SELSTATE_MAGIC) != 0)
			return fail(p, SG_E_SYNTAX, "not a selector state file (expected \""
				    SELSTATE_MAGIC " 1\")", NULL);
		if (strcmp(f[1], "1") != 0)
			return fail(p, SG_E_UNSUPPORTED, "unsupported state file version", f[1]);
		p->seen_version = true;
		return SG_OK;
	}
	if (strcmp(f[0], "selector") == 0 && n == 8)
		return selector_line(p, f);
	if (strcmp(f[0], "domain") == 0 && n == 7)
		return domain_line(p, f);
	if (strcmp(f[0], "selector") == 0 || strcmp(f[0], "domain") == 0)
		return fail(p, SG_E_SYNTAX, "wrong number of fields in a record of type", f[0]);
	return fail(p, SG_E_SYNTAX, "unknown record type", f[0]);
}

enum sg_err selstate_parse(struct selset *s, const char *text, size_t len, const char *name,
			   struct sg_error *err)
{
	struct parse p = { .set = s, .name = name, .err = err };
	char line[SELSTATE_LINE_MAX + 1];
	size_t start = 0;
	enum sg_err rc;

	if (len > SELSTATE_FILE_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "%s: %zu bytes; the limit is %d", name,
				    len, SELSTATE_FILE_MAX);
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t n = nl ? (size_t)(nl - (text + start)) : len - start;

		p.line++;
		if (n > SELSTATE_LINE_MAX)
			return fail(&p, SG_E_LIMIT, "line too long", NULL);
		if (memchr(text + start, '\0', n) != NULL || memchr(text + start, '\r', n) != NULL)
			return fail(&p, SG_E_SYNTAX, "NUL or CR byte in the line", NULL);
		memcpy(line, text + start, n);
		line[n] = '\0';
		rc = one_line(&p, line);
		if (rc != SG_OK)
			return rc;
		start += n + 1;
	}
	if (!p.seen_version && len > 0)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0, "%s: no \"" SELSTATE_MAGIC " 1\" line",
				    name);
	return SG_OK;
}

enum sg_err selstate_load(struct selset *s, const char *path, struct sg_error *err)
{
	struct sg_buf text;
	char chunk[8192];
	enum sg_err rc = SG_OK;
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL && errno == ENOENT)
		return SG_OK;
	if (f == NULL)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot open %s: %s", path,
				    strerror(errno));
	sg_buf_init(&text, SELSTATE_FILE_MAX);
	while (rc == SG_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = sg_buf_append(&text, chunk, n);
	if (rc == SG_OK && ferror(f))
		rc = sg_error_set(err, SG_E_IO, 0, 0, "cannot read %s", path);
	else if (rc != SG_OK)
		rc = sg_error_set(err, rc, 0, 0, "%s: larger than %d bytes", path,
				  SELSTATE_FILE_MAX);
	fclose(f);
	if (rc == SG_OK)
		rc = selstate_parse(s, sg_buf_cstr(&text), text.len, path, err);
	sg_buf_free(&text);
	return rc;
}

static enum sg_err format_selector(const struct selector *sel, struct sg_buf *out)
{
	bool state = sel->origin == SEL_STATE, header = false;
	enum sg_err rc = SG_OK;

	for (size_t i = 0; rc == SG_OK && i <= sel->ndomains; i++) {
		const struct sel_domain *d = i < sel->ndomains ? &sel->domains[i] : NULL;

		/* Config selectors: only what differs from signet.conf. */
		if (d != NULL && (strcmp(d->domain, SEL_ANY_DOMAIN) == 0 ||
				  (!state && d->from_config && d->enabled)))
			continue;
		if (!header && (state || d != NULL)) {
			rc = sg_buf_printf(out, "selector %s %s %s %s %s %u %lld\n", sel->name,
					   sel_kind_name(sel->kind), state ? "state" : "config",
					   state ? sel->canon : "-",
					   !state ? "-" : sel->key_type == SG_KEY_ED25519 ?
					   "ed25519" : "rsa", state ? sel->bits : 0,
					   state ? (long long)sel->created : 0ll);
			header = true;
		}
		if (rc == SG_OK && d != NULL)
			rc = sg_buf_printf(out, "domain %s %s %s %s %d %lld\n", sel->name,
					   sel_kind_name(sel->kind), d->domain,
					   d->enabled ? "on" : "off", d->ever_enabled ? 1 : 0,
					   (long long)d->delete_after);
	}
	return rc;
}

enum sg_err selstate_format(const struct selset *s, struct sg_buf *out)
{
	enum sg_err rc = sg_buf_puts(out, "# signet-controld selector state: rewritten on every "
				     "change; edit only while signet-controld is stopped\n"
				     SELSTATE_MAGIC " 1\n");

	for (size_t i = 0; rc == SG_OK && i < s->n; i++)
		rc = format_selector(s->v[i], out);
	return rc;
}

static enum sg_err write_all(int fd, const char *p, size_t n, const char *path,
			     struct sg_error *err)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return sg_error_set(err, SG_E_IO, 0, 0, "cannot write %s: %s", path,
					    strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return SG_OK;
}

/* tmp -> path, then the folder is synced. */
static enum sg_err publish(const char *tmp, const char *path, const char *dir,
			   struct sg_error *err)
{
	int dfd;

	if (rename(tmp, path) != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot rename %s to %s: %s", tmp, path,
				    strerror(errno));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		int e = errno;

		if (dfd >= 0)
			close(dfd);
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot sync folder %s: %s", dir,
				    strerror(e));
	}
	close(dfd);
	return SG_OK;
}

enum sg_err selstate_save(const struct selset *s, const char *dir, struct sg_error *err)
{
	char path[SG_CONF_PATH_MAX], tmp[SG_CONF_PATH_MAX];
	struct sg_buf text;
	enum sg_err rc;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, SELSTATE_FILE) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, SELSTATE_FILE) >= (int)sizeof(tmp))
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "state_dir path is too long");
	rc = ks_make_parent_dirs(path, err);
	if (rc != SG_OK)
		return rc;
	sg_buf_init(&text, SELSTATE_FILE_MAX);
	rc = selstate_format(s, &text);
	if (rc != SG_OK) {
		sg_buf_free(&text);
		return sg_error_set(err, rc, 0, 0, "selector state larger than %d bytes",
				    SELSTATE_FILE_MAX);
	}
	fd = mkostemp(tmp, O_CLOEXEC);		/* mode 0600 */
	if (fd < 0) {
		sg_buf_free(&text);
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot create a file in %s: %s", dir,
				    strerror(errno));
	}
	rc = write_all(fd, text.data, text.len, tmp, err);
	if (rc == SG_OK && fsync(fd) != 0)
		rc = sg_error_set(err, SG_E_IO, 0, 0, "cannot sync %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == SG_OK)
		rc = sg_error_set(err, SG_E_IO, 0, 0, "cannot close %s: %s", tmp, strerror(errno));
	if (rc == SG_OK)
		rc = publish(tmp, path, dir, err);
	if (rc != SG_OK)
		(void)unlink(tmp);
	sg_buf_free(&text);
	return rc;
}
