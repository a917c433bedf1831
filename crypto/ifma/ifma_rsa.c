/*
 * NAME
 *   ifma_rsa.c - eight RSA-CRT signatures at once (see ifma_rsa.h)
 *
 * SUMMARY
 *   The workspace keeps one modulus set per CRT half, the transposed
 *   exponents and the intermediate vectors; every buffer handed to
 *   ifma_arith.h is 64-byte aligned and no output aliases an input.
 */
/* System library. */
#include <string.h>

/* Crypto layer. */
#include "ifma_digits.h"
#include "ifma_rsa.h"
#include "secmem.h"

#define VEC_WORDS (IFMA_MAX_DIGITS * IFMA_LANES)
#define ALIGNED __attribute__((aligned(IFMA_ALIGN)))

struct ifma_rsa_work {
	struct ifma_modulus mod_p, mod_q;
	uint64_t exp_p[IFMA_EXP_WORDS * IFMA_LANES] ALIGNED;
	uint64_t exp_q[IFMA_EXP_WORDS * IFMA_LANES] ALIGNED;
	uint64_t qinv_r[VEC_WORDS] ALIGNED;
	uint64_t em[2 * VEC_WORDS] ALIGNED;	/* the messages, double length */
	uint64_t reduced[VEC_WORDS] ALIGNED;	/* em * R^-1 mod the prime */
	uint64_t base[VEC_WORDS] ALIGNED;	/* em mod the prime */
	uint64_t s_p[VEC_WORDS] ALIGNED;
	uint64_t s_q[VEC_WORDS] ALIGNED;
	uint64_t diff[VEC_WORDS] ALIGNED;	/* s_p + 2p - s_q */
	uint64_t h[VEC_WORDS] ALIGNED;
	uint64_t s[2 * VEC_WORDS] ALIGNED;	/* the signatures */
	struct ifma_check {			/* ifma_rsa_check_batch: public data */
		struct ifma_modulus mod_n;
		uint64_t s[VEC_WORDS] ALIGNED;
		uint64_t s_mont[VEC_WORDS] ALIGNED;	/* s * R mod n */
		uint64_t a[VEC_WORDS] ALIGNED;		/* the power, two buffers */
		uint64_t b[VEC_WORDS] ALIGNED;
		uint64_t one[VEC_WORDS] ALIGNED;
		uint64_t opened[VEC_WORDS] ALIGNED;	/* s^e mod n */
	} check;
};

/* RFC 8017 9.2 note 1: DER of DigestInfo up to the digest bytes. */
static const uint8_t digest_info_sha1[] = {
	0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
};
static const uint8_t digest_info_sha256[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	0x05, 0x00, 0x04, 0x20,
};

bool ifma_emsa_pkcs1(enum sg_alg alg, const uint8_t *digest, size_t digest_len, uint8_t *em,
		     size_t k)
{
	const uint8_t *info;
	size_t info_len, t_len;

	if (alg == SG_ALG_RSA_SHA1 && digest_len == 20) {
		info = digest_info_sha1;
		info_len = sizeof(digest_info_sha1);
	} else if (alg == SG_ALG_RSA_SHA256 && digest_len == 32) {
		info = digest_info_sha256;
		info_len = sizeof(digest_info_sha256);
	} else {
		return false;
	}
	t_len = info_len + digest_len;
	/* At least eight bytes of FF padding (RFC 8017 9.2 step 3). */
	if (digest == NULL || em == NULL || k < t_len + 11)
		return false;
	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, k - t_len - 3);
	em[k - t_len - 1] = 0x00;
	memcpy(em + k - t_len, info, info_len);
	memcpy(em + k - digest_len, digest, digest_len);
	return true;
}

struct ifma_rsa_work *ifma_rsa_work_new(void)
{
	return sg_secbuf_alloc(sizeof(struct ifma_rsa_work));
}

void ifma_rsa_work_free(struct ifma_rsa_work *w)
{
	sg_secbuf_free(w, sizeof(*w));
}

/* Lane l of the modulus set and exponent vector take one key's half. */
static void load_half(struct ifma_modulus *mod, uint64_t *exp, unsigned lane,
		      const struct ifma_half *h, unsigned digits)
{
	for (unsigned i = 0; i < digits; i++) {
		mod->m[i * IFMA_LANES + lane] = h->m[i];
		mod->rr[i * IFMA_LANES + lane] = h->rr[i];
	}
	mod->k0[lane] = h->k0;
	for (unsigned w = 0; w < IFMA_EXP_WORDS; w++)
		exp[w * IFMA_LANES + lane] = h->exp[w];
}

static void load_keys(struct ifma_rsa_work *w, const struct ifma_key_prep *const key[IFMA_LANES],
		      unsigned digits)
{
	w->mod_p.digits = digits;
	w->mod_q.digits = digits;
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		load_half(&w->mod_p, w->exp_p, l, &key[l]->p, digits);
		load_half(&w->mod_q, w->exp_q, l, &key[l]->q, digits);
		for (unsigned i = 0; i < digits; i++)
			w->qinv_r[i * IFMA_LANES + l] = key[l]->qinv_r[i];
	}
}

const struct ifma_rsa_arith ifma_rsa_arith_native = {
	.modexp_ct = ifma_modexp_ct,
	.mont_mul = ifma_mont_mul,
	.mont_reduce2 = ifma_mont_reduce2,
	.mul_wide = ifma_mul_wide,
};

/* out = em^exp mod the half's prime, for every lane. */
static void sign_half(struct ifma_rsa_work *w, const struct ifma_rsa_arith *ar, uint64_t *out,
		      const struct ifma_modulus *mod, const uint64_t *exp, unsigned exp_bits)
{
	ar->mont_reduce2(w->reduced, w->em, mod);
	ar->mont_mul(w->base, w->reduced, mod->rr, mod);
	ar->modexp_ct(out, w->base, exp, exp_bits, mod);
}

void ifma_rsa_sign_batch(struct ifma_rsa_work *w, const struct ifma_rsa_arith *ar,
			 const struct ifma_key_prep *const key[IFMA_LANES],
			 const uint8_t *const em[IFMA_LANES], uint8_t *const sig[IFMA_LANES])
{
	unsigned digits = key[0]->digits, bits = key[0]->bits;
	size_t k = bits / 8;

	load_keys(w, key, digits);
	for (unsigned l = 0; l < IFMA_LANES; l++)
		ifma_lane_from_bytes(w->em, l, 2 * digits, em[l], k);
	sign_half(w, ar, w->s_p, &w->mod_p, w->exp_p, bits / 2);
	sign_half(w, ar, w->s_q, &w->mod_q, w->exp_q, bits / 2);
	/* Garner: s_q < q < 2p, so s_p + 2p - s_q is positive and < 3p. */
	ifma_vec_add_2m_sub(w->diff, w->s_p, w->mod_p.m, w->s_q, digits);
	ar->mont_mul(w->h, w->diff, w->qinv_r, &w->mod_p);
	ar->mul_wide(w->s, w->h, w->mod_q.m, digits);
	ifma_vec_add_into(w->s, 2 * digits, w->s_q, digits);
	for (unsigned l = 0; l < IFMA_LANES; l++)
		ifma_lane_to_bytes(w->s, l, 2 * digits, sig[l], k);
	explicit_bzero(w, sizeof(*w));
}

static unsigned bit_length(uint64_t x)
{
	return x == 0 ? 0 : 64 - (unsigned)__builtin_clzll(x);
}

static void load_public(struct ifma_check *c, const struct ifma_key_prep *const key[IFMA_LANES],
			const uint8_t *const sig[IFMA_LANES], size_t k)
{
	const unsigned d = IFMA_MAX_DIGITS;

	c->mod_n.digits = d;
	memset(c->one, 0, sizeof(c->one));
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		for (unsigned i = 0; i < d; i++) {
			c->mod_n.m[i * IFMA_LANES + l] = key[l]->pub.n[i];
			c->mod_n.rr[i * IFMA_LANES + l] = key[l]->pub.rr[i];
		}
		c->mod_n.k0[l] = key[l]->pub.k0;
		c->one[l] = 1;
		ifma_lane_from_bytes(c->s, l, d, sig[l], k);
	}
}

/*
 * Left to right over the longest exponent: square every lane, multiply
 * by s where the lane's exponent has the bit (e is public: the branches
 * and the per-lane copy depend on it only).
 */
static uint64_t *public_power(struct ifma_check *c, const struct ifma_key_prep *const key[IFMA_LANES])
{
	uint64_t *acc = c->a, *spare = c->b, *t;
	unsigned top = 0, have;

	for (unsigned l = 0; l < IFMA_LANES; l++)
		if (bit_length(key[l]->pub.e) > top)
			top = bit_length(key[l]->pub.e);
	ifma_mont_mul(c->s_mont, c->s, c->mod_n.rr, &c->mod_n);
	ifma_mont_mul(acc, c->one, c->mod_n.rr, &c->mod_n);	/* 1 * R */
	for (unsigned bit = top; bit-- > 0;) {
		ifma_mont_mul(spare, acc, acc, &c->mod_n);
		t = acc, acc = spare, spare = t;
		have = 0;
		for (unsigned l = 0; l < IFMA_LANES; l++)
			have |= (unsigned)(key[l]->pub.e >> bit) & 1;
		if (!have)
			continue;
		ifma_mont_mul(spare, acc, c->s_mont, &c->mod_n);
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			if (!((key[l]->pub.e >> bit) & 1))
				continue;
			for (unsigned i = 0; i < IFMA_MAX_DIGITS; i++)
				acc[i * IFMA_LANES + l] = spare[i * IFMA_LANES + l];
		}
	}
	return acc;
}

void ifma_rsa_check_batch(struct ifma_rsa_work *w, const struct ifma_key_prep *const key[IFMA_LANES],
			  const uint8_t *const em[IFMA_LANES], const uint8_t *const sig[IFMA_LANES],
			  bool ok[IFMA_LANES])
{
	struct ifma_check *c = &w->check;
	size_t k = key[0]->bits / 8;
	uint8_t opened[IFMA_MAX_DIGITS * 8];
	uint64_t below_n[IFMA_LANES];

	load_public(c, key, sig, k);
	ifma_vec_lt(below_n, c->s, c->mod_n.m, IFMA_MAX_DIGITS);
	ifma_mont_mul(c->opened, public_power(c, key), c->one, &c->mod_n);
	for (unsigned l = 0; l < IFMA_LANES; l++) {
		ifma_lane_to_bytes(c->opened, l, IFMA_MAX_DIGITS, opened, k);
		ok[l] = below_n[l] == 1 && memcmp(opened, em[l], k) == 0;
	}
}
