/*
 * NAME
 *   test_key_gen.c - unit tests for crypto/key_gen.c
 *
 * SUMMARY
 *   Generate -> write -> reload round trips for RSA 1024, RSA 2048 and
 *   Ed25519: the file is PKCS#8 PEM with mode 0600 (even under umask 0),
 *   reloads without allow_unsafe to the same public key, and signs so the
 *   original's public key verifies. Refusal to overwrite (regular file and
 *   dangling symlink) leaves the old file and no temporary behind. Size
 *   limits: RSA 1023/4097 refused, 0 means 2048 with e = 65537, 4096
 *   accepted, a 4104-bit key refused when loaded. Bad paths and arguments.
 *   sg_privkey_export_pem: the PEM appended after existing bytes equals the
 *   written file and loads back to the same key (RSA and Ed25519); a
 *   buffer too small is refused and left as it was; NULL arguments.
 */
#include "testutil.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "keyfiles.h"
#include "key.h"
#include "pubkey_evp.h"

static struct sg_privkey *generate(enum sg_keytype type, unsigned bits)
{
	struct sg_privkey *k = NULL;
	struct sg_error err;

	if (sg_privkey_generate(type, bits, &k, &err) != SG_OK)
		fail_msg("generate %u: %s", bits, err.msg);
	assert_non_null(k);
	return k;
}

static size_t public_of(const struct sg_privkey *k, uint8_t *out)
{
	struct sg_error err;
	size_t n = 0;

	assert_int_equal(sg_privkey_public(k, out, SG_PUBKEY_MAX, &n, &err), SG_OK);
	return n;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Signs with signer, verifies with the public key of owner. */
static void assert_signs_for(const struct sg_privkey *signer, const struct sg_privkey *owner)
{
	enum sg_alg alg = sg_privkey_type(signer) == SG_KEY_RSA ? SG_ALG_RSA_SHA256 :
				  SG_ALG_ED25519_SHA256;
	uint8_t digest[32] = "0123456789abcdef0123456789abcde", sig[SG_SIG_MAX];
	uint8_t pub[SG_PUBKEY_MAX];
	size_t slen = 0, plen = public_of(owner, pub);
	struct sg_error err;
	unsigned bits = 0;

	assert_int_equal(sg_privkey_sign(signer, alg, digest, 32, sig, sizeof(sig), &slen, &err),
			 SG_OK);
	assert_int_equal(sg_pubkey_evp()->verify(NULL, alg, pub, plen, digest, 32, sig, slen,
						 &bits), SG_VERIFY_OK);
	assert_int_equal(bits, sg_privkey_bits(owner));
}

static void round_trip(enum sg_keytype type, unsigned bits)
{
	struct sg_privkey *k = generate(type, bits), *back = NULL;
	uint8_t pub1[SG_PUBKEY_MAX], pub2[SG_PUBKEY_MAX];
	char dir[256], path[300], *before, *after;
	struct sg_error err;
	struct stat st;
	mode_t old_umask;
	size_t n1, n2;

	kf_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/sel.key", dir);
	old_umask = umask(0);
	assert_int_equal(sg_privkey_write(k, path, &err), SG_OK);
	umask(old_umask);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_entries(dir), 1);	/* no temporary left */
	before = tu_read(path, NULL);
	assert_true(strncmp(before, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);

	assert_int_equal(sg_privkey_load(path, false, &back, &err), SG_OK);
	assert_int_equal(sg_privkey_type(back), type);
	assert_int_equal(sg_privkey_bits(back), sg_privkey_bits(k));
	n1 = public_of(k, pub1);
	n2 = public_of(back, pub2);
	assert_int_equal(n1, n2);
	assert_memory_equal(pub1, pub2, n1);
	assert_signs_for(back, k);

	/* A second write must not replace the file. */
	assert_int_equal(sg_privkey_write(back, path, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "already exists"));
	after = tu_read(path, NULL);
	assert_string_equal(before, after);
	assert_int_equal(count_entries(dir), 1);
	free(before);
	free(after);
	sg_privkey_free(back);
	sg_privkey_free(k);
	kf_rmtree(dir);
}

static void export_matches_file(enum sg_keytype type, unsigned bits)
{
	struct sg_privkey *k = generate(type, bits), *back = NULL;
	uint8_t pub1[SG_PUBKEY_MAX], pub2[SG_PUBKEY_MAX];
	char dir[256], path[300], *file;
	struct sg_error err;
	struct sg_buf pem;
	size_t flen;

	kf_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/k.pem", dir);
	assert_int_equal(sg_privkey_write(k, path, &err), SG_OK);
	file = tu_read(path, &flen);
	sg_buf_init(&pem, 65536);
	assert_int_equal(sg_buf_puts(&pem, "xy"), SG_OK);	/* appended, not replaced */
	assert_int_equal(sg_privkey_export_pem(k, &pem, &err), SG_OK);
	assert_int_equal(pem.len, 2 + flen);
	assert_memory_equal(pem.data, "xy", 2);
	assert_memory_equal(pem.data + 2, file, flen);
	assert_int_equal(sg_privkey_load_mem(pem.data + 2, pem.len - 2, &back, &err), SG_OK);
	assert_int_equal(public_of(k, pub1), public_of(back, pub2));
	assert_memory_equal(pub1, pub2, public_of(k, pub1));
	sg_buf_free(&pem);
	free(file);
	sg_privkey_free(back);
	sg_privkey_free(k);
	kf_rmtree(dir);
}

static void test_export_pem(void **state)
{
	struct sg_privkey *k = generate(SG_KEY_ED25519, 0);
	struct sg_error err;
	struct sg_buf small;

	(void)state;
	export_matches_file(SG_KEY_RSA, 1024);
	export_matches_file(SG_KEY_ED25519, 0);
	sg_buf_init(&small, 40);
	assert_int_equal(sg_buf_puts(&small, "keep"), SG_OK);
	assert_int_equal(sg_privkey_export_pem(k, &small, &err), SG_E_LIMIT);
	assert_non_null(strstr(err.msg, "no room"));
	assert_string_equal(sg_buf_cstr(&small), "keep");
	assert_int_equal(sg_privkey_export_pem(NULL, &small, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_export_pem(k, NULL, &err), SG_E_ARG);
	sg_buf_free(&small);
	sg_privkey_free(k);
}

static void test_round_trip_rsa1024(void **state)
{
	(void)state;
	round_trip(SG_KEY_RSA, 1024);
}

static void test_round_trip_rsa2048(void **state)
{
	(void)state;
	round_trip(SG_KEY_RSA, 2048);
}

static void test_round_trip_ed25519(void **state)
{
	(void)state;
	round_trip(SG_KEY_ED25519, 0);
}

static void test_generate_arguments(void **state)
{
	struct sg_privkey *k = (struct sg_privkey *)1;
	struct sg_error err;

	(void)state;
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 1023, &k, &err), SG_E_ARG);
	assert_null(k);
	assert_non_null(strstr(err.msg, "1023 is outside 1024..4096"));
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 4097, &k, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_generate((enum sg_keytype)9, 2048, &k, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 2048, NULL, &err), SG_E_ARG);
}

static void test_rsa_default_size_and_exponent(void **state)
{
	struct sg_privkey *k = generate(SG_KEY_RSA, 0);
	uint8_t pub[SG_PUBKEY_MAX];
	const unsigned char *p = pub;
	size_t n = public_of(k, pub);
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)n);
	BIGNUM *e = NULL;

	(void)state;
	assert_int_equal(sg_privkey_bits(k), 2048);
	assert_non_null(pkey);
	assert_int_equal(EVP_PKEY_get_bn_param(pkey, "e", &e), 1);
	assert_true(BN_is_word(e, 65537));
	BN_free(e);
	EVP_PKEY_free(pkey);
	sg_privkey_free(k);
}

static void test_ed25519_keys_differ(void **state)
{
	struct sg_privkey *a = generate(SG_KEY_ED25519, 0), *b = generate(SG_KEY_ED25519, 0);
	uint8_t pa[SG_PUBKEY_MAX], pb[SG_PUBKEY_MAX];

	(void)state;
	assert_int_equal(public_of(a, pa), 32);
	assert_int_equal(public_of(b, pb), 32);
	assert_memory_not_equal(pa, pb, 32);
	assert_int_equal(sg_privkey_bits(a), 256);
	sg_privkey_free(a);
	sg_privkey_free(b);
}

/* 4096 is the largest size generated or loaded; 4104 bits is refused. */
static void test_rsa_size_limits(void **state)
{
	struct sg_privkey *k = generate(SG_KEY_RSA, 4096), *back = NULL;
	EVP_PKEY *big = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4104);
	BIO *bio = BIO_new(BIO_s_mem());
	struct sg_error err;
	char *pem;
	long n;

	(void)state;
	assert_int_equal(sg_privkey_bits(k), 4096);
	assert_signs_for(k, k);
	assert_non_null(big);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, big, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &pem);
	assert_int_equal(sg_privkey_load_mem(pem, (size_t)n, &back, &err), SG_E_KEY);
	assert_null(back);
	assert_non_null(strstr(err.msg, "4104 bits"));
	BIO_free(bio);
	EVP_PKEY_free(big);
	sg_privkey_free(k);
}

static void test_write_errors(void **state)
{
	struct sg_privkey *k = kf_load_testdata("mail-dkim/test.ed.key");
	char dir[256], path[300], target[300], cwd[4096];
	struct sg_error err;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	kf_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/no/such/dir/k.pem", dir);
	assert_int_equal(sg_privkey_write(k, path, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, strerror(ENOENT)));
	assert_non_null(strstr(err.msg, "/no/such/dir"));

	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(sg_privkey_write(k, path, &err), SG_E_ARG);
	assert_int_equal(sg_privkey_write(k, "", &err), SG_E_ARG);
	assert_int_equal(sg_privkey_write(NULL, "x", &err), SG_E_ARG);
	assert_int_equal(sg_privkey_write(k, NULL, &err), SG_E_ARG);

	/* A dangling symlink is an existing name: writing through it is refused. */
	snprintf(path, sizeof(path), "%s/link.pem", dir);
	snprintf(target, sizeof(target), "%s/target.pem", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(sg_privkey_write(k, path, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(count_entries(dir), 1);

	/* A name in the current directory (no slash) works too. */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(sg_privkey_write(k, "plain.pem", &err), SG_OK);
	assert_int_equal(count_entries(dir), 2);
	assert_int_equal(chdir(cwd), 0);
	sg_privkey_free(k);
	kf_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_arguments),
		cmocka_unit_test(test_round_trip_rsa1024),
		cmocka_unit_test(test_round_trip_rsa2048),
		cmocka_unit_test(test_round_trip_ed25519),
		cmocka_unit_test(test_rsa_default_size_and_exponent),
		cmocka_unit_test(test_ed25519_keys_differ),
		cmocka_unit_test(test_rsa_size_limits),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_export_pem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
