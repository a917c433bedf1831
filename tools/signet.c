/*
 * NAME
 *   signet.c - the signet offline tool: command table and dispatch
 *
 * SUMMARY
 *   signet COMMAND [OPTIONS]: keygen, dns-record, sign, verify. Sets up the
 *   locked key heap first, then runs the command's handler. "signet help"
 *   lists the commands; "signet COMMAND --help" shows a command's usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "secmem.h"

#define SIGNET_VERSION "0.1.0"

static const struct cli_command *const commands[] = {
	&cli_keygen, &cli_dns_record, &cli_sign, &cli_verify,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int help(FILE *out)
{
	fprintf(out, "usage: signet COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-11s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\n'signet COMMAND --help' shows the options of a command.\n");
	return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return help(stderr);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return help(stdout);
	if (strcmp(argv[1], "--version") == 0) {
		printf("signet %s\n", SIGNET_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i]->name) != 0)
			continue;
		for (int a = 2; a < argc; a++) {
			if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
				printf("usage: %s\n", commands[i]->usage);
				return 0;
			}
		}
		if (!sg_secmem_init(SG_SECMEM_DEFAULT_BYTES))
			fprintf(stderr, "signet: warning: cannot lock memory for keys "
					"(see ulimit -l); keys stay in ordinary memory\n");
		return commands[i]->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "signet: unknown command \"%s\"\n", argv[1]);
	return help(stderr);
}
