/*
 * NAME
 *   test_sd_relay_setup.c - unit tests for dataplane/signetd/sd_relay_setup.c
 *
 * SUMMARY
 *   From signet.conf text: the esmtp_listener values reach every worker's
 *   parameters (listen and next_hop addresses, relay_hosts matching,
 *   max_message_size, the hostname), max_connections split over the
 *   workers rounded up with the process total and one shared counter, the
 *   worker numbers and the stop mode pointer, idle_timeout, min_data_rate,
 *   no_key_action; auth_file: AUTH PLAIN offered and checked against the
 *   file, a world-readable one refused; the defaults without an
 *   esmtp_listener block (no AUTH, unsigned relaying of keyless mail); sd_relay_worker_main reporting a listener that
 *   cannot be opened (address in use without SO_REUSEPORT) as the
 *   worker's error without calling ready, and the same address in the
 *   configuration refused by the setup (somebody listens there); the
 *   start gate: with two workers, the first greets nobody until the
 *   second is open too, and a stop lets a worker out of the gate when the
 *   other never comes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "config.h"
#include "sd_relay_app.h"

static struct sg_config *load(const char *text)
{
	struct sg_config *conf = NULL;
	struct sg_error err;

	if (sg_config_parse(text, strlen(text), "t.conf", "/tmp", &conf, &err) != SG_OK)
		fail_msg("config: %s", err.msg);
	return conf;
}

/* A port nobody listens on right now. */
static unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* setup_new, skipping the test when somebody really listens on the
 * default address (a signetd running on this machine). */
static struct sd_relay_setup *setup_or_skip(struct sg_config *conf, unsigned workers,
					    const _Atomic int *mode)
{
	struct sd_relay_setup *s = NULL;
	struct sg_error err;
	enum sg_err rc = sd_relay_setup_new(conf, workers, mode, &s, &err);

	if (rc == SG_E_IO && strstr(err.msg, "listens there") != NULL) {
		sg_config_free(conf);
		skip();
	}
	if (rc != SG_OK)
		fail_msg("setup: %s", err.msg);
	return s;
}

static bool relays(const struct sd_relay_params *p, const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return sd_netlist_match(p->relay_hosts, (struct sockaddr *)&a);
}

static void test_values(void **state)
{
	struct sg_config *conf = load("esmtp_listener {\n listen = \"127.0.0.1:2600\"\n"
				      " next_hop = \"[::1]:2601\"\n relay_hosts = \"10.0.0.0/8\"\n"
				      " max_message_size = 4096\n max_connections = 10\n}\n");
	struct sd_relay_setup *s;
	_Atomic int mode = SD_MODE_RUN;
	char text[64];

	(void)state;
	s = setup_or_skip(conf, 3, &mode);
	for (unsigned i = 0; i < 3; i++) {
		const struct sd_relay_params *p = &s->params[i];

		assert_int_equal(p->worker, i);
		assert_string_equal(sd_addr_text((struct sockaddr *)&p->listen, text, sizeof(text)),
				    "127.0.0.1:2600");
		assert_string_equal(sd_addr_text((struct sockaddr *)&p->next_hop, text,
						 sizeof(text)), "[::1]:2601");
		assert_int_equal(p->max_conns, 5);	/* 10 / 3 rounded up, and a quarter more */
		assert_int_equal(p->max_conns_total, 10);
		assert_ptr_equal(p->conns_total, &s->conns_total);
		assert_ptr_equal(p->mode, &mode);
		assert_true(relays(p, "10.20.30.40"));
		assert_false(relays(p, "127.0.0.1"));
		assert_int_equal(p->server->max_message_size, 4096);
		assert_true(p->server->hostname[0] != '\0');
		assert_ptr_equal(p->client->helo_name, p->server->hostname);
		assert_true(p->pool_max > 0);
	}
	sd_relay_setup_free(s);
	sg_config_free(conf);
}

static void test_defaults(void **state)
{
	struct sg_config *conf = load("dataplane {\n workers = 1\n}\n");
	struct sd_relay_setup *s;
	struct sg_error err;
	_Atomic int mode = SD_MODE_RUN;
	char text[64];

	(void)state;
	s = setup_or_skip(conf, 1, &mode);
	assert_string_equal(sd_addr_text((struct sockaddr *)&s->params[0].listen, text,
					 sizeof(text)), "127.0.0.1:2525");
	assert_int_equal(s->params[0].max_conns, 10000);
	assert_true(relays(&s->params[0], "127.0.0.1"));
	assert_false(relays(&s->params[0], "192.0.2.1"));
	assert_int_equal(s->params[0].limits.idle_ms, 300000);
	assert_int_equal(s->params[0].limits.min_rate, 256);
	assert_false(s->params[0].tempfail_no_key);
	assert_false(s->server.auth_plain);
	assert_null(s->server.auth_check);
	/* every client, then 104 per worker (421 slack, pool, ring, spare), 64 more */
	assert_int_equal(sd_relay_fds_needed(s), 10000 + 104 + 64);
	sd_relay_setup_free(s);
	assert_int_equal(sd_relay_setup_new(conf, 0, &mode, &s, &err), SG_E_NOMEM);
	assert_null(s);
	sg_config_free(conf);
}

static void test_options_and_auth(void **state)
{
	char dir[] = "/tmp/test_sd_relay_setup.XXXXXX", text[1024], path[128];
	struct sd_relay_setup *s;
	struct sg_config *conf;
	struct sg_error err;
	_Atomic int mode = SD_MODE_RUN;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/users", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* openssl passwd -6 -salt abc secret */
	fputs("alice:$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt"
	      "2qvUHYRLr/TsVArtr91iR1\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(text, sizeof(text), "esmtp_listener {\n idle_timeout = 2m\n min_data_rate = 1k\n"
		 " no_key_action = tempfail\n auth_file = \"%s\"\n"
		 " listen = \"127.0.0.1:%u\"\n}\n", path, free_port());
	conf = load(text);
	assert_int_equal(sd_relay_setup_new(conf, 2, &mode, &s, &err), SG_OK);
	assert_int_equal(s->params[1].limits.idle_ms, 120000);
	assert_int_equal(s->params[1].limits.min_rate, 1024);
	assert_true(s->params[1].tempfail_no_key);
	assert_true(s->server.auth_plain);
	assert_true(s->server.auth_check(s->server.auth_ctx, "", "alice", "secret"));
	assert_false(s->server.auth_check(s->server.auth_ctx, "", "alice", "wrong"));
	sd_relay_setup_free(s);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(sd_relay_setup_new(conf, 2, &mode, &s, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "not readable by others"));
	assert_null(s);
	sg_config_free(conf);
	unlink(path);
	rmdir(dir);
}

static void never_ready(void *ctx)
{
	fail_msg("ready called (%p)", ctx);
}

static void test_listener_in_use(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sg_config *conf;
	struct sd_relay_setup *s;
	struct sd_relay_counts counts;
	struct sd_signer_port port = { 0 };
	struct sg_error err;
	_Atomic int mode = SD_MODE_RUN;
	char error[320], text[128];

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	/* the same address in the configuration: refused before any worker */
	snprintf(text, sizeof(text), "esmtp_listener {\n listen = \"127.0.0.1:%u\"\n}\n",
		 (unsigned)ntohs(a.sin_port));
	conf = load(text);
	assert_int_equal(sd_relay_setup_new(conf, 1, &mode, &s, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "another signetd or another server listens there"));
	assert_null(s);
	sg_config_free(conf);
	snprintf(text, sizeof(text), "esmtp_listener {\n listen = \"127.0.0.1:%u\"\n}\n",
		 free_port());
	conf = load(text);
	assert_int_equal(sd_relay_setup_new(conf, 1, &mode, &s, &err), SG_OK);
	memcpy(&s->params[0].listen, &a, sizeof(a));
	assert_int_equal(sd_relay_worker_main(&s->params[0], port, &counts, never_ready, NULL,
					      error, sizeof(error)), -1);
	assert_non_null(strstr(error, "worker 0: esmtp_listener 127.0.0.1:"));
	assert_non_null(strstr(error, "in use"));
	sd_relay_setup_free(s);
	sg_config_free(conf);
	close(fd);
}

/* ---- the start gate ---- */

/* A signer port with nothing to sign (no mail in these tests). */
static enum sg_err idle_submit(void *ctx, const uint8_t *msg, size_t len,
			       const struct dp_client_facts *facts, uint64_t cookie,
			       struct sg_error *err)
{
	(void)ctx, (void)msg, (void)len, (void)facts, (void)cookie;
	return sg_error_set(err, SG_E_STATE, 0, 0, "no signer in this test");
}

static void idle_flush(void *ctx)
{
	(void)ctx;
}

static size_t idle_poll(void *ctx, struct dp_done *d, size_t max)
{
	(void)ctx, (void)d, (void)max;
	return 0;
}

static void idle_release(void *ctx, struct dp_done *d)
{
	(void)ctx, (void)d;
}

static size_t idle_pending(void *ctx)
{
	(void)ctx;
	return 0;
}

static uint64_t idle_deadline(void *ctx)
{
	(void)ctx;
	return UINT64_MAX;
}

struct gate_worker {
	const struct sd_relay_params *p;
	struct sd_relay_counts counts;
	atomic_bool ready, done;
	int rc;
	char error[320];
	pthread_t thread;
};

static void mark_ready(void *ctx)
{
	atomic_store(&((struct gate_worker *)ctx)->ready, true);
}

static void *gate_worker_main(void *arg)
{
	struct gate_worker *g = arg;
	struct sd_signer_port port = { idle_submit, idle_flush, idle_poll, idle_release,
				       idle_pending, idle_deadline, NULL };

	g->rc = sd_relay_worker_main(g->p, port, &g->counts, mark_ready, g, g->error,
				     sizeof(g->error));
	atomic_store(&g->done, true);
	return NULL;
}

/* Starts worker i of s; returns once it is open (ready). */
static void gate_start(struct gate_worker *g, const struct sd_relay_setup *s, unsigned i)
{
	*g = (struct gate_worker){ .p = &s->params[i] };
	assert_int_equal(pthread_create(&g->thread, NULL, gate_worker_main, g), 0);
	for (int t = 0; t < 20000 && !atomic_load(&g->ready) && !atomic_load(&g->done); t++)
		usleep(1000);
	if (!atomic_load(&g->ready))
		fail_msg("worker %u did not open: %s", i, g->error);
}

static void gate_join(struct gate_worker *g)
{
	for (int t = 0; t < 20000 && !atomic_load(&g->done); t++)
		usleep(1000);
	assert_true(atomic_load(&g->done));
	pthread_join(g->thread, NULL);
	assert_int_equal(g->rc, 0);
}

/* True if a 220 greeting arrives on fd within ms. */
static bool greeted_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char line[64];

	return poll(&p, 1, ms) == 1 && recv(fd, line, 3, 0) == 3 && memcmp(line, "220", 3) == 0;
}

static void test_start_gate(void **state)
{
	_Atomic int mode = SD_MODE_RUN;
	struct gate_worker g[2];
	struct sd_relay_setup *s;
	struct sg_config *conf;
	char text[128];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	snprintf(text, sizeof(text), "esmtp_listener {\n listen = \"127.0.0.1:%u\"\n}\n",
		 free_port());
	conf = load(text);
	s = setup_or_skip(conf, 2, &mode);
	gate_start(&g[0], s, 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)&s->params[0].listen,
				 s->params[0].listen_len), 0);
	assert_false(greeted_within(fd, 300));		/* worker 1 is not open yet */
	gate_start(&g[1], s, 1);
	assert_true(greeted_within(fd, 20000));
	atomic_store(&mode, SD_MODE_STOP);
	gate_join(&g[0]);
	gate_join(&g[1]);
	close(fd);
	sd_relay_setup_free(s);
	/* the other worker never comes (it failed): a stop lets this one out */
	atomic_store(&mode, SD_MODE_RUN);
	s = setup_or_skip(conf, 2, &mode);
	gate_start(&g[0], s, 0);
	atomic_store(&mode, SD_MODE_STOP);
	gate_join(&g[0]);
	sd_relay_setup_free(s);
	sg_config_free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options_and_auth),
		cmocka_unit_test(test_listener_in_use),
		cmocka_unit_test(test_start_gate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
