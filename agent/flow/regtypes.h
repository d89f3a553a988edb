/*
 * regtypes.h - the registry's `schema` and `vocabulary` documents applied
 * (issue 18, item 2; DESIGN.md, "Keys and membership").
 *
 * An agent that joined a registry (registry.publisher in hrdex.conf) takes
 * from the registry's accepted branch every `schema` document that passes
 * the document rules (a new type in a version: regext.h says what may be
 * added) and every `vocabulary` document (new entries of a built-in list,
 * or a new list).  What it took is recorded in STATE/registry-types.json
 * and never taken back: a type, once defined, is never redefined (a later
 * document changing it is held, with its reason), an entry never removed.
 * The record is installed process-wide (hrdex_regext_install), so the type
 * table, the schemas, the lists and the document rules digest all see it;
 * the digest changing is what makes main, the cache and the site check held
 * documents again and show those that now pass, with no manual step.
 */
#ifndef HRDEX_REGTYPES_H
#define HRDEX_REGTYPES_H

#include "state.h"

/* Install what STATE/registry-types.json records, for the registry the
 * configuration names (nothing when it names none).  Commands call it as
 * they open the state (hrdex_refresh_open); -1 with an error when the
 * record cannot be read. */
int hrdex_regtypes_load(struct hrdex_state *st);

/*
 * Grow the record from the registry's branch as it is now (refs/heads/
 * REGISTRY), write it and install it; st->schemas (when loaded) is renewed
 * so that it knows the new types.  Returns 1 when something was added, 0
 * when nothing was, -1 with an error.  Cheap: it reads the registry's
 * schema/ and vocabulary/ folders only.  Called before every refresh
 * (refresh.h), so after every accepted move of the registry's branch.
 */
int hrdex_regtypes_apply(struct hrdex_state *st);

#endif
