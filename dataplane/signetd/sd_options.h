/*
 * NAME
 *   sd_options.h - signetd's command line
 *
 * SUMMARY
 *   signetd -c CONF [--spool IN_DIR --out OUT_DIR [--watch] [--json]]
 *           [--foreground] [--help] [--version]
 *   sd_options_parse fills struct sd_options from argv (argv[0] is the
 *   program) or fails with one line naming the offending argument:
 *   unknown option, missing value, a value given twice, --spool without
 *   --out (or the reverse), --watch/--json without --spool, the same folder
 *   for --spool and --out, positional arguments. -c is required unless
 *   --help or --version is given. signetd always runs in the foreground
 *   and logs to stderr (--foreground is accepted for service managers).
 *   sd_options_usage is the --help text.
 *
 * UNTRUSTED INPUT
 *   argv (lengths bounded by SD_OPT_PATH_MAX).
 */
#ifndef SIGNET_SIGNETD_SD_OPTIONS_H
#define SIGNET_SIGNETD_SD_OPTIONS_H

#include <stdbool.h>
#include "status.h"

#define SD_OPT_PATH_MAX 4096

struct sd_options {
	const char *config;		/* -c, --config */
	const char *spool_in;		/* --spool */
	const char *spool_out;		/* --out */
	bool watch;			/* --watch: keep watching IN_DIR */
	bool json;			/* --json: summary object on stdout */
	bool foreground;
	bool help;
	bool version;
};

SG_MUST_CHECK enum sg_err sd_options_parse(int argc, char **argv, struct sd_options *o,
					   struct sg_error *err);
const char *sd_options_usage(void);

#endif
