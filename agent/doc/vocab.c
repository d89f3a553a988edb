/*
 * vocab.c - the controlled lists (see vocab.h): the files schemas/lists/NAME.json
 * embedded by tools/embed.sh as hrdex_builtin_lists, parsed once on first use.
 *
 * The one check of a list's form (list_problem) serves both the loader, which
 * leaves out a list that fails it rather than answer from a half-read one,
 * and hrdex_vocab_check, which the unit tests run so that a malformed list
 * never ships.
 */
#include "vocab.h"
#include "builtin.h"
#include "buf.h"
#include "error.h"
#include "regext.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <utf8proc.h>

/* The six official languages of the United Nations: every title and label has each. */
static const char *const un_languages[] = { "ar", "en", "es", "fr", "ru", "zh" };
#define N_LANGUAGES (sizeof(un_languages) / sizeof(un_languages[0]))

/* What a body of the list "bodies" is, and where it works (the envelope's regions). */
static const char *const body_kinds[] = { "charter-body", "office", "treaty-body",
	"special-procedure", "commission", "court", "committee", "organisation", "network" };
static const char *const body_regions[] = { "africa", "americas", "arab-states", "asia-pacific",
	"europe", "global" };

#define ID_MAX 64 /* as the envelope's slug */

struct vlist {
	char name[ID_MAX + 1];   /* "groups", from the file name */
	cJSON *root;
	const cJSON *title;      /* language map */
	const cJSON *entries;    /* array of { id, labels, ... } */
};

static struct vlist *lists;
static size_t nlists;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static int in_set(const char *s, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(s, set[i]) == 0)
			return 1;
	}
	return 0;
}

/* A lowercase slug: ASCII letters and digits in words joined by single '-'. */
static int is_slug(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > ID_MAX || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '-' ? s[i + 1] == '-' : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static const char *nonempty(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* The first of the six languages map lacks (or has empty), NULL when none. */
static const char *missing_language(const cJSON *map)
{
	size_t i;

	if (!cJSON_IsObject(map))
		return "en";
	for (i = 0; i < N_LANGUAGES; i++) {
		if (!nonempty(map, un_languages[i]))
			return un_languages[i];
	}
	return NULL;
}

/* Set why (cut to size, marked: a message, so a cut is fine); returns -1. */
static int why_set(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(why, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		hrdex_fmt_cut(why + size - 4, 4, "...");
	return -1;
}

/* Why list root (from file NAME.json, name given without ".json") is not a
 * sound list, in why; 0 when it is. */
static int list_problem(const char *name, const cJSON *root, char *why, size_t size)
{
	const cJSON *entries, *e, *f;
	const char *id, *lang;
	int is_bodies = strcmp(name, "bodies") == 0, i = 0;

	if (!cJSON_IsObject(root))
		return why_set(why, size, "not a JSON object");
	id = nonempty(root, "id");
	if (!id || strcmp(id, name) != 0)
		return why_set(why, size, "\"id\" must be '%s', the file's name", name);
	if (!is_slug(name))
		return why_set(why, size, "the list name '%s' is not a lowercase slug", name);
	if ((lang = missing_language(cJSON_GetObjectItemCaseSensitive(root, "title"))))
		return why_set(why, size, "/title: no '%s' title", lang);
	if (!nonempty(root, "source"))
		return why_set(why, size, "/source: missing (where the list comes from)");
	entries = cJSON_GetObjectItemCaseSensitive(root, "entries");
	if (!cJSON_IsArray(entries) || !entries->child)
		return why_set(why, size, "/entries: must be a non-empty array");
	cJSON_ArrayForEach(e, entries) {
		id = nonempty(e, "id");
		if (!id || !is_slug(id))
			return why_set(why, size, "/entries/%d/id: '%s' is not a lowercase slug", i,
					id ? id : "");
		for (f = entries->child; f != e; f = f->next) {
			if (strcmp(cJSON_GetObjectItemCaseSensitive(f, "id")->valuestring, id) == 0)
				return why_set(why, size, "/entries/%d/id: '%s' is listed twice", i, id);
		}
		if ((lang = missing_language(cJSON_GetObjectItemCaseSensitive(e, "labels"))))
			return why_set(why, size, "/entries/%d/labels: no '%s' label for '%s'", i, lang,
					id);
		if (is_bodies) {
			const char *kind = nonempty(e, "kind"), *region = nonempty(e, "region");

			if (!kind || !in_set(kind, body_kinds, sizeof(body_kinds) / sizeof(body_kinds[0])))
				return why_set(why, size, "/entries/%d/kind: '%s' is not a kind of body",
						i, kind ? kind : "");
			if (!region || !in_set(region, body_regions,
					       sizeof(body_regions) / sizeof(body_regions[0])))
				return why_set(why, size, "/entries/%d/region: '%s' is not a region", i,
						region ? region : "");
		}
		i++;
	}
	return 0;
}

/* The list name of a built-in file ("groups.json" -> "groups"), or 0 when the
 * file name is not NAME.json with a short enough NAME. */
static int file_list_name(const struct hrdex_builtin_file *f, char name[ID_MAX + 1])
{
	size_t len = strlen(f->name);

	if (len <= 5 || len - 5 > ID_MAX || strcmp(f->name + len - 5, ".json") != 0)
		return 0;
	memcpy(name, f->name, len - 5);
	name[len - 5] = '\0';
	return 1;
}

static cJSON *file_parse(const struct hrdex_builtin_file *f)
{
	return cJSON_ParseWithLengthOpts((const char *)f->data, f->len + 1, NULL, 1);
}

static void load(void)
{
	const struct hrdex_builtin_file *f;
	size_t n = 0;

	for (f = hrdex_builtin_lists; f->name; f++)
		n++;
	lists = calloc(n ? n : 1, sizeof(*lists));
	if (!lists)
		return; /* out of memory: no lists, so every value is "not in the list" */
	for (f = hrdex_builtin_lists; f->name; f++) {
		struct vlist *l = &lists[nlists];
		char why[256];

		if (!file_list_name(f, l->name))
			continue;
		l->root = file_parse(f);
		if (!l->root || list_problem(l->name, l->root, why, sizeof(why)) < 0) {
			cJSON_Delete(l->root);
			l->root = NULL;
			continue;
		}
		l->title = cJSON_GetObjectItemCaseSensitive(l->root, "title");
		l->entries = cJSON_GetObjectItemCaseSensitive(l->root, "entries");
		nlists++;
	}
}

static const struct vlist *find_list(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	pthread_once(&loaded, load);
	for (i = 0; i < nlists; i++) {
		if (strcmp(lists[i].name, name) == 0)
			return &lists[i];
	}
	return NULL;
}

static const cJSON *entry_in(const cJSON *entries, const char *id)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, entries) {
		const cJSON *eid = cJSON_GetObjectItemCaseSensitive(e, "id");

		if (cJSON_IsString(eid) && strcmp(eid->valuestring, id) == 0)
			return e;
	}
	return NULL;
}

/* Entry id of list: a built-in one, else one the registry added (regext.h). */
static const cJSON *find_entry(const char *list, const char *id)
{
	const struct vlist *l = find_list(list);
	const cJSON *e = l && id ? entry_in(l->entries, id) : NULL;

	return e || !id ? e : entry_in(hrdex_regext_entries(list), id);
}

/* map[lang], else map[the primary subtag of lang] ("fr-CA" -> "fr"), else map["en"]. */
static const char *in_language(const cJSON *map, const char *lang)
{
	const char *s = NULL;

	if (lang) {
		size_t primary = strcspn(lang, "-_");
		char tag[16];

		s = nonempty(map, lang);
		if (!s && lang[primary] && primary < sizeof(tag)) {
			memcpy(tag, lang, primary);
			tag[primary] = '\0';
			s = nonempty(map, tag);
		}
	}
	return s ? s : nonempty(map, "en");
}

const char *hrdex_vocab_label(const char *list, const char *id, const char *lang)
{
	const cJSON *e = find_entry(list, id);

	return e ? in_language(cJSON_GetObjectItemCaseSensitive(e, "labels"), lang) : NULL;
}

int hrdex_vocab_has(const char *list, const char *id)
{
	return find_entry(list, id) != NULL;
}

const char *hrdex_vocab_title(const char *list, const char *lang)
{
	const struct vlist *l = find_list(list);
	const cJSON *title = l ? l->title : hrdex_regext_list_title(list);

	return title ? in_language(title, lang) : NULL;
}

/* Values longer than this have no near entry (ids are at most ID_MAX bytes). */
#define NEAR_MAX (2 * ID_MAX)

/* Edit distance over bytes (ids are ASCII): insertions, deletions,
 * substitutions and swaps of two neighbours ("acphr" for "achpr") cost 1 (the
 * optimal string alignment distance); both at most NEAR_MAX long. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t rows[3][NEAR_MAX + 1], *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t, i, j;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

int hrdex_vocab_nearest(const char *list, const char *value, const char *out[], int n)
{
	const struct vlist *l = find_list(list);
	size_t dist[HRDEX_VOCAB_NEAREST_MAX], lv, d;
	const cJSON *e, *added = hrdex_regext_entries(list), *sets[2];
	int count = 0, k, set;

	if (n > HRDEX_VOCAB_NEAREST_MAX)
		n = HRDEX_VOCAB_NEAREST_MAX;

	if ((!l && !added) || !value || n <= 0 || (lv = strlen(value)) > NEAR_MAX)
		return 0;
	sets[0] = l ? l->entries : NULL;
	sets[1] = added;
	/* the built-in entries, then the registry's (regext.h) */
	for (set = 0; set < 2; set++)
	cJSON_ArrayForEach(e, sets[set]) {
		const cJSON *eid = cJSON_GetObjectItemCaseSensitive(e, "id");
		const char *id = cJSON_IsString(eid) ? eid->valuestring : "";
		size_t li = strlen(id), longer = li > lv ? li : lv;

		d = edit_distance(value, lv, id, li);
		/* Near: a third of the letters wrong at most, or the value is a
		 * word of the id ("defenders"); an exact entry is not "near". */
		if (d == 0 || (d * 3 > longer && !(lv >= 4 && strstr(id, value))))
			continue;
		/* insert in order of distance; equal distances keep the list's order */
		for (k = count; k > 0 && dist[k - 1] > d; k--) {
			if (k < n) {
				dist[k] = dist[k - 1];
				out[k] = out[k - 1];
			}
		}
		if (k < n) {
			dist[k] = d;
			out[k] = id;
			if (count < n)
				count++;
		}
	}
	return count;
}

/* Case folded, accents and default ignorables dropped, compatibility forms
 * lumped, NFC: how hrdex_vocab_find compares.  NULL when out of memory or
 * not UTF-8. */
static char *fold(const char *s)
{
	utf8proc_uint8_t *r = NULL;

	if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &r,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
				 UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STRIPMARK | UTF8PROC_LUMP) < 0)
		return NULL;
	return (char *)r;
}

/* Every id and label of every list, folded once: finding is then one fold
 * and a scan, cheap enough for the cache to run on every document. */
struct folded {
	const struct vlist *list;
	const char *id;
	char *key;
};

static struct folded *folds;
static size_t nfolds;
static pthread_once_t folded_once = PTHREAD_ONCE_INIT;

static void fold_all(void)
{
	size_t i, n = 0;
	const cJSON *e, *label;

	pthread_once(&loaded, load);
	for (i = 0; i < nlists; i++)
		cJSON_ArrayForEach(e, lists[i].entries) {
			n++;
			cJSON_ArrayForEach(label, cJSON_GetObjectItemCaseSensitive(e, "labels"))
				n++;
		}
	folds = calloc(n ? n : 1, sizeof(*folds));
	if (!folds)
		return; /* out of memory: nothing is found, every text stays a name */
	for (i = 0; i < nlists; i++)
		cJSON_ArrayForEach(e, lists[i].entries) {
			const char *id = cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring;
			char *key = fold(id);

			if (key)
				folds[nfolds++] = (struct folded){ &lists[i], id, key };
			cJSON_ArrayForEach(label, cJSON_GetObjectItemCaseSensitive(e, "labels")) {
				if (!cJSON_IsString(label) || !(key = fold(label->valuestring)))
					continue;
				folds[nfolds++] = (struct folded){ &lists[i], id, key };
			}
		}
}

const char *hrdex_vocab_find(const char *list, const char *text)
{
	const struct vlist *l = find_list(list);
	const cJSON *e;
	const char *id = NULL;
	char *key;
	size_t i;

	if (!list || !text)
		return NULL;
	/* An id, of a built-in entry or one the registry added (regext.h). */
	if ((e = find_entry(list, text)))
		return cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring;
	/* A label: only the built-in lists are folded (once); a label the
	 * registry added is found by its id alone. */
	if (!l)
		return NULL;
	pthread_once(&folded_once, fold_all);
	if (!(key = fold(text)))
		return NULL;
	for (i = 0; i < nfolds && !id; i++)
		if (folds[i].list == l && !strcmp(folds[i].key, key))
			id = folds[i].id;
	free(key);
	return id;
}

int hrdex_vocab_check(void)
{
	const struct hrdex_builtin_file *f;
	int count = 0;

	for (f = hrdex_builtin_lists; f->name; f++) {
		char name[ID_MAX + 1], why[256];
		cJSON *root;
		int r;

		if (!file_list_name(f, name))
			return hrdex_error_set(HRDEX_E_INTERNAL,
					       "schemas/lists/%s: a list file must be named NAME.json", f->name);
		root = file_parse(f);
		if (!root)
			return hrdex_error_set(HRDEX_E_INTERNAL, "schemas/lists/%s: not valid JSON", f->name);
		r = list_problem(name, root, why, sizeof(why));
		cJSON_Delete(root);
		if (r < 0)
			return hrdex_error_set(HRDEX_E_INTERNAL, "schemas/lists/%s: %s", f->name, why);
		count++;
	}
	if (!count)
		return hrdex_error_set(HRDEX_E_INTERNAL, "no controlled list is built in");
	return 0;
}
