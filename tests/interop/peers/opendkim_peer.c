/*
 * NAME
 *   opendkim_peer.c - DKIM signer/verifier peer built on libopendkim
 *
 * SUMMARY
 *   opendkim_peer features
 *   opendkim_peer sign --key KEYFILE --domain D --selector S [--alg A]
 *                 [--canon HDR/BODY] [--headers H1:H2:...] [--length]
 *                 [--expire SECS] [--ztags] [--identity I] [--time T]
 *                 < message > signed-message
 *   opendkim_peer verify --keys TABLE < message
 *
 * CONTRACT
 *   Same command line and exit codes as the other interop peers
 *   (tests/interop/conftest.py): 0 done / a signature passed, 1 no
 *   signature passed, 2 usage, I/O or library error, 3 the request needs a
 *   feature this libopendkim lacks ("unsupported: ..." on stderr; callers
 *   skip, never pass). The message (CRLF lines) is read whole from stdin
 *   and fed to the library with dkim_chunk().
 *   sign prepends the DKIM-Signature header that dkim_getsighdr_d() builds.
 *   --headers selects the fields to sign (dkim_signhdrs(); the library
 *   signs every instance present, From always); a name given twice is also
 *   oversigned (DKIM_OPTS_OVERSIGNHDRS: h= lists it once more than the
 *   message has copies, so an added copy breaks the signature). --length sets
 *   DKIM_LIBFLAGS_SIGNLEN (l=), --ztags DKIM_LIBFLAGS_ZTAGS (z=), --expire
 *   DKIM_OPTS_SIGNATURETTL (x= = t + SECS), --time DKIM_OPTS_FIXEDTIME (t=),
 *   --identity dkim_set_signer() (i=). No DomainKeys: --dk exits 3.
 *   verify reads keys with DKIM_QUERY_FILE from TABLE, whose "NAME value"
 *   lines (name, whitespace, TXT value) are the format the library's file
 *   query method reads, and prints one line per signature in header order:
 *     dkim RESULT d=DOMAIN s=SELECTOR a=ALG [(DETAIL)]
 *   RESULT is pass (header and body hash verified), fail (signature or
 *   body hash mismatch), temperror (key lookup failed) or permerror (any
 *   other library error); DETAIL is the library's error string.
 *
 * UNTRUSTED INPUT
 *   The message on stdin (at most MESSAGE_MAX bytes) and the key table;
 *   both are handed to libopendkim, which parses them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <dkim.h>

enum peer_exit {
	EXIT_DONE = 0,
	EXIT_NOPASS = 1,
	EXIT_USAGE = 2,
	EXIT_UNSUPPORTED = 3,
};

#define MESSAGE_MAX (64u << 20)
#define KEYFILE_MAX (64u << 10)
#define HEADERS_MAX 64

struct peer_options {
	const char *command;
	const char *key;
	const char *domain;
	const char *selector;
	const char *alg;
	const char *canon;
	const char *headers;
	const char *identity;
	const char *keys;
	uint64_t fixed_time;
	uint64_t expire;
	bool length;
	bool ztags;
	bool dk;
};

/* --headers split into the fields to sign and those named more than once,
 * which are oversigned (DKIM_OPTS_OVERSIGNHDRS); both lists NULL-terminated. */
struct header_selection {
	char *buf;
	const char *sign[HEADERS_MAX];
	const char *oversign[HEADERS_MAX];
};

struct name_code {
	const char *name;
	int code;
};

static const struct name_code algorithm_names[] = {
	{ "rsa-sha1", DKIM_SIGN_RSASHA1 },
	{ "rsa-sha256", DKIM_SIGN_RSASHA256 },
	{ "ed25519-sha256", DKIM_SIGN_ED25519SHA256 },
	{ NULL, 0 },
};

static const struct name_code canon_names[] = {
	{ "simple", DKIM_CANON_SIMPLE },
	{ "relaxed", DKIM_CANON_RELAXED },
	{ NULL, 0 },
};

__attribute__((format(printf, 2, 3)))
static int complain(enum peer_exit status, const char *fmt, ...)
{
	va_list ap;

	fputs("opendkim_peer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

/* Returns the code for name (compared up to len bytes), or -1. */
static int code_of(const struct name_code *table, const char *name, size_t len)
{
	for (; table->name != NULL; table++)
		if (strlen(table->name) == len && strncmp(table->name, name, len) == 0)
			return table->code;
	return -1;
}

static bool algorithm_available(DKIM_LIB *lib, int alg)
{
	return alg != DKIM_SIGN_ED25519SHA256 ||
	       dkim_libfeature(lib, DKIM_FEATURE_ED25519);
}

/* Reads all of f (at most limit bytes) into a NUL-terminated buffer. */
static unsigned char *read_all(FILE *f, size_t limit, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	unsigned char *buf = malloc(cap + 1), *bigger;

	while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n < cap)
			continue;
		if (cap >= limit) {
			free(buf);
			return NULL;
		}
		cap *= 2;
		bigger = realloc(buf, cap + 1);
		if (bigger == NULL)
			free(buf);
		buf = bigger;
	}
	if (buf == NULL || ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static unsigned char *read_file(const char *path, size_t limit, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;

	if (f == NULL)
		return NULL;
	data = read_all(f, limit, len);
	fclose(f);
	return data;
}

static int parse_options(int argc, char **argv, struct peer_options *opt)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "alg", required_argument, NULL, 'a' },
		{ "canon", required_argument, NULL, 'c' },
		{ "headers", required_argument, NULL, 'H' },
		{ "identity", required_argument, NULL, 'i' },
		{ "keys", required_argument, NULL, 'K' },
		{ "time", required_argument, NULL, 't' },
		{ "expire", required_argument, NULL, 'x' },
		{ "length", no_argument, NULL, 'l' },
		{ "ztags", no_argument, NULL, 'z' },
		{ "dk", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (argc < 2)
		return complain(EXIT_USAGE, "usage: %s features|sign|verify [options]",
				argv[0]);
	opt->command = argv[1];
	opt->alg = "rsa-sha256";
	opt->canon = "relaxed/relaxed";
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': opt->key = optarg; break;
		case 'd': opt->domain = optarg; break;
		case 's': opt->selector = optarg; break;
		case 'a': opt->alg = optarg; break;
		case 'c': opt->canon = optarg; break;
		case 'H': opt->headers = optarg; break;
		case 'i': opt->identity = optarg; break;
		case 'K': opt->keys = optarg; break;
		case 't': opt->fixed_time = strtoull(optarg, NULL, 10); break;
		case 'x': opt->expire = strtoull(optarg, NULL, 10); break;
		case 'l': opt->length = true; break;
		case 'z': opt->ztags = true; break;
		case 'D': opt->dk = true; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return complain(EXIT_USAGE, "unexpected argument %s", argv[optind]);
	return EXIT_DONE;
}

static int cmd_features(DKIM_LIB *lib)
{
	const struct name_code *alg;

	fputs("algorithms:", stdout);
	for (alg = algorithm_names; alg->name != NULL; alg++)
		if (algorithm_available(lib, alg->code))
			printf(" %s", alg->name);
	printf("\ncanonicalizations: simple relaxed\n");
	printf("sign-options: headers length identity time expire ztags\n");
	printf("verify: dkim\n");
	return EXIT_DONE;
}

/* Sets one library option; returns true on success. */
static bool set_option(DKIM_LIB *lib, dkim_opts_t name, const void *value,
		       size_t len)
{
	return dkim_options(lib, DKIM_OP_SETOPT, name, (void *)value, len) ==
	       DKIM_STAT_OK;
}

/* Applies the library-wide signing options (t=, x=, l=, z=, oversigning). */
static int set_sign_options(DKIM_LIB *lib, const struct peer_options *opt,
			    const struct header_selection *sel)
{
	unsigned int flags = DKIM_LIBFLAGS_DEFAULT;
	bool ok;

	if (opt->length)
		flags |= DKIM_LIBFLAGS_SIGNLEN;
	if (opt->ztags)
		flags |= DKIM_LIBFLAGS_ZTAGS;
	ok = set_option(lib, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
	if (ok && opt->fixed_time != 0)
		ok = set_option(lib, DKIM_OPTS_FIXEDTIME, &opt->fixed_time,
				sizeof(opt->fixed_time));
	if (ok && opt->expire != 0)
		ok = set_option(lib, DKIM_OPTS_SIGNATURETTL, &opt->expire,
				sizeof(opt->expire));
	if (ok && sel->oversign[0] != NULL)
		ok = set_option(lib, DKIM_OPTS_OVERSIGNHDRS, sel->oversign,
				sizeof(char **));
	return ok ? EXIT_DONE : complain(EXIT_USAGE, "dkim_options failed");
}

static bool listed(const char *const *names, const char *name)
{
	for (; *names != NULL; names++)
		if (strcasecmp(*names, name) == 0)
			return true;
	return false;
}

/* Splits "A:B:C" into sel; returns false when it is empty or too long. */
static bool select_headers(const char *list, struct header_selection *sel)
{
	size_t nsign = 0, nover = 0;
	char *save = NULL, *name;

	sel->sign[0] = sel->oversign[0] = NULL;
	sel->buf = list ? strdup(list) : NULL;
	if (sel->buf == NULL)
		return list == NULL;
	for (name = strtok_r(sel->buf, ":", &save); name != NULL;
	     name = strtok_r(NULL, ":", &save)) {
		const char **to = sel->sign;
		size_t *n = &nsign;

		if (listed(sel->sign, name)) {
			if (listed(sel->oversign, name))
				continue;
			to = sel->oversign;
			n = &nover;
		}
		if (*n + 1 >= HEADERS_MAX)
			return false;
		to[(*n)++] = name;
		to[*n] = NULL;
	}
	return nsign > 0;
}

/* Creates the signing handle; returns EXIT_DONE and *out, or an exit code. */
static int new_signer(DKIM_LIB *lib, const struct peer_options *opt,
		      const unsigned char *key, DKIM **out)
{
	const char *slash = strchr(opt->canon, '/');
	size_t hlen = slash ? (size_t)(slash - opt->canon) : strlen(opt->canon);
	int hc = code_of(canon_names, opt->canon, hlen);
	int bc = slash ? code_of(canon_names, slash + 1, strlen(slash + 1))
		       : DKIM_CANON_SIMPLE;
	int alg = code_of(algorithm_names, opt->alg, strlen(opt->alg));
	DKIM_STAT st;

	if (hc < 0 || bc < 0)
		return complain(EXIT_USAGE, "bad --canon %s", opt->canon);
	if (alg < 0 || !algorithm_available(lib, alg))
		return complain(EXIT_UNSUPPORTED, "unsupported: libopendkim lacks %s",
				opt->alg);
	*out = dkim_sign(lib, (const unsigned char *)"peer", NULL,
			 (dkim_sigkey_t)key,
			 (const unsigned char *)opt->selector,
			 (const unsigned char *)opt->domain, hc, bc, alg, -1, &st);
	if (*out == NULL)
		return complain(EXIT_USAGE, "dkim_sign: %s", dkim_getresultstr(st));
	return EXIT_DONE;
}

/* Feeds the whole message to a handle and finishes it. */
static DKIM_STAT feed_message(DKIM *dkim, unsigned char *msg, size_t len)
{
	DKIM_STAT st = dkim_chunk(dkim, msg, len);

	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		st = dkim_chunk(dkim, NULL, 0);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		st = dkim_eom(dkim, NULL);
	return st;
}

/* Writes a library-built header with every line ending made CRLF. */
static void write_crlf_header(const char *name, const unsigned char *value,
			      size_t len)
{
	size_t i;

	printf("%s: ", name);
	for (i = 0; i < len; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			putchar('\r');
		putchar(value[i]);
	}
	fputs("\r\n", stdout);
}

static int sign_message(DKIM *dkim, const struct peer_options *opt,
			const struct header_selection *sel, unsigned char *msg,
			size_t len)
{
	unsigned char *sighdr;
	size_t siglen;
	DKIM_STAT st;

	if (sel->sign[0] != NULL)
		dkim_signhdrs(dkim, (const char **)sel->sign);
	if (opt->identity != NULL &&
	    dkim_set_signer(dkim, (const u_char *)opt->identity) != DKIM_STAT_OK)
		return complain(EXIT_USAGE, "bad --identity %s", opt->identity);
	st = feed_message(dkim, msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_getsighdr_d(dkim, strlen(DKIM_SIGNHEADER) + 2, &sighdr,
				      &siglen);
	if (st != DKIM_STAT_OK)
		return complain(EXIT_USAGE, "signing failed: %s", dkim_geterror(dkim));
	write_crlf_header(DKIM_SIGNHEADER, sighdr, siglen);
	fwrite(msg, 1, len, stdout);
	return EXIT_DONE;
}

static int cmd_sign(DKIM_LIB *lib, const struct peer_options *opt,
		    unsigned char *msg, size_t len)
{
	struct header_selection sel;
	unsigned char *key;
	size_t keylen;
	DKIM *dkim = NULL;
	int status;

	if (opt->key == NULL || opt->domain == NULL || opt->selector == NULL)
		return complain(EXIT_USAGE, "sign needs --key, --domain, --selector");
	if (opt->dk)
		return complain(EXIT_UNSUPPORTED,
				"unsupported: libopendkim has no DomainKeys signer");
	if (!select_headers(opt->headers, &sel)) {
		free(sel.buf);
		return complain(EXIT_USAGE, "bad --headers %s", opt->headers);
	}
	key = read_file(opt->key, KEYFILE_MAX, &keylen);
	if (key == NULL)
		status = complain(EXIT_USAGE, "cannot read key %s", opt->key);
	else
		status = set_sign_options(lib, opt, &sel);
	if (status == EXIT_DONE)
		status = new_signer(lib, opt, key, &dkim);
	if (status == EXIT_DONE)
		status = sign_message(dkim, opt, &sel, msg, len);
	if (dkim != NULL)
		dkim_free(dkim);
	free(key);
	free(sel.buf);
	return status;
}

static const char *result_of(DKIM_SIGINFO *sig)
{
	switch (dkim_sig_geterror(sig)) {
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_BADSIG:
		return "fail";
	case DKIM_SIGERROR_KEYFAIL:
		return "temperror";
	default:
		return "permerror";
	}
}

static void print_signature(DKIM_SIGINFO *sig)
{
	const unsigned char *domain = dkim_sig_getdomain(sig);
	const unsigned char *selector = dkim_sig_getselector(sig);
	const unsigned char *alg = dkim_sig_gettagvalue(sig, false,
							   (u_char *)"a");
	const char *detail = dkim_sig_geterrorstr(dkim_sig_geterror(sig));
	const char *result;

	if (DKIM_SIG_CHECK(sig)) {
		result = "pass";
		detail = NULL;
	} else if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) {
		result = "fail";
		detail = "body hash mismatch";
	} else {
		result = result_of(sig);
	}
	printf("dkim %s d=%s s=%s a=%s", result,
	       domain ? (const char *)domain : "?",
	       selector ? (const char *)selector : "?",
	       alg ? (const char *)alg : "?");
	if (detail != NULL)
		printf(" (%s)", detail);
	putchar('\n');
}

static int cmd_verify(DKIM_LIB *lib, const struct peer_options *opt,
		      unsigned char *msg, size_t len)
{
	dkim_query_t method = DKIM_QUERY_FILE;
	unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES;
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0, i, status = EXIT_NOPASS;
	DKIM_STAT st;
	DKIM *dkim;

	if (opt->keys == NULL)
		return complain(EXIT_USAGE, "verify needs --keys");
	if (!set_option(lib, DKIM_OPTS_QUERYMETHOD, &method, sizeof(method)) ||
	    !set_option(lib, DKIM_OPTS_QUERYINFO, opt->keys, strlen(opt->keys) + 1) ||
	    !set_option(lib, DKIM_OPTS_FLAGS, &flags, sizeof(flags)))
		return complain(EXIT_USAGE, "dkim_options failed");
	dkim = dkim_verify(lib, (const unsigned char *)"peer", NULL, &st);
	if (dkim == NULL)
		return complain(EXIT_USAGE, "dkim_verify: %s", dkim_getresultstr(st));
	(void)feed_message(dkim, msg, len);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK)
		nsigs = 0;
	for (i = 0; i < nsigs; i++) {
		print_signature(sigs[i]);
		if (DKIM_SIG_CHECK(sigs[i]))
			status = EXIT_DONE;
	}
	if (nsigs == 0)
		printf("none\n");
	dkim_free(dkim);
	return status;
}

int main(int argc, char **argv)
{
	struct peer_options opt = { 0 };
	unsigned char *msg = NULL;
	size_t len = 0;
	DKIM_LIB *lib;
	int status = parse_options(argc, argv, &opt);

	if (status != EXIT_DONE)
		return status;
	lib = dkim_init(NULL, NULL);
	if (lib == NULL)
		return complain(EXIT_USAGE, "dkim_init failed");
	if (strcmp(opt.command, "features") == 0) {
		status = cmd_features(lib);
	} else if (strcmp(opt.command, "sign") == 0 ||
		   strcmp(opt.command, "verify") == 0) {
		msg = read_all(stdin, MESSAGE_MAX, &len);
		if (msg == NULL)
			status = complain(EXIT_USAGE, "cannot read message");
		else if (opt.command[0] == 's')
			status = cmd_sign(lib, &opt, msg, len);
		else
			status = cmd_verify(lib, &opt, msg, len);
	} else {
		status = complain(EXIT_USAGE, "unknown command %s", opt.command);
	}
	free(msg);
	dkim_close(lib);
	return status;
}
