/*
 * semantic.h - the document rules no schema can state, run by
 * hrdex_doc_load right after the schema (so validate, publish, the outbox,
 * sync and verify all apply them):
 *   - an interval's end is not before its start: an event's start/end, a
 *     visit's dates, a period's from/to (report, practice), and lists kept
 *     in date order (a visit's programme, within the visit's dates when it
 *     gives them; a recommendation's follow_up, oldest first);
 *   - countries are ISO 3166-1 alpha-3 codes (Debian's iso-codes, plus XKX);
 *   - language tags (language maps' keys, languages) are well-formed BCP 47
 *     (RFC 5646), and a map never has the same tag twice in another case;
 *   - refs (links, follow_up, a visit's report) are PUBLISHER/TYPE/ID;
 *   - attachment names are safe (name.h) and distinct on every file system.
 * Documents of schema version 2 (hrdex_doc_version) have their own date and
 * ref rules instead of version 1's:
 *   - an end is not before its start, dates at any precision compared by
 *     the days they cover (date.h, hrdex_pdate_range): an event's or a
 *     visit's start/end, each of its sittings, agenda items and programme
 *     items, a period's from/to;
 *   - a local date-time (no offset) has a "time_zone" on its object or one
 *     around it;
 *   - every country field, wherever it is (country, countries, visited,
 *     recommending_states, states: parties, places...), holds ISO codes;
 *   - translations' keys and interpretation are BCP 47 tags too;
 *   - refs may name any type slug (a type of a later version);
 *   - "ext" (the publishers' own) is not looked into.
 */
#ifndef HRDEX_SEMANTIC_H
#define HRDEX_SEMANTIC_H

#include <cjson/cJSON.h>

#include "problem.h"

/*
 * Append one problem (JSON pointer, "semantic", message) per fault of doc,
 * leaving out a pointer that problems already names from index `from` on
 * (the schema said what is wrong there).  Returns 0, or -1 when out of
 * memory (hrdex_error set).
 */
int hrdex_doc_semantic(const cJSON *doc, struct hrdex_problems *problems, size_t from);

/* 1 when code is an ISO 3166-1 alpha-3 code (or XKX), else 0. */
int hrdex_country_valid(const char *code);
/* 1 when tag is a well-formed BCP 47 language tag (RFC 5646), else 0. */
int hrdex_langtag_valid(const char *tag);

#endif
