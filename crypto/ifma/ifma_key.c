/*
 * NAME
 *   ifma_key.c - per-key precomputation of the ifma backend (see
 *                ifma_key.h)
 *
 * SUMMARY
 *   Reads p, q, dP, dQ and qInv with EVP_PKEY_get_params into a scratch
 *   buffer from sg_secbuf_alloc (OpenSSL writes them as little-endian
 *   byte strings of the buffer's size), checks the key's shape, converts
 *   to 52-bit digits and derives k0, RR and qInv * R; n and e likewise
 *   for RSA-2048. The scratch buffer (one page, short-lived) is zeroed
 *   and unmapped before returning. The result, kept for the key's life,
 *   comes from sg_secobj_alloc (secmem.h): a 2,816-byte slot in a shared
 *   locked chunk, so thousands of prepared keys do not cost a mapping and
 *   a locked page each. It is read a word at a time (ifma_rsa.c
 *   transposes it into its 64-byte aligned workspace), so the slab's
 *   alignment is more than it needs.
 *
 * DIAGNOSTICS
 *   SG_E_UNSUPPORTED (not RSA, a size other than 2048/3072/4096, more
 *   than two primes, primes not of bits/2 bits, qInv not below p),
 *   SG_E_CRYPTO (OpenSSL would not hand out the numbers), SG_E_NOMEM.
 */
/* System library. */
#include <string.h>

/* OpenSSL. */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* Crypto layer. */
#include "ifma_digits.h"
#include "ifma_key.h"
#include "key_internal.h"
#include "secmem.h"

/* Room for any factor of a key up to 4096 bits, so unbalanced primes are
 * read (and refused) instead of failing inside OpenSSL. */
#define CRT_BYTES (SG_RSA_MAX_BITS / 8)

_Static_assert(_Alignof(struct ifma_key_prep) <= SG_SECOBJ_ALIGN,
	       "sg_secobj_alloc does not align the precomputation enough");

enum crt_index { CRT_P, CRT_Q, CRT_DP, CRT_DQ, CRT_QINV, CRT_N, CRT_E, CRT_P3, CRT_COUNT };

struct crt_numbers {
	uint8_t le[CRT_COUNT][CRT_BYTES];	/* little-endian, as OpenSSL writes them */
};

unsigned ifma_key_class_digits(unsigned bits)
{
	switch (bits) {
	case 2048:
		return 20;
	case 3072:
		return 30;
	case 4096:
		return 40;
	}
	return 0;
}

/* Copies the CRT numbers out of the key; CRT_P3 stays unmodified unless
 * the key has a third prime. */
static enum sg_err read_crt(const struct sg_privkey *k, struct crt_numbers *c, bool *multi,
			    struct sg_error *err)
{
	static const char *const names[CRT_COUNT] = {
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1, OSSL_PKEY_PARAM_RSA_N,
		OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_FACTOR3,
	};
	OSSL_PARAM params[CRT_COUNT + 1];

	for (int i = 0; i < CRT_COUNT; i++)
		params[i] = OSSL_PARAM_construct_BN(names[i], c->le[i], CRT_BYTES);
	params[CRT_COUNT] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_get_params(k->pkey, params) != 1)
		return sg_ossl_fail(err, SG_E_CRYPTO, "cannot read the RSA CRT numbers");
	for (int i = 0; i < CRT_P3; i++)
		if (!OSSL_PARAM_modified(&params[i]))
			return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
					    "RSA key lacks its CRT numbers (%s)", names[i]);
	*multi = OSSL_PARAM_modified(&params[CRT_P3]);
	return SG_OK;
}

/* 1 when the little-endian number has exactly half_bytes * 8 bits. */
static uint64_t has_exact_bits(const uint8_t *le, size_t half_bytes)
{
	uint64_t above = 0;

	for (size_t i = half_bytes; i < CRT_BYTES; i++)
		above |= le[i];
	return ifma_ct_eq(above, 0) & (uint64_t)(le[half_bytes - 1] >> 7);
}

static void exp_words(uint64_t *w, const uint8_t *le, size_t len)
{
	for (size_t i = 0; i < IFMA_EXP_WORDS; i++) {
		w[i] = 0;
		for (size_t j = 0; j < 8 && i * 8 + j < len; j++)
			w[i] |= (uint64_t)le[i * 8 + j] << (8 * j);
	}
}

static void setup_half(struct ifma_half *h, const uint8_t *m, const uint8_t *e, unsigned digits,
		       size_t half_bytes)
{
	ifma_dig_from_le(h->m, digits, m, half_bytes);
	exp_words(h->exp, e, half_bytes);
	h->k0 = ifma_dig_k0(h->m[0]);
	/* RR = 2^(2 * 52 * digits) mod m, by doubling 1 that many times. */
	memset(h->rr, 0, sizeof(h->rr));
	h->rr[0] = 1;
	ifma_dig_mod_double(h->rr, h->m, digits, 2 * IFMA_DIGIT_BITS * digits);
}

/* The public key, when n fits one modulus set and e one word (public
 * data: branches are fine here). */
static void derive_pub(struct ifma_key_prep *prep, const struct crt_numbers *c)
{
	struct ifma_pub *pub = &prep->pub;
	size_t n_bytes = prep->bits / 8;
	uint64_t e = 0;

	prep->has_pub = false;
	if (2 * prep->digits > IFMA_MAX_DIGITS)
		return;
	for (size_t i = 8; i < CRT_BYTES; i++)
		if (c->le[CRT_E][i] != 0)
			return;
	for (size_t i = 0; i < 8; i++)
		e |= (uint64_t)c->le[CRT_E][i] << (8 * i);
	pub->e = e;
	ifma_dig_from_le(pub->n, IFMA_MAX_DIGITS, c->le[CRT_N], n_bytes);
	pub->k0 = ifma_dig_k0(pub->n[0]);
	memset(pub->rr, 0, sizeof(pub->rr));
	pub->rr[0] = 1;
	ifma_dig_mod_double(pub->rr, pub->n, IFMA_MAX_DIGITS,
			    2 * IFMA_DIGIT_BITS * IFMA_MAX_DIGITS);
	prep->has_pub = true;
}

/* Fills prep from the numbers; SG_E_UNSUPPORTED when the shape is wrong. */
static enum sg_err derive(struct ifma_key_prep *prep, const struct crt_numbers *c,
			  struct sg_error *err)
{
	size_t half_bytes = prep->bits / 16;
	uint64_t qinv[IFMA_MAX_DIGITS] = { 0 }, diff[IFMA_MAX_DIGITS] = { 0 };
	uint64_t shape_ok, qinv_below_p;

	shape_ok = has_exact_bits(c->le[CRT_P], half_bytes) &
		   has_exact_bits(c->le[CRT_Q], half_bytes) &
		   (uint64_t)(c->le[CRT_P][0] & c->le[CRT_Q][0] & 1);
	if (!shape_ok)
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "RSA-%u key has primes not of %u bits each", prep->bits,
				    prep->bits / 2);
	setup_half(&prep->p, c->le[CRT_P], c->le[CRT_DP], prep->digits, half_bytes);
	setup_half(&prep->q, c->le[CRT_Q], c->le[CRT_DQ], prep->digits, half_bytes);
	ifma_dig_from_le(qinv, prep->digits, c->le[CRT_QINV], half_bytes);
	qinv_below_p = ifma_dig_sub(diff, qinv, prep->p.m, prep->digits);
	/* Bytes above half_bytes were not read: they must be 0. */
	for (size_t i = half_bytes; i < CRT_BYTES; i++)
		qinv_below_p &= ifma_ct_eq(c->le[CRT_QINV][i], 0);
	if (!qinv_below_p) {
		explicit_bzero(qinv, sizeof(qinv));
		explicit_bzero(diff, sizeof(diff));
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "RSA key's CRT coefficient is not below p");
	}
	/* qInv * R mod p, by doubling qInv 52 * digits times. */
	ifma_dig_mod_double(qinv, prep->p.m, prep->digits, IFMA_DIGIT_BITS * prep->digits);
	memcpy(prep->qinv_r, qinv, sizeof(prep->qinv_r));
	explicit_bzero(qinv, sizeof(qinv));
	explicit_bzero(diff, sizeof(diff));
	derive_pub(prep, c);
	return SG_OK;
}

static enum sg_err check_key(const struct sg_privkey *k, struct sg_error *err)
{
	if (k == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no key");
	if (k->type != SG_KEY_RSA)
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "ifma signs RSA keys only (Ed25519 goes to evp)");
	if (ifma_key_class_digits(k->bits) == 0)
		return sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				    "ifma signs RSA-2048, -3072 and -4096, not RSA-%u", k->bits);
	return SG_OK;
}

enum sg_err ifma_key_prep_new(const struct sg_privkey *k, struct ifma_key_prep **out,
			      struct sg_error *err)
{
	struct crt_numbers *c = NULL;
	struct ifma_key_prep *prep = NULL;
	bool multi = false;
	enum sg_err rc;

	*out = NULL;
	rc = check_key(k, err);
	if (rc != SG_OK)
		return rc;
	c = sg_secbuf_alloc(sizeof(*c));
	prep = sg_secobj_alloc(sizeof(*prep));
	if (c == NULL || prep == NULL) {
		rc = sg_error_set(err, SG_E_NOMEM, 0, 0, "no locked memory for key numbers");
		goto out;
	}
	rc = read_crt(k, c, &multi, err);
	if (rc == SG_OK && multi)
		rc = sg_error_set(err, SG_E_UNSUPPORTED, 0, 0,
				  "ifma signs two-prime RSA keys only");
	if (rc != SG_OK)
		goto out;
	prep->bits = k->bits;
	prep->digits = ifma_key_class_digits(k->bits);
	rc = derive(prep, c, err);
out:
	sg_secbuf_free(c, sizeof(*c));
	if (rc != SG_OK) {
		ifma_key_prep_free(prep);
		return rc;
	}
	*out = prep;
	return SG_OK;
}

void ifma_key_prep_free(void *prep)
{
	sg_secobj_free(prep, sizeof(struct ifma_key_prep));
}
