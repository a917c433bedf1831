/*
 * NAME
 *   cmd_verify.c - "signet verify": check every signature of messages
 *
 * SUMMARY
 *   Keys come from a DNS table file (--dns-file) or DNS (--resolver ADDR or
 *   the system resolver). Prints one Authentication-Results line per
 *   message, prefixed with "FILE: " when several files are given. Exit 0
 *   when every message has a passing signature, 1 when one has none, 2 on
 *   usage, I/O or message errors.
 *
 * UNTRUSTED INPUT
 *   The messages (limits of struct sg_limits) and DNS answers.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authres.h"
#include "cli_common.h"
#include "hash_evp.h"
#include "keytable.h"
#include "pubkey_evp.h"
#include "resolver.h"
#include "verifier.h"

static int run_verify(int argc, char **argv);

const struct cli_command cli_verify = {
	"verify", run_verify, "verify the DKIM / DomainKeys signatures of messages",
	"signet verify [--dns-file FILE] [--resolver ADDR] [--now UNIXTIME] "
	"[--max-signatures N] [--min-key-bits N] [--no-sha1] [--authserv-id ID] [FILE...|-]",
};

struct verify_opts {
	const char *dns_file, *resolver, *authserv_id;
	struct sg_verify_policy policy;
};

static int verify_option(struct verify_opts *o, int c)
{
	uint64_t n;

	switch (c) {
	case 'f': o->dns_file = optarg; break;
	case 'r': o->resolver = optarg; break;
	case 'A': o->authserv_id = optarg; break;
	case 'S': o->policy.allow_sha1 = false; break;
	case 'n':
		if (!cli_parse_u64(optarg, INT64_MAX / 2, &n))
			return cli_usage(&cli_verify, "bad --now \"%s\"", optarg);
		o->policy.now = (int64_t)n;
		break;
	case 'm':
		if (!cli_parse_u64(optarg, 64, &n) || n == 0)
			return cli_usage(&cli_verify, "bad --max-signatures \"%s\" (1..64)", optarg);
		o->policy.max_signatures = (unsigned)n;
		break;
	case 'b':
		if (!cli_parse_u64(optarg, 16384, &n))
			return cli_usage(&cli_verify, "bad --min-key-bits \"%s\"", optarg);
		o->policy.min_rsa_bits = (unsigned)n;
		break;
	default:
		return cli_usage(&cli_verify, NULL);
	}
	return CLI_EXIT_OK;
}

static int parse_verify(int argc, char **argv, struct verify_opts *o)
{
	static const struct option longopts[] = {
		{ "dns-file", required_argument, NULL, 'f' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "now", required_argument, NULL, 'n' },
		{ "max-signatures", required_argument, NULL, 'm' },
		{ "min-key-bits", required_argument, NULL, 'b' },
		{ "no-sha1", no_argument, NULL, 'S' },
		{ "authserv-id", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c, rc;

	memset(o, 0, sizeof(*o));
	sg_verify_policy_default(&o->policy, (int64_t)time(NULL));
	o->authserv_id = "signet";
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		rc = verify_option(o, c);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	if (o->dns_file && o->resolver)
		return cli_usage(&cli_verify, "--dns-file and --resolver exclude each other");
	return CLI_EXIT_OK;
}

/* Verifies one message; returns the exit status it contributes. */
static int verify_one(const char *path, bool prefix, const struct verify_opts *o,
		      const struct sg_key_lookup *lookup)
{
	struct sg_limits lim;
	struct sg_buf msg, line;
	struct sg_error err = { 0 };
	struct sg_verifier *v;
	int rc = CLI_EXIT_FAIL;

	sg_limits_default(&lim);
	sg_buf_init(&msg, lim.max_message_bytes);
	sg_buf_init(&line, 1 << 20);
	if (!cli_read_input(path, lim.max_message_bytes, &msg)) {
		sg_buf_free(&msg);
		return CLI_EXIT_USAGE;
	}
	v = sg_verifier_new(sg_hash_evp(), sg_pubkey_evp(), lookup, &o->policy, &lim, true);
	if (v == NULL) {
		rc = cli_fail("out of memory");
	} else if (sg_verifier_feed(v, sg_buf_cstr(&msg), msg.len, &err) != SG_OK ||
		   sg_verifier_finish(v, &err) != SG_OK) {
		rc = cli_fail("%s: %s", strcmp(path, "-") ? path : "standard input", err.msg);
	} else {
		size_t n;
		const struct sg_sig_result *res = sg_verifier_results(v, &n);

		for (size_t i = 0; i < n; i++) {
			if (res[i].result == SG_RES_PASS)
				rc = CLI_EXIT_OK;
		}
		if (sg_authres_format(o->authserv_id, res, n, &line) != SG_OK)
			rc = cli_fail("cannot format the result");
		else
			printf("%s%sAuthentication-Results: %s\n", prefix ? path : "",
			       prefix ? ": " : "", sg_buf_cstr(&line));
	}
	sg_verifier_free(v);
	sg_buf_free(&msg);
	sg_buf_free(&line);
	return rc;
}

static int run_verify(int argc, char **argv)
{
	struct verify_opts o;
	struct sg_keytable *table = NULL;
	struct sg_resolver *resolver = NULL;
	struct sg_resolver_config rcfg = { 0 };
	struct sg_key_lookup lookup;
	struct sg_error err = { 0 };
	int rc = parse_verify(argc, argv, &o), worst = CLI_EXIT_OK;
	char *stdin_only[] = { "-" };
	char **files = argv + optind;
	int nfiles = argc - optind;

	if (rc != CLI_EXIT_OK)
		return rc;
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	rcfg.server = o.resolver;
	if (o.dns_file ? sg_keytable_load(o.dns_file, &table, &err) != SG_OK
		       : sg_resolver_new(&rcfg, &resolver, &err) != SG_OK)
		return cli_fail("%s", err.msg);
	lookup = table ? sg_keytable_lookup(table) : sg_resolver_lookup(resolver);
	for (int i = 0; i < nfiles; i++) {
		rc = verify_one(files[i], nfiles > 1, &o, &lookup);
		worst = rc > worst ? rc : worst;
	}
	fflush(stdout);
	sg_keytable_free(table);
	sg_resolver_free(resolver);
	return worst;
}
