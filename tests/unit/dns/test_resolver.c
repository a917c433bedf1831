/*
 * NAME
 *   test_resolver.c - unit tests for dataplane/dns/resolver.c
 *
 * SUMMARY
 *   Starts tests/dnsserver.py (a real DNS server on 127.0.0.1, and on ::1
 *   when the machine has IPv6 loopback) with a table written here plus two
 *   corpus key tables, and asks it through the resolver: short values,
 *   values split into several character-strings, a value too big for UDP
 *   (TCP fallback), CNAME answers, case-insensitive names, NXDOMAIN,
 *   NODATA, SERVFAIL, REFUSED, a server that never answers (1-second
 *   timeout, 1 attempt), a closed port, a malformed answer, the output
 *   cap, unqueryable names, bad server strings and limits, and concurrent
 *   resolvers in threads. Exits 77 (skipped) when /usr/bin/python3 or
 *   python3-dnspython is missing. Only loopback addresses are contacted.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "resolver.h"

#define PYTHON "/usr/bin/python3"
#define SERVER_START_MS 20000

static const char *const rfc6376_key =
	"v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7"
	"/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fz"
	"fVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB";

/* The test servers, started once for the whole group. */
static struct {
	char table[64];
	pid_t pid4, pid6;
	int port4, port6;	/* 0: not running */
	char addr4[64], addr6[64];
	char long300[301], long2000[2001];
} srv;

static void fill_pattern(char *out, size_t n, unsigned seed)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=; ";

	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[(i * 7 + seed + i / 13) % (sizeof(alphabet) - 1)];
	out[n] = '\0';
	out[0] = 'v';	/* no leading space: the table format trims it */
}

static void write_table(void)
{
	FILE *f;
	int fd;

	fill_pattern(srv.long300, 300, 1);
	fill_pattern(srv.long2000, 2000, 2);
	snprintf(srv.table, sizeof(srv.table), "/tmp/signet-dns-table-XXXXXX");
	fd = mkstemp(srv.table);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "# written by test_resolver.c\n");
	fprintf(f, "short.example v=DKIM1; k=rsa; p=short\n");
	fprintf(f, "Mixed.Case.Example mixed value\n");
	fprintf(f, "long300.example %s\n", srv.long300);
	fprintf(f, "long2000.example %s\n", srv.long2000);
	assert_int_equal(fclose(f), 0);
}

/* Reads the port line the server prints once it listens; 0 on failure. */
static int read_port(int fd)
{
	char line[32];
	size_t len = 0;
	struct pollfd p = { fd, POLLIN, 0 };

	while (len < sizeof(line) - 1) {
		ssize_t n;

		if (poll(&p, 1, SERVER_START_MS) <= 0)
			return 0;
		n = read(fd, line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
		line[len] = '\0';
		if (strchr(line, '\n') != NULL)
			return atoi(line);
	}
	return 0;
}

/* Starts dnsserver.py on address; returns its port, 0 when it did not start. */
static int start_server(const char *address, pid_t *pid)
{
	const char *script = tu_srcdir("tests/dnsserver.py");
	const char *mail_dkim = tu_testdata("mail-dkim/keys.txt");
	const char *rfc = tu_testdata("rfc-examples/keys.txt");
	int fds[2], port, status;

	assert_int_equal(pipe(fds), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(PYTHON, PYTHON, script, "--address", address, "--port", "0", "--table",
		      srv.table, "--table", mail_dkim, "--table", rfc, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	port = read_port(fds[0]);
	close(fds[0]);
	if (port <= 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, &status, 0);
		*pid = 0;
	}
	return port;
}

/* Stops a server; true when it exited with status 0 on SIGTERM. */
static bool stop_server(pid_t *pid)
{
	int status;

	if (*pid <= 0)
		return true;
	kill(*pid, SIGTERM);
	if (waitpid(*pid, &status, 0) != *pid)
		return false;
	*pid = 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int group_setup(void **state)
{
	(void)state;
	write_table();
	srv.port4 = start_server("127.0.0.1", &srv.pid4);
	if (srv.port4 == 0)
		return -1;
	snprintf(srv.addr4, sizeof(srv.addr4), "127.0.0.1:%d", srv.port4);
	srv.port6 = start_server("::1", &srv.pid6);
	if (srv.port6 != 0)
		snprintf(srv.addr6, sizeof(srv.addr6), "[::1]:%d", srv.port6);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	stop_server(&srv.pid4);
	stop_server(&srv.pid6);
	unlink(srv.table);
	return 0;
}

static struct sg_resolver *resolver_for(const char *server, unsigned timeout_ms,
					unsigned attempts)
{
	struct sg_resolver_config cfg = { server, timeout_ms, attempts };
	struct sg_resolver *r = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_resolver_new(&cfg, &r, &err) != SG_OK)
		fail_msg("sg_resolver_new(%s): %s", server, err.msg);
	assert_non_null(r);
	return r;
}

static enum sg_lookup_status ask(struct sg_resolver *r, const char *name, char *txt, size_t cap,
				 char *why, size_t why_cap)
{
	struct sg_key_lookup lookup = sg_resolver_lookup(r);

	if (why != NULL && why_cap > 0)
		why[0] = '\0';
	return lookup.lookup(lookup.env, name, txt, cap, why, why_cap);
}

static void assert_answer(struct sg_resolver *r, const char *name, const char *want)
{
	char txt[4096], why[160];

	if (ask(r, name, txt, sizeof(txt), why, sizeof(why)) != SG_LOOKUP_OK)
		fail_msg("%s: lookup failed: %s", name, why);
	assert_string_equal(txt, want);
}

/* Asserts the status and that why holds fragment. */
static void assert_failure(struct sg_resolver *r, const char *name, enum sg_lookup_status want,
			   const char *fragment)
{
	char txt[4096], why[160];
	enum sg_lookup_status got = ask(r, name, txt, sizeof(txt), why, sizeof(why));

	if (got != want || strstr(why, fragment) == NULL)
		fail_msg("%s: status %d (want %d), why \"%s\" (want \"%s\")", name, got, want, why,
			 fragment);
}

static void test_values(void **state)
{
	struct sg_resolver *r = resolver_for(srv.addr4, 2000, 2);

	(void)state;
	assert_answer(r, "short.example", "v=DKIM1; k=rsa; p=short");
	/* Two character-strings (255 + 45), joined. */
	assert_answer(r, "long300.example", srv.long300);
	/* Too big for a 512-byte UDP answer: truncated, then TCP. */
	assert_answer(r, "long2000.example", srv.long2000);
	/* Records from the corpus tables the server was given. */
	assert_answer(r, "brisbane._domainkey.example.com", rfc6376_key);
	assert_answer(r, "2023-05-ed25519-empty._domainkey.wander.science", "\"\"");
	sg_resolver_free(r);
}

static void test_names(void **state)
{
	struct sg_resolver *r = resolver_for(srv.addr4, 2000, 2);

	(void)state;
	assert_answer(r, "SHORT.Example", "v=DKIM1; k=rsa; p=short");
	assert_answer(r, "short.example.", "v=DKIM1; k=rsa; p=short");
	assert_answer(r, "mixed.case.example", "mixed value");
	assert_answer(r, "BRISBANE._DOMAINKEY.EXAMPLE.COM", rfc6376_key);
	/* The server answers with a CNAME first, then the target's TXT. */
	assert_answer(r, "short.example.cname.test", "v=DKIM1; k=rsa; p=short");
	assert_answer(r, "long2000.example.cname.test", srv.long2000);
	sg_resolver_free(r);
}

static void test_not_found(void **state)
{
	struct sg_resolver *r = resolver_for(srv.addr4, 2000, 2);

	(void)state;
	assert_failure(r, "absent.example", SG_LOOKUP_NOTFOUND, "NXDOMAIN");
	assert_failure(r, "nonexistent._domainkey.example.com", SG_LOOKUP_NOTFOUND, "NXDOMAIN");
	assert_failure(r, "absent.example.cname.test", SG_LOOKUP_NOTFOUND, "NXDOMAIN");
	assert_failure(r, "sel._domainkey.nodata.test", SG_LOOKUP_NOTFOUND,
		       "no TXT record (NOERROR)");
	sg_resolver_free(r);
}

static void test_server_failures(void **state)
{
	struct sg_resolver *r = resolver_for(srv.addr4, 2000, 2);

	(void)state;
	assert_failure(r, "sel._domainkey.servfail.test", SG_LOOKUP_TEMPFAIL, "SERVFAIL (2 tries)");
	assert_failure(r, "sel._domainkey.refused.test", SG_LOOKUP_TEMPFAIL, "REFUSED (2 tries)");
	assert_failure(r, "sel._domainkey.badanswer.test", SG_LOOKUP_INVALID, "malformed answer");
	/* The resolver still works after failures. */
	assert_answer(r, "short.example", "v=DKIM1; k=rsa; p=short");
	sg_resolver_free(r);
}

static void test_timeout(void **state)
{
	struct sg_resolver *r = resolver_for(srv.addr4, 1000, 1);

	(void)state;
	assert_failure(r, "sel._domainkey.timeout.test", SG_LOOKUP_TEMPFAIL,
		       "timed out after 1 try");
	sg_resolver_free(r);
}

/* A loopback UDP port that nothing listens on (just released). */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_closed_port(void **state)
{
	char server[64];
	struct sg_resolver *r;

	(void)state;
	snprintf(server, sizeof(server), "127.0.0.1:%d", closed_port());
	r = resolver_for(server, 1000, 1);
	assert_failure(r, "short.example", SG_LOOKUP_TEMPFAIL, "connection refused (1 try)");
	sg_resolver_free(r);
}

static void test_output_cap(void **state)
{
	struct sg_resolver *r = resolver_for(srv.addr4, 2000, 2);
	char txt[400], why[160];

	(void)state;
	memset(txt, 'X', sizeof(txt));
	assert_int_equal(ask(r, "long300.example", txt, 301, why, sizeof(why)), SG_LOOKUP_OK);
	assert_string_equal(txt, srv.long300);
	assert_int_equal(ask(r, "long300.example", txt, 300, why, sizeof(why)), SG_LOOKUP_INVALID);
	assert_string_equal(why, "TXT record longer than 299 bytes");
	/* The limit applies within the first string too. */
	assert_int_equal(ask(r, "long300.example", txt, 100, why, sizeof(why)), SG_LOOKUP_INVALID);
	assert_int_equal(ask(r, "short.example", txt, 0, why, sizeof(why)), SG_LOOKUP_INVALID);
	/* No why buffer: still answers. */
	assert_int_equal(ask(r, "absent.example", txt, sizeof(txt), NULL, 0), SG_LOOKUP_NOTFOUND);
	assert_int_equal(ask(r, "short.example", txt, sizeof(txt), NULL, 0), SG_LOOKUP_OK);
	sg_resolver_free(r);
}

static void test_unqueryable_names(void **state)
{
	struct sg_resolver *r = resolver_for(srv.addr4, 2000, 2);
	char label64[80], txt[64], why[160];

	(void)state;
	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".example");
	assert_failure(r, label64, SG_LOOKUP_INVALID, "is not a name that can be queried");
	assert_failure(r, "a..example", SG_LOOKUP_INVALID, "is not a name that can be queried");
	assert_int_equal(ask(r, NULL, txt, sizeof(txt), why, sizeof(why)), SG_LOOKUP_INVALID);
	sg_resolver_free(r);
}

static void test_bad_server_strings(void **state)
{
	static const struct {
		const char *server;
		const char *fragment;
	} bad[] = {
		{ "", "expected IP, IP:PORT or [IPv6]:PORT" },
		{ "dns.example.com", "\"dns.example.com\" is not a numeric IPv4 address" },
		{ "1.2.3", "is not a numeric IPv4 address" },
		{ "256.1.1.1:53", "\"256.1.1.1\" is not a numeric IPv4 address" },
		{ "127.0.0.1:", "port \"\" is not a number" },
		{ "127.0.0.1:0", "port 0 is not from 1 to 65535" },
		{ "127.0.0.1:65536", "port 65536 is not from 1 to 65535" },
		{ "127.0.0.1:123456", "port \"123456\" is not a number" },
		{ "127.0.0.1:-5", "port \"-5\" is not a number" },
		{ "127.0.0.1:53x", "port \"53x\" is not a number" },
		{ ":53", "expected IP, IP:PORT or [IPv6]:PORT" },
		{ "[::1", "'[' without a closing ']'" },
		{ "[::1]53", "only \":PORT\" may follow ']'" },
		{ "[]:53", "expected IP, IP:PORT or [IPv6]:PORT" },
		{ "[127.0.0.1]:53", "\"127.0.0.1\" is not a numeric IPv6 address" },
		{ "::1::2", "is not a numeric IPv6 address" },
		{ "fe80::1%eth0", "is not a numeric IPv6 address" },
	};
	static const char *const good[] = {
		"127.0.0.1", "127.0.0.1:5353", "[::1]:53", "[::1]", "::1", "127.0.0.2:65535",
	};
	struct sg_resolver_config cfg = { NULL, 0, 0 };
	struct sg_resolver *r;
	struct sg_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.server = bad[i].server;
		r = (struct sg_resolver *)&r;
		sg_error_clear(&err);
		assert_int_equal(sg_resolver_new(&cfg, &r, &err), SG_E_ARG);
		assert_null(r);
		if (strstr(err.msg, bad[i].fragment) == NULL ||
		    strncmp(err.msg, "server \"", 8) != 0)
			fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i].server, err.msg,
				 bad[i].fragment);
	}
	/* Creating a resolver sends nothing: these are never contacted. */
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cfg.server = good[i];
		sg_error_clear(&err);
		if (sg_resolver_new(&cfg, &r, &err) != SG_OK)
			fail_msg("\"%s\": %s", good[i], err.msg);
		sg_resolver_free(r);
	}
}

static void test_config_limits(void **state)
{
	struct sg_resolver_config cfg = { "127.0.0.1", 30001, 0 };
	struct sg_resolver *r = NULL;
	struct sg_error err;

	(void)state;
	sg_error_clear(&err);
	assert_int_equal(sg_resolver_new(&cfg, &r, &err), SG_E_ARG);
	assert_string_equal(err.msg, "resolver timeout 30001 ms is over 30000 ms");
	cfg.timeout_ms = 30000;
	cfg.attempts = 6;
	assert_int_equal(sg_resolver_new(&cfg, &r, &err), SG_E_ARG);
	assert_string_equal(err.msg, "resolver attempts 6 is over 5");
	assert_null(r);
	cfg.attempts = 5;
	assert_int_equal(sg_resolver_new(&cfg, &r, NULL), SG_OK);
	sg_resolver_free(r);
	/* The system resolver (/etc/resolv.conf) is set up but never asked. */
	assert_int_equal(sg_resolver_new(NULL, &r, NULL), SG_OK);
	sg_resolver_free(r);
	assert_int_equal(sg_resolver_new(NULL, NULL, NULL), SG_E_ARG);
	sg_resolver_free(NULL);
}

static void test_ipv6_server(void **state)
{
	struct sg_resolver *r;

	(void)state;
	if (srv.port6 == 0)
		skip();	/* no IPv6 loopback on this machine */
	r = resolver_for(srv.addr6, 2000, 2);
	assert_answer(r, "short.example", "v=DKIM1; k=rsa; p=short");
	assert_answer(r, "long2000.example", srv.long2000);
	assert_failure(r, "absent.example", SG_LOOKUP_NOTFOUND, "NXDOMAIN");
	sg_resolver_free(r);
}

struct worker {
	pthread_t thread;
	unsigned index;
	unsigned failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct sg_resolver_config cfg = { srv.addr4, 2000, 2 };
	struct sg_resolver *r = NULL;
	struct sg_key_lookup lookup;
	char txt[4096];

	if (sg_resolver_new(&cfg, &r, NULL) != SG_OK) {
		w->failures++;
		return NULL;
	}
	lookup = sg_resolver_lookup(r);
	for (unsigned i = 0; i < 30; i++) {
		bool odd = (i + w->index) % 2;
		const char *name = odd ? "long300.example" : "short.example";
		const char *want = odd ? srv.long300 : "v=DKIM1; k=rsa; p=short";

		if (lookup.lookup(lookup.env, name, txt, sizeof(txt), NULL, 0) != SG_LOOKUP_OK ||
		    strcmp(txt, want) != 0)
			w->failures++;
	}
	sg_resolver_free(r);
	return NULL;
}

static void test_threads(void **state)
{
	struct worker workers[4];

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		workers[i] = (struct worker){ .index = i };
		assert_int_equal(pthread_create(&workers[i].thread, NULL, worker_run, &workers[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
		assert_int_equal(workers[i].failures, 0);
	}
}

static void test_server_stops_cleanly(void **state)
{
	(void)state;
	assert_true(stop_server(&srv.pid4));
	assert_true(stop_server(&srv.pid6));
}

/* True when the server can run here: python3 with dnspython. */
static bool server_available(void)
{
	if (access(PYTHON, X_OK) != 0)
		return false;
	return system(PYTHON " -c 'import dns.message, dns.rdtypes.ANY.TXT' 2>/dev/null") == 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_server_failures),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_closed_port),
		cmocka_unit_test(test_output_cap),
		cmocka_unit_test(test_unqueryable_names),
		cmocka_unit_test(test_bad_server_strings),
		cmocka_unit_test(test_config_limits),
		cmocka_unit_test(test_ipv6_server),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_server_stops_cleanly),
	};

	if (!server_available()) {
		fprintf(stderr, "skipped: %s with python3-dnspython is needed\n", PYTHON);
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
