/*
 * semantic.c - the document rules no schema can state (see semantic.h).
 */
#include "semantic.h"
#include "date.h"
#include "doc.h"
#include "doctype.h"
#include "buf.h"
#include "config.h"
#include "error.h"
#include "name.h"
#include "schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* tools/countries.sh, from Debian's iso-codes (json/iso_3166-1.json). */
extern const char hrdex_iso3166_alpha3[][4];
extern const size_t hrdex_iso3166_count;

/*
 * Codes in use for a country that ISO 3166-1 does not list.  XKX: Kosovo,
 * the user-assigned code the European Commission, the IMF, the World Bank
 * and UN agencies' data use (ISO has no code for it; UN documents name it
 * under Security Council resolution 1244).  Sorted.
 */
static const char extra_countries[][4] = { "XKX" };

/* ---- countries ---- */

static int code_cmp(const void *key, const void *elem)
{
	return strncmp(key, elem, 4);
}

int hrdex_country_valid(const char *code)
{
	if (strlen(code) != 3)
		return 0;
	return bsearch(code, hrdex_iso3166_alpha3, hrdex_iso3166_count, 4, code_cmp) != NULL ||
	       bsearch(code, extra_countries, sizeof(extra_countries) / 4, 4, code_cmp) != NULL;
}

/* ---- language tags (RFC 5646, section 2.1) ---- */

static int all(const char *s, size_t n, int (*cls)(int))
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!cls((unsigned char)s[i]))
			return 0;
	return 1;
}

static int alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int digit(int c)
{
	return c >= '0' && c <= '9';
}

static int alnum(int c)
{
	return alpha(c) || digit(c);
}

int hrdex_langtag_valid(const char *tag)
{
	/* Irregular grandfathered tags, the only ones the grammar cannot produce. */
	static const char *const irregular[] = { "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian",
						 "i-hak", "i-klingon", "i-lux", "i-mingo", "i-navajo", "i-pwn",
						 "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
						 NULL };
	const char *sub[64];
	size_t len[64], n = 0, i = 0, j, extlangs = 0;
	const char *p = tag;
	char seen_singleton[128];

	for (j = 0; irregular[j]; j++)
		if (!strcasecmp(tag, irregular[j]))
			return 1;
	for (;;) {
		const char *dash = strchr(p, '-');
		size_t l = dash ? (size_t)(dash - p) : strlen(p);

		if (l < 1 || l > 8 || n == 64 || !all(p, l, alnum))
			return 0;
		sub[n] = p;
		len[n++] = l;
		if (!dash)
			break;
		p = dash + 1;
	}
	/* x-private alone */
	if (len[0] == 1 && (sub[0][0] == 'x' || sub[0][0] == 'X'))
		goto privateuse;
	/* language */
	if (len[0] < 2 || !all(sub[0], len[0], alpha))
		return 0;
	i = 1;
	if (len[0] <= 3)
		while (i < n && extlangs < 3 && len[i] == 3 && all(sub[i], 3, alpha))
			i++, extlangs++;
	/* script */
	if (i < n && len[i] == 4 && all(sub[i], 4, alpha))
		i++;
	/* region */
	if (i < n && ((len[i] == 2 && all(sub[i], 2, alpha)) || (len[i] == 3 && all(sub[i], 3, digit))))
		i++;
	/* variants, each at most once */
	while (i < n && ((len[i] >= 5) || (len[i] == 4 && digit((unsigned char)sub[i][0])))) {
		for (j = 0; j < i; j++)
			if (len[j] == len[i] && !strncasecmp(sub[j], sub[i], len[i]))
				return 0;
		i++;
	}
	/* extensions: a singleton other than x, each at most once, then 2-8 */
	memset(seen_singleton, 0, sizeof(seen_singleton));
	while (i < n && len[i] == 1 && tolower((unsigned char)sub[i][0]) != 'x') {
		int c = tolower((unsigned char)sub[i][0]);

		if (seen_singleton[c])
			return 0;
		seen_singleton[c] = 1;
		if (++i >= n || len[i] < 2)
			return 0;
		while (i < n && len[i] >= 2)
			i++;
	}
	if (i == n)
		return 1;
	if (len[i] != 1 || tolower((unsigned char)sub[i][0]) != 'x')
		return 0;
privateuse:
	/* "x" then one or more subtags of 1-8 (already checked) */
	return i + 1 < n || (i == 0 && n > 1);
}

/* ---- reporting ---- */

struct ctx {
	struct hrdex_problems *problems;
	size_t from;
	int failed;
};

static void add(struct ctx *c, const char *pointer, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(struct ctx *c, const char *pointer, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	size_t i;

	if (c->failed)
		return;
	for (i = c->from; i < c->problems->count; i++)
		if (!strcmp(c->problems->items[i].pointer, pointer))
			return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap); /* a long value is cut, the pointer says where */
	va_end(ap);
	if (hrdex_problems_add(c->problems, pointer, "semantic", "%s", msg) < 0)
		c->failed = 1;
}

static const char *str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- dates ---- */

/*
 * Compare two dates or date-times: -1, 0 or 1, or 2 when either is not one
 * (the schema reports that).  Two date-times compare as instants; a date
 * and a date-time by the date-time's date as written (local at the venue).
 */
static int when_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	long da, db;
	time_t ta, tb;

	if (la > 10 && lb > 10) {
		if (hrdex_datetime_parse(&ta, a) < 0 || hrdex_datetime_parse(&tb, b) < 0)
			return 2;
		return (ta > tb) - (ta < tb);
	}
	if ((la != 10 && hrdex_datetime_parse(&ta, a) < 0) || (lb != 10 && hrdex_datetime_parse(&tb, b) < 0) ||
	    hrdex_date_to_days(&da, a) < 0 || hrdex_date_to_days(&db, b) < 0)
		return 2;
	{
		char x[11], y[11];

		snprintf(x, sizeof(x), "%.10s", a);
		snprintf(y, sizeof(y), "%.10s", b);
		if (!hrdex_date_valid(x) || !hrdex_date_valid(y))
			return 2;
	}
	return (da > db) - (da < db);
}

/* The interval obj.start_key .. obj.end_key (at pointer base). */
static void interval(struct ctx *c, const cJSON *obj, const char *base, const char *start_key, const char *end_key)
{
	const char *s = str(obj, start_key), *e = str(obj, end_key);
	char pe[256], ps[256];

	if (!s || !e || when_cmp(e, s) != -1)
		return;
	snprintf(pe, sizeof(pe), "%s/%s", base, end_key);
	snprintf(ps, sizeof(ps), "%s/%s", base, start_key);
	add(c, pe, "'%s' is before the start '%s' (%s)", e, s, ps);
}

/* A list of objects whose `date`s must not go back in time. */
static void in_order(struct ctx *c, const cJSON *list, const char *base, const char *what)
{
	const cJSON *item;
	const char *prev = NULL;
	size_t i = 0, previ = 0;
	char p[256];

	cJSON_ArrayForEach(item, (cJSON_IsArray(list) ? list : NULL)) {
		const char *d = str(item, "date");

		if (d && prev && when_cmp(d, prev) == -1) {
			snprintf(p, sizeof(p), "%s/%zu/date", base, i);
			add(c, p, "'%s' is before '%s' (%s/%zu/date): %s", d, prev, base, previ, what);
		}
		if (d) {
			prev = d;
			previ = i;
		}
		i++;
	}
}

static void intervals(struct ctx *c, const cJSON *doc, const char *type)
{
	if (!strcmp(type, "event")) {
		interval(c, doc, "", "start", "end");
	} else if (!strcmp(type, "visit")) {
		const cJSON *dates = cJSON_GetObjectItemCaseSensitive(doc, "dates"), *item;
		const char *s = str(dates, "start"), *e = str(dates, "end");
		size_t i = 0;
		char p[256];

		interval(c, dates, "/dates", "start", "end");
		in_order(c, cJSON_GetObjectItemCaseSensitive(doc, "programme"), "/programme",
			 "the programme is in chronological order");
		/* Each activity falls within the visit, when it gives its dates. */
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, "programme")) {
			const char *d = str(item, "date");

			snprintf(p, sizeof(p), "/programme/%zu/date", i++);
			if (d && s && (!e || when_cmp(e, s) != -1) && when_cmp(d, s) == -1)
				add(c, p, "'%s' is before the visit's start '%s' (/dates/start)", d, s);
			else if (d && e && when_cmp(e, s ? s : e) != -1 && when_cmp(d, e) == 1)
				add(c, p, "'%s' is after the visit's end '%s' (/dates/end)", d, e);
		}
	} else if (!strcmp(type, "recommendation")) {
		in_order(c, cJSON_GetObjectItemCaseSensitive(doc, "follow_up"), "/follow_up",
			 "follow-up steps are listed oldest first");
	}
	/* report and practice */
	interval(c, cJSON_GetObjectItemCaseSensitive(doc, "period"), "/period", "from", "to");
}

/* ---- countries ---- */

static void country(struct ctx *c, const char *code, const char *pointer)
{
	/* Other shapes are the schema's to report. */
	if (strlen(code) != 3 || !all(code, 3, isupper) || hrdex_country_valid(code))
		return;
	add(c, pointer, "'%s' is not an ISO 3166-1 alpha-3 country code", code);
}

/* Every country field of the document's type, as the type table lists them
 * (doctype.h: "countries", "addressee", "place.country"…), one list or one
 * code each; the pointer is the field's path with '.' as '/'. */
static void countries(struct ctx *c, const cJSON *doc)
{
	const struct hrdex_doctype *t = hrdex_doctype_get(str(doc, "type"));
	const cJSON *v, *e;
	size_t i, k;
	char p[96];

	for (i = 0; t && i < sizeof(t->countries) / sizeof(t->countries[0]) && t->countries[i]; i++) {
		const char *path = t->countries[i], *dot;
		size_t n = 0;

		p[0] = '\0';
		for (v = doc; v && *path; path = dot ? dot + 1 : path + strlen(path)) {
			char key[64];

			dot = strchr(path, '.');
			if (hrdex_fmt(key, sizeof(key), "%.*s", (int)(dot ? (size_t)(dot - path) : strlen(path)),
				      path) < 0)
				return; /* the table's own paths are short */
			v = cJSON_GetObjectItemCaseSensitive(v, key);
			if (hrdex_fmt(p + n, sizeof(p) - n, "/%s", key) < 0)
				return;
			n += strlen(p + n);
		}
		if (cJSON_IsString(v)) {
			country(c, v->valuestring, p);
			continue;
		}
		k = 0;
		cJSON_ArrayForEach(e, v) {
			char q[128];

			snprintf(q, sizeof(q), "%s/%zu", p, k++); /* fits: p is at most 95 bytes */
			if (cJSON_IsString(e))
				country(c, e->valuestring, q);
		}
	}
}

/* ---- language tags ---- */

static void langtag(struct ctx *c, const char *tag, const char *pointer)
{
	if (!hrdex_langtag_valid(tag))
		add(c, pointer, "'%s' is not a well-formed BCP 47 language tag", tag);
}

/* A language map at pointer base (an object; anything else is the schema's). */
static void langmap(struct ctx *c, const cJSON *map, const char *base)
{
	const cJSON *e, *f;
	char *p;

	cJSON_ArrayForEach(e, (cJSON_IsObject(map) ? map : NULL)) {
		p = hrdex_pointer_append(base, e->string);
		if (!p) {
			c->failed = 1;
			hrdex_error_oom();
			return;
		}
		langtag(c, e->string, p);
		for (f = map->child; f != e; f = f->next)
			if (!strcasecmp(f->string, e->string)) {
				add(c, p, "'%s' is the language tag '%s' again (tags ignore case)", e->string, f->string);
				break;
			}
		free(p);
	}
}

static void languages(struct ctx *c, const cJSON *doc)
{
	static const char *const maps[] = { "title", "summary", "text", "body", "description", "results", "lessons" };
	const cJSON *e;
	size_t i, k = 0;
	char p[64];

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(p, sizeof(p), "/%s", maps[i]);
		langmap(c, cJSON_GetObjectItemCaseSensitive(doc, maps[i]), p);
	}
	langmap(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "place"), "name"),
		"/place/name");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "follow_up")) {
		snprintf(p, sizeof(p), "/follow_up/%zu/note", k++);
		langmap(c, cJSON_GetObjectItemCaseSensitive(e, "note"), p);
	}
	k = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "programme")) {
		snprintf(p, sizeof(p), "/programme/%zu/activity", k++);
		langmap(c, cJSON_GetObjectItemCaseSensitive(e, "activity"), p);
	}
	k = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "languages")) {
		snprintf(p, sizeof(p), "/languages/%zu", k++);
		if (cJSON_IsString(e))
			langtag(c, e->valuestring, p);
	}
}

/* ---- refs ---- */

static void ref(struct ctx *c, const char *text, const char *pointer)
{
	struct hrdex_ref r;
	size_t n = strlen(text);

	/* hrdex_ref_parse tolerates ".json" (a path given on the command
	 * line); a ref in a document never carries it. */
	if (!(n > 5 && !strcmp(text + n - 5, ".json")) && hrdex_ref_parse(&r, text) == 0)
		return;
	add(c, pointer, "'%s' is not a document ref PUBLISHER/TYPE/ID (a publisher id, one of the document types, "
		     "an id)", text);
}

static void refs(struct ctx *c, const cJSON *doc)
{
	const cJSON *e;
	size_t k = 0;
	char p[64];

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "links")) {
		snprintf(p, sizeof(p), "/links/%zu/ref", k++);
		if (str(e, "ref"))
			ref(c, str(e, "ref"), p);
	}
	k = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "follow_up")) {
		snprintf(p, sizeof(p), "/follow_up/%zu/ref", k++);
		if (str(e, "ref"))
			ref(c, str(e, "ref"), p);
	}
	if (str(doc, "report"))
		ref(c, str(doc, "report"), "/report");
}

/* ---- attachment names ---- */

static int attachments(struct ctx *c, const cJSON *doc)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "attachments"), *e;
	size_t n = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 0, k = 0, m = 0, x, y;
	const char **names;
	size_t *lens, *index;
	char p[64];
	int r;

	if (!n)
		return 0;
	names = calloc(n, sizeof(*names));
	lens = calloc(n, sizeof(*lens));
	index = calloc(n, sizeof(*index));
	if (!names || !lens || !index) {
		free(names);
		free(lens);
		free(index);
		return hrdex_error_oom();
	}
	cJSON_ArrayForEach(e, list) {
		const char *name = str(e, "name"), *why;

		snprintf(p, sizeof(p), "/attachments/%zu/name", k);
		if (name && (why = hrdex_name_safe(name, strlen(name))) != NULL)
			add(c, p, "'%s' is not a safe file name: %s", name, why);
		else if (name) {
			names[m] = name;
			lens[m] = strlen(name);
			index[m++] = k;
		}
		k++;
	}
	r = hrdex_names_clash(names, lens, m, &x, &y);
	if (r > 0) {
		snprintf(p, sizeof(p), "/attachments/%zu/name", index[y]);
		add(c, p, "'%s' and '%s' (/attachments/%zu/name) differ only in case or Unicode normalisation",
		    names[y], names[x], index[x]);
		r = 0;
	}
	free(names);
	free(lens);
	free(index);
	return r;
}

/* ---- version 2 ---- */

/*
 * Dates at any precision (date.h, hrdex_pdate_range): 1 when end is before
 * start, else 0 (also when either is not a date: the schema says so).  Two
 * date-times with offsets compare as instants, two local ones (the same
 * document's time zone) as written; anything else by the days each covers,
 * so "2016-04" .. "2016-04-06" is an interval and "2016-05" .. "2016-04" is
 * not.
 */
static int v2_before(const char *end, const char *start)
{
	char ef[11], el[11], sf[11], sl[11];
	int ep, sp;
	time_t te, ts;

	if (hrdex_pdate_range(end, ef, el, &ep) < 0 || hrdex_pdate_range(start, sf, sl, &sp) < 0)
		return 0;
	if (ep == 5 && sp == 5) {
		int eo = hrdex_datetime_parse(&te, end) == 0, so = hrdex_datetime_parse(&ts, start) == 0;

		if (eo && so)
			return te < ts;
		if (!eo && !so) {
			char a[20], b[20];

			/* "hh:mm" is "hh:mm:00" */
			snprintf(a, sizeof(a), "%.16s:%.2s", end, strlen(end) > 16 ? end + 17 : "00");
			snprintf(b, sizeof(b), "%.16s:%.2s", start, strlen(start) > 16 ? start + 17 : "00");
			return strcmp(a, b) < 0;
		}
	}
	return strcmp(el, sf) < 0;
}

/* obj.start_key .. obj.end_key of version 2 (at pointer base). */
static void v2_interval(struct ctx *c, const cJSON *obj, const char *base, const char *start_key,
			const char *end_key)
{
	const char *s = str(obj, start_key), *e = str(obj, end_key);
	char pe[256], ps[256];

	if (!s || !e || !v2_before(e, s))
		return;
	snprintf(pe, sizeof(pe), "%s/%s", base, end_key);
	snprintf(ps, sizeof(ps), "%s/%s", base, start_key);
	add(c, pe, "'%s' is before the start '%s' (%s)", e, s, ps);
}

/* Each item of doc.list from its start to its end. */
static void v2_intervals_of(struct ctx *c, const cJSON *doc, const char *list)
{
	const cJSON *item;
	size_t i = 0;
	char p[96];

	cJSON_ArrayForEach(item, (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, list)) ?
				  cJSON_GetObjectItemCaseSensitive(doc, list) : NULL)) {
		snprintf(p, sizeof(p), "/%s/%zu", list, i++); /* fits: list names are short */
		v2_interval(c, item, p, "start", "end");
	}
}

static void v2_intervals(struct ctx *c, const cJSON *doc)
{
	v2_interval(c, doc, "", "start", "end");   /* event, visit */
	v2_intervals_of(c, doc, "sittings");
	v2_intervals_of(c, doc, "agenda");
	v2_intervals_of(c, doc, "programme");
	v2_interval(c, cJSON_GetObjectItemCaseSensitive(doc, "period"), "/period", "from", "to");
}

/*
 * Lists of version 2 whose items follow each other in time (an event's
 * sittings, a visit's programme, a visit's status history): each item's key
 * (start or date) is not before the previous item's.  Items without it are
 * skipped; partial dates compare by the days they cover (v2_before).
 */
static void v2_in_order(struct ctx *c, const cJSON *doc, const char *list, const char *key, const char *what)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(doc, list), *item;
	const char *prev = NULL;
	size_t i = 0, previ = 0;
	char p[96];

	cJSON_ArrayForEach(item, (cJSON_IsArray(l) ? l : NULL)) {
		const char *d = str(item, key);

		if (d && prev && v2_before(d, prev)) {
			if (hrdex_fmt(p, sizeof(p), "/%s/%zu/%s", list, i, key) < 0)
				return; /* the lists' names are short */
			add(c, p, "'%s' is before '%s' (/%s/%zu/%s): %s", d, prev, list, previ, key, what);
		}
		if (d) {
			prev = d;
			previ = i;
		}
		i++;
	}
}

/*
 * Each item of doc.list (an event's sittings, a visit's programme) lies
 * within the document's own start..end, when the document gives them (an
 * agenda may not: an NGO forum is held before the session it prepares).
 */
static void v2_within(struct ctx *c, const cJSON *doc, const char *list, const char *whose)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(doc, list), *item;
	const char *s = str(doc, "start"), *e = str(doc, "end");
	size_t i = 0;
	char p[96];

	if (s && e && v2_before(e, s))
		return; /* the interval itself is wrong and reported */
	cJSON_ArrayForEach(item, (cJSON_IsArray(l) ? l : NULL)) {
		const char *is = str(item, "start"), *ie = str(item, "end");

		if (is && s && v2_before(is, s)) {
			if (hrdex_fmt(p, sizeof(p), "/%s/%zu/start", list, i) < 0)
				return;
			add(c, p, "'%s' is before the %s start '%s' (/start)", is, whose, s);
		} else if (e && (ie || is) && v2_before(e, ie ? ie : is)) {
			if (hrdex_fmt(p, sizeof(p), "/%s/%zu/%s", list, i, ie ? "end" : "start") < 0)
				return;
			add(c, p, "'%s' is after the %s end '%s' (/end)", ie ? ie : is, whose, e);
		}
		i++;
	}
}

/* A visit's status is the last step of its history, when it gives one. */
static void v2_status_history(struct ctx *c, const cJSON *doc)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(doc, "status_history");
	const cJSON *last = cJSON_IsArray(h) ? cJSON_GetArrayItem(h, cJSON_GetArraySize(h) - 1) : NULL;
	const char *now = str(doc, "status"), *was = str(last, "status");
	char p[96];

	v2_in_order(c, doc, "status_history", "date", "the status history is listed oldest first");
	if (now && was && strcmp(now, was) &&
	    hrdex_fmt(p, sizeof(p), "/status_history/%d/status", cJSON_GetArraySize(h) - 1) == 0)
		add(c, p, "the last step of the history is '%s' but the visit's status is '%s' (/status)", was, now);
}

static void v2_sequences(struct ctx *c, const cJSON *doc)
{
	v2_in_order(c, doc, "sittings", "start", "sittings are listed in chronological order");
	v2_within(c, doc, "sittings", "event's");
	v2_in_order(c, doc, "programme", "start", "the programme is listed in chronological order");
	v2_within(c, doc, "programme", "visit's");
	v2_status_history(c, doc);
}

/* A ref of version 2: PUBLISHER/TYPE/ID with any type slug, so that a
 * document may name one of a type added by a later version. */
static void v2_ref(struct ctx *c, const char *text, const char *pointer)
{
	const char *s1 = strchr(text, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	char pub[HRDEX_PUBLISHER_MAX + 1];
	size_t plen = s1 ? (size_t)(s1 - text) : 0, tlen = s2 ? (size_t)(s2 - s1 - 1) : 0, i;
	int ok = s2 && plen <= HRDEX_PUBLISHER_MAX && tlen >= 1 && tlen <= 14 && s1[1] >= 'a' && s1[1] <= 'z' &&
		 hrdex_doc_id_valid(s2 + 1);

	for (i = 1; ok && i < tlen; i++)
		ok = (s1[1 + i] >= 'a' && s1[1 + i] <= 'z') || digit((unsigned char)s1[1 + i]) || s1[1 + i] == '-';
	if (ok) {
		memcpy(pub, text, plen);
		pub[plen] = '\0';
		ok = hrdex_publisher_valid(pub);
	}
	if (!ok)
		add(c, pointer, "'%s' is not a document ref PUBLISHER/TYPE/ID (a publisher id, a type slug, an id)",
		    text);
}

/* Members whose values are country codes, one or a list, wherever they are
 * (party.country, place.country, visited, recommending_states, states...). */
static int country_member(const char *name)
{
	static const char *const names[] = { "country", "countries", "visited", "recommending_states", "states" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

/* A local date-time: a date-time (hrdex_pdate_range's precision 5) with no
 * offset. */
static int local_datetime(const char *s)
{
	char first[11], last[11];
	int precision;
	time_t t;

	return strlen(s) > 10 && hrdex_pdate_range(s, first, last, &precision) == 0 && precision == 5 &&
	       hrdex_datetime_parse(&t, s) < 0;
}

/*
 * Every member of node (at pointer base) whose rule does not depend on
 * where it is: country codes, refs, and a local date-time's time zone, which
 * the object holding it or one around it gives (an event's sittings and
 * agenda, a visit's programme, a document's dates: the document's
 * "time_zone").  "ext" is the publishers' own and never checked.
 */
static void v2_walk(struct ctx *c, const cJSON *node, const char *base, int has_zone, int depth)
{
	const cJSON *e, *f;
	size_t k;
	char *p;

	if (depth > 64 || c->failed)
		return;   /* deeper than any schema of version 2 goes */
	if (cJSON_IsObject(node) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(node, "time_zone")))
		has_zone = 1;
	k = 0;
	cJSON_ArrayForEach(e, node) {
		p = cJSON_IsObject(node) ? hrdex_pointer_append(base, e->string) : hrdex_pointer_append_index(base, k);
		k++;
		if (!p) {
			c->failed = 1;
			hrdex_error_oom();
			return;
		}
		if (cJSON_IsObject(node) && depth == 0 && !strcmp(e->string, "ext")) {
			free(p);
			continue;
		}
		if (cJSON_IsString(e)) {
			if (!has_zone && local_datetime(e->valuestring))
				add(c, p, "'%s' is a local time: it needs a 'time_zone' beside it (an IANA name such as "
				    "'America/Tegucigalpa'), or give its offset from UTC", e->valuestring);
			if (cJSON_IsObject(node) && country_member(e->string))
				country(c, e->valuestring, p);
			if (cJSON_IsObject(node) && (!strcmp(e->string, "ref") || (depth == 0 && !strcmp(e->string, "report"))))
				v2_ref(c, e->valuestring, p);
		} else if (cJSON_IsArray(e) && cJSON_IsObject(node) && country_member(e->string)) {
			size_t i = 0;

			cJSON_ArrayForEach(f, e) {
				char *q = hrdex_pointer_append_index(p, i++);

				if (!q) {
					c->failed = 1;
					hrdex_error_oom();
					break;
				}
				if (cJSON_IsString(f))
					country(c, f->valuestring, q);
				free(q);
			}
		} else if (cJSON_IsObject(e) || cJSON_IsArray(e)) {
			v2_walk(c, e, p, has_zone, depth + 1);
		}
		free(p);
	}
}

/* Language tags of version 2 beyond version 1's: translations' keys and
 * interpretation languages. */
static void v2_languages(struct ctx *c, const cJSON *doc)
{
	const cJSON *e;
	size_t k = 0;
	char p[64];

	langmap(c, cJSON_GetObjectItemCaseSensitive(doc, "translations"), "/translations");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "interpretation")) {
		snprintf(p, sizeof(p), "/interpretation/%zu", k++);
		if (cJSON_IsString(e))
			langtag(c, e->valuestring, p);
	}
}

int hrdex_doc_semantic(const cJSON *doc, struct hrdex_problems *problems, size_t from)
{
	struct ctx c = { problems, from, 0 };
	const char *type = str(doc, "type");

	if (!cJSON_IsObject(doc))
		return 0;
	if (hrdex_doc_version(doc) >= 2) {
		v2_intervals(&c, doc);
		v2_sequences(&c, doc);
		v2_walk(&c, doc, "", 0, 0);
		languages(&c, doc);
		v2_languages(&c, doc);
	} else {
		intervals(&c, doc, type ? type : "");
		countries(&c, doc);
		languages(&c, doc);
		refs(&c, doc);
	}
	if (attachments(&c, doc) < 0)
		return -1;
	return c.failed ? -1 : 0;
}
