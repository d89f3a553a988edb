/*
 * revoke.h - the registry's revocations (DESIGN.md, "Keys and membership";
 * NETSPEC `member`): each entry of an accepted `member` document's
 * `revocations` list, {key, reset_to, next_key, date}, is a sanctioned
 * reset of the member's branch, applied through the one reset there is
 * (reset.h, as `hrdex trust reset` does it by hand): the branch goes back
 * to reset_to, the commits after it are kept under refs/hrdex/abandoned/,
 * and after reset_to only next_key signs.
 *
 * Only the registry's ACCEPTED member documents count (registry.h,
 * hrdex_registry_each: the document rules hold a member document published
 * by anyone but the registry, so a reset it names never moves anything).  A revocation that cannot be applied is
 * held, with its reason, and nothing moves:
 *   - reset_to is not in the member's branch history;
 *   - key is not a key this agent trusts for the member;
 *   - next_key is the revoked key, or another publisher's key;
 *   - the member is this agent's own publisher.
 * A member whose branch is not here yet (this agent joined after the
 * revocation) gets the reset recorded ahead (reset.h, hrdex_reset_ahead),
 * so its branch arrives already governed by next_key.
 * A held revocation is tried again at every pass (the member's branch may
 * bring reset_to later).  A revocation the ledger already records (same
 * publisher, commit and key: applied here before, by the registry or by
 * hand) is not applied again.
 *
 * What each pass found goes to STATE/revocations.json, which `status`
 * shows; the resets themselves are in the ledger (STATE/tips.json), so
 * status, metrics.prom and the webhooks show them as any reset.
 */
#ifndef HRDEX_REVOKE_H
#define HRDEX_REVOKE_H

#include <stddef.h>

#include "state.h"

struct hrdex_revoke_result {
	size_t applied;   /* resets made by this pass */
	size_t held;      /* revocations held (see the file) */
	size_t done;      /* recorded before: nothing to do */
};

/*
 * Apply the revocations of the registry's accepted member documents (no
 * registry configured: nothing to do).  Called under the agent lock with
 * HRDEX_STATE_SCHEMAS, from hrdex_registry_apply (the registry's branch
 * moved) and by sync after any other branch moved (a held revocation's
 * reset_to may have arrived).  Each reset made refreshes main, view/, the
 * cache and the site (reset.h).  res may be NULL.  Returns -1 only when the
 * pass itself failed (I/O, a reset that could not finish); a revocation that
 * cannot apply is held, not an error.
 */
int hrdex_revoke_apply(struct hrdex_state *s, struct hrdex_revoke_result *res);

/* STATE/revocations.json as the last pass wrote it (none: *out NULL, 0). */
struct cJSON;
int hrdex_revoke_load(struct cJSON **out, const char *state_dir);

#endif
