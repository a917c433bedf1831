/*
 * NAME
 *   signetd.c - the signing dataplane: main (see sd_app.h for the loop)
 *
 * SUMMARY
 *   signetd -c CONF --spool IN_DIR --out OUT_DIR [--watch] [--json]
 *   signetd -c CONF    (CONF with an esmtp_listener block: the SMTP signing
 *                      relay, sd_relay_app.h; SIGTERM ends it with 0)
 *   1. options (sd_options.h), signet.conf (the same file as
 *      signet-controld's: dataplane block, control.socket);
 *   2. SIGTERM, SIGINT, SIGHUP and SIGPIPE are blocked before the EAL
 *      starts threads (so every lcore inherits the mask) and read by the
 *      control thread from a signalfd;
 *   3. DPDK EAL with dataplane.eal_args plus the lcore map (sd_eal.h);
 *      lcore 0 (main) is the control thread, every other lcore a worker;
 *   4. the key view (dp_keys), per-worker stats, the spool folders
 *      (sd_recover.h: locks, leftover temp files removed), the feed, the
 *      control connection (relay mode: the relay parameters instead of
 *      folders and feed); workers launched with rte_eal_remote_launch,
 *      each opening its own signer; the loop; the summary.
 *   signetd never opens key files: keys come from signet-controld.
 *   Exit status: 0 done (or stopped by a signal), 1 when inputs were left
 *   in the spool folder because signing or writing failed, 2 when it
 *   could not start.
 *
 * UNTRUSTED INPUT
 *   The command line (sd_options.h); the configuration is checked by its
 *   parser; spool files and controld's answers are handled in the modules.
 */

/* System library. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* DPDK. */
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

/* Dataplane core, configuration. */
#include "config.h"
#include "dp_keys.h"
#include "dp_stats.h"
#include "cryptodev_port.h"
#include "secmem.h"

/* signetd. */
#include "sd_app.h"
#include "sd_eal.h"
#include "sd_relay_app.h"

#define EXIT_LEFT 1
#define EXIT_START 2
#define EXIT_REFUSED 3
#define SPOOL_DEPTH_MIN 32
#define SPOOL_DEPTH_MAX 512
#define FINAL_PUSH_MS 2000
#define DEFAULT_MAX_MESSAGE (50u * 1024 * 1024)

static int fail_start(const char *fmt, ...) SG_PRINTF(1, 2);
static int fail_start(const char *fmt, ...)
{
	va_list ap;

	fputs("signetd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_START;
}

static int block_signals(struct sd_app *a)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return fail_start("cannot block signals");
	sigdelset(&set, SIGPIPE);
	a->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->signal_fd < 0)
		return fail_start("signalfd: %s", strerror(errno));
	return 0;
}

static int start_eal(struct sd_app *a, const char *prog)
{
	static struct sd_eal_argv eal;	/* rte_eal_init keeps pointers into it */
	struct sg_error err;
	int cpus[1024];
	size_t ncpus = sd_eal_allowed_cpus(cpus, sizeof(cpus) / sizeof(cpus[0]));

	sg_error_clear(&err);
	if (sd_eal_argv_build(prog, a->conf->dataplane.eal_args, a->conf->dataplane.workers,
			      cpus, ncpus, &eal, &err) != SG_OK)
		return fail_start("dataplane: %s", err.msg);
	if (cdev_eal_init_quietly(eal.argc, eal.argv) < 0)	/* usage text not on stdout */
		return fail_start("DPDK EAL initialisation failed (eal_args \"%s\"): %s",
				  a->conf->dataplane.eal_args, rte_strerror(rte_errno));
	a->nworkers = rte_lcore_count() - 1;
	if (a->nworkers == 0)
		return fail_start("eal_args give no worker lcore (only the main one)");
	return 0;
}

static void control_log(void *env, const char *msg)
{
	sd_app_log(env, "%s", msg);
}

static void job_done(void *env, const struct sd_job *job)
{
	struct sd_app *a = env;

	switch (job->result) {
	case SD_JOB_BAD:
		a->refused++;
		sd_app_log(a, "%s: moved to " SD_FAILED_DIR "/: %s", job->name, job->reason);
		break;
	case SD_JOB_FAILED:
		a->left_in_place++;
		sd_app_log(a, "%s: left in place: %s", job->name, job->reason);
		break;
	case SD_JOB_RECOVERED:
		sd_app_log(a, "%s: already written as %s by an earlier run; input retired",
			   job->name, job->output);
		break;
	default:
		break;
	}
}

static void name_refused(void *env, const char *name, const char *why)
{
	char shown[SD_NAME_BUF];

	sd_name_printable(name, shown, sizeof(shown));
	((struct sd_app *)env)->refused++;
	sd_app_log(env, "%s: not taken: %s (rename it to take part)", shown, why);
}

static int setup_core(struct sd_app *a)
{
	struct sg_error err;
	struct sd_control_log log = { control_log, a };

	sg_error_clear(&err);
	a->workers = aligned_alloc(64, sizeof(*a->workers) * a->nworkers);
	a->stats = calloc(a->nworkers, sizeof(*a->stats));
	if (a->workers == NULL || a->stats == NULL)
		return fail_start("out of memory");
	memset(a->workers, 0, sizeof(*a->workers) * a->nworkers);
	if (dp_keys_new(a->conf, a->conf->dataplane.crypto_backend, &a->keys, &err) != SG_OK)
		return fail_start("keys: %s", err.msg);
	for (unsigned i = 0; i < a->nworkers; i++)
		if (dp_stats_new(i, 0, &a->stats[i], &err) != SG_OK)
			return fail_start("stats: %s", err.msg);
	if (sd_control_new(a->conf->control.socket, a->keys, a->stats, a->nworkers, &log,
			   &a->control, &err) != SG_OK)
		return fail_start("%s", err.msg);
	return 0;
}

static int setup_spool(struct sd_app *a)
{
	struct sd_feed_hooks hooks = { job_done, name_refused, a };
	/* deep enough that jobs waiting for their output's fsync do not
	 * starve the signer's batches (the worker reads ahead 2 batches) */
	unsigned depth = a->conf->dataplane.batch_size * 16;
	uint64_t max = a->conf->esmtp.max_message_size;
	struct sg_error err;
	unsigned i = 0;

	sg_error_clear(&err);
	depth = depth < SPOOL_DEPTH_MIN ? SPOOL_DEPTH_MIN :
		depth > SPOOL_DEPTH_MAX ? SPOOL_DEPTH_MAX : depth;
	if (sd_recover_open(a->opt.spool_in, a->opt.spool_out,
			    a->conf->dataplane.spool_retire == SG_RETIRE_DELETE, &a->folders,
			    &err) != SG_OK)
		return fail_start("%s", err.msg);
	if (a->folders.removed > 0)
		sd_app_log(a, "removed %zu temporary file(s) left by an interrupted run",
			   a->folders.removed);
	a->to = calloc(a->nworkers, sizeof(*a->to));
	a->from = calloc(a->nworkers, sizeof(*a->from));
	for (; a->to && a->from && i < a->nworkers; i++) {
		a->to[i] = sd_ring_new(2 * depth);
		a->from[i] = sd_ring_new(2 * depth);
		if (a->to[i] == NULL || a->from[i] == NULL)
			break;
	}
	if (i < a->nworkers)
		return fail_start("out of memory");
	if (sd_feed_new(a->folders.dirs.in_fd, a->nworkers, a->to, a->from, a->opt.watch,
			&hooks, &a->feed, &err) != SG_OK || sd_feed_scan(a->feed, &err) < 0)
		return fail_start("%s", err.msg);
	for (i = 0; i < a->nworkers; i++) {
		a->workers[i].index = i;
		a->workers[i].conf = a->conf;
		a->workers[i].keys = a->keys;
		a->workers[i].stats = a->stats[i];
		a->workers[i].spool = (struct sd_spool_params){
			.dirs = &a->folders.dirs, .worker = i, .depth = depth,
			.max_size = max ? max : DEFAULT_MAX_MESSAGE,
			.batch = a->conf->dataplane.batch_size,
			.batch_timeout_us = a->conf->dataplane.batch_timeout_us,
			.in = a->to[i], .out = a->from[i], .mode = &a->mode };
	}
	return 0;
}

/* SMTP relay mode (no --spool): sd_relay_app.h. */
static int setup_relay(struct sd_app *a)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sd_relay_setup_new(a->conf, a->nworkers, &a->mode, &a->relay, &err) != SG_OK)
		return fail_start("%s", err.msg);
	for (unsigned i = 0; i < a->nworkers; i++) {
		a->workers[i].index = i;
		a->workers[i].conf = a->conf;
		a->workers[i].keys = a->keys;
		a->workers[i].stats = a->stats[i];
		a->workers[i].relay = &a->relay->params[i];
		a->workers[i].relay_counts = &a->relay->counts[i];
	}
	return 0;
}

static int launch(struct sd_app *a)
{
	unsigned lcore, i = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		a->workers[i].lcore = lcore;
		if (rte_eal_remote_launch(sd_worker_main, &a->workers[i], lcore) != 0) {
			atomic_store(&a->mode, SD_MODE_STOP);
			rte_eal_mp_wait_lcore();
			return fail_start("cannot launch worker %u on lcore %u", i, lcore);
		}
		i++;
	}
	for (i = 0; i < a->nworkers; i++) {
		while (atomic_load(&a->workers[i].state) == SD_WORKER_STARTING)
			usleep(1000);
		if (atomic_load(&a->workers[i].state) == SD_WORKER_FAILED) {
			atomic_store(&a->mode, SD_MODE_STOP);
			rte_eal_mp_wait_lcore();
			return fail_start("%s", a->workers[i].error);
		}
		if (a->workers[i].error[0] != '\0')	/* a warning, e.g. no own arena */
			sd_app_log(a, "worker %u: %s", i, a->workers[i].error);
	}
	return 0;
}

static void cleanup(struct sd_app *a)
{
	sd_feed_free(a->feed);
	for (unsigned i = 0; i < a->nworkers; i++) {
		if (a->to)
			sd_ring_free(a->to[i]);
		if (a->from)
			sd_ring_free(a->from[i]);
	}
	free(a->to);
	free(a->from);
	sd_control_free(a->control);
	for (unsigned i = 0; a->stats && i < a->nworkers; i++)
		dp_stats_free(a->stats[i]);
	free(a->stats);
	dp_keys_free(a->keys);
	free(a->workers);
	sd_recover_close(&a->folders);
	sd_relay_setup_free(a->relay);
	sg_config_free(a->conf);
	if (a->signal_fd >= 0)
		close(a->signal_fd);
}

/* Options and configuration; 0, or an exit status (-1: --help/--version). */
static int configure(struct sd_app *a, int argc, char **argv)
{
	struct sg_error err;

	sg_error_clear(&err);
	if (sd_options_parse(argc, argv, &a->opt, &err) != SG_OK)
		return fail_start("%s", err.msg);
	if (a->opt.help || a->opt.version) {
		fputs(a->opt.help ? sd_options_usage() : "signetd " SIGNETD_VERSION "\n", stdout);
		return -1;
	}
	if (sg_config_load(a->opt.config, &a->conf, &err) != SG_OK)
		return fail_start("%s", err.msg);
	if (a->opt.spool_in == NULL && !a->conf->has_esmtp)
		return fail_start("nothing to do: give --spool IN_DIR --out OUT_DIR, or an "
				  "esmtp_listener block in %s for the SMTP relay", a->opt.config);
	return 0;
}

int main(int argc, char **argv)
{
	struct sd_app *a = calloc(1, sizeof(*a));
	int rc;

	if (a == NULL)
		return fail_start("out of memory");
	a->signal_fd = -1;
	a->folders.dirs.in_fd = a->folders.dirs.out_fd = -1;
	a->folders.dirs.done_fd = a->folders.dirs.failed_fd = -1;
	a->folders.in_lock = a->folders.out_lock = -1;
	atomic_init(&a->mode, SD_MODE_RUN);
	rc = configure(a, argc, argv);
	/* Before any key arrives: key copies then live in locked, undumped memory. */
	if (rc == 0 && !sg_secmem_init(sg_secmem_daemon_bytes()))
		fprintf(stderr, "signetd: warning: cannot lock %zu bytes for key memory (raise "
			"RLIMIT_MEMLOCK, e.g. LimitMEMLOCK=); keys stay in ordinary memory\n",
			sg_secmem_daemon_bytes());
	if (rc == 0)
		rc = block_signals(a);
	if (rc == 0)
		rc = start_eal(a, argv[0]);
	if (rc == 0)
		rc = setup_core(a);
	if (rc == 0)
		rc = a->opt.spool_in != NULL ? setup_spool(a) : setup_relay(a);
	a->tty = isatty(STDERR_FILENO);
	a->started_ms = a->last_scan_ms = sd_now_ms();
	a->started_cpu_s = sd_process_cpu_s();
	if (rc == 0)
		rc = launch(a);
	if (rc == 0 && a->relay != NULL) {
		sd_app_log(a, "%u worker(s), SMTP relay on %s -> next hop %s", a->nworkers,
			   a->conf->esmtp.listen, a->conf->esmtp.next_hop);
		sd_relay_app_loop(a, a->relay);
		rte_eal_mp_wait_lcore();
		sd_control_final_push(a->control, FINAL_PUSH_MS);
		sd_relay_app_report(a, a->relay);
	} else if (rc == 0) {
		sd_app_log(a, "%u worker(s), spool %s -> %s%s", a->nworkers, a->opt.spool_in,
			   a->opt.spool_out, a->opt.watch ? " (watching)" : "");
		sd_app_loop(a);
		rte_eal_mp_wait_lcore();
		sd_control_final_push(a->control, FINAL_PUSH_MS);
		sd_app_report(a);
		rc = a->left_in_place > 0 ? EXIT_LEFT : a->refused > 0 ? EXIT_REFUSED : 0;
	}
	cleanup(a);
	if (a->nworkers > 0)
		rte_eal_cleanup();
	free(a);
	return rc < 0 ? 0 : rc;
}
