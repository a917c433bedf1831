/*
 * NAME
 *   handlers.c - the commands signet-controld answers itself: version,
 *                summary, config check, config reload, workers, shutdown
 *
 * SUMMARY
 *   Each handler fills an empty table (title, columns, rows, message) or
 *   returns an error whose message is the line signetctl shows.
 *   daemon_reload parses the configuration file again and, only when it is
 *   valid and the key custody accepts it, replaces the running one; the
 *   old configuration stays in force otherwise. The socket path, its group
 *   and the metrics listener are set up at start and change only with a
 *   restart. Tables (signetctl --json uses the column names as keys):
 *     version   component version
 *     summary   counter value  (uptime_s, clients, workers, then the rows
 *               of sg_keys_summary and sg_stats_summary); the message
 *               names the version, uptime and configuration file
 *     workers   client pid uid connected_s key_requests stats_pushes
 *               (one row per connected signetd)
 *     config check / reload / shutdown: a message only
 */

/* System library. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Control plane. */
#include "daemon_internal.h"

#define VERSION_LINE SG_DAEMON_VERSION_NAME " " SG_CONTROLD_VERSION

/* The table's message; a long path is cut at a character boundary. */
static void set_message(struct sg_table *t, const char *fmt, ...) SG_PRINTF(2, 3);

static void set_message(struct sg_table *t, const char *fmt, ...)
{
	va_list ap;
	size_t bad;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	if (!sg_wire_text_ok(t->message, strlen(t->message), &bad))
		t->message[bad] = '\0';
}

enum sg_err handle_version(struct sg_daemon *d, const struct sg_cmd_params *p,
			   struct sg_table *out, struct sg_error *err)
{
	char proto[24];
	enum sg_err rc;

	snprintf(proto, sizeof(proto), "%d", SG_PROTO_VERSION);
	snprintf(out->title, sizeof(out->title), "version");
	set_message(out, "%s (control protocol %s)", VERSION_LINE,
		 proto);
	rc = sg_table_column(out, "component", SG_COL_TEXT);
	if (rc == SG_OK)
		rc = sg_table_column(out, "version", SG_COL_TEXT);
	if (rc == SG_OK)
		rc = sg_table_row(out, (const char *[]){ SG_DAEMON_VERSION_NAME,
							  SG_CONTROLD_VERSION });
	if (rc == SG_OK)
		rc = sg_table_row(out, (const char *[]){ "control protocol", proto });
	return rc == SG_OK ? SG_OK : sg_error_set(err, rc, 0, 0, "cannot build the answer");
}

static size_t count_workers(const struct sg_daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nsessions; i++)
		n += d->sessions[i]->dataplane;
	return n;
}

static enum sg_err counter_row(struct sg_table *t, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return sg_table_row(t, (const char *[]){ name, num });
}

enum sg_err handle_summary(struct sg_daemon *d, const struct sg_cmd_params *p,
			   struct sg_table *out, struct sg_error *err)
{
	int64_t up = (daemon_now_ms() - d->started_ms) / 1000;
	enum sg_err rc;

	snprintf(out->title, sizeof(out->title), "summary");
	set_message(out, "%s, up %" PRId64 "d %02" PRId64 ":%02"
		 PRId64 ":%02" PRId64 ", configuration %s", VERSION_LINE, up / 86400,
		 up / 3600 % 24, up / 60 % 60, up % 60,
		 d->config_path[0] ? d->config_path : "built-in default");
	rc = sg_table_column(out, "counter", SG_COL_TEXT);
	if (rc == SG_OK)
		rc = sg_table_column(out, "value", SG_COL_INT);
	if (rc == SG_OK)
		rc = counter_row(out, "uptime_s", (uint64_t)up);
	if (rc == SG_OK)
		rc = counter_row(out, "clients", d->nsessions);
	if (rc == SG_OK)
		rc = counter_row(out, "workers", count_workers(d));
	if (rc == SG_OK)
		rc = sg_keys_summary(d->keys, out);
	if (rc == SG_OK)
		rc = sg_stats_summary(d->stats, out);
	return rc == SG_OK ? SG_OK :
		sg_error_set(err, rc, 0, 0, "cannot build the summary (%s)", sg_err_name(rc));
}

enum sg_err handle_config_check(struct sg_daemon *d, const struct sg_cmd_params *p,
				struct sg_table *out, struct sg_error *err)
{
	struct sg_config *conf = NULL;
	enum sg_err rc;

	snprintf(out->title, sizeof(out->title), "config check");
	if (d->config_path[0] == '\0') {
		set_message(out, "running on the built-in default configuration (no file to check)");
		return SG_OK;
	}
	rc = sg_config_load(d->config_path, &conf, err);
	if (rc != SG_OK)
		return rc;
	set_message(out, "%s: OK (%zu signing scopes)",
		 d->config_path, conf->nscopes);
	sg_config_free(conf);
	return SG_OK;
}

enum sg_err daemon_reload(struct sg_daemon *d, struct sg_error *err)
{
	struct sg_config *conf = NULL;
	enum sg_err rc;

	if (d->config_path[0] == '\0')
		return sg_error_set(err, SG_E_STATE, 0, 0,
				    "no configuration file to reload (started without -c)");
	rc = sg_config_load(d->config_path, &conf, err);
	if (rc == SG_OK)
		rc = sg_keys_reconfigure(d->keys, conf, err);
	if (rc != SG_OK) {
		sg_config_free(conf);
		daemon_log(d, "configuration not reloaded, the running one stays: %s",
			   err ? err->msg : sg_err_name(rc));
		return rc;
	}
	if (strcmp(conf->control.socket, d->conf->control.socket) != 0 ||
	    strcmp(conf->control.metrics_listen, d->conf->control.metrics_listen) != 0)
		daemon_log(d, "control.socket and control.metrics_listen changes take effect "
			   "at the next start");
	sg_config_free(d->conf);
	d->conf = conf;
	daemon_log(d, "configuration reloaded from %s (%zu signing scopes)", d->config_path,
		   conf->nscopes);
	return SG_OK;
}

enum sg_err handle_config_reload(struct sg_daemon *d, const struct sg_cmd_params *p,
				 struct sg_table *out, struct sg_error *err)
{
	enum sg_err rc = daemon_reload(d, err);

	if (rc != SG_OK)
		return rc;
	snprintf(out->title, sizeof(out->title), "config reload");
	set_message(out, "configuration reloaded from %s "
		 "(%zu signing scopes)", d->config_path, d->conf->nscopes);
	return SG_OK;
}

static enum sg_err worker_row(struct sg_table *t, const struct session *s, int64_t now)
{
	char pid[24], uid[24], secs[24], keys[24], pushes[24];

	snprintf(pid, sizeof(pid), "%d", (int)s->peer.pid);
	snprintf(uid, sizeof(uid), "%u", (unsigned)s->peer.uid);
	snprintf(secs, sizeof(secs), "%" PRId64, (now - s->connected_ms) / 1000);
	snprintf(keys, sizeof(keys), "%" PRIu64, s->key_requests);
	snprintf(pushes, sizeof(pushes), "%" PRIu64, s->stats_pushes);
	return sg_table_row(t, (const char *[]){ s->client, pid, uid, secs, keys, pushes });
}

enum sg_err handle_workers(struct sg_daemon *d, const struct sg_cmd_params *p,
			   struct sg_table *out, struct sg_error *err)
{
	static const char *const cols[] = { "client", "pid", "uid", "connected_s",
					    "key_requests", "stats_pushes" };
	int64_t now = daemon_now_ms();
	size_t n = count_workers(d);
	enum sg_err rc = SG_OK;

	snprintf(out->title, sizeof(out->title), "workers");
	for (size_t c = 0; rc == SG_OK && c < sizeof(cols) / sizeof(cols[0]); c++)
		rc = sg_table_column(out, cols[c], c == 0 ? SG_COL_TEXT : SG_COL_INT);
	for (size_t i = 0; rc == SG_OK && i < d->nsessions; i++)
		if (d->sessions[i]->dataplane)
			rc = worker_row(out, d->sessions[i], now);
	if (n == 0)
		set_message(out, "no signetd connected");
	else
		set_message(out, "%zu signetd connection%s", n,
			 n == 1 ? "" : "s");
	return rc == SG_OK ? SG_OK : sg_error_set(err, rc, 0, 0, "cannot build the answer");
}

enum sg_err handle_shutdown(struct sg_daemon *d, const struct sg_cmd_params *p,
			    struct sg_table *out, struct sg_error *err)
{
	d->stopping = true;
	snprintf(out->title, sizeof(out->title), "shutdown");
	set_message(out, "signet-controld is shutting down");
	return SG_OK;
}
