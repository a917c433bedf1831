/*
 * NAME
 *   options.c - signetctl's command-line options and the choice of the
 *               control socket (see ctl.h)
 *
 * SUMMARY
 *   Options come before the command (parsing stops at the first word that
 *   is not an option, so "selector create s1 --domain d" keeps its own
 *   options). The socket: -s, else control.socket of the -c config, else
 *   $SIGNET_SOCKET, else /run/signet/control.sock.
 *
 * UNTRUSTED INPUT
 *   argv, the environment, and the config file named by -c (parsed by
 *   sg_config_load with its own limits).
 */

/* System library. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Control plane. */
#include "config.h"
#include "ctl.h"

enum { OPT_JSON = 256, OPT_TIMEOUT, OPT_REFERENCE, OPT_MAN };

#define SHORT_OPTIONS "s:c:Vh"

static const struct ctl_option_doc option_docs[] = {
	{ "-s", "--socket", "SOCKET", "the control socket of signet-controld" },
	{ "-c", "--config", "CONF", "take the socket from the control block of CONF" },
	{ NULL, "--json", NULL, "print answers as JSON, one document per command" },
	{ NULL, "--timeout", "SEC", "give up on the daemon after SEC seconds (1 to 3600, "
	  "default 30)" },
	{ NULL, "--print-reference", NULL, "print the command reference (Markdown) and exit" },
	{ NULL, "--print-man", NULL, "print the manual page (roff) and exit" },
	{ "-V", "--version", NULL, "print the version and exit" },
	{ "-h", "--help", NULL, "print the usage and exit" },
};

const struct ctl_option_doc *ctl_option_docs(size_t *count)
{
	*count = sizeof(option_docs) / sizeof(option_docs[0]);
	return option_docs;
}

void ctl_usage(FILE *out)
{
	fprintf(out, "usage: %s\n\n", SG_CTL_SYNOPSIS);
	for (size_t i = 0; i < sizeof(option_docs) / sizeof(option_docs[0]); i++) {
		const struct ctl_option_doc *d = &option_docs[i];
		char left[64];

		snprintf(left, sizeof(left), "%s%s%s%s%s", d->short_name ? d->short_name : "",
			 d->short_name ? ", " : "    ", d->long_name, d->arg ? " " : "",
			 d->arg ? d->arg : "");
		fprintf(out, "  %-24s %s\n", left, d->help);
	}
	fprintf(out, "\nWithout COMMAND: an interactive console on a terminal, else one command\n"
		"per line from standard input. \"signetctl help\" lists the commands.\n");
}

static bool parse_timeout(const char *s, int *ms)
{
	long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0 || s[i] != '\0' || v < 1 || v > SG_CTL_MAX_TIMEOUT_S)
		return false;
	*ms = (int)v * 1000;
	return true;
}

/* getopt_long said '?': optopt is the unknown letter of a short option
 * (which may sit inside a group, "-Vx"), the value of a known long option
 * given a value it does not take, or 0 for an unknown long option. */
static void unknown_option(char **argv, char *why, size_t cap)
{
	if (optopt == 0)
		snprintf(why, cap, "unknown option %.64s (see signetctl --help)",
			 argv[optind - 1]);
	else if (optopt >= OPT_JSON || strchr("scVh", optopt) != NULL)
		snprintf(why, cap, "option %.64s takes no value", argv[optind - 1]);
	else if (optopt > ' ' && optopt < 127)
		snprintf(why, cap, "unknown option -%c (see signetctl --help)", optopt);
	else
		snprintf(why, cap, "unknown option: byte 0x%02x after '-' (see signetctl --help)",
			 (unsigned)optopt & 0xff);
}

enum ctl_status ctl_options_parse(int argc, char **argv, struct ctl_options *o,
				  char *why, size_t cap)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "print-reference", no_argument, NULL, OPT_REFERENCE },
		{ "print-man", no_argument, NULL, OPT_MAN },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = SG_CTL_DEFAULT_TIMEOUT_S * 1000;
	opterr = 0;
	optind = 0;		/* full reset (tests parse several times) */
	while ((c = getopt_long(argc, argv, "+:" SHORT_OPTIONS, longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_TIMEOUT:
			if (!parse_timeout(optarg, &o->timeout_ms)) {
				snprintf(why, cap, "bad --timeout \"%.32s\": whole seconds from 1 to %d",
					 optarg, SG_CTL_MAX_TIMEOUT_S);
				return CTL_USAGE;
			}
			break;
		case OPT_REFERENCE:
			o->print_reference = true;
			break;
		case OPT_MAN:
			o->print_man = true;
			break;
		case 'V':
			o->version = true;
			break;
		case 'h':
			o->help = true;
			break;
		case ':':
			snprintf(why, cap, "option %.64s needs a value", argv[optind - 1]);
			return CTL_USAGE;
		default:
			unknown_option(argv, why, cap);
			return CTL_USAGE;
		}
	}
	o->first_word = optind;
	return CTL_OK;
}

static enum ctl_status use_path(const char *path, char *out, size_t cap, char *why,
				size_t why_cap)
{
	size_t n = strlen(path);

	if (n == 0 || n >= cap || n >= sizeof(((struct ctl_client *)0)->path)) {
		snprintf(why, why_cap, "socket path \"%.64s%s\" is %s", path, n > 64 ? "..." : "",
			 n == 0 ? "empty" : "too long for a Unix socket (at most 107 bytes)");
		return CTL_USAGE;
	}
	memcpy(out, path, n + 1);
	return CTL_OK;
}

enum ctl_status ctl_socket_path(const struct ctl_options *o, char *out, size_t cap,
				char *why, size_t why_cap)
{
	const char *env = getenv("SIGNET_SOCKET");
	struct sg_config *conf = NULL;
	struct sg_error err;
	enum ctl_status st;

	if (o->socket != NULL)
		return use_path(o->socket, out, cap, why, why_cap);
	if (o->config != NULL) {
		sg_error_clear(&err);
		if (sg_config_load(o->config, &conf, &err) != SG_OK) {
			snprintf(why, why_cap, "%s", err.msg);
			return CTL_USAGE;
		}
		st = use_path(conf->control.socket, out, cap, why, why_cap);
		sg_config_free(conf);
		return st;
	}
	if (env != NULL && env[0] != '\0')
		return use_path(env, out, cap, why, why_cap);
	return use_path(SG_CTL_DEFAULT_SOCKET, out, cap, why, why_cap);
}
