/*
 * regext.c - what the registry adds to the built-in rules (see regext.h).
 */
#include "regext.h"
#include "buf.h"
#include "doc.h"
#include "error.h"
#include "json.h"
#include "schema.h"
#include "schema_node.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct snapshot {
	struct snapshot *prev;     /* every snapshot stays reachable (and valid) */
	cJSON *record;
	char registry[40];
	char *text;                /* canonical record, "" when none */
	struct hrdex_regext_type types[HRDEX_REGEXT_TYPES_MAX];
	size_t ntypes;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;

static const struct snapshot *snap(void)
{
	const struct snapshot *s;

	pthread_mutex_lock(&lock);
	s = current;
	pthread_mutex_unlock(&lock);
	return s;
}

static const char *str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* map["en"], else its first string, else fallback. */
static const char *english(const cJSON *map, const char *fallback)
{
	const cJSON *e;

	if (str(map, "en") && str(map, "en")[0])
		return str(map, "en");
	if (!cJSON_IsObject(map))
		return fallback;
	cJSON_ArrayForEach(e, map)
		if (cJSON_IsString(e) && e->valuestring[0])
			return e->valuestring;
	return fallback;
}

/* A registry type's row from its schema document; 0 when the document's shape allows one. */
static int type_from(struct hrdex_regext_type *t, const cJSON *doc)
{
	const char *name = str(doc, "name");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");

	if (!name || !*name || strlen(name) > HRDEX_TYPE_MAX || !cJSON_IsNumber(version) ||
	    version->valuedouble < 2 || version->valuedouble > HRDEX_SCHEMA_NEWEST ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "definition")))
		return -1;
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->version = version->valueint;
	if (hrdex_fmt(t->id, sizeof(t->id), "%s%d/%s.json", HRDEX_SCHEMA_ROOT, t->version, name) < 0)
		return -1;
	hrdex_fmt_cut(t->label, sizeof(t->label), "%s", english(cJSON_GetObjectItemCaseSensitive(doc, "label"), name));
	hrdex_fmt_cut(t->plural, sizeof(t->plural), "%s",
		      english(cJSON_GetObjectItemCaseSensitive(doc, "plural"), t->label));
	t->doc = doc;
	t->row.name = t->name;
	t->row.since = t->version;
	t->row.schema[t->version - 1] = t->id;
	t->row.label = t->label;
	t->row.plural = t->plural;
	t->row.countries[0] = "countries";
	return 0;
}

static const struct hrdex_regext_type *find_type(const struct snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; s && name && i < s->ntypes; i++)
		if (!strcmp(s->types[i].name, name))
			return &s->types[i];
	return NULL;
}

int hrdex_regext_install(const cJSON *record)
{
	struct snapshot *s = calloc(1, sizeof(*s)), *old;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	const cJSON *doc;
	const char *registry = str(record, "registry");
	size_t i;

	if (!s)
		return hrdex_error_oom();
	if (registry && *registry) {
		s->record = cJSON_Duplicate(record, 1);
		if (!s->record || hrdex_json_canonical(&text, s->record) < 0) {
			cJSON_Delete(s->record);
			free(s);
			hrdex_buf_free(&text);
			return hrdex_error_oom();
		}
		s->text = hrdex_buf_detach(&text);
		snprintf(s->registry, sizeof(s->registry), "%s", registry);
	}
	pthread_mutex_lock(&lock);
	old = current;
	/* Types keep their index: those of the old record first, in order. */
	for (i = 0; old && i < old->ntypes; i++)
		s->types[s->ntypes++] = old->types[i];
	cJSON_ArrayForEach(doc, cJSON_GetObjectItemCaseSensitive(s->record, "schemas")) {
		struct hrdex_regext_type t, *have;

		if (type_from(&t, doc) < 0)
			continue;
		have = (struct hrdex_regext_type *)find_type(s, t.name);
		if (have) {
			/* the same type, now pointing into this record */
			*have = t;
			have->row.name = have->name;
			have->row.schema[have->version - 1] = have->id;
			have->row.label = have->label;
			have->row.plural = have->plural;
			continue;
		}
		if (s->ntypes < HRDEX_REGEXT_TYPES_MAX) {
			s->types[s->ntypes] = t;
			have = &s->types[s->ntypes++];
			have->row.name = have->name;
			have->row.schema[have->version - 1] = have->id;
			have->row.label = have->label;
			have->row.plural = have->plural;
		}
	}
	s->prev = old;
	current = s;
	pthread_mutex_unlock(&lock);
	return 0;
}

cJSON *hrdex_regext_record(void)
{
	const struct snapshot *s = snap();
	cJSON *r = s && s->record ? cJSON_Duplicate(s->record, 1) : cJSON_CreateObject();

	if (!r)
		hrdex_error_oom();
	return r;
}

const char *hrdex_regext_registry(void)
{
	const struct snapshot *s = snap();

	return s ? s->registry : "";
}

const char *hrdex_regext_text(void)
{
	const struct snapshot *s = snap();

	return s && s->text ? s->text : "";
}

size_t hrdex_regext_ntypes(void)
{
	const struct snapshot *s = snap();

	return s ? s->ntypes : 0;
}

const struct hrdex_regext_type *hrdex_regext_type_at(size_t i)
{
	const struct snapshot *s = snap();

	return s && i < s->ntypes ? &s->types[i] : NULL;
}

const struct hrdex_regext_type *hrdex_regext_type_get(const char *name)
{
	return find_type(snap(), name);
}

static const cJSON *find_list(const char *list)
{
	const struct snapshot *s = snap();
	const cJSON *v;

	if (!s || !s->record || !list)
		return NULL;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(s->record, "vocabularies"))
		if (str(v, "id") && !strcmp(str(v, "id"), list))
			return v;
	return NULL;
}

const cJSON *hrdex_regext_entries(const char *list)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(find_list(list), "entries");

	return cJSON_IsArray(e) ? e : NULL;
}

const cJSON *hrdex_regext_list_title(const char *list)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(find_list(list), "title");

	return cJSON_IsObject(t) && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(find_list(list), "new")) ? t : NULL;
}

/* The schema a registry type's documents are checked against: its
 * version's envelope, "type" fixed to its name, and its definition. */
static cJSON *wrap(const char *id, const char *name, int version, const cJSON *definition)
{
	cJSON *w = cJSON_CreateObject(), *all, *fixed, *props, *def;

	if (!w)
		return NULL;
	def = cJSON_Duplicate(definition, 1);
	all = cJSON_AddArrayToObject(w, "allOf");
	fixed = cJSON_CreateObject();
	props = fixed ? cJSON_AddObjectToObject(fixed, "properties") : NULL;
	if (!def || !all || !fixed || !props || !cJSON_AddStringToObject(w, "$id", id)) {
		cJSON_Delete(def);
		cJSON_Delete(fixed);
		cJSON_Delete(w);
		return NULL;
	}
	cJSON_AddItemToArray(all, cJSON_CreateObject());
	cJSON_AddStringToObject(all->child, "$ref", "envelope.json");
	cJSON_AddItemToArray(all, fixed);
	cJSON_AddItemToArray(all, def);
	if (!cJSON_AddStringToObject(cJSON_AddObjectToObject(props, "type"), "const", name) ||
	    !cJSON_AddNumberToObject(cJSON_AddObjectToObject(props, "schema"), "const", version)) {
		cJSON_Delete(w);
		return NULL;
	}
	return w;
}

static int add_type(struct hrdex_schemas *schemas, const char *id, const char *name, int version,
		    const cJSON *definition)
{
	cJSON *w = wrap(id, name, version, definition);
	char origin[HRDEX_TYPE_MAX + 48];

	if (!w)
		return hrdex_error_oom();
	hrdex_fmt_cut(origin, sizeof(origin), "the registry's schema '%d-%s'", version, name);
	return hrdex_schemas_add(schemas, w, id, origin);
}

int hrdex_regext_add_schemas(struct hrdex_schemas *schemas)
{
	const struct snapshot *s = snap();
	size_t i;

	for (i = 0; s && i < s->ntypes; i++) {
		const struct hrdex_regext_type *t = &s->types[i];
		const struct base *outer;
		const cJSON *node;

		if (hrdex_schemas_find(schemas, t->id, &node, &outer) == 0)
			continue; /* added before: a registry grows in place */
		hrdex_error_clear();
		if (add_type(schemas, t->id, t->name, t->version,
			     cJSON_GetObjectItemCaseSensitive(t->doc, "definition")) < 0)
			return -1;
	}
	return 0;
}

/* A type name no schema document may define: built in, or reserved for the
 * network's own documents (rows other branches add). */
static int reserved_type(const char *name, int version)
{
	static const char *const reserved[] = { "key", "member", "schema", "vocabulary", NULL };
	const struct hrdex_doctype *t;
	int i;

	for (i = 0; reserved[i]; i++)
		if (!strcmp(name, reserved[i]))
			return 1;
	for (i = 0; i < HRDEX_NTYPES; i++) {
		t = &hrdex_doctypes[i];
		if (!strcmp(t->name, name))
			return version >= t->since;
	}
	return 0;
}

/* The definition of a schema document compiles whole, alone with the
 * shipped schemas; else one problem saying why. */
static int check_definition(const char *id, const char *name, int version, const cJSON *definition,
			    struct hrdex_problems *problems)
{
	struct hrdex_schemas *scratch = NULL;
	int r = -1;

	if (cJSON_GetObjectItemCaseSensitive(definition, "$id"))
		return hrdex_problems_add(problems, "/definition/$id", "definition",
					  "a definition has no \"$id\" (its id is '%s')", id);
	if (hrdex_schemas_new(&scratch) < 0 || hrdex_schemas_add_shipped(scratch) < 0)
		goto cleanup;
	if (add_type(scratch, id, name, version, definition) < 0 || hrdex_schemas_compile(scratch, id) < 0) {
		r = hrdex_problems_add(problems, "/definition", "definition", "not a valid schema: %s",
				       hrdex_error_message());
		goto cleanup;
	}
	r = 0;
cleanup:
	hrdex_schemas_free(scratch);
	return r;
}

static int check_schema_doc(const cJSON *doc, struct hrdex_problems *problems)
{
	const char *name = str(doc, "name"), *id = str(doc, "id");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "version"), *definition;
	const struct hrdex_regext_type *have;
	char want[HRDEX_TYPE_MAX + 16], sid[96];
	int version;

	if (!name || !cJSON_IsNumber(v) || !id)
		return 0; /* the schema has said so */
	version = v->valueint;
	if (hrdex_fmt(want, sizeof(want), "%d-%.14s", version, name) < 0)
		return -1;
	if (strcmp(id, want))
		return hrdex_problems_add(problems, "/id", "schema-document",
					  "is '%s': a schema document's id is its version and name, '%s'", id, want);
	if (version > hrdex_schema_known_newest())
		return hrdex_problems_add(problems, "/version", "schema-document",
					  "schema version %d is not known to this agent", version);
	if (reserved_type(name, version))
		return hrdex_problems_add(problems, "/name", "schema-document",
					  "'%s' would change type '%s' of schema version %d, which is built in: "
					  "a schema document only adds types", want, name, version);
	definition = cJSON_GetObjectItemCaseSensitive(doc, "definition");
	have = hrdex_regext_type_get(name);
	if (have && (have->version != version ||
		     !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(have->doc, "definition"), definition, 1)))
		return hrdex_problems_add(problems, "/definition", "schema-document",
					  "'%s' would change type '%s' of schema version %d, which the registry "
					  "defined before: a schema document only adds types", want, name, have->version);
	if (hrdex_fmt(sid, sizeof(sid), "%s%d/%s.json", HRDEX_SCHEMA_ROOT, version, name) < 0)
		return -1;
	return check_definition(sid, name, version, definition, problems);
}

static int check_vocabulary_doc(const cJSON *doc, struct hrdex_problems *problems)
{
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(doc, "entries"), *e, *f;
	const char *id = str(doc, "id");
	size_t i = 0, n;
	char c;

	if (!id)
		return 0;
	for (n = 0; (c = id[n]); n++)
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && n && id[n + 1] != '-')))
			break;
	if (id[n] || !n || n > 64 || id[n - 1] == '-')
		return hrdex_problems_add(problems, "/id", "vocabulary-document",
					  "'%s' is not a list name (a lowercase slug such as 'themes')", id);
	if (!cJSON_IsArray(entries))
		return 0;
	cJSON_ArrayForEach(e, entries) {
		const char *eid = str(e, "id");

		for (f = entries->child; eid && f != e; f = f->next) {
			if (str(f, "id") && !strcmp(str(f, "id"), eid)) {
				char pointer[48];

				hrdex_fmt_cut(pointer, sizeof(pointer), "/entries/%zu/id", i);
				return hrdex_problems_add(problems, pointer, "vocabulary-document",
							  "'%s' is listed twice", eid);
			}
		}
		i++;
	}
	return 0;
}

int hrdex_regext_check(const cJSON *doc, struct hrdex_problems *problems)
{
	const char *type = str(doc, "type");

	if (!type)
		return 0;
	if (!strcmp(type, "schema"))
		return check_schema_doc(doc, problems);
	if (!strcmp(type, "vocabulary"))
		return check_vocabulary_doc(doc, problems);
	return 0;
}
