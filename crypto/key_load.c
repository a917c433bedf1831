/*
 * NAME
 *   key_load.c - read a DKIM private key from a file or from memory
 *
 * SUMMARY
 *   sg_privkey_load opens the file, refuses it when it is not a regular
 *   file, is larger than SG_KEY_FILE_MAX, or (unless allow_unsafe) can be
 *   accessed by group or others, then reads it into a locked secbuf and
 *   parses it with sg_privkey_load_mem, which accepts:
 *     - PEM "RSA PRIVATE KEY" (PKCS#1) or "PRIVATE KEY" (PKCS#8, RSA or
 *       Ed25519), found at the start of any line;
 *     - otherwise, base64 text of a 32-byte Ed25519 seed (RFC 8463 A.1).
 *   Encrypted PEM, public keys and other PEM blocks are refused by name;
 *   RSA keys outside 1024..4096 bits and other key types are refused.
 *   The file bytes and the decoded seed are wiped before returning.
 *
 * UNTRUSTED INPUT
 *   Key files: size-limited, checked for type and mode before reading,
 *   decoded by OpenSSL without a passphrase prompt.
 *
 * DIAGNOSTICS
 *   One line in err naming the file (for sg_privkey_load), the line of
 *   the input where that helps, and for permission problems the fix
 *   ("chmod 600 FILE").
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* OpenSSL. */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* Engine (base64 only). */
#include "base64.h"

/* Crypto layer. */
#include "key_internal.h"
#include "secmem.h"

#define PEM_BEGIN "-----BEGIN "
#define PEM_LABEL_MAX 64

enum sg_err sg_ossl_fail(struct sg_error *err, enum sg_err code, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return sg_error_set(err, code, 0, 0, "%s: %s", what,
			    reason ? reason : "OpenSSL gave no reason");
}

enum sg_err sg_privkey_adopt(EVP_PKEY *pkey, struct sg_privkey **out, struct sg_error *err)
{
	struct sg_privkey *k;
	enum sg_keytype type;
	const char *name;
	unsigned bits;
	enum sg_err rc;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		type = SG_KEY_RSA;
		bits = (unsigned)EVP_PKEY_get_bits(pkey);
		if (bits < SG_RSA_MIN_BITS || bits > SG_RSA_MAX_BITS) {
			EVP_PKEY_free(pkey);
			return sg_error_set(err, SG_E_KEY, 0, 0,
					    "RSA key has %u bits; signet accepts %d to %d bits",
					    bits, SG_RSA_MIN_BITS, SG_RSA_MAX_BITS);
		}
		break;
	case EVP_PKEY_ED25519:
		type = SG_KEY_ED25519;
		bits = SG_ED25519_BITS;
		break;
	default:
		name = EVP_PKEY_get0_type_name(pkey);
		rc = sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				  "%s keys cannot sign DKIM mail (use RSA or Ed25519)",
				  name ? name : "such");
		EVP_PKEY_free(pkey);
		return rc;
	}
	k = malloc(sizeof(*k));
	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	k->pkey = pkey;
	k->type = type;
	k->bits = bits;
	sg_privkey_prep_init(k);
	rc = sg_privkey_self_test(k, err);
	if (rc != SG_OK) {
		sg_privkey_free(k);
		return rc;
	}
	*out = k;
	return SG_OK;
}

void sg_privkey_free(struct sg_privkey *k)
{
	if (k == NULL)
		return;
	sg_privkey_prep_release(k);	/* backend data first: it may mirror the key */
	EVP_PKEY_free(k->pkey);	/* OpenSSL wipes the private numbers */
	free(k);
}

/* Offset of the first line starting with "-----BEGIN ", or len. */
static size_t find_pem_begin(const char *data, size_t len)
{
	size_t tag = strlen(PEM_BEGIN);

	for (size_t i = 0; i + tag <= len; i++) {
		if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, PEM_BEGIN, tag) == 0)
			return i;
	}
	return len;
}

static uint32_t line_at(const char *data, size_t off)
{
	uint32_t line = 1;

	for (size_t i = 0; i < off; i++)
		line += data[i] == '\n';
	return line;
}

/* Copies the PEM label after "-----BEGIN " (up to "-----") into label. */
static enum sg_err pem_label(const char *data, size_t len, size_t begin, char *label,
			     struct sg_error *err)
{
	size_t start = begin + strlen(PEM_BEGIN), n = 0;

	while (start + n < len && data[start + n] != '-' && data[start + n] != '\n' &&
	       n < PEM_LABEL_MAX)
		n++;
	if (start + n + 5 > len || memcmp(data + start + n, "-----", 5) != 0)
		return sg_error_set(err, SG_E_SYNTAX, line_at(data, begin), begin,
				    "malformed PEM BEGIN line (no closing \"-----\")");
	memcpy(label, data + start, n);
	label[n] = '\0';
	return SG_OK;
}

/* PKCS#1 PEM encryption shows as a "Proc-Type: 4,ENCRYPTED" header. */
static bool pem_has_encryption_header(const char *data, size_t len, size_t begin)
{
	const char *hdr = "Proc-Type: 4,ENCRYPTED";
	size_t n = strlen(hdr);

	for (size_t i = begin; i + n <= len; i++) {
		if (data[i] == '\n' && i + 1 + n <= len && memcmp(data + i + 1, hdr, n) == 0)
			return true;
		if (data[i] == '\n' && i + 1 < len && data[i + 1] == '-')
			return false;	/* reached the END line */
	}
	return false;
}

/* Refuses PEM blocks we cannot use, with the reason. */
static enum sg_err check_pem_kind(const char *data, size_t len, size_t begin,
				  const char *label, struct sg_error *err)
{
	uint32_t line = line_at(data, begin);

	if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0 ||
	    (strcmp(label, "RSA PRIVATE KEY") == 0 && pem_has_encryption_header(data, len, begin)))
		return sg_error_set(err, SG_E_KEY, line, begin,
				    "key is encrypted (%s); signet needs an unencrypted key "
				    "(decrypt a copy with: openssl pkey -in KEY -out NEW)", label);
	if (strcmp(label, "RSA PRIVATE KEY") == 0 || strcmp(label, "PRIVATE KEY") == 0)
		return SG_OK;
	if (strstr(label, "PUBLIC KEY") != NULL)
		return sg_error_set(err, SG_E_KEY, line, begin,
				    "this is a public key (%s); signing needs the private key",
				    label);
	return sg_error_set(err, SG_E_KEY, line, begin,
			    "PEM block \"%s\" is not a usable private key "
			    "(expected \"RSA PRIVATE KEY\" or \"PRIVATE KEY\")", label);
}

/* Never prompt for a passphrase: encrypted keys are refused instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static enum sg_err load_pem(const char *data, size_t len, size_t begin, EVP_PKEY **pkey,
			    struct sg_error *err)
{
	char label[PEM_LABEL_MAX + 1];
	enum sg_err rc;
	BIO *bio;

	rc = pem_label(data, len, begin, label, err);
	if (rc == SG_OK)
		rc = check_pem_kind(data, len, begin, label, err);
	if (rc != SG_OK)
		return rc;
	bio = BIO_new_mem_buf(data + begin, (int)(len - begin));
	if (bio == NULL)
		return sg_ossl_fail(err, SG_E_NOMEM, "cannot read key");
	*pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, no_passphrase, NULL, NULL, NULL);
	BIO_free(bio);
	if (*pkey == NULL) {
		char what[PEM_LABEL_MAX + 48];

		snprintf(what, sizeof(what), "line %u: %s block does not decode",
			 line_at(data, begin), label);
		rc = sg_ossl_fail(err, SG_E_KEY, what);
		if (err != NULL) {
			err->line = line_at(data, begin);
			err->offset = begin;
		}
		return rc;
	}
	return SG_OK;
}

static bool is_b64_or_space(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=' || c == ' ' || c == '\t' || c == '\r' ||
	       c == '\n';
}

/*
 * RFC 8410 7 OneAsymmetricKey for an Ed25519 seed, up to the seed itself:
 * SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING {
 * OCTET STRING (32) } }. Decoding that (rather than handing OpenSSL the
 * raw seed) makes OpenSSL 3.0 keep the seed in its secure heap.
 */
static const uint8_t ed25519_pkcs8_prefix[16] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
};

static enum sg_err check_seed_text(const char *data, size_t len, size_t cap,
				   struct sg_error *err)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_b64_or_space((unsigned char)data[i]))
			return sg_error_set(err, SG_E_KEY, line_at(data, i), i,
					    "not a key: byte 0x%02x at line %u is neither PEM "
					    "nor base64 (expected a PEM private key or a base64 "
					    "Ed25519 seed)", (unsigned char)data[i],
					    line_at(data, i));
	}
	if (len > 4 * cap)
		return sg_error_set(err, SG_E_KEY, 0, 0,
				    "not a key: %zu bytes of base64 is too long for an "
				    "Ed25519 seed and there is no PEM BEGIN line", len);
	return SG_OK;
}

/* Not PEM: the whole input must be the base64 of a 32-byte Ed25519 seed. */
static enum sg_err load_seed(const char *data, size_t len, EVP_PKEY **pkey,
			     struct sg_error *err)
{
	const size_t cap = 2 * SG_ED25519_KEY_BYTES, size = sizeof(ed25519_pkcs8_prefix) + cap;
	struct sg_error b64err;
	const unsigned char *p;
	uint8_t *der;
	size_t n = 0;
	enum sg_err rc;

	rc = check_seed_text(data, len, cap, err);
	if (rc != SG_OK)
		return rc;
	der = sg_secbuf_alloc(size);
	if (der == NULL)
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	memcpy(der, ed25519_pkcs8_prefix, sizeof(ed25519_pkcs8_prefix));
	rc = sg_base64_decode(data, len, der + sizeof(ed25519_pkcs8_prefix), cap, &n, &b64err);
	if (rc != SG_OK)
		rc = sg_error_set(err, SG_E_KEY, b64err.line, b64err.offset,
				  "not a key: base64 does not decode (%s)", b64err.msg);
	else if (n != SG_ED25519_KEY_BYTES)
		rc = sg_error_set(err, SG_E_KEY, 0, 0,
				  "base64 key decodes to %zu bytes; an Ed25519 seed is %d bytes",
				  n, SG_ED25519_KEY_BYTES);
	if (rc == SG_OK) {
		p = der;
		*pkey = d2i_AutoPrivateKey_ex(NULL, &p, (long)(sizeof(ed25519_pkcs8_prefix) + n),
					      NULL, NULL);
		if (*pkey == NULL)
			rc = sg_ossl_fail(err, SG_E_CRYPTO, "cannot make Ed25519 key from seed");
	}
	sg_secbuf_free(der, size);
	return rc;
}

enum sg_err sg_privkey_load_mem(const char *data, size_t len, struct sg_privkey **out,
				struct sg_error *err)
{
	EVP_PKEY *pkey = NULL;
	size_t begin;
	enum sg_err rc;

	if (out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no place for the key");
	*out = NULL;
	if (data == NULL && len > 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key data");
	if (len > SG_KEY_FILE_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "key data is %zu bytes; the limit is %d", len,
				    SG_KEY_FILE_MAX);
	if (len == 0)
		return sg_error_set(err, SG_E_KEY, 0, 0, "not a key: empty input");
	begin = find_pem_begin(data, len);
	if (begin < len)
		rc = load_pem(data, len, begin, &pkey, err);
	else
		rc = load_seed(data, len, &pkey, err);
	if (rc != SG_OK)
		return rc;
	return sg_privkey_adopt(pkey, out, err);
}

/* Type, size and mode checks on the open file; *size gets its size. */
static enum sg_err check_key_file(int fd, const char *path, bool allow_unsafe, size_t *size,
				  struct sg_error *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot stat key file %s: %s", path,
				    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sg_error_set(err, SG_E_KEY, 0, 0, "key file %s is not a regular file",
				    path);
	if ((st.st_mode & 077) != 0 && !allow_unsafe)
		return sg_error_set(err, SG_E_KEY, 0, 0,
				    "key file %s is accessible by group or others (mode %04o); "
				    "fix with: chmod 600 %s", path, (unsigned)(st.st_mode & 07777),
				    path);
	if (st.st_size > SG_KEY_FILE_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0,
				    "key file %s is %lld bytes; the limit is %d", path,
				    (long long)st.st_size, SG_KEY_FILE_MAX);
	if (st.st_size == 0)
		return sg_error_set(err, SG_E_KEY, 0, 0, "key file %s is empty", path);
	*size = (size_t)st.st_size;
	return SG_OK;
}

/* Reads up to cap bytes; *got < cap unless the file grew. */
static enum sg_err read_fully(int fd, const char *path, char *buf, size_t cap, size_t *got,
			      struct sg_error *err)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sg_error_set(err, SG_E_IO, 0, 0, "cannot read key file %s: %s",
					    path, strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*got = n;
	return SG_OK;
}

/* Parses buf and names the file in any error. */
static enum sg_err parse_file_bytes(const char *path, const char *buf, size_t len,
				    struct sg_privkey **out, struct sg_error *err)
{
	struct sg_error inner;
	enum sg_err rc;

	sg_error_clear(&inner);
	rc = sg_privkey_load_mem(buf, len, out, &inner);
	if (rc != SG_OK) {
		sg_error_set(err, rc, inner.line, inner.offset, "%s: %s", path, inner.msg);
		OPENSSL_cleanse(&inner, sizeof(inner));
	}
	return rc;
}

enum sg_err sg_privkey_load(const char *path, bool allow_unsafe, struct sg_privkey **out,
			    struct sg_error *err)
{
	size_t size = 0, got = 0;
	enum sg_err rc;
	char *buf;
	int fd;

	if (out == NULL || path == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key file or no place for the key");
	*out = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it is then
	 * refused as not a regular file); reads of regular files ignore it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return sg_error_set(err, SG_E_IO, 0, 0, "cannot open key file %s: %s", path,
				    strerror(errno));
	rc = check_key_file(fd, path, allow_unsafe, &size, err);
	if (rc != SG_OK) {
		close(fd);
		return rc;
	}
	/* One spare byte shows a file that grew since fstat. */
	buf = sg_secbuf_alloc(size + 1);
	if (buf == NULL) {
		close(fd);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory reading %s", path);
	}
	rc = read_fully(fd, path, buf, size + 1, &got, err);
	close(fd);
	if (rc == SG_OK && got != size)
		rc = sg_error_set(err, SG_E_IO, 0, 0, "key file %s changed while being read",
				  path);
	if (rc == SG_OK)
		rc = parse_file_bytes(path, buf, got, out, err);
	sg_secbuf_free(buf, size + 1);
	return rc;
}
