/*
 * NAME
 *   test_sd_bufring.c - unit tests for dataplane/signetd/sd_bufring.c
 *
 * SUMMARY
 *   With a real io_uring and socket pairs: a receive takes a buffer of the
 *   group only when data arrives and the completion names it (data and
 *   length right); with every buffer in use the next receive fails with
 *   ENOBUFS and, once a buffer is recycled, succeeds; a completion without
 *   a buffer gives NULL; bad counts are refused.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "sd_bufring.h"

static struct io_uring_cqe *recv_one(struct io_uring *ring, struct sd_bufring *b, int fd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe = NULL;

	assert_non_null(sqe);
	sd_bufring_prep_recv(b, sqe, fd);
	assert_int_equal(io_uring_submit_and_wait(ring, 1), 1);
	assert_int_equal(io_uring_peek_cqe(ring, &cqe), 0);
	return cqe;
}

static void test_receive_and_recycle(void **state)
{
	struct io_uring ring;
	struct sd_bufring *b;
	struct sg_error err;
	struct io_uring_cqe *cqe;
	int a[2], c[2];
	unsigned bid = 99;
	char *data;

	(void)state;
	assert_int_equal(io_uring_queue_init(8, &ring, 0), 0);
	assert_int_equal(sd_bufring_new(&ring, 3, 1, 16, &b, &err), SG_OK);
	assert_int_equal(sd_bufring_size(b), 16);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
	assert_int_equal(write(a[1], "hello", 5), 5);
	assert_int_equal(write(c[1], "world", 5), 5);
	cqe = recv_one(&ring, b, a[0]);
	assert_int_equal(cqe->res, 5);
	data = sd_bufring_take(b, cqe, &bid);
	assert_non_null(data);
	assert_int_equal(bid, 0);
	assert_memory_equal(data, "hello", 5);
	io_uring_cqe_seen(&ring, cqe);
	cqe = recv_one(&ring, b, c[0]);		/* the only buffer is taken */
	assert_int_equal(cqe->res, -ENOBUFS);
	assert_null(sd_bufring_take(b, cqe, &bid));
	io_uring_cqe_seen(&ring, cqe);
	sd_bufring_recycle(b, 0);
	cqe = recv_one(&ring, b, c[0]);
	assert_int_equal(cqe->res, 5);
	data = sd_bufring_take(b, cqe, &bid);
	assert_memory_equal(data, "world", 5);
	io_uring_cqe_seen(&ring, cqe);
	sd_bufring_free(b, &ring);
	io_uring_queue_exit(&ring);
	close(a[0]);
	close(a[1]);
	close(c[0]);
	close(c[1]);
}

static void test_bad_counts(void **state)
{
	struct io_uring ring;
	struct sd_bufring *b;
	struct sg_error err;

	(void)state;
	assert_int_equal(io_uring_queue_init(4, &ring, 0), 0);
	assert_int_equal(sd_bufring_new(&ring, 1, 0, 16, &b, &err), SG_E_ARG);
	assert_int_equal(sd_bufring_new(&ring, 1, 3, 16, &b, &err), SG_E_ARG);
	assert_int_equal(sd_bufring_new(&ring, 1, 65536, 16, &b, &err), SG_E_ARG);
	assert_int_equal(sd_bufring_new(&ring, 1, 4, 0, &b, &err), SG_E_ARG);
	assert_null(b);
	assert_int_equal(sd_bufring_new(&ring, 1, 4, 16, &b, &err), SG_OK);
	sd_bufring_free(b, &ring);
	sd_bufring_free(NULL, &ring);
	io_uring_queue_exit(&ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receive_and_recycle),
		cmocka_unit_test(test_bad_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
