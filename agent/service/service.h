/*
 * service.h - `hrdex run`: the loop that syncs peers on a schedule, publishes
 * the outbox, delivers webhooks and writes status.json and metrics.prom.
 *
 * One instance per state directory: it holds an flock on STATE/run.pid for
 * its whole life.  The agent-wide lock (state.h) is held only while a pass
 * runs, so `hrdex publish`, `trust add`... still work between passes.
 *
 * Signals: SIGTERM and SIGINT finish the step in hand (one peer, one outbox
 * batch) and stop; SIGHUP re-reads hrdex.conf (a bad one is logged and the
 * running configuration kept); SIGUSR1 syncs every peer now.  They are read
 * from a signalfd in the main loop; no work happens in a signal handler.
 */
#ifndef HRDEX_SERVICE_H
#define HRDEX_SERVICE_H

#include <stdint.h>

#include "config.h"
#include "state.h"

enum hrdex_sync_status {
	HRDEX_SYNC_OK = 0,
	HRDEX_SYNC_UNREACHABLE,   /* could not connect, or timed out */
	HRDEX_SYNC_FAILED,        /* connected, then failed */
};

/* What syncing one peer did. */
struct hrdex_sync_result {
	enum hrdex_sync_status status;
	size_t accepted;          /* publisher branches moved */
	size_t rejected;          /* publisher branches refused (STATE/rejections.json says why) */
	int64_t bytes;            /* fetched */
	double seconds;
	int registry_changed;     /* the registry's members changed trust or peers */
	char error[512];          /* when status is not OK */
};

/*
 * Sync one peer under the agent-wide lock: fetch, check, accept, rebuild
 * main, update view/ and the cache.  Returns 0 with out filled (a peer that
 * fails is a result, not an error); -1 only when the agent itself failed.
 * The adapter to sync.c (hrdex_sync_run() with this one peer).
 */
int hrdex_service_sync_peer(struct hrdex_state *s, const struct hrdex_peer *peer,
			    struct hrdex_sync_result *out);

struct hrdex_service_opts {
	int once;                 /* one pass, then return (cron, tests) */
};

struct hrdex_service_result {
	int peers_failed;         /* in the last pass */
	int branches_rejected;    /* in the last pass */
	int outbox_failed;        /* the last pass's outbox step failed: its error kind */
};

/*
 * Run the service on state directory dir until SIGTERM/SIGINT (or after one
 * pass with once).  -1 with HRDEX_E_BUSY when another `hrdex run`
 * holds dir, HRDEX_E_CONFIG when hrdex.conf is bad at start.
 */
int hrdex_service_run(const char *dir, const struct hrdex_service_opts *opts,
		      struct hrdex_service_result *result);

/* ---- exposed for tests ---- */

/* Seconds before the next sync of a peer after `failures` consecutive
 * failures (0: after a success): the interval, doubled per failure, at most
 * max(backoff_max, interval); jitter not included. */
int64_t hrdex_service_delay(int64_t failures, int64_t interval, int64_t backoff_max);

#endif
