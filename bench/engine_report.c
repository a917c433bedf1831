/*
 * NAME
 *   engine_report.c - the output of "signet-bench engine"
 *
 * SUMMARY
 *   With --json, one object a line and result:
 *     {"bench":"engine","who":"signet-ifma","backend":"ifma",
 *      "size_class":"corpus","msgs":18211,"bytes":550012345,
 *      "mean_bytes":30201,"seconds":2.0003,"msgs_per_s":9104.2,
 *      "mb_per_s":275.0,"msgs_per_cpu_s":9110.3,"cpu_share":0.999,
 *      "ratio_to_opendkim":10.8,"ratio_to_opendkim_cpu":10.7,
 *      "ratio_to_raw":0.93,"ratio_to_raw_cpu":0.93,"batches":2300,
 *      "padded_lanes":12,
 *      "key_bits":2048,"canon":"relaxed/relaxed","simd":"avx512",
 *      "checked":4,"rounds":2,"cpu":1}
 *   size_class is the corpus label ("corpus", "2K", "1M", ...) or "raw"
 *   for raw-* lines, which sign one digest and have null mean_bytes and
 *   mb_per_s (MB = 10^6 bytes). Ratios are within the run:
 *     ratio_to_opendkim      msgs_per_s / opendkim's on the same corpus
 *                            (raw lines: on "corpus"); null without it;
 *     ratio_to_opendkim_cpu  the same with msgs_per_cpu_s;
 *     ratio_to_raw           msgs_per_s / the raw rate of the kind that
 *                            signed (signet-auto -> raw-ifma; opendkim ->
 *                            raw-openssl); null on raw lines;
 *     ratio_to_raw_cpu       the same with msgs_per_cpu_s.
 *   batches and padded_lanes are the backend's counters over the
 *   pipeline's life (warm-ups and all rounds; 0 for opendkim and OpenSSL).
 *   simd names the body scan kernels of signet-* lines ("-" on others).
 *   Without --json the same figures print as a table.
 *
 * UNTRUSTED INPUT
 *   None.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"

static double rate(const struct engine_result *r)
{
	return r->best.seconds > 0 ? (double)r->best.count.msgs / r->best.seconds : 0;
}

static double cpu_rate(const struct engine_result *r)
{
	return r->best.cpu_seconds > 0 ? (double)r->best.count.msgs / r->best.cpu_seconds : 0;
}

/* The result of who on corpus c (NULL c: raw lines), or NULL. */
static const struct engine_result *find(const struct engine_result *all, size_t n,
					const char *who, const char *label)
{
	for (size_t i = 0; i < n; i++) {
		const char *l = all[i].corpus ? all[i].corpus->label : NULL;

		if (all[i].ok && strcmp(all[i].who, who) == 0 &&
		    (l == label || (l && label && strcmp(l, label) == 0)))
			return &all[i];
	}
	return NULL;
}

/* The raw line of a backend kind: raw-openssl for opendkim and openssl. */
static const struct engine_result *raw_of(const struct engine_result *all, size_t n,
					  const struct engine_result *r)
{
	char who[48];

	if (r->corpus == NULL)
		return NULL;
	if (strcmp(r->backend, "opendkim") == 0)
		return find(all, n, "raw-openssl", NULL);
	snprintf(who, sizeof(who), "raw-%s", r->backend);
	return find(all, n, who, NULL);
}

struct ratios {
	const struct engine_result *odkim, *raw;
};

static struct ratios ratios_of(const struct engine_result *all, size_t n,
			       const struct engine_result *r)
{
	struct ratios q;

	q.odkim = find(all, n, "opendkim", r->corpus ? r->corpus->label : "corpus");
	q.raw = raw_of(all, n, r);
	return q;
}

static void json_ratio(const char *name, double num, const struct engine_result *den,
		       double den_rate)
{
	if (den != NULL && den_rate > 0)
		printf(",\"%s\":%.3f", name, num / den_rate);
	else
		printf(",\"%s\":null", name);
}

static void print_json(const struct engine_result *all, size_t n, const struct engine_result *r,
		       const struct engine_report_info *info)
{
	struct ratios q = ratios_of(all, n, r);
	unsigned long long msgs = r->best.count.msgs;

	printf("{\"bench\":\"engine\",\"who\":\"%s\",\"backend\":\"%s\",\"size_class\":\"%s\","
	       "\"msgs\":%llu,\"bytes\":%llu,", r->who, r->backend,
	       r->corpus ? r->corpus->label : "raw", msgs, r->best.count.bytes);
	if (r->corpus != NULL && msgs > 0)
		printf("\"mean_bytes\":%llu,", r->best.count.bytes / msgs);
	else
		printf("\"mean_bytes\":null,");
	printf("\"seconds\":%.4f,\"msgs_per_s\":%.1f,", r->best.seconds, rate(r));
	if (r->corpus != NULL)
		printf("\"mb_per_s\":%.2f,", (double)r->best.count.bytes / 1e6 / r->best.seconds);
	else
		printf("\"mb_per_s\":null,");
	printf("\"msgs_per_cpu_s\":%.1f,\"cpu_share\":%.3f", cpu_rate(r),
	       r->best.cpu_seconds / r->best.seconds);
	json_ratio("ratio_to_opendkim", rate(r), q.odkim, q.odkim ? rate(q.odkim) : 0);
	json_ratio("ratio_to_opendkim_cpu", cpu_rate(r), q.odkim, q.odkim ? cpu_rate(q.odkim) : 0);
	json_ratio("ratio_to_raw", rate(r), q.raw, q.raw ? rate(q.raw) : 0);
	json_ratio("ratio_to_raw_cpu", cpu_rate(r), q.raw, q.raw ? cpu_rate(q.raw) : 0);
	printf(",\"batches\":%llu,\"padded_lanes\":%llu,\"key_bits\":%u,"
	       "\"canon\":\"relaxed/relaxed\",\"simd\":\"%s\",\"checked\":%zu,\"rounds\":%u,"
	       "\"cpu\":%d}\n", (unsigned long long)r->stats.batches,
	       (unsigned long long)r->stats.padded_lanes, info->key_bits,
	       strncmp(r->who, "signet-", 7) == 0 ? info->simd : "-",
	       r->corpus ? info->checked : 0, info->rounds, info->cpu);
}

/* A table cell: the figure, or "-" where there is none. */
static const char *cell(char *buf, size_t cap, int decimals, double v, bool have)
{
	if (!have)
		return "-";
	snprintf(buf, cap, "%.*f", decimals, v);
	return buf;
}

static void print_row(const struct engine_result *all, size_t n, const struct engine_result *r)
{
	struct ratios q = ratios_of(all, n, r);
	double odkim = q.odkim ? rate(q.odkim) : 0, raw = q.raw ? rate(q.raw) : 0;
	char mb[32], xo[32], xr[32];

	printf("%-16s %-8s %12.1f %9s %12.1f %8s %7s %6.1f\n", r->who,
	       r->corpus ? r->corpus->label : "raw", rate(r),
	       cell(mb, sizeof(mb), 1, (double)r->best.count.bytes / 1e6 / r->best.seconds,
		    r->corpus != NULL),
	       cpu_rate(r), cell(xo, sizeof(xo), 2, odkim > 0 ? rate(r) / odkim : 0, odkim > 0),
	       cell(xr, sizeof(xr), 2, raw > 0 ? rate(r) / raw : 0, raw > 0),
	       100 * r->best.cpu_seconds / r->best.seconds);
}

void engine_report(const struct engine_result *all, size_t n,
		   const struct engine_report_info *info)
{
	if (!info->json)
		printf("%-16s %-8s %12s %9s %12s %8s %7s %6s\n", "who", "class", "msgs/s", "MB/s",
		       "msgs/cpu-s", "x odkim", "x raw", "cpu%");
	for (size_t i = 0; i < n; i++) {
		if (!all[i].ok)
			continue;
		if (info->json)
			print_json(all, n, &all[i], info);
		else
			print_row(all, n, &all[i]);
	}
	fflush(stdout);
}
