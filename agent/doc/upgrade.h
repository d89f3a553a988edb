/*
 * upgrade.h - the one reading of a version-1 document in version-2 terms
 * (schemas/2, issue 17): `hrdex upgrade` writes it, and the cache and the
 * site derive their facts from it, so both versions mean the same.
 *
 * Nothing is dropped.  Every version-1 property has a version-2 home:
 *   (any type)   "schema": 2 added
 *                themes[]          -> themes[] when an entry of list
 *                                     'themes', else keywords[]
 *                groups[]          -> groups[] when an entry of list
 *                                     'groups', else keywords[]
 *                sdg_targets[]     -> sdgs[]
 *   decision     body              -> authors[] (a party, see below)
 *                case              -> case_name (a name map)
 *                session           -> session (a name map)
 *                outcome           -> outcomes[0]
 *   recommendation mechanism       -> body when it names an entry of list
 *                                     'bodies', else authors[] by name
 *                addressee         -> addressees[0] {kind state, country}
 *   report       body              -> authors[];  symbol -> symbols[0];
 *                session           -> session (a name map)
 *   event        place.name, place.city (text) -> name maps
 *                organisers[] (text) -> organisers[] (parties)
 *   visit        country           -> visited[0]; mandate -> authors[]
 *                dates.start/end (or older dates.from/to) -> start, end
 *                programme[].date  -> programme[].start
 *                programme[].place -> a name map
 *   practice     mechanisms[]      -> authors[];  area -> a name map
 * Everything else is copied as it is.  A text that names a body becomes
 * {"kind": "body", "body": ID} when it is an entry of list 'bodies' (its
 * id, or any of its labels, ignoring case and accents), else
 * {"kind": "body", "name": {LANG: text}} (an event organiser that is no
 * listed body: kind "other").  A free text becomes a name map in the
 * document's only title language, or "und" when the title has several.
 */
#ifndef HRDEX_UPGRADE_H
#define HRDEX_UPGRADE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * What an upgrade changed, one line per change, in a stable order (the
 * added "schema" first, then the version-1 properties in sorted order, each
 * item of an array in order):
 *   added 'schema' 2
 *   'addressee' HND -> 'addressees'[0].country
 *   'themes'[1] land-reform -> 'keywords'[0]
 *   'body' Human Rights Council -> 'authors'[0].body hrc
 * Values are shown raw (cut to 80 bytes): printing them to people goes
 * through text.h.
 */
struct hrdex_changes {
	char **lines;
	size_t count, alloc;
};

#define HRDEX_CHANGES_INIT { NULL, 0, 0 }

void hrdex_changes_free(struct hrdex_changes *c);

/*
 * A version-2 copy of doc in *out (cJSON_Delete it), and when changes is
 * not NULL the list of what changed appended to it.  A version-1 document
 * (no "schema" member, or 1) is upgraded; a document of version 2 or later
 * is copied unchanged with no change.  doc need not be valid: what does not
 * fit is carried over as it is, for the version-2 check to refuse.
 * Returns 0, or -1 with hrdex_error: HRDEX_E_INVALID when doc is not an
 * object or its "schema" is not a positive integer, HRDEX_E_INTERNAL when
 * out of memory (*out NULL either way).
 */
int hrdex_doc_upgrade(cJSON **out, const cJSON *doc, struct hrdex_changes *changes);

#endif
