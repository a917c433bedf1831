/*
 * NAME
 *   cmd_sign.c - "signet sign": add DKIM / DomainKeys signatures to a message
 *
 * SUMMARY
 *   Reads one message (file or stdin; LF line ends are taken as CRLF),
 *   makes one DKIM signature per -k/-s pair and optionally a DomainKeys
 *   signature, and writes the signature fields followed by the message
 *   (CRLF line ends, or LF with --lf). Output is reproducible with --time.
 *   Signing goes through a signing backend (--backend, default "auto";
 *   see backend.h): the keys are prepared on it, every digest is
 *   submitted, then flush and poll collect the signatures in any order.
 *   Every backend gives the same bytes, so the output does not depend on
 *   the backend chosen.
 *
 * UNTRUSTED INPUT
 *   The message (limits of struct sg_limits) and the key files.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "cli_common.h"
#include "hash_evp.h"
#include "key.h"
#include "signer.h"

#define MAX_KEYS 4
#define MAX_SLOTS (MAX_KEYS + 1)		/* DKIM signatures + DomainKeys */
#define POLL_ROUNDS 200000		/* x 50 us: a backend that never answers */

static int run_sign(int argc, char **argv);

const struct cli_command cli_sign = {
	"sign", run_sign, "sign a message (DKIM and/or DomainKeys)",
	"signet sign -k KEYFILE -d DOMAIN -s SELECTOR [-a ALG] [-c HDRCANON/BODYCANON] "
	"[-H HEADERLIST] [-i IDENTITY] [-x HOURS] [-l] [-z] [-q] [--time UNIXTIME] "
	"[--dk [--dk-canon simple|nofws] [--dk-headers]] [--dk-only] [--allow-unsafe-key] "
	"[--lf] [--backend auto|evp|ifma|cryptodev[:OPTS]|engine:ID|provider:NAME] [-o OUTFILE] "
	"[FILE|-]\n"
	"       (repeat -k/-s, and -a, to add more DKIM signatures in one pass)",
};

struct sign_opts {
	const char *keyfiles[MAX_KEYS], *selectors[MAX_KEYS], *algs[MAX_KEYS];
	size_t nkeys, nselectors, nalgs;
	const char *domain, *canon, *headerlist, *identity, *output, *input, *dk_canon, *backend;
	uint64_t hours, time;
	bool time_set, length, copy, query, dk, dk_only, dk_headers, unsafe, lf;
};

static int add_to(const char **list, size_t *n, const char *value, const char *what)
{
	if (*n == MAX_KEYS)
		return cli_usage(&cli_sign, "at most %d %s", MAX_KEYS, what);
	list[(*n)++] = value;
	return CLI_EXIT_OK;
}

static int sign_option(struct sign_opts *o, int c)
{
	switch (c) {
	case 'k': return add_to(o->keyfiles, &o->nkeys, optarg, "keys (-k)");
	case 's': return add_to(o->selectors, &o->nselectors, optarg, "selectors (-s)");
	case 'a': return add_to(o->algs, &o->nalgs, optarg, "algorithms (-a)");
	case 'd': o->domain = optarg; break;
	case 'c': o->canon = optarg; break;
	case 'H': o->headerlist = optarg; break;
	case 'i': o->identity = optarg; break;
	case 'o': o->output = optarg; break;
	case 'x':
		if (!cli_parse_u64(optarg, 24ull * 365 * 100, &o->hours) || o->hours == 0)
			return cli_usage(&cli_sign, "bad -x HOURS \"%s\"", optarg);
		break;
	case 'T':
		if (!cli_parse_u64(optarg, INT64_MAX / 2, &o->time))
			return cli_usage(&cli_sign, "bad --time \"%s\"", optarg);
		o->time_set = true;
		break;
	case 'l': o->length = true; break;
	case 'z': o->copy = true; break;
	case 'q': o->query = true; break;
	case 'D': o->dk = true; break;
	case 'O': o->dk = o->dk_only = true; break;
	case 'C': o->dk_canon = optarg; break;
	case 'E': o->dk_headers = true; break;
	case 'U': o->unsafe = true; break;
	case 'L': o->lf = true; break;
	case 'B': o->backend = optarg; break;
	default: return cli_usage(&cli_sign, NULL);
	}
	return CLI_EXIT_OK;
}

static int parse_sign(int argc, char **argv, struct sign_opts *o)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' }, { "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "canon", required_argument, NULL, 'c' },
		{ "headers", required_argument, NULL, 'H' },
		{ "identity", required_argument, NULL, 'i' },
		{ "expire-hours", required_argument, NULL, 'x' },
		{ "output", required_argument, NULL, 'o' }, { "time", required_argument, NULL, 'T' },
		{ "dk", no_argument, NULL, 'D' }, { "dk-only", no_argument, NULL, 'O' },
		{ "dk-canon", required_argument, NULL, 'C' },
		{ "dk-headers", no_argument, NULL, 'E' },
		{ "allow-unsafe-key", no_argument, NULL, 'U' }, { "lf", no_argument, NULL, 'L' },
		{ "backend", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c, rc;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "k:d:s:a:c:H:i:x:o:lzqh", longopts, NULL)) != -1) {
		rc = sign_option(o, c);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	if (argc - optind > 1)
		return cli_usage(&cli_sign, "only one message at a time");
	o->input = optind < argc ? argv[optind] : "-";
	if (o->nkeys == 0 || o->domain == NULL || o->nselectors == 0)
		return cli_usage(&cli_sign, "-k KEYFILE, -d DOMAIN and -s SELECTOR are required");
	if (o->nselectors != o->nkeys)
		return cli_usage(&cli_sign, "give one -s SELECTOR per -k KEYFILE");
	if (o->nalgs > 1 && o->nalgs != o->nkeys)
		return cli_usage(&cli_sign, "give one -a per -k, or a single -a");
	if ((o->dk_canon || o->dk_headers) && !o->dk)
		return cli_usage(&cli_sign, "--dk-canon and --dk-headers need --dk");
	return CLI_EXIT_OK;
}

static int parse_canon(const char *text, enum sg_canon *h, enum sg_canon *b)
{
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);

	*b = SG_CANON_SIMPLE;
	if (!sg_canon_parse(text, hlen, false, h) ||
	    (slash && !sg_canon_parse(slash + 1, strlen(slash + 1), false, b)))
		return cli_usage(&cli_sign, "bad -c \"%s\" (simple|relaxed[/simple|relaxed])", text);
	return CLI_EXIT_OK;
}

/* Fills the DKIM request for key i. */
static int dkim_request(const struct sign_opts *o, size_t i, const struct sg_privkey *key,
			struct sg_sign_request *r)
{
	const char *alg = o->nalgs == 0 ? NULL : o->algs[o->nalgs == 1 ? 0 : i];
	int rc = parse_canon(o->canon ? o->canon : "relaxed/relaxed", &r->hcanon, &r->bcanon);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (alg == NULL)
		r->alg = sg_privkey_type(key) == SG_KEY_ED25519 ? SG_ALG_ED25519_SHA256
								 : SG_ALG_RSA_SHA256;
	else if (!sg_alg_parse(alg, strlen(alg), &r->alg))
		return cli_usage(&cli_sign, "unknown algorithm \"%s\"", alg);
	if (!sg_privkey_supports(key, r->alg))
		return cli_fail("%s cannot sign %s", o->keyfiles[i], sg_alg_name(r->alg));
	r->kind = SG_KIND_DKIM;
	r->selector = o->selectors[i];
	r->identity = o->identity;
	r->headerlist = o->headerlist;
	r->lifetime = o->hours * 3600;
	r->body_length = o->length;
	r->copy_headers = o->copy;
	r->query_method = o->query;
	return CLI_EXIT_OK;
}

static int dk_request(const struct sign_opts *o, const struct sg_privkey *key,
		      struct sg_sign_request *r)
{
	const char *canon = o->dk_canon ? o->dk_canon : "nofws";

	if (sg_privkey_type(key) != SG_KEY_RSA)
		return cli_fail("DomainKeys needs an RSA key; %s is not one", o->keyfiles[0]);
	if (!sg_canon_parse(canon, strlen(canon), true, &r->hcanon))
		return cli_usage(&cli_sign, "bad --dk-canon \"%s\" (simple|nofws)", canon);
	r->kind = SG_KIND_DOMAINKEYS;
	r->alg = SG_ALG_RSA_SHA1;
	r->selector = o->selectors[0];
	r->list_headers = o->dk_headers;
	return CLI_EXIT_OK;
}

/* Collects n completions; each cookie is the signature's slot number + 1. */
static int collect_signatures(struct sg_backend *b, struct sg_signer *signer, size_t n)
{
	const struct timespec pause = { 0, 50 * 1000 };
	struct sg_sign_done done[MAX_SLOTS];
	struct sg_error err = { 0 };
	size_t got = 0;

	for (long round = 0; got < n; round++) {
		size_t k = sg_backend_poll(b, done, n - got < MAX_SLOTS ? n - got : MAX_SLOTS);

		if (k == 0 && round > POLL_ROUNDS)
			return cli_fail("backend %s did not return %zu signature(s)",
					sg_backend_name(b), n - got);
		if (k == 0)
			nanosleep(&pause, NULL);
		for (size_t i = 0; i < k; i++) {
			size_t slot = (size_t)(uintptr_t)done[i].cookie - 1;

			if (slot >= n)
				return cli_fail("backend %s returned an unknown job",
						sg_backend_name(b));
			if (done[i].status != SG_OK)
				return cli_fail("cannot sign (backend %s): %s", sg_backend_name(b),
						done[i].error);
			if (sg_signer_set_signature(signer, slot, done[i].sig, done[i].sig_len,
						    &err) != SG_OK)
				return cli_fail("cannot sign: %s", err.msg);
		}
		got += k;
	}
	return CLI_EXIT_OK;
}

/* Runs the signer over the message and has the backend sign the digests. */
static int sign_message(struct sg_signer *signer, struct sg_backend *b,
			struct sg_privkey **slot_keys, const struct sign_opts *o,
			const struct sg_buf *msg)
{
	struct sg_error err = { 0 };
	size_t off = 0, dlen, n;
	enum sg_alg alg;

	while (off < msg->len) {
		size_t chunk = msg->len - off < 65536 ? msg->len - off : 65536;

		if (sg_signer_feed(signer, msg->data + off, chunk, &err) != SG_OK)
			return cli_fail("%s: %s", o->input, err.msg);
		off += chunk;
	}
	if (sg_signer_finish(signer, &err) != SG_OK)
		return cli_fail("%s: %s", o->input, err.msg);
	n = sg_signer_count(signer);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *digest = sg_signer_digest(signer, i, &dlen, &alg);

		if (digest == NULL)
			return cli_fail("cannot sign: no digest for signature %zu", i + 1);
		if (sg_backend_submit(b, slot_keys[i], alg, digest, dlen, (void *)(uintptr_t)(i + 1),
				      &err) != SG_OK)
			return cli_fail("cannot sign: %s", err.msg);
	}
	sg_backend_flush(b);
	return collect_signatures(b, signer, n);
}

/* Opens the backend and prepares every key on it. */
static int open_backend(const struct sign_opts *o, struct sg_privkey **keys,
			struct sg_backend **b)
{
	const char *spec = o->backend ? o->backend : "auto";
	struct sg_error err = { 0 };

	if (sg_backend_open(spec, b, &err) != SG_OK)
		return cli_fail("%s", err.msg);	/* names the spec */
	for (size_t i = 0; i < o->nkeys; i++) {
		if (sg_backend_prepare(*b, keys[i], &err) != SG_OK)
			return cli_fail("%s: %s", o->keyfiles[i], err.msg);
	}
	return CLI_EXIT_OK;
}

/* Signature fields, then the message, with the chosen line ends. */
static int write_signed(const struct sg_signer *signer, const struct sign_opts *o,
			const struct sg_buf *msg)
{
	struct sg_buf head, out;
	int rc = CLI_EXIT_OK;

	sg_buf_init(&head, SIZE_MAX);
	sg_buf_init(&out, SIZE_MAX);
	if (sg_signer_headers(signer, &head) != SG_OK ||
	    !cli_line_ends(head.data, head.len, o->lf, &out) ||
	    !cli_line_ends(sg_buf_cstr(msg), msg->len, o->lf, &out))
		rc = cli_fail("out of memory");
	else if (!cli_write_output(o->output, sg_buf_cstr(&out), out.len))
		rc = CLI_EXIT_USAGE;
	sg_buf_free(&head);
	sg_buf_free(&out);
	return rc;
}

/* Adds the requests; slot_keys[i] is the key of the i-th request. */
static int add_requests(struct sg_signer *signer, struct sg_privkey **keys,
			struct sg_privkey **slot_keys, const struct sign_opts *o)
{
	struct sg_error err = { 0 };
	int64_t now = o->time_set ? (int64_t)o->time : (int64_t)time(NULL);
	size_t slot = 0;
	int rc;

	for (size_t i = 0; i < o->nkeys && !o->dk_only; i++) {
		struct sg_sign_request r = { .domain = o->domain, .timestamp = now };

		rc = dkim_request(o, i, keys[i], &r);
		if (rc != CLI_EXIT_OK)
			return rc;
		if (sg_signer_add(signer, &r, &err) != SG_OK)
			return cli_fail("%s", err.msg);
		slot_keys[slot++] = keys[i];
	}
	if (o->dk) {
		struct sg_sign_request r = { .domain = o->domain, .timestamp = -1 };

		rc = dk_request(o, keys[0], &r);
		if (rc != CLI_EXIT_OK)
			return rc;
		if (sg_signer_add(signer, &r, &err) != SG_OK)
			return cli_fail("%s", err.msg);
		slot_keys[slot] = keys[0];
	}
	return CLI_EXIT_OK;
}

static int run_sign(int argc, char **argv)
{
	struct sign_opts o;
	struct sg_privkey *keys[MAX_KEYS] = { NULL }, *slot_keys[MAX_SLOTS];
	struct sg_backend *backend = NULL;
	struct sg_limits lim;
	struct sg_signer *signer = NULL;
	struct sg_error err = { 0 };
	struct sg_buf msg;
	int rc = parse_sign(argc, argv, &o);

	if (rc != CLI_EXIT_OK)
		return rc;
	sg_limits_default(&lim);
	sg_buf_init(&msg, lim.max_message_bytes);
	for (size_t i = 0; i < o.nkeys && rc == CLI_EXIT_OK; i++) {
		if (sg_privkey_load(o.keyfiles[i], o.unsafe, &keys[i], &err) != SG_OK)
			rc = cli_fail("%s", err.msg);
	}
	if (rc == CLI_EXIT_OK)
		rc = open_backend(&o, keys, &backend);
	if (rc == CLI_EXIT_OK && !cli_read_input(o.input, lim.max_message_bytes, &msg))
		rc = CLI_EXIT_USAGE;
	if (rc == CLI_EXIT_OK) {
		signer = sg_signer_new(sg_hash_evp(), &lim, true);
		rc = signer ? add_requests(signer, keys, slot_keys, &o) : cli_fail("out of memory");
	}
	if (rc == CLI_EXIT_OK)
		rc = sign_message(signer, backend, slot_keys, &o, &msg);
	if (rc == CLI_EXIT_OK)
		rc = write_signed(signer, &o, &msg);
	sg_signer_free(signer);
	sg_backend_close(backend);	/* before the keys: it may hold copies of them */
	for (size_t i = 0; i < o.nkeys; i++)
		sg_privkey_free(keys[i]);
	sg_buf_free(&msg);
	return rc;
}
