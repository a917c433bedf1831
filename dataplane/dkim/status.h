/*
 * NAME
 *   status.h - error codes and the error-detail record of the signet engine
 *
 * SUMMARY
 *   Every fallible engine function returns an enum sg_err and, when given a
 *   non-NULL struct sg_error, fills it with a one-line human-readable reason
 *   naming the line (1-based, 0 = not applicable) and byte offset where the
 *   input went wrong. Functions marked SG_MUST_CHECK cannot have their result
 *   ignored silently.
 */
#ifndef SIGNET_DKIM_STATUS_H
#define SIGNET_DKIM_STATUS_H

#include <stdint.h>

#define SG_MUST_CHECK __attribute__((warn_unused_result))
#define SG_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum sg_err {
	SG_OK = 0,
	SG_E_NOMEM,		/* allocation failed */
	SG_E_LIMIT,		/* a configured size/count limit was exceeded */
	SG_E_SYNTAX,		/* malformed input */
	SG_E_ARG,		/* invalid argument from the caller */
	SG_E_STATE,		/* call made in the wrong order */
	SG_E_IO,		/* file or socket error (outside the engine) */
	SG_E_KEY,		/* unusable key (format, size, permissions) */
	SG_E_CRYPTO,		/* the crypto library failed */
	SG_E_UNSUPPORTED,	/* valid but not supported */
};

struct sg_error {
	enum sg_err code;
	uint32_t line;		/* 1-based line of the input, 0 if none */
	uint64_t offset;	/* byte offset in the input */
	char msg[256];
};

/* Records an error (no-op when e is NULL); returns code for tail calls. */
enum sg_err sg_error_set(struct sg_error *e, enum sg_err code, uint32_t line,
			 uint64_t offset, const char *fmt, ...) SG_PRINTF(5, 6);

/* Resets e to SG_OK with an empty message. */
void sg_error_clear(struct sg_error *e);

/* Short stable name of a code, e.g. "syntax". */
const char *sg_err_name(enum sg_err code);

#endif
