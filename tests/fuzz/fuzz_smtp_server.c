/*
 * NAME
 *   fuzz_smtp_server.c - libFuzzer target for the ESMTP machines
 *                        (sg_smtp_server_* in dataplane/smtp/smtp_server*.c,
 *                        smtp_data.c, smtp_envelope.c; with the first byte's
 *                        top bit set, the client machine and its reply parser
 *                        in smtp_client*.c and smtp_reply.c)
 *
 * SUMMARY
 *   The first byte chooses the mode: bit 0 the client is in relay_hosts,
 *   bit 1 AUTH PLAIN is offered (the only credentials accepted are u/p),
 *   bit 2 small limits (message size 200, 2 recipients, 5 errors), bit 7
 *   the client machine. The rest is what the peer sends.
 *
 *   Server: the bytes are fed all at once, in two pieces (cut where
 *   fuzz_split_point says) and, for inputs up to 4 KiB, one byte at a
 *   time; the three transcripts (replies and the messages handed over)
 *   must be equal. Every run checks: feed never claims more than it was
 *   given and always makes progress unless it waits for the outcome or
 *   closes; queued output stays under twice SG_SMTP_SERVER_OUTPUT_HIGH;
 *   every reply line is "ddd" [SP|-] text CRLF, at most 512 octets, with a
 *   code from 2xx to 5xx; a message handed over is within the size limit,
 *   has only CRLF line ends, no NUL, no line over 1000 octets and ends in
 *   CRLF (or is empty); its envelope has 1..max recipients; and it comes
 *   from a relay client or an authenticated one (no open relay). Messages
 *   are answered 250, 451 or 554 in turn; the machine's first_dot is the
 *   message's first line-start '.'. The same bytes also go to the DATA
 *   reader alone (smtp_data.h) as message text: its 64-octet fast path,
 *   fed whole and in two pieces, must end exactly as its states alone
 *   (states_only) do - message, problem and its line, line, size, first
 *   dot, octets used.
 *
 *   Client: one message is queued before the greeting and the bytes are
 *   fed as replies in pieces, the output written in small partial writes.
 *   Checks: feed uses everything unless the machine closed; a result is
 *   consistent (accepted only with a 2xx reply to the end of data,
 *   permanent only with a 5xx reply); output is only produced in states
 *   that send; the text after 354 is the message dot-stuffed and is the
 *   last thing written. Bit 3: the message goes as a checked text
 *   (sg_smtp_text_check, sg_smtp_client_send_text), to the same wire.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes, in exactly-sized heap copies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_client.h"
#include "smtp_data.h"
#include "smtp_server.h"

#include "fuzzutil.h"

static bool auth_u_p(void *ctx, const char *authzid, const char *authcid, const char *pw)
{
	return strcmp(authcid, "u") == 0 && strcmp(pw, "p") == 0;
}

static void check_reply_lines(const char *p, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		FUZZ_CHECK(i - start + 1 <= 512, "reply line of %zu octets", i - start + 1);
		FUZZ_CHECK(i - start >= 4 && p[i - 1] == '\r', "reply line without CRLF");
		FUZZ_CHECK(p[start] >= '2' && p[start] <= '5' && p[start + 1] >= '0' &&
			   p[start + 1] <= '9' && p[start + 2] >= '0' && p[start + 2] <= '9',
			   "reply line without a code");
		FUZZ_CHECK(p[start + 3] == ' ' || p[start + 3] == '-' || p[start + 3] == '\r',
			   "reply code without a separator");
		start = i + 1;
	}
	FUZZ_CHECK(start == n, "output ends inside a line");
}

/* The first line-start '.' of m, or len. */
static size_t first_line_dot(const char *m, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (m[i] == '.' && (i == 0 || m[i - 1] == '\n'))
			return i;
	return len;
}

static void check_message(const struct sg_smtp_server *s, const struct sg_smtp_server_config *cfg)
{
	const struct sg_smtp_envelope *env = sg_smtp_server_envelope(s);
	size_t len, line = 0;
	const char *m = sg_smtp_server_message(s, &len);

	FUZZ_CHECK(env != NULL && m != NULL, "MESSAGE without a message");
	FUZZ_CHECK(len <= cfg->max_message_size, "message of %zu octets", len);
	FUZZ_CHECK(env->n_rcpt >= 1 && env->n_rcpt <= cfg->max_recipients, "%u recipients",
		   env->n_rcpt);
	FUZZ_CHECK(env->relay_client || env->auth_user != NULL, "open relay");
	FUZZ_CHECK(len == 0 || (len >= 2 && m[len - 2] == '\r' && m[len - 1] == '\n'),
		   "message does not end in CRLF");
	FUZZ_CHECK(sg_smtp_server_first_dot(s) == first_line_dot(m, len), "first dot %zu",
		   sg_smtp_server_first_dot(s));
	for (size_t i = 0; i < len; i++) {
		FUZZ_CHECK(m[i] != '\0', "NUL at %zu", i);
		FUZZ_CHECK(m[i] != '\r' || (i + 1 < len && m[i + 1] == '\n'), "bare CR at %zu", i);
		FUZZ_CHECK(m[i] != '\n' || (i > 0 && m[i - 1] == '\r'), "bare LF at %zu", i);
		line++;
		if (m[i] == '\n') {
			FUZZ_CHECK(line <= 1000, "line of %zu octets", line);
			line = 0;
		}
	}
}

static void drain(struct sg_smtp_server *s, struct fuzz_bytes *out)
{
	const char *p;
	size_t n;

	while ((p = sg_smtp_server_output(s, &n)) != NULL) {
		FUZZ_CHECK(n < 2 * SG_SMTP_SERVER_OUTPUT_HIGH, "%zu octets of output queued", n);
		check_reply_lines(p, n);
		fuzz_bytes_append(out, p, n);
		sg_smtp_server_output_done(s, n);
	}
}

static void answer(struct sg_smtp_server *s, const struct sg_smtp_server_config *cfg,
		   unsigned *count, struct fuzz_bytes *out)
{
	static const unsigned codes[3] = { 250, 451, 554 };
	size_t len;
	const char *m;

	check_message(s, cfg);
	m = sg_smtp_server_message(s, &len);
	fuzz_bytes_append(out, "\n--\n", 4);
	fuzz_bytes_append(out, m, len);
	FUZZ_CHECK(sg_smtp_server_finish(s, codes[*count % 3], NULL, "x") == SG_OK, "finish");
	(*count)++;
}

/* One session fed in pieces of `piece` octets (0 = two pieces at cut). */
static void run_server(const struct sg_smtp_server_config *cfg, unsigned flags,
		       const uint8_t *data, size_t size, size_t piece, size_t cut,
		       struct fuzz_bytes *out)
{
	struct sg_smtp_server *s = sg_smtp_server_new(cfg, flags);
	size_t off = 0, end = piece ? 0 : cut;
	unsigned count = 0;

	FUZZ_CHECK(s != NULL, "out of memory");
	drain(s, out);
	while (off < size && sg_smtp_server_state(s) != SG_SMTP_SERVER_CLOSING) {
		size_t n, used;
		char *chunk;

		if (end <= off)
			end = piece ? off + piece : size;
		n = (end < size ? end : size) - off;
		chunk = fuzz_copy(data + off, n);
		used = sg_smtp_server_feed(s, chunk, n);
		free(chunk);
		FUZZ_CHECK(used <= n, "used %zu of %zu", used, n);
		off += used;
		drain(s, out);
		if (sg_smtp_server_state(s) == SG_SMTP_SERVER_MESSAGE)
			answer(s, cfg, &count, out);
		else
			FUZZ_CHECK(used > 0 || sg_smtp_server_state(s) == SG_SMTP_SERVER_CLOSING,
				   "no progress at offset %zu", off);
		drain(s, out);
	}
	sg_smtp_server_free(s);
}

/* The DATA reader alone (states_only: without its fast path), in two
 * pieces cut at cut; what it ends with goes to out. */
static void run_data(const uint8_t *data, size_t size, uint64_t max, bool states_only,
		     size_t cut, struct fuzz_bytes *out)
{
	struct sg_smtp_data d;
	size_t used = 0;
	char line[96];

	sg_smtp_data_init(&d, max);
	d.states_only = states_only;
	while (used < size && !sg_smtp_data_done(&d)) {
		size_t n = (used < cut ? cut : size) - used;
		char *chunk = fuzz_copy(data + used, n);
		size_t k = sg_smtp_data_feed(&d, (const uint8_t *)chunk, n);

		free(chunk);
		FUZZ_CHECK(k == n || sg_smtp_data_done(&d), "data: used %zu of %zu", k, n);
		used += k;
	}
	snprintf(line, sizeof(line), "%zu %d %d %u %u %llu %llu\n", used, sg_smtp_data_done(&d),
		 (int)d.problem, d.problem_line, d.line, (unsigned long long)d.size,
		 (unsigned long long)(d.problem ? 0 : d.first_dot));
	fuzz_bytes_append(out, line, strlen(line));
	fuzz_bytes_append(out, d.msg.data ? d.msg.data : "", d.msg.len);
	sg_smtp_data_free(&d);
}

/* The fast path of the DATA reader against its states alone. */
static void fuzz_data(const uint8_t *data, size_t size, uint64_t max)
{
	struct fuzz_bytes states = { 0 }, fast = { 0 }, split = { 0 };

	run_data(data, size, max, true, size, &states);
	run_data(data, size, max, false, size, &fast);
	run_data(data, size, max, false, fuzz_split_point(data, size), &split);
	FUZZ_CHECK(fuzz_bytes_equal(&states, &fast), "fast path differs from the states");
	FUZZ_CHECK(fuzz_bytes_equal(&states, &split), "fast path in two pieces differs");
	fuzz_bytes_free(&states);
	fuzz_bytes_free(&fast);
	fuzz_bytes_free(&split);
}

static void fuzz_server(uint8_t mode, const uint8_t *data, size_t size)
{
	struct sg_smtp_server_config cfg = {
		.hostname = "fuzz.test",
		.max_message_size = mode & 4 ? 200 : 1 << 20,
		.max_recipients = mode & 4 ? 2 : 100,
		.max_errors = mode & 4 ? 5 : 1000,
		.auth_plain = (mode & 2) != 0,
		.auth_check = auth_u_p,
	};
	unsigned flags = mode & 1 ? SG_SMTP_SERVER_RELAY_CLIENT : 0;
	struct fuzz_bytes whole = { 0 }, split = { 0 }, bytes = { 0 };

	run_server(&cfg, flags, data, size, 0, size, &whole);
	run_server(&cfg, flags, data, size, 0, fuzz_split_point(data, size), &split);
	FUZZ_CHECK(fuzz_bytes_equal(&whole, &split), "two pieces differ from one");
	if (size <= 4096) {
		run_server(&cfg, flags, data, size, 1, 0, &bytes);
		FUZZ_CHECK(fuzz_bytes_equal(&whole, &bytes), "byte by byte differs from one");
	}
	fuzz_bytes_free(&whole);
	fuzz_bytes_free(&split);
	fuzz_bytes_free(&bytes);
	fuzz_data(data, size, cfg.max_message_size);
}

static const char client_msg[] = "Subject: t\r\n\r\n.dot\r\n..\r\nend\r\n";

/* Writes everything in pieces of at most step octets; true if TEXT was seen. */
static bool client_write(struct sg_smtp_client *c, size_t step, struct fuzz_bytes *all)
{
	struct iovec iov[4];
	bool text = false;
	int n;

	while ((n = sg_smtp_client_output(c, iov, 4)) > 0) {
		size_t k = iov[0].iov_len < step ? iov[0].iov_len : step;

		FUZZ_CHECK(k > 0, "empty iovec");
		text |= sg_smtp_client_state(c) == SG_SMTP_CLIENT_TEXT;
		fuzz_bytes_append(all, iov[0].iov_base, k);
		sg_smtp_client_output_done(c, k);
	}
	return text;
}

static void check_result(struct sg_smtp_client *c)
{
	struct sg_smtp_client_result r;

	if (!sg_smtp_client_result(c, &r))
		return;
	if (r.outcome == SG_SMTP_ACCEPTED)
		FUZZ_CHECK(r.code / 100 == 2 && r.step == SG_SMTP_STEP_DOT, "accepted with %u",
			   r.code);
	if (r.outcome == SG_SMTP_PERMFAIL)
		FUZZ_CHECK(r.code / 100 == 5, "permanent failure with %u", r.code);
	FUZZ_CHECK(strlen(r.text) < sizeof(r.text), "result text");
}

static void fuzz_client(uint8_t mode, const uint8_t *data, size_t size)
{
	static const char expected[] = "Subject: t\r\n\r\n..dot\r\n...\r\nend\r\n.\r\n";
	struct sg_smtp_client_config cfg = { .helo_name = "fuzz.test",
					     .max_reply_line = mode & 4 ? 64 : 0,
					     .max_reply_lines = mode & 4 ? 3 : 0 };
	struct sg_smtp_client *c = sg_smtp_client_new(&cfg);
	struct sg_smtp_envelope env;
	struct fuzz_bytes all = { 0 };
	size_t off = 0, piece = (mode & 3) + 1, elen = sizeof(expected) - 1;
	bool text = false;

	FUZZ_CHECK(c != NULL, "out of memory");
	sg_smtp_envelope_init(&env, 2);
	FUZZ_CHECK(sg_smtp_envelope_set_from(&env, "s@a.example") == SG_OK, "from");
	FUZZ_CHECK(sg_smtp_envelope_add_rcpt(&env, "r@b.example") == SG_OK, "rcpt");
	if (mode & 8) {		/* checked once, sent without another pass */
		struct sg_smtp_text t;

		FUZZ_CHECK(sg_smtp_text_check(&t, client_msg, sizeof(client_msg) - 1, NULL) ==
			   SG_OK && t.first_dot == 14, "text check");
		FUZZ_CHECK(sg_smtp_client_send_text(c, &env, NULL, 0, &t, NULL) == SG_OK, "send");
	} else {
		FUZZ_CHECK(sg_smtp_client_send(c, &env, client_msg, sizeof(client_msg) - 1,
					       NULL) == SG_OK, "send");
	}
	while (off < size && sg_smtp_client_state(c) != SG_SMTP_CLIENT_CLOSED) {
		size_t n = size - off < piece * 7 ? size - off : piece * 7;
		char *chunk = fuzz_copy(data + off, n);
		size_t used = sg_smtp_client_feed(c, chunk, n);

		free(chunk);
		FUZZ_CHECK(used == n || sg_smtp_client_state(c) == SG_SMTP_CLIENT_CLOSED,
			   "used %zu of %zu while open", used, n);
		off += used;
		text |= client_write(c, piece * 5, &all);
		check_result(c);
	}
	/* the text, when sent, is the last thing written */
	FUZZ_CHECK(!text || (all.len >= elen &&
			     memcmp(all.data + all.len - elen, expected, elen) == 0),
		   "message text not stuffed as expected");
	sg_smtp_client_free(c);
	sg_smtp_envelope_free(&env);
	fuzz_bytes_free(&all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 0x80)
		fuzz_client(data[0], data + 1, size - 1);
	else
		fuzz_server(data[0], data + 1, size - 1);
	return 0;
}
