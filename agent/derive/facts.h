/*
 * facts.h - what the cache indexes and the site lists about a document, read
 * from its version-2 form (upgrade.h, hrdex_doc_upgrade): a version-1 and a
 * version-2 document are read by this one rule, so `query --addressee HND`
 * finds a version-1 recommendation's `addressee` exactly as a version-2
 * one's `addressees`.  README.md ("Tables of cache.db") lists the tables
 * these facts fill; the cache's schema version changes with this rule.
 *
 * Every function takes the upgraded document (v2); none reads the version-1
 * field names.
 */
#ifndef HRDEX_FACTS_H
#define HRDEX_FACTS_H

#include <cjson/cJSON.h>

enum hrdex_fact {
	HRDEX_FACT_COUNTRY,            /* doc_countries: countries, states, visited, place.country,
					  addressees[].country (alpha-3 only) */
	HRDEX_FACT_THEME,              /* doc_themes: themes, groups, keywords */
	HRDEX_FACT_ADDRESSEE,          /* doc_addressees: per addressee its country, body and every
					  name; kind is the party's kind ("" when absent) */
	HRDEX_FACT_RECOMMENDING_STATE, /* doc_recommending_states: recommending_states */
	HRDEX_FACT_BODY,               /* doc_bodies: authors[].body, a recommendation's body */
	HRDEX_FACT_GROUP,              /* doc_groups: groups */
	HRDEX_FACT_SDG,                /* doc_sdgs: sdgs, and a target's goal ("16.10" gives 16 too) */
};

/* cb gets each fact in document order, repeats included; kind is NULL but
 * for HRDEX_FACT_ADDRESSEE.  A non-zero return stops and is returned. */
typedef int (*hrdex_fact_cb)(enum hrdex_fact what, const char *kind, const char *value, void *payload);
int hrdex_facts_each(const cJSON *v2, hrdex_fact_cb cb, void *payload);

/*
 * The single-valued facts (documents' columns).  Strings point into v2, or
 * into f itself (the date bounds), NULL when absent.
 *   kind      the document's kind
 *   status    a recommendation's implementation, a visit's or an event's status
 *   response  a recommendation's response position
 *   date_first, date_last, date_precision: the range of the main `date` at
 *             its precision (date.h, hrdex_pdate_range: 1 year, 2 quarter,
 *             3 month, 4 day, 5 date-time); 0 and "" when not a date
 *   start, end   when it happens, the rule for sorting and --since/--until:
 *             a type's own start/end (events, visits) else the main date; a
 *             partial date starts on its first day and ends on its last
 *             ("2016" is 2016-01-01 .. 2016-12-31, "2016-Q2" 2016-04-01 ..
 *             2016-06-30), a day or a date-time is itself.
 */
struct hrdex_doc_facts {
	const char *kind, *status, *response;
	char date_first[11], date_last[11];
	int date_precision;
	const char *start, *end;
	char start_buf[11], end_buf[11];
};
void hrdex_facts_scalars(struct hrdex_doc_facts *f, const cJSON *v2);

/* 1 when s is a goal or target of the SDGs as the schema writes one ("16",
 * "16.10", "16.a"). */
int hrdex_sdg_valid(const char *s);

#endif
