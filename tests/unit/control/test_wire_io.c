/*
 * NAME
 *   test_wire_io.c - unit tests for control/proto/wire_io.c
 *
 * SUMMARY
 *   sg_wire_read / sg_wire_write over a socketpair and a pipe:
 *   back-to-back messages, EOF before and inside a message, an oversized
 *   header refused before its body is read, a read deadline, a 1 MiB
 *   message (written by a thread while read), a write that cannot finish
 *   in time, bad arguments.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "proto.h"

static void make_msg(struct sg_wire_out *w, const char *s)
{
	sg_wire_begin(w, SG_MSG_ERROR);
	assert_int_equal(sg_wire_put_str(w, s), SG_OK);
	assert_int_equal(sg_wire_finish(w), SG_OK);
}

static void test_read_write_pair(void **state)
{
	struct sg_wire_out a, b;
	struct sg_buf in;
	struct sg_error err;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	make_msg(&a, "first");
	make_msg(&b, "second");
	assert_int_equal(sg_wire_write(sv[0], &a, 1000, NULL), SG_OK);
	assert_int_equal(sg_wire_write(sv[0], &b, 1000, NULL), SG_OK);
	sg_buf_init(&in, SG_WIRE_MAX);
	assert_int_equal(sg_wire_read(sv[1], &in, 1000, NULL), SG_OK);
	assert_int_equal(in.len, a.buf.len);
	assert_memory_equal(in.data, a.buf.data, a.buf.len);	/* nothing of b read */
	assert_int_equal(sg_wire_read(sv[1], &in, 1000, NULL), SG_OK);
	assert_memory_equal(in.data, b.buf.data, b.buf.len);

	/* nothing more: the deadline */
	sg_error_clear(&err);
	assert_int_equal(sg_wire_read(sv[1], &in, 50, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "timed out"));

	/* half a message, then EOF */
	assert_int_equal(write(sv[0], a.buf.data, 10), 10);
	close(sv[0]);
	assert_int_equal(sg_wire_read(sv[1], &in, 1000, &err), SG_E_IO);
	assert_non_null(strstr(err.msg, "middle of a message (10 of 18 bytes)"));
	assert_int_equal(sg_wire_read(sv[1], &in, 1000, &err), SG_E_IO);
	assert_string_equal(err.msg, "connection closed");
	close(sv[1]);
	sg_wire_out_free(&a);
	sg_wire_out_free(&b);
	sg_buf_free(&in);
}

static void test_read_oversized_header(void **state)
{
	static const uint8_t h[8] = { 0, 0x10, 0, 1, 0, 3, 0, 0 };
	struct sg_buf in;
	struct sg_error err;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], h, 8), 8);
	assert_int_equal(write(sv[0], "tail", 4), 4);
	sg_buf_init(&in, SG_WIRE_MAX);
	sg_error_clear(&err);
	assert_int_equal(sg_wire_read(sv[1], &in, 1000, &err), SG_E_LIMIT);
	assert_int_equal(in.len, 8);	/* the body was not read */
	assert_int_equal(read(sv[1], (char[8]){ 0 }, 8), 4);
	close(sv[0]);
	close(sv[1]);
	sg_buf_free(&in);
}

struct writer {
	int fd;
	const struct sg_wire_out *w;
	enum sg_err rc;
};

static void *write_thread(void *arg)
{
	struct writer *wr = arg;

	wr->rc = sg_wire_write(wr->fd, wr->w, 5000, NULL);
	return NULL;
}

static void test_big_message(void **state)
{
	size_t room = SG_WIRE_MAX - SG_WIRE_HEADER - 5;
	uint8_t *blob = malloc(room);
	struct sg_wire_out w;
	struct writer wr;
	struct sg_buf in;
	pthread_t th;
	int sv[2];

	(void)state;
	assert_non_null(blob);
	for (size_t i = 0; i < room; i++)
		blob[i] = (uint8_t)(i * 7);
	sg_wire_begin(&w, SG_MSG_RESULT);
	assert_int_equal(sg_wire_put_bytes(&w, blob, room), SG_OK);
	assert_int_equal(sg_wire_finish(&w), SG_OK);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	wr = (struct writer){ .fd = sv[0], .w = &w };
	assert_int_equal(pthread_create(&th, NULL, write_thread, &wr), 0);
	sg_buf_init(&in, SG_WIRE_MAX);
	assert_int_equal(sg_wire_read(sv[1], &in, 5000, NULL), SG_OK);
	pthread_join(th, NULL);
	assert_int_equal(wr.rc, SG_OK);
	assert_int_equal(in.len, SG_WIRE_MAX);
	assert_memory_equal(in.data, w.buf.data, SG_WIRE_MAX);

	/* nobody reads: the write gives up at its deadline */
	{
		struct sg_error err;

		sg_error_clear(&err);
		assert_int_equal(sg_wire_write(sv[0], &w, 100, &err), SG_E_IO);
		assert_non_null(strstr(err.msg, "cannot write a message"));
	}
	close(sv[0]);
	close(sv[1]);
	sg_wire_out_free(&w);
	sg_buf_free(&in);
	free(blob);
}

static void test_pipe_and_bad_args(void **state)
{
	struct sg_wire_out w, empty = { .buf = { 0 } };
	struct sg_buf in;
	struct sg_error err;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	make_msg(&w, "through a pipe");
	assert_int_equal(sg_wire_write(p[1], &w, 1000, NULL), SG_OK);	/* not a socket */
	sg_buf_init(&in, SG_WIRE_MAX);
	assert_int_equal(sg_wire_read(p[0], &in, 1000, NULL), SG_OK);
	assert_memory_equal(in.data, w.buf.data, w.buf.len);
	sg_error_clear(&err);
	assert_int_equal(sg_wire_write(p[1], &empty, 1000, &err), SG_E_ARG);
	assert_int_equal(sg_wire_put_u64(&empty, 1), SG_E_NOMEM);	/* never begun */
	assert_int_equal(sg_wire_finish(&empty), SG_E_NOMEM);
	close(p[0]);
	close(p[1]);
	sg_wire_out_free(&w);
	sg_buf_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_write_pair),
		cmocka_unit_test(test_read_oversized_header),
		cmocka_unit_test(test_big_message),
		cmocka_unit_test(test_pipe_and_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
