/*
 * NAME
 *   sd_limits.c - idle timeout and minimum data rate of a relay client
 *                 connection (see sd_limits.h)
 */
#include "sd_limits.h"

struct sd_conn_limits sd_limits_default(void)
{
	return (struct sd_conn_limits){ .idle_ms = SD_IDLE_MS_DEFAULT,
					.data_idle_ms = SD_DATA_IDLE_MS_DEFAULT,
					.rate_grace_ms = SD_RATE_GRACE_MS_DEFAULT,
					.min_rate = SD_MIN_RATE_DEFAULT };
}

void sd_timer_start(struct sd_conn_timer *t, uint64_t now)
{
	*t = (struct sd_conn_timer){ .phase = SD_PHASE_COMMAND, .last_ms = now };
}

void sd_timer_phase(struct sd_conn_timer *t, enum sd_timer_phase phase, uint64_t now)
{
	if (t->phase == phase)
		return;
	if (phase == SD_PHASE_DATA) {
		t->data_start_ms = now;
		t->data_bytes = 0;
	}
	if (t->phase == SD_PHASE_OUTCOME || phase == SD_PHASE_DATA)
		t->last_ms = now;
	t->phase = phase;
}

void sd_timer_activity(struct sd_conn_timer *t, uint64_t bytes, uint64_t now)
{
	if (bytes == 0)
		return;
	t->last_ms = now;
	if (t->phase == SD_PHASE_DATA)
		t->data_bytes += bytes;
}

enum sd_timer_verdict sd_timer_check(const struct sd_conn_limits *l,
				     const struct sd_conn_timer *t, uint64_t now)
{
	uint64_t quiet = now > t->last_ms ? now - t->last_ms : 0;
	uint64_t in_data;

	switch (t->phase) {
	case SD_PHASE_COMMAND:
		return l->idle_ms > 0 && quiet >= l->idle_ms ? SD_TIMER_IDLE : SD_TIMER_OK;
	case SD_PHASE_DATA:
		if (l->data_idle_ms > 0 && quiet >= l->data_idle_ms)
			return SD_TIMER_IDLE;
		in_data = now > t->data_start_ms ? now - t->data_start_ms : 0;
		if (l->min_rate > 0 && in_data >= l->rate_grace_ms && in_data > 0 &&
		    t->data_bytes * 1000 < l->min_rate * in_data)
			return SD_TIMER_SLOW;
		return SD_TIMER_OK;
	case SD_PHASE_OUTCOME:
	default:
		return SD_TIMER_OK;
	}
}
