/*
 * NAME
 *   test_prometheus.c - unit tests for control/stats/prometheus.c
 *
 * SUMMARY
 *   Every exposition is read by the strict checker of prom_check.h (HELP
 *   and TYPE once before the samples, samples grouped, names, escapes,
 *   histogram buckets cumulative up to +Inf = _count, counters in _total).
 *   An empty aggregate; counters and histogram values of a populated one
 *   (exact decimal seconds, le bounds); label values with '"' and '\'
 *   escaped and read back; the "(other)" rows and worker; a full buffer
 *   gives SG_E_LIMIT. When promtool (Debian package prometheus) is
 *   installed, "promtool check metrics" must accept the output too;
 *   otherwise that test is reported as skipped.
 */
#include "testutil.h"

#include <unistd.h>

#include "prom_check.h"
#include "stats.h"
#include "stats_helpers.h"

static char *exposition(struct sg_stats *s)
{
	struct sg_buf b;
	char *text;

	sg_buf_init(&b, SIZE_MAX);
	assert_int_equal(sg_stats_prometheus(s, &b), SG_OK);
	text = strdup(sg_buf_cstr(&b));
	assert_non_null(text);
	sg_buf_free(&b);
	return text;
}

static struct sg_stats *populated(void)
{
	struct sg_stats *s;
	struct sg_stats_delta d = th_signed(0, SG_KIND_DKIM, "example.com", "s1", 3, 100);

	assert_int_equal(sg_stats_new(&s), SG_OK);
	d.processed = 6;
	d.failed = 1;
	d.latency[0] = 1;			/* the failed attempt, 10 us */
	d.sign_ns = 300000 + 10000;
	d.skipped[SG_SKIP_NO_KEY] = 2;
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
	d = th_signed(1, SG_KIND_DOMAINKEYS, "example.com", "s1", 2, 20000000);	/* 20 s */
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
	d = th_signed(1, SG_KIND_DKIM, "example.org", "sel", 5, 50);
	d.skipped[SG_SKIP_CONDITION] = 4;
	d.skipped[SG_SKIP_DISABLED] = 1;
	d.processed = 10;
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
	return s;
}

static void test_empty(void **state)
{
	struct sg_stats *s;
	struct pc_doc doc;
	char *text;

	(void)state;
	assert_int_equal(sg_stats_new(&s), SG_OK);
	text = exposition(s);
	pc_parse(text, &doc);
	assert_int_equal(pc_count(&doc, "signet_messages_total"), 0);
	assert_int_equal(pc_count(&doc, "signet_signing_duration_seconds_bucket"),
			 2 * SG_STATS_BUCKETS);
	assert_true(pc_value(&doc, "signet_signing_duration_seconds_count", "kind=dkim") == 0);
	assert_true(pc_value(&doc, "signet_signing_duration_seconds_sum", "kind=domainkeys") == 0);
	assert_true(pc_value(&doc, "signet_stats_keys", NULL) == 0);
	assert_true(pc_value(&doc, "signet_stats_keys_limit", NULL) == SG_STATS_MAX_KEYS);
	assert_true(pc_value(&doc, "signet_stats_reset_time_seconds", NULL) > 1.6e9);
	assert_non_null(strstr(text, "# TYPE signet_messages_total counter\n"));
	assert_non_null(strstr(text, "# TYPE signet_signing_duration_seconds histogram\n"));
	pc_free(&doc);
	free(text);
	sg_stats_free(s);
}

static void test_values(void **state)
{
	struct sg_stats *s = populated();
	struct pc_doc doc;
	char *text = exposition(s);
	const char *com = "kind=dkim,domain=example.com,selector=s1";

	(void)state;
	pc_parse(text, &doc);
	assert_true(pc_value(&doc, "signet_messages_processed_total", com) == 6);
	assert_true(pc_value(&doc, "signet_messages_total",
			     "domain=example.com,kind=dkim,result=signed") == 3);
	assert_true(pc_value(&doc, "signet_messages_total",
			     "domain=example.com,kind=dkim,result=failed") == 1);
	assert_true(pc_value(&doc, "signet_messages_total",
			     "domain=example.com,kind=dkim,result=skipped_no_key") == 2);
	assert_true(pc_value(&doc, "signet_messages_total",
			     "domain=example.org,result=skipped_condition") == 4);
	assert_true(pc_value(&doc, "signet_messages_total",
			     "domain=example.org,result=skipped_disabled") == 1);
	assert_true(pc_value(&doc, "signet_messages_total",
			     "kind=domainkeys,domain=example.com,result=signed") == 2);
	assert_true(pc_value(&doc, "signet_message_bytes_total", com) == 3000);
	assert_true(pc_value(&doc, "signet_signing_seconds_total", com) == 0.00031);
	assert_int_equal(pc_count(&doc, "signet_messages_total"), 3 * 5);
	/* histogram of DKIM: 1 at 10 us, 3 at 100 us, 5 at 50 us */
	assert_true(pc_value(&doc, "signet_signing_duration_seconds_bucket",
			     "kind=dkim,le=0.000016") == 1);
	assert_true(pc_value(&doc, "signet_signing_duration_seconds_bucket",
			     "kind=dkim,le=0.000064") == 6);
	assert_true(pc_value(&doc, "signet_signing_duration_seconds_bucket",
			     "kind=dkim,le=0.000256") == 9);
	assert_true(pc_value(&doc, "signet_signing_duration_seconds_count", "kind=dkim") == 9);
	/* DomainKeys: 2 attempts of 20 s, past the last finite bound */
	assert_true(pc_value(&doc, "signet_signing_duration_seconds_bucket",
			     "kind=domainkeys,le=16.777216") == 0);
	assert_true(pc_value(&doc, "signet_signing_duration_seconds_bucket",
			     "kind=domainkeys,le=+Inf") == 2);
	assert_non_null(strstr(text, "signet_signing_duration_seconds_sum{kind=\"domainkeys\"} 40\n"));
	assert_non_null(strstr(text, "signet_signing_duration_seconds_sum{kind=\"dkim\"} 0.00056\n"));
	assert_true(pc_value(&doc, "signet_worker_messages_total",
			     "worker=1,kind=dkim,result=skipped") == 5);
	assert_true(pc_value(&doc, "signet_worker_messages_total",
			     "worker=0,kind=dkim,result=processed") == 6);
	assert_true(pc_value(&doc, "signet_stats_keys", NULL) == 3);
	pc_free(&doc);
	free(text);
	sg_stats_free(s);
}

static void test_escaping_and_other(void **state)
{
	struct sg_stats *s;
	struct pc_doc doc;
	char *text;
	struct sg_stats_delta d = th_signed(0, SG_KIND_DKIM, "we\"ird\\name", "s\"", 1, 10);

	(void)state;
	assert_int_equal(sg_stats_new(&s), SG_OK);
	sg_stats_set_limits(s, 1, 1);
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
	d = th_signed(7, SG_KIND_DKIM, "next.example", "s", 4, 10);
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
	text = exposition(s);
	assert_non_null(strstr(text, "domain=\"we\\\"ird\\\\name\",selector=\"s\\\"\""));
	pc_parse(text, &doc);
	assert_true(pc_value(&doc, "signet_messages_total",
			     "domain=we\"ird\\name,selector=s\",result=signed") == 1);
	assert_true(pc_value(&doc, "signet_messages_total",
			     "domain=(other),selector=(other),result=signed") == 4);
	assert_true(pc_value(&doc, "signet_worker_messages_total",
			     "worker=(other),kind=dkim,result=signed") == 4);
	assert_true(pc_value(&doc, "signet_stats_overflow_total", NULL) == 1);
	pc_free(&doc);
	free(text);
	sg_stats_free(s);
}

static void test_buffer_limit(void **state)
{
	struct sg_stats *s = populated();
	struct sg_buf b;

	(void)state;
	sg_buf_init(&b, 1000);
	assert_int_equal(sg_stats_prometheus(s, &b), SG_E_LIMIT);
	sg_buf_free(&b);
	sg_stats_free(s);
}

static void test_promtool(void **state)
{
	struct sg_stats *s = populated();
	char path[] = "/tmp/signet-prom-XXXXXX";
	char cmd[256];
	char *text = exposition(s);
	int fd, status;

	(void)state;
	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		free(text);
		sg_stats_free(s);
		skip();		/* promtool is in Debian's prometheus package */
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	status = system(cmd);
	unlink(path);
	free(text);
	sg_stats_free(s);
	assert_int_equal(status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_escaping_and_other),
		cmocka_unit_test(test_buffer_limit),
		cmocka_unit_test(test_promtool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
