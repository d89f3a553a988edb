/*
 * doctype.c - the table of document types (see doctype.h).
 */
#include "doctype.h"
#include "doc.h"
#include "error.h"
#include "schema.h"

#include <stdio.h>
#include <string.h>

/* A type's name, the version it first exists in and its schemas' ids,
 * schemas/NAME.json (version 1) and schemas/2/NAME.json. */
#define TYPE(name) name, 1, { HRDEX_SCHEMA_BASE name ".json", HRDEX_SCHEMA_ROOT "2/" name ".json" }
#define TYPE2(name) name, 2, { NULL, HRDEX_SCHEMA_ROOT "2/" name ".json" }

const struct hrdex_doctype hrdex_doctypes[HRDEX_NTYPES] = {
	{ TYPE("decision"), "Decision", "Decisions", 0, { "countries", "states", NULL } },
	{ TYPE("recommendation"), "Recommendation", "Recommendations", 0, { "countries", "addressee", NULL } },
	{ TYPE("report"), "Report", "Reports", 0, { "countries", NULL } },
	{ TYPE("event"), "Event", "Events", 1, { "countries", "place.country", NULL } },
	{ TYPE("visit"), "Visit", "Visits", 1, { "countries", "country", NULL } },
	{ TYPE("practice"), "Practice", "Good practices", 0, { "countries", NULL } },
	{ TYPE("note"), "Note", "Notes", 0, { "countries", NULL } },
	/* New in version 2: a declaration or statement of one or more mandates. */
	{ TYPE2("statement"), "Statement", "Statements", 0, { "countries", NULL } },
};

int hrdex_doctype_index(const char *type)
{
	int i;

	for (i = 0; type && i < HRDEX_NTYPES; i++)
		if (!strcmp(type, hrdex_doctypes[i].name))
			return i;
	return -1;
}

const struct hrdex_doctype *hrdex_doctype_get(const char *type)
{
	int i = hrdex_doctype_index(type);

	return i < 0 ? NULL : &hrdex_doctypes[i];
}

const char *hrdex_type_label(const char *type, int plural)
{
	const struct hrdex_doctype *t = hrdex_doctype_get(type);

	return !t ? type : plural ? t->plural : t->label;
}

int hrdex_doctype_list(char *out, size_t size)
{
	size_t n = 0;
	int i, w;

	for (i = 0; i < HRDEX_NTYPES; i++) {
		if (!hrdex_doc_type_valid(hrdex_doctypes[i].name))
			continue; /* a type this agent does not know (doc.h) */
		w = snprintf(out + n, size - n, "%s%s", n ? ", " : "", hrdex_doctypes[i].name);
		if (w < 0 || (size_t)w >= size - n)
			return hrdex_error_set(HRDEX_E_INTERNAL, "list of document types too long");
		n += (size_t)w;
	}
	return 0;
}
