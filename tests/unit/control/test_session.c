/*
 * NAME
 *   test_session.c - unit tests for control/daemon/session.c
 *
 * SUMMARY
 *   One session on a socketpair, driven by hand (no poll loop). The
 *   handshake: the daemon's HELLO, a wrong protocol version, a first
 *   message other than HELLO, a malformed HELLO, HELLO twice. Framing: an
 *   oversized header answered and closed without reading the body, a
 *   length shorter than the header, an unknown type, garbage, a message
 *   arriving a byte at a time, two messages in one write, a connection
 *   closed in the middle of a message (logged), the deadline moved by a
 *   complete message only. KEY_REQUEST: the key's PEM with its generation
 *   and selector (the PEM loads to the same key), a negative answer with
 *   a reason, an unknown kind, a malformed request, a non-admin refused.
 *   STATS_PUSH: counted, a bad push refused without closing, a non-admin
 *   refused.
 */
#include "daemon_testutil.h"

#include "stats.h"

static const char *scopes =
	"dkim_sign \"main\" {\n  key = \"keys/%{d}/%{s}.key\"\n"
	"  dk_domain \"example.com\" { selector = \"s1\" }\n}\n";

static void setup(struct dt *t)
{
	memset(t, 0, sizeof(*t));
	dt_config(t, "", scopes);
	dt_start(t);
}

static void test_hello(void **state)
{
	struct dt t;
	struct session *s;
	struct sg_wire_in r;
	uint64_t v = 0;
	char name[64];
	int fd;

	(void)state;
	setup(&t);
	s = dt_session(&t, true, &fd);
	assert_int_equal(s->state, SESSION_HELLO);
	dt_send_hello(fd, SG_PROTO_VERSION, "signetctl 0.1.0");
	dt_pump(&t, s);
	dt_read(&t, fd, &r);
	assert_int_equal(r.type, SG_MSG_HELLO);
	assert_true(sg_wire_get_u64(&r, &v));
	assert_int_equal(v, SG_PROTO_VERSION);
	assert_true(sg_wire_get_str(&r, name, sizeof(name)));
	assert_true(strncmp(name, "signet-controld ", 16) == 0 && name[16] >= '0' &&
		    name[16] <= '9');
	assert_true(sg_wire_end(&r));
	assert_int_equal(s->state, SESSION_READY);
	assert_string_equal(s->client, "signetctl 0.1.0");
	assert_false(s->dataplane);
	assert_false(s->dead);

	/* a second HELLO is a protocol fault */
	dt_send_hello(fd, SG_PROTO_VERSION, "again");
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "unexpected message type 1");
	assert_true(s->dead);
	close(fd);
	dt_stop(&t);
}

static void test_wrong_version(void **state)
{
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	setup(&t);
	s = dt_session(&t, true, &fd);
	dt_send_hello(fd, SG_PROTO_VERSION + 1, "future client");
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "protocol version 2 is not supported: signet-controld speaks "
			"version 1");
	assert_true(s->dead);
	assert_int_equal(s->state, SESSION_HELLO);
	assert_true(kt_log_has(&t.log, "speaks protocol version 2: refused"));
	close(fd);
	dt_stop(&t);
}

static void test_hello_required_first(void **state)
{
	const char *argv[] = { "version" };
	struct dt t;
	struct session *s;
	struct sg_wire_out w;
	int fd;

	(void)state;
	setup(&t);
	s = dt_session(&t, true, &fd);
	dt_send_command_id(fd, SG_CMD_VERSION, 1, argv);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "HELLO expected first, got message type 3");
	assert_true(s->dead);
	close(fd);

	s = dt_session(&t, true, &fd);
	sg_wire_begin(&w, SG_MSG_HELLO);
	assert_int_equal(sg_wire_put_u64(&w, SG_PROTO_VERSION), SG_OK);	/* no name */
	dt_send(fd, &w);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "malformed HELLO: byte 17: string expected, message ends");
	assert_true(s->dead);
	close(fd);
	dt_stop(&t);
}

/* Writes raw bytes as the client. */
static void raw(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static void test_oversized_and_short(void **state)
{
	static const uint8_t big[8] = { 0, 0x10, 0, 1, 0, 3, 0, 0 };	/* 1 MiB + 1 */
	static const uint8_t tiny[8] = { 0, 0, 0, 7, 0, 3, 0, 0 };
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	setup(&t);
	s = dt_session(&t, true, &fd);
	raw(fd, big, 8);
	raw(fd, "body bytes that must not be read", 32);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "message of 1048577 bytes announced, the limit is 1048576");
	assert_true(s->dead);
	assert_int_equal(s->in.len, 8);		/* nothing past the header */
	assert_true(kt_log_has(&t.log, "1048577 bytes announced"));
	close(fd);

	s = dt_session(&t, true, &fd);
	raw(fd, tiny, 8);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "shorter than the 8-byte header");
	assert_true(s->dead);
	close(fd);
	dt_stop(&t);
}

static void test_garbage_and_unknown_type(void **state)
{
	static const uint8_t unknown[8] = { 0, 0, 0, 8, 0, 99, 0, 0 };
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	setup(&t);
	s = dt_session(&t, true, &fd);
	raw(fd, "GET / HTTP/1.0\r\n\r\n", 18);	/* "GET " = 1.2 GB */
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "bytes announced, the limit is");
	assert_true(s->dead);
	close(fd);

	s = dt_session(&t, true, &fd);
	raw(fd, unknown, 8);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "bad message: unknown message type 99");
	assert_true(s->dead);
	close(fd);

	s = dt_session(&t, true, &fd);
	dt_handshake(&t, s, fd);
	raw(fd, (const uint8_t[]){ 0, 0, 0, 8, 0, SG_MSG_RESULT, 0, 0 }, 8);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "unexpected message type 4");
	assert_true(s->dead);
	close(fd);
	dt_stop(&t);
}

static void test_byte_at_a_time_and_pipelined(void **state)
{
	const char *argv[] = { "version" };
	struct sg_wire_out w, two;
	struct sg_table tab;
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	setup(&t);
	s = dt_session(&t, true, &fd);
	sg_wire_begin(&w, SG_MSG_HELLO);
	assert_int_equal(sg_wire_put_u64(&w, SG_PROTO_VERSION), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, "slow"), SG_OK);
	assert_int_equal(sg_wire_finish(&w), SG_OK);
	for (size_t i = 0; i < w.buf.len; i++) {
		assert_int_equal(s->state, SESSION_HELLO);
		raw(fd, w.buf.data + i, 1);
		dt_pump(&t, s);
		assert_false(s->dead);
	}
	assert_int_equal(s->state, SESSION_READY);
	sg_wire_out_free(&w);
	{
		struct sg_wire_in r;

		dt_read(&t, fd, &r);
		assert_int_equal(r.type, SG_MSG_HELLO);
	}

	/* two commands in one write: both answered, in order */
	sg_wire_begin(&w, SG_MSG_COMMAND);
	assert_int_equal(sg_wire_put_u64(&w, SG_CMD_VERSION), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 1), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, argv[0]), SG_OK);
	assert_int_equal(sg_wire_finish(&w), SG_OK);
	sg_buf_init(&two.buf, SG_WIRE_MAX);
	assert_int_equal(sg_buf_append(&two.buf, w.buf.data, w.buf.len), SG_OK);
	assert_int_equal(sg_buf_append(&two.buf, w.buf.data, w.buf.len), SG_OK);
	raw(fd, two.buf.data, two.buf.len);
	dt_pump(&t, s);
	for (int i = 0; i < 2; i++) {
		dt_expect_table(&t, fd, &tab);
		assert_string_equal(tab.title, "version");
		sg_table_free(&tab);
	}
	sg_wire_out_free(&w);
	sg_wire_out_free(&two);
	close(fd);
	dt_stop(&t);
}

static void test_truncated_and_deadline(void **state)
{
	struct dt t;
	struct session *s;
	int64_t first;
	int fd;

	(void)state;
	setup(&t);
	s = dt_session(&t, true, &fd);
	first = s->deadline;
	assert_true(first > daemon_now_ms() + SG_DAEMON_IDLE_MS - 1000);
	raw(fd, (const uint8_t[]){ 0, 0, 0, 40, 0, 1, 0, 0, 'u', 0 }, 10);
	usleep(20000);
	dt_pump(&t, s);
	assert_int_equal(s->deadline, first);		/* a partial message moves nothing */
	assert_false(s->dead);
	close(fd);					/* ... and the client goes away */
	dt_pump(&t, s);
	assert_true(s->dead);
	assert_true(kt_log_has(&t.log, "middle of a message (10 of 40 bytes)"));

	s = dt_session(&t, true, &fd);
	first = s->deadline;
	usleep(20000);
	dt_handshake(&t, s, fd);
	assert_true(s->deadline > first);		/* a whole message does */
	close(fd);
	dt_pump(&t, s);
	assert_true(s->dead);
	dt_stop(&t);
}

static void send_key_request(int fd, bool with_domain, uint64_t kind, const char *domain)
{
	struct sg_wire_out w;

	sg_wire_begin(&w, SG_MSG_KEY_REQUEST);
	assert_int_equal(sg_wire_put_u64(&w, kind), SG_OK);
	if (with_domain)
		assert_int_equal(sg_wire_put_str(&w, domain), SG_OK);
	dt_send(fd, &w);
}

struct key_material {
	uint64_t generation, kind;
	char domain[256], selector[256], reason[256];
	const uint8_t *pem;
	size_t pem_len;
};

static void read_key_material(struct dt *t, int fd, struct key_material *m)
{
	struct sg_wire_in r;

	dt_read(t, fd, &r);
	assert_int_equal(r.type, SG_MSG_KEY_MATERIAL);
	assert_true(sg_wire_get_u64(&r, &m->generation));
	assert_true(sg_wire_get_u64(&r, &m->kind));
	assert_true(sg_wire_get_str(&r, m->domain, sizeof(m->domain)));
	assert_true(sg_wire_get_str(&r, m->selector, sizeof(m->selector)));
	assert_true(sg_wire_get_bytes(&r, &m->pem, &m->pem_len, SG_WIRE_MAX));
	assert_true(sg_wire_get_str(&r, m->reason, sizeof(m->reason)));
	assert_true(sg_wire_end(&r));
}

static void test_key_request(void **state)
{
	uint8_t pub1[SG_PUBKEY_MAX], pub2[SG_PUBKEY_MAX];
	struct sg_privkey *key, *back = NULL;
	struct key_material m;
	char path[4096];
	struct dt t;
	struct session *s;
	size_t n1, n2;
	int fd;

	(void)state;
	memset(&t, 0, sizeof(t));
	dt_config(&t, "", scopes);
	snprintf(path, sizeof(path), "%s/keys/example.com/s1.key", t.dir);
	key = kt_key(path, SG_KEY_ED25519, 0, 0600);
	dt_start(&t);
	s = dt_session(&t, true, &fd);
	dt_handshake(&t, s, fd);

	send_key_request(fd, true, SG_KIND_DKIM, "example.com");
	dt_pump(&t, s);
	read_key_material(&t, fd, &m);
	assert_int_equal(m.kind, SG_KIND_DKIM);
	assert_string_equal(m.domain, "example.com");
	assert_string_equal(m.selector, "s1");
	assert_true(m.generation > 0);
	assert_true(m.pem_len > 0);
	assert_int_equal(sg_privkey_load_mem((const char *)m.pem, m.pem_len, &back, NULL), SG_OK);
	assert_int_equal(sg_privkey_public(key, pub1, sizeof(pub1), &n1, NULL), SG_OK);
	assert_int_equal(sg_privkey_public(back, pub2, sizeof(pub2), &n2, NULL), SG_OK);
	assert_int_equal(n1, n2);
	assert_memory_equal(pub1, pub2, n1);
	assert_int_equal(s->key_requests, 1);

	/* no key: a negative answer, not an error */
	send_key_request(fd, true, SG_KIND_DKIM, "unknown.example");
	dt_pump(&t, s);
	read_key_material(&t, fd, &m);
	assert_int_equal(m.pem_len, 0);
	assert_string_equal(m.domain, "unknown.example");
	assert_true(m.reason[0] != '\0');

	send_key_request(fd, true, 7, "example.com");
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "unknown signature kind 7");
	assert_false(s->dead);

	send_key_request(fd, false, SG_KIND_DKIM, NULL);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "malformed KEY_REQUEST");
	assert_true(s->dead);
	close(fd);

	s = dt_session(&t, false, &fd);
	dt_handshake(&t, s, fd);
	send_key_request(fd, true, SG_KIND_DKIM, "example.com");
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "permission denied: key material (root or the daemon's user "
			"required");
	assert_false(s->dead);
	assert_int_equal(s->key_requests, 0);
	assert_true(kt_log_has(&t.log, "key request for example.com from uid 65534"));
	close(fd);
	sg_privkey_free(back);
	sg_privkey_free(key);
	dt_stop(&t);
}

static uint64_t dkim_processed(struct dt *t)
{
	struct sg_table tab;
	const char *v;
	long row;

	sg_table_init(&tab, "");
	assert_int_equal(sg_stats_summary(t->d->stats, &tab), SG_OK);
	row = kt_find_row(&tab, "counter", "dkim_processed");
	assert_true(row >= 0);
	v = kt_cell(&tab, (size_t)row, "value");
	row = strtol(v, NULL, 10);
	sg_table_free(&tab);
	return (uint64_t)row;
}

static void test_stats_push(void **state)
{
	struct sg_stats_delta delta;
	struct sg_wire_out w;
	struct sg_table tab;
	struct dt t;
	struct session *s;
	int fd;

	(void)state;
	setup(&t);
	memset(&delta, 0, sizeof(delta));
	delta.worker = 3;
	delta.kind = SG_KIND_DKIM;
	snprintf(delta.domain, sizeof(delta.domain), "example.com");
	snprintf(delta.selector, sizeof(delta.selector), "s1");
	delta.processed = 5;
	delta.signed_ok = 5;

	s = dt_session(&t, true, &fd);
	dt_handshake(&t, s, fd);
	assert_int_equal(sg_stats_encode_push(&delta, 1, &w), SG_OK);
	dt_send(fd, &w);
	dt_pump(&t, s);
	dt_expect_table(&t, fd, &tab);
	assert_int_equal(tab.ncols, 0);
	sg_table_free(&tab);
	assert_int_equal(dkim_processed(&t), 5);
	assert_int_equal(s->stats_pushes, 1);

	/* a push that says 1 entry and carries none: refused, session goes on */
	sg_wire_begin(&w, SG_MSG_STATS_PUSH);
	assert_int_equal(sg_wire_put_u64(&w, 3), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, SG_STATS_BUCKETS), SG_OK);
	assert_int_equal(sg_wire_put_u64(&w, 1), SG_OK);
	dt_send(fd, &w);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "statistics refused");
	assert_false(s->dead);
	assert_int_equal(dkim_processed(&t), 5);
	close(fd);

	s = dt_session(&t, false, &fd);
	dt_handshake(&t, s, fd);
	assert_int_equal(sg_stats_encode_push(&delta, 1, &w), SG_OK);
	dt_send(fd, &w);
	dt_pump(&t, s);
	dt_expect_error(&t, fd, "permission denied: statistics push");
	assert_int_equal(dkim_processed(&t), 5);
	close(fd);
	dt_stop(&t);
}

static void test_dataplane_name(void **state)
{
	struct dt t;
	struct session *s;
	struct sg_wire_in r;
	int fd;

	(void)state;
	setup(&t);
	s = dt_session(&t, true, &fd);
	dt_send_hello(fd, SG_PROTO_VERSION, "signetd 0.1.0 worker");
	dt_pump(&t, s);
	dt_read(&t, fd, &r);
	assert_true(s->dataplane);
	close(fd);
	dt_stop(&t);
}

/* An admin signetd between messages is never dropped for idling (it may
 * have nothing to ask for hours); an ordinary client, or a signetd that is
 * not an admin, keeps the idle deadline; a message signetd starts is timed
 * again. */
static void test_idle_deadline(void **state)
{
	static const struct { bool admin; const char *name; bool forever; } cases[] = {
		{ true, "signetd 0.1.0 worker", true },
		{ false, "signetd 0.1.0 worker", false },
		{ true, "signetctl", false },
	};
	struct dt t;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct session *s;
		struct sg_wire_in r;
		int fd;

		setup(&t);
		s = dt_session(&t, cases[i].admin, &fd);
		dt_send_hello(fd, SG_PROTO_VERSION, cases[i].name);
		dt_pump(&t, s);
		dt_read(&t, fd, &r);
		if (cases[i].forever)
			assert_true(s->deadline == INT64_MAX);
		else
			assert_true(s->deadline < INT64_MAX);
		if (cases[i].forever) {	/* the first bytes of a message: timed again */
			assert_int_equal(write(fd, "\0\0", 2), 2);
			dt_pump(&t, s);
			assert_true(s->deadline < INT64_MAX);
		}
		close(fd);
		dt_stop(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_hello_required_first),
		cmocka_unit_test(test_oversized_and_short),
		cmocka_unit_test(test_garbage_and_unknown_type),
		cmocka_unit_test(test_byte_at_a_time_and_pipelined),
		cmocka_unit_test(test_truncated_and_deadline),
		cmocka_unit_test(test_key_request),
		cmocka_unit_test(test_stats_push),
		cmocka_unit_test(test_dataplane_name),
		cmocka_unit_test(test_idle_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
