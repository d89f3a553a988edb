/*
 * upgrade.c - a version-1 document in version-2 terms (see upgrade.h).
 */
#include "upgrade.h"
#include "buf.h"
#include "error.h"
#include "vocab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hrdex_changes_free(struct hrdex_changes *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->count; i++)
		free(c->lines[i]);
	free(c->lines);
	c->lines = NULL;
	c->count = c->alloc = 0;
}

struct up {
	const cJSON *doc;
	cJSON *out;
	struct hrdex_changes *changes;
	const char *lang;  /* of free texts made name maps */
};

static int changes_add(struct hrdex_changes *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int changes_add(struct hrdex_changes *c, const char *fmt, ...)
{
	va_list ap;
	char line[512];
	int n;

	if (!c)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "cannot format a change");
	/* values are cut before they get here; a longer line is cut visibly,
	 * at a character boundary */
	if ((size_t)n >= sizeof(line)) {
		size_t k = sizeof(line) - 4;

		while (k && ((unsigned char)line[k] & 0xC0) == 0x80)
			k--;
		memcpy(line + k, "...", 4);
	}
	if (c->count == c->alloc) {
		size_t alloc = c->alloc ? c->alloc * 2 : 16;
		char **lines = realloc(c->lines, alloc * sizeof(*lines));

		if (!lines)
			return hrdex_error_oom();
		c->lines = lines;
		c->alloc = alloc;
	}
	if (!(c->lines[c->count] = strdup(line)))
		return hrdex_error_oom();
	c->count++;
	return 0;
}

/* A value as a change line shows it: a string raw, cut to 80 bytes at a
 * character boundary; a number as JSON; anything else as nothing. */
static const char *show(char *buf, size_t size, const cJSON *v)
{
	size_t n;

	if (cJSON_IsString(v)) {
		n = strlen(v->valuestring);
		if (n < size && n <= 80)
			return v->valuestring;
		n = size - 4 < 80 ? size - 4 : 80;
		while (n && ((unsigned char)v->valuestring[n] & 0xC0) == 0x80)
			n--;
		memcpy(buf, v->valuestring, n);
		memcpy(buf + n, "...", 4);
		return buf;
	}
	if (cJSON_IsNumber(v)) {
		snprintf(buf, size, "%.17g", v->valuedouble); /* fits: size >= 32 */
		return buf;
	}
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	return "";
}

static int add_copy(cJSON *to, const char *name, const cJSON *v)
{
	cJSON *c = cJSON_Duplicate(v, 1);

	if (!c || !cJSON_AddItemToObject(to, name, c)) {
		cJSON_Delete(c);
		return hrdex_error_oom();
	}
	return 0;
}

/* The array member name of obj, made when absent. */
static cJSON *array_of(cJSON *obj, const char *name)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (cJSON_IsArray(a))
		return a;
	if (a)
		return NULL; /* cannot happen: only this file adds these */
	return cJSON_AddArrayToObject(obj, name);
}

static int push(cJSON *array, cJSON *item)
{
	if (!item || !array || !cJSON_AddItemToArray(array, item)) {
		cJSON_Delete(item);
		return hrdex_error_oom();
	}
	return 0;
}

/* {LANG: text} */
static cJSON *namemap(const struct up *u, const char *text)
{
	cJSON *m = cJSON_CreateObject();

	if (!m || !cJSON_AddStringToObject(m, u->lang, text)) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

/* The id of the entry of list 'bodies' that text names, or NULL. */
static const char *body_entry(const char *text)
{
	return hrdex_vocab_find("bodies", text);
}

/*
 * Move the text v (at the v1 path from) into a party appended to array
 * name: {"kind": "body", "body": ID} when it names a listed body, else
 * {"kind": unlisted_kind, "name": {LANG: text}}.
 */
static int to_party(struct up *u, const char *from, const cJSON *v, const char *name,
		    const char *unlisted_kind)
{
	cJSON *a = array_of(u->out, name), *p;
	char buf[96];
	const char *id;
	int index;

	if (!a)
		return hrdex_error_oom();
	if (!cJSON_IsString(v))
		return push(a, cJSON_Duplicate(v, 1));
	index = cJSON_GetArraySize(a);
	id = body_entry(v->valuestring);
	if (!(p = cJSON_CreateObject()))
		return hrdex_error_oom();
	if (id) {
		if (!cJSON_AddStringToObject(p, "kind", "body") || !cJSON_AddStringToObject(p, "body", id))
			goto oom;
	} else if (!cJSON_AddStringToObject(p, "kind", unlisted_kind) ||
		   !cJSON_AddItemToObject(p, "name", namemap(u, v->valuestring))) {
		goto oom;
	}
	if (push(a, p) < 0)
		return -1;
	if (id)
		return changes_add(u->changes, "%s %s -> '%s'[%d].body %s", from, show(buf, sizeof(buf), v), name,
				   index, id);
	return changes_add(u->changes, "%s %s -> '%s'[%d].name.%s", from, show(buf, sizeof(buf), v), name,
			   index, u->lang);
oom:
	cJSON_Delete(p);
	return hrdex_error_oom();
}

/* A text at v1 path from becomes a name map at path to in obj (name). */
static int to_namemap(struct up *u, cJSON *obj, const char *name, const char *from, const char *to,
		      const cJSON *v)
{
	char buf[96];
	cJSON *m;

	if (!cJSON_IsString(v))
		return add_copy(obj, name, v);
	if (!(m = namemap(u, v->valuestring)) || !cJSON_AddItemToObject(obj, name, m)) {
		cJSON_Delete(m);
		return hrdex_error_oom();
	}
	return changes_add(u->changes, "%s %s -> %s.%s", from, show(buf, sizeof(buf), v), to, u->lang);
}

/* A value at v1 name becomes the single item of array to. */
static int to_single(struct up *u, const char *name, const char *to, const char *suffix, const cJSON *v)
{
	cJSON *a = array_of(u->out, to);
	char buf[96];

	if (push(a, cJSON_Duplicate(v, 1)) < 0)
		return -1;
	return changes_add(u->changes, "'%s' %s -> '%s'[%d]%s", name, show(buf, sizeof(buf), v), to,
			   cJSON_GetArraySize(a) - 1, suffix);
}

/* themes[] or groups[]: each listed value stays, others go to keywords. */
static int listed_or_keyword(struct up *u, const char *name, const char *list, const cJSON *v)
{
	const cJSON *item;
	char buf[96];
	int i = 0;

	if (!cJSON_IsArray(v))
		return add_copy(u->out, name, v);
	cJSON_ArrayForEach(item, v) {
		int keep = !cJSON_IsString(item) || hrdex_vocab_has(list, item->valuestring);
		cJSON *a = array_of(u->out, keep ? name : "keywords");

		if (!a || push(a, cJSON_Duplicate(item, 1)) < 0)
			return hrdex_error_oom();
		if (!keep && changes_add(u->changes, "'%s'[%d] %s -> 'keywords'[%d]", name, i,
					 show(buf, sizeof(buf), item), cJSON_GetArraySize(a) - 1) < 0)
			return -1;
		i++;
	}
	return 0;
}

static int up_place(struct up *u, const cJSON *v)
{
	cJSON *place;
	const cJSON *m;

	if (!cJSON_IsObject(v))
		return add_copy(u->out, "place", v);
	if (!(place = cJSON_AddObjectToObject(u->out, "place")))
		return hrdex_error_oom();
	cJSON_ArrayForEach(m, v) {
		int r;

		if (!strcmp(m->string, "name") || !strcmp(m->string, "city")) {
			char from[32], to[32];

			snprintf(from, sizeof(from), "'place'.%s", m->string); /* fits: short names */
			snprintf(to, sizeof(to), "'place'.%s", m->string);     /* fits: short names */
			r = to_namemap(u, place, m->string, from, to, m);
		} else {
			r = add_copy(place, m->string, m);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

static int up_organisers(struct up *u, const cJSON *v)
{
	const cJSON *item;
	char from[48];
	int i = 0;

	if (!cJSON_IsArray(v))
		return add_copy(u->out, "organisers", v);
	if (!array_of(u->out, "organisers"))
		return hrdex_error_oom();
	cJSON_ArrayForEach(item, v) {
		snprintf(from, sizeof(from), "'organisers'[%d]", i++); /* fits: an int */
		if (to_party(u, from, item, "organisers", "other") < 0)
			return -1;
	}
	return 0;
}

static int up_visit_dates(struct up *u, const cJSON *v)
{
	static const char *const map[][2] = { { "start", "start" }, { "end", "end" },
					      { "from", "start" }, { "to", "end" } };
	const cJSON *m;
	char buf[96];
	size_t i;

	if (!cJSON_IsObject(v))
		return add_copy(u->out, "dates", v);
	cJSON_ArrayForEach(m, v) {
		const char *to = NULL;

		for (i = 0; i < sizeof(map) / sizeof(map[0]) && !to; i++)
			if (!strcmp(m->string, map[i][0]))
				to = map[i][1];
		/* an unknown member (no valid document has one) stays where it
		 * was, for the version-2 check to name */
		if (!to || cJSON_GetObjectItemCaseSensitive(u->out, to)) {
			cJSON *d = cJSON_GetObjectItemCaseSensitive(u->out, "dates");

			if (!d && !(d = cJSON_AddObjectToObject(u->out, "dates")))
				return hrdex_error_oom();
			if (add_copy(d, m->string, m) < 0)
				return -1;
			continue;
		}
		if (add_copy(u->out, to, m) < 0 ||
		    changes_add(u->changes, "'dates'.%s %s -> '%s'", m->string, show(buf, sizeof(buf), m),
				to) < 0)
			return -1;
	}
	return 0;
}

static int up_programme(struct up *u, const cJSON *v)
{
	const cJSON *item, *m;
	cJSON *list;
	char buf[96], from[64], to[64];
	int i = 0;

	if (!cJSON_IsArray(v))
		return add_copy(u->out, "programme", v);
	if (!(list = cJSON_AddArrayToObject(u->out, "programme")))
		return hrdex_error_oom();
	cJSON_ArrayForEach(item, v) {
		cJSON *o;

		if (!cJSON_IsObject(item)) {
			if (push(list, cJSON_Duplicate(item, 1)) < 0)
				return -1;
			i++;
			continue;
		}
		if (!(o = cJSON_CreateObject()) || push(list, o) < 0)
			return hrdex_error_oom();
		cJSON_ArrayForEach(m, item) {
			int r;

			if (!strcmp(m->string, "date") && !cJSON_GetObjectItemCaseSensitive(item, "start")) {
				r = add_copy(o, "start", m);
				if (!r)
					r = changes_add(u->changes, "'programme'[%d].date %s -> 'programme'[%d].start",
							i, show(buf, sizeof(buf), m), i);
			} else if (!strcmp(m->string, "place")) {
				snprintf(from, sizeof(from), "'programme'[%d].place", i); /* fits: an int */
				snprintf(to, sizeof(to), "'programme'[%d].place", i);     /* fits: an int */
				r = to_namemap(u, o, "place", from, to, m);
			} else {
				r = add_copy(o, m->string, m);
			}
			if (r < 0)
				return -1;
		}
		i++;
	}
	return 0;
}

static int up_mechanisms(struct up *u, const cJSON *v)
{
	const cJSON *item;
	char from[48];
	int i = 0;

	if (!cJSON_IsArray(v))
		return add_copy(u->out, "mechanisms", v);
	cJSON_ArrayForEach(item, v) {
		snprintf(from, sizeof(from), "'mechanisms'[%d]", i++); /* fits: an int */
		if (to_party(u, from, item, "authors", "body") < 0)
			return -1;
	}
	return 0;
}

/* recommendation.mechanism: the listed body, else an author by name. */
static int up_mechanism(struct up *u, const cJSON *v)
{
	const char *id = cJSON_IsString(v) ? body_entry(v->valuestring) : NULL;
	char buf[96];

	if (!id)
		return to_party(u, "'mechanism'", v, "authors", "body");
	if (!cJSON_AddStringToObject(u->out, "body", id))
		return hrdex_error_oom();
	return changes_add(u->changes, "'mechanism' %s -> 'body' %s", show(buf, sizeof(buf), v), id);
}

static int up_addressee(struct up *u, const cJSON *v)
{
	cJSON *a = array_of(u->out, "addressees"), *p = cJSON_CreateObject();
	char buf[96];

	if (!p || !cJSON_AddStringToObject(p, "kind", "state") || !cJSON_AddItemToObject(p, "country", cJSON_Duplicate(v, 1))) {
		cJSON_Delete(p);
		return hrdex_error_oom();
	}
	if (push(a, p) < 0)
		return -1;
	return changes_add(u->changes, "'addressee' %s -> 'addressees'[%d].country", show(buf, sizeof(buf), v),
			   cJSON_GetArraySize(a) - 1);
}

static int renamed(struct up *u, const char *name, const char *to, const cJSON *v)
{
	char buf[96];

	if (add_copy(u->out, to, v) < 0)
		return -1;
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return changes_add(u->changes, "'%s' -> '%s'", name, to);
	return changes_add(u->changes, "'%s' %s -> '%s'", name, show(buf, sizeof(buf), v), to);
}

/* One version-1 member: its version-2 home by type. */
static int up_member(struct up *u, const char *type, const cJSON *v)
{
	const char *n = v->string;
	char from[48];

	if (!strcmp(n, "themes"))
		return listed_or_keyword(u, n, "themes", v);
	if (!strcmp(n, "groups"))
		return listed_or_keyword(u, n, "groups", v);
	if (!strcmp(n, "sdg_targets"))
		return renamed(u, n, "sdgs", v);
	snprintf(from, sizeof(from), "'%s'", n); /* fits: only the names below use it */
	if (!strcmp(type, "decision")) {
		if (!strcmp(n, "body"))
			return to_party(u, from, v, "authors", "body");
		if (!strcmp(n, "case"))
			return to_namemap(u, u->out, "case_name", from, "'case_name'", v);
		if (!strcmp(n, "session"))
			return to_namemap(u, u->out, "session", from, "'session'", v);
		if (!strcmp(n, "outcome"))
			return to_single(u, n, "outcomes", "", v);
	} else if (!strcmp(type, "recommendation")) {
		if (!strcmp(n, "mechanism"))
			return up_mechanism(u, v);
		if (!strcmp(n, "addressee"))
			return up_addressee(u, v);
	} else if (!strcmp(type, "report")) {
		if (!strcmp(n, "body"))
			return to_party(u, from, v, "authors", "body");
		if (!strcmp(n, "symbol"))
			return to_single(u, n, "symbols", "", v);
		if (!strcmp(n, "session"))
			return to_namemap(u, u->out, "session", from, "'session'", v);
	} else if (!strcmp(type, "event")) {
		if (!strcmp(n, "place"))
			return up_place(u, v);
		if (!strcmp(n, "organisers"))
			return up_organisers(u, v);
	} else if (!strcmp(type, "visit")) {
		if (!strcmp(n, "country"))
			return to_single(u, n, "visited", "", v);
		if (!strcmp(n, "mandate"))
			return to_party(u, from, v, "authors", "body");
		if (!strcmp(n, "dates"))
			return up_visit_dates(u, v);
		if (!strcmp(n, "programme"))
			return up_programme(u, v);
	} else if (!strcmp(type, "practice")) {
		if (!strcmp(n, "mechanisms"))
			return up_mechanisms(u, v);
		if (!strcmp(n, "area"))
			return to_namemap(u, u->out, "area", from, "'area'", v);
	}
	return add_copy(u->out, n, v);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

int hrdex_doc_upgrade(cJSON **out, const cJSON *doc, struct hrdex_changes *changes)
{
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(doc, "title"), *m;
	const cJSON **members = NULL;
	struct up u = { doc, NULL, changes, "und" };
	size_t n = 0, i;

	*out = NULL;
	if (!cJSON_IsObject(doc))
		return hrdex_error_set(HRDEX_E_INVALID, "a document is a JSON object");
	if (schema && (!cJSON_IsNumber(schema) || schema->valuedouble < 1 || schema->valuedouble > 1e9 ||
		       schema->valuedouble != (double)(long)schema->valuedouble))
		return hrdex_error_set(HRDEX_E_INVALID, "'schema' is not a positive integer");
	if (schema && schema->valuedouble >= 2) {
		if (!(*out = cJSON_Duplicate(doc, 1)))
			return hrdex_error_oom();
		return 0;
	}
	if (cJSON_IsObject(title) && title->child && !title->child->next && title->child->string)
		u.lang = title->child->string;
	cJSON_ArrayForEach(m, doc)
		n++;
	members = calloc(n + 1, sizeof(*members));
	if (!members || !(u.out = cJSON_CreateObject()))
		goto oom;
	n = 0;
	cJSON_ArrayForEach(m, doc)
		if (strcmp(m->string, "schema"))
			members[n++] = m;
	qsort(members, n, sizeof(*members), cmp_names);
	if (!cJSON_AddNumberToObject(u.out, "schema", 2))
		goto oom;
	if ((schema ? changes_add(changes, "'schema' 1 -> 2") : changes_add(changes, "added 'schema' 2")) < 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (up_member(&u, cJSON_IsString(type) ? type->valuestring : "", members[i]) < 0)
			goto fail;
	free(members);
	*out = u.out;
	return 0;
oom:
	hrdex_error_oom();
fail:
	free(members);
	cJSON_Delete(u.out);
	return -1;
}
