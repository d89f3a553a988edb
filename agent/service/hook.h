/*
 * hook.h - webhooks: after a change, POST a JSON summary of it to each
 * configured URL (webhook.NAME.url), signed with webhook.NAME.secret.
 *
 * Delivery is at least once: the pending summary of each webhook is kept in
 * STATE/hooks/NAME.json until a 2xx answer, across restarts, and retried
 * with exponential backoff (1 s, 2 s, 4 s... up to webhook.backoffMax).  It
 * is a latest-value queue that accumulates: a change arriving while an older
 * one is undelivered is merged into it (per publisher: the oldest tip not
 * yet announced, the newest tip), so the queue never grows and the receiver
 * still hears of every ref that moved.  Receivers must be idempotent.
 *
 * Each webhook is delivered by its own thread (hook.c says why), so a
 * receiver that is down, slow or hanging never delays syncing, publishing or
 * the other webhooks.
 */
#ifndef HRDEX_HOOK_H
#define HRDEX_HOOK_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <git2.h>

#include "buf.h"
#include "config.h"
#include "status.h"

/* A publisher branch that moved: old or new is zero when absent. */
struct hrdex_change {
	char publisher[33];
	git_oid old, new;
};

struct hrdex_hooks;

/*
 * Load the pending queue from state_dir/hooks/ and start one delivery thread
 * per webhook.  Call with the signals the service handles blocked, so the
 * threads inherit the mask.  Summaries name c->publisher as the agent.
 */
int hrdex_hooks_start(struct hrdex_hooks **out, const char *state_dir, const struct hrdex_config *c);

/* Take a new configuration (SIGHUP): URLs, secrets, timeouts; webhooks no
 * longer configured stop being delivered (their queue file stays). */
int hrdex_hooks_configure(struct hrdex_hooks *h, const struct hrdex_config *c);

/* Queue the summary of changes for every webhook (reads repo: call from the
 * thread that owns it).  The queue file is written before this returns. */
int hrdex_hooks_notify(struct hrdex_hooks *h, git_repository *repo, const struct hrdex_change *changes,
		       size_t n);

/* Copy the queue's state into st->hooks and add the delivery counters. */
int hrdex_hooks_report(struct hrdex_hooks *h, struct hrdex_status *st);

/* Wait (until deadline, unix seconds) for every summary due now to have
 * been tried once: `hrdex run --once` delivers before it exits.  Returns 1
 * when deliveries may have happened (a webhook is configured). */
int hrdex_hooks_drain(struct hrdex_hooks *h, int64_t deadline);

/* Stop the threads (a delivery under way is aborted within about a second)
 * and free everything; pending summaries stay on disk.  NULL is fine. */
void hrdex_hooks_stop(struct hrdex_hooks *h);

/* ---- exposed for tests ---- */

/* Seconds to wait after the n-th failed attempt (n >= 1): 2^(n-1), at most max. */
int64_t hrdex_hook_backoff(int64_t n, int64_t max);

/* "sha256=" and the hex HMAC-SHA256 of body under secret (71 chars + NUL). */
void hrdex_hook_signature(char out[72], const char *secret, const void *body, size_t len);

/*
 * The summary of one change: {"publisher", "old", "new", "commits" (newest
 * first, at most 100), "added", "changed", "withdrawn" (refs, at most 1000
 * each), "held" (added or changed documents a document rule holds: {ref,
 * reason}), "released" (changed documents held at "old", shown at "new"),
 * "truncated"}, and for a move back (a sanctioned reset, `trust reset`)
 * "reset": true and "abandoned" (the commits left, newest first, at most
 * 100).  Attachments changing count as their document changing.
 */
int hrdex_hook_summary(cJSON **out, git_repository *repo, const struct hrdex_change *ch);

/*
 * POST body to url; 0 on a 2xx answer, else -1 with why in err.  At most
 * 64 KiB of the answer is read.  *stop (may be NULL) becoming non-zero
 * aborts the transfer.
 */
int hrdex_hook_post(const char *url, const char *secret, const char *body, size_t len,
		    long connect_timeout, long timeout, atomic_int *stop, char *err, size_t errsize);

#endif
