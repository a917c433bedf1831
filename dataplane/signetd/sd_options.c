/*
 * NAME
 *   sd_options.c - signetd's command line (see sd_options.h)
 *
 * SUMMARY
 *   A small hand-written scanner instead of getopt_long: it keeps no state
 *   between calls (tests parse many command lines in one process) and
 *   refuses a repeated option instead of silently taking the last one.
 *   "--opt=value" and "--opt value" are both accepted, and "-cFILE".
 *
 * UNTRUSTED INPUT
 *   argv.
 */
#include <stdio.h>
#include <string.h>

#include "sd_options.h"

enum opt_id { OPT_CONFIG, OPT_SPOOL, OPT_OUT, OPT_WATCH, OPT_JSON, OPT_FG, OPT_HELP,
	      OPT_VERSION };

struct opt_row {
	const char *long_name;
	char short_name;
	bool takes_value;
	enum opt_id id;
};

static const struct opt_row rows[] = {
	{ "config", 'c', true, OPT_CONFIG }, { "spool", 0, true, OPT_SPOOL },
	{ "out", 0, true, OPT_OUT }, { "watch", 0, false, OPT_WATCH },
	{ "json", 0, false, OPT_JSON }, { "foreground", 'f', false, OPT_FG },
	{ "help", 'h', false, OPT_HELP }, { "version", 'V', false, OPT_VERSION },
};

const char *sd_options_usage(void)
{
	return "usage: signetd -c CONF [--spool IN_DIR --out OUT_DIR [--watch] [--json]]\n"
	       "               [--foreground]\n"
	       "  -c, --config CONF   signet.conf (the same file as signet-controld's)\n"
	       "  --spool IN_DIR      sign every IN_DIR/*.eml into OUT_DIR, then exit\n"
	       "  --out OUT_DIR       where signed messages are written\n"
	       "  --watch             keep watching IN_DIR for new files until SIGTERM\n"
	       "  --json              print a JSON summary object on stdout at the end\n"
	       "  -f, --foreground    accepted for service managers (always in the foreground)\n"
	       "  -h, --help          this text\n"
	       "  -V, --version       the version\n";
}

static const struct opt_row *find_long(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strlen(rows[i].long_name) == n && strncmp(rows[i].long_name, name, n) == 0)
			return &rows[i];
	return NULL;
}

static const struct opt_row *find_short(char c)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].short_name != 0 && rows[i].short_name == c)
			return &rows[i];
	return NULL;
}

static enum sg_err set_value(struct sd_options *o, const struct opt_row *r, const char *v,
			     const char *arg, struct sg_error *err)
{
	const char **slot = r->id == OPT_CONFIG ? &o->config :
			    r->id == OPT_SPOOL ? &o->spool_in : &o->spool_out;

	if (*slot != NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "option --%s given twice",
				    r->long_name);
	if (v[0] == '\0' || strlen(v) >= SD_OPT_PATH_MAX)
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s: the value must be a path of 1 to "
				    "%d bytes", arg, SD_OPT_PATH_MAX - 1);
	*slot = v;
	return SG_OK;
}

static enum sg_err set_flag(struct sd_options *o, const struct opt_row *r)
{
	bool *flag = r->id == OPT_WATCH ? &o->watch : r->id == OPT_JSON ? &o->json :
		     r->id == OPT_FG ? &o->foreground : r->id == OPT_HELP ? &o->help :
		     &o->version;

	*flag = true;
	return SG_OK;
}

/* One option at argv[*i]; *i moves past its value when it takes one. */
static enum sg_err one_option(int argc, char **argv, int *i, struct sd_options *o,
			      struct sg_error *err)
{
	const char *arg = argv[*i], *value = NULL;
	const struct opt_row *r;

	if (arg[1] == '-') {
		const char *eq = strchr(arg + 2, '=');

		r = find_long(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
		if (r != NULL && eq != NULL) {
			if (!r->takes_value)
				return sg_error_set(err, SG_E_ARG, 0, 0, "option --%s takes no "
						    "value: %s", r->long_name, arg);
			value = eq + 1;
		}
	} else {
		r = arg[1] != '\0' ? find_short(arg[1]) : NULL;
		if (r != NULL && arg[2] != '\0') {
			if (!r->takes_value)
				return sg_error_set(err, SG_E_ARG, 0, 0, "unknown option %s", arg);
			value = arg + 2;
		}
	}
	if (r == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "unknown option %s (see --help)", arg);
	if (!r->takes_value)
		return set_flag(o, r);
	if (value == NULL) {
		if (*i + 1 >= argc)
			return sg_error_set(err, SG_E_ARG, 0, 0, "option %s needs a value", arg);
		value = argv[++*i];
	}
	return set_value(o, r, value, arg, err);
}

static enum sg_err check_combination(const struct sd_options *o, struct sg_error *err)
{
	if (o->help || o->version)
		return SG_OK;
	if (o->config == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "-c CONF is required (see --help)");
	if (o->spool_in != NULL && o->spool_out == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "--spool needs --out OUT_DIR");
	if (o->spool_out != NULL && o->spool_in == NULL)
		return sg_error_set(err, SG_E_ARG, 0, 0, "--out needs --spool IN_DIR");
	if (o->spool_in == NULL && (o->watch || o->json))
		return sg_error_set(err, SG_E_ARG, 0, 0, "%s works only with --spool",
				    o->watch ? "--watch" : "--json");
	if (o->spool_in != NULL && strcmp(o->spool_in, o->spool_out) == 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "--spool and --out must be different "
				    "folders (both are %s)", o->spool_in);
	return SG_OK;
}

enum sg_err sd_options_parse(int argc, char **argv, struct sd_options *o, struct sg_error *err)
{
	enum sg_err rc;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			return sg_error_set(err, SG_E_ARG, 0, 0, "unexpected argument \"%s\" "
					    "(see --help)", argv[i]);
		rc = one_option(argc, argv, &i, o, err);
		if (rc != SG_OK)
			return rc;
	}
	return check_combination(o, err);
}
