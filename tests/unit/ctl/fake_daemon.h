/*
 * NAME
 *   fake_daemon.h - a scripted stand-in for signet-controld, for the unit
 *                   tests of signetctl's client and sessions
 *
 * SUMMARY
 *   fake_start(&f, mode) binds a Unix socket in a fresh temporary folder
 *   (f.path) and forks a child that serves it; fake_stop kills the child
 *   and removes the folder. FAKE_OK speaks the protocol properly: HELLO,
 *   then for each COMMAND a RESULT table echoing what arrived (columns id,
 *   argc, words) except: selector show -> ERROR "no selector NAME";
 *   dns test -> a table with a result column ("found and matching" for
 *   selector "good", "not found" else, no rows for "none"); shutdown ->
 *   RESULT then the connection closed. The other modes misbehave in one
 *   way each. Header-only: included once per test file.
 */
#ifndef SIGNET_TEST_FAKE_DAEMON_H
#define SIGNET_TEST_FAKE_DAEMON_H

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "proto.h"

enum fake_mode {
	FAKE_OK,
	FAKE_REFUSE,		/* HELLO answered with ERROR */
	FAKE_OLD_VERSION,	/* HELLO with protocol version 99 */
	FAKE_SILENT,		/* reads HELLO, never answers */
	FAKE_GARBAGE,		/* answers HELLO with "HTTP/1.0 400" and closes */
	FAKE_CLOSE,		/* closes the connection at once */
	FAKE_TRAILING,		/* RESULT with a field after the table */
	FAKE_HUGE,		/* a header announcing SG_WIRE_MAX + 1 bytes */
	FAKE_WRONG_TYPE,	/* answers COMMAND with HELLO */
	FAKE_BUSY,		/* ERROR at once, before reading HELLO, and closes
				 * (a daemon over its connection cap) */
};

/* Building an answer cannot fail in a correct test: stop loudly if it does. */
#define FAKE_MUST(call) do { if ((call) != SG_OK) abort(); } while (0)

struct fake {
	pid_t pid;
	char dir[64];
	char path[108];
};

static inline void fake_send(int fd, struct sg_wire_out *w)
{
	if (sg_wire_finish(w) == SG_OK)
		if (sg_wire_write(fd, w, 2000, NULL) != SG_OK)
			return; /* the client under test went away: that is its test */
	sg_wire_out_free(w);
}

static inline void fake_send_error(int fd, const char *msg)
{
	struct sg_wire_out w;

	sg_wire_begin(&w, SG_MSG_ERROR);
	FAKE_MUST(sg_wire_put_str(&w, msg));
	fake_send(fd, &w);
}

static inline void fake_send_table(int fd, struct sg_table *t, bool trailing)
{
	struct sg_wire_out w;

	sg_wire_begin(&w, SG_MSG_RESULT);
	FAKE_MUST(sg_table_encode(t, &w));
	if (trailing)
		FAKE_MUST(sg_wire_put_u64(&w, 7));
	fake_send(fd, &w);
	sg_table_free(t);
}

static inline void fake_hello(int fd, enum fake_mode mode)
{
	struct sg_wire_out w;

	if (mode == FAKE_REFUSE) {
		fake_send_error(fd, "permission denied: uid 1000 is not in group signet");
		return;
	}
	if (mode == FAKE_GARBAGE) {
		(void)!write(fd, "HTTP/1.0 400 Bad Request\r\n", 26);
		return;
	}
	sg_wire_begin(&w, SG_MSG_HELLO);
	FAKE_MUST(sg_wire_put_u64(&w, mode == FAKE_OLD_VERSION ? 99 : SG_PROTO_VERSION));
	FAKE_MUST(sg_wire_put_str(&w, "signet-controld 9.9-fake"));
	fake_send(fd, &w);
}

/* The answer to one COMMAND in FAKE_OK (and the misbehaving modes). */
static inline bool fake_answer(int fd, enum fake_mode mode, uint64_t id, uint64_t argc,
			       char words[][SG_CMD_WORD_MAX])
{
	struct sg_table t;
	char num[2][24], joined[SG_CMD_MAX_ARGS * SG_CMD_WORD_MAX] = "";

	if (mode == FAKE_WRONG_TYPE) {
		fake_hello(fd, FAKE_OK);
		return true;
	}
	if (mode == FAKE_HUGE) {
		static const unsigned char head[8] = { 0, 0x10, 0, 1, 0, SG_MSG_RESULT, 0, 0 };

		(void)!write(fd, head, sizeof(head));
		return false;
	}
	if (id == SG_CMD_SELECTOR_SHOW) {
		snprintf(joined, sizeof(joined), "no selector \"%s\"", argc > 2 ? words[2] : "");
		fake_send_error(fd, joined);
		return true;
	}
	sg_table_init(&t, id == SG_CMD_DNS_TEST ? "dns test" : "echo");
	if (id == SG_CMD_DNS_TEST) {
		const char *cells[2] = { words[2], strcmp(words[2], "good") == 0 ?
					 "found and matching" : "not found" };

		FAKE_MUST(sg_table_column(&t, "record", SG_COL_TEXT));
		FAKE_MUST(sg_table_column(&t, "result", SG_COL_TEXT));
		if (strcmp(words[2], "none") != 0)
			FAKE_MUST(sg_table_row(&t, cells));
	} else {
		const char *cells[3] = { num[0], num[1], joined };

		for (uint64_t i = 0; i < argc; i++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 i ? "|" : "", words[i]);
		snprintf(num[0], sizeof(num[0]), "%llu", (unsigned long long)id);
		snprintf(num[1], sizeof(num[1]), "%llu", (unsigned long long)argc);
		FAKE_MUST(sg_table_column(&t, "id", SG_COL_INT));
		FAKE_MUST(sg_table_column(&t, "argc", SG_COL_INT));
		FAKE_MUST(sg_table_column(&t, "words", SG_COL_TEXT));
		FAKE_MUST(sg_table_row(&t, cells));
		snprintf(t.message, sizeof(t.message), "%llu words", (unsigned long long)argc);
	}
	fake_send_table(fd, &t, mode == FAKE_TRAILING);
	return id != SG_CMD_SHUTDOWN;
}

static inline void fake_serve(int fd, enum fake_mode mode)
{
	static char words[SG_CMD_MAX_ARGS][SG_CMD_WORD_MAX];
	struct sg_buf buf;
	struct sg_wire_in r;
	uint64_t id, argc;

	sg_buf_init(&buf, SG_WIRE_MAX);
	if (mode == FAKE_BUSY)
		fake_send_error(fd, "too many connections (64); try again later");
	if (mode == FAKE_CLOSE || mode == FAKE_BUSY ||
	    sg_wire_read(fd, &buf, 5000, NULL) != SG_OK)
		goto out;
	if (mode == FAKE_SILENT) {
		sleep(30);
		goto out;
	}
	fake_hello(fd, mode);
	if (mode == FAKE_REFUSE || mode == FAKE_OLD_VERSION || mode == FAKE_GARBAGE)
		goto out;
	while (sg_wire_read(fd, &buf, 5000, NULL) == SG_OK &&
	       sg_wire_open(&r, buf.data, buf.len, NULL) == SG_OK) {
		bool ok = sg_wire_get_u64(&r, &id) && sg_wire_get_u64(&r, &argc) &&
			  argc <= SG_CMD_MAX_ARGS;

		for (uint64_t i = 0; ok && i < argc; i++)
			ok = sg_wire_get_str(&r, words[i], sizeof(words[i]));
		if (!ok || !sg_wire_end(&r) || !fake_answer(fd, mode, id, argc, words))
			break;
	}
out:
	sg_buf_free(&buf);
	close(fd);
}

static inline void fake_start(struct fake *f, enum fake_mode mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, fd;

	snprintf(f->dir, sizeof(f->dir), "/tmp/signetctl-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/control.sock", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		/* dies with the test even when an assertion ends it early */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		while ((fd = accept(lfd, NULL, NULL)) >= 0)
			fake_serve(fd, mode);
		_exit(0);
	}
	close(lfd);
}

static inline void fake_stop(struct fake *f)
{
	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	unlink(f->path);
	rmdir(f->dir);
}

#endif
