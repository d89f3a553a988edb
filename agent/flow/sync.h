/*
 * sync.h - one sync round (docs/DESIGN.md, "Acceptance rules"):
 *
 *   1. fetch every peer in parallel (16 at once), each in a bounded child (fetch.h), into
 *      a per-peer quarantine object store;
 *   2. for each publisher branch offered, apply the acceptance rules
 *      (accept.h) to each peer's copy; copy the checked objects into repo.git;
 *      take the newest copy that passes and descends from the others; two
 *      valid copies that diverge are a fork by the publisher: both rejected;
 *   3. move refs/heads/<publisher> with compare-and-swap, and record each
 *      peer's copy under refs/peers/<peer>/<publisher> once its objects are
 *      all in repo.git;
 *   4. refresh (refresh.h): after any change main, view/, the cache, the
 *      site and the mirrors;
 *   5. write STATE/rejections.json (for `hrdex status`).
 * A rejection concerns one branch from one peer; nothing else stops.
 */
#ifndef HRDEX_SYNC_H
#define HRDEX_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "doc.h"
#include "fetch.h"
#include "state.h"

enum hrdex_branch_status {
	HRDEX_BRANCH_ACCEPTED,   /* refs/heads/B moved to this peer's copy */
	HRDEX_BRANCH_REJECTED,   /* a rule rejected this peer's copy */
	HRDEX_BRANCH_CURRENT,    /* the peer has what we have (now) */
	HRDEX_BRANCH_BEHIND,     /* the peer has an older tip: nothing to do */
};

struct hrdex_sync_branch {
	char publisher[HRDEX_PUBLISHER_MAX + 1];
	size_t peer;                 /* index into peers */
	enum hrdex_branch_status status;
	git_oid offered;             /* the peer's tip */
	git_oid from;                /* accepted: our old tip (zero when the branch is new) */
	int is_new;
	char rule[24];               /* rejected: the rule, e.g. "signature" */
	char reason[768];
	size_t added, changed, removed; /* accepted: documents */
	size_t commits;              /* accepted: new commits */
	int remembered;              /* rejected: the same tip was refused before (this
				        round or an earlier one, same binary, allowed_signers,
				        limits and our tip): not checked again */
};

struct hrdex_sync_peer {
	char *name;
	char *url;
	enum hrdex_fetch_status status;
	char message[512];
	int64_t elapsed_ms;
	int64_t bytes;             /* received from the peer */
};

struct hrdex_sync_report {
	struct hrdex_sync_peer *peers;
	size_t npeers;
	struct hrdex_sync_branch *branches;
	size_t nbranches, abranches;
	size_t accepted, rejected, unreachable;
	int main_moved;
	int registry_changed;      /* the registry's members changed allowed_signers or the
				      peers (registry.h): a service re-reads hrdex.conf */
	git_oid main;
	int64_t elapsed_ms;
};

/* hrdex_sync_run flags: push the mirrors even when nothing was accepted, so
 * that a push that failed before is retried (`hrdex sync`; the service
 * pushes only after a change, not every sync.interval). */
#define HRDEX_SYNC_PUSH 1u

/*
 * Run one round with the peers named in only[0..nonly) (all when nonly is 0),
 * then refresh (refresh.h): after any change main, view/, the cache, the
 * site and the mirrors; else only what an interrupted run left behind.
 * st must be open with HRDEX_STATE_LOCK | HRDEX_STATE_KEY | HRDEX_STATE_SCHEMAS.
 * Returns 0 when the round ran (peers may still be unreachable and branches
 * rejected: see the report), -1 on an error that stopped it (hrdex_error;
 * HRDEX_E_USAGE for an unknown peer name).
 */
int hrdex_sync_run(struct hrdex_sync_report *out, struct hrdex_state *st, char **only, size_t nonly,
		   unsigned flags);
void hrdex_sync_report_free(struct hrdex_sync_report *r);

/* Remove leftovers of killed transfers (objects/pack/tmp_*, quarantine/);
 * call under the agent lock with no transfer running. */
void hrdex_sync_clean(struct hrdex_state *st);

#endif
