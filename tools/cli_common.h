/*
 * NAME
 *   cli_common.h - shared pieces of the signet command-line tool
 *
 * SUMMARY
 *   struct cli_command is one row of the command table (name, handler,
 *   one-line summary, usage text). cli_fail prints "signet: MESSAGE" on
 *   stderr and returns exit status 2; cli_usage prints the usage of a
 *   command and returns 2. cli_read_input reads a whole file ("-" = stdin)
 *   with a size limit; cli_write_output writes a file atomically (temp file
 *   + fsync + rename) or stdout for NULL / "-". Number parsing refuses
 *   signs, junk and overflow.
 *
 * UNTRUSTED INPUT
 *   Command-line arguments and input files (bounded by the given limit).
 */
#ifndef SIGNET_TOOLS_CLI_COMMON_H
#define SIGNET_TOOLS_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1		/* verify: some message without a passing signature */
#define CLI_EXIT_USAGE 2	/* usage, I/O and input errors */

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads path ("-" = stdin) into out; false (message printed) on error. */
bool cli_read_input(const char *path, size_t limit, struct sg_buf *out);
/* Writes data to path atomically, or to stdout for NULL or "-". */
bool cli_write_output(const char *path, const void *data, size_t len);

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Copies text with every line end turned into CRLF (lf_only false) or LF. */
bool cli_line_ends(const char *text, size_t len, bool lf_only, struct sg_buf *out);

struct sg_privkey;
/* Prints the key's record as "SELECTOR._domainkey.DOMAIN VALUE" or, with
 * zone, as a zone-file entry (cmd_dnsrecord.c). */
int cli_print_record(const struct sg_privkey *key, const char *domain, const char *selector,
		     bool testing, bool domainkeys, bool zone);

extern const struct cli_command cli_keygen, cli_dns_record, cli_sign, cli_verify;

#endif
