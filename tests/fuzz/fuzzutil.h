/*
 * NAME
 *   fuzzutil.h - helpers shared by the libFuzzer targets in tests/fuzz
 *
 * SUMMARY
 *   FUZZ_CHECK(cond, fmt, ...) states a property of the code under test:
 *   when cond is false it prints the property and aborts, which libFuzzer
 *   records as a crash (with the input saved as crash-*).
 *   fuzz_split_point(data, len) is where a target cuts its input in two for
 *   the "same result however the input is split" checks: derived from the
 *   first byte, so every input reproduces the same split.
 *   struct fuzz_bytes is an unbounded byte collector for sink callbacks
 *   (aborts on allocation failure: the fuzzer's own memory is not under
 *   test). fuzz_copy gives an exactly-sized heap copy of a byte range, so
 *   AddressSanitizer catches a read one byte past it.
 *   Header-only: each target includes it once.
 */
#ifndef SIGNET_FUZZUTIL_H
#define SIGNET_FUZZUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The libFuzzer entry points (defined by each target). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: property violated: %s: ",	\
				__FILE__, __LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

static inline size_t fuzz_split_point(const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	return (size_t)(((uint64_t)data[0] * len) / 255);
}

struct fuzz_bytes {
	uint8_t *data;
	size_t len;
	size_t cap;
};

static inline void fuzz_bytes_append(struct fuzz_bytes *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (b->data == NULL)
			abort();
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void fuzz_bytes_free(struct fuzz_bytes *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static inline bool fuzz_bytes_equal(const struct fuzz_bytes *a, const struct fuzz_bytes *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Sink callback (canon.h sg_sink_fn, message.h body event) into a fuzz_bytes. */
static inline void fuzz_bytes_sink(void *arg, const void *data, size_t len)
{
	fuzz_bytes_append(arg, data, len);
}

/* An exactly-sized heap copy (one byte allocated for an empty range). */
static inline char *fuzz_copy(const void *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	if (c == NULL)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

#endif
