/*
 * NAME
 *   sd_relay_setup.c - signetd's relay mode: per-worker parameters from
 *                      esmtp_listener and the worker entry (see
 *                      sd_relay_app.h)
 *
 * UNTRUSTED INPUT
 *   The esmtp_listener values (checked again by sd_net.h, errors name the
 *   keyword).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "sd_auth.h"
#include "sd_relay_app.h"

static enum sg_err parse_addresses(const struct sg_config *conf, struct sd_relay_params *p,
				   struct sg_error *err)
{
	struct sg_error why;

	if (sd_addr_parse(conf->esmtp.listen, &p->listen, &p->listen_len, &why) != SG_OK)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0, "esmtp_listener listen: %s", why.msg);
	if (sd_addr_parse(conf->esmtp.next_hop, &p->next_hop, &p->next_hop_len, &why) != SG_OK)
		return sg_error_set(err, SG_E_SYNTAX, 0, 0, "esmtp_listener next_hop: %s",
				    why.msg);
	return SG_OK;
}

/* The workers share the address with SO_REUSEPORT, which another process
 * of the same user could share as well (a second signetd would silently
 * take half the connections): first make sure nobody listens there. */
static enum sg_err probe_listen(const struct sd_relay_params *p, struct sg_error *err)
{
	int fd = socket(p->listen.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	char text[64];
	enum sg_err rc = SG_OK;

	sd_addr_text((const struct sockaddr *)&p->listen, text, sizeof(text));
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (const struct sockaddr *)&p->listen, p->listen_len) != 0)
		rc = sg_error_set(err, SG_E_IO, 0, 0, "esmtp_listener %s: %s%s", text,
				  strerror(errno), errno == EADDRINUSE ?
				  " (another signetd or another server listens there)" : "");
	if (fd >= 0)
		close(fd);
	return rc;
}

/* A worker's connection limit: its share of max_connections and a quarter
 * more, at most max_connections. The kernel spreads SO_REUSEPORT clients
 * over the workers by hash, not evenly, so with an exact share a worker
 * turned clients away while the process was under its limit (10,000
 * clients against the default 10,000: 7 refused); the shared counter still
 * holds the process to max_connections. */
static uint32_t worker_share(uint32_t maxc, unsigned nworkers)
{
	uint64_t share = ((uint64_t)maxc + nworkers - 1) / nworkers;
	uint64_t limit = share + (share + 3) / 4;

	return limit < maxc ? (uint32_t)limit : maxc;
}

enum sg_err sd_relay_setup_new(const struct sg_config *conf, unsigned nworkers,
			       const _Atomic int *mode, struct sd_relay_setup **out,
			       struct sg_error *err)
{
	struct sd_relay_setup *s = calloc(1, sizeof(*s));
	struct sd_relay_params base = { 0 };
	uint32_t maxc = conf->esmtp.max_connections ? conf->esmtp.max_connections : 10000;
	enum sg_err rc;

	*out = NULL;
	if (s == NULL || nworkers == 0)
		goto nomem;
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0 || s->hostname[0] == '\0')
		snprintf(s->hostname, sizeof(s->hostname), "localhost");
	rc = sd_netlist_parse(conf->esmtp.relay_hosts, &s->relay_hosts, err);
	if (rc == SG_OK)
		rc = parse_addresses(conf, &base, err);
	if (rc == SG_OK)
		rc = probe_listen(&base, err);
	if (rc == SG_OK && conf->esmtp.auth_file[0] != '\0')
		rc = sd_auth_load(conf->esmtp.auth_file, &s->auth, err);
	if (rc != SG_OK) {
		sd_relay_setup_free(s);
		return rc;
	}
	s->server.hostname = s->hostname;
	s->server.max_message_size = conf->esmtp.max_message_size;
	s->server.auth_plain = s->auth != NULL;
	s->server.auth_check = s->auth != NULL ? sd_auth_check : NULL;
	s->server.auth_ctx = s->auth;
	s->client.helo_name = s->hostname;
	atomic_init(&s->conns_total, 0);
	atomic_init(&s->set_up, 0);
	s->nworkers = nworkers;
	s->params = calloc(nworkers, sizeof(*s->params));
	s->counts = calloc(nworkers, sizeof(*s->counts));
	if (s->params == NULL || s->counts == NULL)
		goto nomem;
	base.relay_hosts = &s->relay_hosts;
	base.server = &s->server;
	base.client = &s->client;
	base.max_conns = worker_share(maxc, nworkers);
	base.max_conns_total = maxc;
	base.conns_total = &s->conns_total;
	base.pool_max = SD_RELAY_POOL_DEFAULT;
	base.limits = sd_limits_default();
	if (conf->esmtp.idle_timeout > 0)
		base.limits.idle_ms = conf->esmtp.idle_timeout * 1000ull;
	base.limits.min_rate = conf->esmtp.min_data_rate;
	base.tempfail_no_key = conf->esmtp.no_key_action == SG_NO_KEY_TEMPFAIL;
	base.mode = mode;
	base.set_up = &s->set_up;
	base.workers = nworkers;
	for (unsigned i = 0; i < nworkers; i++) {
		s->params[i] = base;
		s->params[i].worker = i;
	}
	*out = s;
	return SG_OK;
nomem:
	sd_relay_setup_free(s);
	return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
}

/* Per worker: 421 slack (sd_relay_conn.c), the next-hop pool, the ring
 * and its listener; for the process: the EAL, the control socket, logs,
 * stdio. */
#define FDS_PER_WORKER (64u + SD_RELAY_POOL_DEFAULT + 8u)
#define FDS_PROCESS 64u

uint64_t sd_relay_fds_needed(const struct sd_relay_setup *s)
{
	return (uint64_t)s->params[0].max_conns_total + (uint64_t)s->nworkers * FDS_PER_WORKER +
	       FDS_PROCESS;
}

void sd_relay_setup_free(struct sd_relay_setup *s)
{
	if (s == NULL)
		return;
	sd_netlist_free(&s->relay_hosts);
	sd_auth_free(s->auth);
	free(s->params);
	free(s->counts);
	free(s);
}

/* The start gate (see sd_relay_app.h): a low RLIMIT_NOFILE and a flood of
 * clients at start made a worker fail to open its ring (EMFILE) while
 * another already accepted. Waits only while the mode says run, so a
 * worker that failed (the control thread then stops the others) does not
 * hold the rest. */
static void wait_for_workers(const struct sd_relay_params *p)
{
	if (p->set_up == NULL)
		return;
	atomic_fetch_add_explicit(p->set_up, 1, memory_order_acq_rel);
	while (atomic_load_explicit(p->set_up, memory_order_acquire) < p->workers &&
	       atomic_load_explicit(p->mode, memory_order_acquire) == SD_MODE_RUN)
		usleep(1000);
}

int sd_relay_worker_main(const struct sd_relay_params *params, struct sd_signer_port signer,
			 struct sd_relay_counts *counts_out, void (*ready)(void *ctx),
			 void *ready_ctx, char *error, size_t cap)
{
	struct sd_relay_params p = *params;
	struct sd_relay_worker *w;
	struct sg_error err;

	p.signer = signer;
	sg_error_clear(&err);
	if (sd_relay_worker_new(&p, &w, &err) != SG_OK) {
		snprintf(error, cap, "worker %u: %s", p.worker, err.msg);
		return -1;
	}
	ready(ready_ctx);
	wait_for_workers(&p);
	sd_relay_worker_run(w);
	*counts_out = *sd_relay_worker_counts(w);
	sd_relay_worker_free(w);
	return 0;
}

