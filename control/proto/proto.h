/*
 * NAME
 *   proto.h - the control socket protocol (signetctl, signetd <-> controld)
 *
 * SUMMARY
 *   Messages on a SOCK_SEQPACKET-or-stream Unix socket, each framed as
 *     uint32 length (whole message, header included, big-endian)
 *     uint16 type   (enum sg_msg_type)
 *     uint16 reserved (0)
 *   followed by typed fields, each a one-byte tag and a value:
 *     'u' uint64 (8 bytes, big-endian)
 *     's' string: uint32 length + bytes (no NUL; must be valid UTF-8, no NUL)
 *     'b' bytes:  uint32 length + bytes
 *   Writers use struct sg_wire_out (sg_wire_put_*); readers struct
 *   sg_wire_in with typed getters that fail on a wrong tag, a length past
 *   the end or over the getter's limit, and sg_wire_end that fails on
 *   trailing bytes. A failed getter poisons the reader (later getters fail
 *   too), so a handler can read everything and check once.
 *
 *   Session: the client sends HELLO {u version, s client-name}; the server
 *   answers HELLO {u version, s server-version} or ERROR and closes when the
 *   versions differ. Then requests and answers alternate:
 *     COMMAND {u command-id, u argc, s arg...}  ->  RESULT or ERROR
 *   RESULT carries a struct sg_table (sg_table_encode / sg_table_decode):
 *   {s title, s message, u ncols, (s name, u kind) * ncols, u nrows,
 *   s cell * ncols * nrows}. ERROR carries {s message}.
 *   Dataplane clients (signetd) send, after the same HELLO:
 *     KEY_REQUEST {u kind, s domain}  ->  KEY_MATERIAL or ERROR
 *     STATS_PUSH  (sg_stats_encode_push)  ->  RESULT (empty table) or ERROR
 *   (kind is enum sg_sigkind). Every request gets exactly one answer.
 *   Messages are at most SG_WIRE_MAX bytes; reads have a deadline.
 *
 * UNTRUSTED INPUT
 *   Everything read from the socket: every length is checked before use.
 */
#ifndef SIGNET_CONTROL_PROTO_H
#define SIGNET_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"

#define SG_PROTO_VERSION 1
#define SG_WIRE_HEADER 8
#define SG_WIRE_MAX (1024 * 1024)
#define SG_WIRE_STRING_MAX (64 * 1024)

enum sg_msg_type {
	SG_MSG_HELLO = 1,
	SG_MSG_ERROR = 2,
	SG_MSG_COMMAND = 3,
	SG_MSG_RESULT = 4,
	/* dataplane <-> controld (signetd, next issue) */
	SG_MSG_KEY_REQUEST = 10,	/* {u kind, s domain} */
	/* {u generation, u kind, s domain, s selector, b key-pem, s reason}:
	 * an empty key-pem is a negative answer (no key; reason says why) */
	SG_MSG_KEY_MATERIAL = 11,
	SG_MSG_STATS_PUSH = 12,		/* per-worker counters */
};

struct sg_wire_out {
	struct sg_buf buf;
};

/* Starts a message of type t (buf limited to SG_WIRE_MAX). */
void sg_wire_begin(struct sg_wire_out *w, enum sg_msg_type t);
SG_MUST_CHECK enum sg_err sg_wire_put_u64(struct sg_wire_out *w, uint64_t v);
SG_MUST_CHECK enum sg_err sg_wire_put_str(struct sg_wire_out *w, const char *s);
SG_MUST_CHECK enum sg_err sg_wire_put_bytes(struct sg_wire_out *w, const void *p, size_t n);
/* Writes the length into the header; the message is w->buf.data, w->buf.len. */
SG_MUST_CHECK enum sg_err sg_wire_finish(struct sg_wire_out *w);
void sg_wire_out_free(struct sg_wire_out *w);

struct sg_wire_in {
	const uint8_t *p;
	size_t len, off;
	enum sg_msg_type type;
	bool failed;
	char why[128];
};

/* True when s[0..n) is what an 's' field may carry: valid UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF) without NUL;
 * else *bad (may be NULL) is the offset of the first offending byte. */
bool sg_wire_text_ok(const char *s, size_t n, size_t *bad);

/* For non-blocking readers: given the first n bytes of a message, sets
 * *total to its whole length once the header is in (0 before that).
 * SG_E_LIMIT when the header announces more than SG_WIRE_MAX, SG_E_SYNTAX
 * when less than SG_WIRE_HEADER. */
SG_MUST_CHECK enum sg_err sg_wire_frame_len(const void *p, size_t n, size_t *total,
					    struct sg_error *err);

/* Checks the header of a complete message (len bytes): the length field
 * equals len, the type is one of enum sg_msg_type, reserved is 0. */
SG_MUST_CHECK enum sg_err sg_wire_open(struct sg_wire_in *r, const void *msg, size_t len,
				       struct sg_error *err);
bool sg_wire_get_u64(struct sg_wire_in *r, uint64_t *v);
/* Copies a string of at most max-1 bytes into out (NUL-terminated). */
bool sg_wire_get_str(struct sg_wire_in *r, char *out, size_t max);
/* Points at bytes inside the message (valid while the message is). */
bool sg_wire_get_bytes(struct sg_wire_in *r, const uint8_t **p, size_t *n, size_t max);
/* True when every field was read, nothing failed, nothing is left. */
bool sg_wire_end(struct sg_wire_in *r);

/* Reads one whole message from fd into buf within timeout_ms (blocking fd,
 * poll()-based deadline); SG_E_LIMIT past SG_WIRE_MAX, SG_E_IO on EOF/error. */
SG_MUST_CHECK enum sg_err sg_wire_read(int fd, struct sg_buf *buf, int timeout_ms,
				       struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_wire_write(int fd, const struct sg_wire_out *w, int timeout_ms,
					struct sg_error *err);

/* A command's answer: a titled table plus a one-line message. Cells are
 * UTF-8 text; an INT column's cells are decimal numbers (-?DIGITS, an
 * optional .DIGITS, no leading zeros) or "" (JSON null). */
enum sg_col_kind { SG_COL_TEXT = 0, SG_COL_INT = 1 };

#define SG_TABLE_MAX_COLS 16

struct sg_table {
	char title[128];
	char message[512];
	size_t ncols;
	char col_name[SG_TABLE_MAX_COLS][48];
	enum sg_col_kind col_kind[SG_TABLE_MAX_COLS];
	size_t nrows;
	char **cells;			/* nrows * ncols strings, row-major, malloc'd */
	size_t cells_cap;
};

void sg_table_init(struct sg_table *t, const char *title);
SG_MUST_CHECK enum sg_err sg_table_column(struct sg_table *t, const char *name,
					  enum sg_col_kind kind);
/* Appends a row of ncols strings (SG_E_ARG for a cell that is not valid
 * text or not a number in an INT column; SG_E_STATE before any column).
 * Columns cannot be added once there are rows. */
SG_MUST_CHECK enum sg_err sg_table_row(struct sg_table *t, const char *const *cells);
void sg_table_free(struct sg_table *t);
SG_MUST_CHECK enum sg_err sg_table_encode(const struct sg_table *t, struct sg_wire_out *w);
/* Reads a table at r's position into t (initialised here; free it with
 * sg_table_free even on failure). The caller checks sg_wire_end. */
SG_MUST_CHECK enum sg_err sg_table_decode(struct sg_wire_in *r, struct sg_table *t);
/* Aligned text: the title line (if any), the header row and rows when
 * there are columns (TEXT left-aligned, INT right-aligned, two spaces
 * apart, no trailing blanks, control characters shown as '?'), then the
 * message line (if any); each line ends in '\n'. Or stable JSON on one
 * line ending in '\n':
 * {"title":..., "message":..., "rows":[{"col":value,...}]} with INT columns
 * as JSON numbers (null when empty), keys in column order. */
SG_MUST_CHECK enum sg_err sg_table_render_text(const struct sg_table *t, struct sg_buf *out);
SG_MUST_CHECK enum sg_err sg_table_render_json(const struct sg_table *t, struct sg_buf *out);

#endif
