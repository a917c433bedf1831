/*
 * NAME
 *   test_simd_dispatch.c - unit tests for dataplane/simd/simd_dispatch.c
 *
 * SUMMARY
 *   Level names and their parsing ("auto" = best), the scalar level always
 *   there, and the CPUID/XGETBV verdicts checked against the compiler's own
 *   detection (__builtin_cpu_supports, which also checks the OS state): a
 *   table is handed out exactly for the supported levels, the best level
 *   is supported with nothing better supported, AVX-512 implies AVX2.
 *   Then the way the engine is told (simd.h): a signer given each level's
 *   kernels with sg_signer_set_canon_kernels produces the same signature
 *   headers (bh= included) as one without, for DKIM simple and relaxed and
 *   DomainKeys simple and nofws, on a body of about 200 KB fed in uneven
 *   chunks (a checksum stands in for the hash: no crypto library here),
 *   while a deliberately wrong kernel table changes them (the kernels do
 *   reach the canonicalizers).
 */
#include <stdbool.h>

#include "testutil.h"

#include "signer.h"
#include "simd.h"
#include "simd_internal.h"

static void names_round_trip(void **state)
{
	enum sg_simd_level got;

	(void)state;
	assert_string_equal(sg_simd_level_name(SG_SIMD_SCALAR), "scalar");
	assert_string_equal(sg_simd_level_name(SG_SIMD_AVX2), "avx2");
	assert_string_equal(sg_simd_level_name(SG_SIMD_AVX512), "avx512");
	assert_string_equal(sg_simd_level_name((enum sg_simd_level)7), "unknown");
	for (int i = 0; i < SG_SIMD_LEVELS; i++) {
		assert_true(sg_simd_level_parse(sg_simd_level_name((enum sg_simd_level)i), &got));
		assert_int_equal(got, i);
	}
	assert_true(sg_simd_level_parse("auto", &got));
	assert_int_equal(got, sg_simd_best_level());
	got = SG_SIMD_AVX512;
	assert_false(sg_simd_level_parse("AVX2", &got));
	assert_false(sg_simd_level_parse("", &got));
	assert_false(sg_simd_level_parse("sse4", &got));
	assert_false(sg_simd_level_parse("avx5120", &got));
	assert_int_equal(got, SG_SIMD_AVX512);	/* untouched on failure */
}

static void scalar_always(void **state)
{
	const struct sg_canon_kernels *k = sg_simd_select(SG_SIMD_SCALAR);

	(void)state;
	assert_true(sg_simd_supported(SG_SIMD_SCALAR));
	assert_ptr_equal(k, &sg_simd_kernels_scalar);
	assert_non_null(k->simple);
	assert_non_null(k->relaxed);
	assert_non_null(k->nofws);
	assert_ptr_equal(k->relaxed_block, sg_simd_scalar_relaxed_block);
	assert_false(sg_simd_supported((enum sg_simd_level)7));
	assert_null(sg_simd_select((enum sg_simd_level)7));
}

static bool compiler_says(enum sg_simd_level level)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (level == SG_SIMD_AVX2)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
	if (level == SG_SIMD_AVX512)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
		       __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl");
#endif
	return level == SG_SIMD_SCALAR;
}

/* Level AVX512 carries the VBMI2 relaxed block transform iff the CPU has
 * VBMI2 and POPCNT; scalar and AVX2 always have theirs. */
static bool compiler_says_blocks(enum sg_simd_level level)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (level == SG_SIMD_AVX512)
		return __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("popcnt");
#endif
	return level == SG_SIMD_SCALAR || level == SG_SIMD_AVX2;
}

static void cpu_verdicts(void **state)
{
	(void)state;
	for (int i = 0; i < SG_SIMD_LEVELS; i++) {
		enum sg_simd_level level = (enum sg_simd_level)i;
		const struct sg_canon_kernels *k = sg_simd_select(level);

		printf("# %s: %s\n", sg_simd_level_name(level),
		       sg_simd_supported(level) ? "supported" : "not supported");
		assert_int_equal(sg_simd_supported(level), compiler_says(level));
		if (sg_simd_supported(level)) {
			assert_non_null(k);
			assert_non_null(k->simple);
			assert_non_null(k->relaxed);
			assert_non_null(k->nofws);
			assert_int_equal(k->relaxed_block != NULL, compiler_says_blocks(level));
			printf("# %s: relaxed block transform: %s\n", sg_simd_level_name(level),
			       k->relaxed_block != NULL ? "yes" : "no");
		} else {
			assert_null(k);
		}
	}
	if (sg_simd_supported(SG_SIMD_AVX512))
		assert_true(sg_simd_supported(SG_SIMD_AVX2));
	assert_ptr_equal(sg_simd_select(SG_SIMD_AVX2) != NULL ? sg_simd_select(SG_SIMD_AVX2) :
			 &sg_simd_kernels_avx2, &sg_simd_kernels_avx2);
}

static void best_is_highest(void **state)
{
	enum sg_simd_level best = sg_simd_best_level();

	(void)state;
	assert_true(sg_simd_supported(best));
	for (int i = (int)best + 1; i < SG_SIMD_LEVELS; i++)
		assert_false(sg_simd_supported((enum sg_simd_level)i));
	assert_ptr_equal(sg_simd_best(), sg_simd_select(best));
	assert_non_null(sg_simd_best());
}

/* A stand-in digest: four FNV-1a lanes, 20 or 32 bytes. */
struct sum_hash {
	uint64_t h[4];
	enum sg_hash_alg alg;
};

static void *sum_create(void *env, enum sg_hash_alg alg)
{
	struct sum_hash *s = calloc(1, sizeof(*s));

	(void)env;
	if (s == NULL)
		return NULL;
	for (int i = 0; i < 4; i++)
		s->h[i] = 0xcbf29ce484222325ULL + (uint64_t)i;
	s->alg = alg;
	return s;
}

static void sum_update(void *ctx, const void *data, size_t len)
{
	struct sum_hash *s = ctx;
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		for (int j = 0; j < 4; j++)
			s->h[j] = (s->h[j] ^ p[i]) * (0x100000001b3ULL + 2 * (uint64_t)j);
}

static size_t sum_final(void *ctx, uint8_t out[SG_HASH_MAX])
{
	struct sum_hash *s = ctx;
	size_t n = sg_hash_len(s->alg);

	memcpy(out, s->h, n);
	return n;
}

static const struct sg_hash_ops sum_ops = { sum_create, sum_update, sum_final, free, NULL };

/* All signature headers of the message with kernels k (NULL: built-in). */
static char *signed_headers(const struct sg_canon_kernels *k, const char *msg, size_t len)
{
	static const enum sg_canon dkim[2] = { SG_CANON_SIMPLE, SG_CANON_RELAXED };
	static const enum sg_canon dk[2] = { SG_CANON_DK_SIMPLE, SG_CANON_DK_NOFWS };
	struct sg_signer *s = sg_signer_new(&sum_ops, NULL, false);
	struct sg_error err;
	struct sg_buf out;
	size_t step = 1;

	assert_non_null(s);
	sg_signer_set_canon_kernels(s, k);
	for (int i = 0; i < 4; i++) {
		struct sg_sign_request r = {
			.kind = i < 2 ? SG_KIND_DKIM : SG_KIND_DOMAINKEYS,
			.alg = i < 2 ? SG_ALG_RSA_SHA256 : SG_ALG_RSA_SHA1,
			.hcanon = i < 2 ? dkim[i] : dk[i - 2], .bcanon = i < 2 ? dkim[i] : dk[i - 2],
			.domain = "example.com", .selector = "s1", .timestamp = 1700000000,
		};

		assert_int_equal(sg_signer_add(s, &r, &err), SG_OK);
	}
	for (size_t off = 0; off < len; off += step, step = step * 7 % 40000 + 1)
		assert_int_equal(sg_signer_feed(s, msg + off, len - off < step ? len - off : step,
						&err), SG_OK);
	assert_int_equal(sg_signer_finish(s, &err), SG_OK);
	for (size_t i = 0; i < sg_signer_count(s); i++)
		assert_int_equal(sg_signer_set_signature(s, i, (const uint8_t *)"sig", 3, &err),
				 SG_OK);
	sg_buf_init(&out, SIZE_MAX);
	assert_int_equal(sg_signer_headers(s, &out), SG_OK);
	assert_int_equal(sg_buf_putc(&out, '\0'), SG_OK);
	sg_signer_free(s);
	return out.data;
}

/* A deliberately wrong kernel: nothing ever stops a run, so WSP runs and
 * empty lines pass unchanged. Proves the kernels reach the canonicalizers. */
static const uint8_t *never_stop(const uint8_t *p, const uint8_t *end)
{
	(void)p;
	return end;
}

static const struct sg_canon_kernels wrong_kernels = { never_stop, never_stop, never_stop, NULL };

/* A wrong block transform: swallows whole blocks, writes nothing. Proves
 * the engine takes the block path for relaxed bodies. */
static size_t swallow_blocks(struct sg_relaxed_state *st, const uint8_t **in, const uint8_t *end,
			     uint8_t *out, size_t room)
{
	(void)st;
	(void)out;
	(void)room;
	while (end - *in >= SG_CANON_BLOCK + SG_CANON_BLOCK_LOOKAHEAD)
		*in += SG_CANON_BLOCK;
	return 0;
}

static void engine_hook(void **state)
{
	static const char head[] = "From: a@example.com\r\nTo: b@example.org\r\nSubject: x\r\n\r\n";
	size_t body_len = 200000, len = sizeof(head) - 1 + body_len;
	char *msg = malloc(len), *want, *wrong;
	struct sg_canon_kernels wrong_blocks = sg_simd_kernels_scalar;
	uint64_t seed = 77;

	(void)state;
	assert_non_null(msg);
	memcpy(msg, head, sizeof(head) - 1);
	for (size_t i = sizeof(head) - 1; i < len; i++) {
		static const char alphabet[] = "abcde  \t\r\n\r\n\r\n\r\n";

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		msg[i] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
	}
	want = signed_headers(NULL, msg, len);
	assert_non_null(strstr(want, "bh="));
	wrong = signed_headers(&wrong_kernels, msg, len);
	assert_string_not_equal(wrong, want);
	free(wrong);
	wrong_blocks.relaxed_block = swallow_blocks;
	wrong = signed_headers(&wrong_blocks, msg, len);
	assert_string_not_equal(wrong, want);
	free(wrong);
	for (int i = 0; i < SG_SIMD_LEVELS; i++) {
		const struct sg_canon_kernels *k = sg_simd_select((enum sg_simd_level)i);
		char *got;

		if (k == NULL)
			continue;
		got = signed_headers(k, msg, len);
		assert_string_equal(got, want);
		free(got);
	}
	free(want);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(scalar_always),
		cmocka_unit_test(cpu_verdicts),
		cmocka_unit_test(best_is_highest),
		cmocka_unit_test(engine_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
