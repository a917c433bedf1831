/*
 * NAME
 *   sd_limits.h - the relay's per-connection deadlines: idle timeout and
 *                 the minimum data rate during DATA, as pure arithmetic
 *                 on a caller's clock
 *
 * SUMMARY
 *   One struct sd_conn_timer per client connection. The worker reports
 *   what happens (sd_timer_activity: bytes read, and whether the SMTP
 *   machine is reading message text) and asks, on its timer tick, what to
 *   do (sd_timer_check):
 *     - waiting for a command: SD_TIMER_IDLE once idle_ms passed since
 *       the last byte (RFC 5321 4.5.3.2.7 allows 5 minutes);
 *     - reading message text: SD_TIMER_IDLE once data_idle_ms passed
 *       without a byte (4.5.3.2.6: 3 minutes per block), SD_TIMER_SLOW
 *       once rate_grace_ms passed since DATA began and the average rate
 *       since then is below min_rate (octets/second) - a client that
 *       trickles a byte now and then to dodge the idle timeout;
 *     - waiting for the relay's own outcome (message signed and relayed):
 *       never (the next hop's timeouts bound that).
 *   Times are milliseconds of one monotonic clock (tests pass a fake one).
 */
#ifndef SIGNET_SIGNETD_SD_LIMITS_H
#define SIGNET_SIGNETD_SD_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#define SD_IDLE_MS_DEFAULT 300000u		/* 5 minutes */
#define SD_DATA_IDLE_MS_DEFAULT 180000u	/* 3 minutes */
#define SD_RATE_GRACE_MS_DEFAULT 30000u
#define SD_MIN_RATE_DEFAULT 256u		/* octets per second */

struct sd_conn_limits {
	uint64_t idle_ms;
	uint64_t data_idle_ms;
	uint64_t rate_grace_ms;
	uint64_t min_rate;			/* 0: no rate check */
};

enum sd_timer_phase {
	SD_PHASE_COMMAND,			/* waiting for a command */
	SD_PHASE_DATA,				/* reading message text */
	SD_PHASE_OUTCOME,			/* our own work: no deadline */
};

struct sd_conn_timer {
	enum sd_timer_phase phase;
	uint64_t last_ms;			/* last byte read (or phase start) */
	uint64_t data_start_ms;
	uint64_t data_bytes;
};

enum sd_timer_verdict { SD_TIMER_OK, SD_TIMER_IDLE, SD_TIMER_SLOW };

/* The default limits above. */
struct sd_conn_limits sd_limits_default(void);
/* A new connection (phase COMMAND) at now. */
void sd_timer_start(struct sd_conn_timer *t, uint64_t now);
/* The machine moved to phase (no-op when unchanged); DATA restarts the
 * rate count, leaving OUTCOME restarts the idle clock. */
void sd_timer_phase(struct sd_conn_timer *t, enum sd_timer_phase phase, uint64_t now);
/* bytes were read at now. */
void sd_timer_activity(struct sd_conn_timer *t, uint64_t bytes, uint64_t now);
enum sd_timer_verdict sd_timer_check(const struct sd_conn_limits *l,
				     const struct sd_conn_timer *t, uint64_t now);

#endif
