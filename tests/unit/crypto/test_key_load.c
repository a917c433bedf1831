/*
 * NAME
 *   test_key_load.c - unit tests for crypto/key_load.c
 *
 * SUMMARY
 *   Every private key in the third-party testdata folders loads with the
 *   right type and size, and its public half equals the p= its suite
 *   publishes. File checks: modes open to group/others refused with the
 *   chmod hint (0400/0600 accepted, allow_unsafe overrides), missing file,
 *   directory, FIFO, empty and oversized files. Content checks: 512-bit RSA,
 *   encrypted PKCS#8 and PKCS#1 PEM, public-key and other PEM blocks, EC
 *   keys, truncated and corrupted PEM, text before the PEM block, and the
 *   base64 seed form with its length, alphabet and line/offset errors.
 */
#include "testutil.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "keyfiles.h"
#include "key.h"

struct known_key {
	const char *file;		/* under testdata */
	const char *record_file;	/* where its p= is published */
	const char *record_name;	/* line in record_file, NULL = whole file */
	enum sg_keytype type;
	unsigned bits;
};

static const struct known_key known_keys[] = {
	{ "rfc-examples/rfc6376-C-private.pem", "rfc-examples/keys.txt",
	  "brisbane._domainkey.example.com", SG_KEY_RSA, 1024 },
	{ "rfc-examples/rfc8463-A.1-rsa-private.pem", "rfc-examples/keys.txt",
	  "test._domainkey.football.example.com", SG_KEY_RSA, 1024 },
	{ "rfc-examples/rfc8463-A.1-ed25519-seed.b64", "rfc-examples/keys.txt",
	  "brisbane._domainkey.football.example.com", SG_KEY_ED25519, 256 },
	{ "dkimpy/data/1024_testkey.key", "dkimpy/data/1024_testkey_wo_markers.pub.txt", NULL,
	  SG_KEY_RSA, 1024 },
	{ "dkimpy/data/2048_testkey.key", "dkimpy/data/2048_testkey_wo_markers.pub.txt", NULL,
	  SG_KEY_RSA, 2048 },
	{ "dkimpy/data/2048_testkey_PKCS8.key", "dkimpy/data/2048_testkey_PKCS8.key.pub.txt",
	  NULL, SG_KEY_RSA, 2048 },
	{ "dkimpy/data/test.private", "dkimpy/data/test.txt", NULL, SG_KEY_RSA, 1024 },
	{ "dkimpy/data/test2.private", "dkimpy/data/test.txt", NULL, SG_KEY_RSA, 1024 },
	{ "dkimpy/data/ed25519test.key", "dkimpy/data/ed25519test.dns", NULL,
	  SG_KEY_ED25519, 256 },
	{ "dkimpy/data/rfc8032_7_1.key", "rfc-examples/keys.txt",
	  "brisbane._domainkey.football.example.com", SG_KEY_ED25519, 256 },
	{ "mail-dkim/test.key", "mail-dkim/keys.txt", "expirationtest._domainkey.example.org",
	  SG_KEY_RSA, 1024 },
	{ "go-msgauth/test-rsa-private.pem", "go-msgauth/keys.txt",
	  "brisbane._domainkey.example.org", SG_KEY_RSA, 1024 },
	{ "go-msgauth/test-ed25519-seed.b64", "go-msgauth/keys.txt",
	  "brisbane._domainkey.football.example.com", SG_KEY_ED25519, 256 },
	{ "opendkim-libopendkim/opendkim-test-key.pem", "opendkim-libopendkim/keys.txt",
	  "test._domainkey.example.com", SG_KEY_RSA, 1024 },
	{ "mailauth/private-rsa.key", "mailauth/keys.txt",
	  "test._domainkey.football.example.com", SG_KEY_RSA, 1024 },
	{ "mailauth/private-ec.key", "mailauth/keys.txt",
	  "brisbane._domainkey.football.example.com", SG_KEY_ED25519, 256 },
};

/* mail-dkim/test.ed.key (PKCS#8 Ed25519): its raw public key is the tail of
 * the SubjectPublicKeyInfo "MCowBQYDK2VwAyEA3SUq..." that mail-dkim's
 * keys.txt publishes (on purpose wrongly) at invalid._domainkey.wander.science. */
#define MAIL_DKIM_ED_PUB "3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE="

static char *public_b64(const struct sg_privkey *k)
{
	uint8_t pub[SG_PUBKEY_MAX];
	struct sg_error err;
	size_t n = 0;

	assert_int_equal(sg_privkey_public(k, pub, sizeof(pub), &n, &err), SG_OK);
	return kf_b64(pub, n);
}

static void test_known_keys_load(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++) {
		const struct known_key *kk = &known_keys[i];
		struct sg_privkey *k = kf_load_testdata(kk->file);
		char *want = kf_record_p(kk->record_file, kk->record_name);
		char *got = public_b64(k);

		if (sg_privkey_type(k) != kk->type || sg_privkey_bits(k) != kk->bits)
			fail_msg("%s: type %d bits %u", kk->file, sg_privkey_type(k),
				 sg_privkey_bits(k));
		if (strcmp(got, want) != 0)
			fail_msg("%s: public key %s, published %s", kk->file, got, want);
		free(want);
		free(got);
		sg_privkey_free(k);
	}
}

static void test_pkcs8_ed25519_pem(void **state)
{
	struct sg_privkey *k = kf_load_testdata("mail-dkim/test.ed.key");
	char *got = public_b64(k);

	(void)state;
	assert_int_equal(sg_privkey_type(k), SG_KEY_ED25519);
	assert_string_equal(got, MAIL_DKIM_ED_PUB);
	free(got);
	sg_privkey_free(k);
}

/* Loads path without allow_unsafe; returns the code, message in err. */
static enum sg_err load_strict(const char *path, struct sg_error *err)
{
	struct sg_privkey *k = (struct sg_privkey *)1;
	enum sg_err rc;

	sg_error_clear(err);
	rc = sg_privkey_load(path, false, &k, err);
	if (rc != SG_OK)
		assert_null(k);
	sg_privkey_free(k);
	return rc;
}

static void test_mode_checks(void **state)
{
	static const mode_t refused[] = { 0644, 0640, 0604, 0660, 0610, 0601, 0666, 0700 | 020 };
	static const mode_t accepted[] = { 0600, 0400, 0700 };
	char dir[256], path[300], fix[320];
	struct sg_error err;

	(void)state;
	kf_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/k.pem", dir);
	snprintf(fix, sizeof(fix), "chmod 600 %s", path);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		kf_copy(tu_testdata("rfc-examples/rfc6376-C-private.pem"), path, refused[i]);
		assert_int_equal(load_strict(path, &err), SG_E_KEY);
		assert_non_null(strstr(err.msg, fix));
		assert_non_null(strstr(err.msg, "group or others"));
		assert_null(strchr(err.msg, '\n'));
		assert_int_equal(unlink(path), 0);
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		kf_copy(tu_testdata("rfc-examples/rfc6376-C-private.pem"), path, accepted[i]);
		if (load_strict(path, &err) != SG_OK)
			fail_msg("mode %o: %s", (unsigned)accepted[i], err.msg);
		assert_int_equal(unlink(path), 0);
	}
	kf_rmtree(dir);
}

static void test_testdata_mode_refused_unless_unsafe(void **state)
{
	const char *path = tu_testdata("rfc-examples/rfc8463-A.1-ed25519-seed.b64");
	struct sg_privkey *k = NULL;
	struct sg_error err;

	(void)state;
	assert_int_equal(load_strict(path, &err), SG_E_KEY);	/* the file is 0444 */
	assert_non_null(strstr(err.msg, "mode 0444"));
	assert_int_equal(sg_privkey_load(path, true, &k, &err), SG_OK);
	sg_privkey_free(k);
}

static void test_small_rsa_key_refused(void **state)
{
	const char *path = tu_testdata("opendkim-libopendkim/opendkim-small-key.pem");
	struct sg_privkey *k = NULL;
	struct sg_error err;

	(void)state;
	assert_int_equal(sg_privkey_load(path, true, &k, &err), SG_E_KEY);
	assert_null(k);
	assert_non_null(strstr(err.msg, "512 bits"));
	assert_non_null(strstr(err.msg, "1024 to 4096"));
	assert_non_null(strstr(err.msg, path));
}

static void test_file_errors(void **state)
{
	char dir[256], path[300], *big;
	struct sg_error err;

	(void)state;
	kf_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/missing.pem", dir);
	assert_int_equal(load_strict(path, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, strerror(ENOENT)));

	assert_int_equal(load_strict(dir, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "not a regular file"));
	snprintf(path, sizeof(path), "%s/fifo.pem", dir);
	assert_int_equal(mkfifo(path, 0600), 0);	/* must not block on open */
	assert_int_equal(load_strict(path, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "not a regular file"));

	snprintf(path, sizeof(path), "%s/empty.pem", dir);
	kf_write(path, "", 0, 0600);
	assert_int_equal(load_strict(path, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "empty"));

	big = malloc(SG_KEY_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, 'A', SG_KEY_FILE_MAX + 1);
	snprintf(path, sizeof(path), "%s/big.pem", dir);
	kf_write(path, big, SG_KEY_FILE_MAX + 1, 0600);
	assert_int_equal(load_strict(path, &err), SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "65537 bytes"));
	assert_int_equal(unlink(path), 0);
	kf_write(path, big, SG_KEY_FILE_MAX, 0600);	/* at the limit: read, not a key */
	assert_int_equal(load_strict(path, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "too long for an Ed25519 seed"));
	free(big);

	snprintf(path, sizeof(path), "%s/text.key", dir);
	kf_write(path, "hello, world\n", 13, 0600);
	assert_int_equal(load_strict(path, &err), SG_E_KEY);
	assert_true(strncmp(err.msg, path, strlen(path)) == 0);	/* names the file */
	assert_non_null(strstr(err.msg, "not a key"));
	kf_rmtree(dir);
}

/* sg_privkey_load_mem on a C string; returns the code, message in err. */
static enum sg_err load_text(const char *text, struct sg_error *err)
{
	struct sg_privkey *k = NULL;
	enum sg_err rc;

	sg_error_clear(err);
	rc = sg_privkey_load_mem(text, strlen(text), &k, err);
	if (rc != SG_OK)
		assert_null(k);
	sg_privkey_free(k);
	return rc;
}

/* PEM text of a key written by OpenSSL's encoder (malloc'd). */
typedef int (*pem_writer)(BIO *bio, EVP_PKEY *pkey);

static char *pem_of(EVP_PKEY *pkey, pem_writer writer)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	assert_non_null(bio);
	assert_int_equal(writer(bio, pkey), 1);
	n = BIO_get_mem_data(bio, &data);
	out = malloc((size_t)n + 1);		/* BIO data has no final NUL */
	assert_non_null(out);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(bio);
	return out;
}

static int write_pkcs8_encrypted(BIO *bio, EVP_PKEY *pkey)
{
	return PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_128_cbc(), "secret", 6, NULL,
					     NULL);
}

static int write_pkcs1_encrypted(BIO *bio, EVP_PKEY *pkey)
{
	return PEM_write_bio_PrivateKey_traditional(bio, pkey, EVP_aes_128_cbc(),
						    (unsigned char *)"secret", 6, NULL, NULL);
}

static int write_public(BIO *bio, EVP_PKEY *pkey)
{
	return PEM_write_bio_PUBKEY(bio, pkey);
}

static int write_pkcs8(BIO *bio, EVP_PKEY *pkey)
{
	return PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
}

static EVP_PKEY *testdata_pkey(const char *rel)
{
	char *pem = tu_read(tu_testdata(rel), NULL);
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);

	assert_non_null(pkey);
	BIO_free(bio);
	free(pem);
	return pkey;
}

static void test_encrypted_and_public_pem(void **state)
{
	EVP_PKEY *pkey = testdata_pkey("rfc-examples/rfc6376-C-private.pem");
	struct sg_error err;
	char *pem;

	(void)state;
	pem = pem_of(pkey, write_pkcs8_encrypted);
	assert_int_equal(load_text(pem, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "encrypted (ENCRYPTED PRIVATE KEY)"));
	free(pem);

	pem = pem_of(pkey, write_pkcs1_encrypted);
	assert_non_null(strstr(pem, "Proc-Type: 4,ENCRYPTED"));
	assert_int_equal(load_text(pem, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "encrypted (RSA PRIVATE KEY)"));
	free(pem);

	pem = pem_of(pkey, write_public);
	assert_int_equal(load_text(pem, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "public key (PUBLIC KEY)"));
	free(pem);

	pem = pem_of(pkey, write_pkcs8);	/* the same key unencrypted loads */
	assert_int_equal(load_text(pem, &err), SG_OK);
	free(pem);
	EVP_PKEY_free(pkey);
}

static void test_other_key_types_and_blocks(void **state)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct sg_error err;
	char *pem;

	(void)state;
	assert_non_null(ec);
	pem = pem_of(ec, write_pkcs8);
	assert_int_equal(load_text(pem, &err), SG_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "EC keys cannot sign"));
	free(pem);
	EVP_PKEY_free(ec);

	assert_int_equal(load_text("-----BEGIN CERTIFICATE-----\nMIIB\n"
				   "-----END CERTIFICATE-----\n", &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "\"CERTIFICATE\" is not a usable private key"));
	assert_int_equal(load_text("\n\n-----BEGIN RSA PRIVATE KEY\nMIIB\n", &err), SG_E_SYNTAX);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.offset, 2);
}

/* The RFC 6376 key with its PEM body cut or altered. */
static void test_damaged_pem(void **state)
{
	char *pem = tu_read(tu_testdata("rfc-examples/rfc6376-C-private.pem"), NULL);
	char *line3 = strchr(strchr(pem, '\n') + 1, '\n') + 1;
	char *copy = strdup(pem);
	struct sg_error err;

	(void)state;
	assert_non_null(copy);
	/* Lines 1-2 only: base64 without END line. */
	copy[line3 - pem] = '\0';
	assert_int_equal(load_text(copy, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "RSA PRIVATE KEY block does not decode"));
	assert_int_equal(err.line, 1);

	/* One modulus character changed: decodes, but n != p * q. */
	strcpy(copy, pem);
	copy[line3 - pem + 10] = copy[line3 - pem + 10] == 'A' ? 'B' : 'A';
	assert_int_equal(load_text(copy, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "inconsistent"));

	/* Text before the block (as "openssl pkcs12" writes) is skipped. */
	free(copy);
	copy = malloc(strlen(pem) + 64);
	assert_non_null(copy);
	sprintf(copy, "Bag Attributes\n    localKeyID: 01\n%s", pem);
	assert_int_equal(load_text(copy, &err), SG_OK);
	free(copy);
	free(pem);
}

static void test_seed_forms(void **state)
{
	struct sg_error err;

	(void)state;
	/* Whitespace around and inside the base64 is fine. */
	assert_int_equal(load_text("  nWGxne/9WmC6hEr0kuwsxERJxWl7\r\n"
				   "MmkZcDusAxyuf2A=\r\n\r\n", &err), SG_OK);
	assert_int_equal(load_text("AAAA\n", &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "decodes to 3 bytes"));
	assert_int_equal(load_text("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
				   "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=", &err),
			 SG_E_KEY);
	assert_int_equal(load_text("AAA", &err), SG_E_KEY);	/* bad padding */
	assert_non_null(strstr(err.msg, "base64 does not decode"));

	assert_int_equal(load_text("v=DKIM1; p=AAAA", &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "byte 0x3b at line 1"));
	assert_int_equal(err.offset, 7);
	assert_int_equal(load_text("AAAA\nAA!A\n", &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "byte 0x21 at line 2"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.offset, 7);
}

static void test_load_mem_arguments(void **state)
{
	struct sg_privkey *k = NULL;
	struct sg_error err;
	char big[16] = "";

	(void)state;
	assert_int_equal(sg_privkey_load_mem("AAAA", 4, NULL, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_load_mem(NULL, 0, &k, &err), SG_E_KEY);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(sg_privkey_load_mem(NULL, 5, &k, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_load_mem(big, SG_KEY_FILE_MAX + 1, &k, &err), SG_E_LIMIT);
	assert_int_equal(sg_privkey_load(NULL, false, &k, &err), SG_E_ARG);
	assert_null(k);
	/* NULL err is allowed everywhere. */
	assert_int_equal(sg_privkey_load_mem("AAAA", 4, &k, NULL), SG_E_KEY);
	sg_privkey_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_mem_arguments),
		cmocka_unit_test(test_known_keys_load),
		cmocka_unit_test(test_pkcs8_ed25519_pem),
		cmocka_unit_test(test_mode_checks),
		cmocka_unit_test(test_testdata_mode_refused_unless_unsafe),
		cmocka_unit_test(test_small_rsa_key_refused),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_encrypted_and_public_pem),
		cmocka_unit_test(test_other_key_types_and_blocks),
		cmocka_unit_test(test_damaged_pem),
		cmocka_unit_test(test_seed_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
