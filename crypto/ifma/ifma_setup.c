/*
 * NAME
 *   ifma_setup.c - modulus constants and byte conversions for ifma_arith.h
 *
 * SUMMARY
 *   ifma_modulus_setup derives k0 = -m^-1 mod 2^52 (Newton's iteration)
 *   and RR = R^2 mod m (R = 2^(52 * digits)) for each lane, in plain C:
 *   moduli are public, so this need not be constant time, and it runs on
 *   any CPU. RR comes from doubling 1 modulo m 2 * 52 * digits times (a
 *   few hundred microseconds per key; it is computed once per key).
 *
 *   ifma_lane_from_bytes / ifma_lane_to_bytes move one lane between
 *   big-endian bytes and 52-bit digits. They handle secret values, so they
 *   run the same steps whatever the bytes are (loops over lengths only).
 */
#include <string.h>

#include "ifma_arith.h"

#define W IFMA_LANES

/* -m0^-1 mod 2^52 for odd m0. */
static uint64_t neg_inverse52(uint64_t m0)
{
	uint64_t inv = m0;			/* right to 3 bits for odd m0 */

	for (int i = 0; i < 5; i++)
		inv *= 2 - m0 * inv;		/* doubles the correct bits */
	return (0 - inv) & IFMA_DIGIT_MASK;
}

/* x = 2x mod m for one lane's digits (x < m on entry and exit). */
static void double_mod(uint64_t *x, const uint64_t *m, unsigned d)
{
	uint64_t carry = 0, borrow = 0, t[IFMA_MAX_DIGITS], take;

	for (unsigned j = 0; j < d; j++) {
		uint64_t v = (x[j] << 1) | carry;

		carry = v >> 52;
		x[j] = v & IFMA_DIGIT_MASK;
	}
	for (unsigned j = 0; j < d; j++) {
		uint64_t v = x[j] - m[j] - borrow;

		borrow = v >> 63;
		t[j] = v & IFMA_DIGIT_MASK;
	}
	/* 2x >= m unless the subtraction borrowed out of a carry-free top. */
	take = 0 - (uint64_t)(carry | (borrow ^ 1));
	for (unsigned j = 0; j < d; j++)
		x[j] = (t[j] & take) | (x[j] & ~take);
}

void ifma_modulus_setup(struct ifma_modulus *mod)
{
	const unsigned d = mod->digits;
	uint64_t m[IFMA_MAX_DIGITS], x[IFMA_MAX_DIGITS];

	for (unsigned l = 0; l < W; l++) {
		for (unsigned j = 0; j < d; j++)
			m[j] = mod->m[j * W + l];
		mod->k0[l] = neg_inverse52(m[0]);
		memset(x, 0, sizeof(x));
		x[0] = 1;
		for (unsigned i = 0; i < 2 * IFMA_DIGIT_BITS * d; i++)
			double_mod(x, m, d);
		for (unsigned j = 0; j < d; j++)
			mod->rr[j * W + l] = x[j];
	}
}

void ifma_lane_from_bytes(uint64_t *v, unsigned lane, unsigned digits, const uint8_t *be,
			  size_t len)
{
	for (unsigned j = 0; j < digits; j++)
		v[j * W + lane] = 0;
	for (size_t i = 0; i < len; i++) {
		size_t bit = 8 * i;		/* of byte be[len - 1 - i] */
		size_t j = bit / IFMA_DIGIT_BITS, s = bit % IFMA_DIGIT_BITS;
		uint64_t byte = be[len - 1 - i];

		if (j >= digits)
			break;
		v[j * W + lane] |= (byte << s) & IFMA_DIGIT_MASK;
		if (s > IFMA_DIGIT_BITS - 8 && j + 1 < digits)
			v[(j + 1) * W + lane] |= byte >> (IFMA_DIGIT_BITS - s);
	}
}

void ifma_lane_to_bytes(const uint64_t *v, unsigned lane, unsigned digits, uint8_t *be,
			size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t bit = 8 * i;
		size_t j = bit / IFMA_DIGIT_BITS, s = bit % IFMA_DIGIT_BITS;
		uint64_t byte = 0;

		if (j < digits) {
			byte = v[j * W + lane] >> s;
			if (s > IFMA_DIGIT_BITS - 8 && j + 1 < digits)
				byte |= v[(j + 1) * W + lane] << (IFMA_DIGIT_BITS - s);
		}
		be[len - 1 - i] = (uint8_t)byte;
	}
}
