/*
 * NAME
 *   sd_auth.c - AUTH PLAIN credentials file and check (see sd_auth.h)
 *
 * SUMMARY
 *   Users are kept in file order; a lookup compares every name (at most
 *   SD_AUTH_USERS_MAX, each checked once per AUTH). The dummy hash used
 *   for unknown users is the first user's (same algorithm and cost), or a
 *   fixed SHA-512 one for an empty file. crypt_rn (libxcrypt) returns NULL
 *   on failure instead of a "*" string.
 *
 * UNTRUSTED INPUT
 *   Client credentials; the file's lines (bounded).
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sd_auth.h"

struct sd_user {
	char name[SD_AUTH_FIELD_MAX + 1];
	char hash[SD_AUTH_FIELD_MAX + 1];
};

struct sd_auth {
	struct sd_user *users;
	size_t n;
};

static const char dummy_hash[] = "$6$signetdummy$rqJ8s6tW3jEp5Ck1Zw9mV0bD2yH4nL7oQ6uF8aR3"
				 "xS1tG5kM9vB0cN2dJ4hP6lW8qE3rT7yU1iO5pA9sD2fG";

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > SD_AUTH_FIELD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == ':')
			return false;
	return true;
}

/* One non-comment line "user:hash" of n octets (no line end). */
static enum sg_err add_line(struct sd_auth *a, const char *s, size_t n, uint32_t lineno,
			    struct sg_error *err)
{
	const char *colon = memchr(s, ':', n);
	size_t un, hn;
	struct sd_user *u;

	if (colon == NULL)
		return sg_error_set(err, SG_E_SYNTAX, lineno, 0, "auth_file line %u: expected "
				    "user:hash", lineno);
	un = (size_t)(colon - s);
	hn = n - un - 1;
	if (!name_ok(s, un) || !name_ok(colon + 1, hn) || colon[1] != '$')
		return sg_error_set(err, SG_E_SYNTAX, lineno, 0, "auth_file line %u: the user "
				    "or the crypt(3) hash ($id$salt$...) is empty, too long or "
				    "has a space or control character", lineno);
	if (a->n == SD_AUTH_USERS_MAX)
		return sg_error_set(err, SG_E_LIMIT, lineno, 0, "auth_file: more than %u users",
				    SD_AUTH_USERS_MAX);
	u = realloc(a->users, (a->n + 1) * sizeof(*u));
	if (u == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	a->users = u;
	u = &a->users[a->n++];
	memcpy(u->name, s, un);
	u->name[un] = '\0';
	memcpy(u->hash, colon + 1, hn);
	u->hash[hn] = '\0';
	return SG_OK;
}

enum sg_err sd_auth_parse(const char *text, size_t len, struct sd_auth **out,
			  struct sg_error *err)
{
	struct sd_auth *a = calloc(1, sizeof(*a));
	uint32_t lineno = 0;
	size_t i = 0;

	*out = NULL;
	if (a == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - i;
		enum sg_err rc = SG_OK;

		lineno++;
		if (n > 0 && text[i + n - 1] == '\r')
			n--;
		if (n > 0 && text[i] != '#')
			rc = add_line(a, text + i, n, lineno, err);
		if (rc != SG_OK) {
			sd_auth_free(a);
			return rc;
		}
		i = end + 1;
	}
	*out = a;
	return SG_OK;
}

enum sg_err sd_auth_load(const char *path, struct sd_auth **out, struct sg_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *text = NULL;
	ssize_t got = -1;
	enum sg_err rc;

	*out = NULL;
	if (fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "auth_file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & S_IROTH) ||
	    st.st_size > (off_t)SD_AUTH_FILE_MAX) {
		close(fd);
		return sg_error_set(err, SG_E_IO, 0, 0, "auth_file %s: must be a regular file of "
				    "at most %u bytes not readable by others (chmod o-r)", path,
				    SD_AUTH_FILE_MAX);
	}
	text = malloc((size_t)st.st_size + 1);
	if (text != NULL)
		got = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (got != (ssize_t)st.st_size) {
		free(text);
		return sg_error_set(err, SG_E_IO, 0, 0, "auth_file %s: cannot read it", path);
	}
	rc = sd_auth_parse(text, (size_t)got, out, err);
	explicit_bzero(text, (size_t)got);
	free(text);
	return rc;
}

static bool same_secret(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char diff = na != nb;

	for (size_t i = 0; i < na && i < nb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

bool sd_auth_check(void *ctx, const char *authzid, const char *authcid, const char *password)
{
	const struct sd_auth *a = ctx;
	const struct sd_user *user = NULL;
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *hash, *got;
	bool ok;

	if (cd == NULL)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->users[i].name, authcid) == 0)
			user = &a->users[i];
	hash = user ? user->hash : a->n > 0 ? a->users[0].hash : dummy_hash;
	got = crypt_rn(password, hash, cd, (int)sizeof(*cd));	/* NULL on failure */
	ok = user != NULL && got != NULL && same_secret(got, user->hash) &&
	     (authzid[0] == '\0' || strcmp(authzid, authcid) == 0);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

size_t sd_auth_users(const struct sd_auth *a)
{
	return a->n;
}

void sd_auth_free(struct sd_auth *a)
{
	if (a == NULL)
		return;
	if (a->users)
		explicit_bzero(a->users, a->n * sizeof(*a->users));
	free(a->users);
	free(a);
}
