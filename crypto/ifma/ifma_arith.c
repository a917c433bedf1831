/*
 * NAME
 *   ifma_arith.c - 8-lane constant-time modular exponentiation (see
 *                  ifma_arith.h) on the kernels of ifma_mul.c / ifma_sqr.c
 *
 * SUMMARY
 *   ifma_modexp_ct: fixed-window exponentiation, window IFMA_WINDOW bits,
 *   over all exp_bits from the top: a table of base^0..base^(2^w - 1) in
 *   Montgomery form, then per window w squarings and one multiplication by
 *   the table entry the window selects. The window value differs per lane,
 *   so the lookup reads every entry and keeps, per lane, the one whose
 *   index equals the lane's window (compare mask + masked move). Values
 *   stay below 2m throughout (almost-Montgomery); the end converts out of
 *   Montgomery form and subtracts m where the result is still >= m, with a
 *   borrow chain and a mask, not a branch.
 *
 * CONSTANT TIME
 *   Branches and memory indices depend only on digits, exp_bits and loop
 *   counters. Checked on the portable build by test_ifma_ct.c.
 *
 * SECRETS LEFT BEHIND
 *   The public functions zero their own buffers and the stack their
 *   kernels used before returning (explicit_bzero, wipe_kernel_stack).
 */
#include <assert.h>
#include <string.h>

#include "ifma_internal.h"
#include "ifma_simd.h"

#define W IFMA_LANES

/* A vector number of the largest size, aligned for vector loads. */
typedef uint64_t ifma_num[IFMA_MAX_DIGITS * W] __attribute__((aligned(IFMA_ALIGN)));

static const struct ifma_kernels kernels20 = { ifma_amm20, ifma_ams20, ifma_select20 };
static const struct ifma_kernels kernels30 = { ifma_amm30, ifma_ams30, ifma_select30 };
static const struct ifma_kernels kernels40 = { ifma_amm40, ifma_ams40, ifma_select40 };

const struct ifma_kernels *ifma_kernels_for(unsigned digits)
{
	switch (digits) {
	case 20:
		return &kernels20;
	case 30:
		return &kernels30;
	case 40:
		return &kernels40;
	default:
		return NULL;
	}
}

/*
 * The kernels leave digits of secret values in their stack frames, below
 * the caller's: zero that much stack (more than the largest kernel frame,
 * ~6 KB at 40 digits) before returning to the caller.
 */
#define KERNEL_STACK 8192

static __attribute__((noinline)) void wipe_kernel_stack(void)
{
	uint64_t pad[KERNEL_STACK / sizeof(uint64_t)];

	explicit_bzero(pad, sizeof(pad));
	__asm__ volatile("" : : "r"(pad) : "memory");
}

/* r = the vector number 1 in every lane. */
static void set_one(uint64_t *r, unsigned d)
{
	memset(r, 0, (size_t)d * W * sizeof(uint64_t));
	for (unsigned l = 0; l < W; l++)
		r[l] = 1;
}

/* r = r - m where r >= m, lane by lane, for normalised r < 2m. */
static void reduce_once(uint64_t *r, const uint64_t *m, unsigned d)
{
	const ifma_v mask = iv_set1(IFMA_DIGIT_MASK);
	ifma_v borrow = iv_zero(), diff[IFMA_MAX_DIGITS];
	ifma_mask keep;

	for (unsigned j = 0; j < d; j++) {
		ifma_v t = iv_sub(iv_sub(iv_load(r + j * W), iv_load(m + j * W)), borrow);

		borrow = iv_srli(t, 63);
		diff[j] = iv_and(t, mask);
	}
	/* A final borrow means r < m: keep r there. */
	keep = iv_cmpeq(borrow, iv_set1(1));
	for (unsigned j = 0; j < d; j++)
		iv_store(r + j * W, iv_select(diff[j], keep, iv_load(r + j * W)));
	explicit_bzero(diff, sizeof(diff));
}

void ifma_mont_mul(uint64_t *r, const uint64_t *a, const uint64_t *b,
		   const struct ifma_modulus *mod)
{
	const struct ifma_kernels *k = ifma_kernels_for(mod->digits);

	k->amm(r, a, b, mod);
	reduce_once(r, mod->m, mod->digits);
	wipe_kernel_stack();
#ifdef IFMA_CT_LEAK_TEST
	{	/* test-only leak: a memory index from a secret operand */
		volatile uint64_t probe = mod->m[a[0] % (mod->digits * W)];

		(void)probe;
	}
#endif
}

/* r = t * R^-1 mod m for 2d-digit t < m * R: reduction rows, then one subtraction. */
void ifma_mont_reduce2(uint64_t *r, const uint64_t *t, const struct ifma_modulus *mod)
{
	const unsigned d = mod->digits;
	const ifma_v k0 = iv_load(mod->k0), mask = iv_set1(IFMA_DIGIT_MASK);
	ifma_v acc[2 * IFMA_MAX_DIGITS], y;

	for (unsigned j = 0; j < 2 * d; j++)
		acc[j] = iv_load(t + j * W);
	for (unsigned i = 0; i < d; i++) {
		y = iv_madd_lo(iv_zero(), acc[i], k0);
		for (unsigned j = 0; j < d; j++) {
			ifma_v mj = iv_load(mod->m + j * W);

			acc[i + j] = iv_madd_lo(acc[i + j], y, mj);
			acc[i + j + 1] = iv_madd_hi(acc[i + j + 1], y, mj);
		}
		acc[i + 1] = iv_add(acc[i + 1], iv_srli(acc[i], IFMA_DIGIT_BITS));
	}
	for (unsigned j = d; j < 2 * d; j++) {
		if (j + 1 < 2 * d)
			acc[j + 1] = iv_add(acc[j + 1], iv_srli(acc[j], IFMA_DIGIT_BITS));
		iv_store(r + (j - d) * W, iv_and(acc[j], mask));
	}
	explicit_bzero(acc, sizeof(acc));
	reduce_once(r, mod->m, d);
	wipe_kernel_stack();
}

/* r = a * b, 2n digits, normalised (n <= IFMA_MAX_DIGITS). */
void ifma_mul_wide(uint64_t *r, const uint64_t *a, const uint64_t *b, unsigned n)
{
	const ifma_v mask = iv_set1(IFMA_DIGIT_MASK);
	ifma_v acc[2 * IFMA_MAX_DIGITS];

	for (unsigned j = 0; j < 2 * n; j++)
		acc[j] = iv_zero();
	for (unsigned i = 0; i < n; i++) {
		ifma_v ai = iv_load(a + i * W);

		for (unsigned j = 0; j < n; j++) {
			ifma_v bj = iv_load(b + j * W);

			acc[i + j] = iv_madd_lo(acc[i + j], ai, bj);
			acc[i + j + 1] = iv_madd_hi(acc[i + j + 1], ai, bj);
		}
	}
	for (unsigned j = 0; j < 2 * n; j++) {
		if (j + 1 < 2 * n)
			acc[j + 1] = iv_add(acc[j + 1], iv_srli(acc[j], IFMA_DIGIT_BITS));
		iv_store(r + j * W, iv_and(acc[j], mask));
	}
	explicit_bzero(acc, sizeof(acc));
}

/*
 * Per lane, bits [pos, pos + width) of the exponent (width <= IFMA_WINDOW);
 * pos and width are public, the bits are not.
 */
static void window_at(uint64_t *win, const uint64_t *exp, unsigned exp_bits, unsigned pos,
		      unsigned width)
{
	unsigned word = pos / 64, shift = pos % 64;
	ifma_v v = iv_srli(iv_load(exp + word * W), shift);

	if (shift + width > 64 && (word + 1) * 64 < exp_bits)
		v = iv_or(v, iv_slli(iv_load(exp + (word + 1) * W), 64 - shift));
	iv_store(win, iv_and(v, iv_set1((1u << width) - 1)));
}

/* table[e] = base^e in Montgomery form (< 2m), e < IFMA_TABLE. */
static void table_build(uint64_t *table, const uint64_t *base, const struct ifma_modulus *mod,
			const struct ifma_kernels *k)
{
	const unsigned d = mod->digits;
	const size_t n = (size_t)d * W;
	ifma_num one;

	set_one(one, d);
	k->amm(table, mod->rr, one, mod);		/* R mod m */
	k->amm(table + n, base, mod->rr, mod);		/* base * R mod m */
	for (unsigned e = 2; e < IFMA_TABLE; e++) {
		if (e % 2 == 0)
			k->ams(table + e * n, table + (e / 2) * n, mod);
		else
			k->amm(table + e * n, table + (e - 1) * n, table + n, mod);
	}
}

void ifma_modexp_ct(uint64_t *r, const uint64_t *base, const uint64_t *exp, unsigned exp_bits,
		    const struct ifma_modulus *mod)
{
	static_assert(IFMA_WINDOW >= 1 && IFMA_WINDOW <= 6, "table of at most 64 entries");
	const struct ifma_kernels *k = ifma_kernels_for(mod->digits);
	const unsigned d = mod->digits;
	uint64_t table[IFMA_TABLE * IFMA_MAX_DIGITS * W] __attribute__((aligned(IFMA_ALIGN)));
	ifma_num acc, t;
	uint64_t win[W] __attribute__((aligned(IFMA_ALIGN)));
	unsigned windows = (exp_bits + IFMA_WINDOW - 1) / IFMA_WINDOW, pos;

	table_build(table, base, mod, k);
	if (windows == 0) {
		memcpy(acc, table, (size_t)d * W * sizeof(uint64_t));
	} else {
		pos = (windows - 1) * IFMA_WINDOW;
		window_at(win, exp, exp_bits, pos, exp_bits - pos);
		k->select(acc, table, win);
	}
	while (windows > 1) {
		windows--;
		pos = (windows - 1) * IFMA_WINDOW;
		for (unsigned s = 0; s < IFMA_WINDOW; s++)
			k->ams(acc, acc, mod);
		window_at(win, exp, exp_bits, pos, IFMA_WINDOW);
#ifdef IFMA_CT_LEAK_TEST
		if (win[0] == 0)	/* test-only leak: a branch on exponent bits */
			continue;
#endif
		k->select(t, table, win);
		k->amm(acc, acc, t, mod);
	}
	set_one(t, d);
	k->amm(r, acc, t, mod);
	reduce_once(r, mod->m, d);
	explicit_bzero(table, sizeof(table));
	explicit_bzero(acc, sizeof(acc));
	explicit_bzero(t, sizeof(t));
	explicit_bzero(win, sizeof(win));
	wipe_kernel_stack();
}
