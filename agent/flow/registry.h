/*
 * registry.h - the network's registry (docs/DESIGN.md, "Keys and
 * membership"; the plan in issue 18).
 *
 * A network may name one registry publisher (the convenor, e.g. 'ohchr'):
 * hrdex.conf's registry.publisher, its key pinned in allowed_signers and its
 * URL (registry.url) the peer 'registry'.  Its branch carries 'member'
 * documents, one per member, id = the member's publisher id.  After every
 * accepted move of the registry's branch (sync, `run --once`, the service;
 * on the registry's own agent, every publish: its branch never moves by sync),
 * hrdex_registry_apply derives from the registry's accepted (not held)
 * member documents:
 *   - trust: each member's first key in allowed_signers, each line preceded
 *     by the comment "# registry REGISTRY/member/ID" (and only such lines
 *     are ever rewritten by it); a member that has a hand-made line already
 *     keeps it, and the conflict is said when the keys differ; a member
 *     document withdrawn takes its trust away again, as `trust remove` does
 *     (its branch parked under refs/hrdex/untrusted/);
 *   - display names: the member's title (en, else its first language), in
 *     STATE/registry.json, which hrdex_state_open reads into the config's
 *     registry_names (a publisher.ID.name set by hand wins);
 *   - suggested peers: the member's urls (`hrdex peer suggest`), added as
 *     peers when network.autoPeers is true.
 * Other steps (schemas and vocabularies, revocations) hook in as one call
 * each from hrdex_registry_apply, and read the registry's documents through
 * hrdex_registry_each.
 */
#ifndef HRDEX_REGISTRY_H
#define HRDEX_REGISTRY_H

#include <cjson/cJSON.h>

#include "config.h"
#include "doc.h"
#include "state.h"

/* The registry's publisher id into publisher ("" when none is configured);
 * returns 1 when there is one, 0 when not. */
int hrdex_registry_get(const struct hrdex_config *cfg, char publisher[HRDEX_PUBLISHER_MAX + 1]);

/*
 * Call cb for each document of type (e.g. "member") in the registry's
 * accepted branch tip that the document rules do not hold, in id order, with
 * its id and parsed JSON (valid until cb returns).  0 when done (also when
 * no registry is configured or its branch is not here yet), -1 on an error
 * (hrdex_error), or cb's non-zero return.  st needs HRDEX_STATE_SCHEMAS.
 */
int hrdex_registry_each(struct hrdex_state *st, const char *type,
			int (*cb)(void *ctx, const char *id, const cJSON *doc), void *ctx);

/*
 * Derive trust, display names and suggested (or automatic) peers from the
 * registry's member documents as described above; then the other registry
 * steps.  Logs one line for each change and each conflict.  *changed (may
 * be NULL) gets 1 when allowed_signers or the peers changed (the caller
 * refreshes main and may sync again).  No registry configured: nothing, 0.
 * st must be open with HRDEX_STATE_LOCK | HRDEX_STATE_SCHEMAS.
 */
int hrdex_registry_apply(struct hrdex_state *st, int *changed);

/* network.autoPeers from what the registry last gave (STATE/registry.json),
 * for a round in which its branch did not move (autoPeers set since):
 * *changed set to 1 when a peer was added. */
int hrdex_registry_auto_peers(struct hrdex_state *st, int *changed);

/* The peers the registry suggests (`hrdex peer suggest`): a new array of
 * {publisher, url, name} for each member, other than this agent and the
 * registry, whose first URL is neither a configured peer's URL nor its id
 * a peer's name; empty with no registry or before the first sync. */
int hrdex_registry_suggestions(const struct hrdex_state *st, cJSON **out);

/* 1 when STATE/registry.json holds what the configured registry gave (apply
 * ran since this agent joined it), else 0. */
int hrdex_registry_derived(const struct hrdex_state *st);

/* The trust the registry gives publisher: 1 when allowed_signers has a line
 * for it marked as the registry's (so `trust add` can say it conflicts),
 * with that key's "ssh-ed25519 BASE64" in key (HRDEX_KEY_LINE_MAX bytes). */
#define HRDEX_KEY_LINE_MAX 128
int hrdex_registry_trusted(const struct hrdex_state *st, const char *publisher, char key[HRDEX_KEY_LINE_MAX]);

/*
 * Join a registry (`init --registry LINE --registry-url URL`, `join LINE
 * URL`), on the files of a state directory: pin the registry's key (LINE,
 * an allowed_signers line naming one publisher: 'ohchr namespaces="git"
 * ssh-ed25519 AAAA…') in signers_path under the comment "# registry",
 * set registry.publisher and registry.url in conf_path and add URL as the
 * peer 'registry'.  LINE may be just the publisher id self: this agent is
 * the registry (no key to pin, no URL).  Refuses (HRDEX_E_INVALID) a line
 * naming this agent, another registry than the one joined already, a key
 * allowed_signers gives another publisher or, for the registry, another
 * key; HRDEX_E_USAGE for a missing or malformed URL.  reg gets the
 * registry's id.  Idempotent.
 */
int hrdex_registry_pin(const char *conf_path, const char *signers_path, const char *self, const char *line,
		       const char *url, char reg[HRDEX_PUBLISHER_MAX + 1]);

#endif
