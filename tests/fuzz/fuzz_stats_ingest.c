/*
 * NAME
 *   fuzz_stats_ingest.c - libFuzzer target for sg_stats_ingest (the
 *                         STATS_PUSH decoder, control/stats/stats_wire.c)
 *
 * SUMMARY
 *   The input is the payload of a STATS_PUSH message (the target adds the
 *   8-byte header), so every input reaches the decoder. Checked:
 *   - a refused push carries a message and an offset inside the message,
 *     and leaves the aggregate untouched (no rows, workers or pushes);
 *   - an accepted push makes at most SG_STATS_PUSH_MAX rows; per kind,
 *     the rows (with the "(other)" row) add up to the kind's total and so
 *     do the workers; the same push into an aggregate capped at one row
 *     is accepted too, with the same totals (the cap moves counts to
 *     "(other)", never loses them);
 *   - the accepted names go through the reports: signing_stats (global
 *     and for the first row's domain) and the Prometheus text succeed.
 *   Seeds (corpus/fuzz_stats_ingest/) are payloads in the stats.h layout.
 *
 * UNTRUSTED INPUT
 *   The fuzzer's bytes, copied into an exactly-sized message buffer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "proto.h"
#include "stats.h"
#include "stats_internal.h"

#include "fuzzutil.h"

static uint8_t *wrap(const uint8_t *data, size_t size, size_t *len)
{
	uint8_t *msg = malloc(size + SG_WIRE_HEADER);

	FUZZ_CHECK(msg != NULL, "out of memory");
	*len = size + SG_WIRE_HEADER;
	msg[0] = (uint8_t)(*len >> 24);
	msg[1] = (uint8_t)(*len >> 16);
	msg[2] = (uint8_t)(*len >> 8);
	msg[3] = (uint8_t)*len;
	msg[4] = 0;
	msg[5] = SG_MSG_STATS_PUSH;
	msg[6] = 0;
	msg[7] = 0;
	if (size > 0)
		memcpy(msg + SG_WIRE_HEADER, data, size);
	return msg;
}

static enum sg_err ingest(struct sg_stats *s, const uint8_t *msg, size_t len,
			  struct sg_error *err)
{
	struct sg_wire_in r;

	sg_error_clear(err);
	if (sg_wire_open(&r, msg, len, err) != SG_OK)
		return SG_E_SYNTAX;	/* only past SG_WIRE_MAX: not this target's business */
	return sg_stats_ingest(s, &r, err);
}

static void check_sums(const struct sg_stats *s)
{
	for (int k = 0; k < SG_STATS_KINDS; k++) {
		struct sg_counters rows, workers;

		memset(&rows, 0, sizeof(rows));
		memset(&workers, 0, sizeof(workers));
		for (size_t i = 0; i < s->nrows; i++) {
			if (s->rows[i].kind == (enum sg_sigkind)k)
				sg_counters_add(&rows, &s->rows[i].c);
		}
		sg_counters_add(&rows, &s->other[k].c);
		for (size_t i = 0; i < s->nworkers; i++)
			sg_counters_add(&workers, &s->workers[i].c[k]);
		sg_counters_add(&workers, &s->worker_other[k]);
		FUZZ_CHECK(memcmp(&rows, &s->total[k], sizeof(rows)) == 0,
			   "rows of kind %d do not add up to the total", k);
		FUZZ_CHECK(memcmp(&workers, &s->total[k], sizeof(workers)) == 0,
			   "workers of kind %d do not add up to the total", k);
	}
}

static void check_reports(struct sg_stats *s)
{
	const struct sg_command *cmds;
	struct sg_cmd_params p;
	struct sg_table t;
	struct sg_error err;
	struct sg_buf prom;
	size_t n;

	memset(&p, 0, sizeof(p));
	cmds = sg_commands(&n);
	for (size_t i = 0; i < n && p.cmd == NULL; i++) {
		if (cmds[i].id == SG_CMD_SIGNING_STATS)
			p.cmd = &cmds[i];
	}
	FUZZ_CHECK(p.cmd != NULL, "no signing_stats row in the command table");
	FUZZ_CHECK(sg_stats_command(s, &p, &t, &err) == SG_OK, "signing_stats: %s", err.msg);
	sg_table_free(&t);
	if (s->nrows > 0 && s->rows[0].domain[0] != '\0') {
		strcpy(p.domain, s->rows[0].domain);	/* stored names query themselves */
		FUZZ_CHECK(sg_stats_command(s, &p, &t, &err) == SG_OK && t.nrows > 0,
			   "signing_stats %s: %s", p.domain, err.msg);
		sg_table_free(&t);
	}
	sg_buf_init(&prom, SIZE_MAX);
	FUZZ_CHECK(sg_stats_prometheus(s, &prom) == SG_OK, "Prometheus text failed");
	FUZZ_CHECK(prom.len > 0 && prom.data[prom.len - 1] == '\n', "exposition not ended");
	sg_buf_free(&prom);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_stats *s, *capped;
	struct sg_error err;
	size_t len;
	uint8_t *msg = wrap(data, size, &len);
	enum sg_err rc;

	FUZZ_CHECK(sg_stats_new(&s) == SG_OK && sg_stats_new(&capped) == SG_OK, "no memory");
	rc = ingest(s, msg, len, &err);
	if (rc != SG_OK) {
		FUZZ_CHECK(err.msg[0] != '\0', "refused push without a message");
		FUZZ_CHECK(err.offset <= len, "error offset %llu past the message (%zu)",
			   (unsigned long long)err.offset, len);
		FUZZ_CHECK(s->nrows == 0 && s->nworkers == 0 && s->pushes == 0,
			   "a refused push changed the aggregate");
	} else {
		FUZZ_CHECK(s->pushes == 1 && s->nrows <= SG_STATS_PUSH_MAX, "%zu rows", s->nrows);
		check_sums(s);
		sg_stats_set_limits(capped, 1, 1);
		FUZZ_CHECK(ingest(capped, msg, len, &err) == SG_OK, "capped ingest: %s", err.msg);
		FUZZ_CHECK(capped->nrows <= 1, "cap passed");
		FUZZ_CHECK(memcmp(capped->total, s->total, sizeof(s->total)) == 0,
			   "the cap changed the totals");
		check_sums(capped);
		check_reports(s);
	}
	sg_stats_free(capped);
	sg_stats_free(s);
	free(msg);
	return 0;
}
