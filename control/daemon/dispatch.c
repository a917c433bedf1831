/*
 * NAME
 *   dispatch.c - a COMMAND message to the handler that answers it
 *
 * SUMMARY
 *   COMMAND is {u command-id, u argc, s word...}. The words are matched
 *   again with sg_command_match (the client's matching is not trusted);
 *   the id the client sent must be the id of the row that matched. A row
 *   that changes state runs only for an admin peer (auth.c); every such
 *   request is logged with the peer and the outcome. Then the id picks the
 *   handler from the table below: the key custody (sg_keys_command), the
 *   statistics (sg_stats_command) or the daemon's own (handlers.c). A
 *   handler's table goes back as RESULT, its error as ERROR (the session
 *   goes on).
 *   `dns test` waits for DNS (up to a resolver timeout per record), so it
 *   is not answered here: its plan is made here (dnstest.h: selectors,
 *   domains and public keys, no private key leaves this thread), its
 *   lookups run as a job (jobs.c) and the job's done step answers the
 *   session - if it is still there - with the same RESULT or ERROR. The
 *   session reads nothing more until then; over DAEMON_JOBS_MAX tests at
 *   once the command is refused with "busy: N dns tests running; try
 *   again".
 *
 * UNTRUSTED INPUT
 *   The COMMAND message: at most SG_CMD_MAX_ARGS words of less than
 *   SG_CMD_WORD_MAX bytes, UTF-8, then nothing.
 */

/* System library. */
#include <stdio.h>
#include <string.h>

/* Control plane. */
#include "daemon_internal.h"
#include "dnstest.h"

static enum sg_err via_keys(struct sg_daemon *d, const struct sg_cmd_params *p,
			    struct sg_table *out, struct sg_error *err)
{
	return sg_keys_command(d->keys, p, out, err);
}

static enum sg_err via_stats(struct sg_daemon *d, const struct sg_cmd_params *p,
			     struct sg_table *out, struct sg_error *err)
{
	return sg_stats_command(d->stats, p, out, err);
}

static const struct {
	enum sg_cmd_id id;
	daemon_handler fn;
} handlers[] = {
	{ SG_CMD_VERSION, handle_version },
	{ SG_CMD_SUMMARY, handle_summary },
	{ SG_CMD_SIGNING_STATS, via_stats },
	{ SG_CMD_SIGNING_STATS_RESET, via_stats },
	{ SG_CMD_SCOPE_FLUSH, via_keys },
	{ SG_CMD_KEYCACHE_LIST, via_keys },
	{ SG_CMD_KEYCACHE_FLUSH, via_keys },
	{ SG_CMD_SELECTOR_LIST, via_keys },
	{ SG_CMD_SELECTOR_SHOW, via_keys },
	{ SG_CMD_SELECTOR_CREATE, via_keys },
	{ SG_CMD_SELECTOR_ENABLE, via_keys },
	{ SG_CMD_SELECTOR_DISABLE, via_keys },
	{ SG_CMD_SELECTOR_ROTATE, via_keys },
	{ SG_CMD_SELECTOR_RETIRE, via_keys },
	{ SG_CMD_DNS_RECORD, via_keys },
	/* SG_CMD_DNS_TEST: a job, see start_dns_test */
	{ SG_CMD_CONFIG_CHECK, handle_config_check },
	{ SG_CMD_CONFIG_RELOAD, handle_config_reload },
	{ SG_CMD_WORKERS, handle_workers },
	{ SG_CMD_SHUTDOWN, handle_shutdown },
};

static daemon_handler handler_of(enum sg_cmd_id id)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].id == id)
			return handlers[i].fn;
	return NULL;
}

const char *daemon_admin_rule(const struct sg_daemon *d, char *buf, size_t cap)
{
	const char *group = d->conf->control.admin_group;

	if (group[0] == '\0')
		snprintf(buf, cap, "root or the daemon's user required: no admin_group is configured");
	else
		snprintf(buf, cap, "member of group %s required", group);
	return buf;
}

/* The words joined by spaces, for messages and the log. */
static void join_words(size_t argc, char words[][SG_CMD_WORD_MAX], char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < argc && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", words[i]);
	if (len >= cap && cap > 4)
		memcpy(out + cap - 4, "...", 4);
}

/* Reads {u id, u argc, s word...}; false after sending the ERROR. */
static bool read_command(struct session *s, struct sg_wire_in *r, uint64_t *id, size_t *argc,
			 char words[][SG_CMD_WORD_MAX])
{
	uint64_t n = 0;

	if (!sg_wire_get_u64(r, id) || !sg_wire_get_u64(r, &n)) {
		session_send_error(s, true, "malformed COMMAND: %s", r->why);
		return false;
	}
	if (n == 0 || n > SG_CMD_MAX_ARGS) {
		session_send_error(s, true, "malformed COMMAND: %llu words (1 to %d allowed)",
				   (unsigned long long)n, SG_CMD_MAX_ARGS);
		return false;
	}
	for (uint64_t i = 0; i < n; i++)
		(void)sg_wire_get_str(r, words[i], SG_CMD_WORD_MAX);
	if (!sg_wire_end(r)) {
		session_send_error(s, true, "malformed COMMAND: %s", r->why);
		return false;
	}
	*argc = (size_t)n;
	return true;
}

static void run_handler(struct sg_daemon *d, struct session *s, daemon_handler fn,
			const struct sg_cmd_params *p, const char *line)
{
	struct sg_table t;
	struct sg_error err;
	enum sg_err rc;

	sg_table_init(&t, "");
	sg_error_clear(&err);
	rc = fn(d, p, &t, &err);
	if (p->cmd->changes_state)
		daemon_log(d, "%s (uid %u %s, pid %d): %s%s", line, (unsigned)s->peer.uid,
			   s->peer.user, (int)s->peer.pid, rc == SG_OK ? "done" : "failed: ",
			   rc == SG_OK ? "" : err.msg);
	if (rc == SG_OK)
		session_send_table(s, &t);
	else
		session_send_error(s, false, "%s", err.msg[0] ? err.msg : sg_err_name(rc));
	sg_table_free(&t);
}

/* ---- dns test as a job ---- */

static void dns_test_run(void *arg, const atomic_bool *cancel)
{
	dnstest_plan_run(arg, cancel);
}

static void dns_test_free(void *arg)
{
	dnstest_plan_free(arg);
}

/* The loop's thread: the answer, to the session that asked. */
static void dns_test_done(void *env, uint64_t client, void *arg)
{
	struct sg_daemon *d = env;
	const struct dnstest_plan *plan = arg;
	struct session *s = daemon_session(d, client);
	struct sg_table t;
	struct sg_error err;

	if (s == NULL || s->dead) {
		daemon_log(d, "dns test %s: the client left before the answer",
			   dnstest_plan_name(plan));
		return;
	}
	s->job_pending = false;
	sg_table_init(&t, "");
	sg_error_clear(&err);
	if (dnstest_plan_answer(plan, &t, &err) == SG_OK)
		session_send_table(s, &t);
	else
		session_send_error(s, false, "%s%s", err.msg, d->stopping &&
				   !dnstest_plan_finished(plan) ?
				   ": signet-controld is shutting down" : "");
	sg_table_free(&t);
	if (s->in.len == 0)
		s->deadline = session_idle_deadline(d, s);
}

static void start_dns_test(struct sg_daemon *d, struct session *s,
			   const struct sg_cmd_params *p)
{
	struct job_work w = { dns_test_run, dns_test_done, dns_test_free, NULL };
	struct dnstest_plan *plan = NULL;
	struct sg_error err;
	enum sg_err rc;

	sg_error_clear(&err);
	rc = dnstest_plan_new(d->keys, p, &plan, &err);
	if (rc != SG_OK) {
		session_send_error(s, false, "%s", err.msg[0] ? err.msg : sg_err_name(rc));
		return;
	}
	w.arg = plan;
	if (jobs_start(d->jobs, s->id, &w, "dns test", &err) != SG_OK) {
		daemon_log(d, "dns test %s (uid %u %s, pid %d): refused: %s", p->name,
			   (unsigned)s->peer.uid, s->peer.user, (int)s->peer.pid, err.msg);
		session_send_error(s, false, "%s", err.msg);
		return;
	}
	s->job_pending = true;
}

void dispatch_command(struct sg_daemon *d, struct session *s, struct sg_wire_in *r)
{
	char words[SG_CMD_MAX_ARGS][SG_CMD_WORD_MAX], line[160], why[256], rule[128];
	const char *argv[SG_CMD_MAX_ARGS];
	struct sg_cmd_params p;
	daemon_handler fn;
	uint64_t id = 0;
	size_t argc = 0;

	if (!read_command(s, r, &id, &argc, words))
		return;
	for (size_t i = 0; i < argc; i++)
		argv[i] = words[i];
	join_words(argc, words, line, sizeof(line));
	memset(&p, 0, sizeof(p));
	if (!sg_command_match(argc, argv, &p, why, sizeof(why))) {
		session_send_error(s, false, "%s", why);
		return;
	}
	if ((uint64_t)p.cmd->id != id) {
		session_send_error(s, false, "command id %llu does not match \"%s\"",
				   (unsigned long long)id, line);
		return;
	}
	if (p.cmd->changes_state && !s->peer.admin) {
		daemon_log(d, "%s (uid %u %s, pid %d): permission denied", line,
			   (unsigned)s->peer.uid, s->peer.user, (int)s->peer.pid);
		session_send_error(s, false, "permission denied: \"%s\" changes state (%s)", line,
				   daemon_admin_rule(d, rule, sizeof(rule)));
		return;
	}
	if (p.cmd->id == SG_CMD_DNS_TEST) {
		start_dns_test(d, s, &p);
		return;
	}
	fn = handler_of(p.cmd->id);
	if (fn == NULL) {
		session_send_error(s, false, "\"%s\" is answered by signetctl itself", line);
		return;
	}
	run_handler(d, s, fn, &p, line);
}
