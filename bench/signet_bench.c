/*
 * NAME
 *   signet_bench.c - signet-bench: command dispatch and shared helpers
 *
 * SUMMARY
 *   signet-bench crypto [--json] [--seconds S] [--rounds N] [--backends LIST]
 *   (see bench_crypto.c); signet-bench canon [--json] [--seconds S]
 *   [--rounds N] [--mib M] (see bench_canon.c); signet-bench engine ...
 *   (whole messages, signet against OpenDKIM; see bench_engine.c);
 *   signet-bench smtp-sink / smtp-load (an ESMTP sink and load generator
 *   for SMTP throughput; see smtp_sink.c, smtp_load.c); signet-bench fsops
 *   --dir DIR ... (a spool's file handling with plain system calls, the
 *   kernel's floor; see bench_fsops.c). Sets up
 *   the locked key heap like signet does, so keys live where they live in
 *   production.
 *
 * UNTRUSTED INPUT
 *   Command-line arguments only.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "secmem.h"

static const struct bench_command *const commands[] = {
	&bench_crypto, &bench_canon, &bench_engine, &bench_smtp_sink, &bench_smtp_load,
	&bench_fsops,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_pin_one_core(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -1;
	return cpu;
}

bool bench_parse_seconds(const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(v > 0) || v > 3600)
		return false;
	*out = v;
	return true;
}

static int usage(FILE *out)
{
	fprintf(out, "usage: signet-bench COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %s\n", commands[i]->usage);
	return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage(stdout);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i]->name) != 0)
			continue;
		if (!sg_secmem_init(SG_SECMEM_DEFAULT_BYTES))
			fprintf(stderr, "signet-bench: warning: keys stay in ordinary memory "
					"(cannot lock memory; see ulimit -l)\n");
		return commands[i]->run(argc - 1, argv + 1);
	}
	fprintf(stderr, "signet-bench: unknown command \"%s\"\n", argv[1]);
	return usage(stderr);
}
