/*
 * schema.h - a JSON Schema draft-07 validator on cJSON, PCRE2 for patterns.
 *
 * A registry holds schemas by their "$id" (absolute URI).  "$ref" resolves
 * JSON pointers within a schema, "$id"-scoped bases inside it, and other
 * schemas of the registry by URI.  String lengths count code points.
 * Keywords: type enum const required properties patternProperties
 * additionalProperties propertyNames minProperties maxProperties dependencies
 * items additionalItems contains minItems maxItems uniqueItems minLength
 * maxLength pattern minimum maximum exclusiveMinimum exclusiveMaximum
 * multipleOf allOf anyOf oneOf not if then else $ref definitions format
 * (date, date-time, email, uri, uri-reference, regex, ...).  Boolean schemas.
 * One keyword of hrdex's own: "x-hrdex-list": "NAME" on a string schema
 * requires an entry id of the controlled list NAME (vocab.h); the problem
 * names the list and the nearest entries.  An unknown NAME is an error of the
 * schema (hrdex_schema_validate returns -1).  Other validators ignore it.
 *
 * hrdex's own schemas are compiled into the binary: version 1's
 * (schemas/NAME.json) with ids "https://hrdex.org/schema/1/<name>.json",
 * version 2's (schemas/2/NAME.json) with ids
 * "https://hrdex.org/schema/2/<name>.json".
 */
#ifndef HRDEX_SCHEMA_H
#define HRDEX_SCHEMA_H

#include <cjson/cJSON.h>

#include "problem.h"

#define HRDEX_SCHEMA_BASE "https://hrdex.org/schema/1/"
/* The ids of every version: HRDEX_SCHEMA_ROOT "<version>/<name>.json". */
#define HRDEX_SCHEMA_ROOT "https://hrdex.org/schema/"

/* The newest schema version this build knows (schemas/<version>/). */
#define HRDEX_SCHEMA_NEWEST 2

struct hrdex_schemas;

int hrdex_schemas_new(struct hrdex_schemas **out);
void hrdex_schemas_free(struct hrdex_schemas *s);

/*
 * Add a schema.  The registry takes ownership of schema (a cJSON tree).
 * Its id is its "$id" when present, else default_id (which may be NULL for a
 * schema that is then only reachable through hrdex_schemas_last_id()).
 * origin names the file in error messages.  The registry owns schema even
 * when the call fails (a duplicate id, an invalid schema); after a failure it
 * may hold part of the schema's ids, so callers should give up on it.
 * "$ref"s are resolved when first used, so schemas may be added in any order.
 * A registry fills caches while validating: it is not thread safe.
 */
int hrdex_schemas_add(struct hrdex_schemas *s, cJSON *schema, const char *default_id,
		      const char *origin);

/*
 * The id the last successful hrdex_schemas_add gave its schema: its "$id",
 * else default_id, else a generated "urn:hrdex:schema:N" (so that a schema
 * with neither can still be validated against).  Owned by the registry.
 */
const char *hrdex_schemas_last_id(const struct hrdex_schemas *s);

/* Add hrdex's built-in schemas (envelope and every document type), and
 * those of the types the network's registry added (regext.h). */
int hrdex_schemas_add_builtin(struct hrdex_schemas *s);
/* Add the schemas shipped in the binary only (schemas/, schemas/2/). */
int hrdex_schemas_add_shipped(struct hrdex_schemas *s);

/*
 * Validate instance against the schema whose id is schema_id.
 * Returns 0 when validation ran (problems appended for each failure, with the
 * instance pointer and the failing keyword), -1 when it could not run (unknown
 * id, unresolvable $ref, invalid pattern, a $ref loop nesting deeper than 512
 * schemas): hrdex_error says why, and problems is left as it was.
 * schema_id may carry a fragment ("...envelope.json#/definitions/langmap").
 * Problems name the instance pointer of the member at fault: the missing one
 * for "required" ("/title: missing required property 'title'"), the extra one
 * for "additionalProperties" ("/titel: unexpected property 'titel'").  A failed anyOf or
 * oneOf gives one problem ("does not match any of the allowed forms") plus
 * the problems of the branch that came strictly closest, if any; trial
 * branches (anyOf, oneOf, not, if, contains) leave nothing else behind.
 */
int hrdex_schema_validate(struct hrdex_schemas *s, const char *schema_id, const cJSON *instance,
			  struct hrdex_problems *problems);

/*
 * Compile the schema whose id is schema_id and every subschema in it now,
 * rather than on first use: 0 when every keyword is well formed, every
 * pattern compiles, every "$ref" resolves and every "x-hrdex-list" names a
 * list; else -1 with an error naming the first fault.  For schemas that
 * come from documents (a registry's `schema` document, regext.h).
 */
int hrdex_schemas_compile(struct hrdex_schemas *s, const char *schema_id);

/* The built-in schema id for a document type of version 1 ("decision" ->
 * "https://hrdex.org/schema/1/decision.json"); NULL for an unknown type.
 * Same as hrdex_schema_id_for(type, 1). */
const char *hrdex_schema_id_for_type(const char *type);

/*
 * The newest schema version this agent accepts documents of: normally
 * HRDEX_SCHEMA_NEWEST; the environment variable HRDEX_SCHEMA_NEWEST=N (1 <=
 * N < HRDEX_SCHEMA_NEWEST) makes it N, to try how an older agent sees a
 * newer network.  Any other value of the variable is ignored.  Read on each
 * call (cheap), so tests may set it.
 */
int hrdex_schema_known_newest(void);

/*
 * The id of the built-in schema of type in schema version `version`
 * ("statement", 2 -> "https://hrdex.org/schema/2/statement.json"), or NULL
 * when this agent does not know it: a version outside 1 ..
 * hrdex_schema_known_newest(), a type that does not exist in that version
 * (doctype.h, `since`), or a type whose schema is not built in.  The string
 * is static.
 */
const char *hrdex_schema_id_for(const char *type, int version);

/*
 * The schema version a document names: its "schema" member, 1 when absent,
 * 0 when present but not a positive integer (or above INT_MAX).
 */
int hrdex_doc_version(const cJSON *doc);

#endif
