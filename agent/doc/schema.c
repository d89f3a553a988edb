/*
 * schema.c - JSON Schema draft-07 validation on cJSON (see schema.h).
 *
 * In order: a small hash map; URI references (RFC 3986 section 5); the
 * registry of documents and of the resources inside them (each "$id" names
 * one); "compiled" schema nodes, cached by node address, so that keywords are
 * picked out, patterns compiled and "$ref"s resolved once per registry rather
 * than once per document; the validator, keyword by keyword; the formats.
 *
 * The validator returns the number of failures it found (or -1 when it could
 * not run).  Given a problem list it records each failure; given NULL (quiet
 * mode, for the trial branches of anyOf, oneOf, not, if and contains) it only
 * counts.  So a valid document allocates nothing, and a trial branch never
 * leaves problems behind.  Instance pointers are built lazily: each level
 * passes a parent-linked struct path on the stack, rendered only when a
 * problem is recorded.
 *
 * A registry is not thread safe (it fills its caches while validating): use
 * one per thread.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "schema.h"
#include "doctype.h"
#include "buf.h"
#include "builtin.h"
#include "error.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

/* Deep enough for any real document and schema, shallow enough that a "$ref"
 * loop that consumes no instance ends in an error, not a stack overflow. */
#define SCHEMA_MAX_DEPTH 512

/* ECMA 262 semantics as far as PCRE2 offers them: "$" only at the very end;
 * \d and \w stay ASCII as they are in ECMA (no PCRE2_UCP). */
#define PATTERN_FLAGS (PCRE2_UTF | PCRE2_DOLLAR_ENDONLY)

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
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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

/* ---- URI references (RFC 3986) ---- */

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

struct uri_part {
	const char *p;
	size_t len;
	int defined;   /* "?" with an empty query is a defined, empty query */
};

struct uri {
	struct uri_part scheme, authority, path, query, fragment;
};

/* Split a URI reference into its five parts (RFC 3986 appendix B). */
static void uri_split(const char *s, struct uri *u)
{
	const char *p = s, *q;

	memset(u, 0, sizeof(*u));
	if (is_alpha(*p)) {
		for (q = p + 1; is_alpha(*q) || is_digit(*q) || *q == '+' || *q == '-' || *q == '.'; q++)
			;
		if (*q == ':') {
			u->scheme = (struct uri_part){ p, (size_t)(q - p), 1 };
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		q = p + strcspn(p, "/?#");
		u->authority = (struct uri_part){ p, (size_t)(q - p), 1 };
		p = q;
	}
	q = p + strcspn(p, "?#");
	u->path = (struct uri_part){ p, (size_t)(q - p), 1 };
	p = q;
	if (*p == '?') {
		p++;
		q = p + strcspn(p, "#");
		u->query = (struct uri_part){ p, (size_t)(q - p), 1 };
		p = q;
	}
	if (*p == '#') {
		p++;
		u->fragment = (struct uri_part){ p, strlen(p), 1 };
	}
}

/* Append path (len bytes) to out with "." and ".." segments removed
 * (RFC 3986 section 5.2.4). */
static int uri_remove_dots(struct hrdex_buf *out, const char *path, size_t len)
{
	char *in = malloc(len + 1), *p, *end;
	size_t start = out->len;
	int err = -1;

	if (!in)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	memcpy(in, path, len);
	in[len] = '\0';
	p = in;
	end = in + len;
	/* the ".." case below pops from out, so out->ptr must exist */
	if (hrdex_buf_put(out, "", 0) < 0)
		goto cleanup;
	while (p < end) {
		size_t rest = (size_t)(end - p);

		if (rest >= 3 && strncmp(p, "../", 3) == 0) {
			p += 3;
		} else if (rest >= 2 && strncmp(p, "./", 2) == 0) {
			p += 2;
		} else if (rest >= 3 && strncmp(p, "/./", 3) == 0) {
			p += 2;
		} else if (rest == 2 && strncmp(p, "/.", 2) == 0) {
			p += 1;
			*p = '/';
		} else if ((rest >= 4 && strncmp(p, "/../", 4) == 0) ||
			   (rest == 3 && strncmp(p, "/..", 3) == 0)) {
			char *slash;

			if (rest == 3) {
				p += 2;
				*p = '/';
			} else {
				p += 3;
			}
			slash = strrchr(out->ptr + start, '/');
			out->len = slash ? (size_t)(slash - out->ptr) : start;
			out->ptr[out->len] = '\0';
		} else if ((rest == 1 && *p == '.') || (rest == 2 && strncmp(p, "..", 2) == 0)) {
			p = end;
		} else {
			char *q = p + 1;

			while (q < end && *q != '/')
				q++;
			if (hrdex_buf_put(out, p, (size_t)(q - p)) < 0)
				goto cleanup;
			p = q;
		}
	}
	err = 0;
cleanup:
	free(in);
	return err;
}

/*
 * Resolve ref against base (RFC 3986 section 5.2.2) into out.  A NULL base
 * leaves ref as it is, apart from its dot segments.
 */
static int uri_resolve(struct hrdex_buf *out, const char *ref, const char *base)
{
	struct uri r, b, t;
	struct hrdex_buf merged = HRDEX_BUF_INIT;
	const struct uri_part *path = &r.path;
	int err = -1;

	uri_split(ref, &r);
	memset(&b, 0, sizeof(b));
	if (base)
		uri_split(base, &b);
	t = r;
	if (!base || r.scheme.defined) {
		;
	} else if (r.authority.defined) {
		t.scheme = b.scheme;
	} else {
		t.scheme = b.scheme;
		t.authority = b.authority;
		if (r.path.len == 0) {
			path = NULL; /* the base path, already free of dot segments */
			t.path = b.path;
			if (!r.query.defined)
				t.query = b.query;
		} else if (r.path.p[0] != '/') {
			const char *slash = NULL, *p;

			for (p = b.path.p; p < b.path.p + b.path.len; p++) {
				if (*p == '/')
					slash = p;
			}
			if (b.authority.defined && b.path.len == 0) {
				if (hrdex_buf_putc(&merged, '/') < 0)
					goto cleanup;
			} else if (slash && hrdex_buf_put(&merged, b.path.p,
							  (size_t)(slash - b.path.p) + 1) < 0) {
				goto cleanup;
			}
			if (hrdex_buf_put(&merged, r.path.p, r.path.len) < 0 ||
			    hrdex_buf_put(&merged, "", 0) < 0)
				goto cleanup;
			t.path = (struct uri_part){ merged.ptr, merged.len, 1 };
			path = &t.path;
		}
	}
	if (t.scheme.defined && (hrdex_buf_put(out, t.scheme.p, t.scheme.len) < 0 ||
				 hrdex_buf_putc(out, ':') < 0))
		goto cleanup;
	if (t.authority.defined && (hrdex_buf_puts(out, "//") < 0 ||
				    hrdex_buf_put(out, t.authority.p, t.authority.len) < 0))
		goto cleanup;
	if (path) {
		if (uri_remove_dots(out, path->p, path->len) < 0)
			goto cleanup;
	} else if (hrdex_buf_put(out, t.path.p, t.path.len) < 0) {
		goto cleanup;
	}
	if (t.query.defined && (hrdex_buf_putc(out, '?') < 0 ||
				hrdex_buf_put(out, t.query.p, t.query.len) < 0))
		goto cleanup;
	if (t.fragment.defined && (hrdex_buf_putc(out, '#') < 0 ||
				   hrdex_buf_put(out, t.fragment.p, t.fragment.len) < 0))
		goto cleanup;
	if (hrdex_buf_put(out, "", 0) < 0) /* so that ptr is never NULL */
		goto cleanup;
	err = 0;
cleanup:
	hrdex_buf_free(&merged);
	return err;
}

/* ---- the registry ---- */

/* A base URI (no fragment), interned so that nodes can share it. */
struct base {
	char *uri;
	const char *origin;  /* the file it came from, for error messages */
};

/* A schema reachable by URI: a document, an embedded "$id" or an anchor. */
struct resource {
	const cJSON *node;
	const struct base *outer;  /* the base node's own "$id" resolves against */
};

struct schema_doc {
	cJSON *root;
	char *origin;
};

enum keyword {
	KW_REF, KW_ID, KW_TYPE, KW_ENUM, KW_CONST, KW_REQUIRED, KW_PROPERTIES,
	KW_PATTERN_PROPERTIES, KW_ADDITIONAL_PROPERTIES, KW_PROPERTY_NAMES,
	KW_MIN_PROPERTIES, KW_MAX_PROPERTIES, KW_DEPENDENCIES, KW_ITEMS,
	KW_ADDITIONAL_ITEMS, KW_CONTAINS, KW_MIN_ITEMS, KW_MAX_ITEMS,
	KW_UNIQUE_ITEMS, KW_MIN_LENGTH, KW_MAX_LENGTH, KW_PATTERN, KW_MINIMUM,
	KW_MAXIMUM, KW_EXCLUSIVE_MINIMUM, KW_EXCLUSIVE_MAXIMUM, KW_MULTIPLE_OF,
	KW_ALL_OF, KW_ANY_OF, KW_ONE_OF, KW_NOT, KW_IF, KW_THEN, KW_ELSE,
	KW_FORMAT, KW_COUNT
};

static const char *const keyword_names[KW_COUNT] = {
	"$ref", "$id", "type", "enum", "const", "required", "properties",
	"patternProperties", "additionalProperties", "propertyNames",
	"minProperties", "maxProperties", "dependencies", "items",
	"additionalItems", "contains", "minItems", "maxItems",
	"uniqueItems", "minLength", "maxLength", "pattern", "minimum",
	"maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
	"allOf", "anyOf", "oneOf", "not", "if", "then", "else",
	"format",
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
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	/* One pair is enough: we only ask whether a pattern matches. */
	s->match = pcre2_match_data_create(1, NULL);
	if (!s->match) {
		free(s);
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
	if (uri_resolve(&uri, id->valuestring, outer->uri) < 0 ||
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
		return hrdex_error_set(HRDEX_EX_DATAERR, "%s: schema id '%s' is already taken",
				       outer->origin, uri);
	}
	r = malloc(sizeof(*r));
	if (!r)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
	if (depth > SCHEMA_MAX_DEPTH)
		return hrdex_error_set(HRDEX_EX_DATAERR, "%s: schema nested deeper than %d",
				       outer->origin, SCHEMA_MAX_DEPTH);
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
	struct uri u;
	int err = -1;

	if (!origin)
		origin = default_id ? default_id : "schema";
	if (s->ndocs == s->adocs) {
		size_t alloc = s->adocs ? s->adocs * 2 : 16;
		struct schema_doc *docs = realloc(s->docs, alloc * sizeof(*docs));

		if (!docs) {
			cJSON_Delete(schema);
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	}
	s->ndocs++;

	if (!cJSON_IsObject(schema) && !cJSON_IsBool(schema)) {
		hrdex_error_set(HRDEX_EX_DATAERR, "%s: a schema must be an object or a boolean",
				origin);
		goto cleanup;
	}
	if (cJSON_IsObject(schema))
		sid = cJSON_GetObjectItemCaseSensitive(schema, "$id");
	if (sid && !cJSON_IsString(sid)) {
		hrdex_error_set(HRDEX_EX_DATAERR, "%s: \"$id\" must be a string", origin);
		goto cleanup;
	}
	if (!default_id && !sid) {
		snprintf(anonymous, sizeof(anonymous), "urn:hrdex:schema:%u", ++s->anonymous); /* fits: a number */
		default_id = anonymous;
	}
	if (uri_resolve(&id, sid ? sid->valuestring : default_id, default_id) < 0)
		goto cleanup;
	id.ptr[strcspn(id.ptr, "#")] = '\0';
	id.len = strlen(id.ptr);
	uri_split(id.ptr, &u);
	if (!u.scheme.defined) {
		hrdex_error_set(HRDEX_EX_DATAERR, "%s: schema id '%s' is not an absolute URI",
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
		hrdex_error_set(HRDEX_EX_DATAERR, "%s: schema id '%s' is already taken", origin,
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
	const struct hrdex_builtin_file *f;

	for (f = hrdex_builtin_schemas; f->name; f++) {
		char id[256], origin[256];
		cJSON *schema;

		snprintf(id, sizeof(id), "%s%s", HRDEX_SCHEMA_BASE, f->name); /* fits: built-in schema names are short */
		snprintf(origin, sizeof(origin), "schemas/%s", f->name); /* fits: built-in schema names are short */
		schema = cJSON_ParseWithLengthOpts((const char *)f->data, f->len + 1, NULL, 1);
		if (!schema)
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "%s: built-in schema is not valid JSON",
					       origin);
		if (hrdex_schemas_add(s, schema, id, origin) < 0)
			return -1;
	}
	return 0;
}

const char *hrdex_schema_id_for_type(const char *type)
{
	const struct hrdex_doctype *t = hrdex_doctype_get(type);

	return t ? t->schema : NULL;
}

/* ---- "$ref" targets ---- */

/* Decode %XX escapes of a URI fragment into out. */
static int percent_decode(struct hrdex_buf *out, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c == '%' && is_hex(s[1]) && is_hex(s[2])) {
			c = (char)(hex_value(s[1]) * 16 + hex_value(s[2]));
			s += 2;
		}
		if (hrdex_buf_putc(out, c) < 0)
			return -1;
	}
	return hrdex_buf_put(out, "", 0);
}

/* The array index a JSON pointer token names, or -1. */
static long pointer_index(const char *token)
{
	long v = 0;
	const char *p;

	if (!*token || (token[0] == '0' && token[1]))
		return -1;
	for (p = token; *p; p++) {
		if (!is_digit(*p) || v > 100000000) /* no array is that long */
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
		hrdex_error_set(HRDEX_EX_DATAERR,
				"%s: cannot resolve $ref '%s': no schema '%.*s' in the registry",
				origin, ref, (int)doc_len, uri);
		goto cleanup;
	}
	cur = res->node;
	base = res->outer;
	if (!uri[doc_len] || !uri[doc_len + 1])
		goto found;
	if (percent_decode(&frag, uri + doc_len + 1) < 0)
		goto cleanup;
	if (frag.ptr[0] != '/') {
		if (hrdex_buf_put(&key, uri, doc_len + 1) < 0 || hrdex_buf_puts(&key, frag.ptr) < 0)
			goto cleanup;
		res = map_get(&s->resources, key.ptr, key.len);
		if (!res) {
			hrdex_error_set(HRDEX_EX_DATAERR,
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
			hrdex_error_set(HRDEX_EX_DATAERR,
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
		code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PATTERN_FLAGS, &errcode,
				     &offset, NULL);
		if (!code) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(errcode, msg, sizeof(msg));
			return hrdex_error_set(HRDEX_EX_DATAERR,
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
static int pattern_search(struct hrdex_schemas *s, const pcre2_code *code, const char *subject)
{
	int rc = pcre2_match(code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, s->match, NULL);
	PCRE2_UCHAR msg[256];

	if (rc >= 0) /* 0: matched, with too small an ovector for the groups */
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	pcre2_get_error_message(rc, msg, sizeof(msg));
	return hrdex_error_set(HRDEX_EX_DATAERR, "cannot match a pattern: %s", (const char *)msg);
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
			if (strcmp(child->string, keyword_names[i]) == 0) {
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
			hrdex_error_set(HRDEX_EX_DATAERR, "%s: \"$ref\" must be a string", origin);
			goto cleanup;
		}
		if (uri_resolve(&uri, k->valuestring, outer->uri) < 0 ||
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
			hrdex_error_set(HRDEX_EX_DATAERR, "%s: unknown type '%s'", origin,
					k->valuestring);
			goto cleanup;
		}
	} else if (cJSON_IsArray(k)) {
		cJSON_ArrayForEach(child, k) {
			unsigned bit = cJSON_IsString(child) ? type_bit(child->valuestring) : 0;

			if (!bit) {
				hrdex_error_set(HRDEX_EX_DATAERR, "%s: unknown type in \"type\"", origin);
				goto cleanup;
			}
			sn->types |= bit;
		}
	} else if (k) {
		hrdex_error_set(HRDEX_EX_DATAERR, "%s: \"type\" must be a string or an array",
				origin);
		goto cleanup;
	}
	k = sn->kw[KW_PATTERN];
	if (cJSON_IsString(k) && pattern_get(s, k->valuestring, origin, &sn->pattern) < 0)
		goto cleanup;
	k = sn->kw[KW_PATTERN_PROPERTIES];
	if (cJSON_IsObject(k) && k->child) {
		sn->pprops = calloc((size_t)cJSON_GetArraySize(k), sizeof(*sn->pprops));
		if (!sn->pprops) {
			hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
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
static int snode_get(struct hrdex_schemas *s, const cJSON *node, const struct base *outer,
		     const struct snode **out)
{
	struct snode *sn = map_get(&s->nodes, &node, sizeof(node));

	if (sn) {
		*out = sn;
		return 0;
	}
	sn = calloc(1, sizeof(*sn));
	if (!sn)
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
	if (snode_compile(s, sn, node, outer) < 0 || map_put(&s->nodes, &node, sizeof(node), sn) < 0) {
		snode_free(sn);
		return -1;
	}
	*out = sn;
	return 0;
}

/* ---- helpers for values and messages ---- */

/* Code points in a UTF-8 string: every byte that does not continue one. */
static size_t utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	}
	return n;
}

/* Deep equality: numbers by value, objects whatever their key order. */
static int json_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;
	int type = a->type & 0xFF;

	if (type != (b->type & 0xFF))
		return 0;
	switch (type) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
	case cJSON_Raw:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
			if (!json_equal(x, y))
				return 0;
		}
		return !x && !y;
	case cJSON_Object:
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		cJSON_ArrayForEach(x, a) {
			y = cJSON_GetObjectItemCaseSensitive(b, x->string);
			if (!y || !json_equal(x, y))
				return 0;
		}
		return 1;
	default:
		return 1; /* null, true, false */
	}
}

static int member_cmp(const void *x, const void *y)
{
	const cJSON *const *a = x, *const *b = y;

	return strcmp((*a)->string, (*b)->string);
}

static int is_integral(double v)
{
	return isfinite(v) && v == floor(v);
}

/* Shortest of %.15g and %.17g that reads back as v, for messages. */
static void number_text(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.15g", v); /* fits: a double */
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v); /* fits: a double */
}

/* Cut s at most max bytes, on a code point boundary, marking the cut. */
static void text_clip(char *buf, size_t size, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (max > size - 4)
		max = size - 4;
	if (len <= max) {
		memcpy(buf, s, len + 1);
		return;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	memcpy(buf, s, max);
	memcpy(buf + max, "...", 4);
}

/* A short rendering of a value for messages: 'text' for strings, JSON else. */
static void value_text(char *buf, size_t size, const cJSON *v, int quote_strings)
{
	char clip[128];
	char *json;

	if (cJSON_IsString(v)) {
		text_clip(clip, sizeof(clip), v->valuestring, 60);
		hrdex_fmt_cut(buf, size, quote_strings ? "'%s'" : "%s", clip);
		return;
	}
	if (cJSON_IsNumber(v)) {
		number_text(buf, size, v->valuedouble);
		return;
	}
	json = cJSON_PrintUnformatted(v);
	text_clip(buf, size, json ? json : "?", 60);
	free(json);
}

static const char *type_article(unsigned bit)
{
	switch (bit) {
	case T_NULL: return "null";
	case T_BOOLEAN: return "a boolean";
	case T_OBJECT: return "an object";
	case T_ARRAY: return "an array";
	case T_NUMBER: return "a number";
	case T_STRING: return "a string";
	default: return "an integer";
	}
}

static unsigned instance_type(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return T_NULL;
	if (cJSON_IsBool(v))
		return T_BOOLEAN;
	if (cJSON_IsObject(v))
		return T_OBJECT;
	if (cJSON_IsArray(v))
		return T_ARRAY;
	if (cJSON_IsString(v))
		return T_STRING;
	if (cJSON_IsNumber(v))
		return is_integral(v->valuedouble) ? T_NUMBER | T_INTEGER : T_NUMBER;
	return 0;
}

/* ---- the validator ---- */

/* Where we are in the instance: a parent-linked list living on the stack. */
struct path {
	const struct path *up;
	const char *key;   /* member name, or NULL for an array element */
	size_t index;
};

struct vctx {
	struct hrdex_schemas *s;
	int depth;
};

static int path_render_into(struct hrdex_buf *b, const struct path *at)
{
	const char *p;

	if (!at)
		return 0;
	if (path_render_into(b, at->up) < 0 || hrdex_buf_putc(b, '/') < 0)
		return -1;
	if (!at->key)
		return hrdex_buf_printf(b, "%zu", at->index);
	for (p = at->key; *p; p++) {
		int r;

		if (*p == '~')
			r = hrdex_buf_puts(b, "~0");
		else if (*p == '/')
			r = hrdex_buf_puts(b, "~1");
		else
			r = hrdex_buf_putc(b, *p);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The JSON pointer of at; caller frees; NULL (error set) when out of memory. */
static char *path_render(const struct path *at)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	if (path_render_into(&b, at) < 0 || hrdex_buf_put(&b, "", 0) < 0) {
		hrdex_buf_free(&b);
		return NULL;
	}
	return hrdex_buf_detach(&b);
}

/* Record one failure (when out is not NULL); returns 1, or -1 on error. */
static int report(struct hrdex_problems *out, const struct path *at, const char *keyword,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int report(struct hrdex_problems *out, const struct path *at, const char *keyword,
		  const char *fmt, ...)
{
	char message[1024];
	char *pointer;
	va_list ap;
	int r;

	if (!out)
		return 1;
	if (out->cap && out->count >= out->cap) {
		out->over++; /* past the cap: counted, not rendered */
		return 1;
	}
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	pointer = path_render(at);
	if (!pointer)
		return -1;
	r = hrdex_problems_add(out, pointer, keyword, "%s", message);
	free(pointer);
	return r < 0 ? -1 : 1;
}

/* Add the failures r of a check to *n; -1 when the check could not run. */
static int tally(int *n, int r)
{
	if (r < 0)
		return -1;
	*n += r;
	return 0;
}

static int validate(struct vctx *c, const cJSON *schema, const struct base *outer,
		    const cJSON *inst, const struct path *at, struct hrdex_problems *out);

static int check_type(const struct snode *sn, const cJSON *inst, const struct path *at,
		      struct hrdex_problems *out)
{
	unsigned have = instance_type(inst), bit;
	struct hrdex_buf want = HRDEX_BUF_INIT;
	int r;

	if (!sn->kw[KW_TYPE] || (have & sn->types))
		return 0;
	for (bit = 1; bit <= T_INTEGER; bit <<= 1) {
		if (!(sn->types & bit))
			continue;
		if ((want.len && hrdex_buf_puts(&want, " or ") < 0) ||
		    hrdex_buf_puts(&want, type_article(bit)) < 0) {
			hrdex_buf_free(&want);
			return -1;
		}
	}
	r = report(out, at, "type", "must be %s, not %s", want.ptr ? want.ptr : "nothing",
		   type_article(have & ~(unsigned)T_INTEGER));
	hrdex_buf_free(&want);
	return r;
}

static int check_enum(const struct snode *sn, const cJSON *inst, const struct path *at,
		      struct hrdex_problems *out)
{
	struct hrdex_buf list = HRDEX_BUF_INIT;
	const cJSON *k = sn->kw[KW_ENUM], *v;
	char text[160];
	int r = -1, shown = 0;

	if (!cJSON_IsArray(k))
		return 0;
	cJSON_ArrayForEach(v, k) {
		if (json_equal(v, inst))
			return 0;
	}
	if (!out)
		return 1;
	cJSON_ArrayForEach(v, k) {
		if (shown == 12 || list.len > 300) {
			if (hrdex_buf_puts(&list, ", ...") < 0)
				goto cleanup;
			break;
		}
		value_text(text, sizeof(text), v, 0);
		if (hrdex_buf_printf(&list, "%s%s", shown++ ? ", " : "", text) < 0)
			goto cleanup;
	}
	value_text(text, sizeof(text), inst, 1);
	r = report(out, at, "enum", "%s is not one of: %s", text, list.ptr ? list.ptr : "");
cleanup:
	hrdex_buf_free(&list);
	return r;
}

static int check_const(const struct snode *sn, const cJSON *inst, const struct path *at,
		       struct hrdex_problems *out)
{
	char text[160];

	if (!sn->kw[KW_CONST] || json_equal(sn->kw[KW_CONST], inst))
		return 0;
	if (!out)
		return 1;
	value_text(text, sizeof(text), sn->kw[KW_CONST], 1);
	return report(out, at, "const", "must be %s", text);
}

static int check_object(struct vctx *c, const struct snode *sn, const cJSON *inst,
			const struct path *at, struct hrdex_problems *out)
{
	const cJSON *props = sn->kw[KW_PROPERTIES], *pprops = sn->kw[KW_PATTERN_PROPERTIES];
	const cJSON *extra = sn->kw[KW_ADDITIONAL_PROPERTIES], *names = sn->kw[KW_PROPERTY_NAMES];
	const cJSON *k, *m, *d, *v;
	int n = 0, count;

	/* Too many members: said once, and none of them is looked at (the cost
	 * of a hostile object stays linear in its size). */
	if (sn->kw[KW_MIN_PROPERTIES] || sn->kw[KW_MAX_PROPERTIES]) {
		count = cJSON_GetArraySize(inst);
		k = sn->kw[KW_MIN_PROPERTIES];
		if (cJSON_IsNumber(k) && count < k->valuedouble &&
		    tally(&n, report(out, at, "minProperties", "must have at least %.0f propert%s (has %d)",
				     k->valuedouble, k->valuedouble == 1 ? "y" : "ies", count)) < 0)
			return -1;
		k = sn->kw[KW_MAX_PROPERTIES];
		if (cJSON_IsNumber(k) && count > k->valuedouble)
			return report(out, at, "maxProperties", "must have at most %.0f propert%s (has %d)",
				      k->valuedouble, k->valuedouble == 1 ? "y" : "ies", count);
	}
	k = sn->kw[KW_REQUIRED];
	if (cJSON_IsArray(k)) {
		cJSON_ArrayForEach(v, k) {
			/* Name the missing member itself, so "FILE: /title: ..." points
			 * at what to add, as additionalProperties points at what to drop. */
			struct path missing = { at, NULL, 0 };

			missing.key = cJSON_IsString(v) ? v->valuestring : NULL;
			if (cJSON_IsString(v) && !cJSON_GetObjectItemCaseSensitive(inst, v->valuestring) &&
			    tally(&n, report(out, &missing, "required", "missing required property '%s'",
					     v->valuestring)) < 0)
				return -1;
		}
	}
	if (!cJSON_IsObject(props))
		props = NULL;
	if (!sn->pprops)
		pprops = NULL;
	if (props || pprops || extra || names) {
		cJSON_ArrayForEach(m, inst) {
			struct path here = { at, m->string, 0 };
			int matched = 0;
			size_t i = 0;

			k = props ? cJSON_GetObjectItemCaseSensitive(props, m->string) : NULL;
			if (k) {
				matched = 1;
				if (tally(&n, validate(c, k, sn->base, m, &here, out)) < 0)
					return -1;
			}
			if (pprops) {
				cJSON_ArrayForEach(k, pprops) {
					int r = pattern_search(c->s, sn->pprops[i++], m->string);

					if (r < 0)
						return -1;
					if (r) {
						matched = 1;
						if (tally(&n, validate(c, k, sn->base, m, &here, out)) < 0)
							return -1;
					}
				}
			}
			if (!matched && cJSON_IsFalse(extra)) {
				if (tally(&n, report(out, &here, "additionalProperties",
						     "unexpected property '%s'", m->string)) < 0)
					return -1;
			} else if (!matched && extra) {
				if (tally(&n, validate(c, extra, sn->base, m, &here, out)) < 0)
					return -1;
			}
			if (names) {
				struct hrdex_problems scratch = HRDEX_PROBLEMS_INIT;
				cJSON name;
				int r;

				/* a string node on the stack: no allocation per member */
				memset(&name, 0, sizeof(name));
				name.type = cJSON_String;
				name.valuestring = m->string;
				r = validate(c, names, sn->base, &name, &here, out ? &scratch : NULL);
				if (r > 0)
					r = report(out, &here, "propertyNames", "invalid property name '%s'%s%s",
						   m->string, scratch.count ? ": " : "",
						   scratch.count ? scratch.items[0].message : "");
				hrdex_problems_free(&scratch);
				if (tally(&n, r) < 0)
					return -1;
			}
		}
	}
	k = sn->kw[KW_DEPENDENCIES];
	if (cJSON_IsObject(k)) {
		cJSON_ArrayForEach(d, k) {
			if (!cJSON_GetObjectItemCaseSensitive(inst, d->string))
				continue;
			if (!cJSON_IsArray(d)) {
				if (tally(&n, validate(c, d, sn->base, inst, at, out)) < 0)
					return -1;
				continue;
			}
			cJSON_ArrayForEach(v, d) {
				if (cJSON_IsString(v) &&
				    !cJSON_GetObjectItemCaseSensitive(inst, v->valuestring) &&
				    tally(&n, report(out, at, "dependencies",
						     "property '%s' requires property '%s'", d->string,
						     v->valuestring)) < 0)
					return -1;
			}
		}
	}
	return n;
}

/*
 * The text of a value for uniqueItems: two values get the same text exactly
 * when json_equal() holds (numbers by value, -0 as 0; strings with their
 * length; object members sorted by name), so equal items can be found by
 * sorting texts, in O(n log n) rather than comparing every pair.
 */
static int equal_text(struct hrdex_buf *b, const cJSON *v)
{
	const cJSON *x;

	switch (v->type & 0xFF) {
	case cJSON_Number:
		return hrdex_buf_printf(b, "n%.17g;", v->valuedouble == 0 ? 0.0 : v->valuedouble);
	case cJSON_String:
	case cJSON_Raw: {
		size_t len = strlen(v->valuestring);

		if (hrdex_buf_printf(b, "%c%zu:", (v->type & 0xFF) == cJSON_String ? 's' : 'r', len) < 0)
			return -1;
		return hrdex_buf_put(b, v->valuestring, len);
	}
	case cJSON_Array:
		if (hrdex_buf_putc(b, '[') < 0)
			return -1;
		for (x = v->child; x; x = x->next)
			if (equal_text(b, x) < 0)
				return -1;
		return hrdex_buf_putc(b, ']');
	case cJSON_Object: {
		const cJSON **m;
		size_t n = 0, i;
		int r = 0;

		for (x = v->child; x; x = x->next)
			n++;
		m = calloc(n + 1, sizeof(*m));
		if (!m)
			return hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		n = 0;
		for (x = v->child; x; x = x->next)
			m[n++] = x;
		qsort(m, n, sizeof(*m), member_cmp);
		r = hrdex_buf_putc(b, '{');
		for (i = 0; r == 0 && i < n; i++) {
			size_t len = strlen(m[i]->string);

			if (hrdex_buf_printf(b, "k%zu:", len) < 0 || hrdex_buf_put(b, m[i]->string, len) < 0 ||
			    equal_text(b, m[i]) < 0)
				r = -1;
		}
		free(m);
		return r < 0 ? -1 : hrdex_buf_putc(b, '}');
	}
	case cJSON_True:
		return hrdex_buf_putc(b, 't');
	case cJSON_False:
		return hrdex_buf_putc(b, 'f');
	default:
		return hrdex_buf_putc(b, 'z'); /* null */
	}
}

struct item_text {
	const char *p;
	size_t len, index;
};

static int item_text_cmp(const void *x, const void *y)
{
	const struct item_text *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * The first pair of equal items, as a pairwise scan would find it: the
 * smallest i that has an equal later item, and the first such j.  Returns 1
 * with *i, *j set, 0 when all items differ, -1 on error.
 */
static int first_equal_items(const cJSON *inst, size_t count, size_t *fi, size_t *fj)
{
	struct hrdex_buf texts = HRDEX_BUF_INIT;
	struct item_text *t = calloc(count + 1, sizeof(*t));
	size_t *ends = calloc(count + 1, sizeof(*ends));
	const cJSON *v;
	size_t k = 0, g, h;
	int found = 0, ret = -1;

	if (!t || !ends) {
		hrdex_error_set(HRDEX_EX_SOFTWARE, "out of memory");
		goto cleanup;
	}
	cJSON_ArrayForEach(v, inst) {
		if (k == count || equal_text(&texts, v) < 0)
			goto cleanup;
		ends[k++] = texts.len;
	}
	for (g = 0; g < k; g++) {
		size_t start = g ? ends[g - 1] : 0;

		t[g].p = texts.ptr ? texts.ptr + start : "";
		t[g].len = ends[g] - start;
		t[g].index = g;
	}
	qsort(t, k, sizeof(*t), item_text_cmp);
	/* Runs of equal texts, each in index order: its first two items are
	 * the candidate pair; the run that starts earliest wins. */
	for (g = 0; g < k; g = h) {
		for (h = g + 1; h < k && t[h].len == t[g].len && !memcmp(t[h].p, t[g].p, t[g].len); h++)
			;
		if (h - g > 1 && (!found || t[g].index < *fi)) {
			*fi = t[g].index;
			*fj = t[g + 1].index;
			found = 1;
		}
	}
	ret = found;
cleanup:
	hrdex_buf_free(&texts);
	free(ends);
	free(t);
	return ret;
}

static int check_array(struct vctx *c, const struct snode *sn, const cJSON *inst,
		       const struct path *at, struct hrdex_problems *out)
{
	const cJSON *items = sn->kw[KW_ITEMS], *extra = sn->kw[KW_ADDITIONAL_ITEMS], *k, *v;
	int n = 0, count = cJSON_GetArraySize(inst), r;
	size_t i, j;

	k = sn->kw[KW_MIN_ITEMS];
	if (cJSON_IsNumber(k) && count < k->valuedouble &&
	    tally(&n, report(out, at, "minItems", "must have at least %.0f item%s (has %d)",
			     k->valuedouble, k->valuedouble == 1 ? "" : "s", count)) < 0)
		return -1;
	/* Too many items: said once, and none of them is looked at (no
	 * uniqueItems over an array already too long). */
	k = sn->kw[KW_MAX_ITEMS];
	if (cJSON_IsNumber(k) && count > k->valuedouble)
		return report(out, at, "maxItems", "must have at most %.0f item%s (has %d)",
			      k->valuedouble, k->valuedouble == 1 ? "" : "s", count);
	if (items) {
		const cJSON *tuple = cJSON_IsArray(items) ? items->child : NULL;
		int ntuple = cJSON_IsArray(items) ? cJSON_GetArraySize(items) : 0;

		i = 0;
		cJSON_ArrayForEach(v, inst) {
			struct path here = { at, NULL, i };
			const cJSON *sub = items;

			if (cJSON_IsArray(items)) {
				sub = tuple;
				if (tuple) {
					tuple = tuple->next;
				} else if (cJSON_IsFalse(extra)) {
					if (tally(&n, report(out, &here, "additionalItems",
							     "unexpected item: at most %d allowed",
							     ntuple)) < 0)
						return -1;
					break;
				} else {
					sub = extra;
				}
			}
			if (sub && tally(&n, validate(c, sub, sn->base, v, &here, out)) < 0)
				return -1;
			i++;
		}
	}
	if (cJSON_IsTrue(sn->kw[KW_UNIQUE_ITEMS]) && count > 1) {
		r = first_equal_items(inst, (size_t)count, &i, &j);
		if (r < 0)
			return -1;
		if (r && tally(&n, report(out, at, "uniqueItems", "items %zu and %zu are equal; items must be unique",
					  i, j)) < 0)
			return -1;
	}
	k = sn->kw[KW_CONTAINS];
	if (k) {
		int found = 0;

		i = 0;
		cJSON_ArrayForEach(v, inst) {
			struct path here = { at, NULL, i++ };

			r = validate(c, k, sn->base, v, &here, NULL);
			if (r < 0)
				return -1;
			if (r == 0) {
				found = 1;
				break;
			}
		}
		if (!found && tally(&n, report(out, at, "contains",
					       "must contain an item that matches \"contains\"")) < 0)
			return -1;
	}
	return n;
}

/* ---- formats ---- */

static int digits(const char *s, int count, int *value)
{
	int v = 0, i;

	for (i = 0; i < count; i++) {
		if (!is_digit(s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return 1;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* RFC 3339 full-date at the start of s: YYYY-MM-DD, a real calendar day. */
static int format_date_prefix(const char *s)
{
	int y, m, d;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return 0;
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

static int format_date(const char *s)
{
	return strlen(s) == 10 && format_date_prefix(s);
}

/* RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); second 60 only for a
 * leap second, which happens at 23:59:60 UTC. */
static int format_time(const char *s)
{
	int h, m, sec, oh = 0, om = 0, sign = 0, utc;

	if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &m) || s[5] != ':' ||
	    !digits(s + 6, 2, &sec))
		return 0;
	s += 8;
	if (*s == '.') {
		if (!is_digit(s[1]))
			return 0;
		for (s++; is_digit(*s); s++)
			;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		if (!digits(s + 1, 2, &oh) || s[3] != ':' || !digits(s + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return 0;
		s += 6;
	} else {
		return 0;
	}
	if (*s || h > 23 || m > 59 || sec > 60)
		return 0;
	if (sec == 60) {
		utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;
		return utc == 23 * 60 + 59;
	}
	return 1;
}

static int format_date_time(const char *s)
{
	return strlen(s) > 11 && format_date_prefix(s) && (s[10] == 'T' || s[10] == 't') &&
	       format_time(s + 11);
}

static int format_email(const char *s)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	const char *at = strrchr(s, '@'), *p, *label;

	if (!at || at == s || !at[1] || *s == '.' || at[-1] == '.')
		return 0;
	for (p = s; p < at; p++) {
		if (!(is_alpha(*p) || is_digit(*p) || strchr(atext, *p) || *p == '.') ||
		    (*p == '.' && p[1] == '.'))
			return 0;
	}
	p = at + 1;
	if (*p == '[') /* address literal */
		return p[strlen(p) - 1] == ']' && strlen(p) > 2 &&
		       strspn(p + 1, "0123456789abcdefABCDEF.:") == strlen(p) - 2;
	for (label = p;; p++) {
		if (*p == '.' || !*p) {
			size_t len = (size_t)(p - label);

			if (len == 0 || len > 63 || label[0] == '-' || p[-1] == '-')
				return 0;
			if (!*p)
				return 1;
			label = p + 1;
		} else if (!(is_alpha(*p) || is_digit(*p) || *p == '-')) {
			return 0;
		}
	}
}

/* Every character of part is a pchar, a %XX escape, or one of extra. */
static int uri_part_ok(const struct uri_part *part, const char *extra)
{
	static const char pchar[] = "-._~!$&'()*+,;=:@";
	size_t i;

	for (i = 0; i < part->len; i++) {
		char c = part->p[i];

		if (c == '%') {
			if (i + 2 >= part->len || !is_hex(part->p[i + 1]) ||
			    !is_hex(part->p[i + 2]))
				return 0;
			i += 2;
		} else if (!(is_alpha(c) || is_digit(c) || (c && strchr(pchar, c)) ||
			     (c && strchr(extra, c)))) {
			return 0;
		}
	}
	return 1;
}

static int format_uri_reference(const char *s)
{
	struct uri u;

	uri_split(s, &u);
	if (!uri_part_ok(&u.authority, "[]") || !uri_part_ok(&u.path, "/") ||
	    !uri_part_ok(&u.query, "/?") || !uri_part_ok(&u.fragment, "/?"))
		return 0;
	/* without a scheme, a colon in the first segment would read as one */
	if (!u.scheme.defined && !u.authority.defined &&
	    memchr(u.path.p, ':', strcspn(u.path.p, "/?#")))
		return 0;
	return 1;
}

static int format_uri(const char *s)
{
	struct uri u;

	uri_split(s, &u);
	return u.scheme.defined && format_uri_reference(s);
}

static int format_regex(const char *s)
{
	PCRE2_SIZE offset;
	pcre2_code *code;
	int errcode;

	code = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, PATTERN_FLAGS, &errcode, &offset,
			     NULL);
	pcre2_code_free(code);
	return code != NULL;
}

static int check_format(const struct snode *sn, const char *s, const struct path *at,
			struct hrdex_problems *out)
{
	static const struct { const char *name; int (*ok)(const char *); const char *what; } formats[] = {
		{ "date", format_date, "a valid date (YYYY-MM-DD)" },
		{ "date-time", format_date_time, "a valid date-time (RFC 3339)" },
		{ "time", format_time, "a valid time (RFC 3339, with an offset)" },
		{ "email", format_email, "a valid email address" },
		{ "uri", format_uri, "a valid absolute URI" },
		{ "uri-reference", format_uri_reference, "a valid URI reference" },
		{ "regex", format_regex, "a valid regular expression" },
	};
	const cJSON *k = sn->kw[KW_FORMAT];
	char text[160];
	size_t i;

	if (!cJSON_IsString(k))
		return 0;
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(k->valuestring, formats[i].name) != 0)
			continue;
		if (formats[i].ok(s))
			return 0;
		if (!out)
			return 1;
		text_clip(text, sizeof(text), s, 60);
		return report(out, at, "format", "'%s' is not %s", text, formats[i].what);
	}
	return 0; /* unknown formats are annotations only */
}

static int check_string(struct vctx *c, const struct snode *sn, const cJSON *inst,
			const struct path *at, struct hrdex_problems *out)
{
	const cJSON *min = sn->kw[KW_MIN_LENGTH], *max = sn->kw[KW_MAX_LENGTH];
	const char *s = inst->valuestring;
	int n = 0, r;

	if (cJSON_IsNumber(min) || cJSON_IsNumber(max)) {
		size_t len = utf8_length(s);

		if (cJSON_IsNumber(min) && (double)len < min->valuedouble &&
		    tally(&n, report(out, at, "minLength",
				     "must be at least %.0f character%s long (is %zu)",
				     min->valuedouble, min->valuedouble == 1 ? "" : "s", len)) < 0)
			return -1;
		/* Too long: said once, no pattern or format run over it. */
		if (cJSON_IsNumber(max) && (double)len > max->valuedouble)
			return report(out, at, "maxLength", "must be at most %.0f character%s long (is %zu)",
				      max->valuedouble, max->valuedouble == 1 ? "" : "s", len) < 0 ? -1 : n + 1;
	}
	if (sn->pattern) {
		r = pattern_search(c->s, sn->pattern, s);
		if (r < 0)
			return -1;
		if (!r && tally(&n, report(out, at, "pattern", "must match pattern '%s'",
					   sn->kw[KW_PATTERN]->valuestring)) < 0)
			return -1;
	}
	if (tally(&n, check_format(sn, s, at, out)) < 0)
		return -1;
	return n;
}

/* Whether v is a multiple of m, forgiving the rounding of binary fractions
 * (0.0075 / 0.0001 is 75.00000000000001 in doubles). */
static int is_multiple(double v, double m)
{
	double q, tolerance;

	if (!(m > 0))
		return 1; /* not a valid multipleOf: nothing to check */
	if (is_integral(v) && is_integral(m))
		return fmod(v, m) == 0;
	q = v / m;
	if (!isfinite(q))
		return 0;
	if (fabs(q) >= 4503599627370496.0) /* 2^52: every such double is integral */
		return fmod(v, m) == 0;
	tolerance = fmax(1e-9, fabs(q) * 8 * DBL_EPSILON);
	return fabs(q - nearbyint(q)) <= tolerance;
}

static int check_number(const struct snode *sn, const cJSON *inst, const struct path *at,
			struct hrdex_problems *out)
{
	static const struct { int kw; int sense; const char *op; } bounds[] = {
		{ KW_MINIMUM, -1, ">=" }, { KW_MAXIMUM, 1, "<=" },
		{ KW_EXCLUSIVE_MINIMUM, -2, ">" }, { KW_EXCLUSIVE_MAXIMUM, 2, "<" },
	};
	double v = inst->valuedouble;
	char text[40];
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		const cJSON *k = sn->kw[bounds[i].kw];
		double b;
		int bad;

		if (!cJSON_IsNumber(k))
			continue;
		b = k->valuedouble;
		switch (bounds[i].sense) {
		case -1: bad = v < b; break;
		case 1: bad = v > b; break;
		case -2: bad = v <= b; break;
		default: bad = v >= b; break;
		}
		if (!bad)
			continue;
		number_text(text, sizeof(text), b);
		if (tally(&n, report(out, at, keyword_names[bounds[i].kw], "must be %s %s",
				     bounds[i].op, text)) < 0)
			return -1;
	}
	if (cJSON_IsNumber(sn->kw[KW_MULTIPLE_OF]) &&
	    !is_multiple(v, sn->kw[KW_MULTIPLE_OF]->valuedouble)) {
		number_text(text, sizeof(text), sn->kw[KW_MULTIPLE_OF]->valuedouble);
		if (tally(&n, report(out, at, "multipleOf", "must be a multiple of %s", text)) < 0)
			return -1;
	}
	return n;
}

/*
 * After no branch of anyOf/oneOf matched: one problem saying so, then the
 * problems of the branch that came closest, when one came strictly closest
 * (a tie would only guess at what the author meant).
 */
static int report_no_branch(struct vctx *c, const struct snode *sn, const char *keyword,
			    const cJSON *best, const cJSON *inst, const struct path *at,
			    struct hrdex_problems *out)
{
	int r = report(out, at, keyword, "does not match any of the allowed forms"), rb;

	if (r < 0 || !out || !best)
		return r;
	rb = validate(c, best, sn->base, inst, at, out);
	return rb < 0 ? -1 : r + rb;
}

static int check_branches(struct vctx *c, const struct snode *sn, int kw, const cJSON *inst,
			  const struct path *at, struct hrdex_problems *out)
{
	const cJSON *list = sn->kw[kw], *b, *best = NULL;
	int best_r = 0, tied = 0, matched = 0, first = -1, i = 0;

	if (!cJSON_IsArray(list))
		return 0;
	cJSON_ArrayForEach(b, list) {
		int r = validate(c, b, sn->base, inst, at, NULL);

		if (r < 0)
			return -1;
		if (r == 0) {
			if (kw == KW_ANY_OF)
				return 0;
			if (matched++)
				return report(out, at, "oneOf",
					      "matches more than one of the allowed forms (%d and %d)",
					      first, i);
			first = i;
		} else if (!best || r < best_r) {
			best_r = r;
			best = b;
			tied = 0;
		} else if (r == best_r) {
			tied = 1;
		}
		i++;
	}
	if (matched)
		return 0;
	return report_no_branch(c, sn, keyword_names[kw], tied ? NULL : best, inst, at, out);
}

static int check_logic(struct vctx *c, const struct snode *sn, const cJSON *inst,
		       const struct path *at, struct hrdex_problems *out)
{
	const cJSON *k, *b;
	int n = 0, r;

	k = sn->kw[KW_ALL_OF];
	if (cJSON_IsArray(k)) {
		cJSON_ArrayForEach(b, k) {
			if (tally(&n, validate(c, b, sn->base, inst, at, out)) < 0)
				return -1;
		}
	}
	if (tally(&n, check_branches(c, sn, KW_ANY_OF, inst, at, out)) < 0 ||
	    tally(&n, check_branches(c, sn, KW_ONE_OF, inst, at, out)) < 0)
		return -1;
	k = sn->kw[KW_NOT];
	if (k) {
		r = validate(c, k, sn->base, inst, at, NULL);
		if (r < 0)
			return -1;
		if (r == 0 && tally(&n, report(out, at, "not", "must not match the schema in \"not\"")) < 0)
			return -1;
	}
	k = sn->kw[KW_IF];
	if (k && (sn->kw[KW_THEN] || sn->kw[KW_ELSE])) {
		r = validate(c, k, sn->base, inst, at, NULL);
		if (r < 0)
			return -1;
		b = r == 0 ? sn->kw[KW_THEN] : sn->kw[KW_ELSE];
		if (b && tally(&n, validate(c, b, sn->base, inst, at, out)) < 0)
			return -1;
	}
	return n;
}

/*
 * Validate inst (at pointer at) against schema, whose own "$id" resolves
 * against outer.  Returns the number of failures (each recorded in out when
 * out is not NULL), or -1 when validation could not run.
 */
static int validate(struct vctx *c, const cJSON *schema, const struct base *outer,
		    const cJSON *inst, const struct path *at, struct hrdex_problems *out)
{
	const struct snode *sn = NULL;
	int n = 0;

	if (cJSON_IsTrue(schema))
		return 0;
	if (cJSON_IsFalse(schema))
		return report(out, at, "false", "no value is allowed here");
	if (!cJSON_IsObject(schema))
		return hrdex_error_set(HRDEX_EX_DATAERR, "%s: a schema must be an object or a boolean",
				       outer->origin);
	if (c->depth >= SCHEMA_MAX_DEPTH) {
		char *pointer = path_render(at);

		hrdex_error_set(HRDEX_EX_DATAERR,
				"%s: validation nested deeper than %d schemas at '%s' (a $ref loop?)",
				outer->origin, SCHEMA_MAX_DEPTH, pointer ? pointer : "?");
		free(pointer);
		return -1;
	}
	if (snode_get(c->s, schema, outer, &sn) < 0)
		return -1;
	c->depth++;
	if (sn->ref) {
		n = validate(c, sn->ref, sn->ref_outer, inst, at, out);
		goto done;
	}
	if (tally(&n, check_type(sn, inst, at, out)) < 0 ||
	    tally(&n, check_enum(sn, inst, at, out)) < 0 ||
	    tally(&n, check_const(sn, inst, at, out)) < 0)
		goto fail;
	if (cJSON_IsObject(inst) && tally(&n, check_object(c, sn, inst, at, out)) < 0)
		goto fail;
	if (cJSON_IsArray(inst) && tally(&n, check_array(c, sn, inst, at, out)) < 0)
		goto fail;
	if (cJSON_IsString(inst) && tally(&n, check_string(c, sn, inst, at, out)) < 0)
		goto fail;
	if (cJSON_IsNumber(inst) && tally(&n, check_number(sn, inst, at, out)) < 0)
		goto fail;
	if (tally(&n, check_logic(c, sn, inst, at, out)) < 0)
		goto fail;
	goto done;
fail:
	n = -1;
done:
	c->depth--;
	return n;
}

int hrdex_schema_validate(struct hrdex_schemas *s, const char *schema_id, const cJSON *instance,
			  struct hrdex_problems *problems)
{
	const struct resource *res = NULL;
	const struct base *outer;
	const cJSON *node;
	struct vctx c = { s, 0 };
	size_t start = problems->count, saved_cap, saved_over, over;
	int r;

	if (!strchr(schema_id, '#'))
		res = map_get(&s->resources, schema_id, strlen(schema_id));
	if (res) {
		node = res->node;
		outer = res->outer;
	} else if (!map_get(&s->resources, schema_id, strcspn(schema_id, "#"))) {
		return hrdex_error_set(HRDEX_EX_SOFTWARE, "unknown schema '%s'", schema_id);
	} else if (resolve_target(s, schema_id, schema_id, "validate", &node, &outer) < 0) {
		return -1;
	}
	/* At most HRDEX_PROBLEMS_SHOWN problems per document, then how many more. */
	saved_cap = problems->cap;
	saved_over = problems->over;
	problems->cap = start + HRDEX_PROBLEMS_SHOWN;
	problems->over = 0;
	r = validate(&c, node, outer, instance, NULL, problems);
	over = problems->over;
	problems->cap = saved_cap;
	problems->over = saved_over;
	if (r < 0) {
		hrdex_problems_truncate(problems, start);
		return -1;
	}
	if (over && hrdex_problems_add(problems, "", "more", "and %zu more problem%s (only the first %d are listed)",
				       over, over == 1 ? "" : "s", HRDEX_PROBLEMS_SHOWN) < 0)
		return -1;
	return 0;
}
