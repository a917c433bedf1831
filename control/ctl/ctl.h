/*
 * NAME
 *   ctl.h - signetctl's parts: options, the daemon connection, running a
 *           command line, help and the reference
 *
 * SUMMARY
 *   signetctl [-s SOCKET] [-c CONF] [--json] [--timeout SEC] [COMMAND ...]
 *   ctl_options_parse reads the options (getopt_long, stopping at the
 *   first command word) and ctl_socket_path picks the socket: -s, else the
 *   control.socket of the -c config, else $SIGNET_SOCKET, else
 *   SG_CTL_DEFAULT_SOCKET.
 *
 *   struct ctl_client is one connection to signet-controld: connect with a
 *   deadline, HELLO handshake, then COMMAND -> RESULT / ERROR exchanges.
 *   struct ctl_session runs command lines (one-shot, script or REPL): it
 *   matches the words locally (usage errors never reach the daemon),
 *   answers help itself, connects on first use and again after the
 *   daemon went away, and prints the answer as aligned text or JSON.
 *   Every entry point returns the exit status of what it did.
 *
 *   ctl_print_reference writes the reference (Markdown or roff) from the
 *   same tables.
 *
 *   ctl_words_split cuts a typed line into words (blanks separate;
 *   '...' and "..." quote; a backslash escapes outside single quotes;
 *   '#' at the start of a word begins a comment).
 *
 * UNTRUSTED INPUT
 *   Typed lines and arguments (word count and length limits of
 *   commands.h), the config file named by -c (config.h limits), and
 *   everything the daemon answers (proto.h getters, length-checked).
 */
#ifndef SIGNET_CONTROL_CTL_H
#define SIGNET_CONTROL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "commands.h"
#include "proto.h"
#include "status.h"

#define SG_CTL_DEFAULT_SOCKET "/run/signet/control.sock"
#define SG_CTL_VERSION "0.1.0"
#define SG_CTL_DEFAULT_TIMEOUT_S 30
#define SG_CTL_MAX_TIMEOUT_S 3600
#define SG_CTL_LINE_MAX 4096

/* Exit statuses. */
enum ctl_status {
	CTL_OK = 0,		/* the command succeeded */
	CTL_FAILED = 1,		/* the daemon answered an error, or the command reports failure */
	CTL_USAGE = 2,		/* bad command line, or no daemon to talk to */
};

struct ctl_options {
	const char *socket;	/* -s */
	const char *config;	/* -c */
	bool json;
	int timeout_ms;
	bool help, version, print_reference, print_man;
	int first_word;		/* argv index of the command's first word (argc: none) */
};

/* CTL_OK, or CTL_USAGE with a one-line reason in why. */
enum ctl_status ctl_options_parse(int argc, char **argv, struct ctl_options *o,
				  char *why, size_t cap);
/* Picks the socket path (see above); CTL_USAGE with why when the config
 * does not load or the path does not fit a Unix socket address. */
enum ctl_status ctl_socket_path(const struct ctl_options *o, char *out, size_t cap,
				char *why, size_t why_cap);
void ctl_usage(FILE *out);

#define SG_CTL_SYNOPSIS \
	"signetctl [-s SOCKET] [-c CONF] [--json] [--timeout SEC] [COMMAND ...]"

/* The options, for the usage and the reference. */
struct ctl_option_doc {
	const char *short_name;		/* "-s" or NULL */
	const char *long_name;		/* "--socket" */
	const char *arg;		/* "SOCKET" or NULL */
	const char *help;
};

const struct ctl_option_doc *ctl_option_docs(size_t *count);

/* ---- the connection ---- */

struct ctl_client {
	char path[108];			/* sizeof(sun_path) */
	int fd;				/* -1: not connected */
	int timeout_ms;
	char server_version[128];	/* from the daemon's HELLO */
};

enum ctl_answer {
	CTL_ANSWER_RESULT,		/* *out holds the table */
	CTL_ANSWER_ERROR,		/* the daemon said no: msg */
	CTL_ANSWER_BROKEN,		/* no answer (connection, protocol): msg */
};

void ctl_client_init(struct ctl_client *c, const char *path, int timeout_ms);
/* Connects and shakes hands; false with a one-line reason in msg. */
bool ctl_client_connect(struct ctl_client *c, char *msg, size_t cap);
/* Sends the command (argv as typed, p from sg_command_match) and reads
 * the answer. BROKEN closes the connection. */
enum ctl_answer ctl_client_request(struct ctl_client *c, const struct sg_cmd_params *p,
				   size_t argc, const char *const *argv, struct sg_table *out,
				   char *msg, size_t cap);
void ctl_client_close(struct ctl_client *c);

/* ---- running commands ---- */

struct ctl_session {
	struct ctl_client client;
	bool json;
	FILE *out, *err;
	const char *where;		/* "line 3: " in scripts, else "" */
	bool unreachable;		/* the last command found no daemon */
};

void ctl_session_init(struct ctl_session *s, const char *socket, int timeout_ms, bool json);
void ctl_session_close(struct ctl_session *s);
enum ctl_status ctl_run_words(struct ctl_session *s, size_t argc, const char *const *argv);
/* Splits and runs one typed line; blank and comment lines are CTL_OK. */
enum ctl_status ctl_run_line(struct ctl_session *s, const char *line);
/* Runs every line of in (scripting): the worst status; stops early only
 * when the daemon cannot be reached. A line longer than SG_CTL_LINE_MAX
 * bytes or holding a NUL byte is a usage error, and the next line runs.
 * Messages start with "line N: ". */
enum ctl_status ctl_run_script(struct ctl_session *s, FILE *in);

/* Did the command's answer report a failure (exit status 1)? */
bool ctl_answer_failed(const struct sg_cmd_params *p, const struct sg_table *t);

/* ---- words, help, reference ---- */

/* Splits line into argv (pointers into store, cap bytes: each word and
 * its NUL); false with a reason when a quote is open, the line ends in a
 * backslash, the words do not fit in store or there are more than max. */
bool ctl_words_split(const char *line, char *store, size_t cap, const char **argv,
		     size_t max, size_t *argc, char *why, size_t why_cap);

/* help [WORD]: the rows whose pattern starts with WORD (all without);
 * false when none does. */
bool ctl_help(FILE *out, const char *word, bool json);

#define CTL_WRAP_WIDTH 78
/* Prints text folded at CTL_WRAP_WIDTH columns between words (a "[...]"
 * group is one word): the first line indented by indent spaces, the
 * others by more. */
void ctl_wrap(FILE *out, const char *text, int indent, int more);

/* The reference (reference.c), from the option and command tables:
 * docs/signetctl.md (--print-reference) and docs/man/signetctl.8
 * (--print-man). A unit test keeps the committed files equal to it. */
enum ctl_doc_format { CTL_DOC_MARKDOWN, CTL_DOC_MAN };

#define CTL_DOC_REGENERATE \
	"ninja -C BUILD control/ctl/signetctl && " \
	"BUILD/control/ctl/signetctl --print-reference > docs/signetctl.md && " \
	"BUILD/control/ctl/signetctl --print-man > docs/man/signetctl.8"

void ctl_print_reference(FILE *out, enum ctl_doc_format format);
/* The example command line the reference shows for a command row. */
const char *ctl_command_example(const struct sg_command *c);

/* ---- the REPL's parts that need no terminal (complete.c, history.c) ---- */

#define CTL_COMPLETE_MAX 64
#define CTL_HISTORY_FILE ".signetctl_history"

struct ctl_completion {
	char *word[CTL_COMPLETE_MAX];	/* malloc'd candidates */
	size_t n;
	bool no_space;			/* the lone candidate ends in ':' or '=' */
};

/* The words that may replace text, the partly typed word after head (the
 * line before it); none when head does not split. */
void ctl_complete(const char *head, const char *text, struct ctl_completion *c);
/* readline's form, malloc'd: [0] the lone candidate or the candidates'
 * longest common prefix, then (two or more) the candidates, then NULL;
 * NULL when there are none. The candidates move into the array. */
char **ctl_completion_take(struct ctl_completion *c);
void ctl_completion_free(struct ctl_completion *c);
/* Is the line "quit" or "exit" (blanks and a comment allowed)? */
bool ctl_is_quit(const char *line);

/* home/.signetctl_history; false when home is NULL, not absolute or the
 * path does not fit cap. */
bool ctl_history_path(const char *home, char *out, size_t cap);
/* Makes path a regular file of the caller's with mode 0600 (created empty
 * when missing); false with a reason for a symbolic link, a folder,
 * another user's file or an error. */
bool ctl_history_prepare(const char *path, char *why, size_t cap);

/* The REPL (repl.c); returns the exit status for EOF / quit. */
enum ctl_status ctl_repl(struct ctl_session *s);

#endif
