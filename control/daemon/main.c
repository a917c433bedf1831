/*
 * NAME
 *   main.c - signet-controld: command line, signals, exit status
 *
 * SUMMARY
 *   signet-controld [-c CONF] [--check] [--foreground] [--socket PATH]
 *     -c, --config CONF  the configuration file (default: the built-in
 *                        default configuration, no file)
 *     --check            validate the configuration and exit: 0 and
 *                        "FILE: OK" when valid, 1 and the error
 *                        (FILE:LINE:COLUMN: ...) otherwise
 *     --foreground       accepted for init systems; the daemon always runs
 *                        in the foreground and logs to stderr
 *     --socket PATH      listen here instead of control.socket
 *   SIGTERM and SIGINT stop the daemon cleanly (the socket file is
 *   removed); SIGHUP reloads the configuration. The signals are blocked
 *   and read from a signalfd by the poll loop, so no handler runs.
 *
 * DIAGNOSTICS
 *   Exit 0 after a clean stop or a good --check, 1 when the configuration
 *   is invalid or the daemon cannot start, 2 for a usage error.
 */

/* System library. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* Control plane. */
#include "config.h"
#include "daemon.h"
#include "secmem.h"

#define PROG SG_DAEMON_VERSION_NAME

static int usage(FILE *to, int status)
{
	fprintf(to, "usage: " PROG " [-c CONF] [--check] [--foreground] [--socket PATH]\n");
	return status;
}

static int check_config(const char *path)
{
	struct sg_config *conf = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if ((path ? sg_config_load(path, &conf, &err) : sg_config_default(&conf, &err)) != SG_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("%s: OK (%zu signing scopes)\n", path ? conf->path : "built-in default",
	       conf->nscopes);
	sg_config_free(conf);
	return 0;
}

/* Blocks TERM, INT and HUP and returns a signalfd for them (-1 on error). */
static int signal_descriptor(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int serve(const char *conf, const char *socket_path)
{
	struct sg_daemon_opts opts = { .config_path = conf, .socket_path = socket_path };
	struct sg_daemon *d = NULL;
	struct sg_error err;
	int status = 0;

	opts.signal_fd = signal_descriptor();
	if (opts.signal_fd < 0) {
		perror(PROG ": cannot set up signals");
		return 1;
	}
	/* Before any key is loaded: OpenSSL's copies of private keys then live
	 * in locked memory left out of core dumps. */
	if (!sg_secmem_init(sg_secmem_daemon_bytes()))
		fprintf(stderr, PROG ": warning: cannot lock %zu bytes for key memory (raise "
			"RLIMIT_MEMLOCK, e.g. LimitMEMLOCK=); keys stay in ordinary memory\n",
			sg_secmem_daemon_bytes());
	sg_error_clear(&err);
	if (sg_daemon_new(&opts, &d, &err) != SG_OK) {
		fprintf(stderr, PROG ": cannot start: %s\n", err.msg);
		close(opts.signal_fd);
		return 1;
	}
	if (sg_daemon_run(d, &err) != SG_OK) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		status = 1;
	}
	sg_daemon_free(d);
	close(opts.signal_fd);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL, *socket_path = NULL;
	int opt, check = 0;

	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'f':
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument \"%s\"\n", argv[optind]);
		return usage(stderr, 2);
	}
	if (socket_path != NULL && socket_path[0] == '\0') {
		fprintf(stderr, PROG ": --socket needs a path\n");
		return 2;
	}
	return check ? check_config(conf) : serve(conf, socket_path);
}
