/*
 * NAME
 *   fake_controld.h - the server side of the control socket for the
 *                     signetd unit tests, run in the test's own thread
 *
 * SUMMARY
 *   fc_listen(path) binds and listens on a Unix socket; fc_accept_hello
 *   accepts one client, reads its HELLO (version SG_PROTO_VERSION, the
 *   client name must start with name_prefix) and answers HELLO with
 *   server_name; fc_read reads one whole message (blocking, 2 s deadline)
 *   and opens it; fc_send finishes, writes and frees one. Every failure
 *   fails the test. Header-only: one test file includes it once.
 */
#ifndef SIGNET_TEST_FAKE_CONTROLD_H
#define SIGNET_TEST_FAKE_CONTROLD_H

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"

#include "proto.h"

static __attribute__((unused)) int fc_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* One whole message into buf (sg_buf_free it), opened into r. */
static __attribute__((unused)) void fc_read(int peer, struct sg_wire_in *r, struct sg_buf *buf)
{
	struct sg_error err;

	sg_buf_init(buf, SG_WIRE_MAX);
	if (sg_wire_read(peer, buf, 2000, &err) != SG_OK)
		fail_msg("fake controld: %s", err.msg);
	assert_int_equal(sg_wire_open(r, buf->data, buf->len, &err), SG_OK);
}

static __attribute__((unused)) void fc_send(int peer, struct sg_wire_out *w)
{
	struct sg_error err;

	assert_int_equal(sg_wire_finish(w), SG_OK);
	if (sg_wire_write(peer, w, 2000, &err) != SG_OK)
		fail_msg("fake controld: %s", err.msg);
	sg_wire_out_free(w);
}

static __attribute__((unused)) int fc_accept_hello(int listen_fd, const char *name_prefix,
						   const char *server_name)
{
	int peer = accept(listen_fd, NULL, NULL);
	struct sg_wire_out w;
	struct sg_wire_in r;
	struct sg_buf buf;
	char client[128];
	uint64_t v = 0;

	assert_true(peer >= 0);
	fc_read(peer, &r, &buf);
	assert_int_equal(r.type, SG_MSG_HELLO);
	assert_true(sg_wire_get_u64(&r, &v) && sg_wire_get_str(&r, client, sizeof(client)));
	assert_true(sg_wire_end(&r));
	assert_int_equal(v, SG_PROTO_VERSION);
	if (strncmp(client, name_prefix, strlen(name_prefix)) != 0)
		fail_msg("client name \"%s\" does not start with \"%s\"", client, name_prefix);
	sg_buf_free(&buf);
	sg_wire_begin(&w, SG_MSG_HELLO);
	assert_int_equal(sg_wire_put_u64(&w, SG_PROTO_VERSION), SG_OK);
	assert_int_equal(sg_wire_put_str(&w, server_name), SG_OK);
	fc_send(peer, &w);
	return peer;
}

#endif
