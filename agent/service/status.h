/*
 * status.h - the service's health: STATE/status.json for people and
 * scripts (`hrdex status`), STATE/metrics.prom for node_exporter's textfile
 * collector.  Both are rewritten atomically after each pass of the service.
 *
 * Counters (syncs by result, documents, bytes...) only grow; they are kept in
 * status.json and reloaded when the service starts, so they survive restarts
 * as Prometheus counters should.
 */
#ifndef HRDEX_STATUS_H
#define HRDEX_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <git2.h>

#include "buf.h"
#include "config.h"
#include "problem.h"

struct hrdex_status_peer {
	char name[65];
	int64_t last_attempt;   /* unix seconds; 0: never */
	int64_t last_success;   /* 0: never */
	int64_t next_try;       /* when the service tries again */
	int64_t failures;       /* consecutive; 0 after a success */
	int64_t last_bytes;     /* fetched by the last attempt */
	double last_seconds;    /* its duration */
	char error[512];        /* of the last attempt; "" when it succeeded */
};

struct hrdex_status_publisher {
	char id[33];
	char tip[GIT_OID_HEXSZ + 1];
	int64_t commit_time;    /* of the tip */
	int64_t documents;      /* *.json documents in its tree */
	int64_t held;           /* of those, held by a document rule (cache.db, table held) */
};

struct hrdex_status_hook {
	char name[65];
	int pending;            /* a summary waits to be delivered */
	int64_t attempts;       /* failed attempts of the pending summary */
	int64_t next_try;
	int64_t last_delivery;  /* last 2xx; 0: never */
	char error[256];        /* of the last failed attempt */
};

/* A trusted publisher as the ledger (ledger.h, STATE/tips.json) has it. */
struct hrdex_status_network {
	char id[33];
	int64_t moved;          /* its branch last moved here; 0: never */
	int64_t offered;        /* a peer last offered a newer tip; 0: never */
	int64_t since;          /* first recorded */
	int64_t still_for;      /* seconds since the latest of the three */
	int stale;              /* still_for > network.staleAfter: frozen or cut off? */
};

/* A sanctioned reset of a publisher's branch (ledger.h). */
struct hrdex_status_reset {
	char publisher[33];
	char commit[GIT_OID_HEXSZ + 1];   /* the branch went back to it */
	char from[GIT_OID_HEXSZ + 1];     /* the tip abandoned ("" when none) */
	char abandoned[128];              /* the ref keeping the abandoned commits */
	char key[128];                    /* SHA256:... of the key that continues it */
	char by[128];                     /* "" by hand, else "registry REF" (ledger.h) */
	int64_t time;
};

/* Counters: only grow, survive restarts. */
struct hrdex_status_counters {
	int64_t syncs_ok, syncs_unreachable, syncs_failed;  /* peer syncs by result */
	int64_t branches_accepted, branches_rejected;        /* publisher branches, from peers */
	int64_t docs_from_peers;    /* documents added, changed or withdrawn by accepted branches */
	int64_t docs_published;     /* outbox documents committed (added or changed) */
	int64_t docs_rejected;      /* outbox files rejected */
	int64_t fetch_bytes;
	double fetch_seconds;
	int64_t outbox_done, outbox_rejected;  /* files moved */
	int64_t hooks_ok, hooks_failed;        /* delivery attempts */
	int64_t passes;
};

struct hrdex_status {
	int64_t updated;        /* when written */
	int64_t started;        /* when the service started */
	int64_t pid;
	int64_t stopped;        /* when the service stopped cleanly (SIGTERM, SIGINT); 0 while it runs */
	int once;               /* written by `run --once`: nobody holds run.pid between passes */
	int service;            /* not in status.json: 1 run.pid is locked, -1 it is not, 0 unknown */
	char publisher[33];
	struct hrdex_status_peer *peers;
	size_t npeers;
	struct hrdex_status_publisher *publishers;
	size_t npublishers;
	struct hrdex_status_hook *hooks;
	size_t nhooks;
	int64_t outbox_pending;
	cJSON *rejections;      /* array: the branches the last sync of each peer rejected, or NULL */
	struct hrdex_status_network *network;  /* trusted publishers, from the ledger */
	size_t nnetwork;
	int64_t stale_after;                   /* network.staleAfter used for .stale */
	struct hrdex_status_reset *resets;     /* oldest first */
	size_t nresets;
	struct hrdex_status_counters counters;
};

void hrdex_status_release(struct hrdex_status *st);

/* The entry for name, added (zeroed) when missing; NULL when out of memory. */
struct hrdex_status_peer *hrdex_status_peer(struct hrdex_status *st, const char *name);
struct hrdex_status_hook *hrdex_status_hook(struct hrdex_status *st, const char *name);
/* Keep only the peers still configured. */
void hrdex_status_prune_peers(struct hrdex_status *st, const struct hrdex_config *c);

/* Fill publishers from repo's branches (tip, commit time, documents). */
int hrdex_status_scan_publishers(struct hrdex_status *st, git_repository *repo);
/* Each publisher's held documents, from the cache at cache_path (read
 * only); a cache that cannot be read counts none.  After scan_publishers. */
void hrdex_status_scan_held(struct hrdex_status *st, const char *cache_path);

/*
 * Fill network and resets from STATE/tips.json in state_dir (ledger.h):
 * every publisher trusted in signers but own, with when its branch last
 * moved and a peer last offered anything newer; stale when neither happened
 * for c->stale_after seconds up to now (a frozen or cut-off member, TUF's
 * freeze attack).  HRDEX_E_CONFIG when tips.json is damaged.
 */
struct hrdex_signers;
int hrdex_status_scan_network(struct hrdex_status *st, const char *state_dir, const struct hrdex_signers *signers,
			      const struct hrdex_config *c, int64_t now);

/* One warning per stale publisher, appended to why (status shows them; they
 * do not make the agent unhealthy: the member is the one silent).  Returns
 * the number added, -1 when out of memory. */
int hrdex_status_stale_warnings(const struct hrdex_status *st, struct hrdex_problems *why);

/* Render status.json (pretty, one trailing newline). */
int hrdex_status_to_json(struct hrdex_buf *out, const struct hrdex_status *st);
/* Parse status.json; unknown members are ignored.  HRDEX_E_INVALID if not ours. */
int hrdex_status_from_json(struct hrdex_status *st, const char *data, size_t len);
/* Render metrics.prom (Prometheus text format 0.0.4). */
int hrdex_status_metrics(struct hrdex_buf *out, const struct hrdex_status *st);

/* Write DIR/status.json and DIR/metrics.prom, each atomically. */
int hrdex_status_write(const struct hrdex_status *st, const char *dir);
/* Read DIR/status.json; HRDEX_E_NOTFOUND when there is none. */
int hrdex_status_read(struct hrdex_status *st, const char *dir);
/*
 * Read DIR/rejections.json, which sync.c rewrites after each round with the
 * rejections of that round: {"rejections": [{"peer", "publisher", "commit",
 * "rule", "reason"}...], "time"} (a bare array is taken too).  *out is the
 * array, NULL when there is no file.
 */
int hrdex_status_read_rejections(cJSON **out, const char *dir);

/*
 * Replace the entries of peer in st->rejections by those of peer in list
 * (from hrdex_status_read_rejections): the service syncs one peer at a time,
 * so status.json keeps the latest rejections of every peer.  Entries without
 * a "peer" count as the peer's.  NULL list: the peer's entries are dropped.
 */
int hrdex_status_merge_rejections(struct hrdex_status *st, const cJSON *list, const char *peer);

/* Drop the rejections of peers no longer configured. */
void hrdex_status_prune_rejections(struct hrdex_status *st, const struct hrdex_config *c);

/*
 * Whether an `hrdex run` holds DIR/run.pid: 1 yes, -1 no (no file, or its
 * lock is free), 0 unknown (cannot open it).  Takes a shared lock for an
 * instant when it is free; the service's claim retries past that.
 */
int hrdex_status_service_running(const char *dir);

/*
 * Health at now against the thresholds of c: one problem per reason
 * (the service not running when st->service says so and status.json was not
 * written by `run --once`, status.json older than status.maxAge, a peer with status.maxFailures
 * consecutive failures or no success for status.maxAge).  Returns the number
 * of problems, or -1 when out of memory.
 */
int hrdex_status_health(const struct hrdex_status *st, const struct hrdex_config *c, int64_t now,
			struct hrdex_problems *why);

/* Append s to out with Prometheus label-value escaping (\\, \", \n). */
int hrdex_status_escape_label(struct hrdex_buf *out, const char *s);

#endif
