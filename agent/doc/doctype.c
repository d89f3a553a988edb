/*
 * doctype.c - the table of document types (see doctype.h).
 */
#include "doctype.h"
#include "doc.h"
#include "error.h"
#include "regext.h"
#include "schema.h"

#include <stdio.h>
#include <string.h>

/* A type's name, the version it first exists in and its schemas' ids,
 * schemas/NAME.json (version 1) and schemas/2/NAME.json. */
#define TYPE(name) name, 1, { HRDEX_SCHEMA_BASE name ".json", HRDEX_SCHEMA_ROOT "2/" name ".json" }
#define TYPE2(name) name, 2, { NULL, HRDEX_SCHEMA_ROOT "2/" name ".json" }

const struct hrdex_doctype hrdex_doctypes[HRDEX_NTYPES] = {
	{ TYPE("decision"), "Decision", "Decisions", 0, { "countries", "states", NULL }, 0 },
	{ TYPE("recommendation"), "Recommendation", "Recommendations", 0, { "countries", "addressee", NULL }, 0 },
	{ TYPE("report"), "Report", "Reports", 0, { "countries", NULL }, 0 },
	{ TYPE("event"), "Event", "Events", 1, { "countries", "place.country", NULL }, 0 },
	{ TYPE("visit"), "Visit", "Visits", 1, { "countries", "country", NULL }, 0 },
	{ TYPE("practice"), "Practice", "Good practices", 0, { "countries", NULL }, 0 },
	{ TYPE("note"), "Note", "Notes", 0, { "countries", NULL }, 0 },
	/* New in version 2: a declaration or statement of one or more mandates. */
	{ TYPE2("statement"), "Statement", "Statements", 0, { "countries", NULL }, 0 },
	/* New in version 2: a key rotation, written by `hrdex key rotate` only
	 * (store/keychain.h holds the branch rules it is subject to). */
	{ TYPE2("key"), "Signing key", "Signing keys", 0, { NULL }, 0 },
	/* New in version 2: a member of the network, published by the registry
	 * only (agent/flow/registry.h derives trust, names and peers from it). */
	{ TYPE2("member"), "Member", "Members", 0, { NULL }, 1 },
	/* New in version 2, published by the registry only (regext.h): a type
	 * the network adds, and entries of a controlled list. */
	{ TYPE2("schema"), "Schema", "Schemas", 0, { NULL }, 1 },
	{ TYPE2("vocabulary"), "Vocabulary", "Vocabularies", 0, { NULL }, 1 },
};

int hrdex_ntypes(void)
{
	size_t n = hrdex_regext_ntypes();

	return HRDEX_NTYPES + (int)(n < HRDEX_NTYPES_MAX - HRDEX_NTYPES ? n : HRDEX_NTYPES_MAX - HRDEX_NTYPES);
}

const struct hrdex_doctype *hrdex_doctype_at(int i)
{
	const struct hrdex_regext_type *t;

	if (i < 0 || i >= HRDEX_NTYPES_MAX)
		return NULL;
	if (i < HRDEX_NTYPES)
		return &hrdex_doctypes[i];
	t = hrdex_regext_type_at((size_t)(i - HRDEX_NTYPES));
	return t ? &t->row : NULL;
}

int hrdex_doctype_index(const char *type)
{
	int i, n;

	for (i = 0; type && i < HRDEX_NTYPES; i++)
		if (!strcmp(type, hrdex_doctypes[i].name))
			return i;
	n = type ? hrdex_ntypes() : 0;
	for (; i < n; i++)
		if (!strcmp(type, hrdex_doctype_at(i)->name))
			return i;
	return -1;
}

const struct hrdex_doctype *hrdex_doctype_get(const char *type)
{
	return hrdex_doctype_at(hrdex_doctype_index(type));
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

	for (i = 0; i < hrdex_ntypes(); i++) {
		if (!hrdex_doc_type_valid(hrdex_doctype_at(i)->name))
			continue; /* a type this agent does not know (doc.h) */
		w = snprintf(out + n, size - n, "%s%s", n ? ", " : "", hrdex_doctype_at(i)->name);
		if (w < 0 || (size_t)w >= size - n)
			return hrdex_error_set(HRDEX_E_INTERNAL, "list of document types too long");
		n += (size_t)w;
	}
	return 0;
}
