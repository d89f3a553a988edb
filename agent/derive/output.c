/*
 * output.c - query result formats (see output.h).
 */
#include "output.h"
#include "buf.h"
#include "date.h"
#include "doctype.h"
#include "error.h"
#include "json.h"
#include "text.h"
#include "utf8.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libical/ical.h>

#define FIELDS_MAX 64

/* What a row shows (csv, table, and jsonl/json with --fields): a column of
 * the cache row, or a member path into the document. */
enum column {
	COL_PATH, COL_REF, COL_PUBLISHER, COL_TYPE, COL_ID, COL_DATE, COL_START, COL_END, COL_TITLE,
	COL_LANG, COL_COUNTRIES, COL_THEMES, COL_COMMIT, COL_SCHEMA, COL_KIND, COL_STATUS, COL_RESPONSE,
	COL_DATE_FIRST, COL_DATE_LAST,
};

static const char *const column_names[] = {
	[COL_REF] = "ref",     [COL_PUBLISHER] = "publisher", [COL_TYPE] = "type",
	[COL_ID] = "id",       [COL_DATE] = "date",           [COL_START] = "start",
	[COL_END] = "end",     [COL_TITLE] = "title",         [COL_LANG] = "lang",
	[COL_COUNTRIES] = "countries", [COL_THEMES] = "themes", [COL_COMMIT] = "commit",
	/* version-2 facts of either version (facts.h): "kind" of a version-1
	 * document too, "response" for response.position */
	[COL_SCHEMA] = "schema", [COL_KIND] = "kind", [COL_STATUS] = "status", [COL_RESPONSE] = "response",
	[COL_DATE_FIRST] = "date_first", [COL_DATE_LAST] = "date_last",
};

struct field {
	char *name;          /* as given: "title.en" */
	enum column column;  /* COL_PATH: name is a dotted path */
};

struct hrdex_output {
	struct hrdex_output_opts opts;
	size_t rows;                 /* rows written so far */
	struct field fields[FIELDS_MAX];
	size_t nfields;
	int custom;                  /* --fields given */
	int paths;                   /* some field is a path: rows' json is parsed */
	char **table;                /* table: nfields cells per row, kept until finish */
	size_t ntable, atable;       /* rows */
	char **zones;                /* ics: the TZIDs used, each VTIMEZONE written at finish */
	size_t nzones;
};

/* The columns of csv and table without --fields. */
static const char csv_fields[] = "ref,publisher,type,id,date,title,countries,themes";
static const char table_fields[] = "ref,date,title";

int hrdex_format_parse(enum hrdex_format *out, const char *name)
{
	static const struct {
		const char *name;
		enum hrdex_format format;
	} formats[] = {
		{ "jsonl", HRDEX_FORMAT_JSONL }, { "json", HRDEX_FORMAT_JSON }, { "table", HRDEX_FORMAT_TABLE },
		{ "refs", HRDEX_FORMAT_REFS },   { "csv", HRDEX_FORMAT_CSV },   { "ics", HRDEX_FORMAT_ICS },
	};
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, name)) {
			*out = formats[i].format;
			return 0;
		}
	return hrdex_error_set(HRDEX_E_USAGE, "unknown format '%s' (jsonl, json, table, refs, csv, ics)", name);
}

/* A field name: a cache column, or member names of letters, digits, '_'
 * and '-' joined by single dots (a name of digits indexes an array). */
static int field_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '-' || (s[i] == '.' && s[i + 1] != '.')))
			return 0;
	return 1;
}

static int parse_fields(struct hrdex_output *o, const char *list)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ","), k;
		struct field *f;

		if (!field_valid(p, n))
			return hrdex_error_set(HRDEX_E_USAGE,
					       "invalid field '%.*s' in --fields '%s' (names or dotted paths, "
					       "e.g. ref,title.en,dates.start)", (int)n, p, list);
		if (o->nfields == FIELDS_MAX)
			return hrdex_error_set(HRDEX_E_USAGE, "more than %d fields in --fields", FIELDS_MAX);
		f = &o->fields[o->nfields];
		if (!(f->name = strndup(p, n)))
			return hrdex_error_oom();
		o->nfields++;
		f->column = COL_PATH;
		for (k = 0; k < sizeof(column_names) / sizeof(column_names[0]); k++)
			if (column_names[k] && !strcmp(column_names[k], f->name))
				f->column = (enum column)k;
		o->paths |= f->column == COL_PATH;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

int hrdex_output_new(struct hrdex_output **out, const struct hrdex_output_opts *opts)
{
	struct hrdex_output *o = calloc(1, sizeof(*o));
	const char *fields = opts->fields;

	*out = NULL;
	if (!o)
		return hrdex_error_oom();
	o->opts = *opts;
	o->opts.fields = NULL;
	o->custom = fields != NULL;
	if (fields && (opts->format == HRDEX_FORMAT_REFS || opts->format == HRDEX_FORMAT_ICS)) {
		hrdex_error_set(HRDEX_E_USAGE, "--fields works with --format csv, table, jsonl and json, not %s",
				opts->format == HRDEX_FORMAT_REFS ? "refs" : "ics");
		goto fail;
	}
	if (!fields && opts->format == HRDEX_FORMAT_CSV)
		fields = csv_fields;
	if (!fields && opts->format == HRDEX_FORMAT_TABLE)
		fields = table_fields;
	if (fields && parse_fields(o, fields) < 0)
		goto fail;
	*out = o;
	return 0;
fail:
	hrdex_output_free(o);
	return -1;
}

int hrdex_output_needs_json(const struct hrdex_output *o)
{
	size_t i;

	if (o->opts.format == HRDEX_FORMAT_REFS)
		return 0;
	if (!o->nfields)
		return o->opts.format != HRDEX_FORMAT_CSV && o->opts.format != HRDEX_FORMAT_TABLE;
	for (i = 0; i < o->nfields; i++)
		if (o->fields[i].column == COL_PATH || o->fields[i].column == COL_COMMIT)
			return 1;
	return 0;
}

void hrdex_output_free(struct hrdex_output *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->ntable * o->nfields; i++)
		free(o->table[i]);
	free(o->table);
	for (i = 0; i < o->nfields; i++)
		free(o->fields[i].name);
	for (i = 0; i < o->nzones; i++)
		free(o->zones[i]);
	free(o->zones);
	free(o);
}

/* ---- display width ---- */

struct range {
	unsigned lo, hi;
};

/* Nonspacing and enclosing marks, format characters: no column. */
static const struct range zero_width[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x05bf, 0x05bf }, { 0x05c1, 0x05c2 },
	{ 0x05c4, 0x05c5 }, { 0x05c7, 0x05c7 }, { 0x0610, 0x061a }, { 0x061c, 0x061c }, { 0x064b, 0x065f },
	{ 0x0670, 0x0670 }, { 0x06d6, 0x06dc }, { 0x06df, 0x06e4 }, { 0x06e7, 0x06e8 }, { 0x06ea, 0x06ed },
	{ 0x0711, 0x0711 }, { 0x0730, 0x074a }, { 0x0900, 0x0902 }, { 0x093c, 0x093c }, { 0x0941, 0x0948 },
	{ 0x094d, 0x094d }, { 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x0e47, 0x0e4e }, { 0x1ab0, 0x1aff },
	{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x20d0, 0x20ff },
	{ 0x302a, 0x302d }, { 0x3099, 0x309a }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff },
	{ 0xe0100, 0xe01ef },
};

/* East Asian Wide and Fullwidth: two columns. */
static const struct range wide[] = {
	{ 0x1100, 0x115f },   { 0x231a, 0x231b },   { 0x2329, 0x232a },   { 0x23e9, 0x23ec },
	{ 0x2e80, 0x303e },   { 0x3041, 0x33ff },   { 0x3400, 0x4dbf },   { 0x4e00, 0x9fff },
	{ 0xa000, 0xa4cf },   { 0xa960, 0xa97f },   { 0xac00, 0xd7a3 },   { 0xf900, 0xfaff },
	{ 0xfe10, 0xfe19 },   { 0xfe30, 0xfe6f },   { 0xff00, 0xff60 },   { 0xffe0, 0xffe6 },
	{ 0x16fe0, 0x16fe4 }, { 0x17000, 0x18cff }, { 0x1b000, 0x1b2ff }, { 0x1f300, 0x1f64f },
	{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
};

static int in_ranges(unsigned cp, const struct range *r, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

static int cp_width(unsigned cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	if (in_ranges(cp, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
		return 0;
	if (in_ranges(cp, wide, sizeof(wide) / sizeof(wide[0])))
		return 2;
	return 1;
}

size_t hrdex_output_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0, len;

	while (*p) {
		w += (size_t)cp_width(hrdex_utf8_next(p, &len));
		p += len;
	}
	return w;
}

/* ---- small helpers ---- */

static const char *str_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A plain string member, or the default-language entry of a language map
 * ("en" when present, else the first key in code-point order). */
static const char *text_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key), *e, *best = NULL;

	if (cJSON_IsString(v))
		return v->valuestring;
	if (!cJSON_IsObject(v))
		return NULL;
	for (e = v->child; e; e = e->next) {
		if (!cJSON_IsString(e))
			continue;
		if (!strcmp(e->string, "en"))
			return e->valuestring;
		if (!best || strcmp(e->string, best->string) < 0)
			best = e;
	}
	return best ? best->valuestring : NULL;
}

/* Append the strings of a JSON array text joined by sep. */
static int put_list(struct hrdex_buf *b, const char *json, const char *sep)
{
	cJSON *arr = json ? cJSON_Parse(json) : NULL, *e;
	int first = 1, ret = 0;

	cJSON_ArrayForEach(e, (cJSON_IsArray(arr) ? arr : NULL)) {
		if (!cJSON_IsString(e))
			continue;
		if ((!first && hrdex_buf_puts(b, sep) < 0) || hrdex_buf_puts(b, e->valuestring) < 0) {
			ret = -1;
			break;
		}
		first = 0;
	}
	cJSON_Delete(arr);
	return ret;
}

/* ---- fields ---- */

/* The value a row's cache column holds for f, NULL when none. */
static const char *column_value(const struct field *f, const struct hrdex_query_row *row)
{
	switch (f->column) {
	case COL_REF: return row->ref;
	case COL_PUBLISHER: return row->publisher;
	case COL_TYPE: return row->type;
	case COL_ID: return row->id;
	case COL_DATE: return row->date;
	case COL_START: return row->start;
	case COL_END: return row->end;
	case COL_TITLE: return row->title;
	case COL_LANG: return row->lang;
	case COL_COUNTRIES: return row->countries;
	case COL_THEMES: return row->themes;
	case COL_COMMIT: return row->commit;
	case COL_SCHEMA: return row->schema;
	case COL_KIND: return row->kind;
	case COL_STATUS: return row->status;
	case COL_RESPONSE: return row->response;
	case COL_DATE_FIRST: return row->date_first;
	case COL_DATE_LAST: return row->date_last;
	case COL_PATH: break;
	}
	return NULL;
}

/* The member of doc at a dotted path; NULL when it has none. */
static const cJSON *path_value(const cJSON *doc, const char *path)
{
	const cJSON *v = doc;
	char name[256];

	while (v && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(name))
			return NULL;
		memcpy(name, path, n);
		name[n] = '\0';
		if (cJSON_IsArray(v) && strspn(name, "0123456789") == n && n < 6)
			v = cJSON_GetArrayItem(v, (int)strtol(name, NULL, 10));
		else if (cJSON_IsObject(v))
			v = cJSON_GetObjectItemCaseSensitive(v, name);
		else
			v = NULL;
		path += n + (path[n] == '.');
	}
	return v;
}

/* Append a JSON value as text: a string as is, an array of strings and
 * numbers joined by ';', anything else (objects, a language map) as
 * compact JSON; null adds nothing. */
static int value_text(struct hrdex_buf *b, const cJSON *v)
{
	const cJSON *e;
	char *text;
	int ret, flat = 1;

	if (!v || cJSON_IsNull(v))
		return hrdex_buf_grow(b, 0);
	if (cJSON_IsString(v))
		return hrdex_buf_puts(b, v->valuestring);
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v) {
			flat &= cJSON_IsString(e) || cJSON_IsNumber(e) || cJSON_IsBool(e);
		}
		if (flat) {
			if (hrdex_buf_grow(b, 0) < 0)
				return -1;
			cJSON_ArrayForEach(e, v) {
				if ((e != v->child && hrdex_buf_putc(b, ';') < 0) || value_text(b, e) < 0)
					return -1;
			}
			return 0;
		}
	}
	if (!(text = cJSON_PrintUnformatted(v)))
		return hrdex_error_oom();
	ret = hrdex_buf_puts(b, text);
	free(text);
	return ret;
}

/* Append the text of field f of a row (doc: its parsed json when a field
 * is a path): a list column's values joined by ';', a missing value empty. */
static int field_text(struct hrdex_buf *b, const struct field *f, const struct hrdex_query_row *row,
		      const cJSON *doc)
{
	if (hrdex_buf_grow(b, 0) < 0)
		return -1;
	if (f->column == COL_COUNTRIES || f->column == COL_THEMES)
		return put_list(b, column_value(f, row), ";");
	if (f->column != COL_PATH) {
		const char *v = column_value(f, row);

		return v ? hrdex_buf_puts(b, v) : 0;
	}
	return value_text(b, path_value(doc, f->name));
}

/* jsonl and json with --fields: one object, the names as given for keys,
 * a missing value null. */
static int fields_object(struct hrdex_output *o, struct hrdex_buf *b, const struct hrdex_query_row *row)
{
	cJSON *doc = o->paths ? cJSON_Parse(row->json) : NULL, *obj = cJSON_CreateObject(), *v;
	char *text = NULL;
	size_t i;
	int ret = -1;

	if (!obj)
		goto oom;
	for (i = 0; i < o->nfields; i++) {
		const struct field *f = &o->fields[i];

		if (f->column == COL_PATH) {
			const cJSON *found = path_value(doc, f->name);

			v = found ? cJSON_Duplicate(found, 1) : cJSON_CreateNull();
		} else if (f->column == COL_COUNTRIES || f->column == COL_THEMES) {
			v = cJSON_Parse(column_value(f, row) ? column_value(f, row) : "[]");
		} else {
			v = column_value(f, row) ? cJSON_CreateString(column_value(f, row)) : cJSON_CreateNull();
		}
		if (!v)
			goto oom;
		/* a name given twice: one key, the first */
		if (cJSON_GetObjectItemCaseSensitive(obj, f->name) || !cJSON_AddItemToObject(obj, f->name, v)) {
			cJSON_Delete(v);
			if (!cJSON_GetObjectItemCaseSensitive(obj, f->name))
				goto oom;
		}
	}
	if (!(text = cJSON_PrintUnformatted(obj)))
		goto oom;
	ret = hrdex_buf_puts(b, text);
	goto cleanup;
oom:
	hrdex_error_oom();
cleanup:
	free(text);
	cJSON_Delete(obj);
	cJSON_Delete(doc);
	return ret;
}

/* ---- csv ---- */

/* A cell a spreadsheet would run as a formula (OWASP "CSV injection"):
 * such a cell gets a leading "'", which spreadsheets show as text. */
static int csv_formula(const char *s)
{
	return *s && strchr("=+-@\t\r", *s);
}

static int csv_field(struct hrdex_buf *b, const char *s, int last)
{
	int ret, guard;

	s = s ? s : "";
	guard = csv_formula(s);
	if (strpbrk(s, ",\"\r\n")) {
		ret = hrdex_buf_putc(b, '"');
		if (ret == 0 && guard)
			ret = hrdex_buf_putc(b, '\'');
		for (; ret == 0 && *s; s++)
			ret = *s == '"' ? hrdex_buf_puts(b, "\"\"") : hrdex_buf_putc(b, *s);
		if (ret == 0)
			ret = hrdex_buf_putc(b, '"');
	} else {
		ret = guard ? hrdex_buf_putc(b, '\'') : 0;
		if (ret == 0)
			ret = hrdex_buf_puts(b, s);
	}
	if (ret == 0)
		ret = hrdex_buf_puts(b, last ? "\r\n" : ",");
	return ret;
}

static int csv_header(struct hrdex_output *o, struct hrdex_buf *b)
{
	size_t i;

	for (i = 0; i < o->nfields; i++)
		if (csv_field(b, o->fields[i].name, i + 1 == o->nfields) < 0)
			return -1;
	return 0;
}

static int csv_row(struct hrdex_output *o, struct hrdex_buf *b, const struct hrdex_query_row *row)
{
	struct hrdex_buf cell = HRDEX_BUF_INIT;
	cJSON *doc = o->paths ? cJSON_Parse(row->json) : NULL;
	size_t i;
	int ret = -1;

	for (i = 0; i < o->nfields; i++) {
		hrdex_buf_clear(&cell);
		if (field_text(&cell, &o->fields[i], row, doc) < 0 ||
		    csv_field(b, cell.ptr, i + 1 == o->nfields) < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	cJSON_Delete(doc);
	hrdex_buf_free(&cell);
	return ret;
}

/* ---- ics ---- */

/* Append one content line, folded at 75 octets (a continuation starts with a
 * space, which counts), never inside a UTF-8 sequence, ended by CRLF. */
static int ics_line(struct hrdex_buf *b, const char *line)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t col = 0, len;

	while (*p) {
		hrdex_utf8_next(p, &len);
		if (col + len > 75) {
			if (hrdex_buf_puts(b, "\r\n ") < 0)
				return -1;
			col = 1;
		}
		if (hrdex_buf_put(b, p, len) < 0)
			return -1;
		col += len;
		p += len;
	}
	return hrdex_buf_puts(b, "\r\n");
}

/* TEXT value escaping (RFC 5545 3.3.11). */
static int ics_text(struct hrdex_buf *b, const char *s)
{
	int ret = 0;

	for (; ret == 0 && *s; s++) {
		switch (*s) {
		case '\\': ret = hrdex_buf_puts(b, "\\\\"); break;
		case ';': ret = hrdex_buf_puts(b, "\\;"); break;
		case ',': ret = hrdex_buf_puts(b, "\\,"); break;
		case '\n': ret = hrdex_buf_puts(b, "\\n"); break;
		case '\r': break;
		default:
			ret = (unsigned char)*s < 0x20 && *s != '\t' ? hrdex_buf_putc(b, ' ') : hrdex_buf_putc(b, *s);
		}
	}
	return ret;
}

static int ics_prop(struct hrdex_buf *b, const char *name, const char *text, int escape)
{
	struct hrdex_buf line = HRDEX_BUF_INIT;
	int ret = -1;

	if (!text)
		return 0;
	if (hrdex_buf_printf(&line, "%s:", name) < 0 ||
	    (escape ? ics_text(&line, text) : hrdex_buf_puts(&line, text)) < 0)
		goto cleanup;
	ret = ics_line(b, line.ptr);
cleanup:
	hrdex_buf_free(&line);
	return ret;
}

static void utc_stamp(char *out, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y%m%dT%H%M%SZ", &tm);
}

/* A local date-time of version 2, "YYYY-MM-DDThh:mm" or "YYYY-MM-DDThh:mm:ss"
 * with no offset, as iCalendar's local form "YYYYMMDDThhmmss" into out (16
 * bytes); -1 when s is not one (an offset, a date, a day that does not
 * exist). */
static int ics_local_time(char out[16], const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t len = strlen(s), i;
	long days;

	if (len != 16 && len != 19)
		return -1;
	for (i = 0; i < len; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return -1;
	if (hrdex_date_to_days(&days, s) < 0 || (s[11] - '0') * 10 + (s[12] - '0') > 23 ||
	    (s[14] - '0') * 10 + (s[15] - '0') > 59 || (len == 19 && (s[17] - '0') * 10 + (s[18] - '0') > 60))
		return -1;
	hrdex_date_from_days(out, days, 0);
	memcpy(out + 8, "T", 1);
	memcpy(out + 9, s + 11, 2);
	memcpy(out + 11, s + 14, 2);
	memcpy(out + 13, len == 19 ? s + 17 : "00", 2);
	out[15] = '\0';
	return 0;
}

/*
 * The VTIMEZONE of an IANA zone, from the system's tzdata
 * (/usr/share/zoneinfo, Debian's package tzdata), made by libical: RFC 5545
 * wants one for every TZID, and libical's icaltzutil_fetch_timezone() is the
 * well-kept reader of the compiled zone files that turns their transitions
 * into observances and rules, so hrdex carries no zone table of its own and
 * follows tzdata's updates.  Its TZID is the zone's own name (libical would
 * prefix its own namespace).  NULL (no error set) when the zone is unknown
 * to the system; else the caller frees it with icalmemory_free_buffer().
 */
static char *ics_vtimezone(const char *zone)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;   /* libical keeps the zone directory in a static */
	icalcomponent *c;
	icalproperty *p;
	char *text = NULL;
	const char *z;

	/* the schema's pattern, checked again: the name becomes a path */
	if (!zone || !*zone || strlen(zone) > 64 || strstr(zone, "..") || zone[0] == '/')
		return NULL;
	for (z = zone; *z; z++)
		if (!(*z >= 'A' && *z <= 'Z') && !(*z >= 'a' && *z <= 'z') && !(*z >= '0' && *z <= '9') &&
		    !strchr("_+-/", *z))
			return NULL;
	pthread_mutex_lock(&lock);
	c = icaltzutil_fetch_timezone(zone);
	pthread_mutex_unlock(&lock);
	if (!c)
		return NULL;
	p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
	if (p) {
		icalproperty_set_tzid(p, zone);
		text = icalcomponent_as_ical_string_r(c);
	}
	icalcomponent_free(c);
	return text;
}

/* Note that zone is used (its VTIMEZONE is written by ics_end); 0 when it is
 * known, 1 when the system has no such zone, -1 out of memory (error set). */
static int ics_use_zone(struct hrdex_output *o, const char *zone)
{
	char **grown, *text;
	size_t i;

	for (i = 0; i < o->nzones; i++)
		if (!strcmp(o->zones[i], zone))
			return 0;
	text = ics_vtimezone(zone);
	if (!text)
		return 1;
	icalmemory_free_buffer(text);
	grown = realloc(o->zones, (o->nzones + 1) * sizeof(*grown));
	if (!grown)
		return hrdex_error_oom();
	o->zones = grown;
	if (!(o->zones[o->nzones] = strdup(zone)))
		return hrdex_error_oom();
	o->nzones++;
	return 0;
}

/* Every VTIMEZONE used, then the end of the calendar. */
static int ics_end(struct hrdex_output *o, struct hrdex_buf *b)
{
	size_t i;

	for (i = 0; i < o->nzones; i++) {
		char *text = ics_vtimezone(o->zones[i]);
		int r;

		if (!text)   /* gone from the system since: the events still name it */
			continue;
		/* libical writes CRLF lines folded at 75 octets, as ics_line does */
		r = hrdex_buf_puts(b, text);
		icalmemory_free_buffer(text);
		if (r < 0)
			return -1;
	}
	return ics_line(b, "END:VCALENDAR");
}

static int ics_begin(struct hrdex_buf *b)
{
	return ics_line(b, "BEGIN:VCALENDAR") < 0 || ics_line(b, "VERSION:2.0") < 0 ||
			       ics_line(b, "PRODID:-//hrdex//hrdex query//EN") < 0 ||
			       ics_line(b, "CALSCALE:GREGORIAN") < 0 ?
		       -1 :
		       0;
}

static int ics_row(struct hrdex_output *o, struct hrdex_buf *b, const struct hrdex_query_row *row)
{
	cJSON *doc = NULL;
	struct hrdex_buf loc = HRDEX_BUF_INIT;
	char stamp[32], line[256], day[11], t0s[16], t1s[16];
	const char *start = row->start, *end = row->end ? row->end : row->start, *location, *zone;
	int ret = -1;
	long d0, d1;

	if (!hrdex_doctype_get(row->type) || !hrdex_doctype_get(row->type)->calendar)
		return 0;   /* not on a calendar: its type has no interval */
	if (!start || hrdex_date_to_days(&d0, start) < 0)
		return 0;   /* no usable start */
	doc = cJSON_Parse(row->json);
	if (ics_line(b, "BEGIN:VEVENT") < 0)
		goto cleanup;
	if (hrdex_fmt(line, sizeof(line), "UID:%s@hrdex", row->ref) < 0)
		goto cleanup;
	utc_stamp(stamp, sizeof(stamp), o->opts.now);
	if (ics_line(b, line) < 0 || ics_prop(b, "DTSTAMP", stamp, 0) < 0)
		goto cleanup;
	/* SEQUENCE 0 is the default: written once the event has changed */
	if (row->sequence > 0) {
		snprintf(line, sizeof(line), "SEQUENCE:%lld", (long long)row->sequence);
		if (ics_line(b, line) < 0)
			goto cleanup;
	}
	{
		const char *status = str_member(doc, "status");

		if ((row->withdrawn || (status && !strcmp(status, "cancelled"))) && ics_line(b, "STATUS:CANCELLED") < 0)
			goto cleanup;
	}
	if (ics_local_time(t0s, start) == 0 && ics_local_time(t1s, end) == 0 && strcmp(t1s, t0s) >= 0 &&
	    (zone = str_member(doc, "time_zone")) != NULL) {
		/* version 2: a wall-clock time in the document's time_zone stays
		 * one, so a calendar shows it right across daylight-saving rules */
		int r = ics_use_zone(o, zone);

		if (r < 0)
			goto cleanup;
		if (r > 0)
			goto all_day;   /* a zone this system does not know: the days */
		if (hrdex_fmt(line, sizeof(line), "DTSTART;TZID=%s", zone) < 0 || ics_prop(b, line, t0s, 0) < 0 ||
		    hrdex_fmt(line, sizeof(line), "DTEND;TZID=%s", zone) < 0 || ics_prop(b, line, t1s, 0) < 0)
			goto cleanup;
	} else if (strchr(start, 'T') && strchr(end, 'T')) {
		time_t t0, t1;

		if (hrdex_datetime_parse(&t0, start) < 0)
			goto all_day;
		utc_stamp(stamp, sizeof(stamp), t0);
		if (ics_prop(b, "DTSTART", stamp, 0) < 0)
			goto cleanup;
		if (hrdex_datetime_parse(&t1, end) == 0 && t1 >= t0) {
			utc_stamp(stamp, sizeof(stamp), t1);
			if (ics_prop(b, "DTEND", stamp, 0) < 0)
				goto cleanup;
		}
	} else {
all_day:
		if (hrdex_date_to_days(&d1, end) < 0 || d1 < d0)
			d1 = d0;
		hrdex_date_from_days(day, d0, 0);
		if (ics_prop(b, "DTSTART;VALUE=DATE", day, 0) < 0)
			goto cleanup;
		hrdex_date_from_days(day, d1 + 1, 0);   /* DTEND is exclusive */
		if (ics_prop(b, "DTEND;VALUE=DATE", day, 0) < 0)
			goto cleanup;
	}
	if (ics_prop(b, "SUMMARY", row->title ? row->title : row->ref, 1) < 0 ||
	    ics_prop(b, "DESCRIPTION", text_member(doc, "summary"), 1) < 0)
		goto cleanup;
	location = text_member(doc, "location");
	if (!location)
		location = text_member(doc, "venue");
	if (!location && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "place"))) {
		const cJSON *place = cJSON_GetObjectItemCaseSensitive(doc, "place");
		const char *city = text_member(place, "city"), *country = str_member(place, "country");

		if (hrdex_buf_printf(&loc, "%s%s%s", city ? city : "", city && country ? ", " : "",
				     country ? country : "") < 0)
			goto cleanup;
		location = loc.len ? loc.ptr : NULL;
	}
	if (!location) {
		if (hrdex_buf_grow(&loc, 0) < 0 || put_list(&loc, row->countries, ", ") < 0)
			goto cleanup;
		location = loc.len ? loc.ptr : NULL;
	}
	if (ics_prop(b, "LOCATION", location, 1) < 0 || ics_prop(b, "URL", str_member(doc, "url"), 0) < 0 ||
	    ics_line(b, "END:VEVENT") < 0)
		goto cleanup;
	ret = 0;
cleanup:
	hrdex_buf_free(&loc);
	cJSON_Delete(doc);
	return ret;
}

/* ---- table ---- */

static int table_keep(struct hrdex_output *o, const struct hrdex_query_row *row)
{
	struct hrdex_buf cell = HRDEX_BUF_INIT;
	cJSON *doc = NULL;
	char **r;
	size_t i;
	int ret = -1;

	if (o->ntable == o->atable) {
		size_t n = o->atable ? o->atable * 2 : 64;
		char **t = realloc(o->table, n * o->nfields * sizeof(*t));

		if (!t)
			return hrdex_error_oom();
		o->table = t;
		o->atable = n;
	}
	r = &o->table[o->ntable * o->nfields];
	memset(r, 0, o->nfields * sizeof(*r));
	o->ntable++;
	doc = o->paths ? cJSON_Parse(row->json) : NULL;
	for (i = 0; i < o->nfields; i++) {
		hrdex_buf_clear(&cell);
		if (field_text(&cell, &o->fields[i], row, doc) < 0)
			goto cleanup;
		/* Titles and paths are an author's text: controls, C1 (U+009B
		 * CSI) and bidi overrides are shown escaped, a row stays one line. */
		if (!(r[i] = hrdex_text_dup(cell.ptr))) {
			hrdex_error_oom();
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	cJSON_Delete(doc);
	hrdex_buf_free(&cell);
	return ret;
}

static int pad(struct hrdex_buf *b, const char *s, size_t width)
{
	size_t w = hrdex_output_width(s);

	if (hrdex_buf_puts(b, s) < 0)
		return -1;
	for (; w < width + 2; w++)
		if (hrdex_buf_putc(b, ' ') < 0)
			return -1;
	return 0;
}

/* Append s cut to at most max columns, "…" marking a cut. */
static int put_cut(struct hrdex_buf *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0, len;

	if (!max || hrdex_output_width(s) <= max)
		return hrdex_buf_puts(b, s);
	while (*p) {
		int cw = cp_width(hrdex_utf8_next(p, &len));

		if (w + (size_t)cw + 1 > max)
			break;
		if (hrdex_buf_put(b, p, len) < 0)
			return -1;
		w += (size_t)cw;
		p += len;
	}
	return hrdex_buf_puts(b, "…");
}

/* Columns aligned by display width; the last one, cut to fit opts.width. */
static int table_finish(struct hrdex_output *o, struct hrdex_buf *b)
{
	size_t widths[FIELDS_MAX], i, j, used = 0, max = 0, nf = o->nfields;
	char head[256];

	if (!o->ntable)
		return hrdex_buf_grow(b, 0);
	for (j = 0; j < nf; j++) {
		widths[j] = hrdex_output_width(o->fields[j].name);
		for (i = 0; i < o->ntable; i++) {
			size_t w = hrdex_output_width(o->table[i * nf + j]);

			widths[j] = w > widths[j] ? w : widths[j];
		}
		if (j + 1 < nf)
			used += widths[j] + 2;
	}
	if (o->opts.width > 0)
		max = (size_t)o->opts.width > used + 10 ? (size_t)o->opts.width - used : 10;
	for (j = 0; j < nf; j++) {
		size_t k;

		snprintf(head, sizeof(head), "%s", o->fields[j].name);   /* names are at most 64 of 256 */ /* fits: names are at most 64 of 256 */
		for (k = 0; head[k]; k++)
			head[k] = (char)(head[k] >= 'a' && head[k] <= 'z' ? head[k] - 32 : head[k]);
		if ((j + 1 < nf ? pad(b, head, widths[j]) : hrdex_buf_puts(b, head)) < 0)
			return -1;
	}
	if (hrdex_buf_putc(b, '\n') < 0)
		return -1;
	for (i = 0; i < o->ntable; i++) {
		for (j = 0; j < nf; j++)
			if ((j + 1 < nf ? pad(b, o->table[i * nf + j], widths[j]) :
					  put_cut(b, o->table[i * nf + j], max)) < 0)
				return -1;
		if (hrdex_buf_putc(b, '\n') < 0)
			return -1;
	}
	return 0;
}

/* ---- dispatch ---- */

int hrdex_output_row(struct hrdex_output *o, struct hrdex_buf *b, const struct hrdex_query_row *row)
{
	int first = o->rows++ == 0;

	switch (o->opts.format) {
	case HRDEX_FORMAT_JSONL:
		if ((o->custom ? fields_object(o, b, row) : hrdex_buf_puts(b, row->json)) < 0)
			return -1;
		return hrdex_buf_putc(b, '\n');
	case HRDEX_FORMAT_JSON:
		if (hrdex_buf_puts(b, first ? "[\n" : ",\n") < 0)
			return -1;
		return o->custom ? fields_object(o, b, row) : hrdex_buf_puts(b, row->json);
	case HRDEX_FORMAT_REFS:
		return hrdex_buf_puts(b, row->ref) < 0 ? -1 : hrdex_buf_putc(b, '\n');
	case HRDEX_FORMAT_CSV:
		if (first && csv_header(o, b) < 0)
			return -1;
		return csv_row(o, b, row);
	case HRDEX_FORMAT_ICS:
		if (first && ics_begin(b) < 0)
			return -1;
		return ics_row(o, b, row);
	case HRDEX_FORMAT_TABLE:
		return table_keep(o, row);
	}
	return hrdex_error_set(HRDEX_E_INTERNAL, "unknown output format");
}

int hrdex_output_finish(struct hrdex_output *o, struct hrdex_buf *b)
{
	int none = o->rows == 0;

	switch (o->opts.format) {
	case HRDEX_FORMAT_JSON:
		return hrdex_buf_puts(b, none ? "[]\n" : "\n]\n");
	case HRDEX_FORMAT_CSV:
		return none ? csv_header(o, b) : 0;
	case HRDEX_FORMAT_ICS:
		if (none && ics_begin(b) < 0)
			return -1;
		return ics_end(o, b);
	case HRDEX_FORMAT_TABLE:
		return table_finish(o, b);
	default:
		return hrdex_buf_grow(b, 0);
	}
}
