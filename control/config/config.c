/*
 * NAME
 *   config.c - loading signet.conf, the built-in default, lookups and key
 *              path expansion (see config.h)
 *
 * SUMMARY
 *   sg_config_load reads a regular file of at most SG_CONF_FILE_MAX bytes
 *   and hands it to sg_config_parse with the file's folder (symbolic links
 *   resolved) for relative paths. Parsing is lexer -> statement tree
 *   (config_parser.c) -> struct sg_config (config_apply.c); the tree is
 *   freed before returning.
 *
 * DIAGNOSTICS
 *   File errors: "FILE: cannot open: REASON", "FILE: not a regular file",
 *   "FILE: N bytes, more than the limit of 1048576" (SG_E_IO / SG_E_LIMIT).
 *   Everything else is "FILE:LINE:COLUMN: message".
 *
 * UNTRUSTED INPUT
 *   The file; and in sg_config_key_path the domain and selector, which come
 *   from messages and the selector state.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_apply.h"
#include "config_tree.h"
#include "domain.h"
#include "lex.h"

static enum sg_err file_error(struct sg_error *err, const char *path, enum sg_err code,
			      const char *why)
{
	struct sg_conf_src src = { .name = path };

	return sg_conf_error(err, &src, (struct sg_conf_pos){ 0 }, code, "%s", why);
}

/* Reads at most SG_CONF_FILE_MAX bytes of a regular file. */
static enum sg_err read_file(const char *path, char **text, size_t *len, struct sg_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char *buf = NULL, why[96];
	size_t got = 0;

	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
		return file_error(err, path, SG_E_IO, why);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return file_error(err, path, SG_E_IO, "not a regular file");
	}
	buf = malloc(SG_CONF_FILE_MAX + 1);
	while (buf != NULL && got <= SG_CONF_FILE_MAX) {
		ssize_t n = read(fd, buf + got, SG_CONF_FILE_MAX + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
			free(buf);
			close(fd);
			return file_error(err, path, SG_E_IO, why);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (buf == NULL)
		return file_error(err, path, SG_E_NOMEM, "out of memory");
	if (got > SG_CONF_FILE_MAX) {
		free(buf);
		snprintf(why, sizeof(why), "more than the limit of %d bytes", SG_CONF_FILE_MAX);
		return file_error(err, path, SG_E_LIMIT, why);
	}
	*text = buf;
	*len = got;
	return SG_OK;
}

enum sg_err sg_config_load(const char *path, struct sg_config **out, struct sg_error *err)
{
	char real[PATH_MAX], *text = NULL, *slash;
	size_t len = 0;
	enum sg_err rc;

	*out = NULL;
	rc = read_file(path, &text, &len, err);
	if (rc != SG_OK)
		return rc;
	if (realpath(path, real) == NULL || strlen(real) >= SG_CONF_PATH_MAX) {
		free(text);
		return file_error(err, path, SG_E_IO, "cannot resolve its absolute path");
	}
	slash = strrchr(real, '/');
	*slash = '\0';
	rc = sg_config_parse(text, len, path, real[0] ? real : "/", out, err);
	free(text);
	if (rc == SG_OK) {
		*slash = '/';
		memcpy((*out)->path, real, strlen(real) + 1);
	}
	return rc;
}

/* c->dir = dir made absolute; c->path = dir/(last part of name). */
static enum sg_err set_location(struct sg_config *c, const char *name, const char *dir)
{
	char cwd[PATH_MAX];
	const char *base = strrchr(name, '/');
	int n;

	if (dir == NULL || dir[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return SG_E_IO;
		n = dir ? snprintf(c->dir, sizeof(c->dir), "%s/%s", cwd, dir) :
			  snprintf(c->dir, sizeof(c->dir), "%s", cwd);
	} else {
		n = snprintf(c->dir, sizeof(c->dir), "%s", dir);
	}
	if (n < 0 || (size_t)n >= sizeof(c->dir))
		return SG_E_LIMIT;
	n = snprintf(c->path, sizeof(c->path), "%s%s%s", c->dir,
		     c->dir[strlen(c->dir) - 1] == '/' ? "" : "/", base ? base + 1 : name);
	return n >= 0 && (size_t)n < sizeof(c->path) ? SG_OK : SG_E_LIMIT;
}

enum sg_err sg_config_parse(const char *text, size_t len, const char *name, const char *dir,
			    struct sg_config **out, struct sg_error *err)
{
	struct sg_conf_src src = { .name = name ? name : "<config>", .text = text, .len = len };
	struct sg_conf_tree tree;
	struct sg_config *c;
	enum sg_err rc;

	*out = NULL;
	if (len > SG_CONF_FILE_MAX)
		return file_error(err, src.name, SG_E_LIMIT,
				  "more than the limit of 1048576 bytes");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return file_error(err, src.name, SG_E_NOMEM, "out of memory");
	rc = set_location(c, src.name, dir);
	if (rc != SG_OK) {
		free(c);
		return file_error(err, src.name, rc, "cannot make the folder of the file absolute");
	}
	rc = sg_conf_parse_tree(&src, &tree, err);
	if (rc == SG_OK) {
		rc = sg_conf_apply(&src, &tree, c, err);
		sg_conf_tree_free(&tree);
	}
	if (rc != SG_OK) {
		sg_config_free(c);
		return rc;
	}
	*out = c;
	return SG_OK;
}

enum sg_err sg_config_default(struct sg_config **out, struct sg_error *err)
{
	enum sg_err rc = sg_config_parse("", 0, "signet.conf", SG_CONF_DEFAULT_DIR, out, err);

	if (rc == SG_OK)
		(*out)->path[0] = '\0';		/* no file */
	return rc;
}

void sg_config_free(struct sg_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nscopes; i++)
		free(c->scopes[i].domains);
	free(c->scopes);
	free(c);
}

const struct sg_sign_options *sg_config_domain_options(const struct sg_sign_scope *s,
							const char *domain, const char **d_out)
{
	for (size_t i = 0; domain != NULL && i < s->ndomains; i++) {
		const struct sg_sign_domain *dom = &s->domains[i];

		if (strcasecmp(dom->domain, domain) != 0)
			continue;
		if (d_out != NULL)
			*d_out = dom->opt.base_domain[0] ? dom->opt.base_domain : domain;
		return &dom->opt;
	}
	if (d_out != NULL)
		*d_out = domain;
	return &s->opt;
}

const struct sg_sign_scope *sg_config_find_scope(const struct sg_config *c,
						 enum sg_sigkind kind, const char *name)
{
	for (size_t i = 0; i < c->nscopes; i++) {
		if (c->scopes[i].kind == kind && strcmp(c->scopes[i].name, name) == 0)
			return &c->scopes[i];
	}
	return NULL;
}

/* Appends name in lower case; false when it does not fit. */
static bool put_lower(char *out, size_t cap, size_t *used, const char *name)
{
	size_t n = strlen(name);

	if (n >= cap - *used)
		return false;
	for (size_t i = 0; i < n; i++)
		out[(*used)++] = (char)sg_lex_lower((unsigned char)name[i]);
	return true;
}

static enum sg_err expand(const char *tmpl, const char *domain, const char *selector,
			  char *out, size_t cap)
{
	size_t used = 0;
	for (const char *p = tmpl; *p != '\0'; p++) {
		const char *name = NULL;
		bool valid;

		if (*p != '%') {
			if (used + 1 >= cap)
				return SG_E_LIMIT;
			out[used++] = *p;
			continue;
		}
		if (strncmp(p, "%{d}", 4) == 0) {
			name = domain;
			valid = name != NULL && sg_domain_valid(name, strlen(name));
		} else if (strncmp(p, "%{s}", 4) == 0) {
			name = selector;
			valid = name != NULL && sg_selector_valid(name, strlen(name));
		} else {
			return SG_E_ARG;
		}
		if (!valid)
			return SG_E_ARG;
		if (!put_lower(out, cap, &used, name))
			return SG_E_LIMIT;
		p += 3;
	}
	out[used] = '\0';
	return SG_OK;
}

enum sg_err sg_config_key_path(const char *tmpl, const char *domain, const char *selector,
			       char *out, size_t cap)
{
	enum sg_err rc;

	if (cap == 0)
		return SG_E_LIMIT;
	rc = expand(tmpl, domain, selector, out, cap);
	if (rc != SG_OK)
		out[0] = '\0';
	return rc;
}
