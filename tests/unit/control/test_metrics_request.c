/*
 * NAME
 *   test_metrics_request.c - unit tests for control/stats/metrics_request.c
 *
 * SUMMARY
 *   The end of a head (CRLF CRLF, LF LF, mixed, not yet); the status of
 *   request lines: GET /metrics (with a query, HTTP/1.0 and 1.1) 200,
 *   other paths 404, other methods 405, other HTTP majors 505, malformed
 *   lines 400 (extra spaces, control bytes, no version, bad method token,
 *   relative target); the answers: status line, Content-Length equal to
 *   the body, the 0.0.4 content type for 200, Allow for 405.
 */
#include "testutil.h"

#include "metrics_http.h"
#include "stats_helpers.h"

static int route(const char *head)
{
	return sg_metrics_route(head, strlen(head));
}

static void test_head_end(void **state)
{
	(void)state;
	assert_int_equal(sg_metrics_head_end("GET / HTTP/1.0\r\n\r\nrest", 22), 18);
	assert_int_equal(sg_metrics_head_end("GET / HTTP/1.0\n\n", 16), 16);
	assert_int_equal(sg_metrics_head_end("GET / HTTP/1.0\nA: b\r\n\r\n", 23), 23);
	assert_int_equal(sg_metrics_head_end("GET / HTTP/1.0\r\n\r", 17), 0);
	assert_int_equal(sg_metrics_head_end("GET / HTTP/1.0\r\n", 16), 0);
	assert_int_equal(sg_metrics_head_end("", 0), 0);
}

static void test_routes(void **state)
{
	(void)state;
	assert_int_equal(route("GET /metrics HTTP/1.0\r\n\r\n"), 200);
	assert_int_equal(route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
	assert_int_equal(route("GET /metrics?name[]=a HTTP/1.1\n\n"), 200);
	assert_int_equal(route("GET / HTTP/1.0\r\n\r\n"), 404);
	assert_int_equal(route("GET /metricsx HTTP/1.0\r\n\r\n"), 404);
	assert_int_equal(route("GET /metric HTTP/1.0\r\n\r\n"), 404);
	assert_int_equal(route("GET /Metrics HTTP/1.0\r\n\r\n"), 404);
	assert_int_equal(route("POST /metrics HTTP/1.0\r\n\r\n"), 405);
	assert_int_equal(route("HEAD /metrics HTTP/1.0\r\n\r\n"), 405);
	assert_int_equal(route("get /metrics HTTP/1.0\r\n\r\n"), 405);
	assert_int_equal(route("GET /metrics HTTP/2.0\r\n\r\n"), 505);
	assert_int_equal(route("GET /metrics HTTP/0.9\r\n\r\n"), 505);
	assert_int_equal(route("GET /metrics\r\n\r\n"), 400);
	assert_int_equal(route("GET  /metrics HTTP/1.0\r\n\r\n"), 400);
	assert_int_equal(route("GET /metrics HTTP/1.0 \r\n\r\n"), 400);
	assert_int_equal(route("GET /met\trics HTTP/1.0\r\n\r\n"), 400);
	assert_int_equal(route("GET /metrics HTTP/1.10\r\n\r\n"), 400);
	assert_int_equal(route("GET /metrics http/1.0\r\n\r\n"), 400);
	assert_int_equal(route("G(T /metrics HTTP/1.0\r\n\r\n"), 400);
	assert_int_equal(route("GET metrics HTTP/1.0\r\n\r\n"), 400);
	assert_int_equal(route(" GET /metrics HTTP/1.0\r\n\r\n"), 400);
	assert_int_equal(sg_metrics_route("GET /metrics\0 HTTP/1.0\n\n", 25), 400);
	assert_int_equal(route("\r\n\r\n"), 400);
	assert_int_equal(route("no newline"), 400);
}

static void check_answer(struct sg_stats *s, int status, const char *status_line,
			 const char *must)
{
	struct sg_buf out;
	const char *body;
	unsigned long clen;
	const char *cl;

	sg_buf_init(&out, SIZE_MAX);
	sg_metrics_answer(s, status, &out);
	assert_true(strncmp(out.data, status_line, strlen(status_line)) == 0);
	assert_non_null(strstr(out.data, must));
	assert_non_null(strstr(out.data, "\r\nConnection: close\r\n"));
	body = strstr(out.data, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	cl = strstr(out.data, "\r\nContent-Length: ");
	assert_non_null(cl);
	clen = strtoul(cl + 18, NULL, 10);
	assert_int_equal(clen, out.len - (size_t)(body - out.data));
	sg_buf_free(&out);
}

static void test_answers(void **state)
{
	struct sg_stats *s;
	struct sg_stats_delta d = th_signed(0, SG_KIND_DKIM, "example.com", "s", 1, 10);

	(void)state;
	assert_int_equal(sg_stats_new(&s), SG_OK);
	assert_int_equal(sg_stats_add(s, &d), SG_OK);
	check_answer(s, 200, "HTTP/1.0 200 OK\r\n",
		     "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n");
	check_answer(s, 200, "HTTP/1.0 200 OK\r\n", "domain=\"example.com\"");
	check_answer(s, 404, "HTTP/1.0 404 Not Found\r\n", "\r\n\r\n404 Not Found\n");
	check_answer(s, 405, "HTTP/1.0 405 Method Not Allowed\r\n", "\r\nAllow: GET\r\n");
	check_answer(s, 400, "HTTP/1.0 400 Bad Request\r\n", "text/plain");
	check_answer(s, 431, "HTTP/1.0 431 Request Header Fields Too Large\r\n", "431");
	check_answer(s, 505, "HTTP/1.0 505 HTTP Version Not Supported\r\n", "505");
	check_answer(s, 500, "HTTP/1.0 500 Internal Server Error\r\n", "500");
	sg_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_end),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
