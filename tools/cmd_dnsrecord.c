/*
 * NAME
 *   cmd_dnsrecord.c - "signet dns-record": the TXT record of an existing key
 *
 * SUMMARY
 *   Loads a private key (refusing unsafe permissions unless told) and prints
 *   its record as a DNS table line, or with --zone as a zone-file entry
 *   split into strings of at most 255 characters; --dk gives the
 *   DomainKeys form, --testing adds t=y.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "dnsrecord.h"
#include "domain.h"
#include "key.h"

static int run_dns_record(int argc, char **argv);

const struct cli_command cli_dns_record = {
	"dns-record", run_dns_record, "print the DNS TXT record of a key",
	"signet dns-record -k KEYFILE -d DOMAIN -s SELECTOR [--zone] [--testing] [--dk] "
	"[--allow-unsafe-key]",
};

int cli_print_record(const struct sg_privkey *key, const char *domain, const char *selector,
		     bool testing, bool domainkeys, bool zone)
{
	struct sg_buf value, name, line;
	struct sg_error err = { 0 };
	int rc = CLI_EXIT_OK;

	sg_buf_init(&value, 16384);
	sg_buf_init(&name, 1024);
	sg_buf_init(&line, 32768);
	if (sg_dns_record(key, testing, domainkeys, &value, &err) != SG_OK)
		rc = cli_fail("cannot make the DNS record: %s", err.msg);
	else if (zone && sg_dns_zone_line(selector, domain, sg_buf_cstr(&value), &line) != SG_OK)
		rc = cli_fail("cannot make the zone-file line");
	else if (!zone && sg_dns_record_name(selector, domain, &name) != SG_OK)
		rc = cli_fail("cannot make the record name");
	else if (zone)
		printf("%s\n", sg_buf_cstr(&line));
	else
		printf("%s %s\n", sg_buf_cstr(&name), sg_buf_cstr(&value));
	sg_buf_free(&value);
	sg_buf_free(&name);
	sg_buf_free(&line);
	return rc;
}

static int run_dns_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' }, { "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' }, { "zone", no_argument, NULL, 'Z' },
		{ "testing", no_argument, NULL, 'T' }, { "dk", no_argument, NULL, 'D' },
		{ "allow-unsafe-key", no_argument, NULL, 'U' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *domain = NULL, *selector = NULL;
	bool zone = false, testing = false, dk = false, unsafe = false;
	struct sg_privkey *key = NULL;
	struct sg_error err = { 0 };
	int c, rc;

	while ((c = getopt_long(argc, argv, "k:d:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'd': domain = optarg; break;
		case 's': selector = optarg; break;
		case 'Z': zone = true; break;
		case 'T': testing = true; break;
		case 'D': dk = true; break;
		case 'U': unsafe = true; break;
		default: return cli_usage(&cli_dns_record, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cli_dns_record, "unexpected argument \"%s\"", argv[optind]);
	if (keyfile == NULL || domain == NULL || selector == NULL)
		return cli_usage(&cli_dns_record, "-k KEYFILE, -d DOMAIN and -s SELECTOR are required");
	if (!sg_domain_valid(domain, strlen(domain)))
		return cli_usage(&cli_dns_record, "invalid domain \"%s\"", domain);
	if (!sg_selector_valid(selector, strlen(selector)))
		return cli_usage(&cli_dns_record, "invalid selector \"%s\"", selector);
	if (sg_privkey_load(keyfile, unsafe, &key, &err) != SG_OK)
		return cli_fail("%s", err.msg);
	if (dk && sg_privkey_type(key) != SG_KEY_RSA)
		rc = cli_fail("DomainKeys needs an RSA key; %s is Ed25519", keyfile);
	else
		rc = cli_print_record(key, domain, selector, testing, dk, zone);
	sg_privkey_free(key);
	return rc;
}
