/*
 * NAME
 *   bench.h - shared helpers of signet-bench, the benchmark program
 *
 * SUMMARY
 *   signet-bench SUBCOMMAND [OPTIONS]; each subcommand is a struct
 *   bench_command. bench_now() is a monotonic clock in seconds,
 *   bench_cpu_now() the CPU time of the calling thread in seconds.
 *   bench_pin_one_core() binds the process to the CPU it runs on (one core,
 *   so figures are per core) and returns that CPU number, or -1 when the
 *   kernel refused. bench_parse_seconds() reads a positive duration.
 *   Benchmarks print figures; they never judge them (no thresholds).
 */
#ifndef SIGNET_BENCH_H
#define SIGNET_BENCH_H

#include <stdbool.h>

struct bench_command {
	const char *name;
	const char *usage;
	int (*run)(int argc, char **argv);
};

extern const struct bench_command bench_crypto;
extern const struct bench_command bench_canon;
extern const struct bench_command bench_engine;
extern const struct bench_command bench_smtp_sink;
extern const struct bench_command bench_smtp_load;
extern const struct bench_command bench_fsops;

double bench_now(void);
double bench_cpu_now(void);
int bench_pin_one_core(void);
bool bench_parse_seconds(const char *text, double *out);

#endif
