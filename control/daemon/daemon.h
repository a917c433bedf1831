/*
 * NAME
 *   daemon.h - signet-controld as a library: the control socket server
 *
 * SUMMARY
 *   sg_daemon_new loads the configuration (a file, or the built-in
 *   default), creates the state directory if missing (mode 0750), builds
 *   the key custody (keys.h) and the statistics (stats.h), listens on the
 *   control socket and opens the metrics listener. sg_daemon_run is the
 *   poll loop: it accepts console and dataplane clients on the socket,
 *   serves /metrics, and returns after a SHUTDOWN command or SIGTERM /
 *   SIGINT read from opts.signal_fd; SIGHUP reloads the configuration.
 *   sg_daemon_free closes everything and removes the socket file (only if
 *   it is still the one this daemon created).
 *
 *   The socket: a Unix stream socket, mode 0660, group admin_group when
 *   that group exists (else the daemon's group). A path that is a live
 *   socket (another daemon answers) is refused; a stale socket is
 *   removed; anything else at the path is refused. At most
 *   opts.max_conns clients at a time; a client must complete each message
 *   within opts.idle_ms of the previous answer (or of connecting), and is
 *   dropped otherwise. The protocol is proto.h's: HELLO first, then
 *   COMMAND / KEY_REQUEST / STATS_PUSH, each answered once.
 *
 *   Authorization (peer credentials, SO_PEERCRED, taken at accept):
 *   commands that change state (commands.h changes_state), KEY_REQUEST
 *   and STATS_PUSH are for root, the daemon's own user, and members of
 *   admin_group (the peer's group, or the user's groups in the user
 *   database); anyone who can open the socket may run the others.
 *
 * SECURITY
 *   Everything read from the socket is untrusted: lengths are checked
 *   before use (proto.h), commands are matched again here with
 *   sg_command_match, and one client can hold at most one message and one
 *   answer in memory.
 */
#ifndef SIGNET_CONTROL_DAEMON_H
#define SIGNET_CONTROL_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include "status.h"

#define SG_DAEMON_IDLE_MS 10000		/* a client's time for each message */
#define SG_DAEMON_MAX_CONNS 64		/* clients at a time */
#define SG_DAEMON_VERSION_NAME "signet-controld"

struct sg_daemon_opts {
	const char *config_path;	/* NULL: the built-in default */
	const char *socket_path;	/* NULL: control.socket of the config */
	int signal_fd;			/* non-blocking signalfd for TERM, INT, HUP;
					 * -1: none */
	int idle_ms;			/* 0: SG_DAEMON_IDLE_MS */
	size_t max_conns;		/* 0: SG_DAEMON_MAX_CONNS */
	/* One line per event (no newline); NULL: "signet-controld: LINE" on
	 * stderr. */
	void (*log)(void *env, const char *line);
	void *log_env;
};

struct sg_daemon;

SG_MUST_CHECK enum sg_err sg_daemon_new(const struct sg_daemon_opts *opts,
					struct sg_daemon **out, struct sg_error *err);
/* Serves until a shutdown; SG_OK for a clean stop, SG_E_IO when poll
 * itself fails. */
SG_MUST_CHECK enum sg_err sg_daemon_run(struct sg_daemon *d, struct sg_error *err);
/* Asks the loop to stop after the current round (for embedding). */
void sg_daemon_stop(struct sg_daemon *d);
const char *sg_daemon_socket_path(const struct sg_daemon *d);
/* The release, "0.1.0" (the meson project version). */
const char *sg_daemon_version(void);
void sg_daemon_free(struct sg_daemon *d);

#endif
