/*
 * schema.c - the registry of JSON Schema draft-07 documents (see schema.h):
 * a small hash map; the documents and the resources inside them (each "$id"
 * names one); "$ref" targets (JSON pointers and anchors); and "compiled"
 * schema nodes, cached by node address, so that keywords are picked out,
 * patterns compiled and "$ref"s resolved once per registry rather than once
 * per document.  The validator that walks them is schema_check.c, the
 * formats schema_format.c, URI resolution uri.c.
 *
 * A registry is not thread safe (it fills its caches while validating): use
 * one per thread.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "schema.h"
#include "doctype.h"
#include "ascii.h"
#include "buf.h"
#include "builtin.h"
#include "error.h"
#include "schema_node.h"
#include "regext.h"
#include "uri.h"
#include "vocab.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

/* ---- a hash map keyed by bytes (strings, or a node's address) ---- */

struct map_entry {
	char *key;       /* owned copy, NUL-terminated; NULL marks an empty slot */
	size_t len;
	uint64_t hash;
	void *value;
};

struct map {
	struct map_entry *slots;
	size_t cap;      /* a power of two, or 0 before the first insert */
	size_t count;
};

static uint64_t map_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	while (len--) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static struct map_entry *map_slot(struct map_entry *slots, size_t cap, const void *key, size_t len,
				  uint64_t hash)
{
	size_t i = hash & (cap - 1);

	while (slots[i].key) {
		struct map_entry *e = &slots[i];

		if (e->hash == hash && e->len == len && memcmp(e->key, key, len) == 0)
			return e;
		i = (i + 1) & (cap - 1);
	}
	return &slots[i];
}

static void *map_get(const struct map *m, const void *key, size_t len)
{
	struct map_entry *e;

	if (!m->cap)
		return NULL;
	e = map_slot(m->slots, m->cap, key, len, map_hash(key, len));
	return e->key ? e->value : NULL;
}

/* Insert key (which must be absent) with a non-NULL value. */
static int map_put(struct map *m, const void *key, size_t len, void *value)
{
	struct map_entry *e;
	uint64_t hash = map_hash(key, len);

	if ((m->count + 1) * 4 > m->cap * 3) {
		size_t cap = m->cap ? m->cap * 2 : 16, i;
		struct map_entry *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return hrdex_error_oom();
		for (i = 0; i < m->cap; i++) {
			if (m->slots[i].key)
				*map_slot(slots, cap, m->slots[i].key, m->slots[i].len,
					  m->slots[i].hash) = m->slots[i];
		}
		free(m->slots);
		m->slots = slots;
		m->cap = cap;
	}
	e = map_slot(m->slots, m->cap, key, len, hash);
	e->key = malloc(len + 1);
	if (!e->key)
		return hrdex_error_oom();
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->len = len;
	e->hash = hash;
	e->value = value;
	m->count++;
	return 0;
}

static void map_free(struct map *m, void (*free_value)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key) {
			free(m->slots[i].key);
			if (free_value)
				free_value(m->slots[i].value);
		}
	}
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

/* ---- the registry ---- */

/* A schema reachable by URI: a document, an embedded "$id" or an anchor. */
struct resource {
	const cJSON *node;
	const struct base *outer;  /* the base node's own "$id" resolves against */
};

struct schema_doc {
	cJSON *root;
	char *origin;
};

const char *const hrdex_schema_keyword_names[KW_COUNT] = {
	"$ref", "$id", "type", "enum", "const", "required", "properties",
	"patternProperties", "additionalProperties", "propertyNames",
	"minProperties", "maxProperties", "dependencies", "items",
	"additionalItems", "contains", "minItems", "maxItems",
	"uniqueItems", "minLength", "maxLength", "pattern", "minimum",
	"maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
	"allOf", "anyOf", "oneOf", "not", "if", "then", "else",
	"format", "x-hrdex-list",
};

struct hrdex_schemas {
	struct schema_doc *docs;
	size_t ndocs, adocs;
	struct map resources;   /* absolute URI, or URI#anchor -> struct resource */
	struct map bases;       /* URI -> struct base */
	struct map nodes;       /* schema node address -> struct snode */
	struct map patterns;    /* pattern source -> pcre2_code */
	pcre2_match_data *match;
	char *last_id;
	unsigned anonymous;     /* ids handed out to schemas without one */
};

static void base_free(void *p)
{
	struct base *b = p;

	free(b->uri);
	free(b);
}

static void snode_free(void *p)
{
	struct snode *sn = p;

	free(sn->pprops);
	free(sn);
}

static void pattern_free(void *p)
{
	pcre2_code_free(p);
}

int hrdex_schemas_new(struct hrdex_schemas **out)
{
	struct hrdex_schemas *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return hrdex_error_oom();
	/* One pair is enough: we only ask whether a pattern matches. */
	s->match = pcre2_match_data_create(1, NULL);
	if (!s->match) {
		free(s);
		return hrdex_error_oom();
	}
	*out = s;
	return 0;
}

void hrdex_schemas_free(struct hrdex_schemas *s)
{
	size_t i;

	if (!s)
		return;
	map_free(&s->nodes, snode_free);
	map_free(&s->patterns, pattern_free);
	map_free(&s->resources, free);
	map_free(&s->bases, base_free);
	for (i = 0; i < s->ndocs; i++) {
		cJSON_Delete(s->docs[i].root);
		free(s->docs[i].origin);
	}
	free(s->docs);
	pcre2_match_data_free(s->match);
	free(s->last_id);
	free(s);
}

const char *hrdex_schemas_last_id(const struct hrdex_schemas *s)
{
	return s->last_id;
}

/* The interned base for uri (len bytes, no fragment). */
static int base_intern(struct hrdex_schemas *s, const char *uri, size_t len, const char *origin,
		       const struct base **out)
{
	struct base *b = map_get(&s->bases, uri, len);

	if (b) {
		*out = b;
		return 0;
	}
	b = calloc(1, sizeof(*b));
	if (b)
		b->uri = strndup(uri, len);
	if (!b || !b->uri) {
		free(b);
		return hrdex_error_oom();
	}
	b->origin = origin;
	if (map_put(&s->bases, uri, len, b) < 0) {
		base_free(b);
		return -1;
	}
	*out = b;
	return 0;
}

/*
 * The base in effect inside node: its "$id" resolved against outer, or outer
 * itself.  A "$ref" beside "$id" wins: draft-07 ignores a $ref's siblings.
 * With full non-NULL, the resolved "$id" with its fragment is left there.
 */
static int node_base(struct hrdex_schemas *s, const cJSON *node, const struct base *outer,
		     const struct base **inner, struct hrdex_buf *full)
{
	struct hrdex_buf uri = HRDEX_BUF_INIT;
	const cJSON *id;
	int err = -1;

	*inner = outer;
	if (!cJSON_IsObject(node) || cJSON_IsString(cJSON_GetObjectItemCaseSensitive(node, "$ref")))
		return 0;
	id = cJSON_GetObjectItemCaseSensitive(node, "$id");
	if (!cJSON_IsString(id))
		return 0;
	if (hrdex_uri_resolve(&uri, id->valuestring, outer->uri) < 0 ||
	    base_intern(s, uri.ptr, strcspn(uri.ptr, "#"), outer->origin, inner) < 0)
		goto cleanup;
	if (full && hrdex_buf_puts(full, uri.ptr) < 0)
		goto cleanup;
	err = 0;
cleanup:
	hrdex_buf_free(&uri);
	return err;
}

static int resource_put(struct hrdex_schemas *s, const char *uri, const cJSON *node,
			const struct base *outer)
{
	struct resource *old = map_get(&s->resources, uri, strlen(uri)), *r;

	if (old) {
		if (old->node == node)
			return 0;
		return hrdex_error_set(HRDEX_E_INVALID, "%s: schema id '%s' is already taken",
				       outer->origin, uri);
	}
	r = malloc(sizeof(*r));
	if (!r)
		return hrdex_error_oom();
	r->node = node;
	r->outer = outer;
	if (map_put(&s->resources, uri, strlen(uri), r) < 0) {
		free(r);
		return -1;
	}
	return 0;
}

enum { SUB_NONE, SUB_ONE, SUB_LIST, SUB_MAP };

/* How a keyword holds subschemas, for walking a schema without validating. */
static int subschema_kind(const char *name, const cJSON *value)
{
	static const char *const one[] = { "additionalItems", "additionalProperties", "contains",
		"propertyNames", "not", "if", "then", "else" };
	static const char *const list[] = { "allOf", "anyOf", "oneOf" };
	static const char *const map[] = { "properties", "patternProperties", "definitions",
		"dependencies" };
	size_t i;

	if (strcmp(name, "items") == 0)
		return cJSON_IsArray(value) ? SUB_LIST : SUB_ONE;
	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		if (strcmp(name, one[i]) == 0)
			return SUB_ONE;
	}
	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		if (strcmp(name, list[i]) == 0)
			return cJSON_IsArray(value) ? SUB_LIST : SUB_NONE;
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(name, map[i]) == 0)
			return cJSON_IsObject(value) ? SUB_MAP : SUB_NONE;
	}
	return SUB_NONE;
}

/*
 * Register every "$id" inside node (a schema whose own "$id" resolves against
 * outer) as a resource, so that another schema can "$ref" it by URI.  Only
 * subschema positions are walked: an "$id" inside "enum" or "const" is data.
 */
static int index_resources(struct hrdex_schemas *s, const cJSON *node, const struct base *outer,
			   int is_root, int depth)
{
	struct hrdex_buf full = HRDEX_BUF_INIT;
	const struct base *inner;
	const cJSON *child, *sub;
	int err = -1;

	if (!cJSON_IsObject(node))
		return 0;
	if (depth > HRDEX_SCHEMA_MAX_DEPTH)
		return hrdex_error_set(HRDEX_E_INVALID, "%s: schema nested deeper than %d",
				       outer->origin, HRDEX_SCHEMA_MAX_DEPTH);
	if (node_base(s, node, outer, &inner, &full) < 0)
		goto cleanup;
	if (!is_root && inner != outer && resource_put(s, inner->uri, node, outer) < 0)
		goto cleanup;
	/* "$id": "#name" (or "uri#name") names a location-independent anchor */
	if (full.ptr && strchr(full.ptr, '#') && strchr(full.ptr, '#')[1] &&
	    resource_put(s, full.ptr, node, outer) < 0)
		goto cleanup;
	cJSON_ArrayForEach(child, node) {
		switch (subschema_kind(child->string, child)) {
		case SUB_ONE:
			if (index_resources(s, child, inner, 0, depth + 1) < 0)
				goto cleanup;
			break;
		case SUB_LIST:
		case SUB_MAP:
			cJSON_ArrayForEach(sub, child) {
				if (index_resources(s, sub, inner, 0, depth + 1) < 0)
					goto cleanup;
			}
			break;
		default:
			break;
		}
	}
	err = 0;
cleanup:
	hrdex_buf_free(&full);
	return err;
}

int hrdex_schemas_add(struct hrdex_schemas *s, cJSON *schema, const char *default_id,
		      const char *origin)
{
	struct hrdex_buf id = HRDEX_BUF_INIT;
	struct schema_doc *doc;
	const struct base *outer;
	const cJSON *sid = NULL;
	char anonymous[64];
	struct hrdex_uri u;
	int err = -1;

	if (!origin)
		origin = default_id ? default_id : "schema";
	if (s->ndocs == s->adocs) {
		size_t alloc = s->adocs ? s->adocs * 2 : 16;
		struct schema_doc *docs = realloc(s->docs, alloc * sizeof(*docs));

		if (!docs) {
			cJSON_Delete(schema);
			return hrdex_error_oom();
		}
		s->docs = docs;
		s->adocs = alloc;
	}
	/* From here the registry owns schema, whatever happens. */
	doc = &s->docs[s->ndocs];
	doc->root = schema;
	doc->origin = strdup(origin);
	if (!doc->origin) {
		cJSON_Delete(schema);
		return hrdex_error_oom();
	}
	s->ndocs++;

	if (!cJSON_IsObject(schema) && !cJSON_IsBool(schema)) {
		hrdex_error_set(HRDEX_E_INVALID, "%s: a schema must be an object or a boolean",
				origin);
		goto cleanup;
	}
	if (cJSON_IsObject(schema))
		sid = cJSON_GetObjectItemCaseSensitive(schema, "$id");
	if (sid && !cJSON_IsString(sid)) {
		hrdex_error_set(HRDEX_E_INVALID, "%s: \"$id\" must be a string", origin);
		goto cleanup;
	}
	if (!default_id && !sid) {
		snprintf(anonymous, sizeof(anonymous), "urn:hrdex:schema:%u", ++s->anonymous);
		default_id = anonymous;
	}
	if (hrdex_uri_resolve(&id, sid ? sid->valuestring : default_id, default_id) < 0)
		goto cleanup;
	id.ptr[strcspn(id.ptr, "#")] = '\0';
	id.len = strlen(id.ptr);
	hrdex_uri_split(id.ptr, &u);
	if (!u.scheme.defined) {
		hrdex_error_set(HRDEX_E_INVALID, "%s: schema id '%s' is not an absolute URI",
				origin, id.ptr);
		goto cleanup;
	}
	/* The root's own "$id" resolves against default_id when it is relative. */
	if (sid && default_id) {
		if (base_intern(s, default_id, strcspn(default_id, "#"), doc->origin, &outer) < 0)
			goto cleanup;
	} else if (base_intern(s, id.ptr, id.len, doc->origin, &outer) < 0) {
		goto cleanup;
	}
	if (map_get(&s->resources, id.ptr, id.len)) {
		hrdex_error_set(HRDEX_E_INVALID, "%s: schema id '%s' is already taken", origin,
				id.ptr);
		goto cleanup;
	}
	if (resource_put(s, id.ptr, schema, outer) < 0 ||
	    index_resources(s, schema, outer, 1, 0) < 0)
		goto cleanup;
	free(s->last_id);
	s->last_id = hrdex_buf_detach(&id);
	err = 0;
cleanup:
	hrdex_buf_free(&id);
	return err;
}

int hrdex_schemas_add_builtin(struct hrdex_schemas *s)
{
	if (hrdex_schemas_add_shipped(s) < 0)
		return -1;
	return hrdex_regext_add_schemas(s);
}

int hrdex_schemas_add_shipped(struct hrdex_schemas *s)
{
	const struct hrdex_builtin_file *f;

	/* Names are "NAME.json" for version 1 and "V/NAME.json" for version V. */
	for (f = hrdex_builtin_schemas; f->name; f++) {
		char id[256], origin[256];
		cJSON *schema;

		if (hrdex_fmt(id, sizeof(id), "%s%s%s", HRDEX_SCHEMA_ROOT, strchr(f->name, '/') ? "" : "1/",
			      f->name) < 0 ||
		    hrdex_fmt(origin, sizeof(origin), "schemas/%s", f->name) < 0)
			return -1;
		schema = cJSON_ParseWithLengthOpts((const char *)f->data, f->len + 1, NULL, 1);
		if (!schema)
			return hrdex_error_set(HRDEX_E_INTERNAL, "%s: built-in schema is not valid JSON",
					       origin);
		if (hrdex_schemas_add(s, schema, id, origin) < 0)
			return -1;
	}
	return 0;
}

const char *hrdex_schema_id_for_type(const char *type)
{
	return hrdex_schema_id_for(type, 1);
}

int hrdex_schema_known_newest(void)
{
	const char *v = getenv("HRDEX_SCHEMA_NEWEST");

	if (v && v[0] >= '1' && v[0] < '0' + HRDEX_SCHEMA_NEWEST && !v[1])
		return v[0] - '0';
	return HRDEX_SCHEMA_NEWEST;
}

/* 1 when the schema with this id is built in (its file embedded). */
static int builtin_has(const char *id)
{
	const struct hrdex_builtin_file *f;
	size_t n = strlen(HRDEX_SCHEMA_ROOT);
	const char *rest;

	if (strncmp(id, HRDEX_SCHEMA_ROOT, n))
		return 0;
	rest = id + n;
	for (f = hrdex_builtin_schemas; f->name; f++)
		if (!strcmp(f->name, rest) || (!strncmp(rest, "1/", 2) && !strcmp(f->name, rest + 2)))
			return 1;
	return 0;
}

const char *hrdex_schema_id_for(const char *type, int version)
{
	const struct hrdex_doctype *t = hrdex_doctype_get(type);
	const char *id;

	if (!t || version < t->since || version < 1 || version > hrdex_schema_known_newest())
		return NULL;
	id = t->schema[version - 1];
	if (id && hrdex_regext_type_get(type) && &hrdex_regext_type_get(type)->row == t)
		return id; /* a type the registry added (regext.h) */
	return id && builtin_has(id) ? id : NULL;
}

int hrdex_doc_version(const cJSON *doc)
{
	const cJSON *v = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "schema") : NULL;

	if (!v)
		return 1;
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > INT_MAX ||
	    v->valuedouble != (double)(int)v->valuedouble)
		return 0;
	return (int)v->valuedouble;
}

/* ---- "$ref" targets ---- */

/* The array index a JSON pointer token names, or -1. */
static long pointer_index(const char *token)
{
	long v = 0;
	const char *p;

	if (!*token || (token[0] == '0' && token[1]))
		return -1;
	for (p = token; *p; p++) {
		if (!hrdex_ascii_digit(*p) || v > 100000000) /* no array is that long */
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

/*
 * Find the schema uri (absolute, maybe with a fragment) names: a resource,
 * then a JSON pointer or an anchor inside it.  ref and origin only word the
 * error.  *outer is the base the target's own "$id" resolves against.
 */
static int resolve_target(struct hrdex_schemas *s, const char *uri, const char *ref,
			  const char *origin, const cJSON **node, const struct base **outer)
{
	struct hrdex_buf frag = HRDEX_BUF_INIT, token = HRDEX_BUF_INIT, key = HRDEX_BUF_INIT;
	size_t doc_len = strcspn(uri, "#");
	const struct resource *res = map_get(&s->resources, uri, doc_len);
	const cJSON *cur;
	const struct base *base;
	const char *p;
	int err = -1;

	if (!res) {
		hrdex_error_set(HRDEX_E_INVALID,
				"%s: cannot resolve $ref '%s': no schema '%.*s' in the registry",
				origin, ref, (int)doc_len, uri);
		goto cleanup;
	}
	cur = res->node;
	base = res->outer;
	if (!uri[doc_len] || !uri[doc_len + 1])
		goto found;
	if (hrdex_uri_percent_decode(&frag, uri + doc_len + 1) < 0)
		goto cleanup;
	if (frag.ptr[0] != '/') {
		if (hrdex_buf_put(&key, uri, doc_len + 1) < 0 || hrdex_buf_puts(&key, frag.ptr) < 0)
			goto cleanup;
		res = map_get(&s->resources, key.ptr, key.len);
		if (!res) {
			hrdex_error_set(HRDEX_E_INVALID,
					"%s: cannot resolve $ref '%s': no anchor '%s' in '%.*s'",
					origin, ref, frag.ptr, (int)doc_len, uri);
			goto cleanup;
		}
		cur = res->node;
		base = res->outer;
		goto found;
	}
	for (p = frag.ptr; *p == '/';) {
		const struct base *inner;
		const cJSON *next = NULL;

		hrdex_buf_clear(&token);
		for (p++; *p && *p != '/'; p++) {
			char c = *p;

			if (c == '~' && (p[1] == '0' || p[1] == '1')) {
				c = p[1] == '0' ? '~' : '/';
				p++;
			}
			if (hrdex_buf_putc(&token, c) < 0)
				goto cleanup;
		}
		if (hrdex_buf_put(&token, "", 0) < 0)
			goto cleanup;
		/* Passing through a schema with "$id" changes the base below it. */
		if (node_base(s, cur, base, &inner, NULL) < 0)
			goto cleanup;
		if (cJSON_IsObject(cur)) {
			next = cJSON_GetObjectItemCaseSensitive(cur, token.ptr);
		} else if (cJSON_IsArray(cur)) {
			long i = pointer_index(token.ptr);

			if (i >= 0)
				next = cJSON_GetArrayItem(cur, (int)i);
		}
		if (!next) {
			hrdex_error_set(HRDEX_E_INVALID,
					"%s: cannot resolve $ref '%s': no '%s' in '%.*s'",
					origin, ref, frag.ptr, (int)doc_len, uri);
			goto cleanup;
		}
		cur = next;
		base = inner;
	}
found:
	*node = cur;
	*outer = base;
	err = 0;
cleanup:
	hrdex_buf_free(&frag);
	hrdex_buf_free(&token);
	hrdex_buf_free(&key);
	return err;
}

/* ---- compiled schema nodes ---- */

static int pattern_get(struct hrdex_schemas *s, const char *src, const char *origin,
		       const pcre2_code **out)
{
	pcre2_code *code = map_get(&s->patterns, src, strlen(src));
	PCRE2_SIZE offset;
	int errcode;

	if (!code) {
		code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, HRDEX_SCHEMA_PATTERN_FLAGS, &errcode,
				     &offset, NULL);
		if (!code) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(errcode, msg, sizeof(msg));
			return hrdex_error_set(HRDEX_E_INVALID,
					       "%s: invalid pattern '%s': %s at offset %zu", origin,
					       src, (const char *)msg, (size_t)offset);
		}
		if (map_put(&s->patterns, src, strlen(src), code) < 0) {
			pcre2_code_free(code);
			return -1;
		}
	}
	*out = code;
	return 0;
}

/* 1 when pattern matches somewhere in subject (an unanchored search), 0 when
 * not, -1 when matching failed (e.g. the match limit was hit). */
int hrdex_schema_pattern_search(struct hrdex_schemas *s, const pcre2_code *code, const char *subject)
{
	int rc = pcre2_match(code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, s->match, NULL);
	PCRE2_UCHAR msg[256];

	if (rc >= 0) /* 0: matched, with too small an ovector for the groups */
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	pcre2_get_error_message(rc, msg, sizeof(msg));
	return hrdex_error_set(HRDEX_E_INVALID, "cannot match a pattern: %s", (const char *)msg);
}

static unsigned type_bit(const char *name)
{
	static const struct { const char *name; unsigned bit; } types[] = {
		{ "null", T_NULL }, { "boolean", T_BOOLEAN }, { "object", T_OBJECT },
		{ "array", T_ARRAY }, { "number", T_NUMBER }, { "string", T_STRING },
		{ "integer", T_INTEGER },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(name, types[i].name) == 0)
			return types[i].bit;
	}
	return 0;
}

static int snode_compile(struct hrdex_schemas *s, struct snode *sn, const cJSON *node,
			 const struct base *outer)
{
	struct hrdex_buf uri = HRDEX_BUF_INIT;
	const char *origin = outer->origin;
	const cJSON *child, *k;
	int err = -1;
	size_t i;

	cJSON_ArrayForEach(child, node) {
		for (i = 0; i < KW_COUNT; i++) {
			if (strcmp(child->string, hrdex_schema_keyword_names[i]) == 0) {
				sn->kw[i] = child;
				break;
			}
		}
	}
	k = sn->kw[KW_REF];
	if (k) {
		/* draft-07: everything beside "$ref" is ignored, "$id" included */
		sn->base = outer;
		if (!cJSON_IsString(k)) {
			hrdex_error_set(HRDEX_E_INVALID, "%s: \"$ref\" must be a string", origin);
			goto cleanup;
		}
		if (hrdex_uri_resolve(&uri, k->valuestring, outer->uri) < 0 ||
		    resolve_target(s, uri.ptr, k->valuestring, origin, &sn->ref, &sn->ref_outer) < 0)
			goto cleanup;
		err = 0;
		goto cleanup;
	}
	if (node_base(s, node, outer, &sn->base, NULL) < 0)
		goto cleanup;
	k = sn->kw[KW_TYPE];
	if (cJSON_IsString(k)) {
		sn->types = type_bit(k->valuestring);
		if (!sn->types) {
			hrdex_error_set(HRDEX_E_INVALID, "%s: unknown type '%s'", origin,
					k->valuestring);
			goto cleanup;
		}
	} else if (cJSON_IsArray(k)) {
		cJSON_ArrayForEach(child, k) {
			unsigned bit = cJSON_IsString(child) ? type_bit(child->valuestring) : 0;

			if (!bit) {
				hrdex_error_set(HRDEX_E_INVALID, "%s: unknown type in \"type\"", origin);
				goto cleanup;
			}
			sn->types |= bit;
		}
	} else if (k) {
		hrdex_error_set(HRDEX_E_INVALID, "%s: \"type\" must be a string or an array",
				origin);
		goto cleanup;
	}
	/* A list the agent does not ship is a fault of the schema, not of the
	 * documents: no document could ever be valid against it. */
	k = sn->kw[KW_X_HRDEX_LIST];
	if (k && (!cJSON_IsString(k) || !hrdex_vocab_title(k->valuestring, "en"))) {
		hrdex_error_set(HRDEX_E_INVALID, "%s: unknown list '%s' in \"x-hrdex-list\"", origin,
				cJSON_IsString(k) ? k->valuestring : "(not a string)");
		goto cleanup;
	}
	k = sn->kw[KW_PATTERN];
	if (cJSON_IsString(k) && pattern_get(s, k->valuestring, origin, &sn->pattern) < 0)
		goto cleanup;
	k = sn->kw[KW_PATTERN_PROPERTIES];
	if (cJSON_IsObject(k) && k->child) {
		sn->pprops = calloc((size_t)cJSON_GetArraySize(k), sizeof(*sn->pprops));
		if (!sn->pprops) {
			hrdex_error_oom();
			goto cleanup;
		}
		i = 0;
		cJSON_ArrayForEach(child, k) {
			if (pattern_get(s, child->string, origin, &sn->pprops[i++]) < 0)
				goto cleanup;
		}
	}
	err = 0;
cleanup:
	hrdex_buf_free(&uri);
	return err;
}

/* The compiled form of node (a schema object whose "$id" resolves against
 * outer), compiled on first use. */
int hrdex_schema_node(struct hrdex_schemas *s, const cJSON *node, const struct base *outer,
		     const struct snode **out)
{
	struct snode *sn = map_get(&s->nodes, &node, sizeof(node));

	if (sn) {
		*out = sn;
		return 0;
	}
	sn = calloc(1, sizeof(*sn));
	if (!sn)
		return hrdex_error_oom();
	if (snode_compile(s, sn, node, outer) < 0 || map_put(&s->nodes, &node, sizeof(node), sn) < 0) {
		snode_free(sn);
		return -1;
	}
	*out = sn;
	return 0;
}

/* Compile node and every subschema under it (see hrdex_schemas_compile). */
static int compile_all(struct hrdex_schemas *s, const cJSON *node, const struct base *outer, int depth)
{
	const struct base *inner;
	const struct snode *sn;
	const cJSON *child, *sub;

	if (!cJSON_IsObject(node))
		return 0;
	if (depth > HRDEX_SCHEMA_MAX_DEPTH)
		return hrdex_error_set(HRDEX_E_INVALID, "%s: schema nested deeper than %d", outer->origin,
				       HRDEX_SCHEMA_MAX_DEPTH);
	if (hrdex_schema_node(s, node, outer, &sn) < 0)
		return -1;
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(node, "$ref")))
		return 0; /* draft-07: a "$ref" makes its siblings ignored */
	if (node_base(s, node, outer, &inner, NULL) < 0)
		return -1;
	cJSON_ArrayForEach(child, node) {
		switch (subschema_kind(child->string, child)) {
		case SUB_ONE:
			if (compile_all(s, child, inner, depth + 1) < 0)
				return -1;
			break;
		case SUB_LIST:
		case SUB_MAP:
			cJSON_ArrayForEach(sub, child) {
				if (compile_all(s, sub, inner, depth + 1) < 0)
					return -1;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

int hrdex_schemas_compile(struct hrdex_schemas *s, const char *schema_id)
{
	const struct base *outer;
	const cJSON *node;

	if (hrdex_schemas_find(s, schema_id, &node, &outer) < 0)
		return -1;
	return compile_all(s, node, outer, 0);
}

int hrdex_schemas_find(struct hrdex_schemas *s, const char *schema_id, const cJSON **node,
		       const struct base **outer)
{
	const struct resource *res = NULL;

	if (!strchr(schema_id, '#'))
		res = map_get(&s->resources, schema_id, strlen(schema_id));
	if (res) {
		*node = res->node;
		*outer = res->outer;
		return 0;
	}
	if (!map_get(&s->resources, schema_id, strcspn(schema_id, "#")))
		return hrdex_error_set(HRDEX_E_INTERNAL, "unknown schema '%s'", schema_id);
	return resolve_target(s, schema_id, schema_id, "validate", node, outer);
}
