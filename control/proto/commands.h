/*
 * NAME
 *   commands.h - the console's command table, shared by signetctl and
 *                signet-controld
 *
 * SUMMARY
 *   Each command is a row: id, pattern, help, and whether it changes state
 *   (only root or members of admin_group may run those). A pattern is words
 *   separated by single spaces: a literal word; <NAME>, <DOMAIN> or <N>
 *   placeholders; [<DOMAIN>] an optional trailing placeholder; and
 *   options listed after the words, "--domain <DOMAIN>" (required) or
 *   "[--type dkim|domainkeys]" (optional), the value a placeholder or a
 *   list of choices. A literal may carry a placeholder after ':'
 *   ("dkim_sign:<NAME>"). <WORD> is any word (help).
 *
 *   sg_command_match turns an argv (words as typed) into the row and a
 *   struct sg_cmd_params; it is run by signetctl (for a local error and
 *   completion) and again by the daemon on what it receives (never trusting
 *   the client). sg_command_complete lists the words that may follow a
 *   prefix (tab completion). The rows are in commands.c.
 *
 * UNTRUSTED INPUT
 *   argv from the socket (at most SG_CMD_MAX_ARGS words of SG_CMD_WORD_MAX).
 */
#ifndef SIGNET_CONTROL_COMMANDS_H
#define SIGNET_CONTROL_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_CMD_MAX_ARGS 16
#define SG_CMD_WORD_MAX 256

enum sg_cmd_id {
	SG_CMD_VERSION = 1,		/* version */
	SG_CMD_SUMMARY,			/* summary */
	SG_CMD_SIGNING_STATS,		/* signing_stats [<DOMAIN>] */
	SG_CMD_SIGNING_STATS_RESET,	/* signing_stats reset */
	SG_CMD_SCOPE_FLUSH,		/* dkim_sign:<NAME> flush keycache | dk_sign:<NAME> ... */
	SG_CMD_KEYCACHE_LIST,		/* keycache list */
	SG_CMD_KEYCACHE_FLUSH,		/* keycache flush [<DOMAIN>] */
	SG_CMD_SELECTOR_LIST,		/* selector list */
	SG_CMD_SELECTOR_SHOW,		/* selector show <NAME> */
	SG_CMD_SELECTOR_CREATE,		/* selector create <NAME> --domain <DOMAIN> [--type dkim|domainkeys]
					 * [--key-type rsa|ed25519] [--bits <N>] */
	SG_CMD_SELECTOR_ENABLE,		/* selector enable <NAME> <DOMAIN> */
	SG_CMD_SELECTOR_DISABLE,	/* selector disable <NAME> <DOMAIN> */
	SG_CMD_SELECTOR_ROTATE,		/* selector rotate <DOMAIN> */
	SG_CMD_SELECTOR_RETIRE,		/* selector retire <NAME> */
	SG_CMD_DNS_RECORD,		/* dns record <NAME> [<DOMAIN>] */
	SG_CMD_DNS_TEST,		/* dns test <NAME> [<DOMAIN>] */
	SG_CMD_CONFIG_CHECK,		/* config check */
	SG_CMD_CONFIG_RELOAD,		/* config reload */
	SG_CMD_WORKERS,			/* workers */
	SG_CMD_SHUTDOWN,		/* shutdown */
	SG_CMD_HELP,			/* help [<WORD>] (answered locally by signetctl) */
};

struct sg_command {
	enum sg_cmd_id id;
	const char *pattern;
	const char *help;
	bool changes_state;
};

/* What a matched command line says. Unused fields are empty / 0. */
struct sg_cmd_params {
	const struct sg_command *cmd;
	char name[SG_CMD_WORD_MAX];		/* <NAME>: selector or scope name */
	char domain[SG_CMD_WORD_MAX];		/* <DOMAIN> or --domain */
	char scope_kind[16];			/* "dkim_sign" / "dk_sign" (SCOPE_FLUSH) */
	char type[16];				/* --type: "dkim" (default) / "domainkeys" */
	char key_type[16];			/* --key-type: "rsa" (default) / "ed25519" */
	unsigned bits;				/* --bits, 0 = default */
	char word[SG_CMD_WORD_MAX];		/* help <WORD> */
};

const struct sg_command *sg_commands(size_t *count);

/* false with a one-line reason in why (unknown command, missing argument,
 * bad option value...). */
bool sg_command_match(size_t argc, const char *const *argv, struct sg_cmd_params *p,
		      char *why, size_t why_cap);

/* Calls add(word, arg) for each word that can follow the complete words
 * argv[0..argc) and starts with prefix. */
void sg_command_complete(size_t argc, const char *const *argv, const char *prefix,
			 void (*add)(const char *word, void *arg), void *arg);

#endif
