/*
 * schema_node.h - the compiled form of a schema node, shared by the
 * registry that builds and caches it (schema.c) and the validator that
 * walks it (schema_check.c).  Internal to the schema files of doc/.
 */
#ifndef HRDEX_SCHEMA_NODE_H
#define HRDEX_SCHEMA_NODE_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif

#include <cjson/cJSON.h>
#include <pcre2.h>

#include "schema.h"

/* Deep enough for any real document and schema, shallow enough that a "$ref"
 * loop that consumes no instance ends in an error, not a stack overflow. */
#define HRDEX_SCHEMA_MAX_DEPTH 512

/* ECMA 262 semantics as far as PCRE2 offers them: "$" only at the very end;
 * \d and \w stay ASCII as they are in ECMA (no PCRE2_UCP).  For "pattern",
 * "patternProperties" and the "regex" format alike. */
#define HRDEX_SCHEMA_PATTERN_FLAGS (PCRE2_UTF | PCRE2_DOLLAR_ENDONLY)

/* A base URI (no fragment), interned so that nodes can share it. */
struct base {
	char *uri;
	const char *origin;  /* the file it came from, for error messages */
};

enum keyword {
	KW_REF, KW_ID, KW_TYPE, KW_ENUM, KW_CONST, KW_REQUIRED, KW_PROPERTIES,
	KW_PATTERN_PROPERTIES, KW_ADDITIONAL_PROPERTIES, KW_PROPERTY_NAMES,
	KW_MIN_PROPERTIES, KW_MAX_PROPERTIES, KW_DEPENDENCIES, KW_ITEMS,
	KW_ADDITIONAL_ITEMS, KW_CONTAINS, KW_MIN_ITEMS, KW_MAX_ITEMS,
	KW_UNIQUE_ITEMS, KW_MIN_LENGTH, KW_MAX_LENGTH, KW_PATTERN, KW_MINIMUM,
	KW_MAXIMUM, KW_EXCLUSIVE_MINIMUM, KW_EXCLUSIVE_MAXIMUM, KW_MULTIPLE_OF,
	KW_ALL_OF, KW_ANY_OF, KW_ONE_OF, KW_NOT, KW_IF, KW_THEN, KW_ELSE,
	KW_FORMAT, KW_X_HRDEX_LIST, KW_COUNT
};

enum {
	T_NULL = 1, T_BOOLEAN = 2, T_OBJECT = 4, T_ARRAY = 8, T_NUMBER = 16,
	T_STRING = 32, T_INTEGER = 64,
};

/* A schema object with its keywords picked out, cached by node address. */
struct snode {
	const cJSON *kw[KW_COUNT];       /* NULL when absent */
	const struct base *base;         /* base in effect inside this schema */
	const cJSON *ref;                /* "$ref" target, when there is a "$ref" */
	const struct base *ref_outer;    /* the base the target's "$id" resolves against */
	const pcre2_code *pattern;       /* "pattern", compiled */
	const pcre2_code **pprops;       /* one per patternProperties member, in order */
	unsigned types;                  /* T_* bits of "type" */
};

/* Each keyword's name, by enum keyword. */
extern const char *const hrdex_schema_keyword_names[KW_COUNT];

/*
 * The compiled form of schema object node (inside a schema of registry s),
 * whose "$id"s resolve against outer; built on first use and owned by the
 * registry.  -1 with an error when a "$ref" does not resolve
 * or a pattern does not compile.
 */
int hrdex_schema_node(struct hrdex_schemas *s, const cJSON *node, const struct base *outer,
		      const struct snode **out);

/* 1 when pattern matches somewhere in subject (an unanchored search), 0 when
 * not, -1 with an error when matching failed (e.g. the match limit was hit). */
int hrdex_schema_pattern_search(struct hrdex_schemas *s, const pcre2_code *code, const char *subject);

/* The schema node schema_id names (a resource id, maybe with a "#" fragment)
 * and the base its "$id" resolves against; -1 with an error when unknown. */
int hrdex_schemas_find(struct hrdex_schemas *s, const char *schema_id, const cJSON **node,
		       const struct base **outer);

#endif
