/*
 * reset.h - a sanctioned reset of a publisher's branch (DESIGN.md, "Keys
 * and membership"): the one move other than forward.  The branch goes back
 * to a named commit of its history and continues with a named key; the
 * abandoned commits stay under refs/hrdex/abandoned/; the ledger
 * (STATE/tips.json) records the reset, so the rollback rule lets the move
 * through and every later commit must be signed by that key.  Called by
 * `hrdex trust reset` (by hand, without a registry) and by the registry's
 * revocations (revoke.h), the same way.
 */
#ifndef HRDEX_RESET_H
#define HRDEX_RESET_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "ledger.h"
#include "state.h"

struct hrdex_reset_plan {
	/* in */
	const char *publisher;
	git_oid commit;             /* resolved: must be in the branch's history */
	unsigned char key[32];      /* the key that continues the branch */
	const char *by;             /* NULL by hand; else who sanctioned it (ledger.h) */
	/* out (hrdex_reset_prepare) */
	git_oid tip;                /* the branch now */
	size_t abandoned;           /* commits after commit, up to tip */
	char fingerprint[64];       /* of key, SHA256:... */
	/* out (hrdex_reset_apply) */
	char abandoned_ref[128];    /* "" when nothing was abandoned */
	git_oid main;               /* main's commit after the refresh */
};

/*
 * Resolve text (40 hex digits, or an unambiguous prefix of at least 7) to
 * a commit of publisher's branch in s->repo: HRDEX_E_INVALID naming it when
 * it is no commit of that branch's history, or the publisher has no branch.
 */
int hrdex_reset_resolve(git_oid *out, struct hrdex_state *s, const char *publisher, const char *text);

/*
 * The key that continues publisher's branch must be no other publisher's:
 * HRDEX_E_INVALID "this key is already trusted for publisher 'X'" when
 * allowed_signers grants it to another (one key never speaks for two).
 */
int hrdex_reset_check_key(const struct hrdex_state *s, const char *publisher, const unsigned char key[32]);

/* Fill the plan's tip, abandoned and fingerprint; change nothing. */
int hrdex_reset_prepare(struct hrdex_reset_plan *p, struct hrdex_state *s);

/*
 * Do it, under the agent lock: keep the abandoned commits, record the reset
 * in the ledger (saved before the branch moves: killed in between, running
 * the same reset again finishes it), move refs/heads/PUBLISHER back
 * (compare-and-swap from the prepared tip), add "PUBLISHER
 * namespaces="git" KEY" to allowed_signers unless it is there (the old keys
 * stay, so stock git verify-commit still passes on the kept history), then
 * rebuild main, view/, the cache and the site.
 */
int hrdex_reset_apply(struct hrdex_reset_plan *p, struct hrdex_state *s);

/*
 * The reset of a publisher whose branch is not here yet (an agent that
 * joined the network after the registry's revocation): nothing to move or
 * abandon, but the ledger records the reset (commit, key, by) and the key is
 * trusted, so that when the branch arrives its commits after commit must be
 * signed by key, as on every agent that had the branch (accept.c reads
 * the resets from the ledger; a reset whose commit is not in the history
 * that arrives governs none of it).  Under the agent lock; p's tip and
 * abandoned are left zero.
 */
int hrdex_reset_ahead(struct hrdex_reset_plan *p, struct hrdex_state *s);

#endif
