/*
 * NAME
 *   ifma_digits.c - constant-time helpers on radix-2^52 numbers (see
 *                   ifma_digits.h)
 *
 * SUMMARY
 *   Plain C, no SIMD: these run once per key (key setup) or a few times
 *   per batch (CRT recombination), far from the hot loop. Every loop runs
 *   a count fixed by digit counts and lengths; carries and borrows are
 *   taken from bit 52 (carry) or bit 63 (borrow) of the word, never
 *   tested.
 */
/* System library. */
#include <string.h>

/* Crypto layer. */
#include "ifma_digits.h"

void ifma_dig_from_le(uint64_t *d, unsigned n, const uint8_t *le, size_t len)
{
	uint64_t acc = 0;
	unsigned acc_bits = 0, i = 0;

	for (size_t j = 0; j < len; j++) {
		acc |= (uint64_t)le[j] << acc_bits;
		acc_bits += 8;
		if (acc_bits >= IFMA_DIGIT_BITS) {	/* public: a byte count */
			if (i < n)
				d[i++] = acc & IFMA_DIGIT_MASK;
			acc >>= IFMA_DIGIT_BITS;
			acc_bits -= IFMA_DIGIT_BITS;
		}
	}
	if (i < n)
		d[i++] = acc;
	while (i < n)
		d[i++] = 0;
}

uint64_t ifma_dig_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, unsigned n)
{
	uint64_t borrow = 0, t;

	for (unsigned i = 0; i < n; i++) {
		t = a[i] - b[i] - borrow;
		borrow = t >> 63;
		r[i] = t & IFMA_DIGIT_MASK;
	}
	return borrow;
}

/* x = 2x: with x < m < 2^(52n - 1) the result still fits in n digits. */
static void dig_double(uint64_t *x, unsigned n)
{
	uint64_t carry = 0, v;

	for (unsigned i = 0; i < n; i++) {
		v = (x[i] << 1) | carry;
		carry = v >> IFMA_DIGIT_BITS;
		x[i] = v & IFMA_DIGIT_MASK;
	}
}

void ifma_dig_mod_double(uint64_t *x, const uint64_t *m, unsigned n, unsigned k)
{
	uint64_t t[IFMA_MAX_DIGITS];
	uint64_t keep;

	if (n > IFMA_MAX_DIGITS)
		return;
	for (unsigned step = 0; step < k; step++) {
		dig_double(x, n);
		/* 2x < 2m: subtract m unless that borrows (then 2x < m). */
		keep = ifma_dig_sub(t, x, m, n);
		for (unsigned i = 0; i < n; i++)
			x[i] = ifma_ct_mux(keep, x[i], t[i]);
	}
	explicit_bzero(t, sizeof(t));
}

/*
 * Newton's iteration for the inverse modulo a power of two: for odd m,
 * m * m = 1 mod 8, so inv = m is right in 3 bits, and each step
 * inv = inv * (2 - m * inv) doubles the right bits: 6, 12, 24, 48, 96.
 */
uint64_t ifma_dig_k0(uint64_t m0)
{
	uint64_t inv = m0;

	for (int i = 0; i < 5; i++)
		inv *= 2 - m0 * inv;
	return (0 - inv) & IFMA_DIGIT_MASK;
}

void ifma_vec_add_2m_sub(uint64_t *r, const uint64_t *a, const uint64_t *m, const uint64_t *b,
			 unsigned n)
{
	uint64_t carry[IFMA_LANES] = { 0 }, borrow[IFMA_LANES] = { 0 };
	uint64_t v, w;
	size_t at;

	/* Digit by digit: the sum a + 2m, then the difference with b. */
	for (unsigned i = 0; i < n; i++) {
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			at = (size_t)i * IFMA_LANES + l;
			v = a[at] + 2 * m[at] + carry[l];
			carry[l] = v >> IFMA_DIGIT_BITS;
			w = (v & IFMA_DIGIT_MASK) - b[at] - borrow[l];
			borrow[l] = w >> 63;
			r[at] = w & IFMA_DIGIT_MASK;
		}
	}
}

void ifma_vec_add_into(uint64_t *r, unsigned rn, const uint64_t *a, unsigned n)
{
	uint64_t carry[IFMA_LANES] = { 0 };
	uint64_t v;
	size_t at;

	for (unsigned i = 0; i < rn; i++) {
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			at = (size_t)i * IFMA_LANES + l;
			v = r[at] + carry[l] + (i < n ? a[at] : 0);	/* i, n public */
			carry[l] = v >> IFMA_DIGIT_BITS;
			r[at] = v & IFMA_DIGIT_MASK;
		}
	}
}

void ifma_vec_lt(uint64_t lt[IFMA_LANES], const uint64_t *a, const uint64_t *b, unsigned n)
{
	size_t at;

	for (unsigned l = 0; l < IFMA_LANES; l++)
		lt[l] = 0;
	/* The borrow out of a - b, digit by digit. */
	for (unsigned i = 0; i < n; i++) {
		for (unsigned l = 0; l < IFMA_LANES; l++) {
			at = (size_t)i * IFMA_LANES + l;
			lt[l] = (a[at] - b[at] - lt[l]) >> 63;
		}
	}
}
