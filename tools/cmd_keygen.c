/*
 * NAME
 *   cmd_keygen.c - "signet keygen": make a key and print its DNS record
 *
 * SUMMARY
 *   Generates an RSA (default 2048 bits) or Ed25519 key, writes it as
 *   PKCS#8 PEM with mode 0600 (never over an existing file), and prints one
 *   line in the DNS table format "SELECTOR._domainkey.DOMAIN VALUE".
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "domain.h"
#include "key.h"

static int run_keygen(int argc, char **argv);

const struct cli_command cli_keygen = {
	"keygen", run_keygen, "generate a key and print its DNS TXT record",
	"signet keygen [-t rsa|ed25519] [-b BITS] -d DOMAIN -s SELECTOR [-o KEYFILE] [--testing]",
};

struct keygen_opts {
	enum sg_keytype type;
	unsigned bits;
	const char *domain, *selector, *out;
	bool testing;
};

static int parse_keygen(int argc, char **argv, struct keygen_opts *o)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' }, { "bits", required_argument, NULL, 'b' },
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "testing", no_argument, NULL, 'T' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t bits;
	int c;

	*o = (struct keygen_opts){ .type = SG_KEY_RSA, .bits = 2048 };
	while ((c = getopt_long(argc, argv, "t:b:d:s:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (strcmp(optarg, "rsa") == 0)
				o->type = SG_KEY_RSA;
			else if (strcmp(optarg, "ed25519") == 0)
				o->type = SG_KEY_ED25519;
			else
				return cli_usage(&cli_keygen, "unknown key type \"%s\"", optarg);
			break;
		case 'b':
			if (!cli_parse_u64(optarg, 16384, &bits))
				return cli_usage(&cli_keygen, "bad -b \"%s\"", optarg);
			o->bits = (unsigned)bits;
			break;
		case 'd': o->domain = optarg; break;
		case 's': o->selector = optarg; break;
		case 'o': o->out = optarg; break;
		case 'T': o->testing = true; break;
		default: return cli_usage(&cli_keygen, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cli_keygen, "unexpected argument \"%s\"", argv[optind]);
	if (o->domain == NULL || o->selector == NULL)
		return cli_usage(&cli_keygen, "-d DOMAIN and -s SELECTOR are required");
	if (!sg_domain_valid(o->domain, strlen(o->domain)))
		return cli_usage(&cli_keygen, "invalid domain \"%s\"", o->domain);
	if (!sg_selector_valid(o->selector, strlen(o->selector)))
		return cli_usage(&cli_keygen, "invalid selector \"%s\"", o->selector);
	return CLI_EXIT_OK;
}

static int run_keygen(int argc, char **argv)
{
	struct keygen_opts o;
	struct sg_privkey *key = NULL;
	struct sg_error err = { 0 };
	char path[4096];
	int rc = parse_keygen(argc, argv, &o);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (o.out == NULL) {
		snprintf(path, sizeof(path), "%s.key", o.selector);
		o.out = path;
	}
	if (sg_privkey_generate(o.type, o.bits, &key, &err) != SG_OK)
		return cli_fail("cannot generate the key: %s", err.msg);
	if (sg_privkey_write(key, o.out, &err) != SG_OK)
		rc = cli_fail("%s", err.msg);
	else
		rc = cli_print_record(key, o.domain, o.selector, o.testing, false, false);
	sg_privkey_free(key);
	return rc;
}
