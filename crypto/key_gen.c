/*
 * NAME
 *   key_gen.c - make a new private key and write it to a file
 *
 * SUMMARY
 *   sg_privkey_generate makes an RSA key (bits 1024..4096, 0 = 2048,
 *   public exponent 65537) or an Ed25519 key with OpenSSL's default
 *   random generator; private numbers live in the secure heap when
 *   sg_secmem_init was called.
 *   sg_privkey_write stores a key as unencrypted PKCS#8 PEM ("BEGIN
 *   PRIVATE KEY") so that a crash never leaves a partial or readable file:
 *   the PEM goes to a mode-0600 temporary file in the target's directory,
 *   is fsync'ed, then renamed onto the target with RENAME_NOREPLACE (or
 *   link + unlink on file systems without it), and the directory is
 *   fsync'ed. An existing target is never replaced. The PEM text is built
 *   in OpenSSL secure memory and wiped when freed.
 *   sg_privkey_export_pem appends that PEM to a caller's buffer instead
 *   (one append, so the buffer holds a single copy; sg_buf_free wipes it).
 *
 * DIAGNOSTICS
 *   One line in err naming the file and the system error.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* OpenSSL. */
#include <openssl/bio.h>
#include <openssl/pem.h>

/* Crypto layer. */
#include "key_internal.h"

enum sg_err sg_privkey_generate(enum sg_keytype type, unsigned bits, struct sg_privkey **out,
				struct sg_error *err)
{
	EVP_PKEY *pkey;

	if (out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no place for the key");
	*out = NULL;
	if (type == SG_KEY_RSA) {
		if (bits == 0)
			bits = SG_RSA_DEFAULT_BITS;
		if (bits < SG_RSA_MIN_BITS || bits > SG_RSA_MAX_BITS)
			return sg_error_set(err, SG_E_ARG, 0, 0,
					    "RSA key size %u is outside %d..%d bits", bits,
					    SG_RSA_MIN_BITS, SG_RSA_MAX_BITS);
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (type == SG_KEY_ED25519) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else {
		return sg_error_set(err, SG_E_ARG, 0, 0, "unknown key type %d", (int)type);
	}
	if (pkey == NULL)
		return sg_ossl_fail(err, SG_E_CRYPTO, "key generation failed");
	return sg_privkey_adopt(pkey, out, err);
}

/* dir receives the directory part of path ("." when there is none). */
static enum sg_err dir_of(const char *path, char *dir, size_t cap, struct sg_error *err)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(dir, cap, ".");
		return SG_OK;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= cap)
		return sg_error_set(err, SG_E_ARG, 0, 0, "key file name is too long");
	memcpy(dir, path, n);
	dir[n] = '\0';
	return SG_OK;
}

static enum sg_err write_all(int fd, const char *data, size_t len, const char *path,
			     struct sg_error *err)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return sg_error_set(err, SG_E_IO, 0, 0, "cannot write %s: %s", path,
					    strerror(errno));
		data += w;
		len -= (size_t)w;
	}
	return SG_OK;
}

/* The PKCS#8 PEM of k in a secure-memory BIO (wiped when freed). */
static enum sg_err pem_of(const struct sg_privkey *k, BIO **out, struct sg_error *err)
{
	BIO *mem = BIO_new(BIO_s_secmem());

	*out = NULL;
	if (mem == NULL)
		return sg_ossl_fail(err, SG_E_NOMEM, "cannot encode key");
	if (PEM_write_bio_PrivateKey(mem, k->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(mem);
		return sg_ossl_fail(err, SG_E_CRYPTO, "cannot encode key");
	}
	*out = mem;
	return SG_OK;
}

enum sg_err sg_privkey_export_pem(const struct sg_privkey *k, struct sg_buf *out,
				  struct sg_error *err)
{
	enum sg_err rc;
	BIO *mem;
	char *pem;
	long len;

	if (k == NULL || out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key or no buffer");
	rc = pem_of(k, &mem, err);
	if (rc != SG_OK)
		return rc;
	len = BIO_get_mem_data(mem, &pem);
	rc = sg_buf_append(out, pem, len > 0 ? (size_t)len : 0);
	BIO_free(mem);
	if (rc != SG_OK)
		return sg_error_set(err, rc, 0, 0, "no room for the key's PEM (%ld bytes)", len);
	return SG_OK;
}

/* Writes the PKCS#8 PEM of k to fd and flushes it to disk. */
static enum sg_err write_pem(const struct sg_privkey *k, int fd, const char *path,
			     struct sg_error *err)
{
	enum sg_err rc;
	BIO *mem;
	char *pem;
	long len;

	rc = pem_of(k, &mem, err);
	if (rc != SG_OK)
		return rc;
	len = BIO_get_mem_data(mem, &pem);
	rc = write_all(fd, pem, len > 0 ? (size_t)len : 0, path, err);
	BIO_free(mem);		/* secure memory: wiped when freed */
	if (rc == SG_OK && fsync(fd) != 0)
		rc = sg_error_set(err, SG_E_IO, 0, 0, "cannot sync %s: %s", path,
				  strerror(errno));
	return rc;
}

/* Moves tmp to path unless path exists, then syncs the directory. */
static enum sg_err publish(const char *tmp, const char *path, const char *dir,
			   struct sg_error *err)
{
	int dfd;

	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
		if (errno != EINVAL && errno != ENOSYS)
			goto fail;
		/* No RENAME_NOREPLACE here: link() also refuses an existing name. */
		if (link(tmp, path) != 0)
			goto fail;
		(void)unlink(tmp);
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return SG_OK;
fail:
	if (errno == EEXIST)
		return sg_error_set(err, SG_E_IO, 0, 0,
				    "%s already exists; refusing to overwrite it", path);
	return sg_error_set(err, SG_E_IO, 0, 0, "cannot create %s: %s", path, strerror(errno));
}

enum sg_err sg_privkey_write(const struct sg_privkey *k, const char *path,
			     struct sg_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base;
	struct stat st;
	enum sg_err rc;
	int fd;

	if (k == NULL || path == NULL || *path == '\0')
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key or no file name");
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (*base == '\0')
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s names a directory, not a file",
				    path);
	if (lstat(path, &st) == 0)
		return sg_error_set(err, SG_E_IO, 0, 0,
				    "%s already exists; refusing to overwrite it", path);
	rc = dir_of(path, dir, sizeof(dir), err);
	if (rc != SG_OK)
		return rc;
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(tmp))
		return sg_error_set(err, SG_E_ARG, 0, 0, "key file name is too long");
	fd = mkostemp(tmp, O_CLOEXEC);	/* mode 0600 */
	if (fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot create a file in %s: %s", dir,
				    strerror(errno));
	rc = fchmod(fd, 0600) == 0 ? SG_OK :
		sg_error_set(err, SG_E_IO, 0, 0, "cannot chmod %s: %s", tmp, strerror(errno));
	if (rc == SG_OK)
		rc = write_pem(k, fd, tmp, err);
	if (close(fd) != 0 && rc == SG_OK)
		rc = sg_error_set(err, SG_E_IO, 0, 0, "cannot close %s: %s", tmp,
				  strerror(errno));
	if (rc == SG_OK)
		rc = publish(tmp, path, dir, err);
	if (rc != SG_OK)
		(void)unlink(tmp);
	return rc;
}
