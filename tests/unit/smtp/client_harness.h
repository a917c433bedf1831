/*
 * NAME
 *   client_harness.h - drives the SMTP client machine in the unit tests
 *
 * SUMMARY
 *   c_out(c, write_max) collects everything the machine wants written, as
 *   one string, writing at most write_max octets per "write" (0 = all of
 *   the iovecs offered) so partial writes are exercised; c_reply(c, text)
 *   feeds next-hop replies and asserts they were all used (unless the
 *   machine closed); c_ready(cfg, ehlo) returns a machine past the
 *   greeting and the given EHLO reply. Header-only.
 */
#ifndef SIGNET_CLIENT_HARNESS_H
#define SIGNET_CLIENT_HARNESS_H

#include "testutil.h"

#include "buf.h"
#include "smtp_client.h"

#define EHLO_PIPELINING "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 100000\r\n" \
	"250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"
#define EHLO_PLAIN "250-mx.example\r\n250 HELP\r\n"

static inline char *c_out(struct sg_smtp_client *c, size_t write_max)
{
	struct sg_buf b;
	struct iovec iov[8];
	int n;
	char *s;

	sg_buf_init(&b, SIZE_MAX);
	while ((n = sg_smtp_client_output(c, iov, 8)) > 0) {
		size_t done = 0;

		for (int i = 0; i < n; i++) {
			size_t k = iov[i].iov_len;

			if (write_max && done + k > write_max)
				k = write_max - done;
			assert_int_equal(sg_buf_append(&b, iov[i].iov_base, k), SG_OK);
			done += k;
			if (k < iov[i].iov_len)
				break;
		}
		assert_true(done > 0);
		sg_smtp_client_output_done(c, done);
	}
	s = strdup(sg_buf_cstr(&b));
	assert_non_null(s);
	sg_buf_free(&b);
	return s;
}

static inline void c_expect_out(struct sg_smtp_client *c, const char *want)
{
	char *got = c_out(c, 0);

	if (strcmp(got, want) != 0)
		fail_msg("wanted %s\ngot    %s", tu_escaped(want, strlen(want)),
			 tu_escaped(got, strlen(got)));
	free(got);
}

static inline void c_reply(struct sg_smtp_client *c, const char *text)
{
	size_t used = sg_smtp_client_feed(c, text, strlen(text));

	if (sg_smtp_client_state(c) != SG_SMTP_CLIENT_CLOSED)
		assert_int_equal(used, strlen(text));
}

static inline struct sg_smtp_client *c_ready(const struct sg_smtp_client_config *cfg,
					     const char *ehlo)
{
	struct sg_smtp_client *c = sg_smtp_client_new(cfg);

	assert_non_null(c);
	c_expect_out(c, "");
	c_reply(c, "220 mx.example ESMTP\r\n");
	free(c_out(c, 0));
	c_reply(c, ehlo);
	assert_int_equal(sg_smtp_client_state(c), SG_SMTP_CLIENT_READY);
	return c;
}

#endif
