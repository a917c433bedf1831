/*
 * NAME
 *   daemon_internal.h - the parts of signet-controld (private to daemon/)
 *
 * SUMMARY
 *   struct sg_daemon is the one object of the daemon; struct session one
 *   client connection. The files:
 *     server.c    construction, the poll loop, accept, deadlines
 *     listener.c  the control socket file: stale check, mode, group
 *     session.c   one connection: framing, handshake, message types
 *     dispatch.c  COMMAND -> matched row -> authorization -> handler
 *     handlers.c  the daemon's own commands and config reload
 *     auth.c      peer credentials and admin_group membership
 *     jobs.c      work on threads of its own (dns test), answered by the loop
 *   Time is CLOCK_MONOTONIC milliseconds (daemon_now_ms).
 */
#ifndef SIGNET_CONTROL_DAEMON_INTERNAL_H
#define SIGNET_CONTROL_DAEMON_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "buf.h"
#include "commands.h"
#include "config.h"
#include "daemon.h"
#include "keys.h"
#include "proto.h"
#include "stats.h"

/* ---- auth.c ---- */

struct sg_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char user[64];		/* user name, or the uid in digits */
	bool admin;		/* may change state and receive key material */
};

/* Facts about the peer and the group, kept apart from the lookups so the
 * decision can be tested. */
struct sg_auth_facts {
	uid_t uid, gid, daemon_uid;
	bool group_known;		/* admin_group exists */
	gid_t admin_gid;
	const gid_t *groups;		/* the user's groups from the user database */
	size_t ngroups;
};

bool sg_auth_decide(const struct sg_auth_facts *f);
/* The gid of admin_group: a number is taken as a gid as it is, a name is
 * looked up in the group database; false when empty or unknown. */
bool sg_auth_group_gid(const char *admin_group, gid_t *gid);
/* SO_PEERCRED of a connected socket, then the user database. */
SG_MUST_CHECK enum sg_err sg_auth_peer(int fd, const char *admin_group, struct sg_peer *out,
				       struct sg_error *err);

/* ---- session.c ---- */

enum session_state { SESSION_HELLO, SESSION_READY };

struct session {
	uint64_t id;
	int fd;
	struct sg_peer peer;
	enum session_state state;
	bool closing;			/* close once the output is sent */
	bool dead;			/* close now */
	bool dataplane;			/* HELLO named signetd */
	bool job_pending;		/* a job answers its last command; read
					 * nothing more until that is sent */
	char client[64];		/* HELLO's client name */
	struct sg_buf in;		/* the message being read */
	size_t need;			/* its length, 0 until the header is in */
	struct sg_buf out;		/* answers not yet sent */
	size_t out_off;
	int64_t deadline;		/* drop the client after this */
	int64_t connected_ms;
	uint64_t key_requests, stats_pushes;
};

struct session *session_new(struct sg_daemon *d, int fd, const struct sg_peer *peer);
void session_free(struct session *s);
/* Work for poll results; they set s->dead when the connection is over. */
void session_readable(struct sg_daemon *d, struct session *s);
void session_writable(struct session *s);
bool session_wants_write(const struct session *s);
/* When an idle session is dropped: now + idle_ms, or never for an admin
 * signetd (HELLO "signetd...") between messages with nothing left to send. */
int64_t session_idle_deadline(const struct sg_daemon *d, const struct session *s);
/* Queues a whole message; an ERROR from a protocol fault closes after it. */
void session_send(struct session *s, struct sg_wire_out *w);
void session_send_error(struct session *s, bool then_close, const char *fmt, ...)
	SG_PRINTF(3, 4);
/* RESULT with the table, or ERROR when it does not fit one message. */
void session_send_table(struct session *s, const struct sg_table *t);

/* ---- dispatch.c / handlers.c ---- */

/* Who may change state, for messages: "member of group X required" or
 * "root or the daemon's user required: no admin_group is configured". */
const char *daemon_admin_rule(const struct sg_daemon *d, char *buf, size_t cap);
/* Answers one COMMAND message (r opened, positioned after the header). */
void dispatch_command(struct sg_daemon *d, struct session *s, struct sg_wire_in *r);

typedef enum sg_err (*daemon_handler)(struct sg_daemon *d, const struct sg_cmd_params *p,
				      struct sg_table *out, struct sg_error *err);
enum sg_err handle_version(struct sg_daemon *d, const struct sg_cmd_params *p,
			   struct sg_table *out, struct sg_error *err);
enum sg_err handle_summary(struct sg_daemon *d, const struct sg_cmd_params *p,
			   struct sg_table *out, struct sg_error *err);
enum sg_err handle_config_check(struct sg_daemon *d, const struct sg_cmd_params *p,
				struct sg_table *out, struct sg_error *err);
enum sg_err handle_config_reload(struct sg_daemon *d, const struct sg_cmd_params *p,
				 struct sg_table *out, struct sg_error *err);
enum sg_err handle_workers(struct sg_daemon *d, const struct sg_cmd_params *p,
			   struct sg_table *out, struct sg_error *err);
enum sg_err handle_shutdown(struct sg_daemon *d, const struct sg_cmd_params *p,
			    struct sg_table *out, struct sg_error *err);
/* Loads the config file again and applies it (command and SIGHUP). */
SG_MUST_CHECK enum sg_err daemon_reload(struct sg_daemon *d, struct sg_error *err);

/* ---- jobs.c ---- */

#define DAEMON_JOBS_MAX 4		/* jobs running at a time */

struct job_work {
	/* On the job's thread; returns soon after *cancel becomes true. */
	void (*run)(void *arg, const atomic_bool *cancel);
	/* On the loop's thread after run returned: the answer to client (a
	 * session id; the session may be gone). */
	void (*done)(void *env, uint64_t client, void *arg);
	void (*free)(void *arg);
	void *arg;
};

struct jobs;

SG_MUST_CHECK enum sg_err jobs_new(size_t max, struct jobs **out, struct sg_error *err);
/* Readable when a job is done: then call jobs_collect. */
int jobs_fd(const struct jobs *j);
/* Jobs started and not yet collected. */
size_t jobs_running(const struct jobs *j);
/* Runs w on a new thread for client. Refused (SG_E_STATE) when max jobs
 * are running ("busy: N <what>s running; try again") or after jobs_stop;
 * on any error w->arg has been freed. */
SG_MUST_CHECK enum sg_err jobs_start(struct jobs *j, uint64_t client, const struct job_work *w,
				     const char *what, struct sg_error *err);
/* Asks client's jobs to stop (its session closed). */
void jobs_cancel(struct jobs *j, uint64_t client);
/* Joins the finished jobs, calling done(env, ...) and free for each. */
void jobs_collect(struct jobs *j, void *env);
/* Refuses new jobs, cancels and joins all (each after its current step),
 * then done(env, ...) unless env is NULL, and free. */
void jobs_stop(struct jobs *j, void *env);
void jobs_free(struct jobs *j);

/* ---- listener.c ---- */

struct listener {
	int fd;
	char path[108];
	dev_t dev;			/* the file we made, removed only if */
	ino_t ino;			/* it is still there */
	bool made;
};

SG_MUST_CHECK enum sg_err listener_open(struct listener *l, const char *path,
					const char *admin_group, char *note, size_t note_cap,
					struct sg_error *err);
void listener_close(struct listener *l);

/* ---- server.c ---- */

struct sg_daemon {
	struct sg_daemon_opts opt;
	char config_path[SG_CONF_PATH_MAX];	/* "" = built-in default */
	struct sg_config *conf;
	struct sg_keys *keys;
	struct sg_stats *stats;
	struct sg_metrics *metrics;
	struct listener listener;
	struct jobs *jobs;			/* dns tests off the loop */
	int state_lock_fd;			/* flock on STATE_DIR/controld.lock */
	struct session **sessions;
	size_t nsessions;
	uint64_t next_id;
	int64_t started_ms;
	bool stopping;
};

int64_t daemon_now_ms(void);
/* The session with that id, NULL when it is gone. */
struct session *daemon_session(const struct sg_daemon *d, uint64_t id);
void daemon_log(const struct sg_daemon *d, const char *fmt, ...) SG_PRINTF(2, 3);

#endif
