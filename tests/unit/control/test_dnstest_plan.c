/*
 * NAME
 *   test_dnstest_plan.c - unit tests for control/keys/dnstest_plan.c:
 *                         `dns test` end to end through a real DNS server -
 *                         Debian's dnsmasq, started on a free loopback port
 *                         - and the configured resolver
 *
 * SUMMARY
 *   dnsmasq serves --txt-record values cut into 255-byte strings (a
 *   2048-bit RSA record is two) and, with --local=/example.com/, answers
 *   NXDOMAIN for other names under example.com; names elsewhere get
 *   REFUSED (no upstream), which is the "lookup failed" case. The three
 *   steps of the command (plan, run, answer) also work apart: a plan runs
 *   after the key custody is freed, and a cancelled run answers an error.
 *   The program exits 77 (skipped) when dnsmasq is not installed.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <time.h>

#include "base64.h"
#include "dnsrecord.h"
#include "dnstest.h"
#include "keys_testutil.h"
#include "keytable.h"
#include "resolver.h"

static const char *dnsmasq_path(void)
{
	static const char *const paths[] = { "/usr/sbin/dnsmasq", "/usr/bin/dnsmasq",
					     "/sbin/dnsmasq" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	}
	return NULL;
}


static const char *E2E_CONF =
	"dkim_sign \"main\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"ok.example.com\" { selector = \"sel\" }\n"
	"  dk_domain \"syntax.example.com\" { selector = \"sel\" }\n"
	"  dk_domain \"other.example.com\" { selector = \"sel\" }\n"
	"  dk_domain \"testing.example.com\" { selector = \"sel\" }\n"
	"  dk_domain \"absent.example.com\" { selector = \"sel\" }\n"
	"  dk_domain \"elsewhere.example.org\" { selector = \"sel\" }\n"
	"  dk_domain \"ed.example.com\" { selector = \"ed\" }\n"
	"}\n"
	"dk_sign \"legacy\" {\n"
	"  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"dk.example.com\" { selector = \"dk\" }\n"
	"}\n";

struct e2e {
	char *dir;
	pid_t pid;
	int port;
	struct kt_clock clock;
	struct sg_config *conf;
	struct sg_keys *keys;
	struct sg_table t;
	char args[16][2048];
	size_t nargs;
};

static const char *path_in(struct e2e *e, const char *domain, const char *sel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/keys/%s/%s.key", e->dir, domain, sel);
	return buf;
}

/* Adds --txt-record=NAME,VALUE (dnsmasq splits VALUE at commas: none in
 * these records). */
static void txt_arg(struct e2e *e, const char *sel, const char *domain, const char *value)
{
	assert_null(strchr(value, ','));
	snprintf(e->args[e->nargs++], sizeof(e->args[0]), "--txt-record=%s._domainkey.%s,%s",
		 sel, domain, value);
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static pid_t spawn_dnsmasq(struct e2e *e)
{
	char port[32], log[4200];
	const char *argv[32];
	size_t n = 0;
	pid_t pid;

	snprintf(port, sizeof(port), "--port=%d", e->port);
	snprintf(log, sizeof(log), "%s/dnsmasq.log", e->dir);
	argv[n++] = "dnsmasq";
	argv[n++] = "--conf-file=/dev/null";
	argv[n++] = "--no-daemon";
	argv[n++] = port;
	argv[n++] = "--listen-address=127.0.0.1";
	argv[n++] = "--bind-interfaces";
	argv[n++] = "--no-resolv";
	argv[n++] = "--no-hosts";
	argv[n++] = "--local=/example.com/";
	for (size_t i = 0; i < e->nargs; i++)
		argv[n++] = e->args[i];
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(dnsmasq_path(), (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Waits until the server answers the ok record (true) or gives up. */
static bool server_ready(struct e2e *e)
{
	char server[64], txt[2048], why[200];
	struct sg_resolver_config cfg = { server, 1000, 1 };
	struct sg_resolver *r;
	bool ok = false;

	snprintf(server, sizeof(server), "127.0.0.1:%d", e->port);
	assert_int_equal(sg_resolver_new(&cfg, &r, NULL), SG_OK);
	for (int i = 0; i < 50 && !ok; i++) {
		struct sg_key_lookup l = sg_resolver_lookup(r);

		if (waitpid(e->pid, NULL, WNOHANG) == e->pid) {
			e->pid = 0;
			break;
		}
		ok = l.lookup(l.env, "sel._domainkey.ok.example.com", txt, sizeof(txt), why,
			      sizeof(why)) == SG_LOOKUP_OK;
		if (!ok)
			usleep(100 * 1000);
	}
	sg_resolver_free(r);
	return ok;
}

static void stop_server(struct e2e *e)
{
	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		waitpid(e->pid, NULL, 0);
		e->pid = 0;
	}
}

/* Keys and records: matching (RSA 2048, two strings), bad syntax, another
 * key, t=y, none, an unanswered zone, Ed25519, DomainKeys. */
static void make_keys_and_records(struct e2e *e)
{
	struct sg_privkey *k, *stranger;
	char *txt;

	k = kt_key(path_in(e, "ok.example.com", "sel"), SG_KEY_RSA, 2048, 0600);
	txt = kt_record_of(k, false, false);
	assert_true(strlen(txt) > 255);
	txt_arg(e, "sel", "ok.example.com", txt);
	free(txt);
	sg_privkey_free(k);
	kt_key_file(path_in(e, "syntax.example.com", "sel"), SG_KEY_RSA, 1024);
	txt_arg(e, "sel", "syntax.example.com", "v=DKIM1; k=rsa; p=!!!not-base64");
	kt_key_file(path_in(e, "other.example.com", "sel"), SG_KEY_RSA, 1024);
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 1024, &stranger, NULL), SG_OK);
	txt = kt_record_of(stranger, false, false);
	txt_arg(e, "sel", "other.example.com", txt);
	free(txt);
	sg_privkey_free(stranger);
	k = kt_key(path_in(e, "testing.example.com", "sel"), SG_KEY_RSA, 1024, 0600);
	txt = kt_record_of(k, true, false);
	txt_arg(e, "sel", "testing.example.com", txt);
	free(txt);
	sg_privkey_free(k);
	kt_key_file(path_in(e, "absent.example.com", "sel"), SG_KEY_RSA, 1024);
	kt_key_file(path_in(e, "elsewhere.example.org", "sel"), SG_KEY_RSA, 1024);
	k = kt_key(path_in(e, "ed.example.com", "ed"), SG_KEY_ED25519, 0, 0600);
	txt = kt_record_of(k, false, false);
	txt_arg(e, "ed", "ed.example.com", txt);
	free(txt);
	sg_privkey_free(k);
	k = kt_key(path_in(e, "dk.example.com", "dk"), SG_KEY_RSA, 1024, 0600);
	txt = kt_record_of(k, false, true);
	txt_arg(e, "dk", "dk.example.com", txt);
	free(txt);
	sg_privkey_free(k);
}

static int e2e_setup(void **state)
{
	struct e2e *e = calloc(1, sizeof(*e));
	char resolver[64];
	struct sg_error err;

	assert_non_null(e);
	e->dir = kt_tmpdir();
	e->clock.t = 1795341600;
	make_keys_and_records(e);
	for (int tries = 0; tries < 5 && e->pid <= 0; tries++) {
		e->port = free_port();
		e->pid = spawn_dnsmasq(e);
		if (!server_ready(e))
			stop_server(e);
	}
	if (e->pid <= 0)
		fail_msg("dnsmasq did not start (see %s/dnsmasq.log)", e->dir);
	snprintf(resolver, sizeof(resolver), "resolver = \"127.0.0.1:%d\"", e->port);
	e->conf = kt_config_extra(e->dir, resolver, E2E_CONF);
	if (sg_keys_new(e->conf, kt_clock(&e->clock), &e->keys, &err) != SG_OK)
		fail_msg("%s", err.msg);
	*state = e;
	return 0;
}

static int e2e_teardown(void **state)
{
	struct e2e *e = *state;

	stop_server(e);
	sg_table_free(&e->t);
	sg_keys_free(e->keys);
	sg_config_free(e->conf);
	kt_rmtree(e->dir);
	free(e);
	return 0;
}

static const char *result_for(struct e2e *e, const char *domain, const char **ok,
			      const char **detail)
{
	long r = kt_find_row(&e->t, "domain", domain);

	if (r < 0)
		fail_msg("no row for %s", domain);
	*ok = kt_cell(&e->t, (size_t)r, "ok");
	*detail = kt_cell(&e->t, (size_t)r, "detail");
	return kt_cell(&e->t, (size_t)r, "result");
}

static const char *result_for_row(struct e2e *e, const char *domain)
{
	const char *ok, *detail;

	return result_for(e, domain, &ok, &detail);
}

static void test_e2e_each_outcome(void **state)
{
	struct e2e *e = *state;
	const char *ok, *detail;

	sg_table_free(&e->t);
	kt_run(e->keys, "dns test sel", &e->t);
	assert_string_equal(e->t.title, "dns test");
	assert_int_equal(e->t.nrows, 6);
	assert_string_equal(result_for(e, "ok.example.com", &ok, &detail), "found and matching");
	assert_string_equal(ok, "1");
	assert_string_equal(kt_cell(&e->t, (size_t)kt_find_row(&e->t, "domain",
							       "ok.example.com"), "dns_name"),
			    "sel._domainkey.ok.example.com");
	assert_string_equal(result_for(e, "syntax.example.com", &ok, &detail), "syntax error");
	assert_string_equal(ok, "0");
	assert_non_null(strstr(detail, "key record:"));
	assert_string_equal(result_for(e, "other.example.com", &ok, &detail),
			    "key does not match");
	assert_string_equal(ok, "0");
	assert_string_equal(result_for(e, "testing.example.com", &ok, &detail),
			    "testing flag set");
	assert_string_equal(ok, "0");
	assert_string_equal(result_for(e, "absent.example.com", &ok, &detail), "not found");
	assert_string_equal(ok, "0");
	assert_string_equal(result_for(e, "elsewhere.example.org", &ok, &detail),
			    "lookup failed");
	assert_non_null(strstr(detail, "REFUSED"));
	assert_string_equal(e->t.message, "failed: 5 of 6 records not found and matching");
}

static void test_e2e_success_and_kinds(void **state)
{
	struct e2e *e = *state;

	sg_table_free(&e->t);
	kt_run(e->keys, "dns test sel ok.example.com", &e->t);
	assert_int_equal(e->t.nrows, 1);
	assert_string_equal(kt_cell(&e->t, 0, "result"), "found and matching");
	assert_string_equal(e->t.message, "ok: 1 record found and matching");
	sg_table_free(&e->t);
	kt_run(e->keys, "dns test ed", &e->t);
	assert_string_equal(kt_cell(&e->t, 0, "result"), "found and matching");
	sg_table_free(&e->t);
	kt_run(e->keys, "dns test dk", &e->t);
	assert_string_equal(kt_cell(&e->t, 0, "result"), "found and matching");
	assert_non_null(strstr(e->t.message, "ok:"));
	/* A domain with no key file for the selector: an error, not a result. */
	{
		struct sg_error err;

		sg_table_free(&e->t);
		assert_int_equal(kt_command(e->keys, "dns test sel nokey.example.com", &e->t,
					    &err), SG_E_KEY);
		assert_non_null(strstr(err.msg, "no key file"));
		sg_table_free(&e->t);
		assert_int_equal(kt_command(e->keys, "dns test ghost", &e->t, &err), SG_E_ARG);
	}
}

static void test_e2e_server_gone(void **state)
{
	struct e2e *e = *state;

	stop_server(e);
	sg_table_free(&e->t);
	kt_run(e->keys, "dns test sel ok.example.com", &e->t);
	assert_string_equal(kt_cell(&e->t, 0, "result"), "lookup failed");
	assert_non_null(strstr(e->t.message, "failed:"));
}

static void params(const char *line, struct sg_cmd_params *p)
{
	char buf[256], *argv[SG_CMD_MAX_ARGS], *save = NULL, why[256];
	size_t argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	memset(p, 0, sizeof(*p));
	if (!sg_command_match(argc, (const char *const *)argv, p, why, sizeof(why)))
		fail_msg("%s: %s", line, why);
}

/* The plan keeps what it needs: it runs and answers after the key custody
 * is gone (the daemon runs it on another thread). A cancelled run answers
 * an error, not a partial table. */
static void test_e2e_plan_on_its_own(void **state)
{
	struct e2e *e = *state;
	struct dnstest_plan *plan = NULL, *stopped = NULL;
	struct sg_cmd_params p;
	struct sg_error err;
	atomic_bool cancel = true;

	params("dns test sel", &p);
	sg_error_clear(&err);
	assert_int_equal(dnstest_plan_new(e->keys, &p, &plan, &err), SG_OK);
	assert_int_equal(dnstest_plan_new(e->keys, &p, &stopped, &err), SG_OK);
	sg_keys_free(e->keys);
	e->keys = NULL;
	assert_string_equal(dnstest_plan_name(plan), "sel");
	dnstest_plan_run(plan, NULL);
	assert_true(dnstest_plan_finished(plan));
	sg_table_free(&e->t);
	memset(&e->t, 0, sizeof(e->t));
	assert_int_equal(dnstest_plan_answer(plan, &e->t, &err), SG_OK);
	assert_int_equal(e->t.nrows, 6);
	assert_string_equal(result_for_row(e, "ok.example.com"), "found and matching");
	assert_string_equal(e->t.message, "failed: 5 of 6 records not found and matching");
	dnstest_plan_run(stopped, &cancel);
	assert_false(dnstest_plan_finished(stopped));
	assert_int_equal(dnstest_plan_answer(stopped, &e->t, &err), SG_E_STATE);
	assert_string_equal(err.msg, "dns test sel stopped after 0 of 6 records");
	dnstest_plan_free(plan);
	dnstest_plan_free(stopped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_e2e_each_outcome, e2e_setup, e2e_teardown),
		cmocka_unit_test_setup_teardown(test_e2e_success_and_kinds, e2e_setup,
						e2e_teardown),
		cmocka_unit_test_setup_teardown(test_e2e_server_gone, e2e_setup, e2e_teardown),
		cmocka_unit_test_setup_teardown(test_e2e_plan_on_its_own, e2e_setup,
						e2e_teardown),
	};

	if (dnsmasq_path() == NULL) {
		fprintf(stderr, "dnsmasq is not installed (apt-get install dnsmasq-base): "
			"skipped\n");
		return 77;
	}
	return cmocka_run_group_tests_name("dns test through dnsmasq", tests, NULL, NULL);
}
