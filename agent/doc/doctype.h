/*
 * doctype.h - the document types, one row each: everything that differs by
 * type and is not in its schema.  The order of the table is the display
 * order (README columns, site sections) and the index the rest of hrdex
 * uses (hrdex_doctype_index).
 *
 * Adding a type is one row in doctype.c plus schemas/<version>/TYPE.json
 * (embedded at build time) for each version it exists in, from the version
 * that adds it on (types are never removed).
 * Field paths are a member name or "object.member" (one level).
 *
 * The runtime extension: a network's registry may add types with `schema`
 * documents (regext.h).  Each gets a row after the built-in ones, index
 * HRDEX_NTYPES and on, in the order they were first applied: its name,
 * the version that adds it, the label and plural its schema document gives
 * (English, else the first), "countries" as its version-1 country field,
 * and not on the calendar.  Walk the table with
 * hrdex_ntypes() and hrdex_doctype_at(); arrays by type have
 * HRDEX_NTYPES_MAX slots.  Rows are never removed or moved, and a row's
 * address stays valid for the life of the process.
 */
#ifndef HRDEX_DOCTYPE_H
#define HRDEX_DOCTYPE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "schema.h"

#define HRDEX_NTYPES 12  /* built-in rows, hrdex_doctypes */
#define HRDEX_NTYPES_MAX (HRDEX_NTYPES + 32)   /* with the registry's (regext.h) */

struct hrdex_doctype {
	const char *name;          /* "decision": the "type" member and the folder P/decision/ */
	int since;                 /* the schema version it first exists in */
	/* Its schema's id in each version (index version - 1), NULL before
	 * `since`: "https://hrdex.org/schema/2/decision.json".  Whether this
	 * agent knows it is hrdex_schema_id_for's to say (schema.h). */
	const char *schema[HRDEX_SCHEMA_NEWEST];
	const char *label;         /* "Decision", as READMEs and the site show one */
	const char *plural;        /* "Decisions" */
	/* 1 when it happens over an interval, its `start` and `end` (an event, a
	 * visit): it is on the calendar and in iCalendar, and its lists have a
	 * "When" column.  Which members give the interval, for either version,
	 * is facts.c's rule (hrdex_facts_scalars, on the version-2 form). */
	int calendar;
	/* The version-1 country fields, NULL-terminated, that the document
	 * rules check for ISO 3166-1 codes (semantic.c; a version-2 document's
	 * country members are checked wherever they are).  The cache's facts
	 * come from facts.c, never from here. */
	const char *countries[4];
	/* Only the network's registry publishes it (registry.h): from any other
	 * publisher, or with no registry configured, such a document is held
	 * (hrdex_doc_network_problem, doc.h). */
	int registry_only;
};

extern const struct hrdex_doctype hrdex_doctypes[HRDEX_NTYPES];

/* Rows now: the built-in ones and the registry's (at most HRDEX_NTYPES_MAX). */
int hrdex_ntypes(void);
/* Row i (0 <= i < hrdex_ntypes()), else NULL. */
const struct hrdex_doctype *hrdex_doctype_at(int i);

/* Index of type in hrdex_doctypes, or -1 (also for NULL).  A row exists for
 * every type this build has a row for; whether a document of the type can be
 * accepted is hrdex_doc_type_valid's (doc.h) to say. */
int hrdex_doctype_index(const char *type);
/* The row of type, or NULL when unknown. */
const struct hrdex_doctype *hrdex_doctype_get(const char *type);
/* "decision" -> "Decision" or, plural, "Decisions"; the type itself when unknown. */
const char *hrdex_type_label(const char *type, int plural);

/* "decision, recommendation, ..." into out, the types this agent knows
 * (hrdex_doc_type_valid); -1 with an error when too small. */
int hrdex_doctype_list(char *out, size_t size);

#endif
