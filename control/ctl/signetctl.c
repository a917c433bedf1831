/*
 * NAME
 *   signetctl.c - signetctl, the console of signet-controld: options and
 *                 the choice between one command, a script and the REPL
 *
 * SUMMARY
 *   signetctl [-s SOCKET] [-c CONF] [--json] [--timeout SEC] [COMMAND ...]
 *   With COMMAND: runs it and exits with its status. Without: the
 *   interactive console when standard input is a terminal, else one
 *   command per line from standard input. Exit status 0 success, 1 the
 *   daemon refused or the command reports failure, 2 usage error or no
 *   daemon (see ctl.h and docs/signetctl.md).
 *
 * UNTRUSTED INPUT
 *   argv and standard input (see ctl.h).
 */

/* System library. */
#include <stdio.h>
#include <unistd.h>

/* Control plane. */
#include "ctl.h"

/* st, or CTL_FAILED with a line on stderr when standard output could not
 * be written (a full disk, a closed pipe). */
static int output_written(enum ctl_status st)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return st;
	fprintf(stderr, "signetctl: cannot write to standard output\n");
	return st == CTL_OK ? CTL_FAILED : st;
}

int main(int argc, char **argv)
{
	struct ctl_options o;
	struct ctl_session s;
	char why[512], path[sizeof(s.client.path)];
	enum ctl_status st;

	if (ctl_options_parse(argc, argv, &o, why, sizeof(why)) != CTL_OK) {
		fprintf(stderr, "signetctl: %s\n", why);
		return CTL_USAGE;
	}
	if (o.help || o.version || o.print_reference || o.print_man) {
		if (o.help)
			ctl_usage(stdout);
		else if (o.version)
			printf("signetctl %s (control protocol %d)\n", SG_CTL_VERSION,
			       SG_PROTO_VERSION);
		else
			ctl_print_reference(stdout, o.print_man ? CTL_DOC_MAN : CTL_DOC_MARKDOWN);
		return output_written(CTL_OK);
	}
	if (ctl_socket_path(&o, path, sizeof(path), why, sizeof(why)) != CTL_OK) {
		fprintf(stderr, "signetctl: %s\n", why);
		return CTL_USAGE;
	}
	ctl_session_init(&s, path, o.timeout_ms, o.json);
	if (o.first_word < argc)
		st = ctl_run_words(&s, (size_t)(argc - o.first_word),
				   (const char *const *)argv + o.first_word);
	else if (isatty(STDIN_FILENO))
		st = ctl_repl(&s);
	else
		st = ctl_run_script(&s, stdin);
	ctl_session_close(&s);
	return output_written(st);
}
