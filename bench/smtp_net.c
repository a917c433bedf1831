/*
 * NAME
 *   smtp_net.c - sockets and signals of smtp-sink and smtp-load
 *
 * SUMMARY
 *   Numeric "HOST:PORT" parsing and printing, a non-blocking listener and
 *   non-blocking connects, the open-file limit, SIGINT/SIGTERM as a
 *   signalfd, option numbers and ready files (see smtp_bench.h). No name
 *   resolution: the tools talk to loopback or to addresses given as
 *   numbers.
 *
 * UNTRUSTED INPUT
 *   Command-line address text: at most SMTP_ADDR_TEXT_MAX octets, a port
 *   of digits only up to 65535, the host through inet_pton.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "smtp_bench.h"

static bool parse_port(const char *text, uint16_t *port)
{
	unsigned long v = 0;

	if (*text == '\0' || strlen(text) > 5)
		return false;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

bool smtp_parse_hostport(const char *text, struct smtp_addr *out, char *why, size_t cap)
{
	char host[SMTP_ADDR_TEXT_MAX];
	const char *colon = strrchr(text, ':');
	size_t hn = colon ? (size_t)(colon - text) : 0;
	uint16_t port;

	memset(out, 0, sizeof(*out));
	if (colon == NULL || hn == 0 || hn >= sizeof(host) || !parse_port(colon + 1, &port)) {
		snprintf(why, cap, "\"%.80s\": expected HOST:PORT (numeric, port 0..65535)", text);
		return false;
	}
	if (text[0] == '[' && text[hn - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;

		snprintf(host, sizeof(host), "%.*s", (int)hn - 2, text + 1);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		out->len = sizeof(*a6);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1)
			return true;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&out->ss;

		snprintf(host, sizeof(host), "%.*s", (int)hn, text);
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		out->len = sizeof(*a4);
		if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
			return true;
	}
	snprintf(why, cap, "\"%.80s\": \"%s\" is not a numeric IPv4 address or [IPv6] address",
		 text, host);
	return false;
}

void smtp_format_addr(const struct sockaddr *sa, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(a6->sin6_port));
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(a4->sin_port));
	}
}

int smtp_listen_on(const struct smtp_addr *addr, int backlog, char *why, size_t cap)
{
	int fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (const struct sockaddr *)&addr->ss, addr->len) != 0 ||
	    listen(fd, backlog) != 0) {
		char text[SMTP_ADDR_TEXT_MAX];

		smtp_format_addr((const struct sockaddr *)&addr->ss, text, sizeof(text));
		snprintf(why, cap, "cannot listen on %s: %s", text, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int smtp_connect_start(const struct smtp_addr *addr, char *why, size_t cap)
{
	int fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0) {
		snprintf(why, cap, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) != 0 &&
	    errno != EINPROGRESS) {
		snprintf(why, cap, "connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int smtp_connect_result(int fd)
{
	int err = 0;
	socklen_t n = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) != 0)
		return errno;
	return err;
}

unsigned long smtp_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (unsigned long)rl.rlim_cur;
}

int smtp_stop_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

bool smtp_parse_count(const char *text, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool smtp_write_ready(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return false;
	}
	f = fopen(tmp, "w");
	if (f == NULL)
		return false;
	fputs(text, f);
	if (fclose(f) != 0)
		return false;
	return rename(tmp, path) == 0;
}
