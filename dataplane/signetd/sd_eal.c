/*
 * NAME
 *   sd_eal.c - the EAL command line of signetd (see sd_eal.h)
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "sd_eal.h"

static enum sg_err add(struct sd_eal_argv *a, const char *s, size_t n, struct sg_error *err)
{
	if (a->argc >= SD_EAL_ARGC_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "eal_args: more than %d arguments",
				    SD_EAL_ARGC_MAX);
	if (n + 1 > sizeof(a->text) - a->used)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "EAL command line longer than %d "
				    "bytes", SD_EAL_TEXT_MAX);
	memcpy(a->text + a->used, s, n);
	a->text[a->used + n] = '\0';
	a->argv[a->argc++] = a->text + a->used;
	a->argv[a->argc] = NULL;
	a->used += n + 1;
	return SG_OK;
}

static bool is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=' ||
					      (name[1] != '-' && arg[n] != '\0'));
}

static void note_user_choices(struct sd_eal_argv *a, const char *arg, bool *telemetry,
			      bool *log_level)
{
	if (is_opt(arg, "-l") || is_opt(arg, "-c") || is_opt(arg, "--lcores"))
		a->user_lcores = true;
	if (strstr(arg, "telemetry") != NULL)
		*telemetry = true;
	if (is_opt(arg, "--log-level"))
		*log_level = true;
}

static enum sg_err lcore_map(struct sd_eal_argv *a, unsigned workers, const int *cpus,
			     size_t ncpus, struct sg_error *err)
{
	char map[SD_EAL_TEXT_MAX];
	size_t len = 0;
	int n;

	n = snprintf(map, sizeof(map), "0@(");
	len = (size_t)n;
	for (size_t i = 0; i < ncpus && len < sizeof(map); i++) {
		n = snprintf(map + len, sizeof(map) - len, "%s%d", i ? "," : "", cpus[i]);
		len += (size_t)n;
	}
	for (unsigned w = 1; w <= workers && len < sizeof(map); w++) {
		n = snprintf(map + len, sizeof(map) - len, "%s,%u@%d", w == 1 ? ")" : "", w,
			     cpus[(w - 1) % ncpus]);
		len += (size_t)n;
	}
	if (len >= sizeof(map))
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "the lcore map for %u workers is "
				    "longer than %zu bytes", workers, sizeof(map) - 1);
	n = add(a, "--lcores", 8, err);
	return n != SG_OK ? (enum sg_err)n : add(a, map, len, err);
}

enum sg_err sd_eal_argv_build(const char *prog, const char *eal_args, unsigned workers,
			      const int *cpus, size_t ncpus, struct sd_eal_argv *out,
			      struct sg_error *err)
{
	bool telemetry = false, log_level = false;
	const char *p = eal_args;
	enum sg_err rc;

	memset(out, 0, sizeof(*out));
	if (ncpus == 0)
		return sg_error_set(err, SG_E_ARG, 0, 0, "no CPU to run workers on");
	if (workers == 0)
		workers = (unsigned)ncpus;
	if (workers > SD_EAL_WORKERS_MAX)
		return sg_error_set(err, SG_E_LIMIT, 0, 0, "%u workers: at most %d", workers,
				    SD_EAL_WORKERS_MAX);
	rc = add(out, prog, strlen(prog), err);
	while (rc == SG_OK && *p != '\0') {
		size_t n = strcspn(p, " \t");

		if (n > 0) {
			rc = add(out, p, n, err);
			if (rc == SG_OK)
				note_user_choices(out, out->argv[out->argc - 1], &telemetry,
						  &log_level);
		}
		p += n + strspn(p + n, " \t");
	}
	if (rc == SG_OK && !out->user_lcores) {
		out->workers = workers;
		rc = lcore_map(out, workers, cpus, ncpus, err);
	}
	if (rc == SG_OK && !telemetry)
		rc = add(out, "--no-telemetry", 14, err);
	if (rc == SG_OK && !log_level)
		rc = add(out, "--log-level=lib.eal:warning", 27, err);
	return rc;
}

size_t sd_eal_allowed_cpus(int *cpus, size_t cap)
{
	cpu_set_t set;
	size_t n = 0;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < cap; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}
