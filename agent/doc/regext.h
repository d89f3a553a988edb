/*
 * regext.h - what a network's registry adds to the built-in document rules
 * (DESIGN.md, "Keys and membership"): the registry's publisher id, the
 * document types its accepted `schema` documents define (schemas/2/
 * schema.json) and the entries its `vocabulary` documents add to the
 * controlled lists (schemas/2/vocabulary.json).
 *
 * The extension is one process-wide record, installed whole by
 * hrdex_regext_install (flow/regtypes.h reads it from the state directory
 * and grows it from the registry's branch).  The type table (doctype.h),
 * the schema registries (schema.h, hrdex_schemas_add_builtin), the lists
 * (vocab.h) and the document rules digest (accept.h) all read it, so a type
 * or an entry the registry adds is known everywhere at once.
 *
 * An installed record is never freed or changed: a new one replaces it, and
 * what the old one handed out stays valid for the life of the process (a
 * record changes only when the registry publishes a schema or a
 * vocabulary).  Types are only ever added, in the order they were first
 * applied, so a type's index in the table stays the same.  Install while no
 * other thread validates (the callers do it before a refresh starts its
 * threads); reading is safe from any thread.
 */
#ifndef HRDEX_REGEXT_H
#define HRDEX_REGEXT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "doctype.h"
#include "problem.h"

struct hrdex_schemas;

/* The most types a registry may add (the table's room, HRDEX_NTYPES_MAX). */
#define HRDEX_REGEXT_TYPES_MAX 32

struct hrdex_regext_type {
	struct hrdex_doctype row;  /* its row of the type table (doctype.h) */
	char name[16];             /* "hearing" */
	int version;               /* the version it is added to */
	char id[96];               /* HRDEX_SCHEMA_ROOT "2/hearing.json" */
	char label[128];           /* English label, else the first one */
	char plural[128];
	const cJSON *doc;          /* the schema document */
};

/*
 * Install record: {"registry": "ohchr", "schemas": [schema documents...],
 * "vocabularies": [{"id": LIST, "title": langmap, "entries": [...]}...]}
 * (copied).  NULL, or a record without "registry", removes the extension.
 * Documents of a malformed shape are skipped.  Returns -1 only when out of
 * memory.
 */
int hrdex_regext_install(const cJSON *record);

/* A copy of the installed record (an empty one when none): the caller owns it. */
cJSON *hrdex_regext_record(void);

/* The registry's publisher id, "" when this agent joined none. */
const char *hrdex_regext_registry(void);

/* The types the registry added, in the order they were first applied. */
size_t hrdex_regext_ntypes(void);
const struct hrdex_regext_type *hrdex_regext_type_at(size_t i);
const struct hrdex_regext_type *hrdex_regext_type_get(const char *name);

/* The entries the registry added to list (an array of {id, labels}), and
 * the title of a list the registry made (NULL for a built-in list). */
const cJSON *hrdex_regext_entries(const char *list);
const cJSON *hrdex_regext_list_title(const char *list);

/* Add the schema of each registry type that s lacks: the envelope of its
 * version, "type" fixed to its name, and its definition.  Calling it again
 * after a type was added grows s in place (pointers to s stay valid). */
int hrdex_regext_add_schemas(struct hrdex_schemas *s);

/* The installed record in canonical text, "" when none: what the document
 * rules digest covers (accept.h). */
const char *hrdex_regext_text(void);

/*
 * The document rules of the registry's `schema` and `vocabulary` documents,
 * for one document of any type (doc.c calls it for every document that
 * passed its schema and the network rule, doc.h hrdex_doc_network_problem,
 * which holds them from any publisher but the registry):
 * - a `schema` document is named "<version>-<name>", names a version this
 *   agent knows, never changes a type that exists (built in, or defined by
 *   the registry before with another definition), and its definition is a
 *   schema that compiles whole (hrdex_schemas_compile);
 * - a `vocabulary` document names a list with a slug, each entry once.
 * A fault is one problem appended; returns -1 only when checking failed.
 */
int hrdex_regext_check(const cJSON *doc, struct hrdex_problems *problems);

#endif
