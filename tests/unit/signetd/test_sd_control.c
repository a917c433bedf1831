/*
 * NAME
 *   test_sd_control.c - unit tests for dataplane/signetd/sd_control.c:
 *                       key wants and stats pushes over a fake controld,
 *                       with the real dp_keys and dp_stats
 *
 * SUMMARY
 *   A worker's lookup records a want; the control loop sends KEY_REQUEST
 *   {kind, domain} after HELLO; a positive KEY_MATERIAL (a generated
 *   RSA-1024 key) is installed (the lookup finds selector, generation and
 *   the key), a negative one gives "no key" with the reason, an ERROR
 *   answer a temporary "no key" for the domain it answered (matched by
 *   order: ERROR names no domain). Recorded stats are pushed as one
 *   STATS_PUSH for the worker once the period is due; RESULT commits
 *   (nothing to push after), ERROR does not (the same deltas come again).
 *   A lost connection is logged, the unanswered want asked again after
 *   reconnecting. The final push waits for its answer.
 */
#include <poll.h>

#include "fake_controld.h"

#include "config.h"
#include "dp_keys.h"
#include "dp_stats.h"
#include "key.h"
#include "sd_control.h"
#include "sd_ctl.h"

struct t {
	char dir[64], path[128];
	int listen_fd, peer;
	struct sg_config *conf;
	struct dp_keys *keys;
	struct dp_keys_reader *reader;
	struct dp_worker_stats *stats;
	struct sd_control *c;
	char log[16][256];
	size_t nlog;
	uint64_t now;
};

static void log_hook(void *env, const char *msg)
{
	struct t *t = env;

	if (t->nlog < 16)
		snprintf(t->log[t->nlog++], sizeof(t->log[0]), "%s", msg);
}

static struct t *setup(void)
{
	static const char conf[] = "dkim_sign \"d\" {\n  key = \"/nonexistent/%{d}/%{s}.key\"\n"
				   "  dk_domain \"example.com\" { selector = \"s1\" }\n}\n";
	struct t *t = calloc(1, sizeof(*t));
	struct sd_control_log log = { log_hook, t };
	struct dp_worker_stats *list[1];
	struct sg_error err;

	sg_error_clear(&err);
	strcpy(t->dir, "/tmp/sd-control-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/ctl.sock", t->dir);
	t->listen_fd = fc_listen(t->path);
	t->peer = -1;
	t->now = 1000;
	if (sg_config_parse(conf, strlen(conf), "t.conf", "/tmp", &t->conf, &err) != SG_OK ||
	    dp_keys_new(t->conf, "evp", &t->keys, &err) != SG_OK ||
	    dp_keys_reader_new(t->keys, &t->reader, &err) != SG_OK ||
	    dp_stats_new(0, 0, &t->stats, &err) != SG_OK)
		fail_msg("setup: %s", err.msg);
	list[0] = t->stats;
	assert_int_equal(sd_control_new(t->path, t->keys, list, 1, &log, &t->c, &err), SG_OK);
	return t;
}

static void teardown(struct t *t)
{
	sd_control_free(t->c);
	dp_stats_free(t->stats);
	dp_keys_reader_free(t->reader);
	dp_keys_free(t->keys);
	sg_config_free(t->conf);
	if (t->peer >= 0)
		close(t->peer);
	close(t->listen_fd);
	unlink(t->path);
	rmdir(t->dir);
	free(t);
}

/* One round of the control thread's loop. */
static void control_round(struct t *t)
{
	struct pollfd pfd[SD_CONTROL_FDS];
	size_t n = sd_control_pollfds(t->c, t->now, pfd);

	(void)poll(pfd, n, 100);
	sd_control_run(t->c, pfd, n, t->now);
}

static void connect_up(struct t *t)
{
	control_round(t);
	t->peer = fc_accept_hello(t->listen_fd, "signetd", "fake controld");
	control_round(t);
	assert_true(sd_control_connected(t->c));
	assert_string_equal(t->log[t->nlog - 1], "connected to fake controld");
}

/* The server reads a KEY_REQUEST and checks its fields. */
static void expect_request(struct t *t, const char *domain)
{
	struct sg_wire_in r;
	struct sg_buf buf;
	char got[256];
	uint64_t kind = 9;

	fc_read(t->peer, &r, &buf);
	assert_int_equal(r.type, SG_MSG_KEY_REQUEST);
	assert_true(sg_wire_get_u64(&r, &kind) && sg_wire_get_str(&r, got, sizeof(got)));
	assert_true(sg_wire_end(&r));
	assert_int_equal(kind, SG_KIND_DKIM);
	assert_string_equal(got, domain);
	sg_buf_free(&buf);
}

static void answer_key(struct t *t, const char *domain, const char *selector,
		       const struct sg_buf *pem, const char *reason)
{
	struct sg_wire_out w;

	sg_wire_begin(&w, SG_MSG_KEY_MATERIAL);
	assert_int_equal(sg_wire_put_u64(&w, 42), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, SG_KIND_DKIM), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, domain), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, selector), SG_OK);
	assert_int_equal(sg_wire_put_bytes(&w, pem ? pem->data : "", pem ? pem->len : 0), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, reason), SG_OK);
	fc_send(t->peer, &w);
}

static enum dp_key_status lookup(struct t *t, const char *domain,
				 const struct dp_key_entry **e)
{
	return dp_keys_lookup(t->reader, SG_KIND_DKIM, domain, e);
}

static void test_key_answers(void **state)
{
	struct t *t = setup();
	const struct dp_key_entry *e;
	struct sg_privkey *key = NULL;
	struct sg_error err;
	struct sg_buf pem;
	struct sg_wire_out w;

	(void)state;
	connect_up(t);
	assert_int_equal(lookup(t, "example.com", &e), DP_KEY_PENDING);
	assert_int_equal(lookup(t, "nokey.example", &e), DP_KEY_PENDING);
	assert_int_equal(lookup(t, "broken.example", &e), DP_KEY_PENDING);
	control_round(t);
	expect_request(t, "example.com");
	expect_request(t, "nokey.example");
	expect_request(t, "broken.example");
	sg_buf_init(&pem, SIZE_MAX);
	assert_int_equal(sg_privkey_generate(SG_KEY_RSA, 1024, &key, &err), SG_OK);
	assert_int_equal(sg_privkey_export_pem(key, &pem, &err), SG_OK);
	answer_key(t, "example.com", "s1", &pem, "");
	answer_key(t, "nokey.example", "", NULL, "no key file for nokey.example");
	sg_wire_begin(&w, SG_MSG_ERROR);
	assert_int_equal(sg_wire_put_str(&w, "key lookup failed: disk on fire"), SG_OK);
	fc_send(t->peer, &w);
	for (int i = 0; i < 3; i++)
		control_round(t);
	assert_int_equal(lookup(t, "example.com", &e), DP_KEY_FOUND);
	assert_string_equal(e->selector, "s1");
	assert_int_equal(e->generation, 42);
	assert_non_null(e->key);
	dp_keys_release(e);
	assert_int_equal(lookup(t, "nokey.example", &e), DP_KEY_NONE);
	assert_string_equal(e->reason, "no key file for nokey.example");
	assert_false(e->temporary);
	dp_keys_release(e);
	assert_int_equal(lookup(t, "broken.example", &e), DP_KEY_NONE);
	assert_true(e->temporary);
	assert_non_null(strstr(e->reason, "disk on fire"));
	dp_keys_release(e);
	assert_string_equal(t->log[t->nlog - 1], "key request for broken.example: key lookup "
			    "failed: disk on fire");
	sg_buf_free(&pem);
	sg_privkey_free(key);
	teardown(t);
}

static void record(struct t *t, const char *domain)
{
	struct dp_stats_event ev = { .kind = SG_KIND_DKIM, .domain = domain, .selector = "s1",
				     .outcome = DP_STATS_SIGNED, .bytes = 100, .sign_ns = 5000 };

	dp_stats_record(t->stats, &ev);
}

/* The server reads one STATS_PUSH and returns its entry count. */
static uint64_t expect_push(struct t *t)
{
	struct sg_wire_in r;
	struct sg_buf buf;
	uint64_t worker = 9, nb = 0, count = 0;

	fc_read(t->peer, &r, &buf);
	assert_int_equal(r.type, SG_MSG_STATS_PUSH);
	assert_true(sg_wire_get_u64(&r, &worker) && sg_wire_get_u64(&r, &nb) &&
		    sg_wire_get_u64(&r, &count));
	assert_int_equal(worker, 0);
	assert_int_equal(nb, SG_STATS_BUCKETS);
	sg_buf_free(&buf);
	return count;
}

static bool peer_has_data(struct t *t)
{
	struct pollfd p = { .fd = t->peer, .events = POLLIN };

	return poll(&p, 1, 50) == 1;
}

static void test_stats_pushes(void **state)
{
	struct t *t = setup();
	struct sg_wire_out w;

	(void)state;
	connect_up(t);
	/* the connect round already pushed (nothing recorded: no message) */
	assert_false(peer_has_data(t));
	record(t, "example.com");
	record(t, "example.org");
	control_round(t);			/* period not over */
	assert_false(peer_has_data(t));
	t->now += SD_STATS_PERIOD_MS;
	control_round(t);
	assert_int_equal(expect_push(t), 2);
	sg_wire_begin(&w, SG_MSG_ERROR);
	assert_int_equal(sg_wire_put_str(&w, "statistics refused: test"), SG_OK);
	fc_send(t->peer, &w);
	control_round(t);
	assert_non_null(strstr(t->log[t->nlog - 1], "statistics of worker 0 refused"));
	t->now += SD_STATS_PERIOD_MS;
	control_round(t);
	assert_int_equal(expect_push(t), 2);	/* not committed: sent again */
	sg_wire_begin(&w, SG_MSG_RESULT);
	fc_send(t->peer, &w);
	control_round(t);
	t->now += SD_STATS_PERIOD_MS;
	control_round(t);
	assert_false(peer_has_data(t));		/* committed: nothing new */
	record(t, "example.com");
	sg_wire_begin(&w, SG_MSG_RESULT);	/* the answer to the final push */
	fc_send(t->peer, &w);
	sd_control_final_push(t->c, 1000);
	assert_int_equal(expect_push(t), 1);
	teardown(t);
}

static void test_reconnect_reasks(void **state)
{
	struct t *t = setup();
	const struct dp_key_entry *e;

	(void)state;
	connect_up(t);
	assert_int_equal(lookup(t, "example.com", &e), DP_KEY_PENDING);
	control_round(t);
	expect_request(t, "example.com");
	close(t->peer);				/* controld goes away unanswered */
	t->peer = -1;
	control_round(t);
	assert_false(sd_control_connected(t->c));
	assert_non_null(strstr(t->log[t->nlog - 1], "control connection down"));
	t->now += SD_CTL_BACKOFF_MIN_MS;
	connect_up(t);
	control_round(t);
	expect_request(t, "example.com");	/* asked again */
	answer_key(t, "example.com", "", NULL, "gone");
	control_round(t);
	assert_int_equal(lookup(t, "example.com", &e), DP_KEY_NONE);
	dp_keys_release(e);
	teardown(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_answers),
		cmocka_unit_test(test_stats_pushes),
		cmocka_unit_test(test_reconnect_reasks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
